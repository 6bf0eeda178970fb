//! What the identity slice keeps in the composed application, and how its pages and the other
//! slices' pages reach it.

use std::sync::Arc;

use guichet_web::App;
use guichet_web::error::PageError;

use crate::Accounts;
use crate::oidc::OpenId;

/// What the identity slice keeps in the application: the accounts service and OpenID login.
/// The app inserts it when it composes the slice.
#[derive(Clone)]
pub struct IdentityState {
    pub accounts: Arc<Accounts>,
    /// OpenID Connect login (no providers configured: no buttons, every start refused).
    pub openid: Arc<OpenId>,
    /// The address people reach guichet at (links in e-mails), without a trailing slash.
    pub public_url: String,
}

fn state(app: &App) -> Result<&IdentityState, PageError> {
    app.slice_state::<IdentityState>().ok_or_else(|| {
        PageError::internal(&"the identity slice's state was not composed into the app")
    })
}

/// The accounts service of the application.
pub fn accounts(app: &App) -> Result<&Accounts, PageError> {
    state(app).map(|s| &*s.accounts)
}

/// OpenID Connect login of the application.
pub fn openid(app: &App) -> Result<&OpenId, PageError> {
    state(app).map(|s| &*s.openid)
}

/// The address people reach guichet at, for links sent by e-mail or shown once (never taken
/// from the request's Host header, which anyone can set).
pub fn public_url(app: &App) -> Result<&str, PageError> {
    state(app).map(|s| s.public_url.as_str())
}

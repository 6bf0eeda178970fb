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

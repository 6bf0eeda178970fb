//! The identity slice's pages and API: home, login and logout, the second factor, OpenID
//! Connect, the account page, the administration of offices and accounts, office calendars,
//! and `/api/v1/offices` and `/api/v1/me`.

pub mod account;
pub mod accounts_admin;
pub mod api;
pub mod calendar;
pub mod pages;
pub mod tokens_web;

use axum::http::{HeaderMap, header};
use guichet_web::App;
use guichet_web::ctx::{Ctx, SESSION_COOKIE, cookie};
use guichet_web::error::PageError;

use crate::ClientInfo;

/// The value of a `Result<_, PageError>`, or the error page returned from a handler that
/// answers a plain `Response`.
macro_rules! or_respond {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return axum::response::IntoResponse::into_response(e),
        }
    };
}
pub(crate) use or_respond;

pub use crate::state::{IdentityState, accounts, openid};

pub fn client_info(ctx: &Ctx, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        address: ctx.client.clone(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
    }
}

/// The session cookie of a login, lasting as long as the session.
pub fn session_cookie(app: &App, login: &crate::LoggedIn) -> axum::http::HeaderValue {
    let s = &login.session;
    cookie(
        app,
        SESSION_COOKIE,
        &login.token,
        (s.expires_at - s.created_at).whole_seconds(),
    )
}

impl From<crate::AccountError> for PageError {
    fn from(e: crate::AccountError) -> Self {
        match e {
            crate::AccountError::Store(s) => s.into(),
            other => PageError::internal(&other),
        }
    }
}

/// The slice's messages, compiled in.
pub const MESSAGES: guichet_web::i18n::SliceMessages = &[
    ("vi", include_str!("../../locales/vi/identity.ftl")),
    ("fr", include_str!("../../locales/fr/identity.ftl")),
    ("en", include_str!("../../locales/en/identity.ftl")),
];

/// What the identity slice adds to the application.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    name: "identity",
    pages: pages::ROUTES,
    add_pages: pages::routes,
    api: api::ROUTES,
    add_api: api::routes,
    api_doc: Some(api::doc),
    nav: &[
        guichet_web::NavItem {
            menu: guichet_web::Menu::Main,
            order: 10,
            href: "/",
            key: "nav-home",
            visible: guichet_web::always,
            current: |p| p == "/",
        },
        guichet_web::NavItem {
            menu: guichet_web::Menu::Main,
            order: 90,
            href: "/admin",
            key: "nav-admin",
            visible: |ctx| ctx.authorize(crate::authz::view_admin()).is_ok(),
            current: |p| p == "/admin",
        },
    ],
    office_links: &[],
    messages: MESSAGES,
    access: &[],
    probe_ids: &[],
    a11y: &[],
};

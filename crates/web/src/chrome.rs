//! The page chrome every HTML page shares: the layout's data (`Chrome`) and rendering.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use guichet_core::Language;
use guichet_core::authz::Action;

use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;

pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub current: bool,
}

/// What the layout needs on every page.
pub struct Chrome {
    pub lang: &'static str,
    tr: Tr,
    pub csrf: String,
    pub path: String,
    pub next_param: String,
    pub user_name: Option<String>,
    pub can_admin: bool,
    pub can_ledger: bool,
    pub can_file: bool,
    /// Works with records (agents, office administrators, auditors, sysadmins).
    pub can_records: bool,
    /// Works with personnel and pay (office administrators, auditors).
    pub can_hr: bool,
    pub languages: Vec<LangLink>,
}

impl Chrome {
    pub fn new(ctx: &Ctx) -> Self {
        Self {
            lang: ctx.lang.code(),
            tr: ctx.tr(),
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            next_param: percent_encode(&ctx.path),
            user_name: ctx.user.as_ref().map(|u| u.display_name.clone()),
            can_admin: ctx.authorize(Action::ViewAdmin).is_ok(),
            can_ledger: ctx.authorize(Action::ViewLedger).is_ok(),
            can_file: ctx.authorize(Action::FileDossier).is_ok(),
            can_records: ctx.principal().is_some_and(|p| {
                p.grants.iter().any(|g| {
                    use guichet_core::authz::Role;
                    matches!(
                        g.role,
                        Role::Agent | Role::OfficeAdmin | Role::Auditor | Role::Sysadmin
                    )
                })
            }),
            can_hr: ctx.principal().is_some_and(|p| {
                p.grants.iter().any(|g| {
                    use guichet_core::authz::Role;
                    matches!(g.role, Role::OfficeAdmin | Role::Auditor)
                })
            }),
            languages: Language::ALL
                .iter()
                .map(|l| LangLink {
                    code: l.code(),
                    name: l.native_name(),
                    current: *l == ctx.lang,
                })
                .collect(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    pub fn language(&self) -> Language {
        self.tr.lang
    }

    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.tr.t1(key, name, value)
    }
}

pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

pub fn render(page: impl Template) -> Result<Html<String>, PageError> {
    page.render().map(Html).map_err(|e| PageError::internal(&e))
}

pub fn render_with(status: StatusCode, page: impl Template) -> Response {
    match render(page) {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Notices shown after a redirect, by key; anything else in `?notice=` is ignored.
pub fn notice(tr: &Tr, key: Option<&str>) -> Option<String> {
    const NOTICES: [&str; 4] = [
        "logged-out",
        "office-created",
        "calendar-saved",
        "calendar-removed",
    ];
    key.filter(|k| NOTICES.contains(k)).map(|k| tr.t(k))
}

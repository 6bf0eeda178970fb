//! The page chrome every HTML page shares: the layout's data (`Chrome`) and rendering.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use guichet_core::Language;

use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;

pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub current: bool,
}

/// A link of the page header, as shown to this visitor.
pub struct NavLink {
    pub href: &'static str,
    pub label: String,
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
    /// The main navigation: the composed slices' links this visitor may follow.
    pub main_nav: Vec<NavLink>,
    /// The links beside a logged-in person's name.
    pub account_nav: Vec<NavLink>,
    pub languages: Vec<LangLink>,
}

impl Chrome {
    pub fn new(ctx: &Ctx) -> Self {
        let tr = ctx.tr();
        let mut items: Vec<&crate::NavItem> = ctx
            .slices
            .iter()
            .flat_map(|s| s.nav.iter())
            .filter(|item| (item.visible)(ctx))
            .collect();
        items.sort_by_key(|item| item.order);
        let links = |menu: crate::Menu| -> Vec<NavLink> {
            items
                .iter()
                .filter(|item| item.menu == menu)
                .map(|item| NavLink {
                    href: item.href,
                    label: tr.t(item.key),
                    current: (item.current)(&ctx.path),
                })
                .collect()
        };
        Self {
            lang: ctx.lang.code(),
            main_nav: links(crate::Menu::Main),
            account_nav: links(crate::Menu::Account),
            tr,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            next_param: percent_encode(&ctx.path),
            user_name: ctx.user.as_ref().map(|u| u.display_name.clone()),
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
    const NOTICES: [&str; 5] = [
        "logged-out",
        "office-created",
        "calendar-saved",
        "calendar-removed",
        "clearance-set",
    ];
    key.filter(|k| NOTICES.contains(k)).map(|k| tr.t(k))
}

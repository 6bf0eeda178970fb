//! HTML pages. Each handler parses, authorizes, calls the domain, renders; no rules here.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guichet_core::Language;
use guichet_core::authz::Action;
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::Audit;

use crate::App;
use crate::chrome::{Chrome, render};
use crate::ctx::{Ctx, LANG_COOKIE, cookie};
use crate::error::PageError;
use crate::helpers::short_time;
use crate::i18n::Tr;

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Sets the language cookie and goes back. Works as a plain link, without JavaScript.
pub async fn switch_language(
    State(app): State<App>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let Ok(lang) = code.parse::<Language>() else {
        return PageError::new(StatusCode::BAD_REQUEST, "error-unknown-language").into_response();
    };
    // Only local paths: no open redirect.
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(&app, LANG_COOKIE, lang.code(), 60 * 60 * 24 * 365),
    );
    response
}

pub struct StreamRow {
    pub stream: String,
    pub seq: i64,
    pub hash: String,
    pub checkpoint: String,
}

pub struct EntryRow {
    pub at: String,
    pub stream: String,
    pub seq: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
}

pub struct Verdict {
    pub ok: bool,
    pub message: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    pub chrome: Chrome,
    pub verdict: Option<Verdict>,
    pub can_verify: bool,
    pub public_key: String,
    pub streams: Vec<StreamRow>,
    pub entries: Vec<EntryRow>,
    pub page: u32,
    pub has_next: bool,
}

const LEDGER_PAGE_SIZE: u32 = 50;

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

async fn ledger_page(
    app: &App,
    ctx: &Ctx,
    page: u32,
    verdict: Option<Verdict>,
) -> Result<LedgerPage, PageError> {
    ctx.authorize(Action::ViewLedger)?;
    let tr = ctx.tr();
    let mut streams = Vec::new();
    for head in app.store.stream_heads().await? {
        let checkpoint = match app.store.checkpoints(&head.stream).await?.last() {
            Some(cp) => format!("{} {} · {}", tr.t("ledger-seq"), cp.seq, short_time(cp.at)),
            None => tr.t("ledger-none"),
        };
        streams.push(StreamRow {
            stream: head.stream,
            seq: head.seq,
            hash: hex::encode(head.hash),
            checkpoint,
        });
    }
    let mut entries = app
        .store
        .recent_entries(
            LEDGER_PAGE_SIZE + 1,
            (page - 1).saturating_mul(LEDGER_PAGE_SIZE),
        )
        .await?;
    let has_next = entries.len() > LEDGER_PAGE_SIZE as usize;
    entries.truncate(LEDGER_PAGE_SIZE as usize);
    Ok(LedgerPage {
        chrome: Chrome::new(ctx),
        verdict,
        can_verify: ctx.authorize(Action::VerifyLedger).is_ok(),
        public_key: app.ledger_key.public_hex(),
        streams,
        entries: entries
            .into_iter()
            .map(|e| EntryRow {
                at: short_time(e.at),
                stream: e.stream,
                seq: e.seq,
                actor: e.actor,
                action: e.action,
                object: format!("{} {}", e.object_type, e.object_id),
            })
            .collect(),
        page,
        has_next,
    })
}

pub async fn ledger(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    let page = q.page.unwrap_or(1);
    if page == 0 || page > 1_000_000 {
        return Err(PageError::bad_request("page"));
    }
    render(ledger_page(&app, &ctx, page, None).await?)
}

pub async fn verify_ledger(State(app): State<App>, ctx: Ctx) -> Result<Html<String>, PageError> {
    ctx.authorize(Action::VerifyLedger)?;
    let tr = ctx.tr();
    let outcome = guichet_store::verify::verify_store(
        &app.store,
        &app.trusted_keys,
        guichet_store::verify::no_progress(),
    )
    .await?;
    let (verdict, payload) = match &outcome {
        Ok(r) => (
            Verdict {
                ok: true,
                message: verified_message(&tr, r),
            },
            serde_json::json!({"ok": true, "entries": r.entries, "streams": r.streams.len()}),
        ),
        Err(b) => (
            Verdict {
                ok: false,
                message: tr.t1("ledger-broken", "detail", b),
            },
            serde_json::json!({"ok": false, "stream": b.stream, "seq": b.seq, "detail": b.to_string()}),
        ),
    };
    let event = Event {
        stream: SYSTEM_STREAM.into(),
        actor: ctx.actor(),
        action: "ledger.verified".into(),
        object_type: "ledger".into(),
        object_id: "all".into(),
        payload,
    };
    app.store
        .record(&Audit::one(app.clock.now(), event))
        .await?;
    render(ledger_page(&app, &ctx, 1, Some(verdict)).await?)
}

fn verified_message(tr: &Tr, r: &guichet_store::verify::VerifyReport) -> String {
    tr.tn(
        "ledger-verified",
        &[
            ("entries", r.entries.to_string()),
            ("streams", r.streams.len().to_string()),
            ("checkpoints", r.checkpoints.to_string()),
        ],
    )
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub message: String,
    pub detail: Option<String>,
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// The address picker's type-ahead (see [`crate::picker`]), for any form that shows it.
pub async fn picker_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/picker.js"),
    )
}

pub async fn not_found() -> PageError {
    PageError::not_found()
}

route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/lang/{code}" => get(switch_language),
    "/ledger" => get(ledger),
    "/ledger/verify" => post(verify_ledger),
    "/static/app.css" => get(stylesheet),
    "/static/picker.js" => get(picker_js),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: crate::WebSlice = crate::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "pages",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: crate::no_routes,
    api_doc: None,
    nav: &[crate::NavItem {
        menu: crate::Menu::Main,
        order: 100,
        href: "/ledger",
        key: "nav-ledger",
        visible: |ctx| ctx.authorize(Action::ViewLedger).is_ok(),
        current: |p| p == "/ledger",
    }],
};

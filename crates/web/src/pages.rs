//! HTML pages. Each handler parses, authorizes, calls the domain, renders; no rules here.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guichet_accounts::AccountError;
use guichet_accounts::offices::{NewOffice, create_office as create_office_rule};
use guichet_core::authz::Action;
use guichet_core::{Language, OfficeId};
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::{Audit, Country, Office, User};

use crate::App;
use crate::chrome::{Chrome, notice, percent_encode, render, render_with};
use crate::ctx::{Ctx, LANG_COOKIE, SESSION_COOKIE, cookie, role_label};
use crate::error::PageError;
use crate::helpers::short_time;
use crate::i18n::Tr;

fn country_label(tr: &Tr, c: Country) -> String {
    tr.t(match c {
        Country::Vn => "country-vn",
        Country::Fr => "country-fr",
    })
}

pub struct OfficeRow {
    pub code: String,
    pub name: String,
    pub country: String,
    /// The viewer may manage this office's calendar.
    pub manage: bool,
    /// The viewer works this office's counter (its dossier queue).
    pub work: bool,
    /// The viewer manages this office's procedures.
    pub manage_procedures: bool,
}

fn office_rows(ctx: &Ctx, offices: &[Office]) -> Vec<OfficeRow> {
    let tr = ctx.tr();
    offices
        .iter()
        .map(|o| OfficeRow {
            code: o.code.clone(),
            name: o.name.clone(),
            country: country_label(&tr, o.country),
            manage: ctx.authorize(Action::ManageOffice { office: o.id }).is_ok(),
            work: ctx.authorize(Action::WorkInOffice { office: o.id }).is_ok(),
            manage_procedures: ctx
                .authorize(Action::ManageProcedures { office: o.id })
                .is_ok(),
        })
        .collect()
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub roles: Vec<String>,
    pub offices: Vec<OfficeRow>,
}

fn grant_labels(tr: &Tr, user: &User, offices: &BTreeMap<OfficeId, String>) -> Vec<String> {
    user.grants
        .iter()
        .map(|g| match g.office {
            Some(o) => format!(
                "{} ({})",
                role_label(tr, g.role),
                offices.get(&o).map_or("?", String::as_str)
            ),
            None => role_label(tr, g.role),
        })
        .collect()
}

pub async fn home(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Html<String>, PageError> {
    let tr = ctx.tr();
    let offices = app.store.list_offices().await?;
    let codes: BTreeMap<OfficeId, String> =
        offices.iter().map(|o| (o.id, o.code.clone())).collect();
    render(HomePage {
        chrome: Chrome::new(&ctx),
        notice: notice(&tr, q.notice.as_deref()),
        roles: ctx
            .user
            .as_ref()
            .map(|u| grant_labels(&tr, u, &codes))
            .unwrap_or_default(),
        offices: office_rows(&ctx, &offices),
    })
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub error: Option<String>,
    pub username: String,
    /// OpenID providers: (id, button label).
    pub providers: Vec<(String, String)>,
    /// Local path to come back to after an OpenID login.
    pub next: String,
}

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(State(app): State<App>, ctx: Ctx, Query(q): Query<LoginQuery>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render_with(
        StatusCode::OK,
        LoginPage {
            chrome: Chrome::new(&ctx),
            error: None,
            username: String::new(),
            providers: app.openid.buttons(),
            next: percent_encode(&guichet_accounts::oidc::safe_return(&q.next)),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(app): State<App>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let tr = ctx.tr();
    let page = |error: String| LoginPage {
        chrome: Chrome::new(&ctx),
        error: Some(error),
        username: form.username.clone(),
        providers: app.openid.buttons(),
        next: "/".into(),
    };
    let from = crate::helpers::client_info(&ctx, &headers);
    match app
        .accounts
        .login(&form.username, &form.password, &from)
        .await
    {
        Ok(done) => {
            let next = match done.session.stage {
                guichet_store::SessionStage::Active => "/",
                guichet_store::SessionStage::SecondFactor => "/login/code",
                guichet_store::SessionStage::Enrol => "/account/second-factor",
            };
            let mut response = Redirect::to(next).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                crate::helpers::session_cookie(&app, &done),
            );
            response
        }
        Err(AccountError::BadCredentials) => {
            render_with(StatusCode::UNAUTHORIZED, page(tr.t("login-failed")))
        }
        Err(AccountError::RateLimited { retry_after_secs }) => {
            let mut response = render_with(
                StatusCode::TOO_MANY_REQUESTS,
                page(tr.t1("login-rate-limited", "seconds", retry_after_secs)),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Err(e) => PageError::internal(&e).into_response(),
    }
}

/// Ends the session; one opened through an OpenID provider that offers RP-initiated logout
/// goes on to the provider, which comes back to the home page.
pub async fn logout(State(app): State<App>, ctx: Ctx) -> Result<Response, PageError> {
    let session = ctx
        .session
        .clone()
        .or_else(|| ctx.pending.clone().map(|(s, _)| s));
    let mut target = "/?notice=logged-out".to_owned();
    if let Some(session) = &session {
        app.accounts.logout(session).await?;
        if let Some(url) = app.openid.logout_url(session).await {
            target = url;
        }
    }
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie(&app, SESSION_COOKIE, "", 0));
    Ok(response)
}

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

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub roles: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub offices: Vec<OfficeRow>,
    pub users: Vec<UserRow>,
    pub can_manage_offices: bool,
    pub form_code: String,
    pub form_name: String,
}

async fn admin_page(
    app: &App,
    ctx: &Ctx,
    notice_key: Option<&str>,
) -> Result<AdminPage, PageError> {
    ctx.authorize(Action::ViewAdmin)?;
    let tr = ctx.tr();
    let offices = app.store.list_offices().await?;
    let codes: BTreeMap<OfficeId, String> =
        offices.iter().map(|o| (o.id, o.code.clone())).collect();
    let users = if ctx.authorize(Action::ListUsers { office: None }).is_ok() {
        app.store.list_users(None).await?
    } else {
        let mut seen = BTreeMap::new();
        for office in offices.iter().filter(|o| {
            ctx.authorize(Action::ListUsers { office: Some(o.id) })
                .is_ok()
        }) {
            for user in app.store.list_users(Some(office.id)).await? {
                seen.insert(user.username.clone(), user);
            }
        }
        seen.into_values().collect()
    };
    Ok(AdminPage {
        chrome: Chrome::new(ctx),
        notice: notice(&tr, notice_key),
        error: None,
        offices: office_rows(ctx, &offices),
        users: users
            .iter()
            .map(|u| UserRow {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                roles: grant_labels(&tr, u, &codes).join(", "),
            })
            .collect(),
        can_manage_offices: ctx.authorize(Action::ManageOffices).is_ok(),
        form_code: String::new(),
        form_name: String::new(),
    })
}

pub async fn admin(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Html<String>, PageError> {
    render(admin_page(&app, &ctx, q.notice.as_deref()).await?)
}

#[derive(serde::Deserialize)]
pub struct OfficeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    country: String,
}

pub async fn create_office(
    State(app): State<App>,
    ctx: Ctx,
    Form(form): Form<OfficeForm>,
) -> Result<Response, PageError> {
    ctx.authorize(Action::ManageOffices)?;
    let new = NewOffice {
        code: form.code.clone(),
        name: form.name.clone(),
        country: form.country.clone(),
    };
    let (status, key) = match create_office_rule(
        &*app.store,
        &*app.clock,
        &*app.entropy,
        &ctx.actor(),
        new,
    )
    .await
    {
        Ok(_) => return Ok(Redirect::to("/admin?notice=office-created").into_response()),
        Err(AccountError::Invalid { key, .. }) => (StatusCode::BAD_REQUEST, key),
        Err(AccountError::Store(guichet_store::StoreError::Conflict(_))) => {
            (StatusCode::CONFLICT, "error-409")
        }
        Err(e) => return Err(PageError::internal(&e)),
    };
    let mut page = admin_page(&app, &ctx, None).await?;
    page.error = Some(ctx.tr().t(key));
    page.form_code = form.code;
    page.form_name = form.name;
    Ok(render_with(status, page))
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

pub async fn not_found() -> PageError {
    PageError::not_found()
}

route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/" => get(home),
    "/login" => get(login_form).post(login),
    "/logout" => post(logout),
    "/lang/{code}" => get(switch_language),
    "/admin" => get(admin),
    "/admin/offices" => post(create_office),
    "/ledger" => get(ledger),
    "/ledger/verify" => post(verify_ledger),
    "/static/app.css" => get(stylesheet),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: crate::WebSlice = crate::WebSlice {
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
    nav: &[
        crate::NavItem {
            menu: crate::Menu::Main,
            order: 10,
            href: "/",
            key: "nav-home",
            visible: crate::always,
            current: |p| p == "/",
        },
        crate::NavItem {
            menu: crate::Menu::Main,
            order: 90,
            href: "/admin",
            key: "nav-admin",
            visible: |ctx| ctx.authorize(Action::ViewAdmin).is_ok(),
            current: |p| p == "/admin",
        },
        crate::NavItem {
            menu: crate::Menu::Main,
            order: 100,
            href: "/ledger",
            key: "nav-ledger",
            visible: |ctx| ctx.authorize(Action::ViewLedger).is_ok(),
            current: |p| p == "/ledger",
        },
    ],
};

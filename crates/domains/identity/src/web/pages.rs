//! The identity slice's pages: the home page (the visitor's roles and offices), login and
//! logout, and the administration of offices and accounts.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guichet_core::OfficeId;
use guichet_core::authz::Secrecy;
use guichet_store::{Country, Office, User};
use guichet_web::App;
use guichet_web::chrome::{Chrome, notice, percent_encode, render, render_with};
use guichet_web::ctx::{Ctx, SESSION_COOKIE, cookie, role_label};
use guichet_web::error::PageError;
use guichet_web::i18n::Tr;

use crate::AccountError;
use crate::offices::{NewOffice, create_office as create_office_rule};
use crate::web::{accounts, client_info, openid, session_cookie};

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
    /// The links the composed slices offer the viewer beside this office: (href, label).
    pub links: Vec<(String, String)>,
}

fn office_rows(ctx: &Ctx, offices: &[Office]) -> Vec<OfficeRow> {
    let tr = ctx.tr();
    offices
        .iter()
        .map(|o| OfficeRow {
            code: o.code.clone(),
            name: o.name.clone(),
            country: country_label(&tr, o.country),
            manage: ctx.authorize(crate::authz::manage_office(o.id)).is_ok(),
            links: guichet_web::office_links(ctx, o.id, &o.code)
                .into_iter()
                .map(|(href, key)| (href, tr.t(key)))
                .collect(),
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
    let offices = crate::identity_store(&*app.store)?.list_offices().await?;
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
    let openid = match openid(&app) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    if ctx.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render_with(
        StatusCode::OK,
        LoginPage {
            chrome: Chrome::new(&ctx),
            error: None,
            username: String::new(),
            providers: openid.buttons(),
            next: percent_encode(&crate::oidc::safe_return(&q.next)),
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
    let (accounts, openid) = match (accounts(&app), openid(&app)) {
        (Ok(a), Ok(o)) => (a, o),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let tr = ctx.tr();
    let page = |error: String| LoginPage {
        chrome: Chrome::new(&ctx),
        error: Some(error),
        username: form.username.clone(),
        providers: openid.buttons(),
        next: "/".into(),
    };
    let from = client_info(&ctx, &headers);
    match accounts.login(&form.username, &form.password, &from).await {
        Ok(done) => {
            let next = match done.session.stage {
                guichet_store::SessionStage::Active => "/",
                guichet_store::SessionStage::SecondFactor => "/login/code",
                guichet_store::SessionStage::Enrol => "/account/second-factor",
            };
            let mut response = Redirect::to(next).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(&app, &done));
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
        accounts(&app)?.logout(session).await?;
        if let Some(url) = openid(&app)?.logout_url(session).await {
            target = url;
        }
    }
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie(&app, SESSION_COOKIE, "", 0));
    Ok(response)
}

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub roles: String,
    /// "Mật (HN-HOANKIEM)", …: what offices have cleared the person to read.
    pub clearances: String,
}

/// A secrecy level as the admin page names it.
fn secrecy_label(tr: &Tr, level: Secrecy) -> String {
    tr.t(&format!("secrecy-{}", level.code()))
}

fn clearance_labels(tr: &Tr, user: &User, offices: &BTreeMap<OfficeId, String>) -> String {
    user.clearances
        .iter()
        .map(|c| {
            format!(
                "{} ({})",
                secrecy_label(tr, c.level),
                offices.get(&c.office).map_or("?", String::as_str)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A choice in a select list.
pub struct Choice {
    pub value: String,
    pub label: String,
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
    /// The offices whose clearances this person may set (empty: no clearance form).
    pub clearance_offices: Vec<Choice>,
    pub clearance_users: Vec<Choice>,
    pub clearance_levels: Vec<Choice>,
    pub clearance_error: Option<String>,
}

async fn admin_page(
    app: &App,
    ctx: &Ctx,
    notice_key: Option<&str>,
) -> Result<AdminPage, PageError> {
    ctx.authorize(crate::authz::view_admin())?;
    let tr = ctx.tr();
    let offices = crate::identity_store(&*app.store)?.list_offices().await?;
    let codes: BTreeMap<OfficeId, String> =
        offices.iter().map(|o| (o.id, o.code.clone())).collect();
    let users = if ctx.authorize(crate::authz::list_users(None)).is_ok() {
        crate::identity_store(&*app.store)?.list_users(None).await?
    } else {
        let mut seen = BTreeMap::new();
        for office in offices
            .iter()
            .filter(|o| ctx.authorize(crate::authz::list_users(Some(o.id))).is_ok())
        {
            for user in crate::identity_store(&*app.store)?
                .list_users(Some(office.id))
                .await?
            {
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
                clearances: clearance_labels(&tr, u, &codes),
            })
            .collect(),
        can_manage_offices: ctx.authorize(crate::authz::manage_offices()).is_ok(),
        form_code: String::new(),
        form_name: String::new(),
        clearance_offices: offices
            .iter()
            .filter(|o| ctx.authorize(crate::authz::grant_clearance(o.id)).is_ok())
            .map(|o| Choice {
                value: o.code.clone(),
                label: format!("{} — {}", o.code, o.name),
            })
            .collect(),
        clearance_users: users
            .iter()
            .filter(|u| ctx.user.as_ref().is_none_or(|me| me.id != u.id))
            .map(|u| Choice {
                value: u.username.clone(),
                label: format!("{} ({})", u.display_name, u.username),
            })
            .collect(),
        clearance_levels: Secrecy::ALL
            .iter()
            .map(|&l| Choice {
                value: l.code().to_owned(),
                label: secrecy_label(&tr, l),
            })
            .collect(),
        clearance_error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct ClearanceForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    level: String,
}

/// Sets a person's clearance for one office (the office's head or the system administrator;
/// never one's own).
pub async fn set_clearance(
    State(app): State<App>,
    ctx: Ctx,
    Form(form): Form<ClearanceForm>,
) -> Result<Response, PageError> {
    ctx.authorize(crate::authz::view_admin())?;
    let store = crate::identity_store(&*app.store)?;
    let office = store.office_by_code(&form.office).await?;
    let user = store.user_by_username(&form.username).await?;
    let level = form.level.parse::<Secrecy>();
    let refused = match (office, user, level) {
        (None, _, _) => (StatusCode::BAD_REQUEST, "error-clearance-office"),
        (_, None, _) => (StatusCode::BAD_REQUEST, "error-clearance-user"),
        (_, _, Err(_)) => (StatusCode::BAD_REQUEST, "error-clearance-level"),
        (Some(office), Some(user), Ok(level)) => {
            ctx.authorize(crate::authz::grant_clearance(office.id))?;
            match crate::set_clearance(
                store,
                app.clock.now(),
                &ctx.actor(),
                ctx.user.as_ref().map(|u| u.id),
                user.id,
                office.id,
                level,
            )
            .await
            {
                Ok(()) => {
                    return Ok(Redirect::to("/admin?notice=clearance-set").into_response());
                }
                Err(AccountError::Invalid { key, .. }) => (StatusCode::BAD_REQUEST, key),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let (status, key) = refused;
    let mut page = admin_page(&app, &ctx, None).await?;
    page.clearance_error = Some(ctx.tr().t(key));
    Ok(render_with(status, page))
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
    ctx.authorize(crate::authz::manage_offices())?;
    let new = NewOffice {
        code: form.code.clone(),
        name: form.name.clone(),
        country: form.country.clone(),
    };
    let (status, key) = match create_office_rule(
        crate::identity_store(&*app.store)?,
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

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/" => get(home),
    "/login" => get(login_form).post(login),
    "/logout" => post(logout),
    "/admin" => get(admin),
    "/admin/offices" => post(create_office),
    "/admin/clearances" => post(set_clearance),
    "/.well-known/guichet-keys" => get(super::api::keys),
}

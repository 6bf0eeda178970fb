//! Accounts administration pages: an office's accounts (create a staff account, grant and
//! withdraw the office's roles, a one-time link to set a password, deactivate or reactivate),
//! and the pages anyone reaches from the login page or a link: sign up, verify the e-mail
//! address, forgot password, set a password through a link.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guichet_core::authz::Role;
use guichet_store::{Office, User};
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::{Ctx, role_label};
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;

use crate::AccountError;
use crate::admin::{Admin, OFFICE_ROLES};
use crate::lookup::office_by_code;
use crate::state::{accounts, public_url};

pub struct AccountRow {
    pub username: String,
    pub display_name: String,
    pub email: String,
    /// The office's roles it holds: (code, label).
    pub roles: Vec<(String, String)>,
    /// The office's roles it does not hold yet: (code, label).
    pub missing: Vec<(String, String)>,
    pub elsewhere: bool,
    pub disabled: bool,
    /// The viewer may change it (not themselves; not someone who also works elsewhere,
    /// unless the viewer is the instance's administrator).
    pub manageable: bool,
}

#[derive(Default)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
pub struct AccountsPage {
    pub chrome: Chrome,
    pub office_code: String,
    pub office_name: String,
    pub rows: Vec<AccountRow>,
    pub roles: Vec<(String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// A one-time link just issued: shown once, to hand over.
    pub link: Option<(String, String)>,
    pub form: NewStaff,
}

fn role_choices(ctx: &Ctx) -> Vec<(String, String)> {
    let tr = ctx.tr();
    OFFICE_ROLES
        .iter()
        .map(|r| (r.code().to_owned(), role_label(&tr, *r)))
        .collect()
}

async fn page(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    notice: Option<String>,
    error: Option<String>,
    link: Option<(String, String)>,
    form: NewStaff,
) -> Result<AccountsPage, PageError> {
    let tr = ctx.tr();
    let sysadmin = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.grants.iter().any(|g| g.role == Role::Sysadmin));
    let me = ctx.user.as_ref().map(|u| u.id);
    let users = crate::identity_store(&*app.store)?
        .list_users(Some(office.id))
        .await?;
    let rows = users
        .into_iter()
        .map(|u| {
            let held: Vec<Role> = OFFICE_ROLES
                .into_iter()
                .filter(|r| {
                    u.grants
                        .iter()
                        .any(|g| g.role == *r && g.office == Some(office.id))
                })
                .collect();
            let elsewhere = crate::admin::works_elsewhere(&u, office.id);
            AccountRow {
                roles: held
                    .iter()
                    .map(|r| (r.code().to_owned(), role_label(&tr, *r)))
                    .collect(),
                missing: OFFICE_ROLES
                    .into_iter()
                    .filter(|r| !held.contains(r))
                    .map(|r| (r.code().to_owned(), role_label(&tr, r)))
                    .collect(),
                elsewhere,
                disabled: u.disabled,
                manageable: Some(u.id) != me && (sysadmin || !elsewhere),
                username: u.username,
                display_name: u.display_name,
                email: u.email.unwrap_or_default(),
            }
        })
        .collect();
    Ok(AccountsPage {
        chrome: Chrome::new(ctx),
        office_code: office.code.clone(),
        office_name: office.name.clone(),
        rows,
        roles: role_choices(ctx),
        notice,
        error,
        link,
        form,
    })
}

async fn office_for(app: &App, ctx: &Ctx, code: &str) -> Result<Office, PageError> {
    let office = office_by_code(app, code).await?;
    ctx.authorize(crate::authz::manage_users(Some(office.id)))?;
    Ok(office)
}

fn admin_of(ctx: &Ctx) -> Result<&User, PageError> {
    ctx.user
        .as_ref()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))
}

#[derive(serde::Deserialize)]
pub struct NoticeParam {
    #[serde(default)]
    notice: String,
}

/// An office's accounts.
pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, PageError> {
    let office = office_for(&app, &ctx, &code).await?;
    let notice = match q.notice.as_str() {
        "role-granted" | "role-withdrawn" | "account-disabled" | "account-enabled" => {
            Some(ctx.tr().t(&format!("accounts-notice-{}", q.notice)))
        }
        _ => None,
    };
    let p = page(&app, &ctx, &office, notice, None, None, NewStaff::default()).await?;
    Ok(render_with(StatusCode::OK, p))
}

/// A refusal of the service, shown on the accounts page (nothing was changed).
async fn refused(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    e: AccountError,
    form: NewStaff,
) -> Result<Response, PageError> {
    let (status, key) = match e {
        AccountError::Invalid { key, .. } => (StatusCode::UNPROCESSABLE_ENTITY, key),
        other => return Err(other.into()),
    };
    let message = ctx.tr().t(key);
    let p = page(app, ctx, office, None, Some(message), None, form).await?;
    Ok(render_with(status, p))
}

/// Creates a staff account; the page shows its one-time link.
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_for(&app, &ctx, &code).await?;
    let admin = admin_of(&ctx)?;
    let input = NewStaff {
        username: form.text("username"),
        display_name: form.text("display_name"),
        email: form.text("email"),
        role: form.text("role"),
    };
    match accounts(&app)?
        .create_staff(
            &Admin { user: admin },
            &office,
            &input.username,
            &input.display_name,
            &input.email,
            &input.role,
            public_url(&app)?,
            ctx.lang,
        )
        .await
    {
        Ok((user, issued)) => {
            let tr = ctx.tr();
            let notice = tr.t1("accounts-created", "username", user.username.as_str());
            let link = Some((user.username.clone(), issued.url));
            let p = page(
                &app,
                &ctx,
                &office,
                Some(notice),
                None,
                link,
                NewStaff::default(),
            )
            .await?;
            Ok(render_with(StatusCode::CREATED, p))
        }
        Err(e) => refused(&app, &ctx, &office, e, input).await,
    }
}

async fn target(app: &App, username: &str) -> Result<User, PageError> {
    crate::identity_store(&*app.store)?
        .user_by_username(username)
        .await?
        .ok_or_else(PageError::not_found)
}

/// Grants (`do=grant`) or withdraws (`do=withdraw`) one of the office's roles.
pub async fn roles(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, username)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_for(&app, &ctx, &code).await?;
    let admin = admin_of(&ctx)?;
    let user = target(&app, &username).await?;
    let grant = form.text("do") != "withdraw";
    match accounts(&app)?
        .change_role(
            &Admin { user: admin },
            &office,
            &user,
            &form.text("role"),
            grant,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/offices/{}/accounts?notice={}",
            office.code,
            if grant {
                "role-granted"
            } else {
                "role-withdrawn"
            }
        ))
        .into_response()),
        Err(e) => refused(&app, &ctx, &office, e, NewStaff::default()).await,
    }
}

/// Issues a one-time link to set the password (shown once; mailed when there is an address).
pub async fn link(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, username)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let office = office_for(&app, &ctx, &code).await?;
    let admin = admin_of(&ctx)?;
    let user = target(&app, &username).await?;
    match accounts(&app)?
        .issue_password_link(
            &Admin { user: admin },
            &office,
            &user,
            public_url(&app)?,
            ctx.lang,
        )
        .await
    {
        Ok(issued) => {
            let notice = ctx
                .tr()
                .t1("accounts-link-issued", "username", user.username.as_str());
            let p = page(
                &app,
                &ctx,
                &office,
                Some(notice),
                None,
                Some((user.username.clone(), issued.url)),
                NewStaff::default(),
            )
            .await?;
            Ok(render_with(StatusCode::OK, p))
        }
        Err(e) => refused(&app, &ctx, &office, e, NewStaff::default()).await,
    }
}

/// Deactivates (`disabled=1`) or reactivates an account.
pub async fn status(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, username)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_for(&app, &ctx, &code).await?;
    let admin = admin_of(&ctx)?;
    let user = target(&app, &username).await?;
    let disabled = form.text("disabled") == "1";
    match accounts(&app)?
        .set_account_disabled(&Admin { user: admin }, &office, &user, disabled)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/offices/{}/accounts?notice={}",
            office.code,
            if disabled {
                "account-disabled"
            } else {
                "account-enabled"
            }
        ))
        .into_response()),
        Err(e) => refused(&app, &ctx, &office, e, NewStaff::default()).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Pages reached from the login page or a link

/// One small form page (sign up, forgot password, set a password) or its outcome.
#[derive(Template)]
#[template(path = "account_self.html")]
pub struct SelfPage {
    pub chrome: Chrome,
    /// `signup`, `forgot`, `link` (set a password), `done` (a message only).
    pub kind: &'static str,
    pub title: String,
    pub message: Option<String>,
    pub error: Option<String>,
    pub token: String,
    pub display_name: String,
    pub email: String,
}

fn self_page(ctx: &Ctx, kind: &'static str, title: &str) -> SelfPage {
    SelfPage {
        chrome: Chrome::new(ctx),
        kind,
        title: ctx.tr().t(title),
        message: None,
        error: None,
        token: String::new(),
        display_name: String::new(),
        email: String::new(),
    }
}

fn done(ctx: &Ctx, title: &str, message: &str) -> Response {
    let mut p = self_page(ctx, "done", title);
    p.message = Some(ctx.tr().t(message));
    render_with(StatusCode::OK, p)
}

fn key_of(e: AccountError) -> Result<&'static str, PageError> {
    match e {
        AccountError::Invalid { key, .. } => Ok(key),
        other => Err(other.into()),
    }
}

pub async fn signup_form(ctx: Ctx) -> Response {
    render_with(StatusCode::OK, self_page(&ctx, "signup", "signup-title"))
}

/// A citizen signs up; the account waits for the e-mailed link.
pub async fn signup(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    match accounts(&app)?
        .sign_up(
            &form.text("display_name"),
            &form.text("email"),
            &form.text("password"),
            public_url(&app)?,
            ctx.lang,
        )
        .await
    {
        Ok(_) => Ok(done(&ctx, "signup-title", "signup-check-mail")),
        Err(e) => {
            let key = key_of(e)?;
            let mut p = self_page(&ctx, "signup", "signup-title");
            p.error = Some(ctx.tr().t(key));
            p.display_name = form.text("display_name");
            p.email = form.text("email");
            let status = if key == "account-email-taken" {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(render_with(status, p))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct TokenParam {
    #[serde(default)]
    token: String,
}

/// Opens the sign-up's e-mailed link: the account is enabled.
pub async fn verify(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<TokenParam>,
) -> Result<Response, PageError> {
    match accounts(&app)?.verify_email(&q.token).await {
        Ok(_) => Ok(done(&ctx, "signup-title", "signup-verified")),
        Err(e) => {
            let key = key_of(e)?;
            let mut p = self_page(&ctx, "done", "signup-title");
            p.error = Some(ctx.tr().t(key));
            Ok(render_with(StatusCode::GONE, p))
        }
    }
}

pub async fn forgot_form(ctx: Ctx) -> Response {
    render_with(StatusCode::OK, self_page(&ctx, "forgot", "forgot-title"))
}

/// Mails a link to set a new password, if an account has the address; says the same either way.
pub async fn forgot(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    match accounts(&app)?
        .forgot_password(&form.text("email"), public_url(&app)?, ctx.lang)
        .await
    {
        Ok(()) => Ok(done(&ctx, "forgot-title", "forgot-sent")),
        Err(e) => {
            let key = key_of(e)?;
            let mut p = self_page(&ctx, "forgot", "forgot-title");
            p.error = Some(ctx.tr().t(key));
            p.email = form.text("email");
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, p))
        }
    }
}

/// The form a one-time link opens (refused at once when the link is not live).
pub async fn link_form(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<TokenParam>,
) -> Result<Response, PageError> {
    let mut p = self_page(&ctx, "link", "link-title");
    match accounts(&app)?.live_link(&q.token, "set_password").await {
        Ok((_, user)) => {
            p.token = q.token;
            p.message = Some(ctx.tr().t1("link-for", "username", user.username.as_str()));
            Ok(render_with(StatusCode::OK, p))
        }
        Err(e) => {
            p.kind = "done";
            p.error = Some(ctx.tr().t(key_of(e)?));
            Ok(render_with(StatusCode::GONE, p))
        }
    }
}

/// Sets the password through the link; then the person logs in.
pub async fn link_set(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let token = form.text("token");
    if form.text("password") != form.text("again") {
        let mut p = self_page(&ctx, "link", "link-title");
        p.token = token;
        p.error = Some(ctx.tr().t("link-mismatch"));
        return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, p));
    }
    match accounts(&app)?
        .set_password_with_link(&token, &form.text("password"))
        .await
    {
        Ok(_) => Ok(done(&ctx, "link-title", "link-done")),
        Err(e) => {
            let key = key_of(e)?;
            let mut p = self_page(&ctx, "link", "link-title");
            if key == "account-link-invalid" {
                p.kind = "done";
            } else {
                p.token = token;
            }
            p.error = Some(ctx.tr().t(key));
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, p))
        }
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/offices/{code}/accounts" => get(list).post(create),
    "/offices/{code}/accounts/{username}/roles" => post(roles),
    "/offices/{code}/accounts/{username}/link" => post(link),
    "/offices/{code}/accounts/{username}/status" => post(status),
    "/signup" => get(signup_form).post(signup),
    "/signup/verify" => get(verify),
    "/password/forgot" => get(forgot_form).post(forgot),
    "/account/link" => get(link_form).post(link_set),
}

/// The matrix rows of these routes (columns as in the matrix test: anonymous, citizen, other
/// citizen, agent A, agent B, admin A, auditor, sysadmin, staff). Probes that change data are
/// refused input, so access is proven without changing anything.
pub const ACCESS: &[guichet_web::AccessRule] = &[
    (
        "get",
        "/offices/{code}/accounts",
        "-----+-+-",
        "/offices/HN-HOANKIEM/accounts",
        "",
    ),
    (
        "post",
        "/offices/{code}/accounts",
        "-----+-+-",
        "/offices/HN-HOANKIEM/accounts",
        "username=&display_name=&role=agent",
    ),
    (
        "post",
        "/offices/{code}/accounts/{username}/roles",
        "-----+-+-",
        "/offices/HN-HOANKIEM/accounts/lan.nguyen/roles",
        "role=sysadmin&do=grant",
    ),
    // The link and status probes aim at the instance's administrator, whom an office's
    // administrator may not manage and who may not manage themselves: refused, unchanged.
    (
        "post",
        "/offices/{code}/accounts/{username}/link",
        "-----+-+-",
        "/offices/HN-HOANKIEM/accounts/admin/link",
        "",
    ),
    (
        "post",
        "/offices/{code}/accounts/{username}/status",
        "-----+-+-",
        "/offices/HN-HOANKIEM/accounts/admin/status",
        "disabled=1",
    ),
    ("get", "/signup", "+++++++++", "/signup", ""),
    (
        "post",
        "/signup",
        "+++++++++",
        "/signup",
        "display_name=&email=x&password=x",
    ),
    (
        "get",
        "/signup/verify",
        "+++++++++",
        "/signup/verify?token=x",
        "",
    ),
    (
        "get",
        "/password/forgot",
        "+++++++++",
        "/password/forgot",
        "",
    ),
    (
        "post",
        "/password/forgot",
        "+++++++++",
        "/password/forgot",
        "email=x",
    ),
    (
        "get",
        "/account/link",
        "+++++++++",
        "/account/link?token=x",
        "",
    ),
    (
        "post",
        "/account/link",
        "+++++++++",
        "/account/link",
        "token=x&password=a&again=b",
    ),
];

/// What this module adds to the application.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[guichet_web::OfficeLink {
        order: 90,
        href: "/offices/{code}/accounts",
        key: "home-accounts",
        visible: |ctx, office| {
            ctx.authorize(crate::authz::manage_users(Some(office)))
                .is_ok()
        },
    }],
    messages: &[],
    access: ACCESS,
    probe_ids: &[],
    a11y: &[
        ("minh.tran", "/offices/HN-HOANKIEM/accounts"),
        ("", "/signup"),
        ("", "/password/forgot"),
    ],
    name: "accounts_admin",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[],
};

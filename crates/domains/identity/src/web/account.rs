//! Sign-in pages beyond the password: OpenID Connect login and linking, the second-factor
//! step of a login, and the account page (verified identity, second factor, sessions,
//! password, offices' second-factor policy).

use crate::AccountError;
use crate::oidc::{Assurance, Begin, Callback, OidcError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_core::SessionId;
use guichet_core::authz::Action;
use guichet_store::{SessionStage, User};

use crate::web::{accounts, client_info, openid, or_respond, session_cookie};
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::{Ctx, cookie, cookies};
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;

/// The cookie that binds a started OpenID login to this browser.
pub const OIDC_STATE_COOKIE: &str = "guichet_oidc_state";

// ---------------------------------------------------------------------------------------------
// OpenID Connect

#[derive(serde::Deserialize, Default)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    assurance: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Template)]
#[template(path = "login_refused.html")]
pub struct RefusedPage {
    pub chrome: Chrome,
    pub message: String,
    pub reason: String,
}

fn refused(ctx: &Ctx, status: StatusCode, e: &OidcError) -> Response {
    let tr = ctx.tr();
    render_with(
        status,
        RefusedPage {
            chrome: Chrome::new(ctx),
            message: tr.t(&format!("auth-{}", e.key)),
            reason: e.key.to_owned(),
        },
    )
}

/// Starts a login (or, with `link=1` and the form token, links an identity to the account)
/// at a provider: a plain link, so it works without JavaScript and is not a form post that a
/// Content-Security-Policy `form-action` would stop on its way to the provider.
pub async fn oidc_start(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Query(q): Query<StartQuery>,
) -> Response {
    let from = client_info(&ctx, &headers);
    let link_user = if q.link == "1" {
        let Some(user) = ctx.user.as_ref() else {
            return PageError::new(StatusCode::UNAUTHORIZED, "error-401").into_response();
        };
        if q.csrf != ctx.csrf {
            return PageError::new(StatusCode::FORBIDDEN, "error-csrf").into_response();
        }
        Some(user.id)
    } else {
        None
    };
    let begin = Begin {
        return_to: if q.next.is_empty() {
            if link_user.is_some() {
                "/account".into()
            } else {
                "/".into()
            }
        } else {
            q.next.clone()
        },
        link_user,
        assurance: Assurance::parse(&q.assurance),
    };
    match or_respond!(openid(&app))
        .begin(&provider, begin, &from)
        .await
    {
        Ok(started) => {
            let mut response = Redirect::to(&started.url).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                cookie(&app, OIDC_STATE_COOKIE, &started.state, 600),
            );
            response
        }
        Err(e) if e.key == "oidc-unknown-provider" => refused(&ctx, StatusCode::NOT_FOUND, &e),
        Err(e) => refused(&ctx, StatusCode::BAD_GATEWAY, &e),
    }
}

/// The provider's redirect back: verifies everything, links the identity, opens a session.
pub async fn oidc_callback(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Response {
    let from = client_info(&ctx, &headers);
    let jar = cookies(&headers);
    let state_cookie = jar.get(OIDC_STATE_COOKIE).map(String::as_str);
    let clear_state = cookie(&app, OIDC_STATE_COOKIE, "", 0);
    let mut response = match or_respond!(openid(&app))
        .complete(cb, state_cookie, &from)
        .await
    {
        Ok(done) => {
            let mut r = Redirect::to(&done.return_to).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&app, &done.login));
            // The session of the account the identity was linked from ends: the new one
            // (same account) replaces it.
            if done.linked
                && let Some(old) = &ctx.session
                && let Err(e) = or_respond!(accounts(&app)).logout(old).await
            {
                tracing::warn!(error = %e, "the session the identity was linked from did not end");
            }
            r
        }
        Err(e) => {
            let status = match e.key {
                "oidc-missing-state" | "oidc-missing-code" => StatusCode::BAD_REQUEST,
                "oidc-discovery" | "oidc-token-exchange" | "oidc-userinfo" => {
                    StatusCode::BAD_GATEWAY
                }
                "oidc-internal" => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::FORBIDDEN,
            };
            refused(&ctx, status, &e)
        }
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_state);
    response
}

// ---------------------------------------------------------------------------------------------
// The second step of a login

#[derive(Template)]
#[template(path = "login_code.html")]
pub struct CodePage {
    pub chrome: Chrome,
    pub error: Option<String>,
}

pub async fn code_form(ctx: Ctx) -> Response {
    match &ctx.pending {
        Some((s, _)) if s.stage == SessionStage::SecondFactor => render_with(
            StatusCode::OK,
            CodePage {
                chrome: Chrome::new(&ctx),
                error: None,
            },
        ),
        _ => Redirect::to("/login").into_response(),
    }
}

pub async fn code_submit(State(app): State<App>, ctx: Ctx, form: FormData) -> Response {
    let Some((session, user)) = ctx
        .pending
        .clone()
        .filter(|(s, _)| s.stage == SessionStage::SecondFactor)
    else {
        return Redirect::to("/login").into_response();
    };
    let tr = ctx.tr();
    let page = |status, key: String| {
        render_with(
            status,
            CodePage {
                chrome: Chrome::new(&ctx),
                error: Some(key),
            },
        )
    };
    match or_respond!(accounts(&app))
        .pass_second_factor(&session, &user, &form.text("code"), &ctx.client)
        .await
    {
        Ok(()) => Redirect::to("/").into_response(),
        Err(AccountError::RateLimited { retry_after_secs }) => page(
            StatusCode::TOO_MANY_REQUESTS,
            tr.t1("login-rate-limited", "seconds", retry_after_secs),
        ),
        Err(AccountError::Invalid { key, .. }) => page(StatusCode::UNAUTHORIZED, tr.t(key)),
        Err(e) => PageError::internal(&e).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// The account page

pub struct IdentityView {
    pub provider: String,
    pub assurance: String,
    pub linked_on: String,
    pub attributes: Vec<(String, String)>,
}

pub struct SessionView {
    pub id: String,
    pub started: String,
    pub client: String,
    pub browser: String,
    pub how: String,
    pub current: bool,
}

pub struct OfficePolicyView {
    pub code: String,
    pub name: String,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub username: String,
    pub display_name: String,
    pub identities: Vec<IdentityView>,
    pub providers: Vec<(String, String)>,
    pub second_factor: bool,
    pub second_factor_required: bool,
    pub recovery_left: i64,
    pub sessions: Vec<SessionView>,
    pub offices: Vec<OfficePolicyView>,
    /// The password form is offered to sessions opened with the password (an account made by
    /// an identity provider has none its owner knows).
    pub password_login: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

const NOTICES: [&str; 6] = [
    "account-password-changed",
    "account-session-revoked",
    "account-second-factor-on",
    "account-second-factor-off",
    "account-policy-saved",
    "account-identity-linked",
];

async fn account_page(
    app: &App,
    ctx: &Ctx,
    user: &User,
    notice: Option<String>,
    error: Option<String>,
) -> Result<AccountPage, PageError> {
    let tr = ctx.tr();
    let openid = openid(app)?;
    let links = crate::identity_store(&*app.store)?
        .identity_links_of(user.id)
        .await?;
    let identities = links
        .iter()
        .map(|l| IdentityView {
            provider: openid
                .provider_name(&l.provider)
                .unwrap_or(&l.provider)
                .to_owned(),
            assurance: l
                .assurance
                .as_deref()
                .map(|a| tr.t(&format!("assurance-{a}")))
                .unwrap_or_else(|| "—".into()),
            linked_on: guichet_web::helpers::short_time(l.linked_at),
            attributes: l
                .attributes
                .iter()
                .map(|(k, v)| {
                    (
                        tr.t(&format!("attribute-{k}")),
                        v.as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect(),
        })
        .collect();
    let current = ctx.session.as_ref().map(|s| s.id);
    let sessions = accounts(app)?
        .sessions(user.id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            id: s.id.to_string(),
            started: guichet_web::helpers::short_time(s.created_at),
            client: s.client.clone(),
            browser: s.user_agent.clone(),
            how: match &s.provider {
                Some(p) => openid.provider_name(p).unwrap_or(p).to_owned(),
                None => tr.t("account-session-password"),
            },
            current: Some(s.id) == current,
        })
        .collect();
    let strict = crate::identity_store(&*app.store)?
        .offices_requiring_second_factor()
        .await?;
    let mut offices = Vec::new();
    for o in crate::identity_store(&*app.store)?.list_offices().await? {
        if ctx.authorize(crate::authz::manage_office(o.id)).is_ok() {
            offices.push(OfficePolicyView {
                required: strict.contains(&o.id),
                code: o.code,
                name: o.name,
            });
        }
    }
    let second_factor = accounts(app)?.has_second_factor(user.id).await?;
    Ok(AccountPage {
        chrome: Chrome::new(ctx),
        notice,
        error,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        identities,
        // Providers not linked yet.
        providers: openid
            .buttons()
            .into_iter()
            .filter(|(id, _)| !links.iter().any(|l| l.provider == *id))
            .collect(),
        second_factor,
        second_factor_required: accounts(app)?.second_factor_required(user).await?,
        recovery_left: if second_factor {
            accounts(app)?.recovery_codes_left(user.id).await?
        } else {
            0
        },
        sessions,
        offices,
        password_login: ctx.session.as_ref().is_none_or(|s| s.method == "password"),
    })
}

fn logged_in(ctx: &Ctx) -> Result<User, PageError> {
    ctx.authorize(Action::ViewOwnAccount)?;
    ctx.user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))
}

pub async fn account(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let user = logged_in(&ctx)?;
    let notice = NOTICES
        .contains(&q.notice.as_str())
        .then(|| ctx.tr().t(&q.notice));
    Ok(render_with(
        StatusCode::OK,
        account_page(&app, &ctx, &user, notice, None).await?,
    ))
}

async fn account_error(
    app: &App,
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    message: String,
) -> Result<Response, PageError> {
    Ok(render_with(
        status,
        account_page(app, ctx, user, None, Some(message)).await?,
    ))
}

pub async fn change_password(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let user = logged_in(&ctx)?;
    let session = ctx
        .session
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let tr = ctx.tr();
    if form.text("new") != form.text("again") {
        return account_error(
            &app,
            &ctx,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t("account-password-mismatch"),
        )
        .await;
    }
    let refused = match accounts(&app)?
        .change_password(&user, &form.text("current"), &form.text("new"), session.id)
        .await
    {
        Ok(()) => {
            return Ok(Redirect::to("/account?notice=account-password-changed").into_response());
        }
        Err(AccountError::BadCredentials) => "account-password-wrong",
        Err(AccountError::Invalid { key, .. }) => key,
        Err(e) => return Err(e.into()),
    };
    account_error(
        &app,
        &ctx,
        &user,
        StatusCode::UNPROCESSABLE_ENTITY,
        tr.t(refused),
    )
    .await
}

pub async fn revoke_session(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = logged_in(&ctx)?;
    let id: SessionId = id.parse().map_err(|_| PageError::not_found())?;
    match accounts(&app)?.revoke_session(user.id, id).await {
        Ok(()) => Ok(Redirect::to("/account?notice=account-session-revoked").into_response()),
        Err(AccountError::Store(guichet_store::StoreError::NotFound(_))) => {
            Err(PageError::not_found())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn office_policy(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let user = logged_in(&ctx)?;
    let office = crate::identity_store(&*app.store)?
        .office_by_code(&code)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::manage_office(office.id))?;
    accounts(&app)?
        .set_office_second_factor(user.id, office.id, form.get("required").is_some())
        .await?;
    Ok(Redirect::to("/account?notice=account-policy-saved").into_response())
}

// ---------------------------------------------------------------------------------------------
// Setting up the second factor

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub chrome: Chrome,
    pub error: Option<String>,
    /// The office requires it and the session may do nothing else meanwhile.
    pub forced: bool,
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
    /// After confirmation: the recovery codes, shown once.
    pub recovery_codes: Vec<String>,
}

/// The person setting up: the logged-in user, or the user of a session held in `Enrol`.
fn enrolling(ctx: &Ctx) -> Option<(User, bool)> {
    if let Some(u) = &ctx.user {
        return Some((u.clone(), false));
    }
    ctx.pending
        .as_ref()
        .filter(|(s, _)| s.stage == SessionStage::Enrol)
        .map(|(_, u)| (u.clone(), true))
}

/// The set-up page for an enrolment in progress.
fn setup_page(
    ctx: &Ctx,
    e: crate::second_factor::Enrolment,
    forced: bool,
    error: Option<String>,
) -> SecondFactorPage {
    SecondFactorPage {
        chrome: Chrome::new(ctx),
        error,
        forced,
        secret: e.secret,
        otpauth_url: e.otpauth_url,
        qr_svg: e.qr_svg,
        recovery_codes: Vec::new(),
    }
}

pub async fn second_factor_page(State(app): State<App>, ctx: Ctx) -> Result<Response, PageError> {
    let Some((user, forced)) = enrolling(&ctx) else {
        return Err(PageError::new(StatusCode::UNAUTHORIZED, "error-401"));
    };
    if accounts(&app)?.has_second_factor(user.id).await? {
        return Ok(Redirect::to("/account").into_response());
    }
    let e = accounts(&app)?.begin_enrolment(&user).await?;
    Ok(render_with(
        StatusCode::OK,
        setup_page(&ctx, e, forced, None),
    ))
}

pub async fn second_factor_confirm(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let Some((user, forced)) = enrolling(&ctx) else {
        return Err(PageError::new(StatusCode::UNAUTHORIZED, "error-401"));
    };
    let session = ctx
        .session
        .clone()
        .or_else(|| ctx.pending.clone().map(|(s, _)| s));
    match accounts(&app)?
        .confirm_enrolment(&user, &form.text("code"), session.as_ref())
        .await
    {
        Ok(codes) => Ok(render_with(
            StatusCode::OK,
            SecondFactorPage {
                chrome: Chrome::new(&Ctx {
                    user: Some(user.clone()),
                    ..ctx.clone()
                }),
                error: None,
                forced: false,
                secret: String::new(),
                otpauth_url: String::new(),
                qr_svg: String::new(),
                recovery_codes: codes,
            },
        )),
        Err(AccountError::Invalid { key, .. }) => {
            let e = accounts(&app)?.begin_enrolment(&user).await?;
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                setup_page(&ctx, e, forced, Some(ctx.tr().t(key))),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn second_factor_disable(
    State(app): State<App>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let user = logged_in(&ctx)?;
    match accounts(&app)?.disable_second_factor(&user).await {
        Ok(()) => Ok(Redirect::to("/account?notice=account-second-factor-off").into_response()),
        Err(AccountError::Invalid { key, .. }) => {
            account_error(&app, &ctx, &user, StatusCode::CONFLICT, ctx.tr().t(key)).await
        }
        Err(e) => Err(e.into()),
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/login/code" => get(code_form).post(code_submit),
    "/auth/oidc/{provider}" => get(oidc_start),
    "/auth/callback" => get(oidc_callback),
    "/account" => get(account),
    "/account/password" => post(change_password),
    "/account/sessions/{id}/revoke" => post(revoke_session),
    "/account/second-factor" => get(second_factor_page).post(second_factor_confirm),
    "/account/second-factor/disable" => post(second_factor_disable),
    "/account/offices/{code}/second-factor" => post(office_policy),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "identity_account",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[guichet_web::NavItem {
        menu: guichet_web::Menu::Account,
        order: 10,
        href: "/account",
        key: "nav-account",
        visible: guichet_web::always,
        current: |p| p.starts_with("/account"),
    }],
};

//! The request context: language, logged-in user, CSRF token. One middleware builds it for
//! every request, checks CSRF on every unsafe request, renders HTML errors in the user's
//! language, normalises API errors to problem+json and adds security headers.
//!
//! Invariant: a POST/PUT/PATCH/DELETE outside `/api/` is accepted only as a urlencoded or
//! multipart form
//! whose `csrf` field matches the visitor's CSRF cookie; on `/api/` only as JSON (which a
//! cross-site form cannot send).

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use guichet_core::Language;
use guichet_core::authz::{Action, Denied, Principal, Role, authorize};
use guichet_store::{Session, SessionStage, User};
use hmac::{KeyInit, Mac};

use crate::error::{ApiError, PageError};
use crate::form_data::FormData;
use crate::i18n::Tr;
use crate::{App, pages};

pub const SESSION_COOKIE: &str = "guichet_session";
pub const CSRF_COOKIE: &str = "guichet_csrf";
pub const LANG_COOKIE: &str = "guichet_lang";

/// What every handler knows about the request.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Language,
    pub user: Option<User>,
    pub session: Option<Session>,
    /// A login not finished yet (second factor due, or one to set up): the visitor is
    /// anonymous everywhere else.
    pub pending: Option<(Session, User)>,
    /// The token to put in forms' `csrf` field.
    pub csrf: String,
    pub path: String,
    /// The requester, for rate limiting and the ledger.
    pub client: String,
    /// The slices the application is composed of (their header links).
    pub slices: &'static [&'static crate::WebSlice],
    /// Set when an API bearer token authenticated the request: the actions it may be used
    /// for, on top of its account's own rights.
    pub scopes: Option<Vec<String>>,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }

    pub fn principal(&self) -> Option<Principal> {
        self.user.as_ref().map(User::principal)
    }

    pub fn authorize(&self, action: Action) -> Result<(), Denied> {
        authorize(self.principal().as_ref(), action)?;
        if let Some(scopes) = &self.scopes {
            let name = match action {
                Action::Slice { action, .. } => action.name,
                Action::ViewLedger | Action::VerifyLedger => "ledger.read",
                Action::ViewPublic | Action::ViewOwnAccount => return Ok(()),
            };
            if !scopes.iter().any(|s| s == name) {
                return Err(Denied::OutOfScope);
            }
        }
        Ok(())
    }

    pub fn actor(&self) -> String {
        self.user
            .as_ref()
            .map_or_else(|| "anonymous".to_owned(), |u| format!("user:{}", u.id))
    }

    /// The visitor as the services name who acted.
    pub fn service_actor(&self) -> guichet_common::Actor {
        match &self.user {
            Some(u) => guichet_common::Actor::user(u),
            None => guichet_common::Actor::named("anonymous"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| {
            PageError::internal(&"request context missing: the context middleware is not installed")
        })
    }
}

pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// A `Set-Cookie` value with the attributes every guichet cookie carries.
pub fn cookie(app: &App, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if app.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// The CSRF MAC keyed by the instance, over the visitor's CSRF cookie.
fn csrf_mac(app: &App, cookie_value: &str) -> Option<hmac::Hmac<sha2::Sha256>> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&app.csrf_key).ok()?;
    mac.update(cookie_value.as_bytes());
    Some(mac)
}

fn csrf_token(app: &App, cookie_value: &str) -> String {
    csrf_mac(app, cookie_value)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Constant-time comparison of a submitted token with the expected one.
fn csrf_matches(app: &App, cookie_value: &str, submitted: &str) -> bool {
    let (Some(mac), Ok(tag)) = (csrf_mac(app, cookie_value), hex::decode(submitted)) else {
        return false;
    };
    mac.verify_slice(&tag).is_ok()
}

/// The API's file upload, which takes `multipart/form-data` rather than JSON.
pub const API_UPLOAD: &str = "/api/v1/files";
/// The OAuth 2 token endpoint (client credentials): form-encoded, no CSRF token.
pub const OAUTH_TOKEN: &str = "/oauth/token";

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn choose_language(app: &App, cookies: &HashMap<String, String>, headers: &HeaderMap) -> Language {
    cookies
        .get(LANG_COOKIE)
        .and_then(|v| v.parse().ok())
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Language::from_accept_language)
        })
        .unwrap_or(app.settings.default_language)
}

pub async fn context(State(app): State<App>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let jar = cookies(&parts.headers);
    let lang = choose_language(&app, &jar, &parts.headers);
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            |ConnectInfo(addr)| addr.ip().to_string(),
        );

    let mut new_csrf_cookie = None;
    let csrf_cookie = match jar
        .get(CSRF_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Some(v) => v.clone(),
        None => {
            let mut raw = [0u8; 32];
            app.entropy.fill(&mut raw);
            let v = hex::encode(raw);
            new_csrf_cookie = Some(v.clone());
            v
        }
    };

    // An API bearer token (personal, or a client's) stands for its account on `/api/`, with
    // its scopes; one that is not live is refused outright rather than ignored.
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .filter(|_| is_api(&path));
    let mut scopes = None;
    let (user, session, pending) = match (bearer, jar.get(SESSION_COOKIE)) {
        (Some(token), _) => match app.sessions.bearer(&token).await {
            Ok(Some((u, granted))) => {
                scopes = Some(granted);
                (Some(u), None, None)
            }
            Ok(None) => {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid-token",
                    "the bearer token is unknown, expired or revoked",
                )
                .into_response();
            }
            Err(e) => {
                tracing::error!(error = %e, "token lookup failed");
                return ApiError::internal(&e).into_response();
            }
        },
        (None, Some(token)) => match app.sessions.session(token).await {
            Ok(Some((s, u))) if s.stage == SessionStage::Active => (Some(u), Some(s), None),
            Ok(Some((s, u))) => (None, None, Some((s, u))),
            Ok(None) => (None, None, None),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                (None, None, None)
            }
        },
        (None, None) => (None, None, None),
    };
    // A login half done leads to its next step from any page (assets and logout aside).
    if let Some((s, _)) = &pending {
        let next_step = match s.stage {
            SessionStage::SecondFactor => "/login/code",
            _ => "/account/second-factor",
        };
        let free = path == next_step
            || path == "/logout"
            || path.starts_with("/static/")
            || path.starts_with("/lang/")
            || is_api(&path)
            || path == "/healthz"
            || path == "/readyz";
        if !free && parts.method == Method::GET {
            return axum::response::Redirect::to(next_step).into_response();
        }
    }
    let ctx = Ctx {
        lang,
        user,
        session,
        pending,
        csrf: csrf_token(&app, &csrf_cookie),
        path: path.clone(),
        client,
        slices: app.slices,
        scopes,
    };

    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    // A method the path does not take: the router answers 405 with `Allow`. (Looked up for
    // unsafe methods only, so reads do not pay for it.)
    let body = if !unsafe_method || !app.route_allows(&path, parts.method.as_str()) {
        body
    } else if is_api(&path) {
        let length = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("0");
        let upload = path == API_UPLOAD && content_type.starts_with("multipart/form-data");
        if !content_type.starts_with("application/json") && length != "0" && !upload {
            return finish(
                &app,
                &ctx,
                ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "send JSON with Content-Type: application/json",
                )
                .into_response(),
                new_csrf_cookie,
            );
        }
        body
    } else {
        // HTML forms only GET and POST.
        if parts.method != Method::POST {
            return finish(
                &app,
                &ctx,
                PageError::new(StatusCode::METHOD_NOT_ALLOWED, "error-405").into_response(),
                new_csrf_cookie,
            );
        }
        let multipart = content_type.starts_with("multipart/form-data");
        if !content_type.starts_with("application/x-www-form-urlencoded") && !multipart {
            return finish(
                &app,
                &ctx,
                PageError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "error-415").into_response(),
                new_csrf_cookie,
            );
        }
        let limit = if multipart {
            app.settings.upload_limit
        } else {
            app.settings.body_limit
        };
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => {
                return finish(
                    &app,
                    &ctx,
                    PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "error-413").into_response(),
                    new_csrf_cookie,
                );
            }
        };
        let form = if multipart {
            FormData::multipart(bytes.clone(), &content_type).await
        } else {
            FormData::urlencoded(&bytes)
        };
        let submitted = form.as_ref().and_then(|f| f.get("csrf").map(str::to_owned));
        // The token endpoint is for machines: no cookie counts there, a client secret does.
        let valid = path == OAUTH_TOKEN
            || (new_csrf_cookie.is_none()
                && submitted.is_some_and(|s| csrf_matches(&app, &csrf_cookie, &s)));
        if !valid {
            return finish(
                &app,
                &ctx,
                PageError::new(StatusCode::FORBIDDEN, "error-csrf").into_response(),
                new_csrf_cookie,
            );
        }
        if let Some(form) = form {
            parts.extensions.insert(form);
        }
        if multipart {
            Body::empty()
        } else {
            Body::from(bytes)
        }
    };
    parts.extensions.insert(ctx.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    finish(&app, &ctx, response, new_csrf_cookie)
}

fn finish(
    app: &App,
    ctx: &Ctx,
    mut response: Response,
    new_csrf_cookie: Option<String>,
) -> Response {
    let status = response.status();
    if let Some(error) = response.extensions().get::<PageError>().cloned() {
        response = render_error(ctx, &error);
    } else if status.is_client_error() || status.is_server_error() {
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if is_api(&ctx.path) && !content_type.starts_with("application/problem+json") {
            response = ApiError::for_status(status, None).into_response();
        } else if !is_api(&ctx.path)
            && ctx.path != OAUTH_TOKEN
            && !content_type.starts_with("text/html")
        {
            response = render_error(ctx, &PageError::for_status(status));
        }
    }
    let headers = response.headers_mut();
    if let Some(value) = new_csrf_cookie {
        headers.append(
            header::SET_COOKIE,
            cookie(app, CSRF_COOKIE, &value, 60 * 60 * 24 * 365),
        );
    }
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    headers
        .entry("content-security-policy")
        .or_insert(app.csp.clone());
    if app.settings.secure_cookies {
        headers
            .entry("strict-transport-security")
            .or_insert(HeaderValue::from_static("max-age=63072000"));
    }
    if !is_api(&ctx.path) {
        headers
            .entry(header::CONTENT_LANGUAGE)
            .or_insert(HeaderValue::from_static(ctx.lang.code()));
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
    }
    response
}

fn render_error(ctx: &Ctx, error: &PageError) -> Response {
    let page = pages::ErrorPage {
        chrome: crate::chrome::Chrome::new(ctx),
        status: error.status.as_u16(),
        message: ctx.tr().t(error.key),
        detail: error.detail.clone(),
    };
    match page.render() {
        Ok(html) => (error.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (
                error.status,
                error.status.canonical_reason().unwrap_or("Error"),
            )
                .into_response()
        }
    }
}

/// Role names in the user's language, with office codes for per-office roles.
pub fn role_label(tr: &Tr, role: Role) -> String {
    tr.t(match role {
        Role::Citizen => "role-citizen",
        Role::Agent => "role-agent",
        Role::OfficeAdmin => "role-office_admin",
        Role::Sysadmin => "role-sysadmin",
        Role::Auditor => "role-auditor",
    })
}

//! Access for machines, the pages: a person's API tokens and OAuth clients under My account
//! (created, shown once, revoked), and the OAuth 2 token endpoint (client credentials).

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use guichet_core::authz::Action;
use guichet_store::User;
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::fmt_date;

use crate::AccountError;
use crate::state::accounts;
use crate::tokens::{CLIENT_TOKEN_TTL, OAuthError};

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub expires: String,
    pub live: bool,
}

pub struct ClientRow {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub scopes: String,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub chrome: Chrome,
    pub tokens: Vec<TokenRow>,
    pub clients: Vec<ClientRow>,
    /// Just created: shown once.
    pub new_token: Option<String>,
    pub new_client: Option<(String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

fn me(ctx: &Ctx) -> Result<&User, PageError> {
    ctx.authorize(Action::ViewOwnAccount)?;
    ctx.user
        .as_ref()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))
}

async fn page(app: &App, ctx: &Ctx, user: &User) -> Result<TokensPage, PageError> {
    let store = crate::identity_store(&*app.store)?;
    let now = app.clock.now();
    let tokens = store
        .api_tokens_of(user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            live: t.revoked_at.is_none() && t.expires_at > now,
            name: t.name,
            scopes: t.scopes.join(" "),
            expires: fmt_date(t.expires_at.date()),
        })
        .collect();
    let clients = store
        .api_clients_of(user.id)
        .await?
        .into_iter()
        .map(|c| ClientRow {
            id: c.id.to_string(),
            live: c.revoked_at.is_none(),
            client_id: c.client_id,
            name: c.name,
            scopes: c.scopes.join(" "),
        })
        .collect();
    Ok(TokensPage {
        chrome: Chrome::new(ctx),
        tokens,
        clients,
        new_token: None,
        new_client: None,
        notice: None,
        error: None,
    })
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Response, PageError> {
    let user = me(&ctx)?.clone();
    Ok(render_with(StatusCode::OK, page(&app, &ctx, &user).await?))
}

fn refusal(ctx: &Ctx, e: AccountError) -> Result<String, PageError> {
    match e {
        AccountError::Invalid { key, .. } => Ok(ctx.tr().t(key)),
        other => Err(other.into()),
    }
}

/// Creates a personal token; the page shows it once.
pub async fn create_token(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let user = me(&ctx)?.clone();
    let days: u32 = form.text("days").trim().parse().unwrap_or(0);
    let outcome = accounts(&app)?
        .create_token(&user, &form.text("name"), &form.text("scopes"), days)
        .await;
    let mut p = page(&app, &ctx, &user).await?;
    match outcome {
        Ok((secret, _)) => {
            p.new_token = Some(secret);
            Ok(render_with(StatusCode::CREATED, p))
        }
        Err(e) => {
            p.error = Some(refusal(&ctx, e)?);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, p))
        }
    }
}

pub async fn revoke_token(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = me(&ctx)?.clone();
    let id: uuid::Uuid = id.parse().map_err(|_| PageError::not_found())?;
    if !accounts(&app)?.revoke_token(&user, id).await? {
        return Err(PageError::not_found());
    }
    Ok(Redirect::to("/account/tokens").into_response())
}

/// Registers an OAuth client; the page shows its id and secret once.
pub async fn create_client(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let user = me(&ctx)?.clone();
    let outcome = accounts(&app)?
        .create_client(&user, &form.text("name"), &form.text("scopes"))
        .await;
    let mut p = page(&app, &ctx, &user).await?;
    match outcome {
        Ok((client_id, secret, _)) => {
            p.new_client = Some((client_id, secret));
            Ok(render_with(StatusCode::CREATED, p))
        }
        Err(e) => {
            p.error = Some(refusal(&ctx, e)?);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, p))
        }
    }
}

pub async fn revoke_client(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = me(&ctx)?.clone();
    let id: uuid::Uuid = id.parse().map_err(|_| PageError::not_found())?;
    if !accounts(&app)?.revoke_client(&user, id).await? {
        return Err(PageError::not_found());
    }
    Ok(Redirect::to("/account/tokens").into_response())
}

/// RFC 6749 §5.2: `{"error": …, "error_description": …}`, never cached.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The token endpoint (client credentials, RFC 6749 §4.4): the client authenticates with HTTP
/// Basic or `client_id` and `client_secret` in the form.
pub async fn token(State(app): State<App>, headers: HeaderMap, form: FormData) -> Response {
    if form.text("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is offered",
        );
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    let (id, secret) =
        basic.unwrap_or_else(|| (form.text("client_id"), form.text("client_secret")));
    if id.is_empty() || secret.is_empty() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "authenticate the client with HTTP Basic or client_id and client_secret",
        );
    }
    let Ok(accounts) = accounts(&app) else {
        return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "");
    };
    let scope = form.get("scope").map(str::to_owned);
    match accounts.client_token(&id, &secret, scope.as_deref()).await {
        Ok((token, t)) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": CLIENT_TOKEN_TTL.whole_seconds(),
                "scope": t.scopes.join(" "),
            })),
        )
            .into_response(),
        Err(OAuthError::InvalidClient) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown or revoked client, or wrong secret",
        ),
        Err(OAuthError::InvalidScope) => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the scope asks for more than the client was given",
        ),
        Err(OAuthError::Server(e)) => {
            tracing::error!(error = %e, "token endpoint failed");
            oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "")
        }
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/account/tokens" => get(list).post(create_token),
    "/account/tokens/{id}/revoke" => post(revoke_token),
    "/account/clients" => post(create_client),
    "/account/clients/{id}/revoke" => post(revoke_client),
    "/oauth/token" => post(token),
}

/// The matrix rows of these routes (columns as in the matrix test).
pub const ACCESS: &[guichet_web::AccessRule] = &[
    ("get", "/account/tokens", "-++++++++", "/account/tokens", ""),
    (
        "post",
        "/account/tokens",
        "-++++++++",
        "/account/tokens",
        "name=&scopes=x&days=0",
    ),
    // Nobody revokes what is not theirs (an unknown id is hidden as 404).
    (
        "post",
        "/account/tokens/{id}/revoke",
        "---------",
        "/account/tokens/0190e4c4-0000-7000-8000-000000000000/revoke",
        "",
    ),
    (
        "post",
        "/account/clients",
        "-++++++++",
        "/account/clients",
        "name=&scopes=x",
    ),
    (
        "post",
        "/account/clients/{id}/revoke",
        "---------",
        "/account/clients/0190e4c4-0000-7000-8000-000000000000/revoke",
        "",
    ),
    // The token endpoint answers anyone (an unknown client is refused with 401, which the
    // matrix counts as denied).
    (
        "post",
        "/oauth/token",
        "---------",
        "/oauth/token",
        "grant_type=client_credentials&client_id=x&client_secret=y",
    ),
];

/// What this module adds to the application.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: ACCESS,
    probe_ids: &[],
    a11y: &[("thu.pham", "/account/tokens")],
    name: "tokens",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[],
};

//! The JSON API under `/api/v1`, described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json`. Errors are RFC 9457 problem+json.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use guichet_core::authz::{Action, Grant};
use utoipa::{OpenApi, ToSchema};

use crate::App;
use crate::ctx::Ctx;
use crate::error::{ApiError, Problem};

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct StreamDto {
    pub stream: String,
    pub entries: i64,
    /// Hex SHA-256 of the last entry.
    pub head_hash: String,
}

#[utoipa::path(get, path = "/api/v1/ledger/streams", tag = "ledger",
    responses(
        (status = 200, description = "Every ledger stream and its head", body = [StreamDto]),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an auditor", body = Problem, content_type = "application/problem+json")))]
pub async fn ledger_streams(
    State(app): State<App>,
    ctx: Ctx,
) -> Result<Json<Vec<StreamDto>>, ApiError> {
    ctx.authorize(Action::ViewLedger)?;
    let heads = app.store.stream_heads().await?;
    Ok(Json(
        heads
            .into_iter()
            .map(|h| StreamDto {
                stream: h.stream,
                entries: h.seq,
                head_hash: hex::encode(h.hash),
            })
            .collect(),
    ))
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(app): State<App>) -> Response {
    match app.store.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ready", "backend": app.store.backend()}))
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database does not answer",
            )
            .into_response()
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "guichet API",
        version = "1",
        description = "One-stop public services: procedures, dossiers, offices, accounts, audit ledger, administrative units, records, civil-service staff and pay."
    ),
    paths(ledger_streams),
    components(schemas(StreamDto, Problem, Grant))
)]
pub struct ApiDoc;

/// The whole OpenAPI document: the platform's own part (title, ledger,
/// common schemas), every slice's part, then the
/// shared problem+json errors added to each operation.
pub fn openapi(slices: &[&crate::WebSlice]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in slices.iter().filter_map(|s| s.api_doc) {
        doc.merge(part());
    }
    utoipa::Modify::modify(&ProblemResponses, &mut doc);
    utoipa::Modify::modify(&SecuritySchemes, &mut doc);
    doc
}

/// How a caller authenticates: the browser's session cookie, a bearer token (personal or a
/// client's), or OAuth 2 client credentials at `/oauth/token`. Public operations need none,
/// so no requirement is set document-wide; each operation's 401/403 says when one is needed.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2,
            Scopes, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "guichet_session",
                "The session cookie a login in the browser sets",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal access token (My account → API tokens) or one obtained at /oauth/token; its scopes name the actions it may be used for",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(
                ClientCredentials::new("/oauth/token", Scopes::new()),
            )])),
        );
    }
}

/// Every operation can answer these errors (the context middleware, the extractors and the
/// authorization check are shared), always as RFC 9457 `application/problem+json`: the
/// document says so once here instead of on each operation.
struct ProblemResponses;

const COMMON_PROBLEMS: &[(&str, &str)] = &[
    ("400", "A parameter or the body is malformed"),
    ("401", "Not logged in"),
    ("403", "The caller may not do this"),
    ("404", "No such resource, or one the caller may not see"),
    ("405", "Method not allowed on this path"),
    ("408", "The request took too long (a body sent too slowly)"),
    ("413", "The body is too large"),
    ("415", "The body is not JSON"),
    ("422", "The body is well-formed but its content is invalid"),
];

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        const PROBLEM: &str = "application/problem+json";
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                let responses = &mut op.responses.responses;
                // Documented errors are problem documents too.
                for (status, response) in responses.iter_mut() {
                    let RefOr::T(r) = response else { continue };
                    if status.as_str() < "400" {
                        continue;
                    }
                    let body = r
                        .content
                        .shift_remove("application/json")
                        .unwrap_or_else(|| {
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build()
                                .into()
                        });
                    r.content.entry(PROBLEM.to_owned()).or_insert(body);
                }
                for (status, description) in COMMON_PROBLEMS {
                    responses.entry((*status).to_owned()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(*description)
                                .content(
                                    PROBLEM,
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("Problem")))
                                        .build(),
                                )
                                .build(),
                        )
                    });
                }
            }
        }
    }
}

pub async fn openapi_json(State(app): State<App>) -> Response {
    match openapi(app.slices).to_json() {
        Ok(json) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such API endpoint")
}

route_table! {
    /// The API routes of the platform itself, relative to `/api/v1`.
    fn own_routes, OWN_ROUTES;
    "/ledger/streams" => get(ledger_streams),
    "/openapi.json" => get(openapi_json),
}

/// The API routes of `slices`, relative to `/api/v1`.
pub fn router(slices: &[&crate::WebSlice]) -> Router<App> {
    slices
        .iter()
        .fold(Router::new(), |router, s| (s.add_api)(router))
        .fallback(not_found)
}

route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/healthz" => get(healthz),
    "/readyz" => get(readyz),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: crate::WebSlice = crate::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "api",
    pages: ROUTES,
    add_pages: routes,
    api: OWN_ROUTES,
    add_api: own_routes,
    // The platform's part of the document is `ApiDoc`, which `openapi` always starts from.
    api_doc: None,
    nav: &[],
};

//! The JSON API under `/api/v1`, described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json`. Errors are RFC 9457 problem+json.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use guichet_accounts::AccountError;
use guichet_accounts::offices::{NewOffice, create_office as create_office_rule};
use guichet_core::OfficeId;
use guichet_core::authz::{Action, Grant};
use guichet_store::Office;
use utoipa::{OpenApi, ToSchema};

use crate::App;
use crate::ctx::Ctx;
use crate::error::{ApiError, Problem};
use crate::json::ApiJson;

fn parse_office_id(raw: &str) -> Result<OfficeId, ApiError> {
    raw.parse().map_err(|e: guichet_core::InvalidId| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid-id", e.to_string())
    })
}

#[derive(Debug, serde::Serialize, serde::Deserialize, ToSchema)]
pub struct OfficeDto {
    pub id: OfficeId,
    /// Unique code, also the office's ledger stream.
    pub code: String,
    pub name: String,
    /// `vn` or `fr`.
    pub country: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&Office> for OfficeDto {
    fn from(o: &Office) -> Self {
        Self {
            id: o.id,
            code: o.code.clone(),
            name: o.name.clone(),
            country: o.country.code().to_owned(),
            created_at: o
                .created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct NewOfficeDto {
    pub code: String,
    pub name: String,
    /// `vn` or `fr`.
    pub country: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct MeDto {
    pub id: guichet_core::UserId,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct StreamDto {
    pub stream: String,
    pub entries: i64,
    /// Hex SHA-256 of the last entry.
    pub head_hash: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct KeyDto {
    pub key_id: String,
    pub algorithm: String,
    /// Hex Ed25519 public key.
    pub public_key: String,
    /// `current` signs new checkpoints; `trusted` keys signed older ones; `documents` keys
    /// sign the documents of the office named in `office`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct KeysDto {
    pub keys: Vec<KeyDto>,
}

#[utoipa::path(get, path = "/api/v1/offices", tag = "offices",
    responses((status = 200, description = "Every office", body = [OfficeDto])))]
pub async fn list_offices(State(app): State<App>) -> Result<Json<Vec<OfficeDto>>, ApiError> {
    Ok(Json(
        app.store
            .list_offices()
            .await?
            .iter()
            .map(OfficeDto::from)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/offices/{id}", tag = "offices",
    params(("id" = uuid::Uuid, Path, description = "Office id")),
    responses(
        (status = 200, description = "The office", body = OfficeDto),
        (status = 400, description = "Not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such office", body = Problem, content_type = "application/problem+json")))]
pub async fn get_office(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<OfficeDto>, ApiError> {
    let id = parse_office_id(&id)?;
    match app.store.office(id).await? {
        Some(o) => Ok(Json(OfficeDto::from(&o))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("office {id} does not exist"),
        )),
    }
}

#[utoipa::path(post, path = "/api/v1/offices", tag = "offices", request_body = NewOfficeDto,
    responses(
        (status = 201, description = "Created", body = OfficeDto),
        (status = 400, description = "Invalid office", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a system administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used", body = Problem, content_type = "application/problem+json")))]
pub async fn create_office(
    State(app): State<App>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewOfficeDto>,
) -> Result<Response, ApiError> {
    ctx.authorize(Action::ManageOffices)?;
    let new = NewOffice {
        code: body.code,
        name: body.name,
        country: body.country,
    };
    match create_office_rule(&*app.store, &*app.clock, &*app.entropy, &ctx.actor(), new).await {
        Ok(office) => Ok((StatusCode::CREATED, Json(OfficeDto::from(&office))).into_response()),
        Err(AccountError::Invalid { detail, .. }) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-office",
            detail,
        )),
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses(
        (status = 200, description = "The logged-in user", body = MeDto),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json")))]
pub async fn me(ctx: Ctx) -> Result<Json<MeDto>, ApiError> {
    ctx.authorize(Action::ViewOwnAccount)?;
    let user = ctx
        .user
        .ok_or_else(|| ApiError::for_status(StatusCode::UNAUTHORIZED, None))?;
    Ok(Json(MeDto {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        grants: user.grants,
    }))
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

#[utoipa::path(get, path = "/.well-known/guichet-keys", tag = "ledger",
    responses((status = 200, description = "Public keys that sign ledger checkpoints and documents", body = KeysDto)))]
pub async fn keys(State(app): State<App>) -> Json<KeysDto> {
    let current = app.ledger_key.public_hex();
    let mut keys = vec![KeyDto {
        key_id: app.ledger_key.key_id(),
        algorithm: "Ed25519".into(),
        public_key: current.clone(),
        status: "current".into(),
        office: None,
    }];
    for (key_id, public_key) in app
        .trusted_keys
        .list()
        .into_iter()
        .filter(|(_, k)| *k != current)
    {
        keys.push(KeyDto {
            key_id,
            algorithm: "Ed25519".into(),
            public_key,
            status: "trusted".into(),
            office: None,
        });
    }
    if let Ok(offices) = app.store.list_offices().await {
        // The same derivation as the one-stop slice's document issuer.
        let master = app.ledger_key.derive_secret("office-documents");
        for office in offices {
            let signer = guichet_documents::seal::office_signer(
                &master,
                office.id.as_uuid().as_bytes(),
                &office.code,
            );
            keys.push(KeyDto {
                key_id: signer.key_id(),
                algorithm: "Ed25519".into(),
                public_key: hex::encode(signer.public().as_bytes()),
                status: "documents".into(),
                office: Some(office.code),
            });
        }
    }
    Json(KeysDto { keys })
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
    paths(list_offices, get_office, create_office, me, ledger_streams, keys,),
    components(schemas(
        OfficeDto,
        NewOfficeDto,
        MeDto,
        StreamDto,
        KeysDto,
        KeyDto,
        Problem,
        Grant,
    ))
)]
pub struct ApiDoc;

/// The whole OpenAPI document: the platform's own part (title, offices, accounts, ledger,
/// common schemas), every slice's part, then the
/// shared problem+json errors added to each operation.
pub fn openapi(slices: &[&crate::WebSlice]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in slices.iter().filter_map(|s| s.api_doc) {
        doc.merge(part());
    }
    utoipa::Modify::modify(&ProblemResponses, &mut doc);
    doc
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
    "/offices" => get(list_offices).post(create_office),
    "/offices/{id}" => get(get_office),
    "/me" => get(me),
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
    "/.well-known/guichet-keys" => get(keys),
    "/healthz" => get(healthz),
    "/readyz" => get(readyz),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: crate::WebSlice = crate::WebSlice {
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

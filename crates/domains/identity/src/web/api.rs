//! The identity slice's API: offices, the logged-in account, and the public keys that sign
//! ledger checkpoints and each office's documents.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guichet_core::OfficeId;
use guichet_core::authz::{Action, Grant};
use guichet_store::Office;
use guichet_web::App;
use guichet_web::ctx::Ctx;
use guichet_web::error::{ApiError, Problem};
use guichet_web::json::ApiJson;
use utoipa::{OpenApi, ToSchema};

use crate::AccountError;
use crate::offices::{NewOffice, create_office as create_office_rule};

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
        crate::identity_store(&*app.store)?
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
    match crate::identity_store(&*app.store)?.office(id).await? {
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
    ctx.authorize(crate::authz::manage_offices())?;
    let new = NewOffice {
        code: body.code,
        name: body.name,
        country: body.country,
    };
    match create_office_rule(
        crate::identity_store(&*app.store)?,
        &*app.clock,
        &*app.entropy,
        &ctx.actor(),
        new,
    )
    .await
    {
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
    let offices = async { crate::identity_store(&*app.store)?.list_offices().await };
    if let Ok(offices) = offices.await {
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

#[derive(OpenApi)]
#[openapi(
    paths(list_offices, get_office, create_office, me, keys),
    components(schemas(OfficeDto, NewOfficeDto, MeDto, KeysDto, KeyDto, Problem, Grant))
)]
struct IdentityApi;

/// The identity slice's part of the OpenAPI document.
pub fn doc() -> utoipa::openapi::OpenApi {
    IdentityApi::openapi()
}

guichet_web::route_table! {
    /// The API routes, relative to `/api/v1`.
    fn routes, ROUTES;
    "/offices" => get(list_offices).post(create_office),
    "/offices/{id}" => get(get_office),
    "/me" => get(me),
}

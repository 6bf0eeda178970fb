//! The one-stop JSON API: catalogue and procedure administration, filing, dossier steps,
//! messages, the state mapping table and office webhooks. Same rules as the pages: every call
//! authorizes, then goes through `guichet-services`.

use crate::dossier::{self, Actor, Desk, StepInput};
use crate::procedure::{self, CatalogueQuery, ProcedureBody, ServiceLevel};
use crate::state::{self, Party, State as DState, Step};
use crate::store::{DossierRecord, ProcedureRecord, WebhookRecord};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use guichet_core::authz::Action;
use guichet_core::{DossierId, UserId};
use guichet_ledger::Event;
use guichet_store::{Audit, Office};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::web::one_stop::{QueueParams, queue_query};
use guichet_web::App;
use guichet_web::ctx::Ctx;
use guichet_web::error::ApiError;
use guichet_web::json::ApiJson;

fn desk(app: &App) -> Result<Desk<'_>, guichet_store::StoreError> {
    let state = crate::state(app)?;
    Ok(Desk {
        store: crate::one_stop_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
        units: &app.units,
        versions: &state.versions,
        issuer: Some(&state.issuer),
    })
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn office_by_code(app: &App, code: &str) -> Result<Office, ApiError> {
    guichet_identity::identity_store(&*app.store)?
        .office_by_code(code)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("no office {code}"),
            )
        })
}

async fn procedure_of(app: &App, office: &Office, code: &str) -> Result<ProcedureRecord, ApiError> {
    crate::one_stop_store(&*app.store)?
        .procedure_by_code(office.id, code)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("no procedure {code} in {}", office.code),
            )
        })
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ProcedureSummaryDto {
    pub office: String,
    pub code: String,
    pub topic: String,
    /// `information`, `partial` or `full`.
    pub level: String,
    pub version: i64,
    /// Name in the requested language (`Accept-Language` or the language cookie).
    pub name: String,
    pub processing_time: u32,
    /// `working_days` or `calendar_months`.
    pub time_unit: String,
}

#[derive(Debug, serde::Deserialize, IntoParams)]
pub struct CatalogueParams {
    /// Words to find (accent- and case-insensitive).
    #[serde(default)]
    pub q: String,
    /// Office code.
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub topic: String,
    /// `information`, `partial` or `full`.
    #[serde(default)]
    #[param(pattern = "^(information|partial|full)?$")]
    pub level: String,
}

/// The published procedures, searched and filtered.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "procedures", params(CatalogueParams),
    responses((status = 200, body = [ProcedureSummaryDto])))]
pub async fn list_procedures(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<CatalogueParams>,
) -> Result<Json<Vec<ProcedureSummaryDto>>, ApiError> {
    if !p.level.is_empty() && ServiceLevel::parse(&p.level).is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-level",
            "level is information, partial or full",
        ));
    }
    let entries = procedure::catalogue(crate::one_stop_store(&*app.store)?).await?;
    let office = entries
        .iter()
        .find(|e| e.office.code == p.office)
        .map(|e| e.office.id);
    if !p.office.is_empty() && office.is_none() {
        return Ok(Json(Vec::new()));
    }
    let q = CatalogueQuery {
        text: p.q,
        office,
        topic: Some(p.topic).filter(|t| !t.is_empty()),
        level: ServiceLevel::parse(&p.level),
    };
    Ok(Json(
        procedure::search(&entries, &q, ctx.lang)
            .iter()
            .map(|e| ProcedureSummaryDto {
                office: e.office.code.clone(),
                code: e.procedure.code.clone(),
                topic: e.procedure.topic.clone(),
                level: e.body.level.code().to_owned(),
                version: e.version,
                name: e.body.name.get(ctx.lang).to_owned(),
                processing_time: e.body.processing_time,
                time_unit: e.body.time_unit.code().to_owned(),
            })
            .collect(),
    ))
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ProcedureDto {
    pub office: String,
    pub code: String,
    pub topic: String,
    /// 0 when nothing is published.
    pub published_version: i64,
    pub latest_version: i64,
    pub version: i64,
    /// `draft`, `published` or `retired`.
    pub status: String,
    /// Names, description, level, legal basis, fees, processing time, required documents,
    /// result and the form schema.
    #[schema(value_type = Object)]
    pub body: Value,
}

#[derive(Debug, serde::Deserialize, IntoParams)]
pub struct VersionParam {
    /// A version number; default the published one (drafts: office administrators only).
    pub version: Option<i64>,
}

/// One procedure version.
#[utoipa::path(get, path = "/api/v1/procedures/{office}/{code}", tag = "procedures", params(("office" = String, Path), ("code" = String, Path), VersionParam),
    responses((status = 200, body = ProcedureDto), (status = 404, body = guichet_web::error::Problem)))]
pub async fn get_procedure(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, code)): Path<(String, String)>,
    Query(v): Query<VersionParam>,
) -> Result<Json<ProcedureDto>, ApiError> {
    let office = office_by_code(&app, &office).await?;
    let p = procedure_of(&app, &office, &code).await?;
    let admin = ctx
        .authorize(crate::authz::manage_procedures(office.id))
        .is_ok();
    let version = v.version.unwrap_or(if p.published_version > 0 {
        p.published_version
    } else {
        p.latest_version
    });
    let record = crate::one_stop_store(&*app.store)?
        .procedure_version(p.id, version)
        .await?
        .filter(|r| admin || r.status != "draft")
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("no version {version}"),
            )
        })?;
    Ok(Json(ProcedureDto {
        office: office.code,
        code: p.code,
        topic: p.topic,
        published_version: p.published_version,
        latest_version: p.latest_version,
        version: record.version,
        status: record.status,
        body: record.body,
    }))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct NewProcedureDto {
    pub code: String,
    pub topic: String,
    #[schema(value_type = Object)]
    pub body: Value,
}

fn parse_body(v: Value) -> Result<ProcedureBody, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "procedure-body",
            e.to_string(),
        )
    })
}

/// Creates a procedure (its version 1 is a draft).
#[utoipa::path(post, path = "/api/v1/offices/{office}/procedures", tag = "procedures", params(("office" = String, Path)), request_body = NewProcedureDto,
    responses((status = 201, body = ProcedureDto), (status = 409, body = guichet_web::error::Problem), (status = 422, body = guichet_web::error::Problem)))]
pub async fn create_procedure(
    State(app): State<App>,
    ctx: Ctx,
    Path(office): Path<String>,
    ApiJson(new): ApiJson<NewProcedureDto>,
) -> Result<Response, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    let body = parse_body(new.body)?;
    let services = procedure::Services {
        store: crate::one_stop_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
    };
    let p = services
        .create(&ctx.actor(), &office, &new.code, &new.topic, body.clone())
        .await?;
    let dto = ProcedureDto {
        office: office.code,
        code: p.code,
        topic: p.topic,
        published_version: 0,
        latest_version: 1,
        version: 1,
        status: "draft".into(),
        body: serde_json::to_value(&body).unwrap_or(Value::Null),
    };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct DraftDto {
    #[schema(value_type = Object)]
    pub body: Value,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct VersionDto {
    pub version: i64,
}

/// Saves the latest draft (a published version is never changed: this starts the next one).
#[utoipa::path(put, path = "/api/v1/procedures/{office}/{code}/draft", tag = "procedures", params(("office" = String, Path), ("code" = String, Path)), request_body = DraftDto,
    responses((status = 200, body = VersionDto), (status = 422, body = guichet_web::error::Problem)))]
pub async fn save_draft(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, code)): Path<(String, String)>,
    ApiJson(d): ApiJson<DraftDto>,
) -> Result<Json<VersionDto>, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    let p = procedure_of(&app, &office, &code).await?;
    let services = procedure::Services {
        store: crate::one_stop_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
    };
    let version = services
        .save_draft(&ctx.actor(), &office, &p, parse_body(d.body)?)
        .await?;
    Ok(Json(VersionDto { version }))
}

/// Publishes the latest draft.
#[utoipa::path(post, path = "/api/v1/procedures/{office}/{code}/publish", tag = "procedures", params(("office" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = VersionDto), (status = 422, body = guichet_web::error::Problem)))]
pub async fn publish(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, code)): Path<(String, String)>,
) -> Result<Json<VersionDto>, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    let p = procedure_of(&app, &office, &code).await?;
    let services = procedure::Services {
        store: crate::one_stop_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
    };
    Ok(Json(VersionDto {
        version: services.publish(&ctx.actor(), &office, &p).await?,
    }))
}

/// Stops offering a procedure.
#[utoipa::path(post, path = "/api/v1/procedures/{office}/{code}/unpublish", tag = "procedures", params(("office" = String, Path), ("code" = String, Path)),
    responses((status = 204), (status = 409, body = guichet_web::error::Problem)))]
pub async fn unpublish(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, code)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    let p = procedure_of(&app, &office, &code).await?;
    let services = procedure::Services {
        store: crate::one_stop_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
    };
    services.unpublish(&ctx.actor(), &office, &p).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DeadlineDto {
    /// Due date (office-local, YYYY-MM-DD).
    pub due: Option<String>,
    /// Working days left; negative once late.
    pub days_left: Option<i64>,
    /// `no_deadline`, `on_track`, `due_soon`, `overdue`, `paused`, `early`, `on_time`, `late`.
    pub timing: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DossierDto {
    pub id: DossierId,
    /// `{office code}-{yyMMdd}-{NNNN}`, given at submission.
    pub code: Option<String>,
    pub office: String,
    pub procedure: String,
    pub procedure_version: i64,
    /// guichet's state: draft, submitted, received, awaiting_applicant, approved, rejected,
    /// closed, withdrawn, handed_over.
    pub state: String,
    /// The same state in Démarches Simplifiées' vocabulary.
    pub state_demarches_simplifiees: String,
    /// The status as Vietnamese one-stop systems name it.
    pub state_vn_portal: String,
    /// Revision: send it back with any change (optimistic concurrency).
    pub rev: i64,
    pub applicant: String,
    pub assigned_to: Option<UserId>,
    pub submitted_at: Option<String>,
    pub received_at: Option<String>,
    pub decided_on: Option<String>,
    pub deadline: DeadlineDto,
    /// Steps the caller may take now.
    pub allowed_steps: Vec<String>,
    /// The answers (absent in lists).
    #[serde(skip_serializing_if = "Value::is_null")]
    #[schema(value_type = Object, required = false)]
    pub answers: Value,
    /// The tracking secret: returned once, by the call that submits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

async fn dossier_dto(
    app: &App,
    ctx: &Ctx,
    d: &DossierRecord,
    secret: Option<String>,
) -> Result<DossierDto, ApiError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office(d.office_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not-found", "office"))?;
    let procedure = crate::one_stop_store(&*app.store)?
        .procedure(d.procedure_id)
        .await?
        .map(|p| p.code)
        .unwrap_or_default();
    dossier_dto_in(app, ctx, d, secret, office, procedure, None).await
}

/// The same, when the caller already holds the office and the procedure code.
async fn dossier_dto_in(
    app: &App,
    ctx: &Ctx,
    d: &DossierRecord,
    secret: Option<String>,
    office: Office,
    procedure: String,
    calendar: Option<&guichet_rules::calendar::OfficeCalendar>,
) -> Result<DossierDto, ApiError> {
    // The office calendar is read only while a deadline runs (and once per list).
    let owned;
    let cal = if let Some(c) = calendar {
        c
    } else if dossier::deadline_running(d) {
        owned = guichet_identity::calendar::office_calendar(
            crate::one_stop_store(&*app.store)?,
            &office,
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
        &owned
    } else {
        owned = guichet_rules::calendar::OfficeCalendar::new(
            guichet_identity::calendar::rules_country(office.country),
            None,
        );
        &owned
    };
    let today = dossier::local_time(office.country, app.clock.now()).date();
    let dl = dossier::deadline(d, today, cal);
    let st = DState::parse(&d.state).unwrap_or(DState::Draft);
    let mut allowed = Vec::new();
    if ctx
        .authorize(crate::authz::work_in_office(d.office_id))
        .is_ok()
    {
        allowed.extend(
            state::steps_from(st, Party::Agent)
                .iter()
                .map(|s| s.code().to_owned()),
        );
    }
    if ctx.authorize(crate::web::one_stop::filler(d)).is_ok() {
        allowed.extend(
            state::steps_from(st, Party::Applicant)
                .iter()
                .map(|s| s.code().to_owned()),
        );
    }
    Ok(DossierDto {
        id: d.id,
        code: d.code.clone(),
        office: office.code,
        procedure,
        procedure_version: d.procedure_version,
        state: d.state.clone(),
        state_demarches_simplifiees: st.demarches_simplifiees().to_owned(),
        state_vn_portal: st.vn_portal().to_owned(),
        rev: d.rev,
        applicant: d.applicant_name.clone(),
        assigned_to: d.assigned_to,
        submitted_at: d.submitted_at.map(rfc3339),
        received_at: d.received_at.map(rfc3339),
        decided_on: d.decided_on.map(crate::form::iso),
        deadline: DeadlineDto {
            due: dl.due.map(crate::form::iso),
            days_left: dl.days_left,
            timing: dl.timing.code().to_owned(),
        },
        allowed_steps: allowed,
        answers: d.answers.clone(),
        secret,
    })
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct FileDossierDto {
    /// Office code.
    pub office: String,
    /// Procedure code.
    pub procedure: String,
    /// Answers keyed by field key (see the procedure's form).
    #[schema(value_type = Object)]
    pub answers: Value,
    /// `true` (default): validate and submit now; `false`: keep as a draft.
    #[serde(default = "yes")]
    pub submit: bool,
    /// The form version the answers were written for; a newer published version is a 409.
    #[serde(default, deserialize_with = "guichet_web::json::integral_opt")]
    pub form_version: Option<i64>,
}

fn yes() -> bool {
    true
}

/// Files a dossier. With an `Idempotency-Key` header, repeating the call returns the dossier
/// the first call made (200 instead of 201, without the secret).
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", request_body = FileDossierDto,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried submission safe")),
    responses((status = 201, body = DossierDto), (status = 200, body = DossierDto, description = "Already filed with this idempotency key"),
        (status = 409, body = guichet_web::error::Problem, description = "Stale form version"), (status = 422, body = guichet_web::error::Problem, description = "Answers refused, with per-field errors")))]
pub async fn file_dossier(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(req): ApiJson<FileDossierDto>,
) -> Result<Response, ApiError> {
    ctx.authorize(crate::authz::file_dossier())?;
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in"))?;
    let office = office_by_code(&app, &req.office).await?;
    let p = procedure_of(&app, &office, &req.procedure).await?;
    let desk = desk(&app)?;
    let filing = desk.filing_in(office.clone(), &p).await?;
    if let Some(v) = req.form_version
        && v != filing.version
    {
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "stale-form-version",
                format!(
                    "the form is now version {}; you sent answers for version {v}",
                    filing.version
                ),
            ));
        }
    }
    if !crate::web::one_stop::identified_enough(&ctx, &filing.body) {
        return Err(identification_required(&filing.body));
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.trim().is_empty());
    if !req.submit {
        let draft = desk.start(&user, &filing).await?;
        let answers = req.answers.as_object().cloned().unwrap_or_default();
        let files = dossier::file_ids(&req.answers);
        let (stored, _) = desk
            .save_draft(&user, &draft, draft.rev, answers, files, ctx.lang)
            .await?;
        return Ok((
            StatusCode::CREATED,
            Json(dossier_dto(&app, &ctx, &stored, None).await?),
        )
            .into_response());
    }
    let (d, secret) = desk
        .file_now(&user, &filing, &req.answers, key, ctx.lang)
        .await?;
    let status = if secret.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let dto = dossier_dto_in(&app, &ctx, &d, secret, office, p.code.clone(), None).await?;
    Ok((status, Json(dto)).into_response())
}

/// Who brought the dossier to the desk, as the agent recorded it.
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct ApplicantAtCounterDto {
    /// Full name.
    pub name: String,
    /// `cccd`, `cmnd`, `passport`, `cni`, `residence_permit` or `other`.
    pub id_kind: String,
    /// The document's number (a CCCD or CMND is checked).
    pub id_number: String,
    /// The agent compared the document with the person; required at the counter.
    #[serde(default)]
    pub identity_checked: bool,
    /// Where the applicant's e-mails go (optional).
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct CounterDossierDto {
    /// Procedure code (of the office in the path); information-only procedures included.
    pub procedure: String,
    /// `counter` (walk-in) or `post` (a letter).
    pub channel: String,
    pub applicant: ApplicantAtCounterDto,
    /// Answers keyed by field key (see the procedure's form).
    #[schema(value_type = Object)]
    pub answers: Value,
}

/// An agent takes a dossier in for an applicant at the counter or from the post: validated,
/// numbered and received at once (the receipt is issued); the answer carries the tracking
/// secret to hand over, once.
#[utoipa::path(post, path = "/api/v1/offices/{office}/counter-dossiers", tag = "dossiers",
    params(("office" = String, Path)), request_body = CounterDossierDto,
    responses((status = 201, body = DossierDto), (status = 403, body = guichet_web::error::Problem),
        (status = 422, body = guichet_web::error::Problem, description = "Identity not checked, answers refused")))]
pub async fn file_at_counter(
    State(app): State<App>,
    ctx: Ctx,
    Path(office): Path<String>,
    ApiJson(req): ApiJson<CounterDossierDto>,
) -> Result<Response, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::intake(office.id))?;
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in"))?;
    let p = procedure_of(&app, &office, &req.procedure).await?;
    let desk = desk(&app)?;
    let filing = desk.published(office.clone(), &p).await?;
    let input = crate::counter::IntakeInput {
        channel: req.channel,
        applicant_name: req.applicant.name,
        id_kind: req.applicant.id_kind,
        id_number: req.applicant.id_number,
        identity_checked: req.applicant.identity_checked,
        email: req.applicant.email,
        phone: req.applicant.phone,
    };
    let (d, secret) = desk
        .file_at_counter(&user, &filing, &input, &req.answers, ctx.lang)
        .await?;
    let dto = dossier_dto_in(&app, &ctx, &d, Some(secret), office, p.code.clone(), None).await?;
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(Debug, serde::Deserialize, IntoParams)]
pub struct ListParams {
    /// An office code: its queue (agents). Without it: the caller's own dossiers.
    #[serde(default)]
    pub office: String,
    /// `open` (default), `all` or a state code.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub procedure: String,
    /// `soon` or `late`.
    #[serde(default)]
    pub due: String,
    /// `1`: only dossiers assigned to the caller.
    #[serde(default)]
    pub mine: String,
    /// `due` (default), `newest` or `oldest`.
    #[serde(default)]
    pub sort: String,
    /// Page number from 0 (50 per page).
    #[serde(default)]
    #[param(maximum = 10000)]
    pub page: u32,
}

/// The last page a list may ask for (half a million dossiers at 50 a page).
const MAX_PAGE: u32 = 10_000;

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DossierListDto {
    pub dossiers: Vec<DossierDto>,
    /// Matching dossiers, counted up to 10,001.
    pub total: i64,
    pub page: u32,
}

/// An office's queue (agents) or the caller's own dossiers.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(ListParams), responses((status = 200, body = DossierListDto)))]
pub async fn list_dossiers(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ListParams>,
) -> Result<Json<DossierListDto>, ApiError> {
    if p.page > MAX_PAGE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-page",
            format!("page is at most {MAX_PAGE}"),
        ));
    }
    let me = ctx.user.as_ref().map(|u| u.id);
    let query = if p.office.is_empty() {
        ctx.authorize(Action::ViewOwnAccount)?;
        crate::store::DossierQuery {
            applicant: Some(me.ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in")
            })?),
            order: crate::store::DossierOrder::Newest,
            limit: crate::web::one_stop::QUEUE_PAGE,
            offset: p.page.saturating_mul(crate::web::one_stop::QUEUE_PAGE),
            ..Default::default()
        }
    } else {
        let office = office_by_code(&app, &p.office).await?;
        ctx.authorize(crate::authz::work_in_office(office.id))?;
        let cal = guichet_identity::calendar::office_calendar(
            crate::one_stop_store(&*app.store)?,
            &office,
        )
        .await
        .map_err(|e| ApiError::internal(&e))?;
        let procedures = crate::one_stop_store(&*app.store)?
            .list_procedures(Some(office.id))
            .await?;
        let q = QueueParams {
            state: p.state,
            procedure: p.procedure,
            due: p.due,
            mine: p.mine,
            sort: p.sort,
            page: p.page,
            done: None,
            failed: None,
        };
        queue_query(&app, &office, &cal, &q, me, &procedures)
    };
    let list = crate::one_stop_store(&*app.store)?
        .list_dossiers(&query)
        .await?;
    let total = crate::one_stop_store(&*app.store)?
        .count_dossiers(&query, crate::web::one_stop::QUEUE_COUNT_CAP + 1)
        .await?;
    // Offices, procedure codes and calendars are read once per list, not once per dossier.
    let mut offices = std::collections::HashMap::new();
    let mut codes = std::collections::HashMap::new();
    let mut calendars = std::collections::HashMap::new();
    let mut dossiers = Vec::with_capacity(list.len());
    for d in &list {
        if let std::collections::hash_map::Entry::Vacant(slot) = offices.entry(d.office_id) {
            let office = guichet_identity::identity_store(&*app.store)?
                .office(d.office_id)
                .await?
                .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not-found", "office"))?;
            let cal = guichet_identity::calendar::office_calendar(
                crate::one_stop_store(&*app.store)?,
                &office,
            )
            .await
            .map_err(|e| ApiError::internal(&e))?;
            calendars.insert(d.office_id, cal);
            slot.insert(office);
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = codes.entry(d.procedure_id) {
            slot.insert(
                crate::one_stop_store(&*app.store)?
                    .procedure(d.procedure_id)
                    .await?
                    .map(|p| p.code)
                    .unwrap_or_default(),
            );
        }
        let (Some(office), Some(code)) = (offices.get(&d.office_id), codes.get(&d.procedure_id))
        else {
            continue;
        };
        let dto = dossier_dto_in(
            &app,
            &ctx,
            d,
            None,
            office.clone(),
            code.clone(),
            calendars.get(&d.office_id),
        )
        .await?;
        dossiers.push(dto);
    }
    Ok(Json(DossierListDto {
        dossiers,
        total,
        page: p.page,
    }))
}

async fn load(app: &App, ctx: &Ctx, id: &str) -> Result<DossierRecord, ApiError> {
    let id: DossierId = id.parse().map_err(|e: guichet_core::InvalidId| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid-id", e.to_string())
    })?;
    let d = crate::one_stop_store(&*app.store)?
        .dossier(id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such dossier"))?;
    // Someone else's dossier is "not found", not "forbidden": its existence is not disclosed.
    if ctx
        .authorize(crate::authz::view_dossier(d.office_id, d.applicant_id))
        .is_err()
    {
        ctx.authorize(Action::ViewOwnAccount)?;
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "no such dossier",
        ));
    }
    Ok(d)
}

/// One dossier with its answers.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = DossierDto), (status = 404, body = guichet_web::error::Problem)))]
pub async fn get_dossier(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DossierDto>, ApiError> {
    let d = load(&app, &ctx, &id).await?;
    Ok(Json(dossier_dto(&app, &ctx, &d, None).await?))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct AnswersDto {
    #[schema(value_type = Object)]
    pub answers: Value,
    #[serde(deserialize_with = "guichet_web::json::integral")]
    pub rev: i64,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DraftSavedDto {
    pub dossier: DossierDto,
    /// Problems found so far (missing answers are not problems until submission).
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<Value>,
}

/// Saves a draft's answers.
#[utoipa::path(put, path = "/api/v1/dossiers/{id}/answers", tag = "dossiers", params(("id" = uuid::Uuid, Path)), request_body = AnswersDto,
    responses((status = 200, body = DraftSavedDto), (status = 409, body = guichet_web::error::Problem)))]
pub async fn save_answers(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AnswersDto>,
) -> Result<Json<DraftSavedDto>, ApiError> {
    let d = load(&app, &ctx, &id).await?;
    ctx.authorize(crate::web::one_stop::filler(&d))?;
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in"))?;
    let answers = a.answers.as_object().cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "answers",
            "answers must be an object",
        )
    })?;
    let files = dossier::file_ids(&a.answers);
    let (stored, problems) = desk(&app)?
        .save_draft(&user, &d, a.rev, answers, files, ctx.lang)
        .await?;
    Ok(Json(DraftSavedDto {
        dossier: dossier_dto(&app, &ctx, &stored, None).await?,
        problems: problems
            .iter()
            .map(|p| serde_json::json!({ "path": p.path, "code": p.code, "message": p.message }))
            .collect(),
    }))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct RevDto {
    #[serde(deserialize_with = "guichet_web::json::integral")]
    pub rev: i64,
}

/// Submits a draft; the answer carries the code and the tracking secret.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/submit", tag = "dossiers", params(("id" = uuid::Uuid, Path)), request_body = RevDto,
    responses((status = 200, body = DossierDto), (status = 409, body = guichet_web::error::Problem), (status = 422, body = guichet_web::error::Problem)))]
pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RevDto>,
) -> Result<Json<DossierDto>, ApiError> {
    let d = load(&app, &ctx, &id).await?;
    ctx.authorize(crate::web::one_stop::filler(&d))?;
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in"))?;
    let body = desk(&app)?.body_of_dossier(&d).await?;
    if !crate::web::one_stop::identified_enough(&ctx, &body) {
        return Err(identification_required(&body));
    }
    let (stored, secret) = desk(&app)?.submit(&user, &d, r.rev, ctx.lang).await?;
    Ok(Json(dossier_dto(&app, &ctx, &stored, Some(secret)).await?))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct StepDto {
    /// receive, request_correction, resubmit, approve, reject, close, withdraw, hand_over.
    pub step: String,
    #[serde(deserialize_with = "guichet_web::json::integral")]
    pub rev: i64,
    #[serde(default)]
    pub reason: String,
    /// New answers, for `resubmit`.
    #[schema(value_type = Option<Object>)]
    pub answers: Option<Value>,
}

/// Takes a step of the state machine.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/actions", tag = "dossiers", params(("id" = uuid::Uuid, Path)), request_body = StepDto,
    responses((status = 200, body = DossierDto), (status = 409, body = guichet_web::error::Problem, description = "Illegal transition or stale revision"), (status = 422, body = guichet_web::error::Problem)))]
pub async fn take_step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<StepDto>,
) -> Result<Json<DossierDto>, ApiError> {
    let d = load(&app, &ctx, &id).await?;
    let step = Step::parse(&s.step).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-step",
            format!("unknown step {:?}", s.step),
        )
    })?;
    if step == Step::Submit {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-step",
            "submit with POST /api/v1/dossiers/{id}/submit",
        ));
    }
    match step.party() {
        Party::Agent => ctx.authorize(crate::authz::work_in_office(d.office_id))?,
        Party::Applicant => ctx.authorize(crate::web::one_stop::filler(&d))?,
    }
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in"))?;
    let answers = s.answers.as_ref().and_then(Value::as_object).cloned();
    let files = s
        .answers
        .as_ref()
        .map(dossier::file_ids)
        .unwrap_or_default();
    let input = StepInput {
        reason: s.reason,
        answers,
        files,
    };
    let stored = desk(&app)?
        .step(&Actor::user(&user), &d, s.rev, step, input, ctx.lang)
        .await?;
    Ok(Json(dossier_dto(&app, &ctx, &stored, None).await?))
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct MessageDto {
    pub id: String,
    pub at: String,
    pub author: String,
    pub from_applicant: bool,
    pub internal: bool,
    pub body: String,
    pub file: Option<String>,
}

/// The messages of a dossier (agents also see internal notes).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/messages", tag = "dossiers", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = [MessageDto])))]
pub async fn list_messages(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<MessageDto>>, ApiError> {
    let d = load(&app, &ctx, &id).await?;
    let agent = ctx
        .authorize(crate::authz::work_in_office(d.office_id))
        .is_ok();
    Ok(Json(
        crate::one_stop_store(&*app.store)?
            .dossier_messages(d.id)
            .await?
            .into_iter()
            .filter(|m| agent || !m.internal)
            .map(|m| MessageDto {
                id: m.id.to_string(),
                at: rfc3339(m.at),
                author: m.author_name,
                from_applicant: m.from_applicant,
                internal: m.internal,
                body: m.body,
                file: m.file_id.map(|f| f.to_string()),
            })
            .collect(),
    ))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct NewMessageDto {
    pub body: String,
    /// An agents' note the applicant never sees (agents only).
    #[serde(default)]
    pub internal: bool,
}

/// Writes a message on a dossier.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/messages", tag = "dossiers", params(("id" = uuid::Uuid, Path)), request_body = NewMessageDto,
    responses((status = 201, body = DossierDto), (status = 422, body = guichet_web::error::Problem)))]
pub async fn post_message(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<NewMessageDto>,
) -> Result<Response, ApiError> {
    let d = load(&app, &ctx, &id).await?;
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in"))?;
    let agent = ctx
        .authorize(crate::authz::work_in_office(d.office_id))
        .is_ok();
    if !agent {
        ctx.authorize(crate::web::one_stop::filler(&d))?;
    }
    let stored = desk(&app)?
        .message(&Actor::user(&user), !agent, &d, &m.body, m.internal, None)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(dossier_dto(&app, &ctx, &stored, None).await?),
    )
        .into_response())
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct StateMappingDto {
    pub state: String,
    pub demarches_simplifiees: String,
    pub vn_portal: String,
    pub decided: bool,
    #[serde(rename = "final")]
    pub is_final: bool,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct TransitionDto {
    pub from: String,
    pub step: String,
    pub to: String,
    /// `applicant` or `agent`.
    pub by: String,
    pub needs_reason: bool,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct StateMachineDto {
    pub states: Vec<StateMappingDto>,
    pub transitions: Vec<TransitionDto>,
}

/// The dossier state machine and its mapping to Démarches Simplifiées and the Vietnamese portal.
#[utoipa::path(get, path = "/api/v1/dossier-states", tag = "dossiers", responses((status = 200, body = StateMachineDto)))]
pub async fn states() -> Json<StateMachineDto> {
    Json(StateMachineDto {
        states: DState::ALL
            .iter()
            .map(|s| StateMappingDto {
                state: s.code().into(),
                demarches_simplifiees: s.demarches_simplifiees().into(),
                vn_portal: s.vn_portal().into(),
                decided: s.is_decided(),
                is_final: s.is_final(),
            })
            .collect(),
        transitions: state::TRANSITIONS
            .iter()
            .map(|(f, s, t)| TransitionDto {
                from: f.code().into(),
                step: s.code().into(),
                to: t.code().into(),
                by: match s.party() {
                    Party::Applicant => "applicant".into(),
                    Party::Agent => "agent".into(),
                },
                needs_reason: s.needs_reason(),
            })
            .collect(),
    })
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct NewWebhookDto {
    /// `https://…` (or `http://` on loopback, for tests).
    pub url: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: String,
    pub url: String,
    /// The HMAC-SHA256 key for `X-Guichet-Signature` (`sha256=hex(HMAC(secret, timestamp + "." + body))`);
    /// shown only here.
    pub secret: String,
}

/// Registers a webhook called on every dossier state change of the office.
#[utoipa::path(post, path = "/api/v1/offices/{office}/webhooks", tag = "offices", params(("office" = String, Path)), request_body = NewWebhookDto,
    responses((status = 201, body = WebhookDto), (status = 422, body = guichet_web::error::Problem)))]
pub async fn create_webhook(
    State(app): State<App>,
    ctx: Ctx,
    Path(office): Path<String>,
    ApiJson(w): ApiJson<NewWebhookDto>,
) -> Result<Response, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    let url = w.url.trim();
    let loopback = url.starts_with("http://127.0.0.1")
        || url.starts_with("http://localhost")
        || url.starts_with("http://[::1]");
    if !(url.starts_with("https://") || loopback)
        || url.len() > 500
        || url.contains(char::is_whitespace)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook-url",
            "the URL must be https:// (http:// only on loopback)",
        ));
    }
    let mut raw = [0u8; 32];
    app.entropy.fill(&mut raw);
    let hook = WebhookRecord {
        id: guichet_core::IdGen {
            clock: &*app.clock,
            entropy: &*app.entropy,
        }
        .uuid(),
        office_id: office.id,
        url: url.to_owned(),
        secret: hex::encode(raw),
        created_at: app.clock.now(),
    };
    let audit = Audit::one(
        app.clock.now(),
        Event {
            stream: office.code.clone(),
            actor: ctx.actor(),
            action: "webhook.created".into(),
            object_type: "webhook".into(),
            object_id: hook.id.to_string(),
            payload: serde_json::json!({ "url": hook.url }),
        },
    );
    crate::one_stop_store(&*app.store)?
        .create_webhook(&hook, &audit)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookDto {
            id: hook.id.to_string(),
            url: hook.url,
            secret: hook.secret,
        }),
    )
        .into_response())
}

/// A registered webhook as listed (its secret was shown once, at registration).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct WebhookListedDto {
    pub id: String,
    pub url: String,
    pub created_at: String,
}

/// The office's webhooks.
#[utoipa::path(get, path = "/api/v1/offices/{office}/webhooks", tag = "offices", params(("office" = String, Path)),
    responses((status = 200, body = [WebhookListedDto])))]
pub async fn list_webhooks(
    State(app): State<App>,
    ctx: Ctx,
    Path(office): Path<String>,
) -> Result<Json<Vec<WebhookListedDto>>, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    let hooks = crate::one_stop_store(&*app.store)?
        .webhooks(office.id)
        .await?;
    Ok(Json(
        hooks
            .into_iter()
            .map(|h| WebhookListedDto {
                id: h.id.to_string(),
                url: h.url,
                created_at: rfc3339(h.created_at),
            })
            .collect(),
    ))
}

/// Deletes one of the office's webhooks.
#[utoipa::path(delete, path = "/api/v1/offices/{office}/webhooks/{id}", tag = "offices",
    params(("office" = String, Path), ("id" = uuid::Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = guichet_web::error::Problem)))]
pub async fn delete_webhook(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let office = office_by_code(&app, &office).await?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such webhook");
    let id: uuid::Uuid = id.parse().map_err(|_| not_found())?;
    let audit = Audit::one(
        app.clock.now(),
        Event {
            stream: office.code.clone(),
            actor: ctx.actor(),
            action: "webhook.deleted".into(),
            object_type: "webhook".into(),
            object_id: id.to_string(),
            payload: serde_json::json!({}),
        },
    );
    if !crate::one_stop_store(&*app.store)?
        .delete_webhook(office.id, id, &audit)
        .await?
    {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A file to put in a dossier's answers.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// PDF, JPEG or PNG, at most 10 MB; its content must match its name's extension.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A stored file: put this object as the value of the form's file field.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UploadedDto {
    pub file: uuid::Uuid,
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

/// Uploads a file (multipart, one part named `file`) to reference in a dossier's answers.
#[utoipa::path(post, path = "/api/v1/files", tag = "dossiers",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadedDto), (status = 422, body = guichet_web::error::Problem, description = "No file, a type not accepted, too big, or content that does not match the name")))]
pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    ctx.authorize(guichet_core::authz::Action::ViewOwnAccount)?;
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let refuse = |key: &'static str, detail: &str| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, key, detail.to_owned())
    };
    if !content_type.starts_with("multipart/form-data") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "send multipart/form-data with one part named file",
        ));
    }
    let bytes = axum::body::to_bytes(body, app.settings.upload_limit)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "the file is too large",
            )
        })?;
    let form = guichet_web::form_data::FormData::multipart(bytes, &content_type)
        .await
        .ok_or_else(|| refuse("multipart", "the multipart body is malformed"))?;
    let upload = form
        .file("file")
        .ok_or_else(|| refuse("file-missing", "send the file in a part named file"))?;
    let types: Vec<String> = ["pdf", "jpg", "jpeg", "png"].map(str::to_owned).to_vec();
    let rules = crate::files::FileRules {
        types: &types,
        max_bytes: 10 * 1024 * 1024,
    };
    let record = crate::upload(
        &app.files,
        crate::one_stop_store(&*app.store)?,
        &*app.clock,
        &*app.entropy,
        &ctx.actor(),
        &upload.name,
        upload.content.clone(),
        &rules,
        ctx.user.as_ref().map(|u| u.id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadedDto {
            file: record.id.as_uuid(),
            name: record.name,
            size: record.size,
            sha256: record.sha256,
        }),
    )
        .into_response())
}

/// The procedure asks for an OpenID login at a level this session does not have.
fn identification_required(body: &crate::procedure::ProcedureBody) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "identification-required",
        format!(
            "this procedure needs a login through an identity provider at level {} or higher",
            body.identification.map(|a| a.code()).unwrap_or("low")
        ),
    )
}

guichet_web::route_table! {
    /// Its JSON API routes, relative to `/api/v1`.
    fn api_routes, API_ROUTES;
    "/procedures" => get(list_procedures),
    "/procedures/{office}/{code}" => get(get_procedure),
    "/procedures/{office}/{code}/draft" => put(save_draft),
    "/procedures/{office}/{code}/publish" => post(publish),
    "/procedures/{office}/{code}/unpublish" => post(unpublish),
    "/offices/{office}/procedures" => post(create_procedure),
    "/offices/{office}/webhooks" => get(list_webhooks).post(create_webhook),
    "/offices/{office}/webhooks/{id}" => delete(delete_webhook),
    "/files" => post(upload),
    "/offices/{office}/counter-dossiers" => post(file_at_counter),
    "/dossiers" => get(list_dossiers).post(file_dossier),
    "/dossiers/{id}" => get(get_dossier),
    "/dossiers/{id}/answers" => put(save_answers),
    "/dossiers/{id}/submit" => post(submit),
    "/dossiers/{id}/actions" => post(take_step),
    "/dossiers/{id}/messages" => get(list_messages).post(post_message),
    "/dossier-states" => get(states),
}

/// This module's part of the OpenAPI document (merged by `api::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_procedures,
        get_procedure,
        create_procedure,
        save_draft,
        publish,
        unpublish,
        file_dossier,
        file_at_counter,
        list_dossiers,
        get_dossier,
        save_answers,
        submit,
        take_step,
        list_messages,
        post_message,
        states,
        create_webhook,
        list_webhooks,
        delete_webhook,
        upload
    ),
    components(schemas(
        ProcedureSummaryDto,
        ProcedureDto,
        NewProcedureDto,
        DraftDto,
        VersionDto,
        DeadlineDto,
        DossierDto,
        FileDossierDto,
        CounterDossierDto,
        ApplicantAtCounterDto,
        DossierListDto,
        AnswersDto,
        DraftSavedDto,
        RevDto,
        StepDto,
        MessageDto,
        NewMessageDto,
        StateMappingDto,
        TransitionDto,
        StateMachineDto,
        NewWebhookDto,
        WebhookDto,
        WebhookListedDto,
        UploadForm,
        UploadedDto
    ))
)]
pub struct ApiDoc;

/// What this module adds to the application: its routes and its part of the API document.
/// The matrix rows of the webhook list and deletion and the file upload (columns as in the
/// matrix test: anonymous, citizen, other citizen, agent A, agent B, admin A, auditor,
/// sysadmin, staff).
pub const ACCESS: &[guichet_web::AccessRule] = &[
    (
        "get",
        "/api/v1/offices/{office}/webhooks",
        "-----+-+-",
        "/api/v1/offices/HN-HOANKIEM/webhooks",
        "",
    ),
    // An id no office has: hidden as 404 whoever asks.
    (
        "delete",
        "/api/v1/offices/{office}/webhooks/{id}",
        "---------",
        "/api/v1/offices/HN-HOANKIEM/webhooks/0190e4c4-0000-7000-8000-000000000000",
        "",
    ),
    // Anyone logged in uploads; the probe sends no file (refused as 415, after the check).
    ("post", "/api/v1/files", "-++++++++", "/api/v1/files", ""),
];

pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: ACCESS,
    probe_ids: &[],
    a11y: &[],
    name: "one_stop_api",
    pages: &[],
    add_pages: guichet_web::no_routes,
    api: API_ROUTES,
    add_api: api_routes,
    api_doc: Some(<ApiDoc as utoipa::OpenApi>::openapi),
    nav: &[],
};

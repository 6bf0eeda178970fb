//! Exports of dossiers for agents: choose the procedure, the format and the columns; the export
//! runs in the background with its progress shown on its page, then downloads as a stream.

use crate::exports::{self, ExportSpec, Format};
use crate::store::ExportJobRecord;
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_core::ExportId;
use guichet_store::Office;

use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::{fmt_time, page_error, service_message};

pub struct JobRow {
    pub id: String,
    pub format: String,
    pub state: String,
    pub state_code: String,
    pub done: i64,
    pub total: i64,
    pub created: String,
    pub size: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "exports.html")]
pub struct ExportsPage {
    pub chrome: Chrome,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub procedures: Vec<(String, String)>,
    pub procedure: String,
    pub columns: Vec<String>,
    pub jobs: Vec<JobRow>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "export_job.html")]
pub struct ExportJobPage {
    pub chrome: Chrome,
    pub job: JobRow,
    pub office: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ExportParams {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub procedure: String,
}

fn job_row(tr: &guichet_web::i18n::Tr, office: &Office, j: &ExportJobRecord) -> JobRow {
    JobRow {
        id: j.id.to_string(),
        format: j.format.to_uppercase(),
        state: tr.t(&format!("export-state-{}", j.state)),
        state_code: j.state.clone(),
        done: j.rows_done,
        total: j.rows_total,
        created: fmt_time(office, j.created_at),
        size: j
            .size
            .map(|s| crate::form::human_size(s.max(0) as u64))
            .unwrap_or_default(),
        error: j.error.clone().unwrap_or_default(),
    }
}

async fn columns_for(
    app: &App,
    procedure: Option<&crate::store::ProcedureRecord>,
) -> Result<Vec<String>, PageError> {
    let schema = match procedure {
        Some(p) if p.published_version > 0 => crate::state(app)?
            .versions
            .body(
                crate::one_stop_store(&*app.store)?,
                p.id,
                p.published_version,
            )
            .await
            .map_err(|e| PageError::internal(&e))?
            .map(|b| b.form.clone()),
        _ => None,
    };
    Ok(exports::available_columns(schema.as_ref()))
}

async fn page(
    app: &App,
    ctx: &Ctx,
    p: &ExportParams,
    error: Option<String>,
) -> Result<ExportsPage, PageError> {
    let tr = ctx.tr();
    let (office, offices) = guichet_identity::lookup::office_for(app, ctx, &p.office, |office| {
        crate::authz::work_in_office(office)
    })
    .await?;
    let procs = crate::one_stop_store(&*app.store)?
        .list_procedures(Some(office.id))
        .await?;
    let chosen = procs.iter().find(|x| x.code == p.procedure);
    let mut procedures = Vec::new();
    for x in &procs {
        let name = crate::web::one_stop::procedure_label(app, x, ctx.lang).await?;
        procedures.push((x.code.clone(), name));
    }
    let jobs = crate::one_stop_store(&*app.store)?
        .export_jobs(office.id, 20)
        .await?
        .iter()
        .map(|j| job_row(&tr, &office, j))
        .collect();
    Ok(ExportsPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        offices: offices
            .iter()
            .map(|o| (o.code.clone(), o.name.clone()))
            .collect(),
        procedures,
        procedure: chosen.map(|c| c.code.clone()).unwrap_or_default(),
        columns: columns_for(app, chosen).await?,
        jobs,
        error,
    })
}

pub async fn exports_page(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ExportParams>,
) -> Result<Response, PageError> {
    let page = page(&app, &ctx, &p, None).await?;
    Ok(render_with(StatusCode::OK, page))
}

pub async fn start(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let params = ExportParams {
        office: form.text("office"),
        procedure: form.text("procedure"),
    };
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(&params.office)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::work_in_office(office.id))?;
    let procedure = match params.procedure.trim() {
        "" => None,
        c => Some(
            crate::one_stop_store(&*app.store)?
                .procedure_by_code(office.id, c)
                .await?
                .ok_or_else(PageError::not_found)?,
        ),
    };
    let fail = |message: String| async {
        let page = page(&app, &ctx, &params, Some(message)).await?;
        Ok::<_, PageError>(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
    };
    let Some(format) = Format::parse(&form.text("format")) else {
        return fail(tr.t("exports-format-required")).await;
    };
    let requested: Vec<String> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "column")
        .map(|(_, v)| v.clone())
        .collect();
    if requested.is_empty() {
        return fail(tr.t("exports-columns-required")).await;
    }
    let available = columns_for(&app, procedure.as_ref()).await?;
    let columns = match exports::check_columns(&requested, &available) {
        Ok(c) => c,
        Err(e) => return fail(service_message(&tr, &e)).await,
    };
    let job = exports::start_job(
        crate::one_stop_store_arc(app.store.clone())?,
        app.files.clone(),
        app.clock.clone(),
        &*app.entropy,
        &ctx.actor(),
        ctx.user.as_ref().map(|u| u.id),
        ExportSpec {
            office,
            procedure,
            format,
            columns,
        },
    )
    .await
    .map_err(|e| page_error(&tr, e))?;
    Ok(Redirect::to(&format!("/exports/{}", job.id)).into_response())
}

async fn job_of(app: &App, ctx: &Ctx, id: &str) -> Result<(ExportJobRecord, Office), PageError> {
    let id: ExportId = id.parse().map_err(|_| PageError::not_found())?;
    let job = crate::one_stop_store(&*app.store)?
        .export_job(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::work_in_office(job.office_id))?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(job.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok((job, office))
}

pub async fn job_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (job, office) = job_of(&app, &ctx, &id).await?;
    let page = ExportJobPage {
        chrome: Chrome::new(&ctx),
        job: job_row(&ctx.tr(), &office, &job),
        office: office.code.clone(),
    };
    Ok(render_with(StatusCode::OK, page))
}

pub async fn download(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let (job, office) = job_of(&app, &ctx, &id).await?;
    let (Some(key), "done") = (job.storage_key.as_deref(), job.state.as_str()) else {
        return Err(PageError::not_found());
    };
    let format = Format::parse(&job.format).unwrap_or(Format::Csv);
    let stream = app
        .files
        .stream(key)
        .await
        .map_err(|e| page_error(&tr, e))?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"dossiers-{}-{}.{}\"",
        office.code,
        &job.id.to_string()[..8],
        format.code()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(size) = job.size
        && let Ok(v) = HeaderValue::from_str(&size.to_string())
    {
        headers.insert(header::CONTENT_LENGTH, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/exports" => get(exports_page).post(start),
    "/exports/{id}" => get(job_page),
    "/exports/{id}/download" => get(download),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "exports_web",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[],
};

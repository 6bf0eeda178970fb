//! Records and archives pages: the incoming and outgoing registers with the registration
//! form and the search, a record's page (metadata, copies, holds), the file plan and
//! archival files, disposition (due soon, due now, holds, runs: propose, approve, execute),
//! fixity audits, and archival packages (BagIt, SEDA, E-ARK) as downloads.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_core::authz::Action;
use guichet_core::{ArchiveFileId, ClassId, DispositionId, HoldId, RecordId};
use guichet_records_formats::meta;
use guichet_records_formats::retention::{self, DueState};
use guichet_store::Office;

use crate::service::{DispositionItem, PackageFormat, Registration, Upload, record_label};
use crate::store::{RecordQuery, RecordRow};

use guichet_identity::lookup::{office_by_code, office_for};
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::{fmt_time, page_error, service_message};
use guichet_web::i18n::Tr;

/// The slice's settings and handles in the application (the app inserts them).
fn state(app: &App) -> Result<&crate::RecordsState, PageError> {
    app.slice_state::<crate::RecordsState>()
        .ok_or_else(|| PageError::internal(&"the records slice's state is not installed"))
}

/// The records service over the application's store, files and the slice's state.
pub fn service(app: &App) -> Result<crate::service::Records<'_>, PageError> {
    let state = state(app)?;
    Ok(crate::service::Records {
        store: crate::records_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
        archive: &state.archive,
        files: &app.files,
        index: state.search.ready(),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct RecordsParams {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub register: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub q: String,
}

pub struct Row {
    pub id: String,
    pub label: String,
    pub number: String,
    pub date: String,
    pub doc_type: String,
    pub issuer: String,
    pub recipients: String,
    pub urgency: String,
    pub urgent: bool,
    pub confidentiality: String,
    pub state: String,
    pub destroyed: bool,
    pub due: String,
    pub file: String,
}

fn level(tr: &Tr, l: Option<&meta::Level>) -> String {
    l.map(|l| match tr.lang {
        guichet_core::Language::Vi => l.vi,
        guichet_core::Language::Fr => l.fr,
        guichet_core::Language::En => l.en,
    })
    .unwrap_or_default()
    .to_owned()
}

fn type_label(tr: &Tr, code: &str) -> String {
    meta::doc_type(code)
        .map(|t| match tr.lang {
            guichet_core::Language::Vi => t.vi,
            guichet_core::Language::Fr => t.fr,
            guichet_core::Language::En => t.en,
        })
        .unwrap_or(code)
        .to_owned()
}

/// Whether the person may read this record (its office's records and its secrecy level).
fn cleared(ctx: &Ctx, r: &RecordRow) -> bool {
    ctx.authorize(crate::authz::read_record(r.office_id, &r.confidentiality))
        .is_ok()
}

/// A record's label, or in its place a mark of its secrecy level for someone not cleared.
fn label_for(ctx: &Ctx, tr: &Tr, r: &RecordRow) -> String {
    if cleared(ctx, r) {
        record_label(r)
    } else {
        protected_label(tr, r)
    }
}

fn protected_label(tr: &Tr, r: &RecordRow) -> String {
    tr.t1(
        "records-protected",
        "level",
        level(tr, meta::confidentiality(&r.confidentiality)),
    )
}

/// A register line; for someone not cleared for the record's level, the number, date, type
/// and level stay (the register's sequence is no secret) and what it is about is withheld.
fn row(ctx: &Ctx, tr: &Tr, r: &RecordRow) -> Row {
    let mut row = full_row(tr, r);
    if !cleared(ctx, r) {
        row.label = protected_label(tr, r);
        row.issuer = String::new();
        row.recipients = String::new();
        row.file = String::new();
    }
    row
}

fn full_row(tr: &Tr, r: &RecordRow) -> Row {
    Row {
        id: r.id.to_string(),
        label: record_label(r),
        number: match (r.number, r.register.as_deref()) {
            (Some(n), Some("incoming")) => format!("{n:02}"),
            (Some(n), _) => meta::number_and_symbol(n, &r.symbol),
            _ => String::new(),
        },
        date: r.doc_date.to_string(),
        doc_type: type_label(tr, &r.doc_type),
        issuer: r.issuer.clone(),
        recipients: r.recipients.clone(),
        urgency: level(tr, meta::urgency(&r.urgency)),
        urgent: r.urgency != "normal",
        confidentiality: level(tr, meta::confidentiality(&r.confidentiality)),
        state: tr.t(&format!("records-state-{}", r.state)),
        destroyed: r.state == "destroyed",
        due: r.due_on.map(|d| d.to_string()).unwrap_or_default(),
        file: r.original_ref.clone(),
    }
}

pub struct Choice {
    pub code: String,
    pub label: String,
}

fn choices(tr: &Tr, levels: &[meta::Level]) -> Vec<Choice> {
    levels
        .iter()
        .map(|l| Choice {
            code: l.code.into(),
            label: level(tr, Some(l)),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "records.html")]
pub struct RecordsPage {
    pub chrome: Chrome,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub register: String,
    pub year: String,
    pub q: String,
    pub rows: Vec<Row>,
    pub results: Option<Vec<Row>>,
    pub can_manage: bool,
    pub types: Vec<Choice>,
    pub urgencies: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub files: Vec<Choice>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

async fn records_page(
    app: &App,
    ctx: &Ctx,
    p: &RecordsParams,
    error: Option<String>,
    notice: Option<String>,
) -> Result<RecordsPage, PageError> {
    let tr = ctx.tr();
    let (office, offices) = office_for(app, ctx, &p.office, |office| {
        crate::authz::view_records(office)
    })
    .await?;
    let register = match p.register.as_str() {
        "incoming" | "outgoing" => p.register.clone(),
        _ => "outgoing".to_owned(),
    };
    let today = guichet_one_stop::dossier::local_time(office.country, app.clock.now()).date();
    let year: i64 = p.year.parse().unwrap_or(i64::from(today.year()));
    let rows = crate::records_store(&*app.store)?
        .records(&RecordQuery {
            office: Some(office.id),
            register: Some(register.clone()),
            year: Some(year),
            newest_first: true,
            limit: 500,
            ..RecordQuery::default()
        })
        .await?
        .iter()
        .map(|r| row(ctx, &tr, r))
        .collect();
    let results = if p.q.trim().is_empty() {
        None
    } else {
        let found = service(app)?
            .search(Some(&[office.id]), &p.q, 50)
            .await
            .map_err(|e| page_error(&tr, e))?;
        // A search hit on what one may not read is dropped, not masked: the words of the
        // query would otherwise probe the protected text.
        Some(
            found
                .iter()
                .filter(|r| cleared(ctx, r))
                .map(|r| row(ctx, &tr, r))
                .collect(),
        )
    };
    let can_manage = ctx
        .authorize(crate::authz::manage_records(office.id))
        .is_ok();
    let files = crate::records_store(&*app.store)?
        .archive_files(office.id, 500)
        .await?
        .into_iter()
        .filter(|f| f.closed_on.is_none())
        .map(|f| Choice {
            code: f.id.to_string(),
            label: format!("{} — {}", f.reference, f.title),
        })
        .collect();
    Ok(RecordsPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        offices: offices
            .iter()
            .map(|o| (o.code.clone(), o.name.clone()))
            .collect(),
        register,
        year: year.to_string(),
        q: p.q.clone(),
        rows,
        results,
        can_manage,
        types: meta::ADMINISTRATIVE_TYPES
            .iter()
            .map(|t| Choice {
                code: t.code.into(),
                label: type_label(&tr, t.code),
            })
            .collect(),
        urgencies: choices(&tr, meta::URGENCY),
        levels: choices(&tr, meta::CONFIDENTIALITY),
        files,
        error,
        notice,
    })
}

pub async fn records(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<RecordsParams>,
) -> Result<Response, PageError> {
    let page = records_page(&app, &ctx, &p, None, None).await?;
    Ok(render_with(StatusCode::OK, page))
}

fn upload(u: &guichet_web::form_data::Upload, declared: Option<String>) -> Upload {
    let ext = u
        .name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Upload {
        name: u.name.clone(),
        content_type: guichet_one_stop::form::content_type_for(&ext)
            .unwrap_or("application/octet-stream")
            .to_owned(),
        bytes: u.content.clone(),
        declared_sha256: declared.filter(|d| !d.trim().is_empty()),
    }
}

pub async fn register(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_records(office.id))?;
    let params = RecordsParams {
        office: office.code.clone(),
        register: form.text("register"),
        ..RecordsParams::default()
    };
    let doc_date = match form.text("doc_date").trim() {
        "" => None,
        d => match guichet_units::parse_date(d) {
            Some(d) => Some(d),
            None => {
                let page =
                    records_page(&app, &ctx, &params, Some(tr.t("records-bad-date")), None).await?;
                return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page));
            }
        },
    };
    let file_id = match form.text("file").trim() {
        "" => None,
        f => Some(
            f.parse::<ArchiveFileId>()
                .map_err(|_| PageError::not_found())?,
        ),
    };
    let input = Registration {
        register: form.text("register"),
        doc_type: form.text("doc_type"),
        symbol: form.text("symbol"),
        original_ref: form.text("original_ref"),
        title: form.text("title"),
        doc_date,
        issuer: form.text("issuer"),
        signer: form.text("signer"),
        recipients: form.text("recipients"),
        urgency: form.text("urgency"),
        confidentiality: form.text("confidentiality"),
        file_id,
        content: form
            .file("content")
            .map(|u| upload(u, form.get("sha256").map(str::to_owned))),
        attachments: form
            .files
            .iter()
            .filter(|f| f.field == "attachments")
            .map(|u| upload(u, None))
            .collect(),
    };
    // Registering a protected document means handling it: the clerk needs the clearance.
    if meta::confidentiality(&input.confidentiality).is_some() {
        ctx.authorize(
            crate::authz::manage_records(office.id)
                .at_secrecy(crate::authz::secrecy_of(&input.confidentiality)),
        )?;
    }
    match service(&app)?
        .register(&office, &ctx.service_actor(), input)
        .await
    {
        Ok(r) => {
            let notice = tr.t1("records-registered", "label", record_label(&r));
            let page = records_page(&app, &ctx, &params, None, Some(notice)).await?;
            Ok(render_with(StatusCode::CREATED, page))
        }
        Err(e @ guichet_one_stop::ServiceError::Invalid { .. }) => {
            let page =
                records_page(&app, &ctx, &params, Some(service_message(&tr, &e)), None).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

// --- One record ----------------------------------------------------------------------------

pub struct CopyRow {
    pub name: String,
    pub state: String,
    pub ok: bool,
}

pub struct HoldRow {
    pub id: String,
    pub target: String,
    pub reason: String,
    pub legal_reference: String,
    pub placed: String,
    pub released: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    pub chrome: Chrome,
    pub office: String,
    pub r: Row,
    pub title: String,
    pub register: String,
    pub signer: String,
    pub lang: String,
    pub source: String,
    pub dossier: String,
    pub file_ref: String,
    pub created: String,
    pub content_name: String,
    pub content_size: String,
    pub sha256: String,
    pub copies: Vec<CopyRow>,
    pub attachments: Vec<Row>,
    pub parent: Option<Row>,
    pub holds: Vec<HoldRow>,
    pub can_govern: bool,
    pub destroyed_at: String,
}

async fn record_of(app: &App, ctx: &Ctx, id: &str) -> Result<(RecordRow, Office), PageError> {
    let id: RecordId = id.parse().map_err(|_| PageError::not_found())?;
    let r = crate::records_store(&*app.store)?
        .record_row(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::read_record(r.office_id, &r.confidentiality))?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(r.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok((r, office))
}

fn hold_rows(
    office: &Office,
    holds: &[crate::store::HoldRecord],
    label: impl Fn(&crate::store::HoldRecord) -> String,
) -> Vec<HoldRow> {
    holds
        .iter()
        .map(|h| HoldRow {
            id: h.id.to_string(),
            target: label(h),
            reason: h.reason.clone(),
            legal_reference: h.legal_reference.clone(),
            placed: fmt_time(office, h.placed_at),
            released: h
                .released_at
                .map(|t| {
                    format!(
                        "{} ({})",
                        fmt_time(office, t),
                        h.release_reason.clone().unwrap_or_default()
                    )
                })
                .unwrap_or_default(),
            active: h.released_at.is_none(),
        })
        .collect()
}

pub async fn record(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let (r, office) = record_of(&app, &ctx, &id).await?;
    let copies = match (&r.storage_key, &r.sha256) {
        (Some(key), Some(sha)) => state(&app)?
            .archive
            .check(key, sha)
            .await
            .into_iter()
            .zip(state(&app)?.archive.copy_names())
            .map(|(s, name)| CopyRow {
                name,
                ok: s == crate::service::CopyState::Ok,
                state: tr.t(&format!("records-copy-{}", s.code())),
            })
            .collect(),
        _ => Vec::new(),
    };
    let attachments = crate::records_store(&*app.store)?
        .records(&RecordQuery {
            office: Some(office.id),
            file: r.file_id,
            limit: 1000,
            ..RecordQuery::default()
        })
        .await?
        .iter()
        .filter(|a| a.parent_id == Some(r.id))
        .map(|a| row(&ctx, &tr, a))
        .collect();
    let parent = match r.parent_id {
        Some(p) => crate::records_store(&*app.store)?
            .record_row(p)
            .await?
            .map(|p| row(&ctx, &tr, &p)),
        None => None,
    };
    let file = match r.file_id {
        Some(f) => crate::records_store(&*app.store)?.archive_file(f).await?,
        None => None,
    };
    let holds: Vec<crate::store::HoldRecord> = crate::records_store(&*app.store)?
        .holds(office.id)
        .await?
        .into_iter()
        .filter(|h| {
            h.record_id == Some(r.id)
                || (h.record_id.is_some() && h.record_id == r.parent_id)
                || (h.file_id.is_some() && h.file_id == r.file_id)
        })
        .collect();
    let dossier = match r.dossier_id {
        Some(d) => guichet_one_stop::one_stop_store(&*app.store)?
            .dossier(d)
            .await?
            .and_then(|d| d.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    let page = RecordPage {
        chrome: Chrome::new(&ctx),
        office: office.code.clone(),
        r: row(&ctx, &tr, &r),
        title: r.title.clone(),
        register: r
            .register
            .as_deref()
            .map(|g| tr.t(&format!("records-register-{g}")))
            .unwrap_or_default(),
        signer: r.signer.clone(),
        lang: r.lang.clone(),
        source: tr.t(&format!("records-source-{}", r.source)),
        dossier,
        file_ref: file
            .map(|f| format!("{} — {}", f.reference, f.title))
            .unwrap_or_default(),
        created: fmt_time(&office, r.created_at),
        content_name: r.name.clone().unwrap_or_default(),
        content_size: guichet_one_stop::form::human_size(r.size.max(0) as u64),
        sha256: r.sha256.clone().unwrap_or_default(),
        copies,
        attachments,
        parent,
        holds: hold_rows(&office, &holds, |h| {
            if h.file_id.is_some() {
                tr.t("records-hold-on-file")
            } else {
                tr.t("records-hold-on-record")
            }
        }),
        can_govern: ctx
            .authorize(crate::authz::govern_records(office.id))
            .is_ok(),
        destroyed_at: r
            .destroyed_at
            .map(|t| fmt_time(&office, t))
            .unwrap_or_default(),
    };
    Ok(render_with(StatusCode::OK, page))
}

pub async fn record_content(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let (r, _) = record_of(&app, &ctx, &id).await?;
    let (Some(key), Some(sha)) = (&r.storage_key, &r.sha256) else {
        return Err(PageError::not_found());
    };
    let bytes = state(&app)?
        .archive
        .get(key, sha)
        .await
        .map_err(|e| page_error(&tr, e))?;
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    let ct = r
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    if let Ok(v) = HeaderValue::from_str(ct) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let ascii: String = r
        .name
        .as_deref()
        .unwrap_or("record")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

pub async fn place_hold(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let (r, office) = record_of(&app, &ctx, &id).await?;
    ctx.authorize(crate::authz::govern_records(office.id))?;
    let (record, file) = if form.text("scope") == "file" {
        (None, Some(r.file_id.ok_or_else(PageError::not_found)?))
    } else {
        (Some(r.id), None)
    };
    service(&app)?
        .place_hold(
            &office,
            &ctx.service_actor(),
            record,
            file,
            &form.text("reason"),
            &form.text("legal_reference"),
        )
        .await
        .map_err(|e| page_error(&tr, e))?;
    Ok(Redirect::to(&format!("/records/r/{}", r.id)).into_response())
}

pub async fn release_hold(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::govern_records(office.id))?;
    let id: HoldId = id.parse().map_err(|_| PageError::not_found())?;
    service(&app)?
        .release_hold(&office, &ctx.service_actor(), id, &form.text("reason"))
        .await
        .map_err(|e| page_error(&tr, e))?;
    let back = form.text("back");
    let back = if back.starts_with("/records") {
        back
    } else {
        format!("/records/disposition?office={}", office.code)
    };
    Ok(Redirect::to(&back).into_response())
}

// --- File plan and archival files ----------------------------------------------------------

pub struct ClassRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub retention: String,
    pub action: String,
    pub trigger: String,
    pub legal_reference: String,
    pub captures: bool,
}

pub struct FileRow {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub class: String,
    pub opened: String,
    pub closed: String,
    pub due: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "records_plan.html")]
pub struct PlanPage {
    pub chrome: Chrome,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub classes: Vec<ClassRow>,
    pub files: Vec<FileRow>,
    pub can_manage: bool,
    pub can_govern: bool,
    pub error: Option<String>,
}

async fn plan_page(
    app: &App,
    ctx: &Ctx,
    code: &str,
    error: Option<String>,
) -> Result<PlanPage, PageError> {
    let tr = ctx.tr();
    let (office, offices) = office_for(app, ctx, code, crate::authz::view_records).await?;
    let classes = crate::records_store(&*app.store)?
        .record_classes(office.id)
        .await?;
    let files = crate::records_store(&*app.store)?
        .archive_files(office.id, 1000)
        .await?;
    Ok(PlanPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        offices: offices
            .iter()
            .map(|o| (o.code.clone(), o.name.clone()))
            .collect(),
        classes: classes
            .iter()
            .map(|c| ClassRow {
                id: c.id.to_string(),
                code: c.code.clone(),
                title: c.title.clone(),
                retention: c.retention_years.map_or_else(
                    || tr.t("records-permanent"),
                    |y| tr.t1("records-years", "n", y),
                ),
                action: tr.t(&format!("records-action-{}", c.final_action)),
                trigger: tr.t(&format!("records-trigger-{}", c.trigger)),
                legal_reference: c.legal_reference.clone(),
                captures: c.captures_dossiers,
            })
            .collect(),
        files: files
            .iter()
            .map(|f| FileRow {
                id: f.id.to_string(),
                reference: f.reference.clone(),
                title: f.title.clone(),
                class: classes
                    .iter()
                    .find(|c| c.id == f.class_id)
                    .map(|c| c.code.clone())
                    .unwrap_or_default(),
                opened: f.opened_on.to_string(),
                closed: f.closed_on.map(|d| d.to_string()).unwrap_or_default(),
                due: f.due_on.map(|d| d.to_string()).unwrap_or_default(),
                open: f.closed_on.is_none(),
            })
            .collect(),
        can_manage: ctx
            .authorize(crate::authz::manage_records(office.id))
            .is_ok(),
        can_govern: ctx
            .authorize(crate::authz::govern_records(office.id))
            .is_ok(),
        error,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct OfficeParam {
    #[serde(default)]
    pub office: String,
}

pub async fn plan(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<OfficeParam>,
) -> Result<Response, PageError> {
    let page = plan_page(&app, &ctx, &p.office, None).await?;
    Ok(render_with(StatusCode::OK, page))
}

async fn plan_result(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    outcome: guichet_one_stop::Result<()>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/records/plan?office={}", office.code)).into_response())
        }
        Err(e @ guichet_one_stop::ServiceError::Invalid { .. }) => {
            let page = plan_page(app, ctx, &office.code, Some(service_message(&tr, &e))).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

pub async fn add_class(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::govern_records(office.id))?;
    let years = match form.text("retention").trim() {
        "" | "permanent" => None,
        y => match y.parse::<i64>() {
            Ok(y) => Some(y),
            Err(_) => Some(0),
        },
    };
    let outcome = service(&app)?
        .put_class(
            &office,
            &ctx.service_actor(),
            None,
            &form.text("code"),
            &form.text("title"),
            years,
            &form.text("final_action"),
            &form.text("trigger"),
            &form.text("legal_reference"),
            form.get("captures_dossiers").is_some(),
        )
        .await
        .map(|_| ());
    plan_result(&app, &ctx, &office, outcome).await
}

pub async fn open_file(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_records(office.id))?;
    // An unknown class is refused by the service like any other.
    let class: ClassId = form
        .text("class")
        .parse()
        .unwrap_or(ClassId(uuid::Uuid::nil()));
    let outcome = service(&app)?
        .open_file(
            &office,
            &ctx.service_actor(),
            class,
            &form.text("title"),
            None,
        )
        .await
        .map(|_| ());
    plan_result(&app, &ctx, &office, outcome).await
}

pub async fn close_file(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_records(office.id))?;
    let id: ArchiveFileId = id.parse().map_err(|_| PageError::not_found())?;
    let outcome = service(&app)?
        .close_file(&office, &ctx.service_actor(), id, None)
        .await
        .map(|_| ());
    plan_result(&app, &ctx, &office, outcome).await
}

/// Streams an archival package of the office (or one file) as a ZIP.
pub async fn export(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::govern_records(office.id))?;
    let format = PackageFormat::parse(&form.text("format")).ok_or_else(|| PageError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        key: "error-400",
        detail: Some(tr.t("records-format-required")),
    })?;
    let files: Vec<ArchiveFileId> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "file")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    // A package carries the records' content: whoever exports must be cleared for each.
    let (_, rows) = service(&app)?
        .package(&office, &files, state(&app)?.agency.clone())
        .await
        .map_err(|e| page_error(&tr, e))?;
    if let Some(r) = rows.iter().find(|r| !cleared(&ctx, r)) {
        return Err(PageError {
            status: StatusCode::FORBIDDEN,
            key: "error-403",
            detail: Some(tr.t1(
                "records-export-protected",
                "level",
                level(&tr, meta::confidentiality(&r.confidentiality)),
            )),
        });
    }
    let work = tempfile::tempdir().map_err(|e| PageError::internal(&e))?;
    let out = work.path().join("package");
    let (dir, _) = service(&app)?
        .export(
            &office,
            &ctx.service_actor(),
            format,
            &files,
            state(&app)?.agency.clone(),
            &out,
        )
        .await
        .map_err(|e| page_error(&tr, e))?;
    let zip_path = work.path().join("package.zip");
    let zipped = tokio::task::spawn_blocking(move || -> Result<tempfile::TempDir, String> {
        let mut f = std::fs::File::create(&zip_path).map_err(|e| e.to_string())?;
        crate::service::zip_dir(&dir, &mut f).map_err(|e| e.to_string())?;
        Ok(work)
    })
    .await
    .map_err(|e| PageError::internal(&e))?
    .map_err(|e| PageError::internal(&e))?;
    let file = tokio::fs::File::open(zipped.path().join("package.zip"))
        .await
        .map_err(|e| PageError::internal(&e))?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or_default();
    // The temporary directory lives until the download is streamed.
    let stream = futures_util::stream::unfold((file, zipped), |(mut file, dir)| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(bytes::Bytes::from(buf)),
                    (file, dir),
                ))
            }
            Err(e) => Some((Err(e), (file, dir))),
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let name = format!("{}-{}.zip", office.code, form.text("format"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&size.to_string()) {
        headers.insert(header::CONTENT_LENGTH, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

// --- Disposition ---------------------------------------------------------------------------

pub struct RunRow {
    pub id: String,
    pub as_of: String,
    pub state: String,
    pub items: usize,
    pub created: String,
}

#[derive(Template)]
#[template(path = "records_disposition.html")]
pub struct DispositionPage {
    pub chrome: Chrome,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub due: Vec<Row>,
    pub soon: Vec<Row>,
    pub holds: Vec<HoldRow>,
    pub runs: Vec<RunRow>,
    pub can_manage: bool,
    pub can_govern: bool,
    pub error: Option<String>,
}

async fn disposition_page(
    app: &App,
    ctx: &Ctx,
    code: &str,
    error: Option<String>,
) -> Result<DispositionPage, PageError> {
    let tr = ctx.tr();
    let (office, offices) = office_for(app, ctx, code, crate::authz::view_records).await?;
    let today = guichet_one_stop::dossier::local_time(office.country, app.clock.now()).date();
    let horizon = today + time::Duration::days(retention::WARNING_DAYS);
    let scheduled = crate::records_store(&*app.store)?
        .records(&RecordQuery {
            office: Some(office.id),
            active_only: true,
            due_by: Some(horizon),
            limit: 2000,
            ..RecordQuery::default()
        })
        .await?;
    let (mut due, mut soon) = (Vec::new(), Vec::new());
    for r in &scheduled {
        match retention::due_state(r.due_on, today) {
            DueState::Due => due.push(row(ctx, &tr, r)),
            DueState::Warning => soon.push(row(ctx, &tr, r)),
            _ => {}
        }
    }
    let holds = crate::records_store(&*app.store)?.holds(office.id).await?;
    let mut labels = std::collections::HashMap::new();
    for h in &holds {
        let label = match (h.record_id, h.file_id) {
            (Some(r), _) => crate::records_store(&*app.store)?
                .record_row(r)
                .await?
                .map(|r| label_for(ctx, &tr, &r)),
            (_, Some(f)) => crate::records_store(&*app.store)?
                .archive_file(f)
                .await?
                .map(|f| format!("{} — {}", f.reference, f.title)),
            _ => None,
        };
        labels.insert(h.id, label.unwrap_or_default());
    }
    let runs = crate::records_store(&*app.store)?
        .dispositions(office.id)
        .await?
        .iter()
        .map(|d| RunRow {
            id: d.id.to_string(),
            as_of: d.as_of.to_string(),
            state: tr.t(&format!("records-run-{}", d.state)),
            items: d.items.as_array().map_or(0, Vec::len),
            created: fmt_time(&office, d.created_at),
        })
        .collect();
    Ok(DispositionPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        offices: offices
            .iter()
            .map(|o| (o.code.clone(), o.name.clone()))
            .collect(),
        due,
        soon,
        holds: hold_rows(&office, &holds, |h| {
            labels.get(&h.id).cloned().unwrap_or_default()
        }),
        runs,
        can_manage: ctx
            .authorize(crate::authz::manage_records(office.id))
            .is_ok(),
        can_govern: ctx
            .authorize(crate::authz::govern_records(office.id))
            .is_ok(),
        error,
    })
}

pub async fn disposition(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<OfficeParam>,
) -> Result<Response, PageError> {
    let page = disposition_page(&app, &ctx, &p.office, None).await?;
    Ok(render_with(StatusCode::OK, page))
}

pub async fn propose(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_records(office.id))?;
    match service(&app)?
        .propose_disposition(&office, &ctx.service_actor(), None)
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/records/disposition/{}", d.id)).into_response()),
        Err(e @ guichet_one_stop::ServiceError::Invalid { .. }) => {
            let page =
                disposition_page(&app, &ctx, &office.code, Some(service_message(&tr, &e))).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

pub struct ItemRow {
    pub record: String,
    pub label: String,
    pub action: String,
    pub review: bool,
    pub held: bool,
    pub destroy: bool,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "records_run.html")]
pub struct RunPage {
    pub chrome: Chrome,
    pub office: String,
    pub id: String,
    pub as_of: String,
    pub state: String,
    pub state_code: String,
    pub note: String,
    pub items: Vec<ItemRow>,
    pub certificate: String,
    pub can_govern: bool,
    pub error: Option<String>,
}

async fn run_page(
    app: &App,
    ctx: &Ctx,
    id: &str,
    error: Option<String>,
) -> Result<RunPage, PageError> {
    let tr = ctx.tr();
    let id: DispositionId = id.parse().map_err(|_| PageError::not_found())?;
    let d = crate::records_store(&*app.store)?
        .disposition(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::view_records(d.office_id))?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(d.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let items: Vec<DispositionItem> =
        serde_json::from_value(d.items.clone()).map_err(|e| PageError::internal(&e))?;
    // The approver sees which protected records a run holds only by their level, unless
    // cleared for it (the run's own label was written when it was proposed).
    let ids: Vec<RecordId> = items.iter().map(|i| i.record).collect();
    let withheld: std::collections::HashMap<RecordId, String> = crate::records_store(&*app.store)?
        .records(&RecordQuery {
            ids: ids.clone(),
            limit: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            ..RecordQuery::default()
        })
        .await?
        .iter()
        .filter(|r| !cleared(ctx, r))
        .map(|r| (r.id, protected_label(&tr, r)))
        .collect();
    Ok(RunPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        id: d.id.to_string(),
        as_of: d.as_of.to_string(),
        state: tr.t(&format!("records-run-{}", d.state)),
        state_code: d.state.clone(),
        note: d.note.clone(),
        items: items
            .iter()
            .map(|i| ItemRow {
                record: i.record.to_string(),
                label: withheld
                    .get(&i.record)
                    .cloned()
                    .unwrap_or_else(|| i.label.clone()),
                action: tr.t(&format!("records-action-{}", i.action)),
                review: i.action == "review",
                held: i.held,
                destroy: i.destroy,
                outcome: if i.outcome.is_empty() {
                    String::new()
                } else {
                    tr.t(&format!("records-outcome-{}", i.outcome))
                },
            })
            .collect(),
        certificate: d.certificate_id.map(|c| c.to_string()).unwrap_or_default(),
        can_govern: ctx
            .authorize(crate::authz::govern_records(office.id))
            .is_ok(),
        error,
    })
}

pub async fn run(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = run_page(&app, &ctx, &id, None).await?;
    Ok(render_with(StatusCode::OK, page))
}

async fn run_outcome(
    app: &App,
    ctx: &Ctx,
    id: &str,
    outcome: guichet_one_stop::Result<()>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/records/disposition/{id}")).into_response()),
        Err(e @ guichet_one_stop::ServiceError::Invalid { .. }) => {
            let page = run_page(app, ctx, id, Some(service_message(&tr, &e))).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

async fn run_office(app: &App, ctx: &Ctx, id: &str) -> Result<(DispositionId, Office), PageError> {
    let did: DispositionId = id.parse().map_err(|_| PageError::not_found())?;
    let d = crate::records_store(&*app.store)?
        .disposition(did)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::govern_records(d.office_id))?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(d.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok((did, office))
}

pub async fn decide(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let (did, office) = run_office(&app, &ctx, &id).await?;
    let approve = form.text("decision") == "approve";
    let reviewed: Vec<RecordId> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "destroy")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let outcome = service(&app)?
        .decide_disposition(
            &office,
            &ctx.service_actor(),
            did,
            approve,
            &reviewed,
            &form.text("note"),
        )
        .await
        .map(|_| ());
    run_outcome(&app, &ctx, &id, outcome).await
}

pub async fn execute(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (did, office) = run_office(&app, &ctx, &id).await?;
    let outcome = service(&app)?
        .execute_disposition(&office, &ctx.service_actor(), did)
        .await
        .map(|_| ());
    run_outcome(&app, &ctx, &id, outcome).await
}

// --- Fixity --------------------------------------------------------------------------------

pub struct FixityRow {
    pub started: String,
    pub objects: i64,
    pub copies: i64,
    pub ok: i64,
    pub repaired: i64,
    pub failed: i64,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "records_fixity.html")]
pub struct FixityPage {
    pub chrome: Chrome,
    pub copies: Vec<String>,
    pub runs: Vec<FixityRow>,
}

pub async fn fixity(State(app): State<App>, ctx: Ctx) -> Result<Response, PageError> {
    ctx.authorize(Action::VerifyLedger)?;
    let runs = crate::records_store(&*app.store)?
        .fixity_runs(20)
        .await?
        .iter()
        .map(|r| FixityRow {
            started: r.started_at.to_string(),
            objects: r.objects,
            copies: r.copies_checked,
            ok: r.ok,
            repaired: r.repaired,
            failed: r.failed,
            problems: r
                .report
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|p| {
                            format!(
                                "{} {}: {} → {}",
                                p["record"].as_str().unwrap_or(""),
                                p["copy"].as_str().unwrap_or(""),
                                p["problem"].as_str().unwrap_or(""),
                                p["action"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let page = FixityPage {
        chrome: Chrome::new(&ctx),
        copies: state(&app)?.archive.copy_names(),
        runs,
    };
    Ok(render_with(StatusCode::OK, page))
}

pub async fn run_fixity(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    ctx.authorize(Action::VerifyLedger)?;
    let repair = form.get("repair").is_some();
    if repair {
        // Repairing writes to storage: an auditor checks, a system administrator repairs.
        ctx.authorize(guichet_identity::authz::manage_offices())?;
    }
    service(&app)?
        .fixity_audit(repair, &|_, _| {})
        .await
        .map_err(|e| page_error(&tr, e))?;
    Ok(Redirect::to("/records/fixity").into_response())
}

// --- JSON API ------------------------------------------------------------------------------

/// A record as the API shows it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RecordDto {
    pub id: String,
    pub office: String,
    /// `incoming`, `outgoing` or null (captured records).
    pub register: Option<String>,
    pub year: Option<i64>,
    pub number: Option<i64>,
    /// Number and symbol as printed, e.g. `15/QĐ-UBND`.
    pub label: String,
    pub symbol: String,
    /// The sender's number and symbol (incoming).
    pub original_ref: String,
    /// A code of Decree 30/2020's document types or a captured kind.
    pub doc_type: String,
    /// Summary (trích yếu).
    pub title: String,
    /// `YYYY-MM-DD`.
    pub doc_date: String,
    pub issuer: String,
    pub signer: String,
    pub recipients: String,
    pub urgency: String,
    pub confidentiality: String,
    /// `register`, `file`, `message`, `import`, `certificate`.
    pub source: String,
    pub archive_file: Option<String>,
    pub parent: Option<String>,
    pub content_type: Option<String>,
    pub size: i64,
    pub sha256: Option<String>,
    pub due_on: Option<String>,
    /// `active` or `destroyed`.
    pub state: String,
}

fn record_dto(office: &str, r: &RecordRow) -> RecordDto {
    RecordDto {
        id: r.id.to_string(),
        office: office.to_owned(),
        register: r.register.clone(),
        year: r.year,
        number: r.number,
        label: record_label(r),
        symbol: r.symbol.clone(),
        original_ref: r.original_ref.clone(),
        doc_type: r.doc_type.clone(),
        title: r.title.clone(),
        doc_date: r.doc_date.to_string(),
        issuer: r.issuer.clone(),
        signer: r.signer.clone(),
        recipients: r.recipients.clone(),
        urgency: r.urgency.clone(),
        confidentiality: r.confidentiality.clone(),
        source: r.source.clone(),
        archive_file: r.file_id.map(|f| f.to_string()),
        parent: r.parent_id.map(|p| p.to_string()),
        content_type: r.content_type.clone(),
        size: r.size,
        sha256: r.sha256.clone(),
        due_on: r.due_on.map(|d| d.to_string()),
        state: r.state.clone(),
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ApiRecordsParams {
    /// Office code.
    pub office: String,
    /// Accent-insensitive search; without it, the register below is listed.
    #[serde(default)]
    pub q: Option<String>,
    /// `incoming` or `outgoing` (default `outgoing`).
    #[serde(default)]
    pub register: Option<String>,
    /// Year of the register (default: the office's current year).
    #[serde(default)]
    pub year: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/records", tag = "records",
    params(ApiRecordsParams),
    responses((status = 200, description = "Records of the office: search hits, best first, or the register, newest first", body = Vec<RecordDto>),
        (status = 401, description = "Not logged in", body = guichet_web::error::Problem),
        (status = 403, description = "Not allowed", body = guichet_web::error::Problem),
        (status = 404, description = "No such office", body = guichet_web::error::Problem)))]
pub async fn api_records(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ApiRecordsParams>,
) -> Result<axum::Json<Vec<RecordDto>>, guichet_web::error::ApiError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(&p.office)
        .await?
        .ok_or_else(|| {
            guichet_web::error::ApiError::for_status(
                StatusCode::NOT_FOUND,
                Some("no such office".into()),
            )
        })?;
    ctx.authorize(crate::authz::view_records(office.id))?;
    let rows = match p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => {
            service(&app)
                .map_err(|e| guichet_web::error::ApiError::for_status(e.status, None))?
                .search(Some(&[office.id]), q, 100)
                .await?
        }
        None => {
            let today =
                guichet_one_stop::dossier::local_time(office.country, app.clock.now()).date();
            crate::records_store(&*app.store)?
                .records(&RecordQuery {
                    office: Some(office.id),
                    register: Some(p.register.clone().unwrap_or_else(|| "outgoing".into())),
                    year: Some(p.year.unwrap_or(i64::from(today.year()))),
                    newest_first: true,
                    limit: 1000,
                    ..RecordQuery::default()
                })
                .await?
        }
    };
    // Only what the caller is cleared for: a protected record is left out, not masked.
    Ok(axum::Json(
        rows.iter()
            .filter(|r| cleared(&ctx, r))
            .map(|r| record_dto(&office.code, r))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/records/{id}", tag = "records",
    params(("id" = uuid::Uuid, Path, description = "Record id")),
    responses((status = 200, description = "The record (a tombstone once destroyed)", body = RecordDto),
        (status = 401, description = "Not logged in", body = guichet_web::error::Problem),
        (status = 403, description = "Not allowed", body = guichet_web::error::Problem),
        (status = 404, description = "No such record", body = guichet_web::error::Problem)))]
pub async fn api_record(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<axum::Json<RecordDto>, guichet_web::error::ApiError> {
    let not_found = || {
        guichet_web::error::ApiError::for_status(
            StatusCode::NOT_FOUND,
            Some("no such record".into()),
        )
    };
    let id: RecordId = id.parse().map_err(|_| not_found())?;
    let r = crate::records_store(&*app.store)?
        .record_row(id)
        .await?
        .ok_or_else(not_found)?;
    ctx.authorize(crate::authz::read_record(r.office_id, &r.confidentiality))?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(r.office_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(axum::Json(record_dto(&office.code, &r)))
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/records" => get(records),
    "/records/register" => post(register),
    "/records/r/{id}" => get(record),
    "/records/r/{id}/content" => get(record_content),
    "/records/r/{id}/hold" => post(place_hold),
    "/records/holds/{id}/release" => post(release_hold),
    "/records/plan" => get(plan),
    "/records/plan/classes" => post(add_class),
    "/records/plan/files" => post(open_file),
    "/records/files/{id}/close" => post(close_file),
    "/records/export" => post(export),
    "/records/disposition" => get(disposition).post(propose),
    "/records/disposition/{id}" => get(run),
    "/records/disposition/{id}/decide" => post(decide),
    "/records/disposition/{id}/execute" => post(execute),
    "/records/fixity" => get(fixity).post(run_fixity),
}

guichet_web::route_table! {
    /// Its JSON API routes, relative to `/api/v1`.
    fn api_routes, API_ROUTES;
    "/records" => get(api_records),
    "/records/{id}" => get(api_record),
}

/// This module's part of the OpenAPI document (merged by `api::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_records, api_record), components(schemas(RecordDto)))]
pub struct ApiDoc;

/// What this module adds to the application: its routes and its part of the API document.
/// The slice's messages, compiled in.
pub const MESSAGES: guichet_web::i18n::SliceMessages = &[
    ("vi", include_str!("../locales/vi/records.ftl")),
    ("fr", include_str!("../locales/fr/records.ftl")),
    ("en", include_str!("../locales/en/records.ftl")),
];

/// What the slice adds to the application: its routes, its part of the API document, its
/// header links and its messages.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: MESSAGES,
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "records",
    pages: ROUTES,
    add_pages: routes,
    api: API_ROUTES,
    add_api: api_routes,
    api_doc: Some(<ApiDoc as utoipa::OpenApi>::openapi),
    nav: &[guichet_web::NavItem {
        menu: guichet_web::Menu::Main,
        order: 80,
        href: "/records",
        key: "nav-records",
        visible: guichet_web::helpers::is_civil_servant,
        current: |p| p.starts_with("/records"),
    }],
};

//! The one-stop pages: the public catalogue, filing a dossier without JavaScript (form, draft,
//! summary, receipt), following it (own list, dossier page, tracking by code and secret), and
//! the agents' queue and dossier actions. Rules live in `guichet-services`.

use crate::ServiceError;
use crate::dossier::{self, Actor, Desk, StepInput};
use crate::files::FileRules;
use crate::form::{self, Field, FieldError, FieldKind, FormSchema};
use crate::procedure::{self, CatalogueQuery, Entry, ProcedureBody, ServiceLevel};
use crate::state::{self, Party, State as DState, Step};
use crate::store::{DossierOrder, DossierQuery, DossierRecord, ProcedureRecord};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guichet_core::{DossierId, FileId, Language, UserId};
use guichet_ledger::Event;
use guichet_rules::calendar::OfficeCalendar;
use guichet_store::{Audit, Office};
use serde_json::{Map, Value};

use guichet_identity::lookup::office_by_code;
use guichet_web::App;
use guichet_web::chrome::{Chrome, render, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::{fmt_date, fmt_time, page_error, service_message};
use guichet_web::i18n::Tr;
use guichet_web::picker::Picker;

pub(crate) fn desk(app: &App) -> Result<Desk<'_>, guichet_store::StoreError> {
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

/// Who fills, sends and answers for a dossier: its applicant online; for one taken in at the
/// counter or from the post, the office's desk on the applicant's behalf.
pub(crate) fn filler(d: &DossierRecord) -> guichet_core::authz::Action {
    match d.intake {
        Some(_) => crate::authz::intake(d.office_id),
        None => crate::authz::act_as_applicant(d.applicant_id),
    }
}

fn today(app: &App, office: &Office) -> time::Date {
    dossier::local_time(office.country, app.clock.now()).date()
}

pub fn state_label(tr: &Tr, code: &str) -> String {
    tr.lookup(&format!("state-{code}"))
        .unwrap_or_else(|| code.to_owned())
}

pub fn timing_label(tr: &Tr, code: &str) -> String {
    tr.lookup(&format!("timing-{code}"))
        .unwrap_or_else(|| code.to_owned())
}

fn level_label(tr: &Tr, l: ServiceLevel) -> String {
    tr.lookup(&format!("level-{}", l.code()))
        .unwrap_or_default()
}

fn doc_form_label(tr: &Tr, code: &str) -> String {
    tr.lookup(&format!("docform-{code}")).unwrap_or_default()
}

fn topic_label(tr: &Tr, topic: &str) -> String {
    tr.lookup(&format!("topic-{topic}"))
        .unwrap_or_else(|| topic.to_owned())
}

fn time_label(tr: &Tr, body: &ProcedureBody) -> String {
    match body.time_unit {
        procedure::TimeUnit::WorkingDays => {
            tr.t1("proc-working-days", "count", body.processing_time)
        }
        procedure::TimeUnit::CalendarMonths => {
            tr.t1("proc-calendar-months", "count", body.processing_time)
        }
    }
}

async fn procedure_of(
    app: &App,
    office: &Office,
    code: &str,
) -> Result<ProcedureRecord, PageError> {
    crate::one_stop_store(&*app.store)?
        .procedure_by_code(office.id, code)
        .await?
        .ok_or_else(PageError::not_found)
}

// ---------------------------------------------------------------------------------------------
// Catalogue

#[derive(serde::Deserialize, Default)]
pub struct CatalogueParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub level: String,
}

pub struct ProcedureRow {
    pub href: String,
    pub code: String,
    pub name: String,
    pub office: String,
    pub topic: String,
    pub level: String,
    pub time: String,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
pub struct CataloguePage {
    pub chrome: Chrome,
    pub q: String,
    pub office: String,
    pub topic: String,
    pub level: String,
    pub offices: Vec<(String, String)>,
    pub topics: Vec<(String, String)>,
    pub levels: Vec<(String, String)>,
    pub rows: Vec<ProcedureRow>,
}

pub async fn catalogue(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<CatalogueParams>,
) -> Result<Html<String>, PageError> {
    let tr = ctx.tr();
    let entries = procedure::catalogue(crate::one_stop_store(&*app.store)?)
        .await
        .map_err(|e| page_error(&tr, e))?;
    let office = entries
        .iter()
        .find(|e| e.office.code == p.office)
        .map(|e| e.office.id);
    let query = CatalogueQuery {
        text: p.q.clone(),
        office,
        topic: Some(p.topic.clone()).filter(|t| !t.is_empty()),
        level: ServiceLevel::parse(&p.level),
    };
    let hits = procedure::search(&entries, &query, ctx.lang);
    let mut offices: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.office.code.clone(), e.office.name.clone()))
        .collect();
    offices.sort();
    offices.dedup();
    let mut topics: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e.procedure.topic.clone(),
                topic_label(&tr, &e.procedure.topic),
            )
        })
        .collect();
    topics.sort();
    topics.dedup();
    render(CataloguePage {
        chrome: Chrome::new(&ctx),
        rows: hits
            .iter()
            .map(|e| procedure_row(&tr, ctx.lang, e))
            .collect(),
        q: p.q,
        office: p.office,
        topic: p.topic,
        level: p.level,
        offices,
        topics,
        levels: ServiceLevel::ALL
            .iter()
            .map(|l| (l.code().to_owned(), level_label(&tr, *l)))
            .collect(),
    })
}

fn procedure_row(tr: &Tr, lang: Language, e: &Entry) -> ProcedureRow {
    ProcedureRow {
        href: format!("/procedures/{}/{}", e.office.code, e.procedure.code),
        code: e.procedure.code.clone(),
        name: e.body.name.get(lang).to_owned(),
        office: e.office.name.clone(),
        topic: topic_label(tr, &e.procedure.topic),
        level: level_label(tr, e.body.level),
        time: time_label(tr, &e.body),
    }
}

pub struct DocRow {
    pub name: String,
    pub form: String,
    pub count: u32,
}

#[derive(Template)]
#[template(path = "procedure.html")]
pub struct ProcedurePage {
    pub chrome: Chrome,
    pub office_code: String,
    pub office_name: String,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub description: String,
    pub level: String,
    pub online: bool,
    pub legal_basis: String,
    /// What silence means at the deadline (empty when nothing happens by itself).
    pub silence: String,
    pub fees: String,
    pub time: String,
    pub result: String,
    pub documents: Vec<DocRow>,
    pub can_file: bool,
    pub logged_in: bool,
}

pub async fn procedure_page(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, code)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &office).await?;
    let p = procedure_of(&app, &office, &code).await?;
    if p.published_version == 0 {
        return Err(PageError::not_found());
    }
    let body = crate::state(&app)?
        .versions
        .body(
            crate::one_stop_store(&*app.store)?,
            p.id,
            p.published_version,
        )
        .await
        .map_err(|e| page_error(&tr, e))?
        .ok_or_else(PageError::not_found)?;
    let lang = ctx.lang;
    render(ProcedurePage {
        chrome: Chrome::new(&ctx),
        office_code: office.code.clone(),
        office_name: office.name.clone(),
        code: p.code.clone(),
        version: p.published_version,
        name: body.name.get(lang).to_owned(),
        description: body.description.get(lang).to_owned(),
        level: level_label(&tr, body.level),
        online: body.level.online(),
        legal_basis: body.legal_basis.clone(),
        silence: match body.silence {
            procedure::Silence::Nothing => String::new(),
            s => tr.t(&format!("proc-silence-{}", s.code())),
        },
        fees: body.fees.get(lang).to_owned(),
        time: time_label(&tr, &body),
        result: body.result.get(lang).to_owned(),
        documents: body
            .documents
            .iter()
            .map(|d| DocRow {
                name: d.name.get(lang).to_owned(),
                form: doc_form_label(&tr, d.form.code()),
                count: d.count,
            })
            .collect(),
        can_file: ctx.authorize(crate::authz::file_dossier()).is_ok(),
        logged_in: ctx.user.is_some(),
    })
}

/// Starts a draft and opens its form.
pub async fn start(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, code)): Path<(String, String)>,
) -> Result<Response, PageError> {
    ctx.authorize(crate::authz::file_dossier())?;
    let tr = ctx.tr();
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let office = office_by_code(&app, &office).await?;
    let p = procedure_of(&app, &office, &code).await?;
    let d = desk(&app)?;
    let filing = d.filing(&p).await.map_err(|e| page_error(&tr, e))?;
    if !identified_enough(&ctx, &filing.body) {
        return Ok(identification_needed(
            &app,
            &ctx,
            &filing.body,
            &format!("/procedures/{}/{}", office.code, p.code),
        ));
    }
    let draft = d
        .start(&user, &filing)
        .await
        .map_err(|e| page_error(&tr, e))?;
    Ok(Redirect::to(&format!("/dossiers/{}/edit", draft.id)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The form

async fn upload_file(
    app: &App,
    ctx: &Ctx,
    upload: &guichet_web::form_data::Upload,
    rules: &FileRules<'_>,
) -> Result<guichet_store::FileRecord, ServiceError> {
    let user = ctx.user.as_ref().map(|u| u.id);
    crate::upload(
        &app.files,
        crate::one_stop_store(crate::one_stop_store(&*app.store)?)?,
        &*app.clock,
        &*app.entropy,
        &ctx.actor(),
        &upload.name,
        upload.content.clone(),
        rules,
        user,
    )
    .await
}

/// One field as the form template draws it.
pub struct FieldView {
    pub name: String,
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub help: String,
    pub condition: String,
    pub required: bool,
    pub value: String,
    pub values: Vec<String>,
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
    pub file_name: String,
    pub accept: String,
    pub limits: String,
    pub picker: Option<Picker>,
    pub street: String,
    pub rows: Vec<Vec<FieldView>>,
    pub text: String,
    pub input_type: &'static str,
    pub inputmode: &'static str,
    pub autocomplete: &'static str,
    /// The provider that vouched for this (prefilled, locked) value; empty when none.
    pub verified_from: String,
    pub verified_display: String,
}

impl FieldView {
    pub fn has_value(&self, v: &str) -> bool {
        self.values.iter().any(|x| x == v)
    }
}

fn html_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        id.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        });
    }
    id.trim_end_matches('-').replace("--", "-")
}

struct ViewCtx<'a> {
    tr: Tr,
    lang: Language,
    today: time::Date,
    units: &'a guichet_units::Registry,
    errors: &'a [FieldError],
}

fn field_views(
    vc: &ViewCtx<'_>,
    fields: &[Field],
    answers: &Map<String, Value>,
    prefix: &str,
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| field_view(vc, fields, f, answers, prefix))
        .collect()
}

fn field_view(
    vc: &ViewCtx<'_>,
    siblings: &[Field],
    f: &Field,
    answers: &Map<String, Value>,
    prefix: &str,
) -> FieldView {
    let path = format!("{prefix}{}", f.key);
    let value = answers.get(&f.key).cloned().unwrap_or(Value::Null);
    let text_value = match &value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let condition = f
        .show_if
        .as_ref()
        .map(|c| {
            let other = siblings.iter().find(|g| g.key == c.field);
            let label = other
                .map(|g| g.label.get(vc.lang).to_owned())
                .unwrap_or_default();
            match &c.equals {
                Some(v) => {
                    let shown = other
                        .and_then(|g| {
                            g.kind
                                .options()
                                .iter()
                                .find(|o| &o.value == v)
                                .map(|o| o.label.get(vc.lang).to_owned())
                        })
                        .unwrap_or_else(|| match v.as_str() {
                            "yes" => vc.tr.t("form-yes"),
                            "no" => vc.tr.t("form-no"),
                            other => other.to_owned(),
                        });
                    vc.tr
                        .tn("form-only-if-equals", &[("field", label), ("value", shown)])
                }
                None => vc.tr.t1("form-only-if", "field", label),
            }
        })
        .unwrap_or_default();
    let mut view = FieldView {
        name: path.clone(),
        id: html_id(&path),
        kind: f.kind.code(),
        label: f.label.get(vc.lang).to_owned(),
        help: f.help.get(vc.lang).to_owned(),
        condition,
        required: f.required,
        value: text_value,
        values: match &value {
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
        options: f
            .kind
            .options()
            .iter()
            .map(|o| (o.value.clone(), o.label.get(vc.lang).to_owned()))
            .collect(),
        error: vc
            .errors
            .iter()
            .find(|e| e.path == path)
            .map(|e| e.message.clone()),
        file_name: String::new(),
        accept: String::new(),
        limits: String::new(),
        picker: None,
        street: String::new(),
        rows: Vec::new(),
        text: String::new(),
        input_type: "text",
        verified_from: String::new(),
        verified_display: String::new(),
        inputmode: "text",
        autocomplete: "off",
    };
    match &f.kind {
        FieldKind::Email => {
            view.input_type = "email";
            view.inputmode = "email";
            view.autocomplete = "email";
        }
        FieldKind::Phone => {
            view.input_type = "tel";
            view.inputmode = "tel";
            view.autocomplete = "tel";
        }
        FieldKind::Number { .. } | FieldKind::Money { .. } => view.inputmode = "decimal",
        FieldKind::Identifier { .. } => view.inputmode = "text",
        FieldKind::Date { .. } => {
            // Shown as people write dates; stored as ISO.
            if let Some(d) = form::parse_date(&view.value) {
                view.value = fmt_date(d);
            }
        }
        FieldKind::ShortText { .. }
        | FieldKind::LongText { .. }
        | FieldKind::YesNo
        | FieldKind::SingleChoice { .. }
        | FieldKind::MultipleChoice { .. }
        | FieldKind::Dropdown { .. }
        | FieldKind::Section => {}
        FieldKind::Explanation { text } => view.text = text.get(vc.lang).to_owned(),
        FieldKind::File { max_bytes, types } => {
            view.accept = types
                .iter()
                .map(|t| format!(".{t}"))
                .collect::<Vec<_>>()
                .join(",");
            view.limits = vc.tr.tn(
                "form-file-limits",
                &[
                    ("types", types.join(", ")),
                    ("size", form::human_size(*max_bytes)),
                ],
            );
            view.file_name = value
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
        }
        FieldKind::Address { country } => {
            let country =
                guichet_core::Country::parse(country).unwrap_or(guichet_core::Country::Vn);
            let unit = value
                .get("unit")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let province = form::address_province(&value)
                .map(str::to_owned)
                .or_else(|| {
                    guichet_units::UnitRef::parse(unit)
                        .ok()
                        .and_then(|r| vc.units.at(&r, vc.today).ok())
                        .map(|u| vc.units.ancestors(u, vc.today))
                        .and_then(|chain| {
                            chain
                                .iter()
                                .find(|a| {
                                    matches!(
                                        a.level,
                                        guichet_units::Level::Province
                                            | guichet_units::Level::Department
                                    )
                                })
                                .map(|a| a.unit_ref.to_string())
                        })
                })
                .unwrap_or_default();
            view.picker = Some(Picker::build(vc.units, country, vc.today, &province, unit));
            view.street = value
                .get("street")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
        }
        FieldKind::Repeat { fields, max, .. } => {
            let items: Vec<Map<String, Value>> = value
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
                .unwrap_or_default();
            // One empty row more than filled, so a row can be added without JavaScript.
            let count = (items.len() + 1).min(*max as usize);
            for i in 0..count {
                let item = items.get(i).cloned().unwrap_or_default();
                view.rows
                    .push(field_views(vc, fields, &item, &format!("{path}[{i}].")));
            }
        }
    }
    view
}

pub struct ErrorLink {
    pub id: String,
    pub label: String,
    pub message: String,
}

fn error_links(schema: &FormSchema, errors: &[FieldError], lang: Language) -> Vec<ErrorLink> {
    errors
        .iter()
        .map(|e| {
            let key = e.path.rsplit('.').next().unwrap_or(&e.path);
            let top = e.path.split(['.', '[']).next().unwrap_or_default();
            let label = schema
                .field(top)
                .map(|f| match &f.kind {
                    FieldKind::Repeat { fields, .. } => fields
                        .iter()
                        .find(|g| g.key == key)
                        .map(|g| g.label.get(lang).to_owned())
                        .unwrap_or_default(),
                    _ => f.label.get(lang).to_owned(),
                })
                .unwrap_or_default();
            ErrorLink {
                id: html_id(&e.path),
                label,
                message: e.message.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dossier_form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub dossier_id: String,
    pub code: String,
    pub procedure: String,
    pub office: String,
    pub rev: i64,
    pub correcting: bool,
    pub correction_reason: String,
    pub multipart: bool,
    pub fields: Vec<FieldView>,
    pub errors: Vec<ErrorLink>,
    pub notice: Option<String>,
}

/// Whether the visitor's login meets the procedure's identification level (an OpenID login
/// the provider vouched for at that eIDAS level or higher).
pub(crate) fn identified_enough(ctx: &Ctx, body: &ProcedureBody) -> bool {
    match body.identification {
        None => true,
        Some(level) => ctx
            .session
            .as_ref()
            .and_then(|s| s.assurance.as_deref())
            .and_then(guichet_identity::oidc::Assurance::parse)
            .is_some_and(|a| a >= level),
    }
}

#[derive(Template)]
#[template(path = "identification_needed.html")]
pub struct IdentificationPage {
    pub chrome: Chrome,
    pub level: String,
    pub level_code: String,
    pub next: String,
    pub providers: Vec<(String, String)>,
}

/// Asks the visitor to log in through a provider at the procedure's level.
pub(crate) fn identification_needed(
    app: &App,
    ctx: &Ctx,
    body: &ProcedureBody,
    next: &str,
) -> Response {
    let level = body.identification.map(|a| a.code()).unwrap_or("low");
    render_with(
        StatusCode::FORBIDDEN,
        IdentificationPage {
            chrome: Chrome::new(ctx),
            level: ctx.tr().t(&format!("assurance-{level}")),
            level_code: level.to_owned(),
            next: next.to_owned(),
            providers: guichet_identity::state::openid(app)
                .map(|o| o.buttons())
                .unwrap_or_default(),
        },
    )
}

pub(crate) struct Loaded {
    pub(crate) d: DossierRecord,
    pub(crate) office: Office,
    procedure: ProcedureRecord,
    pub(crate) body: std::sync::Arc<ProcedureBody>,
    /// Prefilled fields the applicant's verified identity vouches for (locked in the form).
    pub(crate) verified: std::collections::BTreeMap<String, crate::identity::Verified>,
}

pub(crate) async fn load(app: &App, ctx: &Ctx, id: &str) -> Result<Loaded, PageError> {
    let tr = ctx.tr();
    let id: DossierId = id.parse().map_err(|_| PageError::not_found())?;
    let d = crate::one_stop_store(&*app.store)?
        .dossier(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::view_dossier(d.office_id, d.applicant_id))?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(d.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let procedure = crate::one_stop_store(&*app.store)?
        .procedure(d.procedure_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let body = desk(app)?
        .body_of_dossier(&d)
        .await
        .map_err(|e| page_error(&tr, e))?;
    let verified = match d.applicant_id {
        Some(applicant) => {
            crate::identity::verified_fields(
                crate::one_stop_store(&*app.store)?,
                applicant,
                &body.form,
            )
            .await?
        }
        None => Default::default(),
    };
    Ok(Loaded {
        d,
        office,
        procedure,
        body,
        verified,
    })
}

fn form_page(
    app: &App,
    ctx: &Ctx,
    l: &Loaded,
    answers: &Map<String, Value>,
    errors: &[FieldError],
    notice: Option<String>,
    reason: String,
) -> FormPage {
    let vc = ViewCtx {
        tr: ctx.tr(),
        lang: ctx.lang,
        today: today(app, &l.office),
        units: &app.units,
        errors,
    };
    FormPage {
        chrome: Chrome::new(ctx),
        dossier_id: l.d.id.to_string(),
        code: l.d.code.clone().unwrap_or_default(),
        procedure: l.body.name.get(ctx.lang).to_owned(),
        office: l.office.name.clone(),
        rev: l.d.rev,
        correcting: l.d.state == DState::AwaitingApplicant.code(),
        correction_reason: reason,
        multipart: l.body.form.has_files(),
        fields: field_views(&vc, &l.body.form.fields, answers, "")
            .into_iter()
            .map(|mut f| {
                if let Some(v) = l.verified.get(&f.name) {
                    f.verified_from = guichet_identity::state::openid(app)
                        .ok()
                        .and_then(|o| o.provider_name(&v.provider))
                        .unwrap_or(&v.provider)
                        .to_owned();
                    f.value.clone_from(&v.value);
                    f.verified_display = f
                        .options
                        .iter()
                        .find(|o| o.0 == v.value)
                        .map_or_else(|| v.value.clone(), |o| o.1.clone());
                }
                f
            })
            .collect(),
        errors: error_links(&l.body.form, errors, ctx.lang),
        notice,
    }
}

async fn last_reason(app: &App, d: &DossierRecord) -> String {
    let Ok(store) = crate::one_stop_store(&*app.store) else {
        return String::new();
    };
    store
        .dossier_events(d.id)
        .await
        .ok()
        .and_then(|events| {
            events
                .into_iter()
                .rev()
                .find(|e| e.action == Step::RequestCorrection.code())
                .map(|e| e.note)
        })
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
pub struct NoticeParam {
    #[serde(default)]
    pub notice: String,
}

pub async fn edit_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(n): Query<NoticeParam>,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    ctx.authorize(filler(&l.d))?;
    let st = DState::parse(&l.d.state);
    if !matches!(st, Some(DState::Draft | DState::AwaitingApplicant)) {
        return Ok(Redirect::to(&format!("/dossiers/{}", l.d.id)).into_response());
    }
    let answers = l.d.answers.as_object().cloned().unwrap_or_default();
    let reason = last_reason(&app, &l.d).await;
    let notice = (n.notice == "form-changed").then(|| ctx.tr().t("svc-form-changed"));
    Ok(render_with(
        StatusCode::OK,
        form_page(&app, &ctx, &l, &answers, &[], notice, reason),
    ))
}

/// Stores the uploads of a submitted form and puts their references in the answers; keeps the
/// files already given for fields left empty.
async fn take_uploads(
    app: &App,
    ctx: &Ctx,
    schema: &FormSchema,
    form: &FormData,
    previous: &Map<String, Value>,
    answers: &mut Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<FileId>, PageError> {
    let mut stored = Vec::new();
    for f in &schema.fields {
        let mut slots: Vec<(String, Option<usize>, &FieldKind, String)> = Vec::new();
        match &f.kind {
            FieldKind::File { .. } => slots.push((f.key.clone(), None, &f.kind, f.key.clone())),
            FieldKind::Repeat { fields, max, .. } => {
                for i in 0..*max as usize {
                    for g in fields
                        .iter()
                        .filter(|g| matches!(g.kind, FieldKind::File { .. }))
                    {
                        slots.push((
                            format!("{}[{i}].{}", f.key, g.key),
                            Some(i),
                            &g.kind,
                            g.key.clone(),
                        ));
                    }
                }
            }
            _ => {}
        }
        for (name, row, kind, key) in slots {
            let FieldKind::File { max_bytes, types } = kind else {
                continue;
            };
            let new = match form.file(&name) {
                Some(upload) => {
                    let rules = FileRules {
                        types,
                        max_bytes: *max_bytes,
                    };
                    match upload_file(app, ctx, upload, &rules).await {
                        Ok(record) => {
                            stored.push(record.id);
                            Some(
                                serde_json::json!({ "file": record.id, "name": record.name, "size": record.size, "sha256": record.sha256 }),
                            )
                        }
                        Err(ServiceError::Invalid { key, detail, .. }) => {
                            errors.push(FieldError {
                                path: name.clone(),
                                code: key.to_owned(),
                                message: form::message(ctx.lang, key, &detail),
                            });
                            None
                        }
                        Err(e) => return Err(page_error(&ctx.tr(), e)),
                    }
                }
                None => None,
            };
            let keep = |prev: Option<&Value>| prev.filter(|v| v.get("file").is_some()).cloned();
            match row {
                None => {
                    if let Some(v) = new.or_else(|| keep(previous.get(&key))) {
                        answers.insert(key, v);
                    }
                }
                Some(i) => {
                    let prev = previous
                        .get(&f.key)
                        .and_then(|v| v.get(i))
                        .and_then(|item| item.get(&key));
                    if let Some(v) = new.or_else(|| keep(prev))
                        && let Some(Value::Array(items)) = answers.get_mut(&f.key)
                    {
                        while items.len() <= i {
                            items.push(Value::Object(Map::new()));
                        }
                        if let Some(Value::Object(item)) = items.get_mut(i) {
                            item.insert(key, v);
                        }
                    }
                }
            }
        }
    }
    Ok(stored)
}

/// Saves the form. `go`: `save` (stay), `review` (to the summary when complete), `resubmit`
/// (send a supplemented dossier back), anything else (e.g. the address cascade) re-shows it.
pub async fn edit_save(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    ctx.authorize(filler(&l.d))?;
    let tr = ctx.tr();
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let rev: i64 = form
        .text("rev")
        .parse()
        .map_err(|_| PageError::bad_request(tr.t("error-stale")))?;
    if rev != l.d.rev {
        // A second click or another tab: show what is stored now.
        return Ok(Redirect::to(&format!("/dossiers/{}", l.d.id)).into_response());
    }
    let previous = l.d.answers.as_object().cloned().unwrap_or_default();
    let mut answers = form::answers_from_pairs(&l.body.form, &form.fields);
    let mut upload_errors = Vec::new();
    let files = take_uploads(
        &app,
        &ctx,
        &l.body.form,
        &form,
        &previous,
        &mut answers,
        &mut upload_errors,
    )
    .await?;
    let go = form.text("go");
    let d = desk(&app)?;
    match DState::parse(&l.d.state) {
        Some(DState::Draft) => {
            let (stored, mut problems) = d
                .save_draft(&user, &l.d, rev, answers.clone(), files, ctx.lang)
                .await
                .map_err(|e| page_error(&tr, e))?;
            problems.extend(upload_errors);
            let l = Loaded { d: stored, ..l };
            if go == "review" && problems.is_empty() {
                match d
                    .validate_for_submission(&l.d, &l.d.answers, ctx.lang)
                    .await
                {
                    Ok(_) => {
                        return Ok(
                            Redirect::to(&format!("/dossiers/{}/review", l.d.id)).into_response()
                        );
                    }
                    Err(ServiceError::Form(errors)) => {
                        return Ok(render_with(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            form_page(&app, &ctx, &l, &answers, &errors, None, String::new()),
                        ));
                    }
                    Err(e) => return Err(page_error(&tr, e)),
                }
            }
            let status = if problems.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let notice = (go == "save" && problems.is_empty()).then(|| tr.t("form-draft-saved"));
            Ok(render_with(
                status,
                form_page(&app, &ctx, &l, &answers, &problems, notice, String::new()),
            ))
        }
        Some(DState::AwaitingApplicant) => {
            let reason = last_reason(&app, &l.d).await;
            if go != "resubmit" || !upload_errors.is_empty() {
                let status = if upload_errors.is_empty() {
                    StatusCode::OK
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                return Ok(render_with(
                    status,
                    form_page(&app, &ctx, &l, &answers, &upload_errors, None, reason),
                ));
            }
            let note = form.text("note");
            let actor = Actor::user(&user);
            let input = StepInput {
                reason: note.clone(),
                answers: Some(answers.clone()),
                files,
            };
            match d
                .step(&actor, &l.d, rev, Step::Resubmit, input, ctx.lang)
                .await
            {
                Ok(stored) => {
                    if !note.trim().is_empty() {
                        d.message(&actor, true, &stored, &note, false, None)
                            .await
                            .map_err(|e| page_error(&tr, e))?;
                    }
                    Ok(
                        Redirect::to(&format!("/dossiers/{}?notice=resubmitted", stored.id))
                            .into_response(),
                    )
                }
                Err(ServiceError::Form(errors)) => Ok(render_with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    form_page(&app, &ctx, &l, &answers, &errors, None, reason),
                )),
                Err(e) => Err(page_error(&tr, e)),
            }
        }
        _ => Ok(Redirect::to(&format!("/dossiers/{}", l.d.id)).into_response()),
    }
}

// ---------------------------------------------------------------------------------------------
// Answers shown read-only

pub struct AnswerView {
    pub label: String,
    pub value: String,
    pub section: bool,
    pub file: Option<(String, String)>,
    pub rows: Vec<Vec<AnswerView>>,
}

fn answer_views(
    tr: &Tr,
    lang: Language,
    fields: &[Field],
    answers: &Map<String, Value>,
) -> Vec<AnswerView> {
    let mut out = Vec::new();
    for f in fields {
        if matches!(f.kind, FieldKind::Explanation { .. }) {
            continue;
        }
        let label = f.label.get(lang).to_owned();
        if matches!(f.kind, FieldKind::Section) {
            out.push(AnswerView {
                label,
                value: String::new(),
                section: true,
                file: None,
                rows: Vec::new(),
            });
            continue;
        }
        let Some(v) = answers.get(&f.key) else {
            continue;
        };
        let option = |s: &str| {
            f.kind
                .options()
                .iter()
                .find(|o| o.value == s)
                .map(|o| o.label.get(lang).to_owned())
                .unwrap_or_else(|| s.to_owned())
        };
        let mut view = AnswerView {
            label,
            value: String::new(),
            section: false,
            file: None,
            rows: Vec::new(),
        };
        match (&f.kind, v) {
            (FieldKind::Repeat { fields, .. }, Value::Array(items)) => {
                view.rows = items
                    .iter()
                    .filter_map(|i| i.as_object())
                    .map(|i| answer_views(tr, lang, fields, i))
                    .collect();
            }
            (FieldKind::File { .. }, Value::Object(o)) => {
                let id = o
                    .get("file")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let size = o.get("size").and_then(Value::as_u64).unwrap_or(0);
                view.value = form::human_size(size);
                view.file = Some((id, name));
            }
            (FieldKind::Address { .. }, Value::Object(o)) => {
                view.value = o
                    .get("label")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
            }
            (FieldKind::MultipleChoice { .. }, Value::Array(a)) => {
                view.value = a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(option)
                    .collect::<Vec<_>>()
                    .join(", ");
            }
            (FieldKind::YesNo, Value::String(s)) => {
                view.value = if s == "yes" {
                    tr.t("form-yes")
                } else {
                    tr.t("form-no")
                }
            }
            (FieldKind::Date { .. }, Value::String(s)) => {
                view.value = form::parse_date(s)
                    .map(fmt_date)
                    .unwrap_or_else(|| s.clone())
            }
            (FieldKind::SingleChoice { .. } | FieldKind::Dropdown { .. }, Value::String(s)) => {
                view.value = option(s)
            }
            (_, Value::String(s)) => view.value = s.clone(),
            (_, other) => view.value = other.to_string(),
        }
        out.push(view);
    }
    out
}

#[derive(Template)]
#[template(path = "dossier_review.html")]
pub struct ReviewPage {
    pub chrome: Chrome,
    pub dossier_id: String,
    pub procedure: String,
    pub office: String,
    pub rev: i64,
    pub answers: Vec<AnswerView>,
    pub documents: Vec<DocRow>,
}

pub async fn review(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    ctx.authorize(filler(&l.d))?;
    let tr = ctx.tr();
    if l.d.state != DState::Draft.code() {
        return Ok(Redirect::to(&format!("/dossiers/{}", l.d.id)).into_response());
    }
    let answers = match desk(&app)?
        .validate_for_submission(&l.d, &l.d.answers, ctx.lang)
        .await
    {
        Ok(a) => a,
        Err(ServiceError::Form(errors)) => {
            let raw = l.d.answers.as_object().cloned().unwrap_or_default();
            return Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&app, &ctx, &l, &raw, &errors, None, String::new()),
            ));
        }
        Err(e) => return Err(page_error(&tr, e)),
    };
    Ok(render_with(
        StatusCode::OK,
        ReviewPage {
            chrome: Chrome::new(&ctx),
            dossier_id: l.d.id.to_string(),
            procedure: l.body.name.get(ctx.lang).to_owned(),
            office: l.office.name.clone(),
            rev: l.d.rev,
            answers: answer_views(&tr, ctx.lang, &l.body.form.fields, &answers),
            documents: l
                .body
                .documents
                .iter()
                .map(|d| DocRow {
                    name: d.name.get(ctx.lang).to_owned(),
                    form: doc_form_label(&tr, d.form.code()),
                    count: d.count,
                })
                .collect(),
        },
    ))
}

#[derive(Template)]
#[template(path = "dossier_receipt.html")]
pub struct ReceiptPage {
    pub chrome: Chrome,
    pub dossier_id: String,
    pub code: String,
    pub secret: String,
    pub procedure: String,
    pub office: String,
    pub submitted: String,
    pub time: String,
}

pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    ctx.authorize(filler(&l.d))?;
    let tr = ctx.tr();
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let rev: i64 = form
        .text("rev")
        .parse()
        .map_err(|_| PageError::bad_request(tr.t("error-stale")))?;
    if rev != l.d.rev || l.d.state != DState::Draft.code() {
        // Double click: the first click submitted it; show the dossier.
        return Ok(
            Redirect::to(&format!("/dossiers/{}?notice=already-submitted", l.d.id)).into_response(),
        );
    }
    // At the counter the agent checked an identity document instead of an online login.
    if l.d.intake.is_none() && !identified_enough(&ctx, &l.body) {
        return Ok(identification_needed(
            &app,
            &ctx,
            &l.body,
            &format!("/dossiers/{}/review", l.d.id),
        ));
    }
    match desk(&app)?.submit(&user, &l.d, rev, ctx.lang).await {
        Ok((d, secret)) if d.intake.is_some() => {
            crate::web::counter_web::received(&app, &ctx, &user, &l.office, &l.body, d, secret)
                .await
        }
        Ok((d, secret)) => Ok(render_with(
            StatusCode::OK,
            ReceiptPage {
                chrome: Chrome::new(&ctx),
                dossier_id: d.id.to_string(),
                code: d.code.clone().unwrap_or_default(),
                secret,
                procedure: l.body.name.get(ctx.lang).to_owned(),
                office: l.office.name.clone(),
                submitted: d
                    .submitted_at
                    .map(|t| fmt_time(&l.office, t))
                    .unwrap_or_default(),
                time: time_label(&tr, &l.body),
            },
        )),
        Err(ServiceError::FormChanged { .. }) => Ok(Redirect::to(&format!(
            "/dossiers/{}/edit?notice=form-changed",
            l.d.id
        ))
        .into_response()),
        Err(ServiceError::Form(errors)) => {
            let raw = l.d.answers.as_object().cloned().unwrap_or_default();
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&app, &ctx, &l, &raw, &errors, None, String::new()),
            ))
        }
        Err(ServiceError::Store(guichet_store::StoreError::Stale(_))) => Ok(Redirect::to(
            &format!("/dossiers/{}?notice=already-submitted", l.d.id),
        )
        .into_response()),
        Err(e) => Err(page_error(&tr, e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The dossier page

pub struct StepForm {
    pub step: &'static str,
    pub label: String,
    pub needs_reason: bool,
    pub danger: bool,
}

pub struct HistoryRow {
    pub at: String,
    pub who: String,
    pub what: String,
    pub note: String,
}

pub struct MessageRow {
    pub at: String,
    pub who: String,
    pub from_applicant: bool,
    pub internal: bool,
    pub body: String,
    pub file: Option<(String, String)>,
}

pub struct FileRow {
    pub id: String,
    pub name: String,
    pub size: String,
    pub sha256: String,
}

#[derive(Template)]
#[template(path = "dossier.html")]
pub struct DossierPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub id: String,
    pub code: String,
    pub procedure: String,
    pub procedure_href: String,
    pub version: i64,
    pub office: String,
    pub office_code: String,
    pub applicant: String,
    pub state: String,
    pub state_code: String,
    pub ds_state: String,
    pub vn_status: String,
    pub submitted: String,
    pub received: String,
    pub due: String,
    pub days_left: String,
    pub timing: String,
    pub timing_code: String,
    pub assignee: String,
    pub rev: i64,
    pub is_agent: bool,
    pub is_applicant: bool,
    pub can_edit: bool,
    pub correcting: bool,
    pub agent_steps: Vec<StepForm>,
    pub applicant_steps: Vec<StepForm>,
    pub agents: Vec<(String, String)>,
    pub answers: Vec<AnswerView>,
    pub files: Vec<FileRow>,
    pub messages: Vec<MessageRow>,
    pub history: Vec<HistoryRow>,
    pub documents: Vec<DocView>,
    pub can_postpone: bool,
    pub can_revoke: bool,
    pub can_rate: bool,
    pub rating: Option<(i64, String)>,
    pub error: Option<String>,
}

fn step_label(tr: &Tr, s: Step) -> String {
    tr.lookup(&format!("step-{}", s.code()))
        .unwrap_or_else(|| s.code().to_owned())
}

fn notice_text(tr: &Tr, key: &str) -> Option<String> {
    const KNOWN: [&str; 9] = [
        "document-revoked",
        "postponed",
        "rated",
        "already-submitted",
        "resubmitted",
        "step-done",
        "message-sent",
        "assigned",
        "bulk-done",
    ];
    KNOWN.contains(&key).then(|| {
        tr.t1(
            "dossier-notice",
            "what",
            tr.lookup(&format!("dossier-notice-{key}"))
                .unwrap_or_default(),
        )
    })
}

/// A procedure's name in `lang` from its published version; its code while nothing is
/// published.
pub(crate) async fn procedure_label(
    app: &App,
    p: &ProcedureRecord,
    lang: Language,
) -> Result<String, PageError> {
    match p.published_version {
        0 => Ok(p.code.clone()),
        v => procedure_name(app, p.id, v, lang).await,
    }
}

/// A procedure version's name, through the cache of immutable versions.
pub(crate) async fn procedure_name(
    app: &App,
    procedure: guichet_core::ProcedureId,
    version: i64,
    lang: Language,
) -> Result<String, PageError> {
    let body = crate::state(app)?
        .versions
        .body(crate::one_stop_store(&*app.store)?, procedure, version)
        .await
        .map_err(|e| page_error(&Tr::new(lang), e))?;
    Ok(body
        .map(|b| b.name.get(lang).to_owned())
        .unwrap_or_default())
}

async fn calendar_of(app: &App, office: &Office) -> Result<OfficeCalendar, PageError> {
    guichet_identity::calendar::office_calendar(crate::one_stop_store(&*app.store)?, office)
        .await
        .map_err(|e| PageError::internal(&e))
}

pub(crate) async fn dossier_page(
    app: &App,
    ctx: &Ctx,
    l: Loaded,
    notice: Option<String>,
    error: Option<String>,
) -> Result<DossierPage, PageError> {
    let tr = ctx.tr();
    let lang = ctx.lang;
    let d = &l.d;
    let is_agent = ctx
        .authorize(crate::authz::work_in_office(d.office_id))
        .is_ok();
    let is_applicant = ctx.authorize(filler(d)).is_ok();
    let st = DState::parse(&d.state).unwrap_or(DState::Draft);
    let cal = calendar_of(app, &l.office).await?;
    let dl = dossier::deadline(d, today(app, &l.office), &cal);
    let mk = |s: Step| StepForm {
        step: s.code(),
        label: step_label(&tr, s),
        needs_reason: s.needs_reason(),
        danger: matches!(s, Step::Reject | Step::Close | Step::Withdraw),
    };
    let agent_steps = if is_agent {
        state::steps_from(st, Party::Agent)
            .into_iter()
            .map(mk)
            .collect()
    } else {
        Vec::new()
    };
    let applicant_steps = if is_applicant {
        state::steps_from(st, Party::Applicant)
            .into_iter()
            .filter(|s| *s == Step::Withdraw)
            .map(mk)
            .collect()
    } else {
        Vec::new()
    };
    let agents = if is_agent {
        guichet_identity::identity_store(&*app.store)?
            .list_users(Some(d.office_id))
            .await?
            .into_iter()
            .filter(|u| u.grants.iter().any(|g| g.office == Some(d.office_id)))
            .map(|u| (u.id.to_string(), u.display_name))
            .collect()
    } else {
        Vec::new()
    };
    let assignee = match d.assigned_to {
        Some(a) => guichet_identity::identity_store(&*app.store)?
            .user(a)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let issued = crate::one_stop_store(&*app.store)?
        .dossier_documents(d.id)
        .await?;
    let files: Vec<_> = crate::one_stop_store(&*app.store)?
        .dossier_files(d.id)
        .await?
        .into_iter()
        .filter(|f| !issued.iter().any(|doc| doc.file_id == f.id))
        .collect();
    let documents = issued
        .iter()
        .map(|doc| doc_view(lang, &l.office, doc))
        .collect();
    let rating = crate::one_stop_store(&*app.store)?
        .rating(d.id)
        .await?
        .map(|r| (r.score, r.comment));
    let can_revoke = ctx
        .authorize(crate::authz::manage_procedures(d.office_id))
        .is_ok();
    let messages = crate::one_stop_store(&*app.store)?
        .dossier_messages(d.id)
        .await?
        .into_iter()
        .filter(|m| is_agent || !m.internal)
        .map(|m| MessageRow {
            at: fmt_time(&l.office, m.at),
            who: m.author_name.clone(),
            from_applicant: m.from_applicant,
            internal: m.internal,
            body: m.body.clone(),
            file: m
                .file_id
                .and_then(|f| files.iter().find(|x| x.id == f))
                .map(|f| (f.id.to_string(), f.name.clone())),
        })
        .collect();
    let history = crate::one_stop_store(&*app.store)?
        .dossier_events(d.id)
        .await?
        .into_iter()
        .map(|e| HistoryRow {
            at: fmt_time(&l.office, e.at),
            who: e.actor_name.clone(),
            what: match Step::parse(&e.action) {
                Some(s) => format!("{} → {}", step_label(&tr, s), state_label(&tr, &e.to_state)),
                None => tr
                    .lookup(&format!("history-{}", e.action))
                    .unwrap_or(e.action.clone()),
            },
            note: e.note,
        })
        .collect();
    let answers = d.answers.as_object().cloned().unwrap_or_default();
    Ok(DossierPage {
        chrome: Chrome::new(ctx),
        notice,
        id: d.id.to_string(),
        code: d.code.clone().unwrap_or_default(),
        procedure: l.body.name.get(lang).to_owned(),
        procedure_href: format!("/procedures/{}/{}", l.office.code, l.procedure.code),
        version: d.procedure_version,
        office: l.office.name.clone(),
        office_code: l.office.code.clone(),
        applicant: d.applicant_name.clone(),
        state: state_label(&tr, &d.state),
        state_code: d.state.clone(),
        ds_state: st.demarches_simplifiees().to_owned(),
        vn_status: st.vn_portal().to_owned(),
        submitted: d
            .submitted_at
            .map(|t| fmt_time(&l.office, t))
            .unwrap_or_default(),
        received: d
            .received_at
            .map(|t| fmt_time(&l.office, t))
            .unwrap_or_default(),
        due: dl.due.map(fmt_date).unwrap_or_default(),
        days_left: dl
            .days_left
            .map(|n| tr.t1("deadline-days-left", "count", n))
            .unwrap_or_default(),
        timing: timing_label(&tr, dl.timing.code()),
        timing_code: dl.timing.code().to_owned(),
        assignee,
        rev: d.rev,
        is_agent,
        is_applicant,
        can_edit: is_applicant && st == DState::Draft,
        correcting: is_applicant && st == DState::AwaitingApplicant,
        agent_steps,
        applicant_steps,
        agents,
        answers: answer_views(&tr, lang, &l.body.form.fields, &answers),
        files: files
            .iter()
            .map(|f| FileRow {
                id: f.id.to_string(),
                name: f.name.clone(),
                size: form::human_size(f.size.max(0) as u64),
                sha256: f.sha256.clone(),
            })
            .collect(),
        messages,
        history,
        documents,
        can_postpone: is_agent && st == DState::Received,
        can_revoke,
        can_rate: is_applicant && st == DState::HandedOver && rating.is_none(),
        rating,
        error,
    })
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(n): Query<NoticeParam>,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    let notice = notice_text(&ctx.tr(), &n.notice);
    let page = dossier_page(&app, &ctx, l, notice, None).await?;
    Ok(render_with(StatusCode::OK, page))
}

/// A step by an agent (receive, correction request, decisions, hand-over) or the applicant
/// (withdrawal).
pub async fn take_step(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    let tr = ctx.tr();
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let step = Step::parse(&form.text("step"))
        .ok_or_else(|| PageError::bad_request(tr.t("svc-illegal-step")))?;
    match step.party() {
        Party::Agent => ctx.authorize(crate::authz::work_in_office(l.d.office_id))?,
        Party::Applicant => ctx.authorize(filler(&l.d))?,
    }
    if step == Step::Submit || step == Step::Resubmit {
        return Err(PageError::bad_request(tr.t("svc-illegal-step")));
    }
    let rev: i64 = form.text("rev").parse().unwrap_or(-1);
    let input = StepInput {
        reason: form.text("reason"),
        answers: None,
        files: Vec::new(),
    };
    match desk(&app)?
        .step(&Actor::user(&user), &l.d, rev, step, input, ctx.lang)
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/dossiers/{}?notice=step-done", d.id)).into_response()),
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::IllegalStep { .. }
            | ServiceError::Store(guichet_store::StoreError::Stale(_))),
        ) => {
            let message = service_message(&tr, &e);
            let status = if matches!(e, ServiceError::Invalid { .. }) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            let l = load(&app, &ctx, &id).await?;
            let page = dossier_page(&app, &ctx, l, None, Some(message)).await?;
            Ok(render_with(status, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

pub async fn send_message(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    let tr = ctx.tr();
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let is_agent = ctx
        .authorize(crate::authz::work_in_office(l.d.office_id))
        .is_ok();
    let is_applicant = ctx
        .authorize(crate::authz::act_as_applicant(l.d.applicant_id))
        .is_ok();
    if !is_agent && !is_applicant {
        return Err(PageError::new(StatusCode::FORBIDDEN, "error-403"));
    }
    let internal = is_agent && form.get("internal").is_some();
    let mut file = None;
    if let Some(upload) = form.file("file") {
        let types: Vec<String> = ["pdf", "jpg", "jpeg", "png", "odt", "docx", "txt"]
            .map(str::to_owned)
            .to_vec();
        let rules = FileRules {
            types: &types,
            max_bytes: 10 * 1024 * 1024,
        };
        match upload_file(&app, &ctx, upload, &rules).await {
            Ok(record) => file = Some(record.id),
            Err(ServiceError::Invalid { key, detail, .. }) => {
                let page = dossier_page(
                    &app,
                    &ctx,
                    l,
                    None,
                    Some(form::message(ctx.lang, key, &detail)),
                )
                .await?;
                return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page));
            }
            Err(e) => return Err(page_error(&tr, e)),
        }
    }
    match desk(&app)?
        .message(
            &Actor::user(&user),
            !is_agent,
            &l.d,
            &form.text("body"),
            internal,
            file,
        )
        .await
    {
        Ok(d) => Ok(
            Redirect::to(&format!("/dossiers/{}?notice=message-sent#messages", d.id))
                .into_response(),
        ),
        Err(e @ ServiceError::Invalid { .. }) => {
            let message = service_message(&tr, &e);
            let page = dossier_page(&app, &ctx, l, None, Some(message)).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

pub async fn assign(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    ctx.authorize(crate::authz::work_in_office(l.d.office_id))?;
    let tr = ctx.tr();
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let to = form.text("assignee");
    let assignee = match to.as_str() {
        "" => None,
        "me" => Some(user.clone()),
        other => {
            let id: UserId = other
                .parse()
                .map_err(|_| PageError::bad_request(tr.t("svc-assignee")))?;
            Some(
                guichet_identity::identity_store(&*app.store)?
                    .user(id)
                    .await?
                    .ok_or_else(|| PageError::bad_request(tr.t("svc-assignee")))?,
            )
        }
    };
    let rev: i64 = form.text("rev").parse().unwrap_or(-1);
    desk(&app)?
        .assign(&Actor::user(&user), &l.d, rev, assignee.as_ref())
        .await
        .map_err(|e| page_error(&tr, e))?;
    Ok(Redirect::to(&format!("/dossiers/{}?notice=assigned", l.d.id)).into_response())
}

/// Downloads a file: its dossier's applicant and office, or its uploader before it is attached.
pub async fn download(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let id: FileId = id.parse().map_err(|_| PageError::not_found())?;
    let file = crate::one_stop_store(&*app.store)?
        .file(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    match file.dossier_id {
        Some(did) => {
            let d = crate::one_stop_store(&*app.store)?
                .dossier(did)
                .await?
                .ok_or_else(PageError::not_found)?;
            ctx.authorize(crate::authz::view_dossier(d.office_id, d.applicant_id))?;
            // An internal note's attachment is for agents only.
            let internal = crate::one_stop_store(&*app.store)?
                .dossier_messages(did)
                .await?
                .iter()
                .any(|m| m.internal && m.file_id == Some(id));
            if internal {
                ctx.authorize(crate::authz::work_in_office(d.office_id))?;
            }
        }
        None => {
            let me = ctx.user.as_ref().map(|u| u.id);
            if me.is_none() || file.uploaded_by != me {
                return Err(PageError::not_found());
            }
        }
    }
    let content = app.files.get(&file).await.map_err(|e| page_error(&tr, e))?;
    let safe: String = file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = content.to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Lists: my dossiers, tracking, the agents' queue

pub struct DossierRow {
    pub id: String,
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    pub state: String,
    pub state_code: String,
    pub submitted: String,
    pub due: String,
    pub timing: String,
    pub timing_code: String,
    pub assignee: String,
}

async fn rows(
    app: &App,
    tr: &Tr,
    lang: Language,
    list: &[DossierRecord],
) -> Result<Vec<DossierRow>, PageError> {
    let mut names = std::collections::HashMap::new();
    let mut offices = std::collections::HashMap::new();
    let mut calendars: std::collections::HashMap<guichet_core::OfficeId, OfficeCalendar> =
        std::collections::HashMap::new();
    let mut users = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for d in list {
        if let std::collections::hash_map::Entry::Vacant(slot) =
            names.entry((d.procedure_id, d.procedure_version))
        {
            slot.insert(procedure_name(app, d.procedure_id, d.procedure_version, lang).await?);
        }
        if !offices.contains_key(&d.office_id) {
            let o = guichet_identity::identity_store(&*app.store)?
                .office(d.office_id)
                .await?
                .ok_or_else(PageError::not_found)?;
            calendars.insert(o.id, calendar_of(app, &o).await?);
            offices.insert(o.id, o);
        }
        let (Some(office), Some(cal)) = (offices.get(&d.office_id), calendars.get(&d.office_id))
        else {
            continue;
        };
        if let Some(a) = d.assigned_to
            && let std::collections::hash_map::Entry::Vacant(slot) = users.entry(a)
        {
            slot.insert(
                guichet_identity::identity_store(&*app.store)?
                    .user(a)
                    .await?
                    .map(|u| u.display_name)
                    .unwrap_or_default(),
            );
        }
        let dl = dossier::deadline(d, today(app, office), cal);
        out.push(DossierRow {
            id: d.id.to_string(),
            code: d.code.clone().unwrap_or_default(),
            procedure: names
                .get(&(d.procedure_id, d.procedure_version))
                .cloned()
                .unwrap_or_default(),
            applicant: d.applicant_name.clone(),
            state: state_label(tr, &d.state),
            state_code: d.state.clone(),
            submitted: d
                .submitted_at
                .map(|t| fmt_time(office, t))
                .unwrap_or_default(),
            due: dl.due.map(fmt_date).unwrap_or_default(),
            timing: timing_label(tr, dl.timing.code()),
            timing_code: dl.timing.code().to_owned(),
            assignee: d
                .assigned_to
                .and_then(|a| users.get(&a).cloned())
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "my_dossiers.html")]
pub struct MyDossiersPage {
    pub chrome: Chrome,
    pub rows: Vec<DossierRow>,
}

pub async fn my_dossiers(State(app): State<App>, ctx: Ctx) -> Result<Html<String>, PageError> {
    ctx.authorize(crate::authz::file_dossier())?;
    let tr = ctx.tr();
    let me = ctx.user.as_ref().map(|u| u.id);
    let list = crate::one_stop_store(&*app.store)?
        .list_dossiers(&DossierQuery {
            applicant: me,
            order: DossierOrder::Newest,
            limit: 200,
            ..DossierQuery::default()
        })
        .await?;
    render(MyDossiersPage {
        chrome: Chrome::new(&ctx),
        rows: rows(&app, &tr, ctx.lang, &list).await?,
    })
}

#[derive(Template)]
#[template(path = "track.html")]
pub struct TrackPage {
    pub chrome: Chrome,
    pub code: String,
    pub error: Option<String>,
    pub found: Option<DossierRow>,
    pub office: String,
    pub history: Vec<HistoryRow>,
}

pub async fn track_form(ctx: Ctx) -> Result<Html<String>, PageError> {
    render(TrackPage {
        chrome: Chrome::new(&ctx),
        code: String::new(),
        error: None,
        found: None,
        office: String::new(),
        history: Vec::new(),
    })
}

/// Looks a dossier up by code and tracking secret, without an account. A wrong pair gives the
/// same answer as an unknown code, and each failure is in the ledger. (The secret has about 60
/// bits, so guessing is hopeless even without a rate limit.)
pub async fn track(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let code = form.text("code").trim().to_uppercase();
    let secret = form.text("secret");
    let mut page = TrackPage {
        chrome: Chrome::new(&ctx),
        code: code.clone(),
        error: None,
        found: None,
        office: String::new(),
        history: Vec::new(),
    };
    let found = match crate::one_stop_store(&*app.store)?
        .dossier_by_code(&code)
        .await?
    {
        Some(d) if dossier::secret_matches(&d, &secret) => Some(d),
        _ => None,
    };
    let Some(d) = found else {
        let audit = Audit::one(
            app.clock.now(),
            Event {
                stream: guichet_ledger::SYSTEM_STREAM.into(),
                actor: ctx.actor(),
                action: "dossier.tracking_failed".into(),
                object_type: "dossier".into(),
                object_id: code.chars().take(60).collect(),
                payload: serde_json::json!({ "client": ctx.client }),
            },
        );
        app.store.record(&audit).await?;
        page.error = Some(tr.t("track-not-found"));
        return Ok(render_with(StatusCode::NOT_FOUND, page));
    };
    let office = guichet_identity::identity_store(&*app.store)?
        .office(d.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    page.office = office.name.clone();
    page.history = crate::one_stop_store(&*app.store)?
        .dossier_events(d.id)
        .await?
        .into_iter()
        .filter(|e| Step::parse(&e.action).is_some())
        .map(|e| HistoryRow {
            at: fmt_time(&office, e.at),
            who: String::new(),
            what: state_label(&tr, &e.to_state),
            note: if e.action == Step::RequestCorrection.code() || e.action == Step::Reject.code() {
                e.note
            } else {
                String::new()
            },
        })
        .collect();
    page.found = rows(&app, &tr, ctx.lang, std::slice::from_ref(&d))
        .await?
        .pop();
    Ok(render_with(StatusCode::OK, page))
}

#[derive(serde::Deserialize, Default)]
pub struct QueueParams {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub procedure: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub mine: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: u32,
    /// After a bulk action: how many dossiers it changed and how many it could not.
    #[serde(default)]
    pub done: Option<u32>,
    #[serde(default)]
    pub failed: Option<u32>,
}

#[derive(Template)]
#[template(path = "queue.html")]
pub struct QueuePage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub office_code: String,
    pub office_name: String,
    pub state: String,
    pub procedure: String,
    pub due: String,
    pub mine: bool,
    pub sort: String,
    pub states: Vec<(String, String)>,
    pub procedures: Vec<(String, String)>,
    pub rows: Vec<DossierRow>,
    pub total: String,
    pub page: u32,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

pub const QUEUE_PAGE: u32 = 50;
/// Queues count up to this many rows, then say "more than".
pub const QUEUE_COUNT_CAP: i64 = 10_000;

/// The filters of an office queue as a store query (shared with the API).
pub fn queue_query(
    app: &App,
    office: &Office,
    cal: &OfficeCalendar,
    p: &QueueParams,
    me: Option<UserId>,
    procedures: &[ProcedureRecord],
) -> DossierQuery {
    let today = today(app, office);
    let states: Vec<String> = match p.state.as_str() {
        "" | "open" => DState::OPEN.iter().map(|s| s.code().to_owned()).collect(),
        "all" => Vec::new(),
        other => DState::parse(other)
            .map(|s| vec![s.code().to_owned()])
            .unwrap_or_default(),
    };
    let due_by = match p.due.as_str() {
        "soon" => cal.add_working_days(today, 2).ok(),
        "late" => today.previous_day(),
        _ => None,
    };
    // Late and due-soon only mean something while the deadline runs.
    let states = if due_by.is_some() {
        vec![DState::Received.code().to_owned()]
    } else {
        states
    };
    DossierQuery {
        office: Some(office.id),
        states,
        procedure: procedures
            .iter()
            .find(|x| x.code == p.procedure)
            .map(|x| x.id),
        assigned_to: if p.mine == "1" { me } else { None },
        due_by,
        order: match p.sort.as_str() {
            "newest" => DossierOrder::Newest,
            "oldest" => DossierOrder::Oldest,
            _ => DossierOrder::DueDate,
        },
        limit: QUEUE_PAGE,
        offset: p.page.saturating_mul(QUEUE_PAGE),
        ..DossierQuery::default()
    }
}

pub async fn queue(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(p): Query<QueueParams>,
) -> Result<Html<String>, PageError> {
    let office = office_by_code(&app, &code).await?;
    ctx.authorize(crate::authz::work_in_office(office.id))?;
    let tr = ctx.tr();
    let cal = calendar_of(&app, &office).await?;
    let procedures = crate::one_stop_store(&*app.store)?
        .list_procedures(Some(office.id))
        .await?;
    let me = ctx.user.as_ref().map(|u| u.id);
    let query = queue_query(&app, &office, &cal, &p, me, &procedures);
    let list = crate::one_stop_store(&*app.store)?
        .list_dossiers(&query)
        .await?;
    let total = crate::one_stop_store(&*app.store)?
        .count_dossiers(&query, QUEUE_COUNT_CAP + 1)
        .await?;
    let total_text = if total > QUEUE_COUNT_CAP {
        tr.t1("queue-more-than", "count", QUEUE_COUNT_CAP)
    } else {
        tr.t1("queue-count", "count", total)
    };
    let link = |page: u32| {
        format!(
            "/offices/{}/dossiers?state={}&procedure={}&due={}&mine={}&sort={}&page={page}",
            office.code, p.state, p.procedure, p.due, p.mine, p.sort
        )
    };
    let has_next = i64::from(p.page + 1) * i64::from(QUEUE_PAGE) < total;
    let mut proc_names = Vec::new();
    for pr in &procedures {
        let name = procedure_name(&app, pr.id, pr.latest_version, ctx.lang).await?;
        proc_names.push((pr.code.clone(), format!("{} – {name}", pr.code)));
    }
    let mut states = vec![
        ("open".to_owned(), tr.t("queue-open")),
        ("all".to_owned(), tr.t("queue-all")),
    ];
    states.extend(
        DState::ALL
            .iter()
            .filter(|s| **s != DState::Draft)
            .map(|s| (s.code().to_owned(), state_label(&tr, s.code()))),
    );
    render(QueuePage {
        chrome: Chrome::new(&ctx),
        notice: p.done.map(|done| {
            tr.tn(
                "queue-bulk-result",
                &[
                    ("done", done.to_string()),
                    ("failed", p.failed.unwrap_or(0).to_string()),
                ],
            )
        }),
        office_code: office.code.clone(),
        office_name: office.name.clone(),
        state: if p.state.is_empty() {
            "open".into()
        } else {
            p.state.clone()
        },
        procedure: p.procedure.clone(),
        due: p.due.clone(),
        mine: p.mine == "1",
        sort: p.sort.clone(),
        states,
        procedures: proc_names,
        rows: rows(&app, &tr, ctx.lang, &list).await?,
        total: total_text,
        page: p.page,
        prev_href: (p.page > 0).then(|| link(p.page - 1)),
        next_href: has_next.then(|| link(p.page + 1)),
    })
}

/// Bulk actions on the selected dossiers of a queue: receive them, or take them.
pub async fn bulk(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &code).await?;
    ctx.authorize(crate::authz::work_in_office(office.id))?;
    let tr = ctx.tr();
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let actor = Actor::user(&user);
    let action = form.text("bulk");
    let desk = desk(&app)?;
    let mut failed = 0;
    for (_, id) in form.fields.iter().filter(|(k, _)| k == "id") {
        let Ok(id) = id.parse::<DossierId>() else {
            continue;
        };
        let Some(d) = crate::one_stop_store(&*app.store)?.dossier(id).await? else {
            continue;
        };
        // Each dossier is checked: a forged id of another office is refused, not acted on.
        if d.office_id != office.id {
            failed += 1;
            continue;
        }
        let result = match action.as_str() {
            "receive" => desk
                .step(
                    &actor,
                    &d,
                    d.rev,
                    Step::Receive,
                    StepInput::default(),
                    ctx.lang,
                )
                .await
                .map(|_| ()),
            "assign_me" => desk
                .assign(&actor, &d, d.rev, Some(&user))
                .await
                .map(|_| ()),
            _ => return Err(PageError::bad_request(tr.t("svc-illegal-step"))),
        };
        if result.is_err() {
            failed += 1;
        }
    }
    let done = form.fields.iter().filter(|(k, _)| k == "id").count() - failed;
    Ok(Redirect::to(&format!(
        "/offices/{}/dossiers?done={done}&failed={failed}",
        office.code
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels looked up by computed keys, which the static key test cannot see.
    #[test]
    fn every_state_timing_step_and_service_message_has_a_label() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(DState::ALL.iter().map(|s| format!("state-{}", s.code())));
        keys.extend(Step::ALL.iter().map(|s| format!("step-{}", s.code())));
        keys.extend(
            ServiceLevel::ALL
                .iter()
                .map(|l| format!("level-{}", l.code())),
        );
        keys.extend(["original", "copy", "certified_copy"].map(|d| format!("docform-{d}")));
        keys.extend(["draft", "published", "retired"].map(|v| format!("version-{v}")));
        keys.extend(["draft_started", "assign"].map(|h| format!("history-{h}")));
        keys.extend(
            [
                "already-submitted",
                "resubmitted",
                "step-done",
                "message-sent",
                "assigned",
                "bulk-done",
            ]
            .map(|n| format!("dossier-notice-{n}")),
        );
        let timings = [
            dossier::Timing::NoDeadline,
            dossier::Timing::OnTrack,
            dossier::Timing::DueSoon,
            dossier::Timing::Overdue,
            dossier::Timing::Paused,
            dossier::Timing::Early,
            dossier::Timing::OnTime,
            dossier::Timing::Late,
        ];
        keys.extend(timings.iter().map(|t| format!("timing-{}", t.code())));
        // Every `invalid("…")` key of the slice's services and of the platform's files has a
        // message.
        for file in [
            "src/dossier.rs",
            "src/procedure.rs",
            "../../platform/common/src/files.rs",
            "src/form.rs",
        ] {
            let text =
                std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            for part in text.split("invalid(").skip(1) {
                let Some(rest) = part.trim_start().strip_prefix('"') else {
                    continue;
                };
                if let Some(end) = rest.find('"') {
                    keys.push(format!("svc-{}", &rest[..end]));
                }
            }
        }
        assert!(keys.len() > 60, "{keys:?}");
        guichet_web::i18n::register("one_stop", MESSAGES).unwrap();
        for lang in Language::ALL {
            let tr = Tr::new(lang);
            let missing: Vec<&String> = keys.iter().filter(|k| tr.lookup(k).is_none()).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
    }
}

/// A document as listed on its dossier's page.
pub struct DocView {
    pub id: String,
    pub title: String,
    pub issued: String,
    pub file_id: String,
    pub verify_href: String,
    pub revoked: Option<String>,
}

pub fn doc_view(lang: Language, office: &Office, doc: &crate::store::DocumentRecord) -> DocView {
    let title = guichet_documents::DocumentKind::parse(&doc.kind)
        .map(|k| k.title(lang.code()).to_owned())
        .unwrap_or_else(|| doc.kind.clone());
    DocView {
        id: doc.id.to_string(),
        title,
        issued: fmt_time(office, doc.issued_at),
        file_id: doc.file_id.to_string(),
        verify_href: format!("/verify/{}?s={}", doc.id, doc.qr_signature),
        revoked: doc.revoked_at.map(|at| {
            format!(
                "{} — {}",
                fmt_time(office, at),
                doc.revoke_reason.clone().unwrap_or_default()
            )
        }),
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/procedures" => get(catalogue),
    "/procedures/{office}/{code}" => get(procedure_page),
    "/procedures/{office}/{code}/start" => post(start),
    "/dossiers/{id}" => get(show),
    "/dossiers/{id}/edit" => get(edit_form).post(edit_save),
    "/dossiers/{id}/review" => get(review),
    "/dossiers/{id}/submit" => post(submit),
    "/dossiers/{id}/step" => post(take_step),
    "/dossiers/{id}/messages" => post(send_message),
    "/dossiers/{id}/assign" => post(assign),
    "/files/{id}" => get(download),
    "/my/dossiers" => get(my_dossiers),
    "/track" => get(track_form).post(track),
    "/offices/{code}/dossiers" => get(queue),
    "/offices/{code}/dossiers/bulk" => post(bulk),
}

/// The slice's messages, compiled in (registered once, with this module's slice).
pub const MESSAGES: guichet_web::i18n::SliceMessages = &[
    ("vi", include_str!("../../locales/vi/one_stop.ftl")),
    ("fr", include_str!("../../locales/fr/one_stop.ftl")),
    ("en", include_str!("../../locales/en/one_stop.ftl")),
];

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[
        guichet_web::OfficeLink {
            order: 10,
            href: "/offices/{code}/dossiers",
            key: "home-queue",
            visible: |ctx, office| ctx.authorize(crate::authz::work_in_office(office)).is_ok(),
        },
        guichet_web::OfficeLink {
            order: 20,
            href: "/offices/{code}/procedures",
            key: "home-procedures-admin",
            visible: |ctx, office| {
                ctx.authorize(crate::authz::manage_procedures(office))
                    .is_ok()
            },
        },
    ],
    messages: MESSAGES,
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "one_stop",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[
        guichet_web::NavItem {
            menu: guichet_web::Menu::Main,
            order: 20,
            href: "/procedures",
            key: "nav-procedures",
            visible: guichet_web::always,
            current: |p| p.starts_with("/procedures"),
        },
        guichet_web::NavItem {
            menu: guichet_web::Menu::Main,
            order: 30,
            href: "/my/dossiers",
            key: "nav-my-dossiers",
            visible: |ctx| ctx.authorize(crate::authz::file_dossier()).is_ok(),
            current: |p| p == "/my/dossiers",
        },
        guichet_web::NavItem {
            menu: guichet_web::Menu::Main,
            order: 40,
            href: "/track",
            key: "nav-track",
            visible: guichet_web::always,
            current: |p| p == "/track",
        },
    ],
};

//! The slice's pages and API: the agreements list (with the form for a new one), an
//! agreement's page with its timeline, activities, follow-up actions and documents (with the
//! forms that add them), the CSV and IATI exports, and the JSON API under `/api/v1/cooperation`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_core::authz::Action;
use guichet_store::Office;
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::{ApiError, PageError, Problem};
use guichet_web::form_data::FormData;
use guichet_web::i18n::Tr;
use guichet_web::json::ApiJson;
use serde_json::{Value, json};
use time::Date;

use crate::authz::{MANAGE, RECORD, VIEW};
use crate::export::{self, text_in};
use crate::model::{
    ActionId, ActivityId, ActivityKind, Agreement, FIELDS, NewActivity, NewAgreement, NewFollowUp,
    Participation, Party, TEXT_LANGUAGES, Texts,
};
use crate::service::{AgreementFile, CoopError, Cooperation, TimelineItem};
use crate::store::CooperationStore;

/// The service over the application's stores. The cooperation tables come with the slice's
/// migrations; a store without them (another kind of store) is a server error.
fn service(app: &App) -> Result<Cooperation<'_>, CoopError> {
    let store: &dyn CooperationStore =
        guichet_store_sql::slice_store!(&*app.store, dyn CooperationStore)
            .ok_or_else(|| CoopError::Store(guichet_store_sql::missing_slice("cooperation")))?;
    Ok(Cooperation {
        store,
        identity: guichet_identity::identity_store(&*app.store).map_err(CoopError::Store)?,
        records: guichet_records::records_store(&*app.store).map_err(CoopError::Store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
    })
}

fn page_error(tr: &Tr, e: CoopError) -> PageError {
    match &e {
        CoopError::Invalid(i) => {
            PageError::bad_request(tr.lookup(i.key).unwrap_or(i.detail.clone()))
        }
        CoopError::NotFound(_) | CoopError::Store(guichet_store::StoreError::NotFound(_)) => {
            PageError::not_found()
        }
        CoopError::Store(
            guichet_store::StoreError::Conflict(_) | guichet_store::StoreError::Stale(_),
        ) => PageError {
            status: StatusCode::CONFLICT,
            key: "error-409",
            detail: Some(message(tr, &e)),
        },
        CoopError::Store(s) => PageError::internal(s),
    }
}

/// The error in the visitor's language (rules and conflicts), for a form.
fn message(tr: &Tr, e: &CoopError) -> String {
    match e {
        CoopError::Invalid(i) => tr.lookup(i.key).unwrap_or(i.detail.clone()),
        CoopError::Store(guichet_store::StoreError::Conflict(_)) => tr.t("coop-conflict"),
        CoopError::Store(guichet_store::StoreError::Stale(_)) => tr.t("coop-done-already"),
        other => other.to_string(),
    }
}

fn api_error(e: CoopError) -> ApiError {
    match &e {
        CoopError::Invalid(i) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, i.key, i.detail.clone())
        }
        CoopError::NotFound(_) | CoopError::Store(guichet_store::StoreError::NotFound(_)) => {
            ApiError::new(StatusCode::NOT_FOUND, "not-found", e.to_string())
        }
        CoopError::Store(
            guichet_store::StoreError::Conflict(_) | guichet_store::StoreError::Stale(_),
        ) => ApiError::new(StatusCode::CONFLICT, e.key(), e.to_string()),
        CoopError::Store(s) => ApiError::internal(s),
    }
}

/// Whether a form error is the visitor's (shown on the form again) rather than the server's.
fn is_form_error(e: &CoopError) -> bool {
    matches!(
        e,
        CoopError::Invalid(_)
            | CoopError::Store(
                guichet_store::StoreError::Conflict(_) | guichet_store::StoreError::Stale(_)
            )
    )
}

fn parse_day(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

fn field_label(tr: &Tr, code: &str) -> String {
    tr.lookup(&format!("coop-field-{code}"))
        .unwrap_or_else(|| code.to_owned())
}

fn kind_label(tr: &Tr, kind: ActivityKind) -> String {
    tr.t(&format!("coop-kind-{}", kind.code()))
}

fn lang_code(ctx: &Ctx) -> &'static str {
    ctx.lang.code()
}

fn texts_of(form: &FormData, prefix: &str) -> Texts {
    TEXT_LANGUAGES
        .iter()
        .map(|l| ((*l).to_owned(), form.text(&format!("{prefix}_{l}"))))
        .filter(|(_, t)| !t.trim().is_empty())
        .collect()
}

/// A date field: `Ok(None)` when empty, an error message key when not a date.
fn day_field(form: &FormData, name: &str) -> Result<Date, &'static str> {
    parse_day(&form.text(name)).ok_or("coop-invalid-date")
}

// ------------------------------------------------------------------ the agreements list

pub struct AgreementLine {
    pub code: String,
    pub title: String,
    pub parties: String,
    pub signed_on: String,
    pub period: String,
    pub activities: usize,
    pub open_actions: usize,
    pub overdue_actions: usize,
}

/// The values of the new-agreement form, kept when it is shown again with an error.
#[derive(Default)]
pub struct AgreementForm {
    pub office: String,
    pub code: String,
    pub title_vi: String,
    pub title_fr: String,
    pub title_en: String,
    pub summary: String,
    pub party_1: String,
    pub country_1: String,
    pub party_2: String,
    pub country_2: String,
    pub signed_on: String,
    pub signed_in: String,
    pub starts_on: String,
    pub ends_on: String,
    pub fields: Vec<String>,
}

impl AgreementForm {
    fn of(form: &FormData) -> Self {
        Self {
            office: form.text("office"),
            code: form.text("code"),
            title_vi: form.text("title_vi"),
            title_fr: form.text("title_fr"),
            title_en: form.text("title_en"),
            summary: form.text("summary"),
            party_1: form.text("party_1"),
            country_1: form.text("country_1"),
            party_2: form.text("party_2"),
            country_2: form.text("country_2"),
            signed_on: form.text("signed_on"),
            signed_in: form.text("signed_in"),
            starts_on: form.text("starts_on"),
            ends_on: form.text("ends_on"),
            fields: form
                .fields
                .iter()
                .filter(|(k, _)| k == "field")
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }

    fn checked(&self, code: &&str) -> bool {
        self.fields.iter().any(|f| f == code)
    }
}

#[derive(Template)]
#[template(path = "cooperation.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub agreements: Vec<AgreementLine>,
    /// Offices the visitor may register agreements for (code, name).
    pub offices: Vec<(String, String)>,
    pub fields: Vec<(&'static str, String)>,
    pub form: AgreementForm,
    pub error: Option<String>,
}

async fn files_of(
    coop: &Cooperation<'_>,
    agreements: Vec<Agreement>,
) -> Result<Vec<AgreementFile>, CoopError> {
    let mut files = Vec::with_capacity(agreements.len());
    for a in agreements {
        files.push(coop.file(&a.code).await?);
    }
    Ok(files)
}

async fn list_page(
    app: &App,
    ctx: &Ctx,
    form: AgreementForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    ctx.authorize(VIEW.on(None, None))?;
    let coop = service(app).map_err(|e| page_error(&tr, e))?;
    let agreements = coop.store.agreements(None).await?;
    let files = files_of(&coop, agreements)
        .await
        .map_err(|e| page_error(&tr, e))?;
    let lang = lang_code(ctx);
    let lines = files
        .iter()
        .map(|f| {
            let today = coop.today(&f.office);
            let a = &f.agreement;
            AgreementLine {
                code: a.code.clone(),
                title: text_in(&a.titles, lang).to_owned(),
                parties: a
                    .parties
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" · "),
                signed_on: a.signed_on.to_string(),
                period: format!("{} – {}", a.starts_on, a.ends_on),
                activities: f.activities.len(),
                open_actions: f.follow_ups.iter().filter(|x| x.done_on.is_none()).count(),
                overdue_actions: f.follow_ups.iter().filter(|x| x.is_overdue(today)).count(),
            }
        })
        .collect();
    let offices = guichet_identity::lookup::offices_where(app, ctx, |o| MANAGE.on(Some(o), None))
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    Ok(render_with(
        status,
        ListPage {
            chrome: Chrome::new(ctx),
            agreements: lines,
            offices,
            fields: FIELDS.iter().map(|f| (*f, field_label(&tr, f))).collect(),
            form,
            error,
        },
    ))
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Response, PageError> {
    list_page(&app, &ctx, AgreementForm::default(), None, StatusCode::OK).await
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = guichet_identity::lookup::office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(MANAGE.on(Some(office.id), None))?;
    let values = AgreementForm::of(&form);
    let dates = (
        day_field(&form, "signed_on"),
        day_field(&form, "starts_on"),
        day_field(&form, "ends_on"),
    );
    let (Ok(signed_on), Ok(starts_on), Ok(ends_on)) = dates else {
        let error = tr.t("coop-invalid-date");
        return list_page(
            &app,
            &ctx,
            values,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let new = NewAgreement {
        code: values.code.clone(),
        titles: texts_of(&form, "title"),
        summary: values.summary.clone(),
        parties: vec![
            Party {
                name: values.party_1.clone(),
                country: values.country_1.clone(),
            },
            Party {
                name: values.party_2.clone(),
                country: values.country_2.clone(),
            },
        ],
        fields: values.fields.clone(),
        signed_on,
        signed_in: values.signed_in.clone(),
        starts_on,
        ends_on,
    };
    let coop = service(&app).map_err(|e| page_error(&tr, e))?;
    match coop.create_agreement(&office, &ctx.actor(), new).await {
        Ok(a) => Ok(Redirect::to(&format!("/cooperation/{}", a.code)).into_response()),
        Err(e) if is_form_error(&e) => {
            let error = message(&tr, &e);
            list_page(
                &app,
                &ctx,
                values,
                Some(error),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

// ------------------------------------------------------------------ one agreement

pub struct TimelineLine {
    pub date: String,
    pub what: String,
    pub text: String,
    pub class: &'static str,
}

pub struct ActivityLine {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub dates: String,
    pub place: String,
    pub participants: Vec<Participation>,
    pub women: u32,
    pub men: u32,
    pub outcomes: String,
}

pub struct ActionLine {
    pub id: String,
    pub activity: String,
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub done_on: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "cooperation_agreement.html")]
pub struct AgreementPage {
    pub chrome: Chrome,
    pub code: String,
    pub title: String,
    pub other_titles: Vec<String>,
    pub summary: String,
    pub office: String,
    pub parties: Vec<String>,
    pub fields: Vec<String>,
    pub signed: String,
    pub period: String,
    pub timeline: Vec<TimelineLine>,
    pub activities: Vec<ActivityLine>,
    pub actions: Vec<ActionLine>,
    /// (record id, title)
    pub documents: Vec<(String, String)>,
    pub can_record: bool,
    pub kinds: Vec<(&'static str, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

fn agreement_action(a: &Agreement) -> Action {
    RECORD.on(Some(a.office_id), Some(a.id.as_uuid()))
}

async fn agreement_page(
    app: &App,
    ctx: &Ctx,
    code: &str,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    ctx.authorize(VIEW.on(None, None))?;
    let coop = service(app).map_err(|e| page_error(&tr, e))?;
    let file = coop.file(code).await.map_err(|e| page_error(&tr, e))?;
    let today = coop.today(&file.office);
    let lang = lang_code(ctx);
    let a = &file.agreement;
    let title_of = |id: ActivityId| {
        file.activity(id)
            .map(|x| text_in(&x.titles, lang).to_owned())
            .unwrap_or_default()
    };
    let timeline = file
        .timeline()
        .into_iter()
        .map(|(day, item)| match item {
            TimelineItem::Signed => TimelineLine {
                date: day.to_string(),
                what: tr.t("coop-signed"),
                text: a.signed_in.clone(),
                class: "milestone",
            },
            TimelineItem::Starts => TimelineLine {
                date: day.to_string(),
                what: tr.t("coop-starts"),
                text: String::new(),
                class: "milestone",
            },
            TimelineItem::Ends => TimelineLine {
                date: day.to_string(),
                what: tr.t("coop-ends"),
                text: String::new(),
                class: "milestone",
            },
            TimelineItem::Activity(x) => TimelineLine {
                date: day.to_string(),
                what: kind_label(&tr, x.kind),
                text: format!("{} — {}", text_in(&x.titles, lang), x.place),
                class: "activity",
            },
            TimelineItem::FollowUp(f) => TimelineLine {
                date: day.to_string(),
                what: if f.done_on.is_some() {
                    tr.t("coop-action-done")
                } else if f.is_overdue(today) {
                    tr.t("coop-action-overdue")
                } else {
                    tr.t("coop-action-due")
                },
                text: format!("{} ({})", f.description, f.owner),
                class: if f.is_overdue(today) {
                    "overdue"
                } else {
                    "action"
                },
            },
        })
        .collect();
    let activities = file
        .activities
        .iter()
        .map(|x| ActivityLine {
            id: x.id.to_string(),
            kind: kind_label(&tr, x.kind),
            title: text_in(&x.titles, lang).to_owned(),
            dates: if x.starts_on == x.ends_on {
                x.starts_on.to_string()
            } else {
                format!("{} – {}", x.starts_on, x.ends_on)
            },
            place: format!("{} ({})", x.place, x.country),
            participants: x.participants.clone(),
            women: x.women(),
            men: x.men(),
            outcomes: x.outcomes.clone(),
        })
        .collect();
    let actions = file
        .follow_ups
        .iter()
        .map(|f| ActionLine {
            id: f.id.to_string(),
            activity: title_of(f.activity_id),
            description: f.description.clone(),
            owner: f.owner.clone(),
            due_on: f.due_on.to_string(),
            done_on: f.done_on.map(|d| d.to_string()).unwrap_or_default(),
            overdue: f.is_overdue(today),
        })
        .collect();
    let mut documents = Vec::new();
    for d in &file.documents {
        let title = guichet_records::records_store(&*app.store)?
            .record_row(guichet_core::RecordId(d.record_id))
            .await?
            .map(|r| r.title)
            .unwrap_or_default();
        documents.push((d.record_id.to_string(), title));
    }
    let page = AgreementPage {
        chrome: Chrome::new(ctx),
        code: a.code.clone(),
        title: text_in(&a.titles, lang).to_owned(),
        other_titles: a
            .titles
            .iter()
            .filter(|(l, _)| l.as_str() != lang && a.titles.contains_key(lang))
            .map(|(_, t)| t.clone())
            .collect(),
        summary: a.summary.clone(),
        office: file.office.name.clone(),
        parties: a
            .parties
            .iter()
            .map(|p| format!("{} ({})", p.name, p.country))
            .collect(),
        fields: a.fields.iter().map(|f| field_label(&tr, f)).collect(),
        signed: format!("{} · {}", a.signed_on, a.signed_in),
        period: format!("{} – {}", a.starts_on, a.ends_on),
        timeline,
        activities,
        actions,
        documents,
        can_record: ctx.authorize(agreement_action(a)).is_ok(),
        kinds: ActivityKind::ALL
            .iter()
            .map(|k| (k.code(), kind_label(&tr, *k)))
            .collect(),
        error,
        notice,
    };
    Ok(render_with(status, page))
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeParams {
    #[serde(default)]
    pub notice: String,
}

pub async fn agreement(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(p): Query<NoticeParams>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let notice = [
        "coop-activity-added",
        "coop-action-added",
        "coop-action-completed",
        "coop-document-linked",
    ]
    .into_iter()
    .find(|k| *k == p.notice)
    .map(|k| tr.t(k));
    agreement_page(&app, &ctx, &code, None, notice, StatusCode::OK).await
}

/// The service and the agreement `code`, for a visitor allowed to record under it.
async fn recording<'a>(
    app: &'a App,
    ctx: &Ctx,
    code: &str,
) -> Result<(Cooperation<'a>, Agreement), PageError> {
    let tr = ctx.tr();
    let coop = service(app).map_err(|e| page_error(&tr, e))?;
    let agreement = coop.agreement(code).await.map_err(|e| page_error(&tr, e))?;
    ctx.authorize(agreement_action(&agreement))?;
    Ok((coop, agreement))
}

/// After a change: back to the agreement's page with `notice`, or the page again with the
/// visitor's error.
async fn finish<T>(
    app: &App,
    ctx: &Ctx,
    agreement: &Agreement,
    notice: &str,
    result: Result<T, CoopError>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/cooperation/{}?notice={notice}", agreement.code))
                .into_response(),
        ),
        Err(e) if is_form_error(&e) => {
            let error = message(&tr, &e);
            agreement_page(
                app,
                ctx,
                &agreement.code,
                Some(error),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

fn count(form: &FormData, name: &str) -> Result<u32, CoopError> {
    let text = form.text(name);
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse().map_err(|_| {
        CoopError::Invalid(crate::model::Invalid {
            key: "coop-invalid-count",
            detail: format!("{text:?} is not a number of people"),
        })
    })
}

fn invalid_date() -> CoopError {
    CoopError::Invalid(crate::model::Invalid {
        key: "coop-invalid-date",
        detail: "a date is YYYY-MM-DD".into(),
    })
}

pub async fn add_activity(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let (coop, agreement) = recording(&app, &ctx, &code).await?;
    let result = async {
        let kind = ActivityKind::parse(&form.text("kind")).ok_or_else(|| {
            CoopError::Invalid(crate::model::Invalid {
                key: "coop-invalid-kind",
                detail: "unknown kind of activity".into(),
            })
        })?;
        let starts_on = parse_day(&form.text("starts_on")).ok_or_else(invalid_date)?;
        let ends_on = match form.text("ends_on").trim() {
            "" => starts_on,
            d => parse_day(d).ok_or_else(invalid_date)?,
        };
        let mut participants = Vec::new();
        for i in 1..=3 {
            participants.push(Participation {
                office: form.text(&format!("office_{i}")),
                women: count(&form, &format!("women_{i}"))?,
                men: count(&form, &format!("men_{i}"))?,
            });
        }
        let new = NewActivity {
            kind,
            titles: texts_of(&form, "title"),
            starts_on,
            ends_on,
            place: form.text("place"),
            country: form.text("country"),
            participants,
            outcomes: form.text("outcomes"),
        };
        coop.record_activity(&agreement, &ctx.actor(), new).await
    }
    .await;
    finish(&app, &ctx, &agreement, "coop-activity-added", result).await
}

pub async fn add_action(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let (coop, agreement) = recording(&app, &ctx, &code).await?;
    let result = async {
        let activity: ActivityId = form
            .text("activity")
            .parse()
            .map_err(|_| CoopError::NotFound("activity".into()))?;
        let new = NewFollowUp {
            description: form.text("description"),
            owner: form.text("owner"),
            due_on: parse_day(&form.text("due_on")).ok_or_else(invalid_date)?,
        };
        coop.add_follow_up(&agreement, activity, &ctx.actor(), new)
            .await
    }
    .await;
    finish(&app, &ctx, &agreement, "coop-action-added", result).await
}

pub async fn complete_action(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id: ActionId = id.parse().map_err(|_| PageError::not_found())?;
    let (coop, agreement) = recording(&app, &ctx, &code).await?;
    let result = coop.complete_follow_up(&agreement, id, &ctx.actor()).await;
    finish(&app, &ctx, &agreement, "coop-action-completed", result).await
}

pub async fn link_document(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let (coop, agreement) = recording(&app, &ctx, &code).await?;
    let result = async {
        let record = uuid::Uuid::parse_str(form.text("record").trim()).map_err(|_| {
            CoopError::Invalid(crate::model::Invalid {
                key: "coop-invalid-record",
                detail: "a record is named by its identifier".into(),
            })
        })?;
        coop.link_document(&agreement, record, &ctx.actor()).await
    }
    .await;
    finish(&app, &ctx, &agreement, "coop-document-linked", result).await
}

// ------------------------------------------------------------------ exports

#[derive(serde::Deserialize, Default)]
pub struct ExportParams {
    /// One agreement's code; every agreement when left out.
    #[serde(default)]
    pub agreement: String,
    /// The reporting organisation's IATI identifier (IATI export).
    #[serde(default)]
    pub org: String,
}

async fn chosen(
    coop: &Cooperation<'_>,
    tr: &Tr,
    p: &ExportParams,
) -> Result<Vec<AgreementFile>, PageError> {
    if p.agreement.trim().is_empty() {
        let all = coop.store.agreements(None).await?;
        files_of(coop, all).await.map_err(|e| page_error(tr, e))
    } else {
        Ok(vec![
            coop.file(&p.agreement)
                .await
                .map_err(|e| page_error(tr, e))?,
        ])
    }
}

fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

pub async fn export_csv(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ExportParams>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    ctx.authorize(VIEW.on(None, None))?;
    let coop = service(&app).map_err(|e| page_error(&tr, e))?;
    let files = chosen(&coop, &tr, &p).await?;
    let today = app.clock.now().date();
    let body = export::csv(&files, lang_code(&ctx), today).map_err(|e| PageError::internal(&e))?;
    Ok(download(
        "text/csv; charset=utf-8",
        "cooperation-activities.csv",
        body,
    ))
}

/// The reporting organisation: its IATI identifier as given, else a provisional one made from
/// the office code (an office should register its own, see org-id.guide).
fn reporting_org(p: &ExportParams, office: Option<&Office>) -> (String, String) {
    let name = office
        .map(|o| o.name.clone())
        .unwrap_or_else(|| "guichet".into());
    let given: String = p
        .org
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .take(60)
        .collect();
    if given.is_empty() {
        let code = office.map(|o| o.code.as_str()).unwrap_or("INSTANCE");
        (format!("XI-GUICHET-{code}"), name)
    } else {
        (given, name)
    }
}

pub async fn export_iati(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ExportParams>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    ctx.authorize(VIEW.on(None, None))?;
    let coop = service(&app).map_err(|e| page_error(&tr, e))?;
    let files = chosen(&coop, &tr, &p).await?;
    let (org, name) = reporting_org(&p, files.first().map(|f| &f.office));
    let now = app.clock.now();
    let body =
        export::iati(&files, &org, &name, now, now.date()).map_err(|e| PageError::internal(&e))?;
    Ok(download(
        "application/xml",
        "cooperation-iati-activities.xml",
        body,
    ))
}

// ------------------------------------------------------------------ JSON API

fn agreement_json(f: &AgreementFile, today: Date) -> Value {
    json!({
        "agreement": f.agreement,
        "office": f.office.code,
        "activities": f.activities,
        "follow_ups": f.follow_ups.iter().map(|x| {
            let mut v = json!(x);
            v["overdue"] = json!(x.is_overdue(today));
            v
        }).collect::<Vec<_>>(),
        "documents": f.documents,
    })
}

#[utoipa::path(get, path = "/api/v1/cooperation/agreements", tag = "cooperation",
    responses((status = 200, description = "Every agreement, newest signature first, with its office code", body = [Object])))]
pub async fn api_agreements(
    State(app): State<App>,
    ctx: Ctx,
) -> Result<axum::Json<Value>, ApiError> {
    ctx.authorize(VIEW.on(None, None))?;
    let coop = service(&app).map_err(api_error)?;
    let all = coop.store.agreements(None).await?;
    let mut out = Vec::new();
    for a in all {
        let office = coop.office_of(&a).await.map_err(api_error)?;
        out.push(json!({ "office": office.code, "agreement": a }));
    }
    Ok(axum::Json(Value::Array(out)))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct CreateAgreement {
    /// The office the agreement belongs to (its code).
    pub office: String,
    #[serde(flatten)]
    pub agreement: NewAgreement,
}

#[utoipa::path(post, path = "/api/v1/cooperation/agreements", tag = "cooperation",
    request_body = CreateAgreement,
    responses((status = 201, description = "The agreement, registered", body = Object),
        (status = 401, description = "Not logged in", body = Problem),
        (status = 403, description = "Not an administrator of the office", body = Problem),
        (status = 404, description = "No such office", body = Problem),
        (status = 409, description = "The code is taken", body = Problem),
        (status = 422, description = "A rule is broken", body = Problem)))]
pub async fn api_create(
    State(app): State<App>,
    ctx: Ctx,
    ApiJson(body): ApiJson<CreateAgreement>,
) -> Result<Response, ApiError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(&body.office)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such office"))?;
    ctx.authorize(MANAGE.on(Some(office.id), None))?;
    let coop = service(&app).map_err(api_error)?;
    let a = coop
        .create_agreement(&office, &ctx.actor(), body.agreement)
        .await
        .map_err(api_error)?;
    Ok((StatusCode::CREATED, axum::Json(json!(a))).into_response())
}

#[utoipa::path(get, path = "/api/v1/cooperation/agreements/{code}", tag = "cooperation",
    params(("code" = String, Path, description = "Agreement code")),
    responses((status = 200, description = "The agreement with its activities, follow-up actions and documents", body = Object),
        (status = 404, description = "No such agreement", body = Problem)))]
pub async fn api_agreement(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    ctx.authorize(VIEW.on(None, None))?;
    let coop = service(&app).map_err(api_error)?;
    let file = coop.file(&code).await.map_err(api_error)?;
    Ok(axum::Json(agreement_json(&file, coop.today(&file.office))))
}

async fn recordable<'a>(
    app: &'a App,
    ctx: &Ctx,
    code: &str,
) -> Result<(Cooperation<'a>, Agreement), ApiError> {
    let coop = service(app).map_err(api_error)?;
    let agreement = coop.agreement(code).await.map_err(api_error)?;
    ctx.authorize(agreement_action(&agreement))?;
    Ok((coop, agreement))
}

#[utoipa::path(post, path = "/api/v1/cooperation/agreements/{code}/activities", tag = "cooperation",
    params(("code" = String, Path, description = "Agreement code")),
    request_body = NewActivity,
    responses((status = 201, description = "The activity, recorded", body = Object),
        (status = 401, description = "Not logged in", body = Problem),
        (status = 403, description = "Not allowed to record under this agreement", body = Problem),
        (status = 404, description = "No such agreement", body = Problem),
        (status = 422, description = "A rule is broken", body = Problem)))]
pub async fn api_add_activity(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NewActivity>,
) -> Result<Response, ApiError> {
    let (coop, agreement) = recordable(&app, &ctx, &code).await?;
    let a = coop
        .record_activity(&agreement, &ctx.actor(), body)
        .await
        .map_err(api_error)?;
    Ok((StatusCode::CREATED, axum::Json(json!(a))).into_response())
}

#[utoipa::path(post, path = "/api/v1/cooperation/agreements/{code}/activities/{activity}/actions", tag = "cooperation",
    params(("code" = String, Path, description = "Agreement code"), ("activity" = String, Path, description = "Activity id")),
    request_body = NewFollowUp,
    responses((status = 201, description = "The follow-up action, added", body = Object),
        (status = 401, description = "Not logged in", body = Problem),
        (status = 403, description = "Not allowed to record under this agreement", body = Problem),
        (status = 404, description = "No such agreement or activity", body = Problem),
        (status = 422, description = "A rule is broken", body = Problem)))]
pub async fn api_add_action(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, activity)): Path<(String, String)>,
    ApiJson(body): ApiJson<NewFollowUp>,
) -> Result<Response, ApiError> {
    let (coop, agreement) = recordable(&app, &ctx, &code).await?;
    let activity: ActivityId = activity
        .parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such activity"))?;
    let f = coop
        .add_follow_up(&agreement, activity, &ctx.actor(), body)
        .await
        .map_err(api_error)?;
    Ok((StatusCode::CREATED, axum::Json(json!(f))).into_response())
}

#[utoipa::path(post, path = "/api/v1/cooperation/agreements/{code}/actions/{action}/done", tag = "cooperation",
    params(("code" = String, Path, description = "Agreement code"), ("action" = String, Path, description = "Follow-up action id")),
    responses((status = 200, description = "The action, done today", body = Object),
        (status = 401, description = "Not logged in", body = Problem),
        (status = 403, description = "Not allowed to record under this agreement", body = Problem),
        (status = 404, description = "No such agreement or action", body = Problem),
        (status = 409, description = "Done already", body = Problem)))]
pub async fn api_complete_action(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, action)): Path<(String, String)>,
) -> Result<axum::Json<Value>, ApiError> {
    let (coop, agreement) = recordable(&app, &ctx, &code).await?;
    let action: ActionId = action
        .parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such action"))?;
    let f = coop
        .complete_follow_up(&agreement, action, &ctx.actor())
        .await
        .map_err(api_error)?;
    Ok(axum::Json(json!(f)))
}

guichet_web::route_table! {
    /// The slice's pages.
    fn routes, ROUTES;
    "/cooperation" => get(list).post(create),
    "/cooperation/export.csv" => get(export_csv),
    "/cooperation/export.xml" => get(export_iati),
    "/cooperation/{code}" => get(agreement),
    "/cooperation/{code}/activities" => post(add_activity),
    "/cooperation/{code}/actions" => post(add_action),
    "/cooperation/{code}/actions/{id}/done" => post(complete_action),
    "/cooperation/{code}/documents" => post(link_document),
}

guichet_web::route_table! {
    /// The slice's JSON API, relative to `/api/v1`.
    fn api_routes, API_ROUTES;
    "/cooperation/agreements" => get(api_agreements).post(api_create),
    "/cooperation/agreements/{code}" => get(api_agreement),
    "/cooperation/agreements/{code}/activities" => post(api_add_activity),
    "/cooperation/agreements/{code}/activities/{activity}/actions" => post(api_add_action),
    "/cooperation/agreements/{code}/actions/{action}/done" => post(api_complete_action),
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api_agreements,
        api_create,
        api_agreement,
        api_add_activity,
        api_add_action,
        api_complete_action
    ),
    components(schemas(
        CreateAgreement,
        NewAgreement,
        NewActivity,
        NewFollowUp,
        Party,
        Participation,
        ActivityKind
    ))
)]
pub struct ApiDoc;

/// The slice's messages, compiled in.
pub const MESSAGES: guichet_web::i18n::SliceMessages = &[
    ("vi", include_str!("../locales/vi/cooperation.ftl")),
    ("fr", include_str!("../locales/fr/cooperation.ftl")),
    ("en", include_str!("../locales/en/cooperation.ftl")),
];

/// Its rows of the authorization matrix (columns: `guichet_web::MATRIX_VISITORS`: anonymous,
/// citizen, other citizen, agent A, agent B, office A admin, auditor, sysadmin, staff
/// member). The demo agreements belong to Sở Nội vụ Hà Nội, where nobody in the columns is an
/// administrator; the staff member (hoa.le) is the desk officer of the 2025–2028 agreement
/// only, so she may record under it and not under the 2022–2025 one.
pub const ACCESS: &[guichet_web::AccessRule] = &[
    ("get", "/cooperation", "+++++++++", "/cooperation", ""),
    // A new agreement for an office nobody in the columns administers: refused to all.
    (
        "post",
        "/cooperation",
        "---------",
        "/cooperation",
        "office=HN-SONOIVU&code=X&title_en=x",
    ),
    (
        "get",
        "/cooperation/export.csv",
        "+++++++++",
        "/cooperation/export.csv",
        "",
    ),
    (
        "get",
        "/cooperation/export.xml",
        "+++++++++",
        "/cooperation/export.xml?agreement=VN-FR-2025-2028",
        "",
    ),
    (
        "get",
        "/cooperation/{code}",
        "+++++++++",
        "/cooperation/VN-FR-2025-2028",
        "",
    ),
    // An activity without a title: refused as invalid to the desk officer, forbidden to others.
    (
        "post",
        "/cooperation/{code}/activities",
        "--------+",
        "/cooperation/VN-FR-2025-2028/activities",
        "kind=seminar&starts_on=2026-01-01&country=VN",
    ),
    (
        "post",
        "/cooperation/{code}/actions",
        "---------",
        "/cooperation/VN-FR-2022-2025/actions",
        "activity={coop_activity_2022}&description=x&owner=y&due_on=2026-01-01",
    ),
    // Done twice is a refused repeat (409), still proving access.
    (
        "post",
        "/cooperation/{code}/actions/{id}/done",
        "--------+",
        "/cooperation/VN-FR-2025-2028/actions/{coop_done_action}/done",
        "",
    ),
    (
        "post",
        "/cooperation/{code}/documents",
        "--------+",
        "/cooperation/VN-FR-2025-2028/documents",
        "record=not-a-record",
    ),
    (
        "get",
        "/api/v1/cooperation/agreements",
        "+++++++++",
        "/api/v1/cooperation/agreements",
        "",
    ),
    (
        "post",
        "/api/v1/cooperation/agreements",
        "---------",
        "/api/v1/cooperation/agreements",
        "{\"office\":\"HN-SONOIVU\",\"code\":\"X\",\"titles\":{\"en\":\"x\"},\"parties\":[],\"signed_on\":\"2026-01-01\",\"starts_on\":\"2026-01-01\",\"ends_on\":\"2026-12-31\"}",
    ),
    (
        "get",
        "/api/v1/cooperation/agreements/{code}",
        "+++++++++",
        "/api/v1/cooperation/agreements/VN-FR-2022-2025",
        "",
    ),
    (
        "post",
        "/api/v1/cooperation/agreements/{code}/activities",
        "--------+",
        "/api/v1/cooperation/agreements/VN-FR-2025-2028/activities",
        "{\"kind\":\"seminar\",\"titles\":{},\"starts_on\":\"2026-01-01\",\"ends_on\":\"2026-01-01\",\"country\":\"VN\"}",
    ),
    (
        "post",
        "/api/v1/cooperation/agreements/{code}/activities/{activity}/actions",
        "---------",
        "/api/v1/cooperation/agreements/VN-FR-2022-2025/activities/{coop_activity_2022}/actions",
        "{\"description\":\"x\",\"owner\":\"y\",\"due_on\":\"2026-01-01\"}",
    ),
    (
        "post",
        "/api/v1/cooperation/agreements/{code}/actions/{action}/done",
        "--------+",
        "/api/v1/cooperation/agreements/VN-FR-2025-2028/actions/{coop_done_action}/done",
        "",
    ),
];

/// The demo ids the matrix probes need.
pub const PROBE_IDS: &[guichet_web::ProbeId] = &[
    guichet_web::ProbeId {
        name: "coop_activity_2022",
        visitor: "hoa.le",
        path: "/api/v1/cooperation/agreements/VN-FR-2022-2025",
        pointer: "/activities/0/id",
    },
    guichet_web::ProbeId {
        name: "coop_done_action",
        visitor: "hoa.le",
        path: "/api/v1/cooperation/agreements/VN-FR-2025-2028",
        pointer: "/follow_ups/0/id",
    },
];

/// What the slice adds to the application.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    name: "cooperation",
    pages: ROUTES,
    add_pages: routes,
    api: API_ROUTES,
    add_api: api_routes,
    api_doc: Some(<ApiDoc as utoipa::OpenApi>::openapi),
    nav: &[guichet_web::NavItem {
        menu: guichet_web::Menu::Main,
        order: 80,
        href: "/cooperation",
        key: "nav-cooperation",
        visible: guichet_web::always,
        current: |p| p.starts_with("/cooperation"),
    }],
    office_links: &[],
    messages: MESSAGES,
    access: ACCESS,
    probe_ids: PROBE_IDS,
    a11y: &[
        ("", "/cooperation"),
        ("", "/cooperation/VN-FR-2025-2028"),
        ("hoa.le", "/cooperation/VN-FR-2025-2028"),
        ("hoa.le", "/cooperation"),
    ],
};

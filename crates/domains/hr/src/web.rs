//! Civil-service management pages: staff as of a date (import, export, add), the
//! organisation chart with the job positions and staffing table, a person's record with their
//! effective-dated career, one's own record with correction requests, payroll runs (compute,
//! compare, lock, export, payslips), the simulator and the pay parameters. JSON API: staff as
//! of a date and the pay calculator.

use crate::service::{self as hr, NewPerson, NewPosition, NewTerm, NewUnit};
use crate::store::TermRow;
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_core::authz::Action;
use guichet_core::{Country, OfficeId, PayrollId, StaffId};
use guichet_pay::{ParamName, format_minor};
use guichet_store::Office;
use serde_json::{Value, json};
use time::Date;

use guichet_documents::hr_templates as guichet_documents_templates;
use guichet_identity::lookup::office_by_code;
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::{page_error, service_message};
use guichet_web::i18n::Tr;

#[derive(serde::Deserialize, Default)]
pub struct HrParams {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub notice: String,
}

use guichet_common::invalid;

/// The HR service over the application's store, clock and randomness.
fn service(app: &App) -> Result<hr::Hr<'_>, guichet_store::StoreError> {
    Ok(hr::Hr {
        store: crate::hr_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
    })
}

fn today(app: &App, office: &Office) -> Date {
    office.country.local_time(app.clock.now()).date()
}

fn day_param(app: &App, office: &Office, on: &str) -> Date {
    guichet_units::parse_date(on).unwrap_or_else(|| today(app, office))
}

fn minor_per_major(country: Country) -> i64 {
    match country {
        Country::Vn => 1,
        Country::Fr => 100,
    }
}

/// Money for people: `5.475.600 ₫` / `1 969,11 €` style grouping kept simple and exact.
pub fn money(country: Country, minor: i64) -> String {
    let text = format_minor(minor, minor_per_major(country));
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(match country {
                Country::Vn => '.',
                Country::Fr => '\u{202f}',
            });
        }
        grouped.push(c);
    }
    match country {
        Country::Vn => format!("{sign}{grouped} ₫"),
        Country::Fr => format!("{sign}{grouped},{frac} €"),
    }
}

/// The office named by `code` if the visitor may `action` in it, else the first such office,
/// with the (code, name) choices.
async fn office_for(
    app: &App,
    ctx: &Ctx,
    code: &str,
    action: impl Fn(OfficeId) -> Action,
) -> Result<(Office, Vec<(String, String)>), PageError> {
    let (office, offices) = guichet_identity::lookup::office_for(app, ctx, code, action).await?;
    Ok((
        office,
        offices
            .iter()
            .map(|o| (o.code.clone(), o.name.clone()))
            .collect(),
    ))
}

fn term_summary(tr: &Tr, t: &TermRow) -> String {
    match t.kind.as_str() {
        "assignment" => format!("{} · {}", t.unit_code, t.position_code),
        "status" => status_label(tr, t.data["status"].as_str().unwrap_or_default()),
        "pay" => pay_summary(&t.data),
        "correction" => match t.data["answer"].as_str() {
            Some(a) => format!("{} → {a}", t.note),
            None => t.note.clone(),
        },
        _ => t.note.clone(),
    }
}

fn status_label(tr: &Tr, code: &str) -> String {
    tr.lookup(&format!("hr-status-{code}"))
        .unwrap_or_else(|| code.to_owned())
}

fn pay_summary(data: &Value) -> String {
    let text = |k: &str| match &data[k] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        v => Some(v.to_string()),
    };
    let mut parts = Vec::new();
    if let (Some(s), Some(st)) = (text("scale"), text("step")) {
        parts.push(format!("{s} / {st}"));
    }
    if let Some(c) = text("coefficient") {
        parts.push(format!("hệ số {c}"));
    }
    if let Some(l) = text("leadership_coefficient") {
        parts.push(format!("PCCV {l}"));
    }
    if data["allowances"].as_array().is_some_and(|a| !a.is_empty()) {
        parts.push(hr::allowances_text(&data["allowances"]));
    }
    if let Some(p) = text("position_salary") {
        parts.push(format!("VTVL {p}"));
    }
    if let Some(g) = text("grade") {
        parts.push(match text("echelon") {
            Some(e) => format!("{g}, éch. {e}"),
            None => g,
        });
    }
    if let Some(im) = text("indice_majore") {
        parts.push(format!("IM {im}"));
    }
    if let Some(n) = text("nbi_points") {
        parts.push(format!("NBI {n}"));
    }
    if let Some(z) = text("residence_zone") {
        parts.push(format!("zone {z}"));
    }
    if let Some(c) = text("children").filter(|c| c != "0") {
        parts.push(format!("👶 {c}"));
    }
    if let Some(d) = text("dependants").filter(|c| c != "0") {
        parts.push(format!("NPT {d}"));
    }
    parts.join(" · ")
}

// ------------------------------------------------------------------ staff list

pub struct StaffLine {
    pub id: String,
    pub number: String,
    pub name: String,
    pub unit: String,
    pub position: String,
    pub status: String,
    pub pay: String,
}

#[derive(Template)]
#[template(path = "hr.html")]
pub struct HrPage {
    pub chrome: Chrome,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub on: String,
    pub staff: Vec<StaffLine>,
    pub can_manage: bool,
    pub units: Vec<(String, String)>,
    pub positions: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub vn: bool,
    pub columns: String,
    pub corrections: Vec<(String, String, String, String, String)>,
    /// (staff id, name, scale, next step, due date) within three months of the date shown.
    pub raises: Vec<(String, String, String, u32, String)>,
    pub error: Option<String>,
    pub report: Vec<hr::RowError>,
    pub notice: Option<String>,
}

async fn hr_page(
    app: &App,
    ctx: &Ctx,
    p: &HrParams,
    error: Option<String>,
    report: Vec<hr::RowError>,
) -> Result<HrPage, PageError> {
    let tr = ctx.tr();
    let (office, offices) = office_for(app, ctx, &p.office, |office| {
        crate::authz::view_staff(office)
    })
    .await?;
    let day = day_param(app, &office, &p.on);
    let staff = service(app)?
        .staff_on(office.id, day)
        .await
        .map_err(|e| page_error(&tr, e))?
        .into_iter()
        .map(|s| StaffLine {
            id: s.staff.id.to_string(),
            number: s.staff.number.clone(),
            name: format!("{} {}", s.staff.family_name, s.staff.given_name),
            unit: s
                .assignment
                .as_ref()
                .map(|t| t.unit_code.clone())
                .unwrap_or_default(),
            position: s
                .assignment
                .as_ref()
                .map(|t| t.position_code.clone())
                .unwrap_or_default(),
            status: s
                .status
                .as_ref()
                .map(|t| term_summary(&tr, t))
                .unwrap_or_default(),
            pay: s
                .pay
                .as_ref()
                .map(|t| pay_summary(&t.data))
                .unwrap_or_default(),
        })
        .collect();
    let units = crate::hr_store(&*app.store)?
        .org_units(office.id)
        .await?
        .into_iter()
        .filter(|u| crate::store::in_effect(u.valid_from, u.valid_to, day))
        .map(|u| (u.code, u.name))
        .collect();
    let positions = crate::hr_store(&*app.store)?
        .positions(office.id)
        .await?
        .into_iter()
        .map(|p| (p.code, p.title))
        .collect();
    Ok(HrPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        offices,
        on: day.to_string(),
        staff,
        can_manage: ctx.authorize(crate::authz::manage_staff(office.id)).is_ok(),
        units,
        positions,
        statuses: hr::statuses(office.country)
            .iter()
            .map(|s| ((*s).to_owned(), status_label(&tr, s)))
            .collect(),
        vn: office.country == Country::Vn,
        columns: hr::import_columns(office.country).join(","),
        raises: if office.country == Country::Vn {
            let until = guichet_pay::vn::add_months(day, 3).unwrap_or(day);
            service(app)?
                .raises_due(office.id, day, until)
                .await
                .map_err(|e| page_error(&tr, e))?
                .into_iter()
                .map(|(s, scale, step, due)| {
                    (
                        s.id.to_string(),
                        format!("{} {}", s.family_name, s.given_name),
                        scale,
                        step,
                        due.to_string(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        corrections: service(app)?
            .open_corrections(office.id)
            .await
            .map_err(|e| page_error(&tr, e))?
            .into_iter()
            .map(|(s, t)| {
                (
                    s.id.to_string(),
                    t.id.to_string(),
                    format!("{} {}", s.family_name, s.given_name),
                    t.valid_from.to_string(),
                    t.note,
                )
            })
            .collect(),
        error,
        report,
        notice: (!p.notice.is_empty())
            .then(|| {
                tr.lookup(&format!("hr-notice-{}", p.notice))
                    .unwrap_or_default()
            })
            .filter(|n| !n.is_empty()),
    })
}

pub async fn staff(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<HrParams>,
) -> Result<Response, PageError> {
    Ok(render_with(
        StatusCode::OK,
        hr_page(&app, &ctx, &p, None, Vec::new()).await?,
    ))
}

/// The pay fields of a form as the stored pay situation (`None` when all are empty).
fn pay_from_form(country: Country, form: &FormData) -> Option<Value> {
    let pay = hr::pay_from_fields(country, |name| form.text(&format!("pay_{name}")))?;
    // The selects always send a value: without a scale or an index nothing was entered.
    let has_base = pay.get("scale").is_some() || pay.get("indice_majore").is_some();
    has_base.then_some(pay)
}

fn report_message(tr: &Tr, report: &hr::ImportReport) -> String {
    tr.t1("hr-import-refused", "count", report.errors.len())
}

pub async fn add_person(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    let person = NewPerson {
        number: form.text("number"),
        family_name: form.text("family_name"),
        given_name: form.text("given_name"),
        birth_date: form.text("birth_date"),
        gender: form.text("gender"),
        id_kind: form.text("id_kind"),
        id_number: form.text("id_number"),
        email: form.text("email"),
        phone: form.text("phone"),
        education: form.text("education"),
        user_id: None,
        from: form.text("from"),
        unit_code: form.text("unit"),
        position_code: form.text("position"),
        status: form.text("status"),
        pay: pay_from_form(office.country, &form),
    };
    let p = HrParams {
        office: office.code.clone(),
        ..HrParams::default()
    };
    match service(&app)?
        .add_people(&ctx.service_actor(), office.id, vec![person])
        .await
    {
        Ok(r) if r.errors.is_empty() => {
            Ok(Redirect::to(&format!("/hr?office={}&notice=added", office.code)).into_response())
        }
        Ok(r) => {
            let msg = report_message(&tr, &r);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                hr_page(&app, &ctx, &p, Some(msg), r.errors).await?,
            ))
        }
        Err(e) => Ok(render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            hr_page(&app, &ctx, &p, Some(service_message(&tr, &e)), Vec::new()).await?,
        )),
    }
}

pub async fn import(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    let p = HrParams {
        office: office.code.clone(),
        ..HrParams::default()
    };
    let Some(file) = form.file("file").filter(|f| !f.content.is_empty()) else {
        return Ok(render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            hr_page(&app, &ctx, &p, Some(tr.t("hr-import-no-file")), Vec::new()).await?,
        ));
    };
    let result = match hr::Hr::read_people(office.country, &file.name, &file.content) {
        Ok(people) => {
            service(&app)?
                .add_people(&ctx.service_actor(), office.id, people)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(r) if r.errors.is_empty() => Ok(Redirect::to(&format!(
            "/hr?office={}&notice=imported",
            office.code
        ))
        .into_response()),
        Ok(r) => {
            let msg = report_message(&tr, &r);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                hr_page(&app, &ctx, &p, Some(msg), r.errors).await?,
            ))
        }
        Err(e) => Ok(render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            hr_page(&app, &ctx, &p, Some(service_message(&tr, &e)), Vec::new()).await?,
        )),
    }
}

pub async fn close_correction(
    State(app): State<App>,
    ctx: Ctx,
    Path((staff, term)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let staff = staff_id(&staff)?;
    let term: guichet_core::TermId = term.parse().map_err(|_| PageError::not_found())?;
    let s = crate::hr_store(&*app.store)?
        .staff_member(staff)
        .await?
        .ok_or_else(PageError::not_found)?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(s.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    match service(&app)?
        .close_correction(&ctx.service_actor(), staff, term, &form.text("answer"))
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/hr?office={}&notice=answered", office.code)).into_response(),
        ),
        Err(e) => {
            let p = HrParams {
                office: office.code.clone(),
                ..HrParams::default()
            };
            let msg = service_message(&tr, &e);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                hr_page(&app, &ctx, &p, Some(msg), Vec::new()).await?,
            ))
        }
    }
}

fn attachment(bytes: Vec<u8>, name: &str, xlsx: bool) -> Response {
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if xlsx {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else {
            "text/csv; charset=utf-8"
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}.{}\"",
        if xlsx { "xlsx" } else { "csv" }
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

fn sheet(rows: &[Vec<String>], format: &str, name: &str, tab: &str) -> Result<Response, PageError> {
    let xlsx = format == "xlsx";
    let bytes = if xlsx {
        guichet_common::sheets::write_xlsx(rows, tab)
    } else {
        guichet_common::sheets::write_csv(rows)
    }
    .map_err(|e| PageError::internal(&e))?;
    Ok(attachment(bytes, name, xlsx))
}

#[derive(serde::Deserialize, Default)]
pub struct ExportParams {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub format: String,
}

pub async fn export(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ExportParams>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let office = office_by_code(&app, &p.office).await?;
    ctx.authorize(crate::authz::view_staff(office.id))?;
    let day = day_param(&app, &office, &p.on);
    let rows = service(&app)?
        .export_rows(office.id, day)
        .await
        .map_err(|e| page_error(&tr, e))?;
    sheet(
        &rows,
        &p.format,
        &format!("staff-{}-{day}", office.code),
        "staff",
    )
}

// ------------------------------------------------------------------ organisation chart

pub struct ChartLine {
    pub code: String,
    pub name: String,
    pub depth: usize,
    pub from: String,
    pub admin_unit: String,
    pub people: Vec<(String, String, String)>,
}

pub struct StaffingLine {
    pub code: String,
    pub title: String,
    pub category: String,
    pub unit: String,
    pub planned: i64,
    pub filled: i64,
    pub vacant: i64,
    pub competencies: String,
    pub training: String,
    pub position_pay: String,
}

#[derive(Template)]
#[template(path = "hr_chart.html")]
pub struct ChartPage {
    pub chrome: Chrome,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub on: String,
    pub chart: Vec<ChartLine>,
    pub staffing: Vec<StaffingLine>,
    pub can_manage: bool,
    pub units: Vec<(String, String)>,
    pub error: Option<String>,
}

async fn chart_page(
    app: &App,
    ctx: &Ctx,
    p: &HrParams,
    error: Option<String>,
) -> Result<ChartPage, PageError> {
    let tr = ctx.tr();
    let (office, offices) = office_for(app, ctx, &p.office, |office| {
        crate::authz::view_staff(office)
    })
    .await?;
    let day = day_param(app, &office, &p.on);
    let hr = service(app)?;
    let chart: Vec<ChartLine> = hr
        .org_chart(office.id, day)
        .await
        .map_err(|e| page_error(&tr, e))?
        .into_iter()
        .map(|n| ChartLine {
            code: n.unit.code.clone(),
            name: n.unit.name.clone(),
            depth: n.depth,
            from: n.unit.valid_from.to_string(),
            admin_unit: n.unit.admin_unit_code.clone().unwrap_or_default(),
            people: n
                .people
                .iter()
                .map(|(s, pos)| {
                    (
                        s.id.to_string(),
                        format!("{} {}", s.family_name, s.given_name),
                        pos.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let staffing = hr
        .staffing(office.id, day)
        .await
        .map_err(|e| page_error(&tr, e))?
        .into_iter()
        .map(|s| StaffingLine {
            code: s.position.code.clone(),
            title: s.position.title.clone(),
            category: tr.t(&format!("hr-category-{}", s.position.category)),
            unit: s.position.unit_code.clone(),
            planned: s.position.planned_posts,
            filled: s.filled,
            vacant: s.position.planned_posts - s.filled,
            competencies: s.position.competencies.clone(),
            training: s.position.training.clone(),
            position_pay: s
                .position
                .position_pay
                .map(|v| money(office.country, v))
                .unwrap_or_default(),
        })
        .collect();
    Ok(ChartPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        offices,
        on: day.to_string(),
        units: chart
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
        chart,
        staffing,
        can_manage: ctx.authorize(crate::authz::manage_staff(office.id)).is_ok(),
        error,
    })
}

pub async fn chart(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<HrParams>,
) -> Result<Response, PageError> {
    Ok(render_with(
        StatusCode::OK,
        chart_page(&app, &ctx, &p, None).await?,
    ))
}

async fn chart_result(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    result: guichet_common::Result<()>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/hr/chart?office={}", office.code)).into_response()),
        Err(e) => {
            let p = HrParams {
                office: office.code.clone(),
                ..HrParams::default()
            };
            let msg = service_message(&ctx.tr(), &e);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                chart_page(app, ctx, &p, Some(msg)).await?,
            ))
        }
    }
}

pub async fn add_unit(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    let result = match hr::parse_day(&form.text("from"), "from") {
        Ok(from) => service(&app)?
            .put_unit(
                &ctx.service_actor(),
                office.id,
                NewUnit {
                    code: form.text("code"),
                    name: form.text("name"),
                    parent_code: Some(form.text("parent")),
                    admin_unit_code: Some(form.text("admin_unit")),
                    from,
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    chart_result(&app, &ctx, &office, result).await
}

pub async fn add_position(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    let pay = form.text("position_pay");
    let result = match (form.text("planned_posts").trim().parse::<i64>(), pay.trim()) {
        (Err(_), _) => Err(guichet_common::invalid_said(
            "hr-position",
            guichet_common::Said {
                vi: "Số biên chế phải là số nguyên.".into(),
                fr: "Les postes prévus sont un nombre entier.".into(),
                en: "Planned posts must be a whole number.".into(),
            },
        )),
        (Ok(planned), pay) => {
            let position_pay = match pay {
                "" => Ok(None),
                v => guichet_pay::Decimal::parse(v)
                    .and_then(|d| {
                        d.at_scale(
                            if office.country == Country::Fr { 2 } else { 0 },
                            "position pay",
                        )
                    })
                    .map(Some)
                    .map_err(|e| pay_refusal("hr-position", &e)),
            };
            match position_pay {
                Ok(position_pay) => service(&app)?
                    .put_position(
                        &ctx.service_actor(),
                        office.id,
                        NewPosition {
                            code: form.text("code"),
                            title: form.text("title"),
                            category: form.text("category"),
                            unit_code: form.text("unit"),
                            planned_posts: planned,
                            competencies: form.text("competencies"),
                            training: form.text("training"),
                            position_pay,
                        },
                    )
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        }
    };
    chart_result(&app, &ctx, &office, result).await
}

// ------------------------------------------------------------------ a person's record

pub struct TermLine {
    pub kind: String,
    pub kind_label: String,
    pub from: String,
    pub to: String,
    pub summary: String,
    pub current: bool,
}

pub struct SlipLine {
    pub label: String,
    pub rate: String,
    pub base: String,
    pub amount: String,
    pub deduction: bool,
    pub info: bool,
    pub source: String,
}

pub struct SlipView {
    pub date: String,
    pub gross: String,
    pub net: String,
    pub deductions: String,
    pub lines: Vec<SlipLine>,
}

fn line_label(tr: &Tr, code: &str) -> String {
    match code.split_once(':') {
        Some((_, name)) => format!("{} — {name}", tr.t("hr-line-allowance")),
        None => tr
            .lookup(&format!("hr-line-{code}"))
            .unwrap_or_else(|| code.to_owned()),
    }
}

/// A payslip breakdown (the pay crate's JSON) for display.
pub fn slip_view(tr: &Tr, country: Country, b: &Value) -> SlipView {
    let amount = |v: &Value| {
        v.as_str()
            .and_then(|s| guichet_pay::Decimal::parse(s).ok())
            .and_then(|d| {
                d.at_scale(if country == Country::Fr { 2 } else { 0 }, "amount")
                    .ok()
            })
            .map(|m| money(country, m))
            .unwrap_or_default()
    };
    SlipView {
        date: b["date"].as_str().unwrap_or_default().to_owned(),
        gross: amount(&b["gross"]),
        net: amount(&b["net"]),
        deductions: amount(&b["deductions"]),
        lines: b["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| SlipLine {
                label: line_label(tr, l["code"].as_str().unwrap_or_default()),
                rate: l["rate"].as_str().unwrap_or_default().to_owned(),
                base: amount(&l["base"]),
                amount: amount(&l["amount"]),
                // "−0" reads oddly: a zero deduction shows as 0.
                deduction: l["kind"] == "deduction"
                    && l["amount"]
                        .as_str()
                        .is_some_and(|a| !a.trim_start_matches(['0', '.']).is_empty()),
                info: l["kind"] == "info",
                source: l["source"].as_str().unwrap_or_default().to_owned(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "hr_person.html")]
pub struct PersonPage {
    pub chrome: Chrome,
    pub office: String,
    pub own: bool,
    pub id: String,
    pub name: String,
    pub number: String,
    pub identity: Vec<(String, String)>,
    pub on: String,
    pub terms: Vec<TermLine>,
    pub slip: Option<SlipView>,
    pub slip_error: Option<String>,
    pub can_manage: bool,
    pub kinds: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
    pub positions: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub vn: bool,
    /// Own record only: (run id, month, state, net).
    pub payslips: Vec<(String, String, String, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

async fn person_page(
    app: &App,
    ctx: &Ctx,
    id: StaffId,
    on: &str,
    own: bool,
    error: Option<String>,
    notice: Option<String>,
) -> Result<PersonPage, PageError> {
    let tr = ctx.tr();
    let s = crate::hr_store(&*app.store)?
        .staff_member(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(s.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    if !own {
        ctx.authorize(crate::authz::view_staff(office.id))?;
    }
    let day = day_param(app, &office, on);
    let terms = crate::hr_store(&*app.store)?.staff_terms(id).await?;
    let mut lines: Vec<TermLine> = terms
        .iter()
        .map(|t| TermLine {
            kind: t.kind.clone(),
            kind_label: tr.t(&format!("hr-kind-{}", t.kind)),
            from: t.valid_from.to_string(),
            to: t.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            summary: term_summary(&tr, t),
            current: crate::store::in_effect(t.valid_from, t.valid_to, day),
        })
        .collect();
    lines.sort_by_key(|l| {
        (
            hr::TERM_KINDS.iter().position(|k| *k == l.kind),
            l.from.clone(),
        )
    });
    let pay = terms
        .iter()
        .find(|t| t.kind == "pay" && crate::store::in_effect(t.valid_from, t.valid_to, day));
    let (slip, slip_error) = match pay {
        None => (None, None),
        Some(t) => {
            let params = service(app)?
                .parameters()
                .await
                .map_err(|e| page_error(&tr, e))?;
            match hr::compute_pay(office.country, &t.data, day, &params) {
                Ok(p) => (Some(slip_view(&tr, office.country, &p.to_json())), None),
                Err(e) => (None, Some(service_message(&tr, &e))),
            }
        }
    };
    let gender = tr.t(&format!("hr-gender-{}", s.gender));
    Ok(PersonPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        own,
        id: id.to_string(),
        name: format!("{} {}", s.family_name, s.given_name),
        number: s.number.clone(),
        identity: vec![
            (tr.t("hr-number"), s.number.clone()),
            (tr.t("hr-birth-date"), s.birth_date.to_string()),
            (tr.t("hr-gender"), gender),
            (
                tr.t("hr-id"),
                format!("{} {}", s.id_kind.to_uppercase(), s.id_number),
            ),
            (tr.t("hr-email"), s.email.clone()),
            (tr.t("hr-phone"), s.phone.clone()),
            (tr.t("hr-education"), s.education.clone()),
        ],
        on: day.to_string(),
        terms: lines,
        slip,
        slip_error,
        can_manage: !own && ctx.authorize(crate::authz::manage_staff(office.id)).is_ok(),
        kinds: hr::TERM_KINDS
            .iter()
            .filter(|k| **k != "correction")
            .map(|k| ((*k).to_owned(), tr.t(&format!("hr-kind-{k}"))))
            .collect(),
        units: crate::hr_store(&*app.store)?
            .org_units(office.id)
            .await?
            .into_iter()
            .filter(|u| u.valid_to.is_none())
            .map(|u| (u.code, u.name))
            .collect(),
        positions: crate::hr_store(&*app.store)?
            .positions(office.id)
            .await?
            .into_iter()
            .map(|p| (p.code, p.title))
            .collect(),
        statuses: hr::statuses(office.country)
            .iter()
            .map(|s| ((*s).to_owned(), status_label(&tr, s)))
            .collect(),
        vn: office.country == Country::Vn,
        payslips: if own {
            crate::hr_store(&*app.store)?
                .payslips_of(id)
                .await?
                .into_iter()
                .map(|(r, s)| {
                    (
                        r.id.to_string(),
                        r.month.clone(),
                        tr.t(&format!("hr-run-{}", r.state)),
                        money(office.country, s.net),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        error,
        notice,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct OnParams {
    #[serde(default)]
    pub on: String,
}

fn staff_id(id: &str) -> Result<StaffId, PageError> {
    id.parse().map_err(|_| PageError::not_found())
}

pub async fn person(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<OnParams>,
) -> Result<Response, PageError> {
    let page = person_page(&app, &ctx, staff_id(&id)?, &p.on, false, None, None).await?;
    Ok(render_with(StatusCode::OK, page))
}

pub async fn add_term(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let id = staff_id(&id)?;
    let s = crate::hr_store(&*app.store)?
        .staff_member(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(s.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    let kind = form.text("kind");
    let result = async {
        let from = hr::parse_day(&form.text("from"), "from")?;
        let to = match form.text("to").trim() {
            "" => None,
            t => Some(hr::parse_day(t, "to")?),
        };
        let data = match kind.as_str() {
            "status" => json!({"status": form.text("status")}),
            "pay" => pay_from_form(office.country, &form).ok_or_else(|| {
                guichet_common::invalid_said(
                    "hr-pay",
                    guichet_common::Said {
                        vi: "Hãy nhập ngạch và bậc, hoặc chỉ số (indice majoré).".into(),
                        fr: "Indiquez l’échelle et l’échelon, ou l’indice majoré.".into(),
                        en: "Give the scale and step, or the indice majoré.".into(),
                    },
                )
            })?,
            _ => Value::Null,
        };
        service(&app)?
            .add_term(
                &ctx.service_actor(),
                id,
                NewTerm {
                    kind: kind.clone(),
                    from,
                    to,
                    unit_code: if kind == "assignment" {
                        form.text("unit")
                    } else {
                        String::new()
                    },
                    position_code: if kind == "assignment" {
                        form.text("position")
                    } else {
                        String::new()
                    },
                    data,
                    note: form.text("note"),
                },
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/hr/staff/{id}")).into_response()),
        Err(e) => {
            let page = person_page(
                &app,
                &ctx,
                id,
                "",
                false,
                Some(service_message(&tr, &e)),
                None,
            )
            .await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

/// One's own record, read-only, with the correction request form.
pub async fn me(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<HrParams>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    ctx.authorize(Action::ViewOwnAccount)?;
    let Some(user) = ctx.user.as_ref() else {
        return Err(PageError::not_found());
    };
    let mine = crate::hr_store(&*app.store)?.staff_of_user(user.id).await?;
    let Some(s) = mine.first() else {
        return Err(PageError {
            status: StatusCode::NOT_FOUND,
            key: "error-404",
            detail: Some(tr.t("hr-no-record")),
        });
    };
    let notice = (p.notice == "requested").then(|| tr.t("hr-correction-sent"));
    Ok(render_with(
        StatusCode::OK,
        person_page(&app, &ctx, s.id, &p.on, true, None, notice).await?,
    ))
}

pub async fn request_correction(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    ctx.authorize(Action::ViewOwnAccount)?;
    let Some(user) = ctx.user.as_ref() else {
        return Err(PageError::not_found());
    };
    let Some(s) = crate::hr_store(&*app.store)?
        .staff_of_user(user.id)
        .await?
        .into_iter()
        .next()
    else {
        return Err(PageError::not_found());
    };
    match service(&app)?
        .request_correction(&ctx.service_actor(), s.id, &form.text("text"))
        .await
    {
        Ok(_) => Ok(Redirect::to("/hr/me?notice=requested").into_response()),
        Err(e) => {
            let page = person_page(
                &app,
                &ctx,
                s.id,
                "",
                true,
                Some(service_message(&tr, &e)),
                None,
            )
            .await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

// ------------------------------------------------------------------ printable documents

fn header_data(tr: &Tr, office: &Office, title: &str, number: &str, today: Date) -> Value {
    json!({
        "lang": tr.lang.code(),
        "country": office.country.code(),
        "office": {"code": office.code, "name": office.name, "parent": ""},
        "document": {
            "title": title,
            "number": number,
            "id": format!("{}-{number}", office.code),
            "place_date": guichet_common::place_date(office, tr.lang, today),
        },
    })
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}.pdf\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// The personnel record as of `on`, printed in the manner of form 2C.
async fn personnel_pdf(
    app: &App,
    ctx: &Ctx,
    id: StaffId,
    on: &str,
    own: bool,
) -> Result<Response, PageError> {
    let page = person_page(app, ctx, id, on, own, None, None).await?;
    let tr = ctx.tr();
    let s = crate::hr_store(&*app.store)?
        .staff_member(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(s.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let today = today(app, &office);
    let mut data = header_data(&tr, &office, &tr.t("hr-personnel-form"), &s.number, today);
    let current: Vec<(String, String)> = page
        .terms
        .iter()
        .filter(|t| t.current && ["assignment", "status", "pay"].contains(&t.kind.as_str()))
        .map(|t| (t.kind_label.clone(), t.summary.clone()))
        .collect();
    let (career, events): (Vec<&TermLine>, Vec<&TermLine>) = page
        .terms
        .iter()
        .partition(|t| ["assignment", "status", "pay", "leave"].contains(&t.kind.as_str()));
    let row = |t: &&TermLine| json!({"from": t.from, "to": t.to, "kind": t.kind_label, "text": t.summary});
    data["person_name"] = json!(page.name);
    data["on"] = json!(page.on);
    data["identity"] = json!(page.identity);
    data["current"] = json!(current);
    data["career"] = json!(career.iter().map(row).collect::<Vec<_>>());
    data["events"] = json!(
        events
            .iter()
            .filter(|t| t.kind != "correction")
            .map(row)
            .collect::<Vec<_>>()
    );
    let pdf = hr::render_pdf(
        app.renderer.clone(),
        guichet_documents_templates::PERSONNEL_FORM,
        data,
        today,
    )
    .await
    .map_err(|e| page_error(&tr, e))?;
    Ok(pdf_response(pdf, &format!("{}-{}", s.number, page.on)))
}

pub async fn person_pdf(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<OnParams>,
) -> Result<Response, PageError> {
    personnel_pdf(&app, &ctx, staff_id(&id)?, &p.on, false).await
}

pub async fn me_pdf(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<OnParams>,
) -> Result<Response, PageError> {
    ctx.authorize(Action::ViewOwnAccount)?;
    let Some(user) = ctx.user.as_ref() else {
        return Err(PageError::not_found());
    };
    let Some(s) = crate::hr_store(&*app.store)?
        .staff_of_user(user.id)
        .await?
        .into_iter()
        .next()
    else {
        return Err(PageError::not_found());
    };
    personnel_pdf(&app, &ctx, s.id, &p.on, true).await
}

// ------------------------------------------------------------------ payroll

pub struct RunLine {
    pub id: String,
    pub month: String,
    pub state: String,
    pub locked: bool,
    pub people: i64,
    pub gross: String,
    pub net: String,
}

pub struct SimView {
    pub people: usize,
    pub gross_now: String,
    pub net_now: String,
    pub gross_simulated: String,
    pub net_simulated: String,
    pub difference: String,
    pub position: Option<(usize, String, String)>,
}

#[derive(Template)]
#[template(path = "hr_payroll.html")]
pub struct PayrollPage {
    pub chrome: Chrome,
    pub office: String,
    pub offices: Vec<(String, String)>,
    pub runs: Vec<RunLine>,
    pub can_manage: bool,
    pub month: String,
    pub params: Vec<(String, String)>,
    pub sim_param: String,
    pub sim_value: String,
    pub simulation: Option<SimView>,
    pub error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct PayrollParams {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub param: String,
    #[serde(default)]
    pub value: String,
}

fn run_line(tr: &Tr, country: Country, r: &crate::store::PayrollRunRow) -> RunLine {
    RunLine {
        id: r.id.to_string(),
        month: r.month.clone(),
        state: tr.t(&format!("hr-run-{}", r.state)),
        locked: r.state == "locked",
        people: r.staff_count,
        gross: money(country, r.gross),
        net: money(country, r.net),
    }
}

async fn payroll_page(
    app: &App,
    ctx: &Ctx,
    p: &PayrollParams,
    error: Option<String>,
) -> Result<PayrollPage, PageError> {
    let tr = ctx.tr();
    let (office, offices) = office_for(app, ctx, &p.office, |office| {
        crate::authz::view_staff(office)
    })
    .await?;
    let runs = crate::hr_store(&*app.store)?
        .payroll_runs(office.id)
        .await?
        .iter()
        .map(|r| run_line(&tr, office.country, r))
        .collect();
    let t = today(app, &office);
    let month = if p.month.is_empty() {
        format!("{:04}-{:02}", t.year(), u8::from(t.month()))
    } else {
        p.month.clone()
    };
    let mut error = error;
    let simulation = if p.param.is_empty() {
        None
    } else {
        let result = async {
            let name =
                ParamName::parse(&p.param).ok_or_else(|| invalid("hr-param", p.param.clone()))?;
            let value = parse_param_value(name, &p.value)?;
            service(app)?
                .simulate(office.id, &month, &[(name, value)])
                .await
        }
        .await;
        match result {
            Ok(s) => Some(SimView {
                people: s.people,
                gross_now: money(office.country, s.gross_now),
                net_now: money(office.country, s.net_now),
                gross_simulated: money(office.country, s.gross_simulated),
                net_simulated: money(office.country, s.net_simulated),
                difference: money(office.country, s.gross_simulated - s.gross_now),
                position: s.position_scheme.map(|(n, g, _)| {
                    (
                        n,
                        money(office.country, g),
                        money(office.country, g - s.gross_now),
                    )
                }),
            }),
            Err(e) => {
                error = Some(service_message(&tr, &e));
                None
            }
        }
    };
    let params = simulable(office.country)
        .iter()
        .map(|n| {
            (
                n.code().to_owned(),
                format!("{} ({})", tr.t(&format!("hr-param-{}", n.code())), n.unit()),
            )
        })
        .collect();
    Ok(PayrollPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        offices,
        runs,
        can_manage: ctx.authorize(crate::authz::manage_staff(office.id)).is_ok(),
        month,
        params,
        sim_param: p.param.clone(),
        sim_value: p.value.clone(),
        simulation,
        error,
    })
}

fn simulable(country: Country) -> &'static [ParamName] {
    match country {
        Country::Vn => &[
            ParamName::VnBaseSalary,
            ParamName::VnPitPersonalDeduction,
            ParamName::VnPitDependantDeduction,
        ],
        Country::Fr => &[ParamName::FrPointValue, ParamName::FrMinimumIndex],
    }
}

/// A parameter value as typed: đồng, an index, or the point value in euros (`4.97`).
fn parse_param_value(name: ParamName, text: &str) -> guichet_common::Result<i64> {
    let bad = |e: guichet_pay::PayError| pay_refusal("hr-param", &e);
    let d = guichet_pay::Decimal::parse(text).map_err(bad)?;
    let scale = if name == ParamName::FrPointValue {
        5
    } else {
        0
    };
    d.at_scale(scale, name.code()).map_err(bad)
}

/// A pay rule's refusal under `key`, in each language.
fn pay_refusal(key: &'static str, e: &guichet_pay::PayError) -> guichet_common::ServiceError {
    guichet_common::invalid_said(key, guichet_common::Said::each(|l| e.message(l.code())))
}

pub async fn payroll(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<PayrollParams>,
) -> Result<Response, PageError> {
    Ok(render_with(
        StatusCode::OK,
        payroll_page(&app, &ctx, &p, None).await?,
    ))
}

pub async fn compute_payroll(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &form.text("office")).await?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    match service(&app)?
        .compute_payroll(&ctx.service_actor(), office.id, &form.text("month"))
        .await
    {
        Ok(run) => Ok(Redirect::to(&format!("/hr/payroll/{}", run.id)).into_response()),
        Err(e) => {
            let p = PayrollParams {
                office: office.code.clone(),
                month: form.text("month"),
                ..PayrollParams::default()
            };
            let msg = service_message(&ctx.tr(), &e);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                payroll_page(&app, &ctx, &p, Some(msg)).await?,
            ))
        }
    }
}

pub struct DiffLine {
    pub name: String,
    pub before: String,
    pub now: String,
    pub change: String,
}

pub struct PayLine {
    pub staff: String,
    pub number: String,
    pub name: String,
    pub gross: String,
    pub net: String,
}

#[derive(Template)]
#[template(path = "hr_run.html")]
pub struct RunPage {
    pub chrome: Chrome,
    pub office: String,
    pub run: RunLine,
    pub lines: Vec<PayLine>,
    pub diff: Vec<DiffLine>,
    pub can_manage: bool,
    pub error: Option<String>,
}

async fn run_of(
    app: &App,
    ctx: &Ctx,
    id: &str,
) -> Result<(crate::store::PayrollRunRow, Office), PageError> {
    let id: PayrollId = id.parse().map_err(|_| PageError::not_found())?;
    let run = crate::hr_store(&*app.store)?
        .payroll_run(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let office = guichet_identity::identity_store(&*app.store)?
        .office(run.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::view_staff(office.id))?;
    Ok((run, office))
}

async fn run_page(
    app: &App,
    ctx: &Ctx,
    id: &str,
    error: Option<String>,
) -> Result<RunPage, PageError> {
    let tr = ctx.tr();
    let (run, office) = run_of(app, ctx, id).await?;
    let staff = service(app)?
        .staff_by_id(office.id)
        .await
        .map_err(|e| page_error(&tr, e))?;
    let mut lines: Vec<PayLine> = crate::hr_store(&*app.store)?
        .payslips(run.id)
        .await?
        .iter()
        .map(|s| {
            let p = staff.get(&s.staff_id);
            PayLine {
                staff: s.staff_id.to_string(),
                number: p.map(|p| p.number.clone()).unwrap_or_default(),
                name: p
                    .map(|p| format!("{} {}", p.family_name, p.given_name))
                    .unwrap_or_default(),
                gross: money(office.country, s.gross),
                net: money(office.country, s.net),
            }
        })
        .collect();
    lines.sort_by(|a, b| a.number.cmp(&b.number));
    let opt = |v: Option<i64>| {
        v.map(|v| money(office.country, v))
            .unwrap_or_else(|| "—".into())
    };
    let diff = service(app)?
        .payroll_diff(&run)
        .await
        .map_err(|e| page_error(&tr, e))?
        .into_iter()
        .map(|d| DiffLine {
            name: d.name,
            before: opt(d.before),
            now: opt(d.now),
            change: money(office.country, d.now.unwrap_or(0) - d.before.unwrap_or(0)),
        })
        .collect();
    Ok(RunPage {
        chrome: Chrome::new(ctx),
        office: office.code.clone(),
        run: run_line(&tr, office.country, &run),
        lines,
        diff,
        can_manage: ctx.authorize(crate::authz::manage_staff(office.id)).is_ok(),
        error,
    })
}

pub async fn run(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render_with(
        StatusCode::OK,
        run_page(&app, &ctx, &id, None).await?,
    ))
}

pub async fn lock(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (run, office) = run_of(&app, &ctx, &id).await?;
    ctx.authorize(crate::authz::manage_staff(office.id))?;
    match service(&app)?
        .lock_payroll(&ctx.service_actor(), run.id)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/hr/payroll/{}", run.id)).into_response()),
        Err(e) => {
            let msg = service_message(&ctx.tr(), &e);
            Ok(render_with(
                StatusCode::CONFLICT,
                run_page(&app, &ctx, &id, Some(msg)).await?,
            ))
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct FormatParams {
    #[serde(default)]
    pub format: String,
}

pub async fn export_run(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<FormatParams>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let (run, office) = run_of(&app, &ctx, &id).await?;
    let rows = service(&app)?
        .payroll_rows(&run)
        .await
        .map_err(|e| page_error(&tr, e))?;
    sheet(
        &rows,
        &p.format,
        &format!("payroll-{}-{}", office.code, run.month),
        "payroll",
    )
}

#[derive(Template)]
#[template(path = "hr_slip.html")]
pub struct SlipPage {
    pub chrome: Chrome,
    pub office_name: String,
    pub month: String,
    pub locked: bool,
    pub run: String,
    pub staff: String,
    pub own: bool,
    pub name: String,
    pub number: String,
    pub slip: SlipView,
}

/// A payslip page; `own`: seen by the person it pays (links stay under `/hr/me`).
async fn slip_page(
    app: &App,
    ctx: &Ctx,
    run: &crate::store::PayrollRunRow,
    office: &Office,
    staff: StaffId,
    own: bool,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let s = crate::hr_store(&*app.store)?
        .payslips(run.id)
        .await?
        .into_iter()
        .find(|s| s.staff_id == staff)
        .ok_or_else(PageError::not_found)?;
    let p = crate::hr_store(&*app.store)?
        .staff_member(staff)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok(render_with(
        StatusCode::OK,
        SlipPage {
            chrome: Chrome::new(ctx),
            office_name: office.name.clone(),
            month: run.month.clone(),
            locked: run.state == "locked",
            run: run.id.to_string(),
            staff: staff.to_string(),
            own,
            name: format!("{} {}", p.family_name, p.given_name),
            number: p.number.clone(),
            slip: slip_view(
                &tr,
                office.country,
                &hr::payslip_json(run, &s).map_err(|e| page_error(&tr, e))?,
            ),
        },
    ))
}

async fn slip_pdf_of(
    app: &App,
    ctx: &Ctx,
    run: &crate::store::PayrollRunRow,
    office: &Office,
    staff: StaffId,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let s = crate::hr_store(&*app.store)?
        .payslips(run.id)
        .await?
        .into_iter()
        .find(|s| s.staff_id == staff)
        .ok_or_else(PageError::not_found)?;
    let p = crate::hr_store(&*app.store)?
        .staff_member(staff)
        .await?
        .ok_or_else(PageError::not_found)?;
    let view = slip_view(
        &tr,
        office.country,
        &hr::payslip_json(run, &s).map_err(|e| page_error(&tr, e))?,
    );
    let today = today(app, office);
    let mut data = header_data(
        &tr,
        office,
        &tr.t("hr-payslip"),
        &format!("{}/{}", run.month, p.number),
        today,
    );
    data["month"] = json!(run.month);
    data["person_name"] = json!(format!("{} {}", p.family_name, p.given_name));
    data["number"] = json!(p.number);
    data["state"] = json!(tr.t(&format!("hr-run-{}", run.state)));
    data["gross"] = json!(view.gross);
    data["deductions"] = json!(view.deductions);
    data["net"] = json!(view.net);
    data["lines"] = json!(
        view.lines
            .iter()
            .map(|l| json!({
                "label": l.label, "rate": l.rate, "base": l.base, "amount": l.amount,
                "deduction": l.deduction, "info": l.info, "source": l.source,
            }))
            .collect::<Vec<_>>()
    );
    let pdf = hr::render_pdf(
        app.renderer.clone(),
        guichet_documents_templates::PAYSLIP,
        data,
        today,
    )
    .await
    .map_err(|e| page_error(&tr, e))?;
    Ok(pdf_response(
        pdf,
        &format!("payslip-{}-{}", run.month, p.number),
    ))
}

pub async fn slip(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, staff)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (run, office) = run_of(&app, &ctx, &id).await?;
    slip_page(&app, &ctx, &run, &office, staff_id(&staff)?, false).await
}

pub async fn slip_pdf(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, staff)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (run, office) = run_of(&app, &ctx, &id).await?;
    slip_pdf_of(&app, &ctx, &run, &office, staff_id(&staff)?).await
}

/// One's own payslip of a run: the run must have paid the visitor's own record.
async fn own_run(
    app: &App,
    ctx: &Ctx,
    id: &str,
) -> Result<(crate::store::PayrollRunRow, Office, StaffId), PageError> {
    ctx.authorize(Action::ViewOwnAccount)?;
    let Some(user) = ctx.user.as_ref() else {
        return Err(PageError::not_found());
    };
    let id: PayrollId = id.parse().map_err(|_| PageError::not_found())?;
    for s in crate::hr_store(&*app.store)?.staff_of_user(user.id).await? {
        if let Some((run, _)) = crate::hr_store(&*app.store)?
            .payslips_of(s.id)
            .await?
            .into_iter()
            .find(|(r, _)| r.id == id)
        {
            let office = guichet_identity::identity_store(&*app.store)?
                .office(run.office_id)
                .await?
                .ok_or_else(PageError::not_found)?;
            return Ok((run, office, s.id));
        }
    }
    Err(PageError::not_found())
}

pub async fn own_slip(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (run, office, staff) = own_run(&app, &ctx, &id).await?;
    slip_page(&app, &ctx, &run, &office, staff, true).await
}

pub async fn own_slip_pdf(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (run, office, staff) = own_run(&app, &ctx, &id).await?;
    slip_pdf_of(&app, &ctx, &run, &office, staff).await
}

// ------------------------------------------------------------------ parameters

pub struct ParamLine {
    pub name: String,
    pub label: String,
    pub from: String,
    pub value: String,
    pub source: String,
    pub confidence: String,
}

#[derive(Template)]
#[template(path = "hr_params.html")]
pub struct ParamsPage {
    pub chrome: Chrome,
    pub lines: Vec<ParamLine>,
    pub names: Vec<(String, String)>,
    pub can_manage: bool,
    pub error: Option<String>,
}

async fn params_page(app: &App, ctx: &Ctx, error: Option<String>) -> Result<ParamsPage, PageError> {
    let tr = ctx.tr();
    ctx.authorize(crate::authz::view_pay_parameters())?;
    let params = service(app)?
        .parameters()
        .await
        .map_err(|e| page_error(&tr, e))?;
    let mut lines = Vec::new();
    for name in ParamName::ALL {
        for e in params.entries(name) {
            let value = if name == ParamName::FrPointValue {
                guichet_pay::Decimal::new(e.value, 5).to_string()
            } else if name.unit().starts_with("basis") {
                format!("{} %", guichet_pay::Decimal::new(e.value, 2))
            } else {
                e.value.to_string()
            };
            lines.push(ParamLine {
                name: name.code().into(),
                label: tr.t(&format!("hr-param-{}", name.code())),
                from: e.from.to_string(),
                value,
                source: e.source.clone(),
                confidence: tr.t(&format!(
                    "hr-confidence-{}",
                    serde_json::to_value(e.confidence)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )),
            });
        }
    }
    Ok(ParamsPage {
        chrome: Chrome::new(ctx),
        lines,
        names: ParamName::ALL
            .iter()
            .map(|n| {
                (
                    n.code().to_owned(),
                    format!("{} ({})", tr.t(&format!("hr-param-{}", n.code())), n.unit()),
                )
            })
            .collect(),
        can_manage: ctx.authorize(crate::authz::manage_pay_parameters()).is_ok(),
        error,
    })
}

pub async fn parameters(State(app): State<App>, ctx: Ctx) -> Result<Response, PageError> {
    Ok(render_with(
        StatusCode::OK,
        params_page(&app, &ctx, None).await?,
    ))
}

pub async fn add_parameter(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    ctx.authorize(crate::authz::manage_pay_parameters())?;
    let result = async {
        let name = ParamName::parse(&form.text("name"))
            .ok_or_else(|| invalid("hr-param", form.text("name")))?;
        let from = hr::parse_day(&form.text("from"), "from")?;
        let value = parse_param_value(name, &form.text("value"))?;
        service(&app)?
            .add_parameter(
                &ctx.service_actor(),
                name.code(),
                from,
                value,
                &form.text("source"),
            )
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/hr/parameters").into_response()),
        Err(e) => {
            let msg = service_message(&ctx.tr(), &e);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                params_page(&app, &ctx, Some(msg)).await?,
            ))
        }
    }
}

// ------------------------------------------------------------------ JSON API

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StaffOnDto {
    pub id: String,
    pub number: String,
    pub family_name: String,
    pub given_name: String,
    pub unit: Option<String>,
    pub position: Option<String>,
    pub status: Option<String>,
    /// Start of the assignment in effect on the date.
    pub since: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ApiStaffParams {
    /// The date (YYYY-MM-DD); today in the office when left out.
    #[serde(default)]
    #[param(format = Date)]
    pub on: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/offices/{office}/staff", tag = "hr",
    params(("office" = String, Path, description = "Office code"), ApiStaffParams),
    responses((status = 200, description = "Everyone of the office as of the date, with the unit, job position and status then", body = Vec<StaffOnDto>),
        (status = 400, description = "Bad date", body = guichet_web::error::Problem),
        (status = 401, description = "Not logged in", body = guichet_web::error::Problem),
        (status = 403, description = "Not allowed", body = guichet_web::error::Problem),
        (status = 404, description = "No such office", body = guichet_web::error::Problem)))]
pub async fn api_staff(
    State(app): State<App>,
    ctx: Ctx,
    Path(office): Path<String>,
    Query(p): Query<ApiStaffParams>,
) -> Result<axum::Json<Vec<StaffOnDto>>, guichet_web::error::ApiError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(&office)
        .await?
        .ok_or_else(|| {
            guichet_web::error::ApiError::for_status(
                StatusCode::NOT_FOUND,
                Some("no such office".into()),
            )
        })?;
    ctx.authorize(crate::authz::view_staff(office.id))?;
    let day = match p.on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => today(&app, &office),
        Some(d) => guichet_units::parse_date(d).ok_or_else(|| {
            guichet_web::error::ApiError::for_status(
                StatusCode::BAD_REQUEST,
                Some(format!("{d:?} is not a date (YYYY-MM-DD)")),
            )
        })?,
    };
    let staff = service(&app)?.staff_on(office.id, day).await?;
    Ok(axum::Json(
        staff
            .into_iter()
            .map(|s| StaffOnDto {
                id: s.staff.id.to_string(),
                number: s.staff.number,
                family_name: s.staff.family_name,
                given_name: s.staff.given_name,
                unit: s.assignment.as_ref().map(|t| t.unit_code.clone()),
                position: s.assignment.as_ref().map(|t| t.position_code.clone()),
                since: s.assignment.as_ref().map(|t| t.valid_from.to_string()),
                status: s
                    .status
                    .as_ref()
                    .and_then(|t| t.data["status"].as_str().map(str::to_owned)),
            })
            .collect(),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ApiPayParams {
    /// `vn` or `fr`.
    #[param(pattern = "^(vn|fr)$")]
    pub country: String,
}

#[utoipa::path(post, path = "/api/v1/pay/compute", tag = "hr",
    params(ApiPayParams),
    request_body(content = Object, description = "One person-month, as the input of `guichet pay compute` (see docs/hr.md)"),
    responses((status = 200, description = "The pay breakdown: gross, each line with its legal source, net", body = Object),
        (status = 401, description = "Not logged in", body = guichet_web::error::Problem),
        (status = 422, description = "The input cannot be computed (unknown scale, step, date before the parameters…)", body = guichet_web::error::Problem)))]
pub async fn api_pay(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<ApiPayParams>,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, guichet_web::error::ApiError> {
    ctx.authorize(Action::ViewOwnAccount)?;
    let params = service(&app)?.parameters().await?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        guichet_web::error::ApiError::for_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("the body is not UTF-8".into()),
        )
    })?;
    let slip = guichet_pay::compute_json(&p.country, text, &params).map_err(|e| {
        guichet_web::error::ApiError::for_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(e.to_string()),
        )
    })?;
    Ok(axum::Json(slip.to_json()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_per_country() {
        assert_eq!(money(Country::Vn, 5_475_600), "5.475.600 ₫");
        assert_eq!(money(Country::Vn, -600), "-600 ₫");
        assert_eq!(money(Country::Fr, 196_911), "1\u{202f}969,11 €");
        assert_eq!(money(Country::Fr, 5), "0,05 €");
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/hr" => get(staff),
    "/hr/people" => post(add_person),
    "/hr/import" => post(import),
    "/hr/export" => get(export),
    "/hr/chart" => get(chart),
    "/hr/units" => post(add_unit),
    "/hr/positions" => post(add_position),
    "/hr/staff/{id}" => get(person),
    "/hr/staff/{id}/terms" => post(add_term),
    "/hr/staff/{id}/record.pdf" => get(person_pdf),
    "/hr/staff/{id}/corrections/{term}" => post(close_correction),
    "/hr/me" => get(me),
    "/hr/me/record.pdf" => get(me_pdf),
    "/hr/me/payslips/{run}" => get(own_slip),
    "/hr/me/payslips/{run}/pdf" => get(own_slip_pdf),
    "/hr/me/correction" => post(request_correction),
    "/hr/payroll" => get(payroll).post(compute_payroll),
    "/hr/payroll/{id}" => get(run),
    "/hr/payroll/{id}/lock" => post(lock),
    "/hr/payroll/{id}/export" => get(export_run),
    "/hr/payroll/{id}/slip/{staff}" => get(slip),
    "/hr/payroll/{id}/slip/{staff}/pdf" => get(slip_pdf),
    "/hr/parameters" => get(parameters).post(add_parameter),
}

guichet_web::route_table! {
    /// Its JSON API routes, relative to `/api/v1`.
    fn api_routes, API_ROUTES;
    "/offices/{office}/staff" => get(api_staff),
    "/pay/compute" => post(api_pay),
}

/// This module's part of the OpenAPI document (merged by `api::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_staff, api_pay), components(schemas(StaffOnDto)))]
pub struct ApiDoc;

/// The slice's messages, compiled in.
pub const MESSAGES: guichet_web::i18n::SliceMessages = &[
    ("vi", include_str!("../locales/vi/hr.ftl")),
    ("fr", include_str!("../locales/fr/hr.ftl")),
    ("en", include_str!("../locales/en/hr.ftl")),
];

/// What the slice adds to the application: its routes, its part of the API document, its
/// header links and its messages.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: MESSAGES,
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "hr",
    pages: ROUTES,
    add_pages: routes,
    api: API_ROUTES,
    add_api: api_routes,
    api_doc: Some(<ApiDoc as utoipa::OpenApi>::openapi),
    nav: &[
        guichet_web::NavItem {
            menu: guichet_web::Menu::Main,
            order: 70,
            href: "/hr",
            key: "nav-hr",
            // Personnel and pay: office administrators and auditors.
            visible: |ctx| {
                ctx.principal().is_some_and(|p| {
                    p.grants.iter().any(|g| {
                        use guichet_core::authz::Role;
                        matches!(g.role, Role::OfficeAdmin | Role::Auditor)
                    })
                })
            },
            current: |p| p.starts_with("/hr") && p != "/hr/me",
        },
        guichet_web::NavItem {
            menu: guichet_web::Menu::Account,
            order: 20,
            href: "/hr/me",
            key: "nav-my-record",
            visible: guichet_web::helpers::is_civil_servant,
            current: |p| p == "/hr/me",
        },
    ],
};

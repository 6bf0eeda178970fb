//! The office calendar page: the year's days off by law and the days recorded by the office's
//! administrators, with a form to record or remove a day.

use crate::AccountError;
use crate::calendar::{NewOverride, remove_override, set_override, year_view};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guichet_store::{Office, StoreError};

use guichet_web::App;
use guichet_web::chrome::{Chrome, notice};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;

pub struct DayRow {
    pub date: String,
    pub name: String,
    pub working_day: bool,
    pub reference: Option<String>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub chrome: Chrome,
    pub office_code: String,
    pub year: i32,
    pub days: Vec<DayRow>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub error_field: &'static str,
    pub form_day: String,
    pub form_name: String,
    pub form_reference: String,
}

async fn office(app: &App, ctx: &Ctx, code: &str) -> Result<Office, PageError> {
    let office = crate::identity_store(&*app.store)?
        .office_by_code(code)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::manage_office(office.id))?;
    Ok(office)
}

async fn page(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    year: i32,
    notice_key: Option<&str>,
) -> Result<CalendarPage, PageError> {
    let days = match year_view(crate::identity_store(&*app.store)?, office, year).await {
        Ok(days) => days,
        Err(AccountError::Invalid { key, .. }) => {
            return Err(PageError {
                status: StatusCode::BAD_REQUEST,
                key,
                detail: None,
            });
        }
        Err(e) => return Err(PageError::internal(&e)),
    };
    Ok(CalendarPage {
        chrome: Chrome::new(ctx),
        office_code: office.code.clone(),
        year,
        days: days
            .into_iter()
            .map(|d| DayRow {
                date: d.date.to_string(),
                name: d.name,
                working_day: d.working_day,
                reference: d.legal_reference,
            })
            .collect(),
        notice: notice(&ctx.tr(), notice_key),
        error: None,
        error_field: "day",
        form_day: String::new(),
        form_name: String::new(),
        form_reference: String::new(),
    })
}

#[derive(serde::Deserialize)]
pub struct CalendarQuery {
    year: Option<String>,
    notice: Option<String>,
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    let office = office(&app, &ctx, &code).await?;
    let year = match q.year.as_deref().map(str::trim) {
        None | Some("") => app.clock.now().year(),
        Some(y) => y
            .parse::<i32>()
            .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "invalid-year"))?,
    };
    let page = page(&app, &ctx, &office, year, q.notice.as_deref()).await?;
    Ok(guichet_web::chrome::render_with(StatusCode::OK, page))
}

#[derive(serde::Deserialize)]
pub struct DayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    legal_reference: String,
}

pub async fn record(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<DayForm>,
) -> Result<Response, PageError> {
    let office = office(&app, &ctx, &code).await?;
    let new = NewOverride {
        day: form.day.clone(),
        kind: form.kind.clone(),
        name: form.name.clone(),
        legal_reference: form.legal_reference.clone(),
    };
    match set_override(
        crate::identity_store(&*app.store)?,
        &*app.clock,
        &*app.entropy,
        &ctx.actor(),
        &office,
        new,
    )
    .await
    {
        Ok(o) => Ok(Redirect::to(&format!(
            "/admin/offices/{code}/calendar?year={}&notice=calendar-saved",
            o.day.year()
        ))
        .into_response()),
        Err(AccountError::Invalid { key, .. }) => {
            // Show the year of the submitted day when it is a covered date, else this year.
            let year = crate::calendar::parse_day(&form.day)
                .ok()
                .map(|d| d.year())
                .filter(|y| crate::calendar::year_covered(&office, *y))
                .unwrap_or_else(|| app.clock.now().year());
            let mut page = page(&app, &ctx, &office, year, None).await?;
            page.error = Some(ctx.tr().t(key));
            page.error_field = match key {
                "invalid-override-name" => "name",
                "invalid-legal-reference" => "legal_reference",
                "invalid-kind" => "kind",
                _ => "day",
            };
            page.form_day = form.day;
            page.form_name = form.name;
            page.form_reference = form.legal_reference;
            Ok(guichet_web::chrome::render_with(
                StatusCode::BAD_REQUEST,
                page,
            ))
        }
        Err(e) => Err(PageError::internal(&e)),
    }
}

#[derive(serde::Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    day: String,
}

pub async fn remove(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, PageError> {
    let office = office(&app, &ctx, &code).await?;
    match remove_override(
        crate::identity_store(&*app.store)?,
        &*app.clock,
        &ctx.actor(),
        &office,
        &form.day,
    )
    .await
    {
        Ok(()) => {
            let year = crate::calendar::parse_day(&form.day)
                .map(|d| d.year())
                .unwrap_or_else(|_| app.clock.now().year());
            Ok(Redirect::to(&format!(
                "/admin/offices/{code}/calendar?year={year}&notice=calendar-removed"
            ))
            .into_response())
        }
        Err(AccountError::Invalid { key, .. }) => Err(PageError {
            status: StatusCode::BAD_REQUEST,
            key,
            detail: None,
        }),
        Err(AccountError::Store(StoreError::NotFound(_))) => Err(PageError::not_found()),
        Err(e) => Err(PageError::internal(&e)),
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/admin/offices/{code}/calendar" => get(show).post(record),
    "/admin/offices/{code}/calendar/remove" => post(remove),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "identity_calendar",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[],
};

//! Statistics pages: the office's own figures (agents and administrators; filters by procedure
//! and months) and the public transparency page of each office. Charts are SVG drawn on the
//! server; each has the same numbers in a table.

use crate::stats::{self, Figures, MonthFigures};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guichet_store::Office;
use time::Date;

use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::{ApiError, PageError};
use guichet_web::i18n::Tr;

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct StatsParams {
    /// Office code (pages; the API takes it in the path).
    #[serde(default)]
    pub office: String,
    /// Procedure code; empty: all.
    #[serde(default)]
    pub procedure: String,
    /// First month, `YYYY-MM`; default: five months before `to`.
    #[serde(default)]
    #[param(pattern = "^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    pub from: String,
    /// Last month, `YYYY-MM`; default: this month.
    #[serde(default)]
    #[param(pattern = "^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    pub to: String,
}

pub struct Row {
    pub label: String,
    pub f: Figures,
}

#[derive(Template)]
#[template(path = "stats.html")]
pub struct StatsPage {
    pub chrome: Chrome,
    pub public: bool,
    pub office: String,
    pub office_name: String,
    pub offices: Vec<(String, String)>,
    pub procedures: Vec<(String, String)>,
    pub procedure: String,
    pub from: String,
    pub to: String,
    pub months: Vec<Row>,
    pub total: Figures,
    pub by_procedure: Vec<Row>,
    pub chart: String,
}

/// A figure for a table cell: "—" when there is none.
pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|x| x.to_string())
        .unwrap_or_else(|| "—".into())
}

struct Window {
    from: Date,
    to: Date,
    today: Date,
}

fn window(office: &Office, app: &App, p: &StatsParams) -> Result<Window, PageError> {
    let today = crate::dossier::local_time(office.country, app.clock.now()).date();
    let to = if p.to.trim().is_empty() {
        stats::month_start(today)
    } else {
        stats::parse_month(&p.to).ok_or_else(|| PageError::bad_request("to: YYYY-MM"))?
    };
    let from = if p.from.trim().is_empty() {
        back_months(to, 5)
    } else {
        stats::parse_month(&p.from).ok_or_else(|| PageError::bad_request("from: YYYY-MM"))?
    };
    if from > to
        || (to.year() - from.year()) * 12 + i32::from(u8::from(to.month()))
            - i32::from(u8::from(from.month()))
            > 120
    {
        return Err(PageError::bad_request("from ≤ to, at most 10 years"));
    }
    Ok(Window { from, to, today })
}

fn back_months(d: Date, n: u32) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 - n as i32;
    let month =
        time::Month::try_from((total.rem_euclid(12) + 1) as u8).unwrap_or(time::Month::January);
    Date::from_calendar_date(total.div_euclid(12), month, 1).unwrap_or(d)
}

/// Monthly figures, the total of the window, and per-procedure figures.
async fn compute(
    app: &App,
    office: &Office,
    procedure: Option<guichet_core::ProcedureId>,
    w: &Window,
) -> Result<
    (
        Vec<MonthFigures>,
        Figures,
        Vec<(guichet_core::ProcedureId, Figures)>,
    ),
    PageError,
> {
    let end = stats::next_month(w.to);
    let rows = stats::rows(
        crate::one_stop_store(&*app.store)?,
        office.id,
        procedure,
        w.from,
        end,
    )
    .await
    .map_err(|e| PageError::internal(&e))?;
    let cal =
        guichet_identity::calendar::office_calendar(crate::one_stop_store(&*app.store)?, office)
            .await
            .map_err(|e| PageError::internal(&e))?;
    let months = stats::monthly(&rows, w.from, w.to, w.today, office.country, &cal);
    let total = stats::figures(rows.iter(), w.from, end, w.today, office.country, &cal);
    let per = stats::by_procedure(&rows, w.from, end, w.today, office.country, &cal);
    Ok((months, total, per))
}

/// Stacked bars per month: early, on time, late.
pub fn chart_svg(tr: &Tr, months: &[MonthFigures]) -> String {
    let (w, h, left, bottom, top) = (640.0_f64, 240.0_f64, 40.0_f64, 30.0_f64, 20.0_f64);
    let max = months
        .iter()
        .map(|m| m.figures.early + m.figures.on_time + m.figures.late)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = months.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let bar = (slot * 0.6).min(48.0);
    let scale = (h - bottom - top) / max;
    let title = tr.t("stats-chart-title");
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>",
        esc(&title),
        esc(&tr.t("stats-chart-desc"))
    );
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#0b0c0c\"/>",
        h - bottom,
        w - 10.0,
        h - bottom
    ));
    s.push_str(&format!(
        "<text x=\"4\" y=\"{}\">{}</text>",
        top + 4.0,
        max as u64
    ));
    s.push_str(&format!("<text x=\"4\" y=\"{}\">0</text>", h - bottom));
    let colours = [
        ("#0b5b23", "early"),
        ("#1d70b8", "on_time"),
        ("#8a1010", "late"),
    ];
    for (i, m) in months.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = h - bottom;
        for (colour, key) in colours {
            let v = match key {
                "early" => m.figures.early,
                "on_time" => m.figures.on_time,
                _ => m.figures.late,
            };
            let bh = v as f64 * scale;
            if v > 0 {
                y -= bh;
                s.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{colour}\"/>"
                ));
            }
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x + bar / 2.0,
            h - 10.0,
            stats::month_code(m.month)
        ));
    }
    let mut lx = left;
    for (colour, key) in colours {
        let label = tr.t(&format!("timing-{key}"));
        s.push_str(&format!(
            "<rect x=\"{lx}\" y=\"2\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{}\" y=\"11\">{}</text>",
            lx + 14.0,
            esc(&label)
        ));
        lx += 150.0;
    }
    s.push_str("</svg>");
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn page(
    app: &App,
    ctx: &Ctx,
    office: Office,
    p: StatsParams,
    public: bool,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let lang = ctx.lang;
    let w = window(&office, app, &p)?;
    let procs = crate::one_stop_store(&*app.store)?
        .list_procedures(Some(office.id))
        .await?;
    let procedure = procs.iter().find(|x| x.code == p.procedure).map(|x| x.id);
    let (months, total, per) = compute(app, &office, procedure, &w).await?;
    let mut names = Vec::new();
    for x in &procs {
        let name = crate::web::one_stop::procedure_label(app, x, lang).await?;
        names.push((x.code.clone(), name, x.id));
    }
    let offices = if public {
        Vec::new()
    } else {
        guichet_identity::lookup::offices_where(app, ctx, |office| {
            crate::authz::work_in_office(office)
        })
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect()
    };
    let page = StatsPage {
        chrome: Chrome::new(ctx),
        public,
        office: office.code.clone(),
        office_name: office.name.clone(),
        offices,
        procedures: names
            .iter()
            .map(|(c, n, _)| (c.clone(), n.clone()))
            .collect(),
        procedure: if procedure.is_some() {
            p.procedure.clone()
        } else {
            String::new()
        },
        from: stats::month_code(w.from),
        to: stats::month_code(w.to),
        chart: chart_svg(&tr, &months),
        months: months
            .into_iter()
            .map(|m| Row {
                label: stats::month_code(m.month),
                f: m.figures,
            })
            .collect(),
        total,
        by_procedure: per
            .into_iter()
            .map(|(id, f)| Row {
                label: names
                    .iter()
                    .find(|(_, _, pid)| *pid == id)
                    .map(|(_, n, _)| n.clone())
                    .unwrap_or_else(|| id.to_string()),
                f,
            })
            .collect(),
    };
    Ok(render_with(StatusCode::OK, page))
}

/// `/stats`: the figures of an office the visitor works in.
pub async fn office_stats(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<StatsParams>,
) -> Result<Response, PageError> {
    let (office, _) = guichet_identity::lookup::office_for(&app, &ctx, &p.office, |office| {
        crate::authz::work_in_office(office)
    })
    .await?;
    page(&app, &ctx, office, p, false).await
}

/// `/transparency/{office}`: the public figures of an office.
pub async fn transparency(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(p): Query<StatsParams>,
) -> Result<Response, PageError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(&code)
        .await?
        .ok_or_else(PageError::not_found)?;
    page(&app, &ctx, office, p, true).await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StatsDto {
    pub office: String,
    pub from: String,
    pub to: String,
    /// One entry per month: `month` (first day) and the figures.
    #[schema(value_type = Vec<Object>)]
    pub months: Vec<MonthFigures>,
    #[schema(value_type = Object)]
    pub total: Figures,
}

/// Public statistics of an office (the transparency page's numbers).
#[utoipa::path(get, path = "/api/v1/offices/{office}/stats", tag = "statistics",
    params(("office" = String, Path, description = "Office code"), StatsParams),
    responses((status = 200, description = "Monthly figures", body = StatsDto), (status = 404, description = "No such office")))]
pub async fn api_stats(
    State(app): State<App>,
    Path(code): Path<String>,
    Query(p): Query<StatsParams>,
) -> Result<Json<StatsDto>, ApiError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(&code)
        .await?
        .ok_or_else(|| {
            ApiError::for_status(StatusCode::NOT_FOUND, Some("no such office".into()))
        })?;
    let w = window(&office, &app, &p).map_err(|e| ApiError::for_status(e.status, e.detail))?;
    let procedure = match p.procedure.trim() {
        "" => None,
        c => Some(
            crate::one_stop_store(&*app.store)?
                .procedure_by_code(office.id, c)
                .await?
                .ok_or_else(|| {
                    ApiError::for_status(StatusCode::NOT_FOUND, Some("no such procedure".into()))
                })?
                .id,
        ),
    };
    let (months, total, _) = compute(&app, &office, procedure, &w)
        .await
        .map_err(|e| ApiError::for_status(e.status, e.detail))?;
    Ok(Json(StatsDto {
        office: office.code,
        from: stats::month_code(w.from),
        to: stats::month_code(w.to),
        months,
        total,
    }))
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/stats" => get(office_stats),
    "/transparency/{office}" => get(transparency),
}

guichet_web::route_table! {
    /// Its JSON API routes, relative to `/api/v1`.
    fn api_routes, API_ROUTES;
    "/offices/{office}/stats" => get(api_stats),
}

/// This module's part of the OpenAPI document (merged by `api::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_stats), components(schemas(StatsDto)))]
pub struct ApiDoc;

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "stats_web",
    pages: ROUTES,
    add_pages: routes,
    api: API_ROUTES,
    add_api: api_routes,
    api_doc: Some(<ApiDoc as utoipa::OpenApi>::openapi),
    nav: &[],
};

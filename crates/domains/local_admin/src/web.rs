//! The admin-unit registry on the web: public pages (browse, unit history, old-address
//! conversion, the address picker) and the `/api/v1/units…` API. Everything reads the
//! in-memory [`guichet_units::Registry`] the runtime built from the store.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use guichet_core::Country;
use guichet_units::address::{AddressError, Conversion, convert};
use guichet_units::{Level, Registry, Unit, UnitRef, UnitsError, format_date, parse_date};
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;

use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::{ApiError, PageError};
use guichet_web::json::ApiJson;
use guichet_web::picker::Picker;

fn today(app: &App) -> Date {
    app.clock.now().date()
}

fn units_error(e: UnitsError) -> ApiError {
    let status = match e {
        UnitsError::UnknownUnit(_) | UnitsError::NotInForce { .. } => StatusCode::NOT_FOUND,
        UnitsError::BadData { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, e.code(), e.to_string())
}

fn date_param(raw: Option<&str>, default: Date) -> Result<Date, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => parse_date(s).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad-date",
                format!("{s:?} is not YYYY-MM-DD"),
            )
        }),
    }
}

fn country_param(raw: Option<&str>) -> Result<Option<Country>, ApiError> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            Country::parse(s).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad-country",
                    format!("{s:?}: use vn or fr"),
                )
            })
        })
        .transpose()
}

/// One version of a unit.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UnitDto {
    /// Unit reference, e.g. `VN-C-00004`, `FR-C-33063`.
    #[serde(rename = "ref")]
    pub unit_ref: String,
    /// Version id: `REF@valid_from`.
    pub id: String,
    /// Official code (statistical code in Vietnam, INSEE code in France).
    pub code: String,
    pub name: String,
    pub short_name: String,
    /// Legal type: `tinh`, `thanh_pho_tw`, `huyen`, `quan`, `thi_xa`, `thanh_pho_thuoc_tinh`,
    /// `xa`, `phuong`, `thi_tran`, `dac_khu`, `region`, `departement`,
    /// `collectivite_outre_mer`, `commune`, `commune_deleguee`, `commune_associee`,
    /// `arrondissement_municipal`.
    pub kind: String,
    /// `province`, `district`, `region`, `department` or `commune`.
    pub level: String,
    pub country: String,
    pub parent_ref: Option<String>,
    /// Parent names on the date asked, nearest first.
    pub within: Vec<String>,
    /// First day in force (YYYY-MM-DD).
    pub valid_from: String,
    /// First day no longer in force; absent while in force.
    pub valid_to: Option<String>,
    /// The act that established this version.
    pub start_ref: String,
    /// The act that ended it.
    pub end_ref: String,
}

impl UnitDto {
    fn of(reg: &Registry, u: &Unit, date: Date) -> UnitDto {
        UnitDto {
            unit_ref: u.unit_ref.to_string(),
            id: u.id.clone(),
            code: u.code().to_string(),
            name: u.name.clone(),
            short_name: u.short_name.clone(),
            kind: u.kind.as_str().to_string(),
            level: u.level.as_str().to_string(),
            country: u.country.code().to_string(),
            parent_ref: u.parent_ref.as_ref().map(ToString::to_string),
            within: reg
                .ancestors(u, u.seen_on(date))
                .iter()
                .map(|p| p.name.clone())
                .collect(),
            valid_from: format_date(u.valid_from),
            valid_to: u.valid_to.map(format_date),
            start_ref: u.start_ref.clone(),
            end_ref: u.end_ref.clone(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UnitsQuery {
    /// `vn` or `fr`.
    #[param(pattern = "^\\s*([vV][nN]|[fF][rR])?\\s*$")]
    pub country: Option<String>,
    /// YYYY-MM-DD; default today. `all` searches every date.
    #[param(pattern = "^(|all|[0-9]{4}-[0-9]{2}-[0-9]{2})$")]
    pub at: Option<String>,
    /// Name or code; accents and case do not matter.
    pub q: Option<String>,
    /// Only this level.
    #[param(pattern = "^(province|district|region|department|commune)?$")]
    pub level: Option<String>,
    /// Children of this unit (when no `q`).
    pub parent: Option<String>,
    /// At most this many results (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UnitListDto {
    /// The date the list is for; absent when searching all dates.
    pub at: Option<String>,
    pub units: Vec<UnitDto>,
    /// Close spellings when `q` matched nothing.
    pub suggestions: Vec<UnitDto>,
}

/// Search or list units: by name (`q`), the children of `parent`, or a country's top level.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitsQuery),
    responses((status = 200, body = UnitListDto), (status = 400, description = "Bad country, date, level or reference; or a date before the data")))]
pub async fn list_units(
    State(app): State<App>,
    Query(q): Query<UnitsQuery>,
) -> Result<Json<UnitListDto>, ApiError> {
    let reg = &app.units;
    let country = country_param(q.country.as_deref())?;
    let all_dates = q.at.as_deref() == Some("all");
    let at = if all_dates {
        None
    } else {
        Some(date_param(q.at.as_deref(), today(&app))?)
    };
    let level = match q.level.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Level::parse(s).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad-level",
                format!("{s:?}: use province, district, region, department or commune"),
            )
        })?),
    };
    let limit = match q.limit {
        None => 50,
        Some(n @ 1..=500) => n,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad-limit",
                "limit is 1 to 500",
            ));
        }
    };
    let shown = |u: &Unit| at.unwrap_or(u.valid_from);
    if let Some(query) = q.q.as_deref().filter(|s| !s.trim().is_empty()) {
        let m = reg
            .search(query, country, at, level, limit)
            .map_err(units_error)?;
        return Ok(Json(UnitListDto {
            at: at.map(format_date),
            units: m
                .hits
                .iter()
                .map(|h| UnitDto::of(reg, h.unit, shown(h.unit)))
                .collect(),
            suggestions: m
                .suggestions
                .iter()
                .map(|h| UnitDto::of(reg, h.unit, shown(h.unit)))
                .collect(),
        }));
    }
    let at = at.unwrap_or(today(&app));
    let units = if let Some(parent) = q.parent.as_deref().filter(|s| !s.is_empty()) {
        let parent = UnitRef::parse(parent).map_err(units_error)?;
        reg.children(&parent, at).map_err(units_error)?
    } else {
        reg.roots(country.unwrap_or(Country::Vn), at)
            .map_err(units_error)?
    };
    Ok(Json(UnitListDto {
        at: Some(format_date(at)),
        units: units
            .into_iter()
            .filter(|u| level.is_none_or(|l| u.level == l))
            .take(limit)
            .map(|u| UnitDto::of(reg, u, at))
            .collect(),
        suggestions: vec![],
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AtQuery {
    /// YYYY-MM-DD. Without it: the version in force today, or the last one for a unit that
    /// no longer exists.
    #[param(pattern = "^(|all|[0-9]{4}-[0-9]{2}-[0-9]{2})$")]
    pub at: Option<String>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UnitDetailDto {
    /// The version asked for.
    pub unit: UnitDto,
    /// Every version, oldest first.
    pub versions: Vec<UnitDto>,
    /// Number of units directly under it on that date.
    pub children: usize,
}

fn version_at<'a>(
    reg: &'a Registry,
    unit: &UnitRef,
    at: Option<Date>,
    today: Date,
) -> Result<&'a Unit, UnitsError> {
    match at {
        Some(d) => reg.at(unit, d),
        None => {
            let versions = reg.versions(unit)?;
            Ok(versions
                .iter()
                .find(|u| u.in_force(today))
                .or(versions.last())
                .copied()
                .ok_or_else(|| UnitsError::UnknownUnit(unit.to_string()))?)
        }
    }
}

/// One unit: the version in force on `at`, every version, and how many units it contains.
#[utoipa::path(get, path = "/api/v1/units/{unit}", tag = "units", params(("unit" = String, Path, description = "Unit reference, e.g. VN-P-01", pattern = "^\\s*([Vv][Nn]-[PpDdCc]|[Ff][Rr]-([RrDdCc]|[Cc][DdAa]|[Aa][Mm]))-[0-9A-Za-z]{1,6}\\s*$"), AtQuery),
    responses((status = 200, body = UnitDetailDto), (status = 400, description = "Bad reference or date"), (status = 404, description = "No such unit, or not in force on that date")))]
pub async fn get_unit(
    State(app): State<App>,
    Path(raw): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Json<UnitDetailDto>, ApiError> {
    let reg = &app.units;
    let unit = UnitRef::parse(&raw).map_err(units_error)?;
    let at = match q.at.as_deref() {
        None | Some("") => None,
        some => Some(date_param(some, today(&app))?),
    };
    let u = version_at(reg, &unit, at, today(&app)).map_err(units_error)?;
    let date = u.seen_on(at.unwrap_or(today(&app)));
    Ok(Json(UnitDetailDto {
        unit: UnitDto::of(reg, u, date),
        versions: reg
            .versions(&unit)
            .map_err(units_error)?
            .into_iter()
            .map(|v| UnitDto::of(reg, v, v.valid_from))
            .collect(),
        children: reg.children(&unit, date).map(|c| c.len()).unwrap_or(0),
    }))
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct LinkDto {
    /// The version at the other end.
    pub unit: UnitDto,
    /// `merge`, `split`, `rename`, `code_change`, `continue` or `reorganise`.
    pub kind: String,
    pub effective: String,
    /// Only part of the old unit went into the new one.
    pub partial: bool,
    pub legal_ref: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct VersionLineageDto {
    pub version: UnitDto,
    pub predecessors: Vec<LinkDto>,
    pub successors: Vec<LinkDto>,
}

fn link_dtos(reg: &Registry, links: Vec<guichet_units::LinkView<'_>>) -> Vec<LinkDto> {
    links
        .into_iter()
        .map(|l| LinkDto {
            unit: UnitDto::of(reg, l.unit, l.unit.valid_from),
            kind: l.kind.as_str().to_string(),
            effective: format_date(l.effective),
            partial: l.partial,
            legal_ref: l.legal_ref.to_string(),
        })
        .collect()
}

/// The lineage of every version of a unit: what it came from and what it became.
#[utoipa::path(get, path = "/api/v1/units/{unit}/lineage", tag = "units", params(("unit" = String, Path, description = "Unit reference", pattern = "^\\s*([Vv][Nn]-[PpDdCc]|[Ff][Rr]-([RrDdCc]|[Cc][DdAa]|[Aa][Mm]))-[0-9A-Za-z]{1,6}\\s*$")),
    responses((status = 200, body = [VersionLineageDto]), (status = 404, description = "No such unit")))]
pub async fn unit_lineage(
    State(app): State<App>,
    Path(raw): Path<String>,
) -> Result<Json<Vec<VersionLineageDto>>, ApiError> {
    let reg = &app.units;
    let unit = UnitRef::parse(&raw).map_err(units_error)?;
    Ok(Json(
        reg.versions(&unit)
            .map_err(units_error)?
            .into_iter()
            .map(|v| VersionLineageDto {
                version: UnitDto::of(reg, v, v.valid_from),
                predecessors: link_dtos(reg, reg.predecessors(v)),
                successors: link_dtos(reg, reg.successors(v)),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct ConvertRequest {
    /// "Phường X, Quận Y, Thành phố Z" as written before 1 July 2025 (street first is fine):
    /// parts separated by commas.
    #[schema(pattern = ",")]
    #[param(pattern = ",")]
    pub address: String,
}

/// The answer to a conversion, or why there is none (with candidates or suggestions).
fn conversion_response(result: Result<Conversion, AddressError>) -> Response {
    match result {
        Ok(c) => Json(c).into_response(),
        Err(e) => {
            let mut body = serde_json::to_value(&e).unwrap_or_default();
            if let Some(obj) = body.as_object_mut() {
                obj.insert("type".into(), "about:blank".into());
                obj.insert(
                    "title".into(),
                    "The address cannot be converted with certainty".into(),
                );
                obj.insert("status".into(), 422.into());
                obj.insert("detail".into(), e.to_string().into());
            }
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                [(header::CONTENT_TYPE, "application/problem+json")],
                body.to_string(),
            )
                .into_response()
        }
    }
}

/// Converts a Vietnamese address written before the 2025 reform to today's commune and
/// province. 200: `outcome` is `certain`, `divided` (several candidates: the old commune was
/// split) or `already_current`. 422: unknown or ambiguous part, with suggestions/candidates.
#[utoipa::path(post, path = "/api/v1/addresses/convert", tag = "units", request_body = ConvertRequest,
    responses((status = 200, description = "Converted (see `outcome`)"), (status = 422, description = "Not converted: `error` is too_short, unknown or ambiguous")))]
pub async fn convert_address(
    State(app): State<App>,
    ApiJson(req): ApiJson<ConvertRequest>,
) -> Response {
    conversion_response(convert(&app.units, &req.address, today(&app)))
}

/// The same conversion as a GET, for links and quick checks.
#[utoipa::path(get, path = "/api/v1/addresses/convert", tag = "units",
    params(("address" = String, Query, description = "The address as written before the reform, parts separated by commas", pattern = ",")),
    responses((status = 200, description = "Converted (see `outcome`)"), (status = 422, description = "Not converted: `error` is too_short, unknown or ambiguous")))]
pub async fn convert_address_get(
    State(app): State<App>,
    Query(req): Query<ConvertRequest>,
) -> Response {
    conversion_response(convert(&app.units, &req.address, today(&app)))
}

// ---------------------------------------------------------------- pages

/// A unit as a page shows it: label of its kind in the page's language.
pub struct UnitRow {
    pub unit_ref: String,
    pub name: String,
    pub kind: String,
    pub span: String,
    pub within: String,
    pub in_force: bool,
}

fn span(chrome: &Chrome, u: &Unit) -> String {
    let end = u
        .valid_to
        .map(format_date)
        .unwrap_or_else(|| chrome.t("units-today"));
    format!("{} – {end}", format_date(u.valid_from))
}

fn row(chrome: &Chrome, reg: &Registry, u: &Unit, date: Date) -> UnitRow {
    let at = u.seen_on(date);
    UnitRow {
        unit_ref: u.unit_ref.to_string(),
        name: u.name.clone(),
        kind: chrome.t(&format!("unit-kind-{}", u.kind.as_str())),
        span: span(chrome, u),
        within: reg
            .ancestors(u, at)
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        in_force: u.in_force(date),
    }
}

#[derive(Template)]
#[template(path = "units.html")]
pub struct UnitsPage {
    pub chrome: Chrome,
    pub country: &'static str,
    pub at: String,
    pub q: String,
    pub error: Option<String>,
    pub heading: String,
    pub units: Vec<UnitRow>,
    pub suggestions: Vec<UnitRow>,
    pub data_start: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub country: Option<String>,
    pub at: Option<String>,
    pub q: Option<String>,
}

fn page_error(status: StatusCode, key: &'static str, detail: Option<String>) -> PageError {
    PageError {
        status,
        key,
        detail,
    }
}

/// `/units`: the top units of a country on a date, or search results.
pub async fn units_page(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let chrome = Chrome::new(&ctx);
    let reg = &app.units;
    let country = q
        .country
        .as_deref()
        .and_then(Country::parse)
        .unwrap_or(match ctx.lang {
            guichet_core::Language::Fr => Country::Fr,
            _ => Country::Vn,
        });
    let mut error = None;
    let at = match q.at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today(&app),
        Some(s) => match parse_date(s) {
            Some(d) => d,
            None => {
                error = Some(chrome.t("units-bad-date"));
                today(&app)
            }
        },
    };
    let start = reg.data_start(country).unwrap_or(at);
    let at = if at < start {
        error = Some(chrome.t1("units-before-data", "start", format_date(start)));
        today(&app)
    } else {
        at
    };
    let query = q.q.clone().unwrap_or_default();
    let (heading, units, suggestions) = if query.trim().is_empty() {
        let roots = reg
            .roots(country, at)
            .map_err(|e| page_error(StatusCode::BAD_REQUEST, "error-400", Some(e.to_string())))?;
        (
            chrome.t(if country == Country::Vn {
                "units-provinces"
            } else {
                "units-regions"
            }),
            roots
                .into_iter()
                .map(|u| row(&chrome, reg, u, at))
                .collect(),
            vec![],
        )
    } else {
        let m = reg
            .search(&query, Some(country), Some(at), None, 100)
            .map_err(|e| page_error(StatusCode::BAD_REQUEST, "error-400", Some(e.to_string())))?;
        (
            chrome.t1("units-results", "count", m.hits.len()),
            m.hits
                .iter()
                .map(|h| row(&chrome, reg, h.unit, at))
                .collect(),
            m.suggestions
                .iter()
                .map(|h| row(&chrome, reg, h.unit, at))
                .collect(),
        )
    };
    Ok(render_with(
        StatusCode::OK,
        UnitsPage {
            chrome,
            country: country.code(),
            at: format_date(at),
            q: query,
            error,
            heading,
            units,
            suggestions,
            data_start: format_date(start),
        },
    ))
}

pub struct LinkRow {
    pub unit: UnitRow,
    pub id: String,
    /// First day of the linked version, to open it on a date it was in force.
    pub at: String,
    pub kind: String,
    pub date: String,
    pub partial: bool,
    pub legal_ref: String,
}

pub struct VersionRow {
    pub unit: UnitRow,
    pub id: String,
    pub start_ref: String,
    pub end_ref: String,
    pub predecessors: Vec<LinkRow>,
    pub successors: Vec<LinkRow>,
}

#[derive(Template)]
#[template(path = "unit.html")]
pub struct UnitPage {
    pub chrome: Chrome,
    pub unit: UnitRow,
    pub code: String,
    pub at: String,
    pub ancestors: Vec<UnitRow>,
    pub children: Vec<UnitRow>,
    pub versions: Vec<VersionRow>,
}

fn link_rows(
    chrome: &Chrome,
    reg: &Registry,
    links: Vec<guichet_units::LinkView<'_>>,
) -> Vec<LinkRow> {
    links
        .into_iter()
        .map(|l| LinkRow {
            unit: row(chrome, reg, l.unit, l.unit.valid_from),
            id: l.unit.id.clone(),
            at: format_date(l.unit.valid_from),
            kind: chrome.t(&format!("unit-link-{}", l.kind.as_str())),
            date: format_date(l.effective),
            partial: l.partial,
            legal_ref: l.legal_ref.to_string(),
        })
        .collect()
}

/// `/units/{ref}`: one unit, its parents and children on a date, and its history.
pub async fn unit_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let chrome = Chrome::new(&ctx);
    let reg = &app.units;
    let unit = UnitRef::parse(&raw).map_err(|_| PageError::not_found())?;
    let at = match q.at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            parse_date(s)
                .ok_or_else(|| page_error(StatusCode::BAD_REQUEST, "units-bad-date", None))?,
        ),
    };
    let u = version_at(reg, &unit, at, today(&app)).map_err(|e| match e {
        UnitsError::UnknownUnit(_) => PageError::not_found(),
        other => page_error(StatusCode::NOT_FOUND, "error-404", Some(other.to_string())),
    })?;
    let date = u.seen_on(at.unwrap_or(today(&app)));
    let versions = reg.versions(&unit).map_err(|_| PageError::not_found())?;
    Ok(render_with(
        StatusCode::OK,
        UnitPage {
            unit: row(&chrome, reg, u, date),
            code: u.code().to_string(),
            at: format_date(date),
            ancestors: reg
                .ancestors(u, date)
                .into_iter()
                .rev()
                .map(|p| row(&chrome, reg, p, date))
                .collect(),
            children: reg
                .children(&unit, date)
                .unwrap_or_default()
                .into_iter()
                .map(|c| row(&chrome, reg, c, date))
                .collect(),
            versions: versions
                .into_iter()
                .map(|v| VersionRow {
                    unit: row(&chrome, reg, v, date),
                    id: v.id.clone(),
                    start_ref: v.start_ref.clone(),
                    end_ref: v.end_ref.clone(),
                    predecessors: link_rows(&chrome, reg, reg.predecessors(v)),
                    successors: link_rows(&chrome, reg, reg.successors(v)),
                })
                .collect(),
            chrome,
        },
    ))
}

#[derive(Template)]
#[template(path = "units_convert.html")]
pub struct ConvertPage {
    pub chrome: Chrome,
    pub address: String,
    pub old: Vec<String>,
    pub street: Option<String>,
    /// (commune, province, commune ref) of today.
    pub results: Vec<(String, String, String)>,
    pub divided: bool,
    pub already_current: bool,
    pub error: Option<String>,
    pub candidates: Vec<(String, String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ConvertQuery {
    pub address: Option<String>,
}

/// `/units/convert`: an old Vietnamese address to today's units (a GET form: nothing changes).
pub async fn convert_page(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<ConvertQuery>,
) -> Response {
    let chrome = Chrome::new(&ctx);
    let address = q.address.unwrap_or_default();
    let mut page = ConvertPage {
        chrome,
        address: address.clone(),
        old: vec![],
        street: None,
        results: vec![],
        divided: false,
        already_current: false,
        error: None,
        candidates: vec![],
    };
    if address.trim().is_empty() {
        return render_with(StatusCode::OK, page);
    }
    let named = |n: &guichet_units::address::Named| {
        (n.name.clone(), n.within.join(", "), n.unit_ref.clone())
    };
    let current = |c: &guichet_units::address::Current| {
        (
            c.commune.name.clone(),
            c.province.name.clone(),
            c.commune.unit_ref.clone(),
        )
    };
    match convert(&app.units, &address, today(&app)) {
        Ok(c) => {
            page.old = c
                .old
                .iter()
                .rev()
                .map(|n| format!("{} [{}]", n.name, n.code))
                .collect();
            page.street = c.street.clone();
            match &c.outcome {
                guichet_units::address::Outcome::Certain { current: cur } => {
                    page.results = vec![current(cur)]
                }
                guichet_units::address::Outcome::AlreadyCurrent { current: cur } => {
                    page.already_current = true;
                    page.results = vec![current(cur)];
                }
                guichet_units::address::Outcome::Divided { candidates } => {
                    page.divided = true;
                    page.results = candidates.iter().map(current).collect();
                }
            }
        }
        Err(e) => {
            page.error = Some(match &e {
                AddressError::TooShort => page.chrome.t("units-convert-too-short"),
                AddressError::Unknown { text, .. } => {
                    page.chrome.t1("units-convert-unknown", "name", text)
                }
                AddressError::Ambiguous { text, .. } => {
                    page.chrome.t1("units-convert-ambiguous", "name", text)
                }
                AddressError::Registry(detail) => detail.clone(),
            });
            page.candidates = match &e {
                AddressError::Unknown { suggestions, .. } => {
                    suggestions.iter().map(named).collect()
                }
                AddressError::Ambiguous { candidates, .. } => {
                    candidates.iter().map(named).collect()
                }
                _ => vec![],
            };
        }
    }
    render_with(StatusCode::OK, page)
}

#[derive(Template)]
#[template(path = "units_pick.html")]
pub struct PickPage {
    pub chrome: Chrome,
    pub picker: Picker,
}

#[derive(Debug, Deserialize, Default)]
pub struct PickQuery {
    pub country: Option<String>,
    pub province: Option<String>,
    pub commune: Option<String>,
}

/// `/units/pick`: the picker on its own page (forms embed `_unit_picker.html`).
pub async fn pick_page(State(app): State<App>, ctx: Ctx, Query(q): Query<PickQuery>) -> Response {
    let chrome = Chrome::new(&ctx);
    let country = q
        .country
        .as_deref()
        .and_then(Country::parse)
        .unwrap_or(Country::Vn);
    render_with(
        StatusCode::OK,
        PickPage {
            picker: Picker::build(
                &app.units,
                country,
                today(&app),
                q.province.as_deref().unwrap_or(""),
                q.commune.as_deref().unwrap_or(""),
            ),
            chrome,
        },
    )
}

#[cfg(test)]
mod tests {
    use guichet_core::Language;
    use guichet_units::{Kind, LinkKind};
    use guichet_web::i18n::Tr;

    /// Kind and link labels are looked up by computed keys, which the static key test cannot
    /// see: check every one in every language.
    #[test]
    fn every_kind_and_link_kind_has_a_label_in_every_language() {
        guichet_web::i18n::register("local_admin", super::MESSAGES).unwrap();
        let links = [
            LinkKind::Merge,
            LinkKind::Split,
            LinkKind::Rename,
            LinkKind::CodeChange,
            LinkKind::Continue,
            LinkKind::Reorganise,
        ];
        for lang in Language::ALL {
            let tr = Tr::new(lang);
            for kind in Kind::ALL {
                let key = format!("unit-kind-{}", kind.as_str());
                assert!(!tr.t(&key).starts_with('['), "{key} in {lang:?}");
            }
            for kind in links {
                let key = format!("unit-link-{}", kind.as_str());
                assert!(!tr.t(&key).starts_with('['), "{key} in {lang:?}");
            }
        }
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/units" => get(units_page),
    "/units/convert" => get(convert_page),
    "/units/pick" => get(pick_page),
    "/units/{unit}" => get(unit_page),
}

guichet_web::route_table! {
    /// Its JSON API routes, relative to `/api/v1`.
    fn api_routes, API_ROUTES;
    "/units" => get(list_units),
    "/units/{unit}" => get(get_unit),
    "/units/{unit}/lineage" => get(unit_lineage),
    "/addresses/convert" => get(convert_address_get).post(convert_address),
}

/// This module's part of the OpenAPI document (merged by `api::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_units,
        get_unit,
        unit_lineage,
        convert_address,
        convert_address_get
    ),
    components(schemas(
        UnitDto,
        UnitListDto,
        UnitDetailDto,
        LinkDto,
        VersionLineageDto,
        ConvertRequest
    ))
)]
pub struct ApiDoc;

/// The slice's messages, compiled in.
pub const MESSAGES: guichet_web::i18n::SliceMessages = &[
    ("vi", include_str!("../locales/vi/local_admin.ftl")),
    ("fr", include_str!("../locales/fr/local_admin.ftl")),
    ("en", include_str!("../locales/en/local_admin.ftl")),
];

/// What the slice adds to the application: its pages, API routes and part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: MESSAGES,
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "local_admin",
    pages: ROUTES,
    add_pages: routes,
    api: API_ROUTES,
    add_api: api_routes,
    api_doc: Some(<ApiDoc as utoipa::OpenApi>::openapi),
    nav: &[guichet_web::NavItem {
        menu: guichet_web::Menu::Main,
        order: 50,
        href: "/units",
        key: "nav-units",
        visible: guichet_web::always,
        current: |p| p.starts_with("/units"),
    }],
};

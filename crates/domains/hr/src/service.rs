//! Civil-service management: organisation charts, the job-position catalogue and staffing
//! table, personnel records with effective-dated careers, CSV/XLSX import and export, and the
//! monthly payroll (compute, compare with last month, lock, simulate).
//!
//! Invariants: exclusive career terms (assignment, status, pay) never overlap for a person
//! (checked again by the store inside the writing transaction); an import writes every row or
//! none; a locked payroll month never changes; every change is in the office's ledger stream.

use std::collections::{BTreeMap, HashMap};

use guichet_common::{Actor, Result, Said, ServiceError, invalid, invalid_said};
use guichet_core::{Clock, Country, Entropy, IdGen, OfficeId, PayrollId, StaffId, UserId};
use guichet_ledger::Event;
use guichet_pay::{ParamName, Parameters, Payslip};
use guichet_rules::ids::{self, Kind};
use guichet_store::{Audit, Office};
use serde_json::{Value, json};
use time::Date;

pub use guichet_documents::hr_templates;

use crate::store::{
    EXCLUSIVE_TERMS, HrStore, OrgUnitRow, PayParamRow, PayrollRunRow, PayslipRow, PositionRow,
    StaffRow, StaffWrite, TermRow, in_effect,
};

/// Kinds of career term, in the order a record shows them.
pub const TERM_KINDS: [&str; 9] = [
    "assignment",
    "status",
    "pay",
    "leave",
    "evaluation",
    "reward",
    "discipline",
    "training",
    "correction",
];

pub const POSITION_CATEGORIES: [&str; 3] = ["leadership", "professional", "support"];

/// Employment statuses per country (cán bộ, công chức, viên chức, hợp đồng; titulaire,
/// stagiaire, contractuel).
pub fn statuses(country: Country) -> &'static [&'static str] {
    match country {
        Country::Vn => &["can_bo", "cong_chuc", "vien_chuc", "hop_dong"],
        Country::Fr => &["titulaire", "stagiaire", "contractuel"],
    }
}

fn event(
    office: &Office,
    actor: &Actor,
    action: &str,
    kind: &str,
    id: String,
    payload: Value,
) -> Event {
    Event {
        stream: office.code.clone(),
        actor: actor.ledger(),
        action: action.to_owned(),
        object_type: kind.to_owned(),
        object_id: id,
        payload,
    }
}

pub fn parse_day(text: &str, what: &str) -> Result<Date> {
    guichet_units::parse_date(text).ok_or_else(|| {
        invalid_said(
            "hr-date",
            said(
                format!("{what}: “{text}” không phải là ngày (YYYY-MM-DD)."),
                format!("{what} : « {text} » n’est pas une date (AAAA-MM-JJ)."),
                format!("{what}: “{text}” is not a date (YYYY-MM-DD)."),
            ),
        )
    })
}

/// `YYYY-MM` → its first day.
pub fn month_start(month: &str) -> Result<Date> {
    parse_day(&format!("{}-01", month.trim()), "month")
}

fn pay_error(e: guichet_pay::PayError) -> ServiceError {
    invalid_said("hr-pay", Said::each(|lang| e.message(lang.code())))
}

/// A refusal's words in each language: its own when it carries them, else its detail.
fn said_of(e: &ServiceError) -> Said {
    match e {
        ServiceError::Invalid {
            said: Some(said), ..
        } => (**said).clone(),
        other => Said::each(|_| other.to_string()),
    }
}

/// The same sentence in Vietnamese, French and English.
fn said(vi: String, fr: String, en: String) -> Said {
    Said { vi, fr, en }
}

/// The pay input of a person on `date`: the stored pay situation plus the date.
pub fn pay_input(data: &Value, date: Date) -> Value {
    let mut input = data.clone();
    if let Some(o) = input.as_object_mut() {
        o.insert(
            "date".into(),
            Value::String(guichet_units::format_date(date)),
        );
    }
    input
}

/// Computes a stored pay situation on `date`.
pub fn compute_pay(
    country: Country,
    data: &Value,
    date: Date,
    params: &Parameters,
) -> Result<Payslip> {
    guichet_pay::compute_json(country.code(), &pay_input(data, date).to_string(), params)
        .map_err(pay_error)
}

/// Other allowances written as text in a form or an import cell: `name=0.2` (a coefficient)
/// or `name=500000` with a unit `đ` (an amount), separated by `;`. Written back the same way.
pub fn parse_allowances(text: &str) -> std::result::Result<Value, Said> {
    let mut out = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(said(
                format!("“{part}” không có dạng tên=hệ số hoặc tên=số tiền đ."),
                format!("« {part} » n’est pas de la forme nom=coefficient ou nom=montant đ."),
                format!("“{part}” is not name=coefficient or name=amount đ."),
            ));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() {
            return Err(said(
                format!("“{part}” thiếu tên phụ cấp."),
                format!("« {part} » n’a pas de nom."),
                format!("“{part}” has no name."),
            ));
        }
        match value.strip_suffix('đ').map(str::trim) {
            Some(amount) => match amount.replace(['.', ' '], "").parse::<i64>() {
                Ok(a) if a >= 0 => out.push(json!({"name": name, "amount": a})),
                _ => {
                    return Err(said(
                        format!("“{value}” không phải là số tiền (đồng)."),
                        format!("« {value} » n’est pas un montant en đồng."),
                        format!("“{value}” is not an amount in đồng."),
                    ));
                }
            },
            None => match guichet_pay::Decimal::parse(value) {
                Ok(d) if d.mantissa >= 0 => {
                    out.push(json!({"name": name, "coefficient": d.to_string()}))
                }
                _ => {
                    return Err(said(
                        format!("“{value}” không phải là hệ số."),
                        format!("« {value} » n’est pas un coefficient."),
                        format!("“{value}” is not a coefficient."),
                    ));
                }
            },
        }
    }
    Ok(Value::Array(out))
}

pub fn allowances_text(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let name = a["name"].as_str().unwrap_or_default();
            match (&a["coefficient"], &a["amount"]) {
                (Value::String(c), _) => format!("{name}={c}"),
                (Value::Number(c), _) => format!("{name}={c}"),
                (_, Value::Number(n)) => format!("{name}={n} đ"),
                _ => name.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Turns text allowances of a form or import into the pay input's list.
fn normalise_pay(data: &mut Value) -> std::result::Result<(), Said> {
    if let Some(text) = data
        .get("allowances")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        data["allowances"] = parse_allowances(&text)?;
    }
    Ok(())
}

/// Checks a pay situation that starts on `from`: it must compute on that day, or on the first
/// day pay can be computed at all when the career entry is older than the parameters.
pub fn check_pay(
    country: Country,
    data: &Value,
    from: Date,
    params: &Parameters,
) -> Result<Payslip> {
    let day = params
        .first_complete_day(country.code())
        .map_or(from, |first| from.max(first));
    compute_pay(country, data, day, params)
}

/// A person as of a date: their assignment, status and pay situation then.
#[derive(Debug, Clone)]
pub struct StaffOn {
    pub staff: StaffRow,
    pub assignment: Option<TermRow>,
    pub status: Option<TermRow>,
    pub pay: Option<TermRow>,
}

/// A unit of the organisation chart on a date, with its depth and the people assigned to it.
#[derive(Debug, Clone)]
pub struct ChartNode {
    pub unit: OrgUnitRow,
    pub depth: usize,
    pub people: Vec<(StaffRow, String)>,
}

/// Planned against filled posts of a job position on a date.
#[derive(Debug, Clone)]
pub struct Staffing {
    pub position: PositionRow,
    pub filled: i64,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub admin_unit_code: Option<String>,
    pub from: Date,
}

#[derive(Debug, Clone)]
pub struct NewPosition {
    pub code: String,
    pub title: String,
    pub category: String,
    pub unit_code: String,
    pub planned_posts: i64,
    pub competencies: String,
    pub training: String,
    pub position_pay: Option<i64>,
}

/// A personnel record as typed or imported, before validation.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub number: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: String,
    pub gender: String,
    pub id_kind: String,
    pub id_number: String,
    pub email: String,
    pub phone: String,
    pub education: String,
    pub user_id: Option<UserId>,
    /// First assignment, status and pay, from `from`.
    pub from: String,
    pub unit_code: String,
    pub position_code: String,
    pub status: String,
    /// The pay situation (the pay crate's input without its date); `None`: not paid here yet.
    pub pay: Option<Value>,
}

/// A new career term.
#[derive(Debug, Clone)]
pub struct NewTerm {
    pub kind: String,
    pub from: Date,
    pub to: Option<Date>,
    pub unit_code: String,
    pub position_code: String,
    pub data: Value,
    pub note: String,
}

/// One problem of an import, by line of the file (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    /// In English (the command line, logs).
    pub message: String,
    /// In each language (the import page).
    pub said: Said,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub imported: usize,
    pub errors: Vec<RowError>,
}

/// One line of the comparison of a payroll with the month before.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PayDiff {
    pub staff_id: StaffId,
    pub name: String,
    pub before: Option<i64>,
    pub now: Option<i64>,
}

/// Totals of a payroll simulation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Simulation {
    pub month: String,
    pub currency: &'static str,
    pub people: usize,
    pub gross_now: i64,
    pub net_now: i64,
    pub gross_simulated: i64,
    pub net_simulated: i64,
    /// Vietnam: totals if every person with a priced job position were paid by position.
    pub position_scheme: Option<(usize, i64, i64)>,
    pub changes: Vec<(String, i64)>,
}

pub struct Hr<'a> {
    pub store: &'a dyn HrStore,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
}

fn full_name(s: &StaffRow) -> String {
    format!("{} {}", s.family_name, s.given_name)
}

fn currency(country: Country) -> &'static str {
    match country {
        Country::Vn => "VND",
        Country::Fr => "EUR",
    }
}

impl Hr<'_> {
    fn ids(&self) -> IdGen<'_> {
        IdGen {
            clock: self.clock,
            entropy: self.entropy,
        }
    }

    async fn office(&self, id: OfficeId) -> Result<Office> {
        self.store
            .office(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("office {id}")))
    }

    /// An office's staff by id.
    pub async fn staff_by_id(&self, office: OfficeId) -> Result<HashMap<StaffId, StaffRow>> {
        Ok(self
            .store
            .staff_list(office)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect())
    }

    /// The built-in pay parameters plus those entered by administrators.
    pub async fn parameters(&self) -> Result<Parameters> {
        let mut p = Parameters::builtin();
        for row in self.store.pay_parameters().await? {
            let name = ParamName::parse(&row.name).ok_or_else(|| {
                ServiceError::Internal(format!("stored pay parameter {} is unknown", row.name))
            })?;
            p.add(name, row.valid_from, row.value, &row.source)
                .map_err(pay_error)?;
        }
        Ok(p)
    }

    /// Enters a new value of a pay parameter (e.g. a new base salary) with its legal reference.
    pub async fn add_parameter(
        &self,
        actor: &Actor,
        name: &str,
        from: Date,
        value: i64,
        source: &str,
    ) -> Result<()> {
        let param = ParamName::parse(name.trim()).ok_or_else(|| {
            invalid_said(
                "hr-param",
                said(
                    format!("Không có tham số lương “{name}”."),
                    format!("Paramètre de paie inconnu « {name} »."),
                    format!("Unknown pay parameter “{name}”."),
                ),
            )
        })?;
        // Checked against built-in and entered values before it is stored.
        self.parameters()
            .await?
            .add(param, from, value, source)
            .map_err(pay_error)?;
        let row = PayParamRow {
            id: self.ids().uuid(),
            name: param.code().into(),
            valid_from: from,
            value,
            source: source.trim().into(),
            created_at: self.clock.now(),
            created_by: actor.id,
        };
        let audit = Audit::one(
            self.clock.now(),
            Event {
                stream: guichet_ledger::SYSTEM_STREAM.into(),
                actor: actor.ledger(),
                action: "pay.parameter_added".into(),
                object_type: "pay_parameter".into(),
                object_id: row.id.to_string(),
                payload: json!({"name": row.name, "from": guichet_units::format_date(from), "value": value, "source": row.source}),
            },
        );
        self.store.add_pay_parameter(&row, &audit).await?;
        Ok(())
    }

    // ---------------------------------------------------------------- organisation

    /// Creates a unit, or a new version of it from `from` (the current version then ends the
    /// day before). The parent must exist on that date; a unit cannot be its own ancestor.
    pub async fn put_unit(
        &self,
        actor: &Actor,
        office: OfficeId,
        u: NewUnit,
    ) -> Result<OrgUnitRow> {
        let office = self.office(office).await?;
        let code = u.code.trim().to_owned();
        if code.is_empty() || u.name.trim().is_empty() {
            return Err(invalid_said(
                "hr-unit",
                said(
                    "Đơn vị cần có mã và tên.".into(),
                    "Une unité demande un code et un nom.".into(),
                    "A unit needs a code and a name.".into(),
                ),
            ));
        }
        let units = self.store.org_units(office.id).await?;
        let on = |c: &str, d: Date| {
            units
                .iter()
                .find(|x| x.code == c && in_effect(x.valid_from, x.valid_to, d))
        };
        let parent = u
            .parent_code
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        if let Some(p) = &parent {
            if on(p, u.from).is_none() {
                let from = u.from;
                return Err(invalid_said(
                    "hr-unit",
                    said(
                        format!("Đơn vị cấp trên {p} không tồn tại vào ngày {from}."),
                        format!("L’unité parente {p} n’existe pas au {from}."),
                        format!("Parent unit {p} does not exist on {from}."),
                    ),
                ));
            }
            // Walk up from the parent: meeting this code again would make a cycle.
            let mut at = Some(p.clone());
            let mut steps = 0;
            while let Some(c) = at {
                if c == code || steps > units.len() {
                    return Err(invalid_said(
                        "hr-unit",
                        said(
                            format!(
                                "Không thể đặt đơn vị {code} dưới đơn vị con {p} của chính nó."
                            ),
                            format!(
                                "L’unité {code} ne peut pas être placée sous sa propre sous-unité {p}."
                            ),
                            format!("Unit {code} cannot be placed under its own sub-unit {p}."),
                        ),
                    ));
                }
                at = on(&c, u.from).and_then(|x| x.parent_code.clone());
                steps += 1;
            }
        }
        if units
            .iter()
            .any(|x| x.code == code && x.valid_from >= u.from)
        {
            let from = u.from;
            return Err(invalid_said(
                "hr-unit",
                said(
                    format!("Đơn vị {code} đã có phiên bản từ ngày {from} trở đi."),
                    format!("L’unité {code} a déjà une version à partir du {from} ou après."),
                    format!("Unit {code} already has a version from {from} or later."),
                ),
            ));
        }
        let mut writes = Vec::new();
        if let Some(current) = units
            .iter()
            .find(|x| x.code == code && x.valid_to.is_none())
        {
            let mut ended = current.clone();
            ended.valid_to = Some(u.from);
            writes.push(ended);
        }
        let row = OrgUnitRow {
            id: self.ids().id(),
            office_id: office.id,
            code: code.clone(),
            name: u.name.trim().into(),
            parent_code: parent,
            admin_unit_code: u
                .admin_unit_code
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
            valid_from: u.from,
            valid_to: None,
            created_at: self.clock.now(),
        };
        writes.push(row.clone());
        for w in writes {
            let audit = Audit::one(
                self.clock.now(),
                event(
                    &office,
                    actor,
                    "hr.unit_saved",
                    "org_unit",
                    w.id.to_string(),
                    json!({
                        "code": w.code, "name": w.name, "parent": w.parent_code,
                        "from": guichet_units::format_date(w.valid_from),
                        "to": w.valid_to.map(guichet_units::format_date),
                    }),
                ),
            );
            self.store.put_org_unit(&w, &audit).await?;
        }
        Ok(row)
    }

    /// Ends a unit on `to` (it no longer exists from that day).
    pub async fn close_unit(
        &self,
        actor: &Actor,
        office: OfficeId,
        code: &str,
        to: Date,
    ) -> Result<()> {
        let office = self.office(office).await?;
        let units = self.store.org_units(office.id).await?;
        let Some(current) = units
            .iter()
            .find(|x| x.code == code && x.valid_to.is_none())
        else {
            return Err(ServiceError::NotFound(format!("open unit {code}")));
        };
        if to <= current.valid_from {
            let start = current.valid_from;
            return Err(invalid_said(
                "hr-unit",
                said(
                    format!("Đơn vị {code} bắt đầu từ ngày {start}."),
                    format!("L’unité {code} commence le {start}."),
                    format!("Unit {code} starts on {start}."),
                ),
            ));
        }
        if units.iter().any(|x| {
            x.parent_code.as_deref() == Some(code) && in_effect(x.valid_from, x.valid_to, to)
        }) {
            return Err(invalid_said(
                "hr-unit",
                said(
                    format!("Đơn vị {code} vẫn còn đơn vị con vào ngày {to}."),
                    format!("L’unité {code} a encore des sous-unités au {to}."),
                    format!("Unit {code} still has sub-units on {to}."),
                ),
            ));
        }
        let mut ended = current.clone();
        ended.valid_to = Some(to);
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office,
                actor,
                "hr.unit_closed",
                "org_unit",
                ended.id.to_string(),
                json!({"code": code, "to": guichet_units::format_date(to)}),
            ),
        );
        self.store.put_org_unit(&ended, &audit).await?;
        Ok(())
    }

    /// The organisation chart on `day`: units depth-first, each with the people assigned then.
    pub async fn org_chart(&self, office: OfficeId, day: Date) -> Result<Vec<ChartNode>> {
        let units: Vec<OrgUnitRow> = self
            .store
            .org_units(office)
            .await?
            .into_iter()
            .filter(|u| in_effect(u.valid_from, u.valid_to, day))
            .collect();
        let staff = self.staff_by_id(office).await?;
        let mut by_unit: BTreeMap<String, Vec<(StaffRow, String)>> = BTreeMap::new();
        for t in self.store.terms_on(office, "assignment", day).await? {
            if let Some(s) = staff.get(&t.staff_id) {
                by_unit
                    .entry(t.unit_code.clone())
                    .or_default()
                    .push((s.clone(), t.position_code.clone()));
            }
        }
        let mut out = Vec::new();
        let codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();
        // Roots: no parent, or a parent that does not exist that day.
        let mut stack: Vec<(&OrgUnitRow, usize)> = units
            .iter()
            .filter(|u| u.parent_code.as_deref().is_none_or(|p| !codes.contains(&p)))
            .rev()
            .map(|u| (u, 0))
            .collect();
        while let Some((u, depth)) = stack.pop() {
            if out.len() > units.len() {
                break;
            }
            out.push(ChartNode {
                unit: u.clone(),
                depth,
                people: by_unit.remove(&u.code).unwrap_or_default(),
            });
            for child in units
                .iter()
                .filter(|c| c.parent_code.as_deref() == Some(u.code.as_str()))
                .rev()
            {
                stack.push((child, depth + 1));
            }
        }
        Ok(out)
    }

    pub async fn put_position(
        &self,
        actor: &Actor,
        office: OfficeId,
        p: NewPosition,
    ) -> Result<PositionRow> {
        let office = self.office(office).await?;
        let code = p.code.trim().to_owned();
        if code.is_empty() || p.title.trim().is_empty() {
            return Err(invalid_said(
                "hr-position",
                said(
                    "Vị trí việc làm cần có mã và tên gọi.".into(),
                    "Un emploi demande un code et un intitulé.".into(),
                    "A job position needs a code and a title.".into(),
                ),
            ));
        }
        if !POSITION_CATEGORIES.contains(&p.category.as_str()) {
            let category = &p.category;
            return Err(invalid_said(
                "hr-position",
                said(
                    format!(
                        "Nhóm “{category}” không phải lãnh đạo, chuyên môn hay hỗ trợ (leadership, professional, support)."
                    ),
                    format!(
                        "La catégorie « {category} » n’est ni direction, ni métier, ni soutien (leadership, professional, support)."
                    ),
                    format!("Category “{category}” is not leadership, professional or support."),
                ),
            ));
        }
        if p.planned_posts < 0 || p.position_pay.is_some_and(|v| v <= 0) {
            return Err(invalid_said(
                "hr-position",
                said(
                    "Số biên chế và lương vị trí không được âm.".into(),
                    "Les postes prévus et la rémunération de l’emploi ne peuvent être négatifs."
                        .into(),
                    "Planned posts and position pay cannot be negative.".into(),
                ),
            ));
        }
        let existing = self
            .store
            .positions(office.id)
            .await?
            .into_iter()
            .find(|x| x.code == code);
        let row = PositionRow {
            id: existing.as_ref().map_or_else(|| self.ids().id(), |e| e.id),
            office_id: office.id,
            code,
            title: p.title.trim().into(),
            category: p.category,
            unit_code: p.unit_code.trim().into(),
            planned_posts: p.planned_posts,
            competencies: p.competencies.trim().into(),
            training: p.training.trim().into(),
            position_pay: p.position_pay,
            created_at: existing.map_or_else(|| self.clock.now(), |e| e.created_at),
        };
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office,
                actor,
                "hr.position_saved",
                "job_position",
                row.id.to_string(),
                json!({
                    "code": row.code, "title": row.title, "category": row.category,
                    "unit": row.unit_code, "planned_posts": row.planned_posts, "position_pay": row.position_pay,
                }),
            ),
        );
        self.store.put_position(&row, &audit).await?;
        Ok(row)
    }

    /// Planned against filled posts per job position on `day`.
    pub async fn staffing(&self, office: OfficeId, day: Date) -> Result<Vec<Staffing>> {
        let assigned = self.store.terms_on(office, "assignment", day).await?;
        Ok(self
            .store
            .positions(office)
            .await?
            .into_iter()
            .map(|p| {
                let filled = assigned
                    .iter()
                    .filter(|t| t.position_code == p.code)
                    .count() as i64;
                Staffing {
                    position: p,
                    filled,
                }
            })
            .collect())
    }

    // ---------------------------------------------------------------- personnel records

    /// Everyone of the office as of `day`, with their assignment, status and pay then.
    pub async fn staff_on(&self, office: OfficeId, day: Date) -> Result<Vec<StaffOn>> {
        let mut terms: HashMap<(StaffId, &str), TermRow> = HashMap::new();
        for kind in EXCLUSIVE_TERMS {
            for t in self.store.terms_on(office, kind, day).await? {
                terms.insert((t.staff_id, kind), t);
            }
        }
        Ok(self
            .store
            .staff_list(office)
            .await?
            .into_iter()
            .map(|s| StaffOn {
                assignment: terms.remove(&(s.id, "assignment")),
                status: terms.remove(&(s.id, "status")),
                pay: terms.remove(&(s.id, "pay")),
                staff: s,
            })
            .collect())
    }

    /// Validates one person; problems are collected, not returned at the first.
    async fn check_person(
        &self,
        office: &Office,
        p: &NewPerson,
        units: &[OrgUnitRow],
        positions: &[PositionRow],
        params: &Parameters,
        errors: &mut Vec<(String, Said)>,
    ) -> Option<StaffWrite> {
        let mut err = |col: &str, msg: Said| errors.push((col.to_owned(), msg));
        let not_a_date = |text: &str| {
            said(
                format!("“{text}” không phải là ngày (YYYY-MM-DD)."),
                format!("« {text} » n’est pas une date (AAAA-MM-JJ)."),
                format!("“{text}” is not a date (YYYY-MM-DD)."),
            )
        };
        let number = p.number.trim();
        if number.is_empty() {
            err(
                "number",
                said(
                    "Thiếu số hiệu cán bộ.".into(),
                    "Le matricule manque.".into(),
                    "The staff number is missing.".into(),
                ),
            );
        }
        if p.family_name.trim().is_empty() {
            err(
                "family_name",
                said(
                    "Thiếu họ.".into(),
                    "Le nom de famille manque.".into(),
                    "The family name is missing.".into(),
                ),
            );
        }
        if p.given_name.trim().is_empty() {
            err(
                "given_name",
                said(
                    "Thiếu tên.".into(),
                    "Le prénom manque.".into(),
                    "The given name is missing.".into(),
                ),
            );
        }
        let birth = guichet_units::parse_date(&p.birth_date);
        if birth.is_none() {
            err("birth_date", not_a_date(&p.birth_date));
        }
        let gender = p.gender.trim().to_lowercase();
        if !["f", "m", "x"].contains(&gender.as_str()) {
            let g = &p.gender;
            err(
                "gender",
                said(
                    format!("“{g}” không phải f, m hoặc x."),
                    format!("« {g} » n’est pas f, m ou x."),
                    format!("“{g}” is not f, m or x."),
                ),
            );
        }
        let id_kind = p.id_kind.trim().to_lowercase();
        let mut id_number = p.id_number.trim().to_owned();
        match id_kind.as_str() {
            "cccd" | "nir" => {
                let kind: Kind = id_kind.parse().unwrap_or(Kind::Cccd);
                match ids::check(kind, &id_number) {
                    Ok(normal) => id_number = normal,
                    Err(e) => err(
                        "id_number",
                        Said::each(|lang| format!("{id_kind} “{id_number}”: {}", e.message(lang))),
                    ),
                }
            }
            "other" => {}
            _ => {
                let k = &p.id_kind;
                err(
                    "id_kind",
                    said(
                        format!("“{k}” không phải cccd, nir hoặc other."),
                        format!("« {k} » n’est pas cccd, nir ou other."),
                        format!("“{k}” is not cccd, nir or other."),
                    ),
                )
            }
        }
        let from = guichet_units::parse_date(&p.from);
        if from.is_none() {
            err("from", not_a_date(&p.from));
        }
        let mut terms = Vec::new();
        let staff_id: StaffId = self.ids().id();
        if let Some(from) = from {
            let unit = p.unit_code.trim();
            if !unit.is_empty()
                && !units
                    .iter()
                    .any(|u| u.code == unit && in_effect(u.valid_from, u.valid_to, from))
            {
                err(
                    "unit",
                    said(
                        format!("Đơn vị {unit} không tồn tại vào ngày {from}."),
                        format!("L’unité {unit} n’existe pas au {from}."),
                        format!("Unit {unit} does not exist on {from}."),
                    ),
                );
            }
            let position = p.position_code.trim();
            if !position.is_empty() && !positions.iter().any(|x| x.code == position) {
                err(
                    "position",
                    said(
                        format!("Vị trí việc làm {position} không có trong danh mục."),
                        format!("L’emploi {position} n’est pas au répertoire."),
                        format!("Job position {position} is not in the catalogue."),
                    ),
                );
            }
            if !unit.is_empty() || !position.is_empty() {
                terms.push(self.term_row(
                    office,
                    staff_id,
                    "assignment",
                    from,
                    unit,
                    position,
                    Value::Null,
                ));
            }
            let status = p.status.trim();
            if !status.is_empty() {
                if statuses(office.country).contains(&status) {
                    terms.push(self.term_row(
                        office,
                        staff_id,
                        "status",
                        from,
                        "",
                        "",
                        json!({"status": status}),
                    ));
                } else {
                    let list = statuses(office.country).join(", ");
                    err(
                        "status",
                        said(
                            format!("“{status}” không thuộc: {list}."),
                            format!("« {status} » n’est pas parmi : {list}."),
                            format!("“{status}” is not one of: {list}."),
                        ),
                    );
                }
            }
            if let Some(pay) = &p.pay {
                let mut pay = pay.clone();
                match normalise_pay(&mut pay) {
                    Err(e) => err("allowances", e),
                    Ok(()) => match check_pay(office.country, &pay, from, params) {
                        Ok(_) => {
                            terms.push(self.term_row(office, staff_id, "pay", from, "", "", pay))
                        }
                        Err(e) => err("pay", said_of(&e)),
                    },
                }
            }
        }
        let (Some(birth_date), true) = (birth, errors.is_empty()) else {
            return None;
        };
        Some(StaffWrite {
            staff: StaffRow {
                id: staff_id,
                office_id: office.id,
                user_id: p.user_id,
                number: number.into(),
                family_name: p.family_name.trim().into(),
                given_name: p.given_name.trim().into(),
                birth_date,
                gender,
                id_kind,
                id_number,
                email: p.email.trim().into(),
                phone: p.phone.trim().into(),
                education: p.education.trim().into(),
                created_at: self.clock.now(),
            },
            terms,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn term_row(
        &self,
        office: &Office,
        staff: StaffId,
        kind: &str,
        from: Date,
        unit: &str,
        position: &str,
        data: Value,
    ) -> TermRow {
        TermRow {
            id: self.ids().id(),
            staff_id: staff,
            office_id: office.id,
            kind: kind.into(),
            valid_from: from,
            valid_to: None,
            unit_code: unit.into(),
            position_code: position.into(),
            data,
            note: String::new(),
            created_at: self.clock.now(),
            created_by: None,
        }
    }

    /// Adds people: all of them or, when any row has a problem, none (the report lists every
    /// problem with its line number, the header being line 1).
    pub async fn add_people(
        &self,
        actor: &Actor,
        office: OfficeId,
        people: Vec<NewPerson>,
    ) -> Result<ImportReport> {
        let office = self.office(office).await?;
        let units = self.store.org_units(office.id).await?;
        let positions = self.store.positions(office.id).await?;
        let params = self.parameters().await?;
        let taken: std::collections::HashSet<String> = self
            .store
            .staff_list(office.id)
            .await?
            .into_iter()
            .map(|s| s.number)
            .collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut report = ImportReport {
            rows: people.len(),
            imported: 0,
            errors: Vec::new(),
        };
        let mut writes = Vec::new();
        for (i, p) in people.iter().enumerate() {
            let line = i + 2;
            let mut errors = Vec::new();
            let number = p.number.trim().to_owned();
            if taken.contains(&number) {
                errors.push((
                    "number".into(),
                    said(
                        format!("Số hiệu {number} đã được dùng trong cơ quan này."),
                        format!("Le matricule {number} est déjà utilisé dans ce service."),
                        format!("Staff number {number} is already used in this office."),
                    ),
                ));
            } else if let Some(first) = seen.get(&number) {
                errors.push((
                    "number".into(),
                    said(
                        format!("Số hiệu {number} cũng có ở dòng {first}."),
                        format!("Le matricule {number} figure aussi ligne {first}."),
                        format!("Staff number {number} is also on line {first}."),
                    ),
                ));
            }
            seen.entry(number).or_insert(line);
            let write = self
                .check_person(&office, p, &units, &positions, &params, &mut errors)
                .await;
            for (column, said) in errors {
                report.errors.push(RowError {
                    line,
                    column,
                    message: said.en.clone(),
                    said,
                });
            }
            if let Some(mut w) = write {
                for t in &mut w.terms {
                    t.created_by = actor.id;
                }
                writes.push(w);
            }
        }
        if !report.errors.is_empty() {
            return Ok(report);
        }
        let events = writes
            .iter()
            .map(|w| {
                event(&office, actor, "hr.staff_added", "staff", w.staff.id.to_string(), json!({
                    "number": w.staff.number,
                    "name": full_name(&w.staff),
                    "terms": w.terms.iter().map(|t| json!({"kind": t.kind, "from": guichet_units::format_date(t.valid_from), "unit": t.unit_code, "position": t.position_code})).collect::<Vec<_>>(),
                }))
            })
            .collect();
        report.imported = writes.len();
        self.store
            .add_staff(
                writes,
                &Audit {
                    at: self.clock.now(),
                    events,
                },
            )
            .await?;
        Ok(report)
    }

    /// Adds a career term. For an assignment, status or pay, the term in effect on `from` that
    /// has no end is ended on that day, so the new one follows it.
    pub async fn add_term(&self, actor: &Actor, staff: StaffId, mut t: NewTerm) -> Result<TermRow> {
        if t.kind == "pay" {
            normalise_pay(&mut t.data).map_err(|e| invalid_said("hr-pay", e))?;
        }
        let person = self
            .store
            .staff_member(staff)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("staff {staff}")))?;
        let office = self.office(person.office_id).await?;
        if !TERM_KINDS.contains(&t.kind.as_str()) {
            let kind = &t.kind;
            return Err(invalid_said(
                "hr-term",
                said(
                    format!("“{kind}” không phải là loại quá trình công tác."),
                    format!("« {kind} » n’est pas un type d’étape de carrière."),
                    format!("“{kind}” is not a kind of career entry."),
                ),
            ));
        }
        if t.to.is_some_and(|to| to <= t.from) {
            return Err(invalid_said(
                "hr-term",
                said(
                    "Ngày kết thúc phải sau ngày bắt đầu.".into(),
                    "La date de fin doit suivre la date de début.".into(),
                    "The end date must be after the start date.".into(),
                ),
            ));
        }
        match t.kind.as_str() {
            "pay" => {
                check_pay(office.country, &t.data, t.from, &self.parameters().await?)?;
            }
            "status" => {
                let s = t.data["status"].as_str().unwrap_or_default();
                if !statuses(office.country).contains(&s) {
                    let list = statuses(office.country).join(", ");
                    return Err(invalid_said(
                        "hr-term",
                        said(
                            format!("“{s}” không thuộc: {list}."),
                            format!("« {s} » n’est pas parmi : {list}."),
                            format!("“{s}” is not one of: {list}."),
                        ),
                    ));
                }
            }
            "assignment" => {
                let units = self.store.org_units(office.id).await?;
                if !units
                    .iter()
                    .any(|u| u.code == t.unit_code && in_effect(u.valid_from, u.valid_to, t.from))
                {
                    let (unit, from) = (&t.unit_code, t.from);
                    return Err(invalid_said(
                        "hr-term",
                        said(
                            format!("Đơn vị {unit} không tồn tại vào ngày {from}."),
                            format!("L’unité {unit} n’existe pas au {from}."),
                            format!("Unit {unit} does not exist on {from}."),
                        ),
                    ));
                }
                if !t.position_code.is_empty()
                    && !self
                        .store
                        .positions(office.id)
                        .await?
                        .iter()
                        .any(|p| p.code == t.position_code)
                {
                    let position = &t.position_code;
                    return Err(invalid_said(
                        "hr-term",
                        said(
                            format!("Vị trí việc làm {position} không có trong danh mục."),
                            format!("L’emploi {position} n’est pas au répertoire."),
                            format!("Job position {position} is not in the catalogue."),
                        ),
                    ));
                }
            }
            _ => {
                if t.note.trim().is_empty() {
                    return Err(invalid_said(
                        "hr-term",
                        said(
                            "Hãy ghi rõ nội dung trong phần ghi chú.".into(),
                            "Dites de quoi il s’agit dans la note.".into(),
                            "Say what it is in the note.".into(),
                        ),
                    ));
                }
            }
        }
        let mut writes = Vec::new();
        if EXCLUSIVE_TERMS.contains(&t.kind.as_str()) {
            for mut open in self
                .store
                .staff_terms(staff)
                .await?
                .into_iter()
                .filter(|x| x.kind == t.kind && x.valid_to.is_none() && x.valid_from < t.from)
            {
                open.valid_to = Some(t.from);
                writes.push(open);
            }
        }
        let mut row = self.term_row(
            &office,
            staff,
            &t.kind,
            t.from,
            &t.unit_code,
            &t.position_code,
            t.data,
        );
        row.valid_to = t.to;
        row.note = t.note.trim().into();
        row.created_by = actor.id;
        writes.push(row.clone());
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office,
                actor,
                &format!("hr.{}_added", row.kind),
                "staff",
                staff.to_string(),
                json!({
                    "term": row.id, "kind": row.kind,
                    "from": guichet_units::format_date(row.valid_from),
                    "to": row.valid_to.map(guichet_units::format_date),
                    "unit": row.unit_code, "position": row.position_code, "data": row.data, "note": row.note,
                }),
            ),
        );
        self.store
            .put_terms(writes, &audit)
            .await
            .map_err(|e| match e {
                guichet_store::StoreError::Invalid(m) => invalid("hr-overlap", m),
                e => e.into(),
            })?;
        Ok(row)
    }

    /// A person asks HR to correct their record; the request is kept as a career entry.
    pub async fn request_correction(
        &self,
        actor: &Actor,
        staff: StaffId,
        text: &str,
    ) -> Result<TermRow> {
        let today = self.clock.now().date();
        self.add_term(
            actor,
            staff,
            NewTerm {
                kind: "correction".into(),
                from: today,
                to: None,
                unit_code: String::new(),
                position_code: String::new(),
                data: json!({"state": "open"}),
                note: text.chars().take(2000).collect(),
            },
        )
        .await
    }

    /// Vietnamese step raises falling due between `from` and `until` (inclusive): the pay
    /// situation in effect on `from`, its scale and step, held since the situation began.
    /// A raise is a decision HR records as a new pay entry; this list says whose is due.
    pub async fn raises_due(
        &self,
        office: OfficeId,
        from: Date,
        until: Date,
    ) -> Result<Vec<(StaffRow, String, u32, Date)>> {
        let staff = self.staff_by_id(office).await?;
        let mut out = Vec::new();
        for t in self.store.terms_on(office, "pay", from).await? {
            let (Some(code), Some(step)) = (t.data["scale"].as_str(), t.data["step"].as_u64())
            else {
                continue;
            };
            let Ok(scale) = guichet_pay::vn::scale(code) else {
                continue;
            };
            let step = u32::try_from(step).unwrap_or(u32::MAX);
            if let (Some(due), Some(person)) = (
                guichet_pay::vn::next_raise(scale, step, t.valid_from, 0),
                staff.get(&t.staff_id),
            ) && due <= until
            {
                out.push((person.clone(), scale.code.to_owned(), step + 1, due));
            }
        }
        out.sort_by_key(|(_, _, _, due)| *due);
        Ok(out)
    }

    /// Open correction requests of an office's staff, oldest first.
    pub async fn open_corrections(&self, office: OfficeId) -> Result<Vec<(StaffRow, TermRow)>> {
        let staff = self.staff_by_id(office).await?;
        let today = self.clock.now().date();
        let mut out: Vec<(StaffRow, TermRow)> = self
            .store
            .terms_on(office, "correction", today)
            .await?
            .into_iter()
            .filter(|t| t.data["state"] == "open")
            .filter_map(|t| staff.get(&t.staff_id).cloned().map(|s| (s, t)))
            .collect();
        out.sort_by_key(|(_, t)| t.valid_from);
        Ok(out)
    }

    /// HR answers a correction request (after correcting the record, or explaining why not).
    pub async fn close_correction(
        &self,
        actor: &Actor,
        staff: StaffId,
        term: guichet_core::TermId,
        answer: &str,
    ) -> Result<()> {
        let person = self
            .store
            .staff_member(staff)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("staff {staff}")))?;
        let office = self.office(person.office_id).await?;
        let Some(mut t) = self
            .store
            .staff_terms(staff)
            .await?
            .into_iter()
            .find(|t| t.id == term && t.kind == "correction")
        else {
            return Err(ServiceError::NotFound(format!("correction request {term}")));
        };
        if t.data["state"] != "open" {
            return Err(invalid_said(
                "hr-term",
                said(
                    "Yêu cầu này đã được trả lời.".into(),
                    "Cette demande a déjà reçu une réponse.".into(),
                    "This request is already answered.".into(),
                ),
            ));
        }
        if answer.trim().is_empty() {
            return Err(invalid_said(
                "hr-term",
                said(
                    "Hãy cho biết đã xử lý thế nào.".into(),
                    "Dites ce qui a été fait.".into(),
                    "Say what was done.".into(),
                ),
            ));
        }
        t.data = json!({"state": "done", "answer": answer.trim(), "by": actor.name});
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office,
                actor,
                "hr.correction_answered",
                "staff",
                staff.to_string(),
                json!({"term": t.id, "answer": answer.trim()}),
            ),
        );
        self.store.put_terms(vec![t], &audit).await?;
        Ok(())
    }

    // ---------------------------------------------------------------- import and export

    /// Reads people from CSV (UTF-8, comma or semicolon, header row) or XLSX (first sheet).
    pub fn read_people(country: Country, name: &str, bytes: &[u8]) -> Result<Vec<NewPerson>> {
        let rows = if name.to_lowercase().ends_with(".xlsx") {
            guichet_common::sheets::xlsx_rows(bytes).map_err(|e| invalid("hr-import", e))?
        } else {
            guichet_common::sheets::csv_rows(bytes).map_err(|e| invalid("hr-import", e))?
        };
        let mut rows = rows.into_iter();
        let header: Vec<String> = rows
            .next()
            .ok_or_else(|| {
                invalid_said(
                    "hr-import",
                    said(
                        "Tệp trống.".into(),
                        "Le fichier est vide.".into(),
                        "The file is empty.".into(),
                    ),
                )
            })?
            .into_iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        for required in ["number", "family_name", "given_name", "birth_date"] {
            if !header.iter().any(|h| h == required) {
                let expected = import_columns(country).join(",");
                return Err(invalid_said(
                    "hr-import",
                    said(
                        format!("Dòng tiêu đề thiếu cột {required}; cần các cột {expected}."),
                        format!(
                            "L’en-tête n’a pas de colonne {required} ; colonnes attendues : {expected}."
                        ),
                        format!("The header has no column {required}; expected {expected}."),
                    ),
                ));
            }
        }
        if let Some(unknown) = header
            .iter()
            .find(|h| !import_columns(country).contains(&h.as_str()))
        {
            let expected = import_columns(country).join(",");
            return Err(invalid_said(
                "hr-import",
                said(
                    format!("Cột “{unknown}” không xác định; cần các cột {expected}."),
                    format!("Colonne inconnue « {unknown} » ; colonnes attendues : {expected}."),
                    format!("Unknown column “{unknown}”; expected {expected}."),
                ),
            ));
        }
        let col = |row: &[String], name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| row.get(i))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        Ok(rows
            .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
            .map(|r| {
                let pay = pay_from_fields(country, |c| col(&r, c));
                NewPerson {
                    number: col(&r, "number"),
                    family_name: col(&r, "family_name"),
                    given_name: col(&r, "given_name"),
                    birth_date: col(&r, "birth_date"),
                    gender: col(&r, "gender"),
                    id_kind: col(&r, "id_kind"),
                    id_number: col(&r, "id_number"),
                    email: col(&r, "email"),
                    phone: col(&r, "phone"),
                    education: col(&r, "education"),
                    user_id: None,
                    from: col(&r, "from"),
                    unit_code: col(&r, "unit"),
                    position_code: col(&r, "position"),
                    status: col(&r, "status"),
                    pay,
                }
            })
            .collect())
    }

    /// The office's staff on `day` as rows with the import columns (so an export imports back).
    pub async fn export_rows(&self, office: OfficeId, day: Date) -> Result<Vec<Vec<String>>> {
        let country = self.office(office).await?.country;
        let cols = import_columns(country);
        let mut out = vec![cols.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>()];
        for s in self.staff_on(office, day).await? {
            let from = [&s.assignment, &s.status, &s.pay]
                .iter()
                .filter_map(|t| t.as_ref().map(|t| t.valid_from))
                .min();
            let row = cols
                .iter()
                .map(|c| match *c {
                    "number" => s.staff.number.clone(),
                    "family_name" => s.staff.family_name.clone(),
                    "given_name" => s.staff.given_name.clone(),
                    "birth_date" => guichet_units::format_date(s.staff.birth_date),
                    "gender" => s.staff.gender.clone(),
                    "id_kind" => s.staff.id_kind.clone(),
                    "id_number" => s.staff.id_number.clone(),
                    "email" => s.staff.email.clone(),
                    "phone" => s.staff.phone.clone(),
                    "education" => s.staff.education.clone(),
                    "from" => from.map(guichet_units::format_date).unwrap_or_default(),
                    "unit" => s
                        .assignment
                        .as_ref()
                        .map(|t| t.unit_code.clone())
                        .unwrap_or_default(),
                    "position" => s
                        .assignment
                        .as_ref()
                        .map(|t| t.position_code.clone())
                        .unwrap_or_default(),
                    "status" => s
                        .status
                        .as_ref()
                        .and_then(|t| t.data["status"].as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    pay => s
                        .pay
                        .as_ref()
                        .map(|t| match &t.data[pay] {
                            Value::Null => String::new(),
                            v @ Value::Array(_) => allowances_text(v),
                            Value::String(v) => v.clone(),
                            v => v.to_string(),
                        })
                        .unwrap_or_default(),
                })
                .collect();
            out.push(row);
        }
        Ok(out)
    }

    // ---------------------------------------------------------------- payroll

    /// Every payslip of a month, by person; refused as a whole when any cannot be computed.
    async fn compute_month(
        &self,
        office: &Office,
        day: Date,
        params: &Parameters,
    ) -> Result<Vec<(StaffId, Payslip)>> {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for t in self.store.terms_on(office.id, "pay", day).await? {
            match compute_pay(office.country, &t.data, day, params) {
                Ok(slip) => out.push((t.staff_id, slip)),
                Err(e) => problems.push((t.staff_id, e)),
            }
        }
        if !problems.is_empty() {
            // Names only for the message, so the common path does not read the staff list.
            let staff = self.staff_by_id(office.id).await?;
            let text = |lang: guichet_core::Language| -> String {
                problems
                    .iter()
                    .map(|(id, e)| {
                        let why = said_of(e);
                        match staff.get(id) {
                            Some(p) => {
                                format!("{} ({}): {}", full_name(p), p.number, why.get(lang))
                            }
                            None => format!("{id}: {}", why.get(lang)),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            return Err(invalid_said(
                "hr-payroll",
                Said::each(|lang| {
                    let head = match lang {
                        guichet_core::Language::Vi => "Không tính được bảng lương",
                        guichet_core::Language::Fr => "La paie ne peut pas être calculée",
                        guichet_core::Language::En => "The payroll cannot be computed",
                    };
                    format!("{head}: {}", text(lang))
                }),
            ));
        }
        Ok(out)
    }

    /// Computes (or recomputes) an office's payroll of `month` (`YYYY-MM`) from the pay
    /// situations in effect on its first day. A locked month is refused.
    pub async fn compute_payroll(
        &self,
        actor: &Actor,
        office: OfficeId,
        month: &str,
    ) -> Result<PayrollRunRow> {
        let office = self.office(office).await?;
        let day = month_start(month)?;
        let month = format!("{:04}-{:02}", day.year(), u8::from(day.month()));
        let slips = self
            .compute_month(&office, day, &self.parameters().await?)
            .await?;
        let mut run = PayrollRunRow {
            id: self.ids().id(),
            office_id: office.id,
            month: month.clone(),
            state: "computed".into(),
            currency: currency(office.country).into(),
            staff_count: slips.len() as i64,
            gross: slips.iter().map(|(_, s)| s.gross).sum(),
            net: slips.iter().map(|(_, s)| s.net).sum(),
            created_at: self.clock.now(),
            created_by: actor.id,
            locked_at: None,
            locked_by: None,
            sources: String::new(),
        };
        let mut sources: BTreeMap<String, String> = BTreeMap::new();
        let mut rows = Vec::with_capacity(slips.len());
        for (staff, slip) in slips {
            rows.push(PayslipRow {
                run_id: run.id,
                staff_id: staff,
                gross: slip.gross,
                net: slip.net,
                breakdown: StoredSlip::of(&slip, &mut sources).to_text()?,
            });
        }
        run.sources =
            serde_json::to_string(&sources).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office,
                actor,
                "payroll.computed",
                "payroll",
                month.clone(),
                json!({
                    "month": month, "people": run.staff_count, "gross": run.gross, "net": run.net, "currency": run.currency,
                }),
            ),
        );
        self.store
            .save_payroll(&run, rows, &audit)
            .await
            .map_err(|e| match e {
                guichet_store::StoreError::Stale(_) => invalid_said(
                    "hr-locked",
                    said(
                        format!("Bảng lương tháng {month} đã khóa."),
                        format!("La paie de {month} est verrouillée."),
                        format!("The payroll of {month} is locked."),
                    ),
                ),
                e => e.into(),
            })
    }

    pub async fn lock_payroll(&self, actor: &Actor, run: PayrollId) -> Result<()> {
        let r = self
            .store
            .payroll_run(run)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("payroll {run}")))?;
        let office = self.office(r.office_id).await?;
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office,
                actor,
                "payroll.locked",
                "payroll",
                r.month.clone(),
                json!({
                    "month": r.month, "people": r.staff_count, "gross": r.gross, "net": r.net,
                }),
            ),
        );
        self.store
            .lock_payroll(run, self.clock.now(), actor.id, &audit)
            .await
            .map_err(|e| match e {
                guichet_store::StoreError::Stale(_) => {
                    let month = &r.month;
                    invalid_said(
                        "hr-locked",
                        said(
                            format!("Bảng lương tháng {month} đã được khóa trước đó."),
                            format!("La paie de {month} est déjà verrouillée."),
                            format!("The payroll of {month} is already locked."),
                        ),
                    )
                }
                e => e.into(),
            })
    }

    /// Net pay per person against the office's run of the month before: new, gone, changed.
    pub async fn payroll_diff(&self, run: &PayrollRunRow) -> Result<Vec<PayDiff>> {
        let day = month_start(&run.month)?;
        let prev_month = match day.month() {
            time::Month::January => format!("{:04}-12", day.year() - 1),
            m => format!("{:04}-{:02}", day.year(), u8::from(m.previous())),
        };
        let runs = self.store.payroll_runs(run.office_id).await?;
        let before: HashMap<StaffId, i64> = match runs.iter().find(|r| r.month == prev_month) {
            Some(p) => self
                .store
                .payslips(p.id)
                .await?
                .into_iter()
                .map(|s| (s.staff_id, s.net))
                .collect(),
            None => HashMap::new(),
        };
        let now: HashMap<StaffId, i64> = self
            .store
            .payslips(run.id)
            .await?
            .into_iter()
            .map(|s| (s.staff_id, s.net))
            .collect();
        let staff = self.staff_by_id(run.office_id).await?;
        let mut ids: Vec<StaffId> = before.keys().chain(now.keys()).copied().collect();
        ids.sort();
        ids.dedup();
        let mut out: Vec<PayDiff> = ids
            .into_iter()
            .filter(|id| before.get(id) != now.get(id))
            .map(|id| PayDiff {
                staff_id: id,
                name: staff.get(&id).map(full_name).unwrap_or_default(),
                before: before.get(&id).copied(),
                now: now.get(&id).copied(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Totals of `month` as the parameters stand and with `changes` applied from that month
    /// (e.g. a higher base salary or point value); nothing is stored.
    pub async fn simulate(
        &self,
        office: OfficeId,
        month: &str,
        changes: &[(ParamName, i64)],
    ) -> Result<Simulation> {
        let office = self.office(office).await?;
        let day = month_start(month)?;
        let params = self.parameters().await?;
        let now = self.compute_month(&office, day, &params).await?;
        let mut changed = params.clone();
        for (name, value) in changes {
            if name.country() != office.country.code() {
                let code = name.code();
                return Err(invalid_said(
                    "hr-param",
                    said(
                        format!("{code} không phải là tham số của quốc gia của cơ quan này."),
                        format!("{code} n’est pas un paramètre du pays de ce service."),
                        format!("{code} is not a parameter of this office’s country."),
                    ),
                ));
            }
            // A value from exactly this day would clash with a built-in one; start the
            // simulated value on the first day of the month unless one starts then already.
            if changed
                .entry(*name, day)
                .map(|e| e.from == day)
                .unwrap_or(false)
            {
                let code = name.code();
                return Err(invalid_said(
                    "hr-param",
                    said(
                        format!("{code} đã thay đổi vào ngày {day}; hãy mô phỏng tháng khác."),
                        format!("{code} change déjà le {day} ; simulez un autre mois."),
                        format!("{code} already changes on {day}; simulate another month."),
                    ),
                ));
            }
            changed
                .add(*name, day, *value, "simulation")
                .map_err(pay_error)?;
        }
        let simulated = self.compute_month(&office, day, &changed).await?;
        let position_scheme = if office.country == Country::Vn {
            let positions: HashMap<String, i64> = self
                .store
                .positions(office.id)
                .await?
                .into_iter()
                .filter_map(|p| p.position_pay.map(|v| (p.code, v)))
                .collect();
            let assigned: HashMap<StaffId, String> = self
                .store
                .terms_on(office.id, "assignment", day)
                .await?
                .into_iter()
                .map(|t| (t.staff_id, t.position_code))
                .collect();
            let pay: HashMap<StaffId, TermRow> = self
                .store
                .terms_on(office.id, "pay", day)
                .await?
                .into_iter()
                .map(|t| (t.staff_id, t))
                .collect();
            let mut count = 0;
            let (mut gross, mut net) = (0, 0);
            for (person, slip) in &now {
                let Some(amount) = assigned.get(person).and_then(|p| positions.get(p)) else {
                    gross += slip.gross;
                    net += slip.net;
                    continue;
                };
                let Some(term) = pay.get(person) else {
                    continue;
                };
                let mut data = term.data.clone();
                if let Some(o) = data.as_object_mut() {
                    for k in [
                        "scale",
                        "step",
                        "coefficient",
                        "leadership_coefficient",
                        "beyond_frame_percent",
                        "last_step_since",
                    ] {
                        o.remove(k);
                    }
                    o.insert("scheme".into(), json!("position"));
                    o.insert("position_salary".into(), json!(amount));
                }
                let slip = compute_pay(office.country, &data, day, &changed)?;
                count += 1;
                gross += slip.gross;
                net += slip.net;
            }
            Some((count, gross, net))
        } else {
            None
        };
        Ok(Simulation {
            month: month.to_owned(),
            currency: currency(office.country),
            people: now.len(),
            gross_now: now.iter().map(|(_, s)| s.gross).sum(),
            net_now: now.iter().map(|(_, s)| s.net).sum(),
            gross_simulated: simulated.iter().map(|(_, s)| s.gross).sum(),
            net_simulated: simulated.iter().map(|(_, s)| s.net).sum(),
            position_scheme,
            changes: changes
                .iter()
                .map(|(n, v)| (n.code().to_owned(), *v))
                .collect(),
        })
    }

    /// A payroll as rows (one per person, main lines as columns), for CSV/XLSX export.
    pub async fn payroll_rows(&self, run: &PayrollRunRow) -> Result<Vec<Vec<String>>> {
        let staff = self.staff_by_id(run.office_id).await?;
        let mut slips: Vec<(Option<&StaffRow>, Value)> = Vec::new();
        for s in self.store.payslips(run.id).await? {
            slips.push((staff.get(&s.staff_id), payslip_json(run, &s)?));
        }
        slips.sort_by_key(|(p, _)| p.map(|p| p.number.clone()));
        let mut codes: Vec<String> = Vec::new();
        for (_, b) in &slips {
            for l in b["lines"].as_array().into_iter().flatten() {
                if let Some(c) = l["code"].as_str()
                    && !codes.iter().any(|x| x == c)
                {
                    codes.push(c.to_owned());
                }
            }
        }
        let mut out = vec![
            ["number", "name", "gross"]
                .iter()
                .map(|s| (*s).to_owned())
                .chain(codes.iter().cloned())
                .chain(["net".to_owned()])
                .collect::<Vec<_>>(),
        ];
        for (p, b) in &slips {
            let mut row = vec![
                p.map(|p| p.number.clone()).unwrap_or_default(),
                p.map(full_name).unwrap_or_default(),
                b["gross"].as_str().unwrap_or_default().to_owned(),
            ];
            for c in &codes {
                let amount = b["lines"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|l| l["code"] == c.as_str())
                    .and_then(|l| l["amount"].as_str())
                    .unwrap_or_default();
                row.push(amount.to_owned());
            }
            row.push(b["net"].as_str().unwrap_or_default().to_owned());
            out.push(row);
        }
        Ok(out)
    }
}

/// A payslip as stored: integer amounts, and a line's legal source only when it differs
/// from the run's (so 100,000 payslips do not each carry the same texts).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredSlip {
    pub country: String,
    pub currency: String,
    pub minor: i64,
    pub date: String,
    pub gross: i64,
    pub deductions: i64,
    pub net: i64,
    pub lines: Vec<StoredLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredLine {
    pub code: String,
    pub kind: guichet_pay::LineKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<String>,
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl StoredSlip {
    /// The stored form of `slip`; the first source seen for a line code goes to `sources`.
    pub fn of(slip: &Payslip, sources: &mut BTreeMap<String, String>) -> StoredSlip {
        StoredSlip {
            country: slip.country.into(),
            currency: slip.currency.into(),
            minor: slip.minor_per_major,
            date: guichet_units::format_date(slip.date),
            gross: slip.gross,
            deductions: slip.deductions,
            net: slip.net,
            lines: slip
                .lines
                .iter()
                .map(|l| {
                    let shared = sources
                        .entry(l.code.clone())
                        .or_insert_with(|| l.source.clone());
                    StoredLine {
                        code: l.code.clone(),
                        kind: l.kind,
                        base: l.base,
                        rate: l.rate.clone(),
                        amount: l.amount,
                        source: (*shared != l.source).then(|| l.source.clone()),
                    }
                })
                .collect(),
        }
    }

    pub fn to_text(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

/// A stored payslip in the pay crate's JSON form (`Payslip::to_json`), with its sources.
pub fn payslip_json(run: &PayrollRunRow, slip: &PayslipRow) -> Result<Value> {
    let bad = |e: serde_json::Error| ServiceError::Internal(format!("stored payslip: {e}"));
    let stored: StoredSlip = serde_json::from_str(&slip.breakdown).map_err(bad)?;
    let sources: BTreeMap<String, String> = if run.sources.is_empty() {
        BTreeMap::new()
    } else {
        serde_json::from_str(&run.sources).map_err(bad)?
    };
    let money = |v: i64| Value::String(guichet_pay::format_minor(v, stored.minor));
    let lines: Vec<Value> = stored
        .lines
        .iter()
        .map(|l| {
            let mut o = json!({
                "code": l.code,
                "kind": l.kind,
                "amount": money(l.amount),
                "source": l.source.clone().or_else(|| sources.get(&l.code).cloned()).unwrap_or_default(),
            });
            if let Some(b) = l.base {
                o["base"] = money(b);
            }
            if let Some(r) = &l.rate {
                o["rate"] = Value::String(r.clone());
            }
            o
        })
        .collect();
    Ok(json!({
        "country": stored.country,
        "currency": stored.currency,
        "date": stored.date,
        "gross": money(stored.gross),
        "deductions": money(stored.deductions),
        "net": money(stored.net),
        "lines": lines,
    }))
}

/// The columns of a staff import or export.
pub fn import_columns(country: Country) -> Vec<&'static str> {
    let mut c = vec![
        "number",
        "family_name",
        "given_name",
        "birth_date",
        "gender",
        "id_kind",
        "id_number",
        "email",
        "phone",
        "education",
        "from",
        "unit",
        "position",
        "status",
    ];
    c.extend(pay_columns(country).iter().map(|(n, _)| *n));
    c
}

/// The pay situation from the pay fields of an import row or a form (`get` gives a field's
/// text, empty when absent); `None` when no field is filled in.
pub fn pay_from_fields(country: Country, get: impl Fn(&str) -> String) -> Option<Value> {
    let mut pay = serde_json::Map::new();
    for (name, integer) in pay_columns(country) {
        let v = get(name).trim().to_owned();
        if v.is_empty() {
            continue;
        }
        let value = match (integer, v.parse::<i64>()) {
            (true, Ok(n)) => json!(n),
            _ => json!(v),
        };
        pay.insert((*name).into(), value);
    }
    (!pay.is_empty()).then_some(Value::Object(pay))
}

/// Pay fields of an import or a form and whether they hold integers.
pub fn pay_columns(country: Country) -> &'static [(&'static str, bool)] {
    match country {
        Country::Vn => &[
            ("staff_kind", false),
            ("scale", false),
            ("step", true),
            ("coefficient", false),
            ("leadership_coefficient", false),
            ("last_step_since", false),
            ("allowances", false),
            ("dependants", true),
        ],
        Country::Fr => &[
            ("corps", false),
            ("grade", false),
            ("echelon", true),
            ("indice_majore", true),
            ("nbi_points", true),
            ("residence_zone", true),
            ("children", true),
            ("bonuses", false),
        ],
    }
}

/// Renders one of `guichet_documents::hr_templates` with `data` (which carries `lang`,
/// `country`, `office` and `document` as the shared header reads them) off the async threads.
pub async fn render_pdf(
    renderer: std::sync::Arc<guichet_documents::Renderer>,
    template: &'static str,
    data: Value,
    today: Date,
) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let qr = data["document"]["id"]
            .as_str()
            .unwrap_or("guichet")
            .to_owned();
        guichet_documents::render(&renderer, template, &data, &qr, today)
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
    .map_err(|e| ServiceError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(sources: &BTreeMap<String, String>) -> PayrollRunRow {
        PayrollRunRow {
            id: PayrollId(uuid::Uuid::nil()),
            office_id: OfficeId(uuid::Uuid::nil()),
            month: "2025-05".into(),
            state: "computed".into(),
            currency: "VND".into(),
            staff_count: 2,
            gross: 0,
            net: 0,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            created_by: None,
            locked_at: None,
            locked_by: None,
            sources: serde_json::to_string(sources).unwrap(),
        }
    }

    #[test]
    fn allowances_read_and_write_as_text() {
        let v = parse_allowances("responsibility=0.2; area = 0.30 ;meals=730.000 đ").unwrap();
        assert_eq!(
            v,
            json!([{"name": "responsibility", "coefficient": "0.2"}, {"name": "area", "coefficient": "0.30"}, {"name": "meals", "amount": 730000}])
        );
        assert_eq!(
            allowances_text(&v),
            "responsibility=0.2; area=0.30; meals=730000 đ"
        );
        assert_eq!(parse_allowances(&allowances_text(&v)).unwrap(), v);
        assert_eq!(parse_allowances("").unwrap(), json!([]));
        for bad in ["responsibility", "=0.2", "x=abc", "x=-1", "x=12,5 đ"] {
            assert!(parse_allowances(bad).is_err(), "{bad}");
        }
        // The pay input takes them as they are.
        let p = Parameters::builtin();
        let slip = compute_pay(
            Country::Vn,
            &json!({"staff_kind": "cong_chuc", "scale": "A1", "step": 1, "allowances": v}),
            time::macros::date!(2025 - 05 - 01),
            &p,
        )
        .unwrap();
        assert_eq!(slip.amount("allowance:responsibility"), 468_000);
        assert_eq!(slip.amount("allowance:meals"), 730_000);
    }

    #[test]
    fn stored_payslips_share_sources_and_read_back_exactly() {
        let p = Parameters::builtin();
        let day = time::macros::date!(2025 - 05 - 01);
        let a = compute_pay(
            Country::Vn,
            &json!({"staff_kind": "cong_chuc", "scale": "A1", "step": 5}),
            day,
            &p,
        )
        .unwrap();
        // Another scale and status, paid the same day.
        let b = compute_pay(
            Country::Vn,
            &json!({"staff_kind": "vien_chuc", "scale": "B", "step": 3, "dependants": 1}),
            day,
            &p,
        )
        .unwrap();
        let mut sources = BTreeMap::new();
        let sa = StoredSlip::of(&a, &mut sources);
        let sb = StoredSlip::of(&b, &mut sources);
        // Everyone paid on the same date shares every source.
        assert!(sa.lines.iter().chain(&sb.lines).all(|l| l.source.is_none()));
        // A line whose source differs keeps its own.
        let mut other = b.clone();
        other.lines[0].source = "a special decision".into();
        let so = StoredSlip::of(&other, &mut sources);
        assert_eq!(so.lines[0].source.as_deref(), Some("a special decision"));
        let run = run_with(&sources);
        for (slip, stored) in [(&a, &sa), (&b, &sb), (&other, &so)] {
            let row = PayslipRow {
                run_id: run.id,
                staff_id: StaffId(uuid::Uuid::nil()),
                gross: slip.gross,
                net: slip.net,
                breakdown: stored.to_text().unwrap(),
            };
            assert_eq!(payslip_json(&run, &row).unwrap(), slip.to_json());
            let full = slip.to_json().to_string().len();
            if stored.lines.iter().any(|l| l.source.is_some()) {
                continue;
            }
            assert!(
                row.breakdown.len() * 2 < full,
                "compact: {} of {full} bytes",
                row.breakdown.len()
            );
        }
    }
}

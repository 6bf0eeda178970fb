//! The stored shape of civil-service management: organisation units, job positions,
//! personnel records and their effective-dated career terms, pay parameters entered by
//! administrators, payroll runs and payslips. The rules live in `guichet-services::hr`.
//!
//! Effective dates: `valid_from` is inclusive, `valid_to` exclusive, `None` open-ended.

use guichet_core::{OfficeId, OrgUnitId, PayrollId, PositionId, StaffId, TermId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Whether `[from, to)` contains `day`.
pub fn in_effect(from: Date, to: Option<Date>, day: Date) -> bool {
    from <= day && to.is_none_or(|t| day < t)
}

/// An organisation unit version; a unit that changes gets a new version from the change date.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgUnitRow {
    pub id: OrgUnitId,
    pub office_id: OfficeId,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// Code of the administrative unit (province, commune, département) it serves.
    pub admin_unit_code: Option<String>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub created_at: OffsetDateTime,
}

/// A job position (vị trí việc làm / emploi) with its planned posts in a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionRow {
    pub id: PositionId,
    pub office_id: OfficeId,
    pub code: String,
    pub title: String,
    /// `leadership`, `professional` or `support`.
    pub category: String,
    pub unit_code: String,
    pub planned_posts: i64,
    pub competencies: String,
    pub training: String,
    /// Monthly amount under pay by job position (a simulation of the reform), minor units.
    pub position_pay: Option<i64>,
    pub created_at: OffsetDateTime,
}

/// A personnel record.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRow {
    pub id: StaffId,
    pub office_id: OfficeId,
    /// The guichet account of the person, who may then read their own record.
    pub user_id: Option<UserId>,
    /// Staff number, unique per office (số hiệu cán bộ, matricule).
    pub number: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Date,
    /// `f`, `m` or `x`.
    pub gender: String,
    /// `cccd`, `nir` or `other`.
    pub id_kind: String,
    pub id_number: String,
    pub email: String,
    pub phone: String,
    pub education: String,
    pub created_at: OffsetDateTime,
}

/// One effective-dated career entry. `kind` is `assignment` (unit and position), `status`,
/// `pay` (the pay situation as the pay crate's input, in `data`), `leave`, `evaluation`,
/// `reward` or `discipline`. The first three never overlap for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct TermRow {
    pub id: TermId,
    pub staff_id: StaffId,
    pub office_id: OfficeId,
    pub kind: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub unit_code: String,
    pub position_code: String,
    pub data: serde_json::Value,
    pub note: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserId>,
}

/// Kinds of term that are exclusive: at most one in effect per person on any day.
pub const EXCLUSIVE_TERMS: [&str; 3] = ["assignment", "status", "pay"];

/// A personnel record with its terms, written together (an import writes many at once).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffWrite {
    pub staff: StaffRow,
    pub terms: Vec<TermRow>,
}

/// A pay parameter value entered by an administrator, with its legal reference.
#[derive(Debug, Clone, PartialEq)]
pub struct PayParamRow {
    pub id: Uuid,
    pub name: String,
    pub valid_from: Date,
    pub value: i64,
    pub source: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserId>,
}

/// A monthly payroll run; `computed` until locked, then frozen.
#[derive(Debug, Clone, PartialEq)]
pub struct PayrollRunRow {
    pub id: PayrollId,
    pub office_id: OfficeId,
    /// `YYYY-MM`.
    pub month: String,
    /// `computed` or `locked`.
    pub state: String,
    pub currency: String,
    pub staff_count: i64,
    pub gross: i64,
    pub net: i64,
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserId>,
    pub locked_at: Option<OffsetDateTime>,
    pub locked_by: Option<UserId>,
    /// JSON object: payslip line code → legal source, shared by every payslip of the run
    /// (a payslip keeps its own source only where it differs).
    pub sources: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PayslipRow {
    pub run_id: PayrollId,
    pub staff_id: StaffId,
    pub gross: i64,
    pub net: i64,
    /// The computed lines as compact JSON text (see `guichet-services::hr::StoredSlip`).
    pub breakdown: String,
}

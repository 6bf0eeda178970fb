//! The slice's storage: the stored shape of civil-service management (organisation units, job
//! positions, personnel records and their effective-dated career terms, pay parameters entered
//! by administrators, payroll runs and payslips), its own narrow trait [`HrStore`] and the
//! tables it owns. The rules live in [`crate::service`].
//!
//! Effective dates: `valid_from` is inclusive, `valid_to` exclusive, `None` open-ended.

use async_trait::async_trait;
use guichet_core::{OfficeId, OrgUnitId, PayrollId, PositionId, StaffId, TermId, UserId};
use guichet_identity::IdentityStore;
use guichet_store::{Audit, ColType, Result, TableSpec};
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
    /// The computed lines as compact JSON text (see `crate::service::StoredSlip`).
    pub breakdown: String,
}

/// Civil-service management: organisation units, positions, personnel records, career terms,
/// pay parameters and payroll.
#[async_trait]
pub trait HrStore: IdentityStore {
    // ---- civil-service management
    /// Inserts or replaces (by id) an organisation unit version.
    async fn put_org_unit(&self, unit: &OrgUnitRow, audit: &Audit) -> Result<()>;
    /// Every version of every unit of an office.
    async fn org_units(&self, office: OfficeId) -> Result<Vec<OrgUnitRow>>;
    /// Inserts or replaces (by id) a job position.
    async fn put_position(&self, position: &PositionRow, audit: &Audit) -> Result<()>;
    async fn positions(&self, office: OfficeId) -> Result<Vec<PositionRow>>;
    /// Writes personnel records and their terms in one transaction: all or nothing. A staff
    /// number already used in the office is a `Conflict`; overlapping exclusive terms are
    /// `Invalid`.
    async fn add_staff(&self, writes: Vec<StaffWrite>, audit: &Audit) -> Result<()>;
    async fn staff_list(&self, office: OfficeId) -> Result<Vec<StaffRow>>;
    async fn staff_member(&self, id: guichet_core::StaffId) -> Result<Option<StaffRow>>;
    async fn staff_of_user(&self, user: UserId) -> Result<Vec<StaffRow>>;
    /// Inserts or replaces (by id) career terms, then checks in the same transaction that no
    /// exclusive terms of a person overlap (`Invalid` otherwise, nothing written).
    async fn put_terms(&self, terms: Vec<TermRow>, audit: &Audit) -> Result<()>;
    async fn staff_terms(&self, staff: guichet_core::StaffId) -> Result<Vec<TermRow>>;
    /// The terms of a kind in effect on `day` in an office (`valid_from <= day < valid_to`).
    async fn terms_on(&self, office: OfficeId, kind: &str, day: time::Date)
    -> Result<Vec<TermRow>>;
    /// A pay parameter value; a second value of a name from the same date is a `Conflict`.
    async fn add_pay_parameter(&self, param: &PayParamRow, audit: &Audit) -> Result<()>;
    async fn pay_parameters(&self) -> Result<Vec<PayParamRow>>;
    /// Stores a computed run with its payslips, replacing an earlier computation of the same
    /// office and month; a locked month is `Stale` and stays as it is.
    async fn save_payroll(
        &self,
        run: &PayrollRunRow,
        slips: Vec<PayslipRow>,
        audit: &Audit,
    ) -> Result<PayrollRunRow>;
    /// Locks a computed run (`Stale` when already locked or gone).
    async fn lock_payroll(
        &self,
        id: guichet_core::PayrollId,
        at: OffsetDateTime,
        by: Option<UserId>,
        audit: &Audit,
    ) -> Result<()>;
    async fn payroll_runs(&self, office: OfficeId) -> Result<Vec<PayrollRunRow>>;
    async fn payroll_run(&self, id: guichet_core::PayrollId) -> Result<Option<PayrollRunRow>>;
    async fn payslips(&self, run: guichet_core::PayrollId) -> Result<Vec<PayslipRow>>;
    /// One person's payslips with their runs, newest month first.
    async fn payslips_of(
        &self,
        staff: guichet_core::StaffId,
    ) -> Result<Vec<(PayrollRunRow, PayslipRow)>>;
}

use ColType::*;

/// Civil-service management.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "org_units",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("code", Text),
            ("name", Text),
            ("parent_code", OptText),
            ("admin_unit_code", OptText),
            ("valid_from", Text),
            ("valid_to", OptText),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "job_positions",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("code", Text),
            ("title", Text),
            ("category", Text),
            ("unit_code", Text),
            ("planned_posts", Int),
            ("competencies", Text),
            ("training", Text),
            ("position_pay", OptInt),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "staff",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("user_id", OptUuid),
            ("number", Text),
            ("family_name", Text),
            ("given_name", Text),
            ("birth_date", Text),
            ("gender", Text),
            ("id_kind", Text),
            ("id_number", Text),
            ("email", Text),
            ("phone", Text),
            ("education", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "staff_terms",
        columns: &[
            ("id", Uuid),
            ("staff_id", Uuid),
            ("office_id", Uuid),
            ("kind", Text),
            ("valid_from", Text),
            ("valid_to", OptText),
            ("unit_code", Text),
            ("position_code", Text),
            ("data", Text),
            ("note", Text),
            ("created_at", Timestamp),
            ("created_by", OptUuid),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "pay_parameters",
        columns: &[
            ("id", Uuid),
            ("name", Text),
            ("valid_from", Text),
            ("value", Int),
            ("source", Text),
            ("created_at", Timestamp),
            ("created_by", OptUuid),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "payroll_runs",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("month", Text),
            ("state", Text),
            ("currency", Text),
            ("staff_count", Int),
            ("gross", Int),
            ("net", Int),
            ("created_at", Timestamp),
            ("created_by", OptUuid),
            ("locked_at", OptTimestamp),
            ("locked_by", OptUuid),
            ("sources", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "payslips",
        columns: &[
            ("run_id", Uuid),
            ("staff_id", Uuid),
            ("gross", Int),
            ("net", Int),
            ("breakdown", Text),
        ],
        order_by: "run_id, staff_id",
    },
];

//! The stored shape of records and archives: file plan classes, archival files, records with
//! their register numbers, legal holds, disposition runs, fixity audit runs, and what the
//! capture of one-stop documents reads. The rules live in `guichet-services::records`.

use guichet_core::{
    ArchiveFileId, ClassId, DispositionId, DossierId, HoldId, OfficeId, ProcedureId, RecordId,
    UserId,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A class of an office's file plan, with its retention rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRecord {
    pub id: ClassId,
    pub office_id: OfficeId,
    /// Position in the plan, unique per office, e.g. `02.05`.
    pub code: String,
    pub title: String,
    /// `None`: permanent (vĩnh viễn).
    pub retention_years: Option<i64>,
    /// `keep`, `destroy` or `review`.
    pub final_action: String,
    /// `file_closed` or `record_date`.
    pub trigger: String,
    pub legal_reference: String,
    /// One-stop dossiers of the office are filed under this class.
    pub captures_dossiers: bool,
    pub created_at: OffsetDateTime,
}

/// An archival file (hồ sơ lưu trữ, dossier d'archives).
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveFileRecord {
    pub id: ArchiveFileId,
    pub office_id: OfficeId,
    pub class_id: ClassId,
    /// `{year}/{class code}/{NN}`, numbered by the store when opened.
    pub reference: String,
    pub title: String,
    pub dossier_id: Option<DossierId>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub due_on: Option<Date>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserId>,
}

/// A record: a registered document or a captured one-stop document.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    pub id: RecordId,
    pub office_id: OfficeId,
    pub file_id: Option<ArchiveFileId>,
    /// The main record this one is an attachment of.
    pub parent_id: Option<RecordId>,
    /// `incoming` or `outgoing` for registered documents.
    pub register: Option<String>,
    pub year: Option<i64>,
    /// Number in the register (arrival number for incoming), gap-free per office, register, year.
    pub number: Option<i64>,
    /// Symbol (ký hiệu) of an outgoing document, e.g. `QĐ-UBND`.
    pub symbol: String,
    /// Number and symbol as printed on an incoming document by its sender.
    pub original_ref: String,
    pub doc_type: String,
    /// Summary (trích yếu) or title.
    pub title: String,
    pub doc_date: Date,
    pub issuer: String,
    pub signer: String,
    pub recipients: String,
    pub urgency: String,
    pub confidentiality: String,
    pub lang: String,
    /// `register`, `file` (an upload or issued PDF of a dossier), `message`, `import`,
    /// `certificate`.
    pub source: String,
    pub source_id: Option<Uuid>,
    pub dossier_id: Option<DossierId>,
    /// Content (absent for a paper-only registration).
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub size: i64,
    pub sha256: Option<String>,
    pub storage_key: Option<String>,
    /// Extracted text, for the search index.
    pub text: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserId>,
    pub due_on: Option<Date>,
    pub warned_at: Option<OffsetDateTime>,
    /// `active` or `destroyed` (a tombstone: metadata kept, content and text removed).
    pub state: String,
    pub destroyed_at: Option<OffsetDateTime>,
    pub disposition_id: Option<DispositionId>,
}

/// Ask the store to number something in the writing transaction, from a counter that is
/// gap-free per office, counter name and year.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberRequest {
    /// `incoming`, `outgoing`, or `file/{class code}`.
    pub counter: String,
    pub year: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    pub record: RecordRow,
    /// Number the record (sets `number` and `year`).
    pub number: Option<NumberRequest>,
}

/// A filter over records; every set field must match.
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    pub office: Option<OfficeId>,
    pub register: Option<String>,
    pub year: Option<i64>,
    pub file: Option<ArchiveFileId>,
    pub dossier: Option<DossierId>,
    pub ids: Vec<RecordId>,
    pub active_only: bool,
    /// Due on or before this day.
    pub due_by: Option<Date>,
    /// Not yet warned about.
    pub not_warned: bool,
    /// Keyset paging in id order.
    pub after: Option<RecordId>,
    pub newest_first: bool,
    pub limit: u32,
}

/// A legal hold on a record or on a whole archival file.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldRecord {
    pub id: HoldId,
    pub office_id: OfficeId,
    pub reason: String,
    pub legal_reference: String,
    pub record_id: Option<RecordId>,
    pub file_id: Option<ArchiveFileId>,
    pub placed_at: OffsetDateTime,
    pub placed_by: Option<UserId>,
    pub released_at: Option<OffsetDateTime>,
    pub released_by: Option<UserId>,
    pub release_reason: Option<String>,
}

/// A disposition run: proposed (the list of due records), approved or rejected by an
/// authorised person, then executed.
#[derive(Debug, Clone, PartialEq)]
pub struct DispositionRecord {
    pub id: DispositionId,
    pub office_id: OfficeId,
    pub as_of: Date,
    /// `proposed`, `approved`, `rejected`, `executed`.
    pub state: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserId>,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<UserId>,
    pub executed_at: Option<OffsetDateTime>,
    /// The items (JSON array: record id, action, outcome).
    pub items: serde_json::Value,
    pub note: String,
    /// The destruction certificate once executed.
    pub certificate_id: Option<RecordId>,
}

/// One fixity audit over every stored copy.
#[derive(Debug, Clone, PartialEq)]
pub struct FixityRunRecord {
    pub id: Uuid,
    pub started_at: OffsetDateTime,
    pub finished_at: OffsetDateTime,
    pub objects: i64,
    pub copies_checked: i64,
    pub ok: i64,
    pub repaired: i64,
    pub failed: i64,
    /// Problems found and actions taken (JSON array).
    pub report: serde_json::Value,
}

/// A dossier file or message not yet captured as a record.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSource {
    /// `file` or `message`.
    pub kind: String,
    pub id: Uuid,
    pub office_id: OfficeId,
    pub dossier_id: DossierId,
    pub dossier_code: String,
    pub procedure_id: ProcedureId,
    pub at: OffsetDateTime,
    pub author_id: Option<UserId>,
    pub author_name: String,
    /// File name (files) or empty.
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    /// The kind and language of an issued document when the file is one.
    pub document_kind: Option<String>,
    pub document_lang: Option<String>,
    /// Message body (messages).
    pub body: String,
    pub internal: bool,
    pub from_applicant: bool,
}

/// What a destruction did: the records destroyed (as they were before) and those a hold kept.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Destruction {
    pub destroyed: Vec<RecordRow>,
    pub held: Vec<RecordId>,
}

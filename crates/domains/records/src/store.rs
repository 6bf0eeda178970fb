//! The slice's storage: the stored shape of records and archives (file plan classes, archival
//! files, records with their register numbers, legal holds, disposition runs, fixity audit
//! runs, and what the capture of one-stop documents reads), its own narrow trait
//! [`RecordsStore`] and the tables it owns. The rules live in [`crate::service`].

use async_trait::async_trait;
use guichet_core::{
    ArchiveFileId, ClassId, DispositionId, DossierId, HoldId, OfficeId, ProcedureId, RecordId,
    UserId,
};
use guichet_one_stop::store::OneStopStore;
use guichet_store::{Audit, ColType, Result, TableSpec};
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

/// Records and archives: file plan, archival files, records, holds, dispositions, fixity runs.
#[async_trait]
pub trait RecordsStore: OneStopStore {
    /// Inserts or updates a file plan class (`Conflict` when its code is taken).
    async fn put_record_class(&self, class: &ClassRecord, audit: &Audit) -> Result<()>;
    /// An office's file plan, by code.
    async fn record_classes(&self, office: OfficeId) -> Result<Vec<ClassRecord>>;
    /// Opens an archival file; its `reference` is the prefix the store completes with the
    /// next number of `number` (gap-free, in the same transaction); an empty counter keeps
    /// the reference as given (imports).
    async fn open_archive_file(
        &self,
        file: &ArchiveFileRecord,
        number: &NumberRequest,
        audit: &Audit,
    ) -> Result<ArchiveFileRecord>;
    /// Closes an open file (`Stale` if it is already closed); when `records_due` is set, the
    /// active records of the file become due on that day.
    async fn close_archive_file(
        &self,
        id: guichet_core::ArchiveFileId,
        closed_on: time::Date,
        due_on: Option<time::Date>,
        records_due: bool,
        audit: &Audit,
    ) -> Result<()>;
    async fn archive_file(
        &self,
        id: guichet_core::ArchiveFileId,
    ) -> Result<Option<ArchiveFileRecord>>;
    async fn archive_file_for_dossier(
        &self,
        dossier: DossierId,
    ) -> Result<Option<ArchiveFileRecord>>;
    /// Open archival files of dossiers now in one of `states`, with the dossier's last
    /// change, at most `limit` (files to close).
    async fn open_files_of_dossiers_in(
        &self,
        states: &[&str],
        limit: u32,
    ) -> Result<Vec<(ArchiveFileRecord, OffsetDateTime)>>;
    /// An office's files, newest first, at most `limit`.
    async fn archive_files(&self, office: OfficeId, limit: u32) -> Result<Vec<ArchiveFileRecord>>;
    /// Inserts records, numbering those that ask, in one transaction. A record whose source
    /// was already captured is skipped (not returned); a number already used is a `Conflict`.
    async fn add_records(&self, writes: Vec<RecordWrite>, audit: &Audit) -> Result<Vec<RecordRow>>;
    async fn record_row(&self, id: guichet_core::RecordId) -> Result<Option<RecordRow>>;
    async fn records(&self, query: &RecordQuery) -> Result<Vec<RecordRow>>;
    async fn count_records(&self, office: Option<OfficeId>) -> Result<i64>;
    /// Files and messages of submitted dossiers not yet captured as records, at most `limit`.
    async fn uncaptured(&self, limit: u32) -> Result<Vec<CaptureSource>>;
    async fn mark_records_warned(
        &self,
        ids: &[guichet_core::RecordId],
        at: OffsetDateTime,
        audit: &Audit,
    ) -> Result<()>;
    async fn put_hold(&self, hold: &HoldRecord, audit: &Audit) -> Result<()>;
    /// Releases an active hold (`Stale` if already released).
    async fn release_hold(
        &self,
        id: guichet_core::HoldId,
        at: OffsetDateTime,
        by: Option<UserId>,
        reason: &str,
        audit: &Audit,
    ) -> Result<()>;
    async fn holds(&self, office: OfficeId) -> Result<Vec<HoldRecord>>;
    /// Inserts a disposition (`expected_state` `None`) or updates it only while its stored
    /// state is `expected_state` (`Stale` otherwise).
    async fn put_disposition(
        &self,
        d: &DispositionRecord,
        expected_state: Option<&str>,
        audit: &Audit,
    ) -> Result<()>;
    async fn disposition(
        &self,
        id: guichet_core::DispositionId,
    ) -> Result<Option<DispositionRecord>>;
    async fn dispositions(&self, office: OfficeId) -> Result<Vec<DispositionRecord>>;
    /// Turns active records into tombstones (content key and text removed) in one
    /// transaction, except those under an active hold (on the record or its file), checked in
    /// the same transaction.
    async fn destroy_records(
        &self,
        disposition: guichet_core::DispositionId,
        ids: &[guichet_core::RecordId],
        at: OffsetDateTime,
        audit: &Audit,
    ) -> Result<Destruction>;
    async fn add_fixity_run(&self, run: &FixityRunRecord, audit: &Audit) -> Result<()>;
    /// The latest fixity runs, newest first.
    async fn fixity_runs(&self, limit: u32) -> Result<Vec<FixityRunRecord>>;
}

use ColType::*;

/// Records and archives.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "record_classes",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("code", Text),
            ("title", Text),
            ("retention_years", OptInt),
            ("final_action", Text),
            ("trigger_event", Text),
            ("legal_reference", Text),
            ("captures_dossiers", Bool),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "archive_files",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("class_id", Uuid),
            ("reference", Text),
            ("title", Text),
            ("dossier_id", OptUuid),
            ("opened_on", Text),
            ("closed_on", OptText),
            ("due_on", OptText),
            ("created_at", Timestamp),
            ("created_by", OptUuid),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "dispositions",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("as_of", Text),
            ("state", Text),
            ("created_at", Timestamp),
            ("created_by", OptUuid),
            ("decided_at", OptTimestamp),
            ("decided_by", OptUuid),
            ("executed_at", OptTimestamp),
            ("items", Text),
            ("note", Text),
            ("certificate_id", OptUuid),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "records",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("file_id", OptUuid),
            ("parent_id", OptUuid),
            ("register", OptText),
            ("year", OptInt),
            ("number", OptInt),
            ("symbol", Text),
            ("original_ref", Text),
            ("doc_type", Text),
            ("title", Text),
            ("doc_date", Text),
            ("issuer", Text),
            ("signer", Text),
            ("recipients", Text),
            ("urgency", Text),
            ("confidentiality", Text),
            ("lang", Text),
            ("source", Text),
            ("source_id", OptUuid),
            ("dossier_id", OptUuid),
            ("name", OptText),
            ("content_type", OptText),
            ("size", Int),
            ("sha256", OptText),
            ("storage_key", OptText),
            ("text", Text),
            ("created_at", Timestamp),
            ("created_by", OptUuid),
            ("due_on", OptText),
            ("warned_at", OptTimestamp),
            ("state", Text),
            ("destroyed_at", OptTimestamp),
            ("disposition_id", OptUuid),
        ],
        // Attachments are created after their main record, so id order keeps parents first.
        order_by: "id",
    },
    TableSpec {
        name: "record_holds",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("reason", Text),
            ("legal_reference", Text),
            ("record_id", OptUuid),
            ("file_id", OptUuid),
            ("placed_at", Timestamp),
            ("placed_by", OptUuid),
            ("released_at", OptTimestamp),
            ("released_by", OptUuid),
            ("release_reason", OptText),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "fixity_runs",
        columns: &[
            ("id", Uuid),
            ("started_at", Timestamp),
            ("finished_at", Timestamp),
            ("objects", Int),
            ("copies_checked", Int),
            ("ok", Int),
            ("repaired", Int),
            ("failed", Int),
            ("report", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "record_counters",
        columns: &[
            ("office_id", Uuid),
            ("counter", Text),
            ("year", Int),
            ("last", Int),
        ],
        order_by: "office_id, counter, year",
    },
];

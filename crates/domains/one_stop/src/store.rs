//! The slice's storage: the stored shape of the one-stop service (procedures and their
//! versions, dossiers, their history and messages, office webhooks; issued documents, document
//! templates, ratings, export jobs and statistics rows), its own narrow trait [`OneStopStore`]
//! and the tables it owns. JSON documents (a version's body, a dossier's answers) are kept as
//! `serde_json::Value` here and typed by the services.

use async_trait::async_trait;
use guichet_core::{DocumentId, DossierId, ExportId, FileId, OfficeId, ProcedureId, UserId};
use guichet_identity::IdentityStore;
use guichet_store::{Audit, ColType, FileRecord, OutboxRecord, OutboxStore, Result, TableSpec};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureRecord {
    pub id: ProcedureId,
    pub office_id: OfficeId,
    /// Unique per office, e.g. `1.001193` (national code) or `CERFA-13750`.
    pub code: String,
    pub topic: String,
    /// 0 while nothing is published.
    pub published_version: i64,
    pub latest_version: i64,
    pub created_at: OffsetDateTime,
}

/// `draft` (editable), `published` (frozen, offered), `retired` (frozen, no longer offered).
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureVersionRecord {
    pub id: Uuid,
    pub procedure_id: ProcedureId,
    pub version: i64,
    pub status: String,
    pub body: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub published_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DossierRecord {
    pub id: DossierId,
    /// Given at submission: `{office code}-{yyMMdd}-{NNNN}`.
    pub code: Option<String>,
    pub office_id: OfficeId,
    pub procedure_id: ProcedureId,
    pub procedure_version: i64,
    pub applicant_id: Option<UserId>,
    pub applicant_name: String,
    pub applicant_email: Option<String>,
    pub state: String,
    /// Empty (`null`) in lists, which do not load answers.
    pub answers: serde_json::Value,
    /// Hex SHA-256 of the tracking secret given at submission.
    pub secret_hash: Option<String>,
    /// Bumped by every write; a write names the revision it read (optimistic concurrency).
    pub rev: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub received_at: Option<OffsetDateTime>,
    pub due_date: Option<Date>,
    pub paused_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub assigned_to: Option<UserId>,
    pub idempotency_key: Option<String>,
    /// The language it was filed in (`vi`, `fr`, `en`), which the applicant's e-mails use;
    /// empty for dossiers filed before it was recorded.
    pub lang: String,
    /// How an agent took it in on the applicant's behalf; `None`: filed online by the applicant.
    pub intake: Option<Intake>,
}

/// How a dossier arrived when an agent took it in for the applicant (Vietnam's counter of the
/// Bộ phận một cửa, a préfecture's guichet, or a letter).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Intake {
    /// `counter` or `post`.
    pub channel: String,
    /// The identity document the agent saw or the letter carried: `cccd`, `cmnd`, `passport`,
    /// `cni`, `residence_permit`, `other`.
    pub id_kind: String,
    /// Its number, in normal form where the kind has one.
    pub id_number: String,
    /// The agent checked the document against the person at the desk (always for `counter`).
    pub identity_checked: bool,
    #[serde(default)]
    pub phone: String,
    /// The agent who took it in.
    pub agent: UserId,
    pub agent_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DossierEventRecord {
    pub id: Uuid,
    pub dossier_id: DossierId,
    pub at: OffsetDateTime,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord {
    pub id: Uuid,
    pub dossier_id: DossierId,
    pub at: OffsetDateTime,
    pub author_id: Option<UserId>,
    pub author_name: String,
    pub from_applicant: bool,
    /// An agents' note, never shown to the applicant.
    pub internal: bool,
    pub body: String,
    pub file_id: Option<FileId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRecord {
    pub id: Uuid,
    pub office_id: OfficeId,
    pub url: String,
    pub secret: String,
    pub created_at: OffsetDateTime,
}

/// Ask the store to number a dossier in the writing transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRequest {
    /// `{office code}-{yyMMdd}`; the store appends `-{NNNN}`.
    pub prefix: String,
    /// The office-local day the counter belongs to (`YYYY-MM-DD`).
    pub day: Date,
}

/// One change to a dossier and everything that goes with it, applied in one transaction.
#[derive(Debug, Clone)]
pub struct DossierWrite {
    /// The dossier as it must be stored (its `rev` is the new revision).
    pub dossier: DossierRecord,
    /// `None` inserts; `Some(rev)` updates only if the stored revision is still `rev`
    /// (otherwise `Conflict`: someone else changed it, or this is a double submission).
    pub expected_rev: Option<i64>,
    /// Number the dossier: the store sets `code` and fills `"code": null` in the payloads of
    /// the audit's events with it.
    pub allocate_code: Option<CodeRequest>,
    pub event: Option<DossierEventRecord>,
    pub messages: Vec<MessageRecord>,
    /// Files already stored (by `add_file`) that now belong to this dossier.
    pub attach_files: Vec<FileId>,
    pub outbox: Vec<OutboxRecord>,
    /// Documents issued by this change (their PDFs already in the file store).
    pub documents: Vec<IssuedDocument>,
}

impl DossierWrite {
    pub fn new(dossier: DossierRecord, expected_rev: Option<i64>) -> Self {
        Self {
            dossier,
            expected_rev,
            allocate_code: None,
            event: None,
            messages: Vec::new(),
            attach_files: Vec::new(),
            outbox: Vec::new(),
            documents: Vec::new(),
        }
    }
}

/// How a dossier list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DossierOrder {
    /// Undated first (submitted, waiting to be received), then soonest due date, then oldest.
    #[default]
    DueDate,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

/// A filter over dossiers; every set field must match.
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    pub office: Option<OfficeId>,
    pub applicant: Option<UserId>,
    pub states: Vec<String>,
    pub procedure: Option<ProcedureId>,
    pub assigned_to: Option<UserId>,
    /// Due on or before this day.
    pub due_by: Option<Date>,
    /// Exact dossier code.
    pub code: Option<String>,
    pub order: DossierOrder,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRecord {
    pub id: DocumentId,
    pub office_id: OfficeId,
    pub dossier_id: Option<DossierId>,
    /// `receipt`, `supplement`, `refusal`, `apology`, `control_sheet`, `handover`, `result`.
    pub kind: String,
    pub lang: String,
    /// The sealed PDF.
    pub file_id: FileId,
    /// Hex SHA-256 of the signed PDF bytes (before the seal line).
    pub sha256: String,
    pub key_id: String,
    /// Hex Ed25519 public key of the office key that signed.
    pub public_key: String,
    /// The signed statement (JSON) the QR code's signature covers.
    pub statement: String,
    /// Base64url signature of the statement.
    pub qr_signature: String,
    pub issued_at: OffsetDateTime,
    pub issued_by: Option<UserId>,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
}

/// A document issued together with a dossier change: its PDF file row and its record.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedDocument {
    pub file: FileRecord,
    pub document: DocumentRecord,
}

/// An office's own template for a kind of document (replaces the built-in one).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRecord {
    pub office_id: OfficeId,
    pub kind: String,
    pub source: String,
    pub updated_at: OffsetDateTime,
    pub updated_by: Option<UserId>,
}

/// An applicant's rating of the service, once per dossier, after the handover.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingRecord {
    pub dossier_id: DossierId,
    pub office_id: OfficeId,
    pub procedure_id: ProcedureId,
    /// 1 to 5.
    pub score: i64,
    pub comment: String,
    pub at: OffsetDateTime,
}

/// A background export of dossiers.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportJobRecord {
    pub id: ExportId,
    pub office_id: OfficeId,
    pub requested_by: Option<UserId>,
    /// `csv`, `xlsx`, `ods` or `zip`.
    pub format: String,
    /// The filters and chosen columns (JSON).
    pub params: serde_json::Value,
    /// `queued`, `running`, `done`, `failed`.
    pub state: String,
    pub rows_done: i64,
    pub rows_total: i64,
    pub storage_key: Option<String>,
    pub size: Option<i64>,
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

/// What statistics need of one received dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    pub office_id: OfficeId,
    pub procedure_id: ProcedureId,
    pub state: String,
    pub received_at: OffsetDateTime,
    pub due_date: Option<Date>,
    pub decided_on: Option<Date>,
    /// Times the applicant was asked to supplement the dossier.
    pub corrections: i64,
    pub score: Option<i64>,
}

/// One-stop services: procedures, dossiers, their files, issued documents and templates,
/// ratings, statistics rows, export jobs and webhooks.
#[async_trait]
pub trait OneStopStore: IdentityStore + OutboxStore {
    /// Creates a procedure with its first (draft) version.
    async fn create_procedure(
        &self,
        procedure: &ProcedureRecord,
        first: &ProcedureVersionRecord,
        audit: &Audit,
    ) -> Result<()>;
    /// Saves a draft version: inserts it as the procedure's next version, or updates it while it
    /// is still a draft. A published or retired version is never changed (`Conflict`).
    async fn save_procedure_draft(
        &self,
        version: &ProcedureVersionRecord,
        audit: &Audit,
    ) -> Result<()>;
    /// Publishes a draft version: it becomes the offered one, the previous one is retired.
    async fn publish_procedure(
        &self,
        procedure: ProcedureId,
        version: i64,
        at: OffsetDateTime,
        audit: &Audit,
    ) -> Result<()>;
    /// Stops offering a procedure (its published version is retired).
    async fn unpublish_procedure(&self, procedure: ProcedureId, audit: &Audit) -> Result<()>;
    async fn list_procedures(&self, office: Option<OfficeId>) -> Result<Vec<ProcedureRecord>>;
    async fn procedure(&self, id: ProcedureId) -> Result<Option<ProcedureRecord>>;
    async fn procedure_by_code(
        &self,
        office: OfficeId,
        code: &str,
    ) -> Result<Option<ProcedureRecord>>;
    async fn procedure_version(
        &self,
        procedure: ProcedureId,
        version: i64,
    ) -> Result<Option<ProcedureVersionRecord>>;
    /// Every version of a procedure, oldest first.
    async fn procedure_versions(
        &self,
        procedure: ProcedureId,
    ) -> Result<Vec<ProcedureVersionRecord>>;

    /// Applies one dossier change with its history, messages, files, outbox and ledger
    /// entries in one transaction; returns the dossier as stored (with its code).
    async fn write_dossier(&self, write: DossierWrite, audit: &Audit) -> Result<DossierRecord>;
    async fn dossier(&self, id: DossierId) -> Result<Option<DossierRecord>>;
    async fn dossier_by_code(&self, code: &str) -> Result<Option<DossierRecord>>;
    async fn dossier_by_idempotency_key(&self, key: &str) -> Result<Option<DossierRecord>>;
    /// Dossiers matching `query`, without their answers.
    async fn list_dossiers(&self, query: &DossierQuery) -> Result<Vec<DossierRecord>>;
    /// How many dossiers match `query`, counting no further than `cap`.
    async fn count_dossiers(&self, query: &DossierQuery, cap: i64) -> Result<i64>;
    async fn dossier_events(&self, dossier: DossierId) -> Result<Vec<DossierEventRecord>>;
    async fn dossier_messages(&self, dossier: DossierId) -> Result<Vec<MessageRecord>>;
    /// Stores a file's metadata (its content is already in the object store).
    async fn add_file(&self, file: &FileRecord, audit: &Audit) -> Result<()>;
    async fn file(&self, id: FileId) -> Result<Option<FileRecord>>;
    async fn dossier_files(&self, dossier: DossierId) -> Result<Vec<FileRecord>>;

    /// Dossiers of an office with their answers, by id after `after`, at most `limit`
    /// (exports page through them; `procedure` narrows).
    async fn dossiers_page(
        &self,
        office: OfficeId,
        procedure: Option<ProcedureId>,
        after: Option<DossierId>,
        limit: u32,
    ) -> Result<Vec<DossierRecord>>;

    async fn document(&self, id: DocumentId) -> Result<Option<DocumentRecord>>;
    async fn dossier_documents(&self, dossier: DossierId) -> Result<Vec<DocumentRecord>>;
    /// Marks a document revoked (`Conflict` if it already is).
    async fn revoke_document(
        &self,
        id: DocumentId,
        at: OffsetDateTime,
        by: Option<UserId>,
        reason: &str,
        audit: &Audit,
    ) -> Result<()>;
    async fn document_template(
        &self,
        office: OfficeId,
        kind: &str,
    ) -> Result<Option<TemplateRecord>>;
    /// Inserts or replaces an office's template.
    async fn put_document_template(&self, template: &TemplateRecord, audit: &Audit) -> Result<()>;
    /// Removes an office's template (the built-in one applies again).
    async fn delete_document_template(
        &self,
        office: OfficeId,
        kind: &str,
        audit: &Audit,
    ) -> Result<()>;

    /// Records a rating (`Conflict` if the dossier is already rated).
    async fn add_rating(&self, rating: &RatingRecord, audit: &Audit) -> Result<()>;
    async fn rating(&self, dossier: DossierId) -> Result<Option<RatingRecord>>;
    /// Received dossiers relevant to `[from, to)`: received before `to` and not decided before
    /// `from`; `office` narrows.
    async fn stat_rows(
        &self,
        office: Option<OfficeId>,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<StatRow>>;

    async fn create_export_job(&self, job: &ExportJobRecord, audit: &Audit) -> Result<()>;
    /// Saves progress or the outcome (state, counts, storage key, size, error, finish time).
    async fn update_export_job(&self, job: &ExportJobRecord) -> Result<()>;
    async fn export_job(&self, id: ExportId) -> Result<Option<ExportJobRecord>>;
    /// An office's exports, newest first, at most `limit`.
    async fn export_jobs(&self, office: OfficeId, limit: u32) -> Result<Vec<ExportJobRecord>>;

    async fn create_webhook(&self, hook: &WebhookRecord, audit: &Audit) -> Result<()>;
    async fn webhooks(&self, office: OfficeId) -> Result<Vec<WebhookRecord>>;
    /// Deletes one of an office's webhooks; `false` when the office has no such webhook.
    async fn delete_webhook(&self, office: OfficeId, id: Uuid, audit: &Audit) -> Result<bool>;
}

use ColType::*;

/// One-stop services.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "procedures",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("code", Text),
            ("topic", Text),
            ("published_version", Int),
            ("latest_version", Int),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "procedure_versions",
        columns: &[
            ("id", Uuid),
            ("procedure_id", Uuid),
            ("version", Int),
            ("status", Text),
            ("body", Text),
            ("created_at", Timestamp),
            ("published_at", OptTimestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "dossiers",
        columns: &[
            ("id", Uuid),
            ("code", OptText),
            ("office_id", Uuid),
            ("procedure_id", Uuid),
            ("procedure_version", Int),
            ("applicant_id", OptUuid),
            ("applicant_name", Text),
            ("applicant_email", OptText),
            ("state", Text),
            ("answers", Text),
            ("secret_hash", OptText),
            ("rev", Int),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
            ("submitted_at", OptTimestamp),
            ("received_at", OptTimestamp),
            ("due_date", OptText),
            ("paused_on", OptText),
            ("decided_on", OptText),
            ("assigned_to", OptUuid),
            ("idempotency_key", OptText),
            ("lang", Text),
            ("intake", OptText),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "dossier_counters",
        columns: &[("office_id", Uuid), ("day", Text), ("last", Int)],
        order_by: "office_id, day",
    },
    TableSpec {
        name: "dossier_events",
        columns: &[
            ("id", Uuid),
            ("dossier_id", Uuid),
            ("at", Timestamp),
            ("actor_id", OptUuid),
            ("actor_name", Text),
            ("action", Text),
            ("from_state", Text),
            ("to_state", Text),
            ("note", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "files",
        columns: &[
            ("id", Uuid),
            ("dossier_id", OptUuid),
            ("name", Text),
            ("content_type", Text),
            ("size", Int),
            ("sha256", Text),
            ("storage_key", Text),
            ("uploaded_by", OptUuid),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "dossier_messages",
        columns: &[
            ("id", Uuid),
            ("dossier_id", Uuid),
            ("at", Timestamp),
            ("author_id", OptUuid),
            ("author_name", Text),
            ("from_applicant", Bool),
            ("internal", Bool),
            ("body", Text),
            ("file_id", OptUuid),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "webhooks",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("url", Text),
            ("secret", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "documents",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("dossier_id", OptUuid),
            ("kind", Text),
            ("lang", Text),
            ("file_id", Uuid),
            ("sha256", Text),
            ("key_id", Text),
            ("public_key", Text),
            ("statement", Text),
            ("qr_signature", Text),
            ("issued_at", Timestamp),
            ("issued_by", OptUuid),
            ("revoked_at", OptTimestamp),
            ("revoked_by", OptUuid),
            ("revoke_reason", OptText),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "document_templates",
        columns: &[
            ("office_id", Uuid),
            ("kind", Text),
            ("source", Text),
            ("updated_at", Timestamp),
            ("updated_by", OptUuid),
        ],
        order_by: "office_id, kind",
    },
    TableSpec {
        name: "ratings",
        columns: &[
            ("dossier_id", Uuid),
            ("office_id", Uuid),
            ("procedure_id", Uuid),
            ("score", Int),
            ("comment", Text),
            ("at", Timestamp),
        ],
        order_by: "dossier_id",
    },
    TableSpec {
        name: "export_jobs",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("requested_by", OptUuid),
            ("format", Text),
            ("params", Text),
            ("state", Text),
            ("rows_done", Int),
            ("rows_total", Int),
            ("storage_key", OptText),
            ("size", OptInt),
            ("error", OptText),
            ("created_at", Timestamp),
            ("finished_at", OptTimestamp),
        ],
        order_by: "id",
    },
];

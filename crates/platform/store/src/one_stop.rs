//! The stored shape of the one-stop service: procedures and their versions, dossiers, their
//! history, messages and files, office webhooks and outbox messages. The rules that fill them
//! live in `guichet-services`; JSON documents (a version's body, a dossier's answers) are kept
//! as `serde_json::Value` here and typed there.

use guichet_core::{DossierId, FileId, OfficeId, ProcedureId, UserId};
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
pub struct FileRecord {
    pub id: FileId,
    pub dossier_id: Option<DossierId>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Option<UserId>,
    pub created_at: OffsetDateTime,
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

/// A message to send after the transaction that caused it has committed.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    pub id: Uuid,
    /// `email` or `webhook`.
    pub topic: String,
    pub payload: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub done_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
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
    pub documents: Vec<crate::IssuedDocument>,
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

//! Records of issued documents, office templates, satisfaction ratings, export jobs and the
//! rows statistics are computed from.

use guichet_core::{DocumentId, DossierId, ExportId, FileId, OfficeId, ProcedureId, UserId};
use time::{Date, OffsetDateTime};

use crate::FileRecord;

/// A signed document issued by an office.
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

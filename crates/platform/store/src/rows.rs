//! Rows the platform's files and outbox share with every domain: an uploaded file's metadata
//! (its bytes are in the object store) and an outbox message waiting to be sent.

use guichet_core::{DossierId, FileId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

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

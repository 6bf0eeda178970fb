//! The tamper-evident ledger, without storage: how an entry is hashed and chained, how a
//! checkpoint is signed, and how a chain is verified.
//!
//! Storage backends call [`seal`] inside the same database transaction as the change it
//! records; `guichet verify` streams entries through a [`ChainVerifier`].
//!
//! Invariant: an entry's hash covers every stored field, and the payload hash covers the
//! stored canonical payload bytes, so editing any column of any row is detected.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod key;
mod verify;

pub use key::{KeyError, LedgerKey, TrustedKeys, key_id_of};
pub use verify::{Break, BreakKind, ChainVerifier, StreamReport};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The hash that precedes the first entry of every stream.
pub const GENESIS: Hash = [0u8; 32];

/// The stream for instance-wide events (logins, instance administration).
pub const SYSTEM_STREAM: &str = "system";

/// What a caller records; the store adds sequence, previous hash and time.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Office code, or [`SYSTEM_STREAM`].
    pub stream: String,
    /// Who did it: `user:<uuid>`, `anonymous`, `system`, `cli`.
    pub actor: String,
    /// Dotted verb, e.g. `office.created`, `auth.login_failed`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// Any JSON; stored in canonical form (RFC 8785).
    pub payload: serde_json::Value,
}

/// One stored ledger row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub stream: String,
    pub seq: i64,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// Canonical JSON (RFC 8785) text of the payload.
    pub payload: String,
    #[serde(with = "hex::serde")]
    pub payload_hash: Hash,
    #[serde(with = "hex::serde")]
    pub prev_hash: Hash,
    #[serde(with = "hex::serde")]
    pub entry_hash: Hash,
}

/// A signed statement "stream S had entry hash H at sequence N".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    pub stream: String,
    pub seq: i64,
    #[serde(with = "hex::serde")]
    pub entry_hash: Hash,
    pub at: OffsetDateTime,
    pub key_id: String,
    #[serde(with = "hex::serde")]
    pub signature: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger payload cannot be made canonical: {0}")]
    Canonical(String),
}

/// RFC 8785 canonical JSON of a payload.
pub fn canonical_payload(value: &serde_json::Value) -> Result<String, LedgerError> {
    serde_jcs::to_string(value).map_err(|e| LedgerError::Canonical(e.to_string()))
}

pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

fn put(h: &mut Sha256, field: &[u8]) {
    h.update((field.len() as u64).to_be_bytes());
    h.update(field);
}

/// Microseconds since the Unix epoch: the form of `at` that is hashed.
pub fn unix_micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

/// The hash of an entry: every field, length-prefixed, after a version tag.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    stream: &str,
    seq: i64,
    id: Uuid,
    at: OffsetDateTime,
    actor: &str,
    action: &str,
    object_type: &str,
    object_id: &str,
    payload_hash: &Hash,
    prev_hash: &Hash,
) -> Hash {
    let mut h = Sha256::new();
    h.update(b"guichet-ledger-entry-v1\0");
    put(&mut h, stream.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(id.as_bytes());
    h.update(unix_micros(at).to_be_bytes());
    put(&mut h, actor.as_bytes());
    put(&mut h, action.as_bytes());
    put(&mut h, object_type.as_bytes());
    put(&mut h, object_id.as_bytes());
    h.update(payload_hash);
    h.update(prev_hash);
    h.finalize().into()
}

impl Entry {
    /// Recomputes this entry's hash from its fields.
    pub fn computed_hash(&self) -> Hash {
        entry_hash(
            &self.stream,
            self.seq,
            self.id,
            self.at,
            &self.actor,
            &self.action,
            &self.object_type,
            &self.object_id,
            &self.payload_hash,
            &self.prev_hash,
        )
    }
}

/// Builds the next entry of a stream whose head is (`prev_seq`, `prev_hash`).
pub fn seal(
    event: &Event,
    id: Uuid,
    at: OffsetDateTime,
    prev_seq: i64,
    prev_hash: Hash,
) -> Result<Entry, LedgerError> {
    let payload = canonical_payload(&event.payload)?;
    let payload_hash = sha256(payload.as_bytes());
    let seq = prev_seq + 1;
    let entry_hash = entry_hash(
        &event.stream,
        seq,
        id,
        at,
        &event.actor,
        &event.action,
        &event.object_type,
        &event.object_id,
        &payload_hash,
        &prev_hash,
    );
    Ok(Entry {
        stream: event.stream.clone(),
        seq,
        id,
        at,
        actor: event.actor.clone(),
        action: event.action.clone(),
        object_type: event.object_type.clone(),
        object_id: event.object_id.clone(),
        payload,
        payload_hash,
        prev_hash,
        entry_hash,
    })
}

/// The bytes a checkpoint signature covers.
pub fn checkpoint_message(
    stream: &str,
    seq: i64,
    entry_hash: &Hash,
    at: OffsetDateTime,
) -> Vec<u8> {
    let mut m = Vec::with_capacity(96 + stream.len());
    m.extend_from_slice(b"guichet-ledger-checkpoint-v1\0");
    m.extend_from_slice(&(stream.len() as u64).to_be_bytes());
    m.extend_from_slice(stream.as_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(entry_hash);
    m.extend_from_slice(&unix_micros(at).to_be_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    pub(crate) fn event(n: u32) -> Event {
        Event {
            stream: "HN-HK".into(),
            actor: "user:1".into(),
            action: "office.created".into(),
            object_type: "office".into(),
            object_id: format!("obj-{n}"),
            payload: serde_json::json!({"name": "Phường Hoàn Kiếm", "n": n, "a": [1, 2]}),
        }
    }

    #[test]
    fn canonical_payload_sorts_keys_and_keeps_unicode() {
        let v = serde_json::json!({"b": 1, "a": "Hà Nội"});
        assert_eq!(
            canonical_payload(&v).expect("canonical"),
            r#"{"a":"Hà Nội","b":1}"#
        );
    }

    #[test]
    fn seal_chains_and_hash_covers_every_field() {
        let at = datetime!(2026-11-25 10:00:00 UTC);
        let first = seal(&event(1), Uuid::from_u128(1), at, 0, GENESIS).expect("seal");
        assert_eq!(first.seq, 1);
        assert_eq!(first.computed_hash(), first.entry_hash);
        let second = seal(
            &event(2),
            Uuid::from_u128(2),
            at,
            first.seq,
            first.entry_hash,
        )
        .expect("seal");
        assert_eq!(second.prev_hash, first.entry_hash);

        let mut changed = first.clone();
        changed.actor = "user:2".into();
        assert_ne!(changed.computed_hash(), first.entry_hash);
        let mut changed = first.clone();
        changed.at += time::Duration::microseconds(1);
        assert_ne!(changed.computed_hash(), first.entry_hash);
        let mut changed = first.clone();
        changed.object_id = "obj-9".into();
        assert_ne!(changed.computed_hash(), first.entry_hash);
    }

    #[test]
    fn length_prefix_prevents_field_shifting() {
        let at = datetime!(2026-11-25 10:00:00 UTC);
        let id = Uuid::from_u128(1);
        let h1 = entry_hash("s", 1, id, at, "ab", "c", "t", "o", &GENESIS, &GENESIS);
        let h2 = entry_hash("s", 1, id, at, "a", "bc", "t", "o", &GENESIS, &GENESIS);
        assert_ne!(h1, h2);
    }
}

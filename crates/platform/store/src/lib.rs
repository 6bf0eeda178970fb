//! The platform's storage contract: the [`PlatformStore`] trait every backend implements (schema,
//! health, the ledger, whole-table export and import), the platform's outbox,
//! the rows every slice shares (offices, accounts and sessions as the web layer sees them), the
//! backend-neutral [`backup`] format and ledger [`verify`]cation over a store. Each domain slice
//! declares its own store trait on top of [`PlatformStore`] in its crate.
//!
//! Invariant: every mutating method applies its change and appends its ledger events in one
//! database transaction; either both are stored or neither is.
//! Invariant: this crate knows no SQL dialect; backends live in `guichet-store-sql`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod backup;
mod rows;
mod tables;
pub mod verify;

use async_trait::async_trait;
use guichet_core::authz::Grant;
use guichet_core::{OfficeId, SessionId, UserId};
use guichet_ledger::{Checkpoint, Entry, Event, Hash};
use time::OffsetDateTime;
use uuid::Uuid;

pub use rows::{FileRecord, OutboxRecord};
pub use tables::{ColType, OUTBOX_TABLES, PLATFORM_TABLES, TABLE_SETS, TableSpec, tables};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(String),
    /// A serialization failure or deadlock; the operation is retried, then reported as busy.
    #[error("the database is busy; please try again ({0})")]
    Busy(String),
    #[error("schema migration failed: {0}")]
    Migration(String),
    #[error("ledger error: {0}")]
    Ledger(String),
    #[error("backup archive rejected: {0}")]
    Backup(String),
    /// The row changed since it was read (optimistic concurrency), or a frozen row was asked
    /// to change.
    #[error("{0} was changed meanwhile or cannot change; reload and try again")]
    Stale(String),
    /// The write breaks a rule the store checks in its transaction (e.g. overlapping dates).
    #[error("{0}")]
    Invalid(String),
    #[error("the target database already holds data ({0}); restore needs an empty database")]
    NotEmpty(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub use guichet_core::Country;

/// An office: a one-stop counter, a department, a préfecture service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Office {
    pub id: OfficeId,
    /// Short unique code, also the office's ledger stream name (e.g. `HN-HOANKIEM`, `FR-PREF-33`).
    pub code: String,
    pub name: String,
    pub country: Country,
    pub created_at: OffsetDateTime,
}

/// A local account with its role grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    pub grants: Vec<Grant>,
    /// Clearances to read protected things of offices (secrecy levels).
    pub clearances: Vec<guichet_core::authz::Clearance>,
}

impl User {
    /// Who this account is to the authorization decision.
    pub fn principal(&self) -> guichet_core::authz::Principal {
        guichet_core::authz::Principal {
            user: self.id,
            grants: self.grants.clone(),
            clearances: self.clearances.clone(),
        }
    }
}

/// A login session. Only the SHA-256 of the cookie token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub token_hash: Hash,
    pub user_id: UserId,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub stage: SessionStage,
    /// `password` or `oidc`.
    pub method: String,
    /// The OpenID provider of an `oidc` session.
    pub provider: Option<String>,
    /// The assurance level the provider vouched for (`low`, `substantial`, `high`).
    pub assurance: Option<String>,
    /// The ID token, sent back to the provider on logout (`id_token_hint`).
    pub id_token: Option<String>,
    /// Where the login came from (an IP address) and the browser it named.
    pub client: String,
    pub user_agent: String,
}

/// How far a login has gone. Only an `Active` session acts for its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    Active,
    /// The password was right; the TOTP code (or a recovery code) is still due.
    SecondFactor,
    /// The office's policy requires a second factor the person has not set up yet: the
    /// session may only enrol one.
    Enrol,
}

impl SessionStage {
    pub fn code(self) -> &'static str {
        match self {
            SessionStage::Active => "active",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enrol => "enrol",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => SessionStage::Active,
            "second_factor" => SessionStage::SecondFactor,
            "enrol" => SessionStage::Enrol,
            _ => return None,
        })
    }
}

/// The last entry of a ledger stream, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHead {
    pub stream: String,
    pub seq: i64,
    pub hash: Hash,
}

/// Who and when, for the ledger entries a change writes.
#[derive(Debug, Clone)]
pub struct Audit {
    pub at: OffsetDateTime,
    pub events: Vec<Event>,
}

impl Audit {
    pub fn one(at: OffsetDateTime, event: Event) -> Self {
        Self {
            at,
            events: vec![event],
        }
    }
}

/// The platform's own storage: schema, health, the ledger's streams, entries and checkpoints, and
/// whole-table export and import for backups.
#[async_trait]
pub trait PlatformStore: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Applies pending schema migrations.
    async fn migrate(&self) -> Result<()>;
    /// Cheap round trip to the database, for `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// Names of the tables that hold data (migration bookkeeping excluded).
    async fn data_tables(&self) -> Result<Vec<String>>;
    /// Latest applied migration version.
    async fn schema_version(&self) -> Result<i64>;
    /// Every data table this store's migrations create, in restore order: the built-in
    /// domains' ([`TABLE_SETS`]), then those of the slices the store was opened with.
    fn tables(&self) -> Vec<&'static TableSpec>;
    /// The concrete store, so a slice crate can find its own trait's implementation on it
    /// (see `guichet_store_sql::slice_store!`).
    fn as_any(&self) -> &dyn std::any::Any;
    /// The same, shared: for a slice whose background work must own its store
    /// (`guichet_store_sql::slice_store_arc!`).
    fn into_any(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn std::any::Any + Send + Sync>;

    /// Appends events that change nothing else (a failed login, a verification run).
    async fn record(&self, audit: &Audit) -> Result<Vec<Entry>>;

    async fn stream_heads(&self) -> Result<Vec<StreamHead>>;
    /// Every stream name found in heads, entries or checkpoints (so a deleted head row cannot
    /// hide a stream from verification).
    async fn stream_names(&self) -> Result<Vec<String>>;
    /// Entries of `stream` with `seq > after_seq`, ascending, at most `limit`.
    async fn ledger_entries(&self, stream: &str, after_seq: i64, limit: u32) -> Result<Vec<Entry>>;
    /// Newest entries across all streams, newest first, at most `limit`, skipping `offset`.
    async fn recent_entries(&self, limit: u32, offset: u32) -> Result<Vec<Entry>>;
    async fn checkpoints(&self, stream: &str) -> Result<Vec<Checkpoint>>;
    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<()>;

    /// Writes every row of `table` as one JSON object per line, in primary-key order.
    async fn export_table(
        &self,
        table: &TableSpec,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64>;
    /// Loads whole tables (JSON lines as written by `export_table`) in one transaction, into an
    /// empty database. Tables come in `tables()` order so foreign keys hold.
    async fn import_tables(&self, tables: &[(&TableSpec, &[u8])]) -> Result<u64>;

    /// Runs one raw SQL statement. For tests that tamper with the ledger and for operators'
    /// tools only; domain code never calls it.
    #[doc(hidden)]
    async fn execute_raw(&self, sql: &str) -> Result<u64>;
}

/// The outbox of e-mails and webhooks, claimed once per attempt by the sender.
#[async_trait]
pub trait OutboxStore: PlatformStore {
    /// Outbox messages not yet done, oldest first, at most `limit`.
    async fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxRecord>>;
    /// Claims a message for one attempt: succeeds only if nobody took attempt `attempts` yet;
    /// the claim lasts until `lease_until` (a crashed sender's claim expires).
    async fn claim_outbox(
        &self,
        id: Uuid,
        attempts: i64,
        lease_until: OffsetDateTime,
    ) -> Result<bool>;
    /// Records the outcome of an attempt: done, or the error and when to retry.
    async fn finish_outbox(
        &self,
        id: Uuid,
        done_at: Option<OffsetDateTime>,
        error: Option<String>,
        retry_at: OffsetDateTime,
    ) -> Result<()>;
}

/// Every platform storage trait: `use guichet_store::prelude::*;` brings their methods into
/// scope. A slice's own trait comes from its crate (`guichet_identity::IdentityStore`, …).
pub mod prelude {
    pub use crate::{OutboxStore, PlatformStore};
}

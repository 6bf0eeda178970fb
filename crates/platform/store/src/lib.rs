//! The storage contract of guichet: one [`Store`] trait that every backend implements, the
//! records it stores, the backend-neutral [`backup`] format, ledger [`verify`]cation over a
//! store, and the [`contract`] test suite that every backend must pass unchanged.
//!
//! Invariant: every mutating method applies its change and appends its ledger events in one
//! database transaction; either both are stored or neither is.
//! Invariant: this crate knows no SQL dialect; backends live in `guichet-store-sql`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod backup;
pub mod contract;
mod contract_identity;
mod documents;
mod identity;
mod one_stop;
mod tables;
pub mod verify;

use async_trait::async_trait;
use guichet_core::authz::Grant;
use guichet_core::{
    DocumentId, DossierId, ExportId, FileId, OfficeId, ProcedureId, SessionId, UserId,
};
use guichet_ledger::{Checkpoint, Entry, Event, Hash};
use time::OffsetDateTime;
use uuid::Uuid;

pub use documents::{
    DocumentRecord, ExportJobRecord, IssuedDocument, RatingRecord, StatRow, TemplateRecord,
};
pub use identity::{IdentityLink, PendingLogin, SecondFactor, TakenLogin};
pub use one_stop::{
    CodeRequest, DossierEventRecord, DossierOrder, DossierQuery, DossierRecord, DossierWrite,
    FileRecord, MessageRecord, OutboxRecord, ProcedureRecord, ProcedureVersionRecord,
    WebhookRecord,
};
pub use tables::{
    ColType, IDENTITY_TABLES, ONE_STOP_TABLES, OUTBOX_TABLES, PLATFORM_TABLES, TABLE_SETS,
    TableSpec, UNITS_TABLES, tables,
};

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

pub use guichet_units::{LinkRow, UnitRow};

/// Which shipped admin-unit dataset a country's units were loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDataset {
    pub country: Country,
    pub version: String,
    pub source: String,
    pub loaded_at: OffsetDateTime,
    pub units: i64,
    pub links: i64,
}

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

/// A day an authority decided for an office's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarOverride {
    pub id: uuid::Uuid,
    pub office_id: OfficeId,
    pub day: time::Date,
    /// `true`: a working day the rules give off; `false`: a day off the rules do not give.
    pub working_day: bool,
    pub name: String,
    pub legal_reference: String,
    pub created_at: OffsetDateTime,
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

/// Identity: offices, accounts, sessions, OpenID links, second factors, office calendars.
#[async_trait]
pub trait IdentityStore: PlatformStore {
    async fn create_office(&self, office: &Office, audit: &Audit) -> Result<()>;
    async fn list_offices(&self) -> Result<Vec<Office>>;
    async fn office(&self, id: OfficeId) -> Result<Option<Office>>;
    async fn office_by_code(&self, code: &str) -> Result<Option<Office>>;

    async fn create_user(&self, user: &User, audit: &Audit) -> Result<()>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    /// Users, optionally only those holding a grant in `office`.
    async fn list_users(&self, office: Option<OfficeId>) -> Result<Vec<User>>;
    /// Gives an existing user one more grant (`NotFound` for an unknown user).
    async fn add_grant(&self, user: UserId, grant: &Grant, audit: &Audit) -> Result<()>;

    async fn create_session(&self, session: &Session, audit: &Audit) -> Result<()>;
    /// The live session with this token hash (expired ones are not returned).
    async fn session_by_token(
        &self,
        token_hash: &Hash,
        now: OffsetDateTime,
    ) -> Result<Option<Session>>;
    async fn delete_session(&self, id: SessionId, audit: &Audit) -> Result<()>;
    /// A user's live sessions, newest first.
    async fn sessions_of(&self, user: UserId, now: OffsetDateTime) -> Result<Vec<Session>>;
    /// Moves a session to another stage (after the second factor, or once enrolled).
    async fn set_session_stage(
        &self,
        id: SessionId,
        stage: SessionStage,
        audit: &Audit,
    ) -> Result<()>;
    /// Replaces a user's password hash; with `end_other_sessions`, every session of the user
    /// but `keep` ends in the same transaction.
    async fn set_password_hash(
        &self,
        user: UserId,
        password_hash: &str,
        keep: Option<SessionId>,
        audit: &Audit,
    ) -> Result<()>;

    // ---- sign-in beyond passwords
    /// Offices whose staff must use a second factor.
    async fn offices_requiring_second_factor(&self) -> Result<Vec<OfficeId>>;
    async fn set_office_second_factor(
        &self,
        office: OfficeId,
        required: bool,
        at: OffsetDateTime,
        audit: &Audit,
    ) -> Result<()>;
    async fn save_pending_login(&self, login: &PendingLogin) -> Result<()>;
    /// Takes a pending login once, atomically: a second take of the same state is
    /// `AlreadyUsed`, so a replayed callback cannot open a session.
    async fn take_pending_login(
        &self,
        state_hash: &Hash,
        now: OffsetDateTime,
    ) -> Result<TakenLogin>;
    async fn identity_link(&self, provider: &str, subject: &str) -> Result<Option<IdentityLink>>;
    async fn identity_links_of(&self, user: UserId) -> Result<Vec<IdentityLink>>;
    /// Inserts a link (creating `new_user` first, in the same transaction, when given) or
    /// updates the attributes and assurance of the link with the same id. A provider identity
    /// already linked to another account is a `Conflict`.
    async fn put_identity_link(
        &self,
        link: &IdentityLink,
        new_user: Option<&User>,
        audit: &Audit,
    ) -> Result<()>;
    async fn delete_identity_link(&self, id: Uuid, audit: &Audit) -> Result<()>;
    async fn second_factor(&self, user: UserId) -> Result<Option<SecondFactor>>;
    /// Inserts or replaces the user's second factor; `recovery_codes` (SHA-256 hashes) replace
    /// the old ones when not empty.
    async fn put_second_factor(
        &self,
        factor: &SecondFactor,
        recovery_codes: &[Hash],
        audit: &Audit,
    ) -> Result<()>;
    /// Removes the second factor and its recovery codes.
    async fn delete_second_factor(&self, user: UserId, audit: &Audit) -> Result<()>;
    /// Accepts a TOTP time step once: records it and returns true only when it is later than
    /// the last step accepted (checked and written atomically).
    async fn accept_totp_step(&self, user: UserId, step: i64, audit: &Audit) -> Result<bool>;
    /// Uses a recovery code once; false when it is unknown or already used.
    async fn use_recovery_code(
        &self,
        user: UserId,
        code_hash: &Hash,
        at: OffsetDateTime,
        audit: &Audit,
    ) -> Result<bool>;
    /// How many recovery codes the user has left.
    async fn recovery_codes_left(&self, user: UserId) -> Result<i64>;

    /// Records a calendar override; one for the same office and day is replaced.
    async fn set_calendar_override(&self, o: &CalendarOverride, audit: &Audit) -> Result<()>;
    /// Removes the override of `office` on `day`; `NotFound` when there is none.
    async fn delete_calendar_override(
        &self,
        office: OfficeId,
        day: time::Date,
        audit: &Audit,
    ) -> Result<()>;
    /// The overrides of `office`, by day.
    async fn calendar_overrides(&self, office: OfficeId) -> Result<Vec<CalendarOverride>>;
}

/// The administrative units (local administration): the shipped datasets as loaded.
#[async_trait]
pub trait UnitsStore: PlatformStore {
    /// The shipped admin-unit dataset each country was last loaded from.
    async fn unit_datasets(&self) -> Result<Vec<UnitDataset>>;
    /// Replaces a country's units and links with a dataset, in one transaction, and records
    /// the load in the ledger.
    async fn replace_units(
        &self,
        dataset: &UnitDataset,
        units: Vec<UnitRow>,
        links: Vec<LinkRow>,
        audit: &Audit,
    ) -> Result<()>;
    /// Every unit version and link, for the in-memory registry.
    async fn load_units(&self) -> Result<(Vec<UnitRow>, Vec<LinkRow>)>;
}

/// One-stop services: procedures, dossiers, their files, issued documents and templates,
/// ratings, statistics rows, export jobs and webhooks.
#[async_trait]
pub trait OneStopStore: IdentityStore + UnitsStore + OutboxStore {
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

/// The whole storage of guichet: every domain's trait, joined (lldap-style) so one backend value
/// serves them all. Services take only the narrow trait they need (`&dyn OneStopStore`, …); a
/// `&dyn Store` coerces to any of them. Backends: SQLite (default, embedded) and PostgreSQL.
pub trait Store: OneStopStore {}

impl<T: OneStopStore> Store for T {}

/// Every storage trait, for code that holds the whole [`Store`] (the binary, tests): `use
/// guichet_store::prelude::*;` brings their methods into scope.
pub mod prelude {
    pub use crate::{IdentityStore, OneStopStore, OutboxStore, PlatformStore, Store, UnitsStore};
}

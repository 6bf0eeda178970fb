//! The identity slice's storage: its trait and the rows only it stores (offices, accounts
//! and sessions are in `guichet_store`, since the web layer reads them on every request).

use async_trait::async_trait;
use guichet_core::authz::Grant;
use guichet_core::{OfficeId, SessionId, UserId};
use guichet_ledger::Hash;
use guichet_store::ColType::*;
use guichet_store::{
    Audit, Office, OutboxRecord, PlatformStore, Result, Session, SessionStage, TableSpec, User,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// A provider identity attached to an account. `attributes` holds only what the provider
/// vouched for (a JSON object: `given_name`, `family_name`, `birthdate`, `siret`…); those
/// fields are verified and the citizen cannot change them.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityLink {
    pub id: Uuid,
    pub user_id: UserId,
    /// The provider's id in the configuration (`franceconnect`, `vneid`).
    pub provider: String,
    /// The provider's `sub` for this person.
    pub subject: String,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// The assurance level of the last login through this identity (`low`, `substantial`,
    /// `high`).
    pub assurance: Option<String>,
    pub linked_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An authorization request sent to a provider and not yet answered. Only the SHA-256 of
/// the `state` is stored; the state itself travels in the redirect and the browser's cookie.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingLogin {
    pub state_hash: Hash,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The assurance level asked for, if any.
    pub assurance: Option<String>,
    /// Set when a logged-in person links a provider identity to their account.
    pub link_user_id: Option<UserId>,
    /// Local path to go back to after the login.
    pub return_to: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// What taking a pending login found.
#[derive(Debug, Clone, PartialEq)]
pub enum TakenLogin {
    /// First use: the login, now marked used.
    Taken(Box<PendingLogin>),
    /// The state was already used (a replay).
    AlreadyUsed,
    /// No such state.
    Unknown,
}

/// A TOTP (RFC 6238) second factor; confirmed once the person typed a first good code.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondFactor {
    pub user_id: UserId,
    /// Base32 secret.
    pub secret: String,
    pub confirmed_at: Option<OffsetDateTime>,
    /// The last time step accepted; a code of this step or an earlier one is refused.
    pub last_step: i64,
    pub created_at: OffsetDateTime,
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

/// A one-time link of an account: set a password, or verify a sign-up's e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLink {
    pub id: Uuid,
    pub user_id: UserId,
    /// `set_password` or `verify_email`.
    pub purpose: String,
    /// SHA-256 of the token (the token itself is only in the link).
    pub token_hash: Hash,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}

/// A bearer token for the JSON API: personal, or obtained by a client (`client`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub client: Option<Uuid>,
    pub name: String,
    pub token_hash: Hash,
    /// The actions it may be used for (`one_stop.file_dossier`…).
    pub scopes: Vec<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// An OAuth 2 client (client-credentials grant) acting as the account that registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: Uuid,
    pub client_id: String,
    pub secret_hash: Hash,
    pub user_id: UserId,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
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
    /// Sets what `office` has cleared `user` to read (`Secrecy::Normal` withdraws the
    /// clearance); `NotFound` for an unknown user or office.
    async fn set_clearance(
        &self,
        user: UserId,
        office: OfficeId,
        level: guichet_core::authz::Secrecy,
        granted_by: &str,
        audit: &Audit,
    ) -> Result<()>;

    // ---- accounts administration
    /// Withdraws a grant (`NotFound` when the user does not hold it).
    async fn remove_grant(&self, user: UserId, grant: &Grant, audit: &Audit) -> Result<()>;
    /// Enables or disables an account; disabling ends its sessions in the same transaction.
    async fn set_disabled(&self, user: UserId, disabled: bool, audit: &Audit) -> Result<()>;
    /// The account whose e-mail address is `email` (compared without case).
    async fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// Creates an account with its first one-time link and the e-mail carrying it, together.
    async fn create_user_with_link(
        &self,
        user: &User,
        link: &AccountLink,
        mail: Option<&OutboxRecord>,
        audit: &Audit,
    ) -> Result<()>;
    /// Stores a one-time link (its hash) and the e-mail carrying it, together.
    async fn put_account_link(
        &self,
        link: &AccountLink,
        mail: Option<&OutboxRecord>,
        audit: &Audit,
    ) -> Result<()>;
    /// The link with this token hash, used or not (the caller checks it is live).
    async fn account_link(&self, token_hash: &Hash) -> Result<Option<AccountLink>>;
    /// Spends a live link and applies it in the same transaction: a new password hash (every
    /// session of the account ends) and/or enabling the account. `false` when the link was
    /// already spent or has expired.
    async fn redeem_account_link(
        &self,
        link: Uuid,
        now: OffsetDateTime,
        password_hash: Option<&str>,
        enable: bool,
        audit: &Audit,
    ) -> Result<bool>;

    // ---- access for machines
    async fn put_api_token(&self, token: &ApiToken, audit: &Audit) -> Result<()>;
    /// The token with this hash, revoked or expired ones included (the caller checks).
    async fn api_token(&self, token_hash: &Hash) -> Result<Option<ApiToken>>;
    /// A user's personal tokens (not those clients obtained), newest first.
    async fn api_tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>>;
    /// Revokes one of `user`'s tokens; `false` when there is no such live token.
    async fn revoke_api_token(
        &self,
        user: UserId,
        id: Uuid,
        at: OffsetDateTime,
        audit: &Audit,
    ) -> Result<bool>;
    async fn put_api_client(&self, client: &ApiClient, audit: &Audit) -> Result<()>;
    async fn api_client(&self, client_id: &str) -> Result<Option<ApiClient>>;
    async fn api_clients_of(&self, user: UserId) -> Result<Vec<ApiClient>>;
    /// Revokes one of `user`'s clients and every token it obtained, together.
    async fn revoke_api_client(
        &self,
        user: UserId,
        id: Uuid,
        at: OffsetDateTime,
        audit: &Audit,
    ) -> Result<bool>;

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

/// Identity: offices, accounts, sessions, sign-in, calendars.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "offices",
        columns: &[
            ("id", Uuid),
            ("code", Text),
            ("name", Text),
            ("country", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "users",
        columns: &[
            ("id", Uuid),
            ("username", Text),
            ("display_name", Text),
            ("email", OptText),
            ("password_hash", Text),
            ("disabled", Bool),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "user_roles",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("role", Text),
            ("office_id", OptUuid),
            ("object_id", OptUuid),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "user_clearances",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("office_id", Uuid),
            ("level", Text),
            ("granted_by", Text),
            ("granted_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "account_links",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("purpose", Text),
            ("token_hash", Bytes),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("used_at", OptTimestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "api_clients",
        columns: &[
            ("id", Uuid),
            ("client_id", Text),
            ("secret_hash", Bytes),
            ("user_id", Uuid),
            ("name", Text),
            ("scopes", Text),
            ("created_at", Timestamp),
            ("revoked_at", OptTimestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "api_tokens",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("client_id", OptUuid),
            ("name", Text),
            ("token_hash", Bytes),
            ("scopes", Text),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("revoked_at", OptTimestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "sessions",
        columns: &[
            ("id", Uuid),
            ("token_hash", Bytes),
            ("user_id", Uuid),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("stage", Text),
            ("method", Text),
            ("provider", OptText),
            ("assurance", OptText),
            ("id_token", OptText),
            ("client", Text),
            ("user_agent", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "office_policies",
        columns: &[
            ("office_id", Uuid),
            ("require_second_factor", Bool),
            ("updated_at", Timestamp),
        ],
        order_by: "office_id",
    },
    TableSpec {
        name: "identity_links",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("provider", Text),
            ("subject", Text),
            ("attributes", Text),
            ("assurance", OptText),
            ("linked_at", Timestamp),
            ("updated_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "oidc_logins",
        columns: &[
            ("state_hash", Bytes),
            ("provider", Text),
            ("nonce", Text),
            ("pkce_verifier", Text),
            ("assurance", OptText),
            ("link_user_id", OptUuid),
            ("return_to", Text),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("used_at", OptTimestamp),
        ],
        order_by: "state_hash",
    },
    TableSpec {
        name: "second_factors",
        columns: &[
            ("user_id", Uuid),
            ("secret", Text),
            ("confirmed_at", OptTimestamp),
            ("last_step", Int),
            ("created_at", Timestamp),
        ],
        order_by: "user_id",
    },
    TableSpec {
        name: "recovery_codes",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("code_hash", Bytes),
            ("used_at", OptTimestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "calendar_overrides",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("day", Text),
            ("kind", Text),
            ("name", Text),
            ("legal_reference", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
];

//! Accounts and sign-in: argon2id password hashes and the password policy, login sessions
//! and their stages, TOTP second factors with recovery codes, login rate limiting, and
//! OpenID Connect login (`oidc`). Every login, logout, failed login, second-factor change and
//! account creation is a ledger entry written in the same transaction as the change (failed
//! attempts: on their own).
//!
//! Invariants: only the SHA-256 of a session token (and of a recovery code) is stored; a
//! session acts for its user only in the `Active` stage; a TOTP time step is accepted once.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod admin;
pub mod authz;
pub mod calendar;
pub mod cli;
pub mod contract;
mod contract_identity;
pub mod demo;
mod limiter;
pub mod lookup;
pub mod offices;
pub mod oidc;
pub mod password;
pub mod second_factor;
mod sql;
pub mod state;
pub mod tokens;
pub use state::IdentityState;
pub mod store;
pub mod web;

pub use store::{
    CalendarOverride, IdentityLink, IdentityStore, PendingLogin, SecondFactor, TABLES, TakenLogin,
};

guichet_store_sql::slice_migrations!(pub static MIGRATIONS = "identity", TABLES);

/// The identity slice's store on `store` (the composed application's), shared: for work that
/// outlives a request (the accounts service, OpenID logins).
pub fn identity_store_arc(
    store: Arc<dyn guichet_store::PlatformStore>,
) -> std::result::Result<Arc<dyn IdentityStore>, StoreError> {
    guichet_store_sql::slice_store_arc!(store, dyn IdentityStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("identity"))
}

/// The identity slice's store on `store`.
pub fn identity_store(
    store: &dyn guichet_store::PlatformStore,
) -> std::result::Result<&dyn IdentityStore, StoreError> {
    guichet_store_sql::slice_store!(store, dyn IdentityStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("identity"))
}

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use guichet_core::authz::Grant;
use guichet_core::{Clock, Entropy, IdGen, SessionId, UserId};
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::{Audit, Session, SessionStage, StoreError, User};
use sha2::{Digest, Sha256};
use time::Duration;

pub use limiter::LoginLimiter;
pub use password::{BreachedList, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

/// Who is asking: an IP address (rate limits, the ledger) and the browser's name (the
/// session list).
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub address: String,
    pub user_agent: String,
}

/// How a session is being opened.
#[derive(Debug, Clone)]
pub struct SessionOpening {
    pub method: &'static str,
    pub provider: Option<String>,
    pub assurance: Option<String>,
    pub id_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed logins; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// Input that breaks a rule; `key` names the message shown to the user (vi/fr/en bundles).
    #[error("{detail}")]
    Invalid { key: &'static str, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, AccountError>;

pub(crate) fn invalid(key: &'static str, detail: impl Into<String>) -> AccountError {
    AccountError::Invalid {
        key,
        detail: detail.into(),
    }
}

/// What an administrator (or the demo loader) supplies to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password: String,
    pub grants: Vec<Grant>,
}

/// A successful login: the cookie token (shown once) and the session it opens.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub session: Session,
    pub user: User,
}

pub struct Accounts {
    store: Arc<dyn IdentityStore>,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    limiter: LoginLimiter,
    session_ttl: Duration,
    breached: BreachedList,
    /// A real hash of a random password, verified when the username is unknown so that a
    /// failed login takes the same time whether or not the account exists.
    decoy_hash: String,
}

fn argon2() -> Argon2<'static> {
    // Argon2id, m=19 MiB, t=2, p=1: the OWASP recommendation, and the crate's default.
    Argon2::default()
}

/// SHA-256 of a session token, as stored.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
        })
}

impl Accounts {
    pub fn new(
        store: Arc<dyn IdentityStore>,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        session_ttl: Duration,
    ) -> Self {
        let mut decoy = [0u8; 24];
        entropy.fill(&mut decoy);
        let decoy_hash = hash_with(&*entropy, &hex::encode(decoy)).unwrap_or_default();
        Self {
            store,
            clock,
            entropy,
            limiter: LoginLimiter::default(),
            session_ttl,
            breached: BreachedList::shipped(),
            decoy_hash,
        }
    }

    /// Uses `list` (the shipped list plus the operator's) for the password policy.
    pub fn with_breached_list(mut self, list: BreachedList) -> Self {
        self.breached = list;
        self
    }

    /// Checks a new password against the policy (length, username, breached list).
    pub fn check_password(&self, password: &str, username: &str) -> Result<()> {
        password::check(password, username, &self.breached)
    }

    pub fn hash_password(&self, password: &str) -> Result<String> {
        hash_with(&*self.entropy, password)
    }

    /// Creates an account; `actor` is who does it (`user:<id>`, `cli`, `demo`).
    pub async fn create(&self, actor: &str, new: NewAccount) -> Result<User> {
        let username = new.username.trim().to_lowercase();
        if !valid_username(&username) {
            return Err(invalid(
                "invalid-username",
                "a username has 3 to 64 characters: lowercase letters, digits, '.', '_', '-', '@'",
            ));
        }
        self.check_password(&new.password, &username)?;
        if new.display_name.trim().is_empty() {
            return Err(invalid("invalid-display-name", "the display name is empty"));
        }
        for g in &new.grants {
            if g.role.is_per_office() != g.office.is_some() {
                let needs = if g.role.is_per_office() {
                    "needs"
                } else {
                    "cannot have"
                };
                return Err(invalid(
                    "invalid-role-office",
                    format!("role {} {needs} an office", g.role),
                ));
            }
        }
        let now = self.clock.now();
        let ids = IdGen {
            clock: &*self.clock,
            entropy: &*self.entropy,
        };
        let user = User {
            id: ids.id::<UserId>(),
            username,
            display_name: new.display_name.trim().to_owned(),
            email: new.email.filter(|e| !e.trim().is_empty()),
            password_hash: self.hash_password(&new.password)?,
            disabled: false,
            created_at: now,
            grants: new.grants,
            clearances: Vec::new(),
        };
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: actor.to_owned(),
            action: "user.created".into(),
            object_type: "user".into(),
            object_id: user.id.to_string(),
            payload: serde_json::json!({
                "username": user.username,
                "grants": user.grants.iter().map(|g| serde_json::json!({"role": g.role.code(), "office": g.office})).collect::<Vec<_>>(),
            }),
        };
        self.store
            .create_user(&user, &Audit::one(now, event))
            .await?;
        Ok(user)
    }

    /// Gives `user` one more grant, e.g. a role on one object only (a desk officer for one
    /// cooperation agreement). Ledgered as `user.granted`.
    pub async fn add_grant(&self, actor: &str, user: UserId, grant: Grant) -> Result<()> {
        add_grant(&*self.store, self.clock.now(), actor, user, grant).await
    }

    /// Checks the password and opens a session. `client` identifies the requester for rate
    /// limiting and the ledger (an IP address).
    /// The session starts in the `SecondFactor` stage when the user has a TOTP factor, in
    /// `Enrol` when an office they work for requires one they do not have yet.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        from: &ClientInfo,
    ) -> Result<LoggedIn> {
        let client = from.address.as_str();
        let now = self.clock.now();
        let username = username.trim().to_lowercase();
        let key = format!("{username}|{client}");
        if let Some(wait) = self.limiter.blocked(&key, &username, now) {
            self.record_failure(&username, client, "rate_limited")
                .await?;
            return Err(AccountError::RateLimited {
                retry_after_secs: wait,
            });
        }
        let user = self.store.user_by_username(&username).await?;
        let verified = match &user {
            Some(u) if !u.disabled => verify(password, &u.password_hash),
            _ => {
                verify(password, &self.decoy_hash);
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            self.limiter.failed(&key, &username, now);
            self.record_failure(&username, client, "bad_credentials")
                .await?;
            return Err(AccountError::BadCredentials);
        };
        self.limiter.succeeded(&key);
        let stage = self.stage_after_password(&user).await?;
        self.open_session(
            user,
            stage,
            &SessionOpening {
                method: "password",
                provider: None,
                assurance: None,
                id_token: None,
            },
            from,
        )
        .await
    }

    /// What a correct password leads to for `user`.
    async fn stage_after_password(&self, user: &User) -> Result<SessionStage> {
        if self.has_second_factor(user.id).await? {
            return Ok(SessionStage::SecondFactor);
        }
        if self.second_factor_required(user).await? {
            return Ok(SessionStage::Enrol);
        }
        Ok(SessionStage::Active)
    }

    /// Whether an office `user` works for requires a second factor.
    pub async fn second_factor_required(&self, user: &User) -> Result<bool> {
        let strict = self.store.offices_requiring_second_factor().await?;
        Ok(user
            .grants
            .iter()
            .any(|g| g.office.is_some_and(|o| strict.contains(&o))))
    }

    /// Opens a session for `user` (after a password or an OpenID login) and records it.
    pub async fn open_session(
        &self,
        user: User,
        stage: SessionStage,
        how: &SessionOpening,
        from: &ClientInfo,
    ) -> Result<LoggedIn> {
        let now = self.clock.now();
        let mut raw = [0u8; 32];
        self.entropy.fill(&mut raw);
        let token = hex::encode(raw);
        let ids = IdGen {
            clock: &*self.clock,
            entropy: &*self.entropy,
        };
        let session = Session {
            id: ids.id::<SessionId>(),
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at: now + self.session_ttl,
            stage,
            method: how.method.to_owned(),
            provider: how.provider.clone(),
            assurance: how.assurance.clone(),
            id_token: how.id_token.clone(),
            client: from.address.chars().take(64).collect(),
            user_agent: from.user_agent.chars().take(200).collect(),
        };
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: format!("user:{}", user.id),
            action: "auth.login".into(),
            object_type: "session".into(),
            object_id: session.id.to_string(),
            payload: serde_json::json!({
                "username": user.username,
                "client": from.address,
                "method": how.method,
                "provider": how.provider,
                "assurance": how.assurance,
                "stage": stage.code(),
            }),
        };
        self.store
            .create_session(&session, &Audit::one(now, event))
            .await?;
        Ok(LoggedIn {
            token,
            session,
            user,
        })
    }

    /// A user's live sessions, newest first.
    pub async fn sessions(&self, user: UserId) -> Result<Vec<Session>> {
        Ok(self.store.sessions_of(user, self.clock.now()).await?)
    }

    /// Ends one of `user`'s sessions (from the session list); `NotFound` if it is not theirs.
    pub async fn revoke_session(&self, user: UserId, id: SessionId) -> Result<()> {
        let mine = self.sessions(user).await?;
        if !mine.iter().any(|s| s.id == id) {
            return Err(AccountError::Store(StoreError::NotFound(format!(
                "session {id}"
            ))));
        }
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: format!("user:{user}"),
            action: "auth.session_revoked".into(),
            object_type: "session".into(),
            object_id: id.to_string(),
            payload: serde_json::json!({}),
        };
        self.store
            .delete_session(id, &Audit::one(self.clock.now(), event))
            .await?;
        Ok(())
    }

    /// Changes a password: the current one must be right, the new one must pass the policy;
    /// every other session of the user ends.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        keep: SessionId,
    ) -> Result<()> {
        if !verify(current, &user.password_hash) {
            return Err(AccountError::BadCredentials);
        }
        self.check_password(new, &user.username)?;
        let hash = self.hash_password(new)?;
        let audit = self.user_event(
            user.id,
            "auth.password_changed",
            serde_json::json!({"other_sessions_ended": true}),
        );
        self.store
            .set_password_hash(user.id, &hash, Some(keep), &audit)
            .await?;
        Ok(())
    }

    /// A system-stream entry about `user`, done by that user, now.
    pub(crate) fn user_event(
        &self,
        user: UserId,
        action: &str,
        payload: serde_json::Value,
    ) -> Audit {
        Audit::one(
            self.clock.now(),
            Event {
                stream: SYSTEM_STREAM.into(),
                actor: format!("user:{user}"),
                action: action.into(),
                object_type: "user".into(),
                object_id: user.to_string(),
                payload,
            },
        )
    }

    async fn record_failure(&self, username: &str, client: &str, reason: &str) -> Result<()> {
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: "anonymous".into(),
            action: "auth.login_failed".into(),
            object_type: "username".into(),
            object_id: username.chars().take(64).collect(),
            payload: serde_json::json!({"client": client, "reason": reason}),
        };
        self.store
            .record(&Audit::one(self.clock.now(), event))
            .await?;
        Ok(())
    }

    /// The live session and its (enabled) user for a cookie token.
    pub async fn session(&self, token: &str) -> Result<Option<(Session, User)>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let Some(session) = self
            .store
            .session_by_token(&token_hash(token), self.clock.now())
            .await?
        else {
            return Ok(None);
        };
        let user = self
            .store
            .user(session.user_id)
            .await?
            .filter(|u| !u.disabled);
        Ok(user.map(|u| (session, u)))
    }

    pub async fn logout(&self, session: &Session) -> Result<()> {
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: format!("user:{}", session.user_id),
            action: "auth.logout".into(),
            object_type: "session".into(),
            object_id: session.id.to_string(),
            payload: serde_json::json!({}),
        };
        self.store
            .delete_session(session.id, &Audit::one(self.clock.now(), event))
            .await?;
        Ok(())
    }
}

/// The principal the authorization function sees for a user.
/// Gives an existing user one more grant, ledgered (a per-office role needs its office, a
/// global one none).
pub async fn add_grant(
    store: &dyn IdentityStore,
    at: time::OffsetDateTime,
    actor: &str,
    user: UserId,
    grant: Grant,
) -> Result<()> {
    if grant.role.is_per_office() != grant.office.is_some() {
        return Err(invalid(
            "invalid-role-office",
            format!(
                "role {} needs an office exactly when it is per office",
                grant.role
            ),
        ));
    }
    let event = Event {
        stream: SYSTEM_STREAM.into(),
        actor: actor.to_owned(),
        action: "user.granted".into(),
        object_type: "user".into(),
        object_id: user.to_string(),
        payload: serde_json::json!({
            "role": grant.role.code(),
            "office": grant.office,
            "object": grant.object,
        }),
    };
    store
        .add_grant(user, &grant, &Audit::one(at, event))
        .await?;
    Ok(())
}

/// Sets what `office` has cleared `user` to read (`Secrecy::Normal` withdraws it), ledgered
/// as `user.clearance_set` with the level before and after. The caller has authorized
/// `authz::grant_clearance(office)`; here the rule that nobody clears themselves (`by` is the
/// acting account, `None` for the machine's operator at the command line).
pub async fn set_clearance(
    store: &dyn IdentityStore,
    at: time::OffsetDateTime,
    actor: &str,
    by: Option<UserId>,
    user: UserId,
    office: guichet_core::OfficeId,
    level: guichet_core::authz::Secrecy,
) -> Result<()> {
    if by == Some(user) {
        return Err(invalid(
            "error-clearance-self",
            "nobody sets their own clearance",
        ));
    }
    let before = store
        .user(user)
        .await?
        .ok_or_else(|| guichet_store::StoreError::NotFound(format!("user {user}")))?
        .clearances
        .iter()
        .find(|c| c.office == office)
        .map_or(guichet_core::authz::Secrecy::Normal, |c| c.level);
    let event = Event {
        stream: SYSTEM_STREAM.into(),
        actor: actor.to_owned(),
        action: "user.clearance_set".into(),
        object_type: "user".into(),
        object_id: user.to_string(),
        payload: serde_json::json!({
            "office": office,
            "from": before.code(),
            "to": level.code(),
        }),
    };
    store
        .set_clearance(user, office, level, actor, &Audit::one(at, event))
        .await?;
    Ok(())
}

/// The platform web layer's view of sessions (`guichet_web::Sessions`), answered by the
/// accounts service.
#[async_trait::async_trait]
impl guichet_web::Sessions for Accounts {
    async fn session(
        &self,
        token: &str,
    ) -> std::result::Result<Option<(Session, User)>, guichet_web::SliceError> {
        Accounts::session(self, token).await.map_err(Into::into)
    }

    async fn bearer(
        &self,
        token: &str,
    ) -> std::result::Result<Option<(User, Vec<String>)>, guichet_web::SliceError> {
        Accounts::bearer(self, token).await.map_err(Into::into)
    }
}

fn hash_with(entropy: &dyn Entropy, password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt);
    argon2()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| invalid("invalid-password", format!("cannot hash password: {e}")))
}

fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let e = guichet_core::SeededEntropy::new(1);
        let a = hash_with(&e, "correct horse battery").expect("hash");
        let b = hash_with(&e, "correct horse battery").expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("wrong horse battery", &a));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn usernames() {
        assert!(valid_username("nguyen.lan"));
        assert!(!valid_username("Nguyen Lan"));
        assert!(!valid_username("ab"));
    }
}

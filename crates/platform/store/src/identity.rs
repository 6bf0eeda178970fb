//! The stored shape of sign-in beyond passwords: identities vouched for by OpenID providers
//! and linked to accounts, pending OpenID logins, TOTP second factors and recovery codes.
//! The rules live in `guichet-accounts`.

use guichet_core::UserId;
use guichet_ledger::Hash;
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

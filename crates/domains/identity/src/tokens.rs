//! Access for machines: personal access tokens and OAuth 2 client credentials (RFC 6749
//! §4.4), so the JSON API is usable without a browser session. A token carries scopes — the
//! names of the domain actions it may be used for (`one_stop.file_dossier`…) — on top of its
//! account's own rights, an expiry, and can be revoked; it is shown once and stored as SHA-256.
//! A client's secret likewise; a client obtains one-hour tokens at `/oauth/token`.
//!
//! Invariant: a token authorizes an action only if its account may do it *and* the action's
//! name is among its scopes; a revoked or expired token, or one of a deactivated account,
//! authorizes nothing.

use guichet_store::User;
use time::Duration;

use crate::store::{ApiClient, ApiToken};
use crate::{AccountError, Accounts, Result, invalid, token_hash};

/// Prefixes that make a leaked token recognisable to secret scanners.
pub const TOKEN_PREFIX: &str = "gct_";
pub const CLIENT_PREFIX: &str = "gcc_";
/// How long a client-credentials token lives.
pub const CLIENT_TOKEN_TTL: Duration = Duration::hours(1);
/// The longest a personal token may live.
pub const MAX_TOKEN_DAYS: u32 = 365;
/// Scopes that are not slice actions: reading and verifying the ledger.
pub const BUILTIN_SCOPES: [&str; 1] = ["ledger.read"];

/// Checks and normalises a scope list (space- or comma-separated names of actions).
pub fn parse_scopes(text: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    let well_formed = |s: &String| {
        s.len() <= 64
            && s.split_once('.').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && s.bytes()
                        .all(|c| c.is_ascii_lowercase() || c == b'_' || c == b'.')
            })
    };
    if out.is_empty() || out.len() > 40 || !out.iter().all(well_formed) {
        return Err(invalid(
            "token-scopes",
            "give one or more scopes: names of actions such as one_stop.file_dossier",
        ));
    }
    Ok(out)
}

impl Accounts {
    /// 32 random bytes in hex after `prefix`: a token, a secret or a one-time link's key.
    pub(crate) fn secret(&self, prefix: &str) -> String {
        let mut raw = [0u8; 32];
        self.entropy.fill(&mut raw);
        format!("{prefix}{}", hex::encode(raw))
    }

    /// A personal access token of `user`: shown once (the returned string).
    pub async fn create_token(
        &self,
        user: &User,
        name: &str,
        scopes: &str,
        days: u32,
    ) -> Result<(String, ApiToken)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid(
                "token-name",
                "name the token (at most 100 characters)",
            ));
        }
        let scopes = parse_scopes(scopes)?;
        if days == 0 || days > MAX_TOKEN_DAYS {
            return Err(invalid("token-days", "a token lives 1 to 365 days"));
        }
        let secret = self.secret(TOKEN_PREFIX);
        let now = self.clock.now();
        let token = ApiToken {
            id: self.ids().uuid(),
            user_id: user.id,
            client: None,
            name: name.to_owned(),
            token_hash: token_hash(&secret),
            scopes: scopes.clone(),
            created_at: now,
            expires_at: now + Duration::days(i64::from(days)),
            revoked_at: None,
        };
        let audit = self.user_event(
            user.id,
            "api.token_created",
            serde_json::json!({"token": token.id, "name": name, "scopes": scopes, "expires_at": token.expires_at.unix_timestamp()}),
        );
        self.store.put_api_token(&token, &audit).await?;
        Ok((secret, token))
    }

    /// Revokes one of `user`'s tokens (`false`: none such, or already revoked).
    pub async fn revoke_token(&self, user: &User, id: uuid::Uuid) -> Result<bool> {
        let audit = self.user_event(
            user.id,
            "api.token_revoked",
            serde_json::json!({"token": id}),
        );
        Ok(self
            .store
            .revoke_api_token(user.id, id, self.clock.now(), &audit)
            .await?)
    }

    /// An OAuth client acting as `user`: its id and secret (shown once).
    pub async fn create_client(
        &self,
        user: &User,
        name: &str,
        scopes: &str,
    ) -> Result<(String, String, ApiClient)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid(
                "token-name",
                "name the client (at most 100 characters)",
            ));
        }
        let scopes = parse_scopes(scopes)?;
        let mut raw = [0u8; 12];
        self.entropy.fill(&mut raw);
        let client_id = format!("{CLIENT_PREFIX}{}", hex::encode(raw));
        let secret = self.secret("");
        let client = ApiClient {
            id: self.ids().uuid(),
            client_id: client_id.clone(),
            secret_hash: token_hash(&secret),
            user_id: user.id,
            name: name.to_owned(),
            scopes: scopes.clone(),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        let audit = self.user_event(
            user.id,
            "api.client_created",
            serde_json::json!({"client": client_id, "name": name, "scopes": scopes}),
        );
        self.store.put_api_client(&client, &audit).await?;
        Ok((client_id, secret, client))
    }

    /// Revokes one of `user`'s clients and every token it obtained.
    pub async fn revoke_client(&self, user: &User, id: uuid::Uuid) -> Result<bool> {
        let audit = self.user_event(
            user.id,
            "api.client_revoked",
            serde_json::json!({"client": id}),
        );
        Ok(self
            .store
            .revoke_api_client(user.id, id, self.clock.now(), &audit)
            .await?)
    }

    /// The client-credentials grant: a one-hour token for a client whose secret matches,
    /// with the scopes asked for (all of the client's when none are), never more.
    pub async fn client_token(
        &self,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> std::result::Result<(String, ApiToken), OAuthError> {
        let client = self
            .store
            .api_client(client_id.trim())
            .await
            .map_err(|e| OAuthError::Server(e.to_string()))?
            .filter(|c| c.revoked_at.is_none())
            .ok_or(OAuthError::InvalidClient)?;
        // Digests are compared, as a session token's is looked up: timing tells nothing about
        // the secret behind a SHA-256.
        if token_hash(secret) != client.secret_hash {
            return Err(OAuthError::InvalidClient);
        }
        let user = self
            .store
            .user(client.user_id)
            .await
            .map_err(|e| OAuthError::Server(e.to_string()))?
            .filter(|u| !u.disabled)
            .ok_or(OAuthError::InvalidClient)?;
        let scopes = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            None => client.scopes.clone(),
            Some(text) => {
                let asked = parse_scopes(text).map_err(|_| OAuthError::InvalidScope)?;
                if !asked.iter().all(|s| client.scopes.contains(s)) {
                    return Err(OAuthError::InvalidScope);
                }
                asked
            }
        };
        let token_text = self.secret(TOKEN_PREFIX);
        let now = self.clock.now();
        let token = ApiToken {
            id: self.ids().uuid(),
            user_id: user.id,
            client: Some(client.id),
            name: client.name.clone(),
            token_hash: token_hash(&token_text),
            scopes,
            created_at: now,
            expires_at: now + CLIENT_TOKEN_TTL,
            revoked_at: None,
        };
        let audit = self.user_event(
            user.id,
            "api.client_token_issued",
            serde_json::json!({"client": client.client_id, "token": token.id, "scopes": token.scopes}),
        );
        self.store
            .put_api_token(&token, &audit)
            .await
            .map_err(|e| OAuthError::Server(e.to_string()))?;
        Ok((token_text, token))
    }

    /// The account and scopes behind a bearer token, if it is live.
    pub async fn bearer(&self, token: &str) -> Result<Option<(User, Vec<String>)>> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
            return Ok(None);
        }
        let Some(t) = self.store.api_token(&token_hash(token)).await? else {
            return Ok(None);
        };
        if t.revoked_at.is_some() || t.expires_at <= self.clock.now() {
            return Ok(None);
        }
        Ok(self
            .store
            .user(t.user_id)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| (u, t.scopes)))
    }
}

/// The token endpoint's refusals (RFC 6749 §5.2).
#[derive(Debug)]
pub enum OAuthError {
    InvalidClient,
    InvalidScope,
    Server(String),
}

impl From<AccountError> for OAuthError {
    fn from(e: AccountError) -> Self {
        OAuthError::Server(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_names_of_actions() {
        assert_eq!(
            parse_scopes("one_stop.file_dossier, one_stop.view_dossier one_stop.file_dossier").ok(),
            Some(vec![
                "one_stop.file_dossier".to_owned(),
                "one_stop.view_dossier".to_owned()
            ])
        );
        assert!(parse_scopes("").is_err());
        assert!(parse_scopes("admin").is_err());
        assert!(parse_scopes("one_stop.FILE").is_err());
        assert!(parse_scopes("one_stop.").is_err());
    }
}

//! OpenID Connect relying party (FranceConnect-like, VNeID-like): authorization code flow
//! with PKCE, `state` and `nonce`, signed ID token verification (issuer, audience, expiry
//! with a clock-skew tolerance, issue time, nonce, algorithm allow-list), discovery with the
//! JWKS cached and fetched again when a token names an unknown key (key rotation), userinfo,
//! RP-initiated logout, and the assurance level (`acr`) mapped to eIDAS levels.
//!
//! Invariants: a pending login is single use (taken atomically in the store) and bound to the
//! browser that started it (its `state` is also in a cookie); nothing the provider says is
//! believed before the ID token verifies; only attributes the provider vouches for (and that
//! pass guichet's own checks: dates, identifier checksums, `email_verified`) are stored as
//! verified. Every refusal is a ledger entry (`auth.oidc_rejected`) and opens no session.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::store::{IdentityLink, IdentityStore, PendingLogin, TakenLogin};
use base64::Engine as _;
use guichet_core::authz::{Grant, Role};
use guichet_core::{Clock, Entropy, IdGen, UserId};
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::{Audit, SessionStage, User};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, AuthenticationContextClass, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EndSessionUrl, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, SignatureVerificationError, SubjectIdentifier, TokenResponse,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::{Accounts, ClientInfo, LoggedIn, SessionOpening, token_hash};

/// eIDAS assurance levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    Low,
    Substantial,
    High,
}

impl Assurance {
    pub const ALL: [Assurance; 3] = [Assurance::Low, Assurance::Substantial, Assurance::High];

    pub fn code(self) -> &'static str {
        match self {
            Assurance::Low => "low",
            Assurance::Substantial => "substantial",
            Assurance::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Assurance> {
        Assurance::ALL.into_iter().find(|a| a.code() == s.trim())
    }
}

/// The identity attributes guichet knows (the `prefill` names of form fields).
pub const ATTRIBUTES: [&str; 9] = [
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "email",
    "cccd",
    "siret",
    "mst",
];

/// One OpenID provider in `guichet.toml` (`[[oidc_providers]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Short id used in URLs and the ledger: lowercase letters, digits, `-`.
    pub id: String,
    /// What the login button says ("FranceConnect", "VNeID").
    pub name: String,
    /// The issuer URL; discovery reads `ISSUER/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    /// Scopes asked for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Signature algorithms accepted for ID tokens (allow-list; never `none`).
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Tolerance for clocks that disagree, on expiry and issue time.
    #[serde(default = "default_skew")]
    pub clock_skew_secs: u64,
    /// The provider's `acr` values and the eIDAS level each stands for.
    #[serde(default)]
    pub acr_levels: BTreeMap<String, Assurance>,
    /// guichet attribute → the provider's claim that carries it, where the names differ
    /// (the others are read under their own name).
    #[serde(default)]
    pub claims: BTreeMap<String, String>,
    /// Ask the userinfo endpoint for claims (FranceConnect gives identity there).
    #[serde(default = "yes")]
    pub userinfo: bool,
}

fn default_scopes() -> Vec<String> {
    ["profile", "email"].map(String::from).to_vec()
}
fn default_algorithms() -> Vec<String> {
    ["RS256", "ES256"].map(String::from).to_vec()
}
fn default_skew() -> u64 {
    60
}
fn yes() -> bool {
    true
}

/// Why an OpenID login was refused. `key` names the message shown (vi/fr/en bundles, with
/// `auth-` in front); `detail` goes to the ledger.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{key}: {detail}")]
pub struct OidcError {
    pub key: &'static str,
    pub detail: String,
}

fn refuse(key: &'static str, detail: impl Into<String>) -> OidcError {
    OidcError {
        key,
        detail: detail.into(),
    }
}

impl ProviderConfig {
    /// Checks the configuration; the error says which key is wrong.
    pub fn check(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(format!(
                "oidc provider id {:?}: lowercase letters, digits and '-', at most 32",
                self.id
            ));
        }
        IssuerUrl::new(self.issuer.clone())
            .map_err(|e| format!("oidc provider {}: issuer: {e}", self.id))?;
        if self.client_id.trim().is_empty() {
            return Err(format!("oidc provider {}: client_id is empty", self.id));
        }
        for alg in &self.algorithms {
            parse_alg(alg).ok_or_else(|| {
                format!(
                    "oidc provider {}: algorithm {alg:?} is not allowed (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)",
                    self.id
                )
            })?;
        }
        if self.algorithms.is_empty() {
            return Err(format!("oidc provider {}: algorithms is empty", self.id));
        }
        for attribute in self.claims.keys() {
            if !ATTRIBUTES.contains(&attribute.as_str()) {
                return Err(format!(
                    "oidc provider {}: claims: unknown attribute {attribute:?} (known: {})",
                    self.id,
                    ATTRIBUTES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The `acr` values standing for `level` or higher, lowest first.
    fn acr_values_from(&self, level: Assurance) -> Vec<String> {
        let mut v: Vec<(&Assurance, &String)> = self
            .acr_levels
            .iter()
            .filter(|(_, l)| **l >= level)
            .map(|(acr, l)| (l, acr))
            .collect();
        v.sort();
        v.into_iter().map(|(_, acr)| acr.clone()).collect()
    }

    fn claim_for<'a>(&'a self, attribute: &'a str) -> &'a str {
        self.claims
            .get(attribute)
            .map(String::as_str)
            .unwrap_or(attribute)
    }
}

/// Asymmetric algorithms only: a shared-secret MAC would let anyone holding the client
/// secret forge tokens.
fn parse_alg(s: &str) -> Option<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    Some(match s {
        "RS256" => A::RsaSsaPkcs1V15Sha256,
        "RS384" => A::RsaSsaPkcs1V15Sha384,
        "RS512" => A::RsaSsaPkcs1V15Sha512,
        "PS256" => A::RsaSsaPssSha256,
        "PS384" => A::RsaSsaPssSha384,
        "PS512" => A::RsaSsaPssSha512,
        "ES256" => A::EcdsaP256Sha256,
        "ES384" => A::EcdsaP384Sha384,
        "EdDSA" => A::EdDsa,
        _ => return None,
    })
}

/// The client type discovery gives: authorization endpoint set, token and userinfo endpoints
/// as the provider's metadata says.
type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

struct Cached {
    metadata: ProviderMetadataWithLogout,
    fetched_at: OffsetDateTime,
}

struct Provider {
    config: ProviderConfig,
    cached: tokio::sync::Mutex<Option<Cached>>,
}

/// What starting a login gives: where to send the browser, and the `state` to keep in its
/// cookie.
#[derive(Debug)]
pub struct Started {
    pub url: String,
    pub state: String,
}

/// A login to start.
#[derive(Debug, Clone, Default)]
pub struct Begin {
    pub return_to: String,
    /// Link the identity to this (logged-in) account instead of logging in.
    pub link_user: Option<UserId>,
    /// The lowest assurance level accepted.
    pub assurance: Option<Assurance>,
}

/// The query of the redirect back from the provider.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A finished OpenID login: the session opened and where to go.
#[derive(Debug)]
pub struct Completed {
    pub login: LoggedIn,
    pub return_to: String,
    /// The identity was linked by this login (to a new account or the one logged in).
    pub linked: bool,
}

const LOGIN_TTL: Duration = Duration::minutes(10);
/// Metadata and keys are read again after this long.
const METADATA_TTL: Duration = Duration::hours(1);

pub struct OpenId {
    accounts: Arc<Accounts>,
    store: Arc<dyn IdentityStore>,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    http: reqwest::Client,
    redirect_url: String,
    post_logout_url: String,
    providers: Vec<Provider>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The HTTP client openidconnect calls: guichet's own reqwest (no redirects, a timeout).
struct Http(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<openidconnect::HttpResponse, HttpError>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, req: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let resp = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(|e| HttpError(error_chain(&e)))?;
            let mut builder = http::Response::builder().status(resp.status());
            for (name, value) in resp.headers() {
                builder = builder.header(name, value);
            }
            let bytes = resp.bytes().await.map_err(|e| HttpError(e.to_string()))?;
            builder
                .body(bytes.to_vec())
                .map_err(|e| HttpError(e.to_string()))
        })
    }
}

impl OpenId {
    /// `public_url` is where guichet is reached; the redirect URI to register with each
    /// provider is `PUBLIC_URL/auth/callback`.
    pub fn new(
        accounts: Arc<Accounts>,
        store: Arc<dyn IdentityStore>,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        public_url: &str,
        providers: Vec<ProviderConfig>,
    ) -> Result<Self, String> {
        for p in &providers {
            p.check()?;
        }
        let mut ids: Vec<&str> = providers.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err("two oidc providers have the same id".into());
        }
        install_tls_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let base = public_url.trim_end_matches('/');
        Ok(Self {
            accounts,
            store,
            clock,
            entropy,
            http,
            redirect_url: format!("{base}/auth/callback"),
            post_logout_url: format!("{base}/?notice=logged-out"),
            providers: providers
                .into_iter()
                .map(|config| Provider {
                    config,
                    cached: tokio::sync::Mutex::new(None),
                })
                .collect(),
        })
    }

    /// The configured providers as (id, name), for login buttons.
    pub fn buttons(&self) -> Vec<(String, String)> {
        self.providers
            .iter()
            .map(|p| (p.config.id.clone(), p.config.name.clone()))
            .collect()
    }

    /// The providers' origins (`https://host[:port]`), for the page's `form-action`.
    pub fn origins(&self) -> Vec<String> {
        self.providers
            .iter()
            .filter_map(|p| url::Url::parse(&p.config.issuer).ok())
            .map(|u| u.origin().ascii_serialization())
            .collect()
    }

    pub fn provider_name(&self, id: &str) -> Option<&str> {
        self.provider(id).map(|p| p.config.name.as_str())
    }

    fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.config.id == id)
    }

    async fn rejected(&self, provider: &str, e: &OidcError, from: &ClientInfo) {
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: "anonymous".into(),
            action: "auth.oidc_rejected".into(),
            object_type: "oidc_provider".into(),
            object_id: provider.chars().take(64).collect(),
            payload: serde_json::json!({
                "reason": e.key,
                "detail": e.detail.chars().take(500).collect::<String>(),
                "client": from.address,
            }),
        };
        if let Err(err) = self
            .store
            .record(&Audit::one(self.clock.now(), event))
            .await
        {
            tracing::error!("cannot record a refused OpenID login: {err}");
        }
    }

    fn random_token(&self) -> String {
        let mut raw = [0u8; 32];
        self.entropy.fill(&mut raw);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// The provider's metadata and keys, from the cache unless stale or `refresh`. (A refresh
    /// follows an ID token naming an unknown key; such tokens come only from the provider's
    /// token endpoint over the back channel, so nobody else can make guichet refetch.)
    async fn metadata(
        &self,
        p: &Provider,
        refresh: bool,
    ) -> Result<ProviderMetadataWithLogout, OidcError> {
        let now = self.clock.now();
        let mut cached = p.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            let age = now - c.fetched_at;
            if age < METADATA_TTL && !refresh {
                return Ok(c.metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(p.config.issuer.clone())
            .map_err(|e| refuse("oidc-discovery", format!("issuer URL: {e}")))?;
        let http = Http(self.http.clone());
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
            .await
            .map_err(|e| refuse("oidc-discovery", format!("discovery: {}", error_chain(&e))))?;
        *cached = Some(Cached {
            metadata: metadata.clone(),
            fetched_at: now,
        });
        Ok(metadata)
    }

    /// Starts a login (or a link): saves the pending login and returns the provider's URL.
    pub async fn begin(
        &self,
        provider: &str,
        begin: Begin,
        from: &ClientInfo,
    ) -> Result<Started, OidcError> {
        let result = self.begin_inner(provider, begin).await;
        if let Err(e) = &result {
            self.rejected(provider, e, from).await;
        }
        result
    }

    async fn begin_inner(&self, provider: &str, begin: Begin) -> Result<Started, OidcError> {
        let p = self.provider(provider).ok_or_else(|| {
            refuse(
                "oidc-unknown-provider",
                format!("no provider {provider:?} is configured"),
            )
        })?;
        let metadata = self.metadata(p, false).await?;
        let client = self.client(p, metadata)?;
        let state = self.random_token();
        let nonce = self.random_token();
        let verifier = self.random_token();
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
        let (s, n) = (state.clone(), nonce.clone());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(s),
                move || Nonce::new(n),
            )
            .set_pkce_challenge(challenge);
        for scope in &p.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(level) = begin.assurance {
            let values = p.config.acr_values_from(level);
            if values.is_empty() {
                return Err(refuse(
                    "oidc-insufficient-assurance",
                    format!(
                        "{} offers no acr value at level {}",
                        p.config.id,
                        level.code()
                    ),
                ));
            }
            for acr in values {
                request = request.add_auth_context_value(AuthenticationContextClass::new(acr));
            }
        }
        let (url, _, _) = request.url();
        let now = self.clock.now();
        self.store
            .save_pending_login(&PendingLogin {
                state_hash: token_hash(&state),
                provider: p.config.id.clone(),
                nonce,
                pkce_verifier: verifier,
                assurance: begin.assurance.map(|a| a.code().to_owned()),
                link_user_id: begin.link_user,
                return_to: safe_return(&begin.return_to),
                created_at: now,
                expires_at: now + LOGIN_TTL,
            })
            .await
            .map_err(|e| refuse("oidc-internal", e.to_string()))?;
        Ok(Started {
            url: url.to_string(),
            state,
        })
    }

    fn client(
        &self,
        p: &Provider,
        metadata: ProviderMetadataWithLogout,
    ) -> Result<Client, OidcError> {
        let redirect = RedirectUrl::new(self.redirect_url.clone())
            .map_err(|e| refuse("oidc-internal", format!("redirect URL: {e}")))?;
        let secret = (!p.config.client_secret.is_empty())
            .then(|| ClientSecret::new(p.config.client_secret.clone()));
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(p.config.client_id.clone()),
            secret,
        )
        .set_redirect_uri(redirect))
    }

    /// Finishes a login from the provider's redirect. `cookie_state` is the `state` kept in
    /// the browser's cookie when the login started.
    pub async fn complete(
        &self,
        callback: Callback,
        cookie_state: Option<&str>,
        from: &ClientInfo,
    ) -> Result<Completed, OidcError> {
        let mut provider = String::from("unknown");
        let result = self
            .complete_inner(callback, cookie_state, from, &mut provider)
            .await;
        if let Err(e) = &result {
            self.rejected(&provider, e, from).await;
        }
        result
    }

    async fn complete_inner(
        &self,
        cb: Callback,
        cookie_state: Option<&str>,
        from: &ClientInfo,
        provider_id: &mut String,
    ) -> Result<Completed, OidcError> {
        let state = cb
            .state
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| refuse("oidc-missing-state", "the answer has no state"))?;
        if cookie_state != Some(state) {
            return Err(refuse(
                "oidc-state-mismatch",
                "the state is not the one this browser started with",
            ));
        }
        let now = self.clock.now();
        let pending = match self
            .store
            .take_pending_login(&token_hash(state), now)
            .await
            .map_err(|e| refuse("oidc-internal", e.to_string()))?
        {
            TakenLogin::Taken(p) => p,
            TakenLogin::AlreadyUsed => {
                return Err(refuse("oidc-replayed-state", "this state was already used"));
            }
            TakenLogin::Unknown => {
                return Err(refuse(
                    "oidc-unknown-state",
                    "no login was started with this state",
                ));
            }
        };
        provider_id.clone_from(&pending.provider);
        if pending.expires_at <= now {
            return Err(refuse("oidc-expired-state", "the login took too long"));
        }
        let p = self.provider(&pending.provider).ok_or_else(|| {
            refuse(
                "oidc-unknown-provider",
                format!("provider {:?} is no longer configured", pending.provider),
            )
        })?;
        if let Some(error) = cb.error.as_deref() {
            return Err(refuse(
                "oidc-provider-error",
                format!("{error}: {}", cb.error_description.as_deref().unwrap_or("")),
            ));
        }
        let code = cb
            .code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| refuse("oidc-missing-code", "the answer has no authorization code"))?;

        let metadata = self.metadata(p, false).await?;
        let client = self.client(p, metadata)?;
        let http = Http(self.http.clone());
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| refuse("oidc-discovery", format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|e| match &e {
                openidconnect::RequestTokenError::Parse(..) => refuse(
                    "oidc-invalid-token",
                    format!("token response: {}", error_chain(&e)),
                ),
                _ => refuse("oidc-token-exchange", error_chain(&e)),
            })?;
        let id_token = token
            .id_token()
            .ok_or_else(|| refuse("oidc-no-id-token", "the token response has no ID token"))?
            .clone();

        let nonce = Nonce::new(pending.nonce.clone());
        let verified = match self.verify(p, &client, &id_token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // The provider may have rotated its keys: read them again once.
                let metadata = self.metadata(p, true).await?;
                let client = self.client(p, metadata)?;
                self.verify(p, &client, &id_token, &nonce)
            }
            other => other,
        }
        .map_err(|e| claims_error(&e))?;
        let subject = verified.subject;
        let level = verified
            .acr
            .as_deref()
            .and_then(|acr| p.config.acr_levels.get(acr).copied());
        if let Some(wanted) = pending.assurance.as_deref().and_then(Assurance::parse)
            && level.is_none_or(|l| l < wanted)
        {
            return Err(refuse(
                "oidc-insufficient-assurance",
                format!(
                    "asked for {}, the provider vouched for {:?} (acr {:?})",
                    wanted.code(),
                    level.map(Assurance::code),
                    verified.acr
                ),
            ));
        }

        let mut claims = verified.payload;
        if p.config.userinfo {
            let more = self
                .userinfo(&client, token.access_token(), &subject)
                .await?;
            for (k, v) in more {
                claims.insert(k, v);
            }
        }
        let attributes = vouched_attributes(&p.config, &claims);

        let (link, linked) = self
            .attach(p, &pending, &subject, attributes, level, now)
            .await?;
        let user = self
            .store
            .user(link.user_id)
            .await
            .map_err(|e| refuse("oidc-internal", e.to_string()))?
            .filter(|u| !u.disabled)
            .ok_or_else(|| refuse("oidc-account-disabled", "the linked account is disabled"))?;
        let login = self
            .accounts
            .open_session(
                user,
                SessionStage::Active,
                &SessionOpening {
                    method: "oidc",
                    provider: Some(p.config.id.clone()),
                    assurance: level.map(|l| l.code().to_owned()),
                    id_token: Some(id_token.to_string()),
                },
                from,
            )
            .await
            .map_err(|e| refuse("oidc-internal", e.to_string()))?;
        Ok(Completed {
            login,
            return_to: pending.return_to,
            linked,
        })
    }

    fn verify(
        &self,
        p: &Provider,
        client: &Client,
        id_token: &openidconnect::core::CoreIdToken,
        nonce: &Nonce,
    ) -> Result<Verified, ClaimsVerificationError> {
        let skew = Duration::seconds(i64::try_from(p.config.clock_skew_secs).unwrap_or(300));
        let now = self.clock.now();
        let lenient_now = chrono_of(now - skew);
        let latest_issue = chrono_of(now + skew);
        let algs: Vec<CoreJwsSigningAlgorithm> = p
            .config
            .algorithms
            .iter()
            .filter_map(|a| parse_alg(a))
            .collect();
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(algs)
            .set_time_fn(move || lenient_now)
            .set_issue_time_verifier_fn(move |iat| {
                if iat > latest_issue {
                    Err(format!(
                        "{CLOCK_SKEW}: issued at {iat}, later than {latest_issue}"
                    ))
                } else {
                    Ok(())
                }
            });
        let claims = id_token.claims(&verifier, nonce)?;
        let acr = claims.auth_context_ref().map(|a| a.to_string());
        let subject = claims.subject().to_string();
        // The signature verified: the payload as sent is trusted, with any claim the
        // provider adds beyond the standard ones.
        let payload = id_token
            .to_string()
            .split('.')
            .nth(1)
            .and_then(|b| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(b)
                    .ok()
            })
            .and_then(|b| {
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&b).ok()
            })
            .unwrap_or_default();
        Ok(Verified {
            subject,
            acr,
            payload,
        })
    }

    async fn userinfo(
        &self,
        client: &Client,
        access: &AccessToken,
        subject: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, OidcError> {
        let request = match client.user_info(
            access.clone(),
            Some(SubjectIdentifier::new(subject.to_owned())),
        ) {
            Ok(r) => r,
            // No userinfo endpoint: the ID token is all there is.
            Err(_) => return Ok(serde_json::Map::new()),
        };
        let http = Http(self.http.clone());
        let info: openidconnect::UserInfoClaims<ExtraClaims, CoreGenderClaim> = request
            .request_async(&http)
            .await
            .map_err(|e| refuse("oidc-userinfo", error_chain(&e)))?;
        match serde_json::to_value(&info) {
            Ok(serde_json::Value::Object(m)) => Ok(m),
            _ => Ok(serde_json::Map::new()),
        }
    }

    /// Finds or makes the account the provider identity belongs to and stores what the
    /// provider vouched for. Returns the link and whether this login linked it.
    async fn attach(
        &self,
        p: &Provider,
        pending: &PendingLogin,
        subject: &str,
        attributes: serde_json::Map<String, serde_json::Value>,
        level: Option<Assurance>,
        now: OffsetDateTime,
    ) -> Result<(IdentityLink, bool), OidcError> {
        let internal = |e: guichet_store::StoreError| refuse("oidc-internal", e.to_string());
        let existing = self
            .store
            .identity_link(&p.config.id, subject)
            .await
            .map_err(internal)?;
        let ids = IdGen {
            clock: &*self.clock,
            entropy: &*self.entropy,
        };
        let assurance = level.map(|l| l.code().to_owned());
        let names: Vec<String> = attributes.keys().cloned().collect();
        let new_link = |user_id: UserId, attributes| IdentityLink {
            id: ids.uuid(),
            user_id,
            provider: p.config.id.clone(),
            subject: subject.to_owned(),
            attributes,
            assurance: assurance.clone(),
            linked_at: now,
            updated_at: now,
        };
        let event = |user: UserId, action: &str| Event {
            stream: SYSTEM_STREAM.into(),
            actor: format!("user:{user}"),
            action: action.into(),
            object_type: "identity".into(),
            object_id: format!("{}:{}", p.config.id, subject_digest(subject)),
            payload: serde_json::json!({"provider": p.config.id, "attributes": names, "assurance": assurance}),
        };
        match (existing, pending.link_user_id) {
            (Some(link), Some(wanted)) if link.user_id != wanted => Err(refuse(
                "oidc-already-linked",
                "this identity is linked to another account",
            )),
            (Some(link), _) => {
                let updated = IdentityLink {
                    attributes,
                    assurance: assurance.clone(),
                    updated_at: now,
                    ..link
                };
                self.store
                    .put_identity_link(
                        &updated,
                        None,
                        &Audit::one(now, event(updated.user_id, "identity.refreshed")),
                    )
                    .await
                    .map_err(internal)?;
                Ok((updated, false))
            }
            (None, Some(user)) => {
                let link = new_link(user, attributes);
                self.store
                    .put_identity_link(
                        &link,
                        None,
                        &Audit::one(now, event(user, "identity.linked")),
                    )
                    .await
                    .map_err(|e| match e {
                        guichet_store::StoreError::Conflict(_) => refuse(
                            "oidc-already-linked",
                            "this identity is linked to another account",
                        ),
                        other => internal(other),
                    })?;
                Ok((link, true))
            }
            (None, None) => {
                let user_id = ids.id::<UserId>();
                let given = attributes
                    .get("given_name")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let family = attributes
                    .get("family_name")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let display = format!("{given} {family}").trim().to_owned();
                // No password: a random one nobody knows (login only through the provider).
                let mut raw = [0u8; 32];
                self.entropy.fill(&mut raw);
                let user = User {
                    id: user_id,
                    username: format!("{}-{}", p.config.id, &subject_digest(subject)[..12]),
                    display_name: if display.is_empty() {
                        p.config.name.clone()
                    } else {
                        display
                    },
                    email: attributes
                        .get("email")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned),
                    password_hash: self
                        .accounts
                        .hash_password(&hex::encode(raw))
                        .map_err(|e| refuse("oidc-internal", e.to_string()))?,
                    disabled: false,
                    created_at: now,
                    grants: vec![Grant::new(Role::Citizen, None)],
                    clearances: Vec::new(),
                };
                let link = new_link(user_id, attributes);
                let audit = Audit {
                    at: now,
                    events: vec![
                        Event {
                            stream: SYSTEM_STREAM.into(),
                            actor: format!("oidc:{}", p.config.id),
                            action: "user.created".into(),
                            object_type: "user".into(),
                            object_id: user_id.to_string(),
                            payload: serde_json::json!({"username": user.username, "grants": [{"role": "citizen", "office": null}]}),
                        },
                        event(user_id, "identity.linked"),
                    ],
                };
                self.store
                    .put_identity_link(&link, Some(&user), &audit)
                    .await
                    .map_err(internal)?;
                Ok((link, true))
            }
        }
    }

    /// Where to send the browser to end the provider's session too (RP-initiated logout),
    /// when the session came from a provider that offers it.
    pub async fn logout_url(&self, session: &guichet_store::Session) -> Option<String> {
        let p = self.provider(session.provider.as_deref()?)?;
        let metadata = self.metadata(p, false).await.ok()?;
        let end: EndSessionUrl = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(end)
            .set_client_id(ClientId::new(p.config.client_id.clone()))
            .set_post_logout_redirect_uri(
                PostLogoutRedirectUrl::new(self.post_logout_url.clone()).ok()?,
            );
        if let Some(Ok(token)) = session
            .id_token
            .as_deref()
            .map(str::parse::<openidconnect::core::CoreIdToken>)
        {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url().to_string())
    }
}

const CLOCK_SKEW: &str = "issued in the future";

/// Installs rustls' ring provider for the process (HTTPS to providers and webhooks). Every
/// reqwest client of the process needs it; installing twice is harmless.
pub fn install_tls_provider() {
    if rustls::crypto::ring::default_provider()
        .install_default()
        .is_err()
    {
        // Another provider was installed first, which is just as good.
    }
}

struct Verified {
    subject: String,
    acr: Option<String>,
    payload: serde_json::Map<String, serde_json::Value>,
}

/// Claims beyond the standard ones in a userinfo answer (birthplace, siret…).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ExtraClaims {
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}
impl openidconnect::AdditionalClaims for ExtraClaims {}

fn chrono_of(t: OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn subject_digest(subject: &str) -> String {
    hex::encode(Sha256::digest(subject.as_bytes()))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

fn claims_error(e: &ClaimsVerificationError) -> OidcError {
    use ClaimsVerificationError as C;
    let key = match e {
        C::Expired(m) if m.starts_with(CLOCK_SKEW) => "oidc-clock-skew",
        C::Expired(_) => "oidc-expired",
        C::InvalidAudience(_) => "oidc-wrong-audience",
        C::InvalidIssuer(_) => "oidc-wrong-issuer",
        C::InvalidNonce(_) => "oidc-wrong-nonce",
        C::SignatureVerification(
            SignatureVerificationError::DisallowedAlg(_)
            | SignatureVerificationError::NoSignature
            | SignatureVerificationError::UnsupportedAlg(_),
        ) => "oidc-bad-algorithm",
        C::SignatureVerification(_) => "oidc-bad-signature",
        _ => "oidc-invalid-token",
    };
    refuse(key, error_chain(e))
}

/// A local path only (no scheme, no host, no `//`), else `/`.
pub fn safe_return(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if ok { path.to_owned() } else { "/".to_owned() }
}

/// The attributes the provider vouched for, checked: names as strings, dates as ISO dates,
/// genders as `male`/`female`, identifiers by their checksums, e-mail only when verified.
pub fn vouched_attributes(
    config: &ProviderConfig,
    claims: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    use guichet_rules::ids::{Kind, check};
    let mut out = serde_json::Map::new();
    for attribute in ATTRIBUTES {
        let Some(raw) = claims.get(config.claim_for(attribute)) else {
            continue;
        };
        let text = match raw {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if text.is_empty() || text.chars().count() > 200 {
            continue;
        }
        let value = match attribute {
            "birthdate" => {
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                match time::Date::parse(&text, &fmt) {
                    Ok(d) => d.to_string(),
                    Err(_) => continue,
                }
            }
            "gender" => match text.to_lowercase().as_str() {
                "male" | "m" | "nam" => "male".to_owned(),
                "female" | "f" | "nữ" | "nu" => "female".to_owned(),
                _ => continue,
            },
            "email" => {
                let verified_claim = claims.get("email_verified");
                let verified = matches!(verified_claim, Some(serde_json::Value::Bool(true)))
                    || matches!(verified_claim, Some(serde_json::Value::String(s)) if s == "true");
                if !verified || !text.contains('@') {
                    continue;
                }
                text
            }
            "cccd" => match check(Kind::Cccd, &text) {
                Ok(v) => v,
                Err(_) => continue,
            },
            "siret" => match check(Kind::Siret, &text) {
                Ok(v) => v,
                Err(_) => continue,
            },
            "mst" => match check(Kind::Mst, &text) {
                Ok(v) => v,
                Err(_) => continue,
            },
            _ => text,
        };
        out.insert(attribute.to_owned(), serde_json::Value::String(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ProviderConfig {
        ProviderConfig {
            id: "vneid".into(),
            name: "VNeID".into(),
            issuer: "https://sso.example.gov.vn".into(),
            client_id: "guichet".into(),
            client_secret: String::new(),
            scopes: default_scopes(),
            algorithms: default_algorithms(),
            clock_skew_secs: 60,
            acr_levels: [
                ("vneid-1".to_owned(), Assurance::Low),
                ("vneid-2".to_owned(), Assurance::Substantial),
                ("vneid-3".to_owned(), Assurance::High),
            ]
            .into_iter()
            .collect(),
            claims: [("cccd".to_owned(), "citizen_id".to_owned())]
                .into_iter()
                .collect(),
            userinfo: true,
        }
    }

    #[test]
    fn only_checked_attributes_are_vouched_for() {
        let claims = serde_json::json!({
            "given_name": " Thu ",
            "family_name": "Phạm",
            "birthdate": "1990-04-31",
            "gender": "Nữ",
            "email": "thu@example.vn",
            "email_verified": false,
            "citizen_id": "001190012345",
            "cccd": "079090001234",
            "siret": "73282932000075",
            "mst": "0100109106"
        });
        let got = vouched_attributes(&config(), claims.as_object().unwrap());
        assert_eq!(got.get("given_name"), Some(&"Thu".into()));
        assert_eq!(got.get("gender"), Some(&"female".into()));
        assert_eq!(got.get("birthdate"), None, "30 April has no 31st");
        assert_eq!(got.get("email"), None, "e-mail not verified");
        assert_eq!(got.get("siret"), None, "bad Luhn key");
        assert_eq!(got.get("mst"), Some(&"0100109106".into()));
        // Read under the configured claim name, not under its own.
        assert_eq!(
            got.get("cccd").is_some(),
            guichet_rules::ids::check(guichet_rules::ids::Kind::Cccd, "001190012345").is_ok()
        );
    }

    #[test]
    fn acr_values_at_or_above_a_level() {
        let c = config();
        assert_eq!(
            c.acr_values_from(Assurance::Substantial),
            ["vneid-2", "vneid-3"]
        );
        assert_eq!(c.acr_values_from(Assurance::Low).len(), 3);
    }

    #[test]
    fn configuration_is_checked() {
        let mut c = config();
        assert_eq!(c.check(), Ok(()));
        c.algorithms = vec!["HS256".into()];
        assert!(c.check().unwrap_err().contains("HS256"));
        c = config();
        c.algorithms = vec!["none".into()];
        assert!(c.check().is_err());
        c = config();
        c.id = "Bad Id".into();
        assert!(c.check().is_err());
        c = config();
        c.claims.insert("shoe_size".into(), "x".into());
        assert!(c.check().unwrap_err().contains("shoe_size"));
    }

    #[test]
    fn return_paths_stay_local() {
        assert_eq!(safe_return("/procedures?x=1"), "/procedures?x=1");
        assert_eq!(safe_return("//evil.example"), "/");
        assert_eq!(safe_return("https://evil.example/"), "/");
        assert_eq!(safe_return("/\\evil"), "/");
    }
}

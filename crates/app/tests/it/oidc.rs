//! OpenID Connect login against a mock provider on loopback that signs what each case asks
//! for: the good login (account created, identity linked, verified fields prefilled and
//! locked, key rotation, assurance per procedure) and every way it must fail closed — bad
//! signature, tampered token, wrong nonce, expired, issued in the future beyond the clock
//! tolerance, wrong issuer, wrong audience, a forbidden algorithm, replayed state, missing
//! code, missing state, a state from another browser, an unknown provider. Each refusal is
//! a ledger entry and opens no session. (The browser journey through a real provider is
//! `tests/browser/oidc.mjs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use crate::support::{Db, TestApp, client, csrf_of, spawn_app_with};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use guichet_identity::oidc::{Assurance, ProviderConfig};
use openidconnect::core::{
    CoreGenderClaim, CoreIdToken, CoreIdTokenClaims, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, AuthenticationContextClass, EmptyAdditionalClaims, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey, StandardClaims, SubjectIdentifier,
};

const KEY_1: &str = include_str!("fixtures/oidc-test-key-1.pem");
const KEY_2: &str = include_str!("fixtures/oidc-test-key-2.pem");

/// What the next token answer looks like.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Case {
    Good,
    /// Signed with key 2 while the JWKS publishes key 1 under the same key id.
    ForgedSignature,
    /// A good token whose payload was changed afterwards.
    Tampered,
    WrongNonce,
    Expired,
    FromTheFuture,
    WrongIssuer,
    WrongAudience,
    /// `alg: none`, no signature.
    Unsigned,
    /// Not a JWT at all.
    Garbage,
    /// Signed with key 2 under a new key id, published only after a rotation.
    Rotated,
}

#[derive(Default)]
struct Mock {
    issuer: String,
    nonce: Option<String>,
    case: Option<Case>,
    rotated: bool,
    acr: Option<String>,
    subject: String,
    token_calls: usize,
    /// Answer userinfo as a signed JWT (`application/jwt`), as FranceConnect v2 does.
    userinfo_jwt: bool,
    /// … signed with the wrong key.
    userinfo_forged: bool,
}

type Shared = Arc<Mutex<Mock>>;

fn key(pem: &str, kid: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.into()))).unwrap()
}

async fn discovery(State(m): State<Shared>) -> axum::response::Response {
    let issuer = m.lock().unwrap().issuer.clone();
    axum::Json(serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
    }))
    .into_response()
}

async fn jwks(State(m): State<Shared>) -> axum::response::Response {
    let rotated = m.lock().unwrap().rotated;
    let mut keys = vec![serde_json::to_value(key(KEY_1, "k1").as_verification_key()).unwrap()];
    if rotated {
        keys.push(serde_json::to_value(key(KEY_2, "k2").as_verification_key()).unwrap());
    }
    axum::Json(serde_json::json!({ "keys": keys })).into_response()
}

fn id_token(m: &Mock, case: Case) -> String {
    let now = chrono::Utc::now();
    let (issuer, audience, exp, iat) = match case {
        Case::WrongIssuer => (
            "http://127.0.0.1:1/not-the-issuer".to_owned(),
            "guichet",
            now + chrono::Duration::minutes(5),
            now,
        ),
        Case::WrongAudience => (
            m.issuer.clone(),
            "another-service",
            now + chrono::Duration::minutes(5),
            now,
        ),
        Case::Expired => (
            m.issuer.clone(),
            "guichet",
            now - chrono::Duration::minutes(5),
            now - chrono::Duration::minutes(10),
        ),
        Case::FromTheFuture => (
            m.issuer.clone(),
            "guichet",
            now + chrono::Duration::minutes(20),
            now + chrono::Duration::minutes(10),
        ),
        _ => (
            m.issuer.clone(),
            "guichet",
            now + chrono::Duration::minutes(5),
            now,
        ),
    };
    let nonce = match case {
        Case::WrongNonce => "a-nonce-from-another-login".to_owned(),
        _ => m.nonce.clone().unwrap_or_default(),
    };
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(issuer).unwrap(),
        vec![Audience::new(audience.into())],
        exp,
        iat,
        StandardClaims::<CoreGenderClaim>::new(SubjectIdentifier::new(m.subject.clone())),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(nonce)))
    .set_auth_context_ref(m.acr.clone().map(AuthenticationContextClass::new));
    let signer = match case {
        Case::ForgedSignature => key(KEY_2, "k1"),
        Case::Rotated => key(KEY_2, "k2"),
        _ => key(KEY_1, "k1"),
    };
    let token = CoreIdToken::new(
        claims,
        &signer,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap()
    .to_string();
    match case {
        Case::Tampered => {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let parts: Vec<&str> = token.split('.').collect();
            let mut payload: serde_json::Value =
                serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
            payload["sub"] = "someone-else".into();
            format!(
                "{}.{}.{}",
                parts[0],
                b64.encode(payload.to_string()),
                parts[2]
            )
        }
        Case::Unsigned => {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let parts: Vec<&str> = token.split('.').collect();
            format!(
                "{}.{}.",
                b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
                parts[1]
            )
        }
        Case::Garbage => "this-is-not-a-jwt".into(),
        _ => token,
    }
}

async fn token(State(m): State<Shared>) -> axum::response::Response {
    let mut m = m.lock().unwrap();
    m.token_calls += 1;
    let case = m.case.unwrap_or(Case::Good);
    let id = id_token(&m, case);
    axum::Json(serde_json::json!({
        "access_token": "access-token-for-userinfo",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id,
    }))
    .into_response()
}

async fn userinfo(State(m): State<Shared>) -> axum::response::Response {
    let (subject, issuer, as_jwt, forged) = {
        let m = m.lock().unwrap();
        (
            m.subject.clone(),
            m.issuer.clone(),
            m.userinfo_jwt,
            m.userinfo_forged,
        )
    };
    let claims = serde_json::json!({
        "sub": subject,
        "given_name": "Camille",
        "family_name": "Martin",
        "birthdate": "1985-07-14",
        "gender": "female",
        "birthplace": "33063",
        "email": "camille.martin@example.fr",
        "email_verified": true,
        "siret": "73282932000075",
    });
    if !as_jwt {
        return axum::Json(claims).into_response();
    }
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut payload = claims;
    payload["iss"] = issuer.into();
    payload["aud"] = "guichet".into();
    let signing_input = format!(
        "{}.{}",
        b64.encode(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#),
        b64.encode(payload.to_string())
    );
    let signature = key(if forged { KEY_2 } else { KEY_1 }, "k1")
        .sign(
            &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            signing_input.as_bytes(),
        )
        .unwrap();
    (
        [(axum::http::header::CONTENT_TYPE, "application/jwt")],
        format!("{signing_input}.{}", b64.encode(signature)),
    )
        .into_response()
}

async fn start_mock() -> (String, Shared) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shared: Shared = Arc::new(Mutex::new(Mock {
        issuer: base.clone(),
        subject: "fc-sub-0001".into(),
        ..Mock::default()
    }));
    let app = axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .with_state(shared.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, shared)
}

fn provider(issuer: &str) -> ProviderConfig {
    ProviderConfig {
        id: "mockfc".into(),
        name: "Mock FranceConnect".into(),
        issuer: issuer.into(),
        client_id: "guichet".into(),
        client_secret: "secret".into(),
        scopes: vec!["profile".into(), "email".into()],
        algorithms: vec!["RS256".into()],
        clock_skew_secs: 60,
        acr_levels: [
            ("eidas1".to_owned(), Assurance::Low),
            ("eidas2".to_owned(), Assurance::Substantial),
            ("eidas3".to_owned(), Assurance::High),
        ]
        .into_iter()
        .collect(),
        claims: Default::default(),
        userinfo: true,
    }
}

async fn setup(db: Db) -> Option<(TestApp, Shared)> {
    let (issuer, mock) = start_mock().await;
    // Two providers at once: the mock, and a second one (same mock, another id and name).
    let second = ProviderConfig {
        id: "mockvn".into(),
        name: "Mock VNeID".into(),
        ..provider(&issuer)
    };
    let app = spawn_app_with(db, |c| c.oidc_providers = vec![provider(&issuer), second]).await?;
    Some((app, mock))
}

/// Starts a login in `c`; returns the state and records the nonce in the mock.
async fn begin(app: &TestApp, mock: &Shared, c: &reqwest::Client, query: &str) -> String {
    let r = c
        .get(app.url(&format!("/auth/oidc/mockfc{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let url = reqwest::Url::parse(&location).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(
        location.starts_with(&mock.lock().unwrap().issuer),
        "{location}"
    );
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["code_challenge"].len() >= 43);
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    mock.lock().unwrap().nonce = Some(q["nonce"].clone());
    q["state"].clone()
}

async fn callback(app: &TestApp, c: &reqwest::Client, query: &str) -> (u16, String) {
    let r = c
        .get(app.url(&format!("/auth/callback{query}")))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The refusal reason shown on the page (`data-reason`).
fn reason(page: &str) -> String {
    let marker = "data-reason=\"";
    let i = page.find(marker).map(|i| i + marker.len()).unwrap_or(0);
    page[i..].split('"').next().unwrap_or("").to_owned()
}

async fn sessions(app: &TestApp) -> i64 {
    let n = app
        .rt
        .store
        .execute_raw("UPDATE sessions SET stage = stage")
        .await
        .unwrap();
    i64::try_from(n).unwrap()
}

async fn last_rejection(app: &TestApp) -> serde_json::Value {
    let entries = app.rt.store.recent_entries(50, 0).await.unwrap();
    let e = entries
        .into_iter()
        .find(|e| e.action == "auth.oidc_rejected")
        .expect("a rejection in the ledger");
    serde_json::from_str(&e.payload).unwrap()
}

async fn logs_in_links_and_prefills(db: Db) {
    let Some((app, mock)) = setup(db).await else {
        return;
    };
    let c = client();
    // The login page offers the provider.
    let page = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/auth/oidc/mockfc"), "{page}");
    assert!(
        page.contains("/auth/oidc/mockvn"),
        "both providers offered: {page}"
    );

    let state = begin(&app, &mock, &c, "?next=/procedures").await;
    let (status, _) = callback(&app, &c, &format!("?code=the-code&state={state}")).await;
    assert_eq!(status, 303);
    let link = app
        .rt
        .identity
        .identity_link("mockfc", "fc-sub-0001")
        .await
        .unwrap()
        .expect("linked");
    assert_eq!(link.attributes["family_name"], "Martin");
    assert_eq!(link.attributes["birthdate"], "1985-07-14");
    assert_eq!(link.attributes["email"], "camille.martin@example.fr");
    assert!(
        link.attributes.get("siret").is_none(),
        "a SIRET with a wrong key is not vouched for"
    );
    let user = app.rt.identity.user(link.user_id).await.unwrap().unwrap();
    assert_eq!(user.display_name, "Camille Martin");
    let actions = app.recent_actions(6).await;
    assert!(
        actions.contains(&"identity.linked".to_owned()),
        "{actions:?}"
    );
    assert!(actions.contains(&"auth.login".to_owned()), "{actions:?}");

    // The account page shows what was vouched for, locked.
    let account = c
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        account.contains("Martin") && account.contains("1985-07-14"),
        "{account}"
    );

    // Filing: the verified fields are filled in, shown as verified, and cannot be changed.
    let csrf = csrf_of(&account);
    let r = c
        .post(app.url("/procedures/FR-PREF-33/CERFA-13750/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let edit = r.headers()["location"].to_str().unwrap().to_owned();
    let form = c
        .get(app.url(&edit))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("Mock FranceConnect"),
        "provenance shown: {form}"
    );
    assert!(
        form.contains("name=\"last_name\" value=\"Martin\""),
        "{form}"
    );
    assert!(
        !form.contains("id=\"f-last_name\" name=\"last_name\" type=\"text\""),
        "not editable"
    );
    let rev = form
        .split("name=\"rev\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = c
        .post(app.url(&edit))
        .form(&[
            ("csrf", csrf.as_str()),
            ("rev", rev.as_str()),
            ("last_name", "Forged"),
            ("first_names", "Someone"),
            ("go", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    let id: guichet_core::DossierId = edit
        .trim_start_matches("/dossiers/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    let d = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.answers["last_name"], "Martin", "the verified value stays");
    assert_eq!(d.answers["first_names"], "Camille");

    // A second login with the same identity finds the same account.
    let c2 = client();
    let state = begin(&app, &mock, &c2, "").await;
    let (status, _) = callback(&app, &c2, &format!("?code=again&state={state}")).await;
    assert_eq!(status, 303);
    assert_eq!(
        app.rt
            .identity
            .identity_links_of(user.id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Userinfo answered as a signed JWT (FranceConnect v2): verified and read the same way.
    mock.lock().unwrap().userinfo_jwt = true;
    mock.lock().unwrap().subject = "fc-sub-jwt".into();
    let cj = client();
    let state = begin(&app, &mock, &cj, "").await;
    let (status, page) = callback(&app, &cj, &format!("?code=jwt&state={state}")).await;
    assert_eq!(status, 303, "{page}");
    let jwt_link = app
        .rt
        .identity
        .identity_link("mockfc", "fc-sub-jwt")
        .await
        .unwrap()
        .expect("linked from a JWT userinfo");
    assert_eq!(jwt_link.attributes["family_name"], "Martin");
    assert_eq!(jwt_link.attributes["birthdate"], "1985-07-14");
    // A userinfo JWT with a forged signature: refused, no session.
    mock.lock().unwrap().userinfo_forged = true;
    mock.lock().unwrap().subject = "fc-sub-forged".into();
    let cf = client();
    let state = begin(&app, &mock, &cf, "").await;
    let (status, page) = callback(&app, &cf, &format!("?code=forged&state={state}")).await;
    assert_eq!(
        (status, reason(&page).as_str()),
        (502, "oidc-userinfo"),
        "{page}"
    );
    assert!(
        app.rt
            .identity
            .identity_link("mockfc", "fc-sub-forged")
            .await
            .unwrap()
            .is_none()
    );
    mock.lock().unwrap().userinfo_forged = false;
    mock.lock().unwrap().userinfo_jwt = false;
    mock.lock().unwrap().subject = "fc-sub-0001".into();

    // Key rotation: a token signed with a key published after the metadata was cached.
    mock.lock().unwrap().rotated = true;
    mock.lock().unwrap().case = Some(Case::Rotated);
    let c3 = client();
    let state = begin(&app, &mock, &c3, "").await;
    let (status, page) = callback(&app, &c3, &format!("?code=rotated&state={state}")).await;
    assert_eq!(status, 303, "{page}");
}

/// Each bad answer is refused with its reason, ledgered, and opens no session.
async fn bad_tokens_fail_closed(db: Db) {
    let Some((app, mock)) = setup(db).await else {
        return;
    };
    for (case, why) in [
        (Case::ForgedSignature, "oidc-bad-signature"),
        (Case::Tampered, "oidc-bad-signature"),
        (Case::WrongNonce, "oidc-wrong-nonce"),
        (Case::Expired, "oidc-expired"),
        (Case::FromTheFuture, "oidc-clock-skew"),
        (Case::WrongIssuer, "oidc-wrong-issuer"),
        (Case::WrongAudience, "oidc-wrong-audience"),
        (Case::Unsigned, "oidc-bad-algorithm"),
        (Case::Garbage, "oidc-invalid-token"),
        (Case::Rotated, "oidc-bad-signature"),
    ] {
        mock.lock().unwrap().case = Some(case);
        let before = sessions(&app).await;
        let c = client();
        let state = begin(&app, &mock, &c, "").await;
        let (status, page) = callback(&app, &c, &format!("?code=c&state={state}")).await;
        assert_eq!(status, 403, "{case:?}: {page}");
        assert_eq!(reason(&page), why, "{case:?}");
        assert!(page.contains("role=\"alert\""), "a clear message: {page}");
        let entry = last_rejection(&app).await;
        assert_eq!(entry["reason"], why, "{case:?}: {entry}");
        assert_eq!(sessions(&app).await, before, "{case:?} opened a session");
        let home = c.get(app.url("/account")).send().await.unwrap();
        assert_ne!(home.status(), 200, "{case:?}: not logged in");
    }
    assert!(
        app.rt
            .identity
            .identity_link("mockfc", "fc-sub-0001")
            .await
            .unwrap()
            .is_none()
    );
}

async fn bad_requests_fail_closed(db: Db) {
    let Some((app, mock)) = setup(db).await else {
        return;
    };
    let before = sessions(&app).await;

    // Unknown provider.
    let c = client();
    let r = c.get(app.url("/auth/oidc/nosuch")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(reason(&r.text().await.unwrap()), "oidc-unknown-provider");
    assert_eq!(
        last_rejection(&app).await["reason"],
        "oidc-unknown-provider"
    );

    // Missing state; missing code.
    let (status, page) = callback(&app, &c, "?code=abc").await;
    assert_eq!(
        (status, reason(&page).as_str()),
        (400, "oidc-missing-state")
    );
    let state = begin(&app, &mock, &c, "").await;
    let (status, page) = callback(&app, &c, &format!("?state={state}")).await;
    assert_eq!((status, reason(&page).as_str()), (400, "oidc-missing-code"));
    // That state is spent now: replaying it (even with a code) is refused.
    let (status, page) = callback(&app, &c, &format!("?code=late&state={state}")).await;
    assert_eq!(
        reason(&page),
        "oidc-state-mismatch",
        "the cookie was cleared: {status}"
    );

    // A good login, then the same answer replayed from the same browser.
    let c = client();
    let state = begin(&app, &mock, &c, "").await;
    let (status, _) = callback(&app, &c, &format!("?code=one&state={state}")).await;
    assert_eq!(status, 303);
    let after_good = sessions(&app).await;
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = replay
        .get(app.url(&format!("/auth/callback?code=one&state={state}")))
        .header("cookie", format!("guichet_oidc_state={state}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(reason(&r.text().await.unwrap()), "oidc-replayed-state");
    assert_eq!(last_rejection(&app).await["reason"], "oidc-replayed-state");
    assert_eq!(sessions(&app).await, after_good);

    // A state started in another browser (login CSRF): refused.
    let victim = client();
    let attacker = client();
    let state = begin(&app, &mock, &attacker, "").await;
    let (status, page) = callback(&app, &victim, &format!("?code=x&state={state}")).await;
    assert_eq!(
        (status, reason(&page).as_str()),
        (403, "oidc-state-mismatch")
    );

    // The provider said no.
    let c = client();
    let state = begin(&app, &mock, &c, "").await;
    let (status, page) = callback(&app, &c, &format!("?error=access_denied&state={state}")).await;
    assert_eq!(
        (status, reason(&page).as_str()),
        (403, "oidc-provider-error")
    );
    assert_eq!(
        sessions(&app).await,
        before + 1,
        "only the good login opened a session"
    );
}

/// A procedure asking for a substantial level: a password login is sent to the provider,
/// which is asked for eidas2 or eidas3; a login vouched for at eidas1 is refused.
async fn assurance_per_procedure(db: Db) {
    let Some((app, mock)) = setup(db).await else {
        return;
    };
    // The office administrator makes the vehicle registration ask for `substantial`.
    let office = app
        .rt
        .identity
        .office_by_code("FR-PREF-33")
        .await
        .unwrap()
        .unwrap();
    let p = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .procedure_by_code(office.id, "CERFA-13750")
        .await
        .unwrap()
        .unwrap();
    let v = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .procedure_version(p.id, p.published_version)
        .await
        .unwrap()
        .unwrap();
    let mut body = guichet_one_stop::procedure::body_of(&v).unwrap();
    body.identification = Some(Assurance::Substantial);
    let services = guichet_one_stop::procedure::Services {
        store: guichet_one_stop::one_stop_store(&*app.rt.store).unwrap(),
        clock: &*app.rt.clock,
        entropy: &*app.rt.entropy,
    };
    services
        .save_draft("test", &office, &p, body)
        .await
        .unwrap();
    let p = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .procedure(p.id)
        .await
        .unwrap()
        .unwrap();
    services.publish("test", &office, &p).await.unwrap();

    // A password login is not enough.
    let marie = app.client_as("marie.dupont").await;
    let home = marie
        .get(app.url("/procedures/FR-PREF-33/CERFA-13750"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&home);
    let r = marie
        .post(app.url("/procedures/FR-PREF-33/CERFA-13750/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("data-level=\"substantial\""), "{page}");
    assert!(
        page.contains("/auth/oidc/mockfc?assurance=substantial"),
        "{page}"
    );

    // The provider is asked for the substantial level or higher.
    let c = client();
    let r = c
        .get(app.url("/auth/oidc/mockfc?assurance=substantial"))
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let url = reqwest::Url::parse(&location).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["acr_values"], "eidas2 eidas3");
    let state = q["state"].clone();
    mock.lock().unwrap().nonce = Some(q["nonce"].clone());
    // It vouches only for eidas1: refused.
    mock.lock().unwrap().acr = Some("eidas1".into());
    let (status, page) = callback(&app, &c, &format!("?code=c&state={state}")).await;
    assert_eq!(
        (status, reason(&page).as_str()),
        (403, "oidc-insufficient-assurance")
    );

    // At eidas2 the login opens a session whose level lets the citizen file.
    mock.lock().unwrap().acr = Some("eidas2".into());
    let state = begin(&app, &mock, &c, "?assurance=substantial").await;
    let (status, _) = callback(&app, &c, &format!("?code=c&state={state}")).await;
    assert_eq!(status, 303);
    let page = c
        .get(app.url("/procedures/FR-PREF-33/CERFA-13750"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let r = c
        .post(app.url("/procedures/FR-PREF-33/CERFA-13750/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

/// A logged-in citizen links a provider identity to her own account (with the form token);
/// the same identity cannot then be linked to anyone else.
async fn links_an_identity_to_an_existing_account(db: Db) {
    let Some((app, mock)) = setup(db).await else {
        return;
    };
    mock.lock().unwrap().subject = "vn-sub-thu".into();
    let thu = app.client_as("thu.pham").await;
    let account = thu
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&account);
    // Without the form token: refused (a cross-site link cannot start a link).
    let r = thu
        .get(app.url("/auth/oidc/mockfc?link=1&csrf=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let state = begin(&app, &mock, &thu, &format!("?link=1&csrf={csrf}")).await;
    let (status, _) = callback(&app, &thu, &format!("?code=c&state={state}")).await;
    assert_eq!(status, 303);
    let thu_id = app
        .rt
        .identity
        .user_by_username("thu.pham")
        .await
        .unwrap()
        .unwrap()
        .id;
    let link = app
        .rt
        .identity
        .identity_link("mockfc", "vn-sub-thu")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.user_id, thu_id, "linked to her account, no new one");
    let account = thu
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        account.contains("Mock FranceConnect") && account.contains("1985-07-14"),
        "{account}"
    );
    // Linked providers are no longer offered for linking; the others still are.
    assert!(!account.contains("/auth/oidc/mockfc?link=1"), "{account}");
    assert!(account.contains("/auth/oidc/mockvn?link=1"), "{account}");
    // Marie tries to link the same identity: refused, ledgered.
    let marie = app.client_as("marie.dupont").await;
    let page = marie
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let state = begin(
        &app,
        &mock,
        &marie,
        &format!("?link=1&csrf={}", csrf_of(&page)),
    )
    .await;
    let (status, page) = callback(&app, &marie, &format!("?code=c&state={state}")).await;
    assert_eq!(
        (status, reason(&page).as_str()),
        (403, "oidc-already-linked")
    );
    assert_eq!(last_rejection(&app).await["reason"], "oidc-already-linked");
    // Logging in with it (anonymously) opens Thu's account.
    let c = client();
    let state = begin(&app, &mock, &c, "").await;
    let (status, _) = callback(&app, &c, &format!("?code=c&state={state}")).await;
    assert_eq!(status, 303);
    let home = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Phạm"), "logged in as Thu: {home}");
}

on_both_backends!(
    links_an_identity_to_an_existing_account,
    logs_in_links_and_prefills,
    bad_tokens_fail_closed,
    bad_requests_fail_closed,
    assurance_per_procedure,
);

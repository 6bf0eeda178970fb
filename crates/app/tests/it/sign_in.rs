//! Sign-in for agents over HTTP: TOTP enrolment (a first good code, ten recovery codes),
//! login with the second step (a code is good once, a recovery code is good once, wrong codes
//! are ledgered), an office policy that forces enrolment, the session list and revoking,
//! and the password policy (breached list, username, length). The browser side is
//! `tests/browser/oidc.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Db, TestApp, client, csrf_of, spawn_app};
use guichet::demo::DEMO_PASSWORD;
use guichet_identity::second_factor::code_at;

fn secret_of(page: &str) -> String {
    let marker = "id=\"totp-secret\">";
    let i = page.find(marker).expect("the secret is shown") + marker.len();
    page[i..].split('<').next().unwrap().to_owned()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn recovery_codes(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect()
}

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.unwrap()
}

/// Enrols `username` (already logged in as `c`); returns the secret and the recovery codes.
async fn enrol(app: &TestApp, c: &reqwest::Client) -> (String, Vec<String>) {
    let (status, setup) = page(c, app, "/account/second-factor").await;
    assert_eq!(status, 200, "{setup}");
    assert!(setup.contains("<svg"), "a QR code");
    assert!(setup.contains("otpauth://totp/"), "{setup}");
    let secret = secret_of(&setup);
    let csrf = csrf_of(&setup);
    // A wrong code is refused and the set-up stays open.
    let r = post(
        c,
        app,
        "/account/second-factor",
        &[("csrf", &csrf), ("code", "000000")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        secret_of(&r.text().await.unwrap()),
        secret,
        "same secret offered again"
    );
    let code = code_at(&secret, now()).unwrap();
    let r = post(
        c,
        app,
        "/account/second-factor",
        &[("csrf", &csrf), ("code", &code)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let codes = recovery_codes(&r.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn login(app: &TestApp, c: &reqwest::Client, user: &str) -> String {
    let r = app.login_as(c, user, DEMO_PASSWORD).await;
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn totp_enrolment_and_login(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = app.client_as("lan.nguyen").await;
    let (secret, codes) = enrol(&app, &c).await;
    assert!(
        app.recent_actions(5)
            .await
            .contains(&"auth.second_factor_enabled".to_owned())
    );
    let (_, account) = page(&c, &app, "/account").await;
    assert!(account.contains("id=\"second-factor-status\""), "{account}");

    // A new login stops at the second step; the session acts for nobody meanwhile.
    let c2 = client();
    assert_eq!(login(&app, &c2, "lan.nguyen").await, "/login/code");
    let r = c2
        .get(app.url("/offices/HN-HOANKIEM/dossiers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login/code");
    let (status, code_page) = page(&c2, &app, "/login/code").await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&code_page);
    // Wrong code: refused, ledgered.
    let r = post(
        &c2,
        &app,
        "/login/code",
        &[("csrf", &csrf), ("code", "123456")],
    )
    .await;
    assert_eq!(r.status(), 401);
    assert_eq!(app.recent_actions(1).await, ["auth.second_factor_failed"]);
    // The code of the enrolment's time step was used: the next step's code is good once.
    let next = code_at(&secret, now() + 30).unwrap();
    let r = post(
        &c2,
        &app,
        "/login/code",
        &[("csrf", &csrf), ("code", &next)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = c2
        .get(app.url("/offices/HN-HOANKIEM/dossiers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "logged in after the second step");

    // The same code again, in another login: refused (a code is good once).
    let c3 = client();
    assert_eq!(login(&app, &c3, "lan.nguyen").await, "/login/code");
    let (_, p) = page(&c3, &app, "/login/code").await;
    let csrf = csrf_of(&p);
    let r = post(
        &c3,
        &app,
        "/login/code",
        &[("csrf", &csrf), ("code", &next)],
    )
    .await;
    assert_eq!(r.status(), 401, "replayed TOTP code");
    // A recovery code works once.
    let r = post(
        &c3,
        &app,
        "/login/code",
        &[("csrf", &csrf), ("code", &codes[0].to_uppercase())],
    )
    .await;
    assert_eq!(r.status(), 303);
    let c4 = client();
    login(&app, &c4, "lan.nguyen").await;
    let (_, p) = page(&c4, &app, "/login/code").await;
    let r = post(
        &c4,
        &app,
        "/login/code",
        &[("csrf", &csrf_of(&p)), ("code", &codes[0])],
    )
    .await;
    assert_eq!(r.status(), 401, "a used recovery code");
    let (_, account) = page(&c3, &app, "/account").await;
    assert!(
        account.contains(": 9"),
        "nine recovery codes left: {account}"
    );
}

async fn office_policy_forces_enrolment(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    // Minh manages HN-HOANKIEM; Claire (another office) cannot change its policy.
    let claire = app.client_as("claire.martin").await;
    let (_, p) = page(&claire, &app, "/account").await;
    assert!(!p.contains("/account/offices/HN-HOANKIEM/second-factor"));
    let r = post(
        &claire,
        &app,
        "/account/offices/HN-HOANKIEM/second-factor",
        &[("csrf", &csrf_of(&p)), ("required", "1")],
    )
    .await;
    assert_eq!(r.status(), 403);
    let minh = app.client_as("minh.tran").await;
    let (_, p) = page(&minh, &app, "/account").await;
    let r = post(
        &minh,
        &app,
        "/account/offices/HN-HOANKIEM/second-factor",
        &[("csrf", &csrf_of(&p)), ("required", "1")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.recent_actions(1).await, ["office.second_factor_policy"]);

    // Lan (agent of HN-HOANKIEM) must now set up a second factor before anything else.
    let c = client();
    assert_eq!(
        login(&app, &c, "lan.nguyen").await,
        "/account/second-factor"
    );
    let r = c
        .get(app.url("/offices/HN-HOANKIEM/dossiers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/account/second-factor");
    let (_, setup) = page(&c, &app, "/account/second-factor").await;
    let secret = secret_of(&setup);
    let r = post(
        &c,
        &app,
        "/account/second-factor",
        &[
            ("csrf", &csrf_of(&setup)),
            ("code", &code_at(&secret, now()).unwrap()),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = c
        .get(app.url("/offices/HN-HOANKIEM/dossiers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the session is active once enrolled");
    // The policy keeps it on.
    let (_, account) = page(&c, &app, "/account").await;
    let r = post(
        &c,
        &app,
        "/account/second-factor/disable",
        &[("csrf", &csrf_of(&account))],
    )
    .await;
    assert_eq!(r.status(), 409);
    // A citizen is not concerned.
    let c = client();
    assert_eq!(login(&app, &c, "thu.pham").await, "/");
}

async fn sessions_and_passwords(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let a = app.client_as("thu.pham").await;
    let b = app.client_as("thu.pham").await;
    let (_, account) = page(&a, &app, "/account").await;
    let revoke: Vec<&str> = account
        .split("action=\"/account/sessions/")
        .skip(1)
        .map(|s| s.split('/').next().unwrap())
        .collect();
    assert_eq!(
        revoke.len(),
        1,
        "the other session can be ended, not this one"
    );
    // Someone else cannot end it.
    let marie = app.client_as("marie.dupont").await;
    let (_, mp) = page(&marie, &app, "/account").await;
    let r = post(
        &marie,
        &app,
        &format!("/account/sessions/{}/revoke", revoke[0]),
        &[("csrf", &csrf_of(&mp))],
    )
    .await;
    assert_eq!(r.status(), 404);
    assert_eq!(page(&b, &app, "/account").await.0, 200);
    let r = post(
        &a,
        &app,
        &format!("/account/sessions/{}/revoke", revoke[0]),
        &[("csrf", &csrf_of(&account))],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_ne!(page(&b, &app, "/account").await.0, 200, "b is logged out");
    assert_eq!(app.recent_actions(1).await, ["auth.session_revoked"]);

    // Password policy.
    let (_, account) = page(&a, &app, "/account").await;
    let csrf = csrf_of(&account);
    for (new, message) in [
        ("short", "at least 10"),
        ("password1234", "breached"),
        ("thu.pham-is-me-2026", "username"),
    ] {
        let r = post(
            &a,
            &app,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", DEMO_PASSWORD),
                ("new", new),
                ("again", new),
            ],
        )
        .await;
        assert_eq!(r.status(), 422, "{new}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{new}: {body}");
    }
    let r = post(
        &a,
        &app,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current", "wrong-password-x"),
            ("new", "Sông Hồng mùa thu"),
            ("again", "Sông Hồng mùa thu"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let c = app.client_as("thu.pham").await;
    let r = post(
        &a,
        &app,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current", DEMO_PASSWORD),
            ("new", "Sông Hồng mùa thu"),
            ("again", "Sông Hồng mùa thu"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        page(&a, &app, "/account").await.0,
        200,
        "this session stays"
    );
    assert_ne!(page(&c, &app, "/account").await.0, 200, "the others end");
    let fresh = client();
    assert_eq!(
        app.login_as(&fresh, "thu.pham", "Sông Hồng mùa thu")
            .await
            .status(),
        303
    );
    assert_eq!(
        app.login_as(&client(), "thu.pham", DEMO_PASSWORD)
            .await
            .status(),
        401
    );
}

on_both_backends!(
    totp_enrolment_and_login,
    office_policy_forces_enrolment,
    sessions_and_passwords,
);

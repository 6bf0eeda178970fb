//! The web application through the front door: real HTTP against guichet on port 0, with a
//! fresh database and demo data, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Db, client, spawn_app};

on_both_backends!(
    pages_speak_three_languages,
    login_logout_are_ledgered_and_need_csrf,
    failed_logins_are_rate_limited,
    pages_are_authorized_by_role_and_office,
    sysadmin_creates_an_office_through_the_form,
    auditor_verifies_the_ledger_in_the_browser,
    api_answers_problem_json_for_bad_input,
    api_creates_offices_for_sysadmins_only,
    openapi_health_and_keys,
    office_admin_records_calendar_days_with_their_legal_reference,
);

async fn pages_speak_three_languages(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = client();
    for (accept, lang, login_text) in [
        ("vi-VN,vi;q=0.9", "vi", "Đăng nhập"),
        ("fr-FR", "fr", "Se connecter"),
        ("en-GB", "en", "Log in"),
    ] {
        let r = c
            .get(app.url("/"))
            .header("accept-language", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-language"], lang);
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        assert!(html.contains(login_text), "{lang} page shows {login_text}");
        assert!(html.contains("UBND phường Hoàn Kiếm"), "demo office listed");
        assert!(!html.contains("[nav-"), "no missing message keys");
    }
    // The switcher wins over Accept-Language, and works as a plain link.
    let r = c.get(app.url("/lang/vi?next=/login")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    let html = c
        .get(app.url("/login"))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Mật khẩu"), "Vietnamese after switching");
    // Unknown language: a clear 400 page, in the current language; no open redirect.
    let r = c.get(app.url("/lang/de")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Ngôn ngữ này không được hỗ trợ")
    );
    let r = c
        .get(app.url("/lang/fr?next=//evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    // Accessibility basics of the layout.
    assert!(html.contains("class=\"skip-link\" href=\"#main\""));
    assert!(html.contains("<main id=\"main\""));
    assert!(html.contains("<label for=\"username\">"));
    // Unknown page: 404 page in the visitor's language.
    let r = c.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(
        r.text().await.unwrap().contains("Cette page n’existe pas"),
        "French since the last switch"
    );
}

async fn login_logout_are_ledgered_and_need_csrf(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = client();
    // A form post without the CSRF token is refused and logs nobody in.
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", guichet::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let csrf = app.csrf(&c).await;
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf", "0".repeat(64).as_str()),
            ("username", "admin"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "forged token");
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401
    );

    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "lan.nguyen"),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("error-summary") && html.contains("Wrong username or password"));
    assert!(
        html.contains("value=\"lan.nguyen\""),
        "the username is kept"
    );
    assert_eq!(app.recent_actions(1).await, vec!["auth.login_failed"]);

    let r = app
        .login_as(&c, "lan.nguyen", guichet::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    let set_cookie: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("guichet_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert_eq!(app.recent_actions(1).await, vec!["auth.login"]);
    let me: serde_json::Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "lan.nguyen");
    assert_eq!(me["grants"][0]["role"], "agent");
    let home = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Signed in as Nguyễn Thị Lan"));
    assert!(home.contains("Agent (HN-HOANKIEM)"));

    let csrf = crate::support::csrf_of(&home);
    let r = c
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.recent_actions(1).await, vec!["auth.logout"]);
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401,
        "session is gone"
    );
}

async fn failed_logins_are_rate_limited(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = client();
    for _ in 0..5 {
        assert_eq!(
            app.login_as(&c, "claire.martin", "not her password")
                .await
                .status(),
            401
        );
    }
    let r = app
        .login_as(&c, "claire.martin", guichet::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 429, "even the right password waits");
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Too many failed attempts"));
    // Another account is not affected.
    assert_eq!(
        app.login_as(&c, "julien.bernard", guichet::demo::DEMO_PASSWORD)
            .await
            .status(),
        303
    );
}

async fn pages_are_authorized_by_role_and_office(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let anonymous = client();
    assert_eq!(
        anonymous
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        anonymous
            .get(app.url("/ledger"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    for (user, admin, ledger) in [
        ("thu.pham", 403, 403),
        ("lan.nguyen", 403, 403),
        ("kiem.tran", 403, 200),
        ("minh.tran", 200, 403),
        ("admin", 200, 200),
    ] {
        let c = app.client_as(user).await;
        assert_eq!(
            c.get(app.url("/admin")).send().await.unwrap().status(),
            admin,
            "{user} /admin"
        );
        assert_eq!(
            c.get(app.url("/ledger")).send().await.unwrap().status(),
            ledger,
            "{user} /ledger"
        );
    }
    // An office administrator sees only the users of their office.
    let html = app
        .client_as("minh.tran")
        .await
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("lan.nguyen") && html.contains("minh.tran"));
    assert!(
        !html.contains("claire.martin") && !html.contains("hoa.le"),
        "other offices' users are hidden"
    );
    assert!(
        !html.contains("action=\"/admin/offices\""),
        "cannot create offices"
    );
    let html = app
        .client_as("admin")
        .await
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("claire.martin")
            && html.contains("hoa.le")
            && html.contains("action=\"/admin/offices\"")
    );
}

async fn sysadmin_creates_an_office_through_the_form(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = app.client_as("admin").await;
    let csrf = crate::support::csrf_of(
        &c.get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let post = |code: &'static str| {
        c.post(app.url("/admin/offices"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("code", code),
                ("name", "UBND phường Ba Đình"),
                ("country", "vn"),
            ])
            .send()
    };
    let r = post("ba dinh").await.unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("error-summary") && html.contains("capital letters"),
        "explains the code rule"
    );
    assert!(html.contains("value=\"ba dinh\""), "keeps what was typed");
    let r = post("HN-BADINH").await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin?notice=office-created");
    let offices: serde_json::Value = c
        .get(app.url("/api/v1/offices"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        offices
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["code"] == "HN-BADINH" && o["name"] == "UBND phường Ba Đình")
    );
    let entry = &app
        .rt
        .store
        .ledger_entries("HN-BADINH", 0, 10)
        .await
        .unwrap()[0];
    assert_eq!(entry.action, "office.created");
    assert!(entry.actor.starts_with("user:"));
    assert_eq!(
        post("HN-BADINH").await.unwrap().status(),
        409,
        "duplicate code"
    );
    // An agent cannot post the form even with a valid token.
    let agent = app.client_as("lan.nguyen").await;
    let csrf = crate::support::csrf_of(
        &agent
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let r = agent
        .post(app.url("/admin/offices"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "HN-X"),
            ("name", "X"),
            ("country", "vn"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn auditor_verifies_the_ledger_in_the_browser(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = app.client_as("kiem.tran").await;
    let html = c
        .get(app.url("/ledger"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("HN-HOANKIEM") && html.contains("auth.login"));
    assert!(html.contains(&app.rt.key.public_hex()));
    let csrf = crate::support::csrf_of(&html);
    let r = c
        .post(app.url("/ledger/verify"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Verified:") && html.contains("4 signed checkpoints"),
        "{html}"
    );
    assert_eq!(app.recent_actions(1).await, vec!["ledger.verified"]);
    // Tampering shows up on the same page.
    app.rt
        .store
        .execute_raw(
            "UPDATE ledger_entries SET action = 'user.deleted' WHERE stream = 'system' AND seq = 2",
        )
        .await
        .unwrap();
    let html = c
        .post(app.url("/ledger/verify"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Verification FAILED") && html.contains("entry 2"),
        "{html}"
    );
    assert_eq!(
        c.get(app.url("/ledger?page=0"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        c.get(app.url("/ledger?page=abc"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
}

fn assert_problem(r: &reqwest::Response, status: u16) {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

async fn api_answers_problem_json_for_bad_input(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = client();
    let r = c
        .get(app.url("/api/v1/offices/not-a-uuid"))
        .send()
        .await
        .unwrap();
    assert_problem(&r, 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("not a valid identifier")
    );
    assert_problem(
        &c.get(app.url("/api/v1/offices/0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6"))
            .send()
            .await
            .unwrap(),
        404,
    );
    assert_problem(
        &c.get(app.url("/api/v1/no-such-thing"))
            .send()
            .await
            .unwrap(),
        404,
    );
    assert_problem(
        &c.delete(app.url("/api/v1/offices")).send().await.unwrap(),
        405,
    );
    let admin = app.client_as("admin").await;
    let r = admin
        .post(app.url("/api/v1/offices"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(&r, 400);
    let r = admin
        .post(app.url("/api/v1/offices"))
        .header("content-type", "text/plain")
        .body("code=X")
        .send()
        .await
        .unwrap();
    assert_problem(&r, 415);
    let huge = format!(
        "{{\"code\":\"HN-BIG\",\"name\":\"{}\",\"country\":\"vn\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    // The server answers 413 before reading the body and drops the connection: tell the
    // client not to pool it, or the next request may go out on the closed connection.
    let r = admin
        .post(app.url("/api/v1/offices"))
        .header("content-type", "application/json")
        .header("connection", "close")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(&r, 413);
    let r = admin
        .post(app.url("/api/v1/offices"))
        .json(&serde_json::json!({"code": "HN-X", "country": "vn"}))
        .send()
        .await
        .unwrap();
    assert_problem(&r, 422);
    assert!(
        app.rt
            .identity
            .list_offices()
            .await
            .unwrap()
            .iter()
            .all(|o| o.code != "HN-BIG" && o.code != "HN-X"),
        "nothing written"
    );
}

async fn api_creates_offices_for_sysadmins_only(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let body =
        serde_json::json!({"code": "FR-PREF-69", "name": "Préfecture du Rhône", "country": "fr"});
    assert_problem(
        &client()
            .post(app.url("/api/v1/offices"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        401,
    );
    let agent = app.client_as("claire.martin").await;
    assert_problem(
        &agent
            .post(app.url("/api/v1/offices"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
    );
    let admin = app.client_as("admin").await;
    let r = admin
        .post(app.url("/api/v1/offices"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(created["code"], "FR-PREF-69");
    let id = created["id"].as_str().unwrap();
    let fetched: serde_json::Value = client()
        .get(app.url(&format!("/api/v1/offices/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["name"], "Préfecture du Rhône");
    assert_problem(
        &admin
            .post(app.url("/api/v1/offices"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        409,
    );
    let bad = serde_json::json!({"code": "FR 69!", "name": "x", "country": "fr"});
    assert_problem(
        &admin
            .post(app.url("/api/v1/offices"))
            .json(&bad)
            .send()
            .await
            .unwrap(),
        400,
    );
}

async fn openapi_health_and_keys(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = client();
    let doc: serde_json::Value = c
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/offices",
        "/api/v1/offices/{id}",
        "/api/v1/me",
        "/api/v1/ledger/streams",
        "/.well-known/guichet-keys",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI documents {path}");
    }
    assert!(doc["components"]["schemas"].get("Problem").is_some());
    assert_eq!(
        c.get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let ready: serde_json::Value = c
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    let keys: serde_json::Value = c
        .get(app.url("/.well-known/guichet-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"][0]["public_key"], app.rt.key.public_hex());
    assert_eq!(keys["keys"][0]["algorithm"], "Ed25519");
    let r = c.get(app.url("/")).send().await.unwrap();
    for h in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "x-request-id",
    ] {
        assert!(r.headers().contains_key(h), "header {h}");
    }
    let streams = app
        .client_as("kiem.tran")
        .await
        .get(app.url("/api/v1/ledger/streams"))
        .send()
        .await
        .unwrap();
    let streams: serde_json::Value = streams.json().await.unwrap();
    assert_eq!(streams.as_array().unwrap().len(), 4);
}

async fn office_admin_records_calendar_days_with_their_legal_reference(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let url = app.url("/admin/offices/HN-HOANKIEM/calendar");
    assert_eq!(client().get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        app.client_as("lan.nguyen")
            .await
            .get(&url)
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "agent"
    );
    assert_eq!(
        app.client_as("julien.bernard")
            .await
            .get(&url)
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "admin of another office"
    );
    let c = app.client_as("minh.tran").await;
    let admin_page = c
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(admin_page.contains("href=\"/admin/offices/HN-HOANKIEM/calendar\""));
    assert!(!admin_page.contains("href=\"/admin/offices/FR-PREF-33/calendar\""));
    let html = c
        .get(format!("{url}?year=2025"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("2025-01-29") && html.contains("Tết Nguyên Đán"),
        "Tết 2025 from the law"
    );
    let csrf = crate::support::csrf_of(&html);
    let post = |day: &'static str, reference: &'static str| {
        c.post(&url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("day", day),
                ("kind", "day_off"),
                ("name", "Nghỉ hoán đổi"),
                ("legal_reference", reference),
            ])
            .send()
    };
    let r = post("2025-05-02", "").await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Enter the legal reference"),
        "explains what is missing"
    );
    assert_eq!(
        post("2025-13-40", "TB 1").await.unwrap().status(),
        400,
        "not a date"
    );
    assert_eq!(
        post("1850-05-02", "TB 1").await.unwrap().status(),
        400,
        "before the rules"
    );
    let r = post("2025-05-02", "Thông báo 6150/TB-BLĐTBXH")
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = c
        .get(format!("{url}?year=2025"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Thông báo 6150/TB-BLĐTBXH"),
        "the recorded day shows its legal reference"
    );
    let entry = app
        .rt
        .store
        .ledger_entries("HN-HOANKIEM", 0, 10_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (entry.action.as_str(), entry.object_id.as_str()),
        ("calendar.override_set", "2025-05-02")
    );
    let office = app
        .rt
        .identity
        .list_offices()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.code == "HN-HOANKIEM")
        .unwrap();
    let calendar = guichet_identity::calendar::office_calendar(&*app.rt.identity, &office)
        .await
        .unwrap();
    assert_eq!(
        calendar.is_working_day(time::macros::date!(2025 - 05 - 02)),
        Ok(false),
        "deadlines see the day off"
    );
    let r = c
        .post(format!("{url}/remove"))
        .form(&[("csrf", csrf.as_str()), ("day", "2025-05-02")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = c
        .post(format!("{url}/remove"))
        .form(&[("csrf", csrf.as_str()), ("day", "2025-05-02")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "nothing left to remove");
    assert_eq!(
        c.get(format!("{url}?year=abc"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        c.get(app.url("/admin/offices/NOPE/calendar"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

//! Accounts administration over HTTP, on SQLite and PostgreSQL: the head of UBND phường Hoàn
//! Kiếm creates an agent, who sets a password through the one-time link and logs in; roles
//! are granted and withdrawn; a deactivated account is shut out at once. A citizen signs up and
//! verifies the address; someone who forgot their password sets a new one by e-mail. Links work
//! once; every refusal changes nothing; every change is in the ledger, which verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use crate::support::{Db, TestApp, client, csrf_of};

on_both_backends!(
    an_office_admin_creates_an_agent_who_logs_in,
    citizens_sign_up_and_reset_a_forgotten_password_by_e_mail,
);

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The newest e-mail in the outbox to `to`: its body.
async fn mail_to(app: &TestApp, to: &str) -> Option<String> {
    guichet_store_sql::outbox_store(&*app.rt.store)
        .unwrap()
        .pending_outbox(10_000)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|m| m.topic == "email" && m.payload["to"] == to)
        .map(|m| m.payload["body"].as_str().unwrap().to_owned())
}

/// The path of the link in a text (the configured public address is dropped).
fn link_path(text: &str, path: &str) -> String {
    let start = text
        .find(path)
        .unwrap_or_else(|| panic!("no {path} in {text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

async fn users(app: &TestApp) -> usize {
    guichet_identity::identity_store(&*app.rt.store)
        .unwrap()
        .list_users(None)
        .await
        .unwrap()
        .len()
}

async fn logs_in(app: &TestApp, username: &str, password: &str) -> Option<reqwest::Client> {
    let c = client();
    let r = app.login_as(&c, username, password).await;
    (r.status() == 303).then_some(c)
}

async fn an_office_admin_creates_an_agent_who_logs_in(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let admin = app.client_as("minh.tran").await;
    let (status, html) = page(&admin, &app, "/offices/HN-HOANKIEM/accounts").await;
    assert_eq!(status, 200);
    assert!(html.contains("lan.nguyen"), "{html}");
    let csrf = csrf_of(&html);
    // Another office's agent and a citizen have no say here.
    for who in ["claire.martin", "thu.pham", "lan.nguyen"] {
        let c = app.client_as(who).await;
        assert_eq!(
            page(&c, &app, "/offices/HN-HOANKIEM/accounts").await.0,
            403,
            "{who}"
        );
    }

    // Refusals change nothing: a role the office cannot give, a username taken.
    let before = users(&app).await;
    let new = |username: &'static str, role: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("username", username.to_owned()),
            ("display_name", "Trần Thị Bình".to_owned()),
            ("email", "binh.tran@example.vn".to_owned()),
            ("role", role.to_owned()),
        ]
    };
    let r = admin
        .post(app.url("/offices/HN-HOANKIEM/accounts"))
        .form(&new("binh.tran", "sysadmin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = admin
        .post(app.url("/offices/HN-HOANKIEM/accounts"))
        .form(&new("lan.nguyen", "agent"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("This username is taken"));
    assert_eq!(users(&app).await, before);

    // Created: the one-time link is shown once and mailed.
    let r = admin
        .post(app.url("/offices/HN-HOANKIEM/accounts"))
        .form(&new("binh.tran", "agent"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let shown = link_path(&html, "/account/link?token=");
    let mailed = mail_to(&app, "binh.tran@example.vn").await.expect("mailed");
    assert_eq!(link_path(&mailed, "/account/link?token="), shown);
    assert!(
        logs_in(&app, "binh.tran", "").await.is_none(),
        "no password yet"
    );

    // The agent sets a password through the link, then logs in and works the queue.
    let binh = client();
    let (status, html) = page(&binh, &app, &shown).await;
    assert_eq!(status, 200);
    assert!(html.contains("binh.tran"));
    let token = shown.split("token=").nth(1).unwrap().to_owned();
    let link_csrf = csrf_of(&html);
    let (status, _) = post(
        &binh,
        &app,
        "/account/link",
        &[
            ("csrf", &link_csrf),
            ("token", &token),
            ("password", "lotus-pond-2026"),
            ("again", "lotus-pond-2027"),
        ],
    )
    .await;
    assert_eq!(status, 422, "the two passwords differ");
    let (status, _) = post(
        &binh,
        &app,
        "/account/link",
        &[
            ("csrf", &link_csrf),
            ("token", &token),
            ("password", "lotus-pond-2026"),
            ("again", "lotus-pond-2026"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &binh,
        &app,
        "/account/link",
        &[
            ("csrf", &link_csrf),
            ("token", &token),
            ("password", "another-pond-2026"),
            ("again", "another-pond-2026"),
        ],
    )
    .await;
    assert_eq!(status, 422, "a link works once");
    let binh = logs_in(&app, "binh.tran", "lotus-pond-2026")
        .await
        .expect("the agent logs in");
    assert_eq!(
        page(&binh, &app, "/offices/HN-HOANKIEM/dossiers").await.0,
        200
    );

    // Roles: granted, withdrawn, and a withdrawal of what is not held refused.
    let role = |r: &'static str, what: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("role", r.to_owned()),
            ("do", what.to_owned()),
        ]
    };
    let path = "/offices/HN-HOANKIEM/accounts/binh.tran/roles";
    let r = admin
        .post(app.url(path))
        .form(&role("office_admin", "grant"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        page(&binh, &app, "/offices/HN-HOANKIEM/accounts").await.0,
        200,
        "now an administrator"
    );
    let r = admin
        .post(app.url(path))
        .form(&role("office_admin", "withdraw"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        page(&binh, &app, "/offices/HN-HOANKIEM/accounts").await.0,
        403
    );
    let r = admin
        .post(app.url(path))
        .form(&role("office_admin", "withdraw"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // Nobody manages their own account here, nor the instance's administrator.
    let (status, html) = post(
        &admin,
        &app,
        "/offices/HN-HOANKIEM/accounts/minh.tran/status",
        &[("csrf", &csrf), ("disabled", "1")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Ask another administrator"), "{html}");
    let (status, _) = post(
        &admin,
        &app,
        "/offices/HN-HOANKIEM/accounts/admin/link",
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 422);

    // Deactivated: the open session stops working at once and logging in fails; reactivated.
    let (status, _) = post(
        &admin,
        &app,
        "/offices/HN-HOANKIEM/accounts/binh.tran/status",
        &[("csrf", &csrf), ("disabled", "1")],
    )
    .await;
    assert_eq!(status, 303);
    assert_ne!(
        page(&binh, &app, "/offices/HN-HOANKIEM/dossiers").await.0,
        200
    );
    assert!(
        logs_in(&app, "binh.tran", "lotus-pond-2026")
            .await
            .is_none()
    );
    let (status, _) = post(
        &admin,
        &app,
        "/offices/HN-HOANKIEM/accounts/binh.tran/status",
        &[("csrf", &csrf), ("disabled", "0")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        logs_in(&app, "binh.tran", "lotus-pond-2026")
            .await
            .is_some()
    );

    let actions = app.recent_actions(40).await;
    for a in [
        "user.created",
        "auth.password_set_by_link",
        "user.granted",
        "user.grant_withdrawn",
        "user.disabled",
        "user.enabled",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let report =
        guichet_store::verify::verify_store(&app.rt.store, &app.rt.trusted, Arc::new(|_, _| {}))
            .await
            .unwrap();
    assert!(report.is_ok(), "ledger verifies: {report:?}");
}

async fn citizens_sign_up_and_reset_a_forgotten_password_by_e_mail(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let visitor = client();
    let (status, html) = page(&visitor, &app, "/signup").await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    let before = users(&app).await;
    // An address already taken, a weak password: refused, nothing written.
    let (status, html) = post(
        &visitor,
        &app,
        "/signup",
        &[
            ("csrf", &csrf),
            ("display_name", "Phạm Minh Thu"),
            ("email", "thu.pham@demo.guichet.invalid"),
            ("password", "a-long-enough-one"),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("already uses this address"), "{html}");
    let (status, _) = post(
        &visitor,
        &app,
        "/signup",
        &[
            ("csrf", &csrf),
            ("display_name", "Lê Văn Cường"),
            ("email", "cuong.le@example.vn"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(users(&app).await, before);

    let (status, html) = post(
        &visitor,
        &app,
        "/signup",
        &[
            ("csrf", &csrf),
            ("display_name", "Lê Văn Cường"),
            ("email", "Cuong.Le@example.vn"),
            ("password", "rice-field-2026"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        logs_in(&app, "cuong.le@example.vn", "rice-field-2026")
            .await
            .is_none(),
        "not before the address is verified"
    );
    let mail = mail_to(&app, "cuong.le@example.vn")
        .await
        .expect("verification mailed");
    let verify = link_path(&mail, "/signup/verify?token=");
    assert_eq!(page(&visitor, &app, &verify).await.0, 200);
    assert_eq!(
        page(&visitor, &app, &verify).await.0,
        410,
        "a link works once"
    );
    let cuong = logs_in(&app, "cuong.le@example.vn", "rice-field-2026")
        .await
        .expect("active");
    assert_eq!(page(&cuong, &app, "/my/dossiers").await.0, 200, "a citizen");

    // Forgot password: the same answer for an unknown address, and no mail.
    let (status, _) = post(
        &visitor,
        &app,
        "/password/forgot",
        &[("csrf", &csrf), ("email", "nobody@example.vn")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(mail_to(&app, "nobody@example.vn").await.is_none());
    let (status, _) = post(
        &visitor,
        &app,
        "/password/forgot",
        &[("csrf", &csrf), ("email", "thu.pham@demo.guichet.invalid")],
    )
    .await;
    assert_eq!(status, 200);
    let mail = mail_to(&app, "thu.pham@demo.guichet.invalid")
        .await
        .expect("reset mailed");
    let reset = link_path(&mail, "/account/link?token=");
    let token = reset.split("token=").nth(1).unwrap().to_owned();
    let thu = app.client_as("thu.pham").await;
    let (status, _) = post(
        &visitor,
        &app,
        "/account/link",
        &[
            ("csrf", &csrf),
            ("token", &token),
            ("password", "new-lotus-2026"),
            ("again", "new-lotus-2026"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(
        page(&thu, &app, "/my/dossiers").await.0,
        200,
        "her open sessions ended"
    );
    assert!(
        logs_in(&app, "thu.pham", guichet::demo::DEMO_PASSWORD)
            .await
            .is_none()
    );
    assert!(logs_in(&app, "thu.pham", "new-lotus-2026").await.is_some());
    let actions = app.recent_actions(30).await;
    for a in [
        "user.signed_up",
        "user.email_verified",
        "user.link_issued",
        "auth.password_set_by_link",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

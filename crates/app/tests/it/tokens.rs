//! The JSON API without a browser, on SQLite and PostgreSQL: a personal access token and an
//! OAuth client (client credentials) each file a dossier; a token beyond its scopes, a revoked
//! one, an unknown one, a wrong client secret and a scope the client was not given are
//! refused with a clear status and nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Db, TestApp, csrf_of};
use serde_json::{Value, json};

on_both_backends!(machine_clients_file_dossiers_with_tokens);

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    html.split(start)
        .nth(1)
        .unwrap_or_else(|| panic!("no {start} in {html}"))
        .split(end)
        .next()
        .unwrap()
}

/// A client with no cookies at all: only the token speaks for it.
fn machine() -> reqwest::Client {
    guichet_identity::oidc::install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn household(n: u32) -> Value {
    json!({
        "office": "HN-HOANKIEM", "procedure": "HKD-DANGKY",
        "answers": {
            "business_name": format!("Hộ kinh doanh Cà phê số {n}"),
            "activities": "Dịch vụ ăn uống (cà phê).",
            "capital": "80.000.000",
            "address": {"unit": "VN-C-00004", "street": format!("{n} Hàng Bạc")},
            "owner_name": "Phạm Minh Thu",
            "owner_cccd": "001190012345",
            "household": "no",
            "employees": "1",
            "phone": "0912 345 678",
        },
    })
}

async fn dossiers(app: &TestApp) -> i64 {
    guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .count_dossiers(&Default::default(), 10_000)
        .await
        .unwrap()
}

async fn file(app: &TestApp, token: &str, n: u32) -> reqwest::Response {
    machine()
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(token)
        .json(&household(n))
        .send()
        .await
        .unwrap()
}

async fn problem(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (status, body["type"].as_str().unwrap_or_default().to_owned())
}

async fn machine_clients_file_dossiers_with_tokens(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let thu = app.client_as("thu.pham").await;
    let html = thu
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    // A token needs scopes and a lifetime within a year.
    let r = thu
        .post(app.url("/account/tokens"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "x"),
            ("scopes", "everything"),
            ("days", "30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let make = |name: &'static str, scopes: &'static str| {
        let (thu, app, csrf) = (thu.clone(), &app, csrf.clone());
        async move {
            let r = thu
                .post(app.url("/account/tokens"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("name", name),
                    ("scopes", scopes),
                    ("days", "30"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            between(&r.text().await.unwrap(), "<code id=\"new-token\">", "<").to_owned()
        }
    };
    let filing = make(
        "cash register",
        "one_stop.file_dossier one_stop.view_dossier",
    )
    .await;
    let reading = make("dashboard", "one_stop.view_dossier").await;
    assert!(filing.starts_with("gct_"));

    // The token files a dossier: no cookie, no CSRF token.
    let before = dossiers(&app).await;
    let r = file(&app, &filing, 1).await;
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["state"], "submitted");
    let got = machine()
        .get(app.url(&format!("/api/v1/dossiers/{}", d["id"].as_str().unwrap())))
        .bearer_auth(&reading)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200, "the reading token reads it");
    // Beyond its scopes: refused, nothing written.
    assert_eq!(
        problem(file(&app, &reading, 2).await).await,
        (403, "urn:guichet:problem:insufficient-scope".to_owned())
    );
    assert_eq!(dossiers(&app).await, before + 1);
    // A token is for the API only: pages do not know it.
    let page = machine()
        .get(app.url("/my/dossiers"))
        .bearer_auth(&filing)
        .send()
        .await
        .unwrap();
    assert_ne!(page.status(), 200);

    // Revoked, or never issued: 401.
    let html = thu
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The filing token's row (newest first: it is the second).
    let row = html.split("<td>cash register</td>").nth(1).unwrap();
    let revoke = between(row, "action=\"/account/tokens/", "\"").to_owned();
    let r = thu
        .post(app.url(&format!("/account/tokens/{revoke}")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        problem(file(&app, &filing, 3).await).await,
        (401, "urn:guichet:problem:invalid-token".to_owned())
    );
    // Revoking what is already revoked, or someone else's token: 404.
    let r = thu
        .post(app.url(&format!("/account/tokens/{revoke}")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        problem(file(&app, &format!("gct_{}", "0".repeat(64)), 4).await).await,
        (401, "urn:guichet:problem:invalid-token".to_owned())
    );
    assert_eq!(dossiers(&app).await, before + 1);

    // An OAuth client: one-hour tokens for its id and secret.
    let r = thu
        .post(app.url("/account/clients"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "accounting software"),
            ("scopes", "one_stop.file_dossier"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let id = between(&html, "<code id=\"new-client-id\">", "<").to_owned();
    let secret = between(&html, "<code id=\"new-client-secret\">", "<").to_owned();
    let token_of = |id: String, secret: String, scope: Option<&'static str>| {
        let app = &app;
        async move {
            let mut form = vec![("grant_type", "client_credentials".to_owned())];
            if let Some(s) = scope {
                form.push(("scope", s.to_owned()));
            }
            let r = machine()
                .post(app.url("/oauth/token"))
                .basic_auth(id, Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = token_of(id.clone(), "wrong".into(), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) =
        token_of(id.clone(), secret.clone(), Some("one_stop.work_in_office")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = token_of(id.clone(), secret.clone(), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_i64()),
        (Some("Bearer"), Some(3600))
    );
    let access = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(file(&app, &access, 5).await.status(), 201);
    assert_eq!(dossiers(&app).await, before + 2);

    // A file uploaded through the API (multipart) goes in a file field of the answers.
    let scan = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4 scan".to_vec())
            .file_name("cccd.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let r = machine()
        .post(app.url("/api/v1/files"))
        .bearer_auth(&access)
        .multipart(scan)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let uploaded: Value = r.json().await.unwrap();
    let fake = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ not a pdf".to_vec()).file_name("cccd.pdf"),
    );
    let r = machine()
        .post(app.url("/api/v1/files"))
        .bearer_auth(&access)
        .multipart(fake)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "content must match the name");
    let answers = guichet_one_stop::demo::birth_extract_answers(uploaded);
    let r = machine()
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&access)
        .json(&json!({"office": "HN-HOANKIEM", "procedure": "HT-TRICHLUC-KS", "answers": answers}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // Webhooks are listed and deleted by the office's administrator.
    let admin = app.client_as("minh.tran").await;
    let r = admin
        .post(app.url("/api/v1/offices/HN-HOANKIEM/webhooks"))
        .json(&json!({"url": "https://hooks.example.vn/guichet"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let hook: Value = r.json().await.unwrap();
    let listed: Value = admin
        .get(app.url("/api/v1/offices/HN-HOANKIEM/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == hook["id"] && h.get("secret").is_none())
    );
    let path = format!(
        "/api/v1/offices/HN-HOANKIEM/webhooks/{}",
        hook["id"].as_str().unwrap()
    );
    assert_eq!(
        admin.delete(app.url(&path)).send().await.unwrap().status(),
        204
    );
    assert_eq!(
        admin.delete(app.url(&path)).send().await.unwrap().status(),
        404
    );

    let actions = app.recent_actions(40).await;
    for a in [
        "api.token_created",
        "api.token_revoked",
        "api.client_created",
        "api.client_token_issued",
        "dossier.submitted",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

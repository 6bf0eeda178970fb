//! Counter intake end to end over HTTP, on SQLite and PostgreSQL: an agent of UBND phường Hoàn
//! Kiếm takes a walk-in applicant's dossier (identity document checked at the desk, paper
//! documents scanned), the dossier is numbered and received at once, the receipt is printed,
//! and the applicant follows it online with the code and the secret. The same through the API,
//! and the refusals of the issue: no identity check, a bad CCCD, someone who is no agent there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use crate::support::{Db, TestApp, csrf_of};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

on_both_backends!(
    an_agent_takes_a_walk_in_dossier_at_the_counter,
    the_api_takes_a_dossier_in_at_the_counter_or_refuses_it_whole,
);

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    html.split(start)
        .nth(1)
        .unwrap_or_else(|| panic!("no {start} in {html}"))
        .split(end)
        .next()
        .unwrap()
}

async fn dossier_count(app: &TestApp) -> i64 {
    guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .count_dossiers(&Default::default(), 10_000)
        .await
        .unwrap()
}

fn intake<'a>(csrf: &'a str, checked: bool, cccd: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf", csrf),
        ("procedure", "HT-TRICHLUC-KS"),
        ("channel", "counter"),
        ("applicant_name", "Trần Văn Bình"),
        ("id_kind", "cccd"),
        ("id_number", cccd),
        ("phone", "0987 654 321"),
    ];
    if checked {
        f.push(("identity_checked", "1"));
    }
    f
}

async fn an_agent_takes_a_walk_in_dossier_at_the_counter(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let agent = app.client_as("lan.nguyen").await;
    let (status, html) = page(&agent, &app, "/offices/HN-HOANKIEM/counter").await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"HT-TRICHLUC-KS\""), "{html}");
    let csrf = csrf_of(&html);
    let before = dossier_count(&app).await;

    // No identity check at the desk, then a CCCD whose province code does not exist: each is
    // refused with the field named, what was typed kept, and nothing written.
    let r = agent
        .post(app.url("/offices/HN-HOANKIEM/counter"))
        .form(&intake(&csrf, false, "001205012345"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#identity_checked\""), "{html}");
    assert!(html.contains("value=\"Trần Văn Bình\""));
    let r = agent
        .post(app.url("/offices/HN-HOANKIEM/counter"))
        .form(&intake(&csrf, true, "099185000123"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#id_number\""));
    assert_eq!(dossier_count(&app).await, before, "nothing half-written");

    // A citizen and an agent of another office have no counter here.
    let citizen = app.client_as("thu.pham").await;
    assert_eq!(
        page(&citizen, &app, "/offices/HN-HOANKIEM/counter").await.0,
        403
    );
    let other = app.client_as("claire.martin").await;
    let other_csrf = csrf_of(&page(&other, &app, "/").await.1);
    let r = other
        .post(app.url("/offices/HN-HOANKIEM/counter"))
        .form(&intake(&other_csrf, true, "001205012345"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Checked: the procedure's own form opens for the agent.
    let r = agent
        .post(app.url("/offices/HN-HOANKIEM/counter"))
        .form(&intake(&csrf, true, "001 2 05 012345"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = between(&location, "/dossiers/", "/").to_owned();
    assert!(location.ends_with("/edit"), "{location}");
    // The citizen cannot touch it: it is the desk's until it is sent.
    assert_eq!(
        page(&citizen, &app, &format!("/dossiers/{id}/edit"))
            .await
            .0,
        403
    );
    let (status, html) = page(&agent, &app, &format!("/dossiers/{id}/edit")).await;
    assert_eq!(status, 200);
    let rev = between(&html, "name=\"rev\" value=\"", "\"").to_owned();
    // The paper documents, scanned at the desk, go in the same form fields as online.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("rev", rev)
        .text("go", "review")
        .text("full_name", "Trần Văn Bình")
        .text("cccd", "001205012345")
        .text("phone", "0987 654 321")
        .text("relation", "self")
        .text("person_name", "Trần Văn Bình")
        .text("birth_date", "12/04/2005")
        .text("registered_at.province", "VN-P-01")
        .text("registered_at.commune", "VN-C-00004")
        .text("registered_at.street", "5 Hàng Mành")
        .text("copies", "1")
        .text("delivery", "counter")
        .part(
            "id_scan",
            Part::bytes(b"%PDF-1.4 scanned at the desk".to_vec())
                .file_name("cccd-binh.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = agent
        .post(app.url(&format!("/dossiers/{id}/edit")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (status, html) = page(&agent, &app, &format!("/dossiers/{id}/review")).await;
    assert_eq!(status, 200);
    let rev = between(&html, "name=\"rev\" value=\"", "\"").to_owned();
    let r = agent
        .post(app.url(&format!("/dossiers/{id}/submit")))
        .form(&[("csrf", csrf.as_str()), ("rev", rev.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let code = between(&html, "id=\"dossier-code\">", "<").to_owned();
    let secret = between(&html, "id=\"tracking-secret\">", "<").to_owned();
    assert!(code.starts_with("HN-HOANKIEM-"), "{code}");
    assert_eq!(secret.len(), 12);
    assert!(html.contains("id=\"appointment\""), "the appointment date");
    assert!(!html.contains("role=\"alert\""), "received at once: {html}");
    // The receipt and appointment slip prints as a PDF.
    let file = between(&html, "<a href=\"/files/", "\" id=\"receipt-pdf\"");
    let href = format!("/files/{file}");
    let r = agent.get(app.url(&href)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));

    // Stored as the desk took it: received, no account behind it, the intake recorded.
    let d = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.state, "received");
    assert_eq!(
        (d.applicant_id, d.applicant_name.as_str()),
        (None, "Trần Văn Bình")
    );
    let i = d.intake.clone().unwrap();
    assert_eq!(
        (i.channel.as_str(), i.id_number.as_str(), i.identity_checked),
        ("counter", "001205012345", true)
    );
    assert!(d.due_date.is_some());
    // The ledger says it came through the counter, with the document's digest, never its number.
    let entries = app.rt.store.recent_entries(20, 0).await.unwrap();
    let submitted = entries
        .iter()
        .find(|e| e.action == "dossier.submitted" && e.object_id == id)
        .expect("a submission entry");
    let payload: Value = serde_json::from_str(&submitted.payload).unwrap();
    assert_eq!(payload["channel"], "counter");
    assert_eq!(payload["intake"]["identity_checked"], true);
    assert!(
        !submitted.payload.contains("001205012345"),
        "{}",
        submitted.payload
    );
    assert!(
        entries
            .iter()
            .any(|e| e.action == "dossier.receive" && e.object_id == id)
    );

    // The applicant follows it online, without an account, with the code and the secret.
    let anonymous = crate::support::client();
    let track_csrf = app.csrf(&anonymous).await;
    let r = anonymous
        .post(app.url("/track"))
        .form(&[
            ("csrf", track_csrf.as_str()),
            ("code", code.as_str()),
            ("secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(&code));

    let report =
        guichet_store::verify::verify_store(&app.rt.store, &app.rt.trusted, Arc::new(|_, _| {}))
            .await
            .unwrap();
    assert!(report.is_ok(), "ledger verifies: {report:?}");
}

fn household(checked: bool) -> Value {
    json!({
        "procedure": "HKD-DANGKY",
        "channel": "counter",
        "applicant": {
            "name": "Nguyễn Văn An", "id_kind": "cccd", "id_number": "001190012345",
            "identity_checked": checked, "email": "an.nguyen@example.vn",
        },
        "answers": {
            "business_name": "Hộ kinh doanh Bún chả Hàng Mành",
            "activities": "Dịch vụ ăn uống (bún chả).",
            "capital": "150.000.000",
            "address": {"unit": "VN-C-00004", "street": "5 Hàng Mành"},
            "owner_name": "Nguyễn Văn An",
            "owner_cccd": "001190012345",
            "household": "no",
            "employees": "2",
            "phone": "0912 345 678",
        },
    })
}

async fn the_api_takes_a_dossier_in_at_the_counter_or_refuses_it_whole(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let agent = app.client_as("lan.nguyen").await;
    let before = dossier_count(&app).await;
    let url = app.url("/api/v1/offices/HN-HOANKIEM/counter-dossiers");
    // Without the identity check: 422, and nothing stored.
    let r = agent
        .post(&url)
        .json(&household(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(
        problem["type"],
        "urn:guichet:problem:intake-identity-unchecked"
    );
    // Answers the form refuses: 422 with the field, nothing stored.
    let mut bad = household(true);
    bad["answers"]["owner_cccd"] = json!("00119001234");
    let r = agent.post(&url).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(dossier_count(&app).await, before);
    // A citizen may not take dossiers in.
    let citizen = app.client_as("thu.pham").await;
    let r = citizen
        .post(&url)
        .json(&household(true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(dossier_count(&app).await, before);

    let r = agent
        .post(&url)
        .json(&household(true))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let d: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["state"], "received");
    assert_eq!(d["applicant"], "Nguyễn Văn An");
    assert_eq!(d["secret"].as_str().unwrap().len(), 12);
    assert!(d["deadline"]["due"].is_string());
    assert_eq!(dossier_count(&app).await, before + 1);
    // The receipt was issued, and the applicant's e-mail waits in the outbox with it.
    let id: guichet_core::DossierId = d["id"].as_str().unwrap().parse().unwrap();
    let docs = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier_documents(id)
        .await
        .unwrap();
    assert_eq!(
        docs.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
        ["receipt"]
    );
    // The agents' API view offers the applicant's steps to the desk for this dossier.
    let view: Value = agent
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let steps: Vec<&str> = view["allowed_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(steps.contains(&"withdraw"), "{steps:?}");
}

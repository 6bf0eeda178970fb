//! Official documents, statistics, ratings and exports end to end over HTTP, on SQLite and
//! PostgreSQL: the demo's dossiers carry the document of every transition, each verifies as
//! authentic from its QR link and as a file; forged, altered and revoked ones say so; an
//! apology letter comes with a new date; a rating counts in the statistics; a template with an
//! error is refused with its line; exports run in the background and an empty one is valid.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::{Db, TestApp};
use guichet_one_stop::store::DossierQuery;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

on_both_backends!(
    every_transition_issues_its_document_and_each_verifies,
    forged_altered_and_revoked_documents_say_so,
    apology_rating_statistics_and_templates,
    exports_run_in_the_background_and_empty_ones_are_valid,
);

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

async fn json(c: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    let r = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// Demo dossiers of HN-HOANKIEM by state.
async fn by_state(app: &TestApp) -> BTreeMap<String, Vec<guichet_one_stop::store::DossierRecord>> {
    let office = app
        .rt
        .identity
        .office_by_code("HN-HOANKIEM")
        .await
        .unwrap()
        .unwrap();
    let all = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .list_dossiers(&DossierQuery {
            office: Some(office.id),
            limit: 100,
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    let mut map: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for d in all {
        map.entry(d.state.clone()).or_default().push(d);
    }
    map
}

async fn kinds(c: &reqwest::Client, app: &TestApp, dossier: &str) -> Vec<String> {
    json(c, app, &format!("/api/v1/dossiers/{dossier}/documents"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn every_transition_issues_its_document_and_each_verifies(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let agent = app.client_as("lan.nguyen").await;
    let anon = crate::support::client();
    let states = by_state(&app).await;
    let expected: [(&str, &[&str]); 6] = [
        ("submitted", &[]),
        ("awaiting_applicant", &["receipt", "supplement"]),
        ("approved", &["receipt", "result", "control_sheet"]),
        ("rejected", &["receipt", "refusal", "control_sheet"]),
        (
            "handed_over",
            &["receipt", "result", "control_sheet", "handover"],
        ),
        ("closed", &["receipt", "control_sheet"]),
    ];
    for (state, want) in expected {
        let d = &states[state][0];
        assert_eq!(
            kinds(&agent, &app, &d.id.to_string()).await,
            want,
            "{state}"
        );
    }
    // Three received dossiers: two plain (one taken in at the counter), one given a new date
    // (apology letter).
    let mut received: Vec<Vec<String>> = Vec::new();
    for d in &states["received"] {
        received.push(kinds(&agent, &app, &d.id.to_string()).await);
    }
    received.sort();
    assert_eq!(
        received,
        vec![
            vec!["receipt".to_owned()],
            vec!["receipt".to_owned()],
            vec!["receipt".into(), "apology".into()]
        ]
    );

    // Every document of the handed-over dossier: a PDF with the code and the right title, that
    // verifies from its QR link (public) and as a file.
    let d = &states["handed_over"][0];
    let code = d.code.clone().unwrap();
    let docs = json(
        &agent,
        &app,
        &format!("/api/v1/dossiers/{}/documents", d.id),
    )
    .await;
    let have_pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    assert!(
        have_pdftotext || std::env::var("CI").is_err(),
        "pdftotext missing: run scripts/setup"
    );
    for doc in docs.as_array().unwrap() {
        let pdf = agent
            .get(app.url(doc["file_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200);
        let pdf = pdf.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        if have_pdftotext {
            let text = pdftotext(&pdf).unwrap();
            assert!(text.contains(&code), "{text}");
            assert!(
                text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
                "{text}"
            );
            let kind =
                guichet_documents::DocumentKind::parse(doc["kind"].as_str().unwrap()).unwrap();
            if kind != guichet_documents::DocumentKind::Result {
                assert!(text.contains(&kind.title("vi").to_uppercase()), "{text}");
            } else {
                assert!(text.contains("BẢN SAO TRÍCH LỤC KHAI SINH"), "{text}");
            }
        }
        // The QR link, opened by anyone.
        let link = doc["verify_url"].as_str().unwrap();
        let r = anon.get(app.url(link)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("data-verdict=\"authentic\""), "{html}");
        // The signed statement names whom the document is for and what it certifies.
        assert!(
            html.contains(&format!("<dd>{}</dd>", d.applicant_name)),
            "holder shown: {html}"
        );
        assert!(html.contains("Certifies"), "{html}");
        assert!(html.contains("Cấp bản sao trích lục khai sinh"), "{html}");
        let api = json(
            &anon,
            &app,
            &format!(
                "/api/v1/documents/{}/verification?{}",
                doc["id"].as_str().unwrap(),
                link.split('?').nth(1).unwrap()
            ),
        )
        .await;
        assert_eq!(api["verdict"], "authentic");
        // The file, uploaded to the public verification page.
        let csrf = crate::support::csrf_of(
            &anon
                .get(app.url("/verify"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        let form = Form::new().text("csrf", csrf).part(
            "document",
            Part::bytes(pdf.to_vec())
                .file_name("doc.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
        let html = anon
            .post(app.url("/verify"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("data-verdict=\"authentic\""), "{html}");
    }
    // Issuing is in the ledger with each document's hash.
    let entries = app.rt.store.recent_entries(200, 0).await.unwrap();
    let approve = entries
        .iter()
        .find(|e| e.action == "dossier.approve")
        .unwrap();
    let payload: Value = serde_json::from_str(&approve.payload).unwrap();
    assert_eq!(payload["documents"].as_array().unwrap().len(), 2);
    // The office document keys are published.
    let keys = json(&anon, &app, "/.well-known/guichet-keys").await;
    assert!(
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["status"] == "documents" && k["office"] == "HN-HOANKIEM")
    );
}

async fn forged_altered_and_revoked_documents_say_so(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let agent = app.client_as("lan.nguyen").await;
    let admin = app.client_as("minh.tran").await;
    let anon = crate::support::client();
    let states = by_state(&app).await;
    let d = &states["approved"][0];
    let docs = json(
        &agent,
        &app,
        &format!("/api/v1/dossiers/{}/documents", d.id),
    )
    .await;
    let result = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "result")
        .unwrap();
    let id = result["id"].as_str().unwrap();
    let link = result["verify_url"].as_str().unwrap().to_owned();

    // A QR signature that is not the office's, one for another document, an unknown id.
    let forged = format!(
        "/verify/{id}?s=AAAA{}",
        &link[link.find("s=").unwrap() + 6..]
    );
    let r = anon.get(app.url(&forged)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("data-verdict=\"forged\""));
    let other = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "receipt")
        .unwrap();
    let s_of_other = other["verify_url"]
        .as_str()
        .unwrap()
        .split("s=")
        .nth(1)
        .unwrap();
    let html = anon
        .get(app.url(&format!("/verify/{id}?s={s_of_other}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-verdict=\"forged\""));
    let html = anon
        .get(app.url(&format!("/verify/{}?s=x", uuid::Uuid::now_v7())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-verdict=\"forged\""));

    // A PDF with one byte changed, and a PDF guichet never sealed.
    let pdf = agent
        .get(app.url(result["file_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let upload = |bytes: Vec<u8>| {
        let (anon, app) = (&anon, &app);
        async move {
            let csrf = crate::support::csrf_of(
                &anon
                    .get(app.url("/verify"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap(),
            );
            let form = Form::new().text("csrf", csrf).part(
                "document",
                Part::bytes(bytes)
                    .file_name("d.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
            anon.post(app.url("/verify"))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let mut altered = pdf.clone();
    altered[pdf.len() / 3] ^= 0x20;
    assert!(upload(altered).await.contains("data-verdict=\"altered\""));
    assert!(
        upload(b"%PDF-1.4 not sealed".to_vec())
            .await
            .contains("data-verdict=\"forged\"")
    );

    // Revocation: only the office's administrator; then it verifies as revoked, and it is in
    // the ledger.
    let html = agent
        .get(app.url(&format!("/dossiers/{}", d.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains(&format!("/documents/{id}/revoke")),
        "agents do not revoke"
    );
    let csrf = crate::support::csrf_of(&html);
    let r = agent
        .post(app.url(&format!("/documents/{id}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = admin
        .get(app.url(&format!("/dossiers/{}", d.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/documents/{id}/revoke")));
    let csrf = crate::support::csrf_of(&html);
    let r = admin
        .post(app.url(&format!("/documents/{id}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a reason is required");
    let r = admin
        .post(app.url(&format!("/documents/{id}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "Cấp nhầm người")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = anon
        .get(app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-verdict=\"revoked\"") && html.contains("Cấp nhầm người"),
        "{html}"
    );
    assert!(upload(pdf).await.contains("data-verdict=\"revoked\""));
    let r = admin
        .post(app.url(&format!("/documents/{id}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "again")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(
        app.recent_actions(5)
            .await
            .contains(&"document.revoked".to_owned())
    );
}

async fn apology_rating_statistics_and_templates(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let agent = app.client_as("lan.nguyen").await;
    let admin = app.client_as("minh.tran").await;
    let citizen = app.client_as("thu.pham").await;
    let states = by_state(&app).await;

    // A new date that is not after the current one is refused; a later one issues the apology.
    let d = states["received"]
        .iter()
        .find(|d| d.due_date.is_some())
        .unwrap();
    let mut plain = None;
    for x in &states["received"] {
        if kinds(&agent, &app, &x.id.to_string()).await == ["receipt"] {
            plain = Some(x.clone());
        }
    }
    let d = plain.unwrap_or_else(|| d.clone());
    let due = d.due_date.unwrap();
    let html = agent
        .get(app.url(&format!("/dossiers/{}", d.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::support::csrf_of(&html);
    let rev = d.rev.to_string();
    let same = guichet_one_stop::form::iso(due);
    let r = agent
        .post(app.url(&format!("/dossiers/{}/postpone", d.id)))
        .form(&[
            ("csrf", csrf.as_str()),
            ("rev", rev.as_str()),
            ("new_due", same.as_str()),
            ("reason", "Chờ xác minh"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let later = guichet_one_stop::form::iso(due.saturating_add(time::Duration::days(10)));
    let r = agent
        .post(app.url(&format!("/dossiers/{}/postpone", d.id)))
        .form(&[
            ("csrf", csrf.as_str()),
            ("rev", rev.as_str()),
            ("new_due", later.as_str()),
            ("reason", "Chờ xác minh"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        kinds(&agent, &app, &d.id.to_string()).await,
        ["receipt", "apology"]
    );
    let now = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier(d.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.due_date.map(guichet_one_stop::form::iso), Some(later));

    // Ratings: only after the handover, once, 1 to 5.
    let handed = &states["handed_over"][0];
    let approved = &states["approved"][0];
    let html = citizen
        .get(app.url(&format!("/dossiers/{}", handed.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/dossiers/{}/rating", handed.id)));
    let csrf = crate::support::csrf_of(&html);
    let rate = |id: String, score: &'static str| {
        let (citizen, app, csrf) = (&citizen, &app, csrf.clone());
        async move {
            citizen
                .post(app.url(&format!("/dossiers/{id}/rating")))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("score", score),
                    ("comment", "Nhanh, chu đáo"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(rate(approved.id.to_string(), "5").await, 422);
    assert_eq!(rate(handed.id.to_string(), "9").await, 422);
    assert_eq!(rate(handed.id.to_string(), "4").await, 303);
    assert_eq!(rate(handed.id.to_string(), "5").await, 422);

    // The statistics of the demo, counted by hand: 8 dossiers filed, 7 received, 4 decided
    // (approved, rejected, approved and handed over, closed), all before their due date; 3
    // pending (received, postponed, awaiting the applicant); one rating of 4.
    let office = app
        .rt
        .identity
        .office_by_code("HN-HOANKIEM")
        .await
        .unwrap()
        .unwrap();
    let today = guichet_one_stop::dossier::local_time(office.country, app.rt.clock.now()).date();
    let month = guichet_one_stop::stats::month_code(guichet_one_stop::stats::month_start(today));
    let stats = json(
        &crate::support::client(),
        &app,
        &format!("/api/v1/offices/HN-HOANKIEM/stats?from={month}&to={month}"),
    )
    .await;
    let t = &stats["total"];
    assert_eq!(
        (
            t["received"].as_u64(),
            t["processed"].as_u64(),
            t["early"].as_u64()
        ),
        // Seven received after online filing, one taken in at the counter.
        (Some(8), Some(4), Some(4))
    );
    assert_eq!(
        (
            t["on_time"].as_u64(),
            t["late"].as_u64(),
            t["pending"].as_u64()
        ),
        // Pending: received, waiting for the applicant, postponed, and the counter walk-in.
        (Some(0), Some(0), Some(4))
    );
    assert_eq!(
        (
            t["ratings"].as_u64(),
            t["satisfaction"].as_f64(),
            t["on_time_rate"].as_f64()
        ),
        (Some(1), Some(4.0), Some(100.0))
    );
    assert_eq!(stats["months"][0]["month"], month.as_str());
    let html = crate::support::client()
        .get(app.url("/transparency/HN-HOANKIEM"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<svg class=\"chart\"") && html.contains("id=\"stats-months\""));
    assert_eq!(
        agent.get(app.url("/stats")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        citizen
            .get(app.url("/stats"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Templates: an error is refused with its line; a valid one is used for the next receipt.
    let path = "/admin/documents/HN-HOANKIEM/receipt";
    let html = admin
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::support::csrf_of(&html);
    let broken = "#import \"/lib.typ\": *\n#show: page-setup\n#data.nothing.here\n";
    let r = admin
        .post(app.url(path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "save"),
            ("source", broken),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("line 3"), "{html}");
    assert_eq!(agent.get(app.url(path)).send().await.unwrap().status(), 403);
    let custom = guichet_documents::DocumentKind::Receipt
        .builtin_template()
        .replace("#t.track", "#t.track\n\nMẫu số 01 — Phường Hoàn Kiếm");
    let r = admin
        .post(app.url(path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "save"),
            ("source", custom.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let submitted = &states["submitted"][0];
    let r = agent
        .post(app.url(&format!("/api/v1/dossiers/{}/actions", submitted.id)))
        .json(&serde_json::json!({"step": "receive", "rev": submitted.rev}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let docs = json(
        &agent,
        &app,
        &format!("/api/v1/dossiers/{}/documents", submitted.id),
    )
    .await;
    let pdf = agent
        .get(app.url(docs[0]["file_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(text) = pdftotext(&pdf) {
        assert!(text.contains("Mẫu số 01 — Phường Hoàn Kiếm"), "{text}");
    }

    // A procedure's own result template wins over the office's.
    let path = "/admin/documents/HN-HOANKIEM/result.HT-TRICHLUC-KS";
    let html = admin
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("page-setup"),
        "starts from the office's result template"
    );
    let custom = guichet_documents::DocumentKind::Result
        .builtin_template()
        .replace(
            "#closing(t.role)",
            "Mẫu riêng của thủ tục trích lục\n#closing(t.role)",
        );
    let r = admin
        .post(app.url(path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "save"),
            ("source", custom.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        admin
            .get(app.url("/admin/documents/HN-HOANKIEM/result.NO-SUCH"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let d = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier(submitted.id)
        .await
        .unwrap()
        .unwrap();
    let r = agent
        .post(app.url(&format!("/api/v1/dossiers/{}/actions", d.id)))
        .json(&serde_json::json!({"step": "approve", "rev": d.rev}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let docs = json(
        &agent,
        &app,
        &format!("/api/v1/dossiers/{}/documents", d.id),
    )
    .await;
    let result = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "result")
        .unwrap();
    let pdf = agent
        .get(app.url(result["file_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(text) = pdftotext(&pdf) {
        assert!(text.contains("Mẫu riêng của thủ tục trích lục"), "{text}");
    }
}

async fn wait_done(c: &reqwest::Client, app: &TestApp, job: &str) -> String {
    for _ in 0..200 {
        let html = c
            .get(app.url(job))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if html.contains("data-state=\"done\"") || html.contains("data-state=\"failed\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("export {job} did not finish");
}

async fn exports_run_in_the_background_and_empty_ones_are_valid(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let agent = app.client_as("lan.nguyen").await;
    let html = agent
        .get(app.url("/exports?procedure=HT-TRICHLUC-KS"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"answers.full_name\""),
        "the column chooser lists the answers"
    );
    let csrf = crate::support::csrf_of(&html);
    let start =
        |format: &'static str, procedure: &'static str, columns: &'static [&'static str]| {
            let (agent, app, csrf) = (&agent, &app, csrf.clone());
            async move {
                let mut form = vec![
                    ("csrf", csrf.clone()),
                    ("office", "HN-HOANKIEM".into()),
                    ("procedure", procedure.into()),
                    ("format", format.into()),
                ];
                for c in columns {
                    form.push(("column", (*c).into()));
                }
                agent
                    .post(app.url("/exports"))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
            }
        };
    let r = start(
        "csv",
        "HT-TRICHLUC-KS",
        &["code", "state", "answers.full_name", "answers.copies"],
    )
    .await;
    assert_eq!(r.status(), 303);
    let job = r.headers()["location"].to_str().unwrap().to_owned();
    let html = wait_done(&agent, &app, &job).await;
    assert!(html.contains("data-state=\"done\""), "{html}");
    assert!(html.contains("<progress"));
    let csv = agent
        .get(app.url(&format!("{job}/download")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "code,state,answers.full_name,answers.copies");
    assert_eq!(lines.len(), 9, "{csv}");
    assert!(lines[1..].iter().all(|l| l.contains("Phạm Minh Thu")));

    // Bad requests: no format, no column, an unknown column.
    assert_eq!(
        start("pdf", "HT-TRICHLUC-KS", &["code"]).await.status(),
        422
    );
    assert_eq!(start("csv", "HT-TRICHLUC-KS", &[]).await.status(), 422);
    assert_eq!(
        start("csv", "HT-TRICHLUC-KS", &["secret_hash"])
            .await
            .status(),
        422
    );

    // A procedure without dossiers: valid empty CSV, XLSX and ODS (header row only).
    let admin = app.client_as("minh.tran").await;
    let mut empty = guichet_one_stop::demo::business_household();
    empty.form = Default::default();
    let r = admin
        .post(app.url("/api/v1/offices/HN-HOANKIEM/procedures"))
        .json(&serde_json::json!({"code": "TEST-EMPTY", "topic": "business", "body": empty}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    for format in ["csv", "xlsx", "ods"] {
        let r = start(format, "TEST-EMPTY", &["code", "state"]).await;
        assert_eq!(r.status(), 303);
        let job = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            wait_done(&agent, &app, &job)
                .await
                .contains("data-state=\"done\"")
        );
        let body = agent
            .get(app.url(&format!("{job}/download")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        match format {
            "csv" => assert_eq!(&body[..], b"code,state\n"),
            _ => assert!(body.starts_with(b"PK"), "{format} is a zip container"),
        }
    }
    // Another office's agent sees neither the job nor its file.
    let other = app.client_as("hoa.le").await;
    assert_eq!(other.get(app.url(&job)).send().await.unwrap().status(), 403);
    assert_eq!(
        other
            .get(app.url(&format!("{job}/download")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

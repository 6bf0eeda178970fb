//! The one-stop service end to end over HTTP, on SQLite and PostgreSQL: a citizen files in the
//! browser's way (forms, no JavaScript), an agent asks for a correction, the citizen answers,
//! the agent approves; the dossier is on time; every step is in the ledger and it verifies.
//! Then the bad input of the issue: missing answers, bad files, illegal steps, stale
//! revisions and form versions, double submissions, another office's dossier.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use crate::support::{Db, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

on_both_backends!(
    citizen_files_without_javascript_agent_corrects_and_approves,
    api_filing_is_validated_idempotent_and_numbered_without_gaps,
    dossiers_are_private_and_steps_follow_the_law,
    published_versions_never_change_and_dossiers_keep_theirs,
    uploads_are_checked_and_outbox_sends_mail_and_signed_webhooks,
    office_admin_builds_and_publishes_a_form_without_javascript,
);

fn id_after(location: &str, prefix: &str) -> String {
    location
        .trim_start_matches(prefix)
        .split(['/', '?'])
        .next()
        .unwrap()
        .to_owned()
}

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn value_of(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The birth-extract form's answers as a browser sends them.
fn birth_form(csrf: &str, rev: &str, go: &str, with_file: bool) -> Form {
    birth_form_with(csrf, rev, go, with_file, "001190012345")
}

fn birth_form_with(csrf: &str, rev: &str, go: &str, with_file: bool, cccd: &str) -> Form {
    let mut f = Form::new()
        .text("csrf", csrf.to_owned())
        .text("rev", rev.to_owned())
        .text("go", go.to_owned())
        .text("full_name", "Phạm Minh Thu")
        .text("cccd", cccd.to_owned())
        .text("phone", "0912 345 678")
        .text("email", "thu@example.vn")
        .text("relation", "self")
        .text("person_name", "Phạm Minh Thu")
        .text("birth_date", "12/04/1990")
        .text("registered_at.province", "VN-P-01")
        .text("registered_at.commune", "VN-C-00004")
        .text("registered_at.street", "12 Hàng Bạc")
        .text("copies", "2")
        .text("delivery", "counter");
    if with_file {
        f = f.part(
            "id_scan",
            Part::bytes(b"%PDF-1.4 scan".to_vec())
                .file_name("cccd.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    }
    f
}

async fn verify_ledger(app: &TestApp) {
    let report =
        guichet_store::verify::verify_store(&app.rt.store, &app.rt.trusted, Arc::new(|_, _| {}))
            .await
            .unwrap();
    assert!(report.is_ok(), "ledger verifies: {report:?}");
}

async fn citizen_files_without_javascript_agent_corrects_and_approves(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let citizen = app.client_as("thu.pham").await;

    // The catalogue finds the procedure without accents.
    let (status, html) = page(&citizen, &app, "/procedures?q=trich+luc+khai+sinh").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS"),
        "{html}"
    );
    let (_, html) = page(&citizen, &app, "/procedures/HN-HOANKIEM/HT-TRICHLUC-KS").await;
    let csrf = crate::support::csrf_of(&html);
    let r = citizen
        .post(app.url("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = id_after(&location, "/dossiers/");

    // An empty submission: every problem listed at the top, linked to its field; nothing lost.
    let (status, html) = page(&citizen, &app, &format!("/dossiers/{id}/edit")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("enctype=\"multipart/form-data\""),
        "the form takes files"
    );
    let rev = value_of(&html, "rev");
    let empty = Form::new()
        .text("csrf", csrf.clone())
        .text("rev", rev)
        .text("go", "review")
        .text("full_name", "Phạm Minh Thu");
    let r = citizen
        .post(app.url(&format!("/dossiers/{id}/edit")))
        .multipart(empty)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\""));
    assert!(
        html.contains("href=\"#f-cccd\""),
        "error links to the field: {}",
        &html[html.find("error-summary").unwrap()..][..1500]
    );
    assert!(
        html.contains("value=\"Phạm Minh Thu\""),
        "what was typed is kept"
    );

    // The draft is saved: coming back shows it.
    let (_, html) = page(&citizen, &app, &format!("/dossiers/{id}/edit")).await;
    assert!(html.contains("value=\"Phạm Minh Thu\""));

    // The address cascade without JavaScript: choosing the province shows its communes.
    let rev = value_of(&html, "rev");
    let cascade = Form::new()
        .text("csrf", csrf.clone())
        .text("rev", rev)
        .text("go", "refresh")
        .text("registered_at.province", "VN-P-01");
    let html = citizen
        .post(app.url(&format!("/dossiers/{id}/edit")))
        .multipart(cascade)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("name=\"registered_at.commune\""),
        "communes of the province are offered"
    );

    // A wrong identifier is explained in the user's language (English here).
    let rev = value_of(&html, "rev");
    let bad = birth_form_with(&csrf, &rev, "review", true, "00119001234");
    let r = citizen
        .post(app.url(&format!("/dossiers/{id}/edit")))
        .multipart(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-cccd\""));

    // Complete: to the summary.
    let rev = value_of(&html, "rev");
    let r = citizen
        .post(app.url(&format!("/dossiers/{id}/edit")))
        .multipart(birth_form(&csrf, &rev, "review", true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (status, html) = page(&citizen, &app, &format!("/dossiers/{id}/review")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("12/04/1990") && html.contains("cccd.pdf") && html.contains("Hàng Bạc"),
        "{html}"
    );
    let rev = value_of(&html, "rev");

    // Submit: a receipt with a code of the office and the day, and a tracking secret.
    let r = citizen
        .post(app.url(&format!("/dossiers/{id}/submit")))
        .form(&[("csrf", csrf.as_str()), ("rev", rev.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let code = html
        .split("id=\"dossier-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let secret = html
        .split("id=\"tracking-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        code.starts_with("HN-HOANKIEM-") && code.len() == "HN-HOANKIEM-261125-0005".len(),
        "{code}"
    );
    assert_eq!(secret.len(), 12);
    // A double click submits nothing twice.
    let r = citizen
        .post(app.url(&format!("/dossiers/{id}/submit")))
        .form(&[("csrf", csrf.as_str()), ("rev", rev.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("already-submitted")
    );

    // Anyone with code and secret can follow it; a wrong secret finds nothing.
    let anon = crate::support::client();
    let anon_csrf = app.csrf(&anon).await;
    let r = anon
        .post(app.url("/track"))
        .form(&[
            ("csrf", anon_csrf.as_str()),
            ("code", code.as_str()),
            ("secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Submitted"));
    let r = anon
        .post(app.url("/track"))
        .form(&[
            ("csrf", anon_csrf.as_str()),
            ("code", code.as_str()),
            ("secret", "AAAAAAAAAAAA"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The agent finds it in the queue and receives it.
    let agent = app.client_as("lan.nguyen").await;
    let (status, html) = page(&agent, &app, "/offices/HN-HOANKIEM/dossiers").await;
    assert_eq!(status, 200);
    assert!(html.contains(&code));
    let step = |step: &'static str, reason: &'static str| {
        let (agent, app, id, csrf) = (agent.clone(), &app, id.clone(), csrf.clone());
        async move {
            let (_, html) = page(&agent, app, &format!("/dossiers/{id}")).await;
            let rev = value_of(&html, "rev");
            let acsrf = crate::support::csrf_of(&html);
            let _ = csrf;
            agent
                .post(app.url(&format!("/dossiers/{id}/step")))
                .form(&[
                    ("csrf", acsrf.as_str()),
                    ("rev", rev.as_str()),
                    ("step", step),
                    ("reason", reason),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(step("receive", "").await.status(), 303);
    let (_, html) = page(&agent, &app, &format!("/dossiers/{id}")).await;
    assert!(
        html.contains("id=\"dossier-timing\">On track")
            || html.contains("id=\"dossier-timing\">Due soon"),
        "{html}"
    );
    // A correction request must say why.
    let r = step("request_correction", "").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Say why"));
    assert_eq!(
        step(
            "request_correction",
            "The scan of the identity card is blurred; send it again."
        )
        .await
        .status(),
        303
    );
    // Approving now is not allowed: the dossier waits for the applicant.
    assert_eq!(step("approve", "").await.status(), 409);

    // The citizen sees the request, sends a new scan and a note.
    let (_, html) = page(&citizen, &app, &format!("/dossiers/{id}")).await;
    assert!(html.contains("Waiting for the applicant") && html.contains("Paused"));
    let (_, html) = page(&citizen, &app, &format!("/dossiers/{id}/edit")).await;
    assert!(html.contains("The scan of the identity card is blurred"));
    let rev = value_of(&html, "rev");
    let answer = birth_form(&csrf, &rev, "resubmit", true).text("note", "Here is a sharper scan.");
    let r = citizen
        .post(app.url(&format!("/dossiers/{id}/edit")))
        .multipart(answer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // The agent approves; the dossier is decided within its time.
    assert_eq!(step("approve", "").await.status(), 303);
    let (_, html) = page(&citizen, &app, &format!("/dossiers/{id}")).await;
    assert!(html.contains("id=\"dossier-state\">Approved"));
    assert!(
        html.contains("id=\"dossier-timing\">Early")
            || html.contains("id=\"dossier-timing\">On time"),
        "{html}"
    );
    assert!(
        html.contains("Here is a sharper scan."),
        "the note is in the messages"
    );
    assert!(
        html.contains("accepte"),
        "the Démarches Simplifiées state is shown"
    );

    // Every step is in the ledger, and the ledger verifies.
    let actions = app.recent_actions(40).await;
    for a in [
        "dossier.submitted",
        "dossier.receive",
        "dossier.request_correction",
        "dossier.resubmit",
        "dossier.approve",
        "file.uploaded",
        "dossier.draft_started",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let entries = app.rt.store.recent_entries(200, 0).await.unwrap();
    let submitted = entries
        .iter()
        .find(|e| e.action == "dossier.submitted" && e.object_id == id)
        .unwrap();
    assert!(
        submitted.payload.contains(&code),
        "the ledger names the code: {}",
        submitted.payload
    );
    verify_ledger(&app).await;
}

async fn api_filing_is_validated_idempotent_and_numbered_without_gaps(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let citizen = app.client_as("thu.pham").await;
    let answers = guichet_one_stop::demo::birth_extract_answers(Value::Null);
    let mut answers = answers.as_object().unwrap().clone();
    answers.remove("id_scan");
    // A required file is missing: 422 with the field's error, nothing stored.
    let before = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .count_dossiers(&Default::default(), 1_000)
        .await
        .unwrap();
    let r = citizen
        .post(app.url("/api/v1/dossiers"))
        .json(&json!({"office": "HN-HOANKIEM", "procedure": "HT-TRICHLUC-KS", "answers": answers}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["type"], "urn:guichet:problem:form-invalid");
    assert_eq!(problem["errors"][0]["path"], "id_scan");
    assert_eq!(
        guichet_one_stop::one_stop_store(&*app.rt.store)
            .unwrap()
            .count_dossiers(&Default::default(), 1_000)
            .await
            .unwrap(),
        before
    );

    // A procedure without files, filed 20 times at once: codes are unique and consecutive.
    let mut vehicle = guichet_one_stop::demo::vehicle_registration();
    vehicle
        .form
        .fields
        .retain(|f| !matches!(f.kind, guichet_one_stop::form::FieldKind::File { .. }));
    let admin = app.client_as("julien.bernard").await;
    let r = admin
        .post(app.url("/api/v1/offices/FR-PREF-33/procedures"))
        .json(&json!({"code": "TEST-NOFILE", "topic": "vehicles", "body": vehicle}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(
        admin
            .post(app.url("/api/v1/procedures/FR-PREF-33/TEST-NOFILE/publish"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let marie = app.client_as("marie.dupont").await;
    let vehicle_answers = json!({
        "last_name": "Dupont", "first_names": "Marie", "birth_date": "1985-03-02", "email": "marie@example.fr",
        "address": {"unit": "FR-C-33063", "street": "1 cours de l'Intendance"}, "reason": "new", "vin": "VF1AB000123456789"
    });
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (c, url, body) = (
            marie.clone(),
            app.url("/api/v1/dossiers"),
            json!({"office": "FR-PREF-33", "procedure": "TEST-NOFILE", "answers": vehicle_answers}),
        );
        tasks.push(tokio::spawn(async move {
            c.post(url).json(&body).send().await.unwrap()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status(), 201);
        let d: Value = r.json().await.unwrap();
        assert_eq!(d["state"], "submitted");
        assert_eq!(d["state_demarches_simplifiees"], "en_construction");
        assert!(
            d["answers"]["address"]["label"]
                .as_str()
                .unwrap()
                .contains("Bordeaux")
        );
        codes.push(d["code"].as_str().unwrap().to_owned());
    }
    codes.sort();
    let numbers: Vec<u32> = codes
        .iter()
        .map(|c| c.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>(), "gap-free: {codes:?}");
    let prefix = codes[0].rsplit_once('-').unwrap().0;
    assert!(codes.iter().all(|c| c.starts_with(prefix)));

    // The same idempotency key twice: one dossier.
    let body =
        json!({"office": "FR-PREF-33", "procedure": "TEST-NOFILE", "answers": vehicle_answers});
    let first = marie
        .post(app.url("/api/v1/dossiers"))
        .header("Idempotency-Key", "click-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert!(first["secret"].is_string());
    let again = marie
        .post(app.url("/api/v1/dossiers"))
        .header("Idempotency-Key", "click-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert!(again.get("secret").is_none(), "the secret is given once");

    // The applicant's e-mails are in the language they filed in, not the office's: filed in
    // English, then in French, at the préfecture; each receipt's e-mail follows its filing.
    let agent = app.client_as("claire.martin").await;
    for (lang, want) in [
        ("en", guichet_core::Language::En),
        ("fr", guichet_core::Language::Fr),
    ] {
        let r = marie
            .post(app.url("/api/v1/dossiers"))
            .header("accept-language", lang)
            .json(&json!({"office": "FR-PREF-33", "procedure": "TEST-NOFILE", "answers": vehicle_answers}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let filed: Value = r.json().await.unwrap();
        let r = agent
            .post(app.url(&format!(
                "/api/v1/dossiers/{}/actions",
                filed["id"].as_str().unwrap()
            )))
            .json(&json!({"step": "receive", "rev": filed["rev"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let code = filed["code"].as_str().unwrap();
        let (subject, _) = guichet_one_stop::outbox::state_mail(
            want,
            code,
            guichet_one_stop::state::State::Received,
            "",
        );
        let subjects: Vec<String> = guichet_store_sql::outbox_store(&*app.rt.store)
            .unwrap()
            .pending_outbox(1_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.topic == "email")
            .filter_map(|o| o.payload["subject"].as_str().map(str::to_owned))
            .filter(|s| s.contains(code))
            .collect();
        assert!(
            subjects.contains(&subject),
            "filed in {lang}: {subject:?} among {subjects:?}"
        );
    }

    // A stale form version is refused.
    let r = marie
        .post(app.url("/api/v1/dossiers"))
        .json(&json!({"office": "FR-PREF-33", "procedure": "TEST-NOFILE", "answers": vehicle_answers, "form_version": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["type"],
        "urn:guichet:problem:stale-form-version"
    );

    // A field shown only on a condition is required only then: "used" needs the old plate.
    let mut used = vehicle_answers.clone();
    used["reason"] = json!("used");
    let r = marie
        .post(app.url("/api/v1/dossiers"))
        .json(&json!({"office": "FR-PREF-33", "procedure": "TEST-NOFILE", "answers": used}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "previous_plate"),
        "{p}"
    );

    // The mapping table is published.
    let states: Value = reqwest::get(app.url("/api/v1/dossier-states"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(states["states"].as_array().unwrap().len(), 9);
    verify_ledger(&app).await;
}

async fn dossiers_are_private_and_steps_follow_the_law(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let citizen = app.client_as("thu.pham").await;
    let mine: Value = citizen
        .get(app.url("/api/v1/dossiers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dossiers = mine["dossiers"].as_array().unwrap();
    assert_eq!(dossiers.len(), 8, "the demo's dossiers");
    let submitted = dossiers.iter().find(|d| d["state"] == "submitted").unwrap();
    let id = submitted["id"].as_str().unwrap();

    // Another office's agent and another citizen cannot see it; its office's agent can.
    let other_agent = app.client_as("claire.martin").await;
    assert_eq!(
        other_agent
            .get(app.url(&format!("/api/v1/dossiers/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        other_agent
            .get(app.url(&format!("/dossiers/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        other_agent
            .get(app.url("/offices/HN-HOANKIEM/dossiers"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let other_citizen = app.client_as("marie.dupont").await;
    assert_eq!(
        other_citizen
            .get(app.url(&format!("/api/v1/dossiers/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let anon = crate::support::client();
    assert_eq!(
        anon.get(app.url(&format!("/api/v1/dossiers/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let agent = app.client_as("lan.nguyen").await;
    let d: Value = agent
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["allowed_steps"], json!(["receive", "reject"]));

    // The citizen cannot take an agent's step; the agent cannot approve before receiving.
    let r = citizen
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .json(&json!({"step": "receive", "rev": d["rev"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = agent
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .json(&json!({"step": "approve", "rev": d["rev"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["type"],
        "urn:guichet:problem:illegal-transition"
    );
    // A stale revision is refused and changes nothing.
    let r = agent
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .json(&json!({"step": "receive", "rev": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["type"],
        "urn:guichet:problem:stale"
    );
    let r = agent
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .json(&json!({"step": "receive", "rev": d["rev"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["state"], "received");
    assert!(d["deadline"]["due"].is_string());

    // Internal notes never reach the applicant.
    let r = agent
        .post(app.url(&format!("/api/v1/dossiers/{id}/messages")))
        .json(&json!({"body": "Check the register first.", "internal": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = agent
        .post(app.url(&format!("/api/v1/dossiers/{id}/messages")))
        .json(&json!({"body": "We are looking at your request."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let seen: Value = citizen
        .get(app.url(&format!("/api/v1/dossiers/{id}/messages")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert_eq!(seen[0]["body"], "We are looking at your request.");
    let (_, html) = page(&citizen, &app, &format!("/dossiers/{id}")).await;
    assert!(!html.contains("Check the register first."));
    let agent_view: Value = agent
        .get(app.url(&format!("/api/v1/dossiers/{id}/messages")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(agent_view.as_array().unwrap().len(), 2);

    // The queue filters: received ones, assigned to me after a bulk assignment.
    let (_, html) = page(&agent, &app, "/offices/HN-HOANKIEM/dossiers?state=received").await;
    let csrf = crate::support::csrf_of(&html);
    let r = agent
        .post(app.url("/offices/HN-HOANKIEM/dossiers/bulk"))
        .form(&[("csrf", csrf.as_str()), ("bulk", "assign_me"), ("id", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let mine: Value = agent
        .get(app.url("/api/v1/dossiers?office=HN-HOANKIEM&mine=1&state=all"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1);
    verify_ledger(&app).await;
}

async fn published_versions_never_change_and_dossiers_keep_theirs(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let admin = app.client_as("minh.tran").await;
    let v1: Value = admin
        .get(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v1["version"].as_i64(), v1["status"].as_str()),
        (Some(1), Some("published"))
    );

    // A citizen starts a draft on version 1.
    let citizen = app.client_as("thu.pham").await;
    let draft: Value = citizen
        .post(app.url("/api/v1/dossiers"))
        .json(&json!({"office": "HN-HOANKIEM", "procedure": "HT-TRICHLUC-KS", "answers": {"full_name": "Phạm Minh Thu"}, "submit": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(draft["procedure_version"], 1);

    // Editing writes version 2 as a draft; version 1 is untouched.
    let mut body = v1["body"].clone();
    body["processing_time"] = json!(2);
    let r = admin
        .put(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/draft"))
        .json(&json!({"body": body}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["version"], 2);
    let still: Value = admin
        .get(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS?version=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["body"], v1["body"]);
    // Drafts are for administrators only.
    assert_eq!(
        citizen
            .get(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS?version=2"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // An invalid form is refused at save.
    let mut broken = body.clone();
    broken["form"]["fields"][1]["key"] = json!("Bad Key");
    let r = admin
        .put(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/draft"))
        .json(&json!({"body": broken}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Someone else's office: refused.
    let other = app.client_as("julien.bernard").await;
    assert_eq!(
        other
            .post(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/publish"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        admin
            .post(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/publish"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["version"],
        2
    );
    assert_eq!(
        admin
            .post(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/publish"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        422,
        "nothing left to publish"
    );

    // Dossiers filed on version 1 keep it.
    let agent = app.client_as("lan.nguyen").await;
    let queue: Value = agent
        .get(app.url("/api/v1/dossiers?office=HN-HOANKIEM&state=all"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        queue["dossiers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["state"] != "draft")
            .all(|d| d["procedure_version"] == 1)
    );

    // The draft begun on version 1 moves to version 2 when submitted, and asks for a review.
    let id = draft["id"].as_str().unwrap();
    let r = citizen
        .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
        .json(&json!({"rev": draft["rev"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["type"],
        "urn:guichet:problem:stale-form-version"
    );
    let moved: Value = citizen
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            moved["procedure_version"].as_i64(),
            moved["answers"]["full_name"].as_str()
        ),
        (Some(2), Some("Phạm Minh Thu"))
    );

    // Unpublished: the catalogue no longer lists it, filing is refused.
    assert_eq!(
        admin
            .post(app.url("/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/unpublish"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let list: Value = reqwest::get(app.url("/api/v1/procedures?office=HN-HOANKIEM"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|p| p["code"] != "HT-TRICHLUC-KS")
    );
    let r = citizen
        .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
        .json(&json!({"rev": moved["rev"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    verify_ledger(&app).await;
}

async fn uploads_are_checked_and_outbox_sends_mail_and_signed_webhooks(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let citizen = app.client_as("thu.pham").await;
    let (_, html) = page(&citizen, &app, "/procedures/HN-HOANKIEM/HT-TRICHLUC-KS").await;
    let csrf = crate::support::csrf_of(&html);
    let r = citizen
        .post(app.url("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let id = id_after(r.headers()["location"].to_str().unwrap(), "/dossiers/");
    let post = |part: Part| {
        let (c, url, csrf, app, id) = (
            citizen.clone(),
            app.url(&format!("/dossiers/{id}/edit")),
            csrf.clone(),
            &app,
            id.clone(),
        );
        async move {
            let (_, html) = page(&c, app, &format!("/dossiers/{id}/edit")).await;
            let rev = value_of(&html, "rev");
            let form = birth_form(&csrf, &rev, "save", false).part("id_scan", part);
            c.post(url).multipart(form).send().await.unwrap()
        }
    };
    // A malformed multipart body is refused whole, even with a valid CSRF token in it.
    let broken = format!(
        "--XYZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XYZ\r\nContent-Disposition: form-data; name=\"full_name\"\r\n\r\nhalf"
    );
    let r = citizen
        .post(app.url(&format!("/dossiers/{id}/edit")))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(broken)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let d = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.rev, 1, "nothing was saved");
    // Wrong type, too big, and the EICAR test virus: refused with the reason, nothing stored.
    let files_before = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier_files(id.parse().unwrap())
        .await
        .unwrap()
        .len();
    let r = post(Part::bytes(b"MZ...".to_vec()).file_name("setup.exe")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not accepted"));
    let r = post(Part::bytes(vec![b'x'; 6 * 1024 * 1024]).file_name("huge.pdf")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("too big"));
    let eicar = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*".to_vec();
    let r = post(Part::bytes(eicar).file_name("scan.pdf")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("malware"));
    assert_eq!(
        guichet_one_stop::one_stop_store(&*app.rt.store)
            .unwrap()
            .dossier_files(id.parse().unwrap())
            .await
            .unwrap()
            .len(),
        files_before
    );
    // A good file is kept with its SHA-256, and only the dossier's people can download it.
    let r = post(Part::bytes(b"%PDF-1.4 good".to_vec()).file_name("cccd.pdf")).await;
    assert_eq!(r.status(), 200);
    let files = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier_files(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    use sha2::Digest as _;
    assert_eq!(
        files[0].sha256,
        hex::encode(sha2::Sha256::digest(b"%PDF-1.4 good"))
    );
    let got = citizen
        .get(app.url(&format!("/files/{}", files[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"%PDF-1.4 good");
    let stranger = app.client_as("marie.dupont").await;
    assert_eq!(
        stranger
            .get(app.url(&format!("/files/{}", files[0].id)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // A webhook receiver on loopback records what it gets.
    let received: Arc<tokio::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>> = Arc::default();
    let sink = received.clone();
    let hook_app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().await.push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hook_app).await.unwrap() });
    let admin = app.client_as("minh.tran").await;
    let r = admin
        .post(app.url("/api/v1/offices/HN-HOANKIEM/webhooks"))
        .json(&json!({"url": "http://example.org/x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "plain http only on loopback");
    let hook: Value = admin
        .post(app.url("/api/v1/offices/HN-HOANKIEM/webhooks"))
        .json(&json!({"url": hook_url}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = hook["secret"].as_str().unwrap().to_owned();

    // A state change queues an e-mail and a webhook call in the same transaction.
    let agent = app.client_as("lan.nguyen").await;
    let queue: Value = agent
        .get(app.url("/api/v1/dossiers?office=HN-HOANKIEM&state=submitted"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d = &queue["dossiers"][0];
    let r = agent
        .post(app.url(&format!(
            "/api/v1/dossiers/{}/actions",
            d["id"].as_str().unwrap()
        )))
        .json(&json!({"step": "receive", "rev": d["rev"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pending = guichet_store_sql::outbox_store(&*app.rt.store)
        .unwrap()
        .pending_outbox(100)
        .await
        .unwrap();
    assert!(pending.iter().any(|o| o.topic == "webhook"));
    assert!(pending.iter().any(|o| o.topic == "email"));

    let mail_dir = app.dir.path().join("mail");
    let sender = guichet_one_stop::outbox::Sender {
        store: guichet_one_stop::one_stop_store(&*app.rt.store).unwrap(),
        clock: &*app.rt.clock,
        mail: guichet_one_stop::outbox::MailTransport::Directory(mail_dir.clone()),
        from: "guichet <no-reply@guichet.invalid>".into(),
        http: reqwest::Client::new(),
        files: app.rt.files(),
    };
    let (sent, failed) = sender.run_once().await.unwrap();
    assert_eq!(failed, 0);
    assert!(sent >= 2);
    // The receipt issued by the step travels with the e-mail, byte for byte.
    let receipt = guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier_documents(d["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.kind == "receipt")
        .expect("a receipt was issued");
    let pdf = app
        .rt
        .files()
        .get(
            &guichet_one_stop::one_stop_store(&*app.rt.store)
                .unwrap()
                .file(receipt.file_id)
                .await
                .unwrap()
                .unwrap(),
        )
        .await
        .unwrap();
    let name = format!("receipt-{}.pdf", d["code"].as_str().unwrap());
    let with_pdf: Vec<String> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|m| m.contains(&name))
        .collect();
    assert_eq!(with_pdf.len(), 1, "one e-mail carries {name}");
    let mail = &with_pdf[0];
    let part = &mail[mail.find("Content-Type: application/pdf").unwrap()..];
    assert!(mail.contains("Content-Disposition: attachment;"), "{mail}");
    let body_start = part.find("\r\n\r\n").unwrap() + 4;
    let encoded: String = part[body_start..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect();
    use base64::Engine;
    let attached = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .unwrap();
    assert_eq!(attached, pdf.to_vec(), "the attachment is the sealed PDF");
    assert!(
        guichet_store_sql::outbox_store(&*app.rt.store)
            .unwrap()
            .pending_outbox(100)
            .await
            .unwrap()
            .is_empty(),
        "all delivered"
    );
    let mails: Vec<_> = std::fs::read_dir(&mail_dir).unwrap().collect();
    assert!(!mails.is_empty());
    let calls = received.lock().await;
    assert_eq!(calls.len(), 1);
    let (headers, body) = &calls[0];
    let ts: i64 = headers["x-guichet-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        headers["x-guichet-signature"].to_str().unwrap(),
        guichet_one_stop::outbox::webhook_signature(&secret, ts, body.as_bytes())
    );
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (event["from"].as_str(), event["to"].as_str()),
        (Some("submitted"), Some("received"))
    );
    verify_ledger(&app).await;
}

async fn office_admin_builds_and_publishes_a_form_without_javascript(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let admin = app.client_as("julien.bernard").await;
    let (status, html) = page(&admin, &app, "/offices/FR-PREF-33/procedures").await;
    assert_eq!(status, 200);
    assert!(html.contains("CERFA-13750"));
    let csrf = crate::support::csrf_of(&html);
    // A bad code is explained on the page; nothing is created.
    let bad = [
        ("csrf", csrf.as_str()),
        ("code", "no spaces"),
        ("topic", "residence"),
        ("name_fr", "Titre de séjour"),
        ("processing_time", "2"),
        ("time_unit", "calendar_months"),
        ("level", "full"),
    ];
    let r = admin
        .post(app.url("/offices/FR-PREF-33/procedures"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("1 to 40 letters"));
    let good = [
        ("csrf", csrf.as_str()),
        ("code", "SEJOUR-1"),
        ("topic", "residence"),
        ("name_fr", "Titre de séjour"),
        ("processing_time", "2"),
        ("time_unit", "calendar_months"),
        ("level", "full"),
    ];
    let r = admin
        .post(app.url("/offices/FR-PREF-33/procedures"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let editor = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(editor, "/offices/FR-PREF-33/procedures/SEJOUR-1");
    // Two fields, the second shown only when the first is "yes", with help in three languages.
    let add = |fields: Vec<(&'static str, &'static str)>| {
        let (admin, url, csrf) = (admin.clone(), app.url(&editor), csrf.clone());
        async move {
            let mut form = vec![("csrf", csrf.as_str()), ("action", "add_field")];
            form.extend(fields.iter().copied());
            admin.post(url).form(&form).send().await.unwrap()
        }
    };
    assert_eq!(
        add(vec![
            ("key", "married"),
            ("kind", "yes_no"),
            ("label_fr", "Marié(e) ?"),
            ("required", "1")
        ])
        .await
        .status(),
        303
    );
    let r = add(vec![
        ("key", "spouse"),
        ("kind", "short_text"),
        ("label_fr", "Nom du conjoint"),
        ("help_vi", "Họ tên vợ/chồng"),
        ("help_fr", "Nom de naissance"),
        ("show_if", "married"),
        ("show_if_equals", "yes"),
    ])
    .await;
    assert_eq!(r.status(), 303);
    // A condition on a later field is refused with the reason.
    let r = add(vec![
        ("key", "early"),
        ("kind", "email"),
        ("label_fr", "Courriel"),
        ("show_if", "nothing"),
    ])
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not an earlier field"));
    // The editor's own refusals speak the editor's language too (they were English only).
    let french = app.client_as("julien.bernard").await;
    french.get(app.url("/lang/fr")).send().await.unwrap();
    let html = french
        .get(app.url(&editor))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fr_csrf = crate::support::csrf_of(&html);
    for (form, want) in [
        (
            vec![
                ("action", "add_field"),
                ("key", "x"),
                ("kind", "bogus"),
                ("label_fr", "X"),
            ],
            "Type de champ inconnu : « bogus ».",
        ),
        (
            vec![("action", "meta"), ("documents", "photocopie | 1 | Pièce")],
            "Ligne 1 : commencez par original, copy ou certified_copy.",
        ),
        (
            vec![("action", "meta"), ("documents", "copy | deux | Pièce")],
            "Ligne 1 : le nombre d’exemplaires est un nombre.",
        ),
    ] {
        let mut fields = vec![("csrf", fr_csrf.as_str())];
        fields.extend(form);
        let r = french
            .post(app.url(&editor))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(
            body.contains(want),
            "{want} in {}",
            &body[..body.len().min(200)]
        );
    }
    let (_, html) = page(&admin, &app, &editor).await;
    let r = admin
        .post(app.url(&editor))
        .form(&[("csrf", csrf.as_str()), ("action", "publish")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{html}");
    let published: Value = admin
        .get(app.url("/api/v1/procedures/FR-PREF-33/SEJOUR-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(published["status"], "published");
    let fields = published["body"]["form"]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[1]["help"]["vi"], "Họ tên vợ/chồng");
    assert_eq!(
        fields[1]["show_if"],
        json!({"field": "married", "equals": "yes"})
    );
    // Moving the condition's field after the field it controls would break the form: refused.
    let r = admin
        .post(app.url(&editor))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "move_down"),
            ("key", "married"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not an earlier field"));
    // Editing after publication writes version 2; version 1 stays as published.
    let meta = [
        ("csrf", csrf.as_str()),
        ("action", "meta"),
        ("name_fr", "Titre de séjour (renouvellement)"),
        ("level", "full"),
        ("processing_time", "2"),
        ("time_unit", "calendar_months"),
        ("documents", "copy|1|Hộ chiếu|Passeport|Passport"),
    ];
    assert_eq!(
        admin
            .post(app.url(&editor))
            .form(&meta)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let v2: Value = admin
        .get(app.url("/api/v1/procedures/FR-PREF-33/SEJOUR-1?version=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v2["status"], "draft");
    assert_eq!(v2["body"]["name"]["fr"], "Titre de séjour (renouvellement)");
    assert_eq!(v2["body"]["documents"][0]["form"], "copy");
    let v1: Value = admin
        .get(app.url("/api/v1/procedures/FR-PREF-33/SEJOUR-1?version=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v1["body"]["name"]["fr"], "Titre de séjour");
    // Another office's administrator cannot open this editor.
    let other = app.client_as("minh.tran").await;
    assert_eq!(
        other.get(app.url(&editor)).send().await.unwrap().status(),
        403
    );
    verify_ledger(&app).await;
}

//! Deadlines that act by themselves, with an injected clock, on SQLite and PostgreSQL: a request
//! to the préfecture under "silence means acceptance" is accepted by law the day after its
//! two-month deadline ends, with the attestation of implicit acceptance, the applicant's e-mail
//! and a ledger entry; the pass is idempotent; a dossier waiting for the applicant and a
//! Vietnamese dossier (no such rule) are left alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use crate::support::{Db, TestApp};
use guichet_core::FixedClock;
use serde_json::{Value, json};
use time::macros::datetime;

on_both_backends!(a_request_is_accepted_by_silence_when_its_deadline_passes);

async fn file_and_receive(app: &TestApp, subject: &str) -> Value {
    let citizen = app.client_as("marie.dupont").await;
    let r = citizen
        .post(app.url("/api/v1/dossiers"))
        .json(&json!({"office": "FR-PREF-33", "procedure": "SVA-EXEMPLE", "answers": {"subject": subject}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    let agent = app.client_as("claire.martin").await;
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
    r.json().await.unwrap()
}

async fn pass(app: &TestApp) -> guichet_one_stop::silence::SilenceRun {
    let web = app.rt.app().await.unwrap();
    guichet_one_stop::silence::run_everywhere(&web)
        .await
        .unwrap()
}

async fn dossier(app: &TestApp, id: &Value) -> guichet_one_stop::store::DossierRecord {
    guichet_one_stop::one_stop_store(&*app.rt.store)
        .unwrap()
        .dossier(id.as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn a_request_is_accepted_by_silence_when_its_deadline_passes(db: Db) {
    // Wednesday 7 October 2026, 10:00 in Bordeaux.
    let clock = Arc::new(FixedClock::new(datetime!(2026-10-07 08:00 UTC)));
    let Some(app) = crate::support::spawn_app_at(db, clock.clone()).await else {
        return;
    };
    let silent = file_and_receive(&app, "Terrasse saisonnière, 12 cours de l’Intendance").await;
    assert_eq!(
        silent["deadline"]["due"], "2026-12-07",
        "two calendar months"
    );
    let waiting = file_and_receive(&app, "Enseigne lumineuse").await;
    // The second one waits for the applicant: its clock is paused, silence cannot run out.
    let agent = app.client_as("claire.martin").await;
    let r = agent
        .post(app.url(&format!(
            "/api/v1/dossiers/{}/actions",
            waiting["id"].as_str().unwrap()
        )))
        .json(&json!({"step": "request_correction", "rev": waiting["rev"], "reason": "Joindre le plan."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Before the end of the last day nothing happens, however often the pass runs.
    assert_eq!(pass(&app).await.accepted, 0);
    clock.set(datetime!(2026-12-07 22:59 UTC)); // 23:59 in Bordeaux, the last day
    assert_eq!(pass(&app).await.accepted, 0);
    assert_eq!(dossier(&app, &silent["id"]).await.state, "received");

    // The next day the request is accepted by law, dated the day the deadline expired.
    clock.set(datetime!(2026-12-08 06:00 UTC));
    let run = pass(&app).await;
    assert_eq!((run.accepted, run.rejected, run.skipped), (1, 0, 0));
    let d = dossier(&app, &silent["id"]).await;
    assert_eq!(d.state, "approved");
    assert_eq!(d.decided_on, Some(time::macros::date!(2026 - 12 - 07)));
    let waiting_now = dossier(&app, &waiting["id"]).await;
    assert_eq!(waiting_now.state, "awaiting_applicant");
    let store = guichet_one_stop::one_stop_store(&*app.rt.store).unwrap();
    // The attestation of implicit acceptance, the applicant's e-mail and the ledger entry.
    let docs = store.dossier_documents(d.id).await.unwrap();
    assert_eq!(
        docs.iter().map(|x| x.kind.as_str()).collect::<Vec<_>>(),
        ["receipt", "implicit_acceptance"]
    );
    let entries = app.rt.store.recent_entries(30, 0).await.unwrap();
    let entry = entries
        .iter()
        .find(|e| e.action == "dossier.accepted_by_silence")
        .expect("ledgered");
    let payload: Value = serde_json::from_str(&entry.payload).unwrap();
    assert_eq!(
        (payload["due"].as_str(), payload["legal_basis"].as_str()),
        (Some("2026-12-07"), Some("CRPA L231-1"))
    );
    assert_eq!(entry.actor, "anonymous", "guichet itself, no account");
    let history = store.dossier_events(d.id).await.unwrap();
    assert_eq!(
        history.last().map(|e| e.action.as_str()),
        Some("accepted_by_silence")
    );
    let mail = guichet_store_sql::outbox_store(&*app.rt.store)
        .unwrap()
        .pending_outbox(1_000)
        .await
        .unwrap();
    assert!(
        mail.iter().any(|m| m.payload["to"]
            .as_str()
            .is_some_and(|to| to.contains("marie"))
            && m.payload["attachments"]
                .as_array()
                .is_some_and(|a| !a.is_empty())),
        "the applicant is told, with the attestation attached"
    );

    // Idempotent: the next passes find nothing to do. Months later every Vietnamese demo
    // dossier is past its date too, and stays with its office: no such rule there.
    clock.set(datetime!(2027-06-01 06:00 UTC));
    assert_eq!(pass(&app).await, Default::default());
    let late_vn = store
        .list_dossiers(&guichet_one_stop::store::DossierQuery {
            states: vec!["received".into()],
            due_by: Some(time::macros::date!(2027 - 05 - 31)),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        !late_vn.is_empty(),
        "the demo has received Vietnamese dossiers, now overdue"
    );
    let report =
        guichet_store::verify::verify_store(&app.rt.store, &app.rt.trusted, Arc::new(|_, _| {}))
            .await
            .unwrap();
    assert!(report.is_ok(), "ledger verifies: {report:?}");
}

//! The one-stop slice's storage contract, written once and run by `tests/contract.rs` on both
//! backends; its builders (`procedure_records`, `dossier_record`, `numbered`,
//! `submitted_audit`) are public for the slices that read dossiers (records).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;

use guichet_identity::contract::{T0, created, dump, office, uid};
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::{Audit, Office, StoreError};

use crate::store::OneStopStore;

pub fn procedure_records(
    n: u128,
    office: &Office,
) -> (
    crate::store::ProcedureRecord,
    crate::store::ProcedureVersionRecord,
) {
    let id = guichet_core::ProcedureId(uid(3000 + n));
    (
        crate::store::ProcedureRecord {
            id,
            office_id: office.id,
            code: format!("P-{n}"),
            topic: "civil_status".into(),
            published_version: 0,
            latest_version: 1,
            created_at: T0,
        },
        crate::store::ProcedureVersionRecord {
            id: uid(4000 + n),
            procedure_id: id,
            version: 1,
            status: "draft".into(),
            body: serde_json::json!({"name": {"vi": "Trích lục khai sinh"}}),
            created_at: T0,
            published_at: None,
        },
    )
}

pub fn dossier_record(
    n: u128,
    office: &Office,
    procedure: guichet_core::ProcedureId,
) -> crate::store::DossierRecord {
    crate::store::DossierRecord {
        id: guichet_core::DossierId(uid(5000 + n)),
        code: None,
        office_id: office.id,
        procedure_id: procedure,
        procedure_version: 1,
        applicant_id: None,
        applicant_name: "Phạm Minh Thu".into(),
        applicant_email: None,
        state: "submitted".into(),
        answers: serde_json::json!({"full_name": "Phạm Minh Thu"}),
        secret_hash: None,
        rev: 1,
        created_at: T0,
        updated_at: T0,
        submitted_at: Some(T0),
        received_at: None,
        due_date: None,
        paused_on: None,
        decided_on: None,
        assigned_to: None,
        idempotency_key: None,
        lang: "fr".into(),
        intake: None,
    }
}

pub fn numbered(d: crate::store::DossierRecord) -> crate::store::DossierWrite {
    let mut w = crate::store::DossierWrite::new(d, None);
    w.allocate_code = Some(crate::store::CodeRequest {
        prefix: "HN-HK-261125".into(),
        day: time::macros::date!(2026 - 11 - 25),
    });
    w
}

pub fn submitted_audit(office: &Office) -> Audit {
    Audit::one(
        T0,
        Event {
            stream: office.code.clone(),
            actor: "cli".into(),
            action: "dossier.submitted".into(),
            object_type: "dossier".into(),
            object_id: "d".into(),
            payload: serde_json::json!({"code": null}),
        },
    )
}

pub async fn dossier_codes_are_gap_free_under_concurrency(store: Arc<dyn OneStopStore>) {
    let o = office(1, "HN-HK");
    store.create_office(&o, &created("office")).await.unwrap();
    let (p, v) = procedure_records(1, &o);
    store
        .create_procedure(&p, &v, &created("procedure"))
        .await
        .unwrap();
    // A submission that fails (it names a file that does not exist) takes no number.
    let mut failing = numbered(dossier_record(999, &o, p.id));
    failing.attach_files.push(guichet_core::FileId(uid(77)));
    assert!(matches!(
        store.write_dossier(failing, &submitted_audit(&o)).await,
        Err(StoreError::NotFound(_))
    ));
    let mut tasks = Vec::new();
    for n in 0..40u128 {
        let (store, o) = (store.clone(), o.clone());
        let d = dossier_record(n, &o, p.id);
        tasks.push(tokio::spawn(async move {
            store.write_dossier(numbered(d), &submitted_audit(&o)).await
        }));
    }
    let mut codes = BTreeSet::new();
    for t in tasks {
        codes.insert(t.await.unwrap().unwrap().code.unwrap());
    }
    let expected: BTreeSet<String> = (1..=40).map(|n| format!("HN-HK-261125-{n:04}")).collect();
    assert_eq!(codes, expected);
    // The ledger entry of each submission names its code.
    let entries = store.ledger_entries("HN-HK", 0, 100).await.unwrap();
    let named: BTreeSet<String> = entries
        .iter()
        .filter(|e| e.action == "dossier.submitted")
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.payload).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(named, expected);
    assert_eq!(
        store
            .count_dossiers(&crate::store::DossierQuery::default(), 1000)
            .await
            .unwrap(),
        40
    );
    assert_eq!(
        store
            .count_dossiers(&crate::store::DossierQuery::default(), 10)
            .await
            .unwrap(),
        10,
        "counting stops at the cap"
    );
}

pub async fn stale_dossier_writes_are_refused_and_change_nothing(store: Arc<dyn OneStopStore>) {
    let o = office(1, "HN-HK");
    store.create_office(&o, &created("office")).await.unwrap();
    let (p, v) = procedure_records(1, &o);
    store
        .create_procedure(&p, &v, &created("procedure"))
        .await
        .unwrap();
    let d = store
        .write_dossier(numbered(dossier_record(1, &o, p.id)), &submitted_audit(&o))
        .await
        .unwrap();
    let before = store.ledger_entries("HN-HK", 0, 100).await.unwrap().len();
    let mut received = d.clone();
    received.state = "received".into();
    received.rev = 2;
    received.due_date = Some(time::macros::date!(2026 - 11 - 27));
    let ok = store
        .write_dossier(
            crate::store::DossierWrite::new(received.clone(), Some(1)),
            &created("step"),
        )
        .await
        .unwrap();
    assert_eq!(ok.due_date, received.due_date);
    // A second writer that read revision 1 loses, and leaves no trace.
    let mut other = d.clone();
    other.state = "rejected".into();
    other.rev = 2;
    let mut w = crate::store::DossierWrite::new(other, Some(1));
    w.messages.push(crate::store::MessageRecord {
        id: uid(8),
        dossier_id: d.id,
        at: T0,
        author_id: None,
        author_name: "x".into(),
        from_applicant: false,
        internal: false,
        body: "lost".into(),
        file_id: None,
    });
    assert!(matches!(
        store.write_dossier(w, &created("step")).await,
        Err(StoreError::Stale(_))
    ));
    let now = store.dossier(d.id).await.unwrap().unwrap();
    assert_eq!((now.state.as_str(), now.rev), ("received", 2));
    assert!(store.dossier_messages(d.id).await.unwrap().is_empty());
    assert_eq!(
        store.ledger_entries("HN-HK", 0, 100).await.unwrap().len(),
        before
    );
    assert_eq!(
        store
            .ledger_entries(SYSTEM_STREAM, 0, 100)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "test.created" && e.object_id == "step")
            .count(),
        1
    );
    // Lists filter by state.
    let q = crate::store::DossierQuery {
        office: Some(o.id),
        states: vec!["received".into()],
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_dossiers(&q).await.unwrap().len(), 1);
    assert!(
        store.list_dossiers(&q).await.unwrap()[0].answers.is_null(),
        "lists leave answers out"
    );
}

pub async fn published_procedure_versions_never_change(store: Arc<dyn OneStopStore>) {
    let o = office(1, "HN-HK");
    store.create_office(&o, &created("office")).await.unwrap();
    let (p, v1) = procedure_records(1, &o);
    store
        .create_procedure(&p, &v1, &created("procedure"))
        .await
        .unwrap();
    store
        .publish_procedure(p.id, 1, T0, &created("publish"))
        .await
        .unwrap();
    // Saving version 1 again is refused: it is published.
    let mut edit = v1.clone();
    edit.body = serde_json::json!({"name": {"vi": "changed"}});
    assert!(matches!(
        store.save_procedure_draft(&edit, &created("edit")).await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(
        store
            .procedure_version(p.id, 1)
            .await
            .unwrap()
            .unwrap()
            .body,
        v1.body
    );
    // Version 2 is a new draft; publishing it retires version 1.
    let mut v2 = edit.clone();
    v2.id = uid(4100);
    v2.version = 2;
    store
        .save_procedure_draft(&v2, &created("edit"))
        .await
        .unwrap();
    let mut v4 = v2.clone();
    v4.id = uid(4101);
    v4.version = 4;
    assert!(
        matches!(
            store.save_procedure_draft(&v4, &created("skip")).await,
            Err(StoreError::Stale(_))
        ),
        "versions follow each other"
    );
    store
        .publish_procedure(p.id, 2, T0, &created("publish"))
        .await
        .unwrap();
    let versions = store.procedure_versions(p.id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.status.as_str())
            .collect::<Vec<_>>(),
        vec!["retired", "published"]
    );
    assert_eq!(
        store
            .procedure(p.id)
            .await
            .unwrap()
            .unwrap()
            .published_version,
        2
    );
    store
        .unpublish_procedure(p.id, &created("unpublish"))
        .await
        .unwrap();
    assert!(matches!(
        store.unpublish_procedure(p.id, &created("again")).await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(
        store
            .procedure(p.id)
            .await
            .unwrap()
            .unwrap()
            .published_version,
        0
    );
}

/// Issued documents commit with their dossier change (or not at all), revocation happens once,
/// templates are per office and kind, a dossier is rated once, statistics rows carry the
/// correction rounds and the rating, export jobs keep their progress, and pages of dossiers
/// come in id order with their answers.
pub async fn documents_ratings_stats_and_exports(store: Arc<dyn OneStopStore>) {
    let o = office(1, "HN-HK");
    store.create_office(&o, &created("office")).await.unwrap();
    let (p, v) = procedure_records(1, &o);
    store
        .create_procedure(&p, &v, &created("procedure"))
        .await
        .unwrap();
    let d = store
        .write_dossier(numbered(dossier_record(1, &o, p.id)), &submitted_audit(&o))
        .await
        .unwrap();
    let doc = |n: u128, file: guichet_core::FileId| crate::store::IssuedDocument {
        file: guichet_store::FileRecord {
            id: file,
            dossier_id: Some(d.id),
            name: "receipt.pdf".into(),
            content_type: "application/pdf".into(),
            size: 10,
            sha256: "ab".repeat(32),
            storage_key: format!("documents/{n}"),
            uploaded_by: None,
            created_at: T0,
        },
        document: crate::store::DocumentRecord {
            id: guichet_core::DocumentId(uid(9000 + n)),
            office_id: o.id,
            dossier_id: Some(d.id),
            kind: "receipt".into(),
            lang: "vi".into(),
            file_id: file,
            sha256: "cd".repeat(32),
            key_id: "0011223344556677".into(),
            public_key: "ef".repeat(32),
            statement: "{}".into(),
            qr_signature: "sig".into(),
            issued_at: T0,
            issued_by: None,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
        },
    };
    // A stale change does not leave its document behind.
    let mut received = d.clone();
    received.state = "received".into();
    received.rev = 2;
    received.received_at = Some(T0);
    let mut lost = crate::store::DossierWrite::new(received.clone(), Some(7));
    lost.documents.push(doc(1, guichet_core::FileId(uid(9100))));
    assert!(matches!(
        store.write_dossier(lost, &created("step")).await,
        Err(StoreError::Stale(_))
    ));
    assert!(store.dossier_documents(d.id).await.unwrap().is_empty());
    assert!(
        store
            .file(guichet_core::FileId(uid(9100)))
            .await
            .unwrap()
            .is_none()
    );
    let mut w = crate::store::DossierWrite::new(received.clone(), Some(1));
    w.documents.push(doc(2, guichet_core::FileId(uid(9101))));
    w.event = Some(crate::store::DossierEventRecord {
        id: uid(9200),
        dossier_id: d.id,
        at: T0,
        actor_id: None,
        actor_name: "agent".into(),
        action: "request_correction".into(),
        from_state: "received".into(),
        to_state: "awaiting_applicant".into(),
        note: String::new(),
    });
    store.write_dossier(w, &created("step")).await.unwrap();
    let docs = store.dossier_documents(d.id).await.unwrap();
    assert_eq!(docs.len(), 1);
    let id = docs[0].id;
    assert_eq!(store.document(id).await.unwrap().unwrap(), docs[0]);
    assert_eq!(
        store
            .file(docs[0].file_id)
            .await
            .unwrap()
            .unwrap()
            .dossier_id,
        Some(d.id)
    );

    // Revocation: once; an unknown document is not found.
    store
        .revoke_document(id, T0, None, "issued by mistake", &created("revoke"))
        .await
        .unwrap();
    let revoked = store.document(id).await.unwrap().unwrap();
    assert_eq!(revoked.revoke_reason.as_deref(), Some("issued by mistake"));
    assert!(matches!(
        store
            .revoke_document(id, T0, None, "again", &created("revoke2"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .revoke_document(
                guichet_core::DocumentId(uid(1)),
                T0,
                None,
                "x",
                &created("revoke3")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Templates: put replaces, delete removes.
    let mut t = crate::store::TemplateRecord {
        office_id: o.id,
        kind: "receipt".into(),
        source: "v1".into(),
        updated_at: T0,
        updated_by: None,
    };
    store
        .put_document_template(&t, &created("t1"))
        .await
        .unwrap();
    t.source = "v2".into();
    store
        .put_document_template(&t, &created("t2"))
        .await
        .unwrap();
    assert_eq!(
        store
            .document_template(o.id, "receipt")
            .await
            .unwrap()
            .unwrap()
            .source,
        "v2"
    );
    assert!(
        store
            .document_template(o.id, "refusal")
            .await
            .unwrap()
            .is_none()
    );
    store
        .delete_document_template(o.id, "receipt", &created("t3"))
        .await
        .unwrap();
    assert!(
        store
            .document_template(o.id, "receipt")
            .await
            .unwrap()
            .is_none()
    );

    // One rating per dossier.
    let rating = crate::store::RatingRecord {
        dossier_id: d.id,
        office_id: o.id,
        procedure_id: p.id,
        score: 4,
        comment: "nhanh".into(),
        at: T0,
    };
    store.add_rating(&rating, &created("rate")).await.unwrap();
    assert!(matches!(
        store.add_rating(&rating, &created("rate2")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.rating(d.id).await.unwrap(), Some(rating));

    // Statistics rows: received dossiers only, with corrections and rating.
    let rows = store
        .stat_rows(Some(o.id), T0.date(), T0.date().next_day().unwrap())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].corrections, rows[0].score), (1, Some(4)));
    assert!(
        store
            .stat_rows(Some(o.id), T0.date(), T0.date().previous_day().unwrap())
            .await
            .unwrap()
            .is_empty(),
        "received after the window"
    );

    // Pages of dossiers with answers, in id order.
    for n in 2..6u128 {
        store
            .write_dossier(numbered(dossier_record(n, &o, p.id)), &submitted_audit(&o))
            .await
            .unwrap();
    }
    let first = store
        .dossiers_page(o.id, Some(p.id), None, 3)
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].answers["full_name"], "Phạm Minh Thu");
    let rest = store
        .dossiers_page(o.id, None, Some(first[2].id), 3)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    assert!(
        first
            .iter()
            .chain(&rest)
            .map(|d| d.id)
            .collect::<Vec<_>>()
            .is_sorted()
    );

    // Export jobs keep their progress and outcome.
    let mut job = crate::store::ExportJobRecord {
        id: guichet_core::ExportId(uid(9300)),
        office_id: o.id,
        requested_by: None,
        format: "csv".into(),
        params: serde_json::json!({"columns": ["code"]}),
        state: "queued".into(),
        rows_done: 0,
        rows_total: 0,
        storage_key: None,
        size: None,
        error: None,
        created_at: T0,
        finished_at: None,
    };
    store
        .create_export_job(&job, &created("export"))
        .await
        .unwrap();
    job.state = "done".into();
    job.rows_done = 5;
    job.rows_total = 5;
    job.storage_key = Some("exports/x.csv".into());
    job.size = Some(123);
    job.finished_at = Some(T0);
    store.update_export_job(&job).await.unwrap();
    assert_eq!(store.export_job(job.id).await.unwrap(), Some(job.clone()));
    assert_eq!(store.export_jobs(o.id, 10).await.unwrap(), vec![job]);
}

/// The one-stop, document, rating and export tables survive a backup and restore unchanged
/// (their optional integers, timestamps and JSON included).
pub async fn backup_restores_documents_and_exports(
    source: Arc<dyn OneStopStore>,
    target: Arc<dyn OneStopStore>,
) {
    documents_ratings_stats_and_exports(source.clone()).await;
    let mut archive = Vec::new();
    guichet_store::backup::write_backup(&*source, &mut archive, T0, vec![])
        .await
        .unwrap();
    let checked = guichet_store::backup::read_backup(archive.as_slice(), &source.tables()).unwrap();
    guichet_store::backup::restore(&*target, &checked)
        .await
        .unwrap();
    let (a, b) = (dump(&*source).await, dump(&*target).await);
    for table in [
        "documents",
        "document_templates",
        "ratings",
        "export_jobs",
        "dossiers",
        "files",
    ] {
        let rows =
            |d: &Vec<(String, String)>| d.iter().find(|(t, _)| t == table).map(|(_, r)| r.clone());
        assert_eq!(rows(&a), rows(&b), "{table}");
    }
    assert_eq!(a, b);
}

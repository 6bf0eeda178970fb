//! The records slice's storage contract, run unchanged on SQLite and PostgreSQL: gap-free
//! register numbers under concurrency, capture of one-stop sources once, holds and destruction,
//! dispositions, and its tables in the backup (restored identically).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;

use guichet_identity::contract::{T0, created, dump, event, office, uid};
use guichet_ledger::TrustedKeys;
use guichet_one_stop::contract::{dossier_record, numbered, procedure_records, submitted_audit};
use guichet_records::store::RecordsStore;
use guichet_store::verify::verify_store;
use guichet_store::{Audit, Office, PlatformStore, StoreError};

type Both = (
    Arc<dyn guichet_identity::IdentityStore>,
    Arc<dyn RecordsStore>,
);

async fn sqlite() -> Both {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(uuid::Uuid::now_v7().to_string());
    let store = Arc::new(
        guichet_store_sql::SqliteStore::open(&dir.join("g.db"), Arc::new(guichet_core::OsEntropy))
            .await
            .unwrap()
            .with_slices(&[
                &guichet_identity::MIGRATIONS,
                &guichet_one_stop::MIGRATIONS,
                &guichet_records::MIGRATIONS,
            ]),
    );
    store.migrate().await.unwrap();
    (store.clone(), store)
}

async fn postgres() -> Option<Both> {
    let url = guichet_store_sql::testing::postgres_for_tests().await?;
    let store = Arc::new(
        guichet_store_sql::PostgresStore::connect(&url, Arc::new(guichet_core::OsEntropy))
            .await
            .unwrap()
            .with_slices(&[
                &guichet_identity::MIGRATIONS,
                &guichet_one_stop::MIGRATIONS,
                &guichet_records::MIGRATIONS,
            ]),
    );
    store.migrate().await.unwrap();
    Some((store.clone(), store))
}

fn record_row(n: u128, office: &Office) -> guichet_records::store::RecordRow {
    guichet_records::store::RecordRow {
        id: guichet_core::RecordId(uid(20_000 + n)),
        office_id: office.id,
        file_id: None,
        parent_id: None,
        register: Some("outgoing".into()),
        year: None,
        number: None,
        symbol: "QĐ-UBND".into(),
        original_ref: String::new(),
        doc_type: "quyet_dinh".into(),
        title: format!("Quyết định số {n} về việc phê duyệt"),
        doc_date: time::macros::date!(2026 - 11 - 25),
        issuer: office.name.clone(),
        signer: "Trần Văn Bình".into(),
        recipients: "Văn phòng".into(),
        urgency: "normal".into(),
        confidentiality: "normal".into(),
        lang: "vi".into(),
        source: "register".into(),
        source_id: None,
        dossier_id: None,
        name: Some("qd.pdf".into()),
        content_type: Some("application/pdf".into()),
        size: 3,
        sha256: Some("ab".repeat(32)),
        storage_key: Some(format!("records/{n}")),
        text: "phê duyệt kế hoạch".into(),
        created_at: T0,
        created_by: None,
        due_on: None,
        warned_at: None,
        state: "active".into(),
        destroyed_at: None,
        disposition_id: None,
    }
}

fn numbered_record(
    r: guichet_records::store::RecordRow,
    year: i64,
) -> guichet_records::store::RecordWrite {
    guichet_records::store::RecordWrite {
        number: Some(guichet_records::store::NumberRequest {
            counter: r.register.clone().unwrap_or_default(),
            year,
        }),
        record: r,
    }
}

/// Register numbers are gap-free per office, register and year under concurrency (a failed
/// registration takes none) and restart each year; a duplicate number is refused; captured
/// sources are captured once; file references are numbered; closing a file schedules its
/// records; destruction leaves tombstones and never touches a record under a hold (on it, on
/// its file or on its main record); dispositions change only from the state read.
async fn records_numbering_holds_and_destruction((platform, store): Both) {
    use guichet_records::store::{NumberRequest, RecordQuery};
    let o = office(1, "HN-HK");
    store.create_office(&o, &created("office")).await.unwrap();
    let reg = |action: &str| Audit::one(T0, event(&o.code, action, "r"));
    let mut tasks = Vec::new();
    for n in 0..30u128 {
        let (store, rec) = (store.clone(), record_row(n, &o));
        let audit = reg("record.registered");
        tasks.push(tokio::spawn(async move {
            store
                .add_records(vec![numbered_record(rec, 2026)], &audit)
                .await
        }));
    }
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let stored = t.await.unwrap().unwrap();
        numbers.insert(stored[0].number.unwrap());
    }
    assert_eq!(numbers, (1..=30).collect::<BTreeSet<i64>>());
    // A registration that fails (an imported duplicate of number 7) takes no number.
    let mut dup = record_row(100, &o);
    dup.year = Some(2026);
    dup.number = Some(7);
    let failing = vec![
        numbered_record(record_row(101, &o), 2026),
        guichet_records::store::RecordWrite {
            record: dup,
            number: None,
        },
    ];
    assert!(matches!(
        store.add_records(failing, &reg("record.registered")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .record_row(guichet_core::RecordId(uid(20_101)))
            .await
            .unwrap()
            .is_none()
    );
    let next = store
        .add_records(
            vec![numbered_record(record_row(102, &o), 2026)],
            &reg("record.registered"),
        )
        .await
        .unwrap();
    assert_eq!(next[0].number, Some(31));
    let new_year = store
        .add_records(
            vec![numbered_record(record_row(103, &o), 2027)],
            &reg("record.registered"),
        )
        .await
        .unwrap();
    assert_eq!(new_year[0].number, Some(1));
    let incoming = {
        let mut r = record_row(104, &o);
        r.register = Some("incoming".into());
        r
    };
    let incoming = store
        .add_records(
            vec![numbered_record(incoming, 2026)],
            &reg("record.registered"),
        )
        .await
        .unwrap();
    assert_eq!(incoming[0].number, Some(1));
    let register = store
        .records(&RecordQuery {
            office: Some(o.id),
            register: Some("outgoing".into()),
            year: Some(2026),
            limit: 100,
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(register.len(), 31);
    // The ledger entry names the number given.
    let entries = store.ledger_entries(&o.code, 0, 1000).await.unwrap();
    assert!(entries.iter().any(|e| e.payload.contains("\"numbers\"")));

    // File plan and files.
    let class = guichet_records::store::ClassRecord {
        id: guichet_core::ClassId(uid(21_000)),
        office_id: o.id,
        code: "02.05".into(),
        title: "Hồ sơ hộ tịch".into(),
        retention_years: Some(10),
        final_action: "destroy".into(),
        trigger: "file_closed".into(),
        legal_reference: "Thông tư 10/2022/TT-BNV".into(),
        captures_dossiers: true,
        created_at: T0,
    };
    store
        .put_record_class(&class, &created("class"))
        .await
        .unwrap();
    let mut clash = class.clone();
    clash.id = guichet_core::ClassId(uid(21_001));
    assert!(matches!(
        store.put_record_class(&clash, &created("class")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.record_classes(o.id).await.unwrap(),
        vec![class.clone()]
    );
    let open = |n: u128| guichet_records::store::ArchiveFileRecord {
        id: guichet_core::ArchiveFileId(uid(22_000 + n)),
        office_id: o.id,
        class_id: class.id,
        reference: "2026/02.05/".into(),
        title: format!("Hồ sơ {n}"),
        dossier_id: None,
        opened_on: time::macros::date!(2026 - 01 - 05),
        closed_on: None,
        due_on: None,
        created_at: T0,
        created_by: None,
    };
    let fnum = NumberRequest {
        counter: "file/02.05".into(),
        year: 2026,
    };
    let f1 = store
        .open_archive_file(&open(1), &fnum, &reg("archive_file.opened"))
        .await
        .unwrap();
    let f2 = store
        .open_archive_file(&open(2), &fnum, &reg("archive_file.opened"))
        .await
        .unwrap();
    assert_eq!(
        (f1.reference.as_str(), f2.reference.as_str()),
        ("2026/02.05/01", "2026/02.05/02")
    );

    // Records in files, one attachment, then closing schedules them.
    let mut in_f1 = record_row(200, &o);
    in_f1.file_id = Some(f1.id);
    in_f1.register = None;
    let mut attachment = record_row(201, &o);
    attachment.file_id = Some(f1.id);
    attachment.parent_id = Some(in_f1.id);
    attachment.register = None;
    let mut in_f2 = record_row(202, &o);
    in_f2.file_id = Some(f2.id);
    in_f2.register = None;
    let mut loose = record_row(203, &o);
    loose.register = None;
    loose.source = "file".into();
    loose.source_id = Some(uid(23_000));
    let stored = store
        .add_records(
            vec![
                guichet_records::store::RecordWrite {
                    record: in_f1.clone(),
                    number: None,
                },
                guichet_records::store::RecordWrite {
                    record: attachment.clone(),
                    number: None,
                },
                guichet_records::store::RecordWrite {
                    record: in_f2.clone(),
                    number: None,
                },
                guichet_records::store::RecordWrite {
                    record: loose.clone(),
                    number: None,
                },
            ],
            &reg("record.captured"),
        )
        .await
        .unwrap();
    assert_eq!(stored.len(), 4);
    // The same source is captured once.
    let mut again = loose.clone();
    again.id = guichet_core::RecordId(uid(20_299));
    assert!(
        store
            .add_records(
                vec![guichet_records::store::RecordWrite {
                    record: again,
                    number: None
                }],
                &reg("record.captured")
            )
            .await
            .unwrap()
            .is_empty()
    );
    let due = time::macros::date!(2026 - 01 - 10);
    store
        .close_archive_file(
            f1.id,
            time::macros::date!(2016 - 01 - 10),
            Some(due),
            true,
            &reg("archive_file.closed"),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .close_archive_file(f1.id, due, Some(due), true, &reg("archive_file.closed"))
            .await,
        Err(StoreError::Stale(_))
    ));
    store
        .close_archive_file(
            f2.id,
            time::macros::date!(2016 - 01 - 10),
            Some(due),
            true,
            &reg("archive_file.closed"),
        )
        .await
        .unwrap();
    let due_now = store
        .records(&RecordQuery {
            office: Some(o.id),
            active_only: true,
            due_by: Some(time::macros::date!(2026 - 11 - 25)),
            limit: 100,
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    let due_ids: BTreeSet<_> = due_now.iter().map(|r| r.id).collect();
    assert_eq!(
        due_ids,
        [in_f1.id, attachment.id, in_f2.id].into_iter().collect()
    );
    store
        .mark_records_warned(&[in_f1.id], T0, &reg("records.warned"))
        .await
        .unwrap();
    let not_warned = store
        .records(&RecordQuery {
            office: Some(o.id),
            due_by: Some(due),
            not_warned: true,
            limit: 100,
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert!(!not_warned.iter().any(|r| r.id == in_f1.id));

    // Holds: on the main record (covers its attachment) and on file 2.
    let hold =
        |n: u128,
         record: Option<guichet_core::RecordId>,
         file: Option<guichet_core::ArchiveFileId>| guichet_records::store::HoldRecord {
            id: guichet_core::HoldId(uid(24_000 + n)),
            office_id: o.id,
            reason: "Khiếu nại đang giải quyết".into(),
            legal_reference: "Luật Khiếu nại 2011".into(),
            record_id: record,
            file_id: file,
            placed_at: T0,
            placed_by: None,
            released_at: None,
            released_by: None,
            release_reason: None,
        };
    store
        .put_hold(&hold(1, Some(in_f1.id), None), &reg("hold.placed"))
        .await
        .unwrap();
    store
        .put_hold(&hold(2, None, Some(f2.id)), &reg("hold.placed"))
        .await
        .unwrap();
    let disposition = guichet_records::store::DispositionRecord {
        id: guichet_core::DispositionId(uid(25_000)),
        office_id: o.id,
        as_of: time::macros::date!(2026 - 11 - 25),
        state: "proposed".into(),
        created_at: T0,
        created_by: None,
        decided_at: None,
        decided_by: None,
        executed_at: None,
        items: serde_json::json!([]),
        note: String::new(),
        certificate_id: None,
    };
    store
        .put_disposition(&disposition, None, &reg("disposition.proposed"))
        .await
        .unwrap();
    let mut approved = disposition.clone();
    approved.state = "approved".into();
    approved.decided_at = Some(T0);
    store
        .put_disposition(&approved, Some("proposed"), &reg("disposition.approved"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .put_disposition(&approved, Some("proposed"), &reg("disposition.approved"))
            .await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(
        store
            .disposition(disposition.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "approved"
    );
    let ids = [in_f1.id, attachment.id, in_f2.id, loose.id];
    let outcome = store
        .destroy_records(disposition.id, &ids, T0, &reg("records.destroyed"))
        .await
        .unwrap();
    assert_eq!(
        outcome.destroyed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![loose.id]
    );
    assert_eq!(outcome.held, vec![in_f1.id, attachment.id, in_f2.id]);
    // The tombstone keeps the metadata, not the content key or the text.
    let tomb = store.record_row(loose.id).await.unwrap().unwrap();
    assert_eq!(
        (
            tomb.state.as_str(),
            tomb.storage_key.as_deref(),
            tomb.text.as_str()
        ),
        ("destroyed", None, "")
    );
    assert_eq!(
        (tomb.title.as_str(), tomb.sha256.clone()),
        (loose.title.as_str(), loose.sha256.clone())
    );
    assert_eq!(tomb.disposition_id, Some(disposition.id));
    // Released holds no longer block.
    store
        .release_hold(
            guichet_core::HoldId(uid(24_001)),
            T0,
            None,
            "Đã giải quyết",
            &reg("hold.released"),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .release_hold(
                guichet_core::HoldId(uid(24_001)),
                T0,
                None,
                "again",
                &reg("hold.released")
            )
            .await,
        Err(StoreError::Stale(_))
    ));
    let outcome = store
        .destroy_records(disposition.id, &ids, T0, &reg("records.destroyed"))
        .await
        .unwrap();
    assert_eq!(
        outcome.destroyed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![in_f1.id, attachment.id]
    );
    assert_eq!(outcome.held, vec![in_f2.id]);
    assert_eq!(store.holds(o.id).await.unwrap().len(), 2);

    let run = guichet_records::store::FixityRunRecord {
        id: uid(26_000),
        started_at: T0,
        finished_at: T0,
        objects: 4,
        copies_checked: 8,
        ok: 7,
        repaired: 1,
        failed: 0,
        report: serde_json::json!([{"record": "x", "copy": "b", "problem": "missing", "action": "repaired"}]),
    };
    store
        .add_fixity_run(&run, &created("fixity"))
        .await
        .unwrap();
    assert_eq!(store.fixity_runs(5).await.unwrap(), vec![run]);
    assert!(store.count_records(Some(o.id)).await.unwrap() >= 36);
    verify_store(
        &(platform.clone() as Arc<dyn guichet_store::PlatformStore>),
        &TrustedKeys::new(),
        guichet_store::verify::no_progress(),
    )
    .await
    .unwrap()
    .expect("the ledger verifies");
}

/// Files and messages of submitted dossiers are offered for capture until captured.
async fn uncaptured_sources_are_offered_once(store: Arc<dyn RecordsStore>) {
    let o = office(1, "HN-HK");
    store.create_office(&o, &created("office")).await.unwrap();
    let (p, v) = procedure_records(1, &o);
    store
        .create_procedure(&p, &v, &created("procedure"))
        .await
        .unwrap();
    let file = guichet_store::FileRecord {
        id: guichet_core::FileId(uid(27_000)),
        dossier_id: None,
        name: "cccd.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        sha256: "ab".repeat(32),
        storage_key: "uploads/x".into(),
        uploaded_by: None,
        created_at: T0,
    };
    store.add_file(&file, &created("file")).await.unwrap();
    let mut w = numbered(dossier_record(1, &o, p.id));
    w.attach_files.push(file.id);
    w.messages.push(guichet_one_stop::store::MessageRecord {
        id: uid(27_001),
        dossier_id: guichet_core::DossierId(uid(5001)),
        at: T0,
        author_id: None,
        author_name: "Phạm Minh Thu".into(),
        from_applicant: true,
        internal: false,
        body: "Xin bổ sung giấy tờ".into(),
        file_id: None,
    });
    let d = store.write_dossier(w, &submitted_audit(&o)).await.unwrap();
    let offered = store.uncaptured(100).await.unwrap();
    assert_eq!(offered.len(), 2, "{offered:?}");
    let f = offered.iter().find(|s| s.kind == "file").unwrap();
    assert_eq!(
        (f.id, f.dossier_code.as_str(), f.name.as_str()),
        (file.id.as_uuid(), d.code.as_deref().unwrap(), "cccd.pdf")
    );
    let m = offered.iter().find(|s| s.kind == "message").unwrap();
    assert_eq!(
        (m.body.as_str(), m.from_applicant),
        ("Xin bổ sung giấy tờ", true)
    );
    let mut r = record_row(300, &o);
    r.source = "file".into();
    r.source_id = Some(file.id.as_uuid());
    store
        .add_records(
            vec![guichet_records::store::RecordWrite {
                record: r,
                number: None,
            }],
            &created("capture"),
        )
        .await
        .unwrap();
    let offered = store.uncaptured(100).await.unwrap();
    assert_eq!(
        offered.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        vec!["message"]
    );
}

async fn backup_restores_records((source, records): Both, (target, _): Both) {
    records_numbering_holds_and_destruction((source.clone(), records)).await;
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
        "records",
        "record_classes",
        "archive_files",
        "record_holds",
        "dispositions",
        "fixity_runs",
        "record_counters",
    ] {
        let rows =
            |d: &Vec<(String, String)>| d.iter().find(|(t, _)| t == table).map(|(_, r)| r.clone());
        assert!(
            rows(&a).is_some_and(|r| !r.is_empty()),
            "{table} is empty in the source"
        );
        assert_eq!(rows(&a), rows(&b), "{table}");
    }
    assert_eq!(a, b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbering_holds_and_destruction_on_sqlite() {
    records_numbering_holds_and_destruction(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbering_holds_and_destruction_on_postgres() {
    if let Some(both) = postgres().await {
        records_numbering_holds_and_destruction(both).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncaptured_sources_are_offered_once_on_sqlite() {
    uncaptured_sources_are_offered_once(sqlite().await.1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncaptured_sources_are_offered_once_on_postgres() {
    if let Some((_, store)) = postgres().await {
        uncaptured_sources_are_offered_once(store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restores_records_on_sqlite() {
    backup_restores_records(sqlite().await, sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restores_records_on_postgres() {
    if let (Some(a), Some(b)) = (postgres().await, postgres().await) {
        backup_restores_records(a, b).await;
    }
}

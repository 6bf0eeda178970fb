//! The contract every [`Store`] backend must pass, written once. A backend's test file calls
//! [`contract_suite!`](crate::contract_suite) with a function that returns a fresh, migrated,
//! empty store; each case below then becomes one `#[tokio::test]`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;

use guichet_core::authz::{Grant, Role};
use guichet_core::{OfficeId, UserId};
use guichet_ledger::{BreakKind, Event, LedgerKey, SYSTEM_STREAM, TrustedKeys};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

pub use crate::contract_identity::{
    identity_links_are_unique_and_atomic, pending_logins_are_taken_once,
    second_factors_accept_each_code_once, sessions_list_change_stage_and_end_on_password_change,
};
use crate::verify::verify_store;
use crate::{Audit, Country, Office, Session, Store, StoreError, User};

pub const T0: OffsetDateTime = datetime!(2026-11-25 09:00:00 UTC);

pub fn uid(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

pub fn event(stream: &str, action: &str, object_id: &str) -> Event {
    Event {
        stream: stream.to_owned(),
        actor: "cli".to_owned(),
        action: action.to_owned(),
        object_type: "test".to_owned(),
        object_id: object_id.to_owned(),
        payload: serde_json::json!({"note": "Hồ sơ đã tiếp nhận — dossier reçu", "n": object_id}),
    }
}

pub fn office(n: u128, code: &str) -> Office {
    Office {
        id: OfficeId(uid(n)),
        code: code.to_owned(),
        name: format!("UBND phường {code} — Hoàn Kiếm"),
        country: Country::Vn,
        created_at: T0,
    }
}

pub fn user(n: u128, username: &str, grants: Vec<Grant>) -> User {
    User {
        id: UserId(uid(1000 + n)),
        username: username.to_owned(),
        display_name: format!("Nguyễn Thị {username}"),
        email: Some(format!("{username}@example.org")),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        disabled: false,
        created_at: T0,
        grants,
    }
}

pub fn created(object: &str) -> Audit {
    Audit::one(T0, event(SYSTEM_STREAM, "test.created", object))
}

pub async fn offices_round_trip_and_are_ledgered(store: Arc<dyn Store>) {
    let a = office(1, "HN-HK");
    let b = office(2, "FR-33");
    store.create_office(&a, &created("office-a")).await.unwrap();
    store.create_office(&b, &created("office-b")).await.unwrap();
    let listed = store.list_offices().await.unwrap();
    assert_eq!(
        listed.iter().map(|o| o.code.as_str()).collect::<Vec<_>>(),
        vec!["FR-33", "HN-HK"]
    );
    assert_eq!(
        store.office_by_code("FR-33").await.unwrap(),
        Some(b.clone())
    );
    assert_eq!(
        store.office_by_code("fr-33").await.unwrap(),
        None,
        "codes are exact"
    );
    assert_eq!(store.office(a.id).await.unwrap(), Some(a));
    assert_eq!(store.office(OfficeId(uid(99))).await.unwrap(), None);
    let entries = store.ledger_entries(SYSTEM_STREAM, 0, 10).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].object_id, "office-b");
}

pub async fn failed_change_writes_no_ledger_entry(store: Arc<dyn Store>) {
    store
        .create_office(&office(1, "HN-HK"), &created("first"))
        .await
        .unwrap();
    let err = store
        .create_office(&office(2, "HN-HK"), &created("duplicate"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "duplicate code is a conflict, got {err:?}"
    );
    let entries = store.ledger_entries(SYSTEM_STREAM, 0, 10).await.unwrap();
    assert_eq!(entries.len(), 1, "the failed change left no ledger entry");
    assert_eq!(store.list_offices().await.unwrap().len(), 1);
}

pub async fn users_keep_their_grants(store: Arc<dyn Store>) {
    let a = office(1, "HN-HK");
    let b = office(2, "FR-33");
    store.create_office(&a, &created("a")).await.unwrap();
    store.create_office(&b, &created("b")).await.unwrap();
    let agent = user(1, "lan", vec![Grant::new(Role::Agent, Some(a.id))]);
    let admin = user(
        2,
        "claire",
        vec![
            Grant::new(Role::OfficeAdmin, Some(b.id)),
            Grant::new(Role::Auditor, None),
            // A role on one object only (say, one jury of office B).
            Grant {
                role: Role::Agent,
                office: Some(b.id),
                object: Some(Uuid::from_u128(0x70)),
            },
        ],
    );
    store.create_user(&agent, &created("u1")).await.unwrap();
    store.create_user(&admin, &created("u2")).await.unwrap();
    assert_eq!(
        store.user_by_username("lan").await.unwrap(),
        Some(agent.clone())
    );
    let got = store.user(admin.id).await.unwrap().unwrap();
    assert_eq!(got.grants.len(), 3);
    assert!(got.grants.contains(&Grant::new(Role::Auditor, None)));
    assert!(
        got.grants
            .iter()
            .any(|g| g.object == Some(Uuid::from_u128(0x70)) && g.role == Role::Agent),
        "the object of a scoped grant is kept: {:?}",
        got.grants
    );
    // A grant added later, scoped to one object, is kept with the others.
    let scoped = Grant {
        role: Role::Agent,
        office: Some(a.id),
        object: Some(Uuid::from_u128(0x71)),
    };
    store
        .add_grant(agent.id, &scoped, &created("g1"))
        .await
        .unwrap();
    let lan = store.user(agent.id).await.unwrap().unwrap();
    assert_eq!(lan.grants.len(), 2);
    assert!(lan.grants.contains(&scoped));
    assert!(matches!(
        store
            .add_grant(UserId(Uuid::from_u128(0xdead)), &scoped, &created("g2"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.list_users(None).await.unwrap().len(), 2);
    let in_a = store.list_users(Some(a.id)).await.unwrap();
    assert_eq!(
        in_a.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(),
        vec!["lan"]
    );
    let dup = store
        .create_user(&user(3, "lan", vec![]), &created("u3"))
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)));
    assert_eq!(store.user_by_username("nobody").await.unwrap(), None);
}

pub async fn sessions_expire_and_are_deleted(store: Arc<dyn Store>) {
    let u = user(1, "lan", vec![]);
    store.create_user(&u, &created("u")).await.unwrap();
    let session = Session {
        token_hash: [9; 32],
        created_at: T0,
        ..crate::contract_identity::session(50, u.id, crate::SessionStage::Active)
    };
    store
        .create_session(&session, &created("login"))
        .await
        .unwrap();
    let now = T0 + time::Duration::hours(1);
    assert_eq!(
        store.session_by_token(&[9; 32], now).await.unwrap(),
        Some(session.clone())
    );
    assert_eq!(store.session_by_token(&[8; 32], now).await.unwrap(), None);
    let later = T0 + time::Duration::hours(9);
    assert_eq!(
        store.session_by_token(&[9; 32], later).await.unwrap(),
        None,
        "expired"
    );
    store
        .delete_session(session.id, &created("logout"))
        .await
        .unwrap();
    assert_eq!(
        store.session_by_token(&[9; 32], now).await.unwrap(),
        None,
        "deleted"
    );
}

pub async fn ledger_is_gap_free_under_concurrency(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                let stream = if i % 3 == 0 { "FR-33" } else { "HN-HK" };
                store
                    .record(&Audit::one(
                        T0,
                        event(stream, "test.concurrent", &format!("{t}-{i}")),
                    ))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let hn = store.ledger_entries("HN-HK", 0, 1000).await.unwrap();
    let fr = store.ledger_entries("FR-33", 0, 1000).await.unwrap();
    assert_eq!(hn.len(), 80);
    assert_eq!(fr.len(), 40);
    assert_eq!(
        hn.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=80).collect::<Vec<_>>()
    );
    let report = verify_store(&store, &TrustedKeys::new(), crate::verify::no_progress())
        .await
        .unwrap()
        .expect("verifies");
    assert_eq!(report.entries, 120);
    let heads = store.stream_heads().await.unwrap();
    assert_eq!(
        heads.iter().find(|h| h.stream == "HN-HK").map(|h| h.seq),
        Some(80)
    );
}

/// Many concurrent changes, a third of them conflicting: the conflicts fail alone, every other
/// change and its ledger entry is kept (group commit must not let one job undo another).
pub async fn concurrent_failures_do_not_undo_other_changes(store: Arc<dyn Store>) {
    store
        .create_office(&office(1000, "TAKEN-0"), &created("seed-0"))
        .await
        .unwrap();
    store
        .create_office(&office(1001, "TAKEN-1"), &created("seed-1"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..60u128 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let code = if i % 3 == 0 {
                format!("TAKEN-{}", i % 2)
            } else {
                format!("NEW-{i}")
            };
            store
                .create_office(
                    &office(i + 1, &code),
                    &Audit::one(T0, event(&code, "office.created", &code)),
                )
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 40);
    assert_eq!(store.list_offices().await.unwrap().len(), 42);
    let report = verify_store(&store, &TrustedKeys::new(), crate::verify::no_progress())
        .await
        .unwrap()
        .expect("verifies");
    assert_eq!(
        report.entries, 42,
        "one entry per kept change, none for the failed ones"
    );
}

async fn chain_of(store: &Arc<dyn Store>, n: usize) {
    for i in 1..=n {
        store
            .record(&Audit::one(
                T0 + time::Duration::seconds(i as i64),
                event("HN-HK", "test.step", &i.to_string()),
            ))
            .await
            .unwrap();
    }
}

async fn verdict(
    store: &Arc<dyn Store>,
    trusted: &TrustedKeys,
) -> Result<u64, guichet_ledger::Break> {
    verify_store(store, trusted, crate::verify::no_progress())
        .await
        .unwrap()
        .map(|r| r.entries)
}

pub async fn verify_detects_edit(store: Arc<dyn Store>) {
    chain_of(&store, 6).await;
    assert_eq!(verdict(&store, &TrustedKeys::new()).await, Ok(6));
    store
        .execute_raw(
            "UPDATE ledger_entries SET actor = 'user:mallory' WHERE stream = 'HN-HK' AND seq = 3",
        )
        .await
        .unwrap();
    let b = verdict(&store, &TrustedKeys::new()).await.unwrap_err();
    assert_eq!((b.seq, b.kind), (3, BreakKind::EntryAltered));
}

pub async fn verify_detects_payload_edit(store: Arc<dyn Store>) {
    chain_of(&store, 4).await;
    store
        .execute_raw("UPDATE ledger_entries SET payload = REPLACE(payload, 'tiếp nhận', 'từ chối') WHERE stream = 'HN-HK' AND seq = 2")
        .await
        .unwrap();
    let b = verdict(&store, &TrustedKeys::new()).await.unwrap_err();
    assert_eq!((b.seq, b.kind), (2, BreakKind::PayloadAltered));
}

pub async fn verify_detects_delete(store: Arc<dyn Store>) {
    chain_of(&store, 6).await;
    store
        .execute_raw("DELETE FROM ledger_entries WHERE stream = 'HN-HK' AND seq = 4")
        .await
        .unwrap();
    let b = verdict(&store, &TrustedKeys::new()).await.unwrap_err();
    assert_eq!((b.seq, b.kind), (5, BreakKind::SequenceGap { expected: 4 }));
}

pub async fn verify_detects_reorder(store: Arc<dyn Store>) {
    chain_of(&store, 6).await;
    // Swap entries 2 and 3 through a temporary number.
    store
        .execute_raw("UPDATE ledger_entries SET seq = -3 WHERE stream = 'HN-HK' AND seq = 3")
        .await
        .unwrap();
    store
        .execute_raw("UPDATE ledger_entries SET seq = 3 WHERE stream = 'HN-HK' AND seq = 2")
        .await
        .unwrap();
    store
        .execute_raw("UPDATE ledger_entries SET seq = 2 WHERE stream = 'HN-HK' AND seq = -3")
        .await
        .unwrap();
    let b = verdict(&store, &TrustedKeys::new()).await.unwrap_err();
    assert_eq!(b.seq, 2);
    assert!(
        matches!(b.kind, BreakKind::BrokenLink | BreakKind::EntryAltered),
        "{b}"
    );
}

pub async fn verify_detects_insert(store: Arc<dyn Store>) {
    chain_of(&store, 5).await;
    // Make room after entry 2, then insert a forged copy of entry 2 (new id) as entry 3.
    store
        .execute_raw(
            "UPDATE ledger_entries SET seq = seq + 100 WHERE stream = 'HN-HK' AND seq >= 3",
        )
        .await
        .unwrap();
    store
        .execute_raw(
            "UPDATE ledger_entries SET seq = seq - 99 WHERE stream = 'HN-HK' AND seq >= 103",
        )
        .await
        .unwrap();
    let forged_id = match store.backend() {
        crate::Backend::Sqlite => "X'01900000000070008000000000000abc'",
        crate::Backend::Postgres => "'01900000-0000-7000-8000-000000000abc'",
    };
    store
        .execute_raw(&format!(
            "INSERT INTO ledger_entries (stream, seq, id, at, actor, action, object_type, object_id, payload, payload_hash, prev_hash, entry_hash) \
             SELECT stream, 3, {forged_id}, at, actor, action, object_type, 'forged', payload, payload_hash, prev_hash, entry_hash \
             FROM ledger_entries WHERE stream = 'HN-HK' AND seq = 2"
        ))
        .await
        .unwrap();
    assert_eq!(
        store.ledger_entries("HN-HK", 0, 100).await.unwrap().len(),
        6
    );
    let b = verdict(&store, &TrustedKeys::new()).await.unwrap_err();
    assert_eq!((b.seq, b.kind), (3, BreakKind::BrokenLink));
}

pub async fn verify_uses_signed_checkpoints(store: Arc<dyn Store>) {
    chain_of(&store, 5).await;
    let key = LedgerKey::from_secret([5; 32]);
    let head = store
        .stream_heads()
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.stream == "HN-HK")
        .unwrap();
    let cp = key.checkpoint("HN-HK", head.seq, head.hash, T0 + time::Duration::days(1));
    store.add_checkpoint(&cp).await.unwrap();
    assert_eq!(store.checkpoints("HN-HK").await.unwrap(), vec![cp]);
    let mut trusted = TrustedKeys::new();
    assert!(
        verdict(&store, &trusted).await.is_err(),
        "checkpoint by an untrusted key fails"
    );
    trusted.add(key.public());
    assert_eq!(verdict(&store, &trusted).await, Ok(5));
    // Deleting the last entry and fixing the head by hand is still caught by the checkpoint.
    store
        .execute_raw("DELETE FROM ledger_entries WHERE stream = 'HN-HK' AND seq = 5")
        .await
        .unwrap();
    store
        .execute_raw("UPDATE ledger_heads SET seq = 4 WHERE stream = 'HN-HK'")
        .await
        .unwrap();
    let b = verdict(&store, &trusted).await.unwrap_err();
    assert!(
        matches!(b.kind, BreakKind::TruncatedAfterCheckpoint { last_seq: 4 }),
        "{b}"
    );
}

pub async fn calendar_overrides_are_per_office_and_replaceable(store: Arc<dyn Store>) {
    let a = office(1, "HN-HK");
    let b = office(2, "FR-33");
    store.create_office(&a, &created("a")).await.unwrap();
    store.create_office(&b, &created("b")).await.unwrap();
    let day = datetime!(2025-05-02 00:00 UTC).date();
    let mut o = crate::CalendarOverride {
        id: uid(70),
        office_id: a.id,
        day,
        working_day: false,
        name: "Nghỉ hoán đổi".into(),
        legal_reference: "Thông báo 6150/TB-BLĐTBXH".into(),
        created_at: T0,
    };
    store
        .set_calendar_override(&o, &created("o1"))
        .await
        .unwrap();
    o.id = uid(71);
    o.name = "Nghỉ hoán đổi (sửa)".into();
    store
        .set_calendar_override(&o, &created("o2"))
        .await
        .unwrap();
    let listed = store.calendar_overrides(a.id).await.unwrap();
    assert_eq!(listed.len(), 1, "same day replaced");
    assert_eq!(
        (
            listed[0].day,
            listed[0].name.as_str(),
            listed[0].working_day
        ),
        (day, "Nghỉ hoán đổi (sửa)", false)
    );
    assert!(store.calendar_overrides(b.id).await.unwrap().is_empty());
    store
        .delete_calendar_override(a.id, day, &created("o3"))
        .await
        .unwrap();
    assert!(store.calendar_overrides(a.id).await.unwrap().is_empty());
    let again = store
        .delete_calendar_override(a.id, day, &created("o4"))
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::NotFound(_)));
    assert_eq!(
        store
            .ledger_entries(SYSTEM_STREAM, 0, 100)
            .await
            .unwrap()
            .len(),
        5,
        "no entry for the failed delete"
    );
}

pub async fn every_table_is_in_the_backup(store: Arc<dyn Store>) {
    let in_db: BTreeSet<String> = store.data_tables().await.unwrap().into_iter().collect();
    let described: BTreeSet<String> = store.tables().iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(
        in_db, described,
        "every data table must be listed in a TABLE_SETS entry (backup) and vice versa"
    );
    assert!(store.schema_version().await.unwrap() > 0);
}

/// Fills a store with one of everything, for backup tests.
pub async fn fill(store: &dyn Store) {
    let a = office(1, "HN-HK");
    store.create_office(&a, &created("a")).await.unwrap();
    let u = user(
        1,
        "lan",
        vec![
            Grant::new(Role::Agent, Some(a.id)),
            Grant::new(Role::Citizen, None),
        ],
    );
    store.create_user(&u, &created("u")).await.unwrap();
    let s = Session {
        token_hash: [1; 32],
        created_at: T0,
        expires_at: datetime!(2026-11-25 17:00:00.123456 UTC),
        ..crate::contract_identity::session(60, u.id, crate::SessionStage::Active)
    };
    store.create_session(&s, &created("login")).await.unwrap();
    crate::contract_identity::fill_identity(store, a.id, u.id).await;
    let o = crate::CalendarOverride {
        id: uid(80),
        office_id: a.id,
        day: datetime!(2026-08-31 00:00 UTC).date(),
        working_day: false,
        name: "Nghỉ Quốc khánh (hoán đổi)".into(),
        legal_reference: "Công văn của Bộ Nội vụ".into(),
        created_at: T0,
    };
    store
        .set_calendar_override(&o, &created("override"))
        .await
        .unwrap();
    let head = store.stream_heads().await.unwrap().remove(0);
    store
        .add_checkpoint(&LedgerKey::from_secret([5; 32]).checkpoint(
            &head.stream,
            head.seq,
            head.hash,
            T0,
        ))
        .await
        .unwrap();
}

/// Every table exported from `store`, as text.
pub async fn dump(store: &dyn crate::PlatformStore) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in store.tables() {
        let mut buf = Vec::new();
        store.export_table(t, &mut buf).await.unwrap();
        out.push((t.name.to_owned(), String::from_utf8(buf).unwrap()));
    }
    out
}

pub async fn backup_restores_identically(source: Arc<dyn Store>, target: Arc<dyn Store>) {
    fill(&*source).await;
    let mut archive = Vec::new();
    crate::backup::write_backup(&*source, &mut archive, T0, vec![])
        .await
        .unwrap();
    let checked = crate::backup::read_backup(archive.as_slice(), &source.tables()).unwrap();
    crate::backup::restore(&*target, &checked).await.unwrap();
    assert_eq!(dump(&*source).await, dump(&*target).await);
    // Restoring twice is refused: the target is no longer empty, and nothing is half-written.
    let again = crate::backup::restore(&*target, &checked)
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::NotEmpty(_)), "{again:?}");
    assert_eq!(dump(&*source).await, dump(&*target).await);
}

pub async fn damaged_backups_are_refused(source: Arc<dyn Store>, target: Arc<dyn Store>) {
    fill(&*source).await;
    let mut archive = Vec::new();
    crate::backup::write_backup(&*source, &mut archive, T0, vec![])
        .await
        .unwrap();
    assert!(crate::backup::read_backup(&b"not an archive"[..], &source.tables()).is_err());
    assert!(
        crate::backup::read_backup(&archive[..archive.len() / 2], &source.tables()).is_err(),
        "truncated"
    );
    // A row changed inside a part: rebuild the archive with the edited part but the old manifest.
    let mut files = Vec::new();
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(archive.as_slice()));
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        if path == "tables/offices.jsonl" {
            data = String::from_utf8(data)
                .unwrap()
                .replace("Hoàn Kiếm", "Ba Đình")
                .into_bytes();
        }
        files.push((path, data));
    }
    let mut forged = Vec::new();
    {
        let gz = flate2::write::GzEncoder::new(&mut forged, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (path, data) in &files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o600);
            h.set_cksum();
            tar.append_data(&mut h, path, data.as_slice()).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }
    let err = crate::backup::read_backup(forged.as_slice(), &source.tables())
        .err()
        .expect("edited part is refused");
    assert!(err.to_string().contains("offices"), "{err}");
    assert!(
        dump(&*target).await.iter().all(|(_, rows)| rows.is_empty()),
        "nothing written"
    );
}

pub fn procedure_records(
    n: u128,
    office: &Office,
) -> (crate::ProcedureRecord, crate::ProcedureVersionRecord) {
    let id = guichet_core::ProcedureId(uid(3000 + n));
    (
        crate::ProcedureRecord {
            id,
            office_id: office.id,
            code: format!("P-{n}"),
            topic: "civil_status".into(),
            published_version: 0,
            latest_version: 1,
            created_at: T0,
        },
        crate::ProcedureVersionRecord {
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
) -> crate::DossierRecord {
    crate::DossierRecord {
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
    }
}

pub fn numbered(d: crate::DossierRecord) -> crate::DossierWrite {
    let mut w = crate::DossierWrite::new(d, None);
    w.allocate_code = Some(crate::CodeRequest {
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

pub async fn dossier_codes_are_gap_free_under_concurrency(store: Arc<dyn Store>) {
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
            .count_dossiers(&crate::DossierQuery::default(), 1000)
            .await
            .unwrap(),
        40
    );
    assert_eq!(
        store
            .count_dossiers(&crate::DossierQuery::default(), 10)
            .await
            .unwrap(),
        10,
        "counting stops at the cap"
    );
}

pub async fn stale_dossier_writes_are_refused_and_change_nothing(store: Arc<dyn Store>) {
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
            crate::DossierWrite::new(received.clone(), Some(1)),
            &created("step"),
        )
        .await
        .unwrap();
    assert_eq!(ok.due_date, received.due_date);
    // A second writer that read revision 1 loses, and leaves no trace.
    let mut other = d.clone();
    other.state = "rejected".into();
    other.rev = 2;
    let mut w = crate::DossierWrite::new(other, Some(1));
    w.messages.push(crate::MessageRecord {
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
    let q = crate::DossierQuery {
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

pub async fn published_procedure_versions_never_change(store: Arc<dyn Store>) {
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

/// Expands to one `#[tokio::test]` per contract case. `$make` is an async fn returning a fresh,
/// migrated, empty `Option<Arc<dyn Store>>` (`None` skips, e.g. PostgreSQL absent outside CI).
#[macro_export]
macro_rules! contract_suite {
    ($make:path) => {
        $crate::contract_suite!(@one $make;
            offices_round_trip_and_are_ledgered,
            failed_change_writes_no_ledger_entry,
            users_keep_their_grants,
            sessions_expire_and_are_deleted,
            ledger_is_gap_free_under_concurrency,
            concurrent_failures_do_not_undo_other_changes,
            verify_detects_edit,
            verify_detects_payload_edit,
            verify_detects_delete,
            verify_detects_reorder,
            verify_detects_insert,
            verify_uses_signed_checkpoints,
            calendar_overrides_are_per_office_and_replaceable,
            dossier_codes_are_gap_free_under_concurrency,
            stale_dossier_writes_are_refused_and_change_nothing,
            published_procedure_versions_never_change,
            documents_ratings_stats_and_exports,
            pending_logins_are_taken_once,
            identity_links_are_unique_and_atomic,
            second_factors_accept_each_code_once,
            sessions_list_change_stage_and_end_on_password_change,
            every_table_is_in_the_backup);
        $crate::contract_suite!(@two $make; backup_restores_identically, damaged_backups_are_refused, backup_restores_documents_and_exports);
    };
    (@one $make:path; $($case:ident),*) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let Some(store) = $make().await {
                    $crate::contract::$case(store).await;
                }
            }
        )*
    };
    (@two $make:path; $($case:ident),*) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let (Some(a), Some(b)) = ($make().await, $make().await) {
                    $crate::contract::$case(a, b).await;
                }
            }
        )*
    };
}

/// Issued documents commit with their dossier change (or not at all), revocation happens once,
/// templates are per office and kind, a dossier is rated once, statistics rows carry the
/// correction rounds and the rating, export jobs keep their progress, and pages of dossiers
/// come in id order with their answers.
pub async fn documents_ratings_stats_and_exports(store: Arc<dyn Store>) {
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
    let doc = |n: u128, file: guichet_core::FileId| crate::IssuedDocument {
        file: crate::FileRecord {
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
        document: crate::DocumentRecord {
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
    let mut lost = crate::DossierWrite::new(received.clone(), Some(7));
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
    let mut w = crate::DossierWrite::new(received.clone(), Some(1));
    w.documents.push(doc(2, guichet_core::FileId(uid(9101))));
    w.event = Some(crate::DossierEventRecord {
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
    let mut t = crate::TemplateRecord {
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
    let rating = crate::RatingRecord {
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
    let mut job = crate::ExportJobRecord {
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
pub async fn backup_restores_documents_and_exports(source: Arc<dyn Store>, target: Arc<dyn Store>) {
    documents_ratings_stats_and_exports(source.clone()).await;
    let mut archive = Vec::new();
    crate::backup::write_backup(&*source, &mut archive, T0, vec![])
        .await
        .unwrap();
    let checked = crate::backup::read_backup(archive.as_slice(), &source.tables()).unwrap();
    crate::backup::restore(&*target, &checked).await.unwrap();
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

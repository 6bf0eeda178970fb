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

use crate::IdentityStore;
pub use crate::contract_identity::{
    account_links_work_once_and_account_changes_are_atomic,
    api_tokens_and_clients_are_revoked_together, identity_links_are_unique_and_atomic,
    pending_logins_are_taken_once, second_factors_accept_each_code_once,
    sessions_list_change_stage_and_end_on_password_change,
};
use guichet_store::verify::verify_store;
use guichet_store::{Audit, Country, Office, Session, StoreError, User};

/// The same store, seen as the platform's (for ledger verification).
fn platform(store: &Arc<dyn IdentityStore>) -> Arc<dyn guichet_store::PlatformStore> {
    store.clone()
}

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
        clearances: Vec::new(),
    }
}

pub fn created(object: &str) -> Audit {
    Audit::one(T0, event(SYSTEM_STREAM, "test.created", object))
}

pub async fn offices_round_trip_and_are_ledgered(store: Arc<dyn IdentityStore>) {
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

pub async fn failed_change_writes_no_ledger_entry(store: Arc<dyn IdentityStore>) {
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

pub async fn users_keep_their_grants(store: Arc<dyn IdentityStore>) {
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

pub async fn sessions_expire_and_are_deleted(store: Arc<dyn IdentityStore>) {
    let u = user(1, "lan", vec![]);
    store.create_user(&u, &created("u")).await.unwrap();
    let session = Session {
        token_hash: [9; 32],
        created_at: T0,
        ..crate::contract_identity::session(50, u.id, guichet_store::SessionStage::Active)
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

pub async fn ledger_is_gap_free_under_concurrency(store: Arc<dyn IdentityStore>) {
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
    let report = verify_store(
        &platform(&store),
        &TrustedKeys::new(),
        guichet_store::verify::no_progress(),
    )
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
pub async fn concurrent_failures_do_not_undo_other_changes(store: Arc<dyn IdentityStore>) {
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
    let report = verify_store(
        &platform(&store),
        &TrustedKeys::new(),
        guichet_store::verify::no_progress(),
    )
    .await
    .unwrap()
    .expect("verifies");
    assert_eq!(
        report.entries, 42,
        "one entry per kept change, none for the failed ones"
    );
}

async fn chain_of(store: &Arc<dyn IdentityStore>, n: usize) {
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
    store: &Arc<dyn IdentityStore>,
    trusted: &TrustedKeys,
) -> Result<u64, guichet_ledger::Break> {
    verify_store(
        &platform(store),
        trusted,
        guichet_store::verify::no_progress(),
    )
    .await
    .unwrap()
    .map(|r| r.entries)
}

pub async fn verify_detects_edit(store: Arc<dyn IdentityStore>) {
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

pub async fn verify_detects_payload_edit(store: Arc<dyn IdentityStore>) {
    chain_of(&store, 4).await;
    store
        .execute_raw("UPDATE ledger_entries SET payload = REPLACE(payload, 'tiếp nhận', 'từ chối') WHERE stream = 'HN-HK' AND seq = 2")
        .await
        .unwrap();
    let b = verdict(&store, &TrustedKeys::new()).await.unwrap_err();
    assert_eq!((b.seq, b.kind), (2, BreakKind::PayloadAltered));
}

pub async fn verify_detects_delete(store: Arc<dyn IdentityStore>) {
    chain_of(&store, 6).await;
    store
        .execute_raw("DELETE FROM ledger_entries WHERE stream = 'HN-HK' AND seq = 4")
        .await
        .unwrap();
    let b = verdict(&store, &TrustedKeys::new()).await.unwrap_err();
    assert_eq!((b.seq, b.kind), (5, BreakKind::SequenceGap { expected: 4 }));
}

pub async fn verify_detects_reorder(store: Arc<dyn IdentityStore>) {
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

pub async fn verify_detects_insert(store: Arc<dyn IdentityStore>) {
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
        guichet_store::Backend::Sqlite => "X'01900000000070008000000000000abc'",
        guichet_store::Backend::Postgres => "'01900000-0000-7000-8000-000000000abc'",
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

pub async fn verify_uses_signed_checkpoints(store: Arc<dyn IdentityStore>) {
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

pub async fn calendar_overrides_are_per_office_and_replaceable(store: Arc<dyn IdentityStore>) {
    let a = office(1, "HN-HK");
    let b = office(2, "FR-33");
    store.create_office(&a, &created("a")).await.unwrap();
    store.create_office(&b, &created("b")).await.unwrap();
    let day = datetime!(2025-05-02 00:00 UTC).date();
    let mut o = crate::store::CalendarOverride {
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

pub async fn every_table_is_in_the_backup(store: Arc<dyn IdentityStore>) {
    let in_db: BTreeSet<String> = store.data_tables().await.unwrap().into_iter().collect();
    let described: BTreeSet<String> = store.tables().iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(
        in_db, described,
        "every data table must be listed in a TABLE_SETS entry (backup) and vice versa"
    );
    assert!(store.schema_version().await.unwrap() > 0);
}

/// Fills a store with one of everything, for backup tests.
pub async fn fill(store: &dyn IdentityStore) {
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
        ..crate::contract_identity::session(60, u.id, guichet_store::SessionStage::Active)
    };
    store.create_session(&s, &created("login")).await.unwrap();
    crate::contract_identity::fill_identity(store, a.id, u.id).await;
    let o = crate::store::CalendarOverride {
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
pub async fn dump(store: &dyn guichet_store::PlatformStore) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in store.tables() {
        let mut buf = Vec::new();
        store.export_table(t, &mut buf).await.unwrap();
        out.push((t.name.to_owned(), String::from_utf8(buf).unwrap()));
    }
    out
}

pub async fn backup_restores_identically(
    source: Arc<dyn IdentityStore>,
    target: Arc<dyn IdentityStore>,
) {
    fill(&*source).await;
    let mut archive = Vec::new();
    guichet_store::backup::write_backup(&*source, &mut archive, T0, vec![])
        .await
        .unwrap();
    let checked = guichet_store::backup::read_backup(archive.as_slice(), &source.tables()).unwrap();
    guichet_store::backup::restore(&*target, &checked)
        .await
        .unwrap();
    assert_eq!(dump(&*source).await, dump(&*target).await);
    // Restoring twice is refused: the target is no longer empty, and nothing is half-written.
    let again = guichet_store::backup::restore(&*target, &checked)
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::NotEmpty(_)), "{again:?}");
    assert_eq!(dump(&*source).await, dump(&*target).await);
}

pub async fn damaged_backups_are_refused(
    source: Arc<dyn IdentityStore>,
    target: Arc<dyn IdentityStore>,
) {
    fill(&*source).await;
    let mut archive = Vec::new();
    guichet_store::backup::write_backup(&*source, &mut archive, T0, vec![])
        .await
        .unwrap();
    assert!(guichet_store::backup::read_backup(&b"not an archive"[..], &source.tables()).is_err());
    assert!(
        guichet_store::backup::read_backup(&archive[..archive.len() / 2], &source.tables())
            .is_err(),
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
    let err = guichet_store::backup::read_backup(forged.as_slice(), &source.tables())
        .err()
        .expect("edited part is refused");
    assert!(err.to_string().contains("offices"), "{err}");
    assert!(
        dump(&*target).await.iter().all(|(_, rows)| rows.is_empty()),
        "nothing written"
    );
}

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
            pending_logins_are_taken_once,
            identity_links_are_unique_and_atomic,
            second_factors_accept_each_code_once,
            sessions_list_change_stage_and_end_on_password_change,
            account_links_work_once_and_account_changes_are_atomic,
            api_tokens_and_clients_are_revoked_together,
            every_table_is_in_the_backup);
        $crate::contract_suite!(@two $make; backup_restores_identically, damaged_backups_are_refused);
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

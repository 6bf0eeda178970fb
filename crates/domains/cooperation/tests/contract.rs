//! The slice's story on both backends: agreements, activities, follow-up actions and linked
//! records through the service, each change ledgered in its transaction, refused changes
//! leaving nothing; its tables in the backup; its IATI export valid against the IATI 2.03
//! activity schema (xmllint, schema fetched by `scripts/setup`); its messages complete.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use guichet_cooperation::model::{
    ActivityKind, NewActivity, NewAgreement, NewFollowUp, Participation, Party,
};
use guichet_cooperation::service::{CoopError, Cooperation, TimelineItem};
use guichet_cooperation::{CooperationStore, MIGRATIONS};
use guichet_core::{Country, FixedClock, OfficeId, SeededEntropy};
use guichet_ledger::Event;
use guichet_store::{Audit, Office, PlatformStore as _, StoreError};
use time::macros::{date, datetime};
use uuid::Uuid;

type Both = (
    Arc<dyn guichet_identity::IdentityStore>,
    Arc<dyn CooperationStore>,
);

async fn sqlite() -> Both {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(Uuid::now_v7().to_string());
    let store = Arc::new(
        guichet_store_sql::SqliteStore::open(&dir.join("g.db"), Arc::new(guichet_core::OsEntropy))
            .await
            .unwrap()
            .with_slices(&[
                &guichet_identity::MIGRATIONS,
                &guichet_one_stop::MIGRATIONS,
                &guichet_records::MIGRATIONS,
                &MIGRATIONS,
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
                &MIGRATIONS,
            ]),
    );
    store.migrate().await.unwrap();
    Some((store.clone(), store))
}

const NOW: time::OffsetDateTime = datetime!(2026-12-03 03:00 UTC);

fn agreement(code: &str) -> NewAgreement {
    NewAgreement {
        code: code.into(),
        titles: [
            (
                "vi".to_owned(),
                "Thỏa thuận hành chính 2025–2028".to_owned(),
            ),
            ("fr".to_owned(), "Accord administratif 2025-2028".to_owned()),
        ]
        .into(),
        summary: "Signé à Paris".into(),
        parties: vec![
            Party {
                name: "Bộ Nội vụ".into(),
                country: "VN".into(),
            },
            Party {
                name: "Ministère de la Fonction publique".into(),
                country: "FR".into(),
            },
        ],
        fields: vec!["gender_equality".into(), "training".into()],
        signed_on: date!(2024 - 10 - 04),
        signed_in: "Paris".into(),
        starts_on: date!(2025 - 01 - 01),
        ends_on: date!(2028 - 12 - 31),
    }
}

fn seminar(starts_on: time::Date) -> NewActivity {
    NewActivity {
        kind: ActivityKind::Seminar,
        titles: [("en".to_owned(), "Policy dialogue & <conference>".to_owned())].into(),
        starts_on,
        ends_on: starts_on,
        place: "Hà Nội".into(),
        country: "VN".into(),
        participants: vec![
            Participation {
                office: "Bộ Nội vụ".into(),
                women: 9,
                men: 7,
            },
            Participation {
                office: "Ambassade de France".into(),
                women: 1,
                men: 1,
            },
        ],
        outcomes: "Cooperation on the labour market".into(),
    }
}

async fn story((store, coop_store): Both) {
    let clock = FixedClock::new(NOW);
    let entropy = SeededEntropy::new(7);
    let office = Office {
        id: OfficeId(Uuid::now_v7()),
        code: "HN-SONOIVU".into(),
        name: "Sở Nội vụ Hà Nội".into(),
        country: Country::Vn,
        created_at: NOW,
    };
    let created = Event {
        stream: "system".into(),
        actor: "test".into(),
        action: "office.created".into(),
        object_type: "office".into(),
        object_id: office.id.to_string(),
        payload: serde_json::json!({}),
    };
    store
        .create_office(&office, &Audit::one(NOW, created))
        .await
        .unwrap();
    let coop = Cooperation {
        store: &*coop_store,
        identity: &*store,
        records: guichet_records::records_store(&*store).unwrap(),
        clock: &clock,
        entropy: &entropy,
    };

    let a = coop
        .create_agreement(&office, "user:test", agreement("vn-fr-2025-2028"))
        .await
        .unwrap();
    assert_eq!(a.code, "VN-FR-2025-2028");
    // A taken code: refused, and nothing ledgered for it.
    let again = coop
        .create_agreement(&office, "user:test", agreement("VN-FR-2025-2028"))
        .await
        .unwrap_err();
    assert!(
        matches!(again, CoopError::Store(StoreError::Conflict(_))),
        "{again}"
    );
    // A rule broken: refused before anything is written.
    let mut bad = agreement("OTHER");
    bad.parties.truncate(1);
    assert_eq!(
        coop.create_agreement(&office, "user:test", bad)
            .await
            .unwrap_err()
            .key(),
        "coop-parties-missing"
    );
    assert_eq!(coop_store.agreements(None).await.unwrap().len(), 1);

    let later = coop
        .record_activity(&a, "user:test", seminar(date!(2026 - 05 - 18)))
        .await
        .unwrap();
    let dialogue = coop
        .record_activity(&a, "user:test", seminar(date!(2025 - 11 - 27)))
        .await
        .unwrap();
    assert_eq!((dialogue.women(), dialogue.men()), (10, 8));
    let report = coop
        .add_follow_up(
            &a,
            dialogue.id,
            "user:test",
            NewFollowUp {
                description: "Send the summary".into(),
                owner: "Vụ Hợp tác quốc tế".into(),
                due_on: date!(2025 - 12 - 15),
            },
        )
        .await
        .unwrap();
    let done = coop
        .complete_follow_up(&a, report.id, "user:test")
        .await
        .unwrap();
    assert_eq!(
        done.done_on,
        Some(date!(2026 - 12 - 03)),
        "done today, office time"
    );
    assert!(matches!(
        coop.complete_follow_up(&a, report.id, "user:test").await,
        Err(CoopError::Store(StoreError::Stale(_)))
    ));
    coop.add_follow_up(
        &a,
        later.id,
        "user:test",
        NewFollowUp {
            description: "Prepare the expert mission".into(),
            owner: "Lê Thị Hoa".into(),
            due_on: date!(2026 - 06 - 30),
        },
    )
    .await
    .unwrap();
    // Records are read through the records slice's trait: an unknown one is not found.
    assert!(matches!(
        coop.link_document(&a, Uuid::now_v7(), "user:test").await,
        Err(CoopError::NotFound(_))
    ));

    let file = coop.file("VN-FR-2025-2028").await.unwrap();
    assert_eq!(file.activities.len(), 2);
    assert_eq!(
        file.activities[0].id, dialogue.id,
        "activities by start date"
    );
    assert_eq!(file.follow_ups.len(), 2);
    assert_eq!(
        file.follow_ups
            .iter()
            .filter(|f| f.is_overdue(date!(2026 - 12 - 03)))
            .count(),
        1
    );
    let timeline: Vec<_> = file.timeline().into_iter().map(|(d, _)| d).collect();
    let mut sorted = timeline.clone();
    sorted.sort();
    assert_eq!(timeline, sorted, "the timeline is in date order");
    assert!(matches!(file.timeline()[0].1, TimelineItem::Signed));

    // Every change is on the office's stream: the agreement, two activities, two actions
    // added, one done.
    let entries = store.ledger_entries("HN-SONOIVU", 0, 100).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "cooperation.agreement_created",
            "cooperation.activity_recorded",
            "cooperation.activity_recorded",
            "cooperation.follow_up_added",
            "cooperation.follow_up_done",
            "cooperation.follow_up_added",
        ]
    );

    // The slice's tables are in the store's table list, so backups carry them.
    let in_db: std::collections::BTreeSet<String> =
        store.data_tables().await.unwrap().into_iter().collect();
    let listed: std::collections::BTreeSet<String> =
        store.tables().iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(in_db, listed);
    let mut archive = Vec::new();
    guichet_store::backup::write_backup(&*store, &mut archive, NOW, vec![])
        .await
        .unwrap();
    let checked = guichet_store::backup::read_backup(archive.as_slice(), &store.tables()).unwrap();
    assert!(
        checked
            .manifest
            .parts
            .iter()
            .any(|p| p.table == "coop_activities" && p.rows == 2)
    );

    iati_is_valid(&file, NOW);
}

/// xmllint and the IATI 2.03 activity schema (scripts/setup), or `None` (skip) outside CI.
fn iati_schema() -> Option<(PathBuf, PathBuf)> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let schema = home.join(".cache/guichet-reference/iati-2.03/iati-activities-schema.xsd");
    let xmllint = PathBuf::from("/usr/bin/xmllint");
    if schema.exists() && xmllint.exists() {
        return Some((xmllint, schema));
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the IATI schema or xmllint is missing: run scripts/setup"
    );
    eprintln!("skipped: the IATI schema or xmllint is missing (run scripts/setup)");
    None
}

fn iati_is_valid(file: &guichet_cooperation::service::AgreementFile, now: time::OffsetDateTime) {
    let xml = guichet_cooperation::export::iati(
        std::slice::from_ref(file),
        "XI-GUICHET-HN-SONOIVU",
        "Sở Nội vụ Hà Nội",
        now,
        now.date(),
    )
    .unwrap();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(
        text.contains("<iati-identifier>XI-GUICHET-HN-SONOIVU-VN-FR-2025-2028</iati-identifier>")
    );
    assert!(
        text.contains("Policy dialogue &amp; &lt;conference&gt;"),
        "text is escaped"
    );
    assert!(
        text.contains(r#"<narrative xml:lang="vi">Thỏa thuận hành chính 2025–2028</narrative>"#)
    );
    assert_eq!(
        text.matches("<iati-activity ").count(),
        3,
        "the agreement and its two activities"
    );
    let csv =
        guichet_cooperation::export::csv(std::slice::from_ref(file), "en", now.date()).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.contains("Bộ Nội vụ: 9/7; Ambassade de France: 1/1"));
    let Some((xmllint, schema)) = iati_schema() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iati.xml");
    std::fs::write(&path, &xml).unwrap();
    let out = std::process::Command::new(xmllint)
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xmllint: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The validator does reject: an activity without its identifier fails the schema.
    let broken = text.replacen(
        "<iati-identifier>XI-GUICHET-HN-SONOIVU-VN-FR-2025-2028</iati-identifier>",
        "",
        1,
    );
    std::fs::write(&path, broken).unwrap();
    let out = std::process::Command::new("/usr/bin/xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a broken document must fail the schema"
    );
}

#[tokio::test]
async fn the_story_on_sqlite() {
    story(sqlite().await).await;
}

#[tokio::test]
async fn the_story_on_postgres() {
    let Some(both) = postgres().await else {
        return;
    };
    story(both).await;
}

#[test]
fn every_message_exists_in_every_language_and_every_key_used_is_defined() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut used = std::collections::BTreeSet::new();
    for dir in ["templates", "src"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for marker in [".t(\"", ".t1(\"", "key: \"", "\"coop-"] {
                for part in text.split(marker).skip(1) {
                    if let Some(end) = part.find('"') {
                        let key = if marker == "\"coop-" {
                            format!("coop-{}", &part[..end])
                        } else {
                            part[..end].to_owned()
                        };
                        used.insert(key);
                    }
                }
            }
        }
    }
    for k in ActivityKind::ALL {
        used.insert(format!("coop-kind-{}", k.code()));
    }
    for f in guichet_cooperation::model::FIELDS {
        used.insert(format!("coop-field-{f}"));
    }
    // Platform keys the templates use are the platform's; computed keys are added above.
    used.retain(|k| !guichet_web::i18n::platform_defines(k) && !k.contains('{'));
    assert!(used.len() > 60, "the scan found the keys: {used:?}");
    let used: Vec<&str> = used.iter().map(String::as_str).collect();
    guichet_web::i18n::check_slice_messages(guichet_cooperation::web::MESSAGES, &used).unwrap();
    // No key of the slice shadows one of the platform's.
    for (_, text) in guichet_cooperation::web::MESSAGES {
        for key in guichet_web::i18n::message_keys(text).unwrap() {
            assert!(
                !guichet_web::i18n::platform_defines(&key),
                "{key} is the platform's"
            );
        }
    }
}

/// The slice reads other domains only through their traits: its SQL names none of their tables.
#[test]
fn the_sql_names_only_the_slices_own_tables() {
    // The words of the string literals (the SQL text), not of the Rust around them.
    let source = include_str!("../src/sql.rs");
    let literals: Vec<&str> = source.split('"').skip(1).step_by(2).collect();
    let words: std::collections::BTreeSet<&str> = literals
        .iter()
        .flat_map(|l| l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .collect();
    let foreign: Vec<&str> = guichet_store::tables()
        .map(|t| t.name)
        .filter(|name| words.contains(name))
        .collect();
    assert!(
        foreign.is_empty(),
        "the SQL names other domains' tables: {foreign:?}"
    );
    for t in guichet_cooperation::TABLES {
        assert!(t.name.starts_with("coop_"), "{}", t.name);
        assert!(words.contains(t.name), "{} is used", t.name);
    }
}

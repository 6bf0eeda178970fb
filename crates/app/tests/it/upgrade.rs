//! Databases made before a layout change upgrade in place, with this binary's composition: the
//! built-in migrations and those of every composed slice.
//!
//! `fixtures/upgrade/history-*.tsv` is the migration history that databases of the previous
//! main recorded (version, description, SHA-384 of the file, computed with `sha384sum` from
//! that commit's migration files); `fixtures/upgrade/previous-main.*` are databases that
//! commit f6dc65a's binary made (`guichet demo --no-serve`, then the shipped admin units
//! removed to keep the files small), with the ledger key of their data directories. See
//! `fixtures/upgrade/README.md`. A migration that moved into its slice's crate keeps its
//! version and its bytes, so these databases open without a reset.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::sync::Arc;

use guichet_core::OsEntropy;
use guichet_store::{Backend, PlatformStore};
use guichet_store_sql::migrations::{MigrationSet, SETS, collect};

fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upgrade")
        .join(name)
}

fn gunzip(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(fixture_path(name)).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The built-in sets and every composed slice's.
fn all_sets() -> Vec<&'static MigrationSet> {
    SETS.iter()
        .chain(guichet::slices::MIGRATION_SETS)
        .copied()
        .collect()
}

/// (version, description, hex SHA-384) as recorded by the previous main.
fn history(backend: Backend) -> Vec<(i64, String, String)> {
    std::fs::read_to_string(fixture_path(&format!("history-{backend}.tsv")))
        .unwrap()
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            let v = f.next().unwrap().parse().unwrap();
            (
                v,
                f.next().unwrap().to_owned(),
                f.next().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn collected_migrations_extend_the_recorded_history() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let recorded = history(backend);
        assert_eq!(
            recorded.len(),
            9,
            "{backend}: the fixture is the 9-migration history"
        );
        let migrator = collect(&all_sets(), backend).unwrap();
        assert!(migrator.migrations.len() >= recorded.len());
        for ((version, description, checksum), m) in recorded.iter().zip(migrator.iter()) {
            assert_eq!(m.version, *version, "{backend}");
            assert_eq!(&*m.description, description, "{backend} {version}");
            assert_eq!(
                hex::encode(&*m.checksum),
                *checksum,
                "{backend} migration {version} changed: databases that applied it would refuse to open"
            );
        }
    }
}

/// The key of the previous main's demo data directory, which signed its checkpoints.
fn trusted(backend: Backend) -> guichet_ledger::TrustedKeys {
    let path = fixture_path(&format!("previous-main.{backend}.ledger-key"));
    let key = guichet_ledger::LedgerKey::load_or_create(&path, &OsEntropy).unwrap();
    let mut keys = guichet_ledger::TrustedKeys::new();
    keys.add(key.public());
    keys
}

/// What a demo database must still show after the upgrade.
async fn check(store: Arc<dyn PlatformStore>) {
    let latest = all_sets()
        .iter()
        .flat_map(|s| s.sqlite.migrations.iter().map(|m| m.version))
        .max()
        .unwrap();
    assert_eq!(store.schema_version().await.unwrap(), latest);
    // Migrating again is a no-op.
    store.migrate().await.unwrap();
    let in_db: BTreeSet<String> = store.data_tables().await.unwrap().into_iter().collect();
    let listed: BTreeSet<String> = store.tables().iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(in_db, listed, "every table of every slice is backed up");
    assert!(in_db.contains("coop_agreements"));
    assert!(in_db.contains("payslips"));
    let identity = guichet_identity::identity_store(&*store).unwrap();
    let admin = identity.user_by_username("admin").await.unwrap().unwrap();
    assert!(
        admin.grants.iter().all(|g| g.object.is_none()),
        "old grants hold no object"
    );
    let offices = identity.list_offices().await.unwrap();
    let hoan_kiem = offices
        .iter()
        .find(|o| o.code == "HN-HOANKIEM")
        .expect("the demo's Hoàn Kiếm office");
    let dossiers = guichet_one_stop::one_stop_store(&*store)
        .unwrap()
        .list_dossiers(&guichet_one_stop::store::DossierQuery {
            office: Some(hoan_kiem.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!dossiers.is_empty(), "the demo's dossiers are still there");
    let with_code = dossiers.iter().find_map(|d| d.code.clone()).unwrap();
    assert!(
        guichet_one_stop::one_stop_store(&*store)
            .unwrap()
            .dossier_by_code(&with_code)
            .await
            .unwrap()
            .is_some()
    );
    let home_affairs = offices
        .iter()
        .find(|o| o.code == "HN-SONOIVU")
        .expect("the demo's Hanoi Department of Home Affairs");
    let hr = guichet_hr::hr_store(&*store).unwrap();
    assert!(!hr.staff_list(home_affairs.id).await.unwrap().is_empty());
    assert!(!hr.payroll_runs(home_affairs.id).await.unwrap().is_empty());
    assert!(
        guichet_records::records_store(&*store)
            .unwrap()
            .count_records(None)
            .await
            .unwrap()
            > 0
    );
    let report =
        guichet_store::verify::verify_store(&store, &trusted(store.backend()), Arc::new(|_, _| {}))
            .await
            .unwrap()
            .expect("the previous main's ledger verifies after the upgrade");
    assert!(report.entries > 100, "{} entries", report.entries);
    assert!(report.checkpoints > 0, "the old checkpoints were checked");
}

#[tokio::test]
async fn a_sqlite_database_of_the_previous_main_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("guichet.db");
    std::fs::write(&path, gunzip("previous-main.sqlite.gz")).unwrap();
    let url = format!("sqlite:{}", path.display());
    let store = guichet::open_store(&url, Arc::new(OsEntropy))
        .await
        .unwrap();
    check(store).await;
}

#[tokio::test]
async fn a_postgres_database_of_the_previous_main_upgrades_in_place() {
    let Some(url) = guichet_store_sql::testing::postgres_for_tests().await else {
        return;
    };
    let dump = String::from_utf8(gunzip("previous-main.postgres.sql.gz")).unwrap();
    {
        use sqlx::Connection as _;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(dump))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let store = guichet::open_store(&url, Arc::new(OsEntropy))
        .await
        .unwrap();
    check(store).await;
}

//! A database made by the main before the slice move (the fixture of `guichet-store-sql`'s
//! upgrade test, made by commit f6dc65a's binary) opens with this binary's composition: the
//! built-in migrations it lacks and those of every composed slice apply in place, and its
//! tables then match what the store backs up.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::sync::Arc;

use guichet_core::OsEntropy;
use guichet_store::Store;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../platform/store-sql/tests/fixtures")
        .join(name);
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

async fn check(store: Arc<dyn Store>) {
    let latest = guichet::slices::MIGRATION_SETS
        .iter()
        .flat_map(|s| s.sqlite.migrations.iter().map(|m| m.version))
        .max()
        .unwrap();
    assert_eq!(store.schema_version().await.unwrap(), latest);
    let in_db: BTreeSet<String> = store.data_tables().await.unwrap().into_iter().collect();
    let listed: BTreeSet<String> = store.tables().iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(in_db, listed, "every table of every slice is backed up");
    assert!(in_db.contains("coop_agreements"));
    let admin = store.user_by_username("admin").await.unwrap().unwrap();
    assert!(
        admin.grants.iter().all(|g| g.object.is_none()),
        "old grants hold no object"
    );
    assert!(!store.list_offices().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_sqlite_database_of_the_previous_main_opens_with_every_slice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("guichet.db");
    std::fs::write(&path, fixture("previous-main.sqlite.gz")).unwrap();
    let url = format!("sqlite:{}", path.display());
    let store = guichet::open_store(&url, Arc::new(OsEntropy))
        .await
        .unwrap();
    check(store).await;
}

#[tokio::test]
async fn a_postgres_database_of_the_previous_main_opens_with_every_slice() {
    let Some(url) = guichet_store_sql::testing::postgres_for_tests().await else {
        return;
    };
    let dump = String::from_utf8(fixture("previous-main.postgres.sql.gz")).unwrap();
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

//! Fresh stores for the contract suite: a new SQLite file, or a new PostgreSQL database.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use guichet_core::OsEntropy;
use guichet_store::Store;
use uuid::Uuid;

pub async fn fresh_sqlite() -> Option<Arc<dyn Store>> {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(Uuid::now_v7().to_string());
    let url = format!("sqlite:{}", dir.join("guichet.db").display());
    Some(
        guichet_store_sql::open(&url, Arc::new(OsEntropy))
            .await
            .expect("open sqlite"),
    )
}

/// The server that test databases are created on.
pub fn postgres_admin_url() -> String {
    std::env::var("GUICHET_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A new, empty, migrated database named `guichet_test_<uuid>`. Outside CI a missing server
/// skips the test with a loud message; with `CI=true` it fails.
pub async fn fresh_postgres() -> Option<Arc<dyn Store>> {
    let admin_url = postgres_admin_url();
    let admin = match guichet_store_sql::PostgresStore::connect(&admin_url, Arc::new(OsEntropy))
        .await
    {
        Ok(a) => a,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "\n!!!!! SKIPPING PostgreSQL contract test: {e}\n!!!!! set CI=true to make this a failure\n"
            );
            return None;
        }
        Err(e) => panic!("PostgreSQL is required when CI=true: {e}"),
    };
    let name = format!("guichet_test_{}", Uuid::now_v7().simple());
    admin
        .execute_raw(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin_url);
    Some(
        guichet_store_sql::open(&format!("{base}/{name}"), Arc::new(OsEntropy))
            .await
            .expect("open postgres"),
    )
}

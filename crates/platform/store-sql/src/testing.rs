//! Scratch PostgreSQL databases for tests and benchmarks.
#![allow(clippy::panic)]

use std::sync::Arc;

use guichet_core::OsEntropy;
use guichet_store::{PlatformStore, Result};

use crate::PostgresStore;

/// The server scratch databases are created on, chosen as `scripts/postgres-env` chooses it:
/// `GUICHET_TEST_POSTGRES_URL`; else the URL in `GUICHET_TEST_POSTGRES_URL_FILE` (default
/// `~/.config/guichet/test-postgres-url`, written by `scripts/setup` for a server that asks for
/// a password); else the local trust-auth server on `PGPORT` (default 5432).
pub fn postgres_admin_url() -> String {
    if let Ok(url) = std::env::var("GUICHET_TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        return url;
    }
    let file = std::env::var_os("GUICHET_TEST_POSTGRES_URL_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| std::path::Path::new(&home).join(".config/guichet/test-postgres-url"))
        });
    if let Some(url) = file
        .and_then(|f| std::fs::read_to_string(f).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    {
        return url;
    }
    let port = std::env::var("PGPORT").unwrap_or_else(|_| "5432".to_owned());
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

/// Creates an empty database named `{prefix}_{uuid}` and returns its URL.
pub async fn create_scratch_database(admin_url: &str, prefix: &str) -> Result<String> {
    let admin = PostgresStore::connect(admin_url, Arc::new(OsEntropy)).await?;
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    admin
        .execute_raw(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}

/// Drops a scratch database created by [`create_scratch_database`].
pub async fn drop_scratch_database(admin_url: &str, url: &str) -> Result<()> {
    let Some((_, name)) = url.rsplit_once('/') else {
        return Ok(());
    };
    let admin = PostgresStore::connect(admin_url, Arc::new(OsEntropy)).await?;
    admin
        .execute_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .map(|_| ())
}

/// A scratch database URL for a test, or `None` (with a loud message) when PostgreSQL is not
/// reachable outside CI. With `CI=true` an unreachable server fails the test.
pub async fn postgres_for_tests() -> Option<String> {
    let admin = postgres_admin_url();
    match create_scratch_database(&admin, "guichet_test").await {
        Ok(url) => Some(url),
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "\n!!!!! SKIPPING PostgreSQL test: {e}\n!!!!! set CI=true to make this a failure\n"
            );
            None
        }
        Err(e) => panic!("PostgreSQL is required when CI=true: {e}"),
    }
}

/// A fresh, migrated PostgreSQL store for a test (see [`postgres_for_tests`]).
pub async fn fresh_postgres_store() -> Option<Arc<dyn PlatformStore>> {
    let url = postgres_for_tests().await?;
    match crate::open(&url, Arc::new(OsEntropy)).await {
        Ok(store) => Some(store),
        Err(e) => panic!("cannot open scratch database {url}: {e}"),
    }
}

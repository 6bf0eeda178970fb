//! The storage contract, on SQLite.
mod common;
use common::fresh_sqlite;

guichet_store::contract_suite!(fresh_sqlite);

/// The lean SQLite ledger reader returns exactly what sqlx's generic decoding returns.
#[tokio::test]
async fn lean_ledger_reader_matches_generic_decoding() {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(uuid::Uuid::now_v7().to_string());
    let store = guichet_store_sql::SqliteStore::open(
        &dir.join("g.db"),
        std::sync::Arc::new(guichet_core::OsEntropy),
    )
    .await
    .unwrap();
    guichet_store::PlatformStore::migrate(&store).await.unwrap();
    guichet_store::contract::fill(&store).await;
    let lean = guichet_store::PlatformStore::ledger_entries(&store, "system", 0, 100)
        .await
        .unwrap();
    let head = guichet_store::PlatformStore::stream_heads(&store)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.stream == "system")
        .unwrap();
    assert!(lean.len() > 5);
    assert_eq!(
        lean.len() as u64,
        head.seq as u64,
        "every entry of the stream"
    );
    assert_eq!(
        lean,
        store.read_ledger_generic("system", 0, 100).await.unwrap()
    );
    assert_eq!(
        guichet_store::PlatformStore::ledger_entries(&store, "system", 1, 1)
            .await
            .unwrap(),
        lean[1..2].to_vec()
    );
}

/// The lean SQLite dossier reader (exports) returns exactly what sqlx's generic decoding
/// returns, answers and dates included, page by page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lean_dossier_reader_matches_generic_decoding() {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(uuid::Uuid::now_v7().to_string());
    let store = std::sync::Arc::new(
        guichet_store_sql::SqliteStore::open(
            &dir.join("g.db"),
            std::sync::Arc::new(guichet_core::OsEntropy),
        )
        .await
        .unwrap(),
    );
    guichet_store::PlatformStore::migrate(&*store)
        .await
        .unwrap();
    guichet_store::contract::documents_ratings_stats_and_exports(store.clone()).await;
    let office = guichet_store::IdentityStore::list_offices(&*store)
        .await
        .unwrap()[0]
        .id;
    let lean = guichet_store::OneStopStore::dossiers_page(&*store, office, None, None, 100)
        .await
        .unwrap();
    assert_eq!(lean.len(), 5);
    assert!(
        lean.iter()
            .any(|d| d.received_at.is_some() && d.code.is_some())
    );
    assert_eq!(
        lean,
        store
            .dossiers_page_generic(office, None, None, 100)
            .await
            .unwrap()
    );
    let after = Some(lean[1].id);
    assert_eq!(
        guichet_store::OneStopStore::dossiers_page(&*store, office, None, after, 2)
            .await
            .unwrap(),
        lean[2..4].to_vec()
    );
}

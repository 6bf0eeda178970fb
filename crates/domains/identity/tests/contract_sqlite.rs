//! The identity slice's storage contract (with the platform's ledger, verification and
//! backup cases, which need its rows), on SQLite.
mod common;
use common::fresh_sqlite;

guichet_identity::contract_suite!(fresh_sqlite);

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
    let store = store.with_slices(&[&guichet_identity::MIGRATIONS]);
    guichet_store::PlatformStore::migrate(&store).await.unwrap();
    guichet_identity::contract::fill(&store).await;
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

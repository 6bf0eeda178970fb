//! The storage contract, on SQLite.
mod common;
use common::fresh_sqlite;

guichet_store::contract_suite!(fresh_sqlite);

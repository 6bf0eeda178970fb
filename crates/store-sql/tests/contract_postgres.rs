//! The storage contract, on PostgreSQL.
mod common;
use common::fresh_postgres;

guichet_store::contract_suite!(fresh_postgres);

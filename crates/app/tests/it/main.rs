//! guichet's integration tests, in one binary: they drive the real server over HTTP (on both
//! backends) and the real `guichet` executable. One binary links once and lets the tests of
//! every file share the test threads (cargo runs separate test binaries one after another).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod support;

mod accounts;
mod authz_matrix;
mod cli;
mod counter;
mod documents;
mod hr;
mod oidc;
mod one_stop;
mod records;
mod security;
mod sign_in;
mod silence;
mod tokens;
mod units;
mod upgrade;
mod web;

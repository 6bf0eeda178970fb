//! Legal rules of Vietnam and France as pure functions, with no database and no web:
//! identifiers of people and businesses ([`ids`]), the Vietnamese lunar calendar ([`lunar`]),
//! public holidays ([`holidays`]) and working-day deadlines ([`calendar`]).
//!
//! Invariant: no function here panics on any input; every rejection carries a stable reason
//! code and a message in vi, fr and en.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod calendar;
pub mod holidays;
pub mod ids;
pub mod lunar;

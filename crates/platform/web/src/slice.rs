//! What a domain slice crate hands the app besides its [`WebSlice`](crate::WebSlice): the
//! demo data that tells its story, and its command-line subcommand. (Its migrations are a
//! `guichet_store_sql` `MigrationSet`.)

use std::collections::BTreeMap;

use guichet_core::{Clock, Entropy};
use guichet_store::{Office, PlatformStore, User};

/// The demo so far, when a slice's demo runs: the offices and the demo accounts by username.
pub struct DemoContext<'a> {
    pub store: &'a dyn PlatformStore,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
    pub offices: &'a [Office],
    pub users: &'a BTreeMap<&'static str, User>,
}

impl DemoContext<'_> {
    pub fn office(&self, code: &str) -> Result<&Office, SliceError> {
        self.offices
            .iter()
            .find(|o| o.code == code)
            .ok_or_else(|| format!("the demo has no office {code}").into())
    }

    pub fn user(&self, username: &str) -> Result<&User, SliceError> {
        self.users
            .get(username)
            .ok_or_else(|| format!("the demo has no user {username}").into())
    }
}

/// An error of a slice's demo or command, reported by the app.
pub type SliceError = Box<dyn std::error::Error + Send + Sync>;

/// A slice's demo loader; runs once, after the built-in domains' demo data.
pub type DemoFn =
    for<'a> fn(&'a DemoContext<'a>) -> futures_util::future::BoxFuture<'a, Result<(), SliceError>>;

/// What a slice's command runs with: the opened, migrated store and the injected time and
/// randomness.
pub struct CommandContext<'a> {
    pub store: &'a dyn PlatformStore,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
}

/// A slice's subcommand of `guichet` (`guichet <name> …`): its clap definition and what it
/// runs on the parsed arguments, returning the text to print.
pub struct SliceCommand {
    pub name: &'static str,
    pub command: fn() -> clap::Command,
    pub run: for<'a> fn(
        &'a CommandContext<'a>,
        &'a clap::ArgMatches,
    ) -> futures_util::future::BoxFuture<'a, Result<String, SliceError>>,
}

//! What a domain slice crate hands the app besides its [`WebSlice`](crate::WebSlice): the
//! demo data that tells its story, and its command-line subcommand. (Its migrations are a
//! `guichet_store_sql` `MigrationSet`.)

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use guichet_common::files::Files;
use guichet_core::{Clock, Entropy};
use guichet_store::{Office, PlatformStore, User};

/// The demo so far, when a slice's demo runs: the offices and the demo accounts by username,
/// and what the slices' services need (the same as a command's).
pub struct DemoContext<'a> {
    pub store: &'a dyn PlatformStore,
    /// The same store, shared (for work handed to another task).
    pub shared_store: &'a Arc<dyn PlatformStore>,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
    pub offices: &'a [Office],
    pub users: &'a BTreeMap<&'static str, User>,
    pub files: &'a Files,
    pub data_dir: &'a Path,
    /// The slices' own settings and handles, by type (as [`crate::AppState::slice_state`]).
    pub state: &'a axum::http::Extensions,
    /// The administrative-unit registry.
    pub units: &'a guichet_units::Registry,
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

/// What a slice's command runs with: the opened, migrated store, the injected time and
/// randomness, the file store, the data directory and the slices' state.
pub struct CommandContext<'a> {
    pub store: &'a dyn PlatformStore,
    /// The same store, shared (for work handed to another thread).
    pub shared_store: &'a Arc<dyn PlatformStore>,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
    pub files: &'a Files,
    pub data_dir: &'a Path,
    /// The slices' own settings and handles, by type (as [`crate::AppState::slice_state`]).
    pub state: &'a axum::http::Extensions,
}

impl<'a> CommandContext<'a> {
    /// A slice's state of type `T` (the app composes them all).
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&'a T, SliceError> {
        self.state.get::<T>().ok_or_else(|| {
            format!(
                "the application holds no {}: is the slice composed?",
                std::any::type_name::<T>()
            )
            .into()
        })
    }
}

/// What a command prints on standard output, and the exit status it ends with (0: success;
/// e.g. a fixity audit that found damage prints its report and ends with 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub text: String,
    pub status: u8,
}

impl Output {
    /// Printed, then the command ends with `status`.
    pub fn with_status(text: String, status: u8) -> Output {
        Output { text, status }
    }
}

impl From<String> for Output {
    fn from(text: String) -> Output {
        Output { text, status: 0 }
    }
}

/// A slice's subcommand of `guichet` (`guichet <name> …`): its clap definition and what it
/// runs on the parsed arguments, returning what to print.
pub struct SliceCommand {
    pub name: &'static str,
    pub command: fn() -> clap::Command,
    /// Runs the arguments that need no database (a date computation, a check of a file against
    /// given keys); `None` hands them to `run`, after the store is opened.
    pub offline: fn(&clap::ArgMatches) -> Option<Result<Output, SliceError>>,
    pub run: for<'a> fn(
        &'a CommandContext<'a>,
        &'a clap::ArgMatches,
    ) -> futures_util::future::BoxFuture<'a, Result<Output, SliceError>>,
}

/// The `run` of a [`SliceCommand`] whose `offline` part answers every argument (never called).
pub fn never_online<'a>(
    _: &'a CommandContext<'a>,
    _: &'a clap::ArgMatches,
) -> futures_util::future::BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async { Err("this command runs without a database".into()) })
}

/// For a [`SliceCommand`] all of whose arguments need the database.
pub fn never_offline(_: &clap::ArgMatches) -> Option<Result<Output, SliceError>> {
    None
}

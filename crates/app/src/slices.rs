//! The app's composition list: the modules and domain slices this binary serves, the
//! migrations it applies, the demo data it loads. A new domain slice adds one line to each
//! list here (and its crate to `Cargo.toml`); nothing else in the app names it.

use guichet_store_sql::migrations::MigrationSet;
use guichet_web::WebSlice;
use guichet_web::slice::{DemoFn, SliceCommand};

/// The modules the application serves, in the order their routes are added (platform
/// first, then the built-in domains, then the slice crates).
pub static WEB_SLICES: &[&WebSlice] = &[
    &guichet_web::api::SLICE,
    &guichet_web::pages::SLICE,
    &guichet_identity::web::SLICE,
    &guichet_identity::web::account::SLICE,
    &guichet_identity::web::accounts_admin::SLICE,
    &guichet_identity::web::tokens_web::SLICE,
    &guichet_identity::web::calendar::SLICE,
    &guichet_local_admin::SLICE,
    &guichet_one_stop::web::one_stop::SLICE,
    &guichet_one_stop::web::counter_web::SLICE,
    &guichet_one_stop::web::one_stop_api::SLICE,
    &guichet_one_stop::web::documents_web::SLICE,
    &guichet_one_stop::web::stats_web::SLICE,
    &guichet_one_stop::web::exports_web::SLICE,
    &guichet_one_stop::web::procedures_admin::SLICE,
    &guichet_records::SLICE,
    &guichet_hr::SLICE,
    &guichet_cooperation::SLICE,
];

/// The migrations of the slice crates, applied after (and numbered after) the built-in ones.
pub static MIGRATION_SETS: &[&MigrationSet] = &[
    &guichet_identity::MIGRATIONS,
    &guichet_local_admin::MIGRATIONS,
    &guichet_one_stop::MIGRATIONS,
    &guichet_records::MIGRATIONS,
    &guichet_hr::MIGRATIONS,
    &guichet_cooperation::MIGRATIONS,
];

/// The slice crates' subcommands of `guichet` (`guichet <name> …`).
pub static COMMANDS: &[&SliceCommand] = &[
    &guichet_identity::cli::USER,
    &guichet_identity::cli::OFFICE,
    &guichet_identity::cli::CALENDAR,
    &guichet_local_admin::cli::UNITS,
    &guichet_one_stop::cli::DOC,
    &guichet_one_stop::cli::EXPORT,
    &guichet_records::cli::ARCHIVE,
    &guichet_records::cli::BAG,
    &guichet_hr::cli::COMMAND,
    &guichet_hr::cli::PAY,
    &guichet_cooperation::cli::COMMAND,
];

/// The slice crates' demo loaders, run in this order after the demo's offices and accounts
/// (records captures the one-stop dossiers' documents, so it comes after one-stop).
pub static DEMOS: &[DemoFn] = &[
    guichet_one_stop::DEMO,
    guichet_records::DEMO,
    guichet_hr::DEMO,
    guichet_cooperation::DEMO,
];

/// What `guichet slices` prints: each module's routes and accessibility pages, and the
/// migration sets of the slice crates.
pub fn describe() -> serde_json::Value {
    let routes = |specs: &[guichet_web::RouteSpec], prefix: &str| -> Vec<String> {
        specs
            .iter()
            .flat_map(|r| {
                r.methods
                    .iter()
                    .map(move |m| format!("{} {prefix}{}", m.to_uppercase(), r.path))
            })
            .collect()
    };
    serde_json::json!({
        "slices": WEB_SLICES.iter().map(|s| serde_json::json!({
            "name": s.name,
            "pages": routes(s.pages, ""),
            "api": routes(s.api, "/api/v1"),
            "a11y": s.a11y.iter().map(|(who, path)| serde_json::json!({
                "who": if who.is_empty() { None } else { Some(who) },
                "path": path,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "commands": COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>(),
        "migrations": MIGRATION_SETS.iter().map(|m| serde_json::json!({
            "domain": m.domain,
            "versions": m.sqlite.migrations.iter().map(|m| m.version).collect::<Vec<_>>(),
            "tables": m.tables.iter().map(|t| t.name).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

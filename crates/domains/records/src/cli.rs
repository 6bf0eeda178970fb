//! `guichet archive …` (capture, packages out and in, fixity, the search index) and
//! `guichet bag …` (BagIt bags of any directory, the same code the exports use).
//! Progress goes to standard error; what the command found is its output.

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Command, FromArgMatches, Subcommand};
use futures_util::future::BoxFuture;
use guichet_common::Actor;
use guichet_web::slice::{
    CommandContext, Output, SliceCommand, SliceError, never_offline, never_online,
};

use crate::RecordsState;
use crate::service::{PackageFormat, Records};

/// `guichet archive …`, composed by the app.
pub static ARCHIVE: SliceCommand = SliceCommand {
    name: "archive",
    command: archive_command,
    offline: never_offline,
    run: run_archive,
};

/// `guichet bag …`, composed by the app; needs no database.
pub static BAG: SliceCommand = SliceCommand {
    name: "bag",
    command: bag_command,
    offline: run_bag,
    run: never_online,
};

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Capture new dossier documents as records and write the 30-day due warnings (serve
    /// does this every `records_interval_secs`).
    Capture,
    /// Write an office's records as an archival package into a new directory.
    Export {
        #[arg(long)]
        office: String,
        /// bagit, seda (SEDA 2.2 ArchiveTransfer) or eark (E-ARK CSIP/SIP).
        #[arg(long, default_value = "bagit")]
        format: String,
        /// Comma-separated archival file references (default: every file).
        #[arg(long)]
        files: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a package guichet exported (all digests checked; all or nothing).
    Import {
        #[arg(long, default_value = "bagit")]
        format: String,
        dir: PathBuf,
    },
    /// Check every copy of every record's content; exit 0 only when nothing failed.
    Fixity {
        /// Rewrite missing or altered copies from an intact copy.
        #[arg(long)]
        repair: bool,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the record search index from the database.
    Reindex,
    /// Search records (accent-insensitive).
    Search {
        query: String,
        #[arg(long)]
        office: Option<String>,
    },
}

#[derive(Subcommand)]
enum BagCommand {
    /// Turn a directory into a bag in place (its content moves under data/).
    Create {
        dir: PathBuf,
        /// Hashing threads (default: the machine's cores).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Validate a bag; exit 0 only when it is valid.
    Validate {
        dir: PathBuf,
        #[arg(long)]
        workers: Option<usize>,
    },
}

fn archive_command() -> Command {
    ArchiveCommand::augment_subcommands(
        Command::new("archive")
            .about("Records and archives: capture, packages, fixity, search")
            .subcommand_required(true),
    )
}

fn bag_command() -> Command {
    BagCommand::augment_subcommands(
        Command::new("bag")
            .about("BagIt bags of any directory: create, validate")
            .subcommand_required(true),
    )
}

fn cli_actor() -> Actor {
    Actor::named("cli")
}

/// The records service of the command's instance, with the search index when `index`.
async fn records<'a>(ctx: &'a CommandContext<'a>, index: bool) -> Result<Records<'a>, SliceError> {
    let state: &RecordsState = ctx.state()?;
    let store = crate::records_store(ctx.store)?;
    let index = if index {
        state
            .search
            .open(store, ctx.clock, ctx.entropy, &state.archive, ctx.files)
            .await
    } else {
        None
    };
    Ok(Records {
        store,
        clock: ctx.clock,
        entropy: ctx.entropy,
        archive: &state.archive,
        files: ctx.files,
        index,
    })
}

async fn office(ctx: &CommandContext<'_>, code: &str) -> Result<guichet_store::Office, SliceError> {
    guichet_identity::identity_store(ctx.store)?
        .office_by_code(code)
        .await?
        .ok_or_else(|| format!("no office has the code {code}").into())
}

fn format_of(s: &str) -> Result<PackageFormat, SliceError> {
    PackageFormat::parse(s)
        .ok_or_else(|| format!("unknown format {s:?}: bagit, seda or eark").into())
}

fn run_archive<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async move {
        match ArchiveCommand::from_arg_matches(args)? {
            ArchiveCommand::Capture => capture(ctx).await.map(Output::from),
            ArchiveCommand::Export {
                office,
                format,
                files,
                out,
            } => export(ctx, &office, &format, files.as_deref(), &out)
                .await
                .map(Output::from),
            ArchiveCommand::Import { format, dir } => {
                import(ctx, &format, &dir).await.map(Output::from)
            }
            ArchiveCommand::Fixity { repair, json } => fixity(ctx, repair, json).await,
            ArchiveCommand::Reindex => reindex(ctx).await.map(Output::from),
            ArchiveCommand::Search { query, office } => search(ctx, &query, office.as_deref())
                .await
                .map(Output::from),
        }
    })
}

async fn capture(ctx: &CommandContext<'_>) -> Result<String, SliceError> {
    let r = records(ctx, true).await?;
    let mut total = 0;
    loop {
        let n = r.capture_pending(500).await?;
        total += n;
        if n == 0 {
            break;
        }
    }
    let mut out = format!("captured {total} dossier document(s) as records\n");
    for office in guichet_identity::identity_store(ctx.store)?
        .list_offices()
        .await?
    {
        let warned = r.warn_due(&office).await?;
        if !warned.is_empty() {
            out.push_str(&format!(
                "{}: {} record(s) become due within 30 days\n",
                office.code,
                warned.len()
            ));
        }
    }
    Ok(out)
}

async fn export(
    ctx: &CommandContext<'_>,
    office_code: &str,
    format: &str,
    files: Option<&str>,
    out: &Path,
) -> Result<String, SliceError> {
    let format = format_of(format)?;
    let office = office(ctx, office_code).await?;
    let mut ids = Vec::new();
    if let Some(refs) = files {
        let all = crate::records_store(ctx.store)?
            .archive_files(office.id, 100_000)
            .await?;
        for reference in refs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let f = all
                .iter()
                .find(|f| f.reference == reference || f.id.to_string() == reference)
                .ok_or_else(|| format!("{}: no archival file {reference}", office.code))?;
            ids.push(f.id);
        }
    }
    let agency = ctx.state::<RecordsState>()?.agency.clone();
    let r = records(ctx, false).await?;
    let (path, n) = r
        .export(&office, &cli_actor(), format, &ids, agency, out)
        .await?;
    Ok(format!("wrote {n} record(s) to {}\n", path.display()))
}

async fn import(ctx: &CommandContext<'_>, format: &str, dir: &Path) -> Result<String, SliceError> {
    let format = format_of(format)?;
    let r = records(ctx, true).await?;
    let report = r.import(&cli_actor(), format, dir).await?;
    Ok(format!(
        "imported {} record(s), {} archival file(s), {} class(es); {} already present\n",
        report.records, report.files, report.classes, report.already_present
    ))
}

/// The audit's report; the command ends with status 1 when a copy failed.
async fn fixity(ctx: &CommandContext<'_>, repair: bool, json: bool) -> Result<Output, SliceError> {
    let r = records(ctx, false).await?;
    let progress = |done: u64, total: u64| {
        if !json {
            eprint!("\rchecked {done}/{total} records");
        }
    };
    let run = r.fixity_audit(repair, &progress).await?;
    let text = if json {
        format!(
            "{}\n",
            serde_json::json!({
                "objects": run.objects, "copies_checked": run.copies_checked, "ok": run.ok,
                "repaired": run.repaired, "failed": run.failed, "problems": run.report,
            })
        )
    } else {
        eprintln!();
        let mut out = format!(
            "{} object(s), {} copies checked: {} intact, {} repaired, {} failed\n",
            run.objects, run.copies_checked, run.ok, run.repaired, run.failed
        );
        if let Some(problems) = run.report.as_array() {
            for p in problems {
                out.push_str(&format!(
                    "  record {} {}: {} → {}\n",
                    p["record"].as_str().unwrap_or("?"),
                    p["copy"].as_str().unwrap_or("?"),
                    p["problem"].as_str().unwrap_or("?"),
                    p["action"].as_str().unwrap_or("?")
                ));
            }
        }
        out
    };
    Ok(Output::with_status(
        text,
        if run.failed == 0 { 0 } else { 1 },
    ))
}

async fn reindex(ctx: &CommandContext<'_>) -> Result<String, SliceError> {
    let r = records(ctx, true).await?;
    if r.index.is_none() {
        return Err(
            "the search index is in use by another guichet process (stop the server first)".into(),
        );
    }
    let n = r
        .reindex(&|done, total| eprint!("\rindexed {done}/{total}"))
        .await?;
    eprintln!();
    Ok(format!("indexed {n} record(s)\n"))
}

async fn search(
    ctx: &CommandContext<'_>,
    query: &str,
    office_code: Option<&str>,
) -> Result<String, SliceError> {
    let scope = match office_code {
        Some(code) => Some(vec![office(ctx, code).await?.id]),
        None => None,
    };
    let r = records(ctx, true).await?;
    let mut out = String::new();
    for row in r.search(scope.as_deref(), query, 50).await? {
        out.push_str(&format!(
            "{}\t{}\t{}\n",
            row.id,
            row.doc_date,
            crate::service::record_label(&row)
        ));
    }
    Ok(out)
}

fn run_bag(args: &ArgMatches) -> Option<Result<Output, SliceError>> {
    let workers =
        |w: Option<usize>| w.unwrap_or_else(guichet_records_formats::hashing::default_workers);
    Some((|| match BagCommand::from_arg_matches(args)? {
        BagCommand::Create { dir, workers: w } => bag_create(&dir, workers(w)),
        BagCommand::Validate { dir, workers: w } => bag_validate(&dir, workers(w)),
    })())
}

/// `guichet bag create DIR`: makes a bag of the directory in place.
fn bag_create(dir: &Path, workers: usize) -> Result<Output, SliceError> {
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let s = guichet_records_formats::bagit::make_bag_in_place(dir, &today, &[], workers)?;
    Ok(format!("bagged {} file(s), {} bytes\n", s.files, s.bytes).into())
}

/// `guichet bag validate DIR`: status 0 only for a valid bag.
fn bag_validate(dir: &Path, workers: usize) -> Result<Output, SliceError> {
    let v = guichet_records_formats::bagit::validate(dir, workers)?;
    if v.is_valid() {
        return Ok(format!(
            "{} is valid ({} files, {} bytes)\n",
            dir.display(),
            v.summary.files,
            v.summary.bytes
        )
        .into());
    }
    let mut out = String::new();
    for p in &v.problems {
        out.push_str(&format!("{p}\n"));
    }
    out.push_str(&format!("{} is NOT valid\n", dir.display()));
    Ok(Output::with_status(out, 1))
}

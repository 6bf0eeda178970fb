//! `guichet doc …` (the keys of the offices' documents, and checking a PDF guichet issued) and
//! `guichet export` (an office's dossiers and their answers to a file, progress on stderr).

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Args, Command, FromArgMatches, Subcommand};
use futures_util::future::BoxFuture;
use guichet_web::slice::{CommandContext, Output, SliceCommand, SliceError, never_offline};

use crate::documents::{self, Verdict};
use crate::exports::{self, ExportSpec, Format};

/// `guichet doc …`, composed by the app; `doc verify --keys` needs no database.
pub static DOC: SliceCommand = SliceCommand {
    name: "doc",
    command: doc_command,
    offline: doc_offline,
    run: run_doc,
};

/// `guichet export …`, composed by the app.
pub static EXPORT: SliceCommand = SliceCommand {
    name: "export",
    command: export_command,
    offline: never_offline,
    run: run_export,
};

#[derive(Subcommand)]
enum DocCommand {
    /// Print the offices' document public keys as JSON (the `/.well-known/guichet-keys`
    /// format), for offline checkers.
    Keys,
    /// Check a PDF issued by guichet: its seal, its signature, and (with the database) that it
    /// was issued and is not revoked. Exit 0 only when it is authentic.
    Verify {
        file: PathBuf,
        /// Public keys as served at /.well-known/guichet-keys: verify offline, without the
        /// database (revocation is then not checked).
        #[arg(long)]
        keys: Option<PathBuf>,
    },
}

#[derive(Args)]
struct ExportArgs {
    /// Office code.
    #[arg(long)]
    office: String,
    /// Procedure code; all procedures when left out.
    #[arg(long)]
    procedure: Option<String>,
    /// csv, xlsx, ods or zip.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Comma-separated columns (default: all available).
    #[arg(long)]
    columns: Option<String>,
    /// Where to write the file.
    #[arg(long)]
    out: PathBuf,
}

fn doc_command() -> Command {
    DocCommand::augment_subcommands(
        Command::new("doc")
            .about("Official documents issued by guichet: keys, verification")
            .subcommand_required(true),
    )
}

fn export_command() -> Command {
    ExportArgs::augment_args(
        Command::new("export").about("Export an office's dossiers and their answers to a file"),
    )
}

fn doc_offline(args: &ArgMatches) -> Option<Result<Output, SliceError>> {
    match DocCommand::from_arg_matches(args) {
        Ok(DocCommand::Verify {
            file,
            keys: Some(keys),
        }) => Some(verify_offline(&file, &keys)),
        Ok(_) => None,
        Err(e) => Some(Err(e.into())),
    }
}

fn run_doc<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async move {
        match DocCommand::from_arg_matches(args)? {
            DocCommand::Keys => print_keys(ctx).await.map(Output::from),
            DocCommand::Verify { file, keys: None } => verify_with_store(ctx, &file).await,
            DocCommand::Verify {
                file,
                keys: Some(keys),
            } => verify_offline(&file, &keys),
        }
    })
}

fn run_export<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async move {
        let a = ExportArgs::from_arg_matches(args)?;
        export(
            ctx,
            &a.office,
            a.procedure.as_deref(),
            &a.format,
            a.columns.as_deref(),
            &a.out,
        )
        .await?;
        Ok(String::new().into())
    })
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, SliceError> {
    std::fs::read(path).map_err(|e| format!("cannot read {what}{}: {e}", path.display()).into())
}

/// Verifies a sealed PDF against the public keys of a `/.well-known/guichet-keys` document,
/// without any database: the seal and the signature, not revocation.
fn verify_offline(file: &Path, keys: &Path) -> Result<Output, SliceError> {
    let bytes = read(file, "")?;
    let text = read(keys, "the keys file ")?;
    let doc: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| format!("the keys file is not JSON: {e}"))?;
    let mut known = Vec::new();
    for k in doc["keys"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let (Some(id), Some(hex_key)) = (k["key_id"].as_str(), k["public_key"].as_str()) else {
            continue;
        };
        let Some(bytes) = hex::decode(hex_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
        else {
            continue;
        };
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&bytes) {
            known.push((id.to_owned(), key, k["office"].as_str().map(str::to_owned)));
        }
    }
    if known.is_empty() {
        return Err("the keys file holds no Ed25519 keys".into());
    }
    match guichet_documents::seal::verify_pdf(&bytes, |id| {
        known
            .iter()
            .find(|(k, _, _)| k == id)
            .map(|(_, key, _)| *key)
    }) {
        Ok(seal) => {
            let signer_office = known
                .iter()
                .find(|(k, _, _)| *k == seal.key)
                .and_then(|(_, _, o)| o.clone());
            if signer_office.as_deref().is_some_and(|o| o != seal.office) {
                return Ok(Output::with_status(
                    format!(
                        "NOT AUTHENTIC: the seal names office {} but the key belongs to {}\n",
                        seal.office,
                        signer_office.unwrap_or_default()
                    ),
                    1,
                ));
            }
            Ok(format!(
                "AUTHENTIC (offline): {} {} issued by {}, SHA-256 {}, key {}; revocation not checked\n",
                seal.kind, seal.id, seal.office, seal.sha256, seal.key
            )
            .into())
        }
        Err(e) => Ok(Output::with_status(format!("NOT AUTHENTIC: {e}\n"), 1)),
    }
}

/// Prints every office's document key in the `/.well-known/guichet-keys` format.
async fn print_keys(ctx: &CommandContext<'_>) -> Result<String, SliceError> {
    let issuer = &ctx.state::<crate::OneStopState>()?.issuer;
    let mut keys = Vec::new();
    for office in guichet_identity::identity_store(ctx.store)?
        .list_offices()
        .await?
    {
        let signer = issuer.signer(&office);
        keys.push(serde_json::json!({
            "key_id": signer.key_id(),
            "algorithm": "Ed25519",
            "public_key": hex::encode(signer.public().as_bytes()),
            "status": "documents",
            "office": office.code,
        }));
    }
    Ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&serde_json::json!({ "keys": keys }))?
    ))
}

/// Verifies a sealed PDF against this installation's database (issued, same key, not revoked).
async fn verify_with_store(ctx: &CommandContext<'_>, file: &Path) -> Result<Output, SliceError> {
    let bytes = read(file, "")?;
    Ok(
        match documents::verify_file(crate::one_stop_store(ctx.store)?, &bytes).await? {
            Verdict::Authentic(d) => format!(
                "AUTHENTIC: {} {} issued {} (SHA-256 {}, key {})\n",
                d.kind, d.id, d.issued_at, d.sha256, d.key_id
            )
            .into(),
            Verdict::Revoked(d) => Output::with_status(
                format!(
                    "REVOKED: {} {} was revoked on {}: {}\n",
                    d.kind,
                    d.id,
                    d.revoked_at.map(|t| t.to_string()).unwrap_or_default(),
                    d.revoke_reason.unwrap_or_default()
                ),
                1,
            ),
            Verdict::Forged(why) => Output::with_status(format!("NOT AUTHENTIC: {why}\n"), 1),
            Verdict::Altered(why) => Output::with_status(format!("ALTERED: {why}\n"), 1),
        },
    )
}

/// Writes an export file, reporting progress on stderr.
async fn export(
    ctx: &CommandContext<'_>,
    office: &str,
    procedure: Option<&str>,
    format: &str,
    columns: Option<&str>,
    out: &Path,
) -> Result<(), SliceError> {
    let office = guichet_identity::identity_store(ctx.store)?
        .office_by_code(office)
        .await?
        .ok_or_else(|| format!("no office {office}"))?;
    let one_stop = crate::one_stop_store(ctx.store)?;
    let procedure = match procedure {
        None => None,
        Some(code) => Some(
            one_stop
                .procedure_by_code(office.id, code)
                .await?
                .ok_or_else(|| format!("no procedure {code} at {}", office.code))?,
        ),
    };
    let format = Format::parse(format).ok_or("--format is csv, xlsx, ods or zip")?;
    let versions = crate::procedure::VersionCache::default();
    let schema = match &procedure {
        Some(p) if p.published_version > 0 => versions
            .body(one_stop, p.id, p.published_version)
            .await?
            .map(|b| b.form.clone()),
        _ => None,
    };
    let available = exports::available_columns(schema.as_ref());
    let requested: Vec<String> = columns
        .map(|c| {
            c.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let columns = exports::check_columns(&requested, &available)
        .map_err(|e| format!("{e}; available: {}", available.join(",")))?;
    let spec = ExportSpec {
        office,
        procedure,
        format,
        columns,
    };
    let store: std::sync::Arc<dyn crate::store::OneStopStore> =
        crate::one_stop_store_arc(ctx.shared_store.clone())?;
    let files = ctx.files.clone();
    let out = out.to_owned();
    let handle = tokio::runtime::Handle::current();
    let started = std::time::Instant::now();
    let rows = tokio::task::spawn_blocking(move || {
        let mut last = std::time::Instant::now();
        exports::write_export(&handle, &store, &files, &spec, &out, |done, total| {
            if last.elapsed().as_millis() >= 500 || done == total {
                eprint!("\r{done} / {total} rows");
                last = std::time::Instant::now();
            }
        })
    })
    .await??;
    eprintln!();
    eprintln!(
        "exported {rows} dossier(s) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

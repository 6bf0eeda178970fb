//! `guichet doc verify` and `guichet export`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use guichet_one_stop::documents::{self, Verdict};
use guichet_one_stop::exports::{self, ExportSpec, Format};

use crate::Runtime;

/// Verifies a sealed PDF against the public keys of a `/.well-known/guichet-keys` document,
/// without any database: the seal and the signature, not revocation.
pub fn verify_offline(file: &Path, keys: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = std::fs::read_to_string(keys)
        .with_context(|| format!("cannot read the keys file {}", keys.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).context("the keys file is not JSON")?;
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
        bail!("the keys file holds no Ed25519 keys");
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
                println!(
                    "NOT AUTHENTIC: the seal names office {} but the key belongs to {}",
                    seal.office,
                    signer_office.unwrap_or_default()
                );
                return Ok(ExitCode::FAILURE);
            }
            println!(
                "AUTHENTIC (offline): {} {} issued by {}, SHA-256 {}, key {}; revocation not checked",
                seal.kind, seal.id, seal.office, seal.sha256, seal.key
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("NOT AUTHENTIC: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Prints every office's document key in the `/.well-known/guichet-keys` format.
pub async fn print_keys(rt: &Runtime) -> anyhow::Result<()> {
    let issuer = rt.issuer()?;
    let mut keys = Vec::new();
    for office in rt.identity.list_offices().await? {
        let signer = issuer.signer(&office);
        keys.push(serde_json::json!({
            "key_id": signer.key_id(),
            "algorithm": "Ed25519",
            "public_key": hex::encode(signer.public().as_bytes()),
            "status": "documents",
            "office": office.code,
        }));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({ "keys": keys }))?
    );
    Ok(())
}

/// Verifies a sealed PDF against this installation's database (issued, same key, not revoked).
pub async fn verify_with_store(rt: &Runtime, file: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Ok(
        match documents::verify_file(guichet_one_stop::one_stop_store(&*rt.store)?, &bytes).await? {
            Verdict::Authentic(d) => {
                println!(
                    "AUTHENTIC: {} {} issued {} (SHA-256 {}, key {})",
                    d.kind, d.id, d.issued_at, d.sha256, d.key_id
                );
                ExitCode::SUCCESS
            }
            Verdict::Revoked(d) => {
                println!(
                    "REVOKED: {} {} was revoked on {}: {}",
                    d.kind,
                    d.id,
                    d.revoked_at.map(|t| t.to_string()).unwrap_or_default(),
                    d.revoke_reason.unwrap_or_default()
                );
                ExitCode::FAILURE
            }
            Verdict::Forged(why) => {
                println!("NOT AUTHENTIC: {why}");
                ExitCode::FAILURE
            }
            Verdict::Altered(why) => {
                println!("ALTERED: {why}");
                ExitCode::FAILURE
            }
        },
    )
}

/// Writes an export file, reporting progress on stderr.
pub async fn export(
    rt: &Runtime,
    office: &str,
    procedure: Option<&str>,
    format: &str,
    columns: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let office = rt
        .identity
        .office_by_code(office)
        .await?
        .with_context(|| format!("no office {office}"))?;
    let procedure = match procedure {
        None => None,
        Some(code) => Some(
            guichet_one_stop::one_stop_store(&*rt.store)?
                .procedure_by_code(office.id, code)
                .await?
                .with_context(|| format!("no procedure {code} at {}", office.code))?,
        ),
    };
    let format = Format::parse(format).context("--format is csv, xlsx, ods or zip")?;
    let versions = guichet_one_stop::procedure::VersionCache::default();
    let schema = match &procedure {
        Some(p) if p.published_version > 0 => versions
            .body(
                guichet_one_stop::one_stop_store(&*rt.store)?,
                p.id,
                p.published_version,
            )
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
        .map_err(|e| anyhow::anyhow!("{e}; available: {}", available.join(",")))?;
    let spec = ExportSpec {
        office,
        procedure,
        format,
        columns,
    };
    let store: std::sync::Arc<dyn guichet_one_stop::store::OneStopStore> =
        guichet_one_stop::one_stop_store_arc(rt.store.clone())?;
    let files = rt.files()?;
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

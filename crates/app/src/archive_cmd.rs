//! `guichet archive …` (records: capture, packages out and in, fixity, search index) and
//! `guichet bag …` (BagIt bags of any directory, the same code the exports use).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use guichet_one_stop::dossier::Actor;
use guichet_records::service::{PackageFormat, Records};

use crate::Runtime;

fn cli_actor() -> Actor {
    Actor::named("cli")
}

/// Runs `f` with the records service of `rt`.
pub async fn with_records<T>(
    rt: &Runtime,
    index: bool,
    f: impl AsyncFnOnce(&Records<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let files = rt.files()?;
    let archive = rt.archive()?;
    let search = if index { rt.search().await } else { None };
    let records = Records {
        store: guichet_records::records_store(&*rt.store)?,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
        archive: &archive,
        files: &files,
        index: search.as_deref(),
    };
    f(&records).await
}

pub async fn capture(rt: &Runtime) -> anyhow::Result<()> {
    with_records(rt, true, async |r| {
        let mut total = 0;
        loop {
            let n = r.capture_pending(500).await?;
            total += n;
            if n == 0 {
                break;
            }
        }
        println!("captured {total} dossier document(s) as records");
        for office in rt.identity.list_offices().await? {
            let warned = r.warn_due(&office).await?;
            if !warned.is_empty() {
                println!(
                    "{}: {} record(s) become due within 30 days",
                    office.code,
                    warned.len()
                );
            }
        }
        Ok(())
    })
    .await
}

fn format_of(s: &str) -> anyhow::Result<PackageFormat> {
    PackageFormat::parse(s).with_context(|| format!("unknown format {s:?}: bagit, seda or eark"))
}

pub async fn export(
    rt: &Runtime,
    office: &str,
    format: &str,
    files: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let format = format_of(format)?;
    let office = rt
        .identity
        .office_by_code(office)
        .await?
        .with_context(|| format!("no office has the code {office}"))?;
    let mut ids = Vec::new();
    if let Some(refs) = files {
        let all = guichet_records::records_store(&*rt.store)?
            .archive_files(office.id, 100_000)
            .await?;
        for reference in refs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let f = all
                .iter()
                .find(|f| f.reference == reference || f.id.to_string() == reference)
                .with_context(|| format!("{}: no archival file {reference}", office.code))?;
            ids.push(f.id);
        }
    }
    let agency = guichet_records_formats::package::Agency {
        identifier: rt.config.archival_agency.clone(),
        name: rt.config.archival_agency_name.clone(),
    };
    with_records(rt, false, async |r| {
        let (path, n) = r
            .export(&office, &cli_actor(), format, &ids, agency, out)
            .await?;
        println!("wrote {n} record(s) to {}", path.display());
        Ok(())
    })
    .await
}

pub async fn import(rt: &Runtime, format: &str, dir: &Path) -> anyhow::Result<()> {
    let format = format_of(format)?;
    with_records(rt, true, async |r| {
        let report = r.import(&cli_actor(), format, dir).await?;
        println!(
            "imported {} record(s), {} archival file(s), {} class(es); {} already present",
            report.records, report.files, report.classes, report.already_present
        );
        Ok(())
    })
    .await
}

pub async fn fixity(rt: &Runtime, repair: bool, json: bool) -> anyhow::Result<ExitCode> {
    with_records(rt, false, async |r| {
        let progress = |done: u64, total: u64| {
            if !json {
                eprint!("\rchecked {done}/{total} records");
            }
        };
        let run = r.fixity_audit(repair, &progress).await?;
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "objects": run.objects, "copies_checked": run.copies_checked, "ok": run.ok,
                    "repaired": run.repaired, "failed": run.failed, "problems": run.report,
                })
            );
        } else {
            eprintln!();
            println!(
                "{} object(s), {} copies checked: {} intact, {} repaired, {} failed",
                run.objects, run.copies_checked, run.ok, run.repaired, run.failed
            );
            if let Some(problems) = run.report.as_array() {
                for p in problems {
                    println!(
                        "  record {} {}: {} → {}",
                        p["record"].as_str().unwrap_or("?"),
                        p["copy"].as_str().unwrap_or("?"),
                        p["problem"].as_str().unwrap_or("?"),
                        p["action"].as_str().unwrap_or("?")
                    );
                }
            }
        }
        Ok(if run.failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
    .await
}

pub async fn reindex(rt: &Runtime) -> anyhow::Result<()> {
    with_records(rt, true, async |r| {
        if r.index.is_none() {
            bail!("the search index is in use by another guichet process (stop the server first)");
        }
        let n = r
            .reindex(&|done, total| eprint!("\rindexed {done}/{total}"))
            .await?;
        eprintln!();
        println!("indexed {n} record(s)");
        Ok(())
    })
    .await
}

pub async fn search(rt: &Runtime, query: &str, office: Option<&str>) -> anyhow::Result<()> {
    let scope = match office {
        Some(code) => Some(vec![
            rt.identity
                .office_by_code(code)
                .await?
                .with_context(|| format!("no office has the code {code}"))?
                .id,
        ]),
        None => None,
    };
    with_records(rt, true, async |r| {
        for row in r.search(scope.as_deref(), query, 50).await? {
            println!(
                "{}\t{}\t{}",
                row.id,
                row.doc_date,
                guichet_records::service::record_label(&row)
            );
        }
        Ok(())
    })
    .await
}

/// `guichet bag create DIR`: makes a bag of the directory in place.
pub fn bag_create(dir: &Path, workers: usize) -> anyhow::Result<()> {
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let s = guichet_records_formats::bagit::make_bag_in_place(dir, &today, &[], workers)?;
    println!("bagged {} file(s), {} bytes", s.files, s.bytes);
    Ok(())
}

/// `guichet bag validate DIR`: exit 0 only for a valid bag.
pub fn bag_validate(dir: &Path, workers: usize) -> anyhow::Result<ExitCode> {
    let v = guichet_records_formats::bagit::validate(dir, workers)?;
    if v.is_valid() {
        println!(
            "{} is valid ({} files, {} bytes)",
            dir.display(),
            v.summary.files,
            v.summary.bytes
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &v.problems {
            println!("{p}");
        }
        println!("{} is NOT valid", dir.display());
        Ok(ExitCode::from(1))
    }
}

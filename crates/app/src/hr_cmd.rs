//! `guichet pay compute` (one person-month as JSON) and `guichet hr …` (import and export
//! of personnel records, who held which position on a date, payroll runs).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use guichet_hr::service::Hr;
use guichet_pay::Parameters;

use crate::Runtime;
use crate::archive_cmd::cli_actor;

pub fn hr(rt: &Runtime) -> anyhow::Result<Hr<'_>> {
    Ok(Hr {
        store: guichet_hr::hr_store(&*rt.store)?,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
    })
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Computes one person-month and returns the breakdown as pretty JSON.
pub fn compute_text(country: &str, input: &Path, params: &Parameters) -> anyhow::Result<String> {
    let text = read_input(input)?;
    let slip = guichet_pay::compute_json(country, &text, params)
        .with_context(|| format!("{}", input.display()))?;
    Ok(serde_json::to_string_pretty(&slip.to_json())?)
}

pub async fn parameters(rt: &Runtime) -> anyhow::Result<Parameters> {
    Ok(hr(rt)?.parameters().await?)
}

async fn office(rt: &Runtime, code: &str) -> anyhow::Result<guichet_store::Office> {
    match rt.identity.office_by_code(code).await? {
        Some(o) => Ok(o),
        None => bail!("no office with code {code:?}"),
    }
}

/// Imports people; prints the problems by line and fails when there are any (nothing written).
pub async fn import(rt: &Runtime, office_code: &str, file: &Path) -> anyhow::Result<ExitCode> {
    let office = office(rt, office_code).await?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let people = Hr::read_people(office.country, name, &bytes)?;
    let report = hr(rt)?.add_people(&cli_actor(), office.id, people).await?;
    if report.errors.is_empty() {
        println!("imported {} people into {}", report.imported, office.code);
        return Ok(ExitCode::SUCCESS);
    }
    for e in &report.errors {
        eprintln!("line {}: {}: {}", e.line, e.column, e.message);
    }
    eprintln!(
        "nothing imported: {} problem(s) in {} row(s)",
        report.errors.len(),
        report.rows
    );
    Ok(ExitCode::from(1))
}

pub async fn export(
    rt: &Runtime,
    office_code: &str,
    on: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let office = office(rt, office_code).await?;
    let day = match on {
        Some(d) => guichet_hr::service::parse_day(d, "--on")?,
        None => rt.clock.now().date(),
    };
    let rows = hr(rt)?.export_rows(office.id, day).await?;
    let xlsx = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let bytes = if xlsx {
        guichet_one_stop::sheets::write_xlsx(&rows, "staff")
    } else {
        guichet_one_stop::sheets::write_csv(&rows)
    }
    .map_err(anyhow::Error::msg)?;
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "{} people as of {day} written to {}",
        rows.len() - 1,
        out.display()
    );
    Ok(())
}

/// Who held which position on a date, one line per person.
pub async fn on(rt: &Runtime, office_code: &str, date: &str) -> anyhow::Result<String> {
    let office = office(rt, office_code).await?;
    let day = guichet_hr::service::parse_day(date, "date")?;
    let mut out = String::new();
    for s in hr(rt)?.staff_on(office.id, day).await? {
        let Some(a) = s.assignment else { continue };
        out.push_str(&format!(
            "{}\t{} {}\t{}\t{}\tsince {}\n",
            s.staff.number,
            s.staff.family_name,
            s.staff.given_name,
            a.unit_code,
            a.position_code,
            a.valid_from
        ));
    }
    Ok(out)
}

/// Computes an office's payroll of a month, optionally locking it; prints the totals.
pub async fn payroll(
    rt: &Runtime,
    office_code: &str,
    month: &str,
    lock: bool,
) -> anyhow::Result<String> {
    let office = office(rt, office_code).await?;
    let service = hr(rt)?;
    let run = service
        .compute_payroll(&cli_actor(), office.id, month)
        .await?;
    if lock {
        service.lock_payroll(&cli_actor(), run.id).await?;
    }
    let per = if run.currency == "EUR" { 100 } else { 1 };
    Ok(format!(
        "payroll {} of {}: {} people, gross {} {cur}, net {} {cur}{}\n",
        run.month,
        office.code,
        run.staff_count,
        guichet_pay::format_minor(run.gross, per),
        guichet_pay::format_minor(run.net, per),
        if lock { ", locked" } else { "" },
        cur = run.currency,
    ))
}

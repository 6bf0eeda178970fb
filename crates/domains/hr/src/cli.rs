//! `guichet hr …`: import and export of personnel records, who held which position on a date,
//! payroll runs; and the person-month computation behind `guichet pay compute`.

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Command, FromArgMatches, Subcommand};
use futures_util::future::BoxFuture;
use guichet_common::Actor;
use guichet_pay::Parameters;
use guichet_store::Office;
use guichet_web::slice::{CommandContext, Output, SliceCommand, SliceError, never_offline};

use crate::service::Hr;

/// The slice's subcommand, composed by the app.
pub static COMMAND: SliceCommand = SliceCommand {
    name: "hr",
    command,
    offline: never_offline,
    run,
};

/// `guichet pay compute`, composed by the app; with `--builtin` it needs no database.
pub static PAY: SliceCommand = SliceCommand {
    name: "pay",
    command: pay_command,
    offline: pay_offline,
    run: run_pay,
};

#[derive(Subcommand)]
enum PayCommand {
    /// Compute one person-month described in a JSON file (`-` reads stdin) and print the
    /// breakdown as JSON: gross, each allowance and deduction with its legal source, net.
    /// The input format is in docs/hr.md.
    Compute {
        /// vn or fr.
        #[arg(long)]
        country: String,
        #[arg(long)]
        input: PathBuf,
        /// Use only the legal parameters built into this release, without opening the
        /// database (values entered by administrators are then left out).
        #[arg(long)]
        builtin: bool,
    },
}

fn pay_command() -> Command {
    PayCommand::augment_subcommands(
        Command::new("pay")
            .about("Civil-service pay of one person-month (Vietnamese or French rules)")
            .subcommand_required(true),
    )
}

fn pay_offline(args: &ArgMatches) -> Option<Result<Output, SliceError>> {
    match PayCommand::from_arg_matches(args) {
        Ok(PayCommand::Compute {
            country,
            input,
            builtin: true,
        }) => Some(
            compute_text(&country, &input, &Parameters::builtin()).map(|t| Output::from(t + "\n")),
        ),
        Ok(_) => None,
        Err(e) => Some(Err(e.into())),
    }
}

fn run_pay<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async move {
        let PayCommand::Compute { country, input, .. } = PayCommand::from_arg_matches(args)?;
        let params = parameters(ctx).await?;
        compute_text(&country, &input, &params).map(|t| Output::from(t + "\n"))
    })
}

#[derive(Subcommand)]
enum HrCommand {
    /// Import people from a CSV or XLSX file: every row or none (problems listed by line).
    Import {
        #[arg(long)]
        office: String,
        file: PathBuf,
    },
    /// Write the staff as of a date to a CSV or XLSX file (by its extension).
    Export {
        #[arg(long)]
        office: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long)]
        on: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Who held which position on a date.
    On {
        #[arg(long)]
        office: String,
        /// YYYY-MM-DD.
        date: String,
    },
    /// Compute an office's payroll of a month (YYYY-MM), and lock it with --lock.
    Payroll {
        #[arg(long)]
        office: String,
        month: String,
        #[arg(long)]
        lock: bool,
    },
}

fn command() -> Command {
    HrCommand::augment_subcommands(
        Command::new("hr")
            .about("Civil-service staff: import, export, positions on a date, payroll")
            .subcommand_required(true),
    )
}

fn cli_actor() -> Actor {
    Actor::named("cli")
}

fn service<'a>(ctx: &'a CommandContext<'a>) -> Result<Hr<'a>, SliceError> {
    Ok(Hr {
        store: crate::hr_store(ctx.store)?,
        clock: ctx.clock,
        entropy: ctx.entropy,
    })
}

async fn office(ctx: &CommandContext<'_>, code: &str) -> Result<Office, SliceError> {
    guichet_identity::identity_store(ctx.store)?
        .office_by_code(code)
        .await?
        .ok_or_else(|| format!("no office with code {code:?}").into())
}

fn run<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async move {
        let text = match HrCommand::from_arg_matches(args)? {
            HrCommand::Import { office: code, file } => import(ctx, &code, &file).await,
            HrCommand::Export { office, on, out } => {
                export(ctx, &office, on.as_deref(), &out).await
            }
            HrCommand::On { office, date } => staff_on(ctx, &office, &date).await,
            HrCommand::Payroll {
                office,
                month,
                lock,
            } => payroll(ctx, &office, &month, lock).await,
        }?;
        Ok(text.into())
    })
}

fn read_input(path: &Path) -> Result<String, SliceError> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

/// Computes one person-month described in a JSON file (`-`: stdin) and returns the breakdown
/// as pretty JSON (`guichet pay compute`).
pub fn compute_text(
    country: &str,
    input: &Path,
    params: &Parameters,
) -> Result<String, SliceError> {
    let text = read_input(input)?;
    let slip = guichet_pay::compute_json(country, &text, params)
        .map_err(|e| format!("{}: {e}", input.display()))?;
    Ok(serde_json::to_string_pretty(&slip.to_json())?)
}

/// The legal parameters in force: the built-in ones and those administrators added.
pub async fn parameters(ctx: &CommandContext<'_>) -> Result<Parameters, SliceError> {
    Ok(service(ctx)?.parameters().await?)
}

/// Imports people; the problems by line are the error (nothing written) when there are any.
async fn import(
    ctx: &CommandContext<'_>,
    office_code: &str,
    file: &Path,
) -> Result<String, SliceError> {
    let office = office(ctx, office_code).await?;
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let people = Hr::read_people(office.country, name, &bytes)?;
    let report = service(ctx)?
        .add_people(&cli_actor(), office.id, people)
        .await?;
    if report.errors.is_empty() {
        return Ok(format!(
            "imported {} people into {}\n",
            report.imported, office.code
        ));
    }
    let mut lines: Vec<String> = report
        .errors
        .iter()
        .map(|e| format!("line {}: {}: {}", e.line, e.column, e.message))
        .collect();
    lines.push(format!(
        "nothing imported: {} problem(s) in {} row(s)",
        report.errors.len(),
        report.rows
    ));
    Err(lines.join("\n").into())
}

async fn export(
    ctx: &CommandContext<'_>,
    office_code: &str,
    on: Option<&str>,
    out: &Path,
) -> Result<String, SliceError> {
    let office = office(ctx, office_code).await?;
    let day = match on {
        Some(d) => crate::service::parse_day(d, "--on")?,
        None => ctx.clock.now().date(),
    };
    let rows = service(ctx)?.export_rows(office.id, day).await?;
    let xlsx = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let bytes = if xlsx {
        guichet_common::sheets::write_xlsx(&rows, "staff")
    } else {
        guichet_common::sheets::write_csv(&rows)
    }?;
    std::fs::write(out, bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(format!(
        "{} people as of {day} written to {}\n",
        rows.len() - 1,
        out.display()
    ))
}

/// Who held which position on a date, one line per person.
async fn staff_on(
    ctx: &CommandContext<'_>,
    office_code: &str,
    date: &str,
) -> Result<String, SliceError> {
    let office = office(ctx, office_code).await?;
    let day = crate::service::parse_day(date, "date")?;
    let mut out = String::new();
    for s in service(ctx)?.staff_on(office.id, day).await? {
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

/// Computes an office's payroll of a month, optionally locking it; returns the totals.
async fn payroll(
    ctx: &CommandContext<'_>,
    office_code: &str,
    month: &str,
    lock: bool,
) -> Result<String, SliceError> {
    let office = office(ctx, office_code).await?;
    let service = service(ctx)?;
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

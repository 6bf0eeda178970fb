//! `guichet cooperation …`: the agreements as a table, and the exports to a file.

use std::path::PathBuf;

use clap::{Arg, ArgMatches, Command, value_parser};
use futures_util::future::BoxFuture;
use guichet_web::slice::{CommandContext, Output, SliceCommand, SliceError, never_offline};

use crate::export::{self, text_in};
use crate::service::{AgreementFile, Cooperation};
use crate::store::CooperationStore;

/// The slice's subcommand, composed by the app.
pub static COMMAND: SliceCommand = SliceCommand {
    name: "cooperation",
    command,
    offline: never_offline,
    run,
};

fn command() -> Command {
    Command::new("cooperation")
        .about("International cooperation: agreements, activities, exports (CSV, IATI 2.03)")
        .subcommand_required(true)
        .subcommand(
            Command::new("list")
                .about("The agreements with their activities, open and overdue follow-up actions"),
        )
        .subcommand(
            Command::new("export")
                .about("Writes the activities of one agreement (or all) as CSV or IATI 2.03 XML")
                .arg(
                    Arg::new("format")
                        .long("format")
                        .required(true)
                        .value_parser(["csv", "iati"]),
                )
                .arg(
                    Arg::new("agreement")
                        .long("agreement")
                        .help("Agreement code; all when left out"),
                )
                .arg(
                    Arg::new("org")
                        .long("org")
                        .help("The reporting organisation's IATI identifier (IATI export)"),
                )
                .arg(
                    Arg::new("lang")
                        .long("lang")
                        .default_value("en")
                        .value_parser(["vi", "fr", "en"])
                        .help("Language of the titles (CSV)"),
                )
                .arg(
                    Arg::new("out")
                        .long("out")
                        .required(true)
                        .value_parser(value_parser!(PathBuf)),
                ),
        )
}

async fn files(
    coop: &Cooperation<'_>,
    code: Option<&String>,
) -> Result<Vec<AgreementFile>, SliceError> {
    let codes: Vec<String> = match code {
        Some(c) => vec![c.clone()],
        None => coop
            .store
            .agreements(None)
            .await?
            .into_iter()
            .map(|a| a.code)
            .collect(),
    };
    let mut out = Vec::new();
    for c in codes {
        out.push(coop.file(&c).await?);
    }
    Ok(out)
}

fn run<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async move {
        let store: &dyn CooperationStore =
            guichet_store_sql::slice_store!(ctx.store, dyn CooperationStore)
                .ok_or("this store has no cooperation tables")?;
        let coop = Cooperation {
            store,
            identity: guichet_identity::identity_store(ctx.store)?,
            records: guichet_records::records_store(ctx.store)?,
            clock: ctx.clock,
            entropy: ctx.entropy,
        };
        let text: Result<String, SliceError> = match args.subcommand() {
            Some(("list", _)) => {
                let mut text = String::new();
                for f in files(&coop, None).await? {
                    let today = coop.today(&f.office);
                    let open = f.follow_ups.iter().filter(|x| x.done_on.is_none()).count();
                    let overdue = f.follow_ups.iter().filter(|x| x.is_overdue(today)).count();
                    text.push_str(&format!(
                        "{:<18} {} – {}  {:>2} activities  {:>2} open actions ({} overdue)  {}\n",
                        f.agreement.code,
                        f.agreement.starts_on,
                        f.agreement.ends_on,
                        f.activities.len(),
                        open,
                        overdue,
                        text_in(&f.agreement.titles, "en"),
                    ));
                }
                Ok(text)
            }
            Some(("export", a)) => {
                let chosen = files(&coop, a.get_one::<String>("agreement")).await?;
                let now = ctx.clock.now();
                let body = match a.get_one::<String>("format").map(String::as_str) {
                    Some("iati") => {
                        let office = chosen.first().map(|f| &f.office);
                        let org = a.get_one::<String>("org").cloned().unwrap_or_else(|| {
                            format!(
                                "XI-GUICHET-{}",
                                office.map(|o| o.code.as_str()).unwrap_or("INSTANCE")
                            )
                        });
                        let name = office
                            .map(|o| o.name.clone())
                            .unwrap_or_else(|| "guichet".into());
                        export::iati(&chosen, &org, &name, now, now.date())?
                    }
                    _ => export::csv(
                        &chosen,
                        a.get_one::<String>("lang")
                            .map(String::as_str)
                            .unwrap_or("en"),
                        now.date(),
                    )?,
                };
                let out = a.get_one::<PathBuf>("out").ok_or("--out is required")?;
                std::fs::write(out, &body)
                    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
                let activities: usize = chosen.iter().map(|f| f.activities.len()).sum();
                Ok(format!(
                    "wrote {} ({} agreements, {activities} activities, {} bytes)\n",
                    out.display(),
                    chosen.len(),
                    body.len()
                ))
            }
            _ => Err("unknown cooperation command".into()),
        };
        text.map(Output::from)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_parses_and_refuses_bad_input() {
        let ok = command()
            .try_get_matches_from([
                "cooperation",
                "export",
                "--format",
                "iati",
                "--out",
                "x.xml",
            ])
            .unwrap();
        let (name, sub) = ok.subcommand().unwrap();
        assert_eq!(name, "export");
        assert_eq!(sub.get_one::<String>("format").unwrap(), "iati");
        assert!(
            command()
                .try_get_matches_from(["cooperation", "export", "--format", "pdf", "--out", "x"])
                .is_err()
        );
        assert!(command().try_get_matches_from(["cooperation"]).is_err());
        command().debug_assert();
    }
}

//! `guichet units …`: address conversion, counts, one unit's history, search (the registry
//! is built from the slice's store by `load::registry`).

use clap::{ArgMatches, Command, FromArgMatches, Subcommand};
use futures_util::future::BoxFuture;
use guichet_units::address::{AddressError, Conversion, Outcome};
use guichet_units::{Level, Registry, Stats, format_date};
use guichet_web::slice::{CommandContext, Output, SliceCommand, SliceError, never_offline};

/// `guichet units …`, composed by the app.
pub static UNITS: SliceCommand = SliceCommand {
    name: "units",
    command,
    offline: never_offline,
    run,
};

#[derive(Subcommand)]
enum UnitsCommand {
    /// Convert a Vietnamese address written before 1 July 2025 ("Phường X, Quận Y, Thành phố
    /// Z") to today's commune and province; exit 3 when it cannot say for sure.
    Convert {
        address: String,
        #[arg(long)]
        json: bool,
    },
    /// Count the units in force on a date, by level and type.
    Stats {
        /// vn or fr.
        #[arg(long)]
        country: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long)]
        at: Option<String>,
    },
    /// Show a unit (e.g. VN-P-01, VN-C-00004, FR-C-33063): versions, parents, lineage.
    Show {
        unit: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// Search units by name or code; accents and case do not matter.
    Search {
        query: String,
        #[arg(long)]
        country: Option<String>,
        /// YYYY-MM-DD (default: today; "all" for every date).
        #[arg(long)]
        at: Option<String>,
    },
}

fn command() -> Command {
    UnitsCommand::augment_subcommands(
        Command::new("units")
            .about("Administrative units: convert old addresses, counts, history, search")
            .subcommand_required(true),
    )
}

fn date_arg(at: Option<&str>, today: time::Date) -> Result<time::Date, SliceError> {
    match at {
        None => Ok(today),
        Some(s) => guichet_units::parse_date(s)
            .ok_or_else(|| format!("--at {s:?} is not a date (YYYY-MM-DD)").into()),
    }
}

fn country_arg(s: &str) -> Result<guichet_core::Country, SliceError> {
    guichet_core::Country::parse(s).ok_or_else(|| format!("--country {s:?}: use vn or fr").into())
}

fn run<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output, SliceError>> {
    Box::pin(async move {
        let command = UnitsCommand::from_arg_matches(args)?;
        let reg = crate::load::registry(ctx.store).await?;
        let today = ctx.clock.now().date();
        Ok(match command {
            UnitsCommand::Convert { address, json } => {
                let result = guichet_units::address::convert(&reg, &address, today);
                let text = if json {
                    let value = match &result {
                        Ok(c) => serde_json::to_value(c)?,
                        Err(e) => serde_json::to_value(e)?,
                    };
                    format!("{}\n", serde_json::to_string_pretty(&value)?)
                } else {
                    print_conversion(&result)
                };
                let certain = matches!(
                    &result,
                    Ok(c) if !matches!(c.outcome, Outcome::Divided { .. })
                );
                Output::with_status(text, if certain { 0 } else { 3 })
            }
            UnitsCommand::Stats { country, at } => {
                let stats = reg.stats(country_arg(&country)?, date_arg(at.as_deref(), today)?)?;
                print_stats(&stats).into()
            }
            UnitsCommand::Show { unit, at } => {
                let unit = guichet_units::UnitRef::parse(&unit)?;
                print_unit(&reg, &unit, date_arg(at.as_deref(), today)?)?.into()
            }
            UnitsCommand::Search { query, country, at } => {
                let country = country.as_deref().map(country_arg).transpose()?;
                let at = match at.as_deref() {
                    Some("all") => None,
                    other => Some(date_arg(other, today)?),
                };
                let m = reg.search(&query, country, at, None, 20)?;
                print_search(&m).into()
            }
        })
    })
}

/// `guichet units stats`: counts by level and kind.
pub fn print_stats(stats: &Stats) -> String {
    let mut out = format!(
        "{} administrative units in force on {}\n",
        stats.country.code().to_uppercase(),
        format_date(stats.date)
    );
    for level in Level::ALL {
        let Some(n) = stats.by_level.get(&level) else {
            continue;
        };
        out.push_str(&format!("  {:<12} {n:>6}\n", level.as_str()));
        for d in stats.detail.iter().filter(|d| d.level == level) {
            out.push_str(&format!("    {:<26} {:>6}\n", d.kind.as_str(), d.count));
        }
    }
    out
}

/// `guichet units convert`: a conversion, or the reason there is none, as text.
pub fn print_conversion(result: &Result<Conversion, AddressError>) -> String {
    let mut out = String::new();
    match result {
        Ok(c) => {
            if !c.old.is_empty() {
                let old: Vec<String> = c
                    .old
                    .iter()
                    .rev()
                    .map(|n| format!("{} [{}]", n.name, n.code))
                    .collect();
                out.push_str(&format!("before 1 July 2025: {}\n", old.join(", ")));
            }
            let line = |cur: &guichet_units::address::Current| {
                format!(
                    "{} [{}], {} [{}]",
                    cur.commune.name, cur.commune.code, cur.province.name, cur.province.code
                )
            };
            match &c.outcome {
                Outcome::Certain { current } => {
                    out.push_str(&format!("today: {}\n", line(current)))
                }
                Outcome::AlreadyCurrent { current } => {
                    out.push_str(&format!("already current: {}\n", line(current)))
                }
                Outcome::Divided { candidates } => {
                    out.push_str("the old commune was divided; today the address is in one of:\n");
                    for cur in candidates {
                        out.push_str(&format!("  {}\n", line(cur)));
                    }
                }
            }
            if let Some(street) = &c.street {
                out.push_str(&format!("street (unchanged): {street}\n"));
            }
        }
        Err(e) => {
            out.push_str(&format!("cannot convert: {e}\n"));
            let (label, list) = match e {
                AddressError::Unknown { suggestions, .. } => ("did you mean", suggestions),
                AddressError::Ambiguous { candidates, .. } => ("candidates", candidates),
                _ => return out,
            };
            if !list.is_empty() {
                out.push_str(&format!("{label}:\n"));
                for n in list {
                    out.push_str(&format!(
                        "  {} [{}] ({})\n",
                        n.name,
                        n.code,
                        n.within.join(", ")
                    ));
                }
            }
        }
    }
    out
}

fn span(u: &guichet_units::Unit) -> String {
    format!(
        "{} → {}",
        format_date(u.valid_from),
        u.valid_to
            .map(format_date)
            .unwrap_or_else(|| "today".into())
    )
}

/// `guichet units show`: a unit's versions, parents on the date, and lineage.
pub fn print_unit(
    reg: &Registry,
    unit: &guichet_units::UnitRef,
    at: time::Date,
) -> Result<String, SliceError> {
    let mut out = String::new();
    for u in reg.versions(unit)? {
        let marker = if u.in_force(at) { "*" } else { " " };
        out.push_str(&format!(
            "{marker} {} {} ({}), {}\n",
            u.id,
            u.name,
            u.kind.as_str(),
            span(u)
        ));
        let parents: Vec<&str> = reg
            .ancestors(u, u.valid_from)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        if !parents.is_empty() {
            out.push_str(&format!("    in {}\n", parents.join(", ")));
        }
        let links = reg
            .predecessors(u)
            .into_iter()
            .map(|l| ("from", l))
            .chain(reg.successors(u).into_iter().map(|l| ("into", l)));
        for (direction, l) in links {
            out.push_str(&format!(
                "    {direction} {} {} ({}{}, {}; {})\n",
                l.unit.id,
                l.unit.name,
                l.kind.as_str(),
                if l.partial { ", part" } else { "" },
                format_date(l.effective),
                l.legal_ref
            ));
        }
    }
    Ok(out)
}

/// `guichet units search`.
pub fn print_search(m: &guichet_units::Match<'_>) -> String {
    let mut out = String::new();
    let line = |h: &guichet_units::Hit<'_>| {
        format!(
            "  {:<22} {} ({}) {}{}\n",
            h.unit.unit_ref,
            h.unit.name,
            h.unit.kind.as_str(),
            if h.within.is_empty() {
                String::new()
            } else {
                format!("in {}, ", h.within.join(", "))
            },
            span(h.unit)
        )
    };
    if m.hits.is_empty() && m.suggestions.is_empty() {
        out.push_str("no unit matches\n");
    }
    for h in &m.hits {
        out.push_str(&line(h));
    }
    if !m.suggestions.is_empty() {
        out.push_str("no exact match; did you mean:\n");
        for h in &m.suggestions {
            out.push_str(&line(h));
        }
    }
    out
}

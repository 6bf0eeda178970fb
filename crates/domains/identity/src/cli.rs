//! `guichet user create`, `guichet office create`, and `guichet calendar …` (holidays,
//! working-day arithmetic and lunar conversion, as text; no database needed).

use std::io::BufRead;

use clap::{ArgMatches, Command, FromArgMatches, Subcommand};
use futures_util::future::BoxFuture;
use guichet_core::authz::{Grant, Role, Secrecy};
use guichet_rules::calendar::OfficeCalendar;
use guichet_rules::holidays::{Country, Region, holidays};
use guichet_rules::lunar::{LunarDate, to_lunar, to_solar};
use guichet_web::slice::{
    CommandContext, Output, SliceCommand, SliceError, never_offline, never_online,
};
use time::Date;
use time::macros::format_description;

type Result<T> = std::result::Result<T, SliceError>;

/// `guichet user …`, composed by the app.
pub static USER: SliceCommand = SliceCommand {
    name: "user",
    command: user_command,
    offline: never_offline,
    run: run_user,
};

/// `guichet office …`, composed by the app.
pub static OFFICE: SliceCommand = SliceCommand {
    name: "office",
    command: office_command,
    offline: never_offline,
    run: run_office,
};

/// `guichet calendar …`, composed by the app; needs no database.
pub static CALENDAR: SliceCommand = SliceCommand {
    name: "calendar",
    command: calendar_command,
    offline: run_calendar,
    run: never_online,
};

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from the first line of standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// citizen, agent, office_admin, sysadmin or auditor.
        #[arg(long)]
        role: String,
        /// Office code, for agent and office_admin.
        #[arg(long)]
        office: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// Create a personal API token for an account; printed once (send it as a bearer token).
    Token {
        username: String,
        #[arg(long)]
        name: String,
        /// Names of actions, space- or comma-separated (e.g. one_stop.file_dossier).
        #[arg(long)]
        scopes: String,
        /// How many days it lives (1 to 365).
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// Clear an account to read what an office holds up to a secrecy level (mat, toi_mat,
    /// tuyet_mat), or withdraw the clearance (normal).
    Clearance {
        username: String,
        /// Office code.
        #[arg(long)]
        office: String,
        #[arg(long)]
        level: String,
    },
}

#[derive(Subcommand)]
enum OfficeCommand {
    /// Create an office.
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// vn or fr.
        #[arg(long)]
        country: String,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print `YYYY-MM-DD name` for each public holiday of a year.
    Holidays {
        #[arg(long)]
        country: String,
        /// alsace-moselle (France).
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: i32,
    },
    /// Print the date N working days after a date.
    AddWorkingDays {
        #[arg(long)]
        country: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        from: String,
        #[arg(long)]
        days: u32,
    },
    /// Convert between the Vietnamese lunar calendar and the solar calendar.
    Lunar {
        /// A lunar date YYYY-MM-DD, with L after it for a leap month (e.g. 2023-02-01L).
        #[arg(long)]
        to_solar: Option<String>,
        /// A solar date YYYY-MM-DD.
        #[arg(long)]
        from_solar: Option<String>,
    },
}

fn user_command() -> Command {
    UserCommand::augment_subcommands(
        Command::new("user")
            .about("User accounts")
            .subcommand_required(true),
    )
}

fn office_command() -> Command {
    OfficeCommand::augment_subcommands(
        Command::new("office")
            .about("Offices")
            .subcommand_required(true),
    )
}

fn calendar_command() -> Command {
    CalendarCommand::augment_subcommands(
        Command::new("calendar")
            .about("Public holidays, working days, the lunar calendar")
            .subcommand_required(true),
    )
}

fn run_user<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output>> {
    Box::pin(async move {
        let (username, name, role, office, email) = match UserCommand::from_arg_matches(args)? {
            UserCommand::Create {
                username,
                name,
                role,
                office,
                email,
            } => (username, name, role, office, email),
            UserCommand::Clearance {
                username,
                office,
                level,
            } => return run_clearance(ctx, &username, &office, &level).await,
            UserCommand::Token {
                username,
                name,
                scopes,
                days,
            } => {
                let user = crate::identity_store(ctx.store)?
                    .user_by_username(&username)
                    .await?
                    .ok_or_else(|| format!("no account is called {username}"))?;
                let accounts = &ctx.state::<crate::IdentityState>()?.accounts;
                let (token, _) = accounts.create_token(&user, &name, &scopes, days).await?;
                return Ok(format!("{token}\n").into());
            }
        };
        let role: Role = role
            .parse()
            .map_err(|e| format!("{e}: use citizen, agent, office_admin, sysadmin or auditor"))?;
        let office = match office {
            None => None,
            Some(code) => Some(
                crate::identity_store(ctx.store)?
                    .office_by_code(&code)
                    .await?
                    .ok_or_else(|| format!("no office has the code {code}"))?
                    .id,
            ),
        };
        let mut password = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut password)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let account = crate::NewAccount {
            username,
            display_name: name,
            email,
            password: password.trim_end_matches(['\r', '\n']).to_owned(),
            grants: vec![Grant::new(role, office)],
        };
        let accounts = &ctx.state::<crate::IdentityState>()?.accounts;
        let user = accounts.create("cli", account).await?;
        Ok(format!("created user {} ({})\n", user.username, user.id).into())
    })
}

async fn run_clearance(
    ctx: &CommandContext<'_>,
    username: &str,
    office: &str,
    level: &str,
) -> Result<Output> {
    let level: Secrecy = level
        .parse()
        .map_err(|e| format!("{e}: use normal, mat, toi_mat or tuyet_mat"))?;
    let store = crate::identity_store(ctx.store)?;
    let office = store
        .office_by_code(office)
        .await?
        .ok_or_else(|| format!("no office has the code {office}"))?;
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| format!("no account is called {username}"))?;
    crate::set_clearance(
        store,
        ctx.clock.now(),
        "cli",
        None,
        user.id,
        office.id,
        level,
    )
    .await?;
    Ok(format!(
        "{} is cleared for {} at {}\n",
        user.username,
        level.code(),
        office.code
    )
    .into())
}

fn run_office<'a>(
    ctx: &'a CommandContext<'a>,
    args: &'a ArgMatches,
) -> BoxFuture<'a, Result<Output>> {
    Box::pin(async move {
        let OfficeCommand::Create {
            code,
            name,
            country,
        } = OfficeCommand::from_arg_matches(args)?;
        let office = crate::offices::create_office(
            crate::identity_store(ctx.store)?,
            ctx.clock,
            ctx.entropy,
            "cli",
            crate::offices::NewOffice {
                code,
                name,
                country,
            },
        )
        .await?;
        Ok(format!("created office {} ({})\n", office.code, office.id).into())
    })
}

fn run_calendar(args: &ArgMatches) -> Option<Result<Output>> {
    let text = CalendarCommand::from_arg_matches(args)
        .map_err(SliceError::from)
        .and_then(|c| match c {
            CalendarCommand::Holidays {
                country,
                region,
                year,
            } => holidays_text(&country, region.as_deref(), year),
            CalendarCommand::AddWorkingDays {
                country,
                region,
                from,
                days,
            } => add_working_days_text(&country, region.as_deref(), &from, days),
            CalendarCommand::Lunar {
                to_solar,
                from_solar,
            } => lunar_text(to_solar.as_deref(), from_solar.as_deref()),
        });
    Some(text.map(Output::from))
}

fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s.trim(), &format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)").into())
}

fn iso(d: Date) -> String {
    d.format(&format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

fn region(country: Country, region: Option<&str>) -> Result<Option<Region>> {
    let Some(r) = region else { return Ok(None) };
    let r: Region = r.parse()?;
    if country != Country::Fr {
        return Err("the region alsace-moselle belongs to France (use --country fr)".into());
    }
    Ok(Some(r))
}

/// `YYYY-MM-DD name` for each holiday of the year.
pub fn holidays_text(country: &str, region_name: Option<&str>, year: i32) -> Result<String> {
    let country: Country = country.parse()?;
    let region = region(country, region_name)?;
    Ok(holidays(country, region, year)?
        .iter()
        .map(|h| format!("{} {}\n", iso(h.date), h.name))
        .collect())
}

/// The date `days` working days after `from`.
pub fn add_working_days_text(
    country: &str,
    region_name: Option<&str>,
    from: &str,
    days: u32,
) -> Result<String> {
    let country: Country = country.parse()?;
    let calendar = OfficeCalendar::new(country, region(country, region_name)?);
    Ok(format!(
        "{}\n",
        iso(calendar.add_working_days(parse_date(from)?, days)?)
    ))
}

/// Lunar `YYYY-MM-DD[L]` (L: leap month) from a solar date, or the solar date of a lunar one.
pub fn lunar_text(to_solar_arg: Option<&str>, from_solar_arg: Option<&str>) -> Result<String> {
    match (to_solar_arg, from_solar_arg) {
        (Some(lunar), None) => {
            let text = lunar.trim();
            let (text, leap) = match text.strip_suffix(['L', 'l']) {
                Some(t) => (t, true),
                None => (text, false),
            };
            let parts: Vec<&str> = text.split('-').collect();
            let [y, m, d] = parts.as_slice() else {
                return Err(format!(
                    "{lunar:?} is not a lunar date (YYYY-MM-DD, L after the day for a leap month)"
                )
                .into());
            };
            let date = LunarDate {
                year: y.parse().map_err(|_| format!("bad year in {lunar:?}"))?,
                month: m.parse().map_err(|_| format!("bad month in {lunar:?}"))?,
                day: d.parse().map_err(|_| format!("bad day in {lunar:?}"))?,
                leap,
            };
            Ok(format!(
                "{}\n",
                iso(to_solar(date).map_err(|e| format!("lunar date {lunar}: {e}"))?)
            ))
        }
        (None, Some(solar)) => {
            let l = to_lunar(parse_date(solar)?)?;
            Ok(format!(
                "{:04}-{:02}-{:02}{}\n",
                l.year,
                l.month,
                l.day,
                if l.leap { "L" } else { "" }
            ))
        }
        _ => Err("give exactly one of --to-solar LUNAR_DATE or --from-solar SOLAR_DATE".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_print_what_the_issue_asks() {
        let vn = holidays_text("vn", None, 2026).unwrap();
        assert!(vn.contains("2026-02-17 Tết Nguyên Đán\n"), "{vn}");
        let am = holidays_text("fr", Some("alsace-moselle"), 2026).unwrap();
        assert!(am.contains("2026-12-26 Saint Étienne\n"));
        assert_eq!(
            add_working_days_text("vn", None, "2026-02-13", 5).unwrap(),
            "2026-02-27\n"
        );
        assert_eq!(
            lunar_text(None, Some("2023-03-22")).unwrap(),
            "2023-02-01L\n"
        );
        assert_eq!(
            lunar_text(Some("2023-02-01L"), None).unwrap(),
            "2023-03-22\n"
        );
        assert_eq!(
            lunar_text(Some("1985-01-01"), None).unwrap(),
            "1985-01-21\n"
        );
        for bad in [
            holidays_text("de", None, 2026),
            holidays_text("vn", None, 1800),
            holidays_text("vn", Some("alsace-moselle"), 2026),
            add_working_days_text("fr", None, "2026-13-01", 1),
            lunar_text(Some("2023-03-01L"), None),
            lunar_text(None, None),
        ] {
            assert!(bad.is_err());
        }
    }
}

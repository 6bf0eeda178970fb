//! `guichet calendar …`: holidays, working-day arithmetic and lunar conversion, as text.

use anyhow::{Context, bail};
use guichet_rules::calendar::OfficeCalendar;
use guichet_rules::holidays::{Country, Region, holidays};
use guichet_rules::lunar::{LunarDate, to_lunar, to_solar};
use time::Date;
use time::macros::format_description;

fn parse_date(s: &str) -> anyhow::Result<Date> {
    Date::parse(s.trim(), &format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

fn iso(d: Date) -> String {
    d.format(&format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

fn region(country: Country, region: Option<&str>) -> anyhow::Result<Option<Region>> {
    let Some(r) = region else { return Ok(None) };
    let r: Region = r.parse()?;
    if country != Country::Fr {
        bail!("the region alsace-moselle belongs to France (use --country fr)");
    }
    Ok(Some(r))
}

/// `YYYY-MM-DD name` for each holiday of the year.
pub fn holidays_text(
    country: &str,
    region_name: Option<&str>,
    year: i32,
) -> anyhow::Result<String> {
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
) -> anyhow::Result<String> {
    let country: Country = country.parse()?;
    let calendar = OfficeCalendar::new(country, region(country, region_name)?);
    Ok(format!(
        "{}\n",
        iso(calendar.add_working_days(parse_date(from)?, days)?)
    ))
}

/// Lunar `YYYY-MM-DD[L]` (L: leap month) from a solar date, or the solar date of a lunar one.
pub fn lunar_text(
    to_solar_arg: Option<&str>,
    from_solar_arg: Option<&str>,
) -> anyhow::Result<String> {
    match (to_solar_arg, from_solar_arg) {
        (Some(lunar), None) => {
            let text = lunar.trim();
            let (text, leap) = match text.strip_suffix(['L', 'l']) {
                Some(t) => (t, true),
                None => (text, false),
            };
            let parts: Vec<&str> = text.split('-').collect();
            let [y, m, d] = parts.as_slice() else {
                bail!(
                    "{lunar:?} is not a lunar date (YYYY-MM-DD, L after the day for a leap month)"
                )
            };
            let date = LunarDate {
                year: y
                    .parse()
                    .with_context(|| format!("bad year in {lunar:?}"))?,
                month: m
                    .parse()
                    .with_context(|| format!("bad month in {lunar:?}"))?,
                day: d.parse().with_context(|| format!("bad day in {lunar:?}"))?,
                leap,
            };
            Ok(format!(
                "{}\n",
                iso(to_solar(date).with_context(|| format!("lunar date {lunar}"))?)
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
        _ => bail!("give exactly one of --to-solar LUNAR_DATE or --from-solar SOLAR_DATE"),
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

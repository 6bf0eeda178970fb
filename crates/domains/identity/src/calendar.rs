//! An office's working calendar: the country's holiday rules plus the days its authorities
//! decide each year, which an administrator records with their legal reference.

use crate::store::{CalendarOverride, IdentityStore};
use guichet_core::{Clock, Entropy, IdGen};
use guichet_ledger::Event;
use guichet_rules::calendar::{OfficeCalendar, Override, OverrideKind};
use guichet_rules::holidays::{self, Country as RulesCountry};
use guichet_store::{Audit, Country, Office};
use time::Date;
use time::macros::format_description;

use crate::{Result, invalid};

/// What an administrator submits.
#[derive(Debug, Clone)]
pub struct NewOverride {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `day_off` or `working_day`.
    pub kind: String,
    pub name: String,
    pub legal_reference: String,
}

pub fn rules_country(c: Country) -> RulesCountry {
    match c {
        Country::Vn => RulesCountry::Vn,
        Country::Fr => RulesCountry::Fr,
    }
}

pub fn parse_day(s: &str) -> Result<Date> {
    Date::parse(s.trim(), &format_description!("[year]-[month]-[day]")).map_err(|_| {
        invalid(
            "invalid-date",
            format!(
                "{:?} is not a date (YYYY-MM-DD)",
                s.chars().take(20).collect::<String>()
            ),
        )
    })
}

/// Whether the calendar rules cover `year` for the office's country.
pub fn year_covered(office: &Office, year: i32) -> bool {
    let (from, to) = holidays::year_range(rules_country(office.country));
    (from..=to).contains(&year)
}

fn check_year(office: &Office, day: Date) -> Result<()> {
    let (from, to) = holidays::year_range(rules_country(office.country));
    if (from..=to).contains(&day.year()) {
        Ok(())
    } else {
        Err(invalid(
            "invalid-year",
            format!("the calendar rules cover {from} to {to}"),
        ))
    }
}

/// Records (or replaces) the override of one day, ledgered in the office's stream.
pub async fn set_override(
    store: &dyn IdentityStore,
    clock: &dyn Clock,
    entropy: &dyn Entropy,
    actor: &str,
    office: &Office,
    new: NewOverride,
) -> Result<CalendarOverride> {
    let day = parse_day(&new.day)?;
    check_year(office, day)?;
    let working_day = match new.kind.trim() {
        "day_off" => false,
        "working_day" => true,
        _ => return Err(invalid("invalid-kind", "kind is day_off or working_day")),
    };
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid(
            "invalid-override-name",
            "a name has 1 to 200 characters",
        ));
    }
    let reference = new.legal_reference.trim();
    if reference.is_empty() || reference.chars().count() > 300 {
        return Err(invalid(
            "invalid-legal-reference",
            "a legal reference has 1 to 300 characters",
        ));
    }
    let now = clock.now();
    let o = CalendarOverride {
        id: IdGen { clock, entropy }.uuid(),
        office_id: office.id,
        day,
        working_day,
        name: name.to_owned(),
        legal_reference: reference.to_owned(),
        created_at: now,
    };
    let event = Event {
        stream: office.code.clone(),
        actor: actor.to_owned(),
        action: "calendar.override_set".into(),
        object_type: "calendar_day".into(),
        object_id: new.day.trim().to_owned(),
        payload: serde_json::json!({"kind": new.kind.trim(), "name": o.name, "legal_reference": o.legal_reference}),
    };
    store
        .set_calendar_override(&o, &Audit::one(now, event))
        .await?;
    Ok(o)
}

/// Removes the override of one day.
pub async fn remove_override(
    store: &dyn IdentityStore,
    clock: &dyn Clock,
    actor: &str,
    office: &Office,
    day: &str,
) -> Result<()> {
    let day_parsed = parse_day(day)?;
    let event = Event {
        stream: office.code.clone(),
        actor: actor.to_owned(),
        action: "calendar.override_removed".into(),
        object_type: "calendar_day".into(),
        object_id: day.trim().to_owned(),
        payload: serde_json::json!({}),
    };
    store
        .delete_calendar_override(office.id, day_parsed, &Audit::one(clock.now(), event))
        .await?;
    Ok(())
}

/// The office's calendar: rules of its country plus its recorded overrides.
pub async fn office_calendar(store: &dyn IdentityStore, office: &Office) -> Result<OfficeCalendar> {
    let mut calendar = OfficeCalendar::new(rules_country(office.country), None);
    for o in store.calendar_overrides(office.id).await? {
        let kind = if o.working_day {
            OverrideKind::WorkingDay
        } else {
            OverrideKind::DayOff
        };
        calendar
            .add_override(Override {
                date: o.day,
                kind,
                name: o.name,
                legal_reference: o.legal_reference,
            })
            .map_err(|e| invalid("invalid-legal-reference", e.to_string()))?;
    }
    Ok(calendar)
}

/// One line of a year's calendar view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: Date,
    pub name: String,
    pub working_day: bool,
    /// `None` for a holiday from the law; the legal reference for a recorded day.
    pub legal_reference: Option<String>,
}

/// The days off by law and the recorded days of `year`, by date.
pub async fn year_view(
    store: &dyn IdentityStore,
    office: &Office,
    year: i32,
) -> Result<Vec<CalendarDay>> {
    let range = holidays::year_range(rules_country(office.country));
    if !(range.0..=range.1).contains(&year) {
        return Err(invalid(
            "invalid-year",
            format!("the calendar rules cover {} to {}", range.0, range.1),
        ));
    }
    let overrides: Vec<CalendarOverride> = store
        .calendar_overrides(office.id)
        .await?
        .into_iter()
        .filter(|o| o.day.year() == year)
        .collect();
    let mut days: Vec<CalendarDay> = holidays::holidays(rules_country(office.country), None, year)
        .map_err(|e| invalid("invalid-year", e.to_string()))?
        .into_iter()
        .filter(|h| overrides.iter().all(|o| o.day != h.date))
        .map(|h| CalendarDay {
            date: h.date,
            name: h.name,
            working_day: false,
            legal_reference: None,
        })
        .collect();
    days.extend(overrides.into_iter().map(|o| CalendarDay {
        date: o.day,
        name: o.name,
        working_day: o.working_day,
        legal_reference: Some(o.legal_reference),
    }));
    days.sort_by_key(|d| d.date);
    Ok(days)
}

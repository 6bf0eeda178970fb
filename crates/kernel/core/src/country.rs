//! The two countries whose law guichet implements.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime};

/// Country whose law applies: to an office, an administrative unit, a rule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Country {
    Vn,
    Fr,
}

impl Country {
    pub fn code(self) -> &'static str {
        match self {
            Country::Vn => "vn",
            Country::Fr => "fr",
        }
    }

    /// Parses `vn`/`fr` in any case.
    pub fn parse(s: &str) -> Option<Country> {
        match s.to_ascii_lowercase().as_str() {
            "vn" => Some(Country::Vn),
            "fr" => Some(Country::Fr),
            _ => None,
        }
    }

    /// The office's wall-clock time: Vietnam is UTC+7 all year; France follows Europe/Paris
    /// (UTC+1, UTC+2 from the last Sunday of March to the last Sunday of October, at 01:00 UTC).
    pub fn local_time(self, at: OffsetDateTime) -> PrimitiveDateTime {
        let utc = at.to_offset(time::UtcOffset::UTC);
        let hours = match self {
            Country::Vn => 7,
            Country::Fr => {
                let year = utc.year();
                let start = last_sunday(year, Month::March).with_hms(1, 0, 0).ok();
                let end = last_sunday(year, Month::October).with_hms(1, 0, 0).ok();
                let now = PrimitiveDateTime::new(utc.date(), utc.time());
                match (start, end) {
                    (Some(s), Some(e)) if now >= s && now < e => 2,
                    _ => 1,
                }
            }
        };
        let local = utc + time::Duration::hours(hours);
        PrimitiveDateTime::new(local.date(), local.time())
    }
}

fn last_sunday(year: i32, month: Month) -> Date {
    let mut d = Date::from_calendar_date(year, month, time::util::days_in_month(month, year))
        .unwrap_or(Date::MIN);
    while d.weekday() != time::Weekday::Sunday {
        d = d.previous_day().unwrap_or(Date::MIN);
    }
    d
}

//! An office's working calendar and deadline arithmetic.
//!
//! A calendar is the country's holiday rules plus the office's overrides: the government fixes
//! each year's exact Tết days and swaps working days by decision, and an administrator records
//! each such day with its legal reference. Weekends (Saturday, Sunday) are not working days
//! unless an override makes them one (a swapped working Saturday).
//!
//! Deadlines: a dossier received on a working day before closing time counts from that day;
//! received after closing time or on a day off, from the next working day. The due date is the
//! N-th working day after that. A correction request pauses the clock; on resumption the
//! working days that were left are counted again from the resumption day.

use std::collections::BTreeMap;
use std::sync::Mutex;

use time::{Date, PrimitiveDateTime, Time, Weekday};

use crate::holidays::{self, Country, HolidayError, Region};

/// Longest span deadline arithmetic walks, in days (about 27 years): a guard against loops.
const MAX_SPAN_DAYS: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideKind {
    /// A day off that the rules do not give (e.g. a swapped Tết day).
    DayOff,
    /// A working day the rules would give off (e.g. a Saturday worked in exchange).
    WorkingDay,
}

/// A day recorded by an administrator, with the decision it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub date: Date,
    pub kind: OverrideKind,
    pub name: String,
    /// E.g. "Thông báo 6150/TB-BLĐTBXH ngày 12/11/2024".
    pub legal_reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(transparent)]
    Holidays(#[from] HolidayError),
    #[error("an override needs a legal reference")]
    MissingReference,
    #[error("the deadline is too far away (more than {MAX_SPAN_DAYS} days)")]
    TooFar,
    #[error("the clock is not paused")]
    NotPaused,
    #[error("the clock is already paused")]
    AlreadyPaused,
    #[error("resumption on {resumed} is before the pause on {paused}")]
    ResumedBeforePause { paused: Date, resumed: Date },
}

pub struct OfficeCalendar {
    pub country: Country,
    pub region: Option<Region>,
    overrides: BTreeMap<Date, Override>,
    /// Holidays by year, computed once.
    cache: Mutex<BTreeMap<i32, Vec<Date>>>,
}

/// How a dossier's processing compares with its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeliness {
    /// Done before the due date (trước hạn).
    Early,
    /// Done on the due date (đúng hạn).
    OnTime,
    /// Done after the due date (quá hạn).
    Late,
}

impl OfficeCalendar {
    pub fn new(country: Country, region: Option<Region>) -> Self {
        Self {
            country,
            region,
            overrides: BTreeMap::new(),
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records a day decided by the authorities; a later override of the same day replaces it.
    pub fn add_override(&mut self, o: Override) -> Result<(), CalendarError> {
        if o.legal_reference.trim().is_empty() {
            return Err(CalendarError::MissingReference);
        }
        self.overrides.insert(o.date, o);
        Ok(())
    }

    pub fn overrides(&self) -> impl Iterator<Item = &Override> {
        self.overrides.values()
    }

    fn is_holiday(&self, date: Date) -> Result<bool, CalendarError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let std::collections::btree_map::Entry::Vacant(e) = cache.entry(date.year()) {
            let days = holidays::holidays(self.country, self.region, date.year())?
                .into_iter()
                .map(|h| h.date)
                .collect();
            e.insert(days);
        }
        Ok(cache
            .get(&date.year())
            .is_some_and(|days| days.contains(&date)))
    }

    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        if let Some(o) = self.overrides.get(&date) {
            return Ok(o.kind == OverrideKind::WorkingDay);
        }
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return Ok(false);
        }
        Ok(!self.is_holiday(date)?)
    }

    fn next_working_day(&self, date: Date) -> Result<Date, CalendarError> {
        let mut d = date;
        for _ in 0..MAX_SPAN_DAYS {
            d = d.next_day().ok_or(CalendarError::TooFar)?;
            if self.is_working_day(d)? {
                return Ok(d);
            }
        }
        Err(CalendarError::TooFar)
    }

    /// The N-th working day after `date` (`date` itself for N = 0).
    pub fn add_working_days(&self, date: Date, days: u32) -> Result<Date, CalendarError> {
        let mut d = date;
        for _ in 0..days {
            d = self.next_working_day(d)?;
        }
        Ok(d)
    }

    /// The day a receipt at `received` (office local time) counts from.
    pub fn counting_start(
        &self,
        received: PrimitiveDateTime,
        closing: Time,
    ) -> Result<Date, CalendarError> {
        let day = received.date();
        if self.is_working_day(day)? && received.time() < closing {
            Ok(day)
        } else {
            self.next_working_day(day)
        }
    }

    /// The due date of a dossier received at `received` with `days` working days to process it.
    pub fn due_date(
        &self,
        received: PrimitiveDateTime,
        closing: Time,
        days: u32,
    ) -> Result<Date, CalendarError> {
        self.add_working_days(self.counting_start(received, closing)?, days)
    }

    /// Working days in (`from`, `to`]; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<i64, CalendarError> {
        if (to - from).whole_days().abs() > MAX_SPAN_DAYS {
            return Err(CalendarError::TooFar);
        }
        let (start, end, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut d = start;
        while d < end {
            d = d.next_day().ok_or(CalendarError::TooFar)?;
            if self.is_working_day(d)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }
}

/// Compares the day processing ended with the due date.
pub fn classify(done: Date, due: Date) -> Timeliness {
    match done.cmp(&due) {
        std::cmp::Ordering::Less => Timeliness::Early,
        std::cmp::Ordering::Equal => Timeliness::OnTime,
        std::cmp::Ordering::Greater => Timeliness::Late,
    }
}

/// A dossier's deadline clock, which a correction request pauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineClock {
    pub due: Date,
    pub paused_on: Option<Date>,
}

impl DeadlineClock {
    pub fn new(due: Date) -> Self {
        Self {
            due,
            paused_on: None,
        }
    }

    pub fn pause(&mut self, on: Date) -> Result<(), CalendarError> {
        if self.paused_on.is_some() {
            return Err(CalendarError::AlreadyPaused);
        }
        self.paused_on = Some(on);
        Ok(())
    }

    /// Resumes: the working days left when paused are counted again from `on`.
    pub fn resume(&mut self, on: Date, calendar: &OfficeCalendar) -> Result<(), CalendarError> {
        let paused = self.paused_on.ok_or(CalendarError::NotPaused)?;
        if on < paused {
            return Err(CalendarError::ResumedBeforePause {
                paused,
                resumed: on,
            });
        }
        let left = calendar.working_days_between(paused, self.due)?.max(0);
        self.due = calendar.add_working_days(on, u32::try_from(left).unwrap_or(0))?;
        self.paused_on = None;
        Ok(())
    }

    /// Working days left on `today` (negative once late). While paused, those left at the pause.
    pub fn days_left(&self, today: Date, calendar: &OfficeCalendar) -> Result<i64, CalendarError> {
        calendar.working_days_between(self.paused_on.unwrap_or(today), self.due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn vn() -> OfficeCalendar {
        OfficeCalendar::new(Country::Vn, None)
    }

    #[test]
    fn receipt_after_hours_and_over_tet_2026() {
        let cal = vn();
        // Friday 13 Feb 2026, 10:00, 5 working days: Tết eve Mon 16 to Fri 20 are days off.
        assert_eq!(
            cal.due_date(datetime!(2026-02-13 10:00), time!(17:00), 5),
            Ok(date!(2026 - 02 - 27))
        );
        // The same at 17:30 counts from Monday 23 February.
        assert_eq!(
            cal.counting_start(datetime!(2026-02-13 17:30), time!(17:00)),
            Ok(date!(2026 - 02 - 23))
        );
        assert_eq!(
            cal.due_date(datetime!(2026-02-13 17:30), time!(17:00), 5),
            Ok(date!(2026 - 03 - 02))
        );
    }

    #[test]
    fn year_roll_over_and_france() {
        let fr = OfficeCalendar::new(Country::Fr, None);
        // Thursday 31 Dec 2026 + 2 working days: Friday 1 January 2027 is a holiday, then the weekend.
        assert_eq!(
            fr.add_working_days(date!(2026 - 12 - 31), 2),
            Ok(date!(2027 - 01 - 05))
        );
        assert_eq!(
            fr.working_days_between(date!(2026 - 12 - 31), date!(2027 - 01 - 05)),
            Ok(2)
        );
        assert_eq!(
            fr.working_days_between(date!(2027 - 01 - 05), date!(2026 - 12 - 31)),
            Ok(-2)
        );
    }

    #[test]
    fn overrides_swap_days_and_need_a_reference() {
        let mut cal = vn();
        // 2025: Friday 2 May off, Saturday 26 April worked (Thông báo 6150/TB-BLĐTBXH).
        let reference = "Thông báo 6150/TB-BLĐTBXH".to_string();
        cal.add_override(Override {
            date: date!(2025 - 05 - 02),
            kind: OverrideKind::DayOff,
            name: "Nghỉ hoán đổi".into(),
            legal_reference: reference.clone(),
        })
        .unwrap();
        cal.add_override(Override {
            date: date!(2025 - 04 - 26),
            kind: OverrideKind::WorkingDay,
            name: "Làm bù".into(),
            legal_reference: reference,
        })
        .unwrap();
        assert_eq!(cal.is_working_day(date!(2025 - 05 - 02)), Ok(false));
        assert_eq!(cal.is_working_day(date!(2025 - 04 - 26)), Ok(true));
        let missing = Override {
            date: date!(2025 - 01 - 02),
            kind: OverrideKind::DayOff,
            name: "x".into(),
            legal_reference: " ".into(),
        };
        assert_eq!(
            cal.add_override(missing),
            Err(CalendarError::MissingReference)
        );
    }

    #[test]
    fn pause_for_correction_and_classify() {
        let cal = vn();
        // Due Friday 20 Nov 2026; paused Monday 16 Nov with 4 working days left; resumed Monday 23.
        let mut clock = DeadlineClock::new(date!(2026 - 11 - 20));
        clock.pause(date!(2026 - 11 - 16)).unwrap();
        assert_eq!(
            clock.days_left(date!(2026 - 11 - 19), &cal),
            Ok(4),
            "frozen while paused"
        );
        assert_eq!(
            clock.pause(date!(2026 - 11 - 17)),
            Err(CalendarError::AlreadyPaused)
        );
        clock.resume(date!(2026 - 11 - 23), &cal).unwrap();
        // Four working days from Mon 23 Nov; Tuesday 24 Nov 2026 is Vietnam Cultural Day.
        assert_eq!(clock.due, date!(2026 - 11 - 30));
        assert_eq!(
            clock.resume(date!(2026 - 11 - 24), &cal),
            Err(CalendarError::NotPaused)
        );
        assert_eq!(
            classify(date!(2026 - 11 - 27), clock.due),
            Timeliness::Early
        );
        assert_eq!(
            classify(date!(2026 - 11 - 30), clock.due),
            Timeliness::OnTime
        );
        assert_eq!(classify(date!(2026 - 12 - 01), clock.due), Timeliness::Late);
        assert_eq!(clock.days_left(date!(2026 - 12 - 02), &cal), Ok(-2));
    }

    #[test]
    fn years_outside_the_rules_are_errors_not_guesses() {
        assert!(matches!(
            vn().is_working_day(date!(1990 - 06 - 01)),
            Err(CalendarError::Holidays(_))
        ));
    }
}

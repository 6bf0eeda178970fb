//! Retention (thời hạn bảo quản, durée d'utilité administrative) and final action (sort
//! final): when a record becomes due, and the warning window before it.

use time::{Date, Month};

/// Days before the due date when the office is warned.
pub const WARNING_DAYS: i64 = 30;

/// What happens when the retention period ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalAction {
    /// Kept permanently (transferred to the archives service).
    Keep,
    /// Destroyed after approval.
    Destroy,
    /// Reviewed (appraised) record by record: keep or destroy.
    Review,
}

impl FinalAction {
    pub const ALL: [FinalAction; 3] =
        [FinalAction::Keep, FinalAction::Destroy, FinalAction::Review];

    pub fn code(self) -> &'static str {
        match self {
            FinalAction::Keep => "keep",
            FinalAction::Destroy => "destroy",
            FinalAction::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }

    /// The SEDA 2.2 `FinalAction` of an appraisal rule (`Keep` or `Destroy`; review is a
    /// decision still to make, so it travels as `Keep`).
    pub fn seda(self) -> &'static str {
        match self {
            FinalAction::Destroy => "Destroy",
            FinalAction::Keep | FinalAction::Review => "Keep",
        }
    }
}

/// The event the retention period counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The archival file is closed (the usual rule: the year after the matter ended).
    FileClosed,
    /// The record's own date.
    RecordDate,
}

impl Trigger {
    pub const ALL: [Trigger; 2] = [Trigger::FileClosed, Trigger::RecordDate];

    pub fn code(self) -> &'static str {
        match self {
            Trigger::FileClosed => "file_closed",
            Trigger::RecordDate => "record_date",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == s)
    }
}

/// The day a record with `years` of retention counted from `start` becomes due; `None` for
/// permanent retention. 29 February plus N years lands on 28 February of a common year.
pub fn due_on(start: Date, years: Option<u16>) -> Option<Date> {
    let years = years?;
    let year = start.year() + i32::from(years);
    let day = start
        .day()
        .min(time::util::days_in_month(start.month(), year));
    Date::from_calendar_date(year, start.month(), day)
        .ok()
        .or_else(|| Date::from_calendar_date(year, Month::December, 31).ok())
}

/// Where a record stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Permanent, or not yet counted (its file is open).
    NotScheduled,
    /// Due later than the warning window.
    Later,
    /// Due within [`WARNING_DAYS`].
    Warning,
    /// Due on or before today.
    Due,
}

pub fn due_state(due: Option<Date>, today: Date) -> DueState {
    match due {
        None => DueState::NotScheduled,
        Some(d) if d <= today => DueState::Due,
        Some(d) if (d - today).whole_days() <= WARNING_DAYS => DueState::Warning,
        Some(_) => DueState::Later,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn due_dates() {
        assert_eq!(
            due_on(date!(2026 - 03 - 15), Some(10)),
            Some(date!(2036 - 03 - 15))
        );
        assert_eq!(
            due_on(date!(2024 - 02 - 29), Some(1)),
            Some(date!(2025 - 02 - 28))
        );
        assert_eq!(
            due_on(date!(2024 - 02 - 29), Some(4)),
            Some(date!(2028 - 02 - 29))
        );
        assert_eq!(due_on(date!(2026 - 03 - 15), None), None);
    }

    #[test]
    fn warning_window() {
        let today = date!(2026 - 12 - 01);
        assert_eq!(due_state(None, today), DueState::NotScheduled);
        assert_eq!(due_state(Some(today), today), DueState::Due);
        assert_eq!(
            due_state(Some(date!(2026 - 12 - 31)), today),
            DueState::Warning
        );
        assert_eq!(
            due_state(Some(date!(2027 - 01 - 01)), today),
            DueState::Later
        );
        assert_eq!(due_state(Some(date!(2026 - 11 - 01)), today), DueState::Due);
    }
}

//! Statistics of the one-stop service per office, procedure and month, and the applicants'
//! satisfaction ratings. Pure computation over `StatRow`s (one per received dossier); the
//! definitions are in docs/statistics.md and a hand-computed fixture checks them.

use crate::store::{DossierRecord, OneStopStore, RatingRecord, StatRow};
use guichet_core::{Clock, Country, OfficeId, ProcedureId};
use guichet_ledger::Event;
use guichet_rules::calendar::OfficeCalendar;
use guichet_store::{Audit, Office};
use time::{Date, Month};

use crate::dossier::local_time;
use crate::state::State;
use crate::{Result, ServiceError, invalid};

/// One period's figures.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Figures {
    /// Dossiers received in the period.
    pub received: u64,
    /// Dossiers decided (approved, rejected, closed) in the period.
    pub processed: u64,
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
    /// Received by the end of the period and not decided by then (withdrawn ones excluded).
    pub pending: u64,
    /// Pending ones past their due date at the end of the period (or today, if sooner),
    /// except those waiting for the applicant.
    pub overdue: u64,
    /// (early + on time) / processed with a due date, in per cent, one decimal.
    pub on_time_rate: Option<f64>,
    /// Processing time of the processed ones in working days (received → decided), nearest
    /// rank.
    pub median_days: Option<i64>,
    pub p90_days: Option<i64>,
    /// Correction requests among the processed ones.
    pub correction_rounds: u64,
    pub ratings: u64,
    /// Mean rating of the processed ones that were rated, two decimals.
    pub satisfaction: Option<f64>,
}

/// The figures of one month.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonthFigures {
    /// First day of the month (`YYYY-MM` in JSON).
    #[serde(serialize_with = "serialize_month")]
    pub month: Date,
    #[serde(flatten)]
    pub figures: Figures,
}

fn serialize_month<S: serde::Serializer>(m: &Date, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&month_code(*m))
}

/// First day of the month of `d`.
pub fn month_start(d: Date) -> Date {
    d.replace_day(1).unwrap_or(d)
}

/// First day of the next month.
pub fn next_month(d: Date) -> Date {
    crate::dossier::add_months(month_start(d), 1)
}

/// Nearest-rank percentile (`p` in 1..=100) of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank - 1).copied()
}

/// Figures of the rows for days in `[start, end)`; `today` caps "overdue" for a running period.
pub fn figures<'a>(
    rows: impl Iterator<Item = &'a StatRow>,
    start: Date,
    end: Date,
    today: Date,
    country: Country,
    calendar: &OfficeCalendar,
) -> Figures {
    let mut f = Figures::default();
    let in_period = |d: Date| d >= start && d < end;
    let last_day = end.previous_day().unwrap_or(end);
    let reference = last_day.min(today);
    let mut days = Vec::new();
    let mut scores = Vec::new();
    for r in rows {
        let received = local_time(country, r.received_at).date();
        if in_period(received) {
            f.received += 1;
        }
        let state = State::parse(&r.state);
        match r.decided_on {
            Some(decided) if in_period(decided) => {
                f.processed += 1;
                if let Some(due) = r.due_date {
                    match guichet_rules::calendar::classify(decided, due) {
                        guichet_rules::calendar::Timeliness::Early => f.early += 1,
                        guichet_rules::calendar::Timeliness::OnTime => f.on_time += 1,
                        guichet_rules::calendar::Timeliness::Late => f.late += 1,
                    }
                }
                if let Ok(n) = calendar.working_days_between(received, decided) {
                    days.push(n);
                }
                f.correction_rounds += r.corrections.max(0) as u64;
                if let Some(s) = r.score {
                    scores.push(s);
                }
            }
            _ => {}
        }
        let undecided_at_end = r.decided_on.is_none_or(|d| d > last_day);
        if received <= last_day && undecided_at_end && state != Some(State::Withdrawn) {
            f.pending += 1;
            let waiting = r.decided_on.is_none() && state == Some(State::AwaitingApplicant);
            if !waiting && r.due_date.is_some_and(|due| due < reference) {
                f.overdue += 1;
            }
        }
    }
    let judged = f.early + f.on_time + f.late;
    if judged > 0 {
        f.on_time_rate = Some(round(
            (f.early + f.on_time) as f64 * 100.0 / judged as f64,
            1,
        ));
    }
    days.sort_unstable();
    f.median_days = percentile(&days, 50);
    f.p90_days = percentile(&days, 90);
    f.ratings = scores.len() as u64;
    if !scores.is_empty() {
        f.satisfaction = Some(round(
            scores.iter().sum::<i64>() as f64 / scores.len() as f64,
            2,
        ));
    }
    f
}

fn round(x: f64, decimals: i32) -> f64 {
    let m = 10f64.powi(decimals);
    (x * m).round() / m
}

/// Month by month from the month of `from` to the month of `to` (inclusive).
pub fn monthly(
    rows: &[StatRow],
    from: Date,
    to: Date,
    today: Date,
    country: Country,
    calendar: &OfficeCalendar,
) -> Vec<MonthFigures> {
    let mut out = Vec::new();
    let mut m = month_start(from);
    while m <= to && out.len() < 240 {
        let end = next_month(m);
        out.push(MonthFigures {
            month: m,
            figures: figures(rows.iter(), m, end, today, country, calendar),
        });
        m = end;
    }
    out
}

/// Figures per procedure over `[start, end)`.
pub fn by_procedure(
    rows: &[StatRow],
    start: Date,
    end: Date,
    today: Date,
    country: Country,
    calendar: &OfficeCalendar,
) -> Vec<(ProcedureId, Figures)> {
    let mut ids: Vec<ProcedureId> = rows.iter().map(|r| r.procedure_id).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|p| {
            let f = figures(
                rows.iter().filter(|r| r.procedure_id == p),
                start,
                end,
                today,
                country,
                calendar,
            );
            (p, f)
        })
        .collect()
}

/// Rows of one office (and procedure, if given) for a period.
pub async fn rows(
    store: &dyn OneStopStore,
    office: OfficeId,
    procedure: Option<ProcedureId>,
    from: Date,
    to: Date,
) -> Result<Vec<StatRow>> {
    Ok(store
        .stat_rows(Some(office), from, to)
        .await?
        .into_iter()
        .filter(|r| procedure.is_none_or(|p| r.procedure_id == p))
        .collect())
}

/// `YYYY-MM` of a month.
pub fn month_code(m: Date) -> String {
    format!("{:04}-{:02}", m.year(), u8::from(m.month()))
}

/// Parses `YYYY-MM` to its first day.
pub fn parse_month(s: &str) -> Option<Date> {
    let (y, m) = s.trim().split_once('-')?;
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, 1).ok()
}

/// The applicant rates the service (1–5 and a comment) once the result is handed over; once.
pub async fn rate(
    store: &dyn OneStopStore,
    clock: &dyn Clock,
    office: &Office,
    d: &DossierRecord,
    actor: &str,
    score: i64,
    comment: &str,
) -> Result<()> {
    if State::parse(&d.state) != Some(State::HandedOver) {
        return Err(invalid(
            "rating-state",
            "the service can be rated once the result is handed over",
        ));
    }
    if !(1..=5).contains(&score) {
        return Err(invalid("rating-score", "choose a score from 1 to 5"));
    }
    let comment = comment.trim();
    if comment.chars().count() > 2000 {
        return Err(invalid(
            "rating-comment",
            "the comment is at most 2000 characters",
        ));
    }
    let now = clock.now();
    let rating = RatingRecord {
        dossier_id: d.id,
        office_id: d.office_id,
        procedure_id: d.procedure_id,
        score,
        comment: comment.to_owned(),
        at: now,
    };
    let event = Event {
        stream: office.code.clone(),
        actor: actor.to_owned(),
        action: "dossier.rated".into(),
        object_type: "dossier".into(),
        object_id: d.id.to_string(),
        payload: serde_json::json!({ "code": d.code, "score": score }),
    };
    match store.add_rating(&rating, &Audit::one(now, event)).await {
        Err(guichet_store::StoreError::Conflict(_)) => Err(invalid(
            "rating-done",
            "this dossier has already been rated",
        )),
        other => other.map_err(ServiceError::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::{OfficeId, ProcedureId};
    use time::macros::{date, datetime};

    fn row(
        received: time::OffsetDateTime,
        state: &str,
        due: Option<Date>,
        decided: Option<Date>,
        corrections: i64,
        score: Option<i64>,
    ) -> StatRow {
        StatRow {
            office_id: OfficeId(uuid::Uuid::nil()),
            procedure_id: ProcedureId(uuid::Uuid::nil()),
            state: state.into(),
            received_at: received,
            due_date: due,
            decided_on: decided,
            corrections,
            score,
        }
    }

    /// The fixture of docs/statistics.md, computed by hand there.
    fn fixture() -> Vec<StatRow> {
        vec![
            // A: early, 4 working days, rated 5.
            row(
                datetime!(2026-03-02 02:00 UTC),
                "approved",
                Some(date!(2026 - 03 - 09)),
                Some(date!(2026 - 03 - 06)),
                0,
                Some(5),
            ),
            // B: on time, 5 working days, one correction, rated 3.
            row(
                datetime!(2026-03-03 02:00 UTC),
                "handed_over",
                Some(date!(2026 - 03 - 10)),
                Some(date!(2026 - 03 - 10)),
                1,
                Some(3),
            ),
            // C: late, 8 working days, two corrections.
            row(
                datetime!(2026-03-04 02:00 UTC),
                "rejected",
                Some(date!(2026 - 03 - 11)),
                Some(date!(2026 - 03 - 16)),
                2,
                None,
            ),
            // D: pending, overdue.
            row(
                datetime!(2026-03-05 02:00 UTC),
                "received",
                Some(date!(2026 - 03 - 12)),
                None,
                0,
                None,
            ),
            // E: pending, not yet due.
            row(
                datetime!(2026-03-20 02:00 UTC),
                "received",
                Some(date!(2026 - 04 - 20)),
                None,
                0,
                None,
            ),
            // F: pending, past due but waiting for the applicant.
            row(
                datetime!(2026-03-25 02:00 UTC),
                "awaiting_applicant",
                Some(date!(2026 - 03 - 27)),
                None,
                1,
                None,
            ),
            // G: withdrawn: received, never pending.
            row(
                datetime!(2026-03-26 02:00 UTC),
                "withdrawn",
                None,
                None,
                0,
                None,
            ),
            // H: received in February, decided early in March after 1 working day.
            row(
                datetime!(2026-02-27 02:00 UTC),
                "approved",
                Some(date!(2026 - 03 - 03)),
                Some(date!(2026 - 03 - 02)),
                0,
                None,
            ),
            // J: 31 March 17:30 UTC is 1 April 00:30 in Hanoi: an April dossier.
            row(
                datetime!(2026-03-31 17:30 UTC),
                "received",
                None,
                None,
                0,
                None,
            ),
        ]
    }

    #[test]
    fn figures_match_the_hand_computed_fixture() {
        let cal = OfficeCalendar::new(guichet_rules::holidays::Country::Vn, None);
        let months = monthly(
            &fixture(),
            date!(2026 - 03 - 01),
            date!(2026 - 04 - 01),
            date!(2026 - 04 - 15),
            Country::Vn,
            &cal,
        );
        assert_eq!(months.len(), 2);
        let march = &months[0].figures;
        assert_eq!(months[0].month, date!(2026 - 03 - 01));
        assert_eq!(
            (
                march.received,
                march.processed,
                march.early,
                march.on_time,
                march.late
            ),
            (7, 4, 2, 1, 1)
        );
        assert_eq!((march.pending, march.overdue), (3, 1));
        assert_eq!(march.on_time_rate, Some(75.0));
        assert_eq!((march.median_days, march.p90_days), (Some(4), Some(8)));
        assert_eq!(march.correction_rounds, 3);
        assert_eq!((march.ratings, march.satisfaction), (2, Some(4.0)));
        let april = &months[1].figures;
        assert_eq!(
            (
                april.received,
                april.processed,
                april.pending,
                april.overdue
            ),
            (1, 0, 4, 1)
        );
        assert_eq!(
            (april.on_time_rate, april.median_days, april.satisfaction),
            (None, None, None)
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[1, 4, 5, 8], 50), Some(4));
        assert_eq!(percentile(&[1, 4, 5, 8], 90), Some(8));
        let hundred: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 50), Some(50));
        assert_eq!(percentile(&hundred, 90), Some(90));
    }

    #[test]
    fn months_parse_and_print() {
        assert_eq!(parse_month("2026-03"), Some(date!(2026 - 03 - 01)));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(month_code(date!(2026 - 11 - 01)), "2026-11");
        assert_eq!(next_month(date!(2026 - 12 - 15)), date!(2027 - 01 - 01));
    }
}

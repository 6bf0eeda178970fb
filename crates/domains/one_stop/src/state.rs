//! The dossier's legal state machine, one for both countries, with the mapping to the states of
//! Démarches Simplifiées and to the statuses Vietnamese one-stop systems show.
//!
//! Invariant: a dossier changes state only through [`next`]; every arrow of the machine is in
//! [`TRANSITIONS`], and the tests walk all of them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being filled by the applicant; no code yet.
    Draft,
    /// Filed, numbered, waiting for the office to take it in.
    Submitted,
    /// Taken in; the deadline runs (in instruction).
    Received,
    /// The office asked the applicant to supplement or correct it; the deadline clock is paused.
    AwaitingApplicant,
    Approved,
    Rejected,
    /// Closed without further action (sans suite, dừng xử lý).
    Closed,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// The result was handed over to the applicant.
    HandedOver,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Draft,
        State::Submitted,
        State::Received,
        State::AwaitingApplicant,
        State::Approved,
        State::Rejected,
        State::Closed,
        State::Withdrawn,
        State::HandedOver,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Received => "received",
            State::AwaitingApplicant => "awaiting_applicant",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Closed => "closed",
            State::Withdrawn => "withdrawn",
            State::HandedOver => "handed_over",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.code() == s)
    }

    /// The state in Démarches Simplifiées (`app/models/dossier.rb`).
    pub fn demarches_simplifiees(self) -> &'static str {
        match self {
            State::Draft => "brouillon",
            State::Submitted => "en_construction",
            State::Received => "en_instruction",
            // DS sends a dossier back "en construction" with a correction request.
            State::AwaitingApplicant => "en_construction",
            State::Approved | State::HandedOver => "accepte",
            State::Rejected => "refuse",
            State::Closed | State::Withdrawn => "sans_suite",
        }
    }

    /// The status as Vietnamese one-stop systems and the national portal name it. The numeric
    /// status codes of the portal are not in a published specification, so only names are kept.
    pub fn vn_portal(self) -> &'static str {
        match self {
            State::Draft => "Chưa nộp",
            State::Submitted => "Chờ tiếp nhận",
            State::Received => "Đang xử lý",
            State::AwaitingApplicant => "Chờ bổ sung",
            State::Approved => "Đã có kết quả",
            State::Rejected => "Từ chối giải quyết",
            State::Closed => "Dừng xử lý",
            State::Withdrawn => "Công dân rút hồ sơ",
            State::HandedOver => "Đã trả kết quả",
        }
    }

    /// A decision was taken (the deadline no longer runs).
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            State::Approved | State::Rejected | State::Closed | State::HandedOver
        )
    }

    /// Nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, State::Closed | State::Withdrawn | State::HandedOver)
    }

    /// States in which the office has work to do (the agent queue's default).
    pub const OPEN: [State; 3] = [State::Submitted, State::Received, State::AwaitingApplicant];
}

/// Who may take a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Applicant,
    Agent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Submit,
    Receive,
    RequestCorrection,
    /// The applicant sends the supplemented dossier back.
    Resubmit,
    Approve,
    Reject,
    Close,
    Withdraw,
    HandOver,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Submit,
        Step::Receive,
        Step::RequestCorrection,
        Step::Resubmit,
        Step::Approve,
        Step::Reject,
        Step::Close,
        Step::Withdraw,
        Step::HandOver,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Receive => "receive",
            Step::RequestCorrection => "request_correction",
            Step::Resubmit => "resubmit",
            Step::Approve => "approve",
            Step::Reject => "reject",
            Step::Close => "close",
            Step::Withdraw => "withdraw",
            Step::HandOver => "hand_over",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|st| st.code() == s)
    }

    pub fn party(self) -> Party {
        match self {
            Step::Submit | Step::Resubmit | Step::Withdraw => Party::Applicant,
            _ => Party::Agent,
        }
    }

    /// Steps that must say why (the applicant reads it).
    pub fn needs_reason(self) -> bool {
        matches!(self, Step::RequestCorrection | Step::Reject | Step::Close)
    }
}

/// Every arrow of the machine: (from, step, to).
pub const TRANSITIONS: [(State, Step, State); 14] = [
    (State::Draft, Step::Submit, State::Submitted),
    (State::Submitted, Step::Receive, State::Received),
    (State::Submitted, Step::Reject, State::Rejected),
    (State::Submitted, Step::Withdraw, State::Withdrawn),
    (
        State::Received,
        Step::RequestCorrection,
        State::AwaitingApplicant,
    ),
    (State::Received, Step::Approve, State::Approved),
    (State::Received, Step::Reject, State::Rejected),
    (State::Received, Step::Close, State::Closed),
    (State::Received, Step::Withdraw, State::Withdrawn),
    (State::AwaitingApplicant, Step::Resubmit, State::Received),
    (State::AwaitingApplicant, Step::Close, State::Closed),
    (State::AwaitingApplicant, Step::Withdraw, State::Withdrawn),
    (State::Approved, Step::HandOver, State::HandedOver),
    (State::Rejected, Step::HandOver, State::HandedOver),
];

/// The state `step` leads to from `from`, or `None` when the law does not allow it.
pub fn next(from: State, step: Step) -> Option<State> {
    TRANSITIONS
        .iter()
        .find(|(f, s, _)| *f == from && *s == step)
        .map(|(_, _, to)| *to)
}

/// The steps `party` can take from `state`.
pub fn steps_from(state: State, party: Party) -> Vec<Step> {
    TRANSITIONS
        .iter()
        .filter(|(f, s, _)| *f == state && s.party() == party)
        .map(|(_, s, _)| *s)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.code()), Some(s));
        }
        for s in Step::ALL {
            assert_eq!(Step::parse(s.code()), Some(s));
        }
        assert_eq!(State::parse("accepte"), None);
    }

    #[test]
    fn every_state_but_final_ones_can_move_and_draft_is_only_entered_at_creation() {
        for s in State::ALL {
            let out = Step::ALL
                .iter()
                .filter(|st| next(s, **st).is_some())
                .count();
            assert_eq!(out == 0, s.is_final(), "{s:?}");
        }
        assert!(TRANSITIONS.iter().all(|(_, _, to)| *to != State::Draft));
    }

    #[test]
    fn illegal_steps_are_refused() {
        assert_eq!(next(State::Draft, Step::Approve), None);
        assert_eq!(
            next(State::Submitted, Step::Approve),
            None,
            "must be received first"
        );
        assert_eq!(next(State::AwaitingApplicant, Step::Approve), None);
        assert_eq!(next(State::HandedOver, Step::Withdraw), None);
        assert_eq!(next(State::Approved, Step::Withdraw), None);
    }

    #[test]
    fn the_demarches_simplifiees_mapping_covers_its_six_states() {
        let mapped: std::collections::BTreeSet<_> = State::ALL
            .iter()
            .map(|s| s.demarches_simplifiees())
            .collect();
        let ds = [
            "accepte",
            "brouillon",
            "en_construction",
            "en_instruction",
            "refuse",
            "sans_suite",
        ];
        assert_eq!(mapped.into_iter().collect::<Vec<_>>(), ds);
    }

    #[test]
    fn steps_by_party() {
        assert_eq!(
            steps_from(State::Received, Party::Applicant),
            vec![Step::Withdraw]
        );
        assert_eq!(
            steps_from(State::Received, Party::Agent),
            vec![
                Step::RequestCorrection,
                Step::Approve,
                Step::Reject,
                Step::Close
            ]
        );
        assert_eq!(
            steps_from(State::AwaitingApplicant, Party::Applicant),
            vec![Step::Resubmit, Step::Withdraw]
        );
    }
}

//! Counter intake (tiếp nhận trực tiếp, dépôt au guichet): an agent files a dossier on behalf of
//! a walk-in applicant whose identity document they checked at the desk, or of a letter
//! received by post. The same form, validation, numbering and ledger entries as online filing;
//! the dossier is then received at once, which issues the receipt and appointment slip the
//! agent prints and hands over with the tracking secret. The applicant follows it online with
//! the code and that secret.

use guichet_rules::ids::{self, Kind};
use guichet_store::User;
use serde_json::{Map, Value};

use crate::dossier::{Actor, Desk, Filing, StepInput, file_ids};
use crate::form::{self, Mode};
use crate::state::{State, Step};
use crate::store::{DossierRecord, DossierWrite, Intake};
use crate::{Result, ServiceError, invalid};
use guichet_core::Language;
use guichet_store::Audit;

/// The ways an agent takes a dossier in.
pub const CHANNELS: [&str; 2] = ["counter", "post"];

/// The identity documents an agent may record; the first two have a checked number format.
pub const ID_KINDS: [&str; 6] = [
    "cccd",
    "cmnd",
    "passport",
    "cni",
    "residence_permit",
    "other",
];

/// What the agent enters about the applicant.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IntakeInput {
    pub channel: String,
    pub applicant_name: String,
    pub id_kind: String,
    pub id_number: String,
    /// The agent compared the document with the person at the desk.
    #[serde(default)]
    pub identity_checked: bool,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

/// Checks what the agent entered; the number comes back in its normal form.
pub fn check_intake(agent: &User, input: &IntakeInput) -> Result<(Intake, Option<String>)> {
    let channel = input.channel.trim();
    if !CHANNELS.contains(&channel) {
        return Err(invalid(
            "intake-channel",
            "say how the dossier arrived: at the counter or by post",
        ));
    }
    let name = input.applicant_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid(
            "intake-name",
            "the applicant's full name is needed (at most 200 characters)",
        ));
    }
    let kind = input.id_kind.trim();
    if !ID_KINDS.contains(&kind) {
        return Err(invalid(
            "intake-id-kind",
            "choose the kind of identity document",
        ));
    }
    let number = match kind {
        "cccd" => ids::check(Kind::Cccd, &input.id_number),
        "cmnd" => ids::check(Kind::Cmnd, &input.id_number),
        _ => {
            let n = input.id_number.trim().to_uppercase();
            let ok = (3..=40).contains(&n.chars().count())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
            if ok {
                Ok(n)
            } else {
                Err(ids::IdError::InvalidCharacters)
            }
        }
    }
    .map_err(|e| {
        guichet_common::invalid_said(
            "intake-id-number",
            guichet_common::Said::each(|lang| e.message(lang)),
        )
    })?;
    if channel == "counter" && !input.identity_checked {
        return Err(invalid(
            "intake-identity-unchecked",
            "at the counter, check the identity document against the person before taking the dossier",
        ));
    }
    let email = input.email.trim();
    let email = if email.is_empty() {
        None
    } else if guichet_identity::admin::valid_email(email) {
        Some(email.to_owned())
    } else {
        return Err(invalid("intake-email", "the e-mail address is not valid"));
    };
    let phone = input.phone.trim();
    if phone.chars().count() > 20
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-'))
    {
        return Err(invalid(
            "intake-phone",
            "a telephone number has digits, spaces and + only (at most 20)",
        ));
    }
    Ok((
        Intake {
            channel: channel.to_owned(),
            id_kind: kind.to_owned(),
            id_number: number,
            identity_checked: input.identity_checked,
            phone: phone.to_owned(),
            agent: agent.id,
            agent_name: agent.display_name.clone(),
        },
        email,
    ))
}

impl Desk<'_> {
    /// A new dossier of the desk's, from an intake `check_intake` accepted.
    fn counter_dossier(
        &self,
        filing: &Filing,
        agent: &User,
        input: &IntakeInput,
        (intake, email): (Intake, Option<String>),
        answers: Map<String, Value>,
    ) -> DossierRecord {
        let mut d = self.new_dossier(filing, agent, answers);
        d.applicant_id = None;
        d.applicant_name = input.applicant_name.trim().to_owned();
        d.applicant_email = email;
        d.intake = Some(intake);
        d
    }

    /// Starts a draft the agent fills in at the desk with the applicant (the web's form pages).
    pub async fn start_at_counter(
        &self,
        agent: &User,
        filing: &Filing,
        input: &IntakeInput,
    ) -> Result<DossierRecord> {
        let intake = check_intake(agent, input)?;
        let d = self.counter_dossier(filing, agent, input, intake, Map::new());
        let actor = Actor::user(agent);
        let event = self.event(
            &filing.office,
            &actor,
            "dossier.draft_started",
            &d,
            serde_json::json!({
                "procedure": filing.procedure.code, "version": filing.version,
                "channel": input.channel.trim(),
            }),
        );
        let mut w = DossierWrite::new(d.clone(), None);
        w.event = Some(self.history(&d, &actor, "draft_started", "", State::Draft.code(), ""));
        Ok(self
            .store
            .write_dossier(w, &Audit::one(self.clock.now(), event))
            .await?)
    }

    /// Files, numbers and receives in one call (the API's counter intake). Returns the received
    /// dossier and its tracking secret.
    ///
    /// Two transactions: the submission, then the receipt. If the second fails the dossier
    /// stays submitted, numbered and in the office's queue, where any agent can receive it.
    pub async fn file_at_counter(
        &self,
        agent: &User,
        filing: &Filing,
        input: &IntakeInput,
        answers: &Value,
        lang: Language,
    ) -> Result<(DossierRecord, String)> {
        // Who brought it is checked first: without it nothing else matters.
        let intake = check_intake(agent, input)?;
        let given = answers.as_object().cloned().unwrap_or_default();
        let checked = form::validate(
            &filing.body.form,
            &Value::Object(given),
            &self.check(lang, Mode::Submit, &filing.office),
        )
        .map_err(ServiceError::Form)?;
        let d = self.counter_dossier(filing, agent, input, intake, checked);
        let files = file_ids(&d.answers);
        let (mut w, secret, audit) = self.submission(filing, agent, d, None, lang);
        w.attach_files = files;
        let submitted = self.store.write_dossier(w, &audit).await?;
        let received = self.receive_at_counter(agent, &submitted, lang).await?;
        Ok((received, secret))
    }

    /// Receives a dossier just submitted at the counter: the deadline starts and the receipt
    /// and appointment slip is issued.
    pub async fn receive_at_counter(
        &self,
        agent: &User,
        d: &DossierRecord,
        lang: Language,
    ) -> Result<DossierRecord> {
        if d.intake.is_none() {
            return Err(invalid(
                "intake-not-counter",
                "this dossier was filed online: receive it from the queue",
            ));
        }
        self.step(
            &Actor::user(agent),
            d,
            d.rev,
            Step::Receive,
            StepInput::default(),
            lang,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent() -> User {
        User {
            id: guichet_core::UserId(uuid::Uuid::nil()),
            username: "lan.nguyen".into(),
            display_name: "Nguyễn Thị Lan".into(),
            email: None,
            password_hash: String::new(),
            disabled: false,
            created_at: time::macros::datetime!(2026-12-08 08:00 UTC),
            grants: Vec::new(),
            clearances: Vec::new(),
        }
    }

    fn walk_in() -> IntakeInput {
        IntakeInput {
            channel: "counter".into(),
            applicant_name: "Trần Văn Bình".into(),
            id_kind: "cccd".into(),
            id_number: "001 2 05 012345".into(),
            identity_checked: true,
            email: String::new(),
            phone: "0912 345 678".into(),
        }
    }

    fn key(r: Result<(Intake, Option<String>)>) -> &'static str {
        match r {
            Err(ServiceError::Invalid { key, .. }) => key,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_walk_in_applicant_with_a_checked_cccd_is_taken_in() {
        let (intake, email) = check_intake(&agent(), &walk_in()).expect("valid");
        assert_eq!(
            intake.id_number, "001205012345",
            "the CCCD in its normal form"
        );
        assert_eq!((intake.channel.as_str(), email), ("counter", None));
        assert_eq!(intake.agent_name, "Nguyễn Thị Lan");
    }

    #[test]
    fn the_desk_refuses_what_a_counter_must_not_accept() {
        let unchecked = IntakeInput {
            identity_checked: false,
            ..walk_in()
        };
        assert_eq!(
            key(check_intake(&agent(), &unchecked)),
            "intake-identity-unchecked"
        );
        // By post nobody stands at the desk: the document's copy is recorded unchecked.
        let letter = IntakeInput {
            channel: "post".into(),
            ..unchecked
        };
        assert!(check_intake(&agent(), &letter).is_ok());
        // 099 is no province code: the CCCD rules, not a length check, refuse it.
        let bad_cccd = IntakeInput {
            id_number: "099185000123".into(),
            ..walk_in()
        };
        assert_eq!(key(check_intake(&agent(), &bad_cccd)), "intake-id-number");
        let nameless = IntakeInput {
            applicant_name: "  ".into(),
            ..walk_in()
        };
        assert_eq!(key(check_intake(&agent(), &nameless)), "intake-name");
        let by_pigeon = IntakeInput {
            channel: "pigeon".into(),
            ..walk_in()
        };
        assert_eq!(key(check_intake(&agent(), &by_pigeon)), "intake-channel");
        let bad_mail = IntakeInput {
            email: "binh at example".into(),
            ..walk_in()
        };
        assert_eq!(key(check_intake(&agent(), &bad_mail)), "intake-email");
        let passport = IntakeInput {
            id_kind: "passport".into(),
            id_number: "c1234567".into(),
            ..walk_in()
        };
        let (i, _) = check_intake(&agent(), &passport).expect("a passport number");
        assert_eq!(i.id_number, "C1234567");
    }
}

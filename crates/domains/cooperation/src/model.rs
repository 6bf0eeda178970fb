//! Agreements, the activities carried out under them and their follow-up actions, with the
//! rules a new one must pass. Pure: no I/O.

use std::collections::BTreeMap;

use guichet_core::OfficeId;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

guichet_core::typed_id!(
    /// A cooperation agreement (thỏa thuận hợp tác, accord de coopération).
    AgreementId
);
guichet_core::typed_id!(
    /// An activity under an agreement.
    ActivityId
);
guichet_core::typed_id!(
    /// A follow-up action of an activity.
    ActionId
);

time::serde::format_description!(day, Date, "[year]-[month]-[day]");

/// A count a JSON client may write as `3` or `3.0` (both are JSON Schema integers).
fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 4.0e9)
                .map(|f| f as u64)
        })
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| serde::de::Error::custom(format!("expected a count, got {n}")))
}

/// A text in several languages: language code (`vi`, `fr`, `en`) → text; at least one.
pub type Texts = BTreeMap<String, String>;

/// The languages a text may be given in.
pub const TEXT_LANGUAGES: [&str; 3] = ["vi", "fr", "en"];

/// A signatory of an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    pub name: String,
    /// ISO 3166-1 alpha-2 code, e.g. `VN`, `FR`.
    pub country: String,
}

/// The fields of cooperation the agreements of 2022–2025 and 2025–2028 name.
pub const FIELDS: &[&str] = &[
    "digital_government",
    "records_and_data",
    "gender_equality",
    "leadership",
    "pay",
    "training",
    "recruitment",
    "local_government",
    "public_service_ethics",
    "labour_and_employment",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agreement {
    pub id: AgreementId,
    pub office_id: OfficeId,
    /// Short unique code, used in addresses and IATI identifiers (e.g. `VN-FR-2025-2028`).
    pub code: String,
    pub titles: Texts,
    pub summary: String,
    pub parties: Vec<Party>,
    /// Codes of [`FIELDS`].
    pub fields: Vec<String>,
    #[serde(with = "day")]
    pub signed_on: Date,
    /// Where it was signed.
    pub signed_in: String,
    #[serde(with = "day")]
    pub starts_on: Date,
    #[serde(with = "day")]
    pub ends_on: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A delegation's working visit (đoàn công tác, visite de délégation).
    DelegationVisit,
    /// A seminar or conference (hội thảo, séminaire).
    Seminar,
    /// A training course (khóa đào tạo, bồi dưỡng; formation).
    TrainingCourse,
    /// An expert mission (đoàn chuyên gia, mission d'expertise).
    ExpertMission,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 4] = [
        ActivityKind::DelegationVisit,
        ActivityKind::Seminar,
        ActivityKind::TrainingCourse,
        ActivityKind::ExpertMission,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::DelegationVisit => "delegation_visit",
            ActivityKind::Seminar => "seminar",
            ActivityKind::TrainingCourse => "training_course",
            ActivityKind::ExpertMission => "expert_mission",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The people one office sent to an activity, by sex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Participation {
    pub office: String,
    #[serde(deserialize_with = "whole")]
    pub women: u32,
    #[serde(deserialize_with = "whole")]
    pub men: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub id: ActivityId,
    pub agreement_id: AgreementId,
    pub kind: ActivityKind,
    pub titles: Texts,
    #[serde(with = "day")]
    pub starts_on: Date,
    #[serde(with = "day")]
    pub ends_on: Date,
    pub place: String,
    /// ISO 3166-1 alpha-2 code of the place.
    pub country: String,
    pub participants: Vec<Participation>,
    pub outcomes: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Activity {
    pub fn women(&self) -> u32 {
        self.participants.iter().map(|p| p.women).sum()
    }

    pub fn men(&self) -> u32 {
        self.participants.iter().map(|p| p.men).sum()
    }
}

/// Something an activity left to do, with who does it and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub id: ActionId,
    pub activity_id: ActivityId,
    pub description: String,
    pub owner: String,
    #[serde(with = "day")]
    pub due_on: Date,
    #[serde(with = "day::option")]
    pub done_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl FollowUp {
    pub fn is_overdue(&self, today: Date) -> bool {
        self.done_on.is_none() && self.due_on < today
    }
}

/// A record (in the records slice) that holds one of an agreement's documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedDocument {
    pub agreement_id: AgreementId,
    pub record_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// A rule a new agreement, activity or action breaks; `key` is its message key and API code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Invalid {
    pub key: &'static str,
    pub detail: String,
}

fn invalid(key: &'static str, detail: impl Into<String>) -> Invalid {
    Invalid {
        key,
        detail: detail.into(),
    }
}

/// Trims the texts, drops empty ones and refuses an unknown language or no text at all.
pub fn clean_texts(texts: &Texts) -> Result<Texts, Invalid> {
    let mut out = Texts::new();
    for (lang, text) in texts {
        if !TEXT_LANGUAGES.contains(&lang.as_str()) {
            return Err(invalid(
                "coop-invalid-language",
                format!("texts are in vi, fr or en, not {lang:?}"),
            ));
        }
        let text = text.trim();
        if !text.is_empty() {
            out.insert(lang.clone(), text.to_owned());
        }
    }
    if out.is_empty() {
        return Err(invalid(
            "coop-title-missing",
            "a title is needed in at least one language",
        ));
    }
    Ok(out)
}

fn country_code(code: &str) -> Result<String, Invalid> {
    let code = code.trim().to_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(invalid(
            "coop-invalid-country",
            format!("{code:?} is not an ISO 3166-1 alpha-2 country code (VN, FR…)"),
        ))
    }
}

fn date_order(starts_on: Date, ends_on: Date) -> Result<(), Invalid> {
    if ends_on < starts_on {
        return Err(invalid(
            "coop-invalid-dates",
            format!("it ends ({ends_on}) before it starts ({starts_on})"),
        ));
    }
    Ok(())
}

/// What a new agreement is made of, before its checks.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewAgreement {
    pub code: String,
    pub titles: Texts,
    #[serde(default)]
    pub summary: String,
    pub parties: Vec<Party>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "day")]
    pub signed_on: Date,
    #[serde(default)]
    pub signed_in: String,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "day")]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "day")]
    pub ends_on: Date,
}

impl NewAgreement {
    /// The agreement these values make, or the first rule they break.
    pub fn check(
        self,
        id: AgreementId,
        office_id: OfficeId,
        at: OffsetDateTime,
    ) -> Result<Agreement, Invalid> {
        let code = self.code.trim().to_uppercase();
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(invalid(
                "coop-invalid-code",
                "the code has 1 to 40 letters, digits, '-', '_' or '.'",
            ));
        }
        let mut parties = Vec::new();
        for p in self.parties {
            let name = p.name.trim().to_owned();
            if name.is_empty() {
                continue;
            }
            parties.push(Party {
                name,
                country: country_code(&p.country)?,
            });
        }
        if parties.len() < 2 {
            return Err(invalid(
                "coop-parties-missing",
                "an agreement has at least two parties",
            ));
        }
        let mut fields: Vec<String> = Vec::new();
        for f in self.fields {
            let f = f.trim().to_owned();
            if !FIELDS.contains(&f.as_str()) {
                return Err(invalid(
                    "coop-invalid-field",
                    format!("{f:?} is not a field of cooperation"),
                ));
            }
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        date_order(self.starts_on, self.ends_on)?;
        if self.signed_on > self.ends_on {
            return Err(invalid("coop-invalid-dates", "it is signed after it ends"));
        }
        Ok(Agreement {
            id,
            office_id,
            code,
            titles: clean_texts(&self.titles)?,
            summary: self.summary.trim().to_owned(),
            parties,
            fields,
            signed_on: self.signed_on,
            signed_in: self.signed_in.trim().to_owned(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            created_at: at,
        })
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub titles: Texts,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "day")]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "day")]
    pub ends_on: Date,
    #[serde(default)]
    pub place: String,
    pub country: String,
    #[serde(default)]
    pub participants: Vec<Participation>,
    #[serde(default)]
    pub outcomes: String,
}

/// Most people one office can send to one activity (a typing slip beyond this).
pub const MAX_PARTICIPANTS: u32 = 10_000;

impl NewActivity {
    pub fn check(
        self,
        id: ActivityId,
        agreement: &Agreement,
        at: OffsetDateTime,
    ) -> Result<Activity, Invalid> {
        date_order(self.starts_on, self.ends_on)?;
        let mut participants = Vec::new();
        for p in self.participants {
            let office = p.office.trim().to_owned();
            if office.is_empty() && p.women == 0 && p.men == 0 {
                continue;
            }
            if office.is_empty() {
                return Err(invalid(
                    "coop-participant-office-missing",
                    "participants are counted per office: name the office",
                ));
            }
            if p.women > MAX_PARTICIPANTS || p.men > MAX_PARTICIPANTS {
                return Err(invalid(
                    "coop-participants-too-many",
                    format!("more than {MAX_PARTICIPANTS} people from one office"),
                ));
            }
            participants.push(Participation {
                office,
                women: p.women,
                men: p.men,
            });
        }
        Ok(Activity {
            id,
            agreement_id: agreement.id,
            kind: self.kind,
            titles: clean_texts(&self.titles)?,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            place: self.place.trim().to_owned(),
            country: country_code(&self.country)?,
            participants,
            outcomes: self.outcomes.trim().to_owned(),
            created_at: at,
        })
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewFollowUp {
    pub description: String,
    pub owner: String,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "day")]
    pub due_on: Date,
}

impl NewFollowUp {
    pub fn check(
        self,
        id: ActionId,
        activity: &Activity,
        at: OffsetDateTime,
    ) -> Result<FollowUp, Invalid> {
        let description = self.description.trim().to_owned();
        let owner = self.owner.trim().to_owned();
        if description.is_empty() {
            return Err(invalid("coop-action-missing", "describe the action"));
        }
        if owner.is_empty() {
            return Err(invalid("coop-owner-missing", "an action has an owner"));
        }
        if self.due_on < activity.starts_on {
            return Err(invalid(
                "coop-invalid-dates",
                "an action falls due after its activity starts",
            ));
        }
        Ok(FollowUp {
            id,
            activity_id: activity.id,
            description,
            owner,
            due_on: self.due_on,
            done_on: None,
            created_at: at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn agreement() -> NewAgreement {
        NewAgreement {
            code: " vn-fr-2025-2028 ".into(),
            titles: [("fr".to_owned(), "Accord administratif".to_owned())].into(),
            summary: String::new(),
            parties: vec![
                Party {
                    name: "Bộ Nội vụ".into(),
                    country: "vn".into(),
                },
                Party {
                    name: "Ministère de la Fonction publique".into(),
                    country: "FR".into(),
                },
            ],
            fields: vec!["pay".into(), "pay".into()],
            signed_on: date!(2024 - 10 - 04),
            signed_in: "Paris".into(),
            starts_on: date!(2025 - 01 - 01),
            ends_on: date!(2028 - 12 - 31),
        }
    }

    const AT: OffsetDateTime = datetime!(2024-10-05 08:00 UTC);

    fn check(a: NewAgreement) -> Result<Agreement, Invalid> {
        a.check(AgreementId(Uuid::nil()), OfficeId(Uuid::nil()), AT)
    }

    #[test]
    fn a_good_agreement_is_normalised() {
        let a = check(agreement()).unwrap();
        assert_eq!(a.code, "VN-FR-2025-2028");
        assert_eq!(a.parties[0].country, "VN");
        assert_eq!(a.fields, ["pay"]);
    }

    #[test]
    fn each_rule_has_its_key() {
        type Change = Box<dyn Fn(&mut NewAgreement)>;
        let cases: Vec<(&str, Change)> = vec![
            ("coop-invalid-code", Box::new(|a| a.code = "a b".into())),
            ("coop-invalid-code", Box::new(|a| a.code = String::new())),
            ("coop-parties-missing", Box::new(|a| a.parties.truncate(1))),
            (
                "coop-invalid-country",
                Box::new(|a| a.parties[1].country = "France".into()),
            ),
            (
                "coop-invalid-field",
                Box::new(|a| a.fields = vec!["golf".into()]),
            ),
            (
                "coop-invalid-dates",
                Box::new(|a| a.ends_on = date!(2024 - 01 - 01)),
            ),
            (
                "coop-title-missing",
                Box::new(|a| a.titles = [("vi".to_owned(), "  ".to_owned())].into()),
            ),
            (
                "coop-invalid-language",
                Box::new(|a| a.titles = [("de".to_owned(), "Abkommen".to_owned())].into()),
            ),
        ];
        for (key, change) in cases {
            let mut a = agreement();
            change(&mut a);
            assert_eq!(check(a).unwrap_err().key, key);
        }
    }

    #[test]
    fn activities_count_people_by_sex_and_office() {
        let a = check(agreement()).unwrap();
        let new = NewActivity {
            kind: ActivityKind::Seminar,
            titles: [("en".to_owned(), "Annual seminar".to_owned())].into(),
            starts_on: date!(2025 - 11 - 27),
            ends_on: date!(2025 - 11 - 27),
            place: "Hà Nội".into(),
            country: "vn".into(),
            participants: vec![
                Participation {
                    office: "Bộ Nội vụ".into(),
                    women: 7,
                    men: 5,
                },
                Participation {
                    office: String::new(),
                    women: 0,
                    men: 0,
                },
                Participation {
                    office: "DGAFP".into(),
                    women: 2,
                    men: 1,
                },
            ],
            outcomes: String::new(),
        };
        let act = new.clone().check(ActivityId(Uuid::nil()), &a, AT).unwrap();
        assert_eq!((act.women(), act.men(), act.participants.len()), (9, 6, 2));
        let mut nameless = new;
        nameless.participants[1].women = 3;
        assert_eq!(
            nameless
                .check(ActivityId(Uuid::nil()), &a, AT)
                .unwrap_err()
                .key,
            "coop-participant-office-missing"
        );
    }

    #[test]
    fn follow_ups_need_an_owner_and_become_overdue() {
        let a = check(agreement()).unwrap();
        let act = NewActivity {
            kind: ActivityKind::DelegationVisit,
            titles: [("vi".to_owned(), "Đoàn công tác".to_owned())].into(),
            starts_on: date!(2024 - 10 - 03),
            ends_on: date!(2024 - 10 - 07),
            place: "Paris".into(),
            country: "FR".into(),
            participants: vec![],
            outcomes: String::new(),
        }
        .check(ActivityId(Uuid::nil()), &a, AT)
        .unwrap();
        let new = |owner: &str| NewFollowUp {
            description: "Invite the French minister".into(),
            owner: owner.into(),
            due_on: date!(2025 - 06 - 30),
        };
        assert_eq!(
            new(" ")
                .check(ActionId(Uuid::nil()), &act, AT)
                .unwrap_err()
                .key,
            "coop-owner-missing"
        );
        let f = new("Vụ Hợp tác quốc tế")
            .check(ActionId(Uuid::nil()), &act, AT)
            .unwrap();
        assert!(!f.is_overdue(date!(2025 - 06 - 30)));
        assert!(f.is_overdue(date!(2025 - 07 - 01)));
    }
}

//! Roles and the one function that decides every access.
//!
//! Invariant: every handler that reads or changes protected data calls [`authorize`] before
//! touching the domain; no other code compares roles.

use std::fmt;
use std::str::FromStr;

use crate::{OfficeId, UserId};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A person or business using public services.
    Citizen,
    /// A civil servant working the counter of one office.
    Agent,
    /// Manages the users and settings of one office.
    OfficeAdmin,
    /// Runs the whole instance.
    Sysadmin,
    /// Reads the ledger and verifies it; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Citizen,
        Role::Agent,
        Role::OfficeAdmin,
        Role::Sysadmin,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Agent => "agent",
            Role::OfficeAdmin => "office_admin",
            Role::Sysadmin => "sysadmin",
            Role::Auditor => "auditor",
        }
    }

    /// Whether a grant of this role must name an office.
    pub fn is_per_office(self) -> bool {
        matches!(self, Role::Agent | Role::OfficeAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// One role held by a user, in one office for per-office roles, and possibly on one object
/// only (a jury, an assessment campaign, a data-sharing agreement): such a grant counts only
/// for the slice actions that admit [`Allow::RoleOnObject`] on that object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Grant {
    pub role: Role,
    pub office: Option<OfficeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<uuid::Uuid>,
}

impl Grant {
    /// A grant of `role`, in `office` for per-office roles, on no single object.
    pub fn new(role: Role, office: Option<OfficeId>) -> Self {
        Self {
            role,
            office,
            object: None,
        }
    }
}

/// Levels of state secrecy a document can carry (Vietnam's Law on Protection of State Secrets
/// 2018: mật, tối mật, tuyệt mật; France's IGI 1300 after the 2021 reform: diffusion restreinte,
/// secret, très secret), ordered from the lowest. The codes are the records' stored codes.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Secrecy {
    /// Not protected: whoever may do the action may read it.
    #[default]
    #[serde(rename = "normal")]
    Normal,
    /// Mật / diffusion restreinte.
    #[serde(rename = "mat")]
    Restricted,
    /// Tối mật / secret.
    #[serde(rename = "toi_mat")]
    Secret,
    /// Tuyệt mật / très secret.
    #[serde(rename = "tuyet_mat")]
    TopSecret,
}

impl Secrecy {
    pub const ALL: [Secrecy; 4] = [
        Secrecy::Normal,
        Secrecy::Restricted,
        Secrecy::Secret,
        Secrecy::TopSecret,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Secrecy::Normal => "normal",
            Secrecy::Restricted => "mat",
            Secrecy::Secret => "toi_mat",
            Secrecy::TopSecret => "tuyet_mat",
        }
    }
}

impl fmt::Display for Secrecy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown secrecy level {0:?}")]
pub struct UnknownSecrecy(pub String);

impl FromStr for Secrecy {
    type Err = UnknownSecrecy;
    fn from_str(s: &str) -> Result<Self, UnknownSecrecy> {
        Secrecy::ALL
            .into_iter()
            .find(|l| l.code() == s)
            .ok_or_else(|| UnknownSecrecy(s.to_owned()))
    }
}

/// A person's clearance to read what one office holds up to a secrecy level, granted by that
/// office's head (a role alone reads only what is not protected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Clearance {
    pub office: OfficeId,
    pub level: Secrecy,
}

/// The logged-in user as the authorization function sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub grants: Vec<Grant>,
    pub clearances: Vec<Clearance>,
}

impl Principal {
    /// Holds `role` (anywhere, not limited to one object).
    pub fn has_role(&self, role: Role) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.object.is_none())
    }

    fn has_role_in(&self, role: Role, office: OfficeId) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.office == Some(office) && g.object.is_none())
    }

    fn has_role_on(&self, role: Role, object: uuid::Uuid) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.object == Some(object))
    }

    /// May read what `office` holds at `level` (anything unprotected needs no clearance).
    pub fn cleared_for(&self, office: Option<OfficeId>, level: Secrecy) -> bool {
        level == Secrecy::Normal
            || office.is_some_and(|o| {
                self.clearances
                    .iter()
                    .any(|c| c.office == o && c.level >= level)
            })
    }
}

/// One way to be admitted to a slice's action; an action admits whoever matches any of its
/// list. Data, not code, so the matrix of a slice can be printed and tested row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Everyone, logged in or not.
    Anyone,
    /// Every logged-in person.
    LoggedIn,
    /// Whoever holds the role (instance-wide, or in any office).
    Role(Role),
    /// Whoever holds the role in the office the action is about.
    RoleInOffice(Role),
    /// Whoever holds the role on the one object the action is about.
    RoleOnObject(Role),
    /// The person the action is about (the applicant of a dossier), whatever their roles.
    Subject,
    /// The person the action is about, while holding the role (a citizen acting on their own
    /// dossier; the same person as an agent does not).
    SubjectWithRole(Role),
}

/// An action a domain slice declares (in its `authz.rs`), with who it admits.
#[derive(Debug, PartialEq, Eq)]
pub struct SliceAction {
    pub slice: &'static str,
    /// Dotted name, e.g. `cooperation.manage`.
    pub name: &'static str,
    pub allow: &'static [Allow],
}

impl SliceAction {
    /// This action about `office` and `object` (either may be absent).
    pub const fn on(&'static self, office: Option<OfficeId>, object: Option<uuid::Uuid>) -> Action {
        Action::Slice {
            action: self,
            office,
            object,
            subject: None,
            secrecy: Secrecy::Normal,
        }
    }

    /// This action about the person `subject` (e.g. a dossier's applicant), in `office`.
    pub const fn about(&'static self, subject: Option<UserId>, office: Option<OfficeId>) -> Action {
        Action::Slice {
            action: self,
            office,
            object: None,
            subject,
            secrecy: Secrecy::Normal,
        }
    }
}

/// Everything a request can ask to do: the platform's own actions, and the actions the domain
/// slices declare in their `authz.rs` (as [`SliceAction`] data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Public pages: home, catalogue, offices list, verification of documents.
    ViewPublic,
    /// One's own account page (and whatever else only needs a logged-in person).
    ViewOwnAccount,
    /// Read the ledger.
    ViewLedger,
    /// Run the ledger verification.
    VerifyLedger,
    /// An action a domain slice declares, about an office, one object and/or one person, on
    /// something protected at a secrecy level (then the person also needs a clearance of the
    /// office at that level or above, whatever their roles).
    Slice {
        action: &'static SliceAction,
        office: Option<OfficeId>,
        object: Option<uuid::Uuid>,
        subject: Option<UserId>,
        secrecy: Secrecy,
    },
}

impl Action {
    /// The same action on something protected at `level` (a slice action; the platform's own
    /// actions carry no secrecy).
    pub const fn at_secrecy(self, level: Secrecy) -> Action {
        match self {
            Action::Slice {
                action,
                office,
                object,
                subject,
                ..
            } => Action::Slice {
                action,
                office,
                object,
                subject,
                secrecy: level,
            },
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("you need to log in")]
    NotLoggedIn,
    #[error("your account may not do this")]
    Forbidden,
    /// The account may, but the API token used does not carry the action in its scopes.
    #[error("this token's scopes do not include this action")]
    OutOfScope,
}

/// Decides whether `principal` (or an anonymous visitor) may perform `action`.
pub fn authorize(principal: Option<&Principal>, action: Action) -> Result<(), Denied> {
    if action == Action::ViewPublic {
        return Ok(());
    }
    if let Action::Slice {
        action, secrecy, ..
    } = action
        && action.allow.contains(&Allow::Anyone)
        && secrecy == Secrecy::Normal
    {
        return Ok(());
    }
    let Some(p) = principal else {
        return Err(Denied::NotLoggedIn);
    };
    let allowed = match action {
        Action::ViewPublic | Action::ViewOwnAccount => true,
        Action::ViewLedger | Action::VerifyLedger => {
            p.has_role(Role::Auditor) || p.has_role(Role::Sysadmin)
        }
        Action::Slice {
            action,
            office,
            object,
            subject,
            secrecy,
        } => {
            action.allow.iter().any(|allow| match *allow {
                Allow::Anyone | Allow::LoggedIn => true,
                Allow::Role(role) => p.has_role(role),
                Allow::RoleInOffice(role) => office.is_some_and(|o| p.has_role_in(role, o)),
                Allow::RoleOnObject(role) => object.is_some_and(|o| p.has_role_on(role, o)),
                Allow::Subject => subject == Some(p.user),
                Allow::SubjectWithRole(role) => subject == Some(p.user) && p.has_role(role),
            }) && p.cleared_for(office, secrecy)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// The standard visitors of an action matrix and its check, so that each slice's `authz.rs`
/// test writes only its rows: (action, allowed for each of [`matrix::VISITORS`]).
pub mod matrix {
    use super::{Action, Grant, Principal, Role, authorize};
    use crate::{OfficeId, UserId};
    use uuid::Uuid;

    /// The office the visitors work in, and another one.
    pub const A: OfficeId = OfficeId(Uuid::from_u128(0xA));
    pub const B: OfficeId = OfficeId(Uuid::from_u128(0xB));
    /// Every visitor but the anonymous one is this user (so "the applicant is me" reads
    /// across the row), and somebody else.
    pub const ME: UserId = UserId(Uuid::from_u128(1));
    pub const OTHER: UserId = UserId(Uuid::from_u128(2));

    /// The columns of a row.
    pub const VISITORS: [&str; 6] = [
        "anonymous",
        "citizen",
        "agent@A",
        "office_admin@A",
        "sysadmin",
        "auditor",
    ];

    fn visitor(column: usize) -> Option<Principal> {
        let grant = match column {
            1 => Grant::new(Role::Citizen, None),
            2 => Grant::new(Role::Agent, Some(A)),
            3 => Grant::new(Role::OfficeAdmin, Some(A)),
            4 => Grant::new(Role::Sysadmin, None),
            5 => Grant::new(Role::Auditor, None),
            _ => return None,
        };
        Some(Principal {
            user: ME,
            grants: vec![grant],
            clearances: Vec::new(),
        })
    }

    /// Every cell where the decision differs from the row, described (empty when all agree).
    pub fn differences(rows: &[(Action, [bool; 6])]) -> Vec<String> {
        let mut out = Vec::new();
        for (action, expected) in rows {
            for (column, want) in expected.iter().enumerate() {
                let got = authorize(visitor(column).as_ref(), *action).is_ok();
                if got != *want {
                    out.push(format!(
                        "{} × {action:?}: allowed={got}, the matrix says {want}",
                        VISITORS[column]
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const A: OfficeId = matrix::A;
    const B: OfficeId = matrix::B;
    const ME: UserId = matrix::ME;
    const OTHER: UserId = matrix::OTHER;

    fn who(grants: &[(Role, Option<OfficeId>)]) -> Principal {
        Principal {
            user: ME,
            grants: grants
                .iter()
                .map(|&(role, office)| Grant::new(role, office))
                .collect(),
            clearances: Vec::new(),
        }
    }

    /// The platform's own actions; each slice tests its rows in its `authz.rs`.
    #[test]
    fn the_platform_matrix() {
        use Action::*;
        let rows: &[(Action, [bool; 6])] = &[
            (ViewPublic, [true, true, true, true, true, true]),
            (ViewOwnAccount, [false, true, true, true, true, true]),
            (ViewLedger, [false, false, false, false, true, true]),
            (VerifyLedger, [false, false, false, false, true, true]),
        ];
        assert_eq!(matrix::differences(rows), Vec::<String>::new());
    }

    static OWN: SliceAction = SliceAction {
        slice: "test",
        name: "test.own",
        allow: &[Allow::Subject, Allow::RoleInOffice(Role::Agent)],
    };
    static OWN_AS_CITIZEN: SliceAction = SliceAction {
        slice: "test",
        name: "test.own_as_citizen",
        allow: &[Allow::SubjectWithRole(Role::Citizen)],
    };

    #[test]
    fn subject_rules_admit_the_person_the_action_is_about() {
        let rows: &[(Action, [bool; 6])] = &[
            // Every visitor is ME: the subject rule admits them all, whatever the office.
            (
                OWN.about(Some(ME), Some(B)),
                [false, true, true, true, true, true],
            ),
            (
                OWN.about(Some(OTHER), Some(A)),
                [false, false, true, false, false, false],
            ),
            (
                OWN.about(None, Some(A)),
                [false, false, true, false, false, false],
            ),
            (OWN.about(Some(OTHER), Some(B)), [false; 6]),
            (
                OWN_AS_CITIZEN.about(Some(ME), None),
                [false, true, false, false, false, false],
            ),
            (OWN_AS_CITIZEN.about(Some(OTHER), None), [false; 6]),
            (OWN_AS_CITIZEN.about(None, None), [false; 6]),
        ];
        assert_eq!(matrix::differences(rows), Vec::<String>::new());
        // The check can fail: a wrong row is reported.
        let wrong = matrix::differences(&[(OWN.about(Some(OTHER), Some(B)), [true; 6])]);
        assert_eq!(wrong.len(), 6, "{wrong:?}");
    }

    /// A slice's action, the way a domain crate declares one.
    static REVIEW: SliceAction = SliceAction {
        slice: "test",
        name: "test.review",
        allow: &[
            Allow::Role(Role::Sysadmin),
            Allow::RoleInOffice(Role::OfficeAdmin),
            Allow::RoleOnObject(Role::Agent),
        ],
    };
    static READ: SliceAction = SliceAction {
        slice: "test",
        name: "test.read",
        allow: &[Allow::Anyone],
    };
    static SIGNED_IN: SliceAction = SliceAction {
        slice: "test",
        name: "test.signed_in",
        allow: &[Allow::LoggedIn],
    };

    #[test]
    fn slice_actions_follow_their_allow_lists_and_object_grants_stay_on_their_object() {
        const JURY: Uuid = Uuid::from_u128(0x1);
        const OTHER_JURY: Uuid = Uuid::from_u128(0x2);
        let juror = who(&[(Role::Agent, Some(B))]);
        let juror = Principal {
            grants: vec![Grant {
                role: Role::Agent,
                office: Some(B),
                object: Some(JURY),
            }],
            ..juror
        };
        let admin_a = who(&[(Role::OfficeAdmin, Some(A))]);
        let sysadmin = who(&[(Role::Sysadmin, None)]);
        let agent_b = who(&[(Role::Agent, Some(B))]);
        let citizen = who(&[(Role::Citizen, None)]);
        // (subject, action, allowed)
        let rows: &[(&str, Option<&Principal>, Action, bool)] = &[
            ("juror", Some(&juror), REVIEW.on(Some(B), Some(JURY)), true),
            (
                "juror",
                Some(&juror),
                REVIEW.on(Some(B), Some(OTHER_JURY)),
                false,
            ),
            ("juror", Some(&juror), REVIEW.on(Some(B), None), false),
            (
                "admin@A",
                Some(&admin_a),
                REVIEW.on(Some(A), Some(JURY)),
                true,
            ),
            (
                "admin@A",
                Some(&admin_a),
                REVIEW.on(Some(B), Some(JURY)),
                false,
            ),
            ("admin@A", Some(&admin_a), REVIEW.on(None, None), false),
            ("sysadmin", Some(&sysadmin), REVIEW.on(None, None), true),
            (
                "agent@B",
                Some(&agent_b),
                REVIEW.on(Some(B), Some(JURY)),
                false,
            ),
            ("anonymous", None, REVIEW.on(Some(A), None), false),
            ("anonymous", None, READ.on(None, None), true),
            ("citizen", Some(&citizen), READ.on(None, None), true),
            ("anonymous", None, SIGNED_IN.on(None, None), false),
            ("citizen", Some(&citizen), SIGNED_IN.on(None, None), true),
        ];
        for (name, subject, action, want) in rows {
            assert_eq!(
                authorize(*subject, *action).is_ok(),
                *want,
                "{name} × {action:?}"
            );
        }
        // An object-scoped grant is not the role itself: it admits nothing office-wide.
        static WORK: SliceAction = SliceAction {
            slice: "test",
            name: "test.work",
            allow: &[Allow::RoleInOffice(Role::Agent)],
        };
        assert_eq!(
            authorize(Some(&juror), WORK.on(Some(B), None)),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(None, SIGNED_IN.on(None, None)),
            Err(Denied::NotLoggedIn)
        );
    }

    #[test]
    fn anonymous_gets_not_logged_in_and_others_forbidden() {
        assert_eq!(
            authorize(None, Action::ViewLedger),
            Err(Denied::NotLoggedIn)
        );
        let citizen = who(&[(Role::Citizen, None)]);
        assert_eq!(
            authorize(Some(&citizen), Action::ViewLedger),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn protected_things_need_a_clearance_of_their_office_at_or_above_their_level() {
        let cleared =
            |grants: &[(Role, Option<OfficeId>)], clearances: &[(OfficeId, Secrecy)]| Principal {
                clearances: clearances
                    .iter()
                    .map(|&(office, level)| Clearance { office, level })
                    .collect(),
                ..who(grants)
            };
        let agent = cleared(&[(Role::Agent, Some(A))], &[(A, Secrecy::Restricted)]);
        let admin = cleared(&[(Role::OfficeAdmin, Some(A))], &[(B, Secrecy::TopSecret)]);
        let sysadmin = cleared(&[(Role::Sysadmin, None)], &[]);
        let citizen = cleared(&[(Role::Citizen, None)], &[(A, Secrecy::TopSecret)]);
        static READ_A: SliceAction = SliceAction {
            slice: "test",
            name: "test.read_records",
            allow: &[
                Allow::RoleInOffice(Role::Agent),
                Allow::RoleInOffice(Role::OfficeAdmin),
                Allow::Role(Role::Sysadmin),
            ],
        };
        static PUBLIC: SliceAction = SliceAction {
            slice: "test",
            name: "test.public",
            allow: &[Allow::Anyone],
        };
        use Secrecy::*;
        // (who, level of a thing of office A, may read)
        let rows: &[(&str, Option<&Principal>, Secrecy, bool)] = &[
            ("agent@A cleared mat@A", Some(&agent), Normal, true),
            ("agent@A cleared mat@A", Some(&agent), Restricted, true),
            ("agent@A cleared mat@A", Some(&agent), Secret, false),
            ("agent@A cleared mat@A", Some(&agent), TopSecret, false),
            // A clearance of another office counts for nothing here.
            ("admin@A cleared tuyet_mat@B", Some(&admin), Normal, true),
            (
                "admin@A cleared tuyet_mat@B",
                Some(&admin),
                Restricted,
                false,
            ),
            // Running the instance is no clearance.
            ("sysadmin", Some(&sysadmin), Normal, true),
            ("sysadmin", Some(&sysadmin), Restricted, false),
            // A clearance is no role.
            ("citizen cleared tuyet_mat@A", Some(&citizen), Normal, false),
            (
                "citizen cleared tuyet_mat@A",
                Some(&citizen),
                TopSecret,
                false,
            ),
        ];
        for (name, who, level, want) in rows {
            let action = READ_A.on(Some(A), None).at_secrecy(*level);
            assert_eq!(authorize(*who, action).is_ok(), *want, "{name} × {level}");
        }
        // Even an action open to anyone is closed at a level above normal.
        let open = PUBLIC.on(Some(A), None);
        assert!(authorize(None, open).is_ok());
        assert_eq!(
            authorize(None, open.at_secrecy(Restricted)),
            Err(Denied::NotLoggedIn)
        );
        assert!(authorize(Some(&agent), open.at_secrecy(Restricted)).is_ok());
        // Without an office a protected thing is readable by nobody.
        assert!(authorize(Some(&agent), READ_A.on(None, None).at_secrecy(Restricted)).is_err());
        // Platform actions carry no level.
        assert_eq!(Action::ViewLedger.at_secrecy(TopSecret), Action::ViewLedger);
        for level in Secrecy::ALL {
            assert_eq!(level.code().parse::<Secrecy>(), Ok(level));
        }
        assert!(Restricted < Secret && Secret < TopSecret && Normal < Restricted);
    }

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}

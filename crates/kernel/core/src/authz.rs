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

/// The logged-in user as the authorization function sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub grants: Vec<Grant>,
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
        }
    }
}

/// Everything a request can ask to do. New modules add variants here and rows to the test matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Public pages: home, catalogue, offices list, verification of documents.
    ViewPublic,
    /// One's own account page.
    ViewOwnAccount,
    /// Create or change offices of the instance.
    ManageOffices,
    /// Change one office's settings (its working calendar).
    ManageOffice { office: OfficeId },
    /// The administration page (lists offices and users).
    ViewAdmin,
    /// List users; `None` means every office.
    ListUsers { office: Option<OfficeId> },
    /// Create users or change their roles; `None` means instance-wide roles.
    ManageUsers { office: Option<OfficeId> },
    /// Read the ledger.
    ViewLedger,
    /// Run the ledger verification.
    VerifyLedger,
    /// Work the counter of an office (dossiers, messages, decisions).
    WorkInOffice { office: OfficeId },
    /// File and follow one's own dossiers.
    FileDossier,
    /// Create, edit, publish and unpublish the procedures (and their forms) of an office.
    ManageProcedures { office: OfficeId },
    /// Read one dossier: its applicant, or whoever works in its office.
    ViewDossier {
        office: OfficeId,
        applicant: Option<UserId>,
    },
    /// Act on one's own dossier as its applicant (edit a draft, submit, answer, withdraw).
    ActAsApplicant { applicant: Option<UserId> },
    /// Read an office's records, registers, file plan and disposition lists (agents,
    /// office administrators, auditors).
    ViewRecords { office: OfficeId },
    /// Register documents, open and close archival files (agents and office administrators).
    ManageRecords { office: OfficeId },
    /// Govern an office's records: file plan, legal holds, approval and execution of
    /// disposition runs, fixity audits (office administrators and sysadmins).
    GovernRecords { office: OfficeId },
    /// Read personnel records, the organisation chart and payrolls of an office.
    ViewStaff { office: OfficeId },
    /// Change personnel records and positions, compute and lock payrolls (the HR unit).
    ManageStaff { office: OfficeId },
    /// Enter new values of legal pay parameters (base salary, point value…).
    ManagePayParameters,
    /// Read the legal pay parameters (anyone who works with staff, audits or runs the system).
    ViewPayParameters,
    /// An action a domain slice declares, about an office and/or one object.
    Slice {
        action: &'static SliceAction,
        office: Option<OfficeId>,
        object: Option<uuid::Uuid>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("you need to log in")]
    NotLoggedIn,
    #[error("your account may not do this")]
    Forbidden,
}

/// Decides whether `principal` (or an anonymous visitor) may perform `action`.
pub fn authorize(principal: Option<&Principal>, action: Action) -> Result<(), Denied> {
    if action == Action::ViewPublic {
        return Ok(());
    }
    if let Action::Slice { action, .. } = action
        && action.allow.contains(&Allow::Anyone)
    {
        return Ok(());
    }
    let Some(p) = principal else {
        return Err(Denied::NotLoggedIn);
    };
    let allowed = match action {
        Action::ViewPublic | Action::ViewOwnAccount => true,
        Action::ManageOffices => p.has_role(Role::Sysadmin),
        Action::ManageOffice { office } => {
            p.has_role(Role::Sysadmin) || p.has_role_in(Role::OfficeAdmin, office)
        }
        Action::ViewAdmin => p.has_role(Role::Sysadmin) || p.has_role(Role::OfficeAdmin),
        Action::ListUsers { office } | Action::ManageUsers { office } => {
            p.has_role(Role::Sysadmin)
                || office.is_some_and(|o| p.has_role_in(Role::OfficeAdmin, o))
        }
        Action::ViewLedger | Action::VerifyLedger => {
            p.has_role(Role::Auditor) || p.has_role(Role::Sysadmin)
        }
        Action::WorkInOffice { office } => {
            p.has_role_in(Role::Agent, office) || p.has_role_in(Role::OfficeAdmin, office)
        }
        Action::FileDossier => p.has_role(Role::Citizen),
        Action::ManageProcedures { office } => {
            p.has_role(Role::Sysadmin) || p.has_role_in(Role::OfficeAdmin, office)
        }
        Action::ViewDossier { office, applicant } => {
            applicant == Some(p.user)
                || p.has_role_in(Role::Agent, office)
                || p.has_role_in(Role::OfficeAdmin, office)
        }
        Action::ActAsApplicant { applicant } => {
            applicant == Some(p.user) && p.has_role(Role::Citizen)
        }
        Action::ViewRecords { office } => {
            p.has_role_in(Role::Agent, office)
                || p.has_role_in(Role::OfficeAdmin, office)
                || p.has_role(Role::Auditor)
                || p.has_role(Role::Sysadmin)
        }
        Action::ManageRecords { office } => {
            p.has_role_in(Role::Agent, office) || p.has_role_in(Role::OfficeAdmin, office)
        }
        Action::GovernRecords { office } => {
            p.has_role(Role::Sysadmin) || p.has_role_in(Role::OfficeAdmin, office)
        }
        // Pay and personal data: the office's HR (its administrators) and auditors; not
        // front-desk agents, nor system administrators, who run the software, not HR.
        Action::ViewStaff { office } => {
            p.has_role_in(Role::OfficeAdmin, office) || p.has_role(Role::Auditor)
        }
        Action::ManageStaff { office } => p.has_role_in(Role::OfficeAdmin, office),
        Action::ManagePayParameters => p.has_role(Role::Sysadmin),
        Action::ViewPayParameters => {
            p.has_role(Role::Sysadmin) || p.has_role(Role::OfficeAdmin) || p.has_role(Role::Auditor)
        }
        Action::Slice {
            action,
            office,
            object,
        } => action.allow.iter().any(|allow| match *allow {
            Allow::Anyone | Allow::LoggedIn => true,
            Allow::Role(role) => p.has_role(role),
            Allow::RoleInOffice(role) => office.is_some_and(|o| p.has_role_in(role, o)),
            Allow::RoleOnObject(role) => object.is_some_and(|o| p.has_role_on(role, o)),
        }),
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const A: OfficeId = OfficeId(Uuid::from_u128(0xA));
    const B: OfficeId = OfficeId(Uuid::from_u128(0xB));
    const ME: UserId = UserId(Uuid::from_u128(1));
    const OTHER: UserId = UserId(Uuid::from_u128(2));

    fn who(grants: &[(Role, Option<OfficeId>)]) -> Principal {
        Principal {
            user: ME,
            grants: grants
                .iter()
                .map(|&(role, office)| Grant::new(role, office))
                .collect(),
        }
    }

    /// The matrix: each row is (subject, action, expected). `None` subject = anonymous.
    #[test]
    fn role_office_action_matrix() {
        use Action::*;
        let anon: Option<Principal> = None;
        let citizen = Some(who(&[(Role::Citizen, None)]));
        let agent_a = Some(who(&[(Role::Agent, Some(A))]));
        let admin_a = Some(who(&[(Role::OfficeAdmin, Some(A))]));
        let sysadmin = Some(who(&[(Role::Sysadmin, None)]));
        let auditor = Some(who(&[(Role::Auditor, None)]));
        let subjects = [
            ("anonymous", &anon),
            ("citizen", &citizen),
            ("agent@A", &agent_a),
            ("office_admin@A", &admin_a),
            ("sysadmin", &sysadmin),
            ("auditor", &auditor),
        ];
        // Columns follow `subjects`: anon, citizen, agent@A, admin@A, sysadmin, auditor.
        let matrix: &[(Action, [bool; 6])] = &[
            (
                ViewStaff { office: A },
                [false, false, false, true, false, true],
            ),
            (
                ViewStaff { office: B },
                [false, false, false, false, false, true],
            ),
            (
                ManageStaff { office: A },
                [false, false, false, true, false, false],
            ),
            (
                ManageStaff { office: B },
                [false, false, false, false, false, false],
            ),
            (
                ManagePayParameters,
                [false, false, false, false, true, false],
            ),
            (ViewPublic, [true, true, true, true, true, true]),
            (ViewOwnAccount, [false, true, true, true, true, true]),
            (ManageOffices, [false, false, false, false, true, false]),
            (
                ManageOffice { office: A },
                [false, false, false, true, true, false],
            ),
            (
                ManageOffice { office: B },
                [false, false, false, false, true, false],
            ),
            (ViewAdmin, [false, false, false, true, true, false]),
            (
                ListUsers { office: Some(A) },
                [false, false, false, true, true, false],
            ),
            (
                ListUsers { office: Some(B) },
                [false, false, false, false, true, false],
            ),
            (
                ListUsers { office: None },
                [false, false, false, false, true, false],
            ),
            (
                ManageUsers { office: Some(A) },
                [false, false, false, true, true, false],
            ),
            (
                ManageUsers { office: Some(B) },
                [false, false, false, false, true, false],
            ),
            (
                ManageUsers { office: None },
                [false, false, false, false, true, false],
            ),
            (ViewLedger, [false, false, false, false, true, true]),
            (VerifyLedger, [false, false, false, false, true, true]),
            (
                WorkInOffice { office: A },
                [false, false, true, true, false, false],
            ),
            (
                WorkInOffice { office: B },
                [false, false, false, false, false, false],
            ),
            (FileDossier, [false, true, false, false, false, false]),
            (
                ManageProcedures { office: A },
                [false, false, false, true, true, false],
            ),
            (
                ManageProcedures { office: B },
                [false, false, false, false, true, false],
            ),
            // Every subject here is user 1: the applicant of a dossier filed by user 1.
            (
                ViewDossier {
                    office: B,
                    applicant: Some(ME),
                },
                [false, true, true, true, true, true],
            ),
            (
                ViewDossier {
                    office: A,
                    applicant: Some(OTHER),
                },
                [false, false, true, true, false, false],
            ),
            (
                ViewDossier {
                    office: B,
                    applicant: Some(OTHER),
                },
                [false, false, false, false, false, false],
            ),
            (
                ViewDossier {
                    office: A,
                    applicant: None,
                },
                [false, false, true, true, false, false],
            ),
            (
                ActAsApplicant {
                    applicant: Some(ME),
                },
                [false, true, false, false, false, false],
            ),
            (
                ActAsApplicant {
                    applicant: Some(OTHER),
                },
                [false, false, false, false, false, false],
            ),
            (
                ActAsApplicant { applicant: None },
                [false, false, false, false, false, false],
            ),
            (
                ViewRecords { office: A },
                [false, false, true, true, true, true],
            ),
            (
                ViewRecords { office: B },
                [false, false, false, false, true, true],
            ),
            (
                ManageRecords { office: A },
                [false, false, true, true, false, false],
            ),
            (
                ManageRecords { office: B },
                [false, false, false, false, false, false],
            ),
            (
                GovernRecords { office: A },
                [false, false, false, true, true, false],
            ),
            (
                GovernRecords { office: B },
                [false, false, false, false, true, false],
            ),
        ];
        for (action, expected) in matrix {
            for ((name, subject), want) in subjects.iter().zip(expected) {
                let got = authorize(subject.as_ref(), *action).is_ok();
                assert_eq!(got, *want, "{name} × {action:?}: expected allowed={want}");
            }
        }
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
        // An object-scoped grant is not the role itself: it admits nothing built-in.
        assert_eq!(
            authorize(Some(&juror), Action::WorkInOffice { office: B }),
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
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}

//! The one-stop slice's actions (the counter, filing, procedures, dossiers) and who they
//! admit: its rows of the authorization matrix. The one decision stays
//! `guichet_core::authz::authorize`; these are data it evaluates.

use guichet_core::authz::{Action, Allow, Role, SliceAction};
use guichet_core::{OfficeId, UserId};

/// Work the counter of an office (dossiers, messages, decisions, statistics, exports).
pub static WORK_IN_OFFICE: SliceAction = SliceAction {
    slice: "one_stop",
    name: "one_stop.work_in_office",
    allow: &[
        Allow::RoleInOffice(Role::Agent),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// Take a dossier in for an applicant, at the counter or from the post: a duty of the
/// office's one-stop desk, kept apart from processing so it can be granted on its own.
pub static INTAKE: SliceAction = SliceAction {
    slice: "one_stop",
    name: "one_stop.intake",
    allow: &[
        Allow::RoleInOffice(Role::Agent),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// File and follow one's own dossiers.
pub static FILE_DOSSIER: SliceAction = SliceAction {
    slice: "one_stop",
    name: "one_stop.file_dossier",
    allow: &[Allow::Role(Role::Citizen)],
};

/// Create, edit, publish and unpublish the procedures (and their forms) of an office.
pub static MANAGE_PROCEDURES: SliceAction = SliceAction {
    slice: "one_stop",
    name: "one_stop.manage_procedures",
    allow: &[
        Allow::Role(Role::Sysadmin),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// Read one dossier: its applicant, or whoever works in its office.
pub static VIEW_DOSSIER: SliceAction = SliceAction {
    slice: "one_stop",
    name: "one_stop.view_dossier",
    allow: &[
        Allow::Subject,
        Allow::RoleInOffice(Role::Agent),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// Act on one's own dossier as its applicant (edit a draft, submit, answer, withdraw).
pub static ACT_AS_APPLICANT: SliceAction = SliceAction {
    slice: "one_stop",
    name: "one_stop.act_as_applicant",
    allow: &[Allow::SubjectWithRole(Role::Citizen)],
};

pub fn work_in_office(office: OfficeId) -> Action {
    WORK_IN_OFFICE.on(Some(office), None)
}

pub fn intake(office: OfficeId) -> Action {
    INTAKE.on(Some(office), None)
}

pub fn file_dossier() -> Action {
    FILE_DOSSIER.on(None, None)
}

pub fn manage_procedures(office: OfficeId) -> Action {
    MANAGE_PROCEDURES.on(Some(office), None)
}

/// Reading a dossier of `office` filed by `applicant` (none: filed at the counter).
pub fn view_dossier(office: OfficeId, applicant: Option<UserId>) -> Action {
    VIEW_DOSSIER.about(applicant, Some(office))
}

pub fn act_as_applicant(applicant: Option<UserId>) -> Action {
    ACT_AS_APPLICANT.about(applicant, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::authz::matrix::{A, B, ME, OTHER, differences};

    #[test]
    fn the_matrix_of_the_slice() {
        // anonymous, citizen, agent@A, office_admin@A, sysadmin, auditor; every visitor is ME.
        let rows = [
            (work_in_office(A), [false, false, true, true, false, false]),
            (work_in_office(B), [false; 6]),
            (intake(A), [false, false, true, true, false, false]),
            (intake(B), [false; 6]),
            (file_dossier(), [false, true, false, false, false, false]),
            (
                manage_procedures(A),
                [false, false, false, true, true, false],
            ),
            (
                manage_procedures(B),
                [false, false, false, false, true, false],
            ),
            (
                view_dossier(B, Some(ME)),
                [false, true, true, true, true, true],
            ),
            (
                view_dossier(A, Some(OTHER)),
                [false, false, true, true, false, false],
            ),
            (view_dossier(B, Some(OTHER)), [false; 6]),
            (
                view_dossier(A, None),
                [false, false, true, true, false, false],
            ),
            (
                act_as_applicant(Some(ME)),
                [false, true, false, false, false, false],
            ),
            (act_as_applicant(Some(OTHER)), [false; 6]),
            (act_as_applicant(None), [false; 6]),
        ];
        assert_eq!(differences(&rows), Vec::<String>::new());
    }
}

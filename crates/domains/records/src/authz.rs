//! The records slice's actions and who they admit: its rows of the authorization matrix.
//! The one decision stays `guichet_core::authz::authorize`; these are data it evaluates.

use guichet_core::OfficeId;
use guichet_core::authz::{Action, Allow, Role, SliceAction};

/// Read an office's records, registers, file plan and disposition lists (its agents and
/// administrators, auditors and system administrators).
pub static VIEW_RECORDS: SliceAction = SliceAction {
    slice: "records",
    name: "records.view",
    allow: &[
        Allow::RoleInOffice(Role::Agent),
        Allow::RoleInOffice(Role::OfficeAdmin),
        Allow::Role(Role::Auditor),
        Allow::Role(Role::Sysadmin),
    ],
};

/// Register documents, open and close archival files (the office's agents and administrators).
pub static MANAGE_RECORDS: SliceAction = SliceAction {
    slice: "records",
    name: "records.manage",
    allow: &[
        Allow::RoleInOffice(Role::Agent),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// Govern an office's records: file plan, legal holds, approval and execution of disposition
/// runs, fixity audits (office administrators and system administrators).
pub static GOVERN_RECORDS: SliceAction = SliceAction {
    slice: "records",
    name: "records.govern",
    allow: &[
        Allow::Role(Role::Sysadmin),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

pub fn view_records(office: OfficeId) -> Action {
    VIEW_RECORDS.on(Some(office), None)
}

pub fn manage_records(office: OfficeId) -> Action {
    MANAGE_RECORDS.on(Some(office), None)
}

pub fn govern_records(office: OfficeId) -> Action {
    GOVERN_RECORDS.on(Some(office), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::authz::matrix::{A, B, differences};

    #[test]
    fn the_matrix_of_the_slice() {
        // anonymous, citizen, agent@A, office_admin@A, sysadmin, auditor
        let rows = [
            (view_records(A), [false, false, true, true, true, true]),
            (view_records(B), [false, false, false, false, true, true]),
            (manage_records(A), [false, false, true, true, false, false]),
            (manage_records(B), [false; 6]),
            (govern_records(A), [false, false, false, true, true, false]),
            (govern_records(B), [false, false, false, false, true, false]),
        ];
        assert_eq!(differences(&rows), Vec::<String>::new());
    }
}

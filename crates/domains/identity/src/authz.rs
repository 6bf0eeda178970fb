//! The identity slice's actions (offices, users, the administration page) and who they admit:
//! its rows of the authorization matrix. The one decision stays
//! `guichet_core::authz::authorize`; these are data it evaluates.

use guichet_core::OfficeId;
use guichet_core::authz::{Action, Allow, Role, SliceAction};

/// Create or change the offices of the instance.
pub static MANAGE_OFFICES: SliceAction = SliceAction {
    slice: "identity",
    name: "identity.manage_offices",
    allow: &[Allow::Role(Role::Sysadmin)],
};

/// Change one office's settings (its working calendar, its sign-in rules).
pub static MANAGE_OFFICE: SliceAction = SliceAction {
    slice: "identity",
    name: "identity.manage_office",
    allow: &[
        Allow::Role(Role::Sysadmin),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// The administration page (lists offices and users).
pub static VIEW_ADMIN: SliceAction = SliceAction {
    slice: "identity",
    name: "identity.view_admin",
    allow: &[Allow::Role(Role::Sysadmin), Allow::Role(Role::OfficeAdmin)],
};

/// List the users of an office (no office: of every office).
pub static LIST_USERS: SliceAction = SliceAction {
    slice: "identity",
    name: "identity.list_users",
    allow: &[
        Allow::Role(Role::Sysadmin),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// Create users or change their roles in an office (no office: instance-wide roles).
pub static MANAGE_USERS: SliceAction = SliceAction {
    slice: "identity",
    name: "identity.manage_users",
    allow: &[
        Allow::Role(Role::Sysadmin),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

/// Clear a person to read what an office holds up to a secrecy level, or withdraw it (the
/// office's head; the system administrator). Nobody clears themselves: the service refuses.
pub static GRANT_CLEARANCE: SliceAction = SliceAction {
    slice: "identity",
    name: "identity.grant_clearance",
    allow: &[
        Allow::Role(Role::Sysadmin),
        Allow::RoleInOffice(Role::OfficeAdmin),
    ],
};

pub fn grant_clearance(office: OfficeId) -> Action {
    GRANT_CLEARANCE.on(Some(office), None)
}

pub fn manage_offices() -> Action {
    MANAGE_OFFICES.on(None, None)
}

pub fn manage_office(office: OfficeId) -> Action {
    MANAGE_OFFICE.on(Some(office), None)
}

pub fn view_admin() -> Action {
    VIEW_ADMIN.on(None, None)
}

pub fn list_users(office: Option<OfficeId>) -> Action {
    LIST_USERS.on(office, None)
}

pub fn manage_users(office: Option<OfficeId>) -> Action {
    MANAGE_USERS.on(office, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::authz::matrix::{A, B, differences};

    #[test]
    fn the_matrix_of_the_slice() {
        // anonymous, citizen, agent@A, office_admin@A, sysadmin, auditor
        let rows = [
            (manage_offices(), [false, false, false, false, true, false]),
            (manage_office(A), [false, false, false, true, true, false]),
            (manage_office(B), [false, false, false, false, true, false]),
            (view_admin(), [false, false, false, true, true, false]),
            (
                list_users(Some(A)),
                [false, false, false, true, true, false],
            ),
            (
                list_users(Some(B)),
                [false, false, false, false, true, false],
            ),
            (list_users(None), [false, false, false, false, true, false]),
            (
                manage_users(Some(A)),
                [false, false, false, true, true, false],
            ),
            (
                manage_users(Some(B)),
                [false, false, false, false, true, false],
            ),
            (
                manage_users(None),
                [false, false, false, false, true, false],
            ),
            (grant_clearance(A), [false, false, false, true, true, false]),
            (
                grant_clearance(B),
                [false, false, false, false, true, false],
            ),
        ];
        assert_eq!(differences(&rows), Vec::<String>::new());
    }
}

//! The HR slice's actions and who they admit: its rows of the authorization matrix. The one
//! decision stays `guichet_core::authz::authorize`; these are data it evaluates.

use guichet_core::OfficeId;
use guichet_core::authz::{Action, Allow, Role, SliceAction};

/// Read personnel records, the organisation chart and payrolls of an office. Pay and personal
/// data: the office's HR (its administrators) and auditors; not front-desk agents, nor system
/// administrators, who run the software, not HR.
pub static VIEW_STAFF: SliceAction = SliceAction {
    slice: "hr",
    name: "hr.view_staff",
    allow: &[
        Allow::RoleInOffice(Role::OfficeAdmin),
        Allow::Role(Role::Auditor),
    ],
};

/// Change personnel records and positions, compute and lock payrolls (the HR unit).
pub static MANAGE_STAFF: SliceAction = SliceAction {
    slice: "hr",
    name: "hr.manage_staff",
    allow: &[Allow::RoleInOffice(Role::OfficeAdmin)],
};

/// Enter new values of legal pay parameters (base salary, point value…).
pub static MANAGE_PAY_PARAMETERS: SliceAction = SliceAction {
    slice: "hr",
    name: "hr.manage_pay_parameters",
    allow: &[Allow::Role(Role::Sysadmin)],
};

/// Read the legal pay parameters (anyone who works with staff, audits or runs the system).
pub static VIEW_PAY_PARAMETERS: SliceAction = SliceAction {
    slice: "hr",
    name: "hr.view_pay_parameters",
    allow: &[
        Allow::Role(Role::Sysadmin),
        Allow::Role(Role::OfficeAdmin),
        Allow::Role(Role::Auditor),
    ],
};

pub fn view_staff(office: OfficeId) -> Action {
    VIEW_STAFF.on(Some(office), None)
}

pub fn manage_staff(office: OfficeId) -> Action {
    MANAGE_STAFF.on(Some(office), None)
}

pub fn manage_pay_parameters() -> Action {
    MANAGE_PAY_PARAMETERS.on(None, None)
}

pub fn view_pay_parameters() -> Action {
    VIEW_PAY_PARAMETERS.on(None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::authz::matrix::{A, B, differences};

    #[test]
    fn the_matrix_of_the_slice() {
        // anonymous, citizen, agent@A, office_admin@A, sysadmin, auditor
        let rows = [
            (view_staff(A), [false, false, false, true, false, true]),
            (view_staff(B), [false, false, false, false, false, true]),
            (manage_staff(A), [false, false, false, true, false, false]),
            (manage_staff(B), [false; 6]),
            (
                manage_pay_parameters(),
                [false, false, false, false, true, false],
            ),
            (
                view_pay_parameters(),
                [false, false, false, true, true, true],
            ),
        ];
        assert_eq!(differences(&rows), Vec::<String>::new());
    }
}

//! The slice's actions and who they admit: its rows of the authorization matrix. The one
//! decision stays `guichet_core::authz::authorize`; these are data it evaluates.

use guichet_core::authz::{Allow, Role, SliceAction};

/// Read agreements, activities, timelines and exports: cooperation is public information
/// (IATI is a transparency standard), so everyone may.
pub static VIEW: SliceAction = SliceAction {
    slice: "cooperation",
    name: "cooperation.view",
    allow: &[Allow::Anyone],
};

/// Register a new agreement for an office: its administrators.
pub static MANAGE: SliceAction = SliceAction {
    slice: "cooperation",
    name: "cooperation.manage",
    allow: &[Allow::RoleInOffice(Role::OfficeAdmin)],
};

/// Record activities, follow-up actions and documents under one agreement: the office's
/// administrators, and the desk officer given an agent's role on that agreement alone.
pub static RECORD: SliceAction = SliceAction {
    slice: "cooperation",
    name: "cooperation.record",
    allow: &[
        Allow::RoleInOffice(Role::OfficeAdmin),
        Allow::RoleOnObject(Role::Agent),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::authz::{Grant, Principal, authorize};
    use guichet_core::{OfficeId, UserId};
    use uuid::Uuid;

    const OFFICE: OfficeId = OfficeId(Uuid::from_u128(0xA));
    const OTHER_OFFICE: OfficeId = OfficeId(Uuid::from_u128(0xB));
    const AGREEMENT: Uuid = Uuid::from_u128(0x2025);
    const OTHER_AGREEMENT: Uuid = Uuid::from_u128(0x2022);

    fn who(grants: Vec<Grant>) -> Principal {
        Principal {
            user: UserId(Uuid::from_u128(1)),
            grants,
            clearances: Vec::new(),
        }
    }

    #[test]
    fn the_matrix_of_the_slice() {
        let admin = who(vec![Grant::new(Role::OfficeAdmin, Some(OFFICE))]);
        let agent = who(vec![Grant::new(Role::Agent, Some(OFFICE))]);
        let desk_officer = who(vec![
            Grant::new(Role::Agent, Some(OFFICE)),
            Grant {
                role: Role::Agent,
                office: Some(OFFICE),
                object: Some(AGREEMENT),
            },
        ]);
        let sysadmin = who(vec![Grant::new(Role::Sysadmin, None)]);
        let record = |o, a| RECORD.on(Some(o), Some(a));
        // (who, action, allowed)
        let rows: Vec<(&str, Option<&Principal>, guichet_core::authz::Action, bool)> = vec![
            ("anonymous", None, VIEW.on(None, None), true),
            ("anonymous", None, MANAGE.on(Some(OFFICE), None), false),
            ("admin", Some(&admin), MANAGE.on(Some(OFFICE), None), true),
            (
                "admin",
                Some(&admin),
                MANAGE.on(Some(OTHER_OFFICE), None),
                false,
            ),
            ("admin", Some(&admin), record(OFFICE, AGREEMENT), true),
            ("agent", Some(&agent), MANAGE.on(Some(OFFICE), None), false),
            ("agent", Some(&agent), record(OFFICE, AGREEMENT), false),
            (
                "desk officer",
                Some(&desk_officer),
                record(OFFICE, AGREEMENT),
                true,
            ),
            (
                "desk officer",
                Some(&desk_officer),
                record(OFFICE, OTHER_AGREEMENT),
                false,
            ),
            (
                "desk officer",
                Some(&desk_officer),
                MANAGE.on(Some(OFFICE), None),
                false,
            ),
            (
                "sysadmin",
                Some(&sysadmin),
                record(OFFICE, AGREEMENT),
                false,
            ),
        ];
        for (name, subject, action, want) in rows {
            assert_eq!(
                authorize(subject, action).is_ok(),
                want,
                "{name} × {action:?}"
            );
        }
    }
}

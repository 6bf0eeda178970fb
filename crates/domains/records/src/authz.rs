//! The records slice's actions and who they admit: its rows of the authorization matrix.
//! The one decision stays `guichet_core::authz::authorize`; these are data it evaluates.

use guichet_core::OfficeId;
use guichet_core::authz::{Action, Allow, Role, Secrecy, SliceAction};

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

/// The secrecy level of a record's stored confidentiality code; a code this build does not
/// know counts as the highest level, so that nothing unknown is shown to the uncleared.
pub fn secrecy_of(confidentiality: &str) -> Secrecy {
    confidentiality.parse().unwrap_or(Secrecy::TopSecret)
}

/// Read one record of `office` (its metadata, content and copies): `view_records`, and a
/// clearance of the office for the record's secrecy level.
pub fn read_record(office: OfficeId, confidentiality: &str) -> Action {
    view_records(office).at_secrecy(secrecy_of(confidentiality))
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

    /// Who reads a record of office A at each secrecy level: a role reads only what is not
    /// protected; above that, only a clearance of office A at that level or higher admits.
    #[test]
    fn who_reads_which_secrecy_level() {
        use guichet_core::authz::matrix::ME;
        use guichet_core::authz::{Clearance, Grant, Principal, authorize};
        let person =
            |role: Role, office: Option<OfficeId>, cleared: &[(OfficeId, Secrecy)]| Principal {
                user: ME,
                grants: vec![Grant::new(role, office)],
                clearances: cleared
                    .iter()
                    .map(|&(office, level)| Clearance { office, level })
                    .collect(),
            };
        use Secrecy::{Restricted as Mat, Secret as ToiMat, TopSecret as TuyetMat};
        let visitors = [
            ("agent@A", person(Role::Agent, Some(A), &[])),
            (
                "agent@A cleared mat",
                person(Role::Agent, Some(A), &[(A, Mat)]),
            ),
            (
                "agent@A cleared toi_mat@B",
                person(Role::Agent, Some(A), &[(B, ToiMat)]),
            ),
            (
                "office_admin@A cleared tuyet_mat",
                person(Role::OfficeAdmin, Some(A), &[(A, TuyetMat)]),
            ),
            ("auditor", person(Role::Auditor, None, &[])),
            (
                "auditor cleared toi_mat@A",
                person(Role::Auditor, None, &[(A, ToiMat)]),
            ),
            ("sysadmin", person(Role::Sysadmin, None, &[])),
            (
                "agent@B cleared tuyet_mat@A",
                person(Role::Agent, Some(B), &[(A, TuyetMat)]),
            ),
            ("citizen", person(Role::Citizen, None, &[])),
        ];
        // Columns: normal, mat, toi_mat, tuyet_mat (stored codes), and an unknown code.
        let codes = ["normal", "mat", "toi_mat", "tuyet_mat", "bi_mat_moi"];
        let expected: [[bool; 5]; 9] = [
            [true, false, false, false, false],
            [true, true, false, false, false],
            [true, false, false, false, false],
            [true, true, true, true, true],
            [true, false, false, false, false],
            [true, true, true, false, false],
            [true, false, false, false, false],
            // A clearance is no role: without the right to view A's records, nothing.
            [false, false, false, false, false],
            [false, false, false, false, false],
        ];
        let mut wrong = Vec::new();
        for ((name, who), row) in visitors.iter().zip(expected) {
            for (code, want) in codes.iter().zip(row) {
                let got = authorize(Some(who), read_record(A, code)).is_ok();
                if got != want {
                    wrong.push(format!(
                        "{name} × {code}: allowed={got}, the matrix says {want}"
                    ));
                }
            }
        }
        assert_eq!(wrong, Vec::<String>::new());
        assert!(authorize(None, read_record(A, "normal")).is_err());
    }
}

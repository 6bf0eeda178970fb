//! The demo's cast, which every slice's demo builds on: three offices (a Hà Nội ward, the Hà
//! Nội department of home affairs, a French préfecture) and ten accounts — a system
//! administrator, an auditor, office administrators and agents, two citizens.

use std::collections::BTreeMap;

use guichet_core::authz::{Grant, Role};
use guichet_core::{Clock, Entropy};
use guichet_store::User;
use guichet_web::slice::SliceError;

use crate::offices::{NewOffice, create_office};
use crate::{Accounts, IdentityStore, NewAccount};
use guichet_core::authz::Secrecy;

/// The password of every demo account (printed by `guichet demo`; never use in production).
pub const DEMO_PASSWORD: &str = "guichet-demo-2026";

pub struct DemoLogin {
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub office: Option<&'static str>,
}

pub const OFFICES: &[(&str, &str, &str)] = &[
    (
        "HN-HOANKIEM",
        "UBND phường Hoàn Kiếm, Thành phố Hà Nội",
        "vn",
    ),
    ("HN-SONOIVU", "Sở Nội vụ Thành phố Hà Nội", "vn"),
    ("FR-PREF-33", "Préfecture de la Gironde", "fr"),
];

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        username: "admin",
        name: "Quản trị hệ thống",
        role: Role::Sysadmin,
        office: None,
    },
    DemoLogin {
        username: "kiem.tran",
        name: "Trần Văn Kiểm",
        role: Role::Auditor,
        office: None,
    },
    DemoLogin {
        username: "minh.tran",
        name: "Trần Quang Minh",
        role: Role::OfficeAdmin,
        office: Some("HN-HOANKIEM"),
    },
    DemoLogin {
        username: "lan.nguyen",
        name: "Nguyễn Thị Lan",
        role: Role::Agent,
        office: Some("HN-HOANKIEM"),
    },
    DemoLogin {
        username: "hoa.le",
        name: "Lê Thị Hoa",
        role: Role::Agent,
        office: Some("HN-SONOIVU"),
    },
    DemoLogin {
        username: "an.vu",
        name: "Vũ Thị An",
        role: Role::OfficeAdmin,
        office: Some("HN-SONOIVU"),
    },
    DemoLogin {
        username: "julien.bernard",
        name: "Julien Bernard",
        role: Role::OfficeAdmin,
        office: Some("FR-PREF-33"),
    },
    DemoLogin {
        username: "claire.martin",
        name: "Claire Martin",
        role: Role::Agent,
        office: Some("FR-PREF-33"),
    },
    DemoLogin {
        username: "thu.pham",
        name: "Phạm Minh Thu",
        role: Role::Citizen,
        office: None,
    },
    DemoLogin {
        username: "marie.dupont",
        name: "Marie Dupont",
        role: Role::Citizen,
        office: None,
    },
];

/// Who is cleared to read protected documents of which office, and who cleared them: the
/// heads of office by the system administrator, agents by their head of office. The auditor
/// holds no clearance and sees protected records withheld.
pub const CLEARANCES: &[(&str, &str, Secrecy, &str)] = &[
    ("minh.tran", "HN-HOANKIEM", Secrecy::Secret, "admin"),
    (
        "lan.nguyen",
        "HN-HOANKIEM",
        Secrecy::Restricted,
        "minh.tran",
    ),
    ("an.vu", "HN-SONOIVU", Secrecy::Secret, "admin"),
    ("hoa.le", "HN-SONOIVU", Secrecy::Restricted, "an.vu"),
    ("julien.bernard", "FR-PREF-33", Secrecy::Secret, "admin"),
    (
        "claire.martin",
        "FR-PREF-33",
        Secrecy::Restricted,
        "julien.bernard",
    ),
];

/// Creates the offices and accounts of the cast; returns the accounts by username.
pub async fn load_cast(
    store: &dyn IdentityStore,
    accounts: &Accounts,
    clock: &dyn Clock,
    entropy: &dyn Entropy,
) -> Result<BTreeMap<&'static str, User>, SliceError> {
    let mut ids = BTreeMap::new();
    for (code, name, country) in OFFICES {
        let office = create_office(
            store,
            clock,
            entropy,
            "demo",
            NewOffice {
                code: (*code).into(),
                name: (*name).into(),
                country: (*country).into(),
            },
        )
        .await?;
        ids.insert(*code, office.id);
    }
    let mut users = BTreeMap::new();
    for login in LOGINS {
        let office = login.office.and_then(|c| ids.get(c).copied());
        let user = accounts
            .create(
                "demo",
                NewAccount {
                    username: login.username.into(),
                    display_name: login.name.into(),
                    email: Some(format!("{}@demo.guichet.invalid", login.username)),
                    password: DEMO_PASSWORD.into(),
                    grants: vec![Grant::new(login.role, office)],
                },
            )
            .await?;
        users.insert(login.username, user);
    }
    for (username, office, level, by) in CLEARANCES {
        let (Some(user), Some(by), Some(office)) =
            (users.get(username), users.get(by), ids.get(office))
        else {
            return Err(format!("the demo's clearance of {username} names someone unknown").into());
        };
        crate::set_clearance(
            store,
            clock.now(),
            by.username.as_str(),
            Some(by.id),
            user.id,
            *office,
            *level,
        )
        .await?;
    }
    for user in users.values_mut() {
        if let Some(fresh) = store.user(user.id).await? {
            *user = fresh;
        }
    }
    Ok(users)
}

//! Realistic demo data: offices in Hà Nội and a French préfecture, their agents and
//! administrators, an auditor and citizens; then each slice's demo (`slices::DEMOS`: the
//! one-stop procedures and dossiers, records, HR, cooperation). Loaded once; loading again changes nothing.

use guichet_core::authz::{Grant, Role};
use guichet_identity::NewAccount;
use guichet_identity::offices::{NewOffice, create_office};

use crate::Runtime;

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

/// Loads the demo data unless offices already exist. Returns whether anything was loaded.
pub async fn load(rt: &Runtime) -> anyhow::Result<bool> {
    if !rt.identity.list_offices().await?.is_empty() {
        return Ok(false);
    }
    let mut ids = std::collections::BTreeMap::new();
    for (code, name, country) in OFFICES {
        let office = create_office(
            &*rt.identity,
            &*rt.clock,
            &*rt.entropy,
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
    let accounts = rt.accounts();
    let mut users = std::collections::BTreeMap::new();
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
    let offices = rt.identity.list_offices().await?;
    let units = rt.units().await?;
    let context = guichet_web::slice::DemoContext {
        store: &*rt.store,
        shared_store: &rt.store,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
        offices: &offices,
        users: &users,
        files: &rt.files()?,
        data_dir: &rt.config.data_dir,
        state: rt.command_state().await?,
        units: &units,
    };
    for demo in crate::slices::DEMOS {
        demo(&context)
            .await
            .map_err(|e| anyhow::anyhow!("a slice's demo data: {e}"))?;
    }
    guichet_store::verify::checkpoint_streams(&*rt.store, &rt.key, rt.clock.now(), true).await?;
    Ok(true)
}

/// The text `guichet demo` prints: where to go and who to log in as.
pub fn banner(url: &str) -> String {
    let mut out = format!(
        "\nguichet demo: open {url}\nEvery demo account has the password {DEMO_PASSWORD}\n\n"
    );
    for l in LOGINS {
        let office = l.office.map(|o| format!(" @ {o}")).unwrap_or_default();
        out.push_str(&format!(
            "  {:<16} {:<22} {}{}\n",
            l.username, l.name, l.role, office
        ));
    }
    out
}

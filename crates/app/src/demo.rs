//! Realistic demo data: the identity slice's cast (offices in Hà Nội and a French préfecture,
//! their agents and administrators, an auditor and citizens); then each slice's demo (`slices::DEMOS`: the
//! one-stop procedures and dossiers, records, HR, cooperation). Loaded once; loading again changes nothing.

use crate::Runtime;

pub use guichet_identity::demo::{DEMO_PASSWORD, DemoLogin, LOGINS, OFFICES};

/// Loads the demo data unless offices already exist. Returns whether anything was loaded.
pub async fn load(rt: &Runtime) -> anyhow::Result<bool> {
    if !rt.identity.list_offices().await?.is_empty() {
        return Ok(false);
    }
    let accounts = rt.accounts();
    let users =
        guichet_identity::demo::load_cast(&*rt.identity, &accounts, &*rt.clock, &*rt.entropy)
            .await
            .map_err(|e| anyhow::anyhow!("the demo's offices and accounts: {e}"))?;
    let offices = rt.identity.list_offices().await?;
    let units = rt.units().await?;
    let context = guichet_web::slice::DemoContext {
        store: &*rt.store,
        shared_store: &rt.store,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
        offices: &offices,
        users: &users,
        files: &rt.files(),
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

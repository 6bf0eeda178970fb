//! Offices as pages look them up: by code, and filtered by what the visitor may do. Every
//! slice's pages use these (through the identity slice's store, never its tables).

use guichet_core::authz::Action;
use guichet_store::Office;
use guichet_web::App;
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;

pub async fn office_by_code(app: &App, code: &str) -> Result<Office, PageError> {
    crate::identity_store(&*app.store)?
        .office_by_code(code)
        .await?
        .ok_or_else(PageError::not_found)
}

/// Offices where `action` (made for each office) is allowed to the visitor.
pub async fn offices_where(
    app: &App,
    ctx: &Ctx,
    action: impl Fn(guichet_core::OfficeId) -> Action,
) -> Result<Vec<Office>, PageError> {
    Ok(crate::identity_store(&*app.store)?
        .list_offices()
        .await?
        .into_iter()
        .filter(|o| ctx.authorize(action(o.id)).is_ok())
        .collect())
}

/// The office named by `code`, which the visitor must be allowed to `action` in (401/403
/// otherwise, 404 when there is no such office); with no code, the first office the visitor
/// may `action` in. Also returns every such office (for the office picker).
pub async fn office_for(
    app: &App,
    ctx: &Ctx,
    code: &str,
    action: impl Fn(guichet_core::OfficeId) -> Action,
) -> Result<(Office, Vec<Office>), PageError> {
    let offices = offices_where(app, ctx, &action).await?;
    if !code.is_empty() {
        if let Some(o) = offices.iter().find(|o| o.code == code) {
            return Ok((o.clone(), offices));
        }
        // Another office than the visitor's: refuse, rather than show a different one.
        let named = office_by_code(app, code).await?;
        ctx.authorize(action(named.id))?;
        return Err(PageError::not_found());
    }
    match offices.first().cloned() {
        Some(o) => Ok((o, offices)),
        None => {
            ctx.authorize(action(guichet_core::OfficeId(uuid::Uuid::nil())))?;
            Err(PageError::not_found())
        }
    }
}

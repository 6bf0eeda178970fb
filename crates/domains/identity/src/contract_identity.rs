//! Contract cases for sign-in storage: pending OpenID logins are taken once, identity links
//! are unique per provider identity and attach atomically to a new account, TOTP steps and
//! recovery codes are accepted once, sessions list, change stage and end on password change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use guichet_core::{SessionId, UserId};
use time::Duration;

use crate::contract::{T0, created, office, uid, user};
use crate::{IdentityLink, IdentityStore, PendingLogin, SecondFactor, TakenLogin};
use guichet_store::{Session, SessionStage, StoreError, User};

pub(crate) fn session(n: u128, user: UserId, stage: SessionStage) -> Session {
    Session {
        id: SessionId(uid(n)),
        token_hash: [n as u8; 32],
        user_id: user,
        created_at: T0 + Duration::minutes(n as i64),
        expires_at: T0 + Duration::hours(8),
        stage,
        method: "password".into(),
        provider: None,
        assurance: None,
        id_token: None,
        client: "127.0.0.1".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64)".into(),
    }
}

pub(crate) fn link(n: u128, user: UserId, subject: &str) -> IdentityLink {
    let mut attributes = serde_json::Map::new();
    attributes.insert("given_name".into(), "Thu".into());
    attributes.insert("family_name".into(), "Phạm".into());
    attributes.insert("birthdate".into(), "1990-04-30".into());
    IdentityLink {
        id: uid(n),
        user_id: user,
        provider: "vneid".into(),
        subject: subject.into(),
        attributes,
        assurance: Some("substantial".into()),
        linked_at: T0,
        updated_at: T0,
    }
}

pub async fn pending_logins_are_taken_once(store: Arc<dyn IdentityStore>) {
    let login = PendingLogin {
        state_hash: [7; 32],
        provider: "franceconnect".into(),
        nonce: "n-0123456789".into(),
        pkce_verifier: "v".repeat(43),
        assurance: Some("substantial".into()),
        link_user_id: None,
        return_to: "/procedures".into(),
        created_at: T0,
        expires_at: T0 + Duration::minutes(10),
    };
    store.save_pending_login(&login).await.unwrap();
    assert!(matches!(
        store.save_pending_login(&login).await,
        Err(StoreError::Conflict(_))
    ));
    let now = T0 + Duration::minutes(1);
    assert_eq!(
        store.take_pending_login(&[7; 32], now).await.unwrap(),
        TakenLogin::Taken(Box::new(login.clone()))
    );
    assert_eq!(
        store.take_pending_login(&[7; 32], now).await.unwrap(),
        TakenLogin::AlreadyUsed
    );
    assert_eq!(
        store.take_pending_login(&[8; 32], now).await.unwrap(),
        TakenLogin::Unknown
    );
    // Many callbacks racing with one state: exactly one wins.
    let racing = PendingLogin {
        state_hash: [9; 32],
        ..login
    };
    store.save_pending_login(&racing).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.take_pending_login(&[9; 32], now).await.unwrap()
        }));
    }
    let mut taken = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), TakenLogin::Taken(_)) {
            taken += 1;
        }
    }
    assert_eq!(taken, 1);
}

pub async fn identity_links_are_unique_and_atomic(store: Arc<dyn IdentityStore>) {
    let a = user(31, "thu", vec![]);
    store.create_user(&a, &created("a")).await.unwrap();
    let l = link(300, a.id, "sub-thu");
    store
        .put_identity_link(&l, None, &created("link"))
        .await
        .unwrap();
    assert_eq!(
        store.identity_link("vneid", "sub-thu").await.unwrap(),
        Some(l.clone())
    );
    assert_eq!(
        store
            .identity_link("franceconnect", "sub-thu")
            .await
            .unwrap(),
        None
    );

    // Same provider identity for another account: refused, and the new account is not created.
    let b = user(32, "vneid-b", vec![]);
    let other = link(301, b.id, "sub-thu");
    let before = store.recent_entries(1000, 0).await.unwrap().len();
    assert!(matches!(
        store
            .put_identity_link(&other, Some(&b), &created("link b"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.user(b.id).await.unwrap(), None);
    assert_eq!(store.recent_entries(1000, 0).await.unwrap().len(), before);

    // A new account with its link, together.
    let fresh = link(302, b.id, "sub-b");
    store
        .put_identity_link(&fresh, Some(&b), &created("link b"))
        .await
        .unwrap();
    assert_eq!(
        store.user(b.id).await.unwrap().map(|u| u.username),
        Some("vneid-b".into())
    );
    assert_eq!(store.identity_links_of(b.id).await.unwrap(), vec![fresh]);

    // A later login updates what the provider vouches for.
    let mut again = l.clone();
    again.attributes.insert("gender".into(), "female".into());
    again.assurance = Some("high".into());
    again.updated_at = T0 + Duration::days(1);
    store
        .put_identity_link(&again, None, &created("relink"))
        .await
        .unwrap();
    assert_eq!(
        store.identity_links_of(a.id).await.unwrap(),
        vec![again.clone()]
    );
    store
        .delete_identity_link(again.id, &created("unlink"))
        .await
        .unwrap();
    assert!(store.identity_links_of(a.id).await.unwrap().is_empty());
    assert!(matches!(
        store
            .delete_identity_link(again.id, &created("unlink"))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn second_factors_accept_each_code_once(store: Arc<dyn IdentityStore>) {
    let u = user(41, "lan", vec![]);
    store.create_user(&u, &created("u")).await.unwrap();
    assert_eq!(store.second_factor(u.id).await.unwrap(), None);
    let f = SecondFactor {
        user_id: u.id,
        secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into(),
        confirmed_at: Some(T0),
        last_step: 0,
        created_at: T0,
    };
    store
        .put_second_factor(&f, &[[1; 32], [2; 32], [3; 32]], &created("2fa"))
        .await
        .unwrap();
    assert_eq!(store.second_factor(u.id).await.unwrap(), Some(f.clone()));
    assert!(
        store
            .accept_totp_step(u.id, 100, &created("step"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .accept_totp_step(u.id, 100, &created("step"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .accept_totp_step(u.id, 99, &created("step"))
            .await
            .unwrap()
    );
    assert!(
        store
            .accept_totp_step(u.id, 101, &created("step"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.second_factor(u.id).await.unwrap().unwrap().last_step,
        101
    );

    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 3);
    assert!(
        store
            .use_recovery_code(u.id, &[2; 32], T0, &created("rc"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_recovery_code(u.id, &[2; 32], T0, &created("rc"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_recovery_code(u.id, &[9; 32], T0, &created("rc"))
            .await
            .unwrap()
    );
    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 2);
    // New codes replace the old ones.
    store
        .put_second_factor(&f, &[[5; 32]], &created("2fa"))
        .await
        .unwrap();
    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 1);
    assert!(
        !store
            .use_recovery_code(u.id, &[1; 32], T0, &created("rc"))
            .await
            .unwrap()
    );
    store
        .delete_second_factor(u.id, &created("off"))
        .await
        .unwrap();
    assert_eq!(store.second_factor(u.id).await.unwrap(), None);
    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 0);
}

pub async fn sessions_list_change_stage_and_end_on_password_change(store: Arc<dyn IdentityStore>) {
    let o = office(51, "HN-SF");
    store.create_office(&o, &created("o")).await.unwrap();
    assert!(
        store
            .offices_requiring_second_factor()
            .await
            .unwrap()
            .is_empty()
    );
    store
        .set_office_second_factor(o.id, true, T0, &created("policy"))
        .await
        .unwrap();
    assert_eq!(
        store.offices_requiring_second_factor().await.unwrap(),
        vec![o.id]
    );
    store
        .set_office_second_factor(o.id, false, T0, &created("policy"))
        .await
        .unwrap();
    assert!(
        store
            .offices_requiring_second_factor()
            .await
            .unwrap()
            .is_empty()
    );

    let u = user(51, "minh", vec![]);
    store.create_user(&u, &created("u")).await.unwrap();
    let mut oidc = session(61, u.id, SessionStage::SecondFactor);
    oidc.method = "oidc".into();
    oidc.provider = Some("franceconnect".into());
    oidc.assurance = Some("substantial".into());
    oidc.id_token = Some("eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into());
    let other = session(62, u.id, SessionStage::Active);
    store.create_session(&oidc, &created("s1")).await.unwrap();
    store.create_session(&other, &created("s2")).await.unwrap();
    let now = T0 + Duration::hours(1);
    assert_eq!(
        store.sessions_of(u.id, now).await.unwrap(),
        vec![other.clone(), oidc.clone()]
    );
    assert!(
        store
            .sessions_of(u.id, T0 + Duration::hours(9))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .set_session_stage(oidc.id, SessionStage::Active, &created("2fa ok"))
        .await
        .unwrap();
    let read = store
        .session_by_token(&oidc.token_hash, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.stage, SessionStage::Active);
    assert_eq!(read.id_token, oidc.id_token);

    store
        .set_password_hash(u.id, "$argon2id$v=19$new", Some(oidc.id), &created("pw"))
        .await
        .unwrap();
    assert_eq!(
        store
            .sessions_of(u.id, now)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![oidc.id]
    );
    assert_eq!(
        store.user(u.id).await.unwrap().unwrap().password_hash,
        "$argon2id$v=19$new"
    );
}

/// Rows in every sign-in table, for the backup cases.
pub(crate) async fn fill_identity(
    store: &dyn IdentityStore,
    office: guichet_core::OfficeId,
    u: UserId,
) {
    store
        .set_office_second_factor(office, true, T0, &created("policy"))
        .await
        .unwrap();
    store
        .put_identity_link(&link(700, u, "sub-fill"), None, &created("link"))
        .await
        .unwrap();
    store
        .save_pending_login(&PendingLogin {
            state_hash: [70; 32],
            provider: "vneid".into(),
            nonce: "nonce".into(),
            pkce_verifier: "verifier".into(),
            assurance: None,
            link_user_id: Some(u),
            return_to: "/".into(),
            created_at: T0,
            expires_at: T0 + Duration::minutes(10),
        })
        .await
        .unwrap();
    store
        .put_second_factor(
            &SecondFactor {
                user_id: u,
                secret: "JBSWY3DPEHPK3PXP".into(),
                confirmed_at: None,
                last_step: 7,
                created_at: T0,
            },
            &[[71; 32]],
            &created("2fa"),
        )
        .await
        .unwrap();
}

pub async fn account_links_work_once_and_account_changes_are_atomic(store: Arc<dyn IdentityStore>) {
    use crate::store::AccountLink;
    use guichet_core::authz::{Grant, Role};
    let o = office(71, "HN-ACC");
    store.create_office(&o, &created("o")).await.unwrap();
    let mut u = user(71, "binh", vec![]);
    u.email = Some("Binh.Tran@Example.vn".into());
    let link = |n: u128, purpose: &str| AccountLink {
        id: uid(7100 + n),
        user_id: u.id,
        purpose: purpose.into(),
        token_hash: [70 + n as u8; 32],
        created_at: T0,
        expires_at: T0 + Duration::hours(48),
        used_at: None,
    };
    let first = link(1, "set_password");
    store
        .create_user_with_link(&u, &first, None, &created("u"))
        .await
        .unwrap();
    // Found by its address whatever the case; the link by its hash.
    assert_eq!(
        store
            .user_by_email("binh.tran@example.VN")
            .await
            .unwrap()
            .map(|x| x.id),
        Some(u.id)
    );
    assert_eq!(
        store.account_link(&first.token_hash).await.unwrap(),
        Some(first.clone())
    );
    // A second account with the same username: nothing of it is written, link included.
    let twin = User {
        id: UserId(uid(9071)),
        ..u.clone()
    };
    let twin_link = link(2, "set_password");
    assert!(
        store
            .create_user_with_link(&twin, &twin_link, None, &created("twin"))
            .await
            .is_err()
    );
    assert_eq!(
        store.account_link(&twin_link.token_hash).await.unwrap(),
        None
    );

    // Redeemed once: the password changes and every session ends; then never again.
    store
        .create_session(&session(71, u.id, SessionStage::Active), &created("s"))
        .await
        .unwrap();
    let now = T0 + Duration::hours(1);
    assert!(
        store
            .redeem_account_link(
                first.id,
                now,
                Some("$argon2id$v=19$set"),
                false,
                &created("r")
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.user(u.id).await.unwrap().unwrap().password_hash,
        "$argon2id$v=19$set"
    );
    assert!(store.sessions_of(u.id, now).await.unwrap().is_empty());
    assert!(
        !store
            .redeem_account_link(
                first.id,
                now,
                Some("$argon2id$v=19$again"),
                false,
                &created("r2")
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.user(u.id).await.unwrap().unwrap().password_hash,
        "$argon2id$v=19$set"
    );
    // An expired link does nothing; a verification link enables the account.
    let late = link(3, "verify_email");
    store
        .put_account_link(&late, None, &created("l"))
        .await
        .unwrap();
    store
        .set_disabled(u.id, true, &created("off"))
        .await
        .unwrap();
    assert!(
        !store
            .redeem_account_link(
                late.id,
                T0 + Duration::hours(49),
                None,
                true,
                &created("late")
            )
            .await
            .unwrap()
    );
    assert!(store.user(u.id).await.unwrap().unwrap().disabled);
    let fresh = link(4, "verify_email");
    store
        .put_account_link(&fresh, None, &created("l2"))
        .await
        .unwrap();
    assert!(
        store
            .redeem_account_link(fresh.id, now, None, true, &created("ok"))
            .await
            .unwrap()
    );
    assert!(!store.user(u.id).await.unwrap().unwrap().disabled);

    // Disabling ends the sessions; a grant is withdrawn once, the second time is NotFound.
    store
        .create_session(&session(72, u.id, SessionStage::Active), &created("s2"))
        .await
        .unwrap();
    store
        .set_disabled(u.id, true, &created("off2"))
        .await
        .unwrap();
    assert!(store.sessions_of(u.id, now).await.unwrap().is_empty());
    let g = Grant::new(Role::Agent, Some(o.id));
    store.add_grant(u.id, &g, &created("g")).await.unwrap();
    store.remove_grant(u.id, &g, &created("w")).await.unwrap();
    assert!(store.user(u.id).await.unwrap().unwrap().grants.is_empty());
    assert!(matches!(
        store.remove_grant(u.id, &g, &created("w2")).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn api_tokens_and_clients_are_revoked_together(store: Arc<dyn IdentityStore>) {
    use crate::store::{ApiClient, ApiToken};
    let u = user(81, "machine", vec![]);
    store.create_user(&u, &created("u")).await.unwrap();
    let client = ApiClient {
        id: uid(8100),
        client_id: "gcc_0123456789abcdef01234567".into(),
        secret_hash: [81; 32],
        user_id: u.id,
        name: "accounting".into(),
        scopes: vec!["one_stop.file_dossier".into()],
        created_at: T0,
        revoked_at: None,
    };
    store.put_api_client(&client, &created("c")).await.unwrap();
    let token = |n: u128, from: Option<uuid::Uuid>| ApiToken {
        id: uid(8100 + n),
        user_id: u.id,
        client: from,
        name: format!("t{n}"),
        token_hash: [80 + n as u8; 32],
        scopes: vec![
            "one_stop.file_dossier".into(),
            "one_stop.view_dossier".into(),
        ],
        created_at: T0 + Duration::minutes(n as i64),
        expires_at: T0 + Duration::days(30),
        revoked_at: None,
    };
    let personal = token(1, None);
    let issued = token(2, Some(client.id));
    store
        .put_api_token(&personal, &created("t1"))
        .await
        .unwrap();
    store.put_api_token(&issued, &created("t2")).await.unwrap();
    assert_eq!(
        store.api_token(&personal.token_hash).await.unwrap(),
        Some(personal.clone()),
        "scopes round-trip"
    );
    assert_eq!(
        store.api_client(&client.client_id).await.unwrap(),
        Some(client.clone())
    );
    // The personal list leaves out what clients obtained.
    assert_eq!(
        store.api_tokens_of(u.id).await.unwrap(),
        vec![personal.clone()]
    );
    let at = T0 + Duration::hours(1);
    // Someone else cannot revoke it; its owner can, once.
    assert!(
        !store
            .revoke_api_token(UserId(uid(1)), personal.id, at, &created("x"))
            .await
            .unwrap()
    );
    assert!(
        store
            .revoke_api_token(u.id, personal.id, at, &created("r"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_api_token(u.id, personal.id, at, &created("r2"))
            .await
            .unwrap()
    );
    // Revoking a client revokes every token it obtained, in the same transaction.
    assert!(
        store
            .revoke_api_client(u.id, client.id, at, &created("rc"))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .api_token(&issued.token_hash)
            .await
            .unwrap()
            .and_then(|t| t.revoked_at),
        Some(at)
    );
    assert_eq!(
        store.api_clients_of(u.id).await.unwrap()[0].revoked_at,
        Some(at)
    );
}

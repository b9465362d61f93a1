//! The store's contract (docs/store-api.md), written once as async functions taking
//! `&Store`, and run on SQLite (a fresh file per test) and on PostgreSQL (a fresh
//! database per test, dropped afterwards).
//!
//! PostgreSQL: `BILAN_TEST_POSTGRES_URL` names the maintenance database (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). If it cannot be reached the PostgreSQL
//! tests fail, unless `BILAN_SKIP_POSTGRES=1`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bilan_store::{
    time, AttachmentKind, CommentTarget, Edit, EditScope, Id, NewAttachment, NewCampaign,
    NewCollectiviteReport, NewConvention, NewReport, OidcOutcome, OidcPending, OidcSignIn, ReportFilter,
    ReportLink, Role, Status, Store, StoreError, StoredReport, Transition,
};
mod common;
use common::*;

// ---------------------------------------------------------------- harness

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (store, _dir) = crate::sqlite_store().await;
                    crate::$name(&store).await;
                    store.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::PgDatabase::create().await else { return };
                    let store = bilan_store::Store::connect(&db.url).await.expect("connexion à la base de test");
                    let s = store.clone();
                    // Run the body in a task so that the database is dropped even if it panics.
                    let outcome = tokio::spawn(async move { crate::$name(&s).await }).await;
                    store.close().await;
                    drop(db);
                    if let Err(e) = outcome {
                        std::panic::resume_unwind(e.into_panic());
                    }
                }
            )*
        }
    };
}

// ---------------------------------------------------------------- fixtures

async fn editor(store: &Store) -> Id {
    store.create_user(None, new_user("redacteur", Role::DepartmentEditor, Some("03"))).await.unwrap()
}

const TEXT: &str = "departement = \"03\"\naction 1.1 : A0\naction 1.2 : B0\n";

fn numbers(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

async fn report_03(store: &Store) -> Id {
    store.create_report(None, "03", 2019, "calpae", TEXT, &numbers(&["1.1", "1.2"])).await.unwrap()
}

fn edit(text: String, actions: &[&str], after: &str) -> Edit {
    Edit {
        text,
        audit_action: "action.save".to_owned(),
        audit_target: "mesures[0].actions[0]".to_owned(),
        before: Some("avant".to_owned()),
        after: Some(after.to_owned()),
        actions: numbers(actions),
    }
}

/// An edit replacing `from` by `to` in the current text.
fn replacing(
    from: &'static str,
    to: &'static str,
) -> impl FnOnce(&StoredReport) -> Result<Edit, String> + Send {
    move |r: &StoredReport| {
        if !r.text.contains(from) {
            return Err(format!("« {from} » absent du texte"));
        }
        Ok(edit(r.text.replace(from, to), &["1.1", "1.2"], to))
    }
}

fn revisions(list: &[(&str, i64)]) -> BTreeMap<String, i64> {
    list.iter().map(|(n, r)| ((*n).to_owned(), *r)).collect()
}

async fn get(store: &Store, id: Id) -> StoredReport {
    store.report(id).await.unwrap().expect("rapport présent")
}

async fn audit_count(store: &Store) -> usize {
    store.audit(None, 10_000).await.unwrap().len()
}

// ---------------------------------------------------------------- users

async fn users_crud(store: &Store) {
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    let ed = store
        .create_user(Some(admin), new_user("jdupont", Role::DepartmentEditor, Some("03")))
        .await
        .unwrap();
    let reg =
        store.create_user(Some(admin), new_user("breg", Role::RegionalReviewer, Some("84"))).await.unwrap();
    assert!(ed != admin && reg != ed);

    let u = store.user(ed).await.unwrap().unwrap();
    assert_eq!(u.login, "jdupont");
    assert_eq!(u.display_name, "Agent jdupont");
    assert_eq!(u.password_hash, "$argon2id$hash-de-jdupont");
    assert_eq!(u.role, Role::DepartmentEditor);
    assert_eq!(u.territory.as_deref(), Some("03"));
    assert!(u.active);
    assert_eq!(store.user(admin).await.unwrap().unwrap().territory, None);
    assert_eq!(store.user(9_999).await.unwrap(), None);

    // Logins are found without regard to case.
    assert_eq!(store.user_by_login("JDupont").await.unwrap().unwrap().id, ed);
    assert_eq!(store.user_by_login("inconnu").await.unwrap(), None);

    let logins: Vec<String> = store.users().await.unwrap().into_iter().map(|u| u.login).collect();
    assert_eq!(logins, ["admin", "breg", "jdupont"]);

    store.set_user_active(admin, ed, false).await.unwrap();
    assert!(!store.user(ed).await.unwrap().unwrap().active);
    store.set_user_active(admin, ed, true).await.unwrap();
    assert!(store.user(ed).await.unwrap().unwrap().active);

    store.set_password_hash(Some(ed), ed, "$argon2id$nouveau").await.unwrap();
    assert_eq!(store.user(ed).await.unwrap().unwrap().password_hash, "$argon2id$nouveau");

    assert!(matches!(store.set_user_active(admin, 9_999, false).await, Err(StoreError::NotFound)));
    assert!(matches!(store.set_password_hash(None, 9_999, "x").await, Err(StoreError::NotFound)));
    // Every role survives the round trip.
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let id = store.create_user(Some(admin), new_user(&format!("role{i}"), role, None)).await.unwrap();
        assert_eq!(store.user(id).await.unwrap().unwrap().role, role);
    }
}

async fn duplicate_login(store: &Store) {
    store.create_user(None, new_user("jdupont", Role::DepartmentEditor, Some("03"))).await.unwrap();
    let before = audit_count(store).await;
    for login in ["jdupont", "JDUPONT"] {
        let e = store.create_user(None, new_user(login, Role::Admin, None)).await.unwrap_err();
        assert!(matches!(e, StoreError::Duplicate), "{login}: {e:?}");
        assert_eq!(e.to_string(), "identifiant déjà utilisé");
    }
    assert_eq!(store.users().await.unwrap().len(), 1);
    assert_eq!(audit_count(store).await, before, "a refused creation writes nothing");
}

async fn user_email_set_found_and_unique(store: &Store) {
    let mut with = new_user("mmartin", Role::PrefectureReviewer, Some("03"));
    with.email = Some("Marie.Martin@allier.gouv.fr".into());
    let a = store.create_user(None, with).await.unwrap();
    let b = store.create_user(None, new_user("jdupont", Role::DepartmentEditor, Some("03"))).await.unwrap();
    let found =
        store.user_by_email("marie.martin@ALLIER.gouv.fr").await.unwrap().expect("found without case");
    assert_eq!((found.id, found.email.as_deref()), (a, Some("Marie.Martin@allier.gouv.fr")));
    assert_eq!(store.user(b).await.unwrap().unwrap().email, None);

    let before = audit_count(store).await;
    let e = store.set_user_email(None, b, Some("MARIE.martin@allier.gouv.fr")).await.unwrap_err();
    assert!(matches!(e, StoreError::Duplicate), "{e:?}");
    for bad in ["", "sans-arobase", "@allier.gouv.fr", "a@b", "a b@allier.gouv.fr", "a@@allier.gouv.fr"] {
        let e = store.set_user_email(None, b, Some(bad)).await.unwrap_err();
        assert!(matches!(&e, StoreError::Rejected(m) if m.contains("adresse électronique")), "{bad}: {e:?}");
    }
    assert_eq!(audit_count(store).await, before, "a refused address writes nothing");

    store.set_user_email(Some(a), b, Some("jean.dupont@allier.fr")).await.unwrap();
    assert_eq!(store.user_by_email("jean.dupont@allier.fr").await.unwrap().map(|u| u.id), Some(b));
    store.set_user_email(Some(a), b, None).await.unwrap();
    assert!(store.user_by_email("jean.dupont@allier.fr").await.unwrap().is_none());
    let journal = audit_of_kind(store, "user.email").await;
    let mut changes: Vec<_> = journal.iter().map(|e| (e.before.clone(), e.after.clone())).collect();
    changes.sort();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        changes,
        [(some("jean.dupont@allier.fr"), some("—")), (some("—"), some("jean.dupont@allier.fr"))]
    );
}

// ---------------------------------------------------------------- OpenID Connect

fn pending(state: &str, client: &str, expires_at: &str) -> OidcPending {
    OidcPending {
        state_hash: format!("etat-{state}"),
        browser_hash: "navigateur".into(),
        nonce: format!("nonce-{state}"),
        verifier: format!("verificateur-{state}"),
        next: "/rapports/1".into(),
        client: client.into(),
        expires_at: expires_at.into(),
    }
}

async fn oidc_pending_logins_are_used_once_and_bounded(store: &Store) {
    let later = time::now_plus(Duration::from_secs(600));
    let past = time::now_minus(Duration::from_secs(1));
    let before = audit_count(store).await;
    assert!(store.begin_oidc_login(&pending("a", "10.0.0.1", &later), 3).await.unwrap());
    let taken = store.take_oidc_login("etat-a").await.unwrap().expect("la demande en attente");
    assert_eq!(taken, pending("a", "10.0.0.1", &later));
    assert_eq!(store.take_oidc_login("etat-a").await.unwrap(), None, "a state answers once");
    assert_eq!(store.take_oidc_login("etat-inconnu").await.unwrap(), None);
    // Expired: not returned, and gone.
    assert!(store.begin_oidc_login(&pending("vieux", "10.0.0.1", &past), 3).await.unwrap());
    assert_eq!(store.take_oidc_login("etat-vieux").await.unwrap(), None);
    // At most 3 waiting per client address; the others are not affected.
    for s in ["b", "c", "d"] {
        assert!(store.begin_oidc_login(&pending(s, "10.0.0.2", &later), 3).await.unwrap());
    }
    assert!(!store.begin_oidc_login(&pending("e", "10.0.0.2", &later), 3).await.unwrap());
    assert_eq!(store.take_oidc_login("etat-e").await.unwrap(), None, "the refused one was not written");
    assert!(store.begin_oidc_login(&pending("f", "10.0.0.3", &later), 3).await.unwrap());
    // Taking one frees a place.
    assert!(store.take_oidc_login("etat-b").await.unwrap().is_some());
    assert!(store.begin_oidc_login(&pending("g", "10.0.0.2", &later), 3).await.unwrap());
    // The same state twice is refused.
    let e = store.begin_oidc_login(&pending("g", "10.0.0.4", &later), 3).await.unwrap_err();
    assert!(matches!(e, StoreError::Duplicate), "{e:?}");
    assert_eq!(audit_count(store).await, before, "waiting sign-ins are not journalled");
}

async fn oidc_sign_in_binds_by_email_then_by_subject(store: &Store) {
    let mut agent = new_user("agent.prefecture", Role::PrefectureReviewer, Some("03"));
    agent.email = Some("Agent.Prefecture@allier.gouv.fr".into());
    let agent = store.create_user(None, agent).await.unwrap();
    let mut other = new_user("autre.agent", Role::NationalReader, None);
    other.email = Some("autre.agent@social.gouv.fr".into());
    let other = store.create_user(None, other).await.unwrap();
    let later = time::now_plus(Duration::from_secs(3600));
    let later = later.as_str();
    let sign_in = |subject, email, token_hash| OidcSignIn {
        issuer: "https://proconnect.example",
        subject,
        email,
        token_hash,
        csrf_token: "csrf",
        expires_at: later,
        id_token: "jeton.id.signe",
    };

    // Unknown e-mail: nothing written.
    let before = audit_count(store).await;
    let out = store.oidc_sign_in(&sign_in("s-inconnu", "inconnu@ailleurs.fr", "h0")).await.unwrap();
    assert_eq!(out, OidcOutcome::Unknown);
    assert_eq!(store.session("h0").await.unwrap(), None);
    assert_eq!(audit_count(store).await, before);

    // First sign-in: bound by e-mail (without case), session opened with its ID token.
    let out = store.oidc_sign_in(&sign_in("s-1", "agent.prefecture@ALLIER.gouv.fr", "h1")).await.unwrap();
    assert!(matches!(&out, OidcOutcome::SignedIn { user, newly_bound: true } if user.id == agent), "{out:?}");
    assert_eq!(store.session("h1").await.unwrap().map(|(u, _)| u.id), Some(agent));
    assert_eq!(store.session_id_token("h1").await.unwrap().as_deref(), Some("jeton.id.signe"));
    let bound = audit_of_kind(store, "user.oidc").await;
    assert_eq!(bound.len(), 1);
    assert_eq!(bound[0].target, "agent.prefecture");
    assert_eq!(
        bound[0].after.as_deref(),
        Some("fournisseur : https://proconnect.example\nsujet : s-1\ncourriel : agent.prefecture@ALLIER.gouv.fr")
    );
    let sessions: Vec<_> = audit_of_kind(store, "session.create").await;
    assert_eq!(sessions.iter().filter(|e| e.target == "proconnect").count(), 1);

    // Later: by (issuer, subject), whatever the e-mail now says — even another account's.
    let out = store.oidc_sign_in(&sign_in("s-1", "autre.agent@social.gouv.fr", "h2")).await.unwrap();
    assert!(
        matches!(&out, OidcOutcome::SignedIn { user, newly_bound: false } if user.id == agent),
        "{out:?}"
    );
    // Another subject asserting the bound account's e-mail does not take it.
    let out = store.oidc_sign_in(&sign_in("s-2", "agent.prefecture@allier.gouv.fr", "h3")).await.unwrap();
    assert!(matches!(&out, OidcOutcome::OtherIdentity(u) if u.id == agent), "{out:?}");
    assert_eq!(store.session("h3").await.unwrap(), None);
    // The same subject at another issuer is another identity.
    let mut elsewhere = sign_in("s-1", "autre.agent@social.gouv.fr", "h4");
    elsewhere.issuer = "https://autre-fournisseur.example";
    let out = store.oidc_sign_in(&elsewhere).await.unwrap();
    assert!(matches!(&out, OidcOutcome::SignedIn { user, newly_bound: true } if user.id == other), "{out:?}");

    // A deactivated account is refused, bound or not; nothing written.
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    store.set_user_active(admin, agent, false).await.unwrap();
    let before = audit_count(store).await;
    let out = store.oidc_sign_in(&sign_in("s-1", "x@y.fr", "h5")).await.unwrap();
    assert!(matches!(&out, OidcOutcome::Inactive(u) if u.id == agent), "{out:?}");
    assert_eq!(store.session("h5").await.unwrap(), None);
    assert_eq!(audit_count(store).await, before);
    assert_eq!(store.session("h1").await.unwrap(), None, "deactivation ended the sessions");

    // A session opened with a password has no ID token.
    store.create_session("h6", other, "csrf", later).await.unwrap();
    assert_eq!(store.session_id_token("h6").await.unwrap(), None);
    assert_eq!(store.session_id_token("inconnu").await.unwrap(), None);
}

// ---------------------------------------------------------------- sessions

async fn sessions(store: &Store) {
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    let ed = editor(store).await;
    let later = time::now_plus(Duration::from_secs(3600));
    let past = time::now_minus(Duration::from_secs(1));

    store.create_session("hash-a", ed, "csrf-a", &later).await.unwrap();
    let (u, csrf) = store.session("hash-a").await.unwrap().expect("session valide");
    assert_eq!((u.id, u.login.as_str(), csrf.as_str()), (ed, "redacteur", "csrf-a"));
    assert_eq!(store.session("inconnu").await.unwrap(), None);

    // Expired.
    store.create_session("hash-old", ed, "csrf-old", &past).await.unwrap();
    assert_eq!(store.session("hash-old").await.unwrap(), None);

    // Same token twice; unknown user.
    assert!(matches!(store.create_session("hash-a", ed, "x", &later).await, Err(StoreError::Duplicate)));
    assert!(matches!(store.create_session("hash-z", 9_999, "x", &later).await, Err(StoreError::NotFound)));

    // An inactive user has no session, even once reactivated (deactivation ends them).
    store.create_session("hash-b", ed, "csrf-b", &later).await.unwrap();
    store.set_user_active(admin, ed, false).await.unwrap();
    assert_eq!(store.session("hash-a").await.unwrap(), None);
    store.set_user_active(admin, ed, true).await.unwrap();
    assert_eq!(store.session("hash-b").await.unwrap(), None);

    // Logout.
    store.create_session("hash-c", ed, "csrf-c", &later).await.unwrap();
    assert!(store.session("hash-c").await.unwrap().is_some());
    store.delete_session("hash-c").await.unwrap();
    assert_eq!(store.session("hash-c").await.unwrap(), None);
    store.delete_session("hash-c").await.unwrap(); // idempotent

    // A session of another user is that user's.
    store.create_session("hash-admin", admin, "csrf-admin", &later).await.unwrap();
    assert_eq!(store.session("hash-admin").await.unwrap().unwrap().0.id, admin);
}

// ---------------------------------------------------------------- API tokens

async fn api_tokens_lifecycle(store: &Store) {
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    let reader = store.create_user(None, new_user("dgcs", Role::NationalReader, None)).await.unwrap();
    let hash_a = "a".repeat(64);
    let hash_b = "b".repeat(64);

    let a = store
        .create_api_token(admin, reader, "  tableau de bord  ", &hash_a, "2999-01-01T00:00:00Z")
        .await
        .unwrap();
    let b = store.create_api_token(reader, reader, "export", &hash_b, "2999-01-01T00:00:00Z").await.unwrap();
    assert!(a != b);
    let tokens = store.api_tokens(reader).await.unwrap();
    assert_eq!(
        tokens.iter().map(|t| (t.id, t.name.as_str())).collect::<Vec<_>>(),
        [(a, "tableau de bord"), (b, "export")]
    );
    assert!(tokens.iter().all(|t| t.user == reader && t.last_used_at.is_none() && t.revoked_at.is_none()));
    assert_eq!(tokens[0].created_at.len(), "2025-01-01T00:00:00Z".len());
    assert!(store.api_tokens(admin).await.unwrap().is_empty());

    // Refusals write nothing.
    let n = audit_count(store).await;
    let e = store.create_api_token(admin, admin, "autre", &hash_a, "2999-01-01T00:00:00Z").await.unwrap_err();
    assert!(matches!(e, StoreError::Duplicate), "{e:?}");
    let e = store.create_api_token(admin, 9_999, "autre", "c", "2999-01-01T00:00:00Z").await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    let e = store.create_api_token(admin, admin, " \t", "d", "2999-01-01T00:00:00Z").await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    assert_eq!(e.to_string(), "Le nom du jeton est obligatoire.");
    assert_eq!(audit_count(store).await, n);
    assert!(store.api_tokens(admin).await.unwrap().is_empty());

    // Use: the account, and last_used_at recorded.
    let u = store.api_token_user(&hash_a).await.unwrap().expect("jeton valide");
    assert_eq!((u.id, u.login.as_str(), u.role), (reader, "dgcs", Role::NationalReader));
    assert_eq!(store.api_token_user("inconnu").await.unwrap(), None);
    let used = store.api_tokens(reader).await.unwrap()[0].last_used_at.clone().expect("utilisé");
    assert!(used.ends_with('Z') && used.len() == 20, "{used}");
    assert_eq!(store.api_tokens(reader).await.unwrap()[1].last_used_at, None, "only the token used");
    // Written at most once a minute: an old date is refreshed, a recent one kept.
    raw(store, &format!("UPDATE api_tokens SET last_used_at = '2000-01-01T00:00:00Z' WHERE id = {a}"))
        .await
        .unwrap();
    store.api_token_user(&hash_a).await.unwrap().unwrap();
    let refreshed = store.api_tokens(reader).await.unwrap()[0].last_used_at.clone().unwrap();
    assert!(refreshed >= used, "{refreshed} < {used}");
    let recent = time::now_minus(Duration::from_secs(20));
    raw(store, &format!("UPDATE api_tokens SET last_used_at = '{recent}' WHERE id = {a}")).await.unwrap();
    store.api_token_user(&hash_a).await.unwrap().unwrap();
    assert_eq!(store.api_tokens(reader).await.unwrap()[0].last_used_at.as_deref(), Some(recent.as_str()));
    // Using a token journals nothing.
    let n = audit_count(store).await;
    store.api_token_user(&hash_b).await.unwrap().unwrap();
    assert_eq!(audit_count(store).await, n);

    // Revocation: only by its owner's id; another user's token is not found.
    let n = audit_count(store).await;
    let e = store.revoke_api_token(admin, admin, a).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    let e = store.revoke_api_token(admin, reader, 9_999).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    assert_eq!(audit_count(store).await, n);
    assert!(store.api_token_user(&hash_a).await.unwrap().is_some());
    store.revoke_api_token(admin, reader, a).await.unwrap();
    assert_eq!(store.api_token_user(&hash_a).await.unwrap(), None);
    assert_eq!(store.api_token_user(&hash_b).await.unwrap().unwrap().id, reader, "the other token works");
    let tokens = store.api_tokens(reader).await.unwrap();
    assert_eq!(tokens.len(), 2, "a revoked token stays listed");
    assert!(tokens[0].revoked_at.is_some() && tokens[1].revoked_at.is_none());
    // Revoking twice writes nothing more.
    let n = audit_count(store).await;
    store.revoke_api_token(admin, reader, a).await.unwrap();
    assert_eq!(audit_count(store).await, n);
    assert_eq!(store.api_tokens(reader).await.unwrap(), tokens);
    // The revoked hash stays taken.
    assert!(matches!(
        store.create_api_token(admin, admin, "x", &hash_a, "2999-01-01T00:00:00Z").await,
        Err(StoreError::Duplicate)
    ));

    let journal = store.audit(None, 100).await.unwrap();
    let tokens_journal: Vec<_> =
        journal.iter().filter(|e| e.action.starts_with("api_token.")).rev().collect();
    let summary: Vec<_> = tokens_journal
        .iter()
        .map(|e| (e.action.as_str(), e.actor, e.target.as_str(), e.before.as_deref(), e.after.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("api_token.create", Some(admin), "dgcs : tableau de bord", None, Some("actif")),
            ("api_token.create", Some(reader), "dgcs : export", None, Some("actif")),
            ("api_token.revoke", Some(admin), "dgcs : tableau de bord", Some("actif"), Some("révoqué")),
        ]
    );
    for e in &journal {
        let all = [Some(e.target.as_str()), e.before.as_deref(), e.after.as_deref()];
        assert!(all.iter().flatten().all(|t| !t.contains(&hash_a)), "no token hash in the journal");
    }

    // Deactivation revokes the account's tokens: they stay revoked once it is reactivated
    // (whoever held them when the account was closed must not get them back).
    assert!(store.api_token_user(&hash_b).await.unwrap().is_some());
    store.set_user_active(admin, reader, false).await.unwrap();
    assert_eq!(store.api_token_user(&hash_b).await.unwrap(), None);
    store.set_user_active(admin, reader, true).await.unwrap();
    assert_eq!(store.api_token_user(&hash_b).await.unwrap(), None);
    assert!(store.api_tokens(reader).await.unwrap().iter().all(|t| t.revoked_at.is_some()));
    // An expired token does not open the API either.
    let hash_c = "c".repeat(64);
    store.create_api_token(reader, reader, "vieux", &hash_c, "2000-01-01T00:00:00Z").await.unwrap();
    assert_eq!(store.api_token_user(&hash_c).await.unwrap(), None);
}

// ---------------------------------------------------------------- reports

async fn reports_create_list_filter(store: &Store) {
    let ed = editor(store).await;
    let r03 = report_03(store).await;
    let r03b = store.create_report(Some(ed), "03", 2020, "calpae", "b", &[]).await.unwrap();
    let r2a = store.create_report(Some(ed), "2A", 2019, "calpae", "c", &[]).await.unwrap();
    let r974 = store.create_report(Some(ed), "974", 2024, "pacte", "d", &[]).await.unwrap();

    let e = store.create_report(Some(ed), "03", 2019, "calpae", "autre", &[]).await.unwrap_err();
    assert!(matches!(e, StoreError::Duplicate), "{e:?}");

    let r = get(store, r03).await;
    assert_eq!(r.text, TEXT);
    assert_eq!(r.summary.department, "03");
    assert_eq!(r.summary.territories, ["03"]);
    assert_eq!(r.summary.year, 2019);
    assert_eq!(r.summary.programme, "calpae");
    assert_eq!(r.summary.status, Status::Draft);
    assert_eq!((r.summary.version, r.summary.revision), (1, 1));
    assert_eq!(r.action_revisions, revisions(&[("1.1", 1), ("1.2", 1)]));
    assert_eq!((r.deliberation_number, r.deliberation_date, r.transmitted_at), (None, None, None));
    assert_eq!(r.summary.updated_at.len(), "2025-01-01T00:00:00Z".len());
    assert!(store.report(9_999).await.unwrap().is_none());

    let ids = |f: ReportFilter| async move {
        store.reports(&f).await.unwrap().into_iter().map(|s| s.id).collect::<Vec<_>>()
    };
    // Ordered by département, then newest year first.
    assert_eq!(ids(ReportFilter::default()).await, [r03b, r03, r2a, r974]);
    let deps = |d: &[&str]| Some(d.iter().map(|s| (*s).to_owned()).collect());
    assert_eq!(ids(ReportFilter { departments: deps(&["03"]), ..Default::default() }).await, [r03b, r03]);
    assert_eq!(
        ids(ReportFilter { departments: deps(&["2A", "974"]), ..Default::default() }).await,
        [r2a, r974]
    );
    assert_eq!(ids(ReportFilter { departments: deps(&[]), ..Default::default() }).await, Vec::<Id>::new());
    assert_eq!(ids(ReportFilter { year: Some(2019), ..Default::default() }).await, [r03, r2a]);
    assert_eq!(
        ids(ReportFilter { departments: deps(&["03"]), year: Some(2020), statuses: None }).await,
        [r03b]
    );

    store.set_status(ed, r2a, Status::Draft, Status::Adopted, "adoption", None).await.unwrap();
    let st = |s: &[Status]| Some(s.to_vec());
    assert_eq!(ids(ReportFilter { statuses: st(&[Status::Adopted]), ..Default::default() }).await, [r2a]);
    assert_eq!(
        ids(ReportFilter {
            statuses: st(&[Status::Draft, Status::Adopted]),
            year: Some(2019),
            departments: None
        })
        .await,
        [r03, r2a]
    );
    assert_eq!(ids(ReportFilter { statuses: st(&[]), ..Default::default() }).await, Vec::<Id>::new());
    let summaries = store.reports(&ReportFilter::default()).await.unwrap();
    assert_eq!(summaries[2].status, Status::Adopted);
    assert_eq!(summaries[2].revision, 2);
    assert_eq!(summaries[1], get(store, r03).await.summary);
}

async fn update_action_happy_path(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let calls = AtomicUsize::new(0);
    let updated = store
        .update_report(ed, id, EditScope::Action { number: "1.1".into(), expected_revision: 1 }, |r| {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(r.text, TEXT, "the closure sees the stored text");
            assert_eq!(r.summary.revision, 1);
            Ok(edit(r.text.replace("A0", "A1"), &["1.1", "1.2"], "A1"))
        })
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(updated.text.contains("A1") && updated.text.contains("B0"));
    assert_eq!(updated.summary.revision, 2);
    assert_eq!(updated.action_revisions, revisions(&[("1.1", 2), ("1.2", 1)]));
    assert_eq!(get(store, id).await, updated);

    // The other action's form, loaded before, still saves: the lock is per action.
    let updated = store
        .update_report(
            ed,
            id,
            EditScope::Action { number: "1.2".into(), expected_revision: 1 },
            replacing("B0", "B1"),
        )
        .await
        .unwrap();
    assert!(updated.text.contains("A1") && updated.text.contains("B1"));
    assert_eq!(updated.summary.revision, 3);
    assert_eq!(updated.action_revisions, revisions(&[("1.1", 2), ("1.2", 2)]));

    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!(entry.action, "action.save");
    assert_eq!(entry.target, "mesures[0].actions[0]");
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (Some("avant"), Some("B1")));
    assert_eq!(
        (entry.actor, entry.actor_login.as_deref(), entry.report_id),
        (Some(ed), Some("redacteur"), Some(id))
    );

    let missing =
        store.update_report(ed, 9_999, EditScope::Whole { expected_revision: 1 }, replacing("A", "B")).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

/// `report_revision` is what the web's cache trusts: it must follow every write that changes
/// what `report` returns (an edit, a change of status), and say when there is no report.
async fn report_revision_follows_every_write(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let revision = |r: &StoredReport| Some(r.summary.revision);
    assert_eq!(store.report_revision(id).await.unwrap(), revision(&get(store, id).await));
    assert_eq!(store.report_revision(id).await.unwrap(), Some(1));

    let edited = store
        .update_report(ed, id, EditScope::Action { number: "1.1".into(), expected_revision: 1 }, |r| {
            Ok(edit(r.text.replace("A0", "A1"), &["1.1", "1.2"], "A1"))
        })
        .await
        .unwrap();
    assert_eq!(store.report_revision(id).await.unwrap(), revision(&edited));
    assert_eq!(store.report_revision(id).await.unwrap(), Some(2));
    // A justification is not part of the report: the revision stays.
    store.set_justification(ed, id, "COM004", "deliberation", "prévue").await.unwrap();
    assert_eq!(store.report_revision(id).await.unwrap(), Some(2));

    let adopted = store
        .set_status(
            ed,
            id,
            Status::Draft,
            Status::Adopted,
            "adoption",
            Some(("CP-1".into(), "2020-06-15".into())),
        )
        .await
        .unwrap();
    assert_eq!(store.report_revision(id).await.unwrap(), revision(&adopted));
    assert_eq!(store.report_revision(id).await.unwrap(), Some(3));

    assert_eq!(store.report_revision(id + 1000).await.unwrap(), None);
}

async fn year_version_changes_with_every_write_of_the_year(store: &Store) {
    let ed = editor(store).await;
    let empty = store.year_version(2019).await.unwrap();
    assert_eq!((empty.reports, empty.revisions, empty.last_id), (0, 0, 0));
    let id = report_03(store).await;
    let created = store.year_version(2019).await.unwrap();
    assert_eq!((created.reports, created.revisions, created.last_id), (1, 1, id));
    // Another year's report leaves 2019's version as it was.
    store.create_report(Some(ed), "15", 2020, "calpae", "texte", &numbers(&["1.1"])).await.unwrap();
    assert_eq!(store.year_version(2019).await.unwrap(), created);
    // A justification is no change of the report; a status change is.
    store.set_justification(ed, id, "COM004", "deliberation", "prévue").await.unwrap();
    assert_eq!(store.year_version(2019).await.unwrap(), created);
    store
        .set_status(
            ed,
            id,
            Status::Draft,
            Status::Adopted,
            "adoption",
            Some(("CP-1".into(), "2020-06-15".into())),
        )
        .await
        .unwrap();
    let adopted = store.year_version(2019).await.unwrap();
    assert_eq!(adopted.revisions, 2);
    assert_ne!(adopted, created);
}

async fn whole_edit_bumps_every_action_and_syncs_the_list(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let updated = store
        .update_report(ed, id, EditScope::Whole { expected_revision: 1 }, |r| {
            Ok(edit(
                format!("{}action 1.3 : C0\n", r.text.replace("action 1.2 : B0\n", "")),
                &["1.1", "1.3"],
                "C0",
            ))
        })
        .await
        .unwrap();
    assert_eq!(updated.summary.revision, 2);
    assert_eq!(updated.action_revisions, revisions(&[("1.1", 2), ("1.3", 1)]));

    // An action edit leaves the other actions alone but still follows the list.
    let updated = store
        .update_report(ed, id, EditScope::Action { number: "1.3".into(), expected_revision: 1 }, |r| {
            Ok(edit(r.text.replace("C0", "C1"), &["1.1", "1.3", "1.4", "1.4"], "C1"))
        })
        .await
        .unwrap();
    assert_eq!(updated.summary.revision, 3);
    assert_eq!(updated.action_revisions, revisions(&[("1.1", 2), ("1.3", 2), ("1.4", 1)]));

    // A stale whole-report revision.
    let e =
        store.update_report(ed, id, EditScope::Whole { expected_revision: 2 }, replacing("A0", "A9")).await;
    match e {
        Err(StoreError::Conflict { current_text, current_revision }) => {
            assert_eq!((current_text, current_revision), (updated.text.clone(), 3));
        }
        other => panic!("conflit attendu : {other:?}"),
    }
    // A removed action's form is stale too (revision 0).
    let e = store
        .update_report(
            ed,
            id,
            EditScope::Action { number: "1.2".into(), expected_revision: 1 },
            replacing("A0", "A9"),
        )
        .await;
    assert!(matches!(e, Err(StoreError::Conflict { current_revision: 0, .. })), "{e:?}");
    assert_eq!(get(store, id).await, updated);
}

async fn stale_action_revision_conflicts_and_writes_nothing(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let scope = || EditScope::Action { number: "1.1".into(), expected_revision: 1 };
    let first = store.update_report(ed, id, scope(), replacing("A0", "A1")).await.unwrap();
    let audit_before = audit_count(store).await;

    let calls = AtomicUsize::new(0);
    let e = store
        .update_report(ed, id, scope(), |r| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(edit(r.text.replace("A1", "A2"), &["1.1", "1.2"], "A2"))
        })
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "conflit de modification");
    match e {
        StoreError::Conflict { current_text, current_revision } => {
            assert_eq!(current_text, first.text);
            assert_eq!(current_revision, 2);
        }
        other => panic!("conflit attendu : {other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the closure is not called on a stale revision");
    assert_eq!(get(store, id).await, first);
    assert_eq!(audit_count(store).await, audit_before);
}

async fn concurrent_edits_of_two_actions_are_both_kept(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    // Each closure holds its transaction a while: without a lock taken before the read,
    // the second write would be computed from the old text and erase the first.
    let slow = |from: &'static str, to: &'static str| {
        move |r: &StoredReport| {
            std::thread::sleep(Duration::from_millis(150));
            replacing(from, to)(r)
        }
    };
    let (a, b) = tokio::join!(
        store.update_report(
            ed,
            id,
            EditScope::Action { number: "1.1".into(), expected_revision: 1 },
            slow("A0", "A1")
        ),
        store.update_report(
            ed,
            id,
            EditScope::Action { number: "1.2".into(), expected_revision: 1 },
            slow("B0", "B1")
        ),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.summary.revision.max(b.summary.revision), 3);
    let r = get(store, id).await;
    assert!(r.text.contains("A1") && r.text.contains("B1"), "both edits kept: {}", r.text);
    assert_eq!(r.summary.revision, 3);
    assert_eq!(r.action_revisions, revisions(&[("1.1", 2), ("1.2", 2)]));
    let saves = store.audit(Some(id), 10).await.unwrap().iter().filter(|e| e.action == "action.save").count();
    assert_eq!(saves, 2);
}

async fn same_action_race_has_exactly_one_winner(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let calls = AtomicUsize::new(0);
    let contender = |to: &'static str| {
        let calls = &calls;
        move |r: &StoredReport| {
            calls.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(150));
            Ok(edit(r.text.replace("A0", to), &["1.1", "1.2"], to))
        }
    };
    let scope = || EditScope::Action { number: "1.1".into(), expected_revision: 1 };
    let (a, b) = tokio::join!(
        store.update_report(ed, id, scope(), contender("Alice")),
        store.update_report(ed, id, scope(), contender("Bruno")),
    );
    let (winner, loser) = match (a, b) {
        (Ok(w), Err(l)) | (Err(l), Ok(w)) => (w, l),
        (a, b) => panic!("exactly one winner expected: {a:?} / {b:?}"),
    };
    match loser {
        StoreError::Conflict { current_text, current_revision } => {
            assert_eq!(current_text, winner.text);
            assert_eq!(current_revision, 2);
        }
        other => panic!("conflit attendu : {other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let r = get(store, id).await;
    assert_eq!(r, winner);
    assert_eq!(r.action_revisions, revisions(&[("1.1", 2), ("1.2", 1)]));
    assert_eq!(store.audit(Some(id), 10).await.unwrap().len(), 2, "creation + one save");
}

async fn rejected_edit_writes_nothing(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let before = get(store, id).await;
    let audit_before = audit_count(store).await;
    let e = store
        .update_report(ed, id, EditScope::Action { number: "1.1".into(), expected_revision: 1 }, |_| {
            Err("Le montant « 12,345 € » n'est pas un montant valide.".to_owned())
        })
        .await
        .unwrap_err();
    assert!(matches!(&e, StoreError::Rejected(_)));
    assert_eq!(e.to_string(), "Le montant « 12,345 € » n'est pas un montant valide.");
    assert_eq!(get(store, id).await, before);
    assert_eq!(audit_count(store).await, audit_before);
    // The same form saves afterwards: the refusal consumed no revision.
    store
        .update_report(
            ed,
            id,
            EditScope::Action { number: "1.1".into(), expected_revision: 1 },
            replacing("A0", "A1"),
        )
        .await
        .unwrap();
}

// ---------------------------------------------------------------- stored figures

/// The application's hook, played by a stand-in reading the test texts (the store never
/// parses): one action row per "action N : LABEL" line, an indicator each (a figure, or
/// « ND » on the second), `None` for a text holding "illisible"; a text holding
/// "type-inconnu" gives a measure kind the table refuses.
fn figures_of_test_text(text: &str) -> Option<bilan_store::ReportFigures> {
    use bilan_store::{ActionRow, IndicatorRow, MeasureRow, ReportFigures};
    if text.contains("illisible") {
        return None;
    }
    let lines: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("action "))
        .map(|l| {
            let (n, label) = l.split_once(" : ").unwrap_or((l, ""));
            (n.to_owned(), label.to_owned())
        })
        .collect();
    let kind = if text.contains("type-inconnu") { "autre" } else { "socle" };
    Some(ReportFigures {
        department: "03".to_owned(),
        collectivite: text.contains("69M").then(|| "69M".to_owned()),
        deadline: Some("2020-06-30".to_owned()),
        measures: vec![MeasureRow {
            index: 0,
            number: "1".to_owned(),
            kind: kind.to_owned(),
            code: Some("C1".to_owned()),
            title: "Mesure « l’accès »".to_owned(),
        }],
        actions: lines
            .iter()
            .enumerate()
            .map(|(i, (n, label))| ActionRow {
                measure: 0,
                index: i as i32,
                number: n.clone(),
                budget_shared: i == 1,
                planned: Some(100 * label.len() as i64),
                committed: None,
                spent: Some(-5),
                carry_over: (i == 0).then_some(0),
                state_share: Some(i64::MAX),
                department_share: None,
                sources: format!("prevision.total {};execution.consomme -5", 100 * label.len()),
            })
            .collect(),
        indicators: lines
            .iter()
            .enumerate()
            .map(|(i, (_, label))| IndicatorRow {
                measure: 0,
                action: i as i32,
                index: 0,
                name: format!("Personnes accompagnées ({label})"),
                code: (i == 0).then(|| "ACC".to_owned()),
                unit: Some("nombre".to_owned()),
                value: (i == 0).then_some(12_345),
                missing_reason: (i != 0).then(|| "nd".to_owned()),
                missing_text: (i != 0).then(|| "ND".to_owned()),
                parts: (i == 0).then(|| "12345 t Nord\n0 o « l’autre »\ntotal".to_owned()),
            })
            .collect(),
    })
}

async fn figures_of_report(store: &Store, id: Id) -> Option<bilan_store::ReportFigures> {
    let all = store.figures(&ReportFilter::default()).await.unwrap();
    all.into_iter().find(|(s, _)| s.id == id).expect("listed").1
}

async fn figures_are_written_with_the_report_and_replaced_on_edit(plain: &Store) {
    let store = &plain.clone().with_figures(figures_of_test_text);
    let ed = editor(store).await;
    let id = report_03(store).await;
    assert_eq!(figures_of_report(store, id).await, figures_of_test_text(TEXT), "written with the report");

    // An action edit replaces them with the new text's.
    let scope = |n: &str, r| EditScope::Action { number: n.into(), expected_revision: r };
    store.update_report(ed, id, scope("1.1", 1), replacing("A0", "A-un")).await.unwrap();
    let text = get(store, id).await.text;
    assert!(text.contains("A-un"));
    assert_eq!(figures_of_report(store, id).await, figures_of_test_text(&text));

    // A rejected edit, a stale one: nothing written, the figures are those of the text.
    let before = figures_of_report(store, id).await;
    let e = store.update_report(ed, id, scope("1.1", 2), |_| Err("refusé".to_owned())).await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)));
    let e = store.update_report(ed, id, scope("1.1", 1), replacing("B0", "B1")).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }));
    assert_eq!(figures_of_report(store, id).await, before);

    // Same transaction: figures the database refuses undo the edit of the text.
    let e = store.update_report(ed, id, scope("1.2", 1), replacing("B0", "type-inconnu")).await.unwrap_err();
    assert!(matches!(e, StoreError::Database(_)), "{e:?}");
    assert_eq!(get(store, id).await.text, text, "the text is unchanged");
    assert_eq!(figures_of_report(store, id).await, before);

    // A status change that keeps the text keeps its figures current; one that rewrites it
    // (adoption writes the deliberation into the text) replaces them; a refused one leaves them.
    let deliberation = Some(("CP-2020-041".to_owned(), "2020-06-15".to_owned()));
    store.set_status(ed, id, Status::Draft, Status::Adopted, "adoption", deliberation).await.unwrap();
    assert_eq!(figures_of_report(store, id).await, before);
    let t = bilan_store::Transition::new(Status::Adopted, Status::Draft, "retour");
    let e = store.transition(ed, id, t.clone(), |_, _| Err("non".to_owned())).await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)));
    assert_eq!(figures_of_report(store, id).await, before);
    let rewritten = format!("{text}action 1.3 : C0\n");
    let moved = rewritten.clone();
    store.transition(ed, id, t, move |_, _| Ok(Some(moved))).await.unwrap();
    let after = figures_of_report(store, id).await.expect("figures");
    assert_eq!(after.actions.len(), 3);
    assert_eq!(Some(after), figures_of_test_text(&rewritten));

    // A text the application cannot read has no figures (the old ones would lie).
    store
        .update_report(ed, id, EditScope::Whole { expected_revision: 4 }, |r| {
            Ok(edit(format!("{}illisible\n", r.text), &["1.1", "1.2", "1.3"], "illisible"))
        })
        .await
        .unwrap();
    assert_eq!(figures_of_report(store, id).await, None);
}

async fn figures_are_filled_in_for_reports_written_without_them(plain: &Store) {
    let ed = editor(plain).await;
    // Written by a store without the hook (before the migration, or another version).
    let id = report_03(plain).await;
    let other = plain.create_report(Some(ed), "15", 2019, "calpae", "action 1.1 : X\n", &[]).await.unwrap();
    assert_eq!(figures_of_report(plain, id).await, None);
    let missing = plain.reports_without_figures(0, 10).await.unwrap();
    assert_eq!(missing.iter().map(|(i, r, _)| (*i, *r)).collect::<Vec<_>>(), vec![(id, 1), (other, 1)]);
    assert_eq!(missing[0].2, TEXT);
    assert_eq!(plain.reports_without_figures(id, 10).await.unwrap().len(), 1, "after an id");
    assert_eq!(plain.reports_without_figures(0, 1).await.unwrap().len(), 1, "a batch");

    let f = figures_of_test_text(TEXT).unwrap();
    let journal = audit_count(plain).await;
    assert!(plain.set_figures(id, 1, &f).await.unwrap());
    assert_eq!(figures_of_report(plain, id).await, Some(f.clone()));
    assert_eq!(audit_count(plain).await, journal, "derived from the journaled text: no entry");
    assert_eq!(plain.reports_without_figures(0, 10).await.unwrap().len(), 1);
    // Computed at a revision the report has left: not written.
    plain
        .update_report(ed, id, EditScope::Whole { expected_revision: 1 }, replacing("A0", "A9"))
        .await
        .unwrap();
    assert!(!plain.set_figures(id, 1, &f).await.unwrap());
    assert!(!plain.set_figures(9999, 1, &f).await.unwrap(), "no such report");
    // The text changed without the hook: its old figures are gone.
    assert_eq!(figures_of_report(plain, id).await, None);

    // Figures follow the filter and the order of `reports`.
    assert!(plain.set_figures(id, 2, &f).await.unwrap());
    let filters = [
        ReportFilter::default(),
        ReportFilter { departments: Some(vec!["15".to_owned()]), ..Default::default() },
        ReportFilter { year: Some(2020), ..Default::default() },
        ReportFilter { statuses: Some(vec![]), ..Default::default() },
    ];
    for filter in &filters {
        let listed = plain.figures(filter).await.unwrap();
        let summaries: Vec<_> = listed.iter().map(|(s, _)| s.clone()).collect();
        assert_eq!(summaries, plain.reports(filter).await.unwrap(), "{filter:?}");
        for (s, figs) in listed {
            assert_eq!(figs.is_some(), s.id == id, "{filter:?}");
        }
    }
}

// ---------------------------------------------------------------- workflow

async fn status_workflow_freezes_and_versions(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let deliberation = Some(("CP-2020-041".to_owned(), "2020-06-15".to_owned()));

    let r = store
        .set_status(ed, id, Status::Draft, Status::Adopted, "adoption", deliberation.clone())
        .await
        .unwrap();
    assert_eq!(r.summary.status, Status::Adopted);
    assert_eq!(
        (r.deliberation_number.as_deref(), r.deliberation_date.as_deref()),
        (Some("CP-2020-041"), Some("2020-06-15"))
    );
    assert_eq!(r.summary.revision, 2);

    // Back to draft forgets the deliberation; adopt again.
    let r = store.set_status(ed, id, Status::Adopted, Status::Draft, "erreur de saisie", None).await.unwrap();
    assert_eq!((r.summary.status, r.deliberation_number.clone()), (Status::Draft, None));
    store.set_status(ed, id, Status::Draft, Status::Adopted, "adoption", deliberation.clone()).await.unwrap();

    let r =
        store.set_status(ed, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    assert_eq!(r.summary.status, Status::Transmitted);
    let transmitted_at = r.transmitted_at.clone().expect("date de transmission");
    assert_eq!(r.deliberation_number.as_deref(), Some("CP-2020-041"));
    let frozen = store.frozen_versions(id).await.unwrap();
    assert_eq!(frozen, [(1, transmitted_at.clone(), TEXT.to_owned())]);

    // Sent back: version 2 is edited while version 1 stays frozen.
    let r = store
        .set_status(ed, id, Status::Transmitted, Status::SentBack, "montants à corriger", None)
        .await
        .unwrap();
    assert_eq!((r.summary.status, r.summary.version), (Status::SentBack, 2));
    let r = store
        .update_report(
            ed,
            id,
            EditScope::Action { number: "1.1".into(), expected_revision: 1 },
            replacing("A0", "A1"),
        )
        .await
        .unwrap();
    let v2_text = r.text.clone();
    store
        .set_status(ed, id, Status::SentBack, Status::Adopted, "nouvelle adoption", deliberation.clone())
        .await
        .unwrap();
    let r =
        store.set_status(ed, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    assert_eq!(r.summary.version, 2);
    let frozen = store.frozen_versions(id).await.unwrap();
    assert_eq!(frozen.len(), 2);
    assert_eq!((frozen[0].0, frozen[0].2.as_str()), (1, TEXT));
    assert_eq!((frozen[1].0, frozen[1].2.as_str()), (2, v2_text.as_str()));

    let r = store.set_status(ed, id, Status::Transmitted, Status::Approved, "validé", None).await.unwrap();
    assert_eq!(r.summary.status, Status::Approved);
    // Reopen: transmitted again, same version, nothing new frozen, transmission date kept.
    let r =
        store.set_status(ed, id, Status::Approved, Status::Transmitted, "réouverture", None).await.unwrap();
    assert_eq!((r.summary.status, r.summary.version), (Status::Transmitted, 2));
    assert_eq!(store.frozen_versions(id).await.unwrap(), frozen);
    assert_eq!(r.transmitted_at, Some(frozen[1].1.clone()));
    assert_eq!(r.summary.revision, 11);

    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!(entry.action, "report.status");
    assert_eq!(entry.target, "réouverture");
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (Some("approuve"), Some("transmis")));
    assert!(store.frozen_versions(9_999).await.unwrap().is_empty());
}

async fn status_transitions_refused(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    use Status::*;
    // From Draft, only Adopted is allowed.
    for to in [Draft, Transmitted, SentBack, Approved] {
        let e = store.set_status(ed, id, Draft, to, "essai", None).await.unwrap_err();
        assert!(matches!(e, StoreError::BadTransition { from: Draft }), "{to}: {e:?}");
        assert_eq!(e.to_string(), "transition de statut refusée");
    }
    // A stale `from` is refused with the actual status.
    let e = store.set_status(ed, id, Adopted, Transmitted, "essai", None).await.unwrap_err();
    assert!(matches!(e, StoreError::BadTransition { from: Draft }), "{e:?}");
    let r = get(store, id).await;
    assert_eq!((r.summary.status, r.summary.revision), (Draft, 1), "nothing written");

    store.set_status(ed, id, Draft, Adopted, "adoption", None).await.unwrap();
    for to in [Adopted, SentBack, Approved] {
        let e = store.set_status(ed, id, Adopted, to, "essai", None).await.unwrap_err();
        assert!(matches!(e, StoreError::BadTransition { from: Adopted }), "{to}: {e:?}");
    }
    store.set_status(ed, id, Adopted, Transmitted, "transmission", None).await.unwrap();
    for to in [Draft, Adopted, Transmitted] {
        let e = store.set_status(ed, id, Transmitted, to, "essai", None).await.unwrap_err();
        assert!(matches!(e, StoreError::BadTransition { from: Transmitted }), "{to}: {e:?}");
    }
    store.set_status(ed, id, Transmitted, Approved, "validé", None).await.unwrap();
    for to in [Draft, Adopted, SentBack, Approved] {
        let e = store.set_status(ed, id, Approved, to, "essai", None).await.unwrap_err();
        assert!(matches!(e, StoreError::BadTransition { from: Approved }), "{to}: {e:?}");
    }
    let missing = store.set_status(ed, 9_999, Draft, Adopted, "x", None).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

async fn edits_refused_unless_draft_or_sent_back(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    use Status::*;
    let try_edit = || async {
        store
            .update_report(
                ed,
                id,
                EditScope::Whole { expected_revision: get(store, id).await.summary.revision },
                replacing("A0", "A1"),
            )
            .await
    };
    let steps = [(Draft, Adopted), (Adopted, Transmitted), (Transmitted, Approved)];
    for (from, to) in steps {
        store.set_status(ed, id, from, to, "étape", None).await.unwrap();
        let before = get(store, id).await;
        let e = try_edit().await.unwrap_err();
        assert!(matches!(e, StoreError::BadTransition { from } if from == to), "{to}: {e:?}");
        assert_eq!(get(store, id).await, before);
    }
    // Justifications are frozen with the transmitted text.
    let e = store.set_justification(ed, id, "BUD007", "mesures[0]", "x").await.unwrap_err();
    assert!(matches!(e, StoreError::BadTransition { from: Approved }), "{e:?}");
    store.set_status(ed, id, Approved, Transmitted, "réouverture", None).await.unwrap();
    store.set_status(ed, id, Transmitted, SentBack, "à corriger", None).await.unwrap();
    try_edit().await.unwrap();
}

// ---------------------------------------------------------------- justifications, audit

async fn justifications_upsert_and_delete(store: &Store) {
    let ed = editor(store).await;
    let other =
        store.create_user(None, new_user("signataire", Role::DepartmentSignatory, Some("03"))).await.unwrap();
    let id = report_03(store).await;
    store
        .set_justification(
            ed,
            id,
            "IND002",
            "mesures[0].actions[0].indicateurs[1]",
            "Action démarrée en septembre",
        )
        .await
        .unwrap();
    store.set_justification(ed, id, "BUD007", "mesures[0].actions[0]", "Recrutement différé").await.unwrap();
    let list = store.justifications(id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0].code.as_str(), list[0].path.as_str()), ("BUD007", "mesures[0].actions[0]"));
    assert_eq!((list[0].text.as_str(), list[0].author), ("Recrutement différé", ed));
    assert_eq!(list[1].code, "IND002");

    // Upsert replaces text and author.
    store
        .set_justification(other, id, "BUD007", "mesures[0].actions[0]", "Recrutement au 1er mars")
        .await
        .unwrap();
    let list = store.justifications(id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0].text.as_str(), list[0].author), ("Recrutement au 1er mars", other));
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!(
        (entry.action.as_str(), entry.target.as_str()),
        ("justification.set", "BUD007 mesures[0].actions[0]")
    );
    assert_eq!(entry.before.as_deref(), Some("Recrutement différé"));
    assert_eq!(entry.after.as_deref(), Some("Recrutement au 1er mars"));

    // Empty text deletes; deleting what does not exist writes nothing.
    store.set_justification(ed, id, "BUD007", "mesures[0].actions[0]", "  ").await.unwrap();
    let list = store.justifications(id).await.unwrap();
    assert_eq!(list.iter().map(|j| j.code.as_str()).collect::<Vec<_>>(), ["IND002"]);
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!(entry.action, "justification.delete");
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (Some("Recrutement au 1er mars"), None));
    let n = audit_count(store).await;
    store.set_justification(ed, id, "BUD007", "mesures[0].actions[0]", "").await.unwrap();
    assert_eq!(audit_count(store).await, n);

    // Same (code, path) on another report is another justification.
    let id2 = store.create_report(None, "2A", 2019, "calpae", "t", &[]).await.unwrap();
    store
        .set_justification(ed, id2, "IND002", "mesures[0].actions[0].indicateurs[1]", "autre")
        .await
        .unwrap();
    assert_eq!(store.justifications(id).await.unwrap()[0].text, "Action démarrée en septembre");
    assert!(matches!(store.set_justification(ed, 9_999, "X", "p", "t").await, Err(StoreError::NotFound)));
    assert!(store.justifications(9_999).await.unwrap().is_empty());
}

async fn audit_records_every_write(store: &Store) {
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    let ed = store
        .create_user(Some(admin), new_user("jdupont", Role::DepartmentEditor, Some("03")))
        .await
        .unwrap();
    store.set_user_active(admin, ed, false).await.unwrap();
    store.set_user_active(admin, ed, true).await.unwrap();
    store.set_password_hash(Some(ed), ed, "nouveau-hash").await.unwrap();
    let later = time::now_plus(Duration::from_secs(60));
    store.create_session("tok", ed, "csrf", &later).await.unwrap();
    store.delete_session("tok").await.unwrap();
    let id = store.create_report(Some(ed), "03", 2019, "calpae", TEXT, &numbers(&["1.1"])).await.unwrap();
    store
        .update_report(
            ed,
            id,
            EditScope::Action { number: "1.1".into(), expected_revision: 1 },
            replacing("A0", "A1"),
        )
        .await
        .unwrap();
    store.set_justification(ed, id, "IND002", "p", "motif").await.unwrap();
    store
        .set_status(
            ed,
            id,
            Status::Draft,
            Status::Adopted,
            "adoption",
            Some(("12".into(), "2020-06-15".into())),
        )
        .await
        .unwrap();

    let all = store.audit(None, 100).await.unwrap();
    let kinds: Vec<&str> = all.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "user.create",
            "user.create",
            "user.active",
            "user.active",
            "user.password",
            "session.create",
            "session.delete",
            "report.create",
            "action.save",
            "justification.set",
            "report.status",
        ]
    );
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let oldest = all.last().unwrap();
    assert_eq!((oldest.actor, oldest.actor_login.as_deref(), oldest.target.as_str()), (None, None, "admin"));
    let created = &all[all.len() - 2];
    assert_eq!((created.actor, created.actor_login.as_deref()), (Some(admin), Some("admin")));
    assert!(created.after.as_deref().unwrap().contains("identifiant : jdupont"));
    assert!(!created.after.as_deref().unwrap().contains("hash"), "no password hash in the journal");
    let deactivated = &all[all.len() - 3];
    assert_eq!(
        (deactivated.before.as_deref(), deactivated.after.as_deref()),
        (Some("actif"), Some("inactif"))
    );
    let password = &all[all.len() - 5];
    assert_eq!(
        (password.before.as_deref(), password.after.as_deref(), password.target.as_str()),
        (None, None, "jdupont")
    );
    for e in &all {
        assert!(e.at.ends_with('Z') && e.at.len() == 20, "{}", e.at);
        assert!(e.before.iter().chain(e.after.iter()).all(|t| !t.contains("nouveau-hash")));
    }
    let report_entry = &all[3];
    assert_eq!((report_entry.action.as_str(), report_entry.report_id), ("report.create", Some(id)));
    assert_eq!((report_entry.before.as_deref(), report_entry.after.as_deref()), (None, Some(TEXT)));
    let status = &all[0];
    assert_eq!((status.before.as_deref(), status.target.as_str()), (Some("brouillon"), "adoption"));
    assert!(status.after.as_deref().unwrap().starts_with("adopte"));

    let of_report = store.audit(Some(id), 100).await.unwrap();
    assert_eq!(of_report.len(), 4);
    assert!(of_report.iter().all(|e| e.report_id == Some(id)));
    let limited = store.audit(Some(id), 2).await.unwrap();
    assert_eq!(limited, of_report[..2]);
    assert!(store.audit(None, 0).await.unwrap().is_empty());
    assert!(store.audit(None, -5).await.unwrap().is_empty());
}

async fn frozen_versions_and_audit_are_append_only(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    store.set_status(ed, id, Status::Draft, Status::Adopted, "adoption", None).await.unwrap();
    store.set_status(ed, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    let frozen = store.frozen_versions(id).await.unwrap();
    assert!(raw(store, "UPDATE report_versions SET text = 'falsifié'").await.is_err());
    assert!(raw(store, "DELETE FROM report_versions").await.is_err());
    assert!(raw(store, "UPDATE audit_log SET target = 'x'").await.is_err());
    assert!(raw(store, "DELETE FROM audit_log").await.is_err());
    assert_eq!(store.frozen_versions(id).await.unwrap(), frozen);
    assert_eq!(raw(store, "UPDATE reports SET year = year").await.unwrap(), 1);
}

// ---------------------------------------------------------------- State review (issue 5)

/// `report_03`, adopted then transmitted (version 1 frozen).
async fn transmitted_03(store: &Store, actor: Id) -> Id {
    let id = report_03(store).await;
    store.set_status(actor, id, Status::Draft, Status::Adopted, "adoption", None).await.unwrap();
    store.set_status(actor, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    id
}

async fn comments_on_every_target_round_trip(store: &Store) {
    let ed = editor(store).await;
    let reviewer =
        store.create_user(None, new_user("prefet03", Role::PrefectureReviewer, Some("03"))).await.unwrap();
    let id = transmitted_03(store, ed).await;
    let targets = [
        CommentTarget::Report,
        CommentTarget::Action { number: "1.2".into() },
        CommentTarget::Line { path: "mesures[0].actions[1].budget[2]".into() },
        CommentTarget::Diagnostic { code: "BUD007".into(), path: "mesures[0].actions[1]".into() },
    ];
    let mut ids = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let text = format!("  Remarque n° {i} : « écart » à expliquer\n");
        ids.push(store.add_comment(reviewer, id, 1, target, &text).await.unwrap());
    }
    // The Département answers on the action.
    store.set_status(reviewer, id, Status::Transmitted, Status::SentBack, "écarts", None).await.unwrap();
    let answer = store.add_comment(ed, id, 2, &targets[1], "Corrigé en version 2.").await.unwrap();
    ids.push(answer);

    let list = store.comments(id).await.unwrap();
    assert_eq!(list.iter().map(|c| c.id).collect::<Vec<_>>(), ids, "oldest first");
    for (i, (c, target)) in list.iter().zip(&targets).enumerate() {
        assert_eq!(&c.target, target);
        assert_eq!(c.text, format!("Remarque n° {i} : « écart » à expliquer"), "stored trimmed");
        assert_eq!((c.report, c.version, c.author), (id, 1, reviewer));
        assert_eq!((c.author_login.as_str(), c.author_name.as_str()), ("prefet03", "Agent prefet03"));
        assert!(c.at.ends_with('Z') && c.at.len() == 20, "{}", c.at);
    }
    let last = &list[4];
    assert_eq!((last.version, last.author, last.author_login.as_str()), (2, ed, "redacteur"));
    assert_eq!(last.target, CommentTarget::Action { number: "1.2".into() });
    assert!(list.windows(2).all(|w| w[0].at <= w[1].at));

    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!((entry.action.as_str(), entry.target.as_str()), ("comment.add", "version 2, action 1.2"));
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (None, Some("Corrigé en version 2.")));
    let kinds: Vec<String> = store
        .audit(Some(id), 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "comment.add")
        .map(|e| e.target.clone())
        .rev()
        .collect();
    assert_eq!(
        kinds,
        [
            "version 1, rapport",
            "version 1, action 1.2",
            "version 1, ligne mesures[0].actions[1].budget[2]",
            "version 1, diagnostic BUD007 mesures[0].actions[1]",
            "version 2, action 1.2",
        ]
    );

    // Comments belong to their report; append-only.
    let other = store.create_report(None, "2A", 2019, "calpae", "t", &[]).await.unwrap();
    assert!(store.comments(other).await.unwrap().is_empty());
    assert!(store.comments(9_999).await.unwrap().is_empty());
    assert!(raw(store, "UPDATE comments SET text = 'falsifié'").await.is_err());
    assert!(raw(store, "DELETE FROM comments").await.is_err());
    // The schema refuses a target without its key or path.
    let sql = format!(
        "INSERT INTO comments (report_id, version, kind, text, author_id, at) \
         VALUES ({id}, 1, 'action', 'x', {ed}, '2025-01-01T00:00:00Z')"
    );
    assert!(raw(store, &sql).await.is_err());
    assert_eq!(store.comments(id).await.unwrap(), list);
}

async fn invalid_comments_are_rejected_and_write_nothing(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let n = audit_count(store).await;
    let report = CommentTarget::Report;
    for blank in ["", "   ", "\n\t "] {
        let e = store.add_comment(ed, id, 1, &report, blank).await.unwrap_err();
        assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
        assert_eq!(e.to_string(), "Le commentaire est vide.");
    }
    let long = "é".repeat(4001);
    let e = store.add_comment(ed, id, 1, &report, &long).await.unwrap_err();
    assert_eq!(e.to_string(), "Le commentaire dépasse 4 000 caractères (il en compte 4001).");
    let e =
        store.add_comment(ed, id, 1, &CommentTarget::Action { number: " ".into() }, "x").await.unwrap_err();
    assert_eq!(e.to_string(), "La cible du commentaire est incomplète.");
    let e = store
        .add_comment(
            ed,
            id,
            1,
            &CommentTarget::Diagnostic { code: "BUD007".into(), path: String::new() },
            "x",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    for version in [0, 2] {
        let e = store.add_comment(ed, id, version, &report, "x").await.unwrap_err();
        assert_eq!(e.to_string(), format!("La version {version} de ce rapport n’existe pas."));
    }
    let e = store.add_comment(ed, 9_999, 1, &report, "x").await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    assert!(store.comments(id).await.unwrap().is_empty());
    assert_eq!(audit_count(store).await, n, "nothing written");

    // 4 000 characters exactly (after trimming) is accepted, whatever the status.
    let full = format!("  {}  ", "é".repeat(4000));
    store.add_comment(ed, id, 1, &report, &full).await.unwrap();
    assert_eq!(store.comments(id).await.unwrap()[0].text.chars().count(), 4000);
}

async fn credit_decisions_upsert_and_delete(store: &Store) {
    let ed = editor(store).await;
    let reviewer =
        store.create_user(None, new_user("prefet03", Role::PrefectureReviewer, Some("03"))).await.unwrap();
    let id = transmitted_03(store, ed).await;

    store.set_credit_decision(reviewer, id, "1.2", "budget[1]", Some(false), " Doublon ").await.unwrap();
    store.set_credit_decision(reviewer, id, "1.1", "budget[0]", Some(true), "").await.unwrap();
    store.set_credit_decision(reviewer, id, "1.1", "budget[2]", Some(true), "conforme").await.unwrap();
    let list = store.credit_decisions(id).await.unwrap();
    let brief: Vec<_> =
        list.iter().map(|d| (d.action.as_str(), d.line.as_str(), d.accept, d.reason.as_str())).collect();
    assert_eq!(
        brief,
        [
            ("1.1", "budget[0]", true, ""),
            ("1.1", "budget[2]", true, "conforme"),
            ("1.2", "budget[1]", false, "Doublon"),
        ]
    );
    assert!(list.iter().all(|d| d.author == reviewer && d.at.ends_with('Z')));
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!((entry.action.as_str(), entry.target.as_str()), ("credit.decision", "1.1 budget[2]"));
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (None, Some("accepté : conforme")));

    // Upsert: the decision and its author change, in place.
    store.set_credit_decision(ed, id, "1.2", "budget[1]", Some(true), "Finalement justifié").await.unwrap();
    let list = store.credit_decisions(id).await.unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!((list[2].accept, list[2].reason.as_str(), list[2].author), (true, "Finalement justifié", ed));
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!(
        (entry.before.as_deref(), entry.after.as_deref()),
        (Some("refusé : Doublon"), Some("accepté : Finalement justifié"))
    );
    store.set_credit_decision(reviewer, id, "1.1", "budget[0]", Some(false), "").await.unwrap();
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (Some("accepté"), Some("refusé")));

    // None deletes; deleting what does not exist writes nothing.
    store.set_credit_decision(reviewer, id, "1.1", "budget[2]", None, "").await.unwrap();
    let lines: Vec<_> = store.credit_decisions(id).await.unwrap().into_iter().map(|d| d.line).collect();
    assert_eq!(lines, ["budget[0]", "budget[1]"]);
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!(entry.action, "credit.decision");
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (Some("accepté : conforme"), None));
    let n = audit_count(store).await;
    store.set_credit_decision(reviewer, id, "1.1", "budget[2]", None, "").await.unwrap();
    assert_eq!(audit_count(store).await, n);

    // The amount of the convention for N+1.
    assert_eq!(store.next_year_amount(id).await.unwrap(), None);
    store.set_next_year_amount(reviewer, id, 12_345_678).await.unwrap();
    assert_eq!(store.next_year_amount(id).await.unwrap(), Some(12_345_678));
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!((entry.action.as_str(), entry.before.as_deref()), ("credit.amount", None));
    assert_eq!(entry.after.as_deref(), Some("123 456,78 €"));
    // Approved reports take decisions too.
    store.set_status(reviewer, id, Status::Transmitted, Status::Approved, "validé", None).await.unwrap();
    store.set_next_year_amount(reviewer, id, 0).await.unwrap();
    assert_eq!(store.next_year_amount(id).await.unwrap(), Some(0));
    let entry = &store.audit(Some(id), 1).await.unwrap()[0];
    assert_eq!((entry.before.as_deref(), entry.after.as_deref()), (Some("123 456,78 €"), Some("0,00 €")));
    store.set_credit_decision(reviewer, id, "1.3", "budget[0]", Some(true), "").await.unwrap();
    assert_eq!(store.credit_decisions(id).await.unwrap().len(), 3);

    // Refusals write nothing.
    let n = audit_count(store).await;
    let e = store.set_next_year_amount(reviewer, id, -1).await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    assert_eq!(e.to_string(), "Le montant de l’État pour l’année suivante ne peut pas être négatif.");
    assert_eq!(store.next_year_amount(id).await.unwrap(), Some(0));
    assert!(matches!(store.set_next_year_amount(reviewer, 9_999, 1).await, Err(StoreError::NotFound)));
    let e = store.set_credit_decision(reviewer, 9_999, "1.1", "l", Some(true), "").await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    assert_eq!(audit_count(store).await, n);
    assert!(store.credit_decisions(9_999).await.unwrap().is_empty());
    assert_eq!(store.next_year_amount(9_999).await.unwrap(), None);
}

async fn credit_writes_need_a_transmitted_or_approved_report(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let n = audit_count(store).await;
    let refused = |from: Status| {
        move |e: StoreError| assert!(matches!(e, StoreError::BadTransition { from: f } if f == from), "{e:?}")
    };
    // Draft, then Adopted, then SentBack: refused, nothing written.
    refused(Status::Draft)(store.set_credit_decision(ed, id, "1.1", "l", Some(true), "").await.unwrap_err());
    refused(Status::Draft)(store.set_credit_decision(ed, id, "1.1", "l", None, "").await.unwrap_err());
    refused(Status::Draft)(store.set_next_year_amount(ed, id, 100).await.unwrap_err());
    store.set_status(ed, id, Status::Draft, Status::Adopted, "adoption", None).await.unwrap();
    refused(Status::Adopted)(
        store.set_credit_decision(ed, id, "1.1", "l", Some(true), "").await.unwrap_err(),
    );
    store.set_status(ed, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    store.set_credit_decision(ed, id, "1.1", "l", Some(true), "").await.unwrap();
    store.set_status(ed, id, Status::Transmitted, Status::SentBack, "à corriger", None).await.unwrap();
    let m = audit_count(store).await;
    refused(Status::SentBack)(store.set_credit_decision(ed, id, "1.1", "l", None, "").await.unwrap_err());
    refused(Status::SentBack)(store.set_next_year_amount(ed, id, 100).await.unwrap_err());
    assert_eq!(audit_count(store).await, m);
    assert_eq!(audit_count(store).await, n + 4, "3 status changes and 1 decision");
    assert_eq!(store.credit_decisions(id).await.unwrap().len(), 1);
    assert_eq!(store.next_year_amount(id).await.unwrap(), None);
}

async fn reports_with_text_respects_the_filter(store: &Store) {
    let ed = editor(store).await;
    let r03 = transmitted_03(store, ed).await;
    let r03b = store.create_report(Some(ed), "03", 2020, "calpae", "texte 03 2020", &[]).await.unwrap();
    let r2a = store.create_report(Some(ed), "2A", 2019, "calpae", "texte 2A", &[]).await.unwrap();
    let r974 = store.create_report(Some(ed), "974", 2019, "pacte", "texte 974", &[]).await.unwrap();

    let deps = |d: &[&str]| Some(d.iter().map(|s| (*s).to_owned()).collect());
    let filters = [
        ReportFilter::default(),
        ReportFilter { departments: deps(&["03", "974"]), ..Default::default() },
        ReportFilter { year: Some(2019), ..Default::default() },
        ReportFilter { statuses: Some(vec![Status::Transmitted]), ..Default::default() },
        ReportFilter {
            statuses: Some(vec![Status::Draft]),
            year: Some(2019),
            departments: deps(&["2A", "03"]),
        },
        ReportFilter { departments: deps(&[]), ..Default::default() },
        ReportFilter { statuses: Some(vec![]), ..Default::default() },
    ];
    for f in &filters {
        let with_text = store.reports_with_text(f).await.unwrap();
        let summaries: Vec<_> = with_text.iter().map(|(s, _)| s.clone()).collect();
        assert_eq!(summaries, store.reports(f).await.unwrap(), "same reports, same order: {f:?}");
        for (s, text) in &with_text {
            assert_eq!(text, &get(store, s.id).await.text);
        }
    }
    let ids = |f: &ReportFilter| {
        let f = f.clone();
        async move {
            store.reports_with_text(&f).await.unwrap().into_iter().map(|(s, _)| s.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(&filters[0]).await, [r03b, r03, r2a, r974]);
    assert_eq!(ids(&filters[1]).await, [r03b, r03, r974]);
    assert_eq!(ids(&filters[2]).await, [r03, r2a, r974]);
    assert_eq!(ids(&filters[3]).await, [r03]);
    assert_eq!(ids(&filters[4]).await, [r2a]);
    assert!(ids(&filters[5]).await.is_empty() && ids(&filters[6]).await.is_empty());
    let texts: Vec<String> =
        store.reports_with_text(&filters[1]).await.unwrap().into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, ["texte 03 2020", TEXT, "texte 974"]);

    // One frozen version.
    assert_eq!(store.frozen_text(r03, 1).await.unwrap().as_deref(), Some(TEXT));
    assert_eq!(store.frozen_text(r03, 2).await.unwrap(), None);
    assert_eq!(store.frozen_text(r03b, 1).await.unwrap(), None, "never transmitted");
    assert_eq!(store.frozen_text(9_999, 1).await.unwrap(), None);
    store.set_status(ed, r03, Status::Transmitted, Status::SentBack, "à corriger", None).await.unwrap();
    store
        .update_report(
            ed,
            r03,
            EditScope::Action { number: "1.1".into(), expected_revision: 1 },
            replacing("A0", "A1"),
        )
        .await
        .unwrap();
    store.set_status(ed, r03, Status::SentBack, Status::Adopted, "adoption", None).await.unwrap();
    store.set_status(ed, r03, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    assert_eq!(store.frozen_text(r03, 1).await.unwrap().as_deref(), Some(TEXT));
    let v2 = store.frozen_text(r03, 2).await.unwrap().expect("version 2 figée");
    assert!(v2.contains("A1"));
    assert_eq!(store.frozen_versions(r03).await.unwrap()[1].2, v2);
}

async fn sending_back_and_reopening_need_a_reason(store: &Store) {
    let ed = editor(store).await;
    let id = transmitted_03(store, ed).await;
    let before = get(store, id).await;
    let n = audit_count(store).await;
    for blank in ["", "  ", "\n"] {
        let e =
            store.set_status(ed, id, Status::Transmitted, Status::SentBack, blank, None).await.unwrap_err();
        assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
        assert_eq!(e.to_string(), "Un motif est obligatoire pour renvoyer le rapport au Département.");
    }
    assert_eq!(get(store, id).await, before, "nothing written");
    assert_eq!(audit_count(store).await, n);

    // Approving needs no reason; reopening does.
    store.set_status(ed, id, Status::Transmitted, Status::Approved, "", None).await.unwrap();
    let approved = get(store, id).await;
    let n = audit_count(store).await;
    let e = store.set_status(ed, id, Status::Approved, Status::Transmitted, " ", None).await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    assert_eq!(e.to_string(), "Un motif est obligatoire pour rouvrir un rapport approuvé.");
    assert_eq!(get(store, id).await, approved);
    assert_eq!(audit_count(store).await, n);

    // With a reason, both go through and the reason is journaled.
    store
        .set_status(ed, id, Status::Approved, Status::Transmitted, "erreur d’approbation", None)
        .await
        .unwrap();
    let r = store.set_status(ed, id, Status::Transmitted, Status::SentBack, "montants", None).await.unwrap();
    assert_eq!((r.summary.status, r.summary.version), (Status::SentBack, 2));
    let entries = store.audit(Some(id), 2).await.unwrap();
    assert_eq!(
        (entries[0].target.as_str(), entries[1].target.as_str()),
        ("montants", "erreur d’approbation")
    );
    // A refused transition is still refused as such, reason or not.
    let e = store.set_status(ed, id, Status::Transmitted, Status::SentBack, "", None).await.unwrap_err();
    assert!(matches!(e, StoreError::BadTransition { from: Status::SentBack }), "{e:?}");
}

// ---------------------------------------------------------------- login failures

async fn login_failure_counters(store: &Store) {
    let t = |s: i64| time::format_unix(1_700_000_000 + s);
    for s in [0, 10, 20] {
        store.record_login_failure("login:jdupont", &t(s)).await.unwrap();
    }
    store.record_login_failure("ip:192.0.2.7", &t(15)).await.unwrap();
    assert_eq!(store.login_failures_since("login:jdupont", &t(0)).await.unwrap(), 3);
    assert_eq!(store.login_failures_since("login:jdupont", &t(10)).await.unwrap(), 2);
    assert_eq!(store.login_failures_since("login:jdupont", &t(21)).await.unwrap(), 0);
    assert_eq!(store.login_failures_since("ip:192.0.2.7", &t(-100)).await.unwrap(), 1);
    assert_eq!(store.login_failures_since("inconnu", &t(0)).await.unwrap(), 0);
    store.clear_login_failures("login:jdupont").await.unwrap();
    assert_eq!(store.login_failures_since("login:jdupont", &t(0)).await.unwrap(), 0);
    assert_eq!(store.login_failures_since("ip:192.0.2.7", &t(0)).await.unwrap(), 1);
    // With the store's own clock.
    store.record_login_failure("login:x", &time::now()).await.unwrap();
    let since = time::now_minus(Duration::from_secs(15 * 60));
    assert_eq!(store.login_failures_since("login:x", &since).await.unwrap(), 1);
}

/// Login throttling as the web uses it: a reservation counts against every key; at a key's
/// limit nothing is recorded and the answer is no; an attempt forgotten (a right password)
/// frees its place; concurrent attempts on one key never get more than the limit through.
async fn login_attempts_are_reserved_atomically(store: &Store) {
    let t = |s: i64| time::format_unix(1_700_000_000 + s);
    let limits = [("login:jdupont|192.0.2.7", 3), ("ip:192.0.2.7", 5)];
    for s in 0..3 {
        assert!(store.reserve_login_attempt(&limits, &t(0), &t(s)).await.unwrap(), "attempt {s}");
    }
    // The (login, address) key is full: refused, and the address counter is not charged.
    assert!(!store.reserve_login_attempt(&limits, &t(0), &t(3)).await.unwrap());
    assert_eq!(store.login_failures_since("ip:192.0.2.7", &t(0)).await.unwrap(), 3);
    // The same login from another address still gets in; the window moves on.
    let other = [("login:jdupont|198.51.100.1", 3), ("ip:198.51.100.1", 5)];
    assert!(store.reserve_login_attempt(&other, &t(0), &t(4)).await.unwrap());
    assert!(store.reserve_login_attempt(&limits, &t(1), &t(5)).await.unwrap(), "attempt at 0 has expired");
    // A right password: its attempt is forgotten, the place is free again.
    store.forget_login_attempt("login:jdupont|192.0.2.7", &t(5)).await.unwrap();
    store.forget_login_attempt("ip:192.0.2.7", &t(5)).await.unwrap();
    assert!(store.reserve_login_attempt(&limits, &t(1), &t(6)).await.unwrap());

    // Twenty at once on a fresh key limited to 4: exactly 4 get through.
    let key = [("login:course|203.0.113.9", 4)];
    let mut tasks = Vec::new();
    for k in 0..20 {
        let s = store.clone();
        let at = t(100 + k);
        let since = t(50);
        tasks.push(tokio::spawn(async move { s.reserve_login_attempt(&key, &since, &at).await.unwrap() }));
    }
    let mut granted = 0;
    for task in tasks {
        if task.await.unwrap() {
            granted += 1;
        }
    }
    assert_eq!(granted, 4, "concurrent reservations past the limit");
    assert_eq!(store.login_failures_since("login:course|203.0.113.9", &t(50)).await.unwrap(), 4);
}

// ---------------------------------------------------------------- referentiels

const REF_V1: &str = "programme = \"pacte\"\nmesures = 3\n";
const REF_V2: &str = "programme = \"pacte\"\nmesures = 4\n";

async fn audit_of_kind(store: &Store, kind: &str) -> Vec<bilan_store::AuditEntry> {
    store.audit(None, 10_000).await.unwrap().into_iter().filter(|e| e.action == kind).collect()
}

async fn referentiels_seed_save_and_history(store: &Store) {
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    assert_eq!(store.referentiels_revision().await.unwrap(), 0);
    assert!(store.referentiels().await.unwrap().is_empty());

    assert!(store.seed_referentiel("pacte", REF_V1).await.unwrap());
    // Idempotent: a second start-up, even with another built-in text, changes nothing.
    assert!(!store.seed_referentiel("pacte", REF_V2).await.unwrap());
    assert!(store.seed_referentiel("calpae", "programme = \"calpae\"\n").await.unwrap());
    let all = store.referentiels().await.unwrap();
    let names: Vec<_> = all.iter().map(|r| (r.programme.as_str(), r.version)).collect();
    assert_eq!(names, [("calpae", 1), ("pacte", 1)]);
    let pacte = store.referentiel("pacte").await.unwrap().unwrap();
    assert_eq!((pacte.text.as_str(), pacte.updated_by), (REF_V1, None));
    assert_eq!(pacte.updated_at.len(), "2025-01-01T00:00:00Z".len());
    let rev1 = store.referentiels_revision().await.unwrap();
    assert_eq!(audit_of_kind(store, "referentiel.seed").await.len(), 2);

    let v = store.save_referentiel(admin, "pacte", 1, REF_V2, "mesure 4 ajoutée").await.unwrap();
    assert_eq!(v, 2);
    let pacte = store.referentiel("pacte").await.unwrap().unwrap();
    assert_eq!((pacte.version, pacte.text.as_str(), pacte.updated_by), (2, REF_V2, Some(admin)));
    let rev2 = store.referentiels_revision().await.unwrap();
    assert!(rev2 > rev1, "{rev1} → {rev2}");
    let versions = store.referentiel_versions("pacte").await.unwrap();
    let seen: Vec<_> =
        versions.iter().map(|v| (v.version, v.text.as_str(), v.actor_login.as_deref())).collect();
    assert_eq!(seen, [(1, REF_V1, None), (2, REF_V2, Some("admin"))]);
    assert_eq!(store.referentiel_text("pacte", 1).await.unwrap().as_deref(), Some(REF_V1));
    assert_eq!(store.referentiel_text("pacte", 3).await.unwrap(), None);
    // The journal says what changed.
    let saves = audit_of_kind(store, "referentiel.save").await;
    assert_eq!(saves.len(), 1);
    assert_eq!(saves[0].target, "référentiel pacte");
    assert_eq!(saves[0].before.as_deref(), Some("version 1"));
    assert_eq!(saves[0].after.as_deref(), Some("version 2\nmesure 4 ajoutée"));
    assert_eq!(saves[0].actor, Some(admin));

    // The same text again: nothing written, the current version returned.
    let count = audit_count(store).await;
    assert_eq!(store.save_referentiel(admin, "pacte", 2, REF_V2, "rien").await.unwrap(), 2);
    assert_eq!(audit_count(store).await, count);
    assert_eq!(store.referentiels_revision().await.unwrap(), rev2);
    // A summary is required; an unknown programme is not found, unless created (version 0).
    let e = store.save_referentiel(admin, "pacte", 2, REF_V1, "  ").await.unwrap_err();
    assert!(matches!(&e, StoreError::Rejected(m) if m.contains("résumé")), "{e:?}");
    let e = store.save_referentiel(admin, "inconnu", 1, REF_V1, "x").await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    assert_eq!(store.save_referentiel(admin, "nouveau", 0, "n = 1\n", "programme créé").await.unwrap(), 1);
    assert_eq!(store.referentiel_versions("nouveau").await.unwrap().len(), 1);
    assert!(store.referentiels_revision().await.unwrap() > rev2);
    let e = store.seed_referentiel(" ", "x").await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    assert_eq!(audit_count(store).await, count + 1);
}

async fn stale_referentiel_save_conflicts_and_writes_nothing(store: &Store) {
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    store.seed_referentiel("pacte", REF_V1).await.unwrap();
    store.save_referentiel(admin, "pacte", 1, REF_V2, "mesure 4 ajoutée").await.unwrap();
    let count = audit_count(store).await;
    let revision = store.referentiels_revision().await.unwrap();

    let e = store.save_referentiel(admin, "pacte", 1, "autre = 1\n", "autre").await.unwrap_err();
    match e {
        StoreError::Conflict { current_text, current_revision } => {
            assert_eq!((current_text.as_str(), current_revision), (REF_V2, 2));
        }
        e => panic!("{e:?}"),
    }
    // Creating a programme that exists is stale too.
    let e = store.save_referentiel(admin, "pacte", 0, "autre = 1\n", "autre").await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { current_revision: 2, .. }), "{e:?}");

    assert_eq!(audit_count(store).await, count);
    assert_eq!(store.referentiels_revision().await.unwrap(), revision);
    assert_eq!(store.referentiel_versions("pacte").await.unwrap().len(), 2);
    assert_eq!(store.referentiel("pacte").await.unwrap().unwrap().text, REF_V2);
}

async fn referentiel_versions_are_append_only(store: &Store) {
    store.seed_referentiel("pacte", REF_V1).await.unwrap();
    assert!(raw(store, "UPDATE referentiel_versions SET text = 'falsifié'").await.is_err());
    assert!(raw(store, "DELETE FROM referentiel_versions").await.is_err());
    let versions = store.referentiel_versions("pacte").await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].text, REF_V1);
}

async fn concurrent_seeds_insert_once(store: &Store) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move { s.seed_referentiel("pacte", &format!("serveur = {i}\n")).await })
        })
        .collect();
    let mut inserted = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            inserted += 1;
        }
    }
    assert_eq!(inserted, 1);
    assert_eq!(store.referentiel_versions("pacte").await.unwrap().len(), 1);
    assert_eq!(store.referentiel("pacte").await.unwrap().unwrap().version, 1);
    assert_eq!(audit_of_kind(store, "referentiel.seed").await.len(), 1);
    assert!(store.verify_integrity().await.unwrap().is_intact());
}

// ---------------------------------------------------------------- campaigns

fn list(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

fn convention(code: &str, name: &str, territories: &[&str], principal: Option<&str>) -> NewConvention {
    NewConvention {
        collectivite: code.to_owned(),
        name: name.to_owned(),
        territories: list(territories),
        deadline: None,
        report: principal.map(|p| NewReport {
            text: format!("departement = \"{p}\"\n"),
            actions: list(&["1.1", "1.2"]),
            department: p.to_owned(),
        }),
    }
}

fn campaign_2025(conventions: Vec<NewConvention>) -> NewCampaign {
    NewCampaign {
        programme: "pacte".to_owned(),
        year: 2025,
        deadline: "2026-03-31".to_owned(),
        referentiel_version: 1,
        conventions,
    }
}

async fn admin_with_referentiel(store: &Store) -> Id {
    let admin = store.create_user(None, new_user("admin", Role::Admin, None)).await.unwrap();
    store.seed_referentiel("pacte", REF_V1).await.unwrap();
    admin
}

async fn campaign_opening_creates_drafts_and_links_existing_reports(store: &Store) {
    let admin = admin_with_referentiel(store).await;
    let existing = store.create_report(None, "03", 2025, "pacte", "déjà là", &[]).await.unwrap();
    let outside = store.create_report(None, "15", 2024, "pacte", "hors campagne", &[]).await.unwrap();
    let mut cea = convention("CEA", "Collectivité européenne d’Alsace", &["67", "68"], Some("68"));
    cea.deadline = Some("2026-04-15".to_owned());
    let c = campaign_2025(vec![
        convention("03", "Allier", &["03"], Some("03")),
        cea,
        convention("69M", "Métropole de Lyon", &["69"], Some("69")),
        convention("2A", "Corse-du-Sud", &["2A"], None),
    ]);
    let opened = store.open_campaign(admin, &c).await.unwrap();
    let link = |code: &str| opened.conventions.iter().find(|(c, _)| c == code).unwrap().1;
    assert_eq!(link("03"), ReportLink::Linked(existing));
    assert!(matches!(link("CEA"), ReportLink::Created(_)));
    assert!(matches!(link("69M"), ReportLink::Created(_)));
    assert_eq!(link("2A"), ReportLink::None);
    let order: Vec<_> = opened.conventions.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(order, ["03", "CEA", "69M", "2A"]);

    // The draft of the CEA: keyed by its code, covering 68 (principal) and 67.
    let cea_id = link("CEA").id().unwrap();
    let r = get(store, cea_id).await;
    assert_eq!((r.summary.department.as_str(), r.summary.year), ("CEA", 2025));
    assert_eq!(r.summary.territories, ["68", "67"]);
    assert_eq!((r.summary.programme.as_str(), r.summary.status), ("pacte", Status::Draft));
    assert_eq!(r.text, "departement = \"68\"\n");
    assert_eq!(r.action_revisions, revisions(&[("1.1", 1), ("1.2", 1)]));
    assert_eq!(get(store, existing).await.text, "déjà là");

    // Opening it again is a duplicate, and writes nothing.
    let count = audit_count(store).await;
    let e = store.open_campaign(admin, &c).await.unwrap_err();
    assert!(matches!(e, StoreError::Duplicate), "{e:?}");
    assert_eq!(audit_count(store).await, count);
    assert_eq!(store.reports(&ReportFilter::default()).await.unwrap().len(), 4);

    let campaigns = store.campaigns().await.unwrap();
    assert_eq!(campaigns.len(), 1);
    let detail = store.campaign(opened.id).await.unwrap().unwrap();
    assert_eq!(detail.campaign, campaigns[0]);
    assert_eq!(
        (detail.campaign.programme.as_str(), detail.campaign.year, detail.campaign.deadline.as_str()),
        ("pacte", 2025, "2026-03-31")
    );
    assert_eq!((detail.campaign.referentiel_version, detail.campaign.opened_by), (1, Some(admin)));
    let mut codes: Vec<_> = detail.conventions.iter().map(|c| c.collectivite.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["03", "2A", "69M", "CEA"]);
    let conv = |code: &str| detail.conventions.iter().find(|c| c.collectivite == code).unwrap();
    assert_eq!(conv("CEA").territories, ["67", "68"]);
    assert_eq!(conv("CEA").name, "Collectivité européenne d’Alsace");
    assert_eq!(conv("CEA").deadline_in(&detail.campaign), "2026-04-15");
    assert_eq!(conv("03").deadline_in(&detail.campaign), "2026-03-31");
    let report = conv("CEA").report.clone().unwrap();
    assert_eq!(
        (report.id, report.status, report.version, report.transmitted_at),
        (cea_id, Status::Draft, 1, None)
    );
    assert_eq!(conv("03").report.as_ref().map(|r| r.id), Some(existing));
    assert!(conv("2A").report.is_none());
    assert!(store.campaign(9_999).await.unwrap().is_none());

    // The journal: the campaign, each convention, each created report.
    assert_eq!(audit_of_kind(store, "campaign.open").await.len(), 1);
    let convs = audit_of_kind(store, "campaign.convention").await;
    assert_eq!(convs.len(), 4);
    let cea_entry = convs.iter().find(|e| e.report_id == Some(cea_id)).unwrap();
    assert_eq!(cea_entry.target, "campagne pacte 2025 : Collectivité européenne d’Alsace (CEA)");
    assert_eq!(
        cea_entry.after.as_deref(),
        Some("territoires : 67, 68\néchéance : 2026-04-15\nrapport : créé")
    );
    let created: Vec<_> = audit_of_kind(store, "report.create").await.into_iter().map(|e| e.target).collect();
    assert!(created.contains(&"CEA 2025".to_owned()) && created.contains(&"69M 2025".to_owned()));

    // The deadline of a report.
    let rc = store.report_campaign(cea_id).await.unwrap().unwrap();
    assert_eq!(
        (rc.campaign.id, rc.convention.collectivite.as_str(), rc.deadline.as_str()),
        (opened.id, "CEA", "2026-04-15")
    );
    let rc = store.report_campaign(existing).await.unwrap().unwrap();
    assert_eq!(rc.deadline, "2026-03-31");
    assert!(store.report_campaign(outside).await.unwrap().is_none());

    // A convention's own deadline, journaled; unchanged writes nothing.
    store.set_convention_deadline(admin, opened.id, "03", Some("2026-05-02")).await.unwrap();
    assert_eq!(store.report_campaign(existing).await.unwrap().unwrap().deadline, "2026-05-02");
    let count = audit_count(store).await;
    store.set_convention_deadline(admin, opened.id, "03", Some("2026-05-02")).await.unwrap();
    assert_eq!(audit_count(store).await, count);
    store.set_convention_deadline(admin, opened.id, "03", None).await.unwrap();
    assert_eq!(store.report_campaign(existing).await.unwrap().unwrap().deadline, "2026-03-31");
    let changes = audit_of_kind(store, "campaign.deadline").await;
    assert_eq!(changes.len(), 2);
    // Newest first.
    assert_eq!(changes[0].before.as_deref(), Some("2026-05-02"));
    assert_eq!(changes[0].after.as_deref(), Some("2026-03-31 (échéance de la campagne)"));
    assert_eq!(changes[1].report_id, Some(existing));
    assert_eq!(changes[1].target, "campagne pacte 2025 : Allier (03)");
    let e = store.set_convention_deadline(admin, opened.id, "15", Some("2026-05-02")).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    let e = store.set_convention_deadline(admin, opened.id, "03", Some("2026-02-30")).await.unwrap_err();
    assert!(matches!(&e, StoreError::Rejected(m) if m.contains("AAAA-MM-JJ")), "{e:?}");
    assert!(store.verify_integrity().await.unwrap().is_intact());
}

async fn campaign_opening_is_all_or_nothing(store: &Store) {
    let admin = admin_with_referentiel(store).await;
    store.create_report(None, "15", 2025, "calpae", "autre programme", &[]).await.unwrap();
    let count = audit_count(store).await;
    let reports = store.reports(&ReportFilter::default()).await.unwrap();

    let nothing_written = || async {
        assert!(store.campaigns().await.unwrap().is_empty());
        assert_eq!(audit_count(store).await, count);
        assert_eq!(store.reports(&ReportFilter::default()).await.unwrap(), reports);
    };
    let refused = |c: NewCampaign, expected: &'static str| async move {
        match store.open_campaign(admin, &c).await {
            Err(StoreError::Rejected(m)) => assert!(m.contains(expected), "{m}"),
            other => panic!("{expected}: {other:?}"),
        }
    };

    // In the middle: the campaign row, 03's and the CEA's drafts are inserted, then the
    // Cantal's existing report turns out to be of another programme.
    let c = campaign_2025(vec![
        convention("03", "Allier", &["03"], Some("03")),
        convention("CEA", "Collectivité européenne d’Alsace", &["67", "68"], Some("67")),
        convention("15", "Cantal", &["15"], Some("15")),
        convention("43", "Haute-Loire", &["43"], Some("43")),
    ]);
    refused(c, "Le rapport 2025 de Cantal (15) existe déjà, pour le programme calpae.").await;
    nothing_written().await;

    // Checked before anything is written.
    let mut c = campaign_2025(vec![convention("03", "Allier", &["03"], Some("03"))]);
    c.referentiel_version = 2;
    refused(c, "n’a pas de version 2").await;
    let mut c = campaign_2025(vec![convention("03", "Allier", &["03"], Some("03"))]);
    c.deadline = "31/03/2026".to_owned();
    refused(c, "Échéance de la campagne invalide").await;
    refused(campaign_2025(vec![]), "au moins une convention").await;
    let c = campaign_2025(vec![
        convention("03", "Allier", &["03"], Some("03")),
        convention("03", "Allier", &["03"], Some("03")),
    ]);
    refused(c, "figure deux fois").await;
    refused(campaign_2025(vec![convention("CEA", "Alsace", &["67", "68"], Some("69"))]), "principal 69")
        .await;
    refused(campaign_2025(vec![convention("C E A", "Alsace", &["67"], None)]), "invalide").await;
    refused(campaign_2025(vec![convention("CEA", " ", &["67"], None)]), "nom").await;
    refused(campaign_2025(vec![convention("CEA", "Alsace", &[], None)]), "Au moins un département").await;
    let mut conv = convention("03", "Allier", &["03"], None);
    conv.deadline = Some("2026-13-01".to_owned());
    refused(campaign_2025(vec![conv]), "Échéance de 03 invalide").await;
    nothing_written().await;

    // Without the Cantal it opens; the Rhône and the Métropole de Lyon both cover 69.
    let c = campaign_2025(vec![
        convention("03", "Allier", &["03"], Some("03")),
        convention("CEA", "Collectivité européenne d’Alsace", &["67", "68"], Some("67")),
        convention("69", "Rhône", &["69"], Some("69")),
        convention("69M", "Métropole de Lyon", &["69"], Some("69")),
    ]);
    let opened = store.open_campaign(admin, &c).await.unwrap();
    assert!(opened.conventions.iter().all(|(_, l)| matches!(l, ReportLink::Created(_))));
    assert_eq!(store.reports(&ReportFilter::default()).await.unwrap().len(), reports.len() + 4);
}

async fn reports_of_collectivites_are_seen_by_every_territory(store: &Store) {
    let new = |code: &str, territories: &[&str], year: i32| NewCollectiviteReport {
        collectivite: code.to_owned(),
        territories: list(territories),
        year,
        programme: "pacte".to_owned(),
        text: format!("{code} {year}"),
        actions: Vec::new(),
    };
    let cea = store.create_collectivite_report(None, &new("CEA", &["67", "68"], 2021)).await.unwrap();
    let lyon = store.create_collectivite_report(None, &new("69M", &["69"], 2021)).await.unwrap();
    let bas_rhin = store.create_report(None, "67", 2020, "pacte", "67 2020", &[]).await.unwrap();
    let rhone = store.create_report(None, "69", 2021, "pacte", "69 2021", &[]).await.unwrap();

    let ids = |departments: &[&str]| {
        let f = ReportFilter { departments: Some(list(departments)), ..Default::default() };
        async move {
            let mut ids: Vec<Id> = store.reports(&f).await.unwrap().into_iter().map(|s| s.id).collect();
            let with_text: Vec<Id> =
                store.reports_with_text(&f).await.unwrap().into_iter().map(|(s, _)| s.id).collect();
            assert_eq!(ids, with_text);
            ids.sort_unstable();
            ids
        }
    };
    let sorted = |mut v: Vec<Id>| {
        v.sort_unstable();
        v
    };
    assert_eq!(ids(&["67"]).await, sorted(vec![cea, bas_rhin]));
    assert_eq!(ids(&["68"]).await, [cea]);
    assert_eq!(ids(&["69"]).await, sorted(vec![lyon, rhone]));
    assert_eq!(ids(&["CEA"]).await, [cea]);
    assert_eq!(ids(&["6"]).await, Vec::<Id>::new());
    assert_eq!(ids(&["67,68"]).await, Vec::<Id>::new());
    assert_eq!(ids(&["6%"]).await, Vec::<Id>::new());
    assert_eq!(ids(&["_7"]).await, Vec::<Id>::new());
    let f = ReportFilter { departments: Some(list(&["68"])), year: Some(2020), statuses: None };
    assert!(store.reports(&f).await.unwrap().is_empty());

    let summary = store
        .reports(&ReportFilter { departments: Some(list(&["68"])), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(
        (summary[0].department.as_str(), summary[0].territories.clone()),
        ("CEA", list(&["67", "68"]))
    );

    // One report per collectivité and year.
    let e = store.create_collectivite_report(None, &new("CEA", &["67", "68"], 2021)).await.unwrap_err();
    assert!(matches!(e, StoreError::Duplicate), "{e:?}");
    for bad in [
        new("C-A", &["67"], 2022),
        new("CEA", &[], 2022),
        new("CEA", &["67", "67"], 2022),
        new("CEA", &["6 7"], 2022),
    ] {
        let e = store.create_collectivite_report(None, &bad).await.unwrap_err();
        assert!(matches!(e, StoreError::Rejected(_)), "{bad:?}: {e:?}");
    }
    assert_eq!(store.reports(&ReportFilter::default()).await.unwrap().len(), 4);

    // The database itself refuses a malformed list.
    for bad in ["", "67,,68", ",67", "67,", "67 ,68", "6%"] {
        let sql = format!("UPDATE reports SET territories = '{bad}' WHERE id = {cea}");
        assert!(raw(store, &sql).await.is_err(), "{bad:?}");
    }
    assert_eq!(get(store, cea).await.summary.territories, ["67", "68"]);
}

// ---------------------------------------------------------------- attachments (issue 13)

fn piece(action: &str, title: &str, content: &[u8], kept: bool) -> NewAttachment {
    use sha2::{Digest, Sha256};
    let sha256 = Sha256::digest(content).iter().map(|b| format!("{b:02x}")).collect();
    NewAttachment {
        kind: AttachmentKind::Piece,
        action: Some(action.to_owned()),
        title: title.to_owned(),
        file_name: format!("{title}.pdf"),
        media_type: "application/pdf".to_owned(),
        sha256,
        size: content.len() as i64,
        bytes: kept.then(|| content.to_vec()),
    }
}

async fn attachments_are_frozen_at_transmission(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let a = store.add_attachment(ed, id, &piece("1.1", "Facture", b"%PDF-1.4 a %%EOF", true)).await.unwrap();
    // The same content twice is stored once; a piece kept outside has no bytes here.
    let b = store.add_attachment(ed, id, &piece("1.2", "Copie", b"%PDF-1.4 a %%EOF", true)).await.unwrap();
    let c = store.add_attachment(ed, id, &piece("1.2", "Dehors", b"%PDF-1.4 c %%EOF", false)).await.unwrap();
    assert_eq!(raw(store, "UPDATE attachment_blobs SET size = size").await.unwrap(), 2);
    let listed = store.attachments(id).await.unwrap();
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), [a, b, c]);
    assert!(listed.iter().all(|x| x.frozen_version.is_none() && x.uploader_login == "redacteur"));
    let one = &listed[0];
    assert_eq!(
        store.attachment_content(&one.sha256).await.unwrap(),
        Some(Some(b"%PDF-1.4 a %%EOF".to_vec()))
    );
    assert_eq!(store.attachment_content(&listed[2].sha256).await.unwrap(), Some(None));
    assert_eq!(store.attachment_content(&"0".repeat(64)).await.unwrap(), None);
    store.remove_attachment(ed, id, b).await.unwrap();
    assert!(matches!(store.remove_attachment(ed, id, b).await, Err(StoreError::NotFound)));
    let kinds: Vec<String> =
        audit_of_kind(store, "attachment.add").await.iter().map(|e| e.target.clone()).collect();
    assert_eq!(kinds.len(), 3);
    assert_eq!(audit_of_kind(store, "attachment.remove").await.len(), 1);

    // Adoption with the signed deliberation, then transmission: the working set is frozen.
    let mut t = Transition::new(Status::Draft, Status::Adopted, "adoption");
    let mut d = piece("x", "Délibération", b"%PDF-1.7 deliberation %%EOF", true);
    d.kind = AttachmentKind::Deliberation;
    d.action = None;
    t.attachment = Some(d);
    store.transition(ed, id, t, |_, _| Ok(None)).await.unwrap();
    assert!(matches!(
        store.add_attachment(ed, id, &piece("1.1", "Tard", b"late", true)).await,
        Err(StoreError::BadTransition { from: Status::Adopted })
    ));
    store.set_status(ed, id, Status::Adopted, Status::Transmitted, "transmission", None).await.unwrap();
    let all = store.attachments(id).await.unwrap();
    let frozen: Vec<_> = all.iter().filter(|x| x.frozen_version == Some(1)).collect();
    assert_eq!(frozen.len(), 3, "{all:?}");
    assert_eq!(frozen.iter().filter(|x| x.kind == AttachmentKind::Deliberation).count(), 1);
    let status = audit_of_kind(store, "report.status").await;
    assert!(status.iter().any(|e| e
        .after
        .as_deref()
        .unwrap_or("")
        .contains("pièces jointes gelées avec la version 1 : 3")));
    assert!(status.iter().any(|e| e
        .after
        .as_deref()
        .unwrap_or("")
        .contains("délibération signée : Délibération")));
    // Frozen rows never change, whatever the SQL.
    assert!(raw(store, "UPDATE attachments SET title = 'x' WHERE frozen_version IS NOT NULL").await.is_err());
    assert!(raw(store, "DELETE FROM attachments WHERE frozen_version IS NOT NULL").await.is_err());

    // Sent back: the working set changes, version 1's attachments do not.
    store
        .transition(ed, id, Transition::new(Status::Transmitted, Status::SentBack, "renvoi"), |_, _| Ok(None))
        .await
        .unwrap();
    store.remove_attachment(ed, id, a).await.unwrap();
    let frozen_id = frozen[0].id;
    assert!(matches!(store.remove_attachment(ed, id, frozen_id).await, Err(StoreError::NotFound)));
    let after: Vec<_> =
        store.attachments(id).await.unwrap().into_iter().filter(|x| x.frozen_version == Some(1)).collect();
    assert_eq!(after.len(), 3);
    assert!(store.attachment(id, frozen_id).await.unwrap().is_some());
    assert!(store.attachment(id + 1000, frozen_id).await.unwrap().is_none());
}

async fn invalid_attachments_write_nothing(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let before = audit_count(store).await;
    let mut blank = piece("1.1", "x", b"abc", true);
    blank.title = "  ".into();
    let mut no_action = piece("1.1", "x", b"abc", true);
    no_action.action = None;
    let mut bad_sha = piece("1.1", "x", b"abc", true);
    bad_sha.sha256 = "ABC".into();
    let mut bad_size = piece("1.1", "x", b"abc", true);
    bad_size.size = 4;
    for a in [blank, no_action, bad_sha, bad_size] {
        assert!(matches!(store.add_attachment(ed, id, &a).await, Err(StoreError::Rejected(_))), "{a:?}");
    }
    assert!(matches!(
        store.add_attachment(ed, id + 1000, &piece("1.1", "x", b"abc", true)).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(audit_count(store).await, before);
    assert!(store.attachments(id).await.unwrap().is_empty());
    // Back to draft takes the signed deliberation away with the deliberation.
    let mut t = Transition::new(Status::Draft, Status::Adopted, "adoption");
    let mut d = piece("x", "Délibération", b"%PDF-1.7 d %%EOF", true);
    d.kind = AttachmentKind::Deliberation;
    d.action = None;
    t.attachment = Some(d);
    store.transition(ed, id, t, |_, _| Ok(None)).await.unwrap();
    assert_eq!(store.attachments(id).await.unwrap().len(), 1);
    store.set_status(ed, id, Status::Adopted, Status::Draft, "brouillon", None).await.unwrap();
    assert!(store.attachments(id).await.unwrap().is_empty());
}

// ---------------------------------------------------------------- notifications

fn note(user: Id, kind: &str, mail_to: Option<&str>) -> bilan_store::NewNotification {
    bilan_store::NewNotification {
        user,
        kind: kind.to_owned(),
        subject: format!("Objet {kind}"),
        body: "Corps".to_owned(),
        link: "/rapports/1".to_owned(),
        mail: mail_to.map(|to| bilan_store::NewMail {
            to: to.to_owned(),
            subject: format!("Objet {kind}"),
            body: "Corps avec lien".to_owned(),
        }),
    }
}

async fn notifications_are_written_with_their_event(store: &Store) {
    use bilan_store::{MailStatus, Transition};
    let ed = editor(store).await;
    let pref = store.create_user(None, new_user("pref", Role::PrefectureReviewer, Some("03"))).await.unwrap();
    let id = report_03(store).await;
    store.set_status(ed, id, Status::Draft, Status::Adopted, "adoption", None).await.unwrap();
    let audit_before = audit_count(store).await;

    // A refused transition writes no notification.
    let mut t = Transition::new(Status::Adopted, Status::Transmitted, "transmission");
    t.notifications = vec![note(pref, "transmis", Some("pref@example.fr"))];
    let e = store.transition(ed, id, t.clone(), |_, _| Err("bloqué".to_owned())).await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    assert_eq!(store.unread_notifications(pref).await.unwrap(), 0);
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    // Nor one with a bad kind or address: nothing at all is written.
    let mut bad = t.clone();
    bad.notifications.push(note(pref, "inconnu", None));
    assert!(matches!(store.transition(ed, id, bad, |_, _| Ok(None)).await, Err(StoreError::Rejected(_))));
    let mut bad = t.clone();
    bad.notifications.push(note(pref, "transmis", Some("pas une adresse")));
    assert!(matches!(store.transition(ed, id, bad, |_, _| Ok(None)).await, Err(StoreError::Rejected(_))));
    assert_eq!(get(store, id).await.summary.status, Status::Adopted);
    assert_eq!(audit_count(store).await, audit_before);

    // The transition writes them with the status, in the application and in the outbox.
    store.transition(ed, id, t, |_, _| Ok(None)).await.unwrap();
    assert_eq!(store.unread_notifications(pref).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(ed).await.unwrap(), 0);
    let list = store.notifications(pref, 10).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].kind.as_str(), list[0].report, list[0].read_at.as_deref()),
        ("transmis", Some(id), None)
    );
    let outbox = store.outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].recipient.as_str(), outbox[0].status, outbox[0].attempts),
        ("pref@example.fr", MailStatus::Pending, 0)
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
    // The audit chain still verifies: the entry came last.
    assert!(store.verify_integrity().await.unwrap().is_intact());

    // A comment with its notification (in the application only).
    store
        .add_comment_notifying(
            pref,
            id,
            1,
            &CommentTarget::Report,
            "Remarque",
            &[note(ed, "commentaire", None)],
        )
        .await
        .unwrap();
    assert_eq!(store.unread_notifications(ed).await.unwrap(), 1);
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
    // A refused comment writes none.
    let e = store
        .add_comment_notifying(pref, id, 1, &CommentTarget::Report, "  ", &[note(ed, "commentaire", None)])
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    assert_eq!(store.unread_notifications(ed).await.unwrap(), 1);

    // Reading: one, then all; another user's notification is not touched.
    let mine = store.notifications(ed, 10).await.unwrap();
    assert_eq!(store.mark_notifications_read(pref, Some(mine[0].id)).await.unwrap(), 0);
    assert_eq!(store.mark_notifications_read(ed, Some(mine[0].id)).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(ed).await.unwrap(), 0);
    assert!(store.notifications(ed, 10).await.unwrap()[0].read_at.is_some());
    assert_eq!(store.mark_notifications_read(pref, None).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(pref).await.unwrap(), 0);
}

async fn outbox_claims_are_exclusive_and_sent_once(store: &Store) {
    use bilan_store::{MailStatus, Transition};
    let ed = editor(store).await;
    let pref = store.create_user(None, new_user("pref", Role::PrefectureReviewer, Some("03"))).await.unwrap();
    let id = report_03(store).await;
    store.set_status(ed, id, Status::Draft, Status::Adopted, "adoption", None).await.unwrap();
    let mut t = Transition::new(Status::Adopted, Status::Transmitted, "transmission");
    t.notifications = (0..5).map(|i| note(pref, "transmis", Some(&format!("p{i}@example.fr")))).collect();
    store.transition(ed, id, t, |_, _| Ok(None)).await.unwrap();

    let now = time::now();
    let later = time::now_plus(Duration::from_secs(300));
    // Two senders claiming at once never get the same row.
    let (a, b) =
        tokio::join!(store.claim_mails("a", &now, &later, 3), store.claim_mails("b", &now, &later, 3));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 5, "{a:?} {b:?}");
    let mut ids: Vec<Id> = a.iter().chain(b.iter()).map(|m| m.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    // Leased: nothing left to claim.
    assert!(store.claim_mails("c", &now, &later, 10).await.unwrap().is_empty());

    // Only the holder of the lease marks a row; a row is marked sent once.
    let first = &a[0];
    assert!(!store.mark_mail_sent(first.id, "b", &now).await.unwrap());
    assert!(store.mark_mail_sent(first.id, "a", &now).await.unwrap());
    assert!(!store.mark_mail_sent(first.id, "a", &now).await.unwrap());
    // A failure puts the next attempt later; a give-up is final.
    let second = &a[1];
    let retry = time::now_plus(Duration::from_secs(60));
    assert!(store.mark_mail_failed(second.id, "a", "connexion refusée", Some(&retry)).await.unwrap());
    if let Some(third) = a.get(2) {
        assert!(store.mark_mail_failed(third.id, "a", "refusé", None).await.unwrap());
    }
    // Not due yet: a claim now does not take the retried row; once due, it does.
    let claimed: Vec<Id> =
        store.claim_mails("c", &now, &later, 10).await.unwrap().iter().map(|m| m.id).collect();
    assert!(!claimed.contains(&second.id));
    let after_retry = time::now_plus(Duration::from_secs(120));
    let due =
        store.claim_mails("c", &after_retry, &time::now_plus(Duration::from_secs(600)), 10).await.unwrap();
    let retried = due.iter().find(|m| m.id == second.id).expect("row due again");
    assert_eq!(retried.attempts, 1);
    // An expired lease can be taken over: the old holder can no longer mark it.
    let far = time::now_plus(Duration::from_secs(900));
    let taken = store.claim_mails("d", &far, &time::now_plus(Duration::from_secs(1200)), 10).await.unwrap();
    for m in &b {
        assert!(taken.iter().any(|t| t.id == m.id), "expired lease of {} not taken over", m.id);
        assert!(!store.mark_mail_sent(m.id, "b", &now).await.unwrap());
        assert!(store.mark_mail_sent(m.id, "d", &now).await.unwrap());
    }
    let outbox = store.outbox(10).await.unwrap();
    let status_of = |id: Id| outbox.iter().find(|m| m.id == id).unwrap().status;
    assert_eq!(status_of(first.id), MailStatus::Sent);
    assert!(outbox.iter().find(|m| m.id == first.id).unwrap().sent_at.is_some());
    if let Some(third) = a.get(2) {
        assert_eq!(status_of(third.id), MailStatus::Failed);
        assert_eq!(outbox.iter().find(|m| m.id == third.id).unwrap().last_error.as_deref(), Some("refusé"));
    }
}

async fn reminders_are_recorded_once(store: &Store) {
    let ed = editor(store).await;
    let id = report_03(store).await;
    let audit_before = audit_count(store).await;
    let notes = [note(ed, "rappel", Some("ed@example.fr"))];
    assert!(store.record_reminder(id, "j30", "2026-03-31", &notes).await.unwrap());
    // Again, or from two servers at once: nothing more.
    assert!(!store.record_reminder(id, "j30", "2026-03-31", &notes).await.unwrap());
    let (x, y) = tokio::join!(
        store.record_reminder(id, "j7", "2026-03-31", &notes),
        store.record_reminder(id, "j7", "2026-03-31", &notes)
    );
    assert!(x.unwrap() ^ y.unwrap(), "exactly one of two concurrent reminders is written");
    // A new deadline is a new series.
    assert!(store.record_reminder(id, "j30", "2026-06-30", &notes).await.unwrap());
    assert_eq!(store.unread_notifications(ed).await.unwrap(), 3);
    assert_eq!(store.outbox_depth().await.unwrap(), 3);
    assert_eq!(audit_count(store).await, audit_before + 3);
    assert_eq!(audit_of_kind(store, "reminder.add").await.len(), 3);
    // Refused: unknown kind, bad date, unknown report; nothing written.
    for (kind, date) in [("j15", "2026-03-31"), ("j1", "31/03/2026")] {
        let e = store.record_reminder(id, kind, date, &notes).await.unwrap_err();
        assert!(matches!(e, StoreError::Rejected(_)), "{kind} {date}: {e:?}");
    }
    let e = store.record_reminder(9999, "j1", "2026-03-31", &notes).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    assert_eq!(store.unread_notifications(ed).await.unwrap(), 3);
}

async fn email_opt_outs_round_trip(store: &Store) {
    let ed = editor(store).await;
    assert!(store.email_opt_outs(ed).await.unwrap().is_empty());
    let kinds = vec!["rappel".to_owned(), "commentaire".to_owned()];
    store.set_email_opt_outs(ed, ed, &kinds).await.unwrap();
    assert_eq!(store.email_opt_outs(ed).await.unwrap(), ["commentaire", "rappel"]);
    let journal = audit_of_kind(store, "user.notifications").await;
    assert_eq!(journal.len(), 1);
    // Unchanged: nothing journaled.
    store.set_email_opt_outs(ed, ed, &kinds).await.unwrap();
    assert_eq!(audit_of_kind(store, "user.notifications").await.len(), 1);
    let e = store.set_email_opt_outs(ed, ed, &["autre".to_owned()]).await.unwrap_err();
    assert!(matches!(e, StoreError::Rejected(_)), "{e:?}");
    assert!(matches!(store.set_email_opt_outs(ed, 9999, &[]).await, Err(StoreError::NotFound)));
    store.set_email_opt_outs(ed, ed, &[]).await.unwrap();
    assert!(store.email_opt_outs(ed).await.unwrap().is_empty());
}

contract!(
    year_version_changes_with_every_write_of_the_year,
    notifications_are_written_with_their_event,
    outbox_claims_are_exclusive_and_sent_once,
    reminders_are_recorded_once,
    email_opt_outs_round_trip,
    referentiels_seed_save_and_history,
    stale_referentiel_save_conflicts_and_writes_nothing,
    referentiel_versions_are_append_only,
    concurrent_seeds_insert_once,
    campaign_opening_creates_drafts_and_links_existing_reports,
    campaign_opening_is_all_or_nothing,
    reports_of_collectivites_are_seen_by_every_territory,
    users_crud,
    user_email_set_found_and_unique,
    oidc_pending_logins_are_used_once_and_bounded,
    oidc_sign_in_binds_by_email_then_by_subject,
    duplicate_login,
    sessions,
    api_tokens_lifecycle,
    reports_create_list_filter,
    update_action_happy_path,
    report_revision_follows_every_write,
    whole_edit_bumps_every_action_and_syncs_the_list,
    stale_action_revision_conflicts_and_writes_nothing,
    concurrent_edits_of_two_actions_are_both_kept,
    same_action_race_has_exactly_one_winner,
    rejected_edit_writes_nothing,
    status_workflow_freezes_and_versions,
    status_transitions_refused,
    edits_refused_unless_draft_or_sent_back,
    justifications_upsert_and_delete,
    audit_records_every_write,
    frozen_versions_and_audit_are_append_only,
    login_failure_counters,
    login_attempts_are_reserved_atomically,
    comments_on_every_target_round_trip,
    invalid_comments_are_rejected_and_write_nothing,
    credit_decisions_upsert_and_delete,
    credit_writes_need_a_transmitted_or_approved_report,
    reports_with_text_respects_the_filter,
    sending_back_and_reopening_need_a_reason,
    figures_are_written_with_the_report_and_replaced_on_edit,
    figures_are_filled_in_for_reports_written_without_them,
    attachments_are_frozen_at_transmission,
    invalid_attachments_write_nothing,
);

#[tokio::test]
async fn unknown_url_scheme_is_refused() {
    let e = Store::connect("mysql://localhost/bilan").await.unwrap_err();
    assert!(matches!(e, StoreError::Database(sqlx::Error::Configuration(_))), "{e:?}");
    assert_eq!(e.to_string(), "erreur de base de données");
}

//! Accounts: argon2id passwords (hashed a few at a time), random secrets, signing in with
//! rate limiting, the administrator's account management and a user's own password change.
//! Every change is audited by the store. No HTML, no axum.

use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use bilan_domain::geo;
use bilan_store::time as stime;
use bilan_store::{Id, NewUser, Role, Store, StoreError, User};

use crate::error::AppError;
use crate::policy::access;

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// How long a session lasts.
pub const SESSION_HOURS: u64 = 10;
/// Failed logins allowed for one login from one client address within [`WINDOW`].
pub const MAX_FAILURES: i64 = 5;
/// Failed logins allowed from one client address, whatever the login, within [`WINDOW`].
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Password hashes computed at once (each argon2id run takes 19 MiB and a core).
const HASHES_AT_ONCE: usize = 4;
/// How long a login waits for a free hashing slot before being told to retry.
const HASH_WAIT: Duration = Duration::from_secs(10);

// ---- Secrets

/// The bound on concurrent argon2 runs, shared by logins and password changes.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHES_AT_ONCE);
    &SLOTS
}

/// Runs an argon2 computation on the blocking pool once a slot is free; `None` when no
/// slot freed up in time (the server is flooded) or the task failed.
pub async fn bounded_hash<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let permit = tokio::time::timeout(HASH_WAIT, hashing_slots().acquire()).await.ok()?.ok()?;
    let result = tokio::task::spawn_blocking(f).await.ok();
    drop(permit);
    result
}

/// Hashes a password with argon2id (PHC string, random 16-byte salt).
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    if getrandom::fill(&mut salt).is_err() {
        // No randomness: refuse to produce a weak hash; this one never verifies.
        return "!indisponible".to_string();
    }
    let Ok(salt) = SaltString::encode_b64(&salt) else { return "!indisponible".to_string() };
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_else(|_| "!indisponible".to_string())
}

/// Checks a password against a PHC string; false on any malformed hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login is unknown, so that timing does not tell.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("mot de passe factice pour égaliser les temps"))
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Without an OS random source no session can be created safely: an empty token is
        // refused everywhere.
        return String::new();
    }
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

// ---- Signing in and out

/// How a login attempt ended (other than an internal error).
pub enum SignIn {
    /// Signed in: the new session's token (for the cookie; only its hash is stored).
    Session(String),
    /// Wrong login or password, or a deactivated account (counted as a failure).
    Refused,
    /// Too many failures for this login from this address, or from this address.
    TooManyAttempts,
    /// No hashing slot freed up in time: nothing was checked nor counted.
    Busy,
}

/// Checks a login and password from client address `ip` and opens a session. Failures
/// count per (login, address) and per address, never per login alone: a stranger's wrong
/// passwords cannot lock the real user out from their own address. `old_session` (the
/// token of the browser's previous session, if any) is closed on success.
pub async fn sign_in(
    store: &Store,
    login: &str,
    password: &str,
    ip: &str,
    old_session: Option<&str>,
) -> Result<SignIn, AppError> {
    let pair_key = format!("login:{}|ip:{ip}", login.to_lowercase());
    let ip_key = format!("ip:{ip}");
    let now = stime::now();
    let since = stime::now_minus(WINDOW);
    // The attempt is counted before the password is checked, atomically: parallel
    // guesses cannot all slip in before the first failure is written.
    let limits = [(pair_key.as_str(), MAX_FAILURES), (ip_key.as_str(), MAX_FAILURES_PER_ADDRESS)];
    if !store.reserve_login_attempt(&limits, &since, &now).await.map_err(AppError::internal)? {
        return Ok(SignIn::TooManyAttempts);
    }
    let user = store.user_by_login(login).await.map_err(AppError::internal)?;
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let pw = password.to_string();
    let Some(verified) = bounded_hash(move || verify_password(&pw, &hash)).await else {
        // Not checked: the attempt is given back.
        let _ = store.forget_login_attempt(&pair_key, &now).await;
        let _ = store.forget_login_attempt(&ip_key, &now).await;
        return Ok(SignIn::Busy);
    };
    let user = match user {
        Some(u) if verified && u.active && !login.is_empty() && !password.is_empty() => u,
        // The failure is already recorded by the reservation.
        _ => return Ok(SignIn::Refused),
    };
    // A success clears this login's failures from this address and gives back the
    // address's reserved attempt (an office behind one address logs in all day).
    let _ = store.clear_login_failures(&pair_key).await;
    let _ = store.forget_login_attempt(&ip_key, &now).await;
    if let Some(old) = old_session {
        let _ = store.delete_session(&sha256_hex(old)).await;
    }
    let session = random_token();
    let csrf = random_token();
    if session.is_empty() || csrf.is_empty() {
        return Err(AppError::internal("source d'aléa indisponible"));
    }
    let expires = stime::now_plus(Duration::from_secs(SESSION_HOURS * 3600));
    store
        .create_session(&sha256_hex(&session), user.id, &csrf, &expires)
        .await
        .map_err(AppError::internal)?;
    Ok(SignIn::Session(session))
}

/// Closes the session whose cookie is `token`; the ID token it was opened with, when it
/// was opened through ProConnect (the provider's logout asks for it).
pub async fn sign_out(store: &Store, token: &str) -> Result<Option<String>, AppError> {
    let hash = sha256_hex(token);
    let id_token = store.session_id_token(&hash).await.map_err(AppError::internal)?;
    store.delete_session(&hash).await.map_err(AppError::internal)?;
    Ok(id_token)
}

// ---- The administrator's accounts

/// Checks a new account's fields; the French problems otherwise.
pub fn validate_account(
    login: &str,
    name: &str,
    password: &str,
    role: Option<Role>,
    territory: &str,
) -> Result<(Role, Option<String>), Vec<String>> {
    let mut problems = Vec::new();
    if login.is_empty()
        || login.len() > 64
        || !login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        problems.push("identifiant : de 1 à 64 caractères parmi lettres sans accent, chiffres, « . », « - », « _ », « @ »".to_string());
    }
    if name.trim().is_empty() || name.chars().count() > 200 {
        problems.push("nom affiché : obligatoire, 200 caractères au plus".to_string());
    }
    if password.chars().count() < MIN_PASSWORD {
        problems.push(format!("mot de passe : {MIN_PASSWORD} caractères au moins"));
    }
    let Some(role) = role else {
        problems.push("rôle : choisissez un rôle de la liste".to_string());
        return Err(problems);
    };
    let territory = territory.trim();
    let territory = match access::territory_kind(role) {
        // A Département's accounts belong to the signatory collectivité: a Département, or
        // the Métropole de Lyon (69M), the Collectivité de Corse (20R), the CEA (6AE)…
        Some(true) if role != Role::PrefectureReviewer => match bilan_domain::collectivite::code(territory) {
            Some(code) => Some(code.to_string()),
            None => {
                problems.push(
                    "territoire : code de la collectivité attendu (code INSEE de département, par exemple 03, 2A, 974, ou 69M, 20R, 6AE)".to_string(),
                );
                None
            }
        },
        Some(true) => match geo::department(territory) {
            Some(d) => Some(d.code.to_string()),
            None => {
                problems.push(
                    "territoire : code INSEE de département attendu (par exemple 03, 2A, 974)".to_string(),
                );
                None
            }
        },
        Some(false) => match geo::region(territory) {
            Some(r) => Some(r.code.to_string()),
            None => {
                problems.push("territoire : code INSEE de région attendu (par exemple 84)".to_string());
                None
            }
        },
        None => None,
    };
    if problems.is_empty() {
        Ok((role, territory))
    } else {
        Err(problems)
    }
}

/// A new account as the administrator typed it.
pub struct NewAccount {
    pub login: String,
    pub name: String,
    pub password: String,
    /// `None`: not a role of the list.
    pub role: Option<Role>,
    pub territory: String,
    /// The address as typed (empty: none).
    pub email: String,
}

/// Why an account change was not made (what the form shows again).
pub enum AccountProblem {
    /// The fields' problems, in French.
    Invalid(Vec<String>),
    /// The login is already taken.
    Duplicate,
    /// A password shorter than [`MIN_PASSWORD`].
    ShortPassword,
    /// No hashing slot freed up in time.
    Busy,
}

/// Creates an account on behalf of `actor`.
pub async fn create_account(
    store: &Store,
    actor: Id,
    account: NewAccount,
) -> Result<Result<(), AccountProblem>, AppError> {
    let NewAccount { login, name, password, role, territory, email } = account;
    let checked = validate_account(&login, &name, &password, role, &territory);
    let email = match super::notifications::typed_address(&email) {
        Ok(Some(address)) => {
            let taken = store.user_by_email(&address).await?.is_some();
            if taken {
                Err(format!("adresse électronique : « {address} » est déjà celle d’un autre compte"))
            } else {
                Ok(Some(address))
            }
        }
        Ok(None) => Ok(None),
        Err(problem) => Err(format!("adresse électronique : {}", problem.message())),
    };
    let (role, territory, email) = match (checked, email) {
        (Ok((role, territory)), Ok(email)) => (role, territory, email),
        (checked, email) => {
            let mut problems = checked.err().unwrap_or_default();
            problems.extend(email.err());
            return Ok(Err(AccountProblem::Invalid(problems)));
        }
    };
    let Some(hash) = bounded_hash(move || hash_password(&password)).await else {
        return Ok(Err(AccountProblem::Busy));
    };
    let new = NewUser { login, display_name: name, password_hash: hash, role, territory, email };
    match store.create_user(Some(actor), new).await {
        Ok(_) => Ok(Ok(())),
        Err(StoreError::Duplicate) => Ok(Err(AccountProblem::Duplicate)),
        Err(e) => Err(e.into()),
    }
}

/// Activates or deactivates account `uid`; never one's own (404, as an unknown action).
pub async fn set_active(store: &Store, actor: Id, uid: Id, active: bool) -> Result<(), AppError> {
    if uid == actor {
        return Err(AppError::NotFound);
    }
    Ok(store.set_user_active(actor, uid, active).await?)
}

/// Gives account `uid` a new password (the administrator's reset).
pub async fn reset_password(
    store: &Store,
    actor: Id,
    uid: Id,
    password: String,
) -> Result<Result<(), AccountProblem>, AppError> {
    if password.chars().count() < MIN_PASSWORD {
        return Ok(Err(AccountProblem::ShortPassword));
    }
    let Some(hash) = bounded_hash(move || hash_password(&password)).await else {
        return Ok(Err(AccountProblem::Busy));
    };
    store.set_password_hash(Some(actor), uid, &hash).await?;
    Ok(Ok(()))
}

// ---- One's own password

/// Why one's own password was not changed.
pub enum PasswordProblem {
    TooShort,
    Mismatch,
    WrongCurrent,
    Busy,
}

impl PasswordProblem {
    /// The French sentence the form shows.
    pub fn message(&self) -> String {
        match self {
            PasswordProblem::TooShort => {
                format!("Le nouveau mot de passe doit compter {MIN_PASSWORD} caractères au moins.")
            }
            PasswordProblem::Mismatch => {
                "La confirmation ne correspond pas au nouveau mot de passe.".to_string()
            }
            PasswordProblem::WrongCurrent => "Le mot de passe actuel est incorrect.".to_string(),
            PasswordProblem::Busy => "Le service est saturé : réessayez dans une minute.".to_string(),
        }
    }
}

/// Changes `user`'s own password: the current one is asked again (a session left open must
/// not be enough to take the account over), and every session but `keep_session` (the
/// token of the current one) is closed.
pub async fn change_own_password(
    store: &Store,
    user: &User,
    current: String,
    new: String,
    confirmation: &str,
    keep_session: Option<&str>,
) -> Result<Result<(), PasswordProblem>, AppError> {
    if new.chars().count() < MIN_PASSWORD {
        return Ok(Err(PasswordProblem::TooShort));
    }
    if new != confirmation {
        return Ok(Err(PasswordProblem::Mismatch));
    }
    let stored = user.password_hash.clone();
    let checked = bounded_hash(move || verify_password(&current, &stored).then(|| hash_password(&new))).await;
    let hash = match checked {
        None => return Ok(Err(PasswordProblem::Busy)),
        Some(None) => return Ok(Err(PasswordProblem::WrongCurrent)),
        Some(Some(h)) if h.starts_with('!') => return Err(AppError::internal("source d'aléa indisponible")),
        Some(Some(h)) => h,
    };
    let keep = keep_session.map(sha256_hex).unwrap_or_default();
    store.change_own_password(user.id, &hash, &keep).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let h = hash_password("demo-bilan-2026");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("demo-bilan-2026", &h));
        assert!(!verify_password("demo-bilan-2027", &h));
        assert!(!verify_password("x", "pas un hash"));
    }

    #[test]
    fn secrets() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn accounts() {
        let ok = validate_account(
            "agent.03",
            "Agent",
            "un mot de passe long",
            Some(Role::DepartmentEditor),
            " 03 ",
        );
        assert_eq!(ok, Ok((Role::DepartmentEditor, Some("03".to_string()))));
        let ok =
            validate_account("lecteur", "Lecteur", "un mot de passe long", Some(Role::NationalReader), "");
        assert_eq!(ok, Ok((Role::NationalReader, None)));
        let problems = validate_account("é", "", "court", None, "").unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_hashes_run_a_few_at_a_time() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..(HASHES_AT_ONCE * 4) {
            let (running, peak) = (running.clone(), peak.clone());
            tasks.push(tokio::spawn(bounded_hash(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
            })));
        }
        for t in tasks {
            assert!(t.await.unwrap().is_some());
        }
        assert!(peak.load(Ordering::SeqCst) <= HASHES_AT_ONCE, "{peak:?}");
        assert!(peak.load(Ordering::SeqCst) >= 2, "they do run in parallel");
    }
}

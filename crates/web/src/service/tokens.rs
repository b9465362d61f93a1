//! Tokens of the read-only API (`/api/v1`). A token is `bilan_` followed by 32 random bytes
//! in hex; only its SHA-256 is stored, so it exists in clear only when it is issued.

use bilan_store::{ApiToken, Id, Store, StoreError};

use crate::service::accounts::{random_token, sha256_hex};

/// What every API token starts with (recognisable in logs and by secret scanners).
pub const TOKEN_PREFIX: &str = "bilan_";
/// The longest token name.
pub const MAX_NAME: usize = 100;
/// How long a token lives unless its owner chooses otherwise.
pub const DEFAULT_DAYS: u32 = 365;
/// The longest a token may live.
pub const MAX_DAYS: u32 = 730;
/// The validity periods a user may choose on the page (days, label).
pub const DURATIONS: [(u32, &str); 4] = [(30, "30 jours"), (90, "90 jours"), (180, "6 mois"), (365, "1 an")];

/// A new token and the hash to store; `None` without an OS random source.
pub fn new_token() -> Option<(String, String)> {
    let random = random_token();
    if random.is_empty() {
        return None;
    }
    let token = format!("{TOKEN_PREFIX}{random}");
    let hash = sha256_hex(&token);
    Some((token, hash))
}

/// Whether a text has the shape of a token (checked before any database read).
pub fn well_formed(token: &str) -> bool {
    token
        .strip_prefix(TOKEN_PREFIX)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// Why a token name is refused (French), if it is.
pub fn name_problem(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        Some("Donnez un nom au jeton (par exemple « tableau de bord régional »).".to_string())
    } else if name.chars().count() > MAX_NAME {
        Some(format!("Le nom du jeton ne doit pas dépasser {MAX_NAME} caractères."))
    } else {
        None
    }
}

/// The validity chosen on the page: absent or empty is the default; otherwise one of
/// [`DURATIONS`], `None` for anything else.
pub fn chosen_days(field: Option<&str>) -> Option<u32> {
    match field {
        None | Some("") => Some(DEFAULT_DAYS),
        Some(d) => d.parse::<u32>().ok().filter(|d| DURATIONS.iter().any(|(x, _)| x == d)),
    }
}

/// Creates a token for account `user` (on behalf of `actor`) and returns it: the only
/// moment it exists in clear. `Rejected` with a French message when the name is refused
/// or no random source is available.
pub async fn issue(store: &Store, actor: Id, user: Id, name: &str, days: u32) -> Result<String, StoreError> {
    if let Some(problem) = name_problem(name) {
        return Err(StoreError::Rejected(problem));
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(StoreError::Rejected(format!(
            "La durée de validité d’un jeton va de 1 à {MAX_DAYS} jours."
        )));
    }
    let Some((token, hash)) = new_token() else {
        return Err(StoreError::Rejected("Source d’aléa indisponible : aucun jeton n’a été créé.".into()));
    };
    let expires = bilan_store::time::now_plus(std::time::Duration::from_secs(u64::from(days) * 86_400));
    store.create_api_token(actor, user, name.trim(), &hash, &expires).await?;
    Ok(token)
}

/// Whether a token still opens the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Expired,
    /// Revoked at this stored time.
    Revoked(String),
}

/// A token of the list with its state.
pub struct Listed {
    pub token: ApiToken,
    pub state: TokenState,
}

/// The state of a token at `now` (a stored time): a revocation wins over an expiry.
pub fn state(t: &ApiToken, now: &str) -> TokenState {
    match &t.revoked_at {
        Some(at) => TokenState::Revoked(at.clone()),
        None if t.expires_at.as_deref().is_some_and(|at| at <= now) => TokenState::Expired,
        None => TokenState::Active,
    }
}

/// The tokens of account `user`, with their states.
pub async fn list(store: &Store, user: Id) -> Result<Vec<Listed>, StoreError> {
    let now = bilan_store::time::now();
    let tokens = store.api_tokens(user).await?;
    Ok(tokens.into_iter().map(|token| Listed { state: state(&token, &now), token }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape() {
        let (token, hash) = new_token().unwrap();
        assert!(well_formed(&token), "{token}");
        assert_eq!(token.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(hash, sha256_hex(&token));
        assert!(!well_formed("bilan_"));
        assert!(!well_formed(&token.to_uppercase()));
        assert!(!well_formed(&token[1..]));
        assert_ne!(new_token().unwrap().0, token);
    }

    #[test]
    fn names() {
        assert!(name_problem("  ").is_some());
        assert!(name_problem("tableau de bord").is_none());
        assert!(name_problem(&"x".repeat(MAX_NAME + 1)).is_some());
    }

    #[test]
    fn durations() {
        assert_eq!(chosen_days(None), Some(DEFAULT_DAYS));
        assert_eq!(chosen_days(Some("")), Some(DEFAULT_DAYS));
        assert_eq!(chosen_days(Some("90")), Some(90));
        assert_eq!(chosen_days(Some("91")), None);
        assert_eq!(chosen_days(Some("x")), None);
    }
}

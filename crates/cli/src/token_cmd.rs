//! `bilan jeton`: creates a token of the read-only API (`/api/v1`) for an existing account
//! and prints it on standard output, alone on its line (scripts capture it); the French
//! explanation goes to standard error. The token is never stored in clear: it cannot be
//! shown again.

use bilan_store::{Role, Store};

pub struct Options {
    database: String,
    login: String,
    name: String,
    days: u32,
}

pub fn parse(args: &[String]) -> Result<Options, String> {
    let (mut database, mut login, mut name) = ("sqlite://bilan.sqlite".to_string(), None, None);
    let mut days = bilan_web::DEFAULT_TOKEN_DAYS;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |n: &str| it.next().cloned().ok_or(format!("{n} attend une valeur"));
        match a.as_str() {
            "--database" | "--base" => database = value(a)?,
            "--login" | "--identifiant" => login = Some(value(a)?),
            "--nom" | "--name" => name = Some(value(a)?),
            "--duree" | "--durée" | "--days" => {
                let v = value(a)?;
                let max = bilan_web::MAX_TOKEN_DAYS;
                days = v
                    .parse()
                    .ok()
                    .filter(|d| (1..=max).contains(d))
                    .ok_or(format!("--duree : « {v} » n'est pas un nombre de jours entre 1 et {max}"))?;
            }
            other => return Err(format!("argument « {other} » inconnu")),
        }
    }
    let login = login.ok_or("--login est obligatoire (le compte à qui donner un jeton)")?;
    let name = name.ok_or("--nom est obligatoire (à quoi servira le jeton)")?;
    if let Some(problem) = bilan_web::api_token_name_problem(&name) {
        return Err(problem);
    }
    Ok(Options { database, login, name, days })
}

fn fail(m: &str) -> i32 {
    eprintln!("bilan jeton : {m}");
    2
}

pub fn run(o: Options) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&format!("démarrage impossible ({e})")),
    };
    rt.block_on(async {
        let store = match Store::connect(&o.database).await {
            Ok(s) => s,
            Err(e) => return fail(&format!("base {} : {e}", o.database)),
        };
        let user = match store.user_by_login(&o.login).await {
            Ok(Some(u)) => u,
            Ok(None) => return fail(&format!("aucun compte « {} » dans {}", o.login, o.database)),
            Err(e) => return fail(&e.to_string()),
        };
        if user.role == Role::Admin {
            return fail("le compte administrateur n'a pas accès à l'API de consultation : aucun jeton créé");
        }
        if !user.active {
            return fail(&format!("le compte « {} » est désactivé : aucun jeton créé", o.login));
        }
        match bilan_web::issue_api_token(&store, user.id, user.id, &o.name, o.days).await {
            Ok(token) => {
                crate::write_stdout(&format!("{token}\n"));
                eprintln!(
                    "Jeton « {} » créé pour « {} », valable {} jours : conservez-le, il ne sera plus affiché \
                     (en-tête « Authorization: Bearer … » sur /api/v1).",
                    o.name.trim(),
                    o.login,
                    o.days
                );
                0
            }
            Err(e) => fail(&e.to_string()),
        }
    })
}

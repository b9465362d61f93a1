//! `bilan jeton`: creates a token of the read-only API (`/api/v1`) for an existing account
//! and prints it on standard output, alone on its line (scripts capture it); the French
//! explanation goes to standard error. The token is never stored in clear: it cannot be
//! shown again.

use bilan_store::{Role, Store};

use crate::args::JetonArgs;

/// The command line's options, with the checks clap cannot make.
struct Options {
    database: String,
    login: String,
    name: String,
    days: u32,
}

fn options(a: JetonArgs) -> Result<Options, String> {
    if let Some(problem) = bilan_web::api_token_name_problem(&a.name) {
        return Err(problem);
    }
    Ok(Options {
        database: a.base.url("jeton"),
        login: a.login,
        name: a.name,
        days: a.days.unwrap_or(bilan_web::DEFAULT_TOKEN_DAYS),
    })
}

fn fail(m: &str) -> i32 {
    eprintln!("bilan jeton : {m}");
    2
}

pub fn run(a: JetonArgs) -> i32 {
    let o = match options(a) {
        Ok(o) => o,
        Err(m) => return crate::usage_error("jeton", &m),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&format!("démarrage impossible ({e})")),
    };
    rt.block_on(async {
        let store = match Store::connect(&o.database).await {
            Ok(s) => s,
            Err(e) => return fail(&format!("base {} : {e}", crate::serve_cmd::redact(&o.database))),
        };
        let user = match store.user_by_login(&o.login).await {
            Ok(Some(u)) => u,
            Ok(None) => {
                return fail(&format!(
                    "aucun compte « {} » dans {}",
                    o.login,
                    crate::serve_cmd::redact(&o.database)
                ))
            }
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

//! `bilan servir`, `bilan demo` and `bilan compte ajouter`: the web application and its accounts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use bilan_store::{NewUser, Role, Store};

use crate::args::{AjouterArgs, DemoArgs, LogFormat, ServirArgs};
use crate::config::Settings;

/// Where the DSFR design system lands after `npm ci`.
const DSFR_DIR: &str = "node_modules/@gouvfr/dsfr/dist";

/// What `servir` and `demo` need to start the application.
struct ServeOptions {
    settings: Settings,
    seed_only: bool,
    national: bool,
    /// `--facteur`: the synthetic dataset's actions repeated this many times.
    factor: usize,
}

fn assets_dir(o: &ServeOptions) -> Option<PathBuf> {
    o.settings.assets.clone().or_else(|| {
        let p = PathBuf::from(DSFR_DIR);
        p.join("dsfr.min.css").exists().then_some(p)
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("démarrage impossible ({e})"))
}

fn fail(cmd: &str, m: &str) -> i32 {
    eprintln!("bilan {cmd} : {m}");
    2
}

/// Serves until Ctrl-C or SIGTERM; prints the URL once the port is bound.
async fn serve(
    store: Store,
    o: &ServeOptions,
    referentiel: bilan_domain::Referentiel,
    banner: &str,
) -> Result<(), String> {
    let s = &o.settings;
    let listener = tokio::net::TcpListener::bind(s.addr)
        .await
        .map_err(|e| format!("impossible d'écouter sur {} ({e})", s.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // ProConnect: the provider must answer, consistently, before the server starts.
    let oidc = match &s.oidc {
        Some(c) => {
            let base = s.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
            let config = bilan_web::OidcConfig {
                issuer: c.issuer.clone(),
                client_id: c.client_id.clone(),
                client_secret: c.client_secret.clone(),
                redirect_uri: format!("{base}/connexion/proconnect/retour"),
                post_logout_redirect_uri: format!("{base}/connexion"),
            };
            let provider = bilan_web::Oidc::discover(config).await?;
            tracing::info!(emetteur = %provider.issuer(), "connexion ProConnect activée");
            Some(std::sync::Arc::new(provider))
        }
        None => None,
    };
    let assets = assets_dir(o);
    let options = bilan_web::AppOptions {
        secure_cookies: s.secure_cookies,
        assets_dir: assets.clone(),
        trusted_proxies: s.trusted_proxies.clone(),
        referentiel: std::sync::Arc::new(referentiel),
        metrics_token: s.metrics_token.clone(),
        shutdown_grace: s.shutdown_grace,
        files_dir: s.files_dir.clone(),
        smtp: s.smtp.clone(),
        public_url: s.public_url.clone().unwrap_or_else(|| format!("http://{addr}")),
        oidc,
        ..bilan_web::AppOptions::default()
    };
    crate::write_stdout(&format!("{banner}bilan est prêt : http://{addr}/\n"));
    if assets.is_none() {
        eprintln!(
            "bilan : système de design de l'État absent ({DSFR_DIR}) : lancez `npm ci` pour le style DSFR"
        );
    }
    tracing::info!(adresse = %addr, base = %redact(&s.database), "bilan est prêt");
    bilan_web::serve_listener(listener, store, options).await.map_err(|e| e.to_string())
}

/// A database URL for a message or a log: its password replaced by `***`.
pub fn redact(url: &str) -> String {
    if !crate::config::url_has_password(url) {
        return url.to_string();
    }
    let Some((scheme, rest)) = url.split_once("://") else { return "***".into() };
    let (authority, tail) = rest.find(['/', '?']).map_or((rest, ""), |i| rest.split_at(i));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => format!("{}:***@{host}", user.split(':').next().unwrap_or("")),
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> =
                query
                    .split('&')
                    .map(|kv| {
                        if kv.starts_with("password=") {
                            "password=***".to_string()
                        } else {
                            kv.to_string()
                        }
                    })
                    .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

pub fn run_serve(a: ServirArgs) -> i32 {
    let resolved = match crate::config::resolve(&a, &|name| std::env::var(name).ok()) {
        Ok(r) => r,
        Err(m) => return fail("servir", &m),
    };
    for w in &resolved.warnings {
        eprintln!("bilan servir : {w}");
    }
    let o = ServeOptions { settings: resolved.settings, seed_only: false, national: false, factor: 1 };
    crate::config::init_logging(o.settings.log_format, tracing::Level::INFO);
    let url = o.settings.database.clone();
    // The reference data is checked before anything starts: a broken file stops here.
    let referentiel = match crate::referentiel(o.settings.referentiels.as_deref(), "servir") {
        Ok(r) => r.into_owned(),
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("servir", &m),
    };
    rt.block_on(async {
        let store = match Store::connect(&url).await {
            Ok(s) => s,
            Err(e) => return fail("servir", &format!("base {} : {e}", redact(&url))),
        };
        let result = serve(store.clone(), &o, referentiel, "").await;
        // After a graceful shutdown: in-flight requests are done; close cleanly.
        store.close().await;
        match result {
            Ok(()) => 0,
            Err(m) => fail("servir", &m),
        }
    })
}

/// `demo`'s settings: its flags and the defaults (no environment, no file: a
/// demonstration never picks up a production database from the environment).
fn demo_settings(a: &DemoArgs) -> Result<Settings, String> {
    let w = &a.web;
    let smtp = match &w.smtp {
        Some(url) => {
            let from = w.sender.clone().unwrap_or_else(|| DEMO_SENDER.to_string());
            let config = bilan_web::SmtpConfig { url: url.clone(), password: None, from };
            config.check().map_err(|m| format!("--smtp : {m}"))?;
            Some(config)
        }
        None => None,
    };
    let public_url = match &w.public_url {
        Some(u) => Some(crate::config::check_public_url(u).map_err(|m| format!("--url-publique : {m}"))?),
        None => None,
    };
    Ok(Settings {
        database: a.database.clone(),
        addr: w.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        secure_cookies: w.secure_cookies,
        assets: w.assets.clone(),
        trusted_proxies: w.trusted_proxies.clone(),
        referentiels: w.referentiels.clone(),
        log_format: w.journal.unwrap_or(LogFormat::Text),
        shutdown_grace: w.shutdown_grace.map_or(bilan_web::DEFAULT_SHUTDOWN_GRACE, Duration::from_secs),
        metrics_token: None,
        files_dir: w.files_dir.clone(),
        smtp,
        public_url,
        oidc: None,
    })
}

/// The demonstration's sender when `--smtp` is given without `--expediteur`.
const DEMO_SENDER: &str = "ne-pas-repondre@demo.bilan.example";

pub fn run_demo(a: DemoArgs) -> i32 {
    // The demonstration logs requests only when asked (`--journal`): warnings otherwise.
    let level = if a.web.journal.is_some() { tracing::Level::INFO } else { tracing::Level::WARN };
    let settings = match demo_settings(&a) {
        Ok(s) => s,
        Err(m) => return crate::usage_error("demo", &m),
    };
    let o = ServeOptions {
        settings,
        seed_only: a.seed_only,
        national: a.national,
        factor: usize::from(a.factor),
    };
    crate::config::init_logging(o.settings.log_format, level);
    let url = o.settings.database.clone();
    let referentiel = match crate::referentiel(o.settings.referentiels.as_deref(), "demo") {
        Ok(r) => r.into_owned(),
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("demo", &m),
    };
    rt.block_on(async {
        let store = match Store::connect(&url).await {
            Ok(s) => s,
            Err(e) => return fail("demo", &format!("base {} : {e}", redact(&url))),
        };
        if let Err(e) = bilan_web::seed_referentiels(&store, &referentiel).await {
            return fail("demo", &e.to_string());
        }
        let accounts = match bilan_web::demo::seed(&store).await {
            Ok(a) => a,
            Err(e) => return fail("demo", &e.to_string()),
        };
        let mut banner = format!("Données de démonstration dans {url}.\n");
        if o.national {
            match bilan_web::demo::seed_national_scaled(&store, &referentiel, o.factor).await {
                Ok(n) => {
                    banner.push_str(&format!(
                        "Jeu national synthétique : {n} rapports ajoutés (un par collectivité signataire de chaque année — \
                         Départements, Métropole de Lyon, Corse, Collectivité européenne d’Alsace —, CALPAE 2019–2022, \
                         Pacte 2024–2025).\n"
                    ));
                    if o.factor > 1 {
                        banner.push_str(&format!("Chaque action y est répétée {} fois.\n", o.factor));
                    }
                }
                Err(e) => return fail("demo", &e.to_string()),
            }
        }
        banner.push_str(&format!("Comptes (mot de passe « {} ») :\n", bilan_web::demo::DEMO_PASSWORD));
        for a in &accounts {
            banner.push_str(&format!("  {:<22} {} – {}\n", a.login, a.role_label, a.territory_label));
        }
        if o.seed_only {
            // Closing checkpoints SQLite's WAL into the file: a copy of the file alone
            // (a backup by hand, a test) then holds everything.
            store.close().await;
            crate::write_stdout(&banner);
            return 0;
        }
        let result = serve(store.clone(), &o, referentiel, &banner).await;
        store.close().await;
        match result {
            Ok(()) => 0,
            Err(m) => fail("demo", &m),
        }
    })
}

/// `compte ajouter`'s options, with the territory its role asks for.
struct UserOptions {
    login: String,
    role: Role,
    territory: Option<String>,
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    database: String,
}

fn user_options(a: AjouterArgs) -> Result<UserOptions, String> {
    // Territory: a département for département and préfecture roles, a region otherwise.
    let territory = match a.role {
        Role::DepartmentEditor | Role::DepartmentSignatory => {
            let t = a.territory.ok_or("ce rôle demande --territoire CODE_COLLECTIVITÉ (ex. 03, 69M)")?;
            let code = bilan_domain::collectivite::code(&t).ok_or(format!(
                "« {t} » n'est pas un code de collectivité (code INSEE de département, ou 69M, 20R, 6AE)"
            ))?;
            Some(code.to_string())
        }
        Role::PrefectureReviewer => {
            let t = a.territory.ok_or("ce rôle demande --territoire CODE_DÉPARTEMENT (ex. 03)")?;
            Some(bilan_domain::DepartmentCode::parse(&t)?.as_str().to_string())
        }
        Role::RegionalReviewer => {
            let t = a.territory.ok_or("ce rôle demande --territoire CODE_RÉGION (ex. 84)")?;
            bilan_domain::geo::region(&t).ok_or(format!("« {t} » n'est pas un code de région INSEE"))?;
            Some(t)
        }
        Role::NationalReader | Role::Admin => None,
    };
    if let Some(email) = &a.email {
        bilan_store::check_email(email).map_err(|e| e.to_string())?;
    }
    Ok(UserOptions {
        login: a.login,
        role: a.role,
        territory,
        name: a.name,
        email: a.email,
        password: a.password,
        database: a.base.url("compte"),
    })
}

pub fn run_user(a: AjouterArgs) -> i32 {
    let o = match user_options(a) {
        Ok(o) => o,
        Err(m) => return crate::usage_error("compte ajouter", &m),
    };
    if o.password.is_some() {
        eprintln!(
            "bilan compte : attention : --mot-de-passe est visible de tous les utilisateurs de cette machine \
             (ps, /proc) ; préférez la variable BILAN_PASSWORD, ou la saisie"
        );
    }
    let password = match o.password.clone().or_else(|| std::env::var("BILAN_PASSWORD").ok()) {
        Some(p) => p,
        None => {
            eprint!("Mot de passe pour {} : ", o.login);
            let mut line = String::new();
            if std::io::stdin().read_line(&mut line).is_err() {
                return fail("compte", "lecture du mot de passe impossible");
            }
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    if password.chars().count() < 12 {
        return fail("compte", "mot de passe trop court : 12 caractères au moins");
    }
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("compte", &m),
    };
    rt.block_on(async {
        let store = match Store::connect(&o.database).await {
            Ok(s) => s,
            Err(e) => return fail("compte", &format!("base {} : {e}", redact(&o.database))),
        };
        let user = NewUser {
            display_name: o.name.clone().unwrap_or_else(|| o.login.clone()),
            login: o.login.clone(),
            password_hash: bilan_web::hash_password(&password),
            role: o.role,
            territory: o.territory.clone(),
            email: o.email.clone(),
        };
        match store.create_user(None, user).await {
            Ok(id) => {
                crate::write_stdout(&format!("compte « {} » créé (n° {id}, rôle {})\n", o.login, o.role));
                0
            }
            Err(bilan_store::StoreError::Duplicate) => {
                fail("compte", &format!("l'identifiant « {} » existe déjà", o.login))
            }
            Err(e) => fail("compte", &e.to_string()),
        }
    })
}

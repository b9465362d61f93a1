//! The settings of `bilan servir`: command line, environment, configuration file, defaults,
//! in that order of precedence (the first that gives an option wins; a list is taken whole
//! from one source, never merged).
//!
//! Every option has its environment variable (`BILAN_…`, table in `ENV`) and its key in the
//! TOML file (`--config FICHIER`, example `docs/bilan.example.toml`). Secrets — the database
//! URL, which holds the PostgreSQL password, and the metrics token — are read from the
//! environment or the file; the URL as a flag still works but `ps` shows it to every user
//! of the machine, so a flag holding a password gets a warning, and the metrics token has
//! no flag at all. Secrets to come (the SMTP password, the OIDC client secret) go the same
//! way: a key of the file in their own table (`[smtp] mot_de_passe`, `[oidc]
//! secret_client`), a variable (`BILAN_SMTP_MOT_DE_PASSE`, `BILAN_OIDC_SECRET_CLIENT`), no
//! flag, and their key name in `SECRET_KEYS` for the file-permission warning.
//!
//! A file that cannot be read, is not TOML, has an unknown key or a wrong value stops the
//! server with a French message naming the file, line and column (exit 2).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::args::{self, LogFormat, ServirArgs, DEFAULT_DATABASE};

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The environment variables, by option (README, « En production »).
pub const ENV: &[(&str, &str)] = &[
    ("base", "BILAN_DATABASE_URL"),
    ("adresse", "BILAN_ADRESSE"),
    ("cookies_securises", "BILAN_COOKIES_SECURISES"),
    ("proxies_de_confiance", "BILAN_PROXIES_DE_CONFIANCE"),
    ("ressources", "BILAN_RESSOURCES"),
    ("referentiels", "BILAN_REFERENTIELS"),
    ("journal", "BILAN_JOURNAL"),
    ("delai_arret", "BILAN_DELAI_ARRET"),
    ("metriques.jeton", "BILAN_METRIQUES_JETON"),
    ("fichiers", "BILAN_FICHIERS"),
    ("url_publique", "BILAN_URL_PUBLIQUE"),
    ("smtp.url", "BILAN_SMTP_URL"),
    ("smtp.expediteur", "BILAN_SMTP_EXPEDITEUR"),
    ("smtp.mot_de_passe", "BILAN_SMTP_MOT_DE_PASSE"),
    ("oidc.emetteur", "BILAN_OIDC_EMETTEUR"),
    ("oidc.identifiant_client", "BILAN_OIDC_IDENTIFIANT_CLIENT"),
    ("oidc.secret_client", "BILAN_OIDC_SECRET_CLIENT"),
];

/// Keys of the file that hold a secret.
const SECRET_KEYS: &[&str] = &["base", "metriques.jeton", "smtp.mot_de_passe", "oidc.secret_client"];

fn env_name(key: &str) -> &'static str {
    ENV.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).unwrap_or("BILAN_?")
}

/// The configuration file as written (French keys, every key optional).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    base: Option<Spanned<String>>,
    adresse: Option<Spanned<String>>,
    cookies_securises: Option<bool>,
    proxies_de_confiance: Option<Vec<Spanned<String>>>,
    ressources: Option<String>,
    referentiels: Option<String>,
    journal: Option<Spanned<String>>,
    delai_arret: Option<Spanned<i64>>,
    url_publique: Option<Spanned<String>>,
    metriques: Option<MetricsConfig>,
    fichiers: Option<String>,
    smtp: Option<SmtpFileConfig>,
    oidc: Option<OidcFile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SmtpFileConfig {
    url: Option<Spanned<String>>,
    expediteur: Option<Spanned<String>>,
    mot_de_passe: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MetricsConfig {
    jeton: Option<Spanned<String>>,
}

/// `[oidc]`: ProConnect sign-in.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OidcFile {
    emetteur: Option<Spanned<String>>,
    identifiant_client: Option<Spanned<String>>,
    secret_client: Option<Spanned<String>>,
}

/// ProConnect sign-in, resolved (the provider is asked at start, `serve_cmd`).
#[derive(Clone, PartialEq)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish()
    }
}

/// Everything `servir` starts with, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub database: String,
    pub addr: SocketAddr,
    pub secure_cookies: bool,
    pub assets: Option<PathBuf>,
    pub trusted_proxies: Vec<IpAddr>,
    pub referentiels: Option<String>,
    pub log_format: LogFormat,
    pub shutdown_grace: Duration,
    pub metrics_token: Option<String>,
    /// Where attached files are kept; `None`: in the database.
    pub files_dir: Option<PathBuf>,
    /// Where e-mails go (`None`: they stay in the outbox).
    pub smtp: Option<bilan_web::SmtpConfig>,
    /// The start of the e-mails' links (`None`: `http://` and the listening address).
    pub public_url: Option<String>,
    pub oidc: Option<OidcSettings>,
}

/// The settings, and the warnings to print (French) before starting.
pub struct Resolved {
    pub settings: Settings,
    pub warnings: Vec<String>,
}

/// A configuration file's error: `FILE, ligne L, colonne C : message`.
fn located(file: &Path, text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> String {
    match span {
        Some(span) => {
            let (line, column) = bilan_source::LineIndex::new(text).line_col(text, span.start);
            format!("configuration {}, ligne {line}, colonne {column} : {message}", file.display())
        }
        None => format!("configuration {} : {message}", file.display()),
    }
}

/// Reads and checks the file's syntax and keys.
fn read_file(path: &Path) -> Result<(FileConfig, String), String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "fichier introuvable".to_string(),
            std::io::ErrorKind::PermissionDenied => "lecture refusée (droits insuffisants)".to_string(),
            std::io::ErrorKind::InvalidData => "le fichier n'est pas du texte UTF-8".to_string(),
            _ => format!("lecture impossible ({e})"),
        };
        format!("configuration {} : {why}", path.display())
    })?;
    let file: FileConfig = toml::from_str(&text)
        .map_err(|e| located(path, &text, e.span(), &bilan_source::translate_toml_message(e.message())))?;
    Ok((file, text))
}

/// Whether a database URL carries a password (`postgres://user:secret@host/…`, or a
/// `password=` parameter).
pub fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let userinfo = authority.rsplit_once('@').map(|(u, _)| u);
    userinfo.is_some_and(|u| u.contains(':'))
        || url.split_once('?').is_some_and(|(_, q)| q.split('&').any(|kv| kv.starts_with("password=")))
}

/// The warning for a secret given as a flag.
pub fn flag_secret_warning(flag: &str, variable: &str) -> String {
    format!(
        "attention : {flag} contient un mot de passe, visible de tous les utilisateurs de cette machine \
         (ps, /proc) ; donnez-le plutôt par la variable d'environnement {variable} ou par le fichier de \
         configuration (--config)"
    )
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "1" | "true" | "oui" | "vrai" | "yes" | "on" => Some(true),
        "0" | "false" | "non" | "faux" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// `servir`'s settings from its flags, `env` (the process's environment in `main`) and the
/// file `--config` names. `Err` is the French message of a refusal (exit 2).
pub fn resolve(a: &ServirArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, String> {
    let mut warnings = Vec::new();
    let (file, text, path) = match &a.config {
        Some(p) => {
            let (f, t) = read_file(p)?;
            (f, t, p.clone())
        }
        None => (FileConfig::default(), String::new(), PathBuf::new()),
    };
    let at = |span: std::ops::Range<usize>, m: String| located(&path, &text, Some(span), &m);
    let var = |key: &str| -> Option<(String, &'static str)> {
        let name = env_name(key);
        env(name).filter(|v| !v.trim().is_empty()).map(|v| (v, name))
    };
    let bad_var = |name: &str, m: String| format!("variable {name} : {m}");

    // The database.
    if let Some(url) = &a.database {
        if url_has_password(url) {
            warnings.push(flag_secret_warning("--base", env_name("base")));
        }
    }
    let database = a
        .database
        .clone()
        .or_else(|| var("base").map(|(v, _)| v))
        .or_else(|| file.base.as_ref().map(|b| b.get_ref().clone()))
        .unwrap_or_else(|| DEFAULT_DATABASE.to_string());

    let addr = match (a.web.addr, var("adresse"), &file.adresse) {
        (Some(addr), _, _) => addr,
        (None, Some((v, name)), _) => args::parse_socket(&v).map_err(|m| bad_var(name, m))?,
        (None, None, Some(s)) => args::parse_socket(s.get_ref()).map_err(|m| at(s.span(), m))?,
        (None, None, None) => DEFAULT_ADDR.parse().map_err(|_| "adresse par défaut invalide".to_string())?,
    };

    let secure_cookies = if a.web.secure_cookies {
        true
    } else if let Some((v, name)) = var("cookies_securises") {
        parse_bool(&v).ok_or_else(|| {
            bad_var(name, format!("« {v} » n'est ni vrai (1, true, oui) ni faux (0, false, non)"))
        })?
    } else {
        file.cookies_securises.unwrap_or(false)
    };

    let trusted_proxies = if !a.web.trusted_proxies.is_empty() {
        a.web.trusted_proxies.clone()
    } else if let Some((v, name)) = var("proxies_de_confiance") {
        v.split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| args::parse_ip(s).map_err(|m| bad_var(name, m)))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        file.proxies_de_confiance
            .iter()
            .flatten()
            .map(|s| args::parse_ip(s.get_ref()).map_err(|m| at(s.span(), m)))
            .collect::<Result<Vec<_>, _>>()?
    };

    let assets = a
        .web
        .assets
        .clone()
        .or_else(|| var("ressources").map(|(v, _)| PathBuf::from(v)))
        .or_else(|| file.ressources.clone().map(PathBuf::from));
    let referentiels = a
        .web
        .referentiels
        .clone()
        .or_else(|| var("referentiels").map(|(v, _)| v))
        .or_else(|| file.referentiels.clone());

    let log_format = match (a.web.journal, var("journal"), &file.journal) {
        (Some(f), _, _) => f,
        (None, Some((v, name)), _) => args::parse_log_format(&v).map_err(|m| bad_var(name, m))?,
        (None, None, Some(s)) => args::parse_log_format(s.get_ref()).map_err(|m| at(s.span(), m))?,
        (None, None, None) => LogFormat::Text,
    };

    let grace = match (a.web.shutdown_grace, var("delai_arret"), &file.delai_arret) {
        (Some(n), _, _) => n,
        (None, Some((v, name)), _) => args::parse_seconds(&v).map_err(|m| bad_var(name, m))?,
        (None, None, Some(n)) => {
            args::parse_seconds(&n.get_ref().to_string()).map_err(|m| at(n.span(), m))?
        }
        (None, None, None) => bilan_web::DEFAULT_SHUTDOWN_GRACE.as_secs(),
    };

    let file_token = file.metriques.as_ref().and_then(|m| m.jeton.as_ref());
    let metrics_token = match (var("metriques.jeton"), file_token) {
        (Some((v, name)), _) => Some(check_token(v.trim()).map_err(|m| bad_var(name, m))?),
        (None, Some(t)) => Some(check_token(t.get_ref()).map_err(|m| at(t.span(), m))?),
        (None, None) => None,
    };

    let files_dir = a
        .web
        .files_dir
        .clone()
        .or_else(|| var("fichiers").map(|(v, _)| PathBuf::from(v)))
        .or_else(|| file.fichiers.clone().map(PathBuf::from));
    // E-mails: the URL and the sender from a flag, the environment or the file; the
    // password from the environment or the file only.
    let smtp_file = file.smtp.as_ref();
    let from_file = |get: fn(&SmtpFileConfig) -> Option<&Spanned<String>>| smtp_file.and_then(get);
    let smtp_url = match (&a.web.smtp, var("smtp.url"), from_file(|s| s.url.as_ref())) {
        (Some(u), _, _) => Some((u.clone(), None)),
        (None, Some((v, name)), _) => Some((v, Some(Err(name)))),
        (None, None, Some(u)) => Some((u.get_ref().clone(), Some(Ok(u.span())))),
        (None, None, None) => None,
    };
    let sender = match (&a.web.sender, var("smtp.expediteur"), from_file(|s| s.expediteur.as_ref())) {
        (Some(f), _, _) => Some(f.clone()),
        (None, Some((v, _)), _) => Some(v),
        (None, None, Some(f)) => Some(f.get_ref().clone()),
        (None, None, None) => None,
    };
    let password = var("smtp.mot_de_passe")
        .map(|(v, _)| v)
        .or_else(|| from_file(|s| s.mot_de_passe.as_ref()).map(|p| p.get_ref().clone()));
    let smtp = match smtp_url {
        None => None,
        Some((url, origin)) => {
            let Some(from) = sender else {
                return Err(
                    "l'envoi des courriels (--smtp) demande l'adresse d'expédition : --expediteur ADRESSE, \
                     BILAN_SMTP_EXPEDITEUR ou [smtp] expediteur"
                        .to_string(),
                );
            };
            let config = bilan_web::SmtpConfig { url, password, from };
            config.check().map_err(|m| match &origin {
                None => format!("--smtp : {m}"),
                Some(Err(name)) => bad_var(name, m),
                Some(Ok(span)) => at(span.clone(), m),
            })?;
            Some(config)
        }
    };

    let public_url = match (&a.web.public_url, var("url_publique"), &file.url_publique) {
        (Some(u), _, _) => Some(check_public_url(u).map_err(|m| format!("--url-publique : {m}"))?),
        (None, Some((v, name)), _) => Some(check_public_url(&v).map_err(|m| bad_var(name, m))?),
        (None, None, Some(u)) => Some(check_public_url(u.get_ref()).map_err(|m| at(u.span(), m))?),
        (None, None, None) => None,
    };

    // ProConnect: the issuer and client id as any option; the secret never as a flag.
    let oidc_file = file.oidc.as_ref();
    let pick = |flag: &Option<String>, key: &str, from_file: Option<&Spanned<String>>| -> Option<String> {
        flag.clone()
            .or_else(|| var(key).map(|(v, _)| v))
            .or_else(|| from_file.map(|v| v.get_ref().clone()))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let issuer = pick(&a.oidc_issuer, "oidc.emetteur", oidc_file.and_then(|o| o.emetteur.as_ref()));
    let client_id = pick(
        &a.oidc_client_id,
        "oidc.identifiant_client",
        oidc_file.and_then(|o| o.identifiant_client.as_ref()),
    );
    let client_secret = pick(&None, "oidc.secret_client", oidc_file.and_then(|o| o.secret_client.as_ref()));
    let oidc = match (issuer, client_id, client_secret) {
        (None, None, None) => None,
        (Some(issuer), Some(client_id), Some(client_secret)) => {
            Some(OidcSettings { issuer, client_id, client_secret })
        }
        (None, _, _) => {
            return Err("ProConnect : identifiant ou secret client donné sans émetteur (--oidc-emetteur, \
                        BILAN_OIDC_EMETTEUR ou clé emetteur de [oidc])"
                .into())
        }
        (Some(_), None, _) => {
            return Err("ProConnect : identifiant client manquant (--oidc-identifiant-client, \
                        BILAN_OIDC_IDENTIFIANT_CLIENT ou clé identifiant_client de [oidc])"
                .into())
        }
        (Some(_), Some(_), None) => {
            return Err("ProConnect : secret client manquant (variable BILAN_OIDC_SECRET_CLIENT ou clé \
                        secret_client de [oidc] ; jamais en option)"
                .into())
        }
    };

    if a.config.is_some() {
        if let Some(w) = readable_by_all(&path, &file) {
            warnings.push(w);
        }
    }
    Ok(Resolved {
        settings: Settings {
            database,
            addr,
            secure_cookies,
            assets,
            trusted_proxies,
            referentiels,
            log_format,
            shutdown_grace: Duration::from_secs(grace),
            metrics_token,
            files_dir,
            smtp,
            public_url,
            oidc,
        },
        warnings,
    })
}

/// The application's public address: `http://` or `https://` and a host, no query.
pub fn check_public_url(u: &str) -> Result<String, String> {
    let u = u.trim().trim_end_matches('/');
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.contains(['?', '#', ' ']) => Ok(u.to_string()),
        _ => Err(format!(
            "« {u} » n'est pas une adresse http:// ou https:// (exemple : https://bilan.departement.fr)"
        )),
    }
}

/// A metrics token long enough not to be guessed.
fn check_token(t: &str) -> Result<String, String> {
    if t.chars().count() < 16 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("le jeton des métriques doit compter au moins 16 caractères, sans espace".into());
    }
    Ok(t.to_string())
}

/// A warning when the file holds a secret and every user of the machine may read it.
fn readable_by_all(path: &Path, file: &FileConfig) -> Option<String> {
    let holds: Vec<&str> = SECRET_KEYS
        .iter()
        .copied()
        .filter(|k| match *k {
            "base" => file.base.as_ref().is_some_and(|b| url_has_password(b.get_ref())),
            "metriques.jeton" => file.metriques.as_ref().is_some_and(|m| m.jeton.is_some()),
            "smtp.mot_de_passe" => file.smtp.as_ref().is_some_and(|s| s.mot_de_passe.is_some()),
            "oidc.secret_client" => file.oidc.as_ref().is_some_and(|o| o.secret_client.is_some()),
            _ => false,
        })
        .collect();
    if holds.is_empty() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o004 != 0).then(|| {
            format!(
                "attention : {} contient un secret ({}) et tout utilisateur de cette machine peut le lire ; \
                 restreignez ses droits (chmod 640, groupe du service)",
                path.display(),
                holds.join(", ")
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Installs the log subscriber: text or JSON lines on standard error, without colours.
/// `default` is the level when `BILAN_JOURNAL_FILTRE` does not say (e.g. `debug`, or
/// `info,sqlx=warn`: targets as tracing-subscriber's `Targets` reads them).
pub fn init_logging(format: LogFormat, default: tracing::Level) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let filter = std::env::var("BILAN_JOURNAL_FILTRE")
        .ok()
        .and_then(|f| f.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(default));
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false);
    let layer = match format {
        LogFormat::Text => layer.boxed(),
        LogFormat::Json => {
            layer.json().flatten_event(true).with_current_span(false).with_span_list(false).boxed()
        }
    };
    let _ = tracing_subscriber::registry().with(layer.with_filter(filter)).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(argv: &[&str]) -> ServirArgs {
        let mut full = vec!["bilan", "servir"];
        full.extend_from_slice(argv);
        match args::parse(full.iter().map(|s| s.to_string()).collect()) {
            Ok(cli) => match cli.command {
                args::Commande::Servir(a) => a,
                _ => panic!("servir attendu"),
            },
            Err(code) => panic!("ligne de commande refusée ({code})"),
        }
    }

    fn file(text: &str) -> tempfile_path::Path {
        tempfile_path::write(text)
    }

    /// A temporary file removed on drop (no dev-dependency for this alone).
    mod tempfile_path {
        pub struct Path(pub std::path::PathBuf);
        impl Drop for Path {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
        pub fn write(text: &str) -> Path {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let p = std::env::temp_dir().join(format!(
                "bilan-config-{}-{}.toml",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&p, text).unwrap();
            // As an operator would leave a file holding secrets.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            Path(p)
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_files_directory_is_flag_then_environment_then_file() {
        let f = file("fichiers = \"/srv/bilan/fichier\"\n");
        let path = f.0.to_str().unwrap();
        let r = resolve(&args(&["--config", path]), &no_env).unwrap();
        assert_eq!(r.settings.files_dir, Some(PathBuf::from("/srv/bilan/fichier")));
        let env = |k: &str| (k == "BILAN_FICHIERS").then(|| "/srv/bilan/env".to_string());
        let r = resolve(&args(&["--config", path]), &env).unwrap();
        assert_eq!(r.settings.files_dir, Some(PathBuf::from("/srv/bilan/env")));
        let r = resolve(&args(&["--config", path, "--fichiers", "/srv/bilan/option"]), &env).unwrap();
        assert_eq!(r.settings.files_dir, Some(PathBuf::from("/srv/bilan/option")));
        assert_eq!(
            resolve(&args(&[]), &no_env).unwrap().settings.files_dir,
            None,
            "in the database by default"
        );
    }

    #[test]
    fn precedence_is_flag_then_environment_then_file_then_default() {
        let f = file(
            "base = \"postgres://bilan@db/fichier\"\nadresse = \"127.0.0.1:9001\"\njournal = \"json\"\n\
             proxies_de_confiance = [\"10.0.0.1\"]\ndelai_arret = 12\n[metriques]\njeton = \"jeton-du-fichier-0123\"\n",
        );
        let path = f.0.to_str().unwrap();
        // File only.
        let r = resolve(&args(&["--config", path]), &no_env).unwrap();
        assert_eq!(r.settings.database, "postgres://bilan@db/fichier");
        assert_eq!(r.settings.addr, "127.0.0.1:9001".parse().unwrap());
        assert_eq!(r.settings.log_format, LogFormat::Json);
        assert_eq!(r.settings.trusted_proxies, vec!["10.0.0.1".parse::<IpAddr>().unwrap()]);
        assert_eq!(r.settings.shutdown_grace, Duration::from_secs(12));
        assert_eq!(r.settings.metrics_token.as_deref(), Some("jeton-du-fichier-0123"));
        assert!(!r.settings.secure_cookies);
        // The environment over the file.
        let env = |k: &str| match k {
            "BILAN_DATABASE_URL" => Some("postgres://bilan@db/env".to_string()),
            "BILAN_ADRESSE" => Some("127.0.0.1:9002".to_string()),
            "BILAN_COOKIES_SECURISES" => Some("oui".to_string()),
            "BILAN_PROXIES_DE_CONFIANCE" => Some("10.0.0.2, 10.0.0.3".to_string()),
            "BILAN_METRIQUES_JETON" => Some("jeton-de-l-environnement".to_string()),
            _ => None,
        };
        let r = resolve(&args(&["--config", path]), &env).unwrap();
        assert_eq!(r.settings.database, "postgres://bilan@db/env");
        assert_eq!(r.settings.addr, "127.0.0.1:9002".parse().unwrap());
        assert!(r.settings.secure_cookies);
        assert_eq!(r.settings.trusted_proxies.len(), 2);
        assert_eq!(r.settings.metrics_token.as_deref(), Some("jeton-de-l-environnement"));
        assert_eq!(r.settings.log_format, LogFormat::Json, "from the file still");
        // Flags over both.
        let r = resolve(
            &args(&[
                "--config",
                path,
                "--base",
                "sqlite://drapeau.sqlite",
                "--adresse",
                "127.0.0.1:9003",
                "--journal",
                "texte",
                "--trusted-proxy",
                "10.0.0.4",
                "--delai-arret",
                "5",
            ]),
            &env,
        )
        .unwrap();
        assert_eq!(r.settings.database, "sqlite://drapeau.sqlite");
        assert_eq!(r.settings.addr, "127.0.0.1:9003".parse().unwrap());
        assert_eq!(r.settings.log_format, LogFormat::Text);
        assert_eq!(r.settings.trusted_proxies, vec!["10.0.0.4".parse::<IpAddr>().unwrap()]);
        assert_eq!(r.settings.shutdown_grace, Duration::from_secs(5));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        // Defaults.
        let r = resolve(&args(&[]), &no_env).unwrap();
        assert_eq!(r.settings.database, DEFAULT_DATABASE);
        assert_eq!(r.settings.addr, DEFAULT_ADDR.parse().unwrap());
        assert_eq!(r.settings.shutdown_grace, bilan_web::DEFAULT_SHUTDOWN_GRACE);
        assert_eq!(r.settings.metrics_token, None);
    }

    #[test]
    fn proconnect_settings_come_from_flags_environment_or_file_and_the_secret_never_from_a_flag() {
        let f = file(
            "url_publique = \"https://bilan.exemple.gouv.fr/\"\n[oidc]\nemetteur = \"https://fichier.example/api/v2\"\n\
             identifiant_client = \"client-fichier\"\nsecret_client = \"secret-du-fichier\"\n",
        );
        let path = f.0.to_str().unwrap();
        let r = resolve(&args(&["--config", path]), &no_env).unwrap();
        let o = r.settings.oidc.clone().unwrap();
        assert_eq!(
            (o.issuer.as_str(), o.client_id.as_str(), o.client_secret.as_str()),
            ("https://fichier.example/api/v2", "client-fichier", "secret-du-fichier")
        );
        assert_eq!(r.settings.public_url.as_deref(), Some("https://bilan.exemple.gouv.fr"));
        assert!(!format!("{o:?}").contains("secret-du-fichier"));
        let env = |k: &str| match k {
            "BILAN_OIDC_EMETTEUR" => Some("https://env.example".to_string()),
            "BILAN_OIDC_SECRET_CLIENT" => Some("secret-de-l-environnement".to_string()),
            "BILAN_URL_PUBLIQUE" => Some("http://127.0.0.1:9000".to_string()),
            _ => None,
        };
        let r = resolve(&args(&["--config", path, "--oidc-client-id", "client-drapeau"]), &env).unwrap();
        let o = r.settings.oidc.unwrap();
        assert_eq!(
            (o.issuer.as_str(), o.client_id.as_str(), o.client_secret.as_str()),
            ("https://env.example", "client-drapeau", "secret-de-l-environnement")
        );
        assert_eq!(r.settings.public_url.as_deref(), Some("http://127.0.0.1:9000"));
        let r = resolve(
            &args(&[
                "--oidc-issuer",
                "https://drapeau.example",
                "--oidc-client-id",
                "c",
                "--url-publique",
                "https://b.fr",
            ]),
            &env,
        )
        .unwrap();
        assert_eq!(r.settings.oidc.unwrap().issuer, "https://drapeau.example");
        // Nothing configured: local passwords only.
        assert_eq!(resolve(&args(&[]), &no_env).unwrap().settings.oidc, None);
        // Incomplete: refused with what is missing.
        let e = resolve(&args(&["--oidc-emetteur", "https://a.example"]), &no_env).err().unwrap();
        assert!(e.contains("identifiant client manquant"), "{e}");
        let e = resolve(
            &args(&["--oidc-emetteur", "https://a.example", "--oidc-identifiant-client", "c"]),
            &no_env,
        )
        .err()
        .unwrap();
        assert!(e.contains("secret client manquant") && e.contains("BILAN_OIDC_SECRET_CLIENT"), "{e}");
        let e = resolve(&args(&["--oidc-identifiant-client", "c"]), &no_env).err().unwrap();
        assert!(e.contains("sans émetteur"), "{e}");
        // No flag takes the secret.
        let argv = ["bilan", "servir", "--oidc-secret-client", "x"];
        assert!(args::parse(argv.iter().map(|s| s.to_string()).collect()).is_err());
        let e = resolve(&args(&["--url-publique", "bilan.example"]), &no_env).err().unwrap();
        assert!(e.contains("n'est pas une adresse http:// ou https://"), "{e}");
    }

    #[test]
    fn a_password_in_a_flag_is_warned_about() {
        let r = resolve(&args(&["--base", "postgres://bilan:secret@db/bilan"]), &no_env).unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].contains("BILAN_DATABASE_URL") && r.warnings[0].contains("ps"),
            "{:?}",
            r.warnings
        );
        let env =
            |k: &str| (k == "BILAN_DATABASE_URL").then(|| "postgres://bilan:secret@db/bilan".to_string());
        assert!(resolve(&args(&[]), &env).unwrap().warnings.is_empty());
        assert!(url_has_password("postgres://u:p@h/db"));
        assert!(url_has_password("postgres://u@h/db?password=p"));
        assert!(!url_has_password("postgres://u@h/db"));
        assert!(!url_has_password("sqlite:///var/lib/bilan/bilan.sqlite"));
        assert!(!url_has_password("postgres://h:5432/db"));
    }

    #[test]
    fn a_broken_file_names_file_line_and_column() {
        for (text, line, column, needle) in [
            ("adresse = \"127.0.0.1:8080\"\nadrese = \"x\"\n", 2, 1, "clé « adrese » inconnue"),
            ("base = \"sqlite://a\"\nadresse = \"pas une adresse\"\n", 2, 11, "n'est pas une adresse"),
            ("journal = \"xml\"\n", 1, 11, "texte ou json"),
            ("proxies_de_confiance = [\"10.0.0.1\", \"proxy\"]\n", 1, 37, "adresse IP"),
            ("delai_arret = 0\n", 1, 15, "entre 1 et 3600"),
            ("[metriques]\njeton = \"court\"\n", 2, 9, "16 caractères"),
            ("url_publique = \"ftp://x\"\n", 1, 16, "n'est pas une adresse http:// ou https://"),
            ("[oidc]\nemeteur = \"https://x\"\n", 2, 1, "clé « emeteur » inconnue"),
            ("base = \"sqlite://a\n", 1, 19, "syntaxe TOML invalide"),
            ("cookies_securises = \"oui\"\n", 1, 21, "un texte trouvé, un booléen (true/false) attendu"),
        ] {
            let f = file(text);
            let e = match resolve(&args(&["--config", f.0.to_str().unwrap()]), &no_env) {
                Err(e) => e,
                Ok(_) => panic!("{text} accepté"),
            };
            let place = format!("configuration {}, ligne {line}, colonne {column} : ", f.0.display());
            assert!(e.starts_with(&place), "{text}: {e}");
            assert!(e.contains(needle), "{text}: {e}");
        }
        let e = resolve(&args(&["--config", "/nulle/part/bilan.toml"]), &no_env).err().unwrap();
        assert_eq!(e, "configuration /nulle/part/bilan.toml : fichier introuvable");
        let env = |k: &str| (k == "BILAN_ADRESSE").then(|| "ici".to_string());
        let e = resolve(&args(&[]), &env).err().unwrap();
        assert!(e.starts_with("variable BILAN_ADRESSE : « ici » n'est pas une adresse"), "{e}");
    }

    #[test]
    fn smtp_settings_and_the_public_url() {
        let f = file(
            "url_publique = \"https://bilan.fichier.fr/\"\n[smtp]\nurl = \"smtp://relais@smtp.fichier.fr:587\"\n\
             expediteur = \"bilan@fichier.fr\"\nmot_de_passe = \"secret-du-fichier\"\n",
        );
        let config = f.0.to_str().unwrap();
        let r = resolve(&args(&["--config", config]), &no_env).unwrap();
        let smtp = r.settings.smtp.unwrap();
        assert_eq!(smtp.url, "smtp://relais@smtp.fichier.fr:587");
        assert_eq!(
            (smtp.from.as_str(), smtp.password.as_deref()),
            ("bilan@fichier.fr", Some("secret-du-fichier"))
        );
        assert_eq!(r.settings.public_url.as_deref(), Some("https://bilan.fichier.fr"));
        // The environment wins over the file, a flag over both; the password never has a flag.
        let env = |k: &str| match k {
            "BILAN_SMTP_URL" => Some("smtp://127.0.0.1:2525".to_string()),
            "BILAN_SMTP_MOT_DE_PASSE" => Some("secret-de-l-environnement".to_string()),
            _ => None,
        };
        let r = resolve(&args(&["--config", config, "--expediteur", "autre@fichier.fr"]), &env).unwrap();
        let smtp = r.settings.smtp.unwrap();
        assert_eq!(smtp.url, "smtp://127.0.0.1:2525");
        assert_eq!(
            (smtp.from.as_str(), smtp.password.as_deref()),
            ("autre@fichier.fr", Some("secret-de-l-environnement"))
        );
        let r = resolve(&args(&["--smtp", "smtps://smtp.ailleurs.fr", "--expediteur", "a@b.fr"]), &no_env)
            .unwrap();
        assert_eq!(r.settings.smtp.unwrap().url, "smtps://smtp.ailleurs.fr");
        assert_eq!(resolve(&args(&[]), &no_env).unwrap().settings.smtp, None);
        // Refusals, in French, before anything starts.
        let e = resolve(&args(&["--smtp", "smtp://h:25"]), &no_env).err().unwrap();
        assert!(e.contains("--expediteur"), "{e}");
        let e = resolve(&args(&["--smtp", "smtp://u:motdepasse@h:25", "--expediteur", "a@b.fr"]), &no_env)
            .err()
            .unwrap();
        assert!(e.starts_with("--smtp : URL SMTP") && e.contains("BILAN_SMTP_MOT_DE_PASSE"), "{e}");
        let e =
            resolve(&args(&["--smtp", "smtp://h:25", "--expediteur", "personne"]), &no_env).err().unwrap();
        assert!(e.contains("expéditeur « personne »"), "{e}");
        let env = |k: &str| (k == "BILAN_SMTP_URL").then(|| "http://h".to_string());
        let e = resolve(&args(&["--expediteur", "a@b.fr"]), &env).err().unwrap();
        assert!(e.starts_with("variable BILAN_SMTP_URL : URL SMTP"), "{e}");
        let bad = file("[smtp]\nurl = \"smtp://h:port\"\nexpediteur = \"a@b.fr\"\n");
        let e = resolve(&args(&["--config", bad.0.to_str().unwrap()]), &no_env).err().unwrap();
        assert!(e.contains("ligne 2, colonne 7") && e.contains("port invalide"), "{e}");
        let e = resolve(&args(&["--url-publique", "bilan.fr"]), &no_env).err().unwrap();
        assert!(e.starts_with("--url-publique : « bilan.fr » n'est pas une adresse http://"), "{e}");
    }

    #[test]
    fn the_example_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/bilan.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let f = file(&text);
        let r = resolve(&args(&["--config", f.0.to_str().unwrap()]), &no_env).unwrap();
        assert!(r.settings.database.starts_with("postgres://"));
        assert!(r.settings.metrics_token.is_some());
        assert!(!r.settings.trusted_proxies.is_empty());
        // Every option of the file has its variable, and the example shows every key.
        for (key, _) in ENV {
            let leaf = key.rsplit('.').next().unwrap();
            assert!(text.contains(&format!("\n{leaf} = ")), "{key} absent de l'exemple");
        }
    }

    #[test]
    fn servir_help_names_every_variable() {
        let mut cmd = args::command();
        let help = cmd.find_subcommand_mut("servir").unwrap().render_long_help().to_string();
        for (_, var) in ENV {
            assert!(help.contains(var), "{var} absent de l'aide");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_in_a_file_readable_by_all_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let f = file("base = \"postgres://bilan:secret@db/bilan\"\n");
        std::fs::set_permissions(&f.0, std::fs::Permissions::from_mode(0o644)).unwrap();
        let r = resolve(&args(&["--config", f.0.to_str().unwrap()]), &no_env).unwrap();
        assert!(r.warnings.iter().any(|w| w.contains("chmod 640")), "{:?}", r.warnings);
        std::fs::set_permissions(&f.0, std::fs::Permissions::from_mode(0o640)).unwrap();
        let r = resolve(&args(&["--config", f.0.to_str().unwrap()]), &no_env).unwrap();
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }
}

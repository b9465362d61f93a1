//! The command line, defined once (clap derive): every command, subcommand and flag, its
//! French name, its English aliases and its French help. `command()` adds what clap would
//! otherwise say in English (help and version flags, headings, aliases, defaults) and
//! `french_error` rewrites clap's usage errors in French.
//!
//! Names are French; the English (and older) names stay as hidden aliases, listed in each
//! help text, so every invocation written before keeps working.

use std::net::{IpAddr, SocketAddr};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Args, Command, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

/// The database of `bilan servir` (and of the administration commands) by default.
pub const DEFAULT_DATABASE: &str = "sqlite://bilan.sqlite";
/// The database of `bilan demo` by default.
pub const DEMO_DATABASE: &str = "sqlite://bilan-demo.sqlite";

#[derive(Parser)]
#[command(
    name = "bilan",
    version,
    about = "rapports d'exécution des conventions de lutte contre la pauvreté",
    arg_required_else_help = true,
    after_help = "Aide d'une commande : bilan COMMANDE --aide (ou bilan aide COMMANDE)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Commande,
}

#[derive(Subcommand)]
pub enum Commande {
    /// Vérifie des rapports et signale chaque incohérence.
    #[command(
        name = "verifier",
        aliases = ["check", "vérifier"],
        after_help = "Code de sortie : 0 (aucune erreur, ou seulement des avertissements), \
                      1 (erreurs), 2 (fichier illisible ou commande incorrecte).\n\
                      Format json : décrit dans ARCHITECTURE.md (« The diagnostic as JSON »)."
    )]
    Verifier(VerifierArgs),

    /// Crée le squelette d'un rapport, ou le brouillon de l'année suivante.
    #[command(
        name = "nouveau",
        alias = "new",
        after_help = "Avec --depuis, reprend les actions, les résultats comme situation N-1 \
                      et les reports demandés."
    )]
    Nouveau(NouveauArgs),

    /// Met en forme le rapport, son graphique ou son annexe financière.
    #[command(
        name = "rendre",
        aliases = ["exporter", "render"],
        after_help = "Formats : pdf, odt, docx, html (rapport), svg (graphique), xlsx, ods, csv \
                      (annexe financière). Sans --format, le format se déduit de l'extension de \
                      la sortie ; « -o - » écrit sur la sortie standard. PDF : programme compilé \
                      avec `--features pdf`."
    )]
    Rendre(RendreArgs),

    /// Lance l'application web sur une base SQLite de démonstration.
    #[command(
        name = "demo",
        alias = "démo",
        after_help = "Affiche l'adresse et les comptes de démonstration. Avec --national, ajoute \
                      un jeu synthétique d'un rapport par collectivité signataire (les Départements, \
                      la Métropole de Lyon, les collectivités de Corse et d'Alsace ; CALPAE \
                      2019–2022, Pacte 2024–2025), étiqueté comme tel."
    )]
    Demo(DemoArgs),

    /// Lance l'application web.
    #[command(
        name = "servir",
        alias = "serve",
        after_help = "Chaque option vient aussi d'une variable d'environnement (BILAN_DATABASE_URL, \
                      BILAN_ADRESSE, BILAN_COOKIES_SECURISES, BILAN_PROXIES_DE_CONFIANCE, \
                      BILAN_RESSOURCES, BILAN_REFERENTIELS, BILAN_JOURNAL, BILAN_DELAI_ARRET, BILAN_FICHIERS, \
                      BILAN_URL_PUBLIQUE, BILAN_SMTP_URL, BILAN_SMTP_EXPEDITEUR, BILAN_OIDC_EMETTEUR, \
                      BILAN_OIDC_IDENTIFIANT_CLIENT ; secrets sans option : BILAN_METRIQUES_JETON, \
                      BILAN_SMTP_MOT_DE_PASSE, BILAN_OIDC_SECRET_CLIENT) ou du fichier --config ; priorité : \
                      option, variable, fichier, valeur par défaut.\n\
                      Connexion ProConnect (OpenID Connect) : --oidc-emetteur et \
                      --oidc-identifiant-client, le secret client par la variable \
                      BILAN_OIDC_SECRET_CLIENT ou la clé secret_client de la table [oidc] du \
                      fichier (jamais en option) ; le fournisseur est interrogé au démarrage.\n\
                      Points d'accès d'exploitation : /sante (base de données), /metriques \
                      (Prometheus). Arrêt propre sur SIGTERM. Voir le README (« En production »)."
    )]
    Servir(ServirArgs),

    /// Gère les comptes de l'application.
    #[command(name = "compte", alias = "user", subcommand_required = true, arg_required_else_help = true)]
    Compte {
        #[command(subcommand)]
        action: CompteAction,
    },

    /// Crée un jeton de l'API de consultation (/api/v1) pour un compte existant.
    #[command(
        name = "jeton",
        alias = "token",
        after_help = "Le jeton est écrit seul sur la sortie standard et ne sera plus affiché."
    )]
    Jeton(JetonArgs),

    /// Journal d'audit chaîné.
    #[command(name = "audit", alias = "journal", subcommand_required = true, arg_required_else_help = true)]
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },

    /// Sauvegarde cohérente d'une base SQLite, même pendant que le serveur écrit.
    #[command(
        name = "sauvegarder",
        alias = "backup",
        after_help = "Écrit une copie (VACUUM INTO) sans jamais écraser un fichier, puis vérifie \
                      le journal d'audit de la copie.\n\
                      PostgreSQL : pg_dump -Fc -f bilan.dump URL (voir le README).\n\
                      Code de sortie : 0 (sauvegarde intègre), 1 (journal de la copie altéré), \
                      2 (erreur)."
    )]
    Sauvegarder(SauvegarderArgs),

    /// Remet une sauvegarde SQLite en place, puis vérifie son journal d'audit.
    #[command(
        name = "restaurer",
        alias = "restore",
        after_help = "Seulement si la base n'existe pas, ou avec --force (arrêtez d'abord le \
                      serveur).\n\
                      PostgreSQL : pg_restore --no-owner -d URL bilan.dump (voir le README).\n\
                      Code de sortie : 0 (restaurée, intègre), 1 (restaurée, journal altéré), \
                      2 (erreur)."
    )]
    Restaurer(RestaurerArgs),

    /// Affiche le catalogue des règles (Markdown, celui de docs/rules.md).
    #[command(name = "regles", aliases = ["rules", "règles"])]
    Regles,

    /// Écrit le script de complétion des commandes pour un shell.
    #[command(
        name = "completions",
        alias = "completion",
        after_help = "Exemple : bilan completions bash > /etc/bash_completion.d/bilan"
    )]
    Completions {
        /// bash, zsh, fish, elvish ou powershell
        #[arg(value_name = "SHELL", ignore_case = true)]
        shell: Shell,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    #[value(alias = "human", alias = "texte")]
    Humain,
    Json,
}

#[derive(Args)]
pub struct VerifierArgs {
    /// rapports à vérifier (fichiers TOML)
    #[arg(value_name = "FICHIER", required = true)]
    pub files: Vec<String>,
    /// humain ou json
    #[arg(short = 'f', long = "format", value_name = "FORMAT", default_value = "humain", ignore_case = true)]
    pub format: CheckFormat,
    /// le rapport de l'année précédente, pour comparer les situations de départ
    #[arg(long = "precedent", aliases = ["previous", "précédent"], value_name = "FICHIER")]
    pub previous: Option<String>,
    /// dossier des référentiels (un fichier .toml par programme) ; par défaut, ceux du logiciel
    #[arg(long = "referentiels", aliases = ["reference-data", "référentiels"], value_name = "DOSSIER")]
    pub referentiels: Option<String>,
}

#[derive(Args)]
pub struct NouveauArgs {
    /// code du Département ou de la collectivité signataire (ex. 03, 2A, 69M) ; facultatif avec --depuis
    #[arg(
        short = 'd',
        long = "departement",
        aliases = ["department", "département"],
        value_name = "CODE",
        required_unless_present = "from"
    )]
    pub department: Option<String>,
    /// année du rapport
    #[arg(short = 'y', long = "annee", aliases = ["year", "année"], value_name = "ANNÉE", value_parser = parse_year)]
    pub year: i32,
    /// le rapport de l'année précédente à reprendre
    #[arg(long = "depuis", alias = "from", value_name = "RAPPORT.toml")]
    pub from: Option<String>,
    /// fichier à créer (sortie standard par défaut) ; n'écrase jamais un fichier
    #[arg(short = 'o', long = "sortie", alias = "output", value_name = "SORTIE")]
    pub output: Option<String>,
    /// calpae ou pacte (par défaut : celui qui couvre l'année)
    #[arg(long = "programme", alias = "program", value_name = "PROGRAMME")]
    pub programme: Option<String>,
    /// dossier des référentiels (un fichier .toml par programme) ; par défaut, ceux du logiciel
    #[arg(long = "referentiels", aliases = ["reference-data", "référentiels"], value_name = "DOSSIER")]
    pub referentiels: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Target {
    Pdf,
    Odt,
    Docx,
    #[value(alias = "htm")]
    Html,
    Svg,
    Xlsx,
    Ods,
    Csv,
}

#[derive(Args)]
pub struct RendreArgs {
    /// le rapport à mettre en forme
    #[arg(value_name = "FICHIER")]
    pub file: String,
    /// pdf, odt, docx, html, svg, xlsx, ods ou csv
    #[arg(short = 't', long = "format", aliases = ["to", "vers"], value_name = "FORMAT", ignore_case = true)]
    pub target: Option<Target>,
    /// fichier à écrire (par défaut : le rapport avec l'extension du format ; « - » : sortie standard)
    #[arg(short = 'o', long = "sortie", alias = "output", value_name = "SORTIE")]
    pub output: Option<String>,
}

/// What `servir` and `demo` share. With `servir`, each option also comes from the
/// environment or the configuration file (`config.rs`); the defaults apply last.
#[derive(Args)]
pub struct WebArgs {
    /// adresse d'écoute (127.0.0.1:8080 par défaut)
    #[arg(long = "adresse", alias = "addr", value_name = "ADRESSE", value_parser = parse_socket)]
    pub addr: Option<SocketAddr>,
    /// cookies de session marqués Secure (derrière HTTPS)
    #[arg(long = "cookies-securises", alias = "secure-cookies")]
    pub secure_cookies: bool,
    /// dossier du système de design de l'État (par défaut node_modules/@gouvfr/dsfr/dist)
    #[arg(long = "ressources", alias = "assets", value_name = "DOSSIER")]
    pub assets: Option<std::path::PathBuf>,
    /// proxy inverse dont l'en-tête X-Forwarded-For est cru (répétable)
    #[arg(long = "proxy-de-confiance", alias = "trusted-proxy", value_name = "ADRESSE_IP", value_parser = parse_ip)]
    pub trusted_proxies: Vec<IpAddr>,
    /// dossier des référentiels des programmes (par défaut ceux du dépôt, data/referentiels) ; vérifiés avant le démarrage
    #[arg(long = "referentiels", aliases = ["reference-data", "référentiels"], value_name = "DOSSIER")]
    pub referentiels: Option<String>,
    /// journal des requêtes sur la sortie d'erreur : texte (par défaut) ou json (une ligne JSON par événement)
    #[arg(long = "journal", alias = "log-format", value_name = "FORMAT", value_parser = parse_log_format)]
    pub journal: Option<LogFormat>,
    /// après SIGTERM, délai laissé aux requêtes en cours avant l'arrêt forcé (30 s par défaut)
    #[arg(long = "delai-arret", aliases = ["shutdown-timeout", "délai-arrêt"], value_name = "SECONDES", value_parser = parse_seconds)]
    pub shutdown_grace: Option<u64>,
    /// dossier où garder les pièces jointes (un fichier par empreinte SHA-256) ; par défaut, dans la base
    #[arg(long = "fichiers", alias = "files-dir", value_name = "DOSSIER")]
    pub files_dir: Option<std::path::PathBuf>,
    /// serveur d'envoi des courriels : smtp://[utilisateur@]hôte:port (STARTTLS si le serveur le propose ; ?starttls=obligatoire ou ?starttls=non), ou smtps://… ; le mot de passe vient de BILAN_SMTP_MOT_DE_PASSE ou du fichier ; sans serveur, les courriels restent dans la file (« Courriels envoyés »)
    #[arg(long = "smtp", value_name = "URL")]
    pub smtp: Option<String>,
    /// adresse d'expédition des courriels (obligatoire avec --smtp)
    #[arg(long = "expediteur", aliases = ["expéditeur", "from"], value_name = "ADRESSE")]
    pub sender: Option<String>,
    /// adresse publique de l'application, début des liens des courriels (par défaut http://ADRESSE d'écoute)
    #[arg(long = "url-publique", alias = "public-url", value_name = "URL")]
    pub public_url: Option<String>,
}

/// The format of the server's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct ServirArgs {
    /// sqlite://CHEMIN ou postgres://… (sqlite://bilan.sqlite par défaut) ; une URL avec mot de passe va plutôt dans BILAN_DATABASE_URL ou le fichier de configuration
    #[arg(long = "base", alias = "database", value_name = "URL")]
    pub database: Option<String>,
    /// fichier de configuration TOML (voir docs/bilan.example.toml) ; les options de la ligne de commande, puis les variables BILAN_…, l'emportent sur lui
    #[arg(long = "config", aliases = ["configuration"], value_name = "FICHIER")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub web: WebArgs,
    /// émetteur OpenID Connect de ProConnect (https://…) : active la connexion « S'identifier avec ProConnect »
    #[arg(long = "oidc-emetteur", aliases = ["oidc-issuer", "oidc-émetteur"], value_name = "URL")]
    pub oidc_issuer: Option<String>,
    /// identifiant client attribué par ProConnect (le secret client vient de BILAN_OIDC_SECRET_CLIENT ou du fichier de configuration)
    #[arg(long = "oidc-identifiant-client", alias = "oidc-client-id", value_name = "IDENTIFIANT")]
    pub oidc_client_id: Option<String>,
}

#[derive(Args)]
pub struct DemoArgs {
    /// sqlite://CHEMIN ou postgres://…
    #[arg(long = "base", alias = "database", value_name = "URL", default_value = DEMO_DATABASE)]
    pub database: String,
    #[command(flatten)]
    pub web: WebArgs,
    /// ajoute le jeu synthétique des collectivités signataires
    #[arg(long = "national")]
    pub national: bool,
    /// remplit la base puis s'arrête, sans lancer le serveur
    #[arg(long = "donnees-seulement", aliases = ["seed-only", "données-seulement"])]
    pub seed_only: bool,
    /// avec --national : chaque action du jeu synthétique répétée N fois (jeu N fois plus gros, pour les mesures de performance)
    #[arg(long = "facteur", alias = "scale", value_name = "N", default_value_t = 1, value_parser = parse_factor, requires = "national")]
    pub factor: u16,
}

/// `--base`, for the administration commands.
#[derive(Args)]
pub struct BaseArg {
    /// sqlite://CHEMIN ou postgres://… (la base de « bilan servir ») ; à défaut, la variable BILAN_DATABASE_URL, puis sqlite://bilan.sqlite
    #[arg(long = "base", alias = "database", value_name = "URL")]
    pub database: Option<String>,
}

impl BaseArg {
    /// The database: `--base` (warned about on standard error when it holds a password,
    /// which `ps` shows), else `BILAN_DATABASE_URL` as for `servir`, else the default.
    pub fn url(&self, command: &str) -> String {
        if let Some(url) = &self.database {
            if crate::config::url_has_password(url) {
                eprintln!(
                    "bilan {command} : {}",
                    crate::config::flag_secret_warning("--base", "BILAN_DATABASE_URL")
                );
            }
        }
        self.database
            .clone()
            .or_else(|| std::env::var("BILAN_DATABASE_URL").ok().filter(|v| !v.trim().is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE.to_string())
    }
}

#[derive(Subcommand)]
pub enum CompteAction {
    /// Crée un compte (mot de passe demandé, ou variable BILAN_PASSWORD).
    #[command(name = "ajouter", alias = "add")]
    Ajouter(AjouterArgs),
}

#[derive(Args)]
pub struct AjouterArgs {
    /// identifiant de connexion
    #[arg(long = "identifiant", alias = "login", value_name = "IDENTIFIANT")]
    pub login: String,
    /// editeur, signataire, prefecture, region, national ou admin
    #[arg(long = "role", alias = "rôle", value_name = "RÔLE", value_parser = parse_role)]
    pub role: bilan_store::Role,
    /// code du Département (editeur, signataire, prefecture) ou de la région (region)
    #[arg(long = "territoire", alias = "territory", value_name = "CODE")]
    pub territory: Option<String>,
    /// nom affiché (par défaut l'identifiant)
    #[arg(long = "nom", alias = "name", value_name = "NOM")]
    pub name: Option<String>,
    /// adresse électronique (notifications ; identité ProConnect)
    #[arg(long = "courriel", alias = "email", value_name = "ADRESSE")]
    pub email: Option<String>,
    /// mot de passe (12 caractères au moins ; sinon demandé)
    #[arg(long = "mot-de-passe", alias = "password", value_name = "MOT_DE_PASSE")]
    pub password: Option<String>,
    #[command(flatten)]
    pub base: BaseArg,
}

#[derive(Args)]
pub struct JetonArgs {
    /// identifiant du compte qui reçoit le jeton
    #[arg(long = "identifiant", alias = "login", value_name = "IDENTIFIANT")]
    pub login: String,
    /// à quoi servira le jeton
    #[arg(long = "nom", alias = "name", value_name = "NOM")]
    pub name: String,
    /// validité en jours (365 par défaut, 730 au plus)
    #[arg(long = "duree", aliases = ["durée", "days"], value_name = "JOURS", value_parser = parse_days)]
    pub days: Option<u32>,
    #[command(flatten)]
    pub base: BaseArg,
}

#[derive(Subcommand)]
pub enum AuditAction {
    /// Vérifie le journal d'audit chaîné et l'empreinte des versions figées.
    #[command(
        name = "verifier",
        aliases = ["verify", "vérifier"],
        after_help = "Nomme la première entrée modifiée, insérée ou supprimée.\n\
                      Code de sortie : 0 (intègre), 1 (altéré), 2 (base illisible).\n\
                      Notez la dernière empreinte affichée hors de la base (journal des \
                      sauvegardes) : elle seule révèle une fin de journal supprimée ou une \
                      chaîne entièrement recalculée."
    )]
    Verifier(BaseArg),
}

#[derive(Args)]
pub struct SauvegarderArgs {
    #[command(flatten)]
    pub base: BaseArg,
    /// le fichier de sauvegarde à créer
    #[arg(short = 'o', long = "sortie", alias = "output", value_name = "FICHIER")]
    pub output: std::path::PathBuf,
}

#[derive(Args)]
pub struct RestaurerArgs {
    /// la sauvegarde à remettre en place
    #[arg(value_name = "FICHIER")]
    pub file: std::path::PathBuf,
    #[command(flatten)]
    pub base: BaseArg,
    /// remplace la base existante
    #[arg(long = "force", alias = "forcer")]
    pub force: bool,
}

fn parse_year(s: &str) -> Result<i32, String> {
    s.trim().parse().map_err(|_| format!("« {s} » n'est pas une année"))
}

pub fn parse_log_format(s: &str) -> Result<LogFormat, String> {
    match s.trim() {
        "texte" | "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(format!("« {s} » n'est pas un format de journal : texte ou json")),
    }
}

pub fn parse_seconds(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .ok()
        .filter(|n| (1..=3600).contains(n))
        .ok_or(format!("« {s} » n'est pas un nombre de secondes entre 1 et 3600"))
}

pub fn parse_socket(s: &str) -> Result<SocketAddr, String> {
    s.parse().map_err(|_| format!("« {s} » n'est pas une adresse (ex. 127.0.0.1:8080)"))
}

pub fn parse_ip(s: &str) -> Result<IpAddr, String> {
    s.parse().map_err(|_| format!("« {s} » n'est pas une adresse IP de proxy (ex. 127.0.0.1 ou ::1)"))
}

fn parse_role(s: &str) -> Result<bilan_store::Role, String> {
    bilan_store::Role::from_code(s)
        .ok_or(format!("rôle « {s} » inconnu : editeur, signataire, prefecture, region, national ou admin"))
}

fn parse_factor(s: &str) -> Result<u16, String> {
    s.parse()
        .ok()
        .filter(|n| (1..=50).contains(n))
        .ok_or(format!("« {s} » n'est pas un facteur entre 1 et 50"))
}

fn parse_days(s: &str) -> Result<u32, String> {
    let max = bilan_web::MAX_TOKEN_DAYS;
    s.parse()
        .ok()
        .filter(|d| (1..=max).contains(d))
        .ok_or(format!("« {s} » n'est pas un nombre de jours entre 1 et {max}"))
}

const TEMPLATE: &str = "{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}";
const TOP_TEMPLATE: &str =
    "{name} {version} — {about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}";

/// The whole command line, in French: the one definition above, plus the help and
/// version flags, headings, aliases and defaults written by us rather than by clap.
pub fn command() -> Command {
    let cmd = Cli::command().disable_version_flag(true).disable_help_subcommand(true).arg(
        Arg::new("version").short('V').long("version").action(ArgAction::Version).help("affiche la version"),
    );
    frenchify(cmd, true)
}

fn frenchify(cmd: Command, top: bool) -> Command {
    let mut cmd = cmd
        .disable_help_flag(true)
        .help_template(if top { TOP_TEMPLATE } else { TEMPLATE })
        // "Commandes :", French typography (clap writes "{heading}:").
        .subcommand_help_heading("Commandes ")
        .subcommand_value_name("COMMANDE")
        .arg(
            Arg::new("aide")
                .short('h')
                .long("aide")
                .alias("help")
                .action(ArgAction::Help)
                .help("affiche cette aide (alias : --help)"),
        );
    // Aliases and defaults, in French, at the end of each flag's help.
    let ids: Vec<String> = cmd.get_arguments().map(|a| a.get_id().to_string()).collect();
    for id in ids {
        cmd = cmd.mut_arg(id, |a| {
            let mut notes = Vec::new();
            let aliases: Vec<String> = a
                .get_all_aliases()
                .unwrap_or_default()
                .into_iter()
                .filter(|al| al.is_ascii() && *al != "help")
                .map(|al| format!("--{al}"))
                .collect();
            if !aliases.is_empty() {
                notes.push(format!("alias : {}", aliases.join(", ")));
            }
            let defaults: Vec<String> =
                a.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
            if !defaults.is_empty() {
                notes.push(format!("par défaut : {}", defaults.join(", ")));
            }
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            let help = if notes.is_empty() { help } else { format!("{help} [{}]", notes.join(" ; ")) };
            let takes_values = a.get_action().takes_values();
            let heading = if a.is_positional() { "Arguments " } else { "Options " };
            a.help(help)
                .help_heading(heading)
                .hide_default_value(takes_values)
                .hide_possible_values(takes_values)
        });
    }
    // Each command's aliases, in its one-line description.
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| {
            let aliases: Vec<&str> = sub.get_all_aliases().filter(|a| a.is_ascii()).collect();
            let sub = if aliases.is_empty() {
                sub
            } else {
                let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
                let about = format!("{} (alias : {})", about.trim_end_matches('.'), aliases.join(", "));
                sub.about(about)
            };
            frenchify(sub, false)
        });
    }
    cmd
}

/// What the command line asked for, or the exit code when it was answered already (help,
/// version) or refused (a French message on standard error, exit 2).
pub fn parse(mut args: Vec<String>) -> Result<Cli, i32> {
    // `bilan aide COMMANDE` is `bilan COMMANDE --aide`.
    if matches!(args.get(1).map(String::as_str), Some("aide" | "help")) {
        args.remove(1);
        args.push("--aide".into());
    }
    let parsed = command().try_get_matches_from(&args).and_then(|m| Cli::from_arg_matches(&m));
    parsed.map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            2
        }
        _ => {
            eprint!("{}", french_error(&e, &args));
            2
        }
    })
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")),
        ContextValue::Number(n) => Some(n.to_string()),
        ContextValue::Bool(b) => Some(b.to_string()),
        ContextValue::None => None,
        _ => None,
    }
}

/// A clap usage error, rewritten in French: the message, a suggestion when clap has one,
/// the usage line of the command and where to find its help.
pub fn french_error(e: &clap::Error, args: &[String]) -> String {
    let arg = context(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(e, ContextKind::InvalidValue).unwrap_or_default();
    let mut message = match e.kind() {
        ErrorKind::UnknownArgument if arg.starts_with('-') => format!("option « {arg} » inconnue"),
        ErrorKind::UnknownArgument => format!("argument « {arg} » en trop"),
        ErrorKind::InvalidSubcommand => {
            let sub = context(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!("commande « {sub} » inconnue")
        }
        ErrorKind::InvalidValue if value.is_empty() => format!("{arg} attend une valeur"),
        ErrorKind::InvalidValue => {
            let mut m = format!("valeur « {value} » invalide pour {arg}");
            if let Some(valid) = context(e, ContextKind::ValidValue) {
                m.push_str(&format!(" ; valeurs possibles : {valid}"));
            }
            m
        }
        ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_else(|| "valeur invalide".into());
            format!("{arg} : {reason}")
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = context(e, ContextKind::InvalidArg).unwrap_or_default();
            format!("argument obligatoire manquant : {missing}")
        }
        ErrorKind::MissingSubcommand => {
            let valid = context(e, ContextKind::ValidSubcommand).unwrap_or_default();
            format!("indiquez une sous-commande ({valid})")
        }
        ErrorKind::ArgumentConflict => {
            let prior = context(e, ContextKind::PriorArg).unwrap_or_default();
            format!("{arg} ne peut pas être employé avec {prior}")
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("nombre de valeurs incorrect pour {arg}")
        }
        ErrorKind::NoEquals => format!("{arg} attend une valeur après « = »"),
        ErrorKind::InvalidUtf8 => "argument qui n'est pas de l'UTF-8 valide".into(),
        _ => format!("commande incorrecte ({})", e.kind()),
    };
    let suggestion =
        [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand, ContextKind::SuggestedValue]
            .into_iter()
            .find_map(|kind| match e.get(kind)? {
                ContextValue::String(s) => Some(s.clone()),
                // Clap lists the closest last.
                ContextValue::Strings(v) => v.iter().rev().find(|s| s.is_ascii()).or(v.last()).cloned(),
                _ => None,
            });
    if let Some(s) = suggestion {
        message.push_str(&format!("\n  vouliez-vous dire « {s} » ?"));
    }
    // The usage of the command that was typed: clap's (it names the missing arguments)
    // when the error carries one, else the command's own.
    let (path, own_usage) = typed_command(args);
    let usage = match context(e, ContextKind::Usage) {
        Some(u) => u.trim().trim_start_matches("Usage:").trim().to_string(),
        None => own_usage,
    };
    format!("bilan : {message}\n\nUtilisation : {usage}\nAide : {path} --aide\n")
}

/// The (sub)command the arguments name ("bilan compte ajouter") and its usage line.
fn typed_command(args: &[String]) -> (String, String) {
    let mut cmd = command();
    cmd.build();
    let mut path = vec!["bilan".to_string()];
    let mut current = &mut cmd;
    for a in args.iter().skip(1).filter(|a| !a.starts_with('-')) {
        let name = current.find_subcommand(a).map(|s| s.get_name().to_string());
        match name {
            Some(name) => {
                path.push(name.clone());
                current = current.find_subcommand_mut(name).expect("just found");
            }
            None => break,
        }
    }
    let usage = current.render_usage().to_string();
    (path.join(" "), usage.trim().trim_start_matches("Usage:").trim().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_definition_is_consistent() {
        super::command().debug_assert();
    }
}

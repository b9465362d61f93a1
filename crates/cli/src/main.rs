//! `bilan`: write, check and render the execution reports of anti-poverty conventions.

mod audit_cmd;
mod check_cmd;
mod json;
mod new_cmd;
mod render_cmd;
mod serve_cmd;
mod snippet;
mod term;
mod token_cmd;

use std::io::Write;
use std::ops::Range;

use bilan_source::{LineIndex, Parsed};

const USAGE: &str = "\
bilan — rapports d'exécution des conventions de lutte contre la pauvreté

Utilisation :
  bilan check FICHIER… [--format humain|json] [--precedent FICHIER]
        Vérifie des rapports et signale chaque incohérence.
        Code de sortie : 0 (aucune erreur), 1 (erreurs), 2 (fichier illisible).
  bilan new --department CODE --year ANNÉE [--from PRÉCÉDENT.toml] [-o SORTIE]
        Crée le squelette d'un rapport ; avec --from, reprend les actions,
        les résultats comme situation N-1 et les reports demandés.
  bilan render FICHIER --to pdf|odt|docx|html|svg|xlsx|ods|csv [-o SORTIE]
        Met en forme le rapport (pdf, odt, docx, html), son graphique (svg)
        ou son annexe financière (xlsx, ods, csv). Le format se déduit aussi
        de l'extension de SORTIE ; « -o - » écrit sur la sortie standard.
  bilan demo [--database URL] [--addr 127.0.0.1:8080] [--seed-only] [--national]
        Lance l'application web sur une base SQLite de démonstration
        (bilan-demo.sqlite) et affiche l'adresse et les comptes. Avec
        --national, ajoute un jeu synthétique des 101 Départements
        (CALPAE 2019–2022, Pacte 2024–2025), étiqueté comme tel.
  bilan serve [--database sqlite://bilan.sqlite|postgres://…] [--addr ADRESSE] [--secure-cookies]
              [--trusted-proxy ADRESSE_IP]…
        Lance l'application web. Derrière un proxy inverse, --trusted-proxy
        (répétable) désigne le proxy dont l'en-tête X-Forwarded-For est cru.
  bilan user add --login L --role editeur|signataire|prefecture|region|national|admin
                 [--territory CODE] [--name NOM] [--database URL]
        Crée un compte (mot de passe demandé, ou variable BILAN_PASSWORD).
  bilan jeton --login L --nom NOM [--duree JOURS] [--database URL]
        Crée un jeton de l'API de consultation (/api/v1) pour un compte
        existant et l'écrit sur la sortie standard (il ne sera plus affiché).
        Il expire au bout de JOURS jours (365 par défaut, 730 au plus).
  bilan audit verify [--database URL]
        Vérifie le journal d'audit chaîné et les versions figées ; nomme la
        première entrée modifiée, insérée ou supprimée.
        Code de sortie : 0 (intègre), 1 (altéré), 2 (base illisible).
  bilan backup [--database URL] -o FICHIER
        Sauvegarde cohérente d'une base SQLite, même pendant que le serveur
        écrit ; n'écrase jamais un fichier. PostgreSQL : pg_dump (README).
  bilan restore FICHIER [--database URL] [--force]
        Remet une sauvegarde SQLite en place (base absente, ou --force) puis
        vérifie son journal d'audit.
  bilan regles
        Affiche le catalogue des règles (Markdown, celui de docs/rules.md).
  bilan --version | --help
";

/// A file that could not be read as a report.
pub struct Failure {
    pub name: String,
    pub message: String,
    pub text: Option<String>,
    pub span: Option<Range<usize>>,
}

/// A report read from disk with what is needed to point into its text.
pub struct Loaded {
    pub name: String,
    pub text: String,
    pub lines: LineIndex,
    pub parsed: Parsed,
}

/// Largest report file accepted: a real report is ~100 KB.
const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

pub fn load(path: &str) -> Result<Loaded, Failure> {
    let fail = |message: String| Failure { name: path.to_string(), message, text: None, span: None };
    let meta = std::fs::metadata(path).map_err(|e| fail(io_message(&e)))?;
    if meta.is_dir() {
        return Err(fail("c'est un dossier, pas un fichier de rapport".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!("fichier trop volumineux ({} octets) pour être un rapport", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(io_message(&e)))?;
    match bilan_source::parse_bytes(&bytes) {
        Ok((text, parsed)) => {
            Ok(Loaded { name: path.to_string(), lines: LineIndex::new(&text), text, parsed })
        }
        Err(e) => Err(Failure {
            name: path.to_string(),
            message: e.message,
            text: Some(String::from_utf8_lossy(&bytes).into_owned()),
            span: e.span,
        }),
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "fichier introuvable".into(),
        std::io::ErrorKind::PermissionDenied => "lecture refusée (droits insuffisants)".into(),
        _ => format!("lecture impossible ({e})"),
    }
}

/// Writes to stdout; a closed pipe (`bilan check … | head`) ends quietly.
pub fn write_stdout(s: &str) {
    let mut out = std::io::stdout().lock();
    if out.write_all(s.as_bytes()).and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

fn usage_error(msg: &str) -> i32 {
    eprintln!("bilan : {msg}\n\n{USAGE}");
    2
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(run(args));
}

fn run(args: Vec<String>) -> i32 {
    let Some(command) = args.first() else {
        print!("{USAGE}");
        return 2;
    };
    let rest = &args[1..];
    match command.as_str() {
        "-h" | "--help" | "aide" | "help" => {
            write_stdout(USAGE);
            0
        }
        "-V" | "--version" => {
            write_stdout(&format!("bilan {}\n", env!("CARGO_PKG_VERSION")));
            0
        }
        "check" | "verifier" => match parse_check(rest) {
            Ok(opts) => check_cmd::run(opts),
            Err(m) => usage_error(&m),
        },
        "new" | "nouveau" => match new_cmd::parse(rest) {
            Ok(opts) => new_cmd::run(opts),
            Err(m) => usage_error(&m),
        },
        "render" | "rendre" => match render_cmd::parse(rest) {
            Ok(opts) => render_cmd::run(opts),
            Err(m) => usage_error(&m),
        },
        "serve" | "servir" => match serve_cmd::parse_serve(rest) {
            Ok(opts) => serve_cmd::run_serve(opts),
            Err(m) => usage_error(&m),
        },
        "demo" => match serve_cmd::parse_serve(rest) {
            Ok(opts) => serve_cmd::run_demo(opts),
            Err(m) => usage_error(&m),
        },
        "user" | "compte" => match serve_cmd::parse_user(rest) {
            Ok(opts) => serve_cmd::run_user(opts),
            Err(m) => usage_error(&m),
        },
        "jeton" | "token" => match token_cmd::parse(rest) {
            Ok(opts) => token_cmd::run(opts),
            Err(m) => usage_error(&m),
        },
        "audit" | "journal" => match audit_cmd::parse_audit(rest) {
            Ok(c) => audit_cmd::run(c),
            Err(m) => usage_error(&m),
        },
        "backup" | "sauvegarder" => match audit_cmd::parse_backup(rest) {
            Ok(c) => audit_cmd::run(c),
            Err(m) => usage_error(&m),
        },
        "restore" | "restaurer" => match audit_cmd::parse_restore(rest) {
            Ok(c) => audit_cmd::run(c),
            Err(m) => usage_error(&m),
        },
        "regles" | "rules" => {
            write_stdout(&bilan_check::rules_markdown());
            0
        }
        other => usage_error(&format!("commande inconnue « {other} »")),
    }
}

fn parse_check(args: &[String]) -> Result<check_cmd::Options, String> {
    let mut files = Vec::new();
    let mut format = check_cmd::Format::Human;
    let mut previous = None;
    // "--format=json" and "--format json" are the same.
    let args: Vec<String> = args
        .iter()
        .flat_map(|a| match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => vec![k.to_string(), v.to_string()],
            _ => vec![a.clone()],
        })
        .collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--format" | "-f" => {
                format = match it.next().map(String::as_str) {
                    Some("json") => check_cmd::Format::Json,
                    Some("humain") | Some("human") | Some("texte") => check_cmd::Format::Human,
                    Some(other) => return Err(format!("format « {other} » inconnu (humain ou json)")),
                    None => return Err("--format attend une valeur (humain ou json)".into()),
                }
            }
            "--precedent" | "--previous" => {
                previous = Some(it.next().ok_or("--precedent attend un fichier")?.clone());
            }
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("option « {s} » inconnue")),
            _ => files.push(a.clone()),
        }
    }
    if files.is_empty() {
        return Err("indiquez au moins un fichier de rapport à vérifier".into());
    }
    Ok(check_cmd::Options { files, format, previous })
}

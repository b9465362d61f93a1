//! `bilan`: write, check and render the execution reports of anti-poverty conventions.

mod args;
mod audit_cmd;
mod check_cmd;
mod config;
mod new_cmd;
mod render_cmd;
mod serve_cmd;
mod snippet;
mod term;
mod token_cmd;

use std::borrow::Cow;
use std::io::Write;
use std::ops::Range;

use bilan_domain::Referentiel;
use bilan_source::{LineIndex, Parsed};

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

/// The reference data of a command: the directory of `--referentiels`, or the files built
/// into the program. A broken file is reported (file:line:column and why) with exit code 2.
pub fn referentiel(dir: Option<&str>, command: &str) -> Result<Cow<'static, Referentiel>, i32> {
    match dir {
        None => Ok(Cow::Borrowed(bilan_source::referentiel::builtin())),
        Some(d) => {
            bilan_source::referentiel::load_dir(std::path::Path::new(d)).map(Cow::Owned).map_err(|e| {
                eprintln!("bilan {command} : référentiel refusé : {e}");
                2
            })
        }
    }
}

/// A report read against the repository's reference data.
pub fn load(path: &str) -> Result<Loaded, Failure> {
    load_in(path, bilan_source::referentiel::builtin())
}

/// A report read against given reference data: its programme must be one of them.
pub fn load_in(path: &str, known: &Referentiel) -> Result<Loaded, Failure> {
    let fail = |message: String| Failure { name: path.to_string(), message, text: None, span: None };
    let meta = std::fs::metadata(path).map_err(|e| fail(io_message(&e)))?;
    if meta.is_dir() {
        return Err(fail("c'est un dossier, pas un fichier de rapport".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!("fichier trop volumineux ({} octets) pour être un rapport", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(io_message(&e)))?;
    match bilan_source::parse_bytes_in(&bytes, known) {
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

/// A usage error found after parsing (what clap cannot express): French, exit 2.
pub fn usage_error(command: &str, msg: &str) -> i32 {
    eprintln!("bilan {command} : {msg}\n\nAide : bilan {command} --aide");
    2
}

fn main() {
    std::process::exit(run(std::env::args().collect()));
}

fn run(argv: Vec<String>) -> i32 {
    let cli = match args::parse(argv) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    use args::{AuditAction, Commande, CompteAction};
    match cli.command {
        Commande::Verifier(a) => check_cmd::run(a),
        Commande::Nouveau(a) => new_cmd::run(a),
        Commande::Rendre(a) => render_cmd::run(a),
        Commande::Servir(a) => serve_cmd::run_serve(a),
        Commande::Demo(a) => serve_cmd::run_demo(a),
        Commande::Compte { action: CompteAction::Ajouter(a) } => serve_cmd::run_user(a),
        Commande::Jeton(a) => token_cmd::run(a),
        Commande::Audit { action: AuditAction::Verifier(a) } => {
            audit_cmd::run(audit_cmd::Command::Verify { database: a.url("audit") })
        }
        Commande::Sauvegarder(a) => audit_cmd::run(audit_cmd::Command::Backup {
            database: a.base.url("sauvegarder"),
            output: a.output,
        }),
        Commande::Restaurer(a) => audit_cmd::run(audit_cmd::Command::Restore {
            file: a.file,
            database: a.base.url("restaurer"),
            force: a.force,
        }),
        Commande::Regles => {
            write_stdout(&bilan_check::rules_markdown());
            0
        }
        Commande::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut args::command(), "bilan", &mut out);
            write_stdout(&String::from_utf8_lossy(&out));
            0
        }
    }
}

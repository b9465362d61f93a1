//! `bilan audit verify`, `bilan backup` and `bilan restore`: the tamper-evident audit
//! trail and the backups of a SQLite database (PostgreSQL: `pg_dump` / `pg_restore`).
//!
//! Exit codes: 0 intact (or written and intact), 1 altered, 2 refused or unreadable.

use std::path::PathBuf;

use bilan_store::verify::IntegrityReport;
use bilan_store::{Store, StoreError};

/// The database `bilan serve` opens by default.
const DEFAULT_DATABASE: &str = "sqlite://bilan.sqlite";

pub const AUDIT_USAGE: &str = "\
Utilisation : bilan audit verify [--database URL]

Vérifie le journal d'audit chaîné (chaque entrée porte l'empreinte SHA-256 de
la précédente) et l'empreinte de chaque version transmise (figée), puis nomme
la première entrée modifiée, insérée ou supprimée.

Options :
  --database URL   sqlite://CHEMIN ou postgres://… (par défaut sqlite://bilan.sqlite,
                   la base de « bilan serve »)

Code de sortie : 0 (intègre), 1 (altéré), 2 (base illisible).
Notez la dernière empreinte affichée hors de la base (journal des sauvegardes) :
elle seule révèle une fin de journal supprimée ou une chaîne entièrement recalculée.
";

pub const BACKUP_USAGE: &str = "\
Utilisation : bilan backup [--database URL] -o FICHIER

Écrit une copie cohérente de la base SQLite (VACUUM INTO), même pendant que le
serveur écrit, puis vérifie le journal d'audit de la copie. N'écrase jamais un
fichier existant.

Options :
  --database URL   sqlite://CHEMIN (par défaut sqlite://bilan.sqlite)
  -o, --output F   le fichier de sauvegarde à créer

PostgreSQL : pg_dump -Fc -f bilan.dump URL (voir le README).
Code de sortie : 0 (sauvegarde intègre), 1 (journal de la copie altéré), 2 (erreur).
";

pub const RESTORE_USAGE: &str = "\
Utilisation : bilan restore FICHIER [--database URL] [--force]

Remet en place une sauvegarde SQLite comme base URL, si cette base n'existe pas
(ou avec --force : arrêtez d'abord le serveur), puis vérifie son journal d'audit.

Options :
  --database URL   sqlite://CHEMIN (par défaut sqlite://bilan.sqlite)
  --force          remplace la base existante

PostgreSQL : pg_restore --no-owner -d URL bilan.dump (voir le README).
Code de sortie : 0 (restaurée, intègre), 1 (restaurée, journal altéré), 2 (erreur).
";

/// `--opt=value` is `--opt value`.
fn split_equals(args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|a| match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => vec![k.to_string(), v.to_string()],
            _ => vec![a.clone()],
        })
        .collect()
}

fn wants_help(args: &[String]) -> bool {
    args.iter().any(|a| matches!(a.as_str(), "-h" | "--help" | "aide"))
}

/// What the command line asked for.
pub enum Command {
    Help(&'static str),
    Verify { database: String },
    Backup { database: String, output: PathBuf },
    Restore { file: PathBuf, database: String, force: bool },
}

pub fn parse_audit(args: &[String]) -> Result<Command, String> {
    if wants_help(args) {
        return Ok(Command::Help(AUDIT_USAGE));
    }
    let args = split_equals(args);
    let Some(("verify" | "verifier" | "vérifier", rest)) = args.split_first().map(|(a, r)| (a.as_str(), r))
    else {
        return Err("utilisation : bilan audit verify [--database URL] (bilan audit --help)".into());
    };
    let mut database = DEFAULT_DATABASE.to_string();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut value = |n: &str| it.next().cloned().ok_or(format!("{n} attend une valeur"));
        match a.as_str() {
            "--database" | "--base" => database = value(a)?,
            other => return Err(format!("argument « {other} » inconnu")),
        }
    }
    Ok(Command::Verify { database })
}

pub fn parse_backup(args: &[String]) -> Result<Command, String> {
    if wants_help(args) {
        return Ok(Command::Help(BACKUP_USAGE));
    }
    let args = split_equals(args);
    let (mut database, mut output) = (DEFAULT_DATABASE.to_string(), None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |n: &str| it.next().cloned().ok_or(format!("{n} attend une valeur"));
        match a.as_str() {
            "--database" | "--base" => database = value(a)?,
            "-o" | "--output" | "--sortie" => output = Some(PathBuf::from(value(a)?)),
            other => return Err(format!("argument « {other} » inconnu")),
        }
    }
    let output = output.ok_or("-o FICHIER est obligatoire (le fichier de sauvegarde à créer)")?;
    Ok(Command::Backup { database, output })
}

pub fn parse_restore(args: &[String]) -> Result<Command, String> {
    if wants_help(args) {
        return Ok(Command::Help(RESTORE_USAGE));
    }
    let args = split_equals(args);
    let (mut database, mut file, mut force) = (DEFAULT_DATABASE.to_string(), None, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |n: &str| it.next().cloned().ok_or(format!("{n} attend une valeur"));
        match a.as_str() {
            "--database" | "--base" => database = value(a)?,
            "--force" => force = true,
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("option « {s} » inconnue")),
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            other => return Err(format!("argument « {other} » en trop : une seule sauvegarde à la fois")),
        }
    }
    let file = file.ok_or("indiquez le fichier de sauvegarde à restaurer")?;
    Ok(Command::Restore { file, database, force })
}

fn fail(cmd: &str, m: &str) -> i32 {
    eprintln!("bilan {cmd} : {m}");
    2
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("démarrage impossible ({e})"))
}

/// Opens `url` and verifies it: the report, or the French reason it could not be read.
async fn verify(url: &str) -> Result<IntegrityReport, String> {
    // Opening a SQLite URL would create a missing file: a typo must not look intact.
    if let Some(path) = bilan_store::backup::sqlite_path(url) {
        if !path.is_file() {
            return Err(format!("la base {} n'existe pas", path.display()));
        }
    }
    let unreadable = |e: StoreError| match e {
        StoreError::Database(inner) => format!("base {url} illisible : erreur de base de données ({inner})"),
        e => format!("base {url} illisible : {e}"),
    };
    let store = Store::connect(url).await.map_err(unreadable)?;
    let report = store.verify_integrity().await.map_err(unreadable);
    store.close().await;
    report
}

/// Prints the verdict; the exit code (0 intact, 1 altered).
fn print_verdict(report: &IntegrityReport) -> i32 {
    if report.is_intact() {
        crate::write_stdout(&format!("{}\n", report.summary()));
        return 0;
    }
    let mut out = String::new();
    for a in &report.alterations {
        out.push_str(&format!("{a}\n"));
    }
    out.push_str(&format!(
        "{} entrées et {} versions figées lues : la base n'est pas intègre.\n",
        report.entries, report.versions
    ));
    crate::write_stdout(&out);
    1
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

pub fn run(command: Command) -> i32 {
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("audit", &m),
    };
    match command {
        Command::Help(text) => {
            crate::write_stdout(text);
            0
        }
        Command::Verify { database } => rt.block_on(async {
            match verify(&database).await {
                Ok(report) => print_verdict(&report),
                Err(m) => fail("audit", &m),
            }
        }),
        Command::Backup { database, output } => {
            if is_postgres(&database) {
                return fail(
                    "backup",
                    "pour PostgreSQL, sauvegardez avec « pg_dump -Fc -f bilan.dump URL » (voir le README)",
                );
            }
            rt.block_on(async {
                if let Err(e) = bilan_store::backup::backup_sqlite(&database, &output).await {
                    return fail("backup", &e.to_string());
                }
                let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
                crate::write_stdout(&format!(
                    "Sauvegarde écrite dans {} ({size} octets).\n",
                    output.display()
                ));
                match verify(&format!("sqlite://{}", output.display())).await {
                    Ok(report) => print_verdict(&report),
                    Err(m) => fail("backup", &m),
                }
            })
        }
        Command::Restore { file, database, force } => {
            if is_postgres(&database) {
                return fail(
                    "restore",
                    "pour PostgreSQL, restaurez avec « pg_restore --no-owner -d URL bilan.dump » (voir le README)",
                );
            }
            let target = match bilan_store::backup::restore_sqlite(&file, &database, force) {
                Ok(t) => t,
                Err(e) => return fail("restore", &e.to_string()),
            };
            crate::write_stdout(&format!(
                "Sauvegarde {} restaurée dans {}.\n",
                file.display(),
                target.display()
            ));
            rt.block_on(async {
                match verify(&database).await {
                    Ok(report) => print_verdict(&report),
                    Err(m) => fail("restore", &m),
                }
            })
        }
    }
}

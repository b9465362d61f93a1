//! `bilan audit verify`, `bilan backup` and `bilan restore`, run as an administrator would:
//! on the demo databases (SQLite and PostgreSQL), after direct edits with `sqlite3` and
//! `psql`, through `pg_dump` / `pg_restore`, and during concurrent writes.
//!
//! PostgreSQL: `BILAN_TEST_POSTGRES_URL` names the maintenance database (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); unreachable, the tests fail unless
//! `BILAN_SKIP_POSTGRES=1`. `sqlite3`, `psql`, `pg_dump` and `pg_restore` must be installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

mod common;
use common::{skip_postgres, tool, PgDatabase};

fn bilan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bilan")).args(args).current_dir(dir).output().expect("bilan runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bilan-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sqlite3(file: &Path, sql: &str) {
    tool("sqlite3", &[file.to_str().unwrap(), sql]);
}

/// `bilan demo --seed-only` into `dir/name`; returns its URL.
fn seeded(dir: &Path, name: &str, national: bool) -> String {
    let url = format!("sqlite://{}", dir.join(name).display());
    let mut args = vec!["demo", "--seed-only", "--database", &url];
    if national {
        args.push("--national");
    }
    let o = bilan(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    url
}

fn verify(dir: &Path, url: &str) -> Output {
    bilan(dir, &["audit", "verify", "--database", url])
}

#[test]
fn help_is_french() {
    let dir = tempdir("aide");
    // Help is wrapped at 100 columns: compare with whitespace collapsed.
    let flat = |t: String| t.split_whitespace().collect::<Vec<_>>().join(" ");
    for (cmd, needle) in [
        (vec!["audit", "--help"], "Utilisation : bilan audit <COMMANDE>"),
        (vec!["audit", "verify", "--help"], "Code de sortie : 0 (intègre), 1 (altéré), 2 (base illisible)."),
        (vec!["backup", "--help"], "Utilisation : bilan sauvegarder [OPTIONS] --sortie <FICHIER>"),
        (vec!["restore", "--help"], "Utilisation : bilan restaurer [OPTIONS] <FICHIER>"),
    ] {
        let o = bilan(&dir, &cmd);
        assert_eq!(o.status.code(), Some(0));
        assert!(flat(stdout(&o)).contains(needle), "{cmd:?} : {}", stdout(&o));
    }
    let o = bilan(&dir, &["--help"]);
    for needle in ["audit", "sauvegarder", "(alias : backup)", "restaurer", "(alias : restore)"] {
        assert!(flat(stdout(&o)).contains(needle), "{needle} : {}", stdout(&o));
    }
    let o = bilan(&dir, &["audit"]);
    assert_eq!(o.status.code(), Some(2));
    let err = flat(stderr(&o));
    assert!(err.contains("verifier") && err.contains("(alias : verify)"), "{err}");
    let o = bilan(&dir, &["backup", "--database", "sqlite://x.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("argument obligatoire manquant : --sortie <FICHIER>"), "{}", stderr(&o));
}

#[test]
fn demo_databases_verify_clean() {
    let dir = tempdir("demo");
    let url = seeded(&dir, "demo.db", false);
    let o = verify(&dir, &url);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Journal d’audit intègre : "), "{out}");
    assert!(out.contains("versions figées vérifiées.\nDernière empreinte : "), "{out}");
    // `--database=URL` too; the national synthetic dataset on top.
    let url = seeded(&dir, "national.db", true);
    let o = bilan(&dir, &["audit", "verify", &format!("--database={url}")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // A missing database is unreadable, not intact (and is not created).
    let o = verify(&dir, "sqlite://absente.db");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("absente.db n'existe pas"), "{}", stderr(&o));
    assert!(!dir.join("absente.db").exists());
    let garbage = dir.join("pas-une-base.db");
    std::fs::write(&garbage, "ceci n'est pas une base SQLite, même pas un peu").unwrap();
    let o = verify(&dir, &format!("sqlite://{}", garbage.display()));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("bilan audit : base sqlite://"), "{}", stderr(&o));
}

#[test]
fn direct_edits_of_sqlite_are_named() {
    let dir = tempdir("sqlite-altere");
    seeded(&dir, "demo.db", false);
    let cases = [
        (
            "modifie.db",
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET target = 'rien' WHERE id = 5;",
            "Journal d’audit altéré : l’entrée n° 5 (",
        ),
        (
            "insere.db",
            "INSERT INTO audit_log (at, kind, target) VALUES ('2026-03-01T10:00:00Z', 'user.create', 'intrus');",
            "a été insérée : elle n’est pas chaînée aux entrées qui l’entourent.",
        ),
        (
            "supprime.db",
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 5;",
            "Journal d’audit altéré : une entrée a été supprimée entre les n° 4 et 6.",
        ),
        (
            "version.db",
            "DROP TRIGGER report_versions_no_update; \
             UPDATE report_versions SET text = replace(text, '1', '7') WHERE version = 1;",
            "Version figée altérée : la version 1 du rapport ",
        ),
    ];
    for (name, sql, message) in cases {
        let file = dir.join(name);
        std::fs::copy(dir.join("demo.db"), &file).unwrap();
        sqlite3(&file, sql);
        let o = verify(&dir, &format!("sqlite://{}", file.display()));
        assert_eq!(o.status.code(), Some(1), "{name} : {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains(message), "{name} : {}", stdout(&o));
        assert!(stdout(&o).contains("la base n'est pas intègre"), "{name}");
    }
    let o = verify(&dir, &format!("sqlite://{}", dir.join("modifie.db").display()));
    assert!(
        stdout(&o).contains("l’entrée n° 5 (") && stdout(&o).contains(") a été modifiée."),
        "{}",
        stdout(&o)
    );
}

#[test]
fn backup_during_concurrent_writes_verifies_and_restores() {
    let dir = tempdir("sauvegarde");
    let url = seeded(&dir, "bilan.db", false);
    // The national dataset is written (hundreds of transactions) while backups are taken.
    let mut writer = Command::new(env!("CARGO_BIN_EXE_bilan"))
        .args(["demo", "--seed-only", "--national", "--database", &url])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut during = 0;
    let mut n = 0;
    loop {
        let running = writer.try_wait().unwrap().is_none();
        n += 1;
        let file = format!("sauvegarde-{n}.db");
        let o = bilan(&dir, &["backup", "--database", &url, "-o", &file]);
        assert_eq!(o.status.code(), Some(0), "sauvegarde {n} : {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains(&format!("Sauvegarde écrite dans {file} (")), "{}", stdout(&o));
        assert!(stdout(&o).contains("Journal d’audit intègre"), "{}", stdout(&o));
        if running && writer.try_wait().unwrap().is_none() {
            during += 1;
        }
        if !running {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(writer.wait().unwrap().success());
    assert!(during >= 1, "au moins une sauvegarde pendant les écritures");
    let o = verify(&dir, &url);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // Never overwrites.
    let last = format!("sauvegarde-{n}.db");
    let before = std::fs::read(dir.join(&last)).unwrap();
    let o = bilan(&dir, &["backup", "--database", &url, "-o", &last]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("existe déjà : une sauvegarde n’écrase jamais un fichier"), "{}", stderr(&o));
    assert_eq!(std::fs::read(dir.join(&last)).unwrap(), before);

    // Restore: into a new place, then over an existing base only with --force.
    let o = bilan(&dir, &["restore", &last, "--database", "sqlite://restauree.db"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("restaurée dans restauree.db") && stdout(&o).contains("Journal d’audit intègre")
    );
    let o = bilan(&dir, &["restore", "sauvegarde-1.db", "--database=sqlite://restauree.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("existe déjà : ajoutez --force"), "{}", stderr(&o));
    let o = bilan(&dir, &["restore", "sauvegarde-1.db", "--database", "sqlite://restauree.db", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // A tampered backup is restored, and reported.
    sqlite3(
        &dir.join("sauvegarde-1.db"),
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE id = 3;",
    );
    let o = bilan(&dir, &["restore", "sauvegarde-1.db", "--database", "sqlite://alteree.db"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("l’entrée n° 3 (2020-01-01T00:00:00Z, "), "{}", stdout(&o));
    // Not a backup; PostgreSQL goes through its own tools.
    std::fs::write(dir.join("texte.db"), "pas une base").unwrap();
    let o = bilan(&dir, &["restore", "texte.db", "--database", "sqlite://autre.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("n’est pas une sauvegarde SQLite de bilan"), "{}", stderr(&o));
    let o = bilan(&dir, &["backup", "--database", "postgres://localhost/bilan", "-o", "x.dump"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pg_dump -Fc"), "{}", stderr(&o));
}

// ---------------------------------------------------------------- PostgreSQL

#[test]
fn postgres_demo_verifies_survives_pg_dump_and_names_direct_edits() {
    if skip_postgres() {
        return;
    }
    let dir = tempdir("postgres");
    let db = PgDatabase::create("source");
    // The demo data only: the national dataset is verified on SQLite (it takes a minute to
    // write on PostgreSQL in a debug build).
    let o = bilan(&dir, &["demo", "--seed-only", "--database", &db.url]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = verify(&dir, &db.url);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let intact = stdout(&o);

    // pg_dump -Fc, pg_restore into a fresh database: the chain verifies, same last hash.
    let dump = dir.join("bilan.dump");
    tool("pg_dump", &["-Fc", "-f", dump.to_str().unwrap(), &db.url]);
    let restored = PgDatabase::create("restauree");
    tool("pg_restore", &["--no-owner", "--exit-on-error", "-d", &restored.url, dump.to_str().unwrap()]);
    let o = verify(&dir, &restored.url);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), intact);
    let o = bilan(&dir, &["backup", "--database", &db.url, "-o", "x.db"]);
    assert_eq!(o.status.code(), Some(2));

    // Direct edits, each in its own copy, after dropping the triggers.
    let cases = [
        (
            "modifie",
            "DROP TRIGGER audit_log_append_only ON audit_log; UPDATE audit_log SET target = 'rien' WHERE id = 5;",
            "Journal d’audit altéré : l’entrée n° 5 (",
        ),
        (
            "insere",
            "INSERT INTO audit_log (at, kind, target) VALUES ('2026-03-01T10:00:00Z', 'user.create', 'intrus');",
            "a été insérée : elle n’est pas chaînée aux entrées qui l’entourent.",
        ),
        (
            "supprime",
            "DROP TRIGGER audit_log_append_only ON audit_log; DELETE FROM audit_log WHERE id = 5;",
            "Journal d’audit altéré : une entrée a été supprimée entre les n° 4 et 6.",
        ),
        (
            "version",
            "DROP TRIGGER report_versions_append_only ON report_versions; \
             UPDATE report_versions SET text = text || ' ' WHERE version = 1 AND report_id = \
             (SELECT MIN(report_id) FROM report_versions);",
            "Version figée altérée : la version 1 du rapport ",
        ),
    ];
    for (suffix, sql, message) in cases {
        let copy = PgDatabase::create_from(suffix, Some(&restored));
        copy.psql(sql);
        let o = verify(&dir, &copy.url);
        assert_eq!(o.status.code(), Some(1), "{suffix} : {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains(message), "{suffix} : {}", stdout(&o));
    }
}

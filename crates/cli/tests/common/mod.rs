//! What the CLI's test binaries share: throwaway PostgreSQL databases made with `psql`.
//!
//! `BILAN_TEST_POSTGRES_URL` names the maintenance database (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); unreachable, the tests fail unless
//! `BILAN_SKIP_POSTGRES=1`.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::process::{Command, Output};

pub fn maintenance_url() -> String {
    std::env::var("BILAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether the PostgreSQL tests are skipped (`BILAN_SKIP_POSTGRES=1`), saying so.
pub fn skip_postgres() -> bool {
    let skip = std::env::var("BILAN_SKIP_POSTGRES").as_deref() == Ok("1");
    if skip {
        eprintln!("PostgreSQL sauté (BILAN_SKIP_POSTGRES=1)");
    }
    skip
}

/// Runs `program args…`, which must succeed.
pub fn tool(program: &str, args: &[&str]) -> Output {
    let o = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} absent ({e})"));
    assert!(o.status.success(), "{program} {args:?} : {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Runs one SQL statement on `url` (stopping at the first error); its rows, unaligned, trimmed.
pub fn psql(url: &str, sql: &str) -> String {
    let o = tool("psql", &[url, "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql]);
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A database created for one test, dropped at the end (even on panic).
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create(suffix: &str) -> PgDatabase {
        PgDatabase::create_from(suffix, None)
    }

    /// A copy of `template` (no one may be connected to it).
    pub fn create_from(suffix: &str, template: Option<&PgDatabase>) -> PgDatabase {
        let name = format!("bilan_test_{}_cli_{suffix}", std::process::id());
        let admin = maintenance_url();
        let from = template.map(|t| format!(" TEMPLATE \"{}\"", t.name)).unwrap_or_default();
        psql(&admin, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        psql(&admin, &format!("CREATE DATABASE \"{name}\"{from}"));
        let (server, _) = admin.rsplit_once('/').expect("URL postgres://…/base");
        PgDatabase { url: format!("{server}/{name}"), name }
    }

    pub fn psql(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &maintenance_url(),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
            ])
            .output();
    }
}

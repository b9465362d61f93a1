//! Backups of a SQLite database (`bilan backup`, `bilan restore`). PostgreSQL is backed up
//! with its own tools, `pg_dump -Fc` and `pg_restore` (README, production section).
//!
//! A backup is `VACUUM INTO`: one read transaction, so the copy is the database as of one
//! instant even while the server writes (WAL mode lets the writers go on), compacted, and
//! never a half-written page. A restore copies the file next to the target, then renames it
//! over the target: a reader sees the old database or the new one, never a mix.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::StoreError;

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn rejected(message: String) -> StoreError {
    StoreError::Rejected(message)
}

/// The file of a `sqlite://PATH` or `sqlite:PATH` URL (without its `?options`); `None` for
/// another scheme or an in-memory database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Writes a consistent copy of the SQLite database of `url` to `dest` (`VACUUM INTO`).
/// Refused (`Rejected`, French message) if `dest` exists, if `url` is not a SQLite file or
/// if the database does not exist; the database itself is only read.
pub async fn backup_sqlite(url: &str, dest: &Path) -> Result<(), StoreError> {
    let Some(source) = sqlite_path(url) else {
        return Err(rejected(format!("« {url} » n’est pas une base SQLite sur disque (sqlite://CHEMIN).")));
    };
    if !source.is_file() {
        return Err(rejected(format!("La base {} n’existe pas.", source.display())));
    }
    if dest.symlink_metadata().is_ok() {
        return Err(rejected(format!(
            "Le fichier {} existe déjà : une sauvegarde n’écrase jamais un fichier.",
            dest.display()
        )));
    }
    let dest_text =
        dest.to_str().ok_or_else(|| rejected(format!("Le chemin {} n’est pas en UTF-8.", dest.display())))?;
    let mut conn = SqliteConnectOptions::from_str(url)?
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await?;
    let outcome = sqlx::query("VACUUM INTO $1").bind(dest_text).execute(&mut conn).await;
    conn.close().await.ok();
    outcome?;
    Ok(())
}

/// Puts the SQLite backup `backup` in place as the database of `url`: refused (`Rejected`)
/// if that database exists, unless `force`; then the backup is copied next to it and
/// renamed over it, and a forced restore removes the old database's `-wal` and `-shm`
/// files (they belong to the old database; stop the server first). Checking the restored
/// database is the caller's next step (`Store::connect`, then `verify_integrity`).
pub fn restore_sqlite(backup: &Path, url: &str, force: bool) -> Result<PathBuf, StoreError> {
    let Some(target) = sqlite_path(url) else {
        return Err(rejected(format!("« {url} » n’est pas une base SQLite sur disque (sqlite://CHEMIN).")));
    };
    let io = |what: &str, e: std::io::Error| rejected(format!("{what} : {e}"));
    let mut header = [0u8; 16];
    let read = std::fs::File::open(backup).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    if read.is_err() || &header != SQLITE_HEADER {
        return Err(rejected(format!("{} n’est pas une sauvegarde SQLite de bilan.", backup.display())));
    }
    if target.exists() && !force {
        return Err(rejected(format!(
            "La base {} existe déjà : ajoutez --force pour la remplacer (arrêtez d’abord le serveur).",
            target.display()
        )));
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.restauration-{}", std::process::id()));
    let copied = std::fs::copy(backup, &temp)
        .and_then(|_| std::fs::File::open(&temp))
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&format!("Copie vers {} impossible", temp.display()), e));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    for suffix in ["-wal", "-shm"] {
        let side = dir.join(format!("{name}{suffix}"));
        if side.exists() {
            if let Err(e) = std::fs::remove_file(&side) {
                let _ = std::fs::remove_file(&temp);
                return Err(io(&format!("Suppression de {} impossible", side.display()), e));
            }
        }
    }
    std::fs::rename(&temp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io(&format!("Mise en place de {} impossible", target.display()), e)
    })?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_urls() {
        assert_eq!(sqlite_path("sqlite://bilan.sqlite"), Some(PathBuf::from("bilan.sqlite")));
        assert_eq!(
            sqlite_path("sqlite:///var/lib/bilan.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/bilan.db"))
        );
        assert_eq!(sqlite_path("sqlite:bilan.db"), Some(PathBuf::from("bilan.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/bilan"), None);
    }
}

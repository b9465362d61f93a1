//! The tamper-evident audit trail: how an entry is sealed, and the walk that checks the
//! chain and the frozen versions (`bilan audit verify`).
//!
//! Each `audit_log` row stores `prev_hash`, the `hash` of the entry before it (64 `0` for
//! the first one, [`GENESIS`]), and its own
//! `hash = SHA-256(prev_hash || encoding of every column, id included)`, in lowercase hex.
//! The encoding of the columns, in this order — `id`, `at`, `actor_id`, `actor_login`,
//! `report_id`, `kind`, `target`, `before_value`, `after_value` — is, for each column, the
//! byte `0` when it is NULL, otherwise the byte `1`, the length of the value in bytes as a
//! big-endian `u64`, then the value (UTF-8 text; integers as decimal text). `prev_hash` is
//! hashed as its 64 ASCII hex digits. Each frozen version (`report_versions`) stores the
//! SHA-256 hex of its text's UTF-8 bytes in `sha256`.
//!
//! The chain is unkeyed: it makes a change, an insertion or a removal *inside* the journal
//! visible, but whoever can write the database can also recompute every hash after the
//! entry they changed, or cut its tail. The last hash that `verify` prints is the anchor
//! that defeats both: write it down outside the database (the backup log, a ticket) and
//! compare.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::{AuditEntry, Id};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// SHA-256 of `bytes`, lowercase hex: the fingerprint of a frozen version's text.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The columns of an audit entry, borrowed (the hash of a new entry is computed before its
/// row exists).
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntryColumns<'a> {
    pub id: Id,
    pub at: &'a str,
    pub actor: Option<Id>,
    pub actor_login: Option<&'a str>,
    pub report: Option<Id>,
    pub kind: &'a str,
    pub target: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

impl<'a> EntryColumns<'a> {
    pub(crate) fn of(e: &'a AuditEntry) -> EntryColumns<'a> {
        EntryColumns {
            id: e.id,
            at: &e.at,
            actor: e.actor,
            actor_login: e.actor_login.as_deref(),
            report: e.report_id,
            kind: &e.action,
            target: &e.target,
            before: e.before.as_deref(),
            after: e.after.as_deref(),
        }
    }
}

/// The hash of an entry whose predecessor's hash is `prev_hash` (see the module's doc).
pub fn entry_hash(prev_hash: &str, e: &AuditEntry) -> String {
    columns_hash(prev_hash, &EntryColumns::of(e))
}

pub(crate) fn columns_hash(prev_hash: &str, c: &EntryColumns<'_>) -> String {
    fn put(h: &mut Sha256, value: Option<&[u8]>) {
        match value {
            None => h.update([0u8]),
            Some(v) => {
                h.update([1u8]);
                h.update((v.len() as u64).to_be_bytes());
                h.update(v);
            }
        }
    }
    let int = |n: Option<Id>| n.map(|n| n.to_string());
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    put(&mut h, Some(c.id.to_string().as_bytes()));
    put(&mut h, Some(c.at.as_bytes()));
    put(&mut h, int(c.actor).as_deref().map(str::as_bytes));
    put(&mut h, c.actor_login.map(str::as_bytes));
    put(&mut h, int(c.report).as_deref().map(str::as_bytes));
    put(&mut h, Some(c.kind.as_bytes()));
    put(&mut h, Some(c.target.as_bytes()));
    put(&mut h, c.before.map(str::as_bytes));
    put(&mut h, c.after.map(str::as_bytes));
    hex(&h.finalize())
}

/// An audit row as stored, with its chain columns (NULL when written outside the store).
#[derive(Clone, Debug)]
pub(crate) struct ChainedRow {
    pub entry: AuditEntry,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// How an audit entry is named in a message: number, time and what it records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRef {
    pub id: Id,
    pub at: String,
    /// In French, e.g. « transmission du rapport 3 ».
    pub what: String,
}

impl EntryRef {
    fn of(e: &AuditEntry) -> EntryRef {
        EntryRef { id: e.id, at: e.at.clone(), what: describe(e) }
    }
}

impl fmt::Display for EntryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "l’entrée n° {} ({}, {})", self.id, self.at, self.what)
    }
}

/// What an entry records, in French, for the messages of `verify`.
fn describe(e: &AuditEntry) -> String {
    let report = e.report_id.map(|r| format!(" du rapport {r}")).unwrap_or_default();
    let quoted = |s: &str| format!("« {s} »");
    match e.action.as_str() {
        "report.status" => {
            let to = e.after.as_deref().unwrap_or("").lines().next().unwrap_or("");
            let from = e.before.as_deref().unwrap_or("");
            let what = match (from, to) {
                ("approuve", "transmis") => "réouverture",
                (_, "transmis") => "transmission",
                (_, "adopte") => "adoption",
                (_, "a_corriger") => "renvoi au Département",
                (_, "approuve") => "approbation",
                (_, "brouillon") => "retour en brouillon",
                _ => "changement de statut",
            };
            format!("{what}{report}")
        }
        "report.create" => format!("création{report}"),
        "user.create" => format!("création du compte {}", quoted(&e.target)),
        "user.active" => format!("activation ou désactivation du compte {}", quoted(&e.target)),
        "user.password" => format!("changement du mot de passe du compte {}", quoted(&e.target)),
        "session.create" => match &e.actor_login {
            Some(l) => format!("ouverture de session de {}", quoted(l)),
            None => "ouverture de session".to_owned(),
        },
        "session.delete" => "fermeture de session".to_owned(),
        "api_token.create" => format!("création du jeton d’API {}", quoted(&e.target)),
        "api_token.revoke" => format!("révocation du jeton d’API {}", quoted(&e.target)),
        "comment.add" => format!("commentaire{report}"),
        "credit.decision" => format!("décision sur un report de crédits{report}"),
        "credit.amount" => format!("montant de l’État pour l’année suivante{report}"),
        "justification.set" | "justification.delete" => format!("justification d’un avertissement{report}"),
        kind if e.report_id.is_some() => format!("modification {}{report}", quoted(kind)),
        kind => format!("opération {}", quoted(kind)),
    }
}

/// One thing `verify` found wrong. `Display` is the French message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alteration {
    /// The entry's columns no longer give its hash, or (when the entry after it no longer
    /// links to it) it was changed and sealed again.
    EntryModified(EntryRef),
    /// An entry that is not part of the chain: the entries around it link to each other.
    EntryInserted(EntryRef),
    /// The chain skips from `after` (`None`: the start of the journal) to `before`.
    EntryRemoved { after: Option<Id>, before: Id },
    /// The journal ends at `last` while the database had handed out number `high_water`
    /// (SQLite only: PostgreSQL's sequence skips numbers on rollbacks).
    TailRemoved { last: Option<Id>, high_water: Id },
    /// A frozen version's text no longer gives its stored fingerprint.
    VersionModified { report: Id, version: i32, at: String },
    /// A frozen version without fingerprint: written outside the store.
    VersionUnsealed { report: Id, version: i32, at: String },
}

impl fmt::Display for Alteration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Alteration::EntryModified(e) => write!(f, "Journal d’audit altéré : {e} a été modifiée."),
            Alteration::EntryInserted(e) => write!(
                f,
                "Journal d’audit altéré : {e} a été insérée : elle n’est pas chaînée aux entrées qui l’entourent."
            ),
            Alteration::EntryRemoved { after: None, before } => write!(
                f,
                "Journal d’audit altéré : une ou plusieurs entrées ont été supprimées avant l’entrée n° {before}, \
                 la première restante."
            ),
            Alteration::EntryRemoved { after: Some(after), before } if before - after == 2 => write!(
                f,
                "Journal d’audit altéré : une entrée a été supprimée entre les n° {after} et {before}."
            ),
            Alteration::EntryRemoved { after: Some(after), before } => write!(
                f,
                "Journal d’audit altéré : au moins une entrée a été supprimée entre les n° {after} et {before}."
            ),
            Alteration::TailRemoved { last: Some(last), high_water } => write!(
                f,
                "Journal d’audit altéré : les dernières entrées ont été supprimées (le journal s’arrête au n° {last}, \
                 la base a attribué jusqu’au n° {high_water})."
            ),
            Alteration::TailRemoved { last: None, high_water } => write!(
                f,
                "Journal d’audit altéré : toutes les entrées ont été supprimées (la base a attribué jusqu’au n° \
                 {high_water})."
            ),
            Alteration::VersionModified { report, version, at } => write!(
                f,
                "Version figée altérée : la version {version} du rapport {report} (transmise le {at}) a été modifiée : \
                 son texte ne correspond plus à son empreinte SHA-256."
            ),
            Alteration::VersionUnsealed { report, version, at } => write!(
                f,
                "Version figée altérée : la version {version} du rapport {report} (transmise le {at}) n’a pas \
                 d’empreinte SHA-256 : elle a été écrite hors de l’application."
            ),
        }
    }
}

/// What `verify` checked and found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Audit entries read.
    pub entries: u64,
    /// Frozen versions read.
    pub versions: u64,
    /// The hash of the last audit entry (as stored), `None` if the journal is empty.
    pub last_hash: Option<String>,
    /// The first alteration of the chain, if any, then every altered frozen version.
    pub alterations: Vec<Alteration>,
}

impl IntegrityReport {
    pub fn is_intact(&self) -> bool {
        self.alterations.is_empty()
    }

    /// The French summary of an intact database, e.g. « Journal d’audit intègre : 42
    /// entrées chaînées, 3 versions figées vérifiées. Dernière empreinte : 9f…».
    pub fn summary(&self) -> String {
        let plural = |n: u64, one: &str, many: &str| if n > 1 { many.to_owned() } else { one.to_owned() };
        format!(
            "Journal d’audit intègre : {} {}, {} {}.\nDernière empreinte : {}",
            self.entries,
            plural(self.entries, "entrée chaînée", "entrées chaînées"),
            self.versions,
            plural(self.versions, "version figée vérifiée", "versions figées vérifiées"),
            self.last_hash.as_deref().unwrap_or("aucune (journal vide)")
        )
    }
}

/// Walks the chain in id order, one row at a time (the journal is read in pages). A row is
/// judged once the next one is known: an insertion shows as a row the next one skips.
#[derive(Debug)]
pub(crate) struct ChainWalker {
    /// The hash the next entry must link to.
    expected: String,
    /// The last entry that was sealed and linked.
    last_good: Option<EntryRef>,
    pending: Option<ChainedRow>,
    entries: u64,
    last_id: Option<Id>,
    last_hash: Option<String>,
    alteration: Option<Alteration>,
}

impl ChainWalker {
    pub(crate) fn new() -> ChainWalker {
        ChainWalker {
            expected: GENESIS.to_owned(),
            last_good: None,
            pending: None,
            entries: 0,
            last_id: None,
            last_hash: None,
            alteration: None,
        }
    }

    pub(crate) fn push(&mut self, row: ChainedRow) {
        self.entries += 1;
        self.last_id = Some(row.entry.id);
        self.last_hash = row.hash.clone();
        if let Some(p) = self.pending.take() {
            self.judge(p, Some(&row));
        }
        self.pending = Some(row);
    }

    /// (entries, last id, last hash, first alteration).
    pub(crate) fn finish(mut self) -> (u64, Option<Id>, Option<String>, Option<Alteration>) {
        if let Some(p) = self.pending.take() {
            self.judge(p, None);
        }
        (self.entries, self.last_id, self.last_hash, self.alteration)
    }

    fn judge(&mut self, r: ChainedRow, next: Option<&ChainedRow>) {
        if self.alteration.is_some() {
            return;
        }
        let sealed = match (&r.prev_hash, &r.hash) {
            (Some(p), Some(h)) => entry_hash(p, &r.entry) == *h,
            _ => false,
        };
        let linked = r.prev_hash.as_deref() == Some(self.expected.as_str());
        if sealed && linked {
            self.expected = r.hash.clone().unwrap_or_default();
            self.last_good = Some(EntryRef::of(&r.entry));
            return;
        }
        let unsealed = r.prev_hash.is_none() || r.hash.is_none();
        let skipped_by_next = next.is_some_and(|n| n.prev_hash.as_deref() == Some(self.expected.as_str()));
        let alteration = if skipped_by_next || (next.is_none() && unsealed) {
            Alteration::EntryInserted(EntryRef::of(&r.entry))
        } else if sealed {
            // Intact itself but not linked to the entry before it.
            match &self.last_good {
                // Consecutive numbers: nothing is missing in between, so the entry before
                // was changed and sealed again (its hash is no longer the one recorded here).
                Some(prev) if r.entry.id == prev.id + 1 => Alteration::EntryModified(prev.clone()),
                Some(prev) => Alteration::EntryRemoved { after: Some(prev.id), before: r.entry.id },
                None if r.entry.id > 1 => Alteration::EntryRemoved { after: None, before: r.entry.id },
                None => Alteration::EntryModified(EntryRef::of(&r.entry)),
            }
        } else {
            Alteration::EntryModified(EntryRef::of(&r.entry))
        };
        self.alteration = Some(alteration);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: Id, target: &str) -> AuditEntry {
        AuditEntry {
            id,
            at: "2026-03-01T10:00:00Z".into(),
            actor: Some(1),
            actor_login: Some("admin".into()),
            report_id: Some(3),
            action: "report.status".into(),
            target: target.into(),
            before: Some("adopte".into()),
            after: Some("transmis".into()),
        }
    }

    /// A sealed chain of `n` entries numbered from 1.
    fn chain(n: Id) -> Vec<ChainedRow> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let e = entry(id, &format!("motif {id}"));
                let hash = entry_hash(&prev, &e);
                let row = ChainedRow { entry: e, prev_hash: Some(prev.clone()), hash: Some(hash.clone()) };
                prev = hash;
                row
            })
            .collect()
    }

    fn walk(rows: Vec<ChainedRow>) -> (u64, Option<Alteration>) {
        let mut w = ChainWalker::new();
        for r in rows {
            w.push(r);
        }
        let (n, _, _, a) = w.finish();
        (n, a)
    }

    #[test]
    fn known_vectors() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        // NULL and empty text differ; so do the same bytes split differently.
        let mut a = entry(1, "");
        let h1 = entry_hash(GENESIS, &a);
        a.before = None;
        assert_ne!(entry_hash(GENESIS, &a), h1);
        let (mut b, mut c) = (entry(1, "ab"), entry(1, "a"));
        b.before = Some(String::new());
        c.before = Some("b".into());
        assert_ne!(entry_hash(GENESIS, &b), entry_hash(GENESIS, &c));
        assert_eq!(entry_hash(GENESIS, &entry(1, "x")).len(), 64);
    }

    #[test]
    fn intact_chain() {
        assert_eq!(walk(chain(5)), (5, None));
        assert_eq!(walk(Vec::new()), (0, None));
    }

    #[test]
    fn a_modified_entry_is_named() {
        let mut rows = chain(5);
        rows[2].entry.target = "falsifié".into();
        let (_, a) = walk(rows);
        assert!(matches!(a, Some(Alteration::EntryModified(ref e)) if e.id == 3), "{a:?}");
        let msg = a.unwrap().to_string();
        assert_eq!(
            msg,
            "Journal d’audit altéré : l’entrée n° 3 (2026-03-01T10:00:00Z, transmission du rapport 3) a été modifiée."
        );
        // The last one too.
        let mut rows = chain(5);
        rows[4].entry.after = Some("approuve".into());
        assert!(matches!(walk(rows).1, Some(Alteration::EntryModified(ref e)) if e.id == 5));
    }

    #[test]
    fn a_modified_and_resealed_entry_is_named() {
        let mut rows = chain(5);
        rows[1].entry.target = "falsifié".into();
        rows[1].hash = Some(entry_hash(rows[1].prev_hash.as_deref().unwrap(), &rows[1].entry));
        assert!(matches!(walk(rows).1, Some(Alteration::EntryModified(ref e)) if e.id == 2));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut rows = chain(5);
        rows.remove(2);
        let (n, a) = walk(rows);
        assert_eq!(n, 4);
        assert_eq!(a, Some(Alteration::EntryRemoved { after: Some(2), before: 4 }));
        assert_eq!(
            a.unwrap().to_string(),
            "Journal d’audit altéré : une entrée a été supprimée entre les n° 2 et 4."
        );
        let mut rows = chain(5);
        rows.remove(0);
        assert_eq!(walk(rows).1, Some(Alteration::EntryRemoved { after: None, before: 2 }));
    }

    #[test]
    fn an_inserted_entry_is_named() {
        // In the middle (the store chains new entries to the last sealed one)...
        let mut rows = chain(5);
        let forged = ChainedRow { entry: entry(6, "ajout"), prev_hash: None, hash: None };
        rows.insert(3, forged.clone());
        assert!(matches!(walk(rows).1, Some(Alteration::EntryInserted(ref e)) if e.id == 6));
        // ...with a made-up seal...
        let mut rows = chain(5);
        let mut sealed = forged.clone();
        sealed.prev_hash = Some(GENESIS.into());
        sealed.hash = Some(entry_hash(GENESIS, &sealed.entry));
        rows.insert(2, sealed);
        assert!(matches!(walk(rows).1, Some(Alteration::EntryInserted(ref e)) if e.id == 6));
        // ...and at the end, unsealed.
        let mut rows = chain(5);
        rows.push(forged);
        assert!(matches!(walk(rows).1, Some(Alteration::EntryInserted(ref e)) if e.id == 6));
    }

    #[test]
    fn messages_are_french() {
        let v = Alteration::VersionModified { report: 3, version: 1, at: "2026-03-01T10:00:00Z".into() };
        assert!(v.to_string().starts_with("Version figée altérée : la version 1 du rapport 3"));
        let r =
            IntegrityReport { entries: 2, versions: 1, last_hash: Some("ab".into()), alterations: vec![] };
        assert_eq!(
            r.summary(),
            "Journal d’audit intègre : 2 entrées chaînées, 1 version figée vérifiée.\nDernière empreinte : ab"
        );
    }
}

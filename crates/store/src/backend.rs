//! The store's implementation, written once and compiled once per database.
//!
//! `sqlite.rs` and `postgres.rs` each include this file as their `backend` module after
//! defining `Db` (the sqlx database), `Backend` (their store type, with a `pool` field),
//! `begin_write` / `begin_read` and `FOR_UPDATE` (the row-lock clause of a locking read;
//! empty for SQLite, whose `BEGIN IMMEDIATE` already holds the write lock). The code is
//! therefore concrete for each database; SQL uses `$n` placeholders, which both drivers
//! accept, and only portable SQL (`RETURNING`, `ON CONFLICT … DO UPDATE`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use sqlx::{Database, QueryBuilder, Row};

use super::chain::{append_entry, freeze_version, NewEntry};
use super::{begin_read, begin_write, Backend, Db, FOR_UPDATE, KEY_LOCK, SKIP_LOCKED, STRPOS};
use crate::{
    check_code, check_date, check_email, check_programme, constraint_error, describe_list, describe_user,
    format_cents, parse_role, parse_status, split_list, territory_list, time, ApiToken, Attachment,
    AttachmentKind, AuditEntry, Campaign, CampaignDetail, ClaimedMail, Comment, CommentTarget, Convention,
    ConventionReport, CreditChoice, CreditDecision, Edit, EditScope, Id, Justification, MailStatus,
    NewAttachment, NewCampaign, NewCollectiviteReport, NewNotification, NewUser, Notification, OidcOutcome,
    OidcPending, OidcSignIn, OpenedCampaign, OutboxMail, ReferentielVersion, ReportCampaign, ReportFilter,
    ReportLink, ReportSummary, Status, StoreError, StoredReferentiel, StoredReport, Transition, User,
    COMMENT_MAX_CHARS, NOTIFICATION_KINDS, REMINDER_KINDS,
};
use crate::{ActionRow, FiguresOf, IndicatorRow, MeasureRow, ReportFigures, FIGURES_FORMAT};

type Conn = <Db as Database>::Connection;
type DbRow = <Db as Database>::Row;

/// How stale `api_tokens.last_used_at` may get: it is written at most this often.
const LAST_USED_PRECISION: Duration = Duration::from_secs(60);

const USER_COLUMNS: &str = "id, login, display_name, password_hash, role, territory, active, email";
const SUMMARY_COLUMNS: &str =
    "id, department, territories, year, programme, status, version, revision, updated_at";
const REPORT_COLUMNS: &str = "id, department, territories, year, programme, status, version, revision, \
     updated_at, text, deliberation_number, deliberation_date, transmitted_at";
const REFERENTIEL_COLUMNS: &str = "programme, version, text, updated_at, updated_by";
const CAMPAIGN_COLUMNS: &str = "id, programme, year, deadline, referentiel_version, opened_at, opened_by";
/// The columns of a convention and of its report (`cc`: campaign_conventions, `r`: reports).
const CONVENTION_COLUMNS: &str = "cc.campaign_id AS campaign_id, cc.collectivite AS collectivite, \
     cc.name AS name, cc.territories AS territories, cc.deadline AS deadline, r.id AS report_id, \
     r.status AS report_status, r.version AS report_version, r.transmitted_at AS report_transmitted_at";

fn user_from_row(r: &DbRow) -> Result<User, sqlx::Error> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        login: r.try_get("login")?,
        display_name: r.try_get("display_name")?,
        password_hash: r.try_get("password_hash")?,
        role: parse_role(&role)?,
        territory: r.try_get("territory")?,
        active: r.try_get("active")?,
        email: r.try_get("email")?,
    })
}

fn summary_from_row(r: &DbRow) -> Result<ReportSummary, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(ReportSummary {
        id: r.try_get("id")?,
        department: r.try_get("department")?,
        territories: split_list(&r.try_get::<String, _>("territories")?),
        year: r.try_get("year")?,
        programme: r.try_get("programme")?,
        status: parse_status(&status)?,
        version: r.try_get("version")?,
        revision: r.try_get("revision")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn referentiel_from_row(r: &DbRow) -> Result<StoredReferentiel, sqlx::Error> {
    Ok(StoredReferentiel {
        programme: r.try_get("programme")?,
        version: r.try_get("version")?,
        text: r.try_get("text")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
    })
}

fn campaign_from_row(r: &DbRow) -> Result<Campaign, sqlx::Error> {
    Ok(Campaign {
        id: r.try_get("id")?,
        programme: r.try_get("programme")?,
        year: r.try_get("year")?,
        deadline: r.try_get("deadline")?,
        referentiel_version: r.try_get("referentiel_version")?,
        opened_at: r.try_get("opened_at")?,
        opened_by: r.try_get("opened_by")?,
    })
}

/// A convention and its report, from the columns of [`CONVENTION_COLUMNS`].
fn convention_from_row(r: &DbRow) -> Result<Convention, sqlx::Error> {
    let report_id: Option<Id> = r.try_get("report_id")?;
    let report = match report_id {
        Some(id) => {
            let status: String = r.try_get("report_status")?;
            Some(ConventionReport {
                id,
                status: parse_status(&status)?,
                version: r.try_get("report_version")?,
                transmitted_at: r.try_get("report_transmitted_at")?,
            })
        }
        None => None,
    };
    Ok(Convention {
        campaign: r.try_get("campaign_id")?,
        collectivite: r.try_get("collectivite")?,
        name: r.try_get("name")?,
        territories: split_list(&r.try_get::<String, _>("territories")?),
        deadline: r.try_get("deadline")?,
        report,
    })
}

/// One audit line to append.
struct AuditRecord<'a> {
    actor: Option<Id>,
    report: Option<Id>,
    kind: &'a str,
    target: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

/// Appends to the audit log, in the caller's transaction. The actor's login is copied so
/// the entry keeps saying who acted.
///
/// The entry is sealed into the tamper-evident chain (`chain.rs`): this takes the chain's
/// lock until the caller's transaction ends, so append as late as possible in it.
async fn append_audit(conn: &mut Conn, at: &str, rec: AuditRecord<'_>) -> Result<(), StoreError> {
    let entry = NewEntry {
        actor: rec.actor,
        report: rec.report,
        kind: rec.kind,
        target: rec.target,
        before: rec.before,
        after: rec.after,
    };
    append_entry(conn, at, entry).await
}

async fn action_revisions(conn: &mut Conn, id: Id) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT number, revision FROM action_revisions WHERE report_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("number")?, r.try_get("revision")?))).collect()
}

/// Loads a report; `lock` takes the row lock (PostgreSQL `FOR UPDATE`).
async fn load_report(conn: &mut Conn, id: Id, lock: bool) -> Result<Option<StoredReport>, sqlx::Error> {
    let sql =
        format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1{}", if lock { FOR_UPDATE } else { "" });
    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let summary = summary_from_row(&row)?;
    Ok(Some(StoredReport {
        summary,
        text: row.try_get("text")?,
        action_revisions: action_revisions(conn, id).await?,
        deliberation_number: row.try_get("deliberation_number")?,
        deliberation_date: row.try_get("deliberation_date")?,
        transmitted_at: row.try_get("transmitted_at")?,
    }))
}

/// The status of a report, locking its row (PostgreSQL).
async fn locked_status(conn: &mut Conn, id: Id) -> Result<Option<Status>, sqlx::Error> {
    let sql = format!("SELECT status FROM reports WHERE id = $1{FOR_UPDATE}");
    let code: Option<String> = sqlx::query_scalar(&sql).bind(id).fetch_optional(&mut *conn).await?;
    code.as_deref().map(parse_status).transpose()
}

/// The credit writes of the State (decisions, next year's amount) need a report that is
/// Transmitted or Approved: `NotFound` or `BadTransition` otherwise. Locks the report row.
async fn credit_writable(conn: &mut Conn, report: Id) -> Result<(), StoreError> {
    match locked_status(conn, report).await? {
        None => Err(StoreError::NotFound),
        Some(Status::Transmitted | Status::Approved) => Ok(()),
        Some(from) => Err(StoreError::BadTransition { from }),
    }
}

/// The justifications of a report, by code then path, in the caller's transaction.
async fn load_justifications(conn: &mut Conn, report: Id) -> Result<Vec<Justification>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT code, path, text, author_id, at FROM justifications WHERE report_id = $1 ORDER BY code, path",
    )
    .bind(report)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Justification {
                code: r.try_get("code")?,
                path: r.try_get("path")?,
                text: r.try_get("text")?,
                author: r.try_get("author_id")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Checks a comment before it is written: its trimmed text, or `Rejected`.
fn comment_text<'t>(target: &CommentTarget, text: &'t str) -> Result<&'t str, StoreError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::Rejected("Le commentaire est vide.".to_owned()));
    }
    let chars = text.chars().count();
    if chars > COMMENT_MAX_CHARS {
        return Err(StoreError::Rejected(format!(
            "Le commentaire dépasse 4 000 caractères (il en compte {chars})."
        )));
    }
    let (key, path) = target.columns();
    if key.iter().chain(path.iter()).any(|s| s.trim().is_empty()) {
        return Err(StoreError::Rejected("La cible du commentaire est incomplète.".to_owned()));
    }
    Ok(text)
}

/// Appends a checked comment and its audit entry, in the caller's transaction.
async fn insert_comment(
    conn: &mut Conn,
    now: &str,
    actor: Id,
    report: Id,
    version: i32,
    target: &CommentTarget,
    text: &str,
) -> Result<Id, StoreError> {
    let (key, path) = target.columns();
    let id: Id = sqlx::query_scalar(
        "INSERT INTO comments (report_id, version, kind, target_key, target_path, text, author_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(report)
    .bind(version)
    .bind(target.kind())
    .bind(key)
    .bind(path)
    .bind(text)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(constraint_error)?;
    let audit_target = format!("version {version}, {target}");
    let rec = AuditRecord {
        actor: Some(actor),
        report: Some(report),
        kind: "comment.add",
        target: &audit_target,
        before: None,
        after: Some(text),
    };
    append_audit(conn, now, rec).await?;
    Ok(id)
}

fn check_amount(cents: i64) -> Result<(), StoreError> {
    if cents < 0 {
        return Err(StoreError::Rejected(
            "Le montant de l’État pour l’année suivante ne peut pas être négatif.".to_owned(),
        ));
    }
    Ok(())
}

/// Bumps the revision of a report's credits form: the new revision.
async fn bump_credits_revision(conn: &mut Conn, report: Id) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE reports SET credits_revision = credits_revision + 1 WHERE id = $1 RETURNING credits_revision",
    )
    .bind(report)
    .fetch_one(&mut *conn)
    .await
}

/// Writes the State amount for the next year and its audit entry.
async fn write_amount(
    conn: &mut Conn,
    now: &str,
    actor: Id,
    report: Id,
    cents: i64,
) -> Result<(), StoreError> {
    let before: Option<i64> = sqlx::query_scalar("SELECT cents FROM next_year_amounts WHERE report_id = $1")
        .bind(report)
        .fetch_optional(&mut *conn)
        .await?;
    if before == Some(cents) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO next_year_amounts (report_id, cents, author_id, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (report_id) \
         DO UPDATE SET cents = excluded.cents, author_id = excluded.author_id, at = excluded.at",
    )
    .bind(report)
    .bind(cents)
    .bind(actor)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(constraint_error)?;
    let before = before.map(format_cents);
    let after = format_cents(cents);
    let rec = AuditRecord {
        actor: Some(actor),
        report: Some(report),
        kind: "credit.amount",
        target: "montant de l’État N+1",
        before: before.as_deref(),
        after: Some(&after),
    };
    append_audit(conn, now, rec).await
}

/// Writes (or deletes, `accept` = None) the decision on one carry-over line and its audit
/// entry: whether anything changed.
async fn write_decision(
    conn: &mut Conn,
    now: &str,
    actor: Id,
    report: Id,
    (action, line, accept, reason): (&str, &str, Option<bool>, &str),
) -> Result<bool, StoreError> {
    let reason = reason.trim();
    let row = sqlx::query(
        "SELECT accept, reason FROM credit_decisions WHERE report_id = $1 AND action = $2 AND line = $3",
    )
    .bind(report)
    .bind(action)
    .bind(line)
    .fetch_optional(&mut *conn)
    .await?;
    let before = match &row {
        Some(r) => Some(describe_decision(r.try_get("accept")?, &r.try_get::<String, _>("reason")?)),
        None => None,
    };
    let after = accept.map(|a| describe_decision(a, reason));
    if before == after {
        return Ok(false);
    }
    match accept {
        None => {
            sqlx::query("DELETE FROM credit_decisions WHERE report_id = $1 AND action = $2 AND line = $3")
                .bind(report)
                .bind(action)
                .bind(line)
                .execute(&mut *conn)
                .await?;
        }
        Some(accept) => {
            sqlx::query(
                "INSERT INTO credit_decisions (report_id, action, line, accept, reason, author_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (report_id, action, line) \
                 DO UPDATE SET accept = excluded.accept, reason = excluded.reason, \
                               author_id = excluded.author_id, at = excluded.at",
            )
            .bind(report)
            .bind(action)
            .bind(line)
            .bind(accept)
            .bind(reason)
            .bind(actor)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(constraint_error)?;
        }
    }
    let target = format!("{action} {line}");
    let rec = AuditRecord {
        actor: Some(actor),
        report: Some(report),
        kind: "credit.decision",
        target: &target,
        before: before.as_deref(),
        after: after.as_deref(),
    };
    append_audit(conn, now, rec).await?;
    Ok(true)
}

/// Sets an account's password hash (only if the account is active, when asked): its
/// login, or `None` when there is no such account.
async fn write_password(
    conn: &mut Conn,
    id: Id,
    hash: &str,
    active_only: bool,
) -> Result<Option<String>, sqlx::Error> {
    let sql = if active_only {
        "UPDATE users SET password_hash = $1 WHERE id = $2 AND active RETURNING login"
    } else {
        "UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING login"
    };
    sqlx::query_scalar(sql).bind(hash).bind(id).fetch_optional(&mut *conn).await
}

/// Ends the sessions of `user` but `keep` (a token hash): how many were ended.
async fn end_sessions(conn: &mut Conn, user: Id, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user)
        .bind(keep.unwrap_or(""))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Revokes every live API token of `user`: how many were revoked.
async fn revoke_tokens(conn: &mut Conn, user: Id, now: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(user)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// `SELECT {columns} FROM reports` with the filter's conditions and the listing order, or
/// `None` when the filter matches nothing (an empty list).
fn filtered_reports<'a>(columns: &str, filter: &'a ReportFilter) -> Option<QueryBuilder<'a, Db>> {
    let mut qb: QueryBuilder<'a, Db> =
        QueryBuilder::new(format!("SELECT {columns} FROM reports WHERE 1 = 1"));
    push_conditions(&mut qb, filter)?;
    qb.push(" ORDER BY department, year DESC, id");
    Some(qb)
}

/// The filter's conditions on `reports`, after a `WHERE 1 = 1`; `None` when the filter
/// matches nothing.
fn push_conditions<'a>(qb: &mut QueryBuilder<'a, Db>, filter: &'a ReportFilter) -> Option<()> {
    if let Some(departments) = &filter.departments {
        if departments.is_empty() {
            return None;
        }
        // The collectivité itself, or any of its territories (`,67,` in `,67,68,`).
        qb.push(" AND (department IN (");
        let mut list = qb.separated(", ");
        for d in departments {
            list.push_bind(d.as_str());
        }
        list.push_unseparated(")");
        for d in departments.iter().filter(|d| check_code(d).is_ok()) {
            qb.push(format!(" OR {STRPOS}(',' || territories || ',', "));
            qb.push_bind(format!(",{d},"));
            qb.push(") > 0");
        }
        qb.push(")");
    }
    if let Some(statuses) = &filter.statuses {
        if statuses.is_empty() {
            return None;
        }
        qb.push(" AND status IN (");
        let mut list = qb.separated(", ");
        for s in statuses {
            list.push_bind(s.as_str());
        }
        list.push_unseparated(")");
    }
    if let Some(year) = filter.year {
        qb.push(" AND year = ").push_bind(year);
    }
    Some(())
}

/// A report to insert, checked.
struct ReportRow<'a> {
    collectivite: &'a str,
    /// Principal first.
    territories: &'a [&'a str],
    year: i32,
    programme: &'a str,
    text: &'a str,
    actions: &'a [String],
}

/// Inserts a report in Draft and its action revisions, in the caller's transaction,
/// without its audit entry: `Duplicate` if the collectivité has one that year.
async fn insert_report(
    conn: &mut Conn,
    now: &str,
    r: &ReportRow<'_>,
    figures: Option<FiguresOf>,
) -> Result<Id, StoreError> {
    let id: Id = sqlx::query_scalar(
        "INSERT INTO reports (department, territories, year, programme, status, version, revision, text, \
                              created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, 1, $6, $7, $7) RETURNING id",
    )
    .bind(r.collectivite)
    .bind(r.territories.join(","))
    .bind(r.year)
    .bind(r.programme)
    .bind(Status::Draft.as_str())
    .bind(r.text)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(constraint_error)?;
    let numbers: BTreeSet<&str> = r.actions.iter().map(String::as_str).collect();
    for number in numbers {
        sqlx::query("INSERT INTO action_revisions (report_id, number, revision) VALUES ($1, $2, 1)")
            .bind(id)
            .bind(number)
            .execute(&mut *conn)
            .await?;
    }
    record_figures(conn, figures, id, r.text).await?;
    Ok(id)
}

// ----- figures -----

/// Rows per multi-row INSERT of figures (far below both databases' bind limits).
const FIGURE_CHUNK: usize = 500;

/// Replaces the figures of report `id` by those the application's `figures` computes
/// from `text`, in the caller's transaction (before its journal entry: no lock is taken
/// but the report's row, already held). No hook, or no figures: the old rows go, as they
/// would describe another text.
async fn record_figures(
    conn: &mut Conn,
    figures: Option<FiguresOf>,
    id: Id,
    text: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM report_figures WHERE report_id = $1").bind(id).execute(&mut *conn).await?;
    match figures.and_then(|f| f(text)) {
        Some(f) => insert_figures(conn, id, &f).await,
        None => Ok(()),
    }
}

/// Inserts the figures of report `id` (none may exist): a few multi-row INSERTs.
async fn insert_figures(conn: &mut Conn, id: Id, f: &ReportFigures) -> Result<(), sqlx::Error> {
    // At the revision the caller's transaction leaves the report.
    sqlx::query(
        "INSERT INTO report_figures (report_id, format, revision, department, collectivite, deadline) \
         SELECT $1, $2, revision, $3, $4, $5 FROM reports WHERE id = $1",
    )
    .bind(id)
    .bind(FIGURES_FORMAT)
    .bind(&f.department)
    .bind(f.collectivite.as_deref())
    .bind(f.deadline.as_deref())
    .execute(&mut *conn)
    .await?;
    for chunk in f.measures.chunks(FIGURE_CHUNK) {
        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(
            "INSERT INTO report_figure_measures (report_id, measure, number, kind, code, title) ",
        );
        qb.push_values(chunk, |mut b, m| {
            b.push_bind(id)
                .push_bind(m.index)
                .push_bind(m.number.as_str())
                .push_bind(m.kind.as_str())
                .push_bind(m.code.as_deref())
                .push_bind(m.title.as_str());
        });
        qb.build().execute(&mut *conn).await?;
    }
    for chunk in f.actions.chunks(FIGURE_CHUNK) {
        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(
            "INSERT INTO report_figure_actions (report_id, measure, action, number, budget_shared, planned, \
             committed, spent, carry_over, state_share, department_share, sources) ",
        );
        qb.push_values(chunk, |mut b, a| {
            b.push_bind(id)
                .push_bind(a.measure)
                .push_bind(a.index)
                .push_bind(a.number.as_str())
                .push_bind(a.budget_shared)
                .push_bind(a.planned)
                .push_bind(a.committed)
                .push_bind(a.spent)
                .push_bind(a.carry_over)
                .push_bind(a.state_share)
                .push_bind(a.department_share)
                .push_bind(a.sources.as_str());
        });
        qb.build().execute(&mut *conn).await?;
    }
    for chunk in f.indicators.chunks(FIGURE_CHUNK) {
        let mut qb: QueryBuilder<'_, Db> = QueryBuilder::new(
            "INSERT INTO report_figure_indicators (report_id, measure, action, indicator, name, code, unit, \
             value, missing_reason, missing_text, parts) ",
        );
        qb.push_values(chunk, |mut b, i| {
            b.push_bind(id)
                .push_bind(i.measure)
                .push_bind(i.action)
                .push_bind(i.index)
                .push_bind(i.name.as_str())
                .push_bind(i.code.as_deref())
                .push_bind(i.unit.as_deref())
                .push_bind(i.value)
                .push_bind(i.missing_reason.as_deref())
                .push_bind(i.missing_text.as_deref())
                .push_bind(i.parts.as_deref());
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// `SELECT {columns} FROM {table} WHERE report_id IN (the filter's reports)`.
fn figure_rows<'a>(
    columns: &str,
    table: &str,
    filter: &'a ReportFilter,
    order: &str,
) -> QueryBuilder<'a, Db> {
    let mut qb: QueryBuilder<'a, Db> = QueryBuilder::new(format!(
        "SELECT {columns} FROM {table} WHERE report_id IN (SELECT id FROM reports WHERE 1 = 1"
    ));
    // The caller has checked that the filter matches something.
    let _ = push_conditions(&mut qb, filter);
    qb.push(format!(") ORDER BY {order}"));
    qb
}

/// The audit entry of a new report: its whole text.
async fn audit_report_created(
    conn: &mut Conn,
    now: &str,
    actor: Option<Id>,
    id: Id,
    r: &ReportRow<'_>,
) -> Result<(), StoreError> {
    let target = format!("{} {}", r.collectivite, r.year);
    let rec = AuditRecord {
        actor,
        report: Some(id),
        kind: "report.create",
        target: &target,
        before: None,
        after: Some(r.text),
    };
    append_audit(conn, now, rec).await
}

/// Rolls `tx` back when `outcome` is an error (nothing written), commits it otherwise.
async fn finish<T>(
    tx: sqlx::Transaction<'static, Db>,
    outcome: Result<T, StoreError>,
) -> Result<T, StoreError> {
    match outcome {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// A convention's own deadline as the journal writes it.
fn describe_deadline(own: Option<&str>, campaign: &str) -> String {
    match own {
        Some(date) => date.to_owned(),
        None => format!("{campaign} (échéance de la campagne)"),
    }
}

/// A campaign as the journal names it.
fn campaign_target(programme: &str, year: i32) -> String {
    format!("campagne {programme} {year}")
}

/// Loads the conventions matching `condition` (on `cc`, with `$1`) and their reports.
async fn load_conventions(conn: &mut Conn, condition: &str, key: Id) -> Result<Vec<Convention>, sqlx::Error> {
    let sql = format!(
        "SELECT {CONVENTION_COLUMNS} FROM campaign_conventions cc LEFT JOIN reports r ON r.id = cc.report_id \
         WHERE {condition} ORDER BY cc.collectivite"
    );
    let rows = sqlx::query(&sql).bind(key).fetch_all(&mut *conn).await?;
    rows.iter().map(convention_from_row).collect()
}

async fn load_campaign(conn: &mut Conn, id: Id) -> Result<Option<Campaign>, sqlx::Error> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(campaign_from_row).transpose()
}

/// The checked conventions of a campaign to open: (stored territories, the report's
/// territories principal first) of each, in order.
fn check_campaign(c: &NewCampaign) -> Result<Vec<(String, Vec<&str>)>, StoreError> {
    check_programme(&c.programme)?;
    check_date("Échéance de la campagne", &c.deadline)?;
    if c.conventions.is_empty() {
        return Err(StoreError::Rejected("Une campagne compte au moins une convention.".to_owned()));
    }
    let mut collectivites = BTreeSet::new();
    let mut checked = Vec::with_capacity(c.conventions.len());
    for conv in &c.conventions {
        check_code(&conv.collectivite)?;
        if !collectivites.insert(conv.collectivite.as_str()) {
            return Err(StoreError::Rejected(format!(
                "La collectivité {} figure deux fois dans la campagne.",
                conv.collectivite
            )));
        }
        if conv.name.trim().is_empty() {
            return Err(StoreError::Rejected(format!(
                "Le nom de la collectivité {} est obligatoire.",
                conv.collectivite
            )));
        }
        // Two collectivités may cover one Département (the Rhône and the Métropole de
        // Lyon both cover 69): no check across conventions.
        let stored = territory_list(&conv.territories)?;
        if let Some(deadline) = &conv.deadline {
            check_date(&format!("Échéance de {}", conv.collectivite), deadline)?;
        }
        let principal = conv.report.as_ref().map(|r| r.department.as_str());
        if let Some(principal) = principal {
            if !conv.territories.iter().any(|t| t == principal) {
                return Err(StoreError::Rejected(format!(
                    "Le département principal {principal} du rapport de {} n’est pas l’un de ses territoires ({}).",
                    conv.collectivite,
                    describe_list(&conv.territories)
                )));
            }
        }
        let others = conv.territories.iter().map(String::as_str).filter(|t| Some(*t) != principal);
        checked.push((stored, principal.into_iter().chain(others).collect()));
    }
    Ok(checked)
}

/// Inserts version 1 of a programme's referentiel unless the programme has one: whether it
/// did. On PostgreSQL a concurrent insert of the same programme waits for the other
/// transaction and then inserts nothing.
async fn insert_referentiel(
    conn: &mut Conn,
    now: &str,
    actor: Option<Id>,
    programme: &str,
    text: &str,
) -> Result<bool, StoreError> {
    let inserted: Option<String> = sqlx::query_scalar(
        "INSERT INTO referentiels (programme, text, version, updated_at, updated_by) \
         VALUES ($1, $2, 1, $3, $4) ON CONFLICT (programme) DO NOTHING RETURNING programme",
    )
    .bind(programme)
    .bind(text)
    .bind(now)
    .bind(actor)
    .fetch_optional(&mut *conn)
    .await
    .map_err(constraint_error)?;
    if inserted.is_none() {
        return Ok(false);
    }
    insert_referentiel_version(conn, now, actor, programme, 1, text).await?;
    Ok(true)
}

/// Appends one version to the history of a referentiel.
async fn insert_referentiel_version(
    conn: &mut Conn,
    now: &str,
    actor: Option<Id>,
    programme: &str,
    version: i32,
    text: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO referentiel_versions (programme, version, text, at, actor_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(programme)
    .bind(version)
    .bind(text)
    .bind(now)
    .bind(actor)
    .execute(&mut *conn)
    .await
    .map_err(constraint_error)?;
    Ok(())
}

/// A credit decision as written in the journal: `accepté` or `refusé`, then the reason.
const ATTACHMENT_COLUMNS: &str = "a.id AS id, a.report_id AS report_id, a.kind AS kind, a.action AS action, \
     a.title AS title, a.file_name AS file_name, a.media_type AS media_type, a.sha256 AS sha256, \
     a.size AS size, a.uploaded_by AS uploaded_by, u.login AS uploader_login, a.at AS at, \
     a.frozen_version AS frozen_version";

fn attachment_from_row(r: &DbRow) -> Result<Attachment, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Attachment {
        id: r.try_get("id")?,
        report: r.try_get("report_id")?,
        kind: AttachmentKind::from_code(&kind)
            .ok_or_else(|| crate::decode_error("type de pièce jointe", &kind))?,
        action: r.try_get("action")?,
        title: r.try_get("title")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploader_login: r.try_get("uploader_login")?,
        at: r.try_get("at")?,
        frozen_version: r.try_get("frozen_version")?,
    })
}

/// Inserts an attachment into the working set of `report` (its content once per
/// fingerprint; a deliberation replaces the working set's one), in the caller's
/// transaction. Returns its id and the journal's description of it.
async fn insert_attachment(
    conn: &mut Conn,
    now: &str,
    actor: Id,
    report: Id,
    a: &NewAttachment,
) -> Result<(Id, String), StoreError> {
    sqlx::query("INSERT INTO attachment_blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
        .bind(&a.sha256)
        .bind(a.size)
        .bind(a.bytes.as_deref())
        .execute(&mut *conn)
        .await?;
    if a.bytes.is_some() {
        // A blob first kept outside the database (an earlier `--fichiers`) now has its bytes.
        sqlx::query("UPDATE attachment_blobs SET bytes = $1 WHERE sha256 = $2 AND bytes IS NULL")
            .bind(a.bytes.as_deref())
            .bind(&a.sha256)
            .execute(&mut *conn)
            .await?;
    }
    if a.kind == AttachmentKind::Deliberation {
        sqlx::query(
            "DELETE FROM attachments WHERE report_id = $1 AND kind = 'deliberation' AND frozen_version IS NULL",
        )
        .bind(report)
        .execute(&mut *conn)
        .await?;
    }
    let id: Id = sqlx::query_scalar(
        "INSERT INTO attachments (report_id, kind, action, title, file_name, media_type, sha256, size, \
                                  uploaded_by, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(report)
    .bind(a.kind.as_str())
    .bind(a.action.as_deref())
    .bind(a.title.trim())
    .bind(&a.file_name)
    .bind(&a.media_type)
    .bind(&a.sha256)
    .bind(a.size)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        id,
        describe_attachment(a.kind, a.action.as_deref(), a.title.trim(), &a.file_name, &a.sha256, a.size),
    ))
}

/// An attachment as the journal writes it.
fn describe_attachment(
    kind: AttachmentKind,
    action: Option<&str>,
    title: &str,
    file_name: &str,
    sha256: &str,
    size: i64,
) -> String {
    let what = match (kind, action) {
        (AttachmentKind::Deliberation, _) => "délibération signée".to_owned(),
        (AttachmentKind::Piece, Some(n)) => format!("pièce de l'action {n}"),
        (AttachmentKind::Piece, None) => "pièce".to_owned(),
    };
    format!("{what} : {title}\nfichier : {file_name} ({size} octets)\nsha256 : {sha256}")
}

fn describe_decision(accept: bool, reason: &str) -> String {
    let word = if accept { "accepté" } else { "refusé" };
    if reason.is_empty() {
        word.to_owned()
    } else {
        format!("{word} : {reason}")
    }
}

/// Checks notifications before anything is written: `Rejected` for an unknown kind, a
/// link that is not a path of the application, or an address the store refuses.
fn check_notifications(list: &[NewNotification]) -> Result<(), StoreError> {
    for n in list {
        if !NOTIFICATION_KINDS.contains(&n.kind.as_str()) {
            return Err(StoreError::Rejected(format!("Type de notification inconnu : « {} ».", n.kind)));
        }
        if !n.link.starts_with('/') || n.subject.trim().is_empty() {
            return Err(StoreError::Rejected("Notification sans objet ou sans lien.".to_owned()));
        }
        if let Some(mail) = &n.mail {
            check_email(&mail.to)?;
        }
    }
    Ok(())
}

/// Writes checked notifications and their e-mails (to the outbox, due at once), in the
/// caller's transaction: before its audit entry, which comes last.
async fn insert_notifications(
    conn: &mut Conn,
    now: &str,
    report: Option<Id>,
    list: &[NewNotification],
) -> Result<(), StoreError> {
    for n in list {
        let id: Id = sqlx::query_scalar(
            "INSERT INTO notifications (user_id, report_id, kind, subject, body, link, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(n.user)
        .bind(report)
        .bind(&n.kind)
        .bind(&n.subject)
        .bind(&n.body)
        .bind(&n.link)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(constraint_error)?;
        if let Some(mail) = &n.mail {
            sqlx::query(
                "INSERT INTO outbox (notification_id, recipient, subject, body, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(id)
            .bind(&mail.to)
            .bind(&mail.subject)
            .bind(&mail.body)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(constraint_error)?;
        }
    }
    Ok(())
}

fn notification_from_row(r: &DbRow) -> Result<Notification, sqlx::Error> {
    Ok(Notification {
        id: r.try_get("id")?,
        user: r.try_get("user_id")?,
        report: r.try_get("report_id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        link: r.try_get("link")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}

fn mail_from_row(r: &DbRow) -> Result<OutboxMail, sqlx::Error> {
    Ok(OutboxMail {
        id: r.try_get("id")?,
        recipient: r.try_get("recipient")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
        status: MailStatus::from_code(&r.try_get::<String, _>("status")?)?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        sent_at: r.try_get("sent_at")?,
        last_error: r.try_get("last_error")?,
    })
}

impl Backend {
    /// Closes every connection of the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ----- users -----

    pub async fn create_user(&self, actor: Option<Id>, u: NewUser) -> Result<Id, StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let id: Id = sqlx::query_scalar(
            "INSERT INTO users (login, display_name, password_hash, role, territory, active, created_at, email) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&u.login)
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind(u.role.as_str())
        .bind(&u.territory)
        .bind(true)
        .bind(&now)
        .bind(&u.email)
        .fetch_one(&mut *tx)
        .await
        .map_err(constraint_error)?;
        let after = describe_user(
            &u.login,
            &u.display_name,
            u.role,
            u.territory.as_deref(),
            true,
            u.email.as_deref(),
        );
        let rec = AuditRecord {
            actor,
            report: None,
            kind: "user.create",
            target: &u.login,
            before: None,
            after: Some(&after),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn user(&self, id: Id) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE lower(login) = lower($1)");
        let row = sqlx::query(&sql).bind(login).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY login, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn set_user_active(&self, actor: Id, id: Id, active: bool) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1{FOR_UPDATE}");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let user = user_from_row(&row)?;
        sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
            .bind(active)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if !active {
            end_sessions(&mut tx, id, None).await?;
            revoke_tokens(&mut tx, id, &now).await?;
        }
        let word = |a: bool| if a { "actif" } else { "inactif" };
        let rec = AuditRecord {
            actor: Some(actor),
            report: None,
            kind: "user.active",
            target: &user.login,
            before: Some(word(user.active)),
            after: Some(word(active)),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1)");
        let row = sqlx::query(&sql).bind(email).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn set_user_email(
        &self,
        actor: Option<Id>,
        id: Id,
        email: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1{FOR_UPDATE}");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let user = user_from_row(&row)?;
        sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(constraint_error)?;
        let rec = AuditRecord {
            actor,
            report: None,
            kind: "user.email",
            target: &user.login,
            before: Some(user.email.as_deref().unwrap_or("—")),
            after: Some(email.unwrap_or("—")),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_password_hash(&self, actor: Option<Id>, id: Id, hash: &str) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let Some(login) = write_password(&mut tx, id, hash, false).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        // The hash itself never goes to the journal.
        let rec = AuditRecord {
            actor,
            report: None,
            kind: "user.password",
            target: &login,
            before: None,
            after: None,
        };
        append_audit(&mut tx, &now, rec).await?;
        // Whoever knew the old password may hold a session or a token: end them all.
        let sessions = end_sessions(&mut tx, id, None).await?;
        let tokens = revoke_tokens(&mut tx, id, &now).await?;
        if sessions + tokens > 0 {
            let after = format!("sessions fermées : {sessions}\njetons révoqués : {tokens}");
            let rec = AuditRecord {
                actor,
                report: None,
                kind: "user.revoke",
                target: &login,
                before: None,
                after: Some(&after),
            };
            append_audit(&mut tx, &now, rec).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn change_own_password(
        &self,
        id: Id,
        hash: &str,
        keep_session: &str,
    ) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let Some(login) = write_password(&mut tx, id, hash, true).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let sessions = end_sessions(&mut tx, id, Some(keep_session)).await?;
        let after = format!("autres sessions fermées : {sessions}");
        let rec = AuditRecord {
            actor: Some(id),
            report: None,
            kind: "user.password",
            target: &login,
            before: None,
            after: Some(&after),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    // ----- sessions -----

    pub async fn create_session(
        &self,
        token_hash: &str,
        user: Id,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(&now).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(csrf_token)
        .bind(&now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(constraint_error)?;
        let rec = AuditRecord {
            actor: Some(user),
            report: None,
            kind: "session.create",
            target: "session",
            before: None,
            after: Some(expires_at),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id AS id, u.login AS login, u.display_name AS display_name, \
                    u.password_hash AS password_hash, u.role AS role, u.territory AS territory, \
                    u.active AS active, u.email AS email, s.csrf_token AS csrf_token \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
        )
        .bind(token_hash)
        .bind(time::now())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((user_from_row(&row)?, row.try_get("csrf_token")?)))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let user: Option<Id> =
            sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(user) = user {
            let rec = AuditRecord {
                actor: Some(user),
                report: None,
                kind: "session.delete",
                target: "session",
                before: None,
                after: None,
            };
            append_audit(&mut tx, &now, rec).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ----- API tokens -----

    pub async fn create_api_token(
        &self,
        actor: Id,
        user: Id,
        name: &str,
        token_hash: &str,
        expires_at: &str,
    ) -> Result<Id, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Rejected("Le nom du jeton est obligatoire.".to_owned()));
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let login: Option<String> = sqlx::query_scalar("SELECT login FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(login) = login else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let id: Id = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user)
        .bind(name)
        .bind(token_hash)
        .bind(&now)
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(constraint_error)?;
        // The hash never goes to the journal.
        let target = format!("{login} : {name}");
        let rec = AuditRecord {
            actor: Some(actor),
            report: None,
            kind: "api_token.create",
            target: &target,
            before: None,
            after: Some("actif"),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn api_tokens(&self, user: Id) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    user: r.try_get("user_id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id AS id, u.login AS login, u.display_name AS display_name, \
                    u.password_hash AS password_hash, u.role AS role, u.territory AS territory, \
                    u.active AS active, u.email AS email, t.id AS token_id, t.last_used_at AS last_used_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active \
               AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(token_hash)
        .bind(time::now())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        // Cheap on every request: a write at most once a minute per token. The condition
        // is repeated in the update so that concurrent requests write it once.
        let last_used: Option<String> = row.try_get("last_used_at")?;
        let stale = time::now_minus(LAST_USED_PRECISION);
        if last_used.is_none_or(|at| at < stale) {
            let token: Id = row.try_get("token_id")?;
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 \
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
            )
            .bind(time::now())
            .bind(token)
            .bind(&stale)
            .execute(&self.pool)
            .await?;
        }
        Ok(Some(user))
    }

    pub async fn revoke_api_token(&self, actor: Id, user: Id, token_id: Id) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!(
            "SELECT t.name AS name, t.revoked_at AS revoked_at, u.login AS login \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.user_id = $2{FOR_UPDATE}"
        );
        let Some(row) = sqlx::query(&sql).bind(token_id).bind(user).fetch_optional(&mut *tx).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let revoked_at: Option<String> = row.try_get("revoked_at")?;
        if revoked_at.is_some() {
            // Already revoked: nothing to write.
            tx.rollback().await?;
            return Ok(());
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(token_id)
            .execute(&mut *tx)
            .await?;
        let (name, login): (String, String) = (row.try_get("name")?, row.try_get("login")?);
        let target = format!("{login} : {name}");
        let rec = AuditRecord {
            actor: Some(actor),
            report: None,
            kind: "api_token.revoke",
            target: &target,
            before: Some("actif"),
            after: Some("révoqué"),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    // ----- reports -----

    pub async fn create_report(
        &self,
        actor: Option<Id>,
        department: &str,
        year: i32,
        programme: &str,
        text: &str,
        actions: &[String],
    ) -> Result<Id, StoreError> {
        let r = NewCollectiviteReport {
            collectivite: department.to_owned(),
            territories: vec![department.to_owned()],
            year,
            programme: programme.to_owned(),
            text: text.to_owned(),
            actions: actions.to_vec(),
        };
        self.create_collectivite_report(actor, &r).await
    }

    pub async fn create_collectivite_report(
        &self,
        actor: Option<Id>,
        r: &NewCollectiviteReport,
    ) -> Result<Id, StoreError> {
        check_code(&r.collectivite)?;
        territory_list(&r.territories)?;
        let territories: Vec<&str> = r.territories.iter().map(String::as_str).collect();
        let row = ReportRow {
            collectivite: &r.collectivite,
            territories: &territories,
            year: r.year,
            programme: &r.programme,
            text: &r.text,
            actions: &r.actions,
        };
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let outcome = async {
            let id = insert_report(&mut tx, &now, &row, self.figures).await?;
            audit_report_created(&mut tx, &now, actor, id, &row).await?;
            Ok::<_, StoreError>(id)
        }
        .await;
        finish(tx, outcome).await
    }

    pub async fn reports(&self, filter: &ReportFilter) -> Result<Vec<ReportSummary>, StoreError> {
        let Some(mut qb) = filtered_reports(SUMMARY_COLUMNS, filter) else { return Ok(Vec::new()) };
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok(rows.iter().map(summary_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn reports_with_text(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<(ReportSummary, String)>, StoreError> {
        // One query, whatever the number of reports.
        let columns = format!("{SUMMARY_COLUMNS}, text");
        let Some(mut qb) = filtered_reports(&columns, filter) else { return Ok(Vec::new()) };
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| Ok((summary_from_row(r)?, r.try_get("text")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    pub async fn figures(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<(ReportSummary, Option<ReportFigures>)>, StoreError> {
        let Some(mut qb) = filtered_reports(SUMMARY_COLUMNS, filter) else { return Ok(Vec::new()) };
        // One snapshot: the figures are those of the summaries' revisions.
        let mut tx = begin_read(&self.pool).await?;
        let rows = qb.build().fetch_all(&mut *tx).await?;
        let summaries: Vec<ReportSummary> = rows.iter().map(summary_from_row).collect::<Result<_, _>>()?;
        let revisions: BTreeMap<Id, i64> = summaries.iter().map(|s| (s.id, s.revision)).collect();
        let mut figures: BTreeMap<Id, ReportFigures> = BTreeMap::new();
        if !summaries.is_empty() {
            let mut qb = figure_rows(
                "report_id, format, revision, department, collectivite, deadline",
                "report_figures",
                filter,
                "report_id",
            );
            for r in qb.build().fetch_all(&mut *tx).await? {
                let (id, format, revision): (Id, i32, i64) =
                    (r.try_get("report_id")?, r.try_get("format")?, r.try_get("revision")?);
                if format != FIGURES_FORMAT || revisions.get(&id) != Some(&revision) {
                    continue;
                }
                let f = ReportFigures {
                    department: r.try_get("department")?,
                    collectivite: r.try_get("collectivite")?,
                    deadline: r.try_get("deadline")?,
                    ..ReportFigures::default()
                };
                figures.insert(id, f);
            }
            let mut qb = figure_rows(
                "report_id, measure, number, kind, code, title",
                "report_figure_measures",
                filter,
                "report_id, measure",
            );
            for r in qb.build().fetch_all(&mut *tx).await? {
                let Some(f) = figures.get_mut(&r.try_get::<Id, _>("report_id")?) else { continue };
                f.measures.push(MeasureRow {
                    index: r.try_get("measure")?,
                    number: r.try_get("number")?,
                    kind: r.try_get("kind")?,
                    code: r.try_get("code")?,
                    title: r.try_get("title")?,
                });
            }
            let mut qb = figure_rows(
                "report_id, measure, action, number, budget_shared, planned, committed, spent, carry_over, \
                 state_share, department_share, sources",
                "report_figure_actions",
                filter,
                "report_id, measure, action",
            );
            for r in qb.build().fetch_all(&mut *tx).await? {
                let Some(f) = figures.get_mut(&r.try_get::<Id, _>("report_id")?) else { continue };
                f.actions.push(ActionRow {
                    measure: r.try_get("measure")?,
                    index: r.try_get("action")?,
                    number: r.try_get("number")?,
                    budget_shared: r.try_get("budget_shared")?,
                    planned: r.try_get("planned")?,
                    committed: r.try_get("committed")?,
                    spent: r.try_get("spent")?,
                    carry_over: r.try_get("carry_over")?,
                    state_share: r.try_get("state_share")?,
                    department_share: r.try_get("department_share")?,
                    sources: r.try_get("sources")?,
                });
            }
            let mut qb = figure_rows(
                "report_id, measure, action, indicator, name, code, unit, value, missing_reason, missing_text, parts",
                "report_figure_indicators",
                filter,
                "report_id, measure, action, indicator",
            );
            for r in qb.build().fetch_all(&mut *tx).await? {
                let Some(f) = figures.get_mut(&r.try_get::<Id, _>("report_id")?) else { continue };
                f.indicators.push(IndicatorRow {
                    measure: r.try_get("measure")?,
                    action: r.try_get("action")?,
                    index: r.try_get("indicator")?,
                    name: r.try_get("name")?,
                    code: r.try_get("code")?,
                    unit: r.try_get("unit")?,
                    value: r.try_get("value")?,
                    missing_reason: r.try_get("missing_reason")?,
                    missing_text: r.try_get("missing_text")?,
                    parts: r.try_get("parts")?,
                });
            }
        }
        tx.commit().await?;
        Ok(summaries
            .into_iter()
            .map(|s| {
                let f = figures.remove(&s.id);
                (s, f)
            })
            .collect())
    }

    pub async fn year_version(&self, year: i32) -> Result<crate::YearVersion, StoreError> {
        // CAST: PostgreSQL sums BIGINT into NUMERIC.
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(revision), 0) AS BIGINT) AS revisions, \
                    COALESCE(MAX(id), 0) AS last_id, COALESCE(MAX(updated_at), '') AS last_update \
             FROM reports WHERE year = $1",
        )
        .bind(year)
        .fetch_one(&self.pool)
        .await?;
        Ok(crate::YearVersion {
            reports: r.try_get("n")?,
            revisions: r.try_get("revisions")?,
            last_id: r.try_get("last_id")?,
            last_update: r.try_get("last_update")?,
        })
    }

    pub async fn reports_without_figures(
        &self,
        after: Id,
        limit: i64,
    ) -> Result<Vec<(Id, i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, revision, text FROM reports r WHERE id > $1 AND NOT EXISTS \
               (SELECT 1 FROM report_figures f \
                WHERE f.report_id = r.id AND f.format = $2 AND f.revision = r.revision) \
             ORDER BY id LIMIT $3",
        )
        .bind(after)
        .bind(FIGURES_FORMAT)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("revision")?, r.try_get("text")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    pub async fn set_figures(
        &self,
        id: Id,
        revision: i64,
        figures: &ReportFigures,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!("SELECT revision FROM reports WHERE id = $1{FOR_UPDATE}");
        let current: Option<i64> = sqlx::query_scalar(&sql).bind(id).fetch_optional(&mut *tx).await?;
        if current != Some(revision) {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM report_figures WHERE report_id = $1").bind(id).execute(&mut *tx).await?;
        insert_figures(&mut tx, id, figures).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn report(&self, id: Id) -> Result<Option<StoredReport>, StoreError> {
        // One snapshot: the text and the revisions agree.
        let mut tx = begin_read(&self.pool).await?;
        let report = load_report(&mut tx, id, false).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The revision of report `id` (`None`: no such report), by its primary key. Every
    /// write to a report's row, text or action revisions bumps it, so a copy of
    /// [`Store::report`] taken at this revision is still the report: the web's cache of
    /// parsed reports asks for it on every request.
    pub async fn report_revision(&self, id: Id) -> Result<Option<i64>, StoreError> {
        let revision: Option<i64> = sqlx::query_scalar("SELECT revision FROM reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(revision)
    }

    pub async fn update_report<F>(
        &self,
        actor: Id,
        id: Id,
        scope: EditScope,
        edit: F,
    ) -> Result<StoredReport, StoreError>
    where
        F: FnOnce(&StoredReport) -> Result<Edit, String> + Send,
    {
        let mut tx = begin_write(&self.pool).await?;
        let Some(current) = load_report(&mut tx, id, true).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        if !current.summary.status.is_editable() {
            tx.rollback().await?;
            return Err(StoreError::BadTransition { from: current.summary.status });
        }
        let (expected, actual) = match &scope {
            EditScope::Action { number, expected_revision } => {
                // A vanished action (removed by another edit) is a conflict, revision 0.
                (*expected_revision, current.action_revisions.get(number).copied().unwrap_or(0))
            }
            EditScope::Whole { expected_revision } => (*expected_revision, current.summary.revision),
        };
        if actual == 0 || expected != actual {
            tx.rollback().await?;
            return Err(StoreError::Conflict { current_text: current.text, current_revision: actual });
        }
        let e: Edit = match edit(&current) {
            Ok(e) => e,
            Err(message) => {
                tx.rollback().await?;
                return Err(StoreError::Rejected(message));
            }
        };

        let now = time::now();
        sqlx::query("UPDATE reports SET text = $1, revision = revision + 1, updated_at = $2 WHERE id = $3")
            .bind(&e.text)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        record_figures(&mut tx, self.figures, id, &e.text).await?;
        let wanted: BTreeSet<&str> = e.actions.iter().map(String::as_str).collect();
        for number in current.action_revisions.keys() {
            if !wanted.contains(number.as_str()) {
                sqlx::query("DELETE FROM action_revisions WHERE report_id = $1 AND number = $2")
                    .bind(id)
                    .bind(number)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // New actions start at 1; an action edit bumps its action only, a whole edit all.
        let bumped = |number: &str| match &scope {
            EditScope::Action { number: edited, .. } => edited == number,
            EditScope::Whole { .. } => true,
        };
        for number in wanted {
            let sql = match current.action_revisions.get(number) {
                None => "INSERT INTO action_revisions (report_id, number, revision) VALUES ($1, $2, 1)",
                Some(_) if bumped(number) => {
                    "UPDATE action_revisions SET revision = revision + 1 WHERE report_id = $1 AND number = $2"
                }
                Some(_) => continue,
            };
            sqlx::query(sql).bind(id).bind(number).execute(&mut *tx).await?;
        }
        let rec = AuditRecord {
            actor: Some(actor),
            report: Some(id),
            kind: &e.audit_action,
            target: &e.audit_target,
            before: e.before.as_deref(),
            after: e.after.as_deref(),
        };
        append_audit(&mut tx, &now, rec).await?;
        let updated = load_report(&mut tx, id, false).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn transition<F>(
        &self,
        actor: Id,
        id: Id,
        t: Transition,
        gate: F,
    ) -> Result<StoredReport, StoreError>
    where
        F: FnOnce(&StoredReport, &[Justification]) -> Result<Option<String>, String> + Send,
    {
        let Transition { from, to, reason, deliberation, comment, attachment, notifications } = t;
        let reason = reason.as_str();
        check_notifications(&notifications)?;
        let comment = match &comment {
            Some(text) => Some(comment_text(&CommentTarget::Report, text)?),
            None => None,
        };
        let mut tx = begin_write(&self.pool).await?;
        let Some(current) = load_report(&mut tx, id, true).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let actual = current.summary.status;
        if actual != from || !from.can_become(to) {
            tx.rollback().await?;
            return Err(StoreError::BadTransition { from: actual });
        }
        let needs_reason = match (from, to) {
            (_, Status::SentBack) => Some("renvoyer le rapport au Département"),
            (Status::Approved, Status::Transmitted) => Some("rouvrir un rapport approuvé"),
            _ => None,
        };
        if let Some(what) = needs_reason {
            if reason.trim().is_empty() {
                tx.rollback().await?;
                return Err(StoreError::Rejected(format!("Un motif est obligatoire pour {what}.")));
            }
        }

        // The business checks see the state this transaction commits on.
        let justifications = load_justifications(&mut tx, id).await?;
        let new_text = match gate(&current, &justifications) {
            Ok(t) => t,
            Err(message) => {
                tx.rollback().await?;
                return Err(StoreError::Rejected(message));
            }
        };
        let text = new_text.as_deref().unwrap_or(&current.text);

        let now = time::now();
        let mut version = current.summary.version;
        let mut transmitted_at = current.transmitted_at.clone();
        let (mut number, mut date) = (current.deliberation_number.clone(), current.deliberation_date.clone());
        match (from, to) {
            (_, Status::Transmitted) => {
                if from == Status::Adopted {
                    transmitted_at = Some(now.clone());
                }
                // Freeze the transmitted text. A reopened (Approved) report is transmitted
                // again with the same, already frozen, version: nothing to add.
                freeze_version(&mut tx, id, version, text, &now).await?;
            }
            (_, Status::SentBack) => version += 1,
            (Status::Adopted, Status::Draft) => (number, date) = (None, None),
            _ => {}
        }
        let mut after = to.as_str().to_owned();
        if let Some((n, d)) = deliberation {
            after.push_str(&format!("\ndélibération n° {n} du {d}"));
            (number, date) = (Some(n), Some(d));
        }
        if let Some(a) = &attachment {
            let (_, described) = insert_attachment(&mut tx, &now, actor, id, a).await?;
            after.push('\n');
            after.push_str(&described);
        }
        match (from, to) {
            (Status::Adopted, Status::Transmitted) => {
                // The working set is frozen with the version: what the reviewer sees.
                let frozen = sqlx::query(
                    "INSERT INTO attachments (report_id, kind, action, title, file_name, media_type, sha256, \
                                              size, uploaded_by, at, frozen_version) \
                     SELECT report_id, kind, action, title, file_name, media_type, sha256, size, uploaded_by, \
                            at, $1 \
                     FROM attachments WHERE report_id = $2 AND frozen_version IS NULL ORDER BY id",
                )
                .bind(version)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if frozen > 0 {
                    after.push_str(&format!("\npièces jointes gelées avec la version {version} : {frozen}"));
                }
            }
            (Status::Adopted, Status::Draft) => {
                // The signed act of a deliberation that no longer holds goes with it.
                let removed = sqlx::query(
                    "DELETE FROM attachments \
                     WHERE report_id = $1 AND kind = 'deliberation' AND frozen_version IS NULL",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if removed > 0 {
                    after.push_str("\ndélibération signée retirée");
                }
            }
            _ => {}
        }
        sqlx::query(
            "UPDATE reports SET status = $1, version = $2, revision = revision + 1, deliberation_number = $3, \
                    deliberation_date = $4, transmitted_at = $5, updated_at = $6, text = $7 \
             WHERE id = $8",
        )
        .bind(to.as_str())
        .bind(version)
        .bind(&number)
        .bind(&date)
        .bind(&transmitted_at)
        .bind(&now)
        .bind(text)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if new_text.is_some() {
            record_figures(&mut tx, self.figures, id, text).await?;
        } else {
            // Same text: its figures, if current, stay current at the new revision.
            sqlx::query(
                "UPDATE report_figures SET revision = revision + 1 WHERE report_id = $1 AND revision = $2",
            )
            .bind(id)
            .bind(current.summary.revision)
            .execute(&mut *tx)
            .await?;
        }
        // Before the audit entry: it takes the chain's lock, which must come last.
        insert_notifications(&mut tx, &now, Some(id), &notifications).await?;
        let rec = AuditRecord {
            actor: Some(actor),
            report: Some(id),
            kind: "report.status",
            target: reason,
            before: Some(from.as_str()),
            after: Some(&after),
        };
        append_audit(&mut tx, &now, rec).await?;
        if let Some(comment) = comment {
            // On the version the decision is about (a send-back has just started the next).
            let on = current.summary.version;
            insert_comment(&mut tx, &now, actor, id, on, &CommentTarget::Report, comment).await?;
        }
        let updated = load_report(&mut tx, id, false).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn frozen_versions(&self, id: Id) -> Result<Vec<(i32, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, at, text FROM report_versions WHERE report_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get("version")?, r.try_get("at")?, r.try_get("text")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    pub async fn frozen_text(&self, id: Id, version: i32) -> Result<Option<String>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT text FROM report_versions WHERE report_id = $1 AND version = $2")
                .bind(id)
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
        Ok(text)
    }

    // ----- attachments -----

    pub async fn add_attachment(&self, actor: Id, report: Id, a: &NewAttachment) -> Result<Id, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let outcome = async {
            match locked_status(&mut tx, report).await? {
                None => return Err(StoreError::NotFound),
                Some(s) if !s.is_editable() => return Err(StoreError::BadTransition { from: s }),
                Some(_) => {}
            }
            let now = time::now();
            let (id, described) = insert_attachment(&mut tx, &now, actor, report, a).await?;
            let target = format!("pièce jointe {id}");
            let rec = AuditRecord {
                actor: Some(actor),
                report: Some(report),
                kind: "attachment.add",
                target: &target,
                before: None,
                after: Some(&described),
            };
            append_audit(&mut tx, &now, rec).await?;
            Ok(id)
        }
        .await;
        finish(tx, outcome).await
    }

    pub async fn remove_attachment(&self, actor: Id, report: Id, attachment: Id) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let outcome = async {
            match locked_status(&mut tx, report).await? {
                None => return Err(StoreError::NotFound),
                Some(s) if !s.is_editable() => return Err(StoreError::BadTransition { from: s }),
                Some(_) => {}
            }
            let sql = format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM attachments a JOIN users u ON u.id = a.uploaded_by \
                 WHERE a.report_id = $1 AND a.id = $2 AND a.frozen_version IS NULL"
            );
            let row = sqlx::query(&sql).bind(report).bind(attachment).fetch_optional(&mut *tx).await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            let a = attachment_from_row(&row)?;
            sqlx::query("DELETE FROM attachments WHERE id = $1").bind(attachment).execute(&mut *tx).await?;
            let described =
                describe_attachment(a.kind, a.action.as_deref(), &a.title, &a.file_name, &a.sha256, a.size);
            let target = format!("pièce jointe {attachment}");
            let now = time::now();
            let rec = AuditRecord {
                actor: Some(actor),
                report: Some(report),
                kind: "attachment.remove",
                target: &target,
                before: Some(&described),
                after: None,
            };
            append_audit(&mut tx, &now, rec).await?;
            Ok(())
        }
        .await;
        finish(tx, outcome).await
    }

    pub async fn attachments(&self, report: Id) -> Result<Vec<Attachment>, StoreError> {
        // The working set (NULL) sorts after every frozen version.
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments a JOIN users u ON u.id = a.uploaded_by \
             WHERE a.report_id = $1 \
             ORDER BY CASE WHEN a.frozen_version IS NULL THEN 1 ELSE 0 END, a.frozen_version, a.kind, \
                      a.action, a.id"
        );
        let rows = sqlx::query(&sql).bind(report).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(attachment_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn attachment(&self, report: Id, id: Id) -> Result<Option<Attachment>, StoreError> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments a JOIN users u ON u.id = a.uploaded_by \
             WHERE a.report_id = $1 AND a.id = $2"
        );
        let row = sqlx::query(&sql).bind(report).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(attachment_from_row).transpose()?)
    }

    pub async fn attachment_content(&self, sha256: &str) -> Result<Option<Option<Vec<u8>>>, StoreError> {
        let row = sqlx::query("SELECT bytes FROM attachment_blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<Option<Vec<u8>>, _>("bytes")).transpose()?)
    }

    // ----- referentiels -----

    pub async fn referentiels(&self) -> Result<Vec<StoredReferentiel>, StoreError> {
        let sql = format!("SELECT {REFERENTIEL_COLUMNS} FROM referentiels ORDER BY programme");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(referentiel_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn referentiel(&self, programme: &str) -> Result<Option<StoredReferentiel>, StoreError> {
        let sql = format!("SELECT {REFERENTIEL_COLUMNS} FROM referentiels WHERE programme = $1");
        let row = sqlx::query(&sql).bind(programme).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(referentiel_from_row).transpose()?)
    }

    pub async fn referentiel_versions(&self, programme: &str) -> Result<Vec<ReferentielVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.programme AS programme, v.version AS version, v.text AS text, v.at AS at, \
                    v.actor_id AS actor_id, u.login AS login \
             FROM referentiel_versions v LEFT JOIN users u ON u.id = v.actor_id \
             WHERE v.programme = $1 ORDER BY v.version",
        )
        .bind(programme)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(ReferentielVersion {
                    programme: r.try_get("programme")?,
                    version: r.try_get("version")?,
                    text: r.try_get("text")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor_id")?,
                    actor_login: r.try_get("login")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    pub async fn referentiel_text(
        &self,
        programme: &str,
        version: i32,
    ) -> Result<Option<String>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT text FROM referentiel_versions WHERE programme = $1 AND version = $2")
                .bind(programme)
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
        Ok(text)
    }

    pub async fn seed_referentiel(&self, programme: &str, text: &str) -> Result<bool, StoreError> {
        check_programme(programme)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let outcome = async {
            // Two servers starting at once: the second waits for the first's row, then
            // inserts nothing.
            let inserted = insert_referentiel(&mut tx, &now, None, programme, text).await?;
            if inserted {
                let target = format!("référentiel {programme}");
                let rec = AuditRecord {
                    actor: None,
                    report: None,
                    kind: "referentiel.seed",
                    target: &target,
                    before: None,
                    after: Some("version 1 (référentiel livré avec l’application)"),
                };
                append_audit(&mut tx, &now, rec).await?;
            }
            Ok::<_, StoreError>(inserted)
        }
        .await;
        finish(tx, outcome).await
    }

    pub async fn save_referentiel(
        &self,
        actor: Id,
        programme: &str,
        expected_version: i32,
        text: &str,
        change: &str,
    ) -> Result<i32, StoreError> {
        check_programme(programme)?;
        let change = change.trim();
        if change.is_empty() {
            return Err(StoreError::Rejected(
                "Le résumé de la modification du référentiel est obligatoire.".to_owned(),
            ));
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let outcome = async {
            let sql = format!("SELECT version, text FROM referentiels WHERE programme = $1{FOR_UPDATE}");
            let row = sqlx::query(&sql).bind(programme).fetch_optional(&mut *tx).await?;
            let current: Option<(i32, String)> = match &row {
                Some(r) => Some((r.try_get("version")?, r.try_get("text")?)),
                None => None,
            };
            let version = match current {
                None if expected_version == 0 => {
                    if !insert_referentiel(&mut tx, &now, Some(actor), programme, text).await? {
                        // Created meanwhile by someone else (PostgreSQL): stale.
                        let r = sqlx::query("SELECT version, text FROM referentiels WHERE programme = $1")
                            .bind(programme)
                            .fetch_one(&mut *tx)
                            .await?;
                        return Err(StoreError::Conflict {
                            current_text: r.try_get("text")?,
                            current_revision: i64::from(r.try_get::<i32, _>("version")?),
                        });
                    }
                    1
                }
                None => return Err(StoreError::NotFound),
                Some((version, current_text)) if version != expected_version => {
                    return Err(StoreError::Conflict { current_text, current_revision: i64::from(version) });
                }
                Some((version, current_text)) if current_text == text => return Ok((version, false)),
                Some((version, _)) => {
                    let next = version + 1;
                    sqlx::query(
                        "UPDATE referentiels SET text = $1, version = $2, updated_at = $3, updated_by = $4 \
                         WHERE programme = $5",
                    )
                    .bind(text)
                    .bind(next)
                    .bind(&now)
                    .bind(actor)
                    .bind(programme)
                    .execute(&mut *tx)
                    .await?;
                    insert_referentiel_version(&mut tx, &now, Some(actor), programme, next, text).await?;
                    next
                }
            };
            let target = format!("référentiel {programme}");
            let before = (version > 1).then(|| format!("version {}", version - 1));
            let after = format!("version {version}\n{change}");
            let rec = AuditRecord {
                actor: Some(actor),
                report: None,
                kind: "referentiel.save",
                target: &target,
                before: before.as_deref(),
                after: Some(&after),
            };
            append_audit(&mut tx, &now, rec).await?;
            Ok::<_, StoreError>((version, true))
        }
        .await;
        match outcome {
            Ok((version, false)) => {
                // Unchanged: nothing to keep.
                tx.rollback().await?;
                Ok(version)
            }
            Ok((version, true)) => finish(tx, Ok(version)).await,
            Err(e) => finish(tx, Err(e)).await,
        }
    }

    pub async fn referentiels_revision(&self) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(version), 0) FROM referentiels")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    // ----- campaigns -----

    pub async fn open_campaign(&self, actor: Id, c: &NewCampaign) -> Result<OpenedCampaign, StoreError> {
        let checked = check_campaign(c)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let outcome = async {
            let known: Option<i32> = sqlx::query_scalar(
                "SELECT version FROM referentiel_versions WHERE programme = $1 AND version = $2",
            )
            .bind(&c.programme)
            .bind(c.referentiel_version)
            .fetch_optional(&mut *tx)
            .await?;
            if known.is_none() {
                return Err(StoreError::Rejected(format!(
                    "Le référentiel du programme {} n’a pas de version {}.",
                    c.programme, c.referentiel_version
                )));
            }
            let id: Id = sqlx::query_scalar(
                "INSERT INTO campaigns (programme, year, deadline, referentiel_version, opened_at, opened_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&c.programme)
            .bind(c.year)
            .bind(&c.deadline)
            .bind(c.referentiel_version)
            .bind(&now)
            .bind(actor)
            .fetch_one(&mut *tx)
            .await
            .map_err(constraint_error)?;

            // Every row first, the journal last (see `append_audit`).
            let mut links = Vec::with_capacity(c.conventions.len());
            let sql = format!("SELECT id, programme FROM reports WHERE department = $1 AND year = $2{FOR_UPDATE}");
            for (conv, (stored, principal_first)) in c.conventions.iter().zip(&checked) {
                let existing = sqlx::query(&sql)
                    .bind(&conv.collectivite)
                    .bind(c.year)
                    .fetch_optional(&mut *tx)
                    .await?;
                let link = match (existing, &conv.report) {
                    (Some(row), _) => {
                        let programme: String = row.try_get("programme")?;
                        if programme != c.programme {
                            return Err(StoreError::Rejected(format!(
                                "Le rapport {} de {} ({}) existe déjà, pour le programme {programme}.",
                                c.year, conv.name, conv.collectivite
                            )));
                        }
                        ReportLink::Linked(row.try_get("id")?)
                    }
                    (None, Some(report)) => {
                        let row = ReportRow {
                            collectivite: &conv.collectivite,
                            territories: principal_first,
                            year: c.year,
                            programme: &c.programme,
                            text: &report.text,
                            actions: &report.actions,
                        };
                        ReportLink::Created(insert_report(&mut tx, &now, &row, self.figures).await?)
                    }
                    (None, None) => ReportLink::None,
                };
                sqlx::query(
                    "INSERT INTO campaign_conventions \
                       (campaign_id, collectivite, name, territories, deadline, report_id) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(&conv.collectivite)
                .bind(conv.name.trim())
                .bind(stored)
                .bind(&conv.deadline)
                .bind(link.id())
                .execute(&mut *tx)
                .await
                .map_err(constraint_error)?;
                links.push(link);
            }

            let target = campaign_target(&c.programme, c.year);
            let created = links.iter().filter(|l| matches!(l, ReportLink::Created(_))).count();
            let linked = links.iter().filter(|l| matches!(l, ReportLink::Linked(_))).count();
            let after = format!(
                "échéance : {}\nréférentiel : version {}\nconventions : {}\nrapports créés : {created}\n\
                 rapports existants rattachés : {linked}",
                c.deadline,
                c.referentiel_version,
                c.conventions.len()
            );
            let rec = AuditRecord {
                actor: Some(actor),
                report: None,
                kind: "campaign.open",
                target: &target,
                before: None,
                after: Some(&after),
            };
            append_audit(&mut tx, &now, rec).await?;
            for ((conv, (_, principal_first)), link) in c.conventions.iter().zip(&checked).zip(&links) {
                if let (ReportLink::Created(report), Some(new)) = (link, &conv.report) {
                    let row = ReportRow {
                        collectivite: &conv.collectivite,
                        territories: principal_first,
                        year: c.year,
                        programme: &c.programme,
                        text: &new.text,
                        actions: &new.actions,
                    };
                    audit_report_created(&mut tx, &now, Some(actor), *report, &row).await?;
                }
                let target = format!("{target} : {} ({})", conv.name.trim(), conv.collectivite);
                let report = match link {
                    ReportLink::Created(_) => "créé",
                    ReportLink::Linked(_) => "existant, rattaché",
                    ReportLink::None => "aucun",
                };
                let after = format!(
                    "territoires : {}\néchéance : {}\nrapport : {report}",
                    describe_list(&conv.territories),
                    describe_deadline(conv.deadline.as_deref(), &c.deadline)
                );
                let rec = AuditRecord {
                    actor: Some(actor),
                    report: link.id(),
                    kind: "campaign.convention",
                    target: &target,
                    before: None,
                    after: Some(&after),
                };
                append_audit(&mut tx, &now, rec).await?;
            }
            let conventions = c.conventions.iter().map(|conv| conv.collectivite.clone()).zip(links).collect();
            Ok::<_, StoreError>(OpenedCampaign { id, conventions })
        }
        .await;
        finish(tx, outcome).await
    }

    pub async fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY year DESC, programme, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(campaign_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn campaign(&self, id: Id) -> Result<Option<CampaignDetail>, StoreError> {
        // One snapshot: the campaign, its conventions and their reports agree.
        let mut tx = begin_read(&self.pool).await?;
        let Some(campaign) = load_campaign(&mut tx, id).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        let conventions = load_conventions(&mut tx, "cc.campaign_id = $1", id).await?;
        tx.commit().await?;
        Ok(Some(CampaignDetail { campaign, conventions }))
    }

    pub async fn set_convention_deadline(
        &self,
        actor: Id,
        campaign: Id,
        collectivite: &str,
        deadline: Option<&str>,
    ) -> Result<(), StoreError> {
        if let Some(date) = deadline {
            check_date(&format!("Échéance de {collectivite}"), date)?;
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let outcome = async {
            let sql = format!(
                "SELECT cc.deadline AS deadline, cc.name AS name, cc.report_id AS report_id, \
                        c.programme AS programme, c.year AS year, c.deadline AS campaign_deadline \
                 FROM campaign_conventions cc JOIN campaigns c ON c.id = cc.campaign_id \
                 WHERE cc.campaign_id = $1 AND cc.collectivite = $2{FOR_UPDATE}"
            );
            let row = sqlx::query(&sql)
                .bind(campaign)
                .bind(collectivite)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let before: Option<String> = row.try_get("deadline")?;
            if before.as_deref() == deadline {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE campaign_conventions SET deadline = $1 WHERE campaign_id = $2 AND collectivite = $3",
            )
            .bind(deadline)
            .bind(campaign)
            .bind(collectivite)
            .execute(&mut *tx)
            .await?;
            let (programme, year): (String, i32) = (row.try_get("programme")?, row.try_get("year")?);
            let (name, campaign_deadline): (String, String) =
                (row.try_get("name")?, row.try_get("campaign_deadline")?);
            let target = format!("{} : {name} ({collectivite})", campaign_target(&programme, year));
            let before = describe_deadline(before.as_deref(), &campaign_deadline);
            let after = describe_deadline(deadline, &campaign_deadline);
            let rec = AuditRecord {
                actor: Some(actor),
                report: row.try_get("report_id")?,
                kind: "campaign.deadline",
                target: &target,
                before: Some(&before),
                after: Some(&after),
            };
            append_audit(&mut tx, &now, rec).await?;
            Ok::<_, StoreError>(true)
        }
        .await;
        match outcome {
            Ok(false) => {
                // Unchanged: nothing to keep.
                tx.rollback().await?;
                Ok(())
            }
            Ok(true) => finish(tx, Ok(())).await,
            Err(e) => finish(tx, Err(e)).await,
        }
    }

    pub async fn report_campaign(&self, report: Id) -> Result<Option<ReportCampaign>, StoreError> {
        let mut tx = begin_read(&self.pool).await?;
        let convention = load_conventions(&mut tx, "cc.report_id = $1", report).await?.into_iter().next();
        let Some(convention) = convention else {
            tx.commit().await?;
            return Ok(None);
        };
        let campaign = load_campaign(&mut tx, convention.campaign).await?;
        tx.commit().await?;
        let Some(campaign) = campaign else { return Ok(None) };
        let deadline = convention.deadline_in(&campaign).to_owned();
        Ok(Some(ReportCampaign { campaign, convention, deadline }))
    }

    // ----- review comments -----

    pub async fn add_comment(
        &self,
        actor: Id,
        report: Id,
        version: i32,
        target: &CommentTarget,
        text: &str,
    ) -> Result<Id, StoreError> {
        self.add_comment_notifying(actor, report, version, target, text, &[]).await
    }

    pub async fn add_comment_notifying(
        &self,
        actor: Id,
        report: Id,
        version: i32,
        target: &CommentTarget,
        text: &str,
        notifications: &[NewNotification],
    ) -> Result<Id, StoreError> {
        let text = comment_text(target, text)?;
        check_notifications(notifications)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let current: Option<i32> = sqlx::query_scalar("SELECT version FROM reports WHERE id = $1")
            .bind(report)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = current else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        if version < 1 || version > current {
            tx.rollback().await?;
            return Err(StoreError::Rejected(format!("La version {version} de ce rapport n’existe pas.")));
        }
        insert_notifications(&mut tx, &now, Some(report), notifications).await?;
        let id = insert_comment(&mut tx, &now, actor, report, version, target, text).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn comments(&self, report: Id) -> Result<Vec<Comment>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id AS id, c.report_id AS report_id, c.version AS version, c.kind AS kind, \
                    c.target_key AS target_key, c.target_path AS target_path, c.text AS text, \
                    c.author_id AS author_id, u.login AS login, u.display_name AS display_name, c.at AS at \
             FROM comments c JOIN users u ON u.id = c.author_id \
             WHERE c.report_id = $1 ORDER BY c.at, c.id",
        )
        .bind(report)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Comment {
                    id: r.try_get("id")?,
                    report: r.try_get("report_id")?,
                    version: r.try_get("version")?,
                    target: CommentTarget::from_columns(
                        &kind,
                        r.try_get("target_key")?,
                        r.try_get("target_path")?,
                    )?,
                    text: r.try_get("text")?,
                    author: r.try_get("author_id")?,
                    author_login: r.try_get("login")?,
                    author_name: r.try_get("display_name")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    // ----- credits of the next year -----

    pub async fn set_credit_decision(
        &self,
        actor: Id,
        report: Id,
        action: &str,
        line: &str,
        accept: Option<bool>,
        reason: &str,
    ) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        if let Err(e) = credit_writable(&mut tx, report).await {
            tx.rollback().await?;
            return Err(e);
        }
        if write_decision(&mut tx, &now, actor, report, (action, line, accept, reason)).await? {
            bump_credits_revision(&mut tx, report).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn credit_decisions(&self, report: Id) -> Result<Vec<CreditDecision>, StoreError> {
        let rows = sqlx::query(
            "SELECT action, line, accept, reason, author_id, at FROM credit_decisions \
             WHERE report_id = $1 ORDER BY action, line",
        )
        .bind(report)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(CreditDecision {
                    action: r.try_get("action")?,
                    line: r.try_get("line")?,
                    accept: r.try_get("accept")?,
                    reason: r.try_get("reason")?,
                    author: r.try_get("author_id")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    pub async fn set_next_year_amount(&self, actor: Id, report: Id, cents: i64) -> Result<(), StoreError> {
        check_amount(cents)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        if let Err(e) = credit_writable(&mut tx, report).await {
            tx.rollback().await?;
            return Err(e);
        }
        write_amount(&mut tx, &now, actor, report, cents).await?;
        bump_credits_revision(&mut tx, report).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn save_credits(
        &self,
        actor: Id,
        report: Id,
        expected_revision: i64,
        cents: i64,
        decisions: &[CreditChoice],
    ) -> Result<i64, StoreError> {
        check_amount(cents)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        if let Err(e) = credit_writable(&mut tx, report).await {
            tx.rollback().await?;
            return Err(e);
        }
        let current: i64 = sqlx::query_scalar("SELECT credits_revision FROM reports WHERE id = $1")
            .bind(report)
            .fetch_one(&mut *tx)
            .await?;
        if current != expected_revision {
            tx.rollback().await?;
            return Err(StoreError::Conflict { current_text: String::new(), current_revision: current });
        }
        write_amount(&mut tx, &now, actor, report, cents).await?;
        for d in decisions {
            let choice = (d.action.as_str(), d.line.as_str(), d.accept, d.reason.as_str());
            write_decision(&mut tx, &now, actor, report, choice).await?;
        }
        let revision = bump_credits_revision(&mut tx, report).await?;
        tx.commit().await?;
        Ok(revision)
    }

    pub async fn credits_instructor(&self, report: Id) -> Result<Option<String>, StoreError> {
        let name: Option<String> = sqlx::query_scalar(
            "SELECT u.display_name FROM \
               (SELECT author_id, at FROM next_year_amounts WHERE report_id = $1 \
                UNION ALL SELECT author_id, at FROM credit_decisions WHERE report_id = $1) w \
             JOIN users u ON u.id = w.author_id ORDER BY w.at DESC LIMIT 1",
        )
        .bind(report)
        .fetch_optional(&self.pool)
        .await?;
        Ok(name)
    }

    pub async fn credits_revision(&self, report: Id) -> Result<Option<i64>, StoreError> {
        let revision: Option<i64> = sqlx::query_scalar("SELECT credits_revision FROM reports WHERE id = $1")
            .bind(report)
            .fetch_optional(&self.pool)
            .await?;
        Ok(revision)
    }

    pub async fn next_year_amount(&self, report: Id) -> Result<Option<i64>, StoreError> {
        let cents: Option<i64> =
            sqlx::query_scalar("SELECT cents FROM next_year_amounts WHERE report_id = $1")
                .bind(report)
                .fetch_optional(&self.pool)
                .await?;
        Ok(cents)
    }

    // ----- notifications and the outbox -----

    pub async fn notifications(&self, user: Id, limit: i64) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, report_id, kind, subject, body, link, created_at, read_at \
             FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(notification_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn unread_notifications(&self, user: Id) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn mark_notifications_read(&self, user: Id, id: Option<Id>) -> Result<u64, StoreError> {
        let now = time::now();
        let done = match id {
            Some(id) => sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
            )
            .bind(&now)
            .bind(user)
            .bind(id)
            .execute(&self.pool)
            .await?,
            None => {
                sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                    .bind(&now)
                    .bind(user)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(done.rows_affected())
    }

    pub async fn record_reminder(
        &self,
        report: Id,
        kind: &str,
        deadline: &str,
        notifications: &[NewNotification],
    ) -> Result<bool, StoreError> {
        if !REMINDER_KINDS.contains(&kind) {
            return Err(StoreError::Rejected(format!("Type de rappel inconnu : « {kind} ».")));
        }
        check_date("Échéance", deadline)?;
        check_notifications(notifications)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let inserted = sqlx::query(
            "INSERT INTO reminders (report_id, kind, deadline, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (report_id, kind, deadline) DO NOTHING",
        )
        .bind(report)
        .bind(kind)
        .bind(deadline)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(constraint_error);
        let inserted = match inserted {
            Ok(done) => done.rows_affected(),
            Err(e) => return finish(tx, Err(e)).await,
        };
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Err(e) = insert_notifications(&mut tx, &now, Some(report), notifications).await {
            return finish(tx, Err(e)).await;
        }
        let target = format!("rappel {kind} de l’échéance du {deadline}");
        let after = format!("{} destinataire(s)", notifications.len());
        let rec = AuditRecord {
            actor: None,
            report: Some(report),
            kind: "reminder.add",
            target: &target,
            before: None,
            after: Some(&after),
        };
        let outcome = append_audit(&mut tx, &now, rec).await.map(|()| true);
        finish(tx, outcome).await
    }

    pub async fn email_opt_outs(&self, user: Id) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT kind FROM notification_opt_outs WHERE user_id = $1 ORDER BY kind")
            .bind(user)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn set_email_opt_outs(&self, actor: Id, user: Id, kinds: &[String]) -> Result<(), StoreError> {
        let wanted: BTreeSet<&str> = kinds.iter().map(String::as_str).collect();
        if let Some(bad) = wanted.iter().find(|k| !NOTIFICATION_KINDS.contains(*k)) {
            return Err(StoreError::Rejected(format!("Type de notification inconnu : « {bad} ».")));
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let login: Option<String> =
            sqlx::query_scalar(&format!("SELECT login FROM users WHERE id = $1{FOR_UPDATE}"))
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(login) = login else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let current: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM notification_opt_outs WHERE user_id = $1 ORDER BY kind")
                .bind(user)
                .fetch_all(&mut *tx)
                .await?;
        let current: BTreeSet<&str> = current.iter().map(String::as_str).collect();
        if current == wanted {
            tx.rollback().await?;
            return Ok(());
        }
        sqlx::query("DELETE FROM notification_opt_outs WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        for kind in &wanted {
            sqlx::query("INSERT INTO notification_opt_outs (user_id, kind) VALUES ($1, $2)")
                .bind(user)
                .bind(*kind)
                .execute(&mut *tx)
                .await?;
        }
        let describe = |set: &BTreeSet<&str>| {
            if set.is_empty() {
                "tous les courriels".to_owned()
            } else {
                format!("sans courriel : {}", set.iter().copied().collect::<Vec<_>>().join(", "))
            }
        };
        let (before, after) = (describe(&current), describe(&wanted));
        let rec = AuditRecord {
            actor: Some(actor),
            report: None,
            kind: "user.notifications",
            target: &login,
            before: Some(&before),
            after: Some(&after),
        };
        let outcome = append_audit(&mut tx, &now, rec).await;
        finish(tx, outcome).await
    }

    pub async fn claim_mails(
        &self,
        owner: &str,
        now: &str,
        lease_until: &str,
        limit: i64,
    ) -> Result<Vec<ClaimedMail>, StoreError> {
        // The conditions are checked again on the row the UPDATE locks: on PostgreSQL, a
        // claimer that waited for another's lock sees the lease taken and skips the row.
        let sql = format!(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT id FROM outbox WHERE status = 'attente' AND next_attempt_at <= $3 \
                            AND (lease_until IS NULL OR lease_until <= $3) ORDER BY id LIMIT $4{SKIP_LOCKED}) \
               AND status = 'attente' AND (lease_until IS NULL OR lease_until <= $3) \
             RETURNING id, recipient, subject, body, attempts"
        );
        let mut tx = begin_write(&self.pool).await?;
        let rows =
            sqlx::query(&sql).bind(owner).bind(lease_until).bind(now).bind(limit).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let mut claimed = rows
            .iter()
            .map(|r| {
                Ok(ClaimedMail {
                    id: r.try_get("id")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    pub async fn mark_mail_sent(&self, id: Id, owner: &str, at: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'envoye', sent_at = $1, attempts = attempts + 1, last_error = NULL, \
                    lease_owner = NULL, lease_until = NULL \
             WHERE id = $2 AND lease_owner = $3 AND status = 'attente'",
        )
        .bind(at)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn mark_mail_failed(
        &self,
        id: Id,
        owner: &str,
        error: &str,
        retry_at: Option<&str>,
    ) -> Result<bool, StoreError> {
        let status = if retry_at.is_some() { MailStatus::Pending } else { MailStatus::Failed };
        let error: String = error.chars().take(1000).collect();
        let done = sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), \
                    attempts = attempts + 1, last_error = $3, lease_owner = NULL, lease_until = NULL \
             WHERE id = $4 AND lease_owner = $5 AND status = 'attente'",
        )
        .bind(status.as_str())
        .bind(retry_at)
        .bind(&error)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMail>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, recipient, subject, body, created_at, status, attempts, next_attempt_at, sent_at, \
                    last_error FROM outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(mail_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn outbox_depth(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'attente'")
            .fetch_one(&self.pool)
            .await?)
    }

    // ----- justifications -----

    pub async fn set_justification(
        &self,
        actor: Id,
        report: Id,
        code: &str,
        path: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let Some(status) = locked_status(&mut tx, report).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        if matches!(status, Status::Transmitted | Status::Approved) {
            tx.rollback().await?;
            return Err(StoreError::BadTransition { from: status });
        }
        let before: Option<String> = sqlx::query_scalar(
            "SELECT text FROM justifications WHERE report_id = $1 AND code = $2 AND path = $3",
        )
        .bind(report)
        .bind(code)
        .bind(path)
        .fetch_optional(&mut *tx)
        .await?;
        let deleting = text.trim().is_empty();
        if deleting {
            if before.is_none() {
                // Nothing to delete, nothing written.
                tx.rollback().await?;
                return Ok(());
            }
            sqlx::query("DELETE FROM justifications WHERE report_id = $1 AND code = $2 AND path = $3")
                .bind(report)
                .bind(code)
                .bind(path)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO justifications (report_id, code, path, text, author_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (report_id, code, path) \
                 DO UPDATE SET text = excluded.text, author_id = excluded.author_id, at = excluded.at",
            )
            .bind(report)
            .bind(code)
            .bind(path)
            .bind(text)
            .bind(actor)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(constraint_error)?;
        }
        let target = format!("{code} {path}");
        let rec = AuditRecord {
            actor: Some(actor),
            report: Some(report),
            kind: if deleting { "justification.delete" } else { "justification.set" },
            target: &target,
            before: before.as_deref(),
            after: if deleting { None } else { Some(text) },
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn justifications(&self, report: Id) -> Result<Vec<Justification>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_justifications(&mut conn, report).await?)
    }

    pub async fn audit(&self, report: Option<Id>, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let columns = "id, at, actor_id, actor_login, report_id, kind, target, before_value, after_value";
        let limit = limit.max(0);
        let rows = match report {
            Some(report) => {
                let sql =
                    format!("SELECT {columns} FROM audit_log WHERE report_id = $1 ORDER BY id DESC LIMIT $2");
                sqlx::query(&sql).bind(report).bind(limit).fetch_all(&self.pool).await?
            }
            None => {
                let sql = format!("SELECT {columns} FROM audit_log ORDER BY id DESC LIMIT $1");
                sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?
            }
        };
        Ok(rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor_id")?,
                    actor_login: r.try_get("actor_login")?,
                    report_id: r.try_get("report_id")?,
                    action: r.try_get("kind")?,
                    target: r.try_get("target")?,
                    before: r.try_get("before_value")?,
                    after: r.try_get("after_value")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    // ----- OpenID Connect (ProConnect) -----

    pub async fn begin_oidc_login(&self, p: &OidcPending, max_per_client: i64) -> Result<bool, StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        if let Some(lock) = KEY_LOCK {
            sqlx::query(lock).bind(format!("oidc:{}", p.client)).execute(&mut *tx).await?;
        }
        // Expired sign-ins are forgotten as new ones come, so the table stays small.
        sqlx::query("DELETE FROM oidc_pending WHERE expires_at <= $1").bind(&now).execute(&mut *tx).await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oidc_pending WHERE client = $1")
            .bind(&p.client)
            .fetch_one(&mut *tx)
            .await?;
        if n >= max_per_client {
            tx.commit().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO oidc_pending (state_hash, browser_hash, nonce, verifier, next, client, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&p.state_hash)
        .bind(&p.browser_hash)
        .bind(&p.nonce)
        .bind(&p.verifier)
        .bind(&p.next)
        .bind(&p.client)
        .bind(&now)
        .bind(&p.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(constraint_error)?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn take_oidc_login(&self, state_hash: &str) -> Result<Option<OidcPending>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        // Deleted as it is read: a `state` answers once, whatever happens next.
        let row = sqlx::query(
            "DELETE FROM oidc_pending WHERE state_hash = $1 \
             RETURNING state_hash, browser_hash, nonce, verifier, next, client, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(r) = row else { return Ok(None) };
        let pending = OidcPending {
            state_hash: r.try_get("state_hash")?,
            browser_hash: r.try_get("browser_hash")?,
            nonce: r.try_get("nonce")?,
            verifier: r.try_get("verifier")?,
            next: r.try_get("next")?,
            client: r.try_get("client")?,
            expires_at: r.try_get("expires_at")?,
        };
        Ok((pending.expires_at.as_str() > time::now().as_str()).then_some(pending))
    }

    pub async fn oidc_sign_in(&self, s: &OidcSignIn<'_>) -> Result<OidcOutcome, StoreError> {
        let now = time::now();
        let mut tx = begin_write(&self.pool).await?;
        let bound: Option<Id> = sqlx::query_scalar(&format!(
            "SELECT user_id FROM oidc_identities WHERE issuer = $1 AND subject = $2{FOR_UPDATE}"
        ))
        .bind(s.issuer)
        .bind(s.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let (user, newly_bound) = match bound {
            Some(id) => {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1{FOR_UPDATE}");
                let row = sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await?;
                (user_from_row(&row)?, false)
            }
            None => {
                let sql =
                    format!("SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1){FOR_UPDATE}");
                let Some(row) = sqlx::query(&sql).bind(s.email).fetch_optional(&mut *tx).await? else {
                    tx.rollback().await?;
                    return Ok(OidcOutcome::Unknown);
                };
                let user = user_from_row(&row)?;
                let other: Option<String> = sqlx::query_scalar(
                    "SELECT subject FROM oidc_identities WHERE user_id = $1 AND issuer = $2",
                )
                .bind(user.id)
                .bind(s.issuer)
                .fetch_optional(&mut *tx)
                .await?;
                match other {
                    // A parallel first sign-in of the same identity bound it meanwhile.
                    Some(subject) if subject == s.subject => (user, false),
                    // The account is bound to another identity of this provider: the
                    // e-mail alone never moves it to a new one.
                    Some(_) => {
                        tx.rollback().await?;
                        return Ok(OidcOutcome::OtherIdentity(user));
                    }
                    None => (user, true),
                }
            }
        };
        if !user.active {
            tx.rollback().await?;
            return Ok(OidcOutcome::Inactive(user));
        }
        if newly_bound {
            sqlx::query(
                "INSERT INTO oidc_identities (issuer, subject, user_id, email, bound_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(s.issuer)
            .bind(s.subject)
            .bind(user.id)
            .bind(s.email)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(constraint_error)?;
        }
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(&now).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, id_token) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.token_hash)
        .bind(user.id)
        .bind(s.csrf_token)
        .bind(&now)
        .bind(s.expires_at)
        .bind(s.id_token)
        .execute(&mut *tx)
        .await
        .map_err(constraint_error)?;
        if newly_bound {
            let after = format!("fournisseur : {}\nsujet : {}\ncourriel : {}", s.issuer, s.subject, s.email);
            let rec = AuditRecord {
                actor: Some(user.id),
                report: None,
                kind: "user.oidc",
                target: &user.login,
                before: None,
                after: Some(&after),
            };
            append_audit(&mut tx, &now, rec).await?;
        }
        let rec = AuditRecord {
            actor: Some(user.id),
            report: None,
            kind: "session.create",
            target: "proconnect",
            before: None,
            after: Some(s.expires_at),
        };
        append_audit(&mut tx, &now, rec).await?;
        tx.commit().await?;
        Ok(OidcOutcome::SignedIn { user, newly_bound })
    }

    pub async fn session_id_token(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        let token: Option<Option<String>> =
            sqlx::query_scalar("SELECT id_token FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(token.flatten())
    }

    // ----- login rate limiting -----

    pub async fn reserve_login_attempt(
        &self,
        limits: &[(&str, i64)],
        since: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        for (key, _) in limits {
            if let Some(lock) = KEY_LOCK {
                sqlx::query(lock).bind(*key).execute(&mut *tx).await?;
            }
        }
        for (key, limit) in limits {
            // Old failures are forgotten as we go, so the table stays small.
            sqlx::query("DELETE FROM login_failures WHERE attempt_key = $1 AND at < $2")
                .bind(*key)
                .bind(since)
                .execute(&mut *tx)
                .await?;
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE attempt_key = $1")
                .bind(*key)
                .fetch_one(&mut *tx)
                .await?;
            if n >= *limit {
                tx.commit().await?;
                return Ok(false);
            }
        }
        for (key, _) in limits {
            sqlx::query("INSERT INTO login_failures (attempt_key, at) VALUES ($1, $2)")
                .bind(*key)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn forget_login_attempt(&self, key: &str, at: &str) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "DELETE FROM login_failures WHERE id = \
             (SELECT id FROM login_failures WHERE attempt_key = $1 AND at = $2 ORDER BY id DESC LIMIT 1)",
        )
        .bind(key)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_login_failure(&self, key: &str, at: &str) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("INSERT INTO login_failures (attempt_key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn login_failures_since(&self, key: &str, since: &str) -> Result<i64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE attempt_key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM login_failures WHERE attempt_key = $1").bind(key).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

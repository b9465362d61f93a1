//! Storage of `bilan`: accounts, sessions, tokens of the read-only API, reports (their
//! canonical TOML text), the workflow of a report, justifications of warnings, the State's
//! review (comments, credit decisions and amount for the next year), the audit log and
//! login rate limiting.
//!
//! The contract is `docs/store-api.md`. One concrete implementation per database
//! ([`sqlite::SqliteStore`], [`postgres::PgStore`]) shares a single source file
//! (`backend.rs`, compiled once per database with that database's types), and the
//! [`Store`] enum that the application holds dispatches to them.
//!
//! The store never parses TOML: an edit is a synchronous closure run by
//! [`Store::update_report`] inside the write transaction, after the report row is loaded
//! and locked, so two concurrent edits cannot lose each other's changes. Money is never a
//! float: figures live in the text, in exact cents; the only money column (the State
//! amount for the next year) holds integer cents.

use std::collections::BTreeMap;
use std::fmt;

use sqlx::migrate::MigrateError;

pub mod backup;
pub mod postgres;
pub mod sqlite;
pub mod time;
pub mod verify;

pub use bilan_domain::stored::{ActionRow, IndicatorRow, MeasureRow, ReportFigures, FIGURES_FORMAT};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Row identifier.
pub type Id = i64;

/// What an account may do. Stored as text: `editeur`, `signataire`, `prefecture`,
/// `region`, `national`, `admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    DepartmentEditor,
    DepartmentSignatory,
    PrefectureReviewer,
    RegionalReviewer,
    NationalReader,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::DepartmentEditor,
        Role::DepartmentSignatory,
        Role::PrefectureReviewer,
        Role::RegionalReviewer,
        Role::NationalReader,
        Role::Admin,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::DepartmentEditor => "editeur",
            Role::DepartmentSignatory => "signataire",
            Role::PrefectureReviewer => "prefecture",
            Role::RegionalReviewer => "region",
            Role::NationalReader => "national",
            Role::Admin => "admin",
        }
    }

    /// The role of a stored code.
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The State's roles: préfecture, region, national reader.
    pub fn is_state(self) -> bool {
        matches!(self, Role::PrefectureReviewer | Role::RegionalReviewer | Role::NationalReader)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Workflow status of a report. Stored as text: `brouillon`, `adopte`, `transmis`,
/// `a_corriger`, `approuve`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Adopted,
    Transmitted,
    SentBack,
    Approved,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Draft, Status::Adopted, Status::Transmitted, Status::SentBack, Status::Approved];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "brouillon",
            Status::Adopted => "adopte",
            Status::Transmitted => "transmis",
            Status::SentBack => "a_corriger",
            Status::Approved => "approuve",
        }
    }

    /// The status of a stored code.
    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Whether the text of a report in this status can be edited (Draft and SentBack).
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::SentBack)
    }

    /// The transitions the store accepts: Draft→Adopted, Adopted→Draft,
    /// Adopted→Transmitted, Transmitted→SentBack, Transmitted→Approved, SentBack→Adopted,
    /// Approved→Transmitted (reopen).
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Draft, Adopted)
                | (Adopted, Draft)
                | (Adopted, Transmitted)
                | (Transmitted, SentBack)
                | (Transmitted, Approved)
                | (SentBack, Adopted)
                | (Approved, Transmitted)
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    /// Département code for the first three roles, region code for `RegionalReviewer`,
    /// `None` otherwise.
    pub territory: Option<String>,
    /// The account's e-mail address, if known.
    pub email: Option<String>,
}

/// A stored account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: Id,
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub territory: Option<String>,
    pub active: bool,
    /// Where notifications go, and the identity a ProConnect sign-in is bound to.
    pub email: Option<String>,
}

/// The columns of a report the application lists and filters on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportSummary {
    pub id: Id,
    /// The code of the signatory collectivité: the INSEE code of a Département (`03`,
    /// `2A`, `974`), or the code of another collectivité (`69M`, `CEA`…).
    pub department: String,
    /// The Départements the report covers, principal first (for a Département, its own
    /// code alone; for the CEA, `67` and `68`).
    pub territories: Vec<String>,
    pub year: i32,
    pub programme: String,
    pub status: Status,
    /// The version being worked on (1 at creation, +1 when sent back).
    pub version: i32,
    /// Bumped on every write to the report.
    pub revision: i64,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// A report with its text and the revisions of its actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReport {
    pub summary: ReportSummary,
    /// Canonical TOML text.
    pub text: String,
    /// Action number → revision (starting at 1).
    pub action_revisions: BTreeMap<String, i64>,
    pub deliberation_number: Option<String>,
    /// YYYY-MM-DD, as given by the caller.
    pub deliberation_date: Option<String>,
    /// RFC 3339 UTC of the last transmission from Adopted.
    pub transmitted_at: Option<String>,
}

/// A justification of a warning, tied to (code, path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Justification {
    pub code: String,
    pub path: String,
    pub text: String,
    pub author: Id,
    pub at: String,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: Id,
    pub at: String,
    pub actor: Option<Id>,
    /// The actor's login when the entry was written.
    pub actor_login: Option<String>,
    pub report_id: Option<Id>,
    /// What was done, e.g. `action.save`, `report.status`, `user.create`.
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A token of the read-only API (its hash never leaves the store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Id,
    /// The account the token acts as.
    pub user: Id,
    /// The name its owner gave it (e.g. « tableau de bord régional »).
    pub name: String,
    pub created_at: String,
    /// After this time (RFC 3339 UTC) the token no longer opens the API.
    pub expires_at: Option<String>,
    /// Updated at most once a minute by [`Store::api_token_user`].
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// What a review comment is about. Stored as a kind (`rapport`, `action`, `ligne`,
/// `diagnostic`) and a key (action number, diagnostic code) and path columns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CommentTarget {
    /// The whole report.
    Report,
    /// One action, by its number (e.g. `1.2`).
    Action { number: String },
    /// One line of the report, by its path (e.g. `mesures[0].actions[1].budget[2]`).
    Line { path: String },
    /// One diagnostic of the check, by its code and path.
    Diagnostic { code: String, path: String },
}

impl CommentTarget {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            CommentTarget::Report => "rapport",
            CommentTarget::Action { .. } => "action",
            CommentTarget::Line { .. } => "ligne",
            CommentTarget::Diagnostic { .. } => "diagnostic",
        }
    }

    /// The stored (key, path) columns.
    fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            CommentTarget::Report => (None, None),
            CommentTarget::Action { number } => (Some(number), None),
            CommentTarget::Line { path } => (None, Some(path)),
            CommentTarget::Diagnostic { code, path } => (Some(code), Some(path)),
        }
    }

    /// The target of stored columns.
    fn from_columns(
        kind: &str,
        key: Option<String>,
        path: Option<String>,
    ) -> Result<CommentTarget, sqlx::Error> {
        Ok(match (kind, key, path) {
            ("rapport", None, None) => CommentTarget::Report,
            ("action", Some(number), None) => CommentTarget::Action { number },
            ("ligne", None, Some(path)) => CommentTarget::Line { path },
            ("diagnostic", Some(code), Some(path)) => CommentTarget::Diagnostic { code, path },
            _ => return Err(decode_error("type de cible de commentaire", kind)),
        })
    }
}

impl fmt::Display for CommentTarget {
    /// As written in the journal: `rapport`, `action 1.2`, `ligne <path>`,
    /// `diagnostic <code> <path>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommentTarget::Report => f.write_str("rapport"),
            CommentTarget::Action { number } => write!(f, "action {number}"),
            CommentTarget::Line { path } => write!(f, "ligne {path}"),
            CommentTarget::Diagnostic { code, path } => write!(f, "diagnostic {code} {path}"),
        }
    }
}

/// A review comment (append-only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: Id,
    pub report: Id,
    /// The version of the report the comment is about.
    pub version: i32,
    pub target: CommentTarget,
    pub text: String,
    pub author: Id,
    /// The author's current login and name.
    pub author_login: String,
    pub author_name: String,
    pub at: String,
}

/// The reviewer's decision on one credit line requested for the next year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditDecision {
    pub action: String,
    pub line: String,
    pub accept: bool,
    pub reason: String,
    pub author: Id,
    pub at: String,
}

/// A decision of the credits form: accept (`Some(true)`), refuse (`Some(false)`) or
/// withdraw (`None`) the carry-over of `line` of `action`, with a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditChoice {
    pub action: String,
    pub line: String,
    pub accept: Option<bool>,
    pub reason: String,
}

/// A status change and what goes with it, applied in one transaction by
/// [`Store::transition`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    /// The audit entry's target; required to send back and to reopen.
    pub reason: String,
    /// Deliberation (number, YYYY-MM-DD date) recorded in the report's columns.
    pub deliberation: Option<(String, String)>,
    /// A comment on the report, written with the change on the version it is about (the
    /// reason of a send-back, which the Département reads with the other remarks).
    pub comment: Option<String>,
    /// The signed deliberation to attach (adoption): it replaces the working set's one.
    pub attachment: Option<NewAttachment>,
    /// Who is told, written with the change (before its audit entry).
    pub notifications: Vec<NewNotification>,
}

impl Transition {
    /// A plain change from `from` to `to`, journaled with `reason`.
    pub fn new(from: Status, to: Status, reason: impl Into<String>) -> Transition {
        Transition {
            from,
            to,
            reason: reason.into(),
            deliberation: None,
            comment: None,
            notifications: Vec::new(),
            attachment: None,
        }
    }
}

/// The kinds of notification, as stored: a report transmitted (to the State), sent back,
/// approved, reopened, a State comment (to the Département), a deadline reminder.
pub const NOTIFICATION_KINDS: [&str; 6] =
    ["transmis", "renvoye", "approuve", "rouvert", "commentaire", "rappel"];

/// The kinds of deadline reminder, as stored: 30, 7 and 1 days before, and overdue.
pub const REMINDER_KINDS: [&str; 4] = ["j30", "j7", "j1", "retard"];

/// A notification to write in the transaction of the event that causes it. Who gets it
/// and what it says are the caller's business: the store writes what it is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    pub user: Id,
    /// One of [`NOTIFICATION_KINDS`].
    pub kind: String,
    pub subject: String,
    /// Plain text, shown in the application.
    pub body: String,
    /// The page concerned, a path of the application (`/rapports/12`).
    pub link: String,
    /// The e-mail to send as well, if the recipient wants it: written to the outbox.
    pub mail: Option<NewMail>,
}

/// An e-mail of the outbox, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    /// Plain text, with the absolute link.
    pub body: String,
}

/// The version of a year's reports ([`Store::year_version`]): how many, the sum of their
/// revisions, the highest id and the latest change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YearVersion {
    pub reports: i64,
    pub revisions: i64,
    pub last_id: i64,
    pub last_update: String,
}

/// A notification shown in the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: Id,
    pub user: Id,
    pub report: Option<Id>,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// Where an e-mail of the outbox stands. Stored as `attente`, `envoye`, `echec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailStatus {
    /// Not sent yet (maybe after failed attempts).
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up after too many attempts.
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Pending => "attente",
            MailStatus::Sent => "envoye",
            MailStatus::Failed => "echec",
        }
    }

    fn from_code(code: &str) -> Result<MailStatus, sqlx::Error> {
        [MailStatus::Pending, MailStatus::Sent, MailStatus::Failed]
            .into_iter()
            .find(|s| s.as_str() == code)
            .ok_or_else(|| decode_error("état de courriel", code))
    }
}

/// An e-mail of the outbox, as the administrator's page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: Id,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

/// An e-mail claimed by a sender ([`Store::claim_mails`]): it is this sender's to send
/// until its lease ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedMail {
    pub id: Id,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Failed attempts so far.
    pub attempts: i32,
}

/// What a file attached to a report is. Stored as text: `deliberation`, `piece`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachmentKind {
    /// The signed deliberation that adopted the report (PDF), uploaded by the signatory.
    Deliberation,
    /// A supporting document of one action, uploaded by an editor.
    Piece,
}

impl AttachmentKind {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Deliberation => "deliberation",
            AttachmentKind::Piece => "piece",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<AttachmentKind> {
        [AttachmentKind::Deliberation, AttachmentKind::Piece].into_iter().find(|k| k.as_str() == code)
    }
}

/// A file to attach to a report. The caller has checked its content (type, size) and
/// computed its SHA-256; the store keeps `bytes` in the database, or only the fingerprint
/// when `bytes` is `None` (the caller wrote the file to its directory first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttachment {
    pub kind: AttachmentKind,
    /// The action number of a piece (`None` for the deliberation).
    pub action: Option<String>,
    pub title: String,
    /// The name the file had on the uploader's computer (shown, and proposed on download).
    pub file_name: String,
    /// The content type found by looking at the content (`application/pdf`…).
    pub media_type: String,
    /// SHA-256 of the content, 64 lowercase hex digits.
    pub sha256: String,
    pub size: i64,
    /// The content, or `None` when it is kept outside the database.
    pub bytes: Option<Vec<u8>>,
}

/// A stored attachment (its content is read with [`Store::attachment_content`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub id: Id,
    pub report: Id,
    pub kind: AttachmentKind,
    pub action: Option<String>,
    pub title: String,
    pub file_name: String,
    pub media_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: Id,
    /// The uploader's current login.
    pub uploader_login: String,
    /// RFC 3339 UTC.
    pub at: String,
    /// `None`: the working set of the report; `Some(v)`: frozen with transmitted version `v`.
    pub frozen_version: Option<i32>,
}

/// Longest review comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 4000;

/// What an edit touches, for the optimistic lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditScope {
    /// One action's form: its revision must still be `expected_revision`.
    Action { number: String, expected_revision: i64 },
    /// A whole-report edit: the report's revision must still be `expected_revision`.
    Whole { expected_revision: i64 },
}

/// What the edit closure returns: the new TOML text and the audit record's
/// target/before/after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub text: String,
    pub audit_action: String,
    pub audit_target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Action numbers that exist after the edit (revisions are created/removed to match).
    pub actions: Vec<String>,
}

/// Which reports to list. `None` means no filter on that column; `Some(vec![])` matches
/// nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// A report matches when its collectivité code or any of its territories is in the
    /// list (a préfecture of 67 sees the report of the CEA).
    pub departments: Option<Vec<String>>,
    pub statuses: Option<Vec<Status>>,
    pub year: Option<i32>,
}

/// A report to create for a collectivité ([`Store::create_collectivite_report`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCollectiviteReport {
    /// The collectivité code (the report's `department` column).
    pub collectivite: String,
    /// The Départements covered, principal first; not empty.
    pub territories: Vec<String>,
    pub year: i32,
    pub programme: String,
    /// Canonical TOML text.
    pub text: String,
    /// Its action numbers.
    pub actions: Vec<String>,
}

/// The current text of a programme's referentiel (programme, measures, national catalogue
/// of indicators: TOML, parsed by the application).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReferentiel {
    pub programme: String,
    /// 1 when seeded, +1 on every saved change.
    pub version: i32,
    pub text: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// Who wrote the current version (`None`: seeded at start-up).
    pub updated_by: Option<Id>,
}

/// One version of a referentiel (append-only history, the current one included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferentielVersion {
    pub programme: String,
    pub version: i32,
    pub text: String,
    pub at: String,
    pub actor: Option<Id>,
    /// The actor's current login.
    pub actor_login: Option<String>,
}

/// A campaign to open ([`Store::open_campaign`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCampaign {
    pub programme: String,
    pub year: i32,
    /// YYYY-MM-DD.
    pub deadline: String,
    /// The version of the programme's referentiel the reports are written against.
    pub referentiel_version: i32,
    pub conventions: Vec<NewConvention>,
}

/// A convention of a campaign to open: one signatory collectivité.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConvention {
    /// Its code: a Département's INSEE code, `69M`, `CEA`…
    pub collectivite: String,
    /// Its name, e.g. « Collectivité européenne d’Alsace ».
    pub name: String,
    /// The Départements the convention covers, principal first; not empty.
    pub territories: Vec<String>,
    /// Its own deadline (YYYY-MM-DD), if not the campaign's.
    pub deadline: Option<String>,
    /// The draft report to create, if the collectivité has none for that year yet.
    pub report: Option<NewReport>,
}

/// The draft report of a new convention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport {
    /// Canonical TOML text.
    pub text: String,
    /// Its action numbers.
    pub actions: Vec<String>,
    /// The principal territory (the Département the text names): one of the convention's
    /// territories, stored first in the report's list.
    pub department: String,
}

/// What [`Store::open_campaign`] did with the report of one convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportLink {
    /// A draft report was created.
    Created(Id),
    /// The collectivité already had a report for that year: the convention points to it,
    /// nothing was created.
    Linked(Id),
    /// No report given, none existing: the convention has no report yet.
    None,
}

impl ReportLink {
    /// The report of the convention, created or linked.
    pub fn id(self) -> Option<Id> {
        match self {
            ReportLink::Created(id) | ReportLink::Linked(id) => Some(id),
            ReportLink::None => None,
        }
    }
}

/// What [`Store::open_campaign`] created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedCampaign {
    pub id: Id,
    /// (collectivité code, its report), in the order given.
    pub conventions: Vec<(String, ReportLink)>,
}

/// A stored campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub id: Id,
    pub programme: String,
    pub year: i32,
    /// YYYY-MM-DD.
    pub deadline: String,
    pub referentiel_version: i32,
    /// RFC 3339 UTC.
    pub opened_at: String,
    pub opened_by: Option<Id>,
}

/// The report of a convention, as the campaign's follow-up shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConventionReport {
    pub id: Id,
    pub status: Status,
    pub version: i32,
    pub transmitted_at: Option<String>,
}

/// A stored convention of a campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Convention {
    pub campaign: Id,
    pub collectivite: String,
    pub name: String,
    /// Principal first.
    pub territories: Vec<String>,
    /// Its own deadline (YYYY-MM-DD); `None`: the campaign's.
    pub deadline: Option<String>,
    pub report: Option<ConventionReport>,
}

impl Convention {
    /// The deadline that applies: the convention's own, or the campaign's.
    pub fn deadline_in<'a>(&'a self, campaign: &'a Campaign) -> &'a str {
        self.deadline.as_deref().unwrap_or(&campaign.deadline)
    }
}

/// A campaign with its conventions, by collectivité code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignDetail {
    pub campaign: Campaign,
    pub conventions: Vec<Convention>,
}

/// The campaign and convention a report belongs to ([`Store::report_campaign`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportCampaign {
    pub campaign: Campaign,
    pub convention: Convention,
    /// The deadline that applies to the report (YYYY-MM-DD).
    pub deadline: String,
}

/// A sign-in sent to the OpenID provider, waiting for its answer
/// ([`Store::begin_oidc_login`]). Secrets the browser holds are stored hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcPending {
    /// SHA-256 hex of the `state` sent to the provider.
    pub state_hash: String,
    /// SHA-256 hex of the browser's sign-in cookie: the answer must come back to it.
    pub browser_hash: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// Where to go once signed in (a same-site path).
    pub next: String,
    /// The client's address (sign-ins waiting are bounded per address).
    pub client: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
}

/// A verified identity asserted by an OpenID provider, and the session to open for it
/// ([`Store::oidc_sign_in`]).
#[derive(Clone, Copy, Debug)]
pub struct OidcSignIn<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    /// The e-mail the provider asserted: finds the account at the identity's first sign-in.
    pub email: &'a str,
    /// SHA-256 hex of the session cookie.
    pub token_hash: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: &'a str,
    /// Kept with the session for the provider's logout.
    pub id_token: &'a str,
}

/// How an OpenID sign-in ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OidcOutcome {
    /// A session is open; `newly_bound`: this sign-in bound the identity to the account.
    SignedIn { user: User, newly_bound: bool },
    /// No account is bound to the identity nor has its e-mail: nothing written.
    Unknown,
    /// The account is deactivated: nothing written.
    Inactive(User),
    /// The account with this e-mail is bound to another identity of the same provider:
    /// nothing written.
    OtherIdentity(User),
}

/// Errors of the store. `Display` is French: it may reach users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The revision the caller loaded is stale; nothing was written. For an action edit,
    /// `current_revision` is the action's current revision (0 if the action no longer
    /// exists); for a whole edit, the report's.
    #[error("conflit de modification")]
    Conflict { current_text: String, current_revision: i64 },
    #[error("introuvable")]
    NotFound,
    /// `from` is the report's actual status.
    #[error("transition de statut refusée")]
    BadTransition { from: Status },
    #[error("identifiant déjà utilisé")]
    Duplicate,
    /// The edit closure refused the edit (French message from the caller).
    #[error("{0}")]
    Rejected(String),
    #[error("erreur de base de données")]
    Database(#[from] sqlx::Error),
    #[error("erreur de migration")]
    Migration(#[from] MigrateError),
}

/// How the application computes a report's figures from its text (its parser and
/// `bilan_consolidate::stored::figures_of`); `None` when the text gives none. The store
/// never parses a report: it calls this, when given one ([`Store::with_figures`]), on
/// every text it writes, inside the write transaction, and writes the rows it returns.
pub type FiguresOf = fn(&str) -> Option<ReportFigures>;

/// The store the application holds: one of the two databases.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens the database named by `url` and runs its migrations: `sqlite://PATH` (created
    /// if missing) or `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Store::Sqlite(SqliteStore::connect(url).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(PgStore::connect(url).await?))
        } else {
            Err(StoreError::Database(sqlx::Error::Configuration(
                "adresse de base de données non reconnue : sqlite://… ou postgres://… attendu".into(),
            )))
        }
    }

    /// The same store, recording the figures `figures` computes with every report text it
    /// writes (creation, edit, status change, campaign drafts), in the same transaction.
    /// Without it (tests of the store alone, maintenance commands) no figures are written
    /// and a rewritten text loses its rows, which the application recomputes at start.
    pub fn with_figures(self, figures: FiguresOf) -> Store {
        match self {
            Store::Sqlite(mut s) => {
                s.figures = Some(figures);
                Store::Sqlite(s)
            }
            Store::Postgres(mut s) => {
                s.figures = Some(figures);
                Store::Postgres(s)
            }
        }
    }

    /// Closes every connection (waits for those in use to be returned).
    pub async fn close(&self) {
        dispatch!(self.close())
    }

    // ----- users -----

    /// Creates an account. `Duplicate` if the login (compared without case) exists.
    pub async fn create_user(&self, actor: Option<Id>, u: NewUser) -> Result<Id, StoreError> {
        if let Some(email) = &u.email {
            check_email(email)?;
        }
        dispatch!(self.create_user(actor, u))
    }

    pub async fn user(&self, id: Id) -> Result<Option<User>, StoreError> {
        dispatch!(self.user(id))
    }

    /// The account of a login, compared without case.
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self.user_by_login(login))
    }

    /// The account of an e-mail address, compared without case.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self.user_by_email(email))
    }

    /// Sets or clears an account's e-mail address (audited). `Duplicate` if another
    /// account has it (compared without case), `Rejected` if it is not an address.
    pub async fn set_user_email(
        &self,
        actor: Option<Id>,
        id: Id,
        email: Option<&str>,
    ) -> Result<(), StoreError> {
        if let Some(email) = email {
            check_email(email)?;
        }
        dispatch!(self.set_user_email(actor, id, email))
    }

    /// Every account, by login.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        dispatch!(self.users())
    }

    /// Activates or deactivates an account; deactivation also ends its sessions and
    /// revokes its API tokens.
    pub async fn set_user_active(&self, actor: Id, id: Id, active: bool) -> Result<(), StoreError> {
        dispatch!(self.set_user_active(actor, id, active))
    }

    /// Sets a password (an administrator's reset, or the CLI): every session of the account
    /// ends and every API token is revoked, in the same transaction.
    pub async fn set_password_hash(&self, actor: Option<Id>, id: Id, hash: &str) -> Result<(), StoreError> {
        dispatch!(self.set_password_hash(actor, id, hash))
    }

    /// A user changes their own password: their other sessions end (the one whose token
    /// hash is `keep_session` stays); their API tokens stay. `NotFound` if the account is
    /// unknown or inactive.
    pub async fn change_own_password(
        &self,
        id: Id,
        hash: &str,
        keep_session: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.change_own_password(id, hash, keep_session))
    }

    // ----- sessions -----

    /// Stores a session: `token_hash` is the SHA-256 hex of the cookie token, `expires_at`
    /// an RFC 3339 UTC time in the store's format (see [`time`]). Expired sessions are purged.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: Id,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.create_session(token_hash, user, csrf_token, expires_at))
    }

    /// The session's user and CSRF token; `None` if unknown, expired or the user is inactive.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(User, String)>, StoreError> {
        dispatch!(self.session(token_hash))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        dispatch!(self.delete_session(token_hash))
    }

    // ----- OpenID Connect (ProConnect) -----

    /// Records a sign-in sent to the provider, unless `max_per_client` of that client's are
    /// already waiting (`false`: nothing written). Expired ones are purged.
    pub async fn begin_oidc_login(&self, p: &OidcPending, max_per_client: i64) -> Result<bool, StoreError> {
        dispatch!(self.begin_oidc_login(p, max_per_client))
    }

    /// Takes (deletes and returns) the sign-in of a `state`: a second call with the same
    /// state finds nothing. `None` also when it has expired.
    pub async fn take_oidc_login(&self, state_hash: &str) -> Result<Option<OidcPending>, StoreError> {
        dispatch!(self.take_oidc_login(state_hash))
    }

    /// Opens a session for a verified provider identity, in one transaction: the account
    /// bound to (issuer, subject), else — first sign-in — the account whose e-mail is the
    /// asserted one, which gets the identity bound (audited `user.oidc`), unless it already
    /// has another identity of this issuer. Inactive accounts are refused. The session is
    /// audited `session.create` with target `proconnect`.
    pub async fn oidc_sign_in(&self, s: &OidcSignIn<'_>) -> Result<OidcOutcome, StoreError> {
        dispatch!(self.oidc_sign_in(s))
    }

    /// The ID token a session was opened with, if it was opened through a provider.
    pub async fn session_id_token(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self.session_id_token(token_hash))
    }

    // ----- API tokens -----

    /// Stores a token of the read-only API for `user`: `token_hash` is the SHA-256 hex of
    /// the token (the token itself is never stored), valid until `expires_at` (RFC 3339
    /// UTC). `Duplicate` if the hash exists,
    /// `NotFound` if the user does not, `Rejected` if the name is blank.
    pub async fn create_api_token(
        &self,
        actor: Id,
        user: Id,
        name: &str,
        token_hash: &str,
        expires_at: &str,
    ) -> Result<Id, StoreError> {
        dispatch!(self.create_api_token(actor, user, name, token_hash, expires_at))
    }

    /// The tokens of `user`, revoked ones included, oldest first.
    pub async fn api_tokens(&self, user: Id) -> Result<Vec<ApiToken>, StoreError> {
        dispatch!(self.api_tokens(user))
    }

    /// The account of a token: `None` if the hash is unknown, the token revoked or expired,
    /// or the account inactive. Called on every API request: one read, plus an update of
    /// `last_used_at` when it is more than a minute old (not journaled).
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self.api_token_user(token_hash))
    }

    /// Revokes token `token_id` of `user`: `NotFound` if `user` has no such token.
    /// Revoking a revoked token does nothing.
    pub async fn revoke_api_token(&self, actor: Id, user: Id, token_id: Id) -> Result<(), StoreError> {
        dispatch!(self.revoke_api_token(actor, user, token_id))
    }

    // ----- reports -----

    /// Creates a report in Draft, version 1, revision 1, every action at revision 1, for
    /// a Département covering itself alone (see [`Store::create_collectivite_report`]).
    /// `Duplicate` if a report of that département and year exists.
    pub async fn create_report(
        &self,
        actor: Option<Id>,
        department: &str,
        year: i32,
        programme: &str,
        text: &str,
        actions: &[String],
    ) -> Result<Id, StoreError> {
        dispatch!(self.create_report(actor, department, year, programme, text, actions))
    }

    /// Creates the report of a collectivité covering `r.territories` (principal first), in
    /// Draft, like [`Store::create_report`]. `Duplicate` if the collectivité has a report
    /// for that year; `Rejected` (French message, nothing written) if a code is not made
    /// of ASCII letters and digits, or the list is empty or repeats a code. Two
    /// collectivités may cover one Département (the Rhône and the Métropole de Lyon both
    /// cover 69): which collectivités sign is the caller's business.
    pub async fn create_collectivite_report(
        &self,
        actor: Option<Id>,
        r: &NewCollectiviteReport,
    ) -> Result<Id, StoreError> {
        dispatch!(self.create_collectivite_report(actor, r))
    }

    /// Summaries matching the filter, by collectivité code, then year (newest first).
    pub async fn reports(&self, filter: &ReportFilter) -> Result<Vec<ReportSummary>, StoreError> {
        dispatch!(self.reports(filter))
    }

    /// A report, read from one snapshot (text and revisions agree).
    pub async fn report(&self, id: Id) -> Result<Option<StoredReport>, StoreError> {
        dispatch!(self.report(id))
    }

    /// The revision of report `id` alone (`None`: no such report), one primary-key lookup:
    /// a copy of [`Store::report`] read at this revision is still current.
    pub async fn report_revision(&self, id: Id) -> Result<Option<i64>, StoreError> {
        dispatch!(self.report_revision(id))
    }

    /// Read-modify-write in one transaction: loads the report (locked), checks the scope's
    /// revision, calls `edit` with the current report, writes the result, bumps revisions,
    /// appends the audit entry. Only Draft and SentBack reports can be edited (else
    /// `BadTransition`). A stale revision gives `Conflict`, a refusal of the closure
    /// `Rejected`: in both cases nothing is written.
    ///
    /// The closure runs while the write lock is held: it must be quick and must not call
    /// the store.
    ///
    /// Revisions: the report's is always bumped; in `EditScope::Action` only the edited
    /// action's is bumped, in `EditScope::Whole` every action's; actions that appear in
    /// `Edit::actions` start at 1, those that disappear lose their revision.
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
        dispatch!(self.update_report(actor, id, scope, edit))
    }

    /// Status change, with its business checks done by the caller. The store enforces the
    /// transitions of [`Status::can_become`] and that the report is still in `from`
    /// (`BadTransition { from: actual status }` otherwise), records the deliberation
    /// (number, YYYY-MM-DD date) when given, and writes an audit entry whose target is
    /// `reason`. Adopted→Transmitted freezes the text as the current version in
    /// `report_versions` and sets `transmitted_at`; SentBack starts version + 1;
    /// Adopted→Draft clears the deliberation. Sending back (→SentBack) and reopening
    /// (Approved→Transmitted) need a reason: blank, they are `Rejected` (« Un motif est
    /// obligatoire pour … ») and nothing is written.
    pub async fn set_status(
        &self,
        actor: Id,
        id: Id,
        from: Status,
        to: Status,
        reason: &str,
        deliberation: Option<(String, String)>,
    ) -> Result<StoredReport, StoreError> {
        let t = Transition { deliberation, ..Transition::new(from, to, reason) };
        self.transition(actor, id, t, |_, _| Ok(None)).await
    }

    /// A status change with everything that goes with it, in one transaction: the checks of
    /// [`Store::set_status`], then `gate` with the locked report and its justifications as
    /// this transaction sees them. The gate refuses with a French message (`Rejected`,
    /// nothing written) or returns the new text of the report, if the change rewrites it
    /// (adoption writes the deliberation into the text, going back to draft removes it);
    /// a transmission freezes that text. Then the status, the audit entry and
    /// `t.comment` (if any) are written. The gate runs while the write lock is held: it
    /// must be quick and must not call the store.
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
        if let Some(a) = &t.attachment {
            check_attachment(a)?;
        }
        dispatch!(self.transition(actor, id, t, gate))
    }

    /// The frozen (transmitted) versions of a report: (version, at, text), oldest first.
    pub async fn frozen_versions(&self, id: Id) -> Result<Vec<(i32, String, String)>, StoreError> {
        dispatch!(self.frozen_versions(id))
    }

    /// The text of one frozen version; `None` if the report or that version does not exist.
    pub async fn frozen_text(&self, id: Id, version: i32) -> Result<Option<String>, StoreError> {
        dispatch!(self.frozen_text(id, version))
    }

    /// Like [`Store::reports`] (same filter, same order), each summary with the report's
    /// current text, in one query (dashboards load hundreds of reports).
    pub async fn reports_with_text(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<(ReportSummary, String)>, StoreError> {
        dispatch!(self.reports_with_text(filter))
    }

    /// Like [`Store::reports`] (same filter, same order), each summary with the report's
    /// stored figures of the current format ([`FIGURES_FORMAT`]; `None` when it has none),
    /// in one read transaction of five queries whatever the number of reports.
    pub async fn figures(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<(ReportSummary, Option<ReportFigures>)>, StoreError> {
        dispatch!(self.figures(filter))
    }

    /// What changes whenever a report of `year` is created, written (text, status,
    /// deliberation: each bumps its revision) or deleted; the application keeps what it
    /// computed from a year's reports while this stays the same (one indexed query, so
    /// several servers stay coherent).
    pub async fn year_version(&self, year: i32) -> Result<YearVersion, StoreError> {
        dispatch!(self.year_version(year))
    }

    /// Up to `limit` reports, by id above `after`, without figures of the current format:
    /// (id, revision, text), for the application to compute them.
    pub async fn reports_without_figures(
        &self,
        after: Id,
        limit: i64,
    ) -> Result<Vec<(Id, i64, String)>, StoreError> {
        dispatch!(self.reports_without_figures(after, limit))
    }

    /// Records the figures of report `id` computed from its text at `revision`, replacing
    /// any; `false` (nothing written) when the report has moved past that revision since
    /// (its writer recorded its own) or is gone. Figures are derived from the text, which
    /// the journal already holds: no journal entry.
    pub async fn set_figures(
        &self,
        id: Id,
        revision: i64,
        figures: &ReportFigures,
    ) -> Result<bool, StoreError> {
        dispatch!(self.set_figures(id, revision, figures))
    }

    // ----- attachments -----

    /// Attaches a file to the working set of a report (a piece of an action, or the
    /// deliberation, which replaces the working set's one), in one transaction with its
    /// audit entry (`attachment.add`). Only while the report is editable (Draft or
    /// SentBack; else `BadTransition`); `Rejected` (French message) on a blank title or
    /// file name, a piece without an action, a fingerprint that is not 64 hex digits or
    /// bytes that do not match the size; `NotFound` without such a report. The content is
    /// stored once per SHA-256.
    pub async fn add_attachment(&self, actor: Id, report: Id, a: &NewAttachment) -> Result<Id, StoreError> {
        check_attachment(a)?;
        dispatch!(self.add_attachment(actor, report, a))
    }

    /// Removes an attachment of the working set (audited `attachment.remove`). Only while
    /// the report is editable (`BadTransition`); `NotFound` when the report has no such
    /// attachment in its working set (a frozen one never goes).
    pub async fn remove_attachment(&self, actor: Id, report: Id, attachment: Id) -> Result<(), StoreError> {
        dispatch!(self.remove_attachment(actor, report, attachment))
    }

    /// Every attachment of a report, working set and frozen versions, by version (working
    /// set last), then kind (deliberation first), action and id.
    pub async fn attachments(&self, report: Id) -> Result<Vec<Attachment>, StoreError> {
        dispatch!(self.attachments(report))
    }

    /// One attachment of a report; `None` if the report has no such attachment.
    pub async fn attachment(&self, report: Id, id: Id) -> Result<Option<Attachment>, StoreError> {
        dispatch!(self.attachment(report, id))
    }

    /// The content of the file of fingerprint `sha256`: `None` if unknown, `Some(None)`
    /// if it is kept outside the database.
    pub async fn attachment_content(&self, sha256: &str) -> Result<Option<Option<Vec<u8>>>, StoreError> {
        dispatch!(self.attachment_content(sha256))
    }

    // ----- referentiels -----

    /// The current referentiel of every programme, by programme.
    pub async fn referentiels(&self) -> Result<Vec<StoredReferentiel>, StoreError> {
        dispatch!(self.referentiels())
    }

    /// The current referentiel of one programme.
    pub async fn referentiel(&self, programme: &str) -> Result<Option<StoredReferentiel>, StoreError> {
        dispatch!(self.referentiel(programme))
    }

    /// Every version of a programme's referentiel, oldest first (empty: unknown programme).
    pub async fn referentiel_versions(&self, programme: &str) -> Result<Vec<ReferentielVersion>, StoreError> {
        dispatch!(self.referentiel_versions(programme))
    }

    /// The text of one version of a programme's referentiel.
    pub async fn referentiel_text(
        &self,
        programme: &str,
        version: i32,
    ) -> Result<Option<String>, StoreError> {
        dispatch!(self.referentiel_text(programme, version))
    }

    /// Writes version 1 of a programme's referentiel if the programme has none: whether
    /// it did. For the built-in referentiels at start-up: idempotent, and two servers
    /// starting at once insert it once. Journaled (`referentiel.seed`, no actor).
    pub async fn seed_referentiel(&self, programme: &str, text: &str) -> Result<bool, StoreError> {
        dispatch!(self.seed_referentiel(programme, text))
    }

    /// An administrator saves a new text of a programme's referentiel, loaded at version
    /// `expected_version` (0: a new programme): the new version number. A stale version
    /// gives `Conflict { current_text, current_revision: current version }` and writes
    /// nothing; a text equal to the current one writes nothing and returns the current
    /// version. `change` is the caller's short French summary of what changed (e.g.
    /// « indicateur I12 ajouté ; mesure 3 renommée »): `Rejected` if blank. The new version,
    /// its history row and the audit entry (`referentiel.save`, target « référentiel
    /// PROGRAMME », before « version N », after « version N+1 » then the summary) are
    /// written in one transaction.
    pub async fn save_referentiel(
        &self,
        actor: Id,
        programme: &str,
        expected_version: i32,
        text: &str,
        change: &str,
    ) -> Result<i32, StoreError> {
        dispatch!(self.save_referentiel(actor, programme, expected_version, text, change))
    }

    /// A number that grows with every write of any referentiel (the number of versions
    /// ever written): one cheap query the application can run on each request to know
    /// whether its parsed copy is stale.
    pub async fn referentiels_revision(&self) -> Result<i64, StoreError> {
        dispatch!(self.referentiels_revision())
    }

    // ----- campaigns -----

    /// Opens a campaign in one transaction: the campaign, its conventions and the draft
    /// report of each convention that gives one, with their audit entries. A collectivité
    /// that already has a report for that year keeps it: the convention is linked to it
    /// (`ReportLink::Linked`), nothing is created. `Duplicate` if the programme already
    /// has a campaign that year; `Rejected` (French message) on a bad date, code, name or
    /// list, a collectivité given twice, an unknown referentiel version, a principal
    /// territory outside the convention's, or an existing report of another programme.
    /// Any failure writes nothing at all.
    pub async fn open_campaign(&self, actor: Id, c: &NewCampaign) -> Result<OpenedCampaign, StoreError> {
        dispatch!(self.open_campaign(actor, c))
    }

    /// Every campaign, newest year first, then by programme.
    pub async fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        dispatch!(self.campaigns())
    }

    /// A campaign with its conventions (by collectivité code) and their reports.
    pub async fn campaign(&self, id: Id) -> Result<Option<CampaignDetail>, StoreError> {
        dispatch!(self.campaign(id))
    }

    /// Sets (or, with `None`, removes) the own deadline (YYYY-MM-DD) of a convention:
    /// `NotFound` if the campaign has no such convention, `Rejected` on a bad date. An
    /// unchanged deadline writes nothing. Journaled (`campaign.deadline`).
    pub async fn set_convention_deadline(
        &self,
        actor: Id,
        campaign: Id,
        collectivite: &str,
        deadline: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self.set_convention_deadline(actor, campaign, collectivite, deadline))
    }

    /// The campaign and convention of a report, with the deadline that applies to it;
    /// `None` for a report outside any campaign.
    pub async fn report_campaign(&self, report: Id) -> Result<Option<ReportCampaign>, StoreError> {
        dispatch!(self.report_campaign(report))
    }

    // ----- review comments -----

    /// Adds a comment on `version` of `report` about `target`. The text is stored trimmed;
    /// `Rejected` (French message, nothing written) if it is empty, longer than
    /// [`COMMENT_MAX_CHARS`] characters, if the target's number, code or path is blank, or
    /// if the version does not exist yet (0 or above the report's current version);
    /// `NotFound` if there is no such report. Comments are append-only, whatever the status.
    pub async fn add_comment(
        &self,
        actor: Id,
        report: Id,
        version: i32,
        target: &CommentTarget,
        text: &str,
    ) -> Result<Id, StoreError> {
        dispatch!(self.add_comment(actor, report, version, target, text))
    }

    /// The comments of a report, every version, oldest first.
    pub async fn comments(&self, report: Id) -> Result<Vec<Comment>, StoreError> {
        dispatch!(self.comments(report))
    }

    // ----- credits of the next year -----

    /// Records the decision on credit line `line` of action `action` (upsert on (report,
    /// action, line)); `None` deletes it (deleting what does not exist writes nothing).
    /// Only while the report is Transmitted or Approved (else `BadTransition`).
    pub async fn set_credit_decision(
        &self,
        actor: Id,
        report: Id,
        action: &str,
        line: &str,
        accept: Option<bool>,
        reason: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.set_credit_decision(actor, report, action, line, accept, reason))
    }

    /// The decisions of a report, by action then line.
    pub async fn credit_decisions(&self, report: Id) -> Result<Vec<CreditDecision>, StoreError> {
        dispatch!(self.credit_decisions(report))
    }

    /// Sets the State amount of the convention for the next year, in cents: `Rejected` if
    /// negative; only while the report is Transmitted or Approved (else `BadTransition`).
    pub async fn set_next_year_amount(&self, actor: Id, report: Id, cents: i64) -> Result<(), StoreError> {
        dispatch!(self.set_next_year_amount(actor, report, cents))
    }

    /// The credits form in one transaction: the State amount for the next year (cents,
    /// `Rejected` if negative) and the decisions on carry-over lines, if the form's
    /// revision is still `expected_revision` (`Conflict` with the current one otherwise,
    /// nothing written). Only while the report is Transmitted or Approved. Returns the new
    /// revision. Unchanged values write nothing to the journal.
    pub async fn save_credits(
        &self,
        actor: Id,
        report: Id,
        expected_revision: i64,
        cents: i64,
        decisions: &[CreditChoice],
    ) -> Result<i64, StoreError> {
        dispatch!(self.save_credits(actor, report, expected_revision, cents, decisions))
    }

    /// The name of the State agent who last wrote the credits of a report (the amount or a
    /// decision): the instructor the note names. `None` before any write.
    pub async fn credits_instructor(&self, report: Id) -> Result<Option<String>, StoreError> {
        dispatch!(self.credits_instructor(report))
    }

    /// The revision of a report's credits form (`None`: no such report).
    pub async fn credits_revision(&self, report: Id) -> Result<Option<i64>, StoreError> {
        dispatch!(self.credits_revision(report))
    }

    /// The State amount of the convention for the next year, in cents, if entered.
    pub async fn next_year_amount(&self, report: Id) -> Result<Option<i64>, StoreError> {
        dispatch!(self.next_year_amount(report))
    }

    // ----- notifications and the outbox -----

    /// Like [`Store::add_comment`], with the notifications the comment causes, written in
    /// the same transaction.
    pub async fn add_comment_notifying(
        &self,
        actor: Id,
        report: Id,
        version: i32,
        target: &CommentTarget,
        text: &str,
        notifications: &[NewNotification],
    ) -> Result<Id, StoreError> {
        dispatch!(self.add_comment_notifying(actor, report, version, target, text, notifications))
    }

    /// The newest `limit` notifications of `user`, newest first.
    pub async fn notifications(&self, user: Id, limit: i64) -> Result<Vec<Notification>, StoreError> {
        dispatch!(self.notifications(user, limit))
    }

    /// How many notifications of `user` are unread.
    pub async fn unread_notifications(&self, user: Id) -> Result<i64, StoreError> {
        dispatch!(self.unread_notifications(user))
    }

    /// Marks notification `id` of `user` read (`None`: every one): how many changed. Not
    /// journaled (it changes nothing but the reader's own list).
    pub async fn mark_notifications_read(&self, user: Id, id: Option<Id>) -> Result<u64, StoreError> {
        dispatch!(self.mark_notifications_read(user, id))
    }

    /// Records the deadline reminder `kind` (one of [`REMINDER_KINDS`]) of `report` for
    /// `deadline` (YYYY-MM-DD) with its notifications and an audit entry, in one
    /// transaction, unless it was recorded before: whether it was written now. The
    /// (report, kind, deadline) key is unique in the database, so two servers computing
    /// the same reminder, or a restart, write it once.
    pub async fn record_reminder(
        &self,
        report: Id,
        kind: &str,
        deadline: &str,
        notifications: &[NewNotification],
    ) -> Result<bool, StoreError> {
        dispatch!(self.record_reminder(report, kind, deadline, notifications))
    }

    /// The kinds of notification `user` does not want by e-mail.
    pub async fn email_opt_outs(&self, user: Id) -> Result<Vec<String>, StoreError> {
        dispatch!(self.email_opt_outs(user))
    }

    /// Replaces the kinds of notification `user` does not want by e-mail (journaled
    /// `user.notifications` when it changes). `Rejected` for an unknown kind.
    pub async fn set_email_opt_outs(&self, actor: Id, user: Id, kinds: &[String]) -> Result<(), StoreError> {
        dispatch!(self.set_email_opt_outs(actor, user, kinds))
    }

    /// Claims at most `limit` e-mails due at `now` (pending, next attempt reached, no
    /// lease running) for `owner` until `lease_until`, oldest first. A row claimed is
    /// nobody else's until its lease ends: two senders on one database never get the same
    /// row (PostgreSQL: `FOR UPDATE SKIP LOCKED` and the conditions checked again on the
    /// locked row; SQLite: one writer at a time).
    pub async fn claim_mails(
        &self,
        owner: &str,
        now: &str,
        lease_until: &str,
        limit: i64,
    ) -> Result<Vec<ClaimedMail>, StoreError> {
        dispatch!(self.claim_mails(owner, now, lease_until, limit))
    }

    /// Marks e-mail `id` sent at `at`, if `owner` still holds its lease: whether it did.
    pub async fn mark_mail_sent(&self, id: Id, owner: &str, at: &str) -> Result<bool, StoreError> {
        dispatch!(self.mark_mail_sent(id, owner, at))
    }

    /// Records a failed attempt of e-mail `id` by `owner`: tried again at `retry_at`, or,
    /// with `None`, given up (`echec`). Whether `owner` still held the lease.
    pub async fn mark_mail_failed(
        &self,
        id: Id,
        owner: &str,
        error: &str,
        retry_at: Option<&str>,
    ) -> Result<bool, StoreError> {
        dispatch!(self.mark_mail_failed(id, owner, error, retry_at))
    }

    /// The newest `limit` e-mails of the outbox, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMail>, StoreError> {
        dispatch!(self.outbox(limit))
    }

    /// How many e-mails wait to be sent.
    pub async fn outbox_depth(&self) -> Result<i64, StoreError> {
        dispatch!(self.outbox_depth())
    }

    // ----- justifications -----

    /// Upserts the justification of warning `code` at `path`; an empty (or blank) text
    /// deletes it. Refused (`BadTransition`) once the report is Transmitted or Approved.
    pub async fn set_justification(
        &self,
        actor: Id,
        report: Id,
        code: &str,
        path: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.set_justification(actor, report, code, path, text))
    }

    /// Justifications of a report, by code then path.
    pub async fn justifications(&self, report: Id) -> Result<Vec<Justification>, StoreError> {
        dispatch!(self.justifications(report))
    }

    /// The newest `limit` audit entries, newest first: of one report, or of everything.
    pub async fn audit(&self, report: Option<Id>, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self.audit(report, limit))
    }

    // ----- login rate limiting -----

    /// Reserves one login attempt against every counter of `limits` (key, most failures
    /// allowed since `since`), atomically: if any counter is at its limit, nothing is
    /// recorded and the answer is `false` (refuse without checking the password);
    /// otherwise a failure is recorded at `at` for every key (the caller clears the keys
    /// it wants cleared once the password is right) and the answer is `true`. Concurrent
    /// attempts on one key are serialised, so at most the limit's worth get through.
    pub async fn reserve_login_attempt(
        &self,
        limits: &[(&str, i64)],
        since: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        dispatch!(self.reserve_login_attempt(limits, since, at))
    }

    /// Removes one attempt of `key` recorded at `at` by [`Store::reserve_login_attempt`]
    /// (a success, or an attempt that could not be checked, does not count).
    pub async fn forget_login_attempt(&self, key: &str, at: &str) -> Result<(), StoreError> {
        dispatch!(self.forget_login_attempt(key, at))
    }

    /// Records a failed login for `key` (a login or an IP) at `at` (RFC 3339 UTC).
    pub async fn record_login_failure(&self, key: &str, at: &str) -> Result<(), StoreError> {
        dispatch!(self.record_login_failure(key, at))
    }

    /// Failures of `key` at or after `since` (same format as `at`).
    pub async fn login_failures_since(&self, key: &str, since: &str) -> Result<i64, StoreError> {
        dispatch!(self.login_failures_since(key, since))
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        dispatch!(self.clear_login_failures(key))
    }
}

/// The tamper-evident audit trail (see [`verify`]).
impl Store {
    /// Walks the audit chain and the frozen versions in one read snapshot: the first
    /// entry of the journal that was changed, inserted or removed, then every frozen
    /// version whose text no longer gives its SHA-256.
    pub async fn verify_integrity(&self) -> Result<verify::IntegrityReport, StoreError> {
        dispatch!(self.verify_integrity())
    }

    /// The stored SHA-256 (hex) of each frozen version of a report, oldest first; `None`
    /// for a version written outside the store.
    pub async fn version_fingerprints(&self, id: Id) -> Result<Vec<(i32, Option<String>)>, StoreError> {
        dispatch!(self.version_fingerprints(id))
    }
}

/// Maps constraint violations to the errors the application handles.
fn constraint_error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return StoreError::Duplicate;
        }
        if d.is_foreign_key_violation() {
            return StoreError::NotFound;
        }
    }
    StoreError::Database(e)
}

fn decode_error(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("{what} inconnu en base : {value:?}").into())
}

fn parse_role(code: &str) -> Result<Role, sqlx::Error> {
    Role::from_code(code).ok_or_else(|| decode_error("rôle", code))
}

fn parse_status(code: &str) -> Result<Status, sqlx::Error> {
    Status::from_code(code).ok_or_else(|| decode_error("statut", code))
}

/// The audit record of an account (never its password hash).
fn describe_user(
    login: &str,
    display_name: &str,
    role: Role,
    territory: Option<&str>,
    active: bool,
    email: Option<&str>,
) -> String {
    let mut text = format!(
        "identifiant : {login}\nnom : {display_name}\nrôle : {role}\nterritoire : {}\nactif : {}",
        territory.unwrap_or("—"),
        if active { "oui" } else { "non" }
    );
    // Absent from accounts created without one, so their journal text is unchanged.
    if let Some(email) = email {
        text.push_str(&format!("\ncourriel : {email}"));
    }
    text
}

/// An e-mail address as the store accepts it: a non-empty local part, one `@`, a domain
/// with a dot, no whitespace or control character, at most 254 bytes (RFC 5321). The
/// web and CLI say the same in their own words before calling the store.
pub fn check_email(email: &str) -> Result<(), StoreError> {
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::Rejected(format!("« {email} » n'est pas une adresse électronique valide.")))
    }
}

/// Longest title of an attachment, in characters.
pub const ATTACHMENT_TITLE_MAX_CHARS: usize = 300;

/// The checks of an attachment the store makes whoever the caller.
fn check_attachment(a: &NewAttachment) -> Result<(), StoreError> {
    let rejected = |m: &str| Err(StoreError::Rejected(m.to_owned()));
    if a.title.trim().is_empty() {
        return rejected("Le titre de la pièce jointe est obligatoire.");
    }
    if a.title.chars().count() > ATTACHMENT_TITLE_MAX_CHARS {
        return rejected("Le titre de la pièce jointe dépasse 300 caractères.");
    }
    if a.file_name.trim().is_empty() {
        return rejected("Le nom du fichier joint est vide.");
    }
    if (a.kind == AttachmentKind::Piece) != a.action.as_deref().is_some_and(|n| !n.trim().is_empty()) {
        return rejected("Une pièce justificative se rattache à une action, la délibération à aucune.");
    }
    if a.sha256.len() != 64 || !a.sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return rejected("Empreinte SHA-256 invalide.");
    }
    if a.size < 0 || a.bytes.as_ref().is_some_and(|b| b.len() as i64 != a.size) {
        return rejected("Taille du fichier joint incohérente.");
    }
    Ok(())
}

/// Longest code of a collectivité or Département.
const CODE_MAX_CHARS: usize = 8;

/// Checks a collectivité or Département code: ASCII letters and digits, 1 to 8 of them.
fn check_code(code: &str) -> Result<(), StoreError> {
    if code.is_empty() || code.len() > CODE_MAX_CHARS || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(StoreError::Rejected(format!(
            "Code de collectivité ou de département invalide : « {code} » (lettres et chiffres, 8 au plus)."
        )));
    }
    Ok(())
}

/// Checks a list of territories (not empty, valid codes, no code twice) and gives its
/// stored form, the codes joined by commas.
fn territory_list<S: AsRef<str>>(list: &[S]) -> Result<String, StoreError> {
    if list.is_empty() {
        return Err(StoreError::Rejected("Au moins un département couvert est attendu.".to_owned()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for code in list {
        let code = code.as_ref();
        check_code(code)?;
        if !seen.insert(code) {
            return Err(StoreError::Rejected(format!("Le département {code} figure deux fois.")));
        }
    }
    Ok(list.iter().map(AsRef::as_ref).collect::<Vec<&str>>().join(","))
}

/// The codes of a stored list.
fn split_list(stored: &str) -> Vec<String> {
    stored.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect()
}

/// A list of codes as the journal writes it: `67, 68`.
fn describe_list<S: AsRef<str>>(list: &[S]) -> String {
    list.iter().map(AsRef::as_ref).collect::<Vec<&str>>().join(", ")
}

/// Checks a calendar date written YYYY-MM-DD.
fn check_date(what: &str, date: &str) -> Result<(), StoreError> {
    let shaped = date.len() == 10
        && date
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped || date.parse::<jiff::civil::Date>().is_err() {
        return Err(StoreError::Rejected(format!(
            "{what} invalide : « {date} » (date AAAA-MM-JJ attendue)."
        )));
    }
    Ok(())
}

/// Checks a programme identifier: not blank, no surrounding spaces.
fn check_programme(programme: &str) -> Result<(), StoreError> {
    if programme.trim().is_empty() || programme.trim() != programme {
        return Err(StoreError::Rejected(format!("Identifiant de programme invalide : « {programme} ».")));
    }
    Ok(())
}

/// Cents as French money for the journal: `1 234 567,89 €`.
fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02} €", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.as_str()), Some(r));
        }
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.as_str()), Some(s));
        }
        assert_eq!(Role::from_code("Admin"), None);
        assert_eq!(Status::from_code(""), None);
    }

    #[test]
    fn transition_table() {
        use Status::*;
        let allowed = [
            (Draft, Adopted),
            (Adopted, Draft),
            (Adopted, Transmitted),
            (Transmitted, SentBack),
            (Transmitted, Approved),
            (SentBack, Adopted),
            (Approved, Transmitted),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(from.can_become(to), allowed.contains(&(from, to)), "{from} → {to}");
            }
        }
        let editable: Vec<_> = Status::ALL.into_iter().filter(|s| s.is_editable()).collect();
        assert_eq!(editable, [Draft, SentBack]);
    }

    #[test]
    fn cents_in_the_journal() {
        assert_eq!(format_cents(0), "0,00 €");
        assert_eq!(format_cents(5), "0,05 €");
        assert_eq!(format_cents(64_826), "648,26 €");
        assert_eq!(format_cents(123_456_789), "1 234 567,89 €");
        assert_eq!(format_cents(100_000), "1 000,00 €");
        assert_eq!(format_cents(-1_050), "-10,50 €");
        assert_eq!(format_cents(i64::MIN), "-92 233 720 368 547 758,08 €");
    }

    #[test]
    fn codes_lists_and_dates() {
        assert!(check_code("03").is_ok() && check_code("2A").is_ok() && check_code("69M").is_ok());
        assert!(check_code("CEA").is_ok() && check_code("974").is_ok());
        for bad in ["", "6 7", "67,68", "é", "%", "123456789"] {
            assert!(matches!(check_code(bad), Err(StoreError::Rejected(_))), "{bad:?}");
        }
        assert_eq!(territory_list(&["67", "68"]).unwrap(), "67,68");
        assert_eq!(territory_list(&["03"]).unwrap(), "03");
        assert!(territory_list::<&str>(&[]).is_err());
        assert!(territory_list(&["67", "67"]).is_err());
        assert!(territory_list(&["67", ""]).is_err());
        assert_eq!(split_list("67,68"), ["67", "68"]);
        assert_eq!(split_list("03"), ["03"]);
        assert_eq!(describe_list(&["67", "68"]), "67, 68");
        assert!(check_date("Échéance", "2025-03-31").is_ok());
        assert!(check_date("Échéance", "2024-02-29").is_ok());
        for bad in ["2025-02-30", "2025-3-31", "31/03/2025", "", "2025-03-31T00:00:00Z", "２０２５-03-31"]
        {
            let e = check_date("Échéance", bad).unwrap_err();
            assert!(e.to_string().starts_with("Échéance invalide"), "{bad:?}: {e}");
        }
        assert!(check_programme("pacte").is_ok());
        assert!(check_programme(" pacte").is_err() && check_programme("").is_err());
    }

    #[test]
    fn comment_targets_round_trip() {
        let targets = [
            CommentTarget::Report,
            CommentTarget::Action { number: "1.2".into() },
            CommentTarget::Line { path: "mesures[0]".into() },
            CommentTarget::Diagnostic { code: "BUD007".into(), path: "mesures[0]".into() },
        ];
        for t in targets {
            let (key, path) = t.columns();
            let back = CommentTarget::from_columns(t.kind(), key.map(str::to_owned), path.map(str::to_owned));
            assert_eq!(back.unwrap(), t);
        }
        assert!(CommentTarget::from_columns("action", None, None).is_err());
        assert!(CommentTarget::from_columns("autre", None, None).is_err());
        assert_eq!(
            CommentTarget::Diagnostic { code: "A".into(), path: "p".into() }.to_string(),
            "diagnostic A p"
        );
    }

    #[test]
    fn errors_are_french() {
        assert_eq!(StoreError::NotFound.to_string(), "introuvable");
        assert_eq!(StoreError::Duplicate.to_string(), "identifiant déjà utilisé");
        assert_eq!(
            StoreError::Conflict { current_text: String::new(), current_revision: 2 }.to_string(),
            "conflit de modification"
        );
        assert_eq!(StoreError::Rejected("montant illisible".into()).to_string(), "montant illisible");
    }
}

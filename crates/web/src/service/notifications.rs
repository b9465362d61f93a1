//! Notifications (issue 13): what each event says, to whom (`policy::notify`), in the
//! application and by e-mail. The notifications are computed here, before the event, and
//! written by the store in the event's own transaction (a status change, a comment, a
//! reminder): an event that fails tells nobody, one that succeeds cannot lose its
//! notifications. The e-mails go to the outbox; `service::outbox` sends them.

use bilan_domain::Date;
use bilan_store::{Id, NewMail, NewNotification, Notification, OutboxMail, ReportSummary, Status, User};

use crate::error::AppError;
use crate::policy::notify::{self, Event};
use crate::AppState;

/// What a notification says: its subject, its text and the page concerned (a path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
    pub link: String,
}

/// "Allier (03) – rapport 2019 (CALPAE)".
fn report_label(r: &ReportSummary) -> String {
    format!(
        "{} – rapport {} ({})",
        bilan_domain::collectivite::label(&r.department),
        r.year,
        super::referentiel::programme_name(&r.programme)
    )
}

/// What an event on a report says. `detail`: the reason of a send-back or reopening, the
/// observation of an approval, the text of a comment.
pub fn event_message(event: Event, r: &ReportSummary, detail: Option<&str>) -> Message {
    let label = report_label(r);
    let detail = detail.map(str::trim).filter(|d| !d.is_empty());
    let (subject, mut body, link) = match event {
        Event::Transmitted => (
            format!("Rapport transmis : {label}"),
            format!("Le rapport d’exécution {label} a été transmis à l’État. Il attend votre revue."),
            format!("/rapports/{}/revue", r.id),
        ),
        Event::SentBack => (
            format!("Rapport renvoyé pour corrections : {label}"),
            format!("L’État a renvoyé le rapport d’exécution {label} pour corrections."),
            format!("/rapports/{}", r.id),
        ),
        Event::Approved => (
            format!("Rapport approuvé : {label}"),
            format!("L’État a approuvé le rapport d’exécution {label}."),
            format!("/rapports/{}", r.id),
        ),
        Event::Reopened => (
            format!("Rapport rouvert : {label}"),
            format!("L’État a rouvert le rapport d’exécution {label}, approuvé auparavant, pour le revoir."),
            format!("/rapports/{}", r.id),
        ),
        Event::Comment => (
            format!("Nouveau commentaire de l’État : {label}"),
            format!("L’État a commenté le rapport d’exécution {label}."),
            format!("/rapports/{}", r.id),
        ),
        // Reminders have their own wording: `reminder_message`.
        Event::Reminder { .. } => (
            format!("Rappel d’échéance : {label}"),
            format!("Le rapport d’exécution {label} n’a pas encore été transmis."),
            format!("/rapports/{}", r.id),
        ),
    };
    if let Some(detail) = detail {
        let title = match event {
            Event::SentBack | Event::Reopened => "Motif",
            Event::Approved => "Observation",
            _ => "Commentaire",
        };
        body.push_str(&format!("\n\n{title} : {detail}"));
    }
    Message { subject, body, link }
}

/// What a deadline reminder says to `to`. The Département is sent to its report; the
/// préfecture (overdue copy) to the campaign's page, which is all it may see of a report
/// not transmitted.
pub fn reminder_message(kind: &str, r: &ReportSummary, deadline: Date, campaign: Id, to: &User) -> Message {
    let label = report_label(r);
    let date = deadline.to_french();
    let status = crate::policy::access::status_label(r.status);
    let (subject, first) = match kind {
        "j30" => (
            format!("Échéance dans 30 jours : {label}"),
            format!("Le rapport d’exécution {label} est attendu au plus tard le {date}."),
        ),
        "j7" => (
            format!("Échéance dans 7 jours : {label}"),
            format!("Le rapport d’exécution {label} est attendu au plus tard le {date}."),
        ),
        "j1" => (
            format!("Échéance imminente : {label}"),
            format!("Le rapport d’exécution {label} est attendu au plus tard le {date}."),
        ),
        _ => (
            format!("Échéance dépassée : {label}"),
            format!(
                "L’échéance du {date} est dépassée et le rapport d’exécution {label} n’a pas été transmis."
            ),
        ),
    };
    if to.role == bilan_store::Role::PrefectureReviewer {
        Message {
            subject,
            body: format!(
                "{first}\n\nÉtat du rapport : {status}. Ce message est la copie adressée à la préfecture."
            ),
            link: format!("/campagnes/{campaign}"),
        }
    } else {
        Message {
            subject,
            body: format!(
                "{first}\n\nÉtat du rapport : {status}. Il doit être adopté puis transmis à l’État."
            ),
            link: format!("/rapports/{}", r.id),
        }
    }
}

/// The e-mail of a message: its text, then the absolute link and where to choose one's
/// e-mails.
pub fn mail_body(public_url: &str, m: &Message) -> String {
    let base = public_url.trim_end_matches('/');
    format!(
        "Bonjour,\n\n{}\n\nPour y accéder : {base}{}\n\n-- \nbilan, rapports d’exécution des conventions de lutte contre la pauvreté.\n\
         Message automatique : merci de ne pas y répondre. Pour choisir les notifications reçues par courriel : {base}/compte/notifications\n",
        m.body, m.link
    )
}

/// The notifications of `event` on report `r` (its summary after the event), for every
/// recipient among `users`, each with its e-mail when the recipient has an address and
/// did not opt out of this kind.
pub async fn build(
    app: &AppState,
    event: Event,
    r: &ReportSummary,
    users: &[User],
    actor: Option<Id>,
    message: impl Fn(&User) -> Message,
) -> Result<Vec<NewNotification>, AppError> {
    let mut out = Vec::new();
    for u in notify::recipients(event, r, users, actor) {
        let m = message(u);
        let mail = match &u.email {
            Some(to) if !app.store.email_opt_outs(u.id).await?.iter().any(|k| k == event.kind()) => {
                Some(NewMail {
                    to: to.clone(),
                    subject: m.subject.clone(),
                    body: mail_body(&app.options.public_url, &m),
                })
            }
            _ => None,
        };
        out.push(NewNotification {
            user: u.id,
            kind: event.kind().to_owned(),
            subject: m.subject,
            body: m.body,
            link: m.link,
            mail,
        });
    }
    Ok(out)
}

/// The notifications of an event on report `r` by `actor`; `status` is the report's
/// status once the event is done.
pub async fn for_event(
    app: &AppState,
    event: Event,
    r: &ReportSummary,
    status: Status,
    actor: Id,
    detail: Option<&str>,
) -> Result<Vec<NewNotification>, AppError> {
    let users = app.store.users().await?;
    let after = ReportSummary { status, ..r.clone() };
    let message = event_message(event, &after, detail);
    build(app, event, &after, &users, Some(actor), |_| message.clone()).await
}

/// Computes the deadline reminders due on `today` (Paris) for every report of an open
/// campaign that waits for its transmission, and records those not recorded yet: how many
/// were written. Idempotent: the store keeps one reminder per (report, kind, deadline),
/// so running it again, on any server, after any restart, writes nothing twice. A report
/// outside any campaign has no deadline, hence no reminder.
pub async fn run_reminders(app: &AppState, today: Date) -> Result<usize, AppError> {
    let mut written = 0;
    let mut users: Option<Vec<User>> = None;
    for c in app.store.campaigns().await? {
        let Some(detail) = app.store.campaign(c.id).await? else { continue };
        for conv in &detail.conventions {
            let Some(report) = &conv.report else { continue };
            if !notify::awaits_transmission(report.status) {
                continue;
            }
            let deadline_text = conv.deadline_in(&detail.campaign);
            let Ok(deadline) = Date::parse(deadline_text) else { continue };
            let Some(kind) = notify::reminder_due(crate::time::days_between(today, deadline)) else {
                continue;
            };
            let summary = ReportSummary {
                id: report.id,
                department: conv.collectivite.clone(),
                territories: conv.territories.clone(),
                year: c.year,
                programme: c.programme.clone(),
                status: report.status,
                version: report.version,
                revision: 0,
                updated_at: String::new(),
            };
            if users.is_none() {
                users = Some(app.store.users().await?);
            }
            let all = users.as_deref().unwrap_or_default();
            let event = Event::Reminder { overdue: kind == "retard" };
            let notes = build(app, event, &summary, all, None, |u| {
                reminder_message(kind, &summary, deadline, c.id, u)
            })
            .await?;
            // Nobody to tell (no account for that collectivité yet): nothing recorded, so
            // an account created before the next reminder still gets it.
            if notes.is_empty() {
                continue;
            }
            if app.store.record_reminder(report.id, kind, deadline_text, &notes).await? {
                written += 1;
            }
        }
    }
    Ok(written)
}

/// How many notifications the list shows.
pub const LIST_LIMIT: i64 = 200;

/// The user's notifications, newest first.
pub async fn list(app: &AppState, user: Id) -> Result<Vec<Notification>, AppError> {
    Ok(app.store.notifications(user, LIST_LIMIT).await?)
}

/// How many e-mails the administrator's page shows.
pub const OUTBOX_LIMIT: i64 = 500;

/// The newest e-mails of the outbox.
pub async fn outbox(app: &AppState) -> Result<Vec<OutboxMail>, AppError> {
    Ok(app.store.outbox(OUTBOX_LIMIT).await?)
}

/// The user's e-mail preferences: for each kind of [`notify::KINDS`], whether they want it
/// by e-mail.
pub async fn preferences(
    app: &AppState,
    user: Id,
) -> Result<Vec<(&'static str, &'static str, bool)>, AppError> {
    let out = app.store.email_opt_outs(user).await?;
    Ok(notify::KINDS.iter().map(|(k, label)| (*k, *label, !out.iter().any(|o| o == k))).collect())
}

/// Why the preferences form was refused; nothing was saved.
#[derive(Debug, PartialEq, Eq)]
pub enum PreferenceProblem {
    /// Not an e-mail address.
    Invalid(String),
    /// Another account has this address.
    Duplicate(String),
}

impl PreferenceProblem {
    pub fn message(&self) -> String {
        match self {
            PreferenceProblem::Invalid(a) => {
                format!("« {a} » n’est pas une adresse électronique valide (exemple : prenom.nom@departement.fr).")
            }
            PreferenceProblem::Duplicate(a) => format!("L’adresse « {a} » est déjà celle d’un autre compte."),
        }
    }
}

/// Checks an address typed in a form: `None` for an empty field (no address).
pub fn typed_address(text: &str) -> Result<Option<String>, PreferenceProblem> {
    let a = text.trim();
    if a.is_empty() {
        return Ok(None);
    }
    bilan_store::check_email(a).map_err(|_| PreferenceProblem::Invalid(a.to_owned()))?;
    Ok(Some(a.to_owned()))
}

/// Sets account `uid`'s address (by `actor`): the store's refusals as problems.
pub async fn set_address(
    app: &AppState,
    actor: Id,
    uid: Id,
    address: Option<&str>,
) -> Result<Result<(), PreferenceProblem>, AppError> {
    match app.store.set_user_email(Some(actor), uid, address).await {
        Ok(()) => Ok(Ok(())),
        Err(bilan_store::StoreError::Duplicate) => {
            Ok(Err(PreferenceProblem::Duplicate(address.unwrap_or_default().to_owned())))
        }
        Err(bilan_store::StoreError::Rejected(_)) => {
            Ok(Err(PreferenceProblem::Invalid(address.unwrap_or_default().to_owned())))
        }
        Err(e) => Err(e.into()),
    }
}

/// Saves the user's own address and the kinds they want by e-mail (`wanted`). The
/// address is checked before anything is written.
pub async fn save_preferences(
    app: &AppState,
    user: &User,
    address: &str,
    wanted: &[String],
) -> Result<Result<(), PreferenceProblem>, AppError> {
    let address = match typed_address(address) {
        Ok(a) => a,
        Err(p) => return Ok(Err(p)),
    };
    if address.as_deref() != user.email.as_deref() {
        if let Err(p) = set_address(app, user.id, user.id, address.as_deref()).await? {
            return Ok(Err(p));
        }
    }
    let out: Vec<String> = notify::KINDS
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !wanted.iter().any(|w| w == k))
        .map(str::to_owned)
        .collect();
    app.store.set_email_opt_outs(user.id, user.id, &out).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> ReportSummary {
        ReportSummary {
            id: 7,
            department: "03".into(),
            territories: vec!["03".into()],
            year: 2025,
            programme: "pacte".into(),
            status: Status::SentBack,
            version: 2,
            revision: 3,
            updated_at: String::new(),
        }
    }

    #[test]
    fn messages_are_french_with_their_link() {
        let m = event_message(Event::SentBack, &summary(), Some(" Annexe incomplète "));
        assert!(
            m.subject.starts_with("Rapport renvoyé pour corrections : Allier (03) – rapport 2025"),
            "{}",
            m.subject
        );
        assert!(m.body.ends_with("Motif : Annexe incomplète"), "{}", m.body);
        assert_eq!(m.link, "/rapports/7");
        let t = event_message(Event::Transmitted, &summary(), None);
        assert_eq!(t.link, "/rapports/7/revue");
        let mail = mail_body("https://bilan.example.fr/", &t);
        assert!(mail.contains("Pour y accéder : https://bilan.example.fr/rapports/7/revue\n"), "{mail}");
        assert!(mail.contains("https://bilan.example.fr/compte/notifications"));
    }

    #[test]
    fn addresses_typed_in_forms() {
        assert_eq!(typed_address("  "), Ok(None));
        assert_eq!(typed_address(" a@b.fr "), Ok(Some("a@b.fr".into())));
        let e = typed_address("pas-une-adresse").unwrap_err();
        assert!(e.message().contains("n’est pas une adresse électronique valide"));
    }
}

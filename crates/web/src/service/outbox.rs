//! The outbox's sender (issue 13): a task of each server that claims the e-mails due, one
//! at a time, sends each through the configured SMTP server (`lettre`) and marks it sent
//! once the server accepted it; a failure is tried again later, with an exponential
//! backoff, and given up after [`MAX_ATTEMPTS`] or at once when the server refuses the
//! message for good (5xx). The claim is a lease in the database
//! (`Store::claim_mails`): two servers on one PostgreSQL never send the same row. The same
//! task computes the deadline reminders ([`super::notifications::run_reminders`]) once an
//! hour and publishes the outbox's depth in `/metriques`.
//!
//! Without SMTP (the demonstration), the e-mails stay in the outbox, which the
//! administrator reads on « Courriels envoyés ».

use std::fmt;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use bilan_store::ClaimedMail;

use crate::error::AppError;
use crate::AppState;

/// After this many failed attempts an e-mail is given up (`echec`): with the default
/// backoff (30 s doubling, at most an hour), about 15 hours of trying.
pub const MAX_ATTEMPTS: i32 = 20;
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long one SMTP exchange may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a claimed e-mail stays this server's: well above [`SEND_TIMEOUT`], so that a
/// lease never ends while its sender still talks to the SMTP server.
pub const LEASE: Duration = Duration::from_secs(600);
/// How often the reminders are computed.
pub const REMINDER_PERIOD: Duration = Duration::from_secs(3600);
/// At most this many e-mails per pass (then the next pass, a poll later).
const PER_PASS: usize = 100;

/// This process's name on the leases it takes.
static OWNER: LazyLock<String> =
    LazyLock::new(|| format!("{}-{}", std::process::id(), &super::accounts::random_token()[..12]));

/// Where and how e-mails are sent: `bilan servir --smtp URL --expediteur ADRESSE`, the
/// password from the environment or the configuration file.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `smtp://[utilisateur@]hôte[:port][?starttls=obligatoire|non]` (STARTTLS when the
    /// server offers it, by default) or `smtps://…` (TLS from the start, port 465).
    pub url: String,
    /// The password of the URL's user (never in the URL itself).
    pub password: Option<String>,
    /// The sender's address (`From`).
    pub from: String,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// How the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// STARTTLS when the server offers it (`smtp://`).
    Opportunistic,
    /// STARTTLS or nothing sent (`?starttls=obligatoire`).
    Required,
    /// Plain text, never STARTTLS (`?starttls=non`, a relay on the same machine).
    None,
    /// TLS from the first byte (`smtps://`).
    Wrapper,
}

/// A parsed SMTP URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
}

impl SmtpConfig {
    /// Checks the URL and the sender, in French (the CLI refuses to start otherwise).
    pub fn check(&self) -> Result<SmtpTarget, String> {
        self.from
            .parse::<Mailbox>()
            .map_err(|_| format!("expéditeur « {} » : adresse électronique invalide", self.from))?;
        parse_url(&self.url)
    }
}

/// Reads `smtp://[user@]host[:port][?starttls=…]` or `smtps://…`.
pub fn parse_url(url: &str) -> Result<SmtpTarget, String> {
    let bad = |why: &str| format!("URL SMTP « {url} » : {why}");
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("smtp://hôte:port attendu"))?;
    let (mut security, default_port) = match scheme {
        "smtp" => (Security::Opportunistic, 25),
        "smtps" => (Security::Wrapper, 465),
        _ => return Err(bad("le schéma doit être smtp ou smtps")),
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    if authority.contains('/') {
        return Err(bad("pas de chemin après l’hôte"));
    }
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((user, hostport)) => {
            if user.contains(':') {
                return Err(bad(
                    "le mot de passe ne s’écrit pas dans l’URL : variable BILAN_SMTP_MOT_DE_PASSE ou [smtp] mot_de_passe du fichier",
                ));
            }
            if user.is_empty() {
                return Err(bad("utilisateur vide avant « @ »"));
            }
            (Some(user.replace("%40", "@")), hostport)
        }
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || hostport.starts_with('[') => {
            let port = port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| bad("port invalide"))?;
            (host, port)
        }
        _ => (hostport, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad("hôte manquant"));
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        security = match (pair, security) {
            ("starttls=obligatoire", Security::Opportunistic) => Security::Required,
            ("starttls=non", Security::Opportunistic) => Security::None,
            _ => {
                return Err(bad(
                    "seuls « ?starttls=obligatoire » et « ?starttls=non » sont reconnus, avec smtp://",
                ))
            }
        };
    }
    Ok(SmtpTarget { host: host.to_owned(), port, security, user })
}

/// A ready SMTP client.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    backoff: Duration,
}

impl Mailer {
    pub fn new(config: &SmtpConfig, backoff: Duration) -> Result<Mailer, String> {
        let target = config.check()?;
        let from: Mailbox =
            config.from.parse().map_err(|_| format!("expéditeur « {} » invalide", config.from))?;
        let tls = || TlsParameters::new(target.host.clone()).map_err(|e| format!("TLS : {e}"));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(target.host.clone())
            .port(target.port)
            .timeout(Some(SEND_TIMEOUT));
        builder = match target.security {
            Security::None => builder,
            Security::Opportunistic => builder.tls(Tls::Opportunistic(tls()?)),
            Security::Required => builder.tls(Tls::Required(tls()?)),
            Security::Wrapper => builder.tls(Tls::Wrapper(tls()?)),
        };
        if let Some(user) = target.user {
            builder =
                builder.credentials(Credentials::new(user, config.password.clone().unwrap_or_default()));
        }
        let domain = from.email.domain().to_owned();
        Ok(Mailer { transport: builder.build(), from, domain, backoff })
    }

    /// Sends one e-mail: `Err((permanent, message))` when not accepted.
    async fn send(&self, m: &ClaimedMail) -> Result<(), (bool, String)> {
        let to: Mailbox =
            m.recipient.parse().map_err(|_| (true, format!("adresse « {} » illisible", m.recipient)))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            // One id per outbox row: a copy sent again after a crash is recognisable.
            .message_id(Some(format!("{}bilan-courriel-{}@{}{}", '<', m.id, self.domain, '>')))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| (true, format!("message impossible à construire : {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err((e.is_permanent(), e.to_string())),
        }
    }

    /// When to try again after `attempts` failed attempts (this one included).
    fn retry_after(&self, attempts: i32) -> Duration {
        let factor = 1u32 << attempts.clamp(1, 16).saturating_sub(1);
        self.backoff.saturating_mul(factor).min(MAX_BACKOFF)
    }
}

/// What one pass of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub failed: usize,
}

/// Sends the e-mails due at `now` (Unix seconds), one claim at a time, until none is due,
/// [`PER_PASS`] are done, or the server fails in a way that will not get better within
/// the pass (connection refused, timeout, 4xx).
pub async fn deliver_due(app: &AppState, mailer: &Mailer, now: i64) -> Result<Delivery, AppError> {
    let mut done = Delivery::default();
    let at = crate::time::rfc3339(now);
    let lease = crate::time::rfc3339(now + LEASE.as_secs() as i64);
    for _ in 0..PER_PASS {
        let Some(m) = app.store.claim_mails(&OWNER, &at, &lease, 1).await?.into_iter().next() else { break };
        match mailer.send(&m).await {
            Ok(()) => {
                app.store
                    .mark_mail_sent(m.id, &OWNER, &crate::time::rfc3339(crate::time::unix_now()))
                    .await?;
                done.sent += 1;
            }
            Err((permanent, error)) => {
                let attempts = m.attempts + 1;
                let retry = (!permanent && attempts < MAX_ATTEMPTS)
                    .then(|| crate::time::rfc3339(now + mailer.retry_after(attempts).as_secs() as i64));
                tracing::warn!(
                    courriel = m.id,
                    tentatives = attempts,
                    abandon = retry.is_none(),
                    "envoi impossible : {error}"
                );
                app.store.mark_mail_failed(m.id, &OWNER, &error, retry.as_deref()).await?;
                done.failed += 1;
                if !permanent {
                    break;
                }
            }
        }
    }
    Ok(done)
}

/// Publishes the outbox's depth (`bilan_outbox_depth`).
async fn publish_depth(app: &AppState) {
    match app.store.outbox_depth().await {
        Ok(depth) => {
            crate::metrics::set_gauge("bilan_outbox_depth", "E-mails waiting in the outbox.", depth as f64)
        }
        Err(e) => tracing::warn!("file des courriels illisible : {e}"),
    }
}

/// The server's background task: reminders once an hour, the outbox every
/// `options.outbox_poll`, until `stop` turns true (or its sender is dropped). A send in
/// progress finishes first (at most [`SEND_TIMEOUT`]).
pub async fn run(app: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mailer = match app.options.smtp.as_ref().map(|c| Mailer::new(c, app.options.outbox_backoff)) {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            tracing::error!("serveur SMTP inutilisable, les courriels restent dans la file : {e}");
            None
        }
        None => None,
    };
    let mut last_reminders: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        if last_reminders.is_none_or(|t| t.elapsed() >= REMINDER_PERIOD) {
            if let Some(today) = crate::time::today() {
                match super::notifications::run_reminders(&app, today).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(rappels = n, "rappels d’échéance écrits"),
                    Err(e) => tracing::warn!("rappels d’échéance non calculés : {e:?}"),
                }
            }
            last_reminders = Some(Instant::now());
        }
        if let Some(mailer) = &mailer {
            if let Err(e) = deliver_due(&app, mailer, crate::time::unix_now()).await {
                tracing::warn!("envoi des courriels interrompu : {e:?}");
            }
        }
        publish_depth(&app).await;
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = tokio::time::sleep(app.options.outbox_poll) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let t = parse_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.security, t.user),
            ("127.0.0.1", 2525, Security::Opportunistic, None)
        );
        let t = parse_url("smtp://relais%40dep.fr@smtp.dep.fr:587?starttls=obligatoire").unwrap();
        assert_eq!((t.port, t.security, t.user.as_deref()), (587, Security::Required, Some("relais@dep.fr")));
        assert_eq!(parse_url("smtps://smtp.example.fr").unwrap().port, 465);
        assert_eq!(parse_url("smtp://localhost?starttls=non").unwrap().security, Security::None);
        assert_eq!(parse_url("smtp://[::1]:25").unwrap().host, "::1");
        for bad in [
            "http://x",
            "smtp://",
            "smtp://u:secret@host",
            "smtp://host:0",
            "smtp://host:port",
            "smtp://host/chemin",
            "smtps://host?starttls=non",
            "smtp://host?tls=1",
            "127.0.0.1:25",
        ] {
            let e = parse_url(bad).unwrap_err();
            assert!(e.starts_with("URL SMTP"), "{bad}: {e}");
        }
        assert!(parse_url("smtp://u:secret@host").unwrap_err().contains("BILAN_SMTP_MOT_DE_PASSE"));
    }

    #[test]
    fn the_password_is_not_printed() {
        let c =
            SmtpConfig { url: "smtp://u@h".into(), password: Some("secret".into()), from: "a@b.fr".into() };
        assert!(!format!("{c:?}").contains("secret"));
        let bad = SmtpConfig { from: "pas une adresse".into(), ..c };
        assert!(bad.check().unwrap_err().contains("expéditeur"));
    }
}

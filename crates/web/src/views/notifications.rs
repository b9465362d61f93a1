//! The notifications pages: the user's list (`/notifications`), their e-mail preferences
//! (`/compte/notifications`), and the administrator's outbox (`/admin/courriels`).

use bilan_store::{MailStatus, Notification, OutboxMail};
use maud::{html, Markup};

use crate::policy::Ctx;
use crate::time::french_datetime;
use crate::views::components::{alert, csrf_input, multiline};

/// The user's notifications, newest first.
pub fn list(ctx: &Ctx, notes: &[Notification]) -> Markup {
    let unread = notes.iter().filter(|n| n.read_at.is_none()).count();
    html! {
        h1 #titre-notifications { "Notifications" }
        p #resume-notifications {
            @if unread == 0 { "Aucune notification non lue." } @else { (unread) " notification(s) non lue(s)." }
            " "
            a.fr-link href="/compte/notifications" #lien-preferences { "Choisir les notifications reçues par courriel" }
        }
        @if notes.is_empty() {
            p #aucune-notification { "Vous n’avez reçu aucune notification." }
        } @else {
            @if unread > 0 {
                form method="post" action="/notifications/lues" #tout-lire {
                    (csrf_input(&ctx.csrf))
                    button.fr-btn.fr-btn--secondary.fr-btn--sm type="submit" #bouton-tout-lire { "Tout marquer comme lu" }
                }
            }
            ul.fr-raw-list #liste-notifications {
                @for n in notes {
                    @let read = n.read_at.is_some();
                    li.fr-mt-2w id={ "notification-" (n.id) } data-type=(n.kind) data-lue=(if read { "oui" } else { "non" }) {
                        div.fr-callout.fr-p-2w {
                            h2.fr-h6.fr-mb-1w {
                                a.fr-link href={ "/notifications/" (n.id) } data-page=(n.link) id={ "lien-notification-" (n.id) } { (n.subject) }
                                @if !read { " " span.fr-badge.fr-badge--sm.fr-badge--new { "non lue" } }
                            }
                            p.fr-text--sm.fr-mb-1w { "Le " (french_datetime(&n.created_at)) }
                            div.fr-text--sm { (multiline(&n.body)) }
                            @if !read {
                                form method="post" action={ "/notifications/" (n.id) "/lue" } id={ "lire-notification-" (n.id) } {
                                    (csrf_input(&ctx.csrf))
                                    button.fr-btn.fr-btn--tertiary.fr-btn--sm type="submit" {
                                        "Marquer comme lue" span.fr-sr-only { " : " (n.subject) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What the preferences page says above its form.
pub enum PreferencesNotice {
    None,
    Saved,
    /// Nothing saved: why (the address).
    Refused(String),
}

/// The user's address and the kinds they want by e-mail: (kind, label, wanted).
pub fn preferences(
    ctx: &Ctx,
    address: &str,
    kinds: &[(&str, &str, bool)],
    notice: &PreferencesNotice,
) -> Markup {
    let refused = matches!(notice, PreferencesNotice::Refused(_));
    html! {
        h1 #titre-preferences { "Notifications par courriel" }
        @match notice {
            PreferencesNotice::None => {},
            PreferencesNotice::Saved => (alert("success", "enregistre", "Préférences enregistrées", html! {
                p { "Vos préférences de notification ont été enregistrées." }
            })),
            PreferencesNotice::Refused(m) => (alert(
                "error",
                "erreurs-formulaire",
                "Le formulaire contient des erreurs : rien n’a été enregistré",
                html! { ul { li { a href="#courriel" { "Adresse électronique" } " : " (m) } } },
            )),
        }
        p {
            "Toutes les notifications s’affichent dans l’application (« Notifications » en haut de page). \
             Choisissez celles que vous recevez aussi par courriel, à l’adresse ci-dessous."
        }
        form method="post" action="/compte/notifications" #form-notifications {
            (csrf_input(&ctx.csrf))
            div.fr-input-group.fr-input-group--error[refused] {
                label.fr-label for="courriel" {
                    "Adresse électronique"
                    span.fr-hint-text { "Laissez vide pour ne recevoir aucun courriel." }
                }
                input.fr-input.fr-input--error[refused] type="email" #courriel name="courriel" value=(address)
                    autocomplete="email" aria-describedby=[refused.then_some("courriel-erreur")];
                @if let PreferencesNotice::Refused(m) = notice {
                    p.fr-error-text #courriel-erreur { (m) }
                }
            }
            fieldset.fr-fieldset #types-notifications {
                legend.fr-fieldset__legend { "Recevoir par courriel" }
                @for (kind, label, wanted) in kinds {
                    div.fr-fieldset__element { div.fr-checkbox-group {
                        input type="checkbox" id={ "courriel-" (kind) } name={ "courriel-" (kind) } value="oui" checked[*wanted];
                        label.fr-label for={ "courriel-" (kind) } { (label) }
                    } }
                }
            }
            button.fr-btn type="submit" #bouton-preferences { "Enregistrer" }
        }
    }
}

fn status_label(s: MailStatus) -> (&'static str, &'static str) {
    match s {
        MailStatus::Pending => ("en attente", "fr-badge--info"),
        MailStatus::Sent => ("envoyé", "fr-badge--success"),
        MailStatus::Failed => ("abandonné", "fr-badge--error"),
    }
}

/// The administrator's view of the outbox. `smtp`: where e-mails go, if anywhere.
pub fn outbox(mails: &[OutboxMail], smtp: Option<&str>) -> Markup {
    html! {
        h1 #titre-courriels { "Courriels envoyés" }
        p #etat-smtp {
            @match smtp {
                Some(url) => { "Les courriels sont envoyés par le serveur " code { (url) } "." }
                None => { "Aucun serveur SMTP n’est configuré : les courriels restent dans la file ci-dessous, où vous pouvez les lire." }
            }
        }
        @if mails.is_empty() {
            p #aucun-courriel { "Aucun courriel." }
        } @else {
            div.fr-table { table #table-courriels {
                caption { "Courriels, du plus récent au plus ancien" }
                thead { tr {
                    th scope="col" { "Créé le" }
                    th scope="col" { "Destinataire" }
                    th scope="col" { "Objet et texte" }
                    th scope="col" { "État" }
                    th scope="col" { "Tentatives" }
                    th scope="col" { "Envoyé le" }
                } }
                tbody {
                    @for m in mails {
                        @let (label, class) = status_label(m.status);
                        tr id={ "courriel-" (m.id) } data-statut=(m.status.as_str()) {
                            td { (french_datetime(&m.created_at)) }
                            td.destinataire { (m.recipient) }
                            td {
                                details {
                                    summary.objet { (m.subject) }
                                    div.fr-text--sm { (multiline(&m.body)) }
                                }
                            }
                            td {
                                span class={ "fr-badge fr-badge--sm " (class) } { (label) }
                                @if let Some(e) = &m.last_error { p.fr-text--xs.fr-mb-0 { "Dernière erreur : " (e) } }
                            }
                            td { (m.attempts) }
                            td { @if let Some(at) = &m.sent_at { (french_datetime(at)) } @else { "—" } }
                        }
                    }
                }
            } }
        }
    }
}

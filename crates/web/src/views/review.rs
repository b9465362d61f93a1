//! The review page of one report (`/rapports/{id}/revue`): figures per action, diagnostics
//! and justifications, changes since the previous version and since last year, outliers,
//! comments, then the decision. Also the comment list and the remarks about one action that
//! the Département's pages show.

use maud::{html, Markup};

use bilan_check::{Diagnostic, Severity};
use bilan_consolidate::{Change, Outlier, OutlierKind, Rate, YearComparison};
use bilan_domain::{Money, Report};
use bilan_store::{Comment, CommentTarget, Justification, Status};

use crate::policy::access::status_label;
use crate::service::report::Loaded;
use crate::service::review::{target_value, FigureTable, Refused, Review, VersionDiff};
use crate::service::values::link_for;
use crate::service::values::seg;
use crate::views::components::{alert, csrf_input, multiline, status_badge};

fn money(m: Option<Money>) -> Markup {
    html! { @match m { Some(m) => (m.to_french()), None => "—" } }
}

fn rate(r: Option<Rate>) -> Markup {
    html! { @match r { Some(r) => (r.to_french()), None => "—" } }
}

/// What the review page needs besides the loaded data.
pub struct ReviewPage<'a> {
    pub l: &'a Loaded,
    pub review: &'a Review,
    pub csrf: &'a str,
    /// The user may decide (a reviewer; the national reader only reads).
    pub can_decide: bool,
    /// A comment was just saved.
    pub saved: bool,
    /// The comment targets offered, as (value, label).
    pub targets: &'a [(String, String)],
    /// The target selected in the comment form.
    pub selected: &'a str,
    /// The files transmitted with the version.
    pub attachments: &'a [bilan_store::Attachment],
}

pub fn page(p: &ReviewPage<'_>) -> Markup {
    let l = p.l;
    let s = &l.stored.summary;
    let id = l.id();
    html! {
        h1 #titre-revue { "Revue du rapport " (s.year) " – " (bilan_domain::collectivite::label(&s.department)) }
        div.fr-mb-2w { (status_badge(s.status)) " " span #version { "version " (s.version) } }
        p.fr-text--lead { (l.report.title) }
        @if p.saved {
            (alert("success", "enregistre", "Enregistré", html! { p { "Votre commentaire a été enregistré." } }))
        }
        @if let Some(t) = &l.stored.transmitted_at {
            p #transmission {
                "Transmis le " (crate::time::french_datetime(t)) "."
                @if let Some(d) = l.report.deadline { " Échéance d’adoption : " (d.to_french()) "." }
            }
        }
        ul.fr-btns-group.fr-btns-group--inline-md.fr-btns-group--sm #outils-revue {
            li { a.fr-btn.fr-btn--secondary href={ "/rapports/" (id) } #lien-rapport { "Le rapport" } }
            li { a.fr-btn.fr-btn--secondary href={ "/rapports/" (id) "/annexe" } { "Annexe financière" } }
            li { a.fr-btn.fr-btn--secondary href={ "/rapports/" (id) "/credits" } #lien-credits { "Crédits " (s.year + 1) } }
            li { a.fr-btn.fr-btn--tertiary href={ "/rapports/" (id) "/historique" } { "Historique" } }
            li { a.fr-btn.fr-btn--tertiary href="#decision" #lien-decision { "Aller à la décision" } }
        }
        (crate::views::attachments::report_section(p.attachments, true))
        (figures(l, &p.review.figures))
        (diagnostics(l, &p.review.diagnostics, &p.review.justifications, p.can_decide))
        (version_diff(l, &p.review.version_diff))
        (year_comparison(l, p.review.year_comparison.as_ref()))
        (outliers(l, &p.review.outliers))
        (comments(l, &p.review.comments))
        @if p.can_decide && matches!(s.status, Status::Transmitted | Status::Approved) {
            (comment_form(id, p.csrf, p.targets, p.selected))
        }
        // The decision comes last: the reviewer reads, comments, then decides.
        (decision(l, p.csrf, p.can_decide))
    }
}

fn figures(l: &Loaded, t: &FigureTable) -> Markup {
    html! {
        h2 #chiffres { "Chiffres par action" }
        div.fr-table { table #table-chiffres {
            caption { "Chiffres retenus par action (prévu : annexe, consommé : section 5.2)" }
            thead { tr {
                th scope="col" { "Action" }
                th scope="col" { "Part État" }
                th scope="col" { "Prévu" }
                th scope="col" { "Engagé" }
                th scope="col" { "Consommé" }
                th scope="col" { "Report" }
                th scope="col" { "Taux d’exécution" }
            } }
            tbody {
                @for r in &t.rows {
                    tr {
                        th scope="row" { a href=(link_for(l.id(), &l.report, &r.path)) { (r.number) } " " (r.title) }
                        td.montant { (money(r.state_share)) }
                        td.montant { (money(r.planned)) }
                        td.montant { (money(r.committed)) }
                        td.montant { (money(r.spent)) }
                        td.montant { (money(r.carry_over)) }
                        td.montant { (rate(r.rate)) }
                    }
                }
            }
            tfoot { tr {
                th scope="row" { "Total" }
                @for m in &t.total { td.montant { (money(*m)) } }
                td.montant { (t.total_rate) }
            } }
        } }
    }
}

fn diagnostics(l: &Loaded, diags: &[Diagnostic], js: &[Justification], can_comment: bool) -> Markup {
    let (errors, warnings, infos) = bilan_check::counts(diags);
    html! {
        h2 #diagnostics { "Diagnostics et justifications" }
        p #resume-diagnostics { (errors) " erreur(s), " (warnings) " avertissement(s), " (infos) " information(s)." }
        @if diags.is_empty() {
            p { "Aucun diagnostic." }
        } @else {
            ul.fr-raw-list #liste-diagnostics {
                @for d in diags.iter().filter(|d| d.severity != Severity::Info) {
                    // The last justification recorded for this place.
                    @let justification = js.iter().rfind(|j| j.code == d.code && j.path == d.path);
                    li.fr-mb-2w data-code=(d.code) data-chemin=(d.path) {
                        strong { (d.severity.title()) " " (d.code) }
                        " : " (d.message) " "
                        a.fr-link.fr-link--sm href=(link_for(l.id(), &l.report, &d.path)) { "Voir le champ" }
                        @if can_comment {
                            " "
                            a.fr-link.fr-link--sm
                                href={ "/rapports/" (l.id()) "/revue?cible=" (seg(&format!("diagnostic:{}:{}", d.code, d.path))) "#form-commentaire" }
                                { "Commenter" }
                        }
                        @match justification {
                            Some(j) => p.fr-mb-0.justification { em { "Justification du Département :" } " " (j.text) },
                            None if d.severity == Severity::Warning => p.fr-mb-0 { em { "Sans justification." } },
                            None => {},
                        }
                    }
                }
            }
            @if infos > 0 {
                p { (infos) " information(s) sans action requise : voir les "
                    a href={ "/rapports/" (l.id()) "/diagnostics" } { "diagnostics" } "." }
            }
        }
    }
}

fn version_diff(l: &Loaded, diff: &VersionDiff) -> Markup {
    let v = l.stored.summary.version;
    html! {
        h2 #modifications { "Modifications depuis la version précédente" }
        @match diff {
            VersionDiff::First => p #premiere-version { "Première version transmise : pas de version précédente." },
            VersionDiff::Unavailable => p { "La version précédente n’est pas disponible." },
            VersionDiff::Unreadable => p { "La version précédente est illisible." },
            VersionDiff::Changes { previous, changes } if changes.is_empty() => {
                p #aucune-modification { "Aucune modification depuis la version " (previous) "." }
            }
            VersionDiff::Changes { previous, changes } => (changes_table(l, *previous, v, changes)),
        }
    }
}

fn changes_table(l: &Loaded, previous: i32, v: i32, changes: &[Change]) -> Markup {
    html! {
        div.fr-table { table #table-modifications {
            caption { (changes.len()) " modification(s) entre la version " (previous) " et la version " (v) }
            thead { tr {
                th scope="col" { "Élément" }
                th scope="col" { "Version " (previous) }
                th scope="col" { "Version " (v) }
            } }
            tbody {
                @for c in changes {
                    tr data-chemin=(c.path) {
                        th scope="row" { a href=(link_for(l.id(), &l.report, &c.path)) { (c.place) } }
                        td { (c.before) }
                        td { (c.after) }
                    }
                }
            }
        } }
    }
}

/// "+12 %", "−5 %", "0 %" from current ÷ previous in percent.
fn change(percent: Option<i64>) -> String {
    match percent.map(|p| p - 100) {
        None => "—".to_string(),
        Some(d) if d > 0 => format!("+{d}\u{a0}%"),
        Some(d) if d < 0 => format!("−{}\u{a0}%", -d),
        Some(_) => "0\u{a0}%".to_string(),
    }
}

fn year_comparison(l: &Loaded, cmp: Option<&YearComparison>) -> Markup {
    let year = l.stored.summary.year;
    let p = year - 1;
    html! {
        h2 #comparaison { "Comparaison avec " (p) }
        @match cmp {
            None => p #pas-de-precedent { "Aucun rapport " (p) " transmis pour cette collectivité et ce programme." },
            Some(cmp) => {
                div.fr-table { table #table-comparaison {
                    caption { "Chiffres par action, " (p) " et " (year) }
                    thead { tr {
                        th scope="col" { "Action" }
                        th scope="col" { "Prévu " (p) }
                        th scope="col" { "Prévu " (year) }
                        th scope="col" { "Consommé " (p) }
                        th scope="col" { "Consommé " (year) }
                        th scope="col" { "Taux " (p) }
                        th scope="col" { "Taux " (year) }
                    } }
                    tbody {
                        @for r in &cmp.actions {
                            tr {
                                th scope="row" {
                                    @match &r.path {
                                        Some(path) => { a href=(link_for(l.id(), &l.report, path)) { (r.number) } " " (r.title) }
                                        None => { (r.number) " " (r.title) " " em { "(seulement en " (p) ")" } }
                                    }
                                }
                                td.montant { (money(r.planned.0)) }
                                td.montant { (money(r.planned.1)) }
                                td.montant { (money(r.spent.0)) }
                                td.montant { (money(r.spent.1)) }
                                td.montant { (rate(r.rate.0)) }
                                td.montant { (rate(r.rate.1)) }
                            }
                        }
                    }
                } }
                @if !cmp.indicators.is_empty() {
                    div.fr-table { table #table-indicateurs-comparaison {
                        caption { "Indicateurs, " (p) " et " (year) }
                        thead { tr {
                            th scope="col" { "Action" }
                            th scope="col" { "Indicateur" }
                            th scope="col" { "Résultat " (p) }
                            th scope="col" { "Résultat " (year) }
                            th scope="col" { "Évolution" }
                        } }
                        tbody {
                            @for i in &cmp.indicators {
                                tr {
                                    td { (i.action) }
                                    th scope="row" { a href=(link_for(l.id(), &l.report, &i.path)) { (i.name) } }
                                    td { (i.previous) }
                                    td { (i.current) }
                                    td { (change(i.change_percent)) }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

fn outliers(l: &Loaded, found: &[Outlier]) -> Markup {
    html! {
        h2 #valeurs-atypiques { "Valeurs atypiques" }
        @if found.is_empty() {
            p #aucune-valeur-atypique { "Aucune valeur atypique par rapport aux autres Départements ni à l’année précédente." }
        } @else {
            ul #liste-valeurs-atypiques {
                @for o in found {
                    li data-type=(match o.kind {
                        OutlierKind::CostPerPerson => "cout-par-personne",
                        OutlierKind::ExecutionRate => "taux-execution",
                        OutlierKind::IndicatorJump => "saut-indicateur",
                    }) {
                        (o.message)
                        @if let Some(source) = o.sources.first() {
                            " " a.fr-link.fr-link--sm href=(link_for(l.id(), &l.report, &source.path)) { "Voir" }
                        }
                    }
                }
            }
        }
    }
}

/// "Action 1.2.1", "Diagnostic BUD001 sur mesures[0]…", with a link to the place.
pub fn target(id: i64, report: &Report, t: &CommentTarget) -> Markup {
    html! {
        @match t {
            CommentTarget::Report => "Rapport",
            CommentTarget::Action { number } => {
                @match report.actions().find(|(_, _, _, a)| &a.number == number) {
                    Some((mi, _, ai, _)) => a href=(link_for(id, report, &format!("mesures[{mi}].actions[{ai}]"))) { "Action " (number) },
                    None => { "Action " (number) }
                }
            }
            CommentTarget::Line { path } => a href=(link_for(id, report, path)) { "Ligne " (path) },
            CommentTarget::Diagnostic { code, path } => {
                "Diagnostic " (code) " sur " a href=(link_for(id, report, path)) { (path) }
            }
        }
    }
}

/// The comments of a report, newest first; shared by the review page and the
/// Département's overview.
pub fn comments(l: &Loaded, comments: &[Comment]) -> Markup {
    html! {
        h2 #commentaires { "Commentaires de revue (" (comments.len()) ")" }
        @if comments.is_empty() {
            p #aucun-commentaire { "Aucun commentaire." }
        } @else {
            ul.fr-raw-list #liste-commentaires {
                @for c in comments.iter().rev() {
                    li.commentaire.fr-mb-2w id={ "commentaire-" (c.id) } data-cible=(target_value(&c.target)) data-version=(c.version) {
                        p.fr-mb-0 {
                            strong { (c.author_name) } ", version " (c.version) ", le "
                            (crate::time::french_datetime(&c.at)) " – " (target(l.id(), &l.report, &c.target))
                        }
                        blockquote.fr-mt-1v { (multiline(&c.text)) }
                    }
                }
            }
        }
    }
}

fn comment_form(id: i64, csrf: &str, targets: &[(String, String)], selected: &str) -> Markup {
    html! {
        form method="post" action={ "/rapports/" (id) "/commentaires" } #form-commentaire .fr-mt-2w {
            (csrf_input(csrf))
            fieldset.fr-fieldset {
                legend.fr-fieldset__legend { "Ajouter un commentaire" }
                div.fr-fieldset__element { div.fr-select-group {
                    label.fr-label for="cible" { "Porte sur" }
                    select.fr-select #cible name="cible" {
                        @for (value, label) in targets {
                            option value=(value) selected[value == selected] { (label.chars().take(140).collect::<String>()) }
                        }
                    }
                } }
                div.fr-fieldset__element { div.fr-input-group {
                    label.fr-label for="texte" {
                        "Commentaire"
                        span.fr-hint-text { "4 000 caractères au plus. Il sera visible du Département." }
                    }
                    textarea.fr-input #texte name="texte" rows="4" required maxlength="4000" {}
                } }
            }
            button.fr-btn.fr-btn--secondary type="submit" #bouton-commenter { "Enregistrer le commentaire" }
        }
    }
}

fn decision(l: &Loaded, csrf: &str, can_decide: bool) -> Markup {
    let id = l.id();
    html! {
        section #decision .fr-mb-4w {
            h2 { "Décision" }
            @match (l.stored.summary.status, can_decide) {
                (Status::Transmitted, true) => {
                    p { "Renvoyez le rapport pour correction avec un motif (vos commentaires lui sont joints), ou approuvez-le." }
                    form method="post" action={ "/rapports/" (id) "/renvoyer" } #form-renvoyer {
                        (csrf_input(csrf))
                        div.fr-input-group {
                            label.fr-label for="motif" { "Motif du renvoi pour correction" }
                            textarea.fr-input #motif name="motif" rows="3" required maxlength="3900" {}
                        }
                        button.fr-btn.fr-btn--secondary type="submit" #bouton-renvoyer { "Renvoyer pour correction" }
                    }
                    form method="post" action={ "/rapports/" (id) "/approuver" } #form-approuver .fr-mt-3w {
                        (csrf_input(csrf))
                        div.fr-input-group {
                            label.fr-label for="observation" { "Observation (facultative)" }
                            textarea.fr-input #observation name="observation" rows="2" maxlength="4000" {}
                        }
                        button.fr-btn type="submit" #bouton-approuver { "Approuver le rapport" }
                    }
                }
                (Status::Approved, true) => {
                    p #rapport-approuve { "Le rapport est approuvé. Vous pouvez le rouvrir pour un nouvel examen : le motif est enregistré au journal." }
                    form method="post" action={ "/rapports/" (id) "/rouvrir" } #form-rouvrir {
                        (csrf_input(csrf))
                        div.fr-input-group {
                            label.fr-label for="motif-reouverture" { "Motif de la réouverture" }
                            textarea.fr-input #motif-reouverture name="motif" rows="2" required maxlength="4000" {}
                        }
                        button.fr-btn.fr-btn--secondary type="submit" #bouton-rouvrir { "Rouvrir le rapport" }
                    }
                }
                (status, _) => {
                    p #decision-lecture { "Statut : " (status_label(status)) ". Aucune décision ne vous revient sur ce rapport." }
                }
            }
        }
    }
}

// ----- the messages of a refused comment or reopening -----

/// A comment refused; the page links back to the review, except for a diagnostic that no
/// longer exists.
pub fn comment_refused(id: i64, why: Refused) -> Markup {
    html! {
        p #erreur-commentaire { (why.message()) }
        @if why != Refused::GoneDiagnostic {
            p { a href={ "/rapports/" (id) "/revue" } { "Retour à la revue" } }
        }
    }
}

pub fn reopen_not_approved() -> Markup {
    html! { p { "Seul un rapport approuvé peut être rouvert." } }
}

pub fn reopen_reason_missing(id: i64) -> Markup {
    html! {
        p #erreur-motif { "Indiquez le motif de la réouverture (4 000 caractères au plus). Rien n’a été modifié." }
        p { a href={ "/rapports/" (id) "/revue" } { "Retour à la revue" } }
    }
}

//! The diagnostics panel with justifications, and the history.

#![allow(unused_imports)]
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_check::{Diagnostic, Severity};
use bilan_domain::annex_table::AnnexTable;
use bilan_domain::{figure, Action, Amount, ExecutedLine, ExpenseLine, Money, Report};
use bilan_store::{Edit, EditScope, Role, StoreError};

use super::action::*;
use crate::handlers::conflict_page;
use crate::http::session::MaybeCtx;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::edit::{self, link_for};
use crate::service::forms::{self, field_id, join, Errors, Fields, Spec, Values};
use crate::service::report::{self, Loaded};
use crate::views::conflict::Conflict;
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, esc, hidden, multiline, not_found, seg, status_badge, Page};
use crate::AppState;

#[allow(unused_imports)]
use super::reports::*;

// ----- diagnostics and justifications -----

pub(crate) fn key_id(code: &str, path: &str) -> String {
    format!("{}-{}", code, field_id(path).trim_start_matches("champ-"))
}

pub async fn diagnostics_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let diags = report::diagnostics(&app, &l.report).await;
    let js = match report::justifications(&app, id).await {
        Ok(j) => j,
        Err(e) => return store_error(&ctx, e),
    };
    let can_justify = access::can_justify(&ctx.user, &l.stored.summary).is_ok();
    let (errors, warnings, infos) = bilan_check::counts(&diags);
    let justified = report::justified_keys(&js);
    let open = report::blocking(&diags, &justified).len();
    let mut h = format!(
        "<h1>Diagnostics</h1><p id=\"resume-diagnostics\">{errors} erreur(s), {warnings} avertissement(s), {infos} information(s). \
         <strong>{open} point(s) bloquent la transmission</strong> : les erreurs doivent être corrigées, chaque avertissement doit être corrigé ou justifié.</p>"
    );
    if q.enregistre.is_some() {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Justification enregistrée",
            "<p>La justification a été enregistrée.</p>",
        ));
    }
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (severity, title, sid) in [
        (Severity::Error, "Erreurs", "erreurs"),
        (Severity::Warning, "Avertissements", "avertissements"),
        (Severity::Info, "Informations", "informations"),
    ] {
        let list: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity == severity).collect();
        h.push_str(&format!("<h2 id=\"{sid}\">{title} ({})</h2>", list.len()));
        if list.is_empty() {
            h.push_str("<p>Aucun.</p>");
            continue;
        }
        h.push_str("<ul class=\"fr-raw-list\">");
        for d in list {
            let key = key_id(d.code, &d.path);
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            let first = *n == 1;
            let item_id = if first { format!("diag-{key}") } else { format!("diag-{key}-{n}") };
            let class = match severity {
                Severity::Error => "erreur",
                Severity::Warning => "avertissement",
                Severity::Info => "info",
            };
            let mut item = format!(
                "<li id=\"{item_id}\" class=\"diag-{class} fr-mb-3w\" data-code=\"{}\" data-chemin=\"{}\"><p class=\"fr-mb-1w\"><strong>{} {}</strong> : {}</p>",
                esc(d.code),
                esc(&d.path),
                esc(&capitalize(d.severity.label())),
                esc(d.code),
                esc(&d.message)
            );
            if !d.label.is_empty() {
                item.push_str(&format!("<p class=\"fr-text--sm fr-mb-1w\">{}</p>", esc(&d.label)));
            }
            if let Some(hint) = &d.hint {
                item.push_str(&format!("<p class=\"fr-text--sm fr-mb-1w\">Conseil : {}</p>", esc(hint)));
            }
            item.push_str(&format!(
                "<p class=\"fr-mb-1w\"><a class=\"fr-link\" href=\"{}\">Corriger le champ <code>{}</code></a>",
                esc(&link_for(id, &l.report, &d.path)),
                esc(&d.path)
            ));
            for rel in &d.related {
                item.push_str(&format!(
                    " · <a class=\"fr-link fr-link--sm\" href=\"{}\">{}</a>",
                    esc(&link_for(id, &l.report, &rel.path)),
                    esc(if rel.label.is_empty() { &rel.path } else { &rel.label })
                ));
            }
            item.push_str("</p>");
            if severity == Severity::Warning && first {
                let existing = js.iter().find(|j| j.code == d.code && j.path == d.path);
                if let Some(j) = existing {
                    item.push_str(&format!(
                        "<p class=\"fr-badge fr-badge--success fr-badge--sm\">justifié</p><blockquote class=\"fr-mb-1w\" id=\"justification-texte-{key}\">{}</blockquote>",
                        multiline(&j.text)
                    ));
                }
                if can_justify {
                    item.push_str(&format!(
                        "<form method=\"post\" action=\"/rapports/{id}/justifications\" id=\"form-justification-{key}\">{}{}{}\
                         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"justification-{key}\">Justification (une phrase)<span class=\"fr-sr-only\"> de l’avertissement {code} sur {chemin}</span><span class=\"fr-hint-text\">Laisser vide pour retirer la justification</span></label>\
                         <textarea class=\"fr-input\" id=\"justification-{key}\" name=\"justification\" rows=\"2\" maxlength=\"2000\">{}</textarea></div>\
                         <button class=\"fr-btn fr-btn--sm fr-btn--secondary\" type=\"submit\" id=\"bouton-justifier-{key}\">Enregistrer la justification</button></form>",
                        csrf_field(&ctx.csrf),
                        hidden("code", d.code),
                        hidden("chemin", &d.path),
                        esc(existing.map(|j| j.text.as_str()).unwrap_or("")),
                        code = esc(d.code),
                        chemin = esc(&d.path),
                    ));
                }
            }
            item.push_str("</li>");
            h.push_str(&item);
        }
        h.push_str("</ul>");
    }
    let mut crumbs = l.crumbs();
    crumbs.push(("Diagnostics".into(), None));
    Page::new("Diagnostics", Some(&ctx), h).crumbs(crumbs).into_response()
}

pub async fn justify(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    if let Err(m) = access::can_justify(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
    }
    let code = fields.get("code").unwrap_or("").to_string();
    let path = fields.get("chemin").unwrap_or("").to_string();
    let text = fields.text("justification").trim().to_string();
    if text.chars().count() > 2000 {
        return crate::views::layout::error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&ctx),
            "Justification trop longue",
            "<p>Une justification tient en une phrase (2 000 caractères au plus). Rien n’a été enregistré.</p>",
        );
    }
    let diags = report::diagnostics(&app, &l.report).await;
    if !diags.iter().any(|d| d.severity == Severity::Warning && d.code == code && d.path == path) {
        return crate::views::layout::error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&ctx),
            "Avertissement introuvable",
            "<p>Cet avertissement n’existe plus dans la version actuelle du rapport (il a peut-être été corrigé). Rien n’a été enregistré.</p>",
        );
    }
    match app.store.set_justification(ctx.user.id, id, &code, &path, &text).await {
        Ok(()) => {
            Redirect::to(&format!("/rapports/{id}/diagnostics?enregistre=1#diag-{}", key_id(&code, &path)))
                .into_response()
        }
        Err(e) => store_error(&ctx, e),
    }
}

// ----- history -----

pub async fn history(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let entries = match app.store.audit(Some(id), 200).await {
        Ok(e) => e,
        Err(e) => return store_error(&ctx, e),
    };
    let mut rows = String::new();
    for e in entries {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&crate::time::french_datetime(&e.at)),
            esc(e.actor_login.as_deref().unwrap_or("—")),
            esc(&e.action),
            esc(&e.target)
        ));
    }
    let h = format!(
        "<h1>Historique des modifications</h1><div class=\"fr-table\"><table id=\"table-historique\"><caption>Journal d’audit du rapport (200 dernières opérations)</caption>\
         <thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Agent</th><th scope=\"col\">Opération</th><th scope=\"col\">Objet</th></tr></thead><tbody>{rows}</tbody></table></div>"
    );
    let mut crumbs = l.crumbs();
    crumbs.push(("Historique".into(), None));
    Page::new("Historique", Some(&ctx), h).crumbs(crumbs).into_response()
}

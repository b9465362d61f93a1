//! The pages of a report: list, overview, general information, action forms with their
//! expense lines, body-table lines and indicators, the financial annex, the diagnostics
//! panel with justifications, and the history.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_check::{Diagnostic, Severity};
use bilan_domain::annex_table::AnnexTable;
use bilan_domain::{figure, Action, Amount, Money, Report};
use bilan_store::{Edit, EditScope, Role, StoreError};

use crate::handlers::conflict_page;
use crate::http::session::MaybeCtx;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::edit::{self, link_for};
use crate::service::forms::{self, field_id, Errors, Fields, Spec, Values};
use crate::service::report::{self, Loaded};
use crate::views::conflict::Conflict;
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, esc, hidden, not_found, seg, status_badge, Page};
use crate::AppState;

pub fn rid(s: &str) -> Option<i64> {
    s.parse().ok().filter(|n: &i64| *n > 0)
}

/// The notice of a form the user may only read.
pub(crate) fn read_only() -> String {
    alert(
        "info",
        "lecture-seule",
        "Lecture seule",
        "<p>Vous ne pouvez pas modifier ces informations (votre rôle, ou le statut du rapport, ne le permet pas).</p>",
    )
}

pub(crate) fn money(m: Money) -> String {
    format!("<span class=\"montant\">{}</span>", esc(&m.to_french()))
}

pub(crate) fn opt_money(a: &Option<Amount>) -> String {
    match figure(a) {
        Some(m) => money(m),
        None => String::new(),
    }
}

pub async fn fallback(MaybeCtx(ctx): MaybeCtx) -> Response {
    not_found(ctx.as_ref())
}

// ----- list -----

pub async fn reports(State(app): State<AppState>, ctx: Ctx) -> Response {
    if ctx.user.role == Role::Admin {
        return Redirect::to("/admin/comptes").into_response();
    }
    let list = match app.store.reports(&access::filter_for(&ctx.user)).await {
        Ok(l) => l,
        Err(e) => return store_error(&ctx, e),
    };
    let mut rows = String::new();
    for s in list.iter().filter(|s| access::can_see(&ctx.user, s)) {
        rows.push_str(&format!(
            "<tr id=\"rapport-{id}\" data-departement=\"{dep}\" data-annee=\"{year}\"><td>{}</td><td>{year}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><a class=\"fr-link\" href=\"/rapports/{id}\" id=\"lien-rapport-{id}\">Ouvrir<span class=\"fr-sr-only\"> le rapport {} {year}</span></a></td></tr>",
            esc(&bilan_domain::geo::department_label(&s.department)),
            esc(&s.programme.to_uppercase()),
            s.version,
            status_badge(s.status),
            esc(&crate::time::french_datetime(&s.updated_at)),
            esc(&s.department),
            id = s.id,
            dep = esc(&s.department),
            year = s.year,
        ));
    }
    let table = if rows.is_empty() {
        "<p id=\"aucun-rapport\">Aucun rapport ne vous est accessible pour le moment.</p>".to_string()
    } else {
        format!(
            "<div class=\"fr-table\"><table id=\"table-rapports\"><caption>Rapports d’exécution</caption>\
             <thead><tr><th scope=\"col\">Département</th><th scope=\"col\">Année</th><th scope=\"col\">Programme</th>\
             <th scope=\"col\">Version</th><th scope=\"col\">Statut</th><th scope=\"col\">Dernière modification</th><th scope=\"col\">Rapport</th></tr></thead>\
             <tbody>{rows}</tbody></table></div>"
        )
    };
    let body = format!(
        "<h1>Mes rapports</h1><p>Connecté en tant que {} ({}) – territoire : {}.</p>{table}",
        esc(&ctx.user.display_name),
        esc(access::role_label(ctx.user.role)),
        esc(&access::territory_label(ctx.user.role, ctx.user.territory.as_deref())),
    );
    Page::new("Mes rapports", Some(&ctx), body).into_response()
}

// ----- overview -----

/// Sections 1 to 9 of an action: how many hold real text (not a template instruction).
pub fn completion(a: &Action) -> (usize, usize) {
    let filled = |t: &str| {
        let t = t.trim();
        !t.is_empty() && !t.starts_with('[')
    };
    let checks = [
        filled(&a.description),
        filled(&a.start_text) || a.start.is_some(),
        filled(&a.partners),
        filled(&a.duration),
        a.forecast.as_ref().is_some_and(|f| figure(&f.total).is_some() || a.budget_shared_with.is_some())
            || a.budget_shared_with.is_some(),
        a.executed.as_ref().is_some_and(|e| figure(&e.spent).is_some() || !e.lines.is_empty())
            || a.expenses.iter().any(|e| figure(&e.spent).is_some()),
        a.fapi.is_some(),
        !a.indicators.is_empty(),
        filled(&a.execution_review),
    ];
    let outlook = filled(&a.outlook);
    (checks.iter().filter(|c| **c).count() + usize::from(outlook), 10)
}

pub(crate) fn diag_line(l: &Loaded, d: &Diagnostic, justified: bool) -> String {
    let class = match d.severity {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
        Severity::Info => "info",
    };
    let status = if justified {
        " <span class=\"fr-badge fr-badge--sm fr-badge--success\">justifié</span>"
    } else {
        ""
    };
    format!(
        "<li class=\"diag-{class} fr-mb-1w\" data-code=\"{code}\" data-chemin=\"{path}\"><strong>{sev} {code}</strong>{status} : {msg} \
         <a class=\"fr-link fr-link--sm\" href=\"{link}\">Aller au champ<span class=\"fr-sr-only\"> {path}</span></a></li>",
        sev = esc(&capitalize(d.severity.label())),
        code = esc(d.code),
        msg = esc(&d.message),
        path = esc(&d.path),
        link = esc(&link_for(l.id(), &l.report, &d.path)),
    )
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub async fn overview(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
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
    let justified = report::justified_keys(&js);
    let blocking = report::blocking(&diags, &justified);
    let (errors, warnings, infos) = bilan_check::counts(&diags);
    let s = &l.stored.summary;
    let r = &l.report;
    let editable = access::can_edit(&ctx.user, s).is_ok();

    let mut h = String::new();
    h.push_str(&format!(
        "<h1 id=\"titre-rapport\">Rapport d’exécution {} – {}</h1><div class=\"fr-mb-2w\">{} <span id=\"version\">version {}</span></div>\
         <p class=\"fr-text--lead\" id=\"intitule-rapport\">{}</p>",
        s.year,
        esc(&bilan_domain::geo::department_label(&s.department)),
        status_badge(s.status),
        s.version,
        esc(&r.title)
    ));
    if let Some(n) = &l.stored.deliberation_number {
        h.push_str(&format!(
            "<p id=\"deliberation\">Adopté par la délibération n° {} du {}.</p>",
            esc(n),
            esc(&l
                .stored
                .deliberation_date
                .as_deref()
                .and_then(|d| bilan_domain::Date::parse(d).ok())
                .map(|d| d.to_french())
                .unwrap_or_default())
        ));
    }
    if let Some(t) = &l.stored.transmitted_at {
        h.push_str(&format!(
            "<p id=\"transmission\">Transmis le {}.</p>",
            esc(&crate::time::french_datetime(t))
        ));
    }
    if !s.status.is_editable() && ctx.user.role == Role::DepartmentEditor {
        h.push_str(&alert(
            "info",
            "rapport-fige",
            "Rapport non modifiable",
            "<p>Le rapport n’est pas au statut brouillon ou à corriger : il est en lecture seule.</p>",
        ));
    }

    // Workflow and tools.
    h.push_str(&crate::handlers::workflow::panel(&ctx, &l, blocking.len()));
    // The State's comments (a sent-back report's reasons and remarks).
    match app.store.comments(id).await {
        Ok(c) if c.is_empty() => {}
        Ok(_) => match crate::handlers::review::comments_block(&app, &ctx, &l).await {
            Ok(b) => h.push_str(&b),
            Err(r) => return r,
        },
        Err(e) => return store_error(&ctx, e),
    }
    h.push_str("<ul class=\"fr-btns-group fr-btns-group--inline-md fr-btns-group--icon-left fr-mt-2w\" id=\"outils\">");
    h.push_str(&format!(
        "<li><a class=\"fr-btn fr-btn--secondary fr-icon-alert-line\" id=\"lien-diagnostics\" href=\"/rapports/{id}/diagnostics\">Diagnostics ({errors} erreurs, {warnings} avertissements)</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary fr-icon-table-line\" id=\"lien-annexe\" href=\"/rapports/{id}/annexe\">Annexe financière</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary fr-icon-information-line\" id=\"lien-general\" href=\"/rapports/{id}/general\">Informations générales</a></li>"
    ));
    if editable {
        h.push_str(&format!(
            "<li><a class=\"fr-btn fr-btn--secondary fr-icon-upload-line\" id=\"lien-import\" href=\"/rapports/{id}/import\">Importer un fichier</a></li>"
        ));
    }
    if s.status == bilan_store::Status::Approved {
        h.push_str(&format!(
            "<li><a class=\"fr-btn fr-btn--secondary fr-icon-money-euro-circle-line\" id=\"lien-credits\" href=\"/rapports/{id}/credits\">Crédits {}</a></li>",
            s.year + 1
        ));
    }
    h.push_str(&format!(
        "<li><a class=\"fr-btn fr-btn--tertiary fr-icon-time-line\" id=\"lien-historique\" href=\"/rapports/{id}/historique\">Historique</a></li></ul>"
    ));

    // Totals.
    let table = AnnexTable::from_report(r);
    let forecast_total =
        Money::sum(r.actions().filter_map(|(_, _, _, a)| a.forecast.as_ref().and_then(|f| figure(&f.total))));
    h.push_str(&format!(
        "<h2 id=\"totaux\">Totaux</h2><div class=\"fr-table\"><table id=\"table-totaux\"><caption>Totaux de l’annexe financière (calculés à partir des lignes)</caption>\
         <thead><tr><th scope=\"col\">Montant inscrit</th><th scope=\"col\">Montant réalisé</th><th scope=\"col\">À reporter</th><th scope=\"col\">Recette État</th><th scope=\"col\">Budgets prévisionnels des actions</th></tr></thead>\
         <tbody><tr><td id=\"total-inscrit\" class=\"montant\">{}</td><td id=\"total-realise\" class=\"montant\">{}</td><td id=\"total-report\" class=\"montant\">{}</td><td id=\"total-recette\" class=\"montant\">{}</td><td id=\"total-prevision\" class=\"montant\">{}</td></tr></tbody></table></div>",
        esc(&table.total.planned.to_french()),
        esc(&table.total.spent.to_french()),
        esc(&table.total.carry_over.to_french()),
        esc(&table.total.state_revenue.map(|m| m.to_french()).unwrap_or_default()),
        esc(&forecast_total.to_french()),
    ));

    // Open diagnostics.
    h.push_str(&format!("<h2 id=\"diagnostics-ouverts\">Points à traiter ({})</h2>", blocking.len()));
    if blocking.is_empty() {
        h.push_str("<p id=\"aucun-point\">Aucune erreur ni avertissement non justifié : le rapport peut être transmis une fois adopté.</p>");
    } else {
        h.push_str("<ul class=\"fr-raw-list\" id=\"liste-diagnostics-ouverts\">");
        for d in &blocking {
            h.push_str(&diag_line(&l, d, false));
        }
        h.push_str("</ul>");
    }
    h.push_str(&format!("<p>{infos} informations sans action requise : voir les <a href=\"/rapports/{id}/diagnostics\">diagnostics</a>.</p>"));

    // Measures and actions.
    h.push_str("<h2 id=\"mesures\">Mesures et actions</h2>");
    for (mi, m) in r.measures.iter().enumerate() {
        h.push_str(&format!(
            "<section id=\"{}\" class=\"fr-mb-4w\"><h3>Mesure {} – {}</h3>",
            field_id(&format!("mesures[{mi}]")),
            esc(&m.number),
            esc(&m.title)
        ));
        h.push_str("<div class=\"fr-table fr-table--no-caption\"><table><caption>Actions de la mesure</caption><thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Intitulé</th><th scope=\"col\">Sections renseignées</th><th scope=\"col\">Prévisionnel</th><th scope=\"col\">Réalisé (annexe)</th><th scope=\"col\">Points à traiter</th></tr></thead><tbody>");
        for (ai, a) in m.actions.iter().enumerate() {
            let prefix = format!("mesures[{mi}].actions[{ai}]");
            let open = blocking.iter().filter(|d| d.path.starts_with(&prefix)).count();
            let (done, total) = completion(a);
            let spent = Money::sum(a.expenses.iter().filter_map(|e| figure(&e.spent)));
            h.push_str(&format!(
                "<tr id=\"action-{}\"><td><a href=\"/rapports/{id}/actions/{}\">{}</a></td><td>{}</td><td>{done}/{total}</td><td>{}</td><td>{}</td><td>{open}</td></tr>",
                esc(&a.number.replace('.', "-")),
                seg(&a.number),
                esc(&a.number),
                esc(&a.title),
                a.forecast.as_ref().map(|f| opt_money(&f.total)).unwrap_or_default(),
                money(spent),
            ));
        }
        h.push_str("</tbody></table></div></section>");
    }

    // Downloads and versions.
    h.push_str(&crate::handlers::files::downloads_block(id));
    match app.store.frozen_versions(id).await {
        Ok(versions) if !versions.is_empty() => {
            // The SHA-256 stored when the version was frozen (`bilan audit verify` checks it).
            let fingerprints: std::collections::BTreeMap<i32, Option<String>> =
                match app.store.version_fingerprints(id).await {
                    Ok(f) => f.into_iter().collect(),
                    Err(e) => return store_error(&ctx, e),
                };
            h.push_str("<h2 id=\"versions\">Versions transmises (figées)</h2>\
                <p>L’empreinte SHA-256 identifie le texte transmis : la moindre modification la changerait.</p>\
                <ul id=\"liste-versions\">");
            for (v, at, _) in versions {
                let fingerprint = match fingerprints.get(&v).cloned().flatten() {
                    Some(sha) => format!(
                        ", empreinte <code id=\"empreinte-version-{v}\" title=\"SHA-256 : {}\" data-sha256=\"{}\">{}…</code>",
                        esc(&sha),
                        esc(&sha),
                        esc(&sha.chars().take(12).collect::<String>())
                    ),
                    None => format!(", <span id=\"empreinte-version-{v}\">sans empreinte</span>"),
                };
                h.push_str(&format!(
                    "<li><a href=\"/rapports/{id}/versions/{v}\" id=\"version-{v}\">Version {v}</a>, transmise le {}{fingerprint}</li>",
                    esc(&crate::time::french_datetime(&at))
                ));
            }
            h.push_str("</ul>");
        }
        Ok(_) => {}
        Err(e) => return store_error(&ctx, e),
    }
    Page::new(l.label(), Some(&ctx), h).crumbs(l.crumbs()).into_response()
}

// ----- general information -----

pub(crate) fn general_page(
    ctx: &Ctx,
    l: &Loaded,
    values: &Values,
    errors: &Errors,
    saved: bool,
    status: StatusCode,
) -> Response {
    let id = l.id();
    let editable = access::can_edit(&ctx.user, &l.stored.summary).is_ok();
    let mut h = "<h1>Informations générales</h1>".to_string();
    if !editable {
        h.push_str(&read_only());
    }
    if saved {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Enregistré",
            "<p>Les informations générales ont été enregistrées.</p>",
        ));
    }
    if !errors.is_empty() {
        let specs: Vec<&Spec> = forms::GENERAL_FIELDS.iter().collect();
        h.push_str(&crate::views::forms::error_summary(&specs, "", errors).into_string());
    }
    h.push_str(&format!(
        "<form method=\"post\" action=\"/rapports/{id}/general\" id=\"form-general\">{}{}<fieldset class=\"fr-fieldset\"{}><legend class=\"fr-fieldset__legend\">Rapport</legend><div class=\"fr-fieldset__element\">{}</div></fieldset>{}</form>",
        csrf_field(&ctx.csrf),
        hidden("revision", &l.stored.summary.revision.to_string()),
        if editable { "" } else { " disabled" },
        crate::views::forms::render_fields(forms::GENERAL_FIELDS, "", values, errors).into_string(),
        if editable { "<button class=\"fr-btn\" type=\"submit\" id=\"bouton-enregistrer\">Enregistrer</button>" } else { "" }
    ));
    let d = l.report.deliberation.clone().unwrap_or_default();
    h.push_str(&format!(
        "<section id=\"{}\" class=\"fr-mt-4w\"><h2>Délibération et transmission</h2>\
         <p>La délibération est enregistrée par le signataire lors de l’adoption du rapport.</p>\
         <ul><li>Numéro : <span id=\"deliberation-numero\">{}</span></li><li>Date : <span id=\"deliberation-date\">{}</span></li><li>Instance : {}</li></ul></section>",
        field_id("deliberation"),
        esc(if d.number.is_empty() { "non renseigné" } else { &d.number }),
        esc(&d.date.map(|d| d.to_french()).unwrap_or_else(|| "non renseignée".into())),
        esc(if d.body.is_empty() { "non renseignée" } else { &d.body }),
    ));
    let mut crumbs = l.crumbs();
    crumbs.push(("Informations générales".into(), None));
    Page::new("Informations générales", Some(ctx), h).crumbs(crumbs).status(status).into_response()
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    pub enregistre: Option<String>,
}

pub async fn general_form(
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
    general_page(
        &ctx,
        &l,
        &edit::general_values(&l.report),
        &Vec::new(),
        q.enregistre.is_some(),
        StatusCode::OK,
    )
}

pub async fn general_save(
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
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
    }
    let Some(revision) = fields.revision() else { return bad_form(&ctx) };
    let patch = match forms::parse(forms::GENERAL_FIELDS, &fields) {
        Ok(p) => p,
        Err(errors) => {
            let values = forms::submitted(forms::GENERAL_FIELDS, &fields);
            return general_page(&ctx, &l, &values, &errors, false, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let result = app
        .store
        .update_report(ctx.user.id, id, EditScope::Whole { expected_revision: revision }, move |current| {
            let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
            let before = general_fragment(&r);
            edit::apply_general(&mut r, &patch);
            Ok(Edit {
                text: bilan_source::to_toml(&r),
                audit_action: "rapport.general".into(),
                audit_target: "informations générales".into(),
                before,
                after: general_fragment(&r),
                actions: edit::action_numbers(&r),
            })
        })
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/rapports/{id}/general?enregistre=1")).into_response(),
        Err(StoreError::Conflict { current_text, current_revision }) => {
            let current = report::parse_text(&current_text).map(|r| edit::general_values(&r));
            conflict_page(
                &ctx,
                &l,
                Conflict {
                    csrf: &ctx.csrf,
                    title: "Informations générales".into(),
                    specs: forms::GENERAL_FIELDS.iter().collect(),
                    submitted: forms::submitted(forms::GENERAL_FIELDS, &fields),
                    current,
                    current_revision,
                    form_url: format!("/rapports/{id}/general"),
                },
            )
        }
        Err(e) => store_error(&ctx, e),
    }
}

pub(crate) fn general_fragment(r: &Report) -> Option<String> {
    Some(format!(
        "titre = {:?}\necheance = {:?}\nconvention = {:?}",
        r.title,
        r.deadline.map(|d| d.iso()).unwrap_or_default(),
        r.convention.title
    ))
}

pub(crate) fn bad_form(ctx: &Ctx) -> Response {
    crate::views::layout::error_page(
        StatusCode::BAD_REQUEST,
        Some(ctx),
        "Formulaire incomplet",
        "<p>Le formulaire envoyé est incomplet (révision manquante) : rechargez la page et recommencez. Rien n’a été modifié.</p>",
    )
}

// ----- action form -----

#[allow(unused_imports)]
pub(crate) use super::action::*;

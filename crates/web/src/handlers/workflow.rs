//! The workflow, Département side: brouillon → adopté (deliberation number and date) →
//! transmis; adopté → brouillon to correct. Transmission is refused while errors remain or
//! warnings lack a justification; a transmitted report is frozen by the store. The State's
//! two decisions (send back with a reason, which becomes a comment; approve with an
//! optional observation) are here too; their forms are on the review page (`review.rs`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use bilan_check::Diagnostic;
use bilan_domain::{Date, Deliberation};
use bilan_store::{Justification, Status, StoreError, StoredReport, Transition};

use crate::handlers::reports::rid;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::edit;
use crate::service::forms::Fields;
use crate::service::report::{self, Loaded};
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, error_page, esc, not_found, Page};
use crate::AppState;

/// The workflow block of the overview, by role and status.
pub fn panel(ctx: &Ctx, l: &Loaded, blocking: usize) -> String {
    let id = l.id();
    let s = &l.stored.summary;
    let csrf = csrf_field(&ctx.csrf);
    let mut h = String::from("<section id=\"circuit\" class=\"fr-mb-3w\"><h2>Circuit de validation</h2>");
    let steps = "<p>Brouillon → adopté par délibération → transmis au préfet → approuvé (ou renvoyé pour correction).</p>";
    h.push_str(steps);
    let sign = access::can_sign(&ctx.user).is_ok() && access::can_justify(&ctx.user, s).is_ok();
    if sign {
        match s.status {
            Status::Draft | Status::SentBack => {
                h.push_str(&format!(
                    "<form method=\"post\" action=\"/rapports/{id}/adopter\" id=\"form-adopter\">{csrf}\
                     <fieldset class=\"fr-fieldset\"><legend class=\"fr-fieldset__legend\">Adopter le rapport</legend>\
                     <div class=\"fr-fieldset__element\"><div class=\"fr-input-group\"><label class=\"fr-label\" for=\"deliberation_numero\">Numéro de la délibération</label>\
                     <input class=\"fr-input\" type=\"text\" id=\"deliberation_numero\" name=\"deliberation_numero\" required></div></div>\
                     <div class=\"fr-fieldset__element\"><div class=\"fr-input-group\"><label class=\"fr-label\" for=\"deliberation_date\">Date de la délibération<span class=\"fr-hint-text\">Format : 2020-06-30</span></label>\
                     <input class=\"fr-input\" type=\"date\" id=\"deliberation_date\" name=\"deliberation_date\" required></div></div>\
                     <div class=\"fr-fieldset__element\"><div class=\"fr-input-group\"><label class=\"fr-label\" for=\"deliberation_instance\">Instance<span class=\"fr-hint-text\">Assemblée départementale ou commission permanente</span></label>\
                     <input class=\"fr-input\" type=\"text\" id=\"deliberation_instance\" name=\"deliberation_instance\"></div></div></fieldset>\
                     <button class=\"fr-btn\" type=\"submit\" id=\"bouton-adopter\">Enregistrer l’adoption</button></form>"
                ));
            }
            Status::Adopted => {
                let note = if blocking > 0 {
                    format!(
                        "<p id=\"transmission-bloquee\">{blocking} point(s) bloquent la transmission : corrigez les erreurs et justifiez les avertissements (remettez le rapport en brouillon pour le corriger).</p>"
                    )
                } else {
                    "<p id=\"transmission-possible\">Aucun point bloquant : le rapport peut être transmis.</p>".to_string()
                };
                h.push_str(&note);
                h.push_str(&format!(
                    "<ul class=\"fr-btns-group fr-btns-group--inline-md\"><li><form method=\"post\" action=\"/rapports/{id}/transmettre\" id=\"form-transmettre\">{csrf}\
                     <button class=\"fr-btn\" type=\"submit\" id=\"bouton-transmettre\">Transmettre au préfet</button></form></li>\
                     <li><form method=\"post\" action=\"/rapports/{id}/brouillon\" id=\"form-brouillon\">{csrf}\
                     <button class=\"fr-btn fr-btn--secondary\" type=\"submit\" id=\"bouton-brouillon\">Remettre en brouillon</button></form></li></ul>"
                ));
            }
            _ => {}
        }
    }
    if ctx.user.role.is_state() {
        let verb = if access::can_review(&ctx.user).is_ok() && s.status == Status::Transmitted {
            "Examiner le rapport (commentaires, renvoi ou approbation)"
        } else {
            "Page de revue"
        };
        h.push_str(&format!(
            "<p><a class=\"fr-btn\" href=\"/rapports/{id}/revue\" id=\"lien-revue\">{verb}</a></p>"
        ));
    }
    h.push_str("</section>");
    h
}

async fn load_for_signatory(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, Response> {
    let Some(id) = rid(id) else { return Err(not_found(Some(ctx))) };
    let l = report::load(app, ctx, id).await?;
    if let Err(m) = access::can_sign(&ctx.user) {
        return Err(crate::http::session::refused(ctx, m));
    }
    Ok(l)
}

fn refusal(ctx: &Ctx, l: &Loaded, title: &str, body: &str, status: StatusCode) -> Response {
    let h = format!(
        "<h1 id=\"titre-refus\">{}</h1>{}<p><a class=\"fr-link\" href=\"/rapports/{}\">Retour au rapport</a></p>",
        esc(title),
        body,
        l.id()
    );
    Page::new(title, Some(ctx), h).crumbs(l.crumbs()).status(status).into_response()
}

pub async fn adopt(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let l = match load_for_signatory(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let s = l.stored.summary.clone();
    if !matches!(s.status, Status::Draft | Status::SentBack) {
        return refusal(
            &ctx,
            &l,
            "Adoption impossible",
            "<p>Seul un rapport en brouillon ou à corriger peut être adopté.</p>",
            StatusCode::CONFLICT,
        );
    }
    let number = fields.text("deliberation_numero").trim().to_string();
    let body = fields.text("deliberation_instance").trim().to_string();
    let date = Date::parse(fields.get("deliberation_date").unwrap_or(""));
    let mut problems = Vec::new();
    if number.is_empty() {
        problems.push("le numéro de la délibération est obligatoire".to_string());
    }
    if number.chars().count() > 100 || body.chars().count() > 200 {
        problems.push("numéro ou instance trop long".to_string());
    }
    let date = match date {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(format!("date de la délibération : {e}"));
            None
        }
    };
    if let (Some(d), Some(today)) = (date, crate::time::today()) {
        if d > today {
            problems.push("la date de la délibération est dans le futur".to_string());
        }
    }
    let Some(date) = date.filter(|_| problems.is_empty()) else {
        let items: String = problems.iter().map(|p| format!("<li>{}</li>", esc(p))).collect();
        return refusal(
            &ctx,
            &l,
            "Adoption refusée",
            &alert(
                "error",
                "erreurs-adoption",
                "La délibération est incomplète : rien n’a été enregistré",
                &format!("<ul>{items}</ul>"),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    // The deliberation goes into the report text (documents print it) and the columns, with
    // the status, in one transaction.
    let mut t = Transition::new(s.status, Status::Adopted, "adoption");
    t.deliberation = Some((number.clone(), date.iso()));
    let gate = move |current: &StoredReport, _: &[Justification]| {
        let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
        let body = if body.is_empty() {
            r.deliberation.as_ref().map(|d| d.body.clone()).unwrap_or_default()
        } else {
            body
        };
        r.deliberation = Some(Deliberation { number, date: Some(date), body });
        Ok(Some(bilan_source::to_toml(&r)))
    };
    match app.store.transition(ctx.user.id, l.id(), t, gate).await {
        Ok(_) => Redirect::to(&format!("/rapports/{}", l.id())).into_response(),
        Err(e) => store_error(&ctx, e),
    }
}

pub async fn back_to_draft(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let l = match load_for_signatory(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if l.stored.summary.status != Status::Adopted {
        return refusal(
            &ctx,
            &l,
            "Opération impossible",
            "<p>Seul un rapport adopté peut être remis en brouillon.</p>",
            StatusCode::CONFLICT,
        );
    }
    // The deliberation no longer holds: it leaves the columns and the text together.
    let t = Transition::new(Status::Adopted, Status::Draft, "remise en brouillon");
    let gate = |current: &StoredReport, _: &[Justification]| {
        let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
        Ok(r.deliberation.take().map(|_| bilan_source::to_toml(&r)))
    };
    match app.store.transition(ctx.user.id, l.id(), t, gate).await {
        Ok(_) => Redirect::to(&format!("/rapports/{}", l.id())).into_response(),
        Err(e) => store_error(&ctx, e),
    }
}

pub async fn transmit(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let l = match load_for_signatory(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if l.stored.summary.status != Status::Adopted {
        return refusal(
            &ctx,
            &l,
            "Transmission refusée",
            "<p id=\"motif-refus\">Le rapport doit d’abord être adopté par délibération (numéro et date) avant d’être transmis.</p>",
            StatusCode::CONFLICT,
        );
    }
    // Last year's report is another row: read before. The text, the justifications and
    // the status are read and changed in one transaction, so nothing slips in between the
    // check and the freeze.
    let previous = report::previous_year(&app, &l.report).await;
    let mut blocking: Vec<Diagnostic> = Vec::new();
    let found = &mut blocking;
    let gate = move |current: &StoredReport, js: &[Justification]| {
        let r = report::parse_text(&current.text).ok_or("rapport illisible")?;
        let diags = bilan_check::check_with(&r, bilan_check::Context { previous: previous.as_ref() });
        let justified = report::justified_keys(js);
        *found = report::blocking(&diags, &justified).into_iter().cloned().collect();
        if found.is_empty() {
            Ok(None)
        } else {
            Err("transmission bloquée".to_string())
        }
    };
    let t = Transition::new(Status::Adopted, Status::Transmitted, "transmission");
    match app.store.transition(ctx.user.id, l.id(), t, gate).await {
        Ok(_) => Redirect::to(&format!("/rapports/{}", l.id())).into_response(),
        Err(StoreError::Rejected(_)) if !blocking.is_empty() => {
            let errors = blocking.iter().filter(|d| d.severity == bilan_check::Severity::Error).count();
            let warnings = blocking.len() - errors;
            let mut items = String::new();
            for d in &blocking {
                items.push_str(&format!(
                    "<li data-code=\"{}\">{} {} : {} – <a href=\"{}\">aller au champ</a></li>",
                    esc(d.code),
                    esc(d.severity.label()),
                    esc(d.code),
                    esc(&d.message),
                    esc(&edit::link_for(l.id(), &l.report, &d.path))
                ));
            }
            refusal(
                &ctx,
                &l,
                "Transmission refusée",
                &format!(
                    "<p id=\"motif-refus\">Le rapport ne peut pas être transmis : {errors} erreur(s) à corriger et {warnings} avertissement(s) sans justification. \
                     Rien n’a été transmis.</p><ul id=\"liste-bloquants\">{items}</ul>\
                     <p><a class=\"fr-link\" href=\"/rapports/{}/diagnostics\">Ouvrir les diagnostics</a></p>",
                    l.id()
                ),
                StatusCode::CONFLICT,
            )
        }
        Err(e) => store_error(&ctx, e),
    }
}

async fn load_for_reviewer(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, Response> {
    let Some(id) = rid(id) else { return Err(not_found(Some(ctx))) };
    let l = report::load(app, ctx, id).await?;
    if let Err(m) = access::can_review(&ctx.user) {
        return Err(crate::http::session::refused(ctx, m));
    }
    if l.stored.summary.status != Status::Transmitted {
        return Err(error_page(
            StatusCode::CONFLICT,
            Some(ctx),
            "Opération impossible",
            "<p>Seul un rapport transmis peut être renvoyé ou approuvé.</p>",
        ));
    }
    Ok(l)
}

pub async fn send_back(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let l = match load_for_reviewer(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let reason = fields.text("motif").trim().to_string();
    // 3 900: the reason becomes a comment « Motif du renvoi : … » of at most 4 000.
    if reason.is_empty() || reason.chars().count() > 3900 {
        return refusal(
            &ctx,
            &l,
            "Motif requis",
            "<p>Indiquez le motif du renvoi (3 900 caractères au plus). Rien n’a été modifié.</p>",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    // The reason is also a comment on the version sent back, written with the status
    // change: the Département reads it with the other remarks on its overview.
    let mut t = Transition::new(Status::Transmitted, Status::SentBack, format!("renvoi : {reason}"));
    t.comment = Some(format!("Motif du renvoi : {reason}"));
    if let Err(e) = app.store.transition(ctx.user.id, l.id(), t, |_, _| Ok(None)).await {
        return store_error(&ctx, e);
    }
    // The reviewer no longer sees a report sent back: back to the queue.
    Redirect::to("/revue?renvoye=1").into_response()
}

pub async fn approve(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    let l = match load_for_reviewer(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let note = fields.text("observation").trim().to_string();
    if note.chars().count() > 4000 {
        return refusal(
            &ctx,
            &l,
            "Observation trop longue",
            "<p>L’observation dépasse 4 000 caractères. Rien n’a été modifié.</p>",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let reason = if note.is_empty() { "approbation".to_string() } else { format!("approbation : {note}") };
    match app
        .store
        .set_status(ctx.user.id, l.id(), Status::Transmitted, Status::Approved, &reason, None)
        .await
    {
        Ok(_) => Redirect::to(&format!("/rapports/{}/revue", l.id())).into_response(),
        Err(e) => store_error(&ctx, e),
    }
}

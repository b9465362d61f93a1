//! Next year's credits of a report: the reviewer enters the convention's State amount for
//! N+1 and accepts or refuses each carry-over line; `bilan-consolidate` computes and
//! explains the delegation; the note is shown, and downloadable as ODT (and PDF when
//! built with the `pdf` feature).

use bilan_consolidate::{compute_credits, CreditRules, CreditsNote, Decision, Decisions, LineKey};
use bilan_domain::Money;
use bilan_store::{CreditChoice, StoreError};

use crate::service::report::Loaded;
use crate::AppState;

/// The reviewer's inputs as stored: the N+1 amount (if entered) and the decisions.
pub struct CreditInputs {
    pub amount: Option<Money>,
    pub decisions: Decisions,
    /// (action, line) → reason given with the decision.
    pub reasons: std::collections::BTreeMap<LineKey, String>,
    /// The revision of the credits form, for the optimistic lock.
    pub revision: i64,
    /// Who last wrote the credits (the note's instructor), if anyone did.
    pub instructor: Option<String>,
}

pub async fn inputs(app: &AppState, report_id: i64) -> Result<CreditInputs, StoreError> {
    let amount = app.store.next_year_amount(report_id).await?.map(Money::from_cents);
    let mut decisions = Decisions::new();
    let mut reasons = std::collections::BTreeMap::new();
    for d in app.store.credit_decisions(report_id).await? {
        let key = LineKey::new(&d.action, &d.line);
        decisions.insert(key.clone(), if d.accept { Decision::Accept } else { Decision::Refuse });
        reasons.insert(key, d.reason);
    }
    let revision = app.store.credits_revision(report_id).await?.ok_or(StoreError::NotFound)?;
    let instructor = app.store.credits_instructor(report_id).await?;
    Ok(CreditInputs { amount, decisions, reasons, revision, instructor })
}

/// The note of a report with the stored inputs; `None` until the N+1 amount is entered.
pub async fn note_for(app: &AppState, l: &Loaded) -> Result<Option<CreditsNote>, StoreError> {
    Ok(note_with(l, &inputs(app, l.id()).await?))
}

fn note_with(l: &Loaded, i: &CreditInputs) -> Option<CreditsNote> {
    i.amount
        .map(|amount| compute_credits(&l.report, amount, &i.decisions, &CreditRules::for_report(&l.report)))
}

// ----- page -----

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bilan_store::{Role, Status};

use crate::handlers::reports::rid;
use crate::policy::Ctx;
use crate::service::forms::Fields;
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, esc, not_found, Page};

/// Who sees the credits of a report: the State's reviewers and readers while it is
/// transmitted or approved; the Département once it is approved (to check the note).
fn may_see_credits(ctx: &Ctx, l: &Loaded) -> Result<(), &'static str> {
    let status = l.stored.summary.status;
    match ctx.user.role {
        r if r.is_state() => Ok(()),
        Role::DepartmentEditor | Role::DepartmentSignatory if status == Status::Approved => Ok(()),
        _ => {
            Err("La note de calcul des crédits est communiquée au Département une fois le rapport approuvé.")
        }
    }
}

fn may_decide(ctx: &Ctx, l: &Loaded) -> bool {
    crate::policy::access::can_review(&ctx.user).is_ok()
        && matches!(l.stored.summary.status, Status::Transmitted | Status::Approved)
}

async fn load(app: &AppState, ctx: &Ctx, id: &str) -> Result<Loaded, Response> {
    let Some(id) = rid(id) else { return Err(not_found(Some(ctx))) };
    let l = crate::service::report::load(app, ctx, id).await?;
    if let Err(m) = may_see_credits(ctx, &l) {
        return Err(crate::http::session::refused(ctx, m));
    }
    Ok(l)
}

/// The note's header facts. The instructor is the State agent who entered the credits,
/// never whoever happens to read the note.
pub fn meta(l: &Loaded, inputs: &CreditInputs) -> bilan_render::NoteMeta {
    let reviewer = inputs.instructor.as_deref().unwrap_or("—");
    let s = &l.stored.summary;
    bilan_render::NoteMeta {
        department_name: bilan_domain::geo::department_label(&s.department),
        year: s.year,
        programme_name: crate::service::consolidation::programme_name(&s.programme),
        version: s.version,
        approved_at: (s.status == Status::Approved).then(|| crate::time::french_datetime(&s.updated_at)),
        reviewer: reviewer.to_string(),
        generated_at: crate::time::french_datetime(&bilan_store::time::now()),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct CreditsQuery {
    pub enregistre: Option<String>,
}

pub async fn page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CreditsQuery>,
) -> Response {
    let l = match load(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let inputs = match inputs(&app, l.id()).await {
        Ok(i) => i,
        Err(e) => return store_error(&ctx, e),
    };
    render_page(&ctx, &l, &inputs, q.enregistre.is_some(), None, StatusCode::OK)
}

fn render_page(
    ctx: &Ctx,
    l: &Loaded,
    inputs: &CreditInputs,
    saved: bool,
    errors: Option<&[String]>,
    status: StatusCode,
) -> Response {
    let id = l.id();
    let s = &l.stored.summary;
    let next = s.year + 1;
    let rules = CreditRules::for_report(&l.report);
    // The carry-over lines, from a computation with the stored decisions.
    let preview = compute_credits(&l.report, inputs.amount.unwrap_or(Money::ZERO), &inputs.decisions, &rules);
    let mut h = format!(
        "<h1 id=\"titre-credits\">Crédits {next} – {}</h1><p>Calcul des crédits délégués par l’État pour {next} à partir du rapport d’exécution {} (version {}, {}).</p>",
        esc(&bilan_domain::geo::department_label(&s.department)),
        s.year,
        s.version,
        esc(crate::views::layout::status_label(s.status)),
    );
    if saved {
        h.push_str(&alert(
            "success",
            "enregistre",
            "Enregistré",
            "<p>Le montant et les décisions ont été enregistrés.</p>",
        ));
    }
    if let Some(errs) = errors {
        let items: String = errs.iter().map(|e| format!("<li>{}</li>", esc(e))).collect();
        h.push_str(&alert(
            "error",
            "erreurs-formulaire",
            "Rien n’a été enregistré",
            &format!("<ul>{items}</ul>"),
        ));
    }
    if s.status != Status::Approved {
        h.push_str(&alert(
            "info",
            "calcul-provisoire",
            "Calcul provisoire",
            "<p>Le rapport n’est pas encore approuvé : la note devient définitive après l’approbation.</p>",
        ));
    }
    h.push_str(&format!("<p id=\"regles\">{}</p>", esc(&rules.describe())));
    if may_decide(ctx, l) {
        h.push_str(&decision_form(ctx, l, inputs, &preview));
    }
    match inputs.amount {
        None => h.push_str(&format!(
            "<p id=\"note-absente\" class=\"fr-mt-3w\">Le montant État {next} de la convention n’est pas encore saisi : la note sera calculée ensuite.</p>"
        )),
        Some(_) => {
            h.push_str(&bilan_render::credits_note_html(&preview, &meta(l, inputs)));
            h.push_str(&format!(
                "<ul class=\"fr-btns-group fr-btns-group--inline-md\" id=\"telechargements-note\">\
                 <li><a class=\"fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left\" id=\"telecharger-note-odt\" href=\"/rapports/{id}/credits/note.odt\" download>Note de calcul (ODT)</a></li>\
                 <li><a class=\"fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left\" id=\"telecharger-note-pdf\" href=\"/rapports/{id}/credits/note.pdf\" download>Note de calcul (PDF)</a></li></ul>"
            ));
        }
    }
    let crumbs = vec![
        ("Mes rapports".to_string(), Some("/rapports".to_string())),
        (l.label(), Some(format!("/rapports/{id}"))),
        (format!("Crédits {next}"), None),
    ];
    Page::new(format!("Crédits {next} – {}", l.label()), Some(ctx), h)
        .crumbs(crumbs)
        .status(status)
        .into_response()
}

fn decision_form(ctx: &Ctx, l: &Loaded, inputs: &CreditInputs, preview: &CreditsNote) -> String {
    let id = l.id();
    let next = l.stored.summary.year + 1;
    let amount = inputs.amount.map(|m| m.to_french()).unwrap_or_default();
    let mut rows = String::new();
    let mut k = 0usize;
    for line in &preview.lines {
        for c in &line.carry_overs {
            let decision = inputs.decisions.get(&c.key).copied();
            let reason = inputs.reasons.get(&c.key).cloned().unwrap_or_default();
            let radio = |value: &str, label: &str, checked: bool| {
                // An empty value id would end in "-": name it.
                let value_id = if value.is_empty() { "aucune" } else { value };
                format!(
                    "<div class=\"fr-fieldset__element fr-mb-0\"><div class=\"fr-radio-group fr-radio-group--sm\"><input type=\"radio\" id=\"decision-{k}-{value_id}\" name=\"decision-{k}\" value=\"{value}\"{}>\
                     <label class=\"fr-label\" for=\"decision-{k}-{value_id}\">{label}</label></div></div>",
                    if checked { " checked" } else { "" }
                )
            };
            let hidden_keys = crate::views::layout::hidden(&format!("action-{k}"), &c.key.action)
                + &crate::views::layout::hidden(&format!("ligne-{k}"), &c.key.line);
            rows.push_str(&format!(
                "<tr id=\"report-{k}\" data-action=\"{action}\" data-ligne=\"{line}\"><th scope=\"row\">{action} – {label}{hidden}</th><td class=\"montant\">{req}</td><td class=\"montant\">{part}</td>\
                 <td><fieldset class=\"fr-fieldset fr-mb-0\"><legend class=\"fr-sr-only\">Décision sur le report {label}</legend>{a}{r}{n}</fieldset></td>\
                 <td><label class=\"fr-sr-only\" for=\"motif-{k}\">Motif de la décision sur {label}</label><input class=\"fr-input\" id=\"motif-{k}\" name=\"motif-{k}\" value=\"{reason}\" maxlength=\"1000\"></td></tr>",
                action = esc(&c.key.action),
                line = esc(&c.key.line),
                label = esc(&c.label),
                hidden = hidden_keys,
                req = esc(&c.requested.to_french()),
                part = esc(&c.state_part_capped.to_french()),
                a = radio("accepte", "Accepté", decision == Some(Decision::Accept)),
                r = radio("refuse", "Refusé", decision == Some(Decision::Refuse)),
                n = radio("", "Sans décision", decision.is_none()),
                reason = esc(&reason),
            ));
            k += 1;
        }
    }
    let table = if rows.is_empty() {
        "<p id=\"aucun-report\">Le rapport ne demande aucun report de crédits.</p>".to_string()
    } else {
        format!(
            "<div class=\"fr-table\"><table id=\"table-reports\"><caption>Reports demandés, ligne par ligne</caption><thead><tr>\
             <th scope=\"col\">Ligne</th><th scope=\"col\">Report demandé</th><th scope=\"col\">Part État (plafonnée)</th><th scope=\"col\">Décision</th><th scope=\"col\">Motif</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    format!(
        "<form method=\"post\" action=\"/rapports/{id}/credits\" id=\"form-credits\">{csrf}{count}{revision}\
         <div class=\"fr-input-group\"><label class=\"fr-label\" for=\"montant_etat\">Montant État {next} prévu par la convention<span class=\"fr-hint-text\">En euros, par exemple 450 000 ou 450 000,00 €</span></label>\
         <input class=\"fr-input\" id=\"montant_etat\" name=\"montant_etat\" value=\"{amount}\" required inputmode=\"decimal\"></div>{table}\
         <button class=\"fr-btn\" type=\"submit\" id=\"bouton-credits\">Enregistrer et calculer</button></form>",
        csrf = csrf_field(&ctx.csrf),
        count = crate::views::layout::hidden("lignes", &k.to_string()),
        revision = crate::views::layout::hidden("revision", &inputs.revision.to_string()),
        amount = esc(&amount),
    )
}

pub async fn save(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>, fields: Fields) -> Response {
    let l = match load(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if !may_decide(&ctx, &l) {
        return crate::http::session::refused(
            &ctx,
            "Seuls les services de l’État (préfecture, région) décident des crédits d’un rapport transmis ou approuvé.",
        );
    }
    let mut errors = Vec::new();
    // A form without its revision (an old page) is treated as stale.
    let expected: i64 = fields.text("revision").trim().parse().unwrap_or(0);
    let amount = match Money::parse(fields.text("montant_etat").trim()) {
        Ok(m) if m.cents() >= 0 => Some(m),
        Ok(_) => {
            errors.push("Le montant État ne peut pas être négatif.".to_string());
            None
        }
        Err(e) => {
            errors.push(format!("Montant État : {e}."));
            None
        }
    };
    // The lines offered by the form must still be carry-over lines of the report.
    let rules = CreditRules::for_report(&l.report);
    let preview = compute_credits(&l.report, Money::ZERO, &Decisions::new(), &rules);
    let known: std::collections::BTreeSet<LineKey> =
        preview.lines.iter().flat_map(|x| x.carry_overs.iter().map(|c| c.key.clone())).collect();
    let n: usize = fields.text("lignes").parse().unwrap_or(0).min(10_000);
    let mut decisions = Vec::new();
    for k in 0..n {
        let key = LineKey::new(&fields.text(&format!("action-{k}")), &fields.text(&format!("ligne-{k}")));
        if !known.contains(&key) {
            errors.push(format!(
                "La ligne {key} n’est plus une ligne de report du rapport : rechargez la page."
            ));
            continue;
        }
        let accept = match fields.text(&format!("decision-{k}")).as_str() {
            "accepte" => Some(true),
            "refuse" => Some(false),
            "" => None,
            other => {
                errors.push(format!("Décision inconnue « {other} » pour la ligne {key}."));
                continue;
            }
        };
        let reason = fields.text(&format!("motif-{k}")).trim().to_string();
        if reason.chars().count() > 1000 {
            errors.push(format!("Le motif de la ligne {key} dépasse 1 000 caractères."));
            continue;
        }
        decisions.push((key, accept, reason));
    }
    let Some(amount) = amount.filter(|_| errors.is_empty()) else {
        let mut inputs = match inputs(&app, l.id()).await {
            Ok(i) => i,
            Err(e) => return store_error(&ctx, e),
        };
        // Show what was typed for the decisions; the amount stays the stored one.
        for (key, accept, reason) in &decisions {
            match accept {
                Some(true) => inputs.decisions.insert(key.clone(), Decision::Accept),
                Some(false) => inputs.decisions.insert(key.clone(), Decision::Refuse),
                None => inputs.decisions.remove(key),
            };
            inputs.reasons.insert(key.clone(), reason.clone());
        }
        return render_page(&ctx, &l, &inputs, false, Some(&errors), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let choices: Vec<CreditChoice> = decisions
        .into_iter()
        .map(|(key, accept, reason)| CreditChoice { action: key.action, line: key.line, accept, reason })
        .collect();
    match app.store.save_credits(ctx.user.id, l.id(), expected, amount.cents(), &choices).await {
        Ok(_) => Redirect::to(&format!("/rapports/{}/credits?enregistre=1", l.id())).into_response(),
        Err(StoreError::Conflict { .. }) => {
            // Another reviewer saved first: show what is stored now, write nothing.
            let inputs = match inputs(&app, l.id()).await {
                Ok(i) => i,
                Err(e) => return store_error(&ctx, e),
            };
            let errors = ["Un autre agent a enregistré les crédits de ce rapport depuis que vous avez ouvert la page : \
                           votre saisie n’a pas été enregistrée. Les valeurs ci-dessous sont les valeurs actuelles ; \
                           reprenez votre saisie si elle reste nécessaire."
                .to_string()];
            render_page(&ctx, &l, &inputs, false, Some(&errors), StatusCode::CONFLICT)
        }
        Err(e) => store_error(&ctx, e),
    }
}

pub async fn note_download(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, format)): Path<(String, String)>,
) -> Response {
    let l = match load(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let inputs = match inputs(&app, l.id()).await {
        Ok(i) => i,
        Err(e) => return store_error(&ctx, e),
    };
    let note = match note_with(&l, &inputs) {
        Some(n) => n,
        None => {
            return crate::views::layout::error_page(
                StatusCode::NOT_FOUND,
                Some(&ctx),
                "Note indisponible",
                "<p id=\"message-erreur\">Le montant État de l’année suivante n’est pas encore saisi : la note n’existe pas encore.</p>",
            )
        }
    };
    let s = &l.stored.summary;
    let file = format!("note-credits-{}-{}-v{}.{format}", s.department, s.year + 1, s.version);
    let meta = meta(&l, &inputs);
    match format.as_str() {
        "odt" => crate::handlers::files::attachment(
            "application/vnd.oasis.opendocument.text",
            &file,
            bilan_render::credits_note_odt(&note, &meta),
        ),
        "pdf" => note_pdf(&ctx, &note, &meta, &file).await,
        _ => not_found(Some(&ctx)),
    }
}

#[cfg(feature = "pdf")]
async fn note_pdf(ctx: &Ctx, note: &CreditsNote, meta: &bilan_render::NoteMeta, file: &str) -> Response {
    let (note, meta) = (note.clone(), meta.clone());
    match tokio::task::spawn_blocking(move || bilan_pdf::credits_note_pdf(&note, &meta)).await {
        Ok(Ok(bytes)) => crate::handlers::files::attachment("application/pdf", file, bytes),
        Ok(Err(e)) => crate::views::layout::internal_error(Some(ctx), &e),
        Err(e) => crate::views::layout::internal_error(Some(ctx), &e),
    }
}

#[cfg(not(feature = "pdf"))]
async fn note_pdf(ctx: &Ctx, _: &CreditsNote, _: &bilan_render::NoteMeta, _: &str) -> Response {
    crate::views::layout::error_page(
        StatusCode::NOT_IMPLEMENTED,
        Some(ctx),
        "PDF indisponible",
        "<p>Cette installation de bilan a été compilée sans la production de PDF (option <code>--features pdf</code>). \
         Téléchargez la note au format ODT.</p>",
    )
}

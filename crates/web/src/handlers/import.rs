//! Uploads: a report's TOML file (replaces the whole report after checks) or its financial
//! annex as XLSX/ODS (rows mapped back to expense lines by action number and label, in the
//! layout `bilan-sheets` writes). Any error changes nothing and is shown in French, at the
//! line and column of the file or the sheet and cell (« Annexe financière!G12 »).
//!
//! Every file is read and checked *before* the write transaction, with bounded work (the
//! annex by `bilan_sheets::read`, whose limits are the upload policy; a TOML file is at
//! most [`TOML_LIMIT`]); the closure given to the store only returns the prepared edit,
//! and the store checks the revision.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bilan_domain::Report;
use bilan_store::{Edit, EditScope, StoreError};

use crate::handlers::reports::rid;
use crate::http::session::multipart_parts;
use crate::policy::access;
use crate::policy::Ctx;
use crate::service::edit;
use crate::service::report::{self, Loaded};
use crate::views::layout::store_error;
use crate::views::layout::{alert, csrf_field, esc, hidden, not_found, Page};
use crate::AppState;

/// The largest report file accepted: the largest real report is under 100 KB. Parsing
/// keeps the whole document and its spans in memory, so the bound matters.
pub const TOML_LIMIT: usize = 1024 * 1024;

pub async fn import_page(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::http::session::refused(&ctx, m);
    }
    let revision = l.stored.summary.revision.to_string();
    let limit = app.options.upload_limit.min(bilan_sheets::read::LIMITS.max_file) / (1024 * 1024);
    let toml_limit = app.options.upload_limit.min(TOML_LIMIT) / (1024 * 1024);
    let h = format!(
        "<h1>Importer un fichier</h1>\
         <section class=\"fr-mb-4w\"><h2>Fichier du rapport (TOML)</h2>\
         <p>Le fichier remplace tout le contenu du rapport. Il doit concerner le même Département et la même année. Taille maximale : {toml_limit} Mo.</p>\
         <form method=\"post\" action=\"/rapports/{id}/import/toml\" enctype=\"multipart/form-data\" id=\"form-import-toml\">{csrf}{rev}\
         <div class=\"fr-upload-group fr-mb-2w\"><label class=\"fr-label\" for=\"fichier-toml\">Fichier TOML<span class=\"fr-hint-text\">Format .toml, tel que produit par « bilan new » ou téléchargé depuis bilan</span></label>\
         <input class=\"fr-upload\" type=\"file\" id=\"fichier-toml\" name=\"fichier\" accept=\".toml,text/plain\" required></div>\
         <button class=\"fr-btn\" type=\"submit\" id=\"bouton-import-toml\">Importer le rapport</button></form></section>\
         <section><h2>Annexe financière (XLSX ou ODS)</h2>\
         <p>Les montants (inscrit, réalisé, à reporter) et les commentaires des lignes sont mis à jour, ligne par ligne, d’après le numéro d’action et le libellé de la dépense, \
         dans la disposition de l’annexe téléchargée depuis bilan. Taille maximale : {limit} Mo.</p>\
         <form method=\"post\" action=\"/rapports/{id}/import/annexe\" enctype=\"multipart/form-data\" id=\"form-import-annexe\">{csrf}{rev}\
         <div class=\"fr-upload-group fr-mb-2w\"><label class=\"fr-label\" for=\"fichier-annexe\">Classeur de l’annexe<span class=\"fr-hint-text\">Formats .xlsx ou .ods</span></label>\
         <input class=\"fr-upload\" type=\"file\" id=\"fichier-annexe\" name=\"fichier\" accept=\".xlsx,.ods\" required></div>\
         <button class=\"fr-btn\" type=\"submit\" id=\"bouton-import-annexe\">Importer l’annexe</button></form></section>",
        csrf = csrf_field(&ctx.csrf),
        rev = hidden("revision", &revision),
    );
    let mut crumbs = l.crumbs();
    crumbs.push(("Importer".into(), None));
    Page::new("Importer un fichier", Some(&ctx), h).crumbs(crumbs).into_response()
}

/// What an upload form carries.
struct Upload {
    revision: Option<i64>,
    file: Option<(String, Bytes)>,
}

async fn read_upload(headers: &HeaderMap, body: Bytes) -> Result<Upload, String> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parts = multipart_parts(ct, body).await?;
    let mut up = Upload { revision: None, file: None };
    for p in parts {
        match p.name.as_str() {
            "revision" => up.revision = String::from_utf8_lossy(&p.data).trim().parse().ok(),
            "fichier" if !p.data.is_empty() => up.file = Some((p.file_name.unwrap_or_default(), p.data)),
            _ => {}
        }
    }
    Ok(up)
}

fn failure(ctx: &Ctx, l: &Loaded, title: &str, errors: &[String], status: StatusCode) -> Response {
    let items: String = errors.iter().take(200).map(|e| format!("<li>{}</li>", esc(e))).collect();
    let more = if errors.len() > 200 {
        format!("<p>… et {} autres erreurs.</p>", errors.len() - 200)
    } else {
        String::new()
    };
    let h = format!(
        "<h1 id=\"titre-import\">{}</h1>{}<p><a class=\"fr-link\" href=\"/rapports/{}/import\">Revenir à l’import</a> · <a class=\"fr-link\" href=\"/rapports/{}\">Revenir au rapport</a></p>",
        esc(title),
        alert("error", "erreurs-import", "Le fichier a été refusé : rien n’a été modifié", &format!("<ul id=\"liste-erreurs-import\">{items}</ul>{more}")),
        l.id(),
        l.id()
    );
    Page::new(title, Some(ctx), h).crumbs(l.crumbs()).status(status).into_response()
}

fn success(ctx: &Ctx, l: &Loaded, title: &str, summary: &str, report: &Report) -> Response {
    let diags = bilan_check::check(report);
    let (e, w, i) = bilan_check::counts(&diags);
    let h = format!(
        "<h1 id=\"titre-import\">{}</h1>{}<p id=\"resume-diagnostics\">Après import : {e} erreur(s), {w} avertissement(s), {i} information(s).</p>\
         <ul class=\"fr-btns-group fr-btns-group--inline-md\"><li><a class=\"fr-btn\" href=\"/rapports/{id}\">Voir le rapport</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary\" href=\"/rapports/{id}/diagnostics\">Voir les diagnostics</a></li>\
         <li><a class=\"fr-btn fr-btn--secondary\" href=\"/rapports/{id}/annexe\">Voir l’annexe</a></li></ul>",
        esc(title),
        alert("success", "import-reussi", "Import réussi", &format!("<p>{}</p>", esc(summary))),
        id = l.id()
    );
    Page::new(title, Some(ctx), h).crumbs(l.crumbs()).into_response()
}

/// Common start of both uploads: the report, the right to edit, the file.
async fn start(
    app: &AppState,
    ctx: &Ctx,
    id: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Loaded, i64, String, Bytes), Response> {
    let Some(id) = rid(id) else { return Err(not_found(Some(ctx))) };
    let l = report::load(app, ctx, id).await?;
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return Err(crate::http::session::refused(ctx, m));
    }
    let up = match read_upload(headers, body).await {
        Ok(u) => u,
        Err(e) => return Err(failure(ctx, &l, "Import refusé", &[e], StatusCode::BAD_REQUEST)),
    };
    let Some(revision) = up.revision else {
        return Err(failure(
            ctx,
            &l,
            "Import refusé",
            &["formulaire incomplet : rechargez la page".into()],
            StatusCode::BAD_REQUEST,
        ));
    };
    let Some((name, data)) = up.file else {
        return Err(failure(
            ctx,
            &l,
            "Import refusé",
            &["aucun fichier choisi (ou fichier vide)".into()],
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    if data.len() > app.options.upload_limit {
        return Err(too_large(ctx, "Le fichier envoyé dépasse la taille maximale", app.options.upload_limit));
    }
    // The prepared text is computed from the loaded version: it must be the one the form
    // was displayed with (the store then checks that it is still current).
    if l.stored.summary.revision != revision {
        return Err(conflict(ctx, &l));
    }
    Ok((l, revision, name, data))
}

fn too_large(ctx: &Ctx, what: &str, limit: usize) -> Response {
    crate::views::layout::error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        Some(ctx),
        "Fichier trop volumineux",
        &format!(
            "<p>{} de {} Mo : il a été refusé et rien n’a été modifié.</p>",
            esc(what),
            limit / (1024 * 1024)
        ),
    )
}

fn conflict(ctx: &Ctx, l: &Loaded) -> Response {
    failure(
        ctx,
        l,
        "Import refusé : rapport modifié entre-temps",
        &["le rapport a été modifié depuis l’ouverture de la page d’import ; rechargez-la et recommencez"
            .into()],
        StatusCode::CONFLICT,
    )
}

pub async fn import_toml(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (l, revision, _name, data) = match start(&app, &ctx, &id, &headers, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if data.len() > TOML_LIMIT {
        return too_large(&ctx, "Le fichier TOML dépasse la taille maximale d’un rapport", TOML_LIMIT);
    }
    // Parsed and checked here; the store's closure only writes the prepared text.
    let parsed = match bilan_source::parse_bytes(&data) {
        Ok((_, p)) => p.report,
        Err(e) => {
            let text = String::from_utf8_lossy(&data);
            let place = e
                .span
                .map(|s| {
                    let (line, col) = bilan_source::LineIndex::new(&text).line_col(&text, s.start);
                    format!("ligne {line}, colonne {col} : ")
                })
                .unwrap_or_default();
            return failure(
                &ctx,
                &l,
                "Import refusé",
                &[format!("{place}{}", e.message)],
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let s = &l.stored.summary;
    let mut problems = Vec::new();
    if parsed.department.as_str() != s.department {
        problems.push(format!(
            "le fichier concerne le Département {} : ce rapport est celui du Département {}",
            bilan_domain::geo::department_label(parsed.department.as_str()),
            bilan_domain::geo::department_label(&s.department)
        ));
    }
    if parsed.year != s.year {
        problems.push(format!(
            "le fichier concerne l’année {} : ce rapport est celui de l’année {}",
            parsed.year, s.year
        ));
    }
    if parsed.programme != s.programme {
        problems.push(format!(
            "le fichier concerne le programme « {} » : ce rapport relève du programme « {} »",
            parsed.programme, s.programme
        ));
    }
    if !problems.is_empty() {
        return failure(&ctx, &l, "Import refusé", &problems, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The deliberation and the transmission date are acts of the signatory and of the
    // workflow, never of an import: the report keeps its own. (The revision check below
    // guarantees `l.report` is still the current text.)
    let mut parsed = parsed;
    let kept =
        parsed.deliberation != l.report.deliberation || parsed.transmitted_on != l.report.transmitted_on;
    parsed.deliberation = l.report.deliberation.clone();
    parsed.transmitted_on = l.report.transmitted_on;
    let text = bilan_source::to_toml(&parsed);
    let actions = edit::action_numbers(&parsed);
    let mut summary = format!(
        "Le rapport a été remplacé par le fichier importé : {} mesure(s), {} action(s).",
        parsed.measures.len(),
        parsed.actions().count()
    );
    if kept {
        summary.push_str(
            " La délibération et la date de transmission du fichier ont été ignorées : \
             seul le signataire les enregistre, par l’adoption et la transmission.",
        );
    }
    let result = app
        .store
        .update_report(ctx.user.id, l.id(), EditScope::Whole { expected_revision: revision }, move |_| {
            Ok(Edit {
                text,
                audit_action: "import.toml".into(),
                audit_target: "rapport entier".into(),
                before: None,
                after: None,
                actions,
            })
        })
        .await;
    match result {
        Ok(_) => success(&ctx, &l, "Rapport importé", &summary, &parsed),
        Err(StoreError::Conflict { .. }) => conflict(&ctx, &l),
        Err(e) => store_error(&ctx, e),
    }
}

pub async fn import_annex(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (l, revision, _name, data) = match start(&app, &ctx, &id, &headers, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Read the workbook first, outside the write transaction (bounded work: see
    // bilan_sheets::read), then apply it to the loaded version.
    let read = tokio::task::spawn_blocking(move || bilan_sheets::read_annex(&data)).await;
    let values = match read {
        Ok(Ok(v)) => v,
        Ok(Err(errors)) => return refused(&ctx, &l, &errors),
        Err(e) => return crate::views::layout::internal_error(Some(&ctx), &e),
    };
    let mut updated = l.report.clone();
    let (rows, changed) = match bilan_sheets::apply_annex(&mut updated, &values) {
        Ok(counts) => counts,
        Err(errors) => return refused(&ctx, &l, &errors),
    };
    let edit = Edit {
        text: bilan_source::to_toml(&updated),
        audit_action: "import.annexe".into(),
        audit_target: "annexe financière".into(),
        before: None,
        after: Some(format!("{rows} lignes lues, {changed} montants modifiés")),
        actions: edit::action_numbers(&updated),
    };
    // The store checks the revision: the text was computed from that very revision.
    let result = app
        .store
        .update_report(ctx.user.id, l.id(), EditScope::Whole { expected_revision: revision }, move |_| {
            Ok(edit)
        })
        .await;
    match result {
        Ok(_) => success(
            &ctx,
            &l,
            "Annexe importée",
            &format!("{rows} ligne(s) de dépense lue(s), {changed} montant(s) modifié(s)."),
            &updated,
        ),
        Err(StoreError::Conflict { .. }) => conflict(&ctx, &l),
        Err(e) => store_error(&ctx, e),
    }
}

fn refused(ctx: &Ctx, l: &Loaded, errors: &[bilan_sheets::ReadError]) -> Response {
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    failure(ctx, l, "Import refusé", &messages, StatusCode::UNPROCESSABLE_ENTITY)
}

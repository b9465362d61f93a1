//! Uploads: a report's TOML file (replaces the whole report after checks) or its financial
//! annex as XLSX/ODS (rows mapped back to expense lines by action number and label, in the
//! layout `bilan-sheets` writes). Any error changes nothing and is shown in French, at the
//! line and column of the file or the sheet and cell (« Annexe financière!G12 »).

use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use calamine::{Data, Reader};

use bilan_domain::{Amount, Money, Report};
use bilan_sheets::layout::{col, column_letters, SHEET_NAME};
use bilan_store::{Edit, EditScope, StoreError};

use crate::access;
use crate::auth::{multipart_parts, Ctx};
use crate::edit;
use crate::html::{alert, csrf_field, esc, hidden, not_found, Page};
use crate::pages::rid;
use crate::report::{self, store_error, Loaded};
use crate::AppState;

pub async fn import_page(State(app): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(id) = rid(&id) else { return not_found(Some(&ctx)) };
    let l = match report::load(&app, &ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Err(m) = access::can_edit(&ctx.user, &l.stored.summary) {
        return crate::auth::refused(&ctx, m);
    }
    let revision = l.stored.summary.revision.to_string();
    let limit = app.options.upload_limit / (1024 * 1024);
    let h = format!(
        "<h1>Importer un fichier</h1>\
         <section class=\"fr-mb-4w\"><h2>Fichier du rapport (TOML)</h2>\
         <p>Le fichier remplace tout le contenu du rapport. Il doit concerner le même Département et la même année. Taille maximale : {limit} Mo.</p>\
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
        return Err(crate::auth::refused(ctx, m));
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
        return Err(crate::html::error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(ctx),
            "Fichier trop volumineux",
            &format!(
                "<p>Le fichier envoyé dépasse la taille maximale de {} Mo : il a été refusé et rien n’a été modifié.</p>",
                app.options.upload_limit / (1024 * 1024)
            ),
        ));
    }
    Ok((l, revision, name, data))
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
            crate::access::department_label(parsed.department.as_str()),
            crate::access::department_label(&s.department)
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
    let text = bilan_source::to_toml(&parsed);
    let actions = edit::action_numbers(&parsed);
    let summary = format!(
        "Le rapport a été remplacé par le fichier importé : {} mesure(s), {} action(s).",
        parsed.measures.len(),
        parsed.actions().count()
    );
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

/// A cell reference as users read it: « Annexe financière!G12 ».
fn cell_ref(sheet: &str, row: u32, column: u16) -> String {
    format!("{sheet}!{}{}", column_letters(column), row + 1)
}

fn cell_text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.trim().to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Bool(b)) => if *b { "Oui" } else { "Non" }.to_string(),
        Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => s.clone(),
        _ => String::new(),
    }
}

/// A spreadsheet amount: exact cents or an error message.
fn cell_amount(d: Option<&Data>) -> Result<Option<Amount>, String> {
    match d {
        None | Some(Data::Empty) => Ok(None),
        Some(Data::Int(i)) => {
            if *i < 0 {
                return Err(format!("« {i} » est négatif : un montant déclaré ne peut pas l’être"));
            }
            i.checked_mul(100)
                .filter(|c| *c <= bilan_domain::money::MAX_CENTS)
                .map(|c| Some(Amount::Value(Money::from_cents(c))))
                .ok_or_else(|| format!("« {i} » dépasse le plus grand montant accepté"))
        }
        Some(Data::Float(f)) => {
            if !f.is_finite() || *f < 0.0 {
                return Err(format!("« {f} » n’est pas un montant positif"));
            }
            let cents = (f * 100.0).round();
            if cents > bilan_domain::money::MAX_CENTS as f64 {
                return Err(format!("« {f} » dépasse le plus grand montant accepté"));
            }
            if (cents - f * 100.0).abs() > 1e-6 * cents.max(1.0) {
                return Err(format!(
                    "« {f} » a plus de deux décimales : un montant s’exprime au centime près"
                ));
            }
            Ok(Some(Amount::Value(Money::from_cents(cents as i64))))
        }
        Some(Data::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Data::String(s)) => Amount::parse(s).map(Some).map_err(|e| e.to_string()),
        Some(other) => Err(format!("« {other} » n’est pas un montant")),
    }
}

/// Undoes the formula neutralisation of `bilan-sheets` (a leading apostrophe).
fn unneutralize(text: &str) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => text.to_string(),
    }
}

/// Reads the annex workbook and applies it to `report`. Returns (rows read, amounts
/// changed) or the errors, each naming its sheet and cell.
pub fn apply_annex_workbook(report: &mut Report, data: &[u8]) -> Result<(usize, usize), Vec<String>> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(data.to_vec()))
        .map_err(|_| vec!["le fichier n’est pas un classeur XLSX ou ODS lisible (fichier corrompu, ou d’un autre format)".to_string()])?;
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.as_str() == SHEET_NAME)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| vec!["le classeur ne contient aucune feuille".to_string()])?;
    let range =
        book.worksheet_range(&sheet).map_err(|_| vec![format!("la feuille « {sheet} » est illisible")])?;
    let Some((first_row, _)) = range.start() else {
        return Err(vec![format!("la feuille « {sheet} » est vide")]);
    };
    let Some((last_row, _)) = range.end() else {
        return Err(vec![format!("la feuille « {sheet} » est vide")]);
    };
    let get = |r: u32, c: u16| range.get_value((r, u32::from(c)));
    let header = (first_row..=last_row)
        .find(|&r| cell_text(get(r, col::MEASURE)) == "Mesure" && cell_text(get(r, col::ACTION)) == "Action");
    let Some(header) = header else {
        return Err(vec![format!(
            "{} : en-tête « Mesure | Action | Direction | Dépense… » introuvable : partez de l’annexe téléchargée depuis bilan",
            sheet
        )]);
    };
    let mut errors = Vec::new();
    let mut seen: std::collections::BTreeMap<(String, String), usize> = std::collections::BTreeMap::new();
    let (mut rows, mut changed) = (0usize, 0usize);
    for r in header + 1..=last_row {
        if cell_text(get(r, col::MEASURE)) == bilan_domain::annex_table::TOTAL_LABEL {
            break;
        }
        let action = cell_text(get(r, col::ACTION));
        let label = cell_text(get(r, col::LABEL));
        if action.is_empty() {
            continue; // subtotal or empty row
        }
        let label = unneutralize(&label);
        let occurrence = seen.entry((action.clone(), label.clone())).or_insert(0);
        let nth = *occurrence;
        *occurrence += 1;
        let Some((mi, ai, _)) = report.action(&action) else {
            errors.push(format!(
                "{} : l’action « {action} » n’existe pas dans le rapport",
                cell_ref(&sheet, r, col::ACTION)
            ));
            continue;
        };
        let expenses = &report.measures[mi].actions[ai].expenses;
        let Some(k) =
            expenses.iter().enumerate().filter(|(_, e)| e.label.trim() == label).map(|(k, _)| k).nth(nth)
        else {
            errors.push(format!(
                "{} : la dépense « {label} » de l’action {action} n’existe pas dans le rapport (ajoutez-la d’abord dans le formulaire de l’action)",
                cell_ref(&sheet, r, col::LABEL)
            ));
            continue;
        };
        rows += 1;
        let mut amounts = [None, None, None];
        let mut ok = true;
        for (slot, c) in [col::PLANNED, col::SPENT, col::CARRY_OVER].into_iter().enumerate() {
            match cell_amount(get(r, c)) {
                Ok(a) => amounts[slot] = a,
                Err(m) => {
                    errors.push(format!("{} : {m}", cell_ref(&sheet, r, c)));
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let e = &mut report.measures[mi].actions[ai].expenses[k];
        let keep_blank = |new: Option<Amount>, old: Option<Amount>| match new {
            None if old == Some(Amount::Blank) => old,
            n => n,
        };
        let new = [
            keep_blank(amounts[0], e.planned),
            keep_blank(amounts[1], e.spent),
            keep_blank(amounts[2], e.carry_over),
        ];
        let old = [e.planned, e.spent, e.carry_over];
        changed += new.iter().zip(old.iter()).filter(|(a, b)| a != b).count();
        e.planned = new[0];
        e.spent = new[1];
        e.carry_over = new[2];
        let comment = unneutralize(&cell_text(get(r, col::COMMENT)));
        if comment != e.comment.trim() {
            e.comment = comment;
        }
    }
    if errors.is_empty() {
        Ok((rows, changed))
    } else {
        Err(errors)
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
    // Validate on the loaded version first (same revision as the store will check).
    let mut probe = l.report.clone();
    let d2 = data.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let r = apply_annex_workbook(&mut probe, &d2);
        (probe, r)
    })
    .await;
    let (updated, (rows, changed)) = match checked {
        Ok((p, Ok(counts))) => (p, counts),
        Ok((_, Err(errors))) => {
            return failure(&ctx, &l, "Import refusé", &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return crate::html::internal_error(Some(&ctx), &e),
    };
    let result = app
        .store
        .update_report(
            ctx.user.id,
            l.id(),
            EditScope::Whole { expected_revision: revision },
            move |current| {
                let mut r = report::parse_text(&current.text).ok_or("rapport illisible")?;
                apply_annex_workbook(&mut r, &data).map_err(|e| e.join(" ; "))?;
                Ok(Edit {
                    text: bilan_source::to_toml(&r),
                    audit_action: "import.annexe".into(),
                    audit_target: "annexe financière".into(),
                    before: None,
                    after: Some(format!("{rows} lignes lues, {changed} montants modifiés")),
                    actions: edit::action_numbers(&r),
                })
            },
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn allier() -> Report {
        bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report
    }

    #[test]
    fn exported_annex_reimports_unchanged() {
        let r = allier();
        for bytes in [bilan_sheets::xlsx(&r).unwrap(), bilan_sheets::ods(&r).unwrap()] {
            let mut r2 = r.clone();
            let (rows, changed) = apply_annex_workbook(&mut r2, &bytes).unwrap();
            assert_eq!(rows, r.actions().map(|(_, _, _, a)| a.expenses.len()).sum::<usize>());
            assert_eq!(changed, 0);
            for ((_, _, _, a), (_, _, _, b)) in r.actions().zip(r2.actions()) {
                assert_eq!(a.expenses, b.expenses, "{}", a.number);
            }
        }
    }

    #[test]
    fn corrupt_workbooks_are_refused() {
        let mut r = allier();
        let e = apply_annex_workbook(&mut r, b"PK\x03\x04 pas un classeur").unwrap_err();
        assert!(e[0].contains("n’est pas un classeur"), "{e:?}");
    }

    #[test]
    fn amounts_of_cells() {
        assert_eq!(
            cell_amount(Some(&Data::Float(1234.56))),
            Ok(Some(Amount::Value(Money::from_cents(123_456))))
        );
        assert!(cell_amount(Some(&Data::Float(1.005))).is_err());
        assert!(cell_amount(Some(&Data::String("douze".into())))
            .unwrap_err()
            .contains("n'est pas un montant"));
        assert_eq!(cell_ref("Annexe financière", 11, col::SPENT), "Annexe financière!G12");
        assert_eq!(unneutralize("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unneutralize("'déjà"), "'déjà");
    }
}

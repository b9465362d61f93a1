//! Building a report's structure over HTTP (a real server on SQLite with the demo data):
//! measures and actions added, renamed, moved and removed after a confirmation page;
//! removals restored until transmission; the indicator catalogue of a measure; who may do
//! what.

mod common;

use std::sync::Arc;

use bilan_domain::indicator::IndicatorUnit;
use bilan_domain::referentiel::{Aggregation, CatalogueIndicator};
use bilan_domain::MeasureKind;
use bilan_store::Status;
use common::*;
use reqwest::StatusCode;

async fn structure(a: &Agent, id: i64) -> String {
    let (status, html) = a.page(&format!("/rapports/{id}/structure")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    html
}

/// The report's revision, as the structure page's forms carry it.
async fn revision(a: &Agent, id: i64) -> String {
    form_fields(&structure(a, id).await, "form-ajouter-mesure")
        .into_iter()
        .find(|(n, _)| n == "revision")
        .map(|(_, v)| v)
        .expect("revision in the form")
}

/// Posts `form` with the session's token and the report's current revision; asserts the 303.
async fn post_ok(a: &Agent, id: i64, path: &str, form: &[(&str, &str)]) {
    let csrf = a.csrf().await;
    let rev = revision(a, id).await;
    let mut all = vec![("csrf", csrf.as_str()), ("revision", rev.as_str())];
    all.extend_from_slice(form);
    let (status, body) = a.post_text(path, &all).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {body}");
}

async fn canonical(s: &Server, id: i64) -> String {
    bilan_source::to_toml(&s.report(id).await)
}

fn numbers(r: &bilan_domain::Report) -> Vec<(String, Vec<String>)> {
    r.measures
        .iter()
        .map(|m| (m.number.clone(), m.actions.iter().map(|a| a.number.clone()).collect()))
        .collect()
}

#[tokio::test]
async fn measures_and_actions_are_added_renamed_moved_and_removed() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let editor = s.login("editeur.allier").await;
    let (_, overview) = editor.page(&format!("/rapports/{id}")).await;
    assert!(has_id(&overview, "lien-structure"));
    let before = s.report(id).await;
    let html = structure(&editor, id).await;
    assert!(has_id(&html, "structure-mesure-1-1") && has_id(&html, "structure-action-1-1-1"));
    assert!(has_id(&html, "aucun-element-supprime"));
    assert!(has_id(&html, "type-initiative") && attr_by_id(&html, "type-initiative", "checked").is_some());

    // An initiative measure: the next free number of part 2, at the end.
    post_ok(
        &editor,
        id,
        &format!("/rapports/{id}/mesures"),
        &[("type", "initiative"), ("intitule", "  Mesure   test ")],
    )
    .await;
    let r = s.report(id).await;
    let m = r.measures.last().unwrap();
    assert_eq!((m.number.as_str(), m.kind, m.title.as_str()), ("2.3", MeasureKind::Local, "Mesure test"));
    assert_eq!(r.measures.len(), before.measures.len() + 1);

    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.3"), &[("intitule", "Mesure renommée")]).await;
    assert_eq!(s.report(id).await.measures.last().unwrap().title, "Mesure renommée");

    // Actions take the next free number of their measure.
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.3/actions"), &[("intitule", "Première")]).await;
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.3/actions"), &[("intitule", "Seconde")]).await;
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/1.1/actions"), &[("intitule", "Nouvelle 1.1")])
        .await;
    let r = s.report(id).await;
    assert_eq!(numbers(&r).last().unwrap().1, vec!["2.3.1", "2.3.2"]);
    assert_eq!(r.measures[0].actions.last().unwrap().number, "1.1.4");
    let (status, action_page) = editor.page(&format!("/rapports/{id}/actions/2.3.2")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(action_page.contains("Seconde") && has_id(&action_page, "lien-supprimer-action"));

    // Moves: numbers stay, order changes.
    post_ok(&editor, id, &format!("/rapports/{id}/actions/2.3.2/monter"), &[]).await;
    assert_eq!(numbers(&s.report(id).await).last().unwrap().1, vec!["2.3.2", "2.3.1"]);
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.3/monter"), &[]).await;
    let order: Vec<String> = numbers(&s.report(id).await).into_iter().map(|(m, _)| m).collect();
    assert_eq!(&order[order.len() - 2..], ["2.3", "2.2"]);
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.3/descendre"), &[]).await;
    // Beyond the end: refused, nothing written.
    let text = s.text(id).await;
    let csrf = editor.csrf().await;
    let rev = revision(&editor, id).await;
    let (status, body) = editor
        .post_text(&format!("/rapports/{id}/mesures/2.3/descendre"), &[("csrf", &csrf), ("revision", &rev)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(s.text(id).await, text);
    // A title is required.
    let (status, body) = editor
        .post_text(
            &format!("/rapports/{id}/mesures/2.3/actions"),
            &[("csrf", &csrf), ("revision", &rev), ("intitule", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_by_id(&body, "erreur-structure").unwrap().contains("obligatoire"), "{body}");
    assert_eq!(s.text(id).await, text);

    // A socle measure of the programme the report lacks.
    let html = structure(&editor, id).await;
    let doc = parse(&html);
    let codes: Vec<String> = select(&doc, "#code-socle option")
        .iter()
        .filter_map(|o| o.value().attr("value"))
        .map(str::to_string)
        .collect();
    assert_eq!(codes, vec!["", "CALPAE-GAA"]);
    post_ok(&editor, id, &format!("/rapports/{id}/mesures"), &[("type", "socle"), ("code", "CALPAE-GAA")])
        .await;
    let r = s.report(id).await;
    let core: Vec<&str> =
        r.measures.iter().filter(|m| m.kind == MeasureKind::Core).map(|m| m.number.as_str()).collect();
    assert_eq!(core, vec!["1.1", "1.2", "1.3", "1.4", "1.5"], "after the last socle measure");
    assert_eq!(r.measures[4].code.as_deref(), Some("CALPAE-GAA"));
    assert!(!structure(&editor, id).await.contains("CALPAE-GAA\""), "no longer offered");

    // Removing an action: a confirmation page, then the POST.
    let (status, page) = editor.page(&format!("/rapports/{id}/actions/1.1.2/supprimer")).await;
    assert_eq!(status, StatusCode::OK);
    let title = text_by_id(&page, "titre-suppression").unwrap();
    assert!(title.starts_with("Supprimer l’action 1.1.2") && title.ends_with('?'), "{title}");
    let lost = text_by_id(&page, "elements-perdus").unwrap();
    assert!(lost.contains("indicateur"), "{lost}");
    assert!(has_id(&page, "form-suppression") && has_id(&page, "annuler-suppression"));
    let form = form_fields(&page, "form-suppression");
    let refs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = editor.post(&format!("/rapports/{id}/actions/1.1.2/supprimer"), &refs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(s.report(id).await.action("1.1.2").is_none());

    // Removing a measure removes its actions, after confirmation.
    let (_, page) = editor.page(&format!("/rapports/{id}/mesures/2.3/supprimer")).await;
    assert!(text_by_id(&page, "elements-perdus").unwrap().contains("2 actions (2.3.2, 2.3.1)"), "{page}");
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.3/supprimer"), &[]).await;
    let r = s.report(id).await;
    assert!(r.measures.iter().all(|m| m.number != "2.3") && r.action("2.3.1").is_none());
    let html = structure(&editor, id).await;
    assert_eq!(select(&parse(&html), "#liste-elements-supprimes > li").len(), 2);

    // Every change is in the audit log.
    let kinds: Vec<String> =
        s.store.audit(Some(id), 100).await.unwrap().into_iter().map(|e| e.action).collect();
    for k in [
        "mesure.add",
        "mesure.rename",
        "mesure.move",
        "action.add",
        "action.move",
        "action.remove",
        "mesure.remove",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} audited: {kinds:?}");
    }
}

#[tokio::test]
async fn a_socle_measure_cannot_be_removed() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let editor = s.login("editeur.allier").await;
    let (status, page) = editor.page(&format!("/rapports/{id}/mesures/1.1/supprimer")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&page, "suppression-impossible") && !has_id(&page, "form-suppression"));
    assert!(!has_id(&structure(&editor, id).await, "supprimer-mesure-1-1"));
    let text = s.text(id).await;
    let csrf = editor.csrf().await;
    let rev = revision(&editor, id).await;
    let (status, body) = editor
        .post_text(&format!("/rapports/{id}/mesures/1.1/supprimer"), &[("csrf", &csrf), ("revision", &rev)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Une mesure socle ne peut pas être supprimée"), "{body}");
    assert_eq!(s.text(id).await, text, "nothing written");
    // An unknown measure or action: 404.
    let (status, _) = editor
        .post_text(&format!("/rapports/{id}/mesures/9.9/supprimer"), &[("csrf", &csrf), ("revision", &rev)])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = editor.page(&format!("/rapports/{id}/actions/9.9.9/supprimer")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stale_revision_writes_nothing() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let first = s.login("editeur.allier").await;
    let second = s.login("editeur.allier").await;
    let stale = revision(&second, id).await;
    post_ok(&first, id, &format!("/rapports/{id}/mesures/2.1/actions"), &[("intitule", "Première")]).await;
    let after_first = s.store.report(id).await.unwrap().unwrap();
    let csrf = second.csrf().await;
    for (path, extra) in [
        (format!("/rapports/{id}/mesures"), vec![("intitule", "Trop tard")]),
        (format!("/rapports/{id}/mesures/2.1"), vec![("intitule", "Trop tard")]),
        (format!("/rapports/{id}/mesures/2.2/monter"), vec![]),
        (format!("/rapports/{id}/mesures/2.2/supprimer"), vec![]),
        (format!("/rapports/{id}/actions/1.1.2/descendre"), vec![]),
        (format!("/rapports/{id}/actions/1.1.2/supprimer"), vec![]),
    ] {
        let mut form = vec![("csrf", csrf.as_str()), ("revision", stale.as_str())];
        form.extend(extra);
        let (status, body) = second.post_text(&path, &form).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}");
        assert!(has_id(&body, "lien-conflit-recharger"), "{body}");
    }
    assert_eq!(s.store.report(id).await.unwrap().unwrap(), after_first, "nothing written");
}

#[tokio::test]
async fn removals_are_confirmed_then_restored_exactly_once() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let editor = s.login("editeur.allier").await;
    let original = canonical(&s, id).await;

    // An expense line: its button leads to a confirmation page whose form posts the removal.
    let (_, action) = editor.page(&format!("/rapports/{id}/actions/1.1.1")).await;
    let href = attr_by_id(&action, "supprimer-depense-0", "href").unwrap();
    let (status, page) = editor.page(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_by_id(&page, "titre-suppression").unwrap().contains("ligne de dépense"), "{page}");
    assert!(text_by_id(&page, "elements-perdus").unwrap().contains("réalisé"), "{page}");
    let form = form_fields(&page, "form-suppression");
    let refs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(editor.post(&href, &refs).await.status(), StatusCode::SEE_OTHER);
    assert!(s.report(id).await.action("1.1.1").unwrap().2.expenses.is_empty());

    // An action and a measure of the Département's initiative, with its actions.
    post_ok(&editor, id, &format!("/rapports/{id}/actions/1.2.1/supprimer"), &[]).await;
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.1/supprimer"), &[]).await;
    let html = structure(&editor, id).await;
    let doc = parse(&html);
    let items = select(&doc, "#liste-elements-supprimes > li");
    let kinds: Vec<&str> = items.iter().filter_map(|li| li.value().attr("data-element")).collect();
    assert_eq!(kinds, vec!["mesure", "action", "depense"], "newest first");
    let entries: Vec<String> = items
        .iter()
        .map(|li| li.value().attr("id").unwrap().trim_start_matches("supprime-").to_string())
        .collect();
    // The removed element and its place are in the audit entry.
    let audit = s.store.audit(Some(id), 10).await.unwrap();
    let removal = audit.iter().find(|e| e.action == "action.remove").unwrap();
    let before = removal.before.as_deref().unwrap();
    assert!(before.contains("element = \"action\"") && before.contains("position = 0"), "{before}");

    // Restored in any order, each at its place: the same report again.
    for entry in [&entries[1], &entries[0], &entries[2]] {
        assert!(has_id(&structure(&editor, id).await, &format!("restaurer-{entry}")));
        post_ok(&editor, id, &format!("/rapports/{id}/restaurer/{entry}"), &[]).await;
    }
    assert_eq!(canonical(&s, id).await, original);
    assert!(has_id(&structure(&editor, id).await, "aucun-element-supprime"));
    let restorations = s.store.audit(Some(id), 3).await.unwrap();
    assert!(restorations.iter().all(|e| e.action.ends_with(".restore")));
    assert!(
        restorations[0].target.contains(&format!("suppression n° {}", entries[2])),
        "{:?}",
        restorations[0]
    );

    // Twice: refused, nothing written.
    let text = s.text(id).await;
    let csrf = editor.csrf().await;
    let rev = revision(&editor, id).await;
    let (status, body) = editor
        .post_text(
            &format!("/rapports/{id}/restaurer/{}", entries[0]),
            &[("csrf", &csrf), ("revision", &rev)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(has_id(&body, "restauration-impossible"), "{body}");
    assert_eq!(s.text(id).await, text);

    // An action whose number was taken meanwhile comes back with the next free number.
    post_ok(&editor, id, &format!("/rapports/{id}/actions/1.1.3/supprimer"), &[]).await;
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/1.1/actions"), &[("intitule", "Remplaçante")])
        .await;
    assert_eq!(s.report(id).await.action("1.1.3").unwrap().2.title, "Remplaçante");
    let html = structure(&editor, id).await;
    let entry = select(&parse(&html), "#liste-elements-supprimes > li")[0]
        .value()
        .attr("id")
        .unwrap()
        .replace("supprime-", "");
    post_ok(&editor, id, &format!("/rapports/{id}/restaurer/{entry}"), &[]).await;
    let r = s.report(id).await;
    assert_eq!(
        r.measures[0].actions.iter().map(|a| a.number.as_str()).collect::<Vec<_>>(),
        vec!["1.1.1", "1.1.2", "1.1.4", "1.1.3"]
    );
}

#[tokio::test]
async fn after_transmission_nothing_is_restorable() {
    let s = start().await;
    let editor = s.login("editeur.allier").await;
    let signatory = s.login("signataire.allier").await;
    let prefecture = s.login("prefecture.allier").await;
    let text = include_str!("fixtures/propre-2021.toml");
    let id = s.store.create_report(None, "03", 2021, "calpae", text, &["1.1.1".to_string()]).await.unwrap();
    post_ok(
        &editor,
        id,
        &format!("/rapports/{id}/mesures"),
        &[("type", "initiative"), ("intitule", "Temporaire")],
    )
    .await;
    post_ok(&editor, id, &format!("/rapports/{id}/mesures/2.1/supprimer"), &[]).await;
    let html = structure(&editor, id).await;
    let entry = select(&parse(&html), "#liste-elements-supprimes > li")[0]
        .value()
        .attr("id")
        .unwrap()
        .replace("supprime-", "");

    // Adopted: read only (403 on every structural POST).
    let csrf = signatory.csrf().await;
    let deliberation = [
        ("deliberation_numero", "CD-2022-17"),
        ("deliberation_date", "2022-06-01"),
        ("deliberation_instance", "commission permanente"),
        ("csrf", csrf.as_str()),
    ];
    assert_eq!(
        signatory.post(&format!("/rapports/{id}/adopter"), &deliberation).await.status(),
        StatusCode::SEE_OTHER
    );
    let ecsrf = editor.csrf().await;
    let rev = s.store.report(id).await.unwrap().unwrap().summary.revision.to_string();
    let form = [("csrf", ecsrf.as_str()), ("revision", rev.as_str()), ("intitule", "x")];
    for path in [
        format!("/rapports/{id}/restaurer/{entry}"),
        format!("/rapports/{id}/mesures"),
        format!("/rapports/{id}/actions/1.1.1/supprimer"),
    ] {
        assert_eq!(editor.post(&path, &form).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _) = editor.page(&format!("/rapports/{id}/actions/1.1.1/supprimer")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let html = structure(&editor, id).await;
    assert!(has_id(&html, "lecture-seule") && !has_id(&html, "form-ajouter-mesure"));

    // Transmitted (the warning justified first), then sent back: the removal belongs to the
    // frozen version.
    let r = editor
        .post(
            &format!("/rapports/{id}/justifications"),
            &[
                ("csrf", &ecsrf),
                ("code", "TXT001"),
                ("chemin", "mesures[0].actions[0].perspectives"),
                ("justification", "En commission."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        signatory.post(&format!("/rapports/{id}/transmettre"), &[("csrf", &csrf)]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(has_id(&structure(&editor, id).await, "aucun-element-supprime"));
    let pcsrf = prefecture.csrf().await;
    let rev = s.store.report(id).await.unwrap().unwrap().summary.revision.to_string();
    let (status, _) = prefecture
        .post_text(
            &format!("/rapports/{id}/mesures"),
            &[("csrf", &pcsrf), ("revision", &rev), ("intitule", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the préfecture does not edit");
    let r = prefecture
        .post(&format!("/rapports/{id}/renvoyer"), &[("csrf", &pcsrf), ("motif", "Précisez.")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.report(id).await.unwrap().unwrap().summary.status, Status::SentBack);
    let before = s.text(id).await;
    let rev = revision(&editor, id).await;
    let (status, _) = editor
        .post_text(&format!("/rapports/{id}/restaurer/{entry}"), &[("csrf", &ecsrf), ("revision", &rev)])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s.text(id).await, before);
}

#[tokio::test]
async fn only_the_departments_editor_builds_the_structure() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let rev = s.store.report(id).await.unwrap().unwrap().summary.revision.to_string();
    let text = s.text(id).await;
    let posts = [
        format!("/rapports/{id}/mesures"),
        format!("/rapports/{id}/mesures/2.1"),
        format!("/rapports/{id}/mesures/2.1/monter"),
        format!("/rapports/{id}/mesures/2.1/supprimer"),
        format!("/rapports/{id}/mesures/2.1/actions"),
        format!("/rapports/{id}/actions/1.1.2/monter"),
        format!("/rapports/{id}/actions/1.1.2/supprimer"),
        format!("/rapports/{id}/restaurer/1"),
    ];
    for (login, expected) in [
        ("editeur.cantal", StatusCode::NOT_FOUND),
        ("prefecture.allier", StatusCode::NOT_FOUND),
        ("signataire.allier", StatusCode::FORBIDDEN),
    ] {
        let a = s.login(login).await;
        let csrf = a.csrf().await;
        for path in &posts {
            let status =
                a.post(path, &[("csrf", &csrf), ("revision", &rev), ("intitule", "x")]).await.status();
            assert_eq!(status, expected, "{login} {path}");
        }
        for path in [
            format!("/rapports/{id}/actions/1.1.2/supprimer"),
            format!("/rapports/{id}/actions/1.1.1/depenses/0/supprimer"),
        ] {
            assert_eq!(a.get(&path).await.status(), expected, "{login} GET {path}");
        }
    }
    assert_eq!(s.text(id).await, text, "nothing written");
    // The signatory reads the structure, without forms.
    let signatory = s.login("signataire.allier").await;
    let html = structure(&signatory, id).await;
    assert!(
        has_id(&html, "lecture-seule")
            && !has_id(&html, "form-ajouter-mesure")
            && !has_id(&html, "supprimer-action-1-1-2")
    );
}

#[tokio::test]
async fn indicators_come_from_the_measures_catalogue_or_are_local() {
    let mut options = bilan_web::AppOptions::default();
    let mut referentiel = (*options.referentiel).clone();
    let calpae = referentiel.programmes.iter_mut().find(|p| p.id == "calpae").unwrap();
    calpae.indicators.push(CatalogueIndicator {
        code: "CALPAE-GAAG-01".into(),
        title: "Nombre de personnes accompagnées".into(),
        unit: IndicatorUnit::Count,
        aggregation: Aggregation::Sum,
        measure: "CALPAE-GAA".into(),
        since: 2019,
        until: None,
        source: String::new(),
        provisional: false,
    });
    options.referentiel = Arc::new(referentiel);
    let s = start_with(options).await;
    let id = s.report_id("03", 2019).await;
    let editor = s.login("editeur.allier").await;
    post_ok(&editor, id, &format!("/rapports/{id}/mesures"), &[("type", "socle"), ("code", "CALPAE-GAA")])
        .await;
    post_ok(
        &editor,
        id,
        &format!("/rapports/{id}/mesures/1.5/actions"),
        &[("intitule", "Garantie d’activité")],
    )
    .await;
    let url = format!("/rapports/{id}/actions/1.5.1");

    // A measure without catalogue: local indicators only.
    let (_, page) = editor.page(&format!("/rapports/{id}/actions/1.1.1/indicateurs/nouvelle")).await;
    assert!(has_id(&page, "catalogue-vide"));

    let (_, page) = editor.page(&format!("{url}/indicateurs/nouvelle")).await;
    let select_id = "champ-mesures-4-actions-0-indicateurs-0-catalogue";
    assert!(page.contains("CALPAE-GAAG-01") && has_id(&page, select_id), "{page}");
    let csrf = editor.csrf().await;
    let rev = hidden_value(&page, "revision").unwrap();
    // Not in the catalogue: 422, nothing written.
    let (status, body) = editor
        .post_text(
            &format!("{url}/indicateurs/nouvelle"),
            &[("csrf", &csrf), ("revision", &rev), ("catalogue", "AUTRE")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(has_id(&body, &format!("{select_id}-erreur")), "{body}");
    assert!(s.report(id).await.action("1.5.1").unwrap().2.indicators.is_empty());
    // The catalogue's title and unit are imposed.
    let r = editor
        .post(
            &format!("{url}/indicateurs/nouvelle"),
            &[
                ("csrf", &csrf),
                ("revision", &rev),
                ("catalogue", "CALPAE-GAAG-01"),
                ("intitule", "Autre"),
                ("unite", "%"),
                ("cible", "40"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = s.report(id).await;
    let i = &report.action("1.5.1").unwrap().2.indicators[0];
    assert_eq!(
        (i.code.as_deref(), i.name.as_str(), i.unit),
        (Some("CALPAE-GAAG-01"), "Nombre de personnes accompagnées", Some(IndicatorUnit::Count))
    );
    // Its unit stays fixed: disabled in the form, enforced on the server.
    let (_, page) = editor.page(&format!("{url}/indicateurs/0")).await;
    assert!(has_id(&page, "code-indicateur"));
    let (_, confirm) = editor.page(&format!("{url}/indicateurs/0/supprimer")).await;
    let title = text_by_id(&confirm, "titre-suppression").unwrap();
    assert_eq!(title, "Supprimer l’indicateur « Nombre de personnes accompagnées » de l’action 1.5.1 ?");
    assert!(
        attr_by_id(&page, "champ-mesures-4-actions-0-indicateurs-0-unite", "disabled").is_some(),
        "{page}"
    );
    let rev = hidden_value(&page, "revision").unwrap();
    let r = editor
        .post(
            &format!("{url}/indicateurs/0"),
            &[("csrf", &csrf), ("revision", &rev), ("intitule", "Personnes"), ("unite", "jours")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = s.report(id).await;
    let i = &report.action("1.5.1").unwrap().2.indicators[0];
    assert_eq!((i.name.as_str(), i.unit), ("Personnes", Some(IndicatorUnit::Count)));
    // A local indicator: free title and unit, no code.
    let (_, page) = editor.page(&format!("{url}/indicateurs/nouvelle")).await;
    let rev = hidden_value(&page, "revision").unwrap();
    let r = editor
        .post(
            &format!("{url}/indicateurs/nouvelle"),
            &[
                ("csrf", &csrf),
                ("revision", &rev),
                ("catalogue", ""),
                ("intitule", "Ateliers"),
                ("unite", "jours"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = s.report(id).await;
    let i = &report.action("1.5.1").unwrap().2.indicators[1];
    assert_eq!((i.code.as_deref(), i.name.as_str(), i.unit), (None, "Ateliers", Some(IndicatorUnit::Days)));
    let (_, page) = editor.page(&url).await;
    let table = text_by_id(&page, "table-indicateurs").unwrap();
    assert!(table.contains("CALPAE-GAAG-01") && table.contains("local"), "{table}");
}

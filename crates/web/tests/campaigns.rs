//! Campaigns and referentiels over HTTP (a real server on SQLite with the demo data): the
//! national reader opens the Pacte 2025 campaign, every expected signatory gets its draft,
//! the Allier's prefilled from its 2024 report exactly as `draft::follow_up` (what `bilan
//! nouveau --depuis` writes) gives it; who may open and follow; per-convention deadlines;
//! an editor creating its own report; the administrator changing a referentiel.

mod common;

use bilan_store::{ReportFilter, Status};
use common::*;
use reqwest::StatusCode;

async fn open_campaign(a: &Agent, programme: &str, year: &str, deadline: &str) -> (StatusCode, String) {
    let csrf = a.csrf().await;
    a.post_text(
        "/campagnes",
        &[("csrf", &csrf), ("programme", programme), ("annee", year), ("echeance", deadline)],
    )
    .await
}

#[tokio::test]
async fn the_national_reader_opens_a_campaign_and_every_signatory_gets_its_draft() {
    let s = start().await;
    let national = s.login("national").await;
    let (status, html) = national.page("/campagnes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "aucune-campagne") && has_id(&html, "form-campagne"));

    // Nobody else opens one; nothing is written.
    for login in ["prefecture.allier", "editeur.allier", "admin"] {
        let (status, _) = open_campaign(&s.login(login).await, "pacte", "2025", "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
    }
    assert!(s.store.campaigns().await.unwrap().is_empty());
    // A year the programme does not cover, a malformed deadline: 422, nothing written.
    assert_eq!(open_campaign(&national, "pacte", "2021", "").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = open_campaign(&national, "pacte", "2025", "31 mars").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Échéance"), "{body}");
    assert!(s.store.campaigns().await.unwrap().is_empty());

    let before = s.report(s.report_id("03", 2024).await).await;
    let (status, _) = open_campaign(&national, "pacte", "2025", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let campaigns = s.store.campaigns().await.unwrap();
    assert_eq!(campaigns.len(), 1);
    assert_eq!(campaigns[0].deadline, "2026-03-31", "the programme's usual deadline");

    // One draft per expected signatory of 2025: 100 collectivités.
    let drafts = s
        .store
        .reports(&ReportFilter { departments: None, statuses: Some(vec![Status::Draft]), year: Some(2025) })
        .await
        .unwrap();
    assert_eq!(drafts.len(), 100);
    let alsace = drafts.iter().find(|d| d.department == "6AE").expect("the CEA's draft");
    assert_eq!(alsace.territories, vec!["67".to_string(), "68".to_string()]);
    assert!(!drafts.iter().any(|d| d.department == "67" || d.department == "2A"));

    // The Allier's is its 2024 report carried forward, as `bilan nouveau --depuis` does it.
    let allier = s.report(s.report_id("03", 2025).await).await;
    let pacte = bilan_source::referentiel::builtin().programme("pacte").unwrap();
    assert_eq!(allier, bilan_domain::draft::follow_up(&before, 2025, pacte));
    let core = allier.measures.iter().filter(|m| m.kind == bilan_domain::MeasureKind::Core);
    assert!(core.clone().count() >= 4 && core.clone().all(|m| m.code.is_some()), "catalogue codes kept");
    assert!(allier
        .measures
        .iter()
        .flat_map(|m| &m.actions)
        .flat_map(|a| &a.indicators)
        .any(|i| i.code.is_some()));
    // A collectivité without a 2024 report starts from the skeleton, under its own name.
    let lyon = s.report(s.report_id("69M", 2025).await).await;
    assert!(lyon.title.contains("Métropole de Lyon"), "{}", lyon.title);
    // Its file says who signs: the Métropole, on territory 69.
    assert_eq!((lyon.department.as_str(), lyon.signatory().as_str()), ("69", "69M"));
    assert_eq!(lyon.measures.len(), pacte.core_measures(2025).count());

    // Opened twice: refused.
    let (status, body) = open_campaign(&national, "pacte", "2025", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("déjà ouverte"), "{body}");

    // The campaign page: every convention with its status and days left.
    let id = campaigns[0].id;
    let (status, html) = national.page(&format!("/campagnes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&parse(&html), "#table-conventions tbody tr").len(), 100);
    assert_eq!(attr_by_id(&html, "convention-03", "data-statut").as_deref(), Some("brouillon"));
    // A préfecture follows its own Département only; a Département does not follow campaigns.
    let (_, html) = s.login("prefecture.allier").await.page(&format!("/campagnes/{id}")).await;
    assert_eq!(select(&parse(&html), "#table-conventions tbody tr").len(), 1);
    assert_eq!(
        s.login("editeur.allier").await.page(&format!("/campagnes/{id}")).await.0,
        StatusCode::FORBIDDEN
    );

    // A convention's own deadline.
    let csrf = national.csrf().await;
    let (status, _) = national
        .post_text(
            &format!("/campagnes/{id}/echeances"),
            &[("csrf", &csrf), ("collectivite", "6AE"), ("echeance", "30/04/2026")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = national.page(&format!("/campagnes/{id}")).await;
    assert!(text_by_id(&html, "convention-6AE").unwrap().contains("30 avril 2026"));
    assert!(text_by_id(&html, "convention-6AE").unwrap().contains("propre à la convention"));
}

#[tokio::test]
async fn an_editor_without_a_campaign_creates_its_report() {
    let s = start().await;
    let editor = s.login("editeur.cantal").await;
    let (_, html) = editor.page("/rapports").await;
    assert!(has_id(&html, "form-nouveau-rapport"), "{html}");
    let csrf = editor.csrf().await;
    let (status, _) = editor
        .post_text("/rapports/nouveau", &[("csrf", &csrf), ("annee", "2020"), ("depart", "precedent")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // From its 2019 report.
    let r = s.report(s.report_id("15", 2020).await).await;
    let previous = s.report(s.report_id("15", 2019).await).await;
    let calpae = bilan_source::referentiel::builtin().programme("calpae").unwrap();
    assert_eq!(r, bilan_domain::draft::follow_up(&previous, 2020, calpae));
    // Twice: refused, nothing added.
    let (status, body) = editor
        .post_text("/rapports/nouveau", &[("csrf", &csrf), ("annee", "2020"), ("depart", "vide")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("existe déjà"), "{body}");
    // A signatory or the State: 403.
    let (status, _) = s
        .login("signataire.allier")
        .await
        .post_text("/rapports/nouveau", &[("csrf", &csrf), ("annee", "2021")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_administrator_adds_an_indicator_to_the_catalogue_with_history() {
    let s = start().await;
    let admin = s.login("admin").await;
    let (status, html) = admin.page("/referentiels").await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "form-indicateur-pacte"));
    let national = s.login("national").await;
    let (status, html) = national.page("/referentiels").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!has_id(&html, "form-indicateur-pacte"), "the national reader reads only");
    assert_eq!(s.login("editeur.allier").await.page("/referentiels").await.0, StatusCode::FORBIDDEN);

    let csrf = admin.csrf().await;
    let indicator = |code: &'static str, measure: &'static str, version: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("version", version.to_string()),
            ("code", code.to_string()),
            ("intitule", "Nombre de familles accompagnées vers le logement".to_string()),
            ("mesure", measure.to_string()),
            ("unite", "nombre".to_string()),
            ("agregation", "somme".to_string()),
            ("depuis", "2025".to_string()),
            ("source", "Instruction du 3 mars 2025".to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.post_text("/referentiels/pacte/indicateurs", &refs).await
        }
    };
    let measure = bilan_source::referentiel::builtin().programme("pacte").unwrap().measures[0].code.clone();
    let measure: &'static str = Box::leak(measure.into_boxed_str());
    // An unknown measure: refused with the validator's French message, nothing stored.
    let (status, body) = post(indicator("PACTE-LOGEMENT-01", "PACTE-INCONNUE", "1")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("PACTE-INCONNUE"), "{body}");
    assert_eq!(s.store.referentiel("pacte").await.unwrap().unwrap().version, 1);
    // Accepted: version 2, in the history and the audit log.
    let (status, body) = post(indicator("PACTE-LOGEMENT-01", measure, "1")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Version 2 enregistrée"));
    let (_, html) = national.page("/referentiels").await;
    assert!(html.contains("PACTE-LOGEMENT-01"));
    let (_, html) = admin.page("/referentiels/pacte/historique").await;
    assert!(has_id(&html, "version-referentiel-2") && has_id(&html, "version-referentiel-1"));
    // A form drawn at version 1, posted after version 2: 409, nothing written.
    let (status, _) = post(indicator("PACTE-LOGEMENT-02", measure, "1")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s.store.referentiel("pacte").await.unwrap().unwrap().version, 2);
    // The national reader may not change it.
    let csrf_n = national.csrf().await;
    let (status, _) =
        national.post_text("/referentiels/pacte/annee", &[("csrf", &csrf_n), ("version", "2")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A year added: the programme now covers 2028.
    let (status, _) =
        admin.post_text("/referentiels/pacte/annee", &[("csrf", &csrf), ("version", "2")]).await;
    assert_eq!(status, StatusCode::OK);
    let text = s.store.referentiel("pacte").await.unwrap().unwrap().text;
    assert_eq!(bilan_source::referentiel::parse("pacte", &text).unwrap().last_year, 2028);
}

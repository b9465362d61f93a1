//! The State side over HTTP: review queue and page, comments, decisions and reopening,
//! credits, dashboards and open data, with their access rules and refusals.

mod common;

use bilan_store::Status;
use common::*;
use reqwest::StatusCode;

/// Takes a demo report through adoption and transmission, as the store's administrator.
async fn transmit(s: &Server, id: i64) {
    transmit_adopted_on(s, id, "2021-06-01").await;
}

/// Adopted (deliberation « CP-1 » of `date`) then transmitted, as the administrator.
async fn transmit_adopted_on(s: &Server, id: i64, date: &str) {
    let admin = s.admin_id().await;
    let adopted = Some(("CP-1".to_string(), date.to_string()));
    s.store.set_status(admin, id, Status::Draft, Status::Adopted, "test", adopted).await.unwrap();
    s.store.set_status(admin, id, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();
}

#[tokio::test]
async fn queue_lists_only_the_reviewers_perimeter() {
    let s = start().await;
    let allier_2020 = s.report_id("03", 2020).await;
    transmit(&s, allier_2020).await;
    let haute_loire = s.report_id("43", 2019).await;

    let pref = s.login("prefecture.allier").await;
    let (status, body) = pref.page("/revue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&body, &format!("revue-{allier_2020}")), "{body}");
    assert!(!has_id(&body, &format!("revue-{haute_loire}")), "another Département is listed");
    assert!(has_id(&body, "attendus"));
    assert!(body.contains("Valeurs atypiques"));
    // The main navigation marks the section of the page.
    assert_eq!(attr_by_id(&body, "lien-file-revue", "aria-current").as_deref(), Some("true"));
    assert_eq!(attr_by_id(&body, "lien-mes-rapports", "aria-current"), None);

    // One year at a time: by default the latest year with a report to examine.
    let region = s.login("region.ara").await;
    let (_, body) = region.page("/revue").await;
    assert!(has_id(&body, &format!("revue-{allier_2020}")));
    assert!(!has_id(&body, &format!("revue-{haute_loire}")));
    let (_, body) = region.page("/revue?annee=2019").await;
    assert!(has_id(&body, &format!("revue-{haute_loire}")), "{body}");
    assert_eq!(region.page("/revue?annee=deux").await.0, StatusCode::BAD_REQUEST);

    // The State's home page is its queue; the Département's, its reports.
    let home = pref.get("/").await;
    assert_eq!(home.headers()["location"], "/revue");
    assert_eq!(s.login("editeur.allier").await.get("/").await.headers()["location"], "/rapports");

    // Départements have no queue.
    let editor = s.login("editeur.allier").await;
    assert_eq!(editor.page("/revue").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn review_page_access_follows_the_report_access() {
    let s = start().await;
    let allier_2019 = s.report_id("03", 2019).await; // draft
    let haute_loire = s.report_id("43", 2019).await; // transmitted, region 84
    let pref = s.login("prefecture.allier").await;
    for id in [allier_2019, haute_loire] {
        let (status, body) = pref.page(&format!("/rapports/{id}/revue")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "préfecture of Allier, report {id}");
        assert!(!body.contains("Haute-Loire") && !body.contains("Allier (03) – 2019"));
    }
    let region = s.login("region.ara").await;
    let (status, body) = region.page(&format!("/rapports/{haute_loire}/revue")).await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "decision",
        "form-renvoyer",
        "diagnostics",
        "modifications",
        "comparaison",
        "valeurs-atypiques",
        "form-commentaire",
    ] {
        assert!(has_id(&body, part), "{part} missing");
    }
    // The national reader reads but does not decide.
    let national = s.login("national").await;
    let (status, body) = national.page(&format!("/rapports/{haute_loire}/revue")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!has_id(&body, "form-renvoyer") && !has_id(&body, "form-commentaire"));
    let csrf = national.csrf().await;
    let r = national.post(&format!("/rapports/{haute_loire}/approuver"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = national
        .post(
            &format!("/rapports/{haute_loire}/commentaires"),
            &[("csrf", &csrf), ("cible", "rapport"), ("texte", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(s.store.comments(haute_loire).await.unwrap().is_empty());
}

#[tokio::test]
async fn send_back_with_comments_then_diff_of_versions_then_approve_and_reopen() {
    let s = start().await;
    let id = s.report_id("03", 2020).await;
    transmit(&s, id).await;
    let pref = s.login("prefecture.allier").await;
    let csrf = pref.csrf().await;

    // Bad comments: empty, unknown action, unknown diagnostic: 422 and nothing written.
    for (cible, texte) in
        [("rapport", "  "), ("action:9.9.9", "x"), ("diagnostic:BUD001:titre", "x"), ("n'importe", "x")]
    {
        let (status, body) = pref
            .post_text(
                &format!("/rapports/{id}/commentaires"),
                &[("csrf", &csrf), ("cible", cible), ("texte", texte)],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{cible}");
        assert!(body.contains("Rien n’a été enregistré"), "{body}");
    }
    assert!(s.store.comments(id).await.unwrap().is_empty());

    let r = pref
        .post(
            &format!("/rapports/{id}/commentaires"),
            &[
                ("csrf", &csrf),
                ("cible", "action:1.1.1"),
                ("texte", "Précisez les perspectives <b>2021</b>."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, body) = pref.page(&format!("/rapports/{id}/revue")).await;
    assert!(body.contains("Précisez les perspectives &lt;b&gt;2021&lt;/b&gt;."), "escaped comment shown");

    // Send back: the reason becomes a comment; the Département sees both.
    let r = pref
        .post(&format!("/rapports/{id}/renvoyer"), &[("csrf", &csrf), ("motif", "Perspectives à compléter.")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let editor = s.login("editeur.allier").await;
    let (_, overview) = editor.page(&format!("/rapports/{id}")).await;
    let comments = text_by_id(&overview, "liste-commentaires").expect("the comments on the overview");
    assert!(comments.contains("Motif du renvoi : Perspectives à compléter."), "{comments}");
    assert!(comments.contains("Précisez les perspectives <b>2021</b>."), "{comments}");

    // The Département corrects and retransmits.
    let (_, html) = editor.page(&format!("/rapports/{id}/actions/1.1.1")).await;
    // The remark about the action is on its form.
    let remarks = text_by_id(&html, "liste-commentaires-action").expect("remarks on the action form");
    assert!(remarks.contains("Précisez les perspectives <b>2021</b>."), "{remarks}");
    assert!(html.contains("Précisez les perspectives &lt;b&gt;2021&lt;/b&gt;."), "shown escaped");
    assert!(!remarks.contains("Motif du renvoi"), "report-level comments stay on the overview");
    let mut f = action_form_fields(&html);
    set(&mut f, "perspectives", "Reconduction en 2021 avec deux sessions.");
    assert_eq!(
        editor.post(&format!("/rapports/{id}/actions/1.1.1"), &as_refs(&f)).await.status(),
        StatusCode::SEE_OTHER
    );
    let admin = s.admin_id().await;
    s.store
        .set_status(
            admin,
            id,
            Status::SentBack,
            Status::Adopted,
            "test",
            Some(("CP-2".into(), "2021-07-01".into())),
        )
        .await
        .unwrap();
    s.store.set_status(admin, id, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();

    // The review shows what changed since version 1.
    let (_, body) = pref.page(&format!("/rapports/{id}/revue")).await;
    assert!(has_id(&body, "table-modifications"), "{body}");
    assert!(
        body.contains("Action 1.1.1 – 9. Perspectives")
            && body.contains("Reconduction en 2021 avec deux sessions.")
    );

    // Approve, then reopen: a reason is required; both are in the audit log.
    let r = pref
        .post(&format!("/rapports/{id}/approuver"), &[("csrf", &csrf), ("observation", "Conforme.")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.report(id).await.unwrap().unwrap().summary.status, Status::Approved);
    let (status, _) =
        pref.post_text(&format!("/rapports/{id}/rouvrir"), &[("csrf", &csrf), ("motif", " ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(s.store.report(id).await.unwrap().unwrap().summary.status, Status::Approved);
    let r = pref
        .post(&format!("/rapports/{id}/rouvrir"), &[("csrf", &csrf), ("motif", "Erreur de saisie signalée.")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.report(id).await.unwrap().unwrap().summary.status, Status::Transmitted);
    let audit = s.store.audit(Some(id), 100).await.unwrap();
    let reasons: Vec<String> = audit.iter().filter_map(|a| a.after.clone()).collect::<Vec<_>>();
    let log = format!("{audit:?}");
    assert!(log.contains("approbation : Conforme."), "{reasons:?}");
    assert!(log.contains("réouverture : Erreur de saisie signalée."), "{log}");
    assert!(log.contains("renvoi : Perspectives à compléter."), "{log}");
    assert!(audit.iter().any(|a| a.actor_login.as_deref() == Some("prefecture.allier")));
}

#[tokio::test]
async fn credits_amount_and_decisions_with_refusals() {
    let s = start().await;
    let puy = s.report_id("63", 2019).await; // approved, region 84
    let region = s.login("region.ara").await;
    let csrf = region.csrf().await;
    let (status, body) = region.page(&format!("/rapports/{puy}/credits")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&body, "note-absente"));
    let n = hidden_value(&body, "lignes").unwrap();
    let count: usize = n.parse().unwrap();
    assert!(count >= 2, "the Puy-de-Dôme copy of Allier has carry-overs");
    let action0 = hidden_value(&body, "action-0").unwrap();
    let line0 = hidden_value(&body, "ligne-0").unwrap();
    let action1 = hidden_value(&body, "action-1").unwrap();
    let line1 = hidden_value(&body, "ligne-1").unwrap();
    let revision = hidden_value(&body, "revision").unwrap();

    // A malformed amount: 422, French message, nothing stored.
    let form = |amount: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("montant_etat", amount.to_string()),
            ("lignes", "2".to_string()),
            ("revision", revision.clone()),
            ("action-0", action0.clone()),
            ("ligne-0", line0.clone()),
            ("decision-0", "accepte".to_string()),
            ("motif-0", "Marché notifié en décembre.".to_string()),
            ("action-1", action1.clone()),
            ("ligne-1", line1.clone()),
            ("decision-1", "refuse".to_string()),
            ("motif-1", "Pas d’engagement juridique.".to_string()),
        ]
    };
    let bad = form("quatre cent mille");
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = region.post_text(&format!("/rapports/{puy}/credits"), &refs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Montant État"), "{body}");
    assert!(s.store.next_year_amount(puy).await.unwrap().is_none());
    assert!(s.store.credit_decisions(puy).await.unwrap().is_empty());

    let good = form("450 000,00 €");
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = region.post(&format!("/rapports/{puy}/credits"), &refs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.next_year_amount(puy).await.unwrap(), Some(45_000_000));
    let decisions = s.store.credit_decisions(puy).await.unwrap();
    assert_eq!(decisions.len(), 2);
    let (_, body) = region.page(&format!("/rapports/{puy}/credits")).await;
    assert!(has_id(&body, "telecharger-note-odt"));
    assert!(body.contains("450\u{202f}000,00\u{a0}€"), "the amount appears in the note");
    let r = region.get(&format!("/rapports/{puy}/credits/note.odt")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/vnd.oasis.opendocument.text");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    // The PDF note (PDF/A through Typst) when built with the `pdf` feature, else a French 501.
    let r = region.get(&format!("/rapports/{puy}/credits/note.pdf")).await;
    if cfg!(feature = "pdf") {
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    } else {
        assert_eq!(r.status(), StatusCode::NOT_IMPLEMENTED);
        assert!(r.text().await.unwrap().contains("PDF indisponible"));
    }

    // The Département of another report, and the national reader, cannot decide.
    let national = s.login("national").await;
    let ncsrf = national.csrf().await;
    let r = national
        .post(&format!("/rapports/{puy}/credits"), &[("csrf", &ncsrf), ("montant_etat", "1 €")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.store.next_year_amount(puy).await.unwrap(), Some(45_000_000));
}

#[tokio::test]
async fn dashboards_follow_the_perimeter_and_count_only_transmitted_reports() {
    let s = start().await;
    let region = s.login("region.ara").await;
    let (status, body) = region.page("/tableaux/regions/84?annee=2019").await;
    assert_eq!(status, StatusCode::OK);
    // Haute-Loire (transmitted) and Puy-de-Dôme (approved) count; Allier and Cantal are drafts.
    assert!(has_id(&body, "departement-43") && has_id(&body, "departement-63"), "{body}");
    assert!(!has_id(&body, "departement-03"));
    assert!(has_id(&body, "liste-non-transmis"));
    assert!(body.contains("data-departement=\"03\""));
    assert!(body.contains("<svg") && has_id(&body, "table-mesures") && has_id(&body, "table-indicateurs"));

    // Another region, the national dashboard: 403; a préfecture or a Département: 403.
    assert_eq!(region.page("/tableaux/regions/11").await.0, StatusCode::FORBIDDEN);
    assert_eq!(region.page("/tableaux/national").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        s.login("prefecture.allier").await.page("/tableaux/regions/84").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(s.login("editeur.allier").await.page("/tableaux/national").await.0, StatusCode::FORBIDDEN);
    // An unreadable year: 400 in French; an unknown region: 404.
    let national = s.login("national").await;
    let (status, body) = national.page("/tableaux/national?annee=deux-mille").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("n’est pas une année"));
    assert_eq!(national.page("/tableaux/regions/99").await.0, StatusCode::NOT_FOUND);

    // Open data: CSV rows per Département and a Table Schema naming the same columns.
    let r = national.get("/tableaux/national/donnees/execution-par-departement.csv?annee=2019").await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    // Every expected Département has a row; only the two transmitted or approved have figures.
    assert_eq!(csv.lines().count(), 1 + 101, "{csv}");
    let counted: Vec<&str> = csv.lines().skip(1).filter(|l| !l.ends_with(",non_transmis")).collect();
    assert_eq!(counted.len(), 2, "{counted:?}");
    assert!(counted.iter().any(|l| l.contains(",43,")) && counted.iter().any(|l| l.contains(",63,")));
    let r = national.get("/tableaux/national/donnees/execution-par-departement.schema.json?annee=2019").await;
    let schema = r.text().await.unwrap();
    for name in header {
        assert!(
            schema.contains(&format!("\"name\": \"{name}\""))
                || schema.contains(&format!("\"name\":\"{name}\"")),
            "{name} in {schema}"
        );
    }
    let r = national.get("/tableaux/national/donnees/consolidation.xlsx?annee=2019").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    assert_eq!(national.page("/tableaux/national/donnees/inconnu.csv").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn national_dataset_flags_the_planted_outliers_to_reviewers() {
    let s = start().await;
    let added = bilan_web::demo::seed_national(&s.store, bilan_source::referentiel::builtin()).await.unwrap();
    assert_eq!(added, 595, "601 synthetic reports minus the 6 (collectivité, year) the demo holds");
    let national = s.login("national").await;
    let (status, body) = national.page("/tableaux/national?annee=2019").await;
    assert_eq!(status, StatusCode::OK);
    // The demo's own 2019 drafts (the real Allier report, Cantal) do not count.
    assert!(body.contains("Synthèse : 99 rapport(s) consolidé(s) sur 101 attendu(s)"), "{body}");
    // Sarthe's cost per person and Loir-et-Cher's execution rate are planted outliers.
    let outliers = &body[body.find("id=\"liste-valeurs-atypiques\"").expect("outliers listed")..];
    assert!(outliers.contains("data-departement=\"72\"") && outliers.contains("data-departement=\"41\""));
    // The indicator reported in another unit by three Départements is listed, not summed.
    assert!(body.contains("data-consolidation=\"incompatible\""));
    // Indicators by catalogue code: every one of 2019 in the table with its rule; the
    // Finistère's planted indicator without a code is listed as not linked, with the code
    // to suggest and a link to the review of its report; the Isère's as local.
    let catalogue = &body[body.find("id=\"referentiel\"").expect("catalogue section")..];
    assert!(has_id(catalogue, "table-referentiel"));
    assert!(
        catalogue.contains("id=\"referentiel-CALPAE-REFERENT-02\" data-agregation=\"somme\""),
        "{catalogue}"
    );
    assert!(catalogue.contains("id=\"referentiel-CALPAE-GAA-04\" data-agregation=\"repartition\""));
    assert!(!catalogue.contains("id=\"referentiel-CALPAE-FTS-01\""), "FTS starts in 2020");
    let unlinked = &catalogue[catalogue.find("id=\"liste-non-rattaches\"").expect("not linked listed")..];
    let finistere = s.report_id("29", 2019).await;
    assert!(unlinked.contains("data-departement=\"29\" data-chemin=\"mesures[0].actions[0]."));
    assert!(unlinked.contains("data-code-suggere=\"CALPAE-ASE-01\""));
    assert!(unlinked
        .contains(&format!("href=\"/rapports/{finistere}/revue?cible=action:1.1.1#form-commentaire\"")));
    // The Cantal's plant is in its draft: not consolidated.
    assert!(!unlinked[..unlinked.find("</ul>").unwrap()].contains("data-departement=\"15\""));
    let local = &catalogue[catalogue.find("id=\"liste-indicateurs-locaux\"").expect("local listed")..];
    assert!(local.contains("data-departement=\"38\"") && local.contains("Nombre de repas solidaires servis"));
    // The reviewer of the region sees the flag on the report itself.
    let sarthe = s.report_id("72", 2019).await;
    let (_, review) = national.page(&format!("/rapports/{sarthe}/revue")).await;
    assert!(review.contains("data-type=\"cout-par-personne\""), "{review}");
    open_data_from_the_stored_figures_is_what_the_texts_give(&s, &national).await;
}

/// Stores a synthetic report of the national dataset under its signatory, as campaigns do,
/// and takes it to « transmis ».
async fn store_transmitted(s: &Server, code: &str, year: i32) -> (i64, bilan_domain::Report) {
    let r = bilan_synthetic::signatory_year(bilan_web::demo::NATIONAL_SEED, code, year).unwrap().report;
    let signatory = r.signatory();
    let new = bilan_store::NewCollectiviteReport {
        collectivite: signatory.as_str().to_string(),
        territories: signatory.territories().iter().map(|t| t.to_string()).collect(),
        year,
        programme: r.programme.clone(),
        text: bilan_source::to_toml(&r),
        actions: r.actions().map(|(_, _, _, a)| a.number.clone()).collect(),
    };
    let id = s.store.create_collectivite_report(None, &new).await.unwrap();
    transmit(s, id).await;
    (id, s.report(id).await)
}

/// (code, path) of every diagnostic a page lists.
fn listed_diagnostics(html: &str) -> Vec<(String, String)> {
    let doc = parse(html);
    let mut out: Vec<(String, String)> = select(&doc, "li[id^='diag-'][data-code][data-chemin]")
        .iter()
        .map(|li| {
            let v = li.value();
            (v.attr("data-code").unwrap().to_string(), v.attr("data-chemin").unwrap().to_string())
        })
        .collect();
    out.sort();
    out
}

fn expected_diagnostics(
    r: &bilan_domain::Report,
    previous: Option<&bilan_domain::Report>,
) -> Vec<(String, String)> {
    let programme = bilan_source::referentiel::builtin().programme(&r.programme);
    let mut out: Vec<(String, String)> =
        bilan_check::check_with(r, bilan_check::Context { previous, programme })
            .into_iter()
            .map(|d| (d.code.to_string(), d.path))
            .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_metropole_de_lyon_is_expected_and_checked_against_its_own_reports() {
    let s = start().await;
    let (_, rhone_2024) = store_transmitted(&s, "69", 2024).await;
    let (lyon_2025, lyon_2025_report) = store_transmitted(&s, "69M", 2025).await;

    // The regional dashboard of Auvergne-Rhône-Alpes expects the Métropole de Lyon beside
    // the Rhône: 2024, the Rhône counted, the Métropole not transmitted.
    let region = s.login("region.ara").await;
    let (status, body) = region.page("/tableaux/regions/84?annee=2024").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Synthèse : 1 rapport(s) consolidé(s) sur 13 attendu(s)"), "{body}");
    assert!(has_id(&body, "departement-69") && !has_id(&body, "departement-69M"));
    let missing = text_by_id(&body, "liste-non-transmis").expect("not transmitted listed");
    assert!(missing.contains("Métropole de Lyon (69M) : aucun rapport"), "{missing}");
    assert!(!missing.contains("Rhône (69)"), "{missing}");
    // 2025: the Métropole counted, the Rhône expected.
    let (_, body) = region.page("/tableaux/regions/84?annee=2025").await;
    assert!(has_id(&body, "departement-69M") && body.contains("Métropole de Lyon (69M)"), "{body}");
    let missing = text_by_id(&body, "liste-non-transmis").expect("not transmitted listed");
    assert!(missing.contains("Rhône (69) : aucun rapport"), "{missing}");

    // The Métropole's checks do not take the Rhône's 2024 report for its previous one
    // (both cover 69; the Rhône's would change them).
    assert_ne!(
        expected_diagnostics(&lyon_2025_report, None),
        expected_diagnostics(&lyon_2025_report, Some(&rhone_2024)),
        "the test needs a previous report that changes the checks"
    );
    let national = s.login("national").await;
    let (_, page) = national.page(&format!("/rapports/{lyon_2025}/diagnostics")).await;
    assert_eq!(listed_diagnostics(&page), expected_diagnostics(&lyon_2025_report, None));
    let (_, review) = national.page(&format!("/rapports/{lyon_2025}/revue")).await;
    assert!(has_id(&review, "pas-de-precedent"), "{review}");
    // Once the Métropole's own 2024 report is transmitted, it is the one compared.
    let (_, lyon_2024) = store_transmitted(&s, "69M", 2024).await;
    let (_, page) = national.page(&format!("/rapports/{lyon_2025}/diagnostics")).await;
    assert_eq!(listed_diagnostics(&page), expected_diagnostics(&lyon_2025_report, Some(&lyon_2024)));
    let (_, review) = national.page(&format!("/rapports/{lyon_2025}/revue")).await;
    assert!(has_id(&review, "table-comparaison"), "{review}");
}

/// Issue 12, point 3: the national open data (and the dashboard it is drawn from) are
/// computed from the reports' stored figures; they are exactly what parsing the reports'
/// texts and consolidating them gives. The synthetic reports are stored by the test's own
/// store, without figures: the first national read computes and records them. (Part of
/// the national test above: one seeding of the dataset.)
async fn open_data_from_the_stored_figures_is_what_the_texts_give(s: &Server, national: &Agent) {
    use bilan_consolidate::{consolidate_with_catalogue, ReportState, Scope};
    for (programme, year) in [("calpae", 2019), ("pacte", 2025)] {
        let filter = bilan_store::ReportFilter {
            departments: None,
            statuses: Some(vec![Status::Transmitted, Status::Approved]),
            year: Some(year),
        };
        let texts = s.store.reports_with_text(&filter).await.unwrap();
        let parsed: Vec<(ReportState, bilan_domain::Report)> = texts
            .iter()
            .filter(|(r, _)| r.programme == programme)
            .map(|(r, text)| {
                let state = if r.status == Status::Approved {
                    ReportState::Approved
                } else {
                    ReportState::Transmitted
                };
                (state, bilan_source::parse_str(text).unwrap().report)
            })
            .collect();
        let pairs: Vec<(ReportState, &bilan_domain::Report)> =
            parsed.iter().map(|(st, r)| (*st, r)).collect();
        let catalogue = bilan_source::referentiel::builtin().programme(programme).unwrap();
        let from_texts = consolidate_with_catalogue(&Scope::national(programme, year), catalogue, &pairs);
        let tables = bilan_sheets::opendata::opendata_tables(&from_texts);
        assert_eq!(tables.len(), 3);
        for table in &tables {
            let r =
                national.get(&format!("/tableaux/national/donnees/{}.csv?annee={year}", table.name)).await;
            assert_eq!(r.status(), StatusCode::OK);
            let served = r.text().await.unwrap();
            assert_eq!(
                served,
                bilan_sheets::opendata::opendata_csv(table),
                "{} {programme} {year}",
                table.name
            );
        }
        // Every counted report now has its figures, of its current revision.
        let stored = s.store.figures(&filter).await.unwrap();
        assert_eq!(stored.len(), texts.len());
        assert!(stored.iter().all(|(_, f)| f.is_some()));
    }
    // The queue reads the deadlines from the figures: the national reader's queue of 2019.
    let (status, queue) = national.page("/revue?annee=2019").await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains("id=\"table-revue\""));
}

// ---------------------------------------------------------------- bulk work (issue 13)

#[tokio::test]
async fn bulk_approval_approves_each_report_on_its_own_and_says_why_not() {
    let s = start().await;
    let admin = s.admin_id().await;
    // Three consistent reports of 2021 (one warning each, TXT001), in the region: two with
    // the warning justified before transmission, one without (the re-check refuses it).
    let text = include_str!("fixtures/propre-2021.toml");
    let mut ids = Vec::new();
    for code in ["03", "15", "43"] {
        // Adopted: the deliberation is in the text (COM004 otherwise).
        let t = text.replace("departement = \"03\"", &format!("departement = \"{code}\""))
            + "\n[deliberation]\nnumero = \"CP-1\"\ndate = 2022-06-01\n";
        let id = s.store.create_report(None, code, 2021, "calpae", &t, &["1.1.1".to_string()]).await.unwrap();
        if code != "43" {
            s.store
                .set_justification(
                    admin,
                    id,
                    "TXT001",
                    "mesures[0].actions[0].perspectives",
                    "Arrêtées en commission.",
                )
                .await
                .unwrap();
        }
        transmit(&s, id).await;
        ids.push(id);
    }
    let (allier, cantal, blocked) = (ids[0], ids[1], ids[2]);
    let puy = s.report_id("63", 2019).await; // approved

    // The queue offers a checkbox per transmitted report, in one form.
    let region = s.login("region.ara").await;
    let (_, queue) = region.page("/revue?annee=2021").await;
    assert!(has_id(&queue, "form-approbation-groupee"), "{queue}");
    assert_eq!(attr_by_id(&queue, &format!("choisir-{allier}"), "name").as_deref(), Some("rapports"));
    let (_, queue) = region.page("/revue?annee=2019").await;
    assert!(!has_id(&queue, &format!("choisir-{puy}")), "an approved report is not offered");

    let csrf = region.csrf().await;
    let (a, c, b, p) = (allier.to_string(), cantal.to_string(), blocked.to_string(), puy.to_string());
    let form = [
        ("csrf", csrf.as_str()),
        ("rapports", a.as_str()),
        ("rapports", c.as_str()),
        ("rapports", b.as_str()),
        ("rapports", p.as_str()),
        ("rapports", "999999"),
        ("rapports", a.as_str()),
    ];
    let (status, body) = region.post_text("/revue/approuver", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(has_id(&body, &format!("approuve-{allier}")), "{body}");
    assert!(has_id(&body, &format!("approuve-{cantal}")), "{body}");
    assert_eq!(attr_by_id(&body, &format!("refuse-{blocked}"), "data-motif").as_deref(), Some("bloquant"));
    assert!(
        text_by_id(&body, &format!("refuse-{blocked}"))
            .unwrap()
            .contains("0 erreur(s) et 1 avertissement(s)"),
        "{body}"
    );
    assert_eq!(attr_by_id(&body, &format!("refuse-{puy}"), "data-motif").as_deref(), Some("statut"));
    assert_eq!(attr_by_id(&body, "refuse-999999", "data-motif").as_deref(), Some("introuvable"));
    assert_eq!(
        text_by_id(&body, "resume-approbation").unwrap(),
        "2 rapport(s) approuvé(s), 3 non approuvé(s)."
    );

    let status_of = |id: i64| {
        let store = s.store.clone();
        async move { store.report(id).await.unwrap().unwrap().summary.status }
    };
    assert_eq!(status_of(allier).await, Status::Approved);
    assert_eq!(status_of(cantal).await, Status::Approved);
    assert_eq!(status_of(blocked).await, Status::Transmitted);
    assert_eq!(status_of(puy).await, Status::Approved);
    // The Allier's editor is told of its approval (the Cantal's, of nothing about the Allier).
    let editor = s.store.user_by_login("editeur.allier").await.unwrap().unwrap().id;
    let told: Vec<_> = s.store.notifications(editor, 50).await.unwrap();
    assert!(told.iter().any(|n| n.kind == "approuve" && n.report == Some(allier)), "{told:?}");
    assert!(!told.iter().any(|n| n.report == Some(cantal)), "{told:?}");
    // Following it from the list marks it read and leads to the report; it is nobody
    // else's to follow.
    let note = told.iter().find(|n| n.report == Some(allier)).unwrap();
    let cantal_editor = s.login("editeur.cantal").await;
    let r = cantal_editor.get(&format!("/notifications/{}", note.id)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let allier_editor = s.login("editeur.allier").await;
    let r = allier_editor.get(&format!("/notifications/{}", note.id)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/rapports/{allier}").as_str());
    let after = s.store.notifications(editor, 50).await.unwrap();
    assert!(after.iter().find(|n| n.id == note.id).unwrap().read_at.is_some());
    // Each approval is its own decision in the journal, by its author.
    for id in [allier, cantal] {
        let entries = s.store.audit(Some(id), 100).await.unwrap();
        let decisions: Vec<_> = entries.iter().filter(|e| e.target == "approbation groupée").collect();
        assert_eq!(decisions.len(), 1, "report {id}");
        assert_eq!(decisions[0].actor_login.as_deref(), Some("region.ara"));
    }
    assert!(s
        .store
        .audit(Some(blocked), 100)
        .await
        .unwrap()
        .iter()
        .all(|e| e.target != "approbation groupée"));

    // Nothing chosen: 422. The national reader does not decide; a préfecture does not reach
    // another Département's report.
    let (status, _) = region.post_text("/revue/approuver", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let national = s.login("national").await;
    let ncsrf = national.csrf().await;
    let (status, _) = national.post_text("/revue/approuver", &[("csrf", &ncsrf), ("rapports", &b)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let pref = s.login("prefecture.allier").await;
    let pcsrf = pref.csrf().await;
    let (status, body) = pref.post_text("/revue/approuver", &[("csrf", &pcsrf), ("rapports", &b)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr_by_id(&body, &format!("refuse-{blocked}"), "data-motif").as_deref(), Some("introuvable"));
    assert_eq!(status_of(blocked).await, Status::Transmitted);
}

#[tokio::test]
async fn a_prefecture_sees_every_year_at_once_and_approves_them_together() {
    let s = start().await;
    let admin = s.admin_id().await;
    // Two transmitted Allier reports of two years (2021 and 2022), warnings justified.
    let text = include_str!("fixtures/propre-2021.toml");
    let mut ids = Vec::new();
    for year in [2021, 2022] {
        let t = text
            .replace("annee = 2021", &format!("annee = {year}"))
            .replace("echeance = 2022-06-30", &format!("echeance = {}-06-30", year + 1))
            + &format!("\n[deliberation]\nnumero = \"CP-1\"\ndate = {}-06-01\n", year + 1);
        let id = s.store.create_report(None, "03", year, "calpae", &t, &["1.1.1".to_string()]).await.unwrap();
        s.store
            .set_justification(
                admin,
                id,
                "TXT001",
                "mesures[0].actions[0].perspectives",
                "Arrêtées en commission.",
            )
            .await
            .unwrap();
        if year == 2022 {
            // The 2021 report said 40 young people; the 2022 one starts from 30 (IND004).
            let path = "mesures[0].actions[0].indicateurs[0].situation_precedente";
            s.store
                .set_justification(admin, id, "IND004", path, "Périmètre recalculé en 2022.")
                .await
                .unwrap();
        }
        transmit_adopted_on(&s, id, &format!("{}-06-01", year + 1)).await;
        ids.push(id);
    }
    let pref = s.login("prefecture.allier").await;
    // One year by default: the most recent with a report to examine.
    let (_, one) = pref.page("/revue").await;
    assert!(has_id(&one, &format!("revue-{}", ids[1])), "{one}");
    assert!(!has_id(&one, &format!("revue-{}", ids[0])), "{one}");
    // Every year: both transmitted reports (the most recent year first), the Allier's
    // drafts not, and neither the expected list nor the archive link (a question of one year).
    let (status, all) = pref.page("/revue?annee=toutes").await;
    assert_eq!(status, StatusCode::OK);
    let (a, b) = (format!("revue-{}", ids[0]), format!("revue-{}", ids[1]));
    assert!(all.find(&b).unwrap() < all.find(&a).unwrap(), "2022 before 2021");
    assert!(all.contains("<option value=\"toutes\" selected>Toutes les années</option>"), "{all}");
    assert!(!has_id(&all, "attendus") && !has_id(&all, "lien-page-archive"), "{all}");
    assert_eq!(text_by_id(&all, "resume-file").unwrap(), "2 rapport(s) à examiner.");
    let csrf = pref.csrf().await;
    let (x, y) = (ids[0].to_string(), ids[1].to_string());
    let (status, body) = pref
        .post_text("/revue/approuver", &[("csrf", csrf.as_str()), ("rapports", &x), ("rapports", &y)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        text_by_id(&body, "resume-approbation").unwrap(),
        "2 rapport(s) approuvé(s), 0 non approuvé(s).",
        "{body}"
    );
    // The national reader is not offered every year (all France): asking gets the default.
    let national = s.login("national").await;
    let (status, page) = national.page("/revue?annee=toutes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("value=\"toutes\""), "{page}");
    let (status, _) = pref.page("/revue?annee=tout").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// The entries of a zip, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a readable zip");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().unwrap().to_string(), data);
    }
    out
}

#[tokio::test]
async fn the_perimeter_archive_holds_every_report_of_the_year_as_files_that_open() {
    let s = start().await;
    let admin = s.admin_id().await;
    let allier_2019 = s.report_id("03", 2019).await;
    // The signatory adopts with the signed deliberation; the report is then transmitted.
    let signatory = s.login("signataire.allier").await;
    let (_, page) = signatory.page(&format!("/rapports/{allier_2019}")).await;
    let signed = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("csrf", hidden_value(&page, "csrf").unwrap())
        .text("deliberation_numero", "CP-2020-12")
        .text("deliberation_date", "2020-06-29")
        .part("deliberation_fichier", reqwest::multipart::Part::bytes(signed.clone()).file_name("cp.pdf"));
    let r = signatory
        .client
        .post(s.url(&format!("/rapports/{allier_2019}/adopter")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    s.store.set_status(admin, allier_2019, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();

    let region = s.login("region.ara").await;
    let (status, page) = region.page("/revue/archive?annee=2019").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // Allier (transmitted), Haute-Loire (transmitted), Puy-de-Dôme (approved).
    assert_eq!(attr_by_id(&page, "nombre-rapports", "data-nombre").as_deref(), Some("3"), "{page}");
    assert_eq!(attr_by_id(&page, "format-rapports", "data-format").as_deref(), Some(bilan_format()));
    let href = attr_by_id(&page, "lien-archive", "href").unwrap();
    assert_eq!(href, "/revue/archive.zip?annee=2019");

    let r = region.get(&href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert_eq!(r.headers()["x-bilan-rapports"], "3");
    assert!(r.headers().get("content-length").is_none(), "streamed");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("rapports-2019-region-84.zip"));
    let files = unzip(&r.bytes().await.unwrap());
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let f = bilan_format();
    let expected = [
        "03-2019-calpae-v1/annexe-03-2019-v1.xlsx".to_string(),
        "03-2019-calpae-v1/deliberation-03-2019-v1.pdf".to_string(),
        format!("03-2019-calpae-v1/rapport-03-2019-v1.{f}"),
        "43-2019-calpae-v1/annexe-43-2019-v1.xlsx".to_string(),
        format!("43-2019-calpae-v1/rapport-43-2019-v1.{f}"),
        "63-2019-calpae-v1/annexe-63-2019-v1.xlsx".to_string(),
        format!("63-2019-calpae-v1/rapport-63-2019-v1.{f}"),
    ];
    assert_eq!(names, expected.iter().map(String::as_str).collect::<Vec<_>>());
    for (name, data) in &files {
        if name.ends_with(".xlsx") {
            bilan_sheets::read_annex(data).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        } else if name.ends_with(".odt") {
            let inner = unzip(data);
            assert_eq!(inner["mimetype"], b"application/vnd.oasis.opendocument.text", "{name}");
            assert!(String::from_utf8_lossy(&inner["content.xml"]).contains("Rapport"), "{name}");
        } else {
            assert!(data.starts_with(b"%PDF-"), "{name}");
        }
    }
    assert_eq!(files["03-2019-calpae-v1/deliberation-03-2019-v1.pdf"], signed);

    // A préfecture's archive is its Département's; Départements have none; the year is required.
    let pref = s.login("prefecture.allier").await;
    let files = unzip(&pref.get("/revue/archive.zip?annee=2019").await.bytes().await.unwrap());
    assert!(files.keys().all(|k| k.starts_with("03-2019-")), "{:?}", files.keys());
    assert_eq!(
        s.login("editeur.allier").await.page("/revue/archive?annee=2019").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(region.page("/revue/archive").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(region.page("/revue/archive.zip?annee=deux").await.0, StatusCode::BAD_REQUEST);
}

fn bilan_format() -> &'static str {
    if cfg!(feature = "pdf") {
        "pdf"
    } else {
        "odt"
    }
}

// ---------------------------------------------------------------- notifications by e-mail

/// The Python of a venv holding aiosmtpd: `BILAN_TEST_SMTP_PYTHON` (set by
/// scripts/test.sh), else a venv this test makes under target/ (so that `cargo test`
/// alone works). `None` only when there is no python3 at all.
fn smtp_python() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("BILAN_TEST_SMTP_PYTHON") {
        return Some(p.into());
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/aiosmtpd-venv");
    let python = root.join("bin/python");
    let has = |p: &std::path::Path| {
        std::process::Command::new(p).args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success())
    };
    if has(&python) {
        return Some(python);
    }
    let venv = std::process::Command::new("python3").arg("-m").arg("venv").arg(&root).status();
    match venv {
        Err(_) => return None,
        Ok(s) => assert!(s.success(), "python3 -m venv {} a échoué (paquet python3-venv ?)", root.display()),
    }
    let pip =
        std::process::Command::new(root.join("bin/pip")).args(["install", "-q", "aiosmtpd==1.4.6"]).status();
    assert!(pip.is_ok_and(|s| s.success()), "pip install aiosmtpd a échoué");
    assert!(has(&python));
    Some(python)
}

/// A real SMTP server (scripts/smtp_sink.py, aiosmtpd) on 127.0.0.1:`port`, writing each
/// message it accepts as a JSON file in `dir`.
struct SmtpSink {
    child: std::process::Child,
}

impl SmtpSink {
    fn start(python: &std::path::Path, port: u16, dir: &std::path::Path) -> SmtpSink {
        use std::io::BufRead;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp_sink.py");
        let mut child = std::process::Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("serveur SMTP de test");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "pret", "le serveur SMTP de test n'a pas démarré");
        SmtpSink { child }
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The messages the SMTP server accepted: (recipient, subject, text), sorted.
fn received(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let m: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for to in m["a"].as_array().unwrap() {
                out.push((
                    to.as_str().unwrap().to_string(),
                    m["objet"].as_str().unwrap().to_string(),
                    m["texte"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Waits (polling, at most 20 s) until the SMTP server holds `n` messages.
async fn wait_for_mails(dir: &std::path::Path, n: usize) -> Vec<(String, String, String)> {
    for _ in 0..200 {
        let got = received(dir);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    received(dir)
}

fn pairs(mails: &[(String, String, String)]) -> Vec<(String, String)> {
    mails.iter().map(|(to, subject, _)| (to.clone(), subject.clone())).collect()
}

fn expected(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> =
        list.iter().map(|(to, s)| (format!("{to}@demo.bilan.example"), (*s).to_string())).collect();
    v.sort();
    v
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_reminders_mail_exactly_the_expected_people_once() {
    let Some(python) = smtp_python() else {
        eprintln!("!!!!!!!! python3 absent : test des courriels SMTP NON EXÉCUTÉ !!!!!!!!");
        return;
    };
    let port = free_port();
    let mailbox = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(&python, port, mailbox.path());
    let options = bilan_web::AppOptions {
        smtp: Some(bilan_web::SmtpConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            password: None,
            from: "ne-pas-repondre@bilan.test.example".into(),
        }),
        public_url: "https://bilan.test.example".into(),
        outbox_poll: std::time::Duration::from_millis(100),
        outbox_backoff: std::time::Duration::from_secs(1),
        ..bilan_web::AppOptions::default()
    };
    let s = start_with(options.clone()).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(bilan_web::background(s.store.clone(), options.clone(), stopped));

    // signataire.allier wants reminders in the application only.
    let signatory = s.login("signataire.allier").await;
    let csrf = signatory.csrf().await;
    let mut prefs = vec![
        ("csrf".to_string(), csrf.clone()),
        ("courriel".to_string(), "signataire.allier@demo.bilan.example".to_string()),
    ];
    for kind in ["transmis", "renvoye", "approuve", "rouvert", "commentaire"] {
        prefs.push((format!("courriel-{kind}"), "oui".to_string()));
    }
    let r = signatory.post("/compte/notifications", &as_refs(&prefs)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A transmission: the préfecture and the region of the Allier, nobody else.
    let id = s
        .store
        .create_report(
            None,
            "03",
            2021,
            "calpae",
            include_str!("fixtures/propre-2021.toml"),
            &["1.1.1".to_string()],
        )
        .await
        .unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("deliberation_numero", "CD-2022-17"),
        ("deliberation_date", "2022-06-01"),
        ("deliberation_instance", "commission permanente"),
    ];
    assert_eq!(
        signatory.post(&format!("/rapports/{id}/adopter"), &form).await.status(),
        StatusCode::SEE_OTHER
    );
    let author = s.store.user_by_login("editeur.allier").await.unwrap().unwrap().id;
    s.store
        .set_justification(author, id, "TXT001", "mesures[0].actions[0].perspectives", "En commission.")
        .await
        .unwrap();
    let r = signatory.post(&format!("/rapports/{id}/transmettre"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let transmitted = "Rapport transmis : Allier (03) – rapport 2021 (CALPAE)";
    let mails = wait_for_mails(mailbox.path(), 2).await;
    assert_eq!(pairs(&mails), expected(&[("prefecture.allier", transmitted), ("region.ara", transmitted)]));
    assert!(
        mails[0].2.contains(&format!("https://bilan.test.example/rapports/{id}/revue")),
        "{}",
        mails[0].2
    );
    // In the application too: the préfecture's header counts it, its page lists it.
    let prefecture = s.login("prefecture.allier").await;
    let (_, html) = prefecture.page("/notifications").await;
    assert_eq!(text_by_id(&html, "notifications-non-lues").as_deref(), Some("1"));
    assert!(has_id(&html, "liste-notifications") && html.contains(transmitted), "{html}");
    assert_eq!(
        text_by_id(&s.login("editeur.cantal").await.page("/rapports").await.1, "notifications-non-lues")
            .as_deref(),
        Some("0")
    );

    // The SMTP server stops: the sender too (cleanly), and the events still succeed.
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), sender).await.unwrap().unwrap();
    sink.stop();
    let pcsrf = prefecture.csrf().await;
    let r = prefecture
        .post(&format!("/rapports/{id}/renvoyer"), &[("csrf", &pcsrf), ("motif", "Annexe à compléter.")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.report(id).await.unwrap().unwrap().summary.status, Status::SentBack);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (sent, failed) = bilan_web::deliver_outbox(&s.store, &options, now).await.unwrap();
    assert_eq!((sent, failed), (0, 1), "the server is down: one failure, then the pass stops");
    assert_eq!(s.store.outbox_depth().await.unwrap(), 2);

    // Reminders of a campaign whose deadline is 7 days away, then past: computed twice
    // each, written once.
    let national = s.login("national").await;
    let ncsrf = national.csrf().await;
    let r = national
        .post(
            "/campagnes",
            &[("csrf", &ncsrf), ("programme", "pacte"), ("annee", "2025"), ("echeance", "2030-06-30")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let j7 = bilan_domain::Date::parse("2030-06-23").unwrap();
    assert_eq!(bilan_web::send_reminders(&s.store, &options, j7).await.unwrap(), 2, "Allier and Cantal");
    assert_eq!(bilan_web::send_reminders(&s.store, &options, j7).await.unwrap(), 0);
    let late = bilan_domain::Date::parse("2030-07-01").unwrap();
    assert_eq!(bilan_web::send_reminders(&s.store, &options, late).await.unwrap(), 2);
    assert_eq!(bilan_web::send_reminders(&s.store, &options, late).await.unwrap(), 0);
    // Far from the deadline: nothing.
    let early = bilan_domain::Date::parse("2030-01-01").unwrap();
    assert_eq!(bilan_web::send_reminders(&s.store, &options, early).await.unwrap(), 0);

    // The SMTP server is back, and a server restarts its sender: every e-mail arrives,
    // exactly once.
    let sink = SmtpSink::start(&python, port, mailbox.path());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(bilan_web::background(s.store.clone(), options.clone(), stopped));
    let sent_back = "Rapport renvoyé pour corrections : Allier (03) – rapport 2021 (CALPAE)";
    let j7_allier = "Échéance dans 7 jours : Allier (03) – rapport 2025 (Pacte des solidarités)";
    let j7_cantal = "Échéance dans 7 jours : Cantal (15) – rapport 2025 (Pacte des solidarités)";
    let late_allier = "Échéance dépassée : Allier (03) – rapport 2025 (Pacte des solidarités)";
    let late_cantal = "Échéance dépassée : Cantal (15) – rapport 2025 (Pacte des solidarités)";
    let all = expected(&[
        ("prefecture.allier", transmitted),
        ("region.ara", transmitted),
        ("editeur.allier", sent_back),
        ("signataire.allier", sent_back),
        ("editeur.allier", j7_allier),
        ("editeur.cantal", j7_cantal),
        ("editeur.allier", late_allier),
        ("prefecture.allier", late_allier),
        ("editeur.cantal", late_cantal),
    ]);
    let mails = wait_for_mails(mailbox.path(), all.len()).await;
    // A few more polls: nothing is sent twice.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), sender).await.unwrap().unwrap();
    assert_eq!(pairs(&received(mailbox.path())), all, "{mails:#?}");
    assert_eq!(s.store.outbox_depth().await.unwrap(), 0);
    let text = &mails.iter().find(|m| m.1 == sent_back).unwrap().2;
    assert!(
        text.contains("Motif : Annexe à compléter.")
            && text.contains(&format!("https://bilan.test.example/rapports/{id}")),
        "{text}"
    );
    // signataire.allier got its reminders in the application only.
    let notes = s
        .store
        .notifications(s.store.user_by_login("signataire.allier").await.unwrap().unwrap().id, 50)
        .await
        .unwrap();
    assert_eq!(notes.iter().filter(|n| n.kind == "rappel").count(), 2);
    // The administrator reads them all on « Courriels envoyés ».
    let (status, html) = s.login("admin").await.page("/admin/courriels").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&parse(&html), "#table-courriels tr[data-statut=envoye]").len(), all.len(), "{html}");
    sink.stop();
}

#[tokio::test]
async fn e_mail_addresses_and_preferences_are_checked() {
    let s = start().await;
    let editor = s.login("editeur.allier").await;
    let (status, html) = editor.page("/compte/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr_by_id(&html, "courriel", "value").as_deref(), Some("editeur.allier@demo.bilan.example"));
    assert!(attr_by_id(&html, "courriel-rappel", "checked").is_some());
    let csrf = editor.csrf().await;
    // An invalid address, another account's: 422, nothing saved, the form as typed.
    for (typed, says) in [
        ("pas-une-adresse", "n’est pas une adresse électronique valide"),
        ("EDITEUR.CANTAL@demo.bilan.example", "déjà celle d’un autre compte"),
    ] {
        let (status, html) =
            editor.post_text("/compte/notifications", &[("csrf", &csrf), ("courriel", typed)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(
            has_id(&html, "erreurs-formulaire")
                && text_by_id(&html, "courriel-erreur").unwrap().contains(says),
            "{html}"
        );
        assert_eq!(attr_by_id(&html, "courriel", "value").as_deref(), Some(typed));
    }
    let me = s.store.user_by_login("editeur.allier").await.unwrap().unwrap();
    assert_eq!(me.email.as_deref(), Some("editeur.allier@demo.bilan.example"));
    assert!(s.store.email_opt_outs(me.id).await.unwrap().is_empty());
    // A new address and fewer e-mails.
    let r = editor
        .post(
            "/compte/notifications",
            &[("csrf", &csrf), ("courriel", "redaction@allier.fr"), ("courriel-renvoye", "oui")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = editor.page("/compte/notifications?enregistre=1").await;
    assert!(has_id(&html, "enregistre") && attr_by_id(&html, "courriel-rappel", "checked").is_none());
    assert_eq!(
        s.store.user_by_login("editeur.allier").await.unwrap().unwrap().email.as_deref(),
        Some("redaction@allier.fr")
    );
    assert_eq!(
        s.store.email_opt_outs(me.id).await.unwrap(),
        ["approuve", "commentaire", "rappel", "rouvert", "transmis"]
    );

    // The administrator sets addresses: created with one, changed, refused when invalid or taken.
    let admin = s.login("admin").await;
    let acsrf = admin.csrf().await;
    let (status, html) = admin
        .post_text(
            "/admin/comptes",
            &[
                ("csrf", &acsrf),
                ("login", "agent.cantal"),
                ("nom", "Agent"),
                ("mot_de_passe", "mot-de-passe-long"),
                ("role", "editeur"),
                ("territoire", "15"),
                ("courriel", "redaction@allier.fr"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_by_id(&html, "message-admin").unwrap().contains("déjà celle d’un autre compte"), "{html}");
    let (status, _) = admin
        .post_text(
            "/admin/comptes",
            &[
                ("csrf", &acsrf),
                ("login", "agent.cantal"),
                ("nom", "Agent"),
                ("mot_de_passe", "mot-de-passe-long"),
                ("role", "editeur"),
                ("territoire", "15"),
                ("courriel", "agent@cantal.fr"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let agent = s.store.user_by_login("agent.cantal").await.unwrap().unwrap();
    assert_eq!(agent.email.as_deref(), Some("agent@cantal.fr"));
    let path = format!("/admin/comptes/{}/courriel", agent.id);
    for bad in ["x@", "redaction@allier.fr"] {
        let (status, html) = admin.post_text(&path, &[("csrf", &acsrf), ("courriel", bad)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(text_by_id(&html, "message-admin").unwrap().contains("Adresse électronique non enregistrée"));
    }
    let r = admin.post(&path, &[("csrf", &acsrf), ("courriel", "")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.user_by_login("agent.cantal").await.unwrap().unwrap().email, None);
    // Only the administrator reads the outbox.
    assert_eq!(editor.page("/admin/courriels").await.0, StatusCode::FORBIDDEN);
    let (status, html) = admin.page("/admin/courriels").await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "etat-smtp") && has_id(&html, "aucun-courriel"), "{html}");
}

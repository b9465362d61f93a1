//! The per-revision cache of parsed reports and diagnostics (`service::cache`) seen from
//! outside: two servers on one database, each with its own cache, always show the report as
//! the database holds it now, whoever changed it.

mod common;

use bilan_domain::{IndicatorValue, Quantity};
use bilan_store::{Status, Store, Transition};
use common::*;
use reqwest::StatusCode;

/// A second server on the first one's database (its own pool, its own caches), and the
/// same signed-in client pointed at it (sessions live in the database).
async fn second_server(s: &Server) -> String {
    let store = Store::connect(&s.database_url).await.unwrap();
    serve(store, bilan_web::AppOptions::default()).await
}

fn on(agent: &Agent, base: &str) -> Agent {
    Agent { client: agent.client.clone(), base: base.to_string() }
}

#[tokio::test]
async fn an_edit_on_one_server_is_seen_by_the_other() {
    let s = start().await;
    let b = second_server(&s).await;
    let id = s.report_id("03", 2019).await;
    let on_a = s.login("editeur.allier").await;
    let on_b = on(&on_a, &b);
    let title = |html: &str| text_by_id(html, "intitule-rapport").unwrap_or_default();
    // Both servers have read (and cached) the report, twice.
    let (_, first) = on_a.page(&format!("/rapports/{id}")).await;
    for agent in [&on_a, &on_b, &on_a, &on_b] {
        let (status, page) = agent.page(&format!("/rapports/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(title(&page), title(&first));
    }

    // Changed through the general form of server A: B shows it at once.
    let (_, form) = on_a.page(&format!("/rapports/{id}/general")).await;
    let mut fields = form_fields(&form, "form-general");
    set(&mut fields, "titre", "Rapport relu par le second serveur");
    let r = on_a.post(&format!("/rapports/{id}/general"), &as_refs(&fields)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for agent in [&on_b, &on_a] {
        let (_, page) = agent.page(&format!("/rapports/{id}")).await;
        assert!(title(&page).contains("Rapport relu par le second serveur"), "{}", title(&page));
    }

    // Changed in the database by someone else (another server, a script): both see it,
    // and their forms carry the new revision.
    let admin = s.admin_id().await;
    edit_text(&s.store, admin, id, |r| r.title = "Titre changé hors de ces serveurs".into()).await;
    for agent in [&on_a, &on_b] {
        let (_, page) = agent.page(&format!("/rapports/{id}")).await;
        assert!(title(&page).contains("Titre changé hors de ces serveurs"), "{}", title(&page));
        let (_, general) = agent.page(&format!("/rapports/{id}/general")).await;
        assert_eq!(
            hidden_value(&general, "revision"),
            Some(s.store.report_revision(id).await.unwrap().unwrap().to_string()),
            "the form carries the current revision"
        );
    }
}

async fn page_of(agent: &Agent, id: i64) -> String {
    agent.page(&format!("/rapports/{id}/diagnostics")).await.1
}

#[tokio::test]
async fn diagnostics_follow_last_years_report_across_servers() {
    let s = start().await;
    let b = second_server(&s).await;
    let (y2019, y2020) = (s.report_id("03", 2019).await, s.report_id("03", 2020).await);
    let admin = s.admin_id().await;
    let on_a = s.login("editeur.allier").await;
    let on_b = on(&on_a, &b);

    // The 2020 report's indicator baseline differs from 2019's result once 2019 says 987 654.
    let follow = s.report(y2020).await;
    let (number, name) = follow
        .actions()
        .flat_map(|(_, _, _, a)| a.indicators.iter().map(move |i| (a, i)))
        .find(|(_, i)| matches!(i.baseline, Some(IndicatorValue::Number(_))))
        .map(|(a, i)| (a.number.clone(), i.name.clone()))
        .unwrap();
    for id in [y2019, y2020] {
        let value = if id == y2019 { 987_654 } else { 5 };
        let (number, name) = (number.clone(), name.clone());
        edit_text(&s.store, admin, id, move |r| {
            indicator_mut(r, &number, &name).result = Some(IndicatorValue::Number(Quantity::from_int(value)));
        })
        .await;
    }
    // 2019 is a draft: no comparison, on either server (now cached on both).
    for agent in [&on_a, &on_b, &on_a, &on_b] {
        assert!(!page_of(agent, y2020).await.contains("IND004"));
    }
    // 2019 transmitted (2020 itself unchanged): both compare with it.
    let t = Transition {
        deliberation: Some(("1".into(), "2020-06-01".into())),
        ..Transition::new(Status::Draft, Status::Adopted, "adoption")
    };
    s.store.transition(admin, y2019, t, |_, _| Ok(None)).await.unwrap();
    s.store
        .set_status(admin, y2019, Status::Adopted, Status::Transmitted, "transmission", None)
        .await
        .unwrap();
    for agent in [&on_b, &on_a, &on_b] {
        let page = page_of(agent, y2020).await;
        assert!(page.contains("IND004") && page.contains("987"), "compared with the transmitted 2019 report");
    }
    // 2019 sent back to the Département: a draft again, out of the comparison.
    s.store
        .set_status(admin, y2019, Status::Transmitted, Status::SentBack, "chiffres à revoir", None)
        .await
        .unwrap();
    for agent in [&on_a, &on_b] {
        assert!(!page_of(agent, y2020).await.contains("IND004"));
    }
}

/// The State side's loads are cached by the year's version: a dashboard served twice
/// from one server is a cache hit, and a transmission made elsewhere (the other server,
/// a script on the database) shows on both at the next request.
#[tokio::test]
async fn dashboards_follow_the_database_across_servers() {
    let s = start().await;
    let b = second_server(&s).await;
    let region_a = s.login("region.ara").await;
    let region_b = on(&region_a, &b);
    let allier_counted = |html: &str| has_id(html, "departement-03");
    let url = "/tableaux/regions/84?annee=2019";
    for agent in [&region_a, &region_b, &region_a, &region_b] {
        let (status, page) = agent.page(url).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!allier_counted(&page), "the Allier's 2019 report is a draft");
    }
    let (_, metrics) = region_a.page("/metriques").await;
    assert!(metrics.contains("bilan_cache_hits_total{cache=\"consolidations\"}"), "{metrics}");

    // Transmitted behind both servers' backs: both count it at once.
    let admin = s.admin_id().await;
    let id = s.report_id("03", 2019).await;
    let adopted = Some(("CP-2020-118".to_string(), "2020-06-26".to_string()));
    s.store.set_status(admin, id, Status::Draft, Status::Adopted, "test", adopted).await.unwrap();
    s.store.set_status(admin, id, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();
    for agent in [&region_b, &region_a] {
        let (_, page) = agent.page(url).await;
        assert!(allier_counted(&page), "the transmitted report is counted");
    }
}

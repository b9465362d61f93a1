//! What operators and their machines rely on: one id per request (response header, 500 page),
//! `/sante`, `/metriques` and who may read them. The log lines and SIGTERM are tested on
//! the real binary (`crates/cli/tests/ops.rs`).

mod common;

use bilan_web::AppOptions;
use common::*;
use reqwest::StatusCode;

fn request_id(r: &reqwest::Response) -> String {
    r.headers().get("x-request-id").expect("x-request-id").to_str().unwrap().to_string()
}

#[tokio::test]
async fn every_response_has_its_own_request_id_and_a_500_page_shows_it() {
    let s = start().await;
    let agent = s.anonymous();
    let a = agent.get("/connexion").await;
    let b = agent.get("/connexion").await;
    let (ia, ib) = (request_id(&a), request_id(&b));
    assert_eq!(ia.len(), 16);
    assert!(ia.bytes().all(|c| c.is_ascii_hexdigit()), "{ia}");
    assert_ne!(ia, ib);
    // A 404 and an API answer carry one too.
    assert_eq!(request_id(&agent.get("/nulle-part").await).len(), 16);
    assert_eq!(request_id(&agent.get("/api/v1/rapports").await).len(), 16);

    // The database goes away: the page is the French 500 whose reference is the request id.
    assert_eq!(agent.get("/sante").await.status(), StatusCode::OK);
    s.store.close().await;
    let r = agent.get("/connexion").await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = request_id(&r);
    let html = r.text().await.unwrap();
    assert_eq!(text_by_id(&html, "reference-erreur").as_deref(), Some(id.as_str()), "{html}");
    // The health check says so, in French, without a session.
    let r = agent.get("/sante").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().starts_with("indisponible : la base de données"));
}

#[tokio::test]
async fn a_trusted_proxy_may_give_the_request_id_a_client_may_not() {
    let proxy = std::net::IpAddr::from([127, 0, 0, 7]);
    let s = start_with(AppOptions { trusted_proxies: vec![proxy], ..AppOptions::default() }).await;
    let nginx_id = "0123456789abcdef0123456789abcdef";
    let r = s
        .anonymous_from(proxy)
        .client
        .get(s.url("/connexion"))
        .header("x-request-id", nginx_id)
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&r), nginx_id);
    // Malformed, even from the proxy: replaced.
    let r = s
        .anonymous_from(proxy)
        .client
        .get(s.url("/connexion"))
        .header("x-request-id", "a b")
        .send()
        .await
        .unwrap();
    assert_ne!(request_id(&r), "a b");
    // From anyone else: replaced.
    let r =
        s.anonymous().client.get(s.url("/connexion")).header("x-request-id", nginx_id).send().await.unwrap();
    assert_ne!(request_id(&r), nginx_id);
}

#[tokio::test]
async fn health_needs_no_session_and_answers_ok() {
    let s = start().await;
    let r = s.anonymous().get("/sante").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("set-cookie").is_none(), "no session, no login token");
    assert_eq!(r.text().await.unwrap(), "ok\n");
    // HEAD, as some load balancers probe.
    let r = s.anonymous().client.head(s.url("/sante")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_matched_route_for_local_clients_only() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let editor = s.login("editeur.allier").await;
    // Twice: the second reading of the report comes from the cache of parsed reports.
    for _ in 0..2 {
        assert_eq!(editor.get(&format!("/rapports/{id}")).await.status(), StatusCode::OK);
    }
    assert_eq!(editor.get("/pas/une/route").await.status(), StatusCode::NOT_FOUND);
    let r = s.anonymous().get("/metriques").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    // The route, never the raw path with its id; unmatched paths share one label.
    assert!(
        text.contains("bilan_http_requests_total{route=\"/rapports/{id}\",method=\"GET\",status=\"2xx\"}"),
        "{text}"
    );
    assert!(!text.contains(&format!("/rapports/{id}\"")), "{text}");
    assert!(text.contains("route=\"(aucune)\",method=\"GET\",status=\"4xx\""), "{text}");
    assert!(text.contains("bilan_http_request_duration_seconds_bucket{route=\"/connexion\",method=\"POST\",status=\"3xx\",le=\"+Inf\"}"));
    assert!(text.contains("# TYPE bilan_cache_hits_total counter"));
    for metric in
        ["bilan_cache_hits_total{cache=\"rapports\"} ", "bilan_cache_misses_total{cache=\"rapports\"} "]
    {
        let n =
            text.lines().find_map(|l| l.strip_prefix(metric)).unwrap_or_else(|| panic!("{metric}: {text}"));
        assert!(n.parse::<u64>().unwrap() >= 1, "{text}");
    }
    assert!(text.contains("# TYPE bilan_cache_rapports_octets gauge"), "{text}");
    // This request is in flight (other tests of this binary may be too: one registry per process).
    let in_flight = text.lines().find_map(|l| l.strip_prefix("bilan_http_requests_in_flight ")).unwrap();
    assert!(in_flight.parse::<i64>().unwrap() >= 1, "{text}");

    // Relayed by a proxy (even one on this machine): refused, in French.
    let r = s
        .anonymous()
        .client
        .get(s.url("/metriques"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().starts_with("accès aux métriques refusé"));
}

#[tokio::test]
async fn with_a_token_metrics_need_it_from_anywhere() {
    let token = "jeton-des-metriques-0123456789";
    let s = start_with(AppOptions { metrics_token: Some(token.into()), ..AppOptions::default() }).await;
    let get = |auth: Option<String>| {
        let mut rq = s.anonymous().client.get(s.url("/metriques"));
        if let Some(a) = auth {
            rq = rq.header("authorization", a);
        }
        rq.send()
    };
    assert_eq!(get(None).await.unwrap().status(), StatusCode::FORBIDDEN, "local but no token");
    assert_eq!(
        get(Some("Bearer mauvais-jeton-0123456789".into())).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(Some(token.into())).await.unwrap().status(), StatusCode::FORBIDDEN, "without Bearer");
    let r = get(Some(format!("Bearer {token}"))).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("# TYPE bilan_http_requests_total counter"));
}

//! The read-only JSON API against the real application (SQLite, demo data): bearer
//! authentication, the pages' access rules, JSON errors in French, the tokens page, and
//! the OpenAPI document.

mod common;

use bilan_store::Status;
use common::{has_id, text_by_id, Server};
use reqwest::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A token for a demo account, created as `bilan jeton` does.
async fn token(s: &Server, login: &str) -> String {
    let user = s.store.user_by_login(login).await.unwrap().unwrap();
    bilan_web::issue_api_token(&s.store, user.id, user.id, "tests", 365).await.unwrap()
}

/// GET with an optional bearer token: (status, JSON body, response headers).
async fn api(s: &Server, token: Option<&str>, path: &str) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    request(s, Method::GET, token, path).await
}

async fn request(
    s: &Server,
    method: Method,
    token: Option<&str>,
    path: &str,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = s.anonymous().client.request(method, s.url(path));
    if let Some(t) = token {
        req = req.header(AUTHORIZATION, format!("Bearer {t}"));
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::Null) };
    assert!(
        text.is_empty() || headers[CONTENT_TYPE] == "application/json",
        "{path}: {:?} {text}",
        headers.get(CONTENT_TYPE)
    );
    (status, body, headers)
}

/// The French message of an error body (and checks its shape).
fn error(body: &Value) -> &str {
    let obj = body.as_object().unwrap_or_else(|| panic!("error body is not an object: {body}"));
    assert_eq!(obj.len(), 1, "{body}");
    obj["erreur"].as_str().unwrap()
}

/// Takes the demo's Allier 2019 draft through adoption to transmission.
async fn transmit_allier(s: &Server) -> i64 {
    let id = s.report_id("03", 2019).await;
    let admin = s.admin_id().await;
    let deliberation = Some(("CD-2020-17".to_string(), "2020-06-15".to_string()));
    s.store.set_status(admin, id, Status::Draft, Status::Adopted, "test", deliberation).await.unwrap();
    s.store.set_status(admin, id, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();
    id
}

/// Every value of the report model under an amount key.
fn declared_amounts(v: &Value, out: &mut Vec<String>) {
    const KEYS: [&str; 10] = [
        "part_etat",
        "part_cd",
        "total",
        "engage",
        "consomme",
        "report",
        "inscrit",
        "realise",
        "recette_etat",
        "montant",
    ];
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match x.as_str() {
                    Some(text) if KEYS.contains(&k.as_str()) => out.push(text.to_string()),
                    _ => declared_amounts(x, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| declared_amounts(x, out)),
        _ => {}
    }
}

fn ids(list: &Value) -> Vec<i64> {
    list["rapports"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn bearer_token_is_required() {
    let s = common::start().await;
    let (status, body, headers) = api(&s, None, "/api/v1/rapports").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error(&body).contains("Authentification requise"), "{body}");
    assert!(headers[WWW_AUTHENTICATE].to_str().unwrap().starts_with("Bearer"));

    let forged = format!("bilan_{}", "0".repeat(64));
    for bad in [forged.as_str(), "bilan_court", "pas-un-jeton"] {
        let (status, body, headers) = api(&s, Some(bad), "/api/v1/rapports").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}");
        assert!(error(&body).contains("invalide"), "{body}");
        assert!(headers[WWW_AUTHENTICATE].to_str().unwrap().contains("invalid_token"));
    }
    // Another scheme is refused.
    let r = s
        .anonymous()
        .client
        .get(s.url("/api/v1/rapports"))
        .header(AUTHORIZATION, "Basic bmF0aW9uYWw6ZGVtbw==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // A session cookie is not an API credential.
    let agent = s.login("national").await;
    let r = agent.get("/api/v1/rapports").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let t = token(&s, "national").await;
    let (status, body, _) = api(&s, Some(&t), "/api/v1/rapports").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body).len(), 2, "Haute-Loire (transmis) and Puy-de-Dôme (approuvé): {body}");

    // The administrator has no access to reports, through the API either.
    let admin = s.store.user_by_login("admin").await.unwrap().unwrap();
    let t = bilan_web::issue_api_token(&s.store, admin.id, admin.id, "admin", 365).await.unwrap();
    for path in ["/api/v1/rapports", "/api/v1/rapports/1", "/api/v1/consolidations/national?annee=2019"] {
        let (status, body, _) = api(&s, Some(&t), path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(error(&body).contains("administrateur"), "{body}");
    }
}

#[tokio::test]
async fn tokens_page_creates_shows_once_and_revokes() {
    let s = common::start().await;
    let agent = s.login("prefecture.allier").await;
    let (status, html) = agent.page("/compte/jetons").await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "lien-jetons"), "header link");
    assert!(has_id(&html, "aucun-jeton"));
    let csrf = agent.csrf().await;

    // The name is required.
    let (status, html) = agent.post_text("/compte/jetons", &[("csrf", &csrf), ("nom", "  ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(has_id(&html, "erreurs-formulaire") && has_id(&html, "jeton-nom-erreur"));
    // Without the CSRF token nothing is created.
    let (status, _) = agent.post_text("/compte/jetons", &[("nom", "script")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, html) =
        agent.post_text("/compte/jetons", &[("csrf", &csrf), ("nom", "Tableau <préfecture>")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "jeton-cree"));
    let t = text_by_id(&html, "jeton-valeur").expect("the new token is shown");
    assert!(t.starts_with("bilan_"), "{t}");
    assert!(html.contains("Tableau &lt;préfecture&gt;"), "name escaped in the list");

    // Shown once: the list does not show it again.
    let (_, html) = agent.page("/compte/jetons").await;
    assert!(!html.contains(&t) && !has_id(&html, "jeton-cree"));
    let tokens = s.store.api_tokens(s.store.user_by_login("prefecture.allier").await.unwrap().unwrap().id);
    let tid = tokens.await.unwrap()[0].id;
    assert!(has_id(&html, &format!("jeton-{tid}")));

    let (status, _, _) = api(&s, Some(&t), "/api/v1/rapports").await;
    assert_eq!(status, StatusCode::OK);

    // Another user cannot revoke it.
    let other = s.login("editeur.allier").await;
    let other_csrf = other.csrf().await;
    let r = other.post(&format!("/compte/jetons/{tid}/revoquer"), &[("csrf", &other_csrf)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (status, _, _) = api(&s, Some(&t), "/api/v1/rapports").await;
    assert_eq!(status, StatusCode::OK);

    let r = agent.post(&format!("/compte/jetons/{tid}/revoquer"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = agent.page("/compte/jetons?revoque=1").await;
    assert!(has_id(&html, "jeton-revoque") && html.contains("data-etat=\"revoque\""));
    let (status, body, headers) = api(&s, Some(&t), "/api/v1/rapports").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked token");
    assert!(error(&body).contains("révoqué"));
    assert!(headers.contains_key(WWW_AUTHENTICATE));

    // The administrator has no tokens page and no header link.
    let admin = s.login("admin").await;
    let (status, _) = admin.page("/compte/jetons").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, html) = admin.page("/admin/comptes").await;
    assert!(!has_id(&html, "lien-jetons"));
}

#[tokio::test]
async fn prefecture_sees_its_transmitted_report_only() {
    let s = common::start().await;
    let allier = transmit_allier(&s).await;
    let allier_2020 = s.report_id("03", 2020).await;
    let cantal = s.report_id("15", 2019).await;
    let haute_loire = s.report_id("43", 2019).await;
    let t = token(&s, "prefecture.allier").await;

    let (status, list, _) = api(&s, Some(&t), "/api/v1/rapports").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&list), vec![allier], "{list}");
    let summary = &list["rapports"][0];
    assert_eq!(summary["departement"], "03");
    assert_eq!(summary["departement_nom"], "Allier");
    assert_eq!(summary["statut"], "transmis");
    assert_eq!(summary["programme"], "calpae");
    assert_eq!(summary["annee"], 2019);
    for q in ["?annee=2020", "?departement=15", "?programme=pacte"] {
        let (status, list, _) = api(&s, Some(&t), &format!("/api/v1/rapports{q}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(ids(&list).is_empty(), "{q}: {list}");
    }
    let (_, list, _) = api(&s, Some(&t), "/api/v1/rapports?annee=2019&departement=03&programme=calpae").await;
    assert_eq!(ids(&list), vec![allier]);

    let (status, doc, _) = api(&s, Some(&t), &format!("/api/v1/rapports/{allier}")).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["id"], allier);
    assert_eq!(doc["statut"], "transmis");
    assert!(doc["transmis_le"].is_string());
    assert_eq!(doc["rapport"]["departement"], "03");
    assert_eq!(doc["rapport"]["annee"], 2019);
    assert!(!doc["rapport"]["mesures"].as_array().unwrap().is_empty());
    // Declared amounts keep the file's notation ("145 468,26 €").
    let mut amounts = Vec::new();
    declared_amounts(&doc["rapport"], &mut amounts);
    assert!(amounts.len() > 20, "{amounts:?}");
    assert!(amounts.iter().any(|a| a.contains(',') && a.ends_with(" €")), "{amounts:?}");

    let (status, diags, _) = api(&s, Some(&t), &format!("/api/v1/rapports/{allier}/diagnostics")).await;
    assert_eq!(status, StatusCode::OK);
    let list = diags["diagnostics"].as_array().unwrap();
    let counts = &doc["diagnostics"];
    let count = |g: &str| list.iter().filter(|d| d["gravite"] == g).count() as u64;
    assert_eq!(counts["erreurs"].as_u64().unwrap(), count("erreur"));
    assert_eq!(counts["avertissements"].as_u64().unwrap(), count("avertissement"));
    assert_eq!(counts["informations"].as_u64().unwrap(), count("info"));
    assert!(list.iter().all(|d| d["code"].as_str().unwrap().len() == 6 && d["chemin"].is_string()));

    // Drafts, other Départements and unknown ids are the same 404.
    let (_, unknown, _) = api(&s, Some(&t), "/api/v1/rapports/999999").await;
    for id in [allier_2020, cantal, haute_loire, 999_999] {
        for suffix in ["", "/diagnostics", "/credits"] {
            let (status, body, _) = api(&s, Some(&t), &format!("/api/v1/rapports/{id}{suffix}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{id}{suffix}");
            assert_eq!(body, unknown, "{id}{suffix}: no hint that it exists");
        }
    }
    assert!(error(&unknown).contains("introuvable"));

    // The credits note: 404 until the N+1 amount is entered.
    let (status, body, _) = api(&s, Some(&t), &format!("/api/v1/rapports/{allier}/credits")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error(&body).contains("montant État N+1 n’est pas encore saisi"), "{body}");
    let admin = s.admin_id().await;
    s.store.set_next_year_amount(admin, allier, 12_345_678).await.unwrap();
    let (status, note, _) = api(&s, Some(&t), &format!("/api/v1/rapports/{allier}/credits")).await;
    assert_eq!(status, StatusCode::OK, "{note}");
    assert_eq!(note["montant_etat_n1"]["centimes"], 12_345_678);
    assert_eq!(note["montant_etat_n1"]["euros"], "123456.78");
    assert_eq!(note["annee_credits"], 2020);
    let delegated = &note["credits_delegues"];
    let cents = delegated["centimes"].as_i64().unwrap();
    assert_eq!(delegated["euros"].as_str().unwrap(), format!("{}.{:02}", cents / 100, cents % 100));
    assert!(!note["lignes"].as_array().unwrap().is_empty());

    // The Département reads the note only once the report is approved.
    let editor = token(&s, "editeur.allier").await;
    let (status, list, _) = api(&s, Some(&editor), "/api/v1/rapports").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&list).len(), 3, "the editor sees its drafts too (2019, 2020, 2024)");
    let (status, body, _) = api(&s, Some(&editor), &format!("/api/v1/rapports/{allier}/credits")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    s.store.set_status(admin, allier, Status::Transmitted, Status::Approved, "test", None).await.unwrap();
    let (status, _, _) = api(&s, Some(&editor), &format!("/api/v1/rapports/{allier}/credits")).await;
    assert_eq!(status, StatusCode::OK);
}

fn cents(v: &Value) -> i64 {
    v["centimes"].as_i64().unwrap_or_else(|| panic!("not an amount: {v}"))
}

#[tokio::test]
async fn consolidations_follow_the_perimeters() {
    let s = common::start().await;
    let national = token(&s, "national").await;
    let (status, c, _) = api(&s, Some(&national), "/api/v1/consolidations/national?annee=2019").await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["programme"], "calpae", "the programme of the year by default");
    assert_eq!(c["perimetre"]["type"], "national");
    assert_eq!(c["departements_attendus"], 101);
    let deps = c["departements"].as_array().unwrap();
    let codes: Vec<&str> = deps.iter().map(|d| d["departement"].as_str().unwrap()).collect();
    assert_eq!(codes, ["43", "63"]);
    assert_eq!(c["non_transmis"].as_array().unwrap().len(), 99);
    let allier = c["non_transmis"].as_array().unwrap().iter().find(|d| d["departement"] == "03").unwrap();
    assert_eq!(allier["statut"], "brouillon");
    assert_eq!(c["non_transmis"][0]["statut"], Value::Null, "Ain has no report");

    // National totals = Σ per-Département totals = Σ per-measure totals, to the cent.
    for figure in ["prevu", "engage", "consomme", "report", "part_etat"] {
        let total = cents(&c["totaux"][figure]);
        let by_dep: i64 = deps.iter().map(|d| cents(&d["totaux"][figure])).sum();
        let by_measure: i64 =
            c["mesures"].as_array().unwrap().iter().map(|m| cents(&m["totaux"][figure])).sum();
        assert_eq!(total, by_dep, "{figure}");
        assert_eq!(total, by_measure, "{figure}");
        let euros = c["totaux"][figure]["euros"].as_str().unwrap();
        assert_eq!(euros, format!("{}.{:02}", total / 100, total % 100));
    }
    assert!(cents(&c["totaux"]["prevu"]) > 0);
    let rate = &c["totaux"]["taux_execution"];
    assert_eq!(rate["denominateur"].as_i64().unwrap(), cents(&c["totaux"]["prevu"]));
    assert_eq!(rate["numerateur"].as_i64().unwrap(), cents(&c["totaux"]["consomme"]));
    // Every cell names its report and its actions.
    let hl = s.report_id("43", 2019).await;
    let cell = c["mesures"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["departements"].as_array().unwrap())
        .find(|x| {
            x["departement"] == "43" && !x["chiffres"]["prevu"]["sources"].as_array().unwrap().is_empty()
        })
        .unwrap();
    assert_eq!(cell["rapport_id"], hl);
    assert!(!cell["actions"].as_array().unwrap().is_empty());
    let source = &cell["chiffres"]["prevu"]["sources"][0];
    assert!(source["chemin"].as_str().unwrap().starts_with("mesures["), "{source}");

    let (status, r, _) = api(&s, Some(&national), "/api/v1/consolidations/regions/84?annee=2019").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["perimetre"]["code"], "84");
    // Its 12 Départements and the Métropole de Lyon.
    assert_eq!(r["departements_attendus"], 13);
    assert_eq!(r["totaux"]["prevu"], c["totaux"]["prevu"], "both reports are in Auvergne-Rhône-Alpes");

    let region = token(&s, "region.ara").await;
    let (status, _, _) = api(&s, Some(&region), "/api/v1/consolidations/regions/84?annee=2019").await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/v1/consolidations/regions/11?annee=2019", "/api/v1/consolidations/national?annee=2019"]
    {
        let (status, body, _) = api(&s, Some(&region), path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(error(&body).contains("réservée"), "{body}");
    }
    let prefecture = token(&s, "prefecture.allier").await;
    let (status, _, _) = api(&s, Some(&prefecture), "/api/v1/consolidations/regions/84?annee=2019").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    for (path, expected) in [
        ("/api/v1/consolidations/regions/99?annee=2019", "inconnue"),
        ("/api/v1/consolidations/national?annee=2023", "Aucun programme"),
        ("/api/v1/consolidations/national?annee=2019&programme=pacte", "couvre les années 2024 à 2027"),
    ] {
        let (status, body, _) = api(&s, Some(&national), path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(error(&body).contains(expected), "{path}: {body}");
    }
    let (status, body, _) = api(&s, Some(&national), "/api/v1/consolidations/national").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error(&body).contains("obligatoire"));
}

#[tokio::test]
async fn errors_are_json_in_french() {
    let s = common::start().await;
    let t = token(&s, "national").await;
    for (path, word) in [
        ("/api/v1/rapports?annee=abc", "annee"),
        ("/api/v1/rapports?annee=1850", "annee"),
        ("/api/v1/rapports?annee=2019&annee=2020", "plusieurs fois"),
        ("/api/v1/rapports?departement=20", "departement"),
        ("/api/v1/rapports?programme=rsa", "programme"),
        ("/api/v1/rapports/abc", "entier positif"),
        ("/api/v1/rapports/0", "entier positif"),
        ("/api/v1/rapports/-3/diagnostics", "entier positif"),
        ("/api/v1/rapports/99999999999999999999999", "entier positif"),
        ("/api/v1/consolidations/national?annee=deux-mille", "annee"),
    ] {
        let (status, body, _) = api(&s, Some(&t), path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        let message = error(&body);
        assert!(message.contains(word), "{path}: {message}");
    }
    let (status, body, _) = api(&s, Some(&t), "/api/v1/inconnue").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error(&body).contains("Adresse inconnue"));

    // Read-only: any other method is 405 with Allow, even without a token or CSRF field.
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        for token in [Some(t.as_str()), None] {
            let (status, body, headers) = request(&s, method.clone(), token, "/api/v1/rapports").await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert_eq!(headers[ALLOW], "GET, HEAD");
            assert!(error(&body).contains("lecture seule"), "{body}");
        }
    }
    // HEAD is GET without a body.
    let r = s
        .anonymous()
        .client
        .head(s.url("/api/v1/rapports"))
        .header(AUTHORIZATION, format!("Bearer {t}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn openapi_document_is_served_and_complete() {
    let s = common::start().await;
    let r = s.anonymous().get("/api/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK, "served without a token");
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    let served = r.text().await.unwrap();
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json")).unwrap();
    assert_eq!(served, file, "/api/openapi.json is docs/openapi.json");
    let doc: Value = serde_json::from_str(&file).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["components"]["securitySchemes"]["jeton"]["scheme"], "bearer");

    // Every documented path is a route of the API (the router's routes are all
    // documented: unit test `api::tests::every_route_is_documented`), and answers 200.
    let t = token(&s, "national").await;
    let id = s.report_id("63", 2019).await;
    let admin = s.admin_id().await;
    s.store.set_next_year_amount(admin, id, 10_000_000).await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 7);
    for (path, item) in paths {
        assert_eq!(item.as_object().unwrap().keys().collect::<Vec<_>>(), ["get"], "{path}: GET only");
        let operation = &item["get"];
        assert!(operation["responses"]["200"].is_object(), "{path} documents 200");
        let concrete = path.replace("{id}", &id.to_string()).replace("{code}", "84");
        let query = if path.contains("consolidations") { "?annee=2019" } else { "" };
        let (status, body, _) = api(&s, Some(&t), &format!("{concrete}{query}")).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        if path != "/api/openapi.json" {
            assert!(operation["responses"]["401"].is_object(), "{path} documents 401");
        }
    }
    let (_, html) = s.login("national").await.page("/compte/jetons").await;
    assert!(html.contains("href=\"/api/openapi.json\""));
}

#[tokio::test]
async fn consolidations_by_catalogue_code() {
    let s = common::start().await;
    bilan_web::demo::seed_national(&s.store, bilan_source::referentiel::builtin()).await.unwrap();
    let national = token(&s, "national").await;
    let (status, c, _) = api(&s, Some(&national), "/api/v1/consolidations/national?annee=2024").await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let list = c["indicateurs_referentiel"].as_array().unwrap();
    let codes: Vec<&str> = list.iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 10, "{codes:?}");
    let find = |code: &str| list.iter().find(|i| i["code"] == code).unwrap();
    // A sum: the total is the sum of the counted values, to the hundredth.
    let sum = find("PACTE-EMPLOI-01");
    assert_eq!(sum["agregation"], "somme");
    assert_eq!(sum["agregat"]["type"], "somme");
    let values: i64 =
        sum["valeurs"].as_array().unwrap().iter().map(|v| v["valeur"]["centiemes"].as_i64().unwrap()).sum();
    assert_eq!(sum["agregat"]["total"]["centiemes"].as_i64().unwrap(), values);
    // Every signatory of 2024 (100) but the Allier, whose 2024 report is the demo's draft.
    assert_eq!(sum["declare_par"].as_array().unwrap().len(), 99);
    // A weighted mean names its weight; every counted value carries it.
    let rate = find("PACTE-EMPLOI-03");
    assert_eq!(
        (&rate["agregation"], &rate["poids"]),
        (&Value::from("moyenne_ponderee"), &Value::from("PACTE-EMPLOI-01"))
    );
    assert!(rate["agregat"]["moyenne"]["centiemes"].is_i64());
    assert!(rate["valeurs"].as_array().unwrap().iter().all(|v| v["poids"]["centiemes"].is_i64()));
    // The delay three Départements give in another unit is listed, not counted.
    let delay = find("PACTE-EMPLOI-02");
    assert_eq!(delay["agregat"]["type"], "repartition");
    let odd: std::collections::BTreeSet<&str> = delay["unite_incompatible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["departement"].as_str().unwrap())
        .collect();
    assert_eq!(odd.into_iter().collect::<Vec<_>>(), ["23", "87", "971"]);
    // The planted indicators outside the catalogue.
    let unlinked = c["non_rattaches"].as_array().unwrap();
    assert_eq!(unlinked.len(), 1, "{unlinked:?}");
    assert_eq!(unlinked[0]["departement"], "62");
    assert_eq!(unlinked[0]["code_suggere"], "PACTE-EMPLOI-01");
    assert_eq!(unlinked[0]["indicateur"]["action"], "1.2.1");
    assert_eq!(unlinked[0]["rapport_id"], s.report_id("62", 2024).await);
    let k = unlinked[0]["indicateur"]["indice"].as_u64().unwrap();
    let chemin = unlinked[0]["indicateur"]["chemin"].as_str().unwrap();
    assert!(chemin.ends_with(&format!(".indicateurs[{k}]")), "{chemin}");
    // The Collectivité de Corse's, under its own code.
    let corse =
        c["indicateurs_locaux"].as_array().unwrap().iter().find(|l| l["departement"] == "20R").unwrap();
    assert_eq!(corse["departement_nom"], "Collectivité de Corse");
    assert!(corse["indicateurs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["intitule"] == "Nombre de jardins partagés créés"));
    assert!(c["codes_inconnus"].as_array().unwrap().is_empty());
}

//! Hostile requests and account security, through the real server: open redirects,
//! sessions and API tokens after a password change, login throttling that cannot be
//! turned against a user, French error pages for malformed requests, bodies of strangers
//! never read, and the atomic workflow (transmission, back to draft, credits).

mod common;

use std::net::IpAddr;
use std::time::Duration;

use bilan_domain::{IndicatorValue, Quantity};
use bilan_store::{Status, Transition};
use common::{edit_text, has_id, hidden_value, indicator_mut, start, start_with, Server, PASSWORD};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Where a response redirects to.
fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The login form of an anonymous agent, then a post with `suite`.
async fn login_with_next(s: &Server, next: &str) -> reqwest::Response {
    let agent = s.anonymous();
    let (_, html) = agent.page("/connexion").await;
    let csrf = hidden_value(&html, "csrf").unwrap();
    agent
        .post(
            "/connexion",
            &[("login", "editeur.allier"), ("mot_de_passe", PASSWORD), ("csrf", &csrf), ("suite", next)],
        )
        .await
}

#[tokio::test]
async fn suite_stays_on_this_site() {
    let s = start().await;
    // Decoded: "/<TAB>/evil.example", "/<LF>", "/\evil.example", "//evil.example".
    for hostile in
        ["/%09/evil.example", "/%0A", "/%5Cevil.example", "//evil.example", "/%0D%0ASet-Cookie:x=1"]
    {
        let agent = s.login("editeur.allier").await;
        let r = agent.get(&format!("/connexion?suite={hostile}")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{hostile}");
        assert_eq!(location(&r), "/rapports", "{hostile}");
        // Not signed in: the form carries the safe default, never the hostile value.
        let (status, html) = s.anonymous().page(&format!("/connexion?suite={hostile}")).await;
        assert_eq!(status, StatusCode::OK, "{hostile}");
        assert_eq!(hidden_value(&html, "suite").as_deref(), Some("/rapports"), "{hostile}");
    }
    for hostile in ["/\t/evil.example", "/\\evil.example", "/\n", "https://evil.example"] {
        let r = login_with_next(&s, hostile).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/rapports", "{hostile:?}");
    }
    // A real path of the site is kept, non-ASCII re-encoded.
    let r = login_with_next(&s, "/rapports/1/actions/1.4.2").await;
    assert_eq!(location(&r), "/rapports/1/actions/1.4.2");
    let r = login_with_next(&s, "/revue?annee=2019&é=1").await;
    assert_eq!(location(&r), "/revue?annee=2019&%C3%A9=1");
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_tokens() {
    let s = start().await;
    let victim = s.store.user_by_login("prefecture.allier").await.unwrap().unwrap();
    let session = s.login("prefecture.allier").await;
    let token = bilan_web::issue_api_token(&s.store, victim.id, victim.id, "tableau", 365).await.unwrap();
    let api = |t: String| {
        let url = s.url("/api/v1/rapports");
        async move { reqwest::Client::new().get(url).bearer_auth(t).send().await.unwrap().status() }
    };
    assert_eq!(api(token.clone()).await, StatusCode::OK);
    assert_eq!(session.get("/revue").await.status(), StatusCode::OK);

    let admin = s.login("admin").await;
    let (_, accounts) = admin.page("/admin/comptes").await;
    let csrf = hidden_value(&accounts, "csrf").unwrap();
    let r = admin
        .post(
            &format!("/admin/comptes/{}/mot-de-passe", victim.id),
            &[("csrf", &csrf), ("mot_de_passe", "un nouveau mot de passe sûr")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The open session is gone (back to the login page) and the token no longer opens the API.
    let r = session.get("/revue").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/connexion"), "{}", location(&r));
    assert_eq!(api(token).await, StatusCode::UNAUTHORIZED);
    let tokens = s.store.api_tokens(victim.id).await.unwrap();
    assert!(tokens.iter().all(|t| t.revoked_at.is_some()));

    // Deactivation does the same to a new token.
    let s2 = s.anonymous();
    assert_eq!(
        s2.try_login("prefecture.allier", "un nouveau mot de passe sûr").await.status(),
        StatusCode::SEE_OTHER
    );
    let token = bilan_web::issue_api_token(&s.store, victim.id, victim.id, "autre", 30).await.unwrap();
    assert_eq!(api(token.clone()).await, StatusCode::OK);
    let r = admin.post(&format!("/admin/comptes/{}/desactiver", victim.id), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api(token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(s2.get("/revue").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changing_ones_password_ends_the_other_sessions() {
    let s = start().await;
    let here = s.login("editeur.allier").await;
    let elsewhere = s.login("editeur.allier").await;
    let csrf = here.csrf().await;
    let (status, html) = here.page("/compte/mot-de-passe").await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "form-mot-de-passe"));

    // Wrong current password, short or unconfirmed new one: 422, nothing changes.
    let cases = [
        ("pas le bon mot de passe", "nouveau mot de passe 2026", "nouveau mot de passe 2026"),
        (PASSWORD, "court", "court"),
        (PASSWORD, "nouveau mot de passe 2026", "autre chose encore"),
    ];
    for (current, new, confirmation) in cases {
        let form =
            [("csrf", csrf.as_str()), ("actuel", current), ("nouveau", new), ("confirmation", confirmation)];
        let (status, html) = here.post_text("/compte/mot-de-passe", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{current} {new}");
        assert!(has_id(&html, "erreurs-mot-de-passe"));
        assert_eq!(elsewhere.get("/rapports").await.status(), StatusCode::OK);
    }

    let new = "nouveau mot de passe 2026";
    let form = [("csrf", csrf.as_str()), ("actuel", PASSWORD), ("nouveau", new), ("confirmation", new)];
    let (status, html) = here.post_text("/compte/mot-de-passe", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "mot-de-passe-change"));
    assert_eq!(here.get("/rapports").await.status(), StatusCode::OK, "this session stays");
    assert_eq!(elsewhere.get("/rapports").await.status(), StatusCode::SEE_OTHER, "the other one ends");
    assert_eq!(s.anonymous().try_login("editeur.allier", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.anonymous().try_login("editeur.allier", new).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn api_tokens_expire() {
    let s = start().await;
    let user = s.store.user_by_login("national").await.unwrap().unwrap();
    let token = format!("bilan_{}", "ab".repeat(32));
    let hash: String =
        <sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    s.store.create_api_token(user.id, user.id, "ancien", &hash, "2020-01-01T00:00:00Z").await.unwrap();
    let r = reqwest::Client::new().get(s.url("/api/v1/rapports")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The page offers a validity period and shows each token's expiry.
    let agent = s.login("national").await;
    let csrf = agent.csrf().await;
    let (status, html) =
        agent.post_text("/compte/jetons", &[("csrf", &csrf), ("nom", "export"), ("duree", "30")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&html, "jeton-cree"));
    assert!(html.contains("Expire le"));
    assert!(html.contains("data-etat=\"expire\""), "the old token shows as expired");
    let tokens = s.store.api_tokens(user.id).await.unwrap();
    let fresh = tokens.iter().find(|t| t.name == "export").unwrap();
    let expires = fresh.expires_at.clone().unwrap();
    let in_29 = bilan_store::time::now_plus(Duration::from_secs(29 * 86_400));
    let in_31 = bilan_store::time::now_plus(Duration::from_secs(31 * 86_400));
    assert!(expires > in_29 && expires < in_31, "{expires}");
    // A period the page does not offer is refused.
    let (status, _) =
        agent.post_text("/compte/jetons", &[("csrf", &csrf), ("nom", "x"), ("duree", "9999")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn failures_from_one_address_never_block_another() {
    let s = start().await;
    let attacker = s.anonymous_from(ip("127.0.0.2"));
    for _ in 0..8 {
        let r = attacker.try_login("signataire.allier", "mauvais mot de passe").await;
        assert!(matches!(r.status(), StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
    }
    // The attacker's address is blocked for this login, even with the right password…
    let r = attacker.try_login("signataire.allier", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("Trop de tentatives"));
    // …but the real signatory, from their own address, signs in.
    let office = s.anonymous_from(ip("127.0.0.3"));
    assert_eq!(office.try_login("signataire.allier", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_they_are_checked() {
    let s = start().await;
    let agent = s.anonymous_from(ip("127.0.0.4"));
    let (_, html) = agent.page("/connexion").await;
    let csrf = hidden_value(&html, "csrf").unwrap();
    let mut tasks = Vec::new();
    for k in 0..40 {
        let client = agent.client.clone();
        let url = s.url("/connexion");
        let csrf = csrf.clone();
        tasks.push(tokio::spawn(async move {
            let password = format!("essai {k}");
            let form = [("login", "signataire.allier"), ("mot_de_passe", &password), ("csrf", &csrf)];
            client.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut unauthorized = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(unauthorized <= bilan_web::MAX_LOGIN_FAILURES, "{unauthorized} passwords checked");
    assert!(unauthorized >= 1);
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    // Without a trusted proxy, a client cannot dodge the counter by inventing addresses.
    let s = start().await;
    let agent = s.anonymous_from(ip("127.0.0.5"));
    for k in 0..6 {
        let (_, html) = agent.page("/connexion").await;
        let csrf = hidden_value(&html, "csrf").unwrap();
        let r = agent
            .client
            .post(s.url("/connexion"))
            .header("x-forwarded-for", format!("10.0.0.{k}"))
            .form(&[("login", "editeur.allier"), ("mot_de_passe", "non"), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        let expected = if k < 5 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(r.status(), expected, "attempt {k}");
    }

    // Behind a trusted proxy (here: 127.0.0.1), each forwarded client has its own counter.
    let options = bilan_web::AppOptions { trusted_proxies: vec![ip("127.0.0.1")], ..Default::default() };
    let s = start_with(options).await;
    let proxy = s.anonymous_from(ip("127.0.0.1"));
    let post = |client: &str, password: &'static str| {
        let proxy = &proxy;
        let url = s.url("/connexion");
        let client = client.to_string();
        async move {
            let (_, html) = proxy.page("/connexion").await;
            let csrf = hidden_value(&html, "csrf").unwrap();
            proxy
                .client
                .post(url)
                .header("x-forwarded-for", format!("203.0.113.99, {client}"))
                .form(&[("login", "editeur.allier"), ("mot_de_passe", password), ("csrf", &csrf)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..6 {
        post("198.51.100.7", "non").await;
    }
    assert_eq!(post("198.51.100.7", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(post("198.51.100.8", PASSWORD).await, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn malformed_requests_get_french_pages() {
    let s = start().await;
    let agent = s.login("editeur.allier").await;
    let id = s.report_id("03", 2019).await;
    for path in [
        "/rapports/%FF".to_string(),
        format!("/rapports/{id}/actions/%C0%AF"),
        "/revue?annee=%FF".to_string(),
        format!("/rapports/{id}/credits/note.%FF"),
    ] {
        let r = agent.get(&path).await;
        let status = r.status();
        assert!(status.is_client_error(), "{path}: {status}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        let body = r.text().await.unwrap();
        assert!(has_id(&body, "titre-erreur"), "{path}: {body}");
        assert!(body.contains("lang=\"fr\""), "{path}");
    }
    // A method a route does not take: French 405.
    let r = agent.get(&format!("/rapports/{id}/adopter")).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = r.text().await.unwrap();
    assert!(has_id(&body, "titre-erreur"), "{body}");
}

#[tokio::test]
async fn a_strangers_post_is_refused_before_its_body_is_read() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Announces 5 MB and sends 1 KB: a server that waited for the body would never answer.
    let head = format!(
        "POST /rapports/{id}/import/annexe HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[b'a'; 1024]).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("Requête refusée") || answer.contains("Requ"), "{answer}");
}

#[tokio::test]
async fn back_to_draft_removes_the_deliberation_from_the_text_too() {
    let s = start().await;
    let id = s.report_id("03", 2020).await;
    let signatory = s.login("signataire.allier").await;
    let csrf = signatory.csrf().await;
    let r = signatory
        .post(
            &format!("/rapports/{id}/adopter"),
            &[("csrf", &csrf), ("deliberation_numero", "CD-2021-77"), ("deliberation_date", "2021-03-15")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = s.store.report(id).await.unwrap().unwrap();
    assert_eq!(stored.summary.status, Status::Adopted);
    assert!(stored.text.contains("CD-2021-77"));
    assert_eq!(stored.deliberation_number.as_deref(), Some("CD-2021-77"));

    let r = signatory.post(&format!("/rapports/{id}/brouillon"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = s.store.report(id).await.unwrap().unwrap();
    assert_eq!(stored.summary.status, Status::Draft);
    assert!(!stored.text.contains("CD-2021-77"), "the text forgets the deliberation");
    assert!(s.report(id).await.deliberation.is_none());
    assert_eq!(stored.deliberation_number, None);
}

#[tokio::test]
async fn a_transmission_gate_sees_the_justifications_of_its_own_transaction() {
    // The store's transition runs the gate inside the write transaction: a gate that
    // refuses writes nothing (status, text, journal).
    let s = start().await;
    let id = s.report_id("03", 2020).await;
    let admin = s.admin_id().await;
    let before = s.store.report(id).await.unwrap().unwrap();
    let journal = s.store.audit(Some(id), 1000).await.unwrap().len();
    let t = Transition::new(Status::Draft, Status::Adopted, "adoption");
    let e = s.store.transition(admin, id, t, |_, js| Err(format!("{} justification(s)", js.len()))).await;
    assert!(matches!(e, Err(bilan_store::StoreError::Rejected(m)) if m.ends_with("justification(s)")));
    let after = s.store.report(id).await.unwrap().unwrap();
    assert_eq!(after, before);
    assert_eq!(s.store.audit(Some(id), 1000).await.unwrap().len(), journal);
}

#[tokio::test]
async fn last_years_draft_never_reaches_the_checks() {
    let s = start().await;
    let y2019 = s.report_id("03", 2019).await;
    let y2020 = s.report_id("03", 2020).await;
    assert_eq!(s.store.report(y2019).await.unwrap().unwrap().summary.status, Status::Draft);
    // The 2019 draft now says something else than the baseline 2020 took from it (and the
    // 2020 indicator has a result, so that the comparison is made).
    let admin = s.admin_id().await;
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
    let editor = s.login("editeur.allier").await;
    let (_, diagnostics) = editor.page(&format!("/rapports/{y2020}/diagnostics")).await;
    assert!(!diagnostics.contains("IND004"), "no comparison with a draft");
    // Once 2019 is transmitted, the comparison runs.
    let t = Transition {
        deliberation: Some(("1".into(), "2020-06-01".into())),
        ..Transition::new(Status::Draft, Status::Adopted, "adoption")
    };
    s.store.transition(admin, y2019, t, |_, _| Ok(None)).await.unwrap();
    s.store
        .set_status(admin, y2019, Status::Adopted, Status::Transmitted, "transmission", None)
        .await
        .unwrap();
    let (_, diagnostics) = editor.page(&format!("/rapports/{y2020}/diagnostics")).await;
    assert!(diagnostics.contains("IND004"), "compared with the transmitted 2019 report");
    assert!(diagnostics.contains("987"), "with the 2019 result");
}

#[tokio::test]
async fn a_stale_credits_form_is_refused_and_the_note_names_its_instructor() {
    let s = start().await;
    let puy = s.report_id("63", 2019).await; // approved, region 84
    let region = s.login("region.ara").await;
    let csrf = region.csrf().await;
    let (_, page) = region.page(&format!("/rapports/{puy}/credits")).await;
    let stale = hidden_value(&page, "revision").unwrap();
    let form = |amount: &'static str, revision: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("montant_etat".into(), amount.into()),
            ("lignes".into(), "0".into()),
            ("revision".into(), revision.to_string()),
        ]
    };
    let refs = |f: &[(String, String)]| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
    let first = form("400 000 €", &stale);
    let r = region
        .client
        .post(s.url(&format!("/rapports/{puy}/credits")))
        .form(&refs(&first))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A second reviewer's form, opened before that save: refused, nothing written.
    let second = form("999 999 €", &stale);
    let r = region
        .client
        .post(s.url(&format!("/rapports/{puy}/credits")))
        .form(&refs(&second))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.unwrap();
    assert!(body.contains("Un autre agent a enregistré"), "{body}");
    assert_eq!(s.store.next_year_amount(puy).await.unwrap(), Some(40_000_000));
    // Without a revision (an old page): refused too.
    let none = form("1 €", "");
    let r = region
        .client
        .post(s.url(&format!("/rapports/{puy}/credits")))
        .form(&refs(&none))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // The national reader reads the note: it names the regional reviewer, not the reader.
    let national = s.login("national").await;
    let (status, page) = national.page(&format!("/rapports/{puy}/credits")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Alix Durand"), "the instructor");
}

#[tokio::test]
async fn an_import_cannot_set_the_deliberation() {
    let s = start().await;
    let id = s.report_id("03", 2020).await;
    let editor = s.login("editeur.allier").await;
    let csrf = editor.csrf().await;
    let stored = s.store.report(id).await.unwrap().unwrap();
    assert!(s.report(id).await.deliberation.is_none());
    // The editor's file claims an adoption and a transmission.
    let mut r = s.report(id).await;
    r.deliberation = Some(bilan_domain::Deliberation {
        number: "CD-FAUX-1".into(),
        date: bilan_domain::Date::new(2021, 1, 5),
        body: "Commission permanente".into(),
    });
    r.transmitted_on = bilan_domain::Date::new(2021, 1, 6);
    r.title = format!("Importé : {}", r.title);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("revision", stored.summary.revision.to_string())
        .part(
            "fichier",
            reqwest::multipart::Part::bytes(bilan_source::to_toml(&r).into_bytes()).file_name("rapport.toml"),
        );
    let resp = editor
        .client
        .post(s.url(&format!("/rapports/{id}/import/toml")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("ont été ignorées"));
    let after = s.report(id).await;
    assert!(after.title.starts_with("Importé : "), "the rest is imported");
    assert!(after.deliberation.is_none(), "but not the signatory's act");
    assert!(after.transmitted_on.is_none());
    assert!(!s.text(id).await.contains("CD-FAUX-1"));
}

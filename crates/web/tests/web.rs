//! End-to-end tests of the web application over HTTP: a real server on 127.0.0.1 (port 0)
//! and a real SQLite database seeded with the demo data.

mod common;

use bilan_domain::{figure, Money};
use bilan_store::Status;
use common::*;
use reqwest::StatusCode;

const ALLIER_ACTION: &str = "/actions/1.1.1";

#[tokio::test]
async fn login_success_and_failure() {
    let s = start().await;
    let a = s.anonymous();
    // Pages need a session.
    let r = a.get("/rapports").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/connexion"));

    let r = a.try_login("editeur.allier", "mauvais mot de passe").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(body.contains("Identifiant ou mot de passe incorrect"), "{body}");
    let r = a.try_login("inconnu", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let r = a.try_login("editeur.allier", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie =
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let session = cookie.iter().find(|c| c.starts_with("bilan_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    let (status, body) = a.page("/rapports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Mes rapports") && body.contains("Allier (03)"), "{body}");
    assert!(!body.contains("Cantal (15)"), "another Département's report is listed");
}

#[tokio::test]
async fn login_rate_limit() {
    let s = start().await;
    let a = s.anonymous();
    for _ in 0..5 {
        assert_eq!(a.try_login("signataire.allier", "faux").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now.
    let r = a.try_login("signataire.allier", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = r.text().await.unwrap();
    assert!(body.contains("Trop de tentatives"), "{body}");
    // Another login from the same address is not blocked by these five…
    assert_eq!(a.try_login("editeur.allier", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    // …but the address's own counter stops a guesser who goes from login to login.
    let b = s.anonymous();
    let mut refused = false;
    for k in 0..bilan_web::MAX_LOGIN_FAILURES_PER_ADDRESS {
        let status = b.try_login(&format!("inconnu{k}"), "faux").await.status();
        refused |= status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(refused, "the address reached its limit");
    assert_eq!(b.try_login("editeur.cantal", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let s = start().await;
    let a = s.login("editeur.allier").await;
    let csrf = a.csrf().await;
    let r = a.post("/deconnexion", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = a.get("/rapports").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the session is gone");
}

/// Each role × own / other territory × draft / transmitted: 200, 403 or 404, and never the
/// report's data in a 403 or 404 body.
#[tokio::test]
async fn access_matrix() {
    let s = start().await;
    let admin = s.admin_id().await;
    let allier_2019 = s.report_id("03", 2019).await;
    let allier_2020 = s.report_id("03", 2020).await;
    // Make one Allier report transmitted, so the préfecture has its own to read.
    s.store
        .set_status(
            admin,
            allier_2020,
            Status::Draft,
            Status::Adopted,
            "test",
            Some(("D1".into(), "2021-06-01".into())),
        )
        .await
        .unwrap();
    s.store.set_status(admin, allier_2020, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();
    let cantal = s.report_id("15", 2019).await; // draft
    let haute_loire = s.report_id("43", 2019).await; // transmitted
    let puy = s.report_id("63", 2019).await; // approved

    let ok = StatusCode::OK;
    let nf = StatusCode::NOT_FOUND;
    let cases: &[(&str, &[(i64, StatusCode)])] = &[
        (
            "editeur.allier",
            &[(allier_2019, ok), (allier_2020, ok), (cantal, nf), (haute_loire, nf), (puy, nf)],
        ),
        ("signataire.allier", &[(allier_2019, ok), (allier_2020, ok), (cantal, nf), (haute_loire, nf)]),
        ("editeur.cantal", &[(cantal, ok), (allier_2019, nf), (allier_2020, nf), (haute_loire, nf)]),
        (
            "prefecture.allier",
            &[(allier_2019, nf), (allier_2020, ok), (cantal, nf), (haute_loire, nf), (puy, nf)],
        ),
        ("region.ara", &[(allier_2019, nf), (allier_2020, ok), (cantal, nf), (haute_loire, ok), (puy, ok)]),
        ("national", &[(allier_2019, nf), (cantal, nf), (haute_loire, ok), (puy, ok)]),
        ("admin", &[(allier_2019, nf), (allier_2020, nf), (haute_loire, nf)]),
    ];
    for (login, expectations) in cases {
        let a = s.login(login).await;
        for (id, expected) in *expectations {
            for path in ["", "/diagnostics", "/annexe", ALLIER_ACTION, "/telecharger/toml"] {
                let (status, body) = a.page(&format!("/rapports/{id}{path}")).await;
                assert_eq!(status, *expected, "{login} GET /rapports/{id}{path}");
                if status != ok {
                    assert_no_data(&body, login, *id);
                }
            }
        }
    }

    // 403: a visible report, an action the role may not do.
    let forbidden: &[Refusal] = &[
        ("prefecture.allier", allier_2020, "/actions/1.1.1", vec![("intitule", "x"), ("revision", "1")]),
        (
            "region.ara",
            haute_loire,
            "/adopter",
            vec![("deliberation_numero", "1"), ("deliberation_date", "2020-01-01")],
        ),
        ("editeur.allier", allier_2019, "/transmettre", vec![]),
        (
            "editeur.allier",
            allier_2019,
            "/adopter",
            vec![("deliberation_numero", "1"), ("deliberation_date", "2020-01-01")],
        ),
        ("signataire.allier", allier_2019, "/actions/1.1.1", vec![("intitule", "x"), ("revision", "1")]),
        ("editeur.allier", allier_2020, "/actions/1.1.1", vec![("intitule", "x"), ("revision", "1")]),
        ("national", haute_loire, "/renvoyer", vec![("motif", "x")]),
        ("editeur.allier", allier_2019, "/renvoyer", vec![("motif", "x")]),
    ];
    for (login, id, path, form) in forbidden {
        let a = s.login(login).await;
        let csrf = a.csrf().await;
        let mut form = form.clone();
        form.push(("csrf", &csrf));
        let before = s.store.report(*id).await.unwrap().unwrap();
        let (status, body) = a.post_text(&format!("/rapports/{id}{path}"), &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login} POST /rapports/{id}{path}: {body}");
        assert!(body.contains("Action non autorisée"), "{body}");
        assert_no_data(&body, login, *id);
        assert_eq!(s.store.report(*id).await.unwrap().unwrap(), before, "nothing changed");
    }
    // A POST on a report outside the territory is a 404, not a 403.
    let a = s.login("editeur.cantal").await;
    let csrf = a.csrf().await;
    let (status, _) = a
        .post_text(
            &format!("/rapports/{allier_2019}/actions/1.1.1"),
            &[("csrf", &csrf), ("intitule", "x"), ("revision", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Admin pages are the admin's.
    let a = s.login("editeur.allier").await;
    assert_eq!(a.page("/admin/comptes").await.0, StatusCode::FORBIDDEN);
    let a = s.login("admin").await;
    let (status, body) = a.page("/admin/comptes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("editeur.cantal"));
}

/// (login, report, path, form) of a POST that must be refused with 403.
type Refusal<'a> = (&'a str, i64, &'a str, Vec<(&'a str, &'a str)>);

fn assert_no_data(body: &str, login: &str, id: i64) {
    for leak in [
        "Accompagnement à l’autonomie",
        "Rapport d’exécution de la convention",
        "Données synthétiques",
        "part_etat",
        "Frais de personnel",
    ] {
        assert!(!body.contains(leak), "{login} on report {id}: the refusal page shows « {leak} »");
    }
}

#[tokio::test]
async fn csrf_and_origin_are_checked() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let (_, html) = a.page(&format!("/rapports/{id}{ALLIER_ACTION}")).await;
    let mut fields = action_form_fields(&html);
    set(&mut fields, "intitule", "Titre forgé");
    let before = s.store.report(id).await.unwrap().unwrap();

    let without: Vec<(&str, &str)> = as_refs(&fields).into_iter().filter(|(n, _)| *n != "csrf").collect();
    let (status, body) = a.post_text(&format!("/rapports/{id}{ALLIER_ACTION}"), &without).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("jeton de sécurité"), "{body}");

    let mut wrong = fields.clone();
    set(&mut wrong, "csrf", "0000000000000000000000000000000000000000000000000000000000000000");
    let (status, _) = a.post_text(&format!("/rapports/{id}{ALLIER_ACTION}"), &as_refs(&wrong)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The right token, sent from another site.
    let r = a
        .client
        .post(s.url(&format!("/rapports/{id}{ALLIER_ACTION}")))
        .header("origin", "https://site-malveillant.example")
        .form(&as_refs(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("autre site"));

    // A login POST without the double-submit cookie's value.
    let anon = s.anonymous();
    let (status, _) =
        anon.post_text("/connexion", &[("login", "editeur.allier"), ("mot_de_passe", PASSWORD)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(s.store.report(id).await.unwrap().unwrap(), before, "nothing changed");

    // The same form, same origin, with its token: saved.
    let r = a
        .client
        .post(s.url(&format!("/rapports/{id}{ALLIER_ACTION}")))
        .header("origin", s.base.clone())
        .form(&as_refs(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.report(id).await.measures[0].actions[0].title, "Titre forgé");
}

#[tokio::test]
async fn hostile_text_is_shown_as_text() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let (_, html) = a.page(&format!("/rapports/{id}{ALLIER_ACTION}")).await;
    let mut fields = action_form_fields(&html);
    let hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&";
    set(&mut fields, "intitule", hostile);
    set(&mut fields, "bilan", hostile);
    let r = a.post(&format!("/rapports/{id}{ALLIER_ACTION}"), &as_refs(&fields)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.report(id).await.measures[0].actions[0].title, hostile, "stored as typed");
    for path in [String::new(), ALLIER_ACTION.to_string(), "/diagnostics".into()] {
        let (status, body) = a.page(&format!("/rapports/{id}{path}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains("<script>alert"), "raw script on {path}");
        assert!(!body.contains("<img src=x"), "raw img on {path}");
    }
    let (_, body) = a.page(&format!("/rapports/{id}{ALLIER_ACTION}")).await;
    assert!(body
        .contains("&lt;script&gt;alert('x')&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;'&amp;"));
    // Hostile text in an expense line and an indicator, added through their forms.
    let csrf = a.csrf().await;
    let rev = hidden_value(&a.page(&format!("/rapports/{id}{ALLIER_ACTION}")).await.1, "revision").unwrap();
    let r = a
        .post(
            &format!("/rapports/{id}{ALLIER_ACTION}/indicateurs/nouvelle"),
            &[
                ("csrf", &csrf),
                ("revision", &rev),
                ("intitule", hostile),
                ("resultat", hostile),
                ("unite", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, body) = a.page(&format!("/rapports/{id}{ALLIER_ACTION}")).await;
    assert!(!body.contains("<script>alert") && body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn amounts_typed_the_french_way() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let (_, html) = a.page(&format!("/rapports/{id}{ALLIER_ACTION}")).await;
    let mut fields = action_form_fields(&html);
    set(&mut fields, "prevision.part_etat", "1 234,56 €");
    let r = a.post(&format!("/rapports/{id}{ALLIER_ACTION}"), &as_refs(&fields)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = s.report(id).await;
    let fc = report.measures[0].actions[0].forecast.as_ref().unwrap();
    assert_eq!(figure(&fc.state_share), Some(Money::from_cents(123_456)));
    // The page shows it back, and the diagnostics are re-run.
    let (_, body) = a.page(&format!("/rapports/{id}{ALLIER_ACTION}?enregistre=1")).await;
    assert!(body.contains("value=\"1 234,56 €\""), "amount shown back");
    assert!(body.contains("BUD001"), "the new total mismatch is diagnosed");
    assert!(
        body.contains("href=\"/rapports/") && body.contains("#champ-mesures-0-actions-0-prevision-total")
    );

    // « douze » is refused at the field; nothing saved.
    let before = s.store.report(id).await.unwrap().unwrap();
    let (_, html) = a.page(&format!("/rapports/{id}{ALLIER_ACTION}")).await;
    let mut fields = action_form_fields(&html);
    set(&mut fields, "prevision.part_cd", "douze");
    set(&mut fields, "intitule", "Ne doit pas être enregistré");
    let (status, body) = a.post_text(&format!("/rapports/{id}{ALLIER_ACTION}"), &as_refs(&fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("« douze » n'est pas un montant"), "{body}");
    assert!(has_id(&body, "champ-mesures-0-actions-0-prevision-part_cd-erreur"));
    assert!(body.contains("value=\"douze\""), "the typed value is shown back");
    assert_eq!(s.store.report(id).await.unwrap().unwrap(), before);

    // An expense line typed the French way.
    let rev = hidden_value(&html, "revision").unwrap();
    let csrf = a.csrf().await;
    let r = a
        .post(
            &format!("/rapports/{id}{ALLIER_ACTION}/depenses/0"),
            &[
                ("csrf", &csrf),
                ("revision", &rev),
                ("libelle", "Frais de personnel"),
                ("realise", "19 863,05 €"),
                ("inscrit", "30 000"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let e = &s.report(id).await.measures[0].actions[0].expenses[0];
    assert_eq!(figure(&e.spent), Some(Money::from_cents(1_986_305)));
    assert_eq!(figure(&e.planned), Some(Money::from_euros(30_000)));
}

#[tokio::test]
async fn stale_form_shows_both_versions() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let first = s.login("editeur.allier").await;
    let second = s.login("editeur.allier").await;
    let url = format!("/rapports/{id}{ALLIER_ACTION}");
    let (_, html1) = first.page(&url).await;
    let (_, html2) = second.page(&url).await;
    let mut f1 = action_form_fields(&html1);
    let mut f2 = action_form_fields(&html2);
    set(&mut f1, "duree", "Version du premier agent");
    set(&mut f2, "duree", "Version du second agent");
    assert_eq!(first.post(&url, &as_refs(&f1)).await.status(), StatusCode::SEE_OTHER);
    let after_first = s.store.report(id).await.unwrap().unwrap();
    let (status, body) = second.post_text(&url, &as_refs(&f2)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("Modification concurrente"));
    assert!(
        body.contains("Version du premier agent") && body.contains("Version du second agent"),
        "both versions shown"
    );
    assert_eq!(s.store.report(id).await.unwrap().unwrap(), after_first, "nothing overwritten");
    assert_eq!(s.report(id).await.measures[0].actions[0].duration, "Version du premier agent");
    // A stale delete is refused too.
    let csrf = second.csrf().await;
    let rev = hidden_value(&html2, "revision").unwrap();
    let (status, _) = second
        .post_text(&format!("{url}/depenses/0/supprimer"), &[("csrf", &csrf), ("revision", &rev)])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s.report(id).await.measures[0].actions[0].expenses.len(), 1);
    // Another action is not locked by this one.
    let (_, html) = second.page(&format!("/rapports/{id}/actions/1.1.2")).await;
    let mut f = action_form_fields(&html);
    set(&mut f, "duree", "Autre action");
    assert_eq!(
        second.post(&format!("/rapports/{id}/actions/1.1.2"), &as_refs(&f)).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn workflow_from_draft_to_sent_back() {
    let s = start().await;
    let signatory = s.login("signataire.allier").await;
    let editor = s.login("editeur.allier").await;
    let deliberation = [
        ("deliberation_numero", "CD-2022-17"),
        ("deliberation_date", "2022-06-01"),
        ("deliberation_instance", "commission permanente"),
    ];

    // A report with errors (Allier 2019): adopted, but its transmission is refused.
    let allier = s.report_id("03", 2019).await;
    let csrf = signatory.csrf().await;
    let (status, _) =
        signatory.post_text(&format!("/rapports/{allier}/transmettre"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "a draft is not transmitted");
    let mut form = deliberation.to_vec();
    form.push(("csrf", &csrf));
    let r = signatory.post(&format!("/rapports/{allier}/adopter"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.report(allier).await.unwrap().unwrap().summary.status, Status::Adopted);
    let (status, body) =
        signatory.post_text(&format!("/rapports/{allier}/transmettre"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("Transmission refusée") && body.contains("erreur(s) à corriger"), "{body}");
    assert_eq!(s.store.report(allier).await.unwrap().unwrap().summary.status, Status::Adopted);

    // A clean report with one warning.
    let text = include_str!("fixtures/propre-2021.toml");
    let id = s.store.create_report(None, "03", 2021, "calpae", text, &["1.1.1".to_string()]).await.unwrap();
    let r = signatory.post(&format!("/rapports/{id}/adopter"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = s.report(id).await;
    assert_eq!(
        report.deliberation.as_ref().unwrap().number,
        "CD-2022-17",
        "the deliberation is written in the report"
    );
    let (status, body) =
        signatory.post_text(&format!("/rapports/{id}/transmettre"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("0 erreur(s) à corriger et 1 avertissement(s) sans justification"), "{body}");
    assert!(body.contains("TXT001"));

    // Justify the warning from the diagnostics panel (the editor may).
    let (_, panel) = editor.page(&format!("/rapports/{id}/diagnostics")).await;
    assert!(has_id(&panel, "form-justification-TXT001-mesures-0-actions-0-perspectives"), "{panel}");
    let ecsrf = editor.csrf().await;
    let r = editor
        .post(
            &format!("/rapports/{id}/justifications"),
            &[
                ("csrf", &ecsrf),
                ("code", "TXT001"),
                ("chemin", "mesures[0].actions[0].perspectives"),
                ("justification", "Les perspectives seront <b>arrêtées</b> en commission."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, panel) = editor.page(&format!("/rapports/{id}/diagnostics")).await;
    assert!(panel.contains("&lt;b&gt;arrêtées&lt;/b&gt;"), "justification shown as text");
    // A justification for a diagnostic that does not exist is refused.
    let (status, _) = editor
        .post_text(
            &format!("/rapports/{id}/justifications"),
            &[("csrf", &ecsrf), ("code", "BUD001"), ("chemin", "titre"), ("justification", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = signatory.post(&format!("/rapports/{id}/transmettre"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = s.store.report(id).await.unwrap().unwrap();
    assert_eq!(stored.summary.status, Status::Transmitted);
    assert_eq!(s.store.frozen_versions(id).await.unwrap().len(), 1);

    // Frozen: no edit, no justification, no upload.
    let (_, html) = editor.page(&format!("/rapports/{id}/actions/1.1.1")).await;
    assert!(html.contains("Lecture seule"));
    let (status, _) = editor
        .post_text(
            &format!("/rapports/{id}/actions/1.1.1"),
            &[("csrf", &ecsrf), ("intitule", "Changé"), ("revision", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = editor
        .post_text(
            &format!("/rapports/{id}/justifications"),
            &[
                ("csrf", &ecsrf),
                ("code", "TXT001"),
                ("chemin", "mesures[0].actions[0].perspectives"),
                ("justification", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.store.report(id).await.unwrap().unwrap(), stored);
    let (status, version) = editor.page(&format!("/rapports/{id}/versions/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(version.contains("CD-2022-17"));

    // The préfecture sends it back: a new version can be edited.
    let prefecture = s.login("prefecture.allier").await;
    let pcsrf = prefecture.csrf().await;
    let (status, _) =
        prefecture.post_text(&format!("/rapports/{id}/renvoyer"), &[("csrf", &pcsrf), ("motif", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let r = prefecture
        .post(
            &format!("/rapports/{id}/renvoyer"),
            &[("csrf", &pcsrf), ("motif", "Compléter les perspectives.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = s.store.report(id).await.unwrap().unwrap();
    assert_eq!(stored.summary.status, Status::SentBack);
    assert_eq!(stored.summary.version, 2);
    assert_eq!(
        prefecture.page(&format!("/rapports/{id}")).await.0,
        StatusCode::NOT_FOUND,
        "the State no longer sees it"
    );
    let (_, html) = editor.page(&format!("/rapports/{id}/actions/1.1.1")).await;
    let mut f = action_form_fields(&html);
    set(&mut f, "perspectives", "L’action est reconduite en 2022.");
    assert_eq!(
        editor.post(&format!("/rapports/{id}/actions/1.1.1"), &as_refs(&f)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(s.report(id).await.measures[0].actions[0].outlook, "L’action est reconduite en 2022.");
    // The transmitted version is kept as it was.
    let frozen = s.store.frozen_versions(id).await.unwrap();
    assert!(frozen[0].2.contains("[Poursuite ou réorientation"));
}

#[tokio::test]
async fn uploads_are_checked() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let (_, page) = a.page(&format!("/rapports/{id}/import")).await;
    let csrf = hidden_value(&page, "csrf").unwrap();
    let revision = hidden_value(&page, "revision").unwrap();
    let before = s.store.report(id).await.unwrap().unwrap();
    let upload = |path: &'static str, name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("revision", revision.clone())
            .part("fichier", reqwest::multipart::Part::bytes(bytes).file_name(name));
        a.client.post(s.url(&format!("/rapports/{id}/import/{path}"))).multipart(form).send()
    };

    // Oversized.
    let r = upload("toml", "gros.toml", vec![b'#'; 6 * 1024 * 1024]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("dépasse la taille maximale de 5 Mo"));
    // Corrupt TOML: line and column.
    let r = upload("toml", "casse.toml", b"programme = \"calpae\"\nannee = = 2019\n".to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("ligne 2, colonne"), "{body}");
    // Another Département's file.
    let other = include_str!("../../../examples/allier-2019.toml")
        .replace("departement = \"03\"", "departement = \"15\"");
    let r = upload("toml", "cantal.toml", other.into_bytes()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Cantal (15)"));
    // Corrupt workbook.
    let r = upload("annexe", "annexe.xlsx", b"PK\x03\x04 ceci n'est pas un classeur".to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("n’est pas un classeur XLSX ou ODS lisible"));
    // A workbook with a bad amount: the error names the sheet and cell.
    let r = upload("annexe", "annexe.xlsx", annex_workbook("douze")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Annexe financière!G2 : « douze » n'est pas un montant"), "{body}");
    assert_eq!(s.store.report(id).await.unwrap().unwrap(), before, "nothing changed");

    // A good workbook updates the line.
    let r = upload("annexe", "annexe.xlsx", annex_workbook("12345.67")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let e = &s.report(id).await.measures[0].actions[0].expenses[0];
    assert_eq!(figure(&e.spent), Some(Money::from_cents(1_234_567)));
    // A good TOML replaces the report (a new revision is needed after the annex import).
    let (_, page) = a.page(&format!("/rapports/{id}/import")).await;
    let revision = hidden_value(&page, "revision").unwrap();
    let text = include_str!("../../../examples/allier-2019.toml")
        .replace("titre = \"Rapport d’exécution", "titre = \"Importé : Rapport d’exécution");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("revision", revision)
        .part("fichier", reqwest::multipart::Part::bytes(text.into_bytes()).file_name("allier.toml"));
    let r =
        a.client.post(s.url(&format!("/rapports/{id}/import/toml"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(s.report(id).await.title.starts_with("Importé : "));
}

/// A one-line annex in the layout bilan writes, with `spent` in cell G2.
fn annex_workbook(spent: &str) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Annexe financière").unwrap();
    let headers = [
        "Mesure",
        "Action",
        "Direction",
        "Dépense",
        "Valorisation ETP",
        "Inscrit",
        "Réalisé",
        "Report",
        "Commentaires",
        "Recette État",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "Mesure 1.1").unwrap();
    sheet.write_string(1, 1, "1.1.1").unwrap();
    sheet.write_string(1, 2, "DRH").unwrap();
    sheet.write_string(1, 3, "Frais de personnel (poste contractuel à 80 %) Action 1").unwrap();
    sheet.write_number(1, 5, 30000.0).unwrap();
    match spent.parse::<f64>() {
        Ok(v) => sheet.write_number(1, 6, v).unwrap(),
        Err(_) => sheet.write_string(1, 6, spent).unwrap(),
    };
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn downloads_have_the_right_types() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    for (format, content_type) in [
        ("odt", "application/vnd.oasis.opendocument.text"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ("csv", "text/csv; charset=utf-8"),
        ("toml", "application/toml; charset=utf-8"),
    ] {
        let r = a.get(&format!("/rapports/{id}/telecharger/{format}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{format}");
        assert_eq!(r.headers()["content-type"], content_type);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("-03-2019-v1.{format}")));
        let body = r.bytes().await.unwrap();
        assert!(body.len() > 100, "{format} is empty");
    }
    let r = a.get(&format!("/rapports/{id}/telecharger/pdf")).await;
    if cfg!(feature = "pdf") {
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    } else {
        assert_eq!(r.status(), StatusCode::NOT_IMPLEMENTED);
        assert!(r.text().await.unwrap().contains("compilée sans la production de PDF"));
    }
    assert_eq!(a.get(&format!("/rapports/{id}/telecharger/exe")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_of_a_report() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let (status, body) = a.page(&format!("/rapports/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&body, "table-totaux") && has_id(&body, "liste-diagnostics-ouverts"));
    assert!(body.contains("BUD001") && body.contains("#champ-mesures-3-actions-1-prevision-total"));
    let (status, body) = a.page(&format!("/rapports/{id}/annexe")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&body, "table-annexe") && body.contains("data-sous-total=\"inscrit\""));
    assert!(has_id(&body, "champ-annexe-groupes-3-recette_etat"));
    let (status, body) = a.page(&format!("/rapports/{id}/general")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&body, "champ-deliberation"));
    let (status, body) = a.page(&format!("/rapports/{id}/actions/1.2.1/lignes/2")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_id(&body, "champ-mesures-1-actions-0-execution-lignes-2-report"));
    assert!(body.contains("BUD008"), "the line's diagnostic is shown on its form");
    let (status, _) = a.page(&format!("/rapports/{id}/historique")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = a.page(&format!("/rapports/{id}/actions/9.9.9")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = a.page("/rapports/abc").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Annex form: a malformed amount is refused, a good one saved.
    let (_, html) = a.page(&format!("/rapports/{id}/annexe")).await;
    let csrf = hidden_value(&html, "csrf").unwrap();
    let rev = hidden_value(&html, "revision").unwrap();
    let before = s.store.report(id).await.unwrap().unwrap();
    let (status, body) = a
        .post_text(
            &format!("/rapports/{id}/annexe"),
            &[("csrf", &csrf), ("revision", &rev), ("d-0-0-0-realise", "beaucoup")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("n'est pas un montant"));
    assert_eq!(s.store.report(id).await.unwrap().unwrap(), before);
}

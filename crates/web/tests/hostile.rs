//! Every page, for every role, with hostile text in every field: the report's every free
//! text (titles, prose, line labels, indicator names and values, comments), the
//! justifications, the review comments, the users' display names and the API token names
//! hold markup, and no page shows it as markup. The pages are found by following the links
//! of each role's pages from its home, as a user would.

mod common;

use std::collections::{BTreeSet, VecDeque};

use bilan_store::{CommentTarget, Edit, EditScope, NewUser, Role, Status};
use common::*;
use reqwest::StatusCode;

const HOSTILE: &str = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&";

/// The markers of a hostile text that reached the page as markup.
fn raw_markup(body: &str) -> Option<&'static str> {
    ["<script>alert", "<img src=x", "onerror=alert(1)>"].into_iter().find(|m| body.contains(m))
}

/// The Allier report with every string that can take it replaced by the hostile text:
/// each string leaf of the TOML is tried, and kept hostile when the report still reads.
fn hostile_report(text: &str) -> String {
    let mut doc: toml::Value = toml::from_str(text).unwrap();
    let mut paths = Vec::new();
    collect(&doc, &mut Vec::new(), &mut paths);
    // Identity and the keys the store files the report under stay as they are.
    let kept = ["departement", "annee", "programme", "numero"];
    let mut changed = 0;
    for path in paths {
        if path.last().is_some_and(|k| matches!(k, Key::Name(n) if kept.contains(&n.as_str()))) {
            continue;
        }
        let old = std::mem::replace(leaf(&mut doc, &path), toml::Value::String(HOSTILE.into()));
        if bilan_source::parse_str(&toml::to_string(&doc).unwrap()).is_ok() {
            changed += 1;
        } else {
            *leaf(&mut doc, &path) = old;
        }
    }
    assert!(changed > 50, "only {changed} hostile strings taken");
    toml::to_string(&doc).unwrap()
}

#[derive(Clone, Debug)]
enum Key {
    Name(String),
    Index(usize),
}

fn collect(v: &toml::Value, at: &mut Vec<Key>, out: &mut Vec<Vec<Key>>) {
    match v {
        toml::Value::String(_) => out.push(at.clone()),
        toml::Value::Table(t) => {
            for (k, v) in t {
                at.push(Key::Name(k.clone()));
                collect(v, at, out);
                at.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                at.push(Key::Index(i));
                collect(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn leaf<'a>(v: &'a mut toml::Value, path: &[Key]) -> &'a mut toml::Value {
    path.iter().fold(v, |v, k| match k {
        Key::Name(n) => v.get_mut(n.as_str()).unwrap(),
        Key::Index(i) => v.get_mut(*i).unwrap(),
    })
}

/// The links of a page worth visiting: same-site pages, not files.
fn links(body: &str) -> Vec<String> {
    let doc = parse(body);
    select(&doc, "a[href]")
        .into_iter()
        .filter_map(|a| a.value().attr("href"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .filter(|h| {
            !h.is_empty()
                && ![
                    "/dsfr/",
                    "/static/",
                    "/telecharger/",
                    "/donnees/",
                    "/credits/note.",
                    "/api/",
                    "/versions/",
                ]
                .iter()
                .any(|f| h.contains(f))
        })
        .collect()
}

#[tokio::test]
async fn every_page_escapes_hostile_text_for_every_role() {
    let s = start().await;
    let admin = s.admin_id().await;
    let id = s.report_id("03", 2019).await;

    // The report: hostile everywhere, then adopted and transmitted so that the State sees it.
    let stored = s.store.report(id).await.unwrap().unwrap();
    let text = hostile_report(&stored.text);
    let report = bilan_source::parse_str(&text).unwrap().report;
    let actions: Vec<String> =
        report.measures.iter().flat_map(|m| m.actions.iter().map(|a| a.number.clone())).collect();
    s.store
        .update_report(admin, id, EditScope::Whole { expected_revision: stored.summary.revision }, |_| {
            Ok(Edit {
                text: text.clone(),
                audit_action: "import".into(),
                audit_target: HOSTILE.into(),
                before: None,
                after: None,
                actions: actions.clone(),
            })
        })
        .await
        .unwrap();
    let diags = bilan_check::check(&report);
    for d in diags.iter().filter(|d| d.severity != bilan_check::Severity::Info) {
        s.store.set_justification(admin, id, d.code, &d.path, HOSTILE).await.unwrap();
    }

    // Users with hostile names, one per role, and a hostile API token name.
    let hash = bilan_web::hash_password(PASSWORD);
    let roles = [
        (Role::DepartmentEditor, Some("03")),
        (Role::DepartmentSignatory, Some("03")),
        (Role::PrefectureReviewer, Some("03")),
        (Role::RegionalReviewer, Some("84")),
        (Role::NationalReader, None),
        (Role::Admin, None),
    ];
    let mut logins = Vec::new();
    for (k, (role, territory)) in roles.iter().enumerate() {
        let login = format!("hostile.{k}");
        let uid = s
            .store
            .create_user(
                None,
                NewUser {
                    login: login.clone(),
                    display_name: format!("{HOSTILE} {k}"),
                    password_hash: hash.clone(),
                    role: *role,
                    territory: territory.map(str::to_string),
                    email: None,
                },
            )
            .await
            .unwrap();
        if *role != Role::Admin {
            bilan_web::issue_api_token(&s.store, uid, uid, &format!("jeton {k} {HOSTILE}"), 30)
                .await
                .unwrap();
        }
        logins.push((login, uid, *role));
    }
    let signatory = logins[1].1;
    let prefecture = logins[2].1;
    s.store
        .set_status(
            signatory,
            id,
            Status::Draft,
            Status::Adopted,
            HOSTILE,
            Some(("CP-1".into(), "2020-06-19".into())),
        )
        .await
        .unwrap();
    let t =
        s.store.set_status(signatory, id, Status::Adopted, Status::Transmitted, HOSTILE, None).await.unwrap();
    for target in [
        CommentTarget::Report,
        CommentTarget::Action { number: actions[0].clone() },
        CommentTarget::Line { path: "mesures[0].actions[0].prevision.total".into() },
    ] {
        s.store.add_comment(prefecture, id, t.summary.version, &target, HOSTILE).await.unwrap();
    }

    // Every page each role reaches, from its home.
    let mut escaped_somewhere = 0;
    for (login, _, role) in &logins {
        let agent = s.login(login).await;
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<String> =
            ["/".to_string(), "/rapports".into(), format!("/rapports/{id}")].into();
        while let Some(path) = queue.pop_front() {
            if !seen.insert(path.clone()) || seen.len() > 200 {
                continue;
            }
            let r = agent.get(&path).await;
            let status = r.status();
            if status == StatusCode::SEE_OTHER || status == StatusCode::FOUND {
                if let Some(to) = r.headers().get("location").and_then(|l| l.to_str().ok()) {
                    queue.push_back(to.to_string());
                }
                continue;
            }
            let html = r
                .headers()
                .get("content-type")
                .is_some_and(|c| c.to_str().unwrap_or("").starts_with("text/html"));
            let body = r.text().await.unwrap();
            if !html {
                continue;
            }
            assert!(
                status.is_success() || status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
                "{login} ({role:?}) {path}: {status}"
            );
            if let Some(m) = raw_markup(&body) {
                panic!("{login} ({role:?}) {path}: « {m} » shown as markup");
            }
            if body.contains("&lt;script&gt;alert") {
                escaped_somewhere += 1;
            }
            queue.extend(links(&body));
        }
        eprintln!("{login} ({role:?}) : {} pages", seen.len());
        assert!(seen.len() > 3, "{login} visited only {seen:?}");
    }
    // The hostile text was on the pages (escaped), not absent from them.
    assert!(escaped_somewhere > 20, "hostile text shown escaped on only {escaped_somewhere} pages");
}

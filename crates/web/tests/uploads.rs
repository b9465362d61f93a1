//! Hostile uploads through the real server: each is refused with a French 4xx page,
//! changes nothing, leaves the server up, and costs the process less than 200 MB (the
//! server runs in this process: its peak memory is read from /proc/self/status).

mod common;
#[path = "../../sheets/tests/hostile/mod.rs"]
mod hostile;

use common::{hidden_value, start, Agent, Server};
use reqwest::StatusCode;

/// A field of /proc/self/status, in kB (0 where /proc is absent).
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

const MAX_GROWTH_KB: u64 = 200 * 1024;

struct Case {
    what: &'static str,
    path: &'static str,
    file_name: &'static str,
    bytes: fn() -> Vec<u8>,
    status: StatusCode,
    message: &'static str,
}

async fn upload(
    s: &Server,
    a: &Agent,
    id: i64,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let (_, page) = a.page(&format!("/rapports/{id}/import")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", hidden_value(&page, "csrf").unwrap())
        .text("revision", hidden_value(&page, "revision").unwrap())
        .part("fichier", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r =
        a.client.post(s.url(&format!("/rapports/{id}/import/{path}"))).multipart(form).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

fn allier_xlsx() -> Vec<u8> {
    let r = bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report;
    bilan_sheets::xlsx(&r).unwrap()
}

const SIZE: &str =
    "la feuille dépasse la taille d’une annexe financière : 5\u{202F}000 lignes et 16 colonnes au plus";
const UNREADABLE: &str = "n’est pas un classeur XLSX ou ODS lisible";

fn cases() -> Vec<Case> {
    vec![
        Case {
            what: "A1 + XFD1048576",
            path: "annexe",
            file_name: "annexe.xlsx",
            bytes: hostile::far_cells_xlsx,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: SIZE,
        },
        Case {
            what: "dimension that lies",
            path: "annexe",
            file_name: "annexe.xlsx",
            bytes: hostile::lying_dimension_xlsx,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "(cellule XFD1048576)",
        },
        Case {
            what: "shared strings inflating to 400 MB",
            path: "annexe",
            file_name: "annexe.xlsx",
            bytes: || hostile::shared_strings_bomb(400 * 1024 * 1024),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "« xl/sharedStrings.xml » du classeur dépasse 16 Mo une fois décompressé",
        },
        Case {
            what: "millions of tiny shared strings",
            path: "annexe",
            file_name: "annexe.xlsx",
            bytes: || hostile::many_strings_bomb(64 * 1024 * 1024),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "classeur",
        },
        Case {
            what: "an entry whose declared size lies",
            path: "annexe",
            file_name: "annexe.xlsx",
            bytes: || hostile::lying_size_xlsx(64 * 1024 * 1024),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "classeur",
        },
        Case {
            what: "ODS rows repeated a million times",
            path: "annexe",
            file_name: "annexe.ods",
            bytes: hostile::ods_repeat_bomb,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: SIZE,
        },
        Case {
            what: "ODS cell repeated over 16 384 columns",
            path: "annexe",
            file_name: "annexe.ods",
            bytes: hostile::ods_column_bomb,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: SIZE,
        },
        Case {
            what: "truncated zip",
            path: "annexe",
            file_name: "annexe.xlsx",
            bytes: || hostile::truncated(&allier_xlsx()),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: UNREADABLE,
        },
        Case {
            what: "not a zip, named .xlsx",
            path: "annexe",
            file_name: "annexe.xlsx",
            bytes: || b"Mesure;Action;Direction\n1;1.1;DRH\n".to_vec(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: UNREADABLE,
        },
        Case {
            what: "a TOML over the size limit",
            path: "toml",
            file_name: "gros.toml",
            bytes: || {
                let mut t = include_str!("../../../examples/allier-2019.toml").to_string();
                while t.len() <= 2 * 1024 * 1024 {
                    t.push_str("# commentaire de remplissage\n");
                }
                t.into_bytes()
            },
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "Le fichier TOML dépasse la taille maximale d’un rapport de 1 Mo",
        },
        Case {
            what: "invalid UTF-8 TOML",
            path: "toml",
            file_name: "latin1.toml",
            bytes: || b"programme = \"calpae\"\ntitre = \"Rapport d'ex\xe9cution\"\n".to_vec(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "UTF-8",
        },
        Case {
            what: "deeply nested TOML arrays",
            path: "toml",
            file_name: "imbrique.toml",
            bytes: || format!("a = {}", "[".repeat(900_000)).into_bytes(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "ligne 1",
        },
    ]
}

#[tokio::test]
async fn hostile_uploads_are_refused_with_bounded_work() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let before = s.store.report(id).await.unwrap().unwrap();
    for case in cases() {
        let bytes = (case.bytes)();
        let (hwm, rss) = (status_kb("VmHWM"), status_kb("VmRSS"));
        let (status, body) = upload(&s, &a, id, case.path, case.file_name, bytes).await;
        let (hwm_after, rss_after) = (status_kb("VmHWM"), status_kb("VmRSS"));
        let what = case.what;
        eprintln!(
            "{what}: {status}, peak +{} kB, RSS +{} kB",
            hwm_after.saturating_sub(hwm),
            rss_after.saturating_sub(rss)
        );
        assert_eq!(status, case.status, "{what}: {body}");
        let body = body.replace("&#39;", "'");
        assert!(body.contains(case.message), "{what}: « {} » absent from {body}", case.message);
        assert!(body.contains("rien n’a été modifié"), "{what}: {body}");
        assert!(body.contains("lang=\"fr\""), "{what}");
        assert!(
            hwm_after.saturating_sub(hwm) < MAX_GROWTH_KB,
            "{what}: peak memory grew from {hwm} kB to {hwm_after} kB"
        );
        assert!(
            rss_after.saturating_sub(rss) < MAX_GROWTH_KB,
            "{what}: RSS grew from {rss} kB to {rss_after} kB"
        );
        // Nothing changed: text, revision, everything stored.
        assert_eq!(s.store.report(id).await.unwrap().unwrap(), before, "{what}");
        // The server is still up.
        let (st, _) = a.page(&format!("/rapports/{id}")).await;
        assert_eq!(st, StatusCode::OK, "{what}: the next request");
    }
}

#[tokio::test]
async fn valid_annexes_still_import() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let report = s.report(id).await;
    // The workbooks bilan writes import unchanged, in both formats.
    for (name, bytes) in [
        ("annexe.xlsx", bilan_sheets::xlsx(&report).unwrap()),
        ("annexe.ods", bilan_sheets::ods(&report).unwrap()),
    ] {
        let (status, body) = upload(&s, &a, id, "annexe", name, bytes).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("0 montant(s) modifié(s)"), "{name}: {body}");
    }
    // A changed amount is written.
    let mut changed = report.clone();
    let spent = Some(bilan_domain::Amount::Value(bilan_domain::Money::from_cents(4_242)));
    changed.measures[0].actions[0].expenses[0].spent = spent;
    let (status, body) =
        upload(&s, &a, id, "annexe", "annexe.ods", bilan_sheets::ods(&changed).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("1 montant(s) modifié(s)"), "{body}");
    assert_eq!(s.report(id).await.measures[0].actions[0].expenses[0].spent, spent);
}

#[tokio::test]
async fn a_stale_form_changes_nothing() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let a = s.login("editeur.allier").await;
    let (_, page) = a.page(&format!("/rapports/{id}/import")).await;
    let csrf = hidden_value(&page, "csrf").unwrap();
    let stale = hidden_value(&page, "revision").unwrap();
    // Another edit in between.
    let (status, _) = upload(&s, &a, id, "annexe", "annexe.xlsx", allier_xlsx()).await;
    assert_eq!(status, StatusCode::OK);
    let before = s.store.report(id).await.unwrap().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("revision", stale)
        .part("fichier", reqwest::multipart::Part::bytes(allier_xlsx()).file_name("annexe.xlsx"));
    let r =
        a.client.post(s.url(&format!("/rapports/{id}/import/annexe"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(s.store.report(id).await.unwrap().unwrap(), before);
}

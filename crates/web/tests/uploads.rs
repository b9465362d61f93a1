//! Hostile uploads through the real server: each is refused with a French 4xx page,
//! changes nothing, leaves the server up, and costs the process less than 200 MB (the
//! server runs in this process: its peak memory is read from /proc/self/status).

mod common;
#[path = "../../sheets/tests/hostile/mod.rs"]
mod hostile;

use bilan_store::{AttachmentKind, Status};
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

// ---------------------------------------------------------------- attached files (issue 13)

/// The numbers of the first two actions of report `id`.
async fn two_actions(s: &Server, id: i64) -> (String, String) {
    let r = s.report(id).await;
    let mut numbers = r.actions().map(|(_, _, _, a)| a.number.clone());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

/// A small well-formed PDF.
fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% {tag}\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

/// A DOCX whose one extra part inflates to 60 Mo (a few dozen kB on the wire).
fn docx_bomb() -> Vec<u8> {
    hostile::zip_with(|z| {
        hostile::entry(
            z,
            "[Content_Types].xml",
            br#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        );
        hostile::entry(z, "word/document.xml", b"<w:document/>");
        hostile::big_entry(z, "word/media/vide.bin", b"", b"\0", 60 * 1024 * 1024, b"");
    })
}

fn docx() -> Vec<u8> {
    hostile::zip_with(|z| {
        hostile::entry(
            z,
            "[Content_Types].xml",
            br#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        );
        hostile::entry(z, "word/document.xml", b"<w:document>Facture</w:document>");
    })
}

/// The signatory adopts report `id` with the deliberation and, when given, the signed file.
async fn adopt(s: &Server, a: &Agent, id: i64, file: Option<(&str, Vec<u8>)>) -> (StatusCode, String) {
    let (_, page) = a.page(&format!("/rapports/{id}")).await;
    assert!(common::has_id(&page, "deliberation_fichier"), "the adoption form takes the signed file");
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", hidden_value(&page, "csrf").unwrap())
        .text("deliberation_numero", "CD-2020-117")
        .text("deliberation_date", "2020-06-29")
        .text("deliberation_instance", "Commission permanente");
    if let Some((name, bytes)) = file {
        form = form
            .part("deliberation_fichier", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    }
    let r = a.client.post(s.url(&format!("/rapports/{id}/adopter"))).multipart(form).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// An editor attaches a piece to action `num` of report `id`.
async fn add_piece(
    s: &Server,
    a: &Agent,
    id: i64,
    num: &str,
    title: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let (status, page) = a.page(&format!("/rapports/{id}/actions/{num}")).await;
    assert_eq!(status, StatusCode::OK);
    let form = reqwest::multipart::Form::new()
        .text("csrf", hidden_value(&page, "csrf").unwrap())
        .text("titre", title.to_string())
        .part("fichier", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = a
        .client
        .post(s.url(&format!("/rapports/{id}/actions/{num}/pieces")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn the_signed_deliberation_is_a_real_pdf_of_at_most_10_mo() {
    let s = start().await;
    let id = s.report_id("03", 2020).await;
    let signatory = s.login("signataire.allier").await;
    let audit = s.store.audit(None, 100_000).await.unwrap().len();

    let refusals: [(&str, Vec<u8>, StatusCode, &str); 4] = [
        (
            "deliberation.pdf",
            b"Ceci est un texte, pas un PDF.".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "la délibération signée doit être un fichier PDF",
        ),
        (
            "deliberation.pdf",
            docx(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "la délibération signée doit être un fichier PDF",
        ),
        ("tronque.pdf", b"%PDF-1.7\n1 0 obj".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "%%EOF"),
        (
            "grosse.pdf",
            [pdf("x"), vec![b' '; 10 * 1024 * 1024]].concat(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "dépasse la taille maximale de 10 Mo",
        ),
    ];
    for (name, bytes, status, message) in refusals {
        let (got, body) = adopt(&s, &signatory, id, Some((name, bytes))).await;
        assert_eq!(got, status, "{name}: {body}");
        assert!(body.contains(message), "{name}: {body}");
        let stored = s.store.report(id).await.unwrap().unwrap();
        assert_eq!(stored.summary.status, Status::Draft, "{name}: nothing adopted");
        assert!(stored.deliberation_number.is_none());
        assert!(s.store.attachments(id).await.unwrap().is_empty(), "{name}: nothing attached");
        assert_eq!(s.store.audit(None, 100_000).await.unwrap().len(), audit, "{name}: nothing journaled");
    }

    let signed = pdf("délibération CD-2020-117");
    let (status, body) = adopt(&s, &signatory, id, Some(("Délibération CP.pdf", signed.clone()))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let stored = s.store.report(id).await.unwrap().unwrap();
    assert_eq!(stored.summary.status, Status::Adopted);
    let list = s.store.attachments(id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].kind, AttachmentKind::Deliberation);
    assert_eq!(list[0].file_name, "D-lib-ration-CP.pdf");
    assert_eq!(list[0].title, "Délibération n° CD-2020-117");
    let entry = s.store.audit(Some(id), 1).await.unwrap().remove(0);
    assert_eq!(entry.action, "report.status");
    assert!(entry.after.unwrap().contains(&format!("sha256 : {}", list[0].sha256)));

    // The overview lists it; it downloads as it was sent.
    let (_, page) = signatory.page(&format!("/rapports/{id}")).await;
    let href =
        common::attr_by_id(&page, "telecharger-deliberation", "href").expect("link to the signed file");
    let r = signatory.get(&href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), signed);

    // Without a file, adoption works as before (urlencoded form).
    let other = s.report_id("03", 2019).await;
    let csrf = signatory.csrf().await;
    let r = signatory
        .post(
            &format!("/rapports/{other}/adopter"),
            &[("csrf", &csrf), ("deliberation_numero", "12"), ("deliberation_date", "2020-06-29")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(s.store.attachments(other).await.unwrap().is_empty());
}

#[tokio::test]
async fn pieces_are_checked_by_content_and_bombs_are_refused() {
    let s = start().await;
    let id = s.report_id("03", 2019).await;
    let editor = s.login("editeur.allier").await;
    let (n1, n2) = two_actions(&s, id).await;
    let audit = s.store.audit(None, 100_000).await.unwrap().len();
    let refusals: [(&str, &str, Vec<u8>, &str); 4] = [
        ("Bombe", "rapport.docx", docx_bomb(), "bombe de décompression"),
        ("Faux", "facture.pdf", b"MZ\x90\x00 un executable".to_vec(), "n’est pas un des types acceptés"),
        (
            "Zip",
            "archive.docx",
            hostile::zip_with(|z| hostile::entry(z, "a.txt", b"a")),
            "n’est pas un document accepté",
        ),
        ("", "facture.pdf", pdf("sans titre"), "indiquez le titre du document"),
    ];
    for (title, name, bytes, message) in refusals {
        let (status, body) = add_piece(&s, &editor, id, &n1, title, name, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(common::has_id(&body, "erreurs-piece"), "{body}");
        assert!(body.contains(message), "{name}: {body}");
        assert!(s.store.attachments(id).await.unwrap().is_empty());
        assert_eq!(s.store.audit(None, 100_000).await.unwrap().len(), audit);
    }
    let (status, body) = add_piece(
        &s,
        &editor,
        id,
        &n1,
        "Facture",
        "facture.pdf",
        [pdf("x"), vec![b' '; 10 * 1024 * 1024]].concat(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(s.store.attachments(id).await.unwrap().is_empty());

    // Accepted: a PDF, a DOCX, a spreadsheet, each typed by its content.
    for (title, name, bytes) in [
        ("Facture", "facture.pdf", pdf("f")),
        ("Convention", "convention.docx", docx()),
        ("Tableau", "tableau.xlsx", allier_xlsx()),
    ] {
        let (status, body) = add_piece(&s, &editor, id, &n1, title, name, bytes).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {body}");
    }
    let list = s.store.attachments(id).await.unwrap();
    let types: Vec<&str> = list.iter().map(|a| a.media_type.as_str()).collect();
    assert_eq!(types[0], "application/pdf");
    assert!(types[1].contains("wordprocessingml") && types[2].contains("spreadsheetml"), "{types:?}");
    assert_eq!(s.store.audit(None, 100_000).await.unwrap().len(), audit + 3, "one journal entry per piece");
    let (_, page) = editor.page(&format!("/rapports/{id}/actions/{n1}")).await;
    for a in &list {
        assert!(common::has_id(&page, &format!("piece-{}", a.id)), "{page}");
    }
    // Another action does not list them.
    let (_, page) = editor.page(&format!("/rapports/{id}/actions/{n2}")).await;
    assert!(common::has_id(&page, "aucune-piece"));
}

#[tokio::test]
async fn pieces_are_frozen_at_transmission_and_seen_only_by_those_who_see_the_report() {
    let s = start().await;
    let id = s.report_id("03", 2020).await;
    let editor = s.login("editeur.allier").await;
    let (n1, _) = two_actions(&s, id).await;
    let (status, _) = add_piece(&s, &editor, id, &n1, "Facture v1", "facture.pdf", pdf("v1")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let working = s.store.attachments(id).await.unwrap().remove(0);
    let piece_url = format!("/rapports/{id}/pieces/{}", working.id);

    // Before transmission: the Département only (404 elsewhere, as for the report).
    assert_eq!(editor.get(&piece_url).await.status(), StatusCode::OK);
    for login in ["editeur.cantal", "prefecture.allier", "region.ara"] {
        assert_eq!(s.login(login).await.get(&piece_url).await.status(), StatusCode::NOT_FOUND, "{login}");
    }

    let admin = s.admin_id().await;
    s.store
        .set_status(
            admin,
            id,
            Status::Draft,
            Status::Adopted,
            "test",
            Some(("1".into(), "2021-06-01".into())),
        )
        .await
        .unwrap();
    s.store.set_status(admin, id, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();
    let frozen =
        s.store.attachments(id).await.unwrap().into_iter().find(|a| a.frozen_version == Some(1)).unwrap();
    let frozen_url = format!("/rapports/{id}/pieces/{}", frozen.id);

    // The préfecture sees the transmitted piece on the review page and downloads it; not
    // the working copy; another Département still nothing.
    let pref = s.login("prefecture.allier").await;
    let (status, review) = pref.page(&format!("/rapports/{id}/revue")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(common::has_id(&review, &format!("piece-{}", frozen.id)), "{review}");
    assert!(common::has_id(&review, "deliberation-absente"));
    assert_eq!(pref.get(&frozen_url).await.bytes().await.unwrap().to_vec(), pdf("v1"));
    assert_eq!(pref.get(&piece_url).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(s.login("editeur.cantal").await.get(&frozen_url).await.status(), StatusCode::NOT_FOUND);

    // Transmitted: no piece can be added or removed.
    let (status, _) = add_piece(&s, &editor, id, &n1, "Tardive", "t.pdf", pdf("tard")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csrf = editor.csrf().await;
    let r = editor.post(&format!("{piece_url}/supprimer"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Sent back, the Département replaces the piece: version 1's stays as transmitted.
    s.store
        .transition(
            admin,
            id,
            bilan_store::Transition::new(Status::Transmitted, Status::SentBack, "renvoi"),
            |_, _| Ok(None),
        )
        .await
        .unwrap();
    let r = editor.post(&format!("{piece_url}/supprimer"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, _) = add_piece(&s, &editor, id, &n1, "Facture v2", "facture.pdf", pdf("v2")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let r = editor.post(&format!("{frozen_url}/supprimer"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "a transmitted piece never goes");
    let all = s.store.attachments(id).await.unwrap();
    let v1: Vec<_> = all.iter().filter(|a| a.frozen_version == Some(1)).collect();
    assert_eq!(v1.len(), 1);
    assert_eq!(v1[0].title, "Facture v1");
    assert_eq!(
        all.iter().filter(|a| a.frozen_version.is_none()).map(|a| a.title.as_str()).collect::<Vec<_>>(),
        ["Facture v2"]
    );
}

#[tokio::test]
async fn pieces_can_be_kept_in_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::start_with(bilan_web::AppOptions {
        files_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let id = s.report_id("03", 2019).await;
    let editor = s.login("editeur.allier").await;
    let (n1, _) = two_actions(&s, id).await;
    let (status, _) = add_piece(&s, &editor, id, &n1, "Facture", "facture.pdf", pdf("dossier")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let a = s.store.attachments(id).await.unwrap().remove(0);
    assert_eq!(s.store.attachment_content(&a.sha256).await.unwrap(), Some(None), "no bytes in the database");
    let on_disk = dir.path().join(&a.sha256);
    assert_eq!(std::fs::read(&on_disk).unwrap(), pdf("dossier"));
    let url = format!("/rapports/{id}/pieces/{}", a.id);
    assert_eq!(editor.get(&url).await.bytes().await.unwrap().to_vec(), pdf("dossier"));
    // A file changed on disk is never served.
    std::fs::write(&on_disk, b"%PDF-1.7 falsifie %%EOF").unwrap();
    assert_eq!(editor.get(&url).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

//! The credits note of the Allier 2019 report as a PDF, read back with poppler's
//! `pdftotext`: every amount of the note is printed and user text stays literal.

use std::process::Command;

#[path = "../../render/tests/fixtures/credits_note.rs"]
mod fixture;
use fixture::*;

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed by this test (apt-get install poppler-utils): {e}"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn credits_note_pdf_prints_every_amount() {
    let n = note();
    let bytes = bilan_pdf::credits_note_pdf(&n, &meta()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("pdfaid:part") && raw.contains("pdfaid:conformance"), "no PDF/A identification");
    let dir = std::env::temp_dir().join(format!("bilan-pdf-credits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("note.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let text = flat(&run("pdftotext", &[path.to_str().unwrap(), "-"]));
    let info = run("pdfinfo", &["-f", "1", "-l", "999", path.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);

    let missing: Vec<String> = amounts(&n).into_iter().filter(|a| !text.contains(&flat(a))).collect();
    assert!(missing.is_empty(), "absent from the PDF: {missing:?}\n{text}");
    for expected in [
        "Département de l’Allier",
        "Note de calcul des crédits 2020",
        "Exercice 2019",
        "Approbation du rapport : 12 septembre 2020",
        "1. Synthèse",
        "Reports demandés et décisions",
        "accepté",
        "refusé",
        "sans décision",
        "Règles CALPAE 2019 : l'État finance au plus 50 % de la dépense",
        "Page 1 / ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    assert!(text.contains(&flat(&n.explanation)), "the computation in words: {text}");
    // User text printed literally, never interpreted.
    assert!(text.contains(HOSTILE), "hostile text altered: {text}");
    // The tables per action and per line are on landscape pages.
    assert!(
        info.lines().any(|l| l.starts_with("Page") && l.contains("size:") && {
            let d: Vec<f64> = l.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            d.len() >= 3 && d[1] > d[2]
        }),
        "{info}"
    );
}

#[test]
fn credits_note_source_passes_labels_as_literals() {
    let outline = bilan_render::credits_note_outline(&note(), &meta());
    let source = bilan_pdf::typst_source(&outline);
    assert!(source.contains(
        "\"Subvention <script>alert('x')</script> #panic(\\\"pris\\\") ] [lien] *gras* $x$ & fin\""
    ));
    assert!(!source.contains("image("), "the note has no chart");
}

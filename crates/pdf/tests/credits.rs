//! The credits note of the Allier 2019 report as a PDF, read back with poppler's
//! `pdftotext`: every amount of the note is printed and user text stays literal.

use std::path::Path;
use std::process::Command;

use bilan_consolidate::{compute_credits, CreditRules, CreditsNote, Decision, Decisions, LineKey};
use bilan_domain::{Money, Report};
use bilan_render::NoteMeta;

/// Markup of every format, and attempts to close a Typst string or content block.
const HOSTILE: &str = "Subvention <script>alert('x')</script> #panic(\"pris\") ] [lien] *gras* $x$ & fin";

fn allier() -> Report {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/allier-2019.toml"),
    )
    .expect("examples/allier-2019.toml is in the repository");
    bilan_source::parse_str(&text).expect("the report parses").report
}

/// One line accepted, one refused, one without decision; a hostile label on the accepted
/// line and a hostile action title.
fn note() -> CreditsNote {
    let mut r = allier();
    for m in &mut r.measures {
        for a in &mut m.actions {
            if a.number == "2.2" {
                a.title = format!("Action {HOSTILE}");
            }
            for e in &mut a.expenses {
                if e.id == "ase-a2-subvention-ml" {
                    e.label = HOSTILE.to_string();
                }
            }
        }
    }
    let decisions = Decisions::from([
        (LineKey::new("1.1.2", "ase-a2-subvention-ml"), Decision::Accept),
        (LineKey::new("1.3.2", "referent-formation"), Decision::Refuse),
    ]);
    compute_credits(&r, Money::from_euros(413_393), &decisions, &CreditRules::for_report(&r))
}

fn meta() -> NoteMeta {
    NoteMeta {
        department_name: "Département de l’Allier".into(),
        year: 2019,
        programme_name: "Convention d’appui à la lutte contre la pauvreté et d’accès à l’emploi".into(),
        version: 3,
        approved_at: Some("12 septembre 2020".into()),
        reviewer: "DREETS Auvergne-Rhône-Alpes".into(),
        generated_at: "14 septembre 2020".into(),
    }
}

fn amounts(n: &CreditsNote) -> Vec<String> {
    let mut out: Vec<Money> = vec![
        n.state_amount_next_year,
        n.accepted_carry_over,
        n.refused_carry_over,
        n.undecided_carry_over,
        n.reduction,
        n.delegated,
    ];
    for l in &n.lines {
        out.extend(l.state_share);
        out.extend(l.spent);
        out.extend([
            l.state_credit_used,
            l.unspent_state_credit,
            l.accepted_carry_over,
            l.refused_carry_over,
            l.undecided_carry_over,
            l.reduction,
        ]);
        for c in &l.carry_overs {
            out.extend([c.requested, c.state_part, c.state_part_capped]);
        }
    }
    out.iter().map(Money::to_string).collect()
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed by this test (apt-get install poppler-utils): {e}"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Narrow and plain no-break spaces read as spaces, whitespace runs made one space.
fn flat(s: &str) -> String {
    s.replace(['\u{202f}', '\u{a0}'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
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

//! The PDF read back with poppler's `pdftotext` and `pdfinfo`.

use std::path::{Path, PathBuf};
use std::process::Command;

use bilan_check::{Diagnostic, Severity};
use bilan_domain::Report;

const HOSTILE: &str =
    "Une plateforme <script>alert('x')</script> # titre *gras* $x$ \\ [lien] _souligné_ @ref & fin";
/// Tries to close the string literal and run code.
const ESCAPE: &str = "fin\") #panic(\"pris\") // ]] \\\" <b>";

fn report(name: &str) -> Report {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .unwrap_or_else(|e| panic!("{name} is in the repository: {e}"));
    bilan_source::parse_str(&text).expect("the report parses").report
}

fn fixture() -> Report {
    let mut r = report("../render/tests/fixtures/rapport.toml");
    r.measures[0].actions[0].outlook = ESCAPE.to_string();
    r
}

fn diagnostic() -> Diagnostic {
    Diagnostic {
        code: "IND002",
        severity: Severity::Warning,
        message: "Résultat inférieur à la cible sans justification.".into(),
        path: "mesures[1].actions[0].indicateurs[0]".into(),
        label: String::new(),
        related: Vec::new(),
        hint: Some("Expliquez l’écart dans la colonne « Justification ».".into()),
        focus: None,
    }
}

/// Writes the PDF to a temporary file and returns its path.
fn save(bytes: &[u8], name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bilan-pdf-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed by this test (apt-get install poppler-utils): {e}"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The text of the PDF, every run of spaces (narrow or not) and line breaks made one space.
fn text(path: &Path) -> String {
    let raw = run("pdftotext", &[path.to_str().unwrap(), "-"]);
    raw.replace(['\u{202f}', '\u{a0}'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn fixture_prints_french_amounts_and_literal_text() {
    let bytes = bilan_pdf::pdf(&fixture(), &[diagnostic()]).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let xmp = String::from_utf8_lossy(&bytes);
    assert!(xmp.contains("pdfaid:part") && xmp.contains("pdfaid:conformance"), "no PDF/A identification");
    let path = save(&bytes, "fixture.pdf");
    let text = text(&path);

    // Title page and French typography.
    for expected in [
        "Département de l’Allier",
        "Exercice 2019",
        "Date limite d’adoption : 30 juin 2020",
        "Date de début : 1er octobre 2019",
        "Crédits consommés : 19 863,00 €",
        "Part État 15 000,00 €",
        "Page 1 / ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    // Positional numbering and the nine sections.
    for expected in [
        "1. Mesures socle",
        "1.1 Prévenir toute",
        "1.1.2 Action 2 Référent de parcours",
        "1.1.2.5 Budget",
        "1.1.1.5.2 Budget exécuté au 31/12/2019",
        "2.1.1 Plateforme numérique",
        "2.1.1.9 Perspectives",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
    // Annex sums computed from the lines, valuation rows marked in words.
    assert!(text.contains("74 400,00 €") && text.contains("99 400,00 €"), "annex sums: {text}");
    assert!(text.contains("(valorisation ETP)"));
    // User text printed literally, never interpreted.
    assert!(text.contains(HOSTILE), "hostile narrative altered: {text}");
    assert!(text.contains(ESCAPE), "escape attempt altered: {text}");
    assert!(text.contains("Ligne 1 Ligne 2 avec 100 % et 3 < 4"));
    // Points de vigilance.
    assert!(text.contains("Avertissement IND002 : Résultat inférieur à la cible sans justification (voir 1.1.1). Conseil : Expliquez l’écart"));

    // The annex is on landscape pages, the rest in portrait.
    let info = run("pdfinfo", &["-f", "1", "-l", "999", path.to_str().unwrap()]);
    let sizes: Vec<(f64, f64)> = info
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| {
            let dims: Vec<f64> = l.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            (dims[1], dims[2])
        })
        .collect();
    assert!(sizes.len() >= 4, "{info}");
    assert!(sizes.first().is_some_and(|(w, h)| w < h), "title page in portrait");
    assert!(sizes.iter().any(|(w, h)| w > h), "no landscape page: {info}");
    assert!(sizes.last().is_some_and(|(w, h)| w < h), "vigilance in portrait");
    let _ = std::fs::remove_file(path);
}

#[test]
fn source_passes_user_text_as_literals() {
    let outline = bilan_render::outline(&fixture(), &[]);
    let source = bilan_pdf::typst_source(&outline);
    assert!(source.contains("\"fin\\\") #panic(\\\"pris\\\") // ]] \\\\\\\" <b>\""), "{source}");
    assert!(source.contains("#image(\"/chart.svg\"") || source.contains("image(\"/chart.svg\""));
    assert!(source.contains("#set text(lang: \"fr\""));
    assert!(source.contains("#set page(flipped: true)"));
}

#[test]
fn allier_example_prints() {
    let report = report("../../examples/allier-2019.toml");
    let bytes = bilan_pdf::pdf(&report, &[]).unwrap();
    let path = save(&bytes, "allier.pdf");
    let text = text(&path);
    let _ = std::fs::remove_file(path);
    assert!(text.contains("Département de l’Allier"));
    assert!(text.contains("Aucun point de vigilance."));
    assert!(text.contains("Sous-total - Prévention Sortie sèche de l'ASE"));
}

/// Every figure of the model, in French notation: amounts of the budget sections, of the
/// execution tables and of the annex lines, and every indicator value.
fn model_figures(report: &Report) -> Vec<String> {
    use bilan_domain::{figure, Amount};
    let mut out = Vec::new();
    let mut money = |a: &Option<Amount>| {
        if let Some(m) = figure(a) {
            out.push(m.to_french());
        }
    };
    for (_, _, _, a) in report.actions() {
        if let Some(f) = &a.forecast {
            money(&f.state_share);
            money(&f.department_share);
            money(&f.total);
        }
        if let Some(x) = &a.executed {
            money(&x.committed);
            money(&x.spent);
            money(&x.carry_over);
            for l in &x.lines {
                money(&l.committed);
                money(&l.spent);
                money(&l.carry_over);
                for s in &l.staff_details {
                    money(&Some(s.amount));
                }
            }
        }
        for e in &a.expenses {
            money(&e.planned);
            money(&e.spent);
            money(&e.carry_over);
        }
    }
    for (_, _, _, a) in report.actions() {
        for i in &a.indicators {
            for v in [&i.baseline, &i.target, &i.result].into_iter().flatten() {
                out.push(v.to_french());
            }
        }
    }
    out
}

#[test]
fn allier_pdf_contains_every_figure_of_the_model() {
    let report = report("../../examples/allier-2019.toml");
    let diagnostics = bilan_check::check(&report);
    let bytes = bilan_pdf::pdf(&report, &diagnostics).unwrap();
    let path = save(&bytes, "allier-figures.pdf");
    // One line per table cell is not guaranteed: compare on text with all whitespace
    // (including the narrow and plain no-break spaces) collapsed.
    let flat =
        |s: &str| s.replace(['\u{202f}', '\u{a0}'], " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let text = flat(&text(&path));
    let _ = std::fs::remove_file(path);
    let figures = model_figures(&report);
    assert!(figures.len() > 100, "{} figures", figures.len());
    let missing: Vec<&String> = figures.iter().filter(|f| !text.contains(&flat(f))).collect();
    assert!(missing.is_empty(), "absent from the PDF: {missing:?}");
    assert!(text.contains("Points de vigilance") && text.contains("BUD001"));
}

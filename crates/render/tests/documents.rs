//! Every format from the same report: structure, escaping, French typography, sums.

use std::io::{Cursor, Read};

use bilan_check::{Diagnostic, Severity};
use bilan_domain::Report;
use bilan_render::outline::{Block, Heading, RowKind, Table, SECTION_TITLES};

const HOSTILE: &str =
    "Une plateforme <script>alert('x')</script> # titre *gras* $x$ \\ [lien] _souligné_ @ref & fin";

fn fixture() -> Report {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rapport.toml")).unwrap();
    bilan_source::parse_str(&text).unwrap().report
}

/// The report of the Allier for 2019, when the example has landed.
fn allier() -> Report {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/allier-2019.toml");
    let text = std::fs::read_to_string(path).expect("examples/allier-2019.toml is in the repository");
    bilan_source::parse_str(&text).expect("examples/allier-2019.toml parses").report
}

/// Narrow and plain no-break spaces read as spaces.
fn norm(s: &str) -> String {
    s.replace(['\u{202f}', '\u{a0}'], " ")
}

fn diagnostic() -> Diagnostic {
    Diagnostic {
        code: "BUD001",
        severity: Severity::Error,
        message: "La part CD est inférieure à la part État.".into(),
        path: "mesures[1].actions[1].prevision.part_cd".into(),
        label: String::new(),
        related: Vec::new(),
        hint: Some("Corrigez la part CD <b>".into()),
        focus: None,
    }
}

fn headings(report: &Report) -> Vec<Heading> {
    bilan_render::outline(report, &[])
        .sections
        .into_iter()
        .flat_map(|s| s.blocks)
        .filter_map(|b| match b {
            Block::Heading(h) => Some(h),
            _ => None,
        })
        .collect()
}

fn tables(report: &Report) -> Vec<Table> {
    bilan_render::outline(report, &[])
        .sections
        .into_iter()
        .flat_map(|s| s.blocks)
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

#[path = "fixtures/xml_text.rs"]
mod xml_text;
use xml_text::xml_text;

fn unzip(bytes: &[u8]) -> zip::ZipArchive<Cursor<&[u8]>> {
    zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip")
}

fn entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> String {
    let mut s = String::new();
    zip.by_name(name).unwrap_or_else(|_| panic!("{name} is missing")).read_to_string(&mut s).unwrap();
    s
}

#[test]
fn numbering_comes_from_the_position() {
    let h = headings(&fixture());
    let at = |level: u8| h.iter().filter(|h| h.level == level).map(Heading::text).collect::<Vec<_>>();
    let parts = at(1);
    let core = parts.iter().position(|p| p == "1. Mesures socle").unwrap();
    let local = parts.iter().position(|p| p == "2. Mesures à l’initiative du Département").unwrap();
    assert!(core < local, "{parts:?}");
    assert_eq!(
        at(2),
        [
            "1.1 Prévenir toute « sortie sèche » pour les jeunes sortants de l'aide sociale à l'enfance (ASE)",
            "1.2 Référent de parcours",
            "2.1 Insertion et parcours des BRSA",
        ]
    );
    assert_eq!(
        at(3),
        [
            "1.1.1 Action 1 Accompagnement à l'autonomie",
            "1.1.2 Action 2 Référent de parcours",
            "1.2.1 Formation des référents",
            "2.1.1 Plateforme numérique",
        ]
    );
    let sections = at(4);
    assert_eq!(sections.len(), 4 * 9);
    for (k, title) in SECTION_TITLES.iter().enumerate() {
        assert_eq!(sections[k], format!("1.1.1.{} {title}", k + 1));
        assert_eq!(sections[9 + k], format!("1.1.2.{} {title}", k + 1));
    }
    assert_eq!(
        &at(5)[..2],
        [
            "1.1.1.5.1 Budget prévisionnel figurant dans la convention",
            "1.1.1.5.2 Budget exécuté au 31/12/2019"
        ]
    );
    // The action numbers printed in the file ("1.1.3", "1.4.7") are not used.
    assert!(!h.iter().any(|h| h.level == 3 && ["1.1.3", "1.4.7"].contains(&h.number.as_str())));
}

#[test]
fn annex_sums_are_computed_from_the_lines() {
    let annex =
        tables(&fixture()).into_iter().find(|t| t.caption.starts_with("Dépenses 2019 par action")).unwrap();
    let cols: Vec<&str> = annex.columns.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(&cols[..2], ["Direction", "Dépense"]);
    assert!(cols.contains(&"Commentaires"));
    let row = |kind: RowKind, label: &str| {
        annex
            .rows
            .iter()
            .find(|r| r.kind == kind && r.cells.iter().any(|c| c.contains(label)))
            .unwrap()
            .cells
            .clone()
    };
    let sub = row(RowKind::Subtotal, "Sous-total - Prévention Sortie sèche de l'ASE");
    assert_eq!(norm(&sub[2..5].join(" | ")), "74 400,00 € | 21 863,00 € | 19 800,00 €");
    assert_eq!(norm(&sub[6]), "37 200,00 €", "recette État = Σ part État");
    let total = row(RowKind::Total, "Montant total");
    assert_eq!(norm(&total[2..5].join(" | ")), "99 400,00 € | 48 263,00 € | 19 800,00 €");
    assert_eq!(norm(&total[6]), "47 200,00 €");
    let valuation = row(RowKind::Valuation, "Valorisation temps de présence agents");
    assert!(valuation[1].ends_with("(valorisation ETP)"));
    let group = row(RowKind::Group, "Insertion et parcours des BRSA");
    assert_eq!(group.len(), 1);
}

#[test]
fn html_escapes_user_text() {
    let html = bilan_render::html(&fixture(), &[diagnostic()]);
    assert!(!html.contains("<script"), "a narrative became markup");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("# titre *gras* $x$ \\ [lien] _souligné_ @ref &amp; fin"));
    assert!(html.contains("Ligne 1<br>\nLigne 2 avec 100 % et 3 &lt; 4"));
    assert!(html.contains("Corrigez la part CD &lt;b&gt;"));
}

#[test]
fn html_is_accessible_and_self_contained() {
    let html = bilan_render::html(&fixture(), &[]);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert_eq!(html.matches("<h1>").count(), 1);
    for tag in [
        "<h2 id=\"mesures-socle\">",
        "<h3 id=\"mesure-1\">",
        "<h4 id=\"action-1-1\">",
        "<h5 id=\"action-1-1-1\">",
        "<caption>",
        "<th scope=\"col\"",
        "<th scope=\"row\"",
        "<th scope=\"rowgroup\" colspan=\"7\">",
        "@media print",
        "<tr class=\"valorisation\">",
        "role=\"img\"",
    ] {
        assert!(html.contains(tag), "missing {tag}");
    }
    assert_eq!(html.matches("<table>").count(), html.matches("<caption>").count());
    for external in ["src=", "<link", "<script", "@import", "url("] {
        assert!(!html.contains(external), "external resource: {external}");
    }
    assert!(html.contains("Aucun point de vigilance."));
}

#[test]
fn html_speaks_french() {
    let html = bilan_render::html(&fixture(), &[]);
    for expected in [
        "<p class=\"departement\">Département de l’Allier</p>",
        "Exercice 2019",
        "Convention d’appui à la lutte contre la pauvreté et d’accès à l’emploi",
        "<strong>Date limite d’adoption</strong>&#160;: 30 juin 2020",
        "<strong>Délibération</strong>&#160;: n°\u{a0}CP-2020-117 du 26 juin 2020 (commission permanente)",
        "<strong>Date de début</strong>&#160;: 1er octobre 2019",
        "<th scope=\"row\">Part État</th><td class=\"nombre\">15\u{202f}000,00\u{a0}€</td>",
        "<strong>Crédits consommés</strong>&#160;: 19\u{202f}863,00\u{a0}€",
        "<strong>Crédits engagés</strong>&#160;: non renseigné",
        "Le budget de cette action est présenté avec celui de l’action 1.1.",
        "Travailleur social : (45 500/166)*5h*13pg\u{a0}: 1\u{202f}848,00\u{a0}€",
        "<li>La préfète de l&#39;Allier</li>",
        "83 Montluçon, 47 Moulins (total 130)",
        "Oui en partie",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
}

#[test]
fn vigilance_lists_the_diagnostics() {
    let html = bilan_render::html(&fixture(), &[diagnostic()]);
    let section = &html[html.find("id=\"vigilance\"").unwrap()..];
    assert!(section.contains(
        "<li>Erreur BUD001\u{a0}: La part CD est inférieure à la part État (voir\u{a0}1.1.2). Conseil\u{a0}: Corrigez la part CD &lt;b&gt;.</li>"
    ), "{section}");
    assert!(!section.contains("Aucun point de vigilance."));
}

#[test]
fn vigilance_lists_what_the_checks_find() {
    for report in [fixture(), allier()] {
        let diagnostics = bilan_check::check(&report);
        let html = bilan_render::html(&report, &diagnostics);
        let section = &html[html.find("id=\"vigilance\"").unwrap()..];
        assert_eq!(section.contains("Aucun point de vigilance."), diagnostics.is_empty());
        for d in &diagnostics {
            assert!(section.contains(&format!(" {}\u{a0}: ", d.code)), "{} missing", d.code);
        }
    }
}

#[test]
fn odt_is_a_valid_package() {
    let bytes = bilan_render::odt(&fixture(), &[diagnostic()]);
    let mut zip = unzip(&bytes);
    {
        let first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "mimetype");
        assert_eq!(first.compression(), zip::CompressionMethod::Stored);
    }
    // Local header: name at 30, no extra field, the media type stored right after.
    assert_eq!(&bytes[26..30], [8, 0, 0, 0]);
    assert_eq!(&bytes[30..38], b"mimetype");
    assert_eq!(&bytes[38..77], b"application/vnd.oasis.opendocument.text");
    assert_eq!(entry(&mut zip, "mimetype"), "application/vnd.oasis.opendocument.text");
    let manifest = entry(&mut zip, "META-INF/manifest.xml");
    xml_text(&manifest);
    assert!(manifest.contains("manifest:full-path=\"content.xml\""));
    let styles = entry(&mut zip, "styles.xml");
    xml_text(&styles);
    for name in [
        "Heading_20_1",
        "Heading_20_2",
        "Heading_20_3",
        "Heading_20_4",
        "\"Title\"",
        "A4_Paysage",
        "style:print-orientation=\"landscape\"",
        "<text:page-count>",
    ] {
        assert!(styles.contains(name), "styles.xml lacks {name}");
    }
    xml_text(&entry(&mut zip, "meta.xml"));
    xml_text(&entry(&mut zip, "Pictures/graphique.svg"));
    let content = entry(&mut zip, "content.xml");
    let text = xml_text(&content);
    assert!(text.contains(HOSTILE), "hostile text not literal");
    assert!(norm(&text).contains("74 400,00 €"));
    assert!(content.contains("<text:h text:style-name=\"Heading_20_3\" text:outline-level=\"3\">"));
    assert!(content.contains("style:master-page-name=\"Paysage\""));
    assert!(content.contains("<table:table "));
    assert!(content.contains("table:number-columns-spanned=\"7\""));
    assert!(content.contains("Cell_20_Valuation"));
    assert!(text.contains("1.2.5 Budget"));
}

#[test]
fn docx_is_a_valid_package() {
    let bytes = bilan_render::docx(&fixture(), &[diagnostic()]);
    let mut zip = unzip(&bytes);
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/_rels/document.xml.rels",
        "word/numbering.xml",
        "word/footer1.xml",
        "docProps/core.xml",
    ] {
        xml_text(&entry(&mut zip, name));
    }
    let styles = entry(&mut zip, "word/styles.xml");
    xml_text(&styles);
    for level in 1..=4 {
        assert!(styles.contains(&format!("w:styleId=\"Heading{level}\"><w:name w:val=\"heading {level}\"/>")));
    }
    let document = entry(&mut zip, "word/document.xml");
    let text = xml_text(&document);
    assert!(text.contains(HOSTILE), "hostile text not literal");
    assert!(norm(&text).contains("99 400,00 €"));
    assert!(document.contains("<w:pStyle w:val=\"Heading2\"/>"));
    assert!(document.contains("<w:tbl>"));
    assert!(document.contains("<w:gridSpan w:val=\"7\"/>"));
    assert!(document.contains("w:fill=\"B8FEC9\""));
    assert_eq!(document.matches("w:orient=\"landscape\"").count(), 1);
    assert_eq!(document.matches("<w:sectPr>").count(), 3);
    assert!(text.contains("Erreur BUD001"));
}

#[test]
fn chart_is_accessible_svg() {
    let svg = bilan_render::chart_svg(&fixture());
    let text = xml_text(&svg);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""));
    assert!(svg.contains("<title id=\"graphique-titre\">Prévu et réalisé par mesure en 2019</title>"));
    assert!(svg.contains("<desc id=\"graphique-desc\">"));
    // Two bars per measure.
    assert_eq!(svg.matches("<rect x=\"310\"").count(), 6);
    let text = norm(&text);
    assert!(text.contains("1.1 Prévenir toute « sortie sèche » pour les jeunes sortants de l'aide sociale à l'enfance (ASE) : prévu 74 400,00 €, réalisé 21 863,00 €."), "{text}");
    // No expense line: the forecast stands for the planned amount.
    assert!(text.contains("1.2 Référent de parcours : prévu 100 000,00 €, réalisé —."));
    assert!(text.contains("200 000 €") || text.contains("100 000 €"), "axis in French: {text}");
}

#[test]
fn empty_report_still_renders() {
    let mut r = fixture();
    r.measures.clear();
    r.annex = Default::default();
    r.preamble.clear();
    let html = bilan_render::html(&r, &[]);
    assert!(html.contains("Aucune ligne de dépense renseignée."));
    xml_text(&bilan_render::chart_svg(&r));
    xml_text(&entry(&mut unzip(&bilan_render::docx(&r, &[])), "word/document.xml"));
    xml_text(&entry(&mut unzip(&bilan_render::odt(&r, &[])), "content.xml"));
}

#[test]
fn allier_example_renders_in_every_format() {
    let report = allier();
    let h = headings(&report);
    let actions: Vec<String> = h.iter().filter(|h| h.level == 3).map(|h| h.number.clone()).collect();
    assert_eq!(&actions[..3], ["1.1.1", "1.1.2", "1.1.3"]);
    assert!(h
        .iter()
        .filter(|h| h.level == 4)
        .all(|s| s.number.starts_with(&format!("{}.", s.number.rsplit_once('.').unwrap().0))));
    let html = bilan_render::html(&report, &[]);
    assert!(html.contains("Département de l’Allier"));
    assert!(html.contains("<tr class=\"valorisation\">"));
    let total = tables(&report)
        .into_iter()
        .flat_map(|t| t.rows)
        .find(|r| r.kind == RowKind::Total && r.cells[1] == "Montant total")
        .unwrap();
    assert!(total.cells[2].ends_with("\u{a0}€"));
    xml_text(&entry(&mut unzip(&bilan_render::odt(&report, &[])), "content.xml"));
    xml_text(&entry(&mut unzip(&bilan_render::docx(&report, &[])), "word/document.xml"));
    xml_text(&bilan_render::chart_svg(&report));
}

/// `<`, `&`, quotes, `]]>` and a control character XML 1.0 forbids (U+0001) in the title,
/// a heading, a table caption and a narrative: every XML part of the ODT and the DOCX
/// still parses, and shows the text without the control character.
#[test]
fn xml_parts_stay_well_formed_whatever_the_text() {
    const NASTY: &str = r#"a < b & \"c\" 'd' \u0001]]> fin"#;
    const SHOWN: &str = r#"a < b & "c" 'd' ]]> fin"#;
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rapport.toml")).unwrap();
    let text = text
        .replacen("titre = \"Rapport d'exécution", &format!("titre = \"{NASTY} Rapport d'exécution"), 1)
        .replacen("intitule = \"Plateforme numérique\"", &format!("intitule = \"{NASTY}\""), 1)
        .replacen("bilan = \"Ligne 1", &format!("bilan = \"{NASTY}\\t\\nLigne 1"), 1);
    let report = bilan_source::parse_str(&text).expect("the altered fixture parses").report;
    let mut hint = diagnostic();
    hint.hint = Some(SHOWN.replace(' ', "\u{1}"));

    let odt = bilan_render::odt(&report, &[hint.clone()]);
    let mut zip = unzip(&odt);
    for part in ["META-INF/manifest.xml", "styles.xml"] {
        xml_text(&entry(&mut zip, part));
    }
    for part in ["content.xml", "meta.xml"] {
        let xml = entry(&mut zip, part);
        assert!(!xml.contains('\u{1}'), "{part} holds U+0001");
        assert!(xml_text(&xml).contains(SHOWN), "{part} lost the text");
    }

    let docx = bilan_render::docx(&report, &[hint]);
    let mut zip = unzip(&docx);
    for part in ["[Content_Types].xml", "_rels/.rels", "word/styles.xml", "word/numbering.xml"] {
        xml_text(&entry(&mut zip, part));
    }
    for part in ["word/document.xml", "docProps/core.xml"] {
        let xml = entry(&mut zip, part);
        assert!(!xml.contains('\u{1}'), "{part} holds U+0001");
        assert!(xml_text(&xml).contains(SHOWN), "{part} lost the text");
    }
    // An attribute value too (the table's caption).
    let document = entry(&mut zip, "word/document.xml");
    assert!(document.contains("&lt; b &amp; &quot;c&quot; &apos;d&apos; ]]&gt; fin"));
}

//! The credits note of the Allier 2019 report in HTML and ODT: every amount of the note
//! is printed, user text stays literal, and LibreOffice opens the ODT when it is there.

use std::io::{Cursor, Read};
use std::process::Command;

#[path = "fixtures/credits_note.rs"]
mod fixture;
use fixture::*;

use bilan_domain::Money;

#[path = "fixtures/xml_text.rs"]
mod xml_text;
use xml_text::xml_text;

fn entry(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip");
    let mut s = String::new();
    zip.by_name(name).unwrap_or_else(|_| panic!("{name} is missing")).read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_fixture_has_every_kind_of_decision() {
    let n = note();
    // 1.1.2: 19 800 asked → 9 900 accepted; 1.3.2: 20 000 → 10 000 refused; 1.4.1:
    // 3 000 → 1 500 without decision.
    assert_eq!(n.accepted_carry_over, Money::from_euros(9_900));
    assert_eq!(n.refused_carry_over, Money::from_euros(10_000));
    assert_eq!(n.undecided_carry_over, Money::from_euros(1_500));
    assert!(!n.is_final());
    assert!(n.lines.iter().any(|l| l.state_share.is_none()), "an action without part État");
}

#[test]
fn html_fragment_prints_every_amount() {
    let n = note();
    let html = bilan_render::credits_note_html(&n, &meta());
    assert!(html.starts_with("<section class=\"note-credits\" aria-labelledby=\"note-credits-titre\">"));
    assert!(html.ends_with("</section>\n"));
    let text = xml_text(&html);
    for a in amounts(&n) {
        assert!(html.contains(&a), "{a:?} absent from the HTML");
    }
    for expected in [
        "<h2 id=\"note-credits-titre\">Note de calcul des crédits 2020</h2>",
        "<p class=\"departement\">Département de l’Allier</p>",
        "<strong>Approbation du rapport</strong>&#160;: 12 septembre 2020",
        "<strong>Instruction</strong>&#160;: DREETS Auvergne-Rhône-Alpes &lt;b&gt;",
        "<h3 id=\"credits-synthese\">1. Synthèse</h3>",
        "<div class=\"fr-table\">",
        "<caption>Calcul des crédits État délégués pour 2020</caption>",
        "<th scope=\"col\" class=\"montant\">Part État</th>",
        "<th scope=\"row\">1.1.2</th>",
        "<tfoot>\n<tr class=\"total\"><th scope=\"row\">= Crédits délégués pour 2020</th><td class=\"montant\">",
        "<td>accepté</td>",
        "<td>refusé</td>",
        "<td>sans décision</td>",
        "Règles CALPAE 2019 : l&#39;État finance au plus 50\u{a0}% de la dépense",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    assert_eq!(html.matches("<table tabindex=\"0\">").count(), html.matches("<caption>").count());
    assert_eq!(html.matches("<table tabindex=\"0\">").count(), 3);
    // Hand check of the synthesis: 413 393 + 9 900 − réfaction = delegated.
    assert_eq!(n.delegated, Money::from_euros(413_393).add(n.accepted_carry_over).sub(n.reduction));
    assert!(flat(&text).contains(&flat(&format!("= Crédits délégués pour 2020 {}", n.delegated))));
    // User text never becomes markup.
    assert!(!html.contains("<script"), "a label became markup");
    assert!(!html.contains("<b>"));
    assert!(html.contains(
        "Subvention &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; #panic(&quot;pris&quot;) ] [lien] *gras* $x$ &amp; fin"
    ));
    assert!(text.contains(HOSTILE), "hostile text not literal");
    for external in ["<style", "style=", "src=", "<link", "<script"] {
        assert!(!html.contains(external), "{external} in the fragment");
    }
}

#[test]
fn odt_prints_every_amount() {
    let n = note();
    let bytes = bilan_render::credits_note_odt(&n, &meta());
    assert_eq!(entry(&bytes, "mimetype"), "application/vnd.oasis.opendocument.text");
    xml_text(&entry(&bytes, "META-INF/manifest.xml"));
    xml_text(&entry(&bytes, "styles.xml"));
    xml_text(&entry(&bytes, "Pictures/graphique.svg"));
    let meta_xml = entry(&bytes, "meta.xml");
    assert!(xml_text(&meta_xml).contains("Note de calcul des crédits 2020"));
    let content = entry(&bytes, "content.xml");
    let text = xml_text(&content);
    let flat_text = flat(&text);
    for a in amounts(&n) {
        assert!(flat_text.contains(&flat(&a)), "{a:?} absent from the ODT");
    }
    assert!(text.contains(HOSTILE), "hostile text not literal");
    assert!(content.contains("<text:h text:style-name=\"Heading_20_1\" text:outline-level=\"1\">"));
    assert!(content.contains("style:master-page-name=\"Paysage\""));
    assert_eq!(content.matches("<table:table ").count(), 3);
    assert!(flat_text.contains("Reports demandés et décisions"));
    assert!(flat_text.contains("Statut de la note : provisoire : 1 report sans décision"));
}

/// LibreOffice, when installed (scripts/test.sh installs it), opens the ODT and finds
/// every amount in it.
#[test]
fn libreoffice_reads_the_odt() {
    if Command::new("soffice").arg("--version").output().is_err() {
        eprintln!("soffice absent : conversion par LibreOffice non vérifiée");
        return;
    }
    let n = note();
    let dir = std::env::temp_dir().join(format!("bilan-credits-odt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let odt = dir.join("note.odt");
    std::fs::write(&odt, bilan_render::credits_note_odt(&n, &meta())).unwrap();
    let out = Command::new("soffice")
        .arg("--headless")
        .arg(format!("-env:UserInstallation=file://{}", dir.join("profil").display()))
        .args(["--convert-to", "txt:Text (encoded):UTF8", "--outdir"])
        .arg(&dir)
        .arg(&odt)
        .output()
        .unwrap();
    let txt = std::fs::read_to_string(dir.join("note.txt")).unwrap_or_else(|e| {
        panic!("no text from LibreOffice ({e}): {}", String::from_utf8_lossy(&out.stderr))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let flat_txt = flat(&txt);
    for a in amounts(&n) {
        assert!(flat_txt.contains(&flat(&a)), "{a:?} absent from LibreOffice's text");
    }
    assert!(txt.contains(HOSTILE));
    assert!(flat_txt.contains("Note de calcul des crédits 2020"));
}

//! The credits note of the Allier 2019 report in HTML and ODT: every amount of the note
//! is printed, user text stays literal, and LibreOffice opens the ODT when it is there.

use std::io::{Cursor, Read};
use std::process::Command;

use bilan_consolidate::{compute_credits, CreditRules, CreditsNote, Decision, Decisions, LineKey};
use bilan_domain::{Money, Report};
use bilan_render::NoteMeta;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Markup of every format the note is written in, and attempts to leave a string.
const HOSTILE: &str = "Subvention <script>alert('x')</script> #panic(\"pris\") ] [lien] *gras* $x$ & fin";

fn allier() -> Report {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/allier-2019.toml");
    let text = std::fs::read_to_string(path).expect("examples/allier-2019.toml is in the repository");
    bilan_source::parse_str(&text).expect("examples/allier-2019.toml parses").report
}

/// The Allier report with a hostile label on the accepted carry-over line and a hostile
/// action title; decisions: one line accepted, one refused, one left without decision.
fn note() -> CreditsNote {
    let mut r = allier();
    let mut touched = 0;
    for m in &mut r.measures {
        for a in &mut m.actions {
            if a.number == "2.2" {
                a.title = format!("Action {HOSTILE}");
                touched += 1;
            }
            for e in &mut a.expenses {
                if e.id == "ase-a2-subvention-ml" {
                    e.label = HOSTILE.to_string();
                    touched += 1;
                }
            }
        }
    }
    assert_eq!(touched, 2, "the example changed");
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
        reviewer: "DREETS Auvergne-Rhône-Alpes <b>".into(),
        generated_at: "14 septembre 2020".into(),
    }
}

/// Every amount the note holds, as `Money` prints it.
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

/// Narrow and plain no-break spaces read as spaces, whitespace runs made one space.
fn flat(s: &str) -> String {
    s.replace(['\u{202f}', '\u{a0}'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses XML to the end (tags balanced, entities known) and returns its text.
fn xml_text(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut depth: i64 = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => {
                depth -= 1;
                out.push(' ');
            }
            Ok(Event::Text(t)) => out.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                if let Some(c) = r.resolve_char_ref().unwrap() {
                    out.push(c);
                } else {
                    out.push(match &*r.xml10_content() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity &{other};"),
                    });
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unbalanced XML");
    out
}

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

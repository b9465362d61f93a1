//! The Départements map and the planned-versus-spent bars: every Département once, colours,
//! escaping, well-formed XML, the regional zoom, and amounts of any size.

use bilan_domain::geo;
use bilan_render::bars::{compact_euros, planned_vs_spent_svg, BarRow};
use bilan_render::map::{
    department_map_svg, MapClass, MapEntry, MapLegend, ATTRIBUTION, MAP_COLOURS, NOT_IN_SCOPE_COLOUR,
    NO_DATA_COLOUR,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

const HOSTILE: &str = "Taux <script>alert('x')</script> & \"cités\" ]]> <!-- fin";
const DATA: &str = include_str!("../data/departements-metropole.tsv");

/// An element of the parsed SVG.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    fn all(&self) -> Vec<&Node> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.all());
        }
        out
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    /// Text of the element and its descendants.
    fn full_text(&self) -> String {
        let mut s = self.text.clone();
        for c in &self.children {
            s.push_str(&c.full_text());
        }
        s
    }
}

fn node(e: &BytesStart) -> Node {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.expect("well-formed attribute, no duplicate");
            (a.key.0.to_string(), a.normalized_value(XmlVersion::Implicit1_0).unwrap().into_owned())
        })
        .collect();
    Node { name: e.name().0.to_string(), attrs, ..Node::default() }
}

/// Parses the SVG as XML (panics if it is not well-formed) into a tree; returns the root.
fn parse(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => stack.push(node(&e)),
            Ok(Event::Empty(e)) => {
                let n = node(&e);
                stack.last_mut().unwrap().children.push(n);
            }
            Ok(Event::End(_)) => {
                let n = stack.pop().unwrap();
                stack.last_mut().expect("balanced tags").children.push(n);
            }
            Ok(Event::Text(t)) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                let c = match r.resolve_char_ref().unwrap() {
                    Some(c) => c,
                    None => match &*r.xml10_content() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity &{other};"),
                    },
                };
                stack.last_mut().unwrap().text.push(c);
            }
            Ok(Event::CData(_)) => panic!("no CDATA expected"),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(stack.len(), 1, "unbalanced XML");
    let mut top = stack.pop().unwrap();
    assert_eq!(top.children.len(), 1, "one root element");
    let root = top.children.pop().unwrap();
    assert_eq!(root.name, "svg");
    root
}

/// Checks what every figure must have: an accessible name, unique ids, no NaN.
fn check_figure(svg: &str) -> Node {
    let root = parse(svg);
    for n in root.all() {
        for (key, value) in &n.attrs {
            let mut numbers = value.split([' ', ',']).filter_map(|t| t.parse::<f64>().ok());
            assert!(numbers.all(f64::is_finite) && !value.contains("NaN"), "{key}=\"{value}\"");
        }
    }
    assert!(matches!(root.attr("role"), Some("img" | "group")));
    let mut ids: Vec<&str> = root.all().iter().filter_map(|n| n.attr("id")).collect();
    let labelled = root.attr("aria-labelledby").expect("aria-labelledby");
    for id in labelled.split_whitespace() {
        assert!(ids.contains(&id), "aria-labelledby names a missing id {id}");
    }
    assert_eq!(root.child("title").map(|t| t.attr("id")), Some(labelled.split_whitespace().next()));
    assert!(root.child("desc").is_some());
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are unique");
    root
}

fn legend() -> MapLegend {
    MapLegend {
        title: "Taux d'exécution".into(),
        buckets: [
            "moins de 50 %".into(),
            "50 à 70 %".into(),
            "70 à 85 %".into(),
            "85 à 95 %".into(),
            "95 % et plus".into(),
        ],
        no_data: "non transmis".into(),
    }
}

fn class_for(k: usize) -> MapClass {
    match k % 7 {
        5 => MapClass::NoData,
        6 => MapClass::NotInScope,
        n => MapClass::Bucket(n as u8 % 5),
    }
}

fn all_entries() -> Vec<MapEntry> {
    geo::DEPARTMENTS
        .iter()
        .enumerate()
        .map(|(k, d)| MapEntry {
            code: d.code.to_string(),
            value_label: if class_for(k) == MapClass::NoData {
                "non transmis".into()
            } else {
                format!("{} %", k)
            },
            class: class_for(k),
            href: Some(format!("/tableau/departements/{}?annee=2024&vue=carte", d.code)),
        })
        .collect()
}

/// The elements standing for a Département (`data-code`), by code.
fn departments(root: &Node) -> Vec<(&str, &Node)> {
    root.all().into_iter().filter_map(|n| n.attr("data-code").map(|c| (c, n))).collect()
}

#[test]
fn national_map_draws_each_of_the_101_departments_once_with_its_title() {
    let svg = department_map_svg(&all_entries(), &legend(), "Taux d'exécution par Département en 2024", None);
    let root = check_figure(&svg);
    assert_eq!(root.attr("role"), Some("group"), "links inside: not an image");
    let found = departments(&root);
    assert_eq!(found.len(), 101);
    for (k, d) in geo::DEPARTMENTS.iter().enumerate() {
        let mine: Vec<&&Node> = found.iter().filter(|(c, _)| *c == d.code).map(|(_, n)| n).collect();
        assert_eq!(mine.len(), 1, "{} drawn once", d.code);
        let n = mine[0];
        let value =
            if class_for(k) == MapClass::NoData { "non transmis".to_string() } else { format!("{k} %") };
        let title = n.child("title").unwrap_or_else(|| panic!("{} has a title", d.code));
        assert_eq!(title.text, format!("{} ({})\u{a0}: {value}", d.name, d.code));
        assert_eq!(svg.matches(&format!("<title>{} ({})", d.name, d.code).replace('\'', "&#39;")).count(), 1);
        if class_for(k) == MapClass::NotInScope {
            assert_eq!(n.name, "g", "{} not in scope has no link", d.code);
        } else {
            assert_eq!(n.name, "a");
            assert_eq!(
                n.attr("href"),
                Some(format!("/tableau/departements/{}?annee=2024&vue=carte", d.code).as_str())
            );
        }
        // Metropolitan ones are outlines, overseas ones boxes.
        let shape = if d.code.len() == 3 { "rect" } else { "path" };
        assert!(n.child(shape).is_some(), "{} drawn as a {shape}", d.code);
    }
    assert!(svg.contains("href=\"/tableau/departements/03?annee=2024&amp;vue=carte\""));
    // Allier (index 2, bucket 2) as the brief writes it.
    assert!(svg.contains("<title>Allier (03)\u{a0}: 2 %</title>"));
    let text = root.full_text();
    assert!(text.contains(ATTRIBUTION), "the base map's credit is drawn");
    assert!(text.contains("Paris et petite") && text.contains("couronne"), "the inset's caption");
    for name in ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"] {
        assert!(text.contains(name), "overseas box labelled {name}");
    }
    for label in legend().buckets.iter().chain([&legend().no_data]) {
        assert!(text.contains(label.as_str()), "legend shows {label}");
    }
    let metropole: Vec<&Node> = root
        .all()
        .into_iter()
        .filter(|n| n.name == "svg" && n.attr("class") == Some("carte-metropole"))
        .collect();
    assert_eq!(metropole.len(), 1);
    assert_eq!(metropole[0].attr("viewBox"), Some("0 0 613 585"));
}

#[test]
fn classes_and_colours_are_the_ones_given() {
    let entry = |code: &str, class| MapEntry {
        code: code.into(),
        value_label: "87 %".into(),
        class,
        href: Some(format!("/d/{code}")),
    };
    let mut entries: Vec<MapEntry> =
        (0..5u8).map(|b| entry(["01", "03", "2A", "973", "75"][b as usize], MapClass::Bucket(b))).collect();
    entries.push(entry("15", MapClass::NoData));
    entries.push(entry("971", MapClass::NoData));
    entries.push(entry("63", MapClass::NotInScope));
    entries.push(entry("43", MapClass::Bucket(200)));
    entries.push(entry("99", MapClass::Bucket(1))); // unknown: ignored
    entries.push(entry("2a", MapClass::Bucket(0))); // duplicate of 2A: the first wins
    let svg = department_map_svg(&entries, &legend(), "Carte", None);
    let root = check_figure(&svg);
    let found = departments(&root);
    assert_eq!(found.len(), 101);
    let get = |code: &str| found.iter().find(|(c, _)| *c == code).unwrap().1;
    for (b, code) in ["01", "03", "2A", "973", "75"].iter().enumerate() {
        let n = get(code);
        assert_eq!(n.attr("fill"), Some(MAP_COLOURS[b]), "{code}");
        assert_eq!(n.attr("class"), Some(format!("classe-{b}").as_str()));
        assert_eq!(n.name, "a");
    }
    assert_eq!(get("43").attr("class"), Some("classe-4"), "above 4 counts as 4");
    assert_eq!(get("43").attr("fill"), Some(MAP_COLOURS[4]));
    for code in ["15", "971"] {
        let n = get(code);
        assert_eq!(n.attr("class"), Some("non-transmis"));
        let fill = n.attr("fill").unwrap();
        let id = fill
            .strip_prefix("url(#")
            .and_then(|f| f.strip_suffix(')'))
            .expect("hatched, not a plain colour");
        let pattern = root.all().into_iter().find(|p| p.attr("id") == Some(id)).expect("the pattern exists");
        assert_eq!(pattern.name, "pattern");
        assert!(pattern.children.iter().any(|c| c.attr("fill") == Some(NO_DATA_COLOUR)));
        assert!(pattern.children.iter().any(|c| c.name == "line"), "hatching lines");
    }
    for code in ["63", "42", "976"] {
        let n = get(code);
        assert_eq!(n.attr("class"), Some("hors-perimetre"), "{code}");
        assert_eq!(n.attr("fill"), Some(NOT_IN_SCOPE_COLOUR));
        assert_eq!(n.name, "g", "no link out of scope");
    }
    assert_eq!(get("63").child("title").unwrap().text, "Puy-de-Dôme (63)\u{a0}: 87 %");
    assert_eq!(get("42").child("title").unwrap().text, "Loire (42)", "no entry: name and code only");
    // The legend has the five colours and the hatching.
    let legend_node =
        root.all().into_iter().find(|n| n.attr("class") == Some("legende")).expect("legend in the SVG");
    let fills: Vec<&str> = legend_node.children.iter().filter_map(|n| n.attr("fill")).collect();
    for colour in MAP_COLOURS {
        assert!(fills.contains(&colour), "legend has {colour}");
    }
    assert!(fills.iter().any(|f| f.starts_with("url(#")));
}

#[test]
fn a_map_without_links_is_an_image() {
    let entries: Vec<MapEntry> = geo::DEPARTMENTS
        .iter()
        .map(|d| MapEntry {
            code: d.code.into(),
            value_label: "50 %".into(),
            class: MapClass::Bucket(2),
            href: None,
        })
        .collect();
    let svg = department_map_svg(&entries, &legend(), "Carte", None);
    let root = check_figure(&svg);
    assert_eq!(root.attr("role"), Some("img"));
    assert!(!svg.contains("<a "));
    assert_eq!(departments(&root).len(), 101);
}

#[test]
fn hostile_text_is_escaped() {
    let hostile_legend = MapLegend {
        title: HOSTILE.into(),
        buckets: [HOSTILE.into(), "b".into(), "c".into(), "d".into(), "\u{0}e\u{b}".into()],
        no_data: HOSTILE.into(),
    };
    let entries = vec![
        MapEntry {
            code: "03".into(),
            value_label: HOSTILE.into(),
            class: MapClass::Bucket(1),
            href: Some("/x?a=1&b=\"><script>alert(1)</script>".into()),
        },
        MapEntry { code: "974".into(), value_label: HOSTILE.into(), class: MapClass::NoData, href: None },
    ];
    for zoom in [None, Some(&["03".to_string(), "974".to_string()][..])] {
        let svg = department_map_svg(&entries, &hostile_legend, HOSTILE, zoom);
        assert!(!svg.contains("<script") && !svg.contains("<!--") && !svg.contains("]]>"));
        let root = check_figure(&svg);
        let allier = departments(&root).into_iter().find(|(c, _)| *c == "03").unwrap().1;
        assert_eq!(allier.attr("href"), Some("/x?a=1&b=\"><script>alert(1)</script>"));
        assert_eq!(allier.child("title").unwrap().text, format!("Allier (03)\u{a0}: {HOSTILE}"));
        assert_eq!(root.child("title").unwrap().text, HOSTILE);
        assert!(root.child("desc").unwrap().text.contains(HOSTILE));
    }
    let rows =
        [BarRow { label: HOSTILE.into(), planned_cents: 1, spent_cents: 2, href: Some("/m?a=<b>&c".into()) }];
    let svg = planned_vs_spent_svg(&rows, HOSTILE);
    assert!(!svg.contains("<script") && !svg.contains("<!--"));
    let root = check_figure(&svg);
    assert_eq!(root.child("title").unwrap().text, HOSTILE);
    let link = root.all().into_iter().find(|n| n.name == "a").expect("the row's link");
    assert_eq!(link.attr("href"), Some("/m?a=<b>&c"));
    assert_eq!(link.child("title").unwrap().text, HOSTILE, "full label in the title");
}

/// Bounding box of the data file's path data (only "m" with implicit relative line-tos and
/// "z" occur there), computed independently of the crate.
fn bbox_of(code: &str) -> [f64; 4] {
    let d = DATA.lines().find_map(|l| l.strip_prefix(&format!("{code}\t"))).expect("code in the data file");
    assert!(d.chars().filter(|c| c.is_ascii_alphabetic()).all(|c| c == 'm' || c == 'z'), "only m and z");
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    let mut start = (0.0, 0.0);
    for sub in d.split('z').filter(|s| !s.trim().is_empty()) {
        let sub = sub.trim().strip_prefix('m').expect("a subpath starts with m");
        let (mut x, mut y) = start;
        for (k, pair) in sub.split_whitespace().enumerate() {
            let (dx, dy) = pair.split_once(',').unwrap();
            x += dx.parse::<f64>().unwrap();
            y += dy.parse::<f64>().unwrap();
            if k == 0 {
                start = (x, y);
            }
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    b
}

fn view_box(n: &Node) -> [f64; 4] {
    let v: Vec<f64> = n.attr("viewBox").unwrap().split_whitespace().map(|v| v.parse().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

#[test]
fn regional_view_zooms_onto_the_region() {
    let region: Vec<String> = geo::departments_of_region("84").map(|d| d.code.to_string()).collect();
    assert_eq!(region.len(), 12);
    let svg = department_map_svg(&all_entries(), &legend(), "Auvergne-Rhône-Alpes", Some(&region));
    let root = check_figure(&svg);
    let metropole = root
        .all()
        .into_iter()
        .find(|n| n.name == "svg" && n.attr("class") == Some("carte-metropole"))
        .unwrap();
    let [x, y, w, h] = view_box(metropole);
    for code in &region {
        let [x0, y0, x1, y1] = bbox_of(code);
        assert!(
            x <= x0 && y <= y0 && x + w >= x1 && y + h >= y1,
            "{code}'s box {:?} in the view",
            [x0, y0, x1, y1]
        );
    }
    assert!(w < 613.0 / 2.0 && h < 585.0 / 2.0, "zoomed: {w}×{h}");
    assert!(w * h < 613.0 * 585.0 / 4.0);
    // Drawn bigger: the nested map keeps the outlines' proportions at a larger scale.
    let scale = metropole.attr("width").unwrap().parse::<f64>().unwrap() / w;
    assert!(scale > 2.0, "scale {scale}");
    let found = departments(&root);
    assert_eq!(found.len(), 96, "every metropolitan outline, no overseas box");
    for (code, n) in &found {
        let inside = region.iter().any(|c| c == code);
        let k = geo::DEPARTMENTS.iter().position(|d| d.code == *code).unwrap();
        let shown = inside && class_for(k) != MapClass::NotInScope;
        assert_eq!(n.attr("class") != Some("hors-perimetre"), shown, "{code}");
        assert_eq!(n.name == "a", shown, "{code}: links in the region only");
    }
    // Allier keeps its value; Paris, out of the region, does not.
    assert_eq!(
        found.iter().find(|(c, _)| *c == "03").unwrap().1.child("title").unwrap().text,
        "Allier (03)\u{a0}: 2 %"
    );
    assert_eq!(found.iter().find(|(c, _)| *c == "75").unwrap().1.child("title").unwrap().text, "Paris (75)");
    let text = root.full_text();
    assert!(text.contains(ATTRIBUTION));
    assert!(!text.contains("Paris et petite"), "no inset in a regional view");
    // The regional map has its own ids: both can share a page.
    let national = department_map_svg(&all_entries(), &legend(), "Auvergne-Rhône-Alpes", None);
    let id = |s: &str| parse(s).child("title").unwrap().attr("id").unwrap().to_string();
    assert_ne!(id(&svg), id(&national));
}

#[test]
fn overseas_region_shows_its_box_only() {
    let svg = department_map_svg(&all_entries(), &legend(), "Guadeloupe", Some(&["971".to_string()]));
    let root = check_figure(&svg);
    let found = departments(&root);
    assert_eq!(found.iter().map(|(c, _)| *c).collect::<Vec<_>>(), ["971"]);
    assert!(!root.all().iter().any(|n| n.attr("class") == Some("carte-metropole")));
    // Unknown codes only: the national view.
    let svg = department_map_svg(&all_entries(), &legend(), "Carte", Some(&["99".to_string()]));
    assert_eq!(departments(&check_figure(&svg)).len(), 101);
    let svg = department_map_svg(&[], &legend(), "", Some(&[]));
    let root = check_figure(&svg);
    assert_eq!(departments(&root).len(), 101);
    assert!(departments(&root).iter().all(|(_, n)| n.attr("class") == Some("hors-perimetre")));
}

#[test]
fn bar_chart_without_rows_is_valid() {
    let svg = planned_vs_spent_svg(&[], "Prévu et consommé par mesure");
    let root = check_figure(&svg);
    assert_eq!(root.attr("role"), Some("img"));
    assert!(root.full_text().contains("Aucune mesure renseignée."));
}

#[test]
fn bar_chart_with_huge_amounts_does_not_panic() {
    let long = "Mesure au titre très long ".repeat(12);
    let rows = vec![
        BarRow { label: "Tout".into(), planned_cents: i64::MAX, spent_cents: i64::MAX, href: None },
        BarRow { label: "Négatif".into(), planned_cents: i64::MIN, spent_cents: -1, href: None },
        BarRow { label: long.clone(), planned_cents: 0, spent_cents: 123_456_700, href: Some("/m/1".into()) },
        BarRow { label: "Plafond".into(), planned_cents: 100_000_000_000_000, spent_cents: 0, href: None },
    ];
    let svg = planned_vs_spent_svg(&rows, "Prévu et consommé");
    let root = check_figure(&svg);
    assert_eq!(root.attr("role"), Some("group"));
    let text = root.full_text();
    assert!(text.contains("1,2\u{a0}M€"), "compact amount at the bar's end");
    assert!(text.contains("Prévu") && text.contains("Consommé"), "legend");
    assert!(text.contains('…'), "long label cut");
    assert!(text.contains(long.trim()), "full label in a title");
    for n in root.all() {
        for key in ["x", "y", "width", "height", "x1", "x2"] {
            if let Some(v) = n.attr(key) {
                let v: f64 = v.parse().unwrap_or_else(|_| panic!("{key}={v}"));
                assert!((0.0..=10_000.0).contains(&v), "{key}={v}");
            }
        }
    }
    // Exact amounts in the bars' titles.
    assert!(svg.contains("Consommé\u{a0}: 1\u{202f}234\u{202f}567,00\u{a0}€"));
    // The same with small amounts only.
    let small = [BarRow { label: "Petite".into(), planned_cents: 1, spent_cents: 0, href: None }];
    check_figure(&planned_vs_spent_svg(&small, "Petit"));
}

#[test]
fn compact_amounts_are_french() {
    assert_eq!(compact_euros(123_456_700), "1,2\u{a0}M€");
    assert_eq!(compact_euros(85_000), "850\u{a0}€");
    assert_eq!(compact_euros(4_500_000), "45\u{a0}k€");
}

//! Map of the Départements coloured by a value (an execution rate, say), as an accessible
//! inline SVG: the 96 metropolitan Départements from the svg-maps outlines
//! (`data/departements-metropole.tsv`, CC BY 4.0, see `data/README.md`), the five overseas
//! ones as labelled inset boxes in a column on the left, Paris and its inner suburbs
//! enlarged above them, the legend on the right and the credit of the base map below.
//!
//! A regional view zooms the metropolitan map onto the region's Départements (its own
//! nested `<svg class="carte-metropole">` whose `viewBox` is their bounding box plus a
//! margin); every other Département is drawn greyed, without link.

use std::fmt::Write;
use std::sync::OnceLock;

use bilan_domain::geo::{self, DepartmentInfo};

use crate::bars::{fnv1a, title_text, wrap, FONT, TEXT};
use crate::text::NBSP;
use crate::xml::escape;

/// The five fills of [`MapClass::Bucket`], light (0) to dark (4): ColorBrewer's YlGnBu, a
/// sequential scheme that stays distinct for the common colour-vision deficiencies and in
/// grey levels.
pub const MAP_COLOURS: [&str; 5] = ["#edf8b1", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
/// Fill under the hatching of [`MapClass::NoData`]: no data is never told by colour alone.
pub const NO_DATA_COLOUR: &str = "#bdbdbd";
/// Fill of [`MapClass::NotInScope`].
pub const NOT_IN_SCOPE_COLOUR: &str = "#f0f0f0";
/// The legend's words for [`MapClass::NotInScope`].
pub const NOT_IN_SCOPE_LABEL: &str = "hors périmètre";
/// The credit the base map's licence asks for, drawn under every map.
pub const ATTRIBUTION: &str = "Fond de carte\u{a0}: svg-maps (CC BY 4.0)";

const HATCH: &str = "#4d4d4d";
const NOT_IN_SCOPE_STROKE: &str = "#c6c6c6";
/// Coastline and region outline, under the white borders between Départements.
const OUTLINE: &str = "#666666";
const MUTED: &str = "#595959";

const SOURCE: &str = include_str!("../data/departements-metropole.tsv");
/// The outlines' coordinate system (the source's `viewBox="0 0 613 585"`).
const NATIONAL: BBox = BBox { x0: 0.0, y0: 0.0, x1: 613.0, y1: 585.0 };
/// Paris and the inner suburbs, enlarged in the national view.
const PETITE_COURONNE: [&str; 4] = ["75", "92", "93", "94"];

// Layout, in px.
const PAD: f64 = 12.0;
const COLUMN: f64 = 124.0;
const GAP: f64 = 18.0;
const PANEL_W: f64 = 613.0;
const PANEL_H: f64 = 585.0;
const LEGEND_W: f64 = 210.0;
const BOX: f64 = 34.0;
const BOX_ROW: f64 = 50.0;
const INSET_H: f64 = 104.0;
const TITLE_CHARS: usize = 80;

/// One Département's value on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapEntry {
    /// INSEE code: "03", "2A", "971"…
    pub code: String,
    /// The value as shown in the Département's tooltip: "87 %", "non transmis"…
    pub value_label: String,
    pub class: MapClass,
    /// Where a click on the Département leads, if anywhere (ignored when not in scope).
    pub href: Option<String>,
}

/// How a Département is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapClass {
    /// 0 (lowest) to 4 (highest): [`MAP_COLOURS`]`[n]`; above 4 counts as 4.
    Bucket(u8),
    /// Expected but missing: grey, hatched.
    NoData,
    /// Not concerned (or outside the region shown): very light grey, no link.
    NotInScope,
}

/// The legend drawn in the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapLegend {
    /// "Taux d'exécution"
    pub title: String,
    /// The five buckets' labels, lowest first: "moins de 50 %", …
    pub buckets: [String; 5],
    /// "non transmis"
    pub no_data: String,
}

/// The map as an SVG element to inline in a page (valid XML, all text escaped).
///
/// Every Département is drawn exactly once, with a `<title>` "Allier (03) : 87 %" (the name
/// from [`bilan_domain::geo`], the value from its entry) and, when its entry has an `href`
/// and it is in scope, inside an `<a href>`. A Département without entry is drawn as not in
/// scope; entries with unknown codes are ignored, and the first of duplicates wins.
///
/// `zoom_to` (a region's codes) makes a regional view: the metropolitan map is zoomed onto
/// those Départements, every other one is drawn as not in scope, and only the overseas
/// Départements listed get their box. `None`, or no known code, gives the national view.
///
/// The root has `role="img"`, or `role="group"` when there are links (an image's content is
/// hidden from assistive technologies, links included), and is labelled by its `<title>`
/// and `<desc>` (the legend's counts).
pub fn department_map_svg(
    entries: &[MapEntry],
    legend: &MapLegend,
    title: &str,
    zoom_to: Option<&[String]>,
) -> String {
    let zoom: Vec<&'static str> = zoom_to
        .unwrap_or_default()
        .iter()
        .filter_map(|c| geo::department(c.trim()))
        .map(|d| d.code)
        .collect();
    let zoomed = !zoom.is_empty();
    let id = format!("carte-{:08x}", fnv1a(format!("{title}\u{0}{}", zoom.join(",")).as_bytes()));

    // One resolved cell per Département, in geo::DEPARTMENTS order.
    let known: Vec<(&'static str, &MapEntry)> =
        entries.iter().filter_map(|e| geo::department(e.code.trim()).map(|d| (d.code, e))).collect();
    let cells: Vec<Cell> = geo::DEPARTMENTS
        .iter()
        .map(|info| {
            let entry = known.iter().find(|(code, _)| *code == info.code).map(|(_, e)| *e);
            let in_zoom = !zoomed || zoom.contains(&info.code);
            let class = match entry {
                Some(e) if in_zoom => match e.class {
                    MapClass::Bucket(b) => MapClass::Bucket(b.min(4)),
                    c => c,
                },
                _ => MapClass::NotInScope,
            };
            let value = entry.filter(|_| in_zoom).map(|e| e.value_label.trim()).filter(|v| !v.is_empty());
            let label = match value {
                Some(v) => format!("{} ({}){NBSP}: {v}", info.name, info.code),
                None => format!("{} ({})", info.name, info.code),
            };
            let href = entry.and_then(|e| e.href.as_deref()).filter(|_| class != MapClass::NotInScope);
            Cell { info, class, label, href, in_zoom }
        })
        .collect();

    // What is drawn where.
    let overseas: Vec<&Cell> =
        cells.iter().filter(|c| c.info.code.len() == 3 && (!zoomed || zoom.contains(&c.info.code))).collect();
    let view = if zoomed {
        let b = shapes().iter().filter(|s| zoom.contains(&s.code)).fold(BBox::EMPTY, |b, s| b.union(s.bbox));
        (!b.is_empty()).then(|| b.grow(b.width().max(b.height()) * 0.06 + 4.0))
    } else {
        Some(NATIONAL)
    };
    let scale = view.map_or(1.0, |v| (PANEL_W / v.width()).min(PANEL_H / v.height()));
    let (panel_w, panel_h) = view.map_or((0.0, 0.0), |v| (v.width() * scale, v.height() * scale));
    let inset = !zoomed;
    let column = inset || !overseas.is_empty();
    let title_lines = wrap(title, TITLE_CHARS, 2);
    let top = 26.0 + 20.0 * title_lines.len() as f64;
    let column_h = if inset { INSET_H + 40.0 } else { 0.0 } + BOX_ROW * overseas.len() as f64;
    let panel_x = PAD + if column { COLUMN + GAP } else { 0.0 };
    let legend_x = panel_x + if view.is_some() { panel_w + GAP } else { 0.0 };
    // "hors périmètre" is in the legend only if some Département drawn is.
    let not_in_scope_shown = overseas.iter().any(|c| c.class == MapClass::NotInScope)
        || view.is_some_and(|v| {
            shapes()
                .iter()
                .filter(|sh| sh.bbox.intersects(v))
                .any(|sh| cells.iter().any(|c| c.info.code == sh.code && c.class == MapClass::NotInScope))
        });
    let legend_lines = wrap(&legend.title, 30, 3);
    let legend_h = 18.0 * legend_lines.len() as f64 + 8.0 + 24.0 * if not_in_scope_shown { 7.0 } else { 6.0 };
    let body_h = column_h.max(panel_h).max(legend_h);
    let width = (legend_x + LEGEND_W + PAD).round();
    let height = (top + body_h + 28.0).round();

    let role = if cells.iter().any(|c| c.href.is_some()) { "group" } else { "img" };
    let mut s = String::with_capacity(SOURCE.len() + 40_000);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{id}" role="{role}" aria-labelledby="{id}-titre {id}-desc" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12" fill="{TEXT}">"#
    );
    let _ = write!(
        s,
        r#"<title id="{id}-titre">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(&description(&cells, legend, zoomed))
    );
    // Hover and keyboard focus: a dark outline, the same at any zoom.
    let _ = write!(
        s,
        "<style>.{id} a:hover path,.{id} a:focus path,.{id} a:hover rect,.{id} a:focus rect,.{id} a:hover use,.{id} a:focus use{{stroke:{TEXT};stroke-width:2px;vector-effect:non-scaling-stroke}}</style>"
    );
    let inset_view = inset.then(petite_couronne_view);
    let _ = write!(
        s,
        "<defs>{}{}{}</defs>",
        hatching(&format!("{id}-hachures"), 1.0),
        hatching(&format!("{id}-hachures-carte"), scale),
        inset_view.map_or(String::new(), |(_, k)| hatching(&format!("{id}-hachures-encart"), k)),
    );
    let _ = write!(s, r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##);
    title_text(&mut s, &title_lines, PAD);

    if let Some(view) = view {
        let panel = Panel { x: panel_x, y: top, w: panel_w, h: panel_h, view, scale };
        metropole(&mut s, &cells, &panel, &id, zoomed);
    }
    let mut y = top;
    if let Some((view, k)) = inset_view {
        petite_couronne(&mut s, &cells, &id, view, k, y);
        y += INSET_H + 40.0;
    }
    if view.is_some() {
        // The overseas boxes end at the bottom of the column, as on official maps.
        y = y.max(top + panel_h - BOX_ROW * overseas.len() as f64 + (BOX_ROW - BOX));
    }
    for c in &overseas {
        overseas_box(&mut s, c, &id, y);
        y += BOX_ROW;
    }
    draw_legend(&mut s, legend, &legend_lines, not_in_scope_shown, &id, legend_x, top);
    let _ = write!(
        s,
        r#"<text x="{PAD}" y="{}" font-size="10" fill="{MUTED}">{}</text>"#,
        height - 10.0,
        escape(ATTRIBUTION)
    );
    s.push_str("</svg>");
    s
}

/// A Département as drawn.
struct Cell<'a> {
    info: &'static DepartmentInfo,
    class: MapClass,
    /// "Allier (03) : 87 %"
    label: String,
    href: Option<&'a str>,
    /// In the region shown (always, in the national view).
    in_zoom: bool,
}

impl Cell<'_> {
    fn class_name(&self) -> &'static str {
        match self.class {
            MapClass::Bucket(0) => "classe-0",
            MapClass::Bucket(1) => "classe-1",
            MapClass::Bucket(2) => "classe-2",
            MapClass::Bucket(3) => "classe-3",
            MapClass::Bucket(_) => "classe-4",
            MapClass::NoData => "non-transmis",
            MapClass::NotInScope => "hors-perimetre",
        }
    }

    /// The fill, `hatching` being the id of the hatch pattern for this drawing scale.
    fn fill(&self, hatching: &str) -> String {
        match self.class {
            MapClass::Bucket(b) => MAP_COLOURS[usize::from(b.min(4))].to_string(),
            MapClass::NoData => format!("url(#{hatching})"),
            MapClass::NotInScope => NOT_IN_SCOPE_COLOUR.to_string(),
        }
    }

    /// `<a href="…" data-code… fill…>` or `<g …>` with the given extra attributes, the
    /// `<title>`, then `body`, closed.
    fn wrap(&self, s: &mut String, attributes: &str, body: &str) {
        let tag = if self.href.is_some() { "a" } else { "g" };
        let href = self.href.map_or(String::new(), |h| format!(r#" href="{}""#, escape(h)));
        let _ = write!(
            s,
            r#"<{tag}{href} data-code="{}" class="{}"{attributes}><title>{}</title>{body}</{tag}>"#,
            self.info.code,
            self.class_name(),
            escape(&self.label)
        );
    }
}

/// Where the metropolitan map goes: its box on the page (px) and the part of the
/// outlines' plane shown there.
struct Panel {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    view: BBox,
    /// px per outline unit.
    scale: f64,
}

/// The metropolitan Départements in four layers: those not in scope, the coastline or
/// region outline, those in scope (white borders), and, zoomed, their codes.
fn metropole(s: &mut String, cells: &[Cell], panel: &Panel, id: &str, zoomed: bool) {
    let px = |v: f64| num(v / panel.scale);
    let v = panel.view;
    let _ = write!(
        s,
        r#"<svg class="carte-metropole" x="{}" y="{}" width="{}" height="{}" viewBox="{} {} {} {}">"#,
        num(panel.x),
        num(panel.y),
        num(panel.w),
        num(panel.h),
        num(v.x0),
        num(v.y0),
        num(v.width()),
        num(v.height())
    );
    let hatching = format!("{id}-hachures-carte");
    let cell_of = |shape: &Shape| cells.iter().find(|c| c.info.code == shape.code);
    let drawn: Vec<(&Shape, &Cell)> = shapes().iter().filter_map(|sh| cell_of(sh).map(|c| (sh, c))).collect();
    let in_scope = |c: &Cell| c.class != MapClass::NotInScope;
    for (shape, c) in drawn.iter().filter(|(_, c)| !in_scope(c)) {
        let attributes = format!(
            r#" fill="{}" stroke="{NOT_IN_SCOPE_STROKE}" stroke-width="{}" stroke-linejoin="round""#,
            c.fill(&hatching),
            px(0.6)
        );
        c.wrap(s, &attributes, &format!(r#"<path id="{id}-d-{}" d="{}"/>"#, shape.code, shape.d));
    }
    let _ = write!(
        s,
        r#"<g aria-hidden="true" fill="none" stroke="{OUTLINE}" stroke-width="{}" stroke-linejoin="round">"#,
        px(1.6)
    );
    for (shape, _) in drawn.iter().filter(|(_, c)| in_scope(c)) {
        let _ = write!(s, r##"<use href="#{id}-d-{}"/>"##, shape.code);
    }
    s.push_str("</g>");
    for (shape, c) in drawn.iter().filter(|(_, c)| in_scope(c)) {
        let attributes = format!(
            r##" fill="{}" stroke="#ffffff" stroke-width="{}" stroke-linejoin="round""##,
            c.fill(&hatching),
            px(0.6)
        );
        c.wrap(s, &attributes, &format!(r#"<path id="{id}-d-{}" d="{}"/>"#, shape.code, shape.d));
    }
    if zoomed {
        let _ = write!(
            s,
            r##"<g aria-hidden="true" font-size="{}" font-weight="bold" text-anchor="middle" fill="{TEXT}" stroke="#ffffff" stroke-width="{}" stroke-linejoin="round" paint-order="stroke">"##,
            px(11.0),
            px(3.0)
        );
        for (shape, _) in drawn.iter().filter(|(_, c)| in_scope(c)) {
            let (x, y) = shape.label;
            let _ =
                write!(s, r#"<text x="{}" y="{}">{}</text>"#, num(x), num(y + 4.0 / panel.scale), shape.code);
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
}

/// The part of the plane shown enlarged for Paris and its inner suburbs, and its scale.
fn petite_couronne_view() -> (BBox, f64) {
    let b = shapes()
        .iter()
        .filter(|s| PETITE_COURONNE.contains(&s.code))
        .fold(BBox::EMPTY, |b, s| b.union(s.bbox));
    let b = b.grow(b.width().max(b.height()) * 0.12);
    // Widened or heightened to the frame's proportions: the neighbours fill it.
    let scale = (COLUMN / b.width()).min(INSET_H / b.height());
    let (dx, dy) = ((COLUMN / scale - b.width()) / 2.0, (INSET_H / scale - b.height()) / 2.0);
    (BBox { x0: b.x0 - dx, y0: b.y0 - dy, x1: b.x1 + dx, y1: b.y1 + dy }, scale)
}

/// Paris and the inner suburbs enlarged, at the top of the left column: copies (`<use>`)
/// of the map's paths, hidden from assistive technologies, which already have them.
fn petite_couronne(s: &mut String, cells: &[Cell], id: &str, view: BBox, scale: f64, y: f64) {
    let (w, h) = (view.width() * scale, view.height() * scale);
    let _ = write!(
        s,
        r##"<g aria-hidden="true"><rect x="{PAD}" y="{y}" width="{COLUMN}" height="{INSET_H}" fill="#ffffff"/>"##
    );
    let _ = write!(
        s,
        r#"<svg x="{}" y="{}" width="{}" height="{}" viewBox="{} {} {} {}">"#,
        num(PAD + (COLUMN - w) / 2.0),
        num(y + (INSET_H - h) / 2.0),
        num(w),
        num(h),
        num(view.x0),
        num(view.y0),
        num(view.width()),
        num(view.height())
    );
    let hatching = format!("{id}-hachures-encart");
    for shape in shapes().iter().filter(|sh| sh.bbox.intersects(view)) {
        let Some(c) = cells.iter().find(|c| c.info.code == shape.code) else { continue };
        let stroke = if c.class == MapClass::NotInScope { NOT_IN_SCOPE_STROKE } else { "#ffffff" };
        let use_ = format!(
            r##"<use href="#{id}-d-{}" fill="{}" stroke="{stroke}" stroke-width="{}" stroke-linejoin="round"/>"##,
            shape.code,
            c.fill(&hatching),
            num(0.8 / scale)
        );
        match c.href {
            Some(href) => {
                let _ = write!(s, r#"<a href="{}" tabindex="-1">{use_}</a>"#, escape(href));
            }
            None => s.push_str(&use_),
        }
    }
    s.push_str("</svg>");
    // The frame over the clipped edges.
    let _ = write!(
        s,
        r##"<rect x="{PAD}" y="{y}" width="{COLUMN}" height="{INSET_H}" fill="none" stroke="{OUTLINE}"/>"##
    );
    for (k, line) in wrap("Paris et petite couronne", 22, 2).iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{PAD}" y="{}" font-size="11" fill="{MUTED}">{}</text>"#,
            y + INSET_H + 14.0 + 13.0 * k as f64,
            escape(line)
        );
    }
    s.push_str("</g>");
}

/// An overseas Département: a rounded square in its class's fill, its name and code beside.
fn overseas_box(s: &mut String, c: &Cell, id: &str, y: f64) {
    let stroke = if c.class == MapClass::NotInScope { NOT_IN_SCOPE_STROKE } else { OUTLINE };
    let attributes = format!(r#" fill="{}" stroke="{stroke}""#, c.fill(&format!("{id}-hachures")));
    let body = format!(
        r#"<rect x="{PAD}" y="{y}" width="{BOX}" height="{BOX}" rx="6"/><text x="{x}" y="{}" font-size="11" fill="{TEXT}" stroke="none">{}</text><text x="{x}" y="{}" font-size="10" fill="{MUTED}" stroke="none">{}</text>"#,
        y + 14.0,
        escape(c.info.name),
        y + 28.0,
        c.info.code,
        x = PAD + BOX + 8.0,
    );
    c.wrap(s, &attributes, &body);
}

fn draw_legend(
    s: &mut String,
    legend: &MapLegend,
    title_lines: &[String],
    not_in_scope: bool,
    id: &str,
    x: f64,
    y: f64,
) {
    s.push_str(r#"<g class="legende">"#);
    for (k, line) in title_lines.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{x}" y="{}" font-weight="bold">{}</text>"#,
            y + 12.0 + 18.0 * k as f64,
            escape(line)
        );
    }
    let mut row = y + 18.0 * title_lines.len() as f64 + 8.0;
    let hatching = format!("url(#{id}-hachures)");
    let mut items: Vec<(&str, &str, &str)> = legend
        .buckets
        .iter()
        .zip(MAP_COLOURS)
        .map(|(label, colour)| (colour, OUTLINE, label.as_str()))
        .collect();
    items.push((&hatching, OUTLINE, &legend.no_data));
    if not_in_scope {
        items.push((NOT_IN_SCOPE_COLOUR, NOT_IN_SCOPE_STROKE, NOT_IN_SCOPE_LABEL));
    }
    for (fill, stroke, label) in items {
        let text = wrap(label, 30, 1).into_iter().next().unwrap_or_default();
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{row}" width="22" height="15" fill="{fill}" stroke="{stroke}" stroke-width="0.8"/><text x="{}" y="{}">{}</text>"#,
            x + 30.0,
            row + 12.0,
            escape(&text)
        );
        row += 24.0;
    }
    s.push_str("</g>");
}

/// "Taux d'exécution, par Département : moins de 50 % : 3 Départements ; … ."
fn description(cells: &[Cell], legend: &MapLegend, zoomed: bool) -> String {
    let count = |class: MapClass| {
        let n = cells.iter().filter(|c| c.in_zoom && c.class == class).count();
        format!("{n}{NBSP}Département{}", if n > 1 { "s" } else { "" })
    };
    let mut parts: Vec<String> = legend
        .buckets
        .iter()
        .enumerate()
        .map(|(k, label)| format!("{}{NBSP}: {}", label.trim(), count(MapClass::Bucket(k as u8))))
        .collect();
    parts.push(format!("{}{NBSP}: {}", legend.no_data.trim(), count(MapClass::NoData)));
    if cells.iter().any(|c| c.in_zoom && c.class == MapClass::NotInScope) {
        parts.push(format!("{NOT_IN_SCOPE_LABEL}{NBSP}: {}", count(MapClass::NotInScope)));
    }
    let mut s = format!("{}, par Département{NBSP}: {}.", legend.title.trim(), parts.join(" ; "));
    if zoomed {
        s.push_str(" Vue régionale\u{a0}: seuls les Départements de la région sont en couleur.");
    } else {
        s.push_str(
            " Les Départements d'outre-mer sont dans des encadrés, Paris et la petite couronne sont agrandis.",
        );
    }
    s
}

/// The hatching of [`MapClass::NoData`] for a drawing at `scale` px per unit: dark lines
/// every 6 px on grey.
fn hatching(id: &str, scale: f64) -> String {
    let size = num(6.0 / scale);
    let half = num(3.0 / scale);
    let width = num(1.6 / scale);
    format!(
        r#"<pattern id="{id}" width="{size}" height="{size}" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="{size}" height="{size}" fill="{NO_DATA_COLOUR}"/><line x1="{half}" y1="0" x2="{half}" y2="{size}" stroke="{HATCH}" stroke-width="{width}"/></pattern>"#
    )
}

/// A number for an attribute: at most three decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// One metropolitan Département's outline.
struct Shape {
    code: &'static str,
    /// SVG path data, as in the data file.
    d: &'static str,
    bbox: BBox,
    /// A point inside the largest ring, for the code's label.
    label: (f64, f64),
}

/// The 96 outlines, parsed once.
fn shapes() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        SOURCE
            .lines()
            .filter_map(|line| {
                let (code, d) = line.split_once('\t')?;
                let (rings, bbox) = parse_path(d);
                Some(Shape { code, d, bbox, label: label_point(&rings, bbox) })
            })
            .collect()
    })
}

/// An axis-aligned bounding box in the outlines' plane.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BBox {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl BBox {
    const EMPTY: BBox =
        BBox { x0: f64::INFINITY, y0: f64::INFINITY, x1: f64::NEG_INFINITY, y1: f64::NEG_INFINITY };

    fn add(&mut self, (x, y): (f64, f64)) {
        self.x0 = self.x0.min(x);
        self.y0 = self.y0.min(y);
        self.x1 = self.x1.max(x);
        self.y1 = self.y1.max(y);
    }
    fn union(self, o: BBox) -> BBox {
        BBox { x0: self.x0.min(o.x0), y0: self.y0.min(o.y0), x1: self.x1.max(o.x1), y1: self.y1.max(o.y1) }
    }
    fn is_empty(&self) -> bool {
        !(self.x0 <= self.x1 && self.y0 <= self.y1)
    }
    fn width(&self) -> f64 {
        self.x1 - self.x0
    }
    fn height(&self) -> f64 {
        self.y1 - self.y0
    }
    fn grow(self, m: f64) -> BBox {
        BBox { x0: self.x0 - m, y0: self.y0 - m, x1: self.x1 + m, y1: self.y1 + m }
    }
    fn intersects(&self, o: BBox) -> bool {
        self.x0 <= o.x1 && o.x0 <= self.x1 && self.y0 <= o.y1 && o.y0 <= self.y1
    }
    fn centre(&self) -> (f64, f64) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
}

/// The rings (subpaths, as polygons of their end points) and the bounding box of SVG path
/// data. The data file only uses `m` (with implicit line-tos) and `z`; the other commands
/// are read too: `M L H V` and their relative forms exactly, curves (`C S Q T`) with their
/// control points in the box (which therefore holds the curve), arcs (`A`) by their end
/// points only. Reading stops at the first malformed command.
fn parse_path(d: &str) -> (Vec<Vec<(f64, f64)>>, BBox) {
    let mut sc = Scanner { s: d.as_bytes(), i: 0 };
    let mut rings: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut ring: Vec<(f64, f64)> = Vec::new();
    let mut bbox = BBox::EMPTY;
    let (mut x, mut y, mut start) = (0.0, 0.0, (0.0, 0.0));
    // The last control point, for the reflections of S and T.
    let mut control: Option<(f64, f64)> = None;
    let mut command: Option<u8> = None;
    let finish = |ring: &mut Vec<(f64, f64)>, rings: &mut Vec<Vec<(f64, f64)>>| {
        if ring.len() >= 3 {
            rings.push(std::mem::take(ring));
        } else {
            ring.clear();
        }
    };
    while !sc.at_end() {
        if let Some(c) = sc.command() {
            command = Some(c);
            if c == b'z' || c == b'Z' {
                finish(&mut ring, &mut rings);
                (x, y) = start;
                command = None;
                control = None;
                continue;
            }
        }
        let Some(c) = command else { break };
        let relative = c.is_ascii_lowercase();
        let (ox, oy) = if relative { (x, y) } else { (0.0, 0.0) };
        let reflected = control.map_or((x, y), |(cx, cy)| (2.0 * x - cx, 2.0 * y - cy));
        let mut new_control = None;
        match c.to_ascii_uppercase() {
            b'M' => {
                let Some([a, b]) = sc.numbers() else { break };
                finish(&mut ring, &mut rings);
                (x, y) = (ox + a, oy + b);
                start = (x, y);
                // Further pairs are line-tos.
                command = Some(if relative { b'l' } else { b'L' });
            }
            b'L' => {
                let Some([a, b]) = sc.numbers() else { break };
                (x, y) = (ox + a, oy + b);
            }
            b'H' => {
                let Some([a]) = sc.numbers() else { break };
                x = ox + a;
            }
            b'V' => {
                let Some([b]) = sc.numbers() else { break };
                y = oy + b;
            }
            b'C' => {
                let Some([x1, y1, x2, y2, a, b]) = sc.numbers() else { break };
                bbox.add((ox + x1, oy + y1));
                bbox.add((ox + x2, oy + y2));
                new_control = Some((ox + x2, oy + y2));
                (x, y) = (ox + a, oy + b);
            }
            b'S' | b'Q' => {
                let Some([x2, y2, a, b]) = sc.numbers() else { break };
                if c.eq_ignore_ascii_case(&b'S') {
                    bbox.add(reflected);
                }
                bbox.add((ox + x2, oy + y2));
                new_control = Some((ox + x2, oy + y2));
                (x, y) = (ox + a, oy + b);
            }
            b'T' => {
                let Some([a, b]) = sc.numbers() else { break };
                bbox.add(reflected);
                new_control = Some(reflected);
                (x, y) = (ox + a, oy + b);
            }
            b'A' => {
                let Some([_, _, _, _, _, a, b]) = sc.numbers() else { break };
                (x, y) = (ox + a, oy + b);
            }
            _ => break,
        }
        control = new_control;
        ring.push((x, y));
        bbox.add((x, y));
    }
    finish(&mut ring, &mut rings);
    (rings, bbox)
}

/// Reads path data: command letters and numbers, separated by spaces and commas.
struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn skip(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace() || *c == b',') {
            self.i += 1;
        }
    }
    fn at_end(&mut self) -> bool {
        self.skip();
        self.i >= self.s.len()
    }
    fn command(&mut self) -> Option<u8> {
        self.skip();
        let c = *self.s.get(self.i)?;
        (c.is_ascii_alphabetic() && c != b'e' && c != b'E').then(|| {
            self.i += 1;
            c
        })
    }
    fn number(&mut self) -> Option<f64> {
        self.skip();
        let start = self.i;
        let digits = |sc: &mut Self| {
            let from = sc.i;
            while sc.s.get(sc.i).is_some_and(u8::is_ascii_digit) {
                sc.i += 1;
            }
            sc.i > from
        };
        if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
            self.i += 1;
        }
        let mut any = digits(self);
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            any |= digits(self);
        }
        if !any {
            self.i = start;
            return None;
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let mark = self.i;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                self.i = mark;
            }
        }
        std::str::from_utf8(&self.s[start..self.i]).ok()?.parse().ok()
    }
    fn numbers<const N: usize>(&mut self) -> Option<[f64; N]> {
        let mut out = [0.0; N];
        for v in &mut out {
            *v = self.number()?;
        }
        Some(out)
    }
}

/// A point well inside the largest ring: the middle of the widest inner stretch of the
/// horizontal line through its centroid (the centroid itself may fall outside a concave
/// shape).
fn label_point(rings: &[Vec<(f64, f64)>], bbox: BBox) -> (f64, f64) {
    let Some(ring) = rings.iter().max_by(|a, b| area(a).abs().total_cmp(&area(b).abs())) else {
        return bbox.centre();
    };
    let a = area(ring);
    if a.abs() < 1e-9 {
        return bbox.centre();
    }
    let (mut cx, mut cy) = (0.0, 0.0);
    for (k, &(x0, y0)) in ring.iter().enumerate() {
        let (x1, y1) = ring[(k + 1) % ring.len()];
        let cross = x0 * y1 - x1 * y0;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    let (cx, cy) = (cx / (6.0 * a), cy / (6.0 * a));
    let mut xs: Vec<f64> = Vec::new();
    for (k, &(x0, y0)) in ring.iter().enumerate() {
        let (x1, y1) = ring[(k + 1) % ring.len()];
        if (y0 <= cy && cy < y1) || (y1 <= cy && cy < y0) {
            xs.push(x0 + (cy - y0) * (x1 - x0) / (y1 - y0));
        }
    }
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2)
        .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])))
        .map_or((cx, cy), |pair| ((pair[0] + pair[1]) / 2.0, cy))
}

/// Signed area (shoelace formula).
fn area(ring: &[(f64, f64)]) -> f64 {
    let mut a = 0.0;
    for (k, &(x0, y0)) in ring.iter().enumerate() {
        let (x1, y1) = ring[(k + 1) % ring.len()];
        a += x0 * y1 - x1 * y0;
    }
    a / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_has_every_metropolitan_department_once() {
        let codes: Vec<&str> = shapes().iter().map(|s| s.code).collect();
        let expected: Vec<&str> = geo::DEPARTMENTS.iter().map(|d| d.code).filter(|c| c.len() == 2).collect();
        assert_eq!(codes, expected);
        for s in shapes() {
            assert!(!s.bbox.is_empty() && s.bbox.width() > 1.0, "{}", s.code);
            assert!(NATIONAL.grow(1.0).intersects(s.bbox) && s.bbox.x1 <= 614.0 && s.bbox.y1 <= 586.0);
            let (x, y) = s.label;
            assert!(x > s.bbox.x0 && x < s.bbox.x1 && y > s.bbox.y0 && y < s.bbox.y1, "{}", s.code);
        }
    }

    #[test]
    fn path_commands() {
        let (rings, b) = parse_path("m10,10 10,0 0,10z m5,5 1,0 0,1z");
        assert_eq!(rings.len(), 2);
        assert_eq!(rings[1][0], (15.0, 15.0), "a relative m after z starts from the closed subpath's start");
        assert_eq!(b, BBox { x0: 10.0, y0: 10.0, x1: 20.0, y1: 20.0 });
        let (_, b) = parse_path("M0 0H10V-5L3-2.5e0C20 0 20 10 0 10z");
        assert_eq!(b, BBox { x0: 0.0, y0: -5.0, x1: 20.0, y1: 10.0 });
        let (rings, b) = parse_path("m1,1 2,2 x 9,9");
        assert!(rings.is_empty() && b == BBox { x0: 1.0, y0: 1.0, x1: 3.0, y1: 3.0 });
        assert!(parse_path("").1.is_empty());
    }

    #[test]
    fn numbers_for_attributes() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.12345), "0.123");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(613.0), "613");
    }
}

//! The credits note ("Note de calcul des crédits N+1"): what the State delegates for
//! N+1 from the approved report of year N, line by line, so that the Département can
//! redo the computation by hand.
//!
//! The note is built once as an [`Outline`] ([`credits_note_outline`]), like a report:
//! the ODT is written by the report's ODT writer and the PDF (in `bilan-pdf`) by the
//! report's Typst writer; the HTML is a fragment (a `<section>`) that the web page embeds,
//! written from the same outline by [`html`]. Every amount is [`CreditsNote`]'s, printed
//! with `Money`'s French notation; nothing is recomputed here except the column totals
//! of the table per action.

mod html;

use bilan_consolidate::credits::CarryOverLine;
use bilan_consolidate::{CreditLine, CreditsNote, Decision};
use bilan_domain::Money;

use crate::outline::{Block, Column, Field, Heading, Outline, Row, RowKind, Section, Table, TitlePage};
use crate::text::{typographic, BLANK_AMOUNT, NBSP};

/// What the note says about itself, beside the computation: plain strings, written as
/// given (dates already formatted by the caller, e.g. "12 septembre 2020").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoteMeta {
    /// The line printed at the top, e.g. "Département de l’Allier"; when empty, the name
    /// comes from the reference data of the note's Département.
    pub department_name: String,
    /// The year N of the report.
    pub year: i32,
    /// The programme's full name.
    pub programme_name: String,
    /// The version of the report the note was computed from.
    pub version: i32,
    /// When the report was approved; `None`: not approved yet.
    pub approved_at: Option<String>,
    /// The State reviewer who produced the note.
    pub reviewer: String,
    /// When the note was generated.
    pub generated_at: String,
}

/// Printed in a table cell for an amount the report does not state.
const NOT_STATED: &str = BLANK_AMOUNT;

/// Chart file the ODT package always carries: the note has no chart, so an empty,
/// well-formed drawing.
pub(crate) const NO_CHART_SVG: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\" viewBox=\"0 0 1 1\"/>";

/// The note as a standalone HTML fragment: one `<section class="note-credits">` with
/// its headings (`h2` to `h4`), tables with `<caption>` and `scope`, amounts in cells of
/// class `montant`. No style, no script: the embedding page provides the styles.
pub fn credits_note_html(note: &CreditsNote, meta: &NoteMeta) -> String {
    html::write(&credits_note_outline(note, meta))
}

/// The note as an OpenDocument Text file (.odt), with the report documents' styles.
pub fn credits_note_odt(note: &CreditsNote, meta: &NoteMeta) -> Vec<u8> {
    crate::odt::write(&credits_note_outline(note, meta), NO_CHART_SVG)
}

/// "50 %".
fn percent(p: i64) -> String {
    format!("{p}{NBSP}%")
}

fn amount(m: Option<Money>) -> String {
    m.map_or_else(|| NOT_STATED.to_string(), |m| m.to_string())
}

fn decision_label(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Accept) => "accepté",
        Some(Decision::Refuse) => "refusé",
        None => "sans décision",
    }
}

fn heading(level: u8, number: &str, title: &str, anchor: &str) -> Block {
    Block::Heading(Heading {
        level,
        number: number.to_string(),
        title: title.to_string(),
        anchor: anchor.to_string(),
    })
}

/// The note as an outline: a title page, the synthesis and the rules (portrait), the
/// tables per action and per carry-over line (landscape), the detail of each action's
/// computation and the points to look at (portrait).
pub fn credits_note_outline(note: &CreditsNote, meta: &NoteMeta) -> Outline {
    let next = note.year.saturating_add(1);
    let synthesis = vec![
        heading(1, "1.", "Synthèse", "credits-synthese"),
        Block::Table(synthesis_table(note, next)),
        Block::Paragraph(note.explanation.clone()),
        Block::Field(Field::new(
            "Reports refusés (part État, non délégués)",
            note.refused_carry_over.to_string(),
        )),
        Block::Field(Field::new(
            "Reports sans décision (part État, comptés comme non acceptés)",
            note.undecided_carry_over.to_string(),
        )),
        heading(1, "2.", "Règles appliquées", "credits-regles"),
        Block::Paragraph(note.rules.describe()),
        Block::List(method(note, next)),
    ];

    let mut tables = vec![
        heading(1, "3.", "Crédit État par action", "credits-actions"),
        Block::Table(actions_table(note)),
        Block::Paragraph(format!(
            "« {NOT_STATED} » : montant non renseigné dans le rapport (pas de part État prévue, budget porté \
             par une autre action, ou aucun montant consommé déclaré, compté comme 0,00{NBSP}€)."
        )),
        heading(1, "4.", "Reports demandés et décisions", "credits-reports"),
    ];
    let carry: Vec<(&CreditLine, &CarryOverLine)> =
        note.lines.iter().flat_map(|l| l.carry_overs.iter().map(move |c| (l, c))).collect();
    if carry.is_empty() {
        tables.push(Block::Paragraph(
            "Aucun report n’est demandé dans les lignes de l’annexe financière.".to_string(),
        ));
    } else {
        tables.push(Block::Table(carry_over_table(note, &carry)));
        tables.push(Block::Paragraph(format!(
            "Part État retenue : part État du report plafonnée au crédit État non consommé de l’action, \
             les lignes acceptées d’abord puis les autres, dans l’ordre de l’annexe. Seules les lignes \
             acceptées s’ajoutent aux crédits {next}."
        )));
    }

    let mut detail = vec![heading(1, "5.", "Détail du calcul par action", "credits-detail")];
    if note.lines.is_empty() {
        detail.push(Block::Paragraph("Le rapport ne compte aucune action.".to_string()));
    }
    detail.extend(note.lines.iter().map(|l| Block::Paragraph(l.explanation.clone())));
    detail.push(heading(1, "6.", "Points d’attention", "credits-attention"));
    if note.warnings.is_empty() {
        detail.push(Block::Paragraph("Aucun point d’attention.".to_string()));
    } else {
        detail.push(Block::List(note.warnings.clone()));
    }

    Outline {
        title: title_page(note, meta, next),
        sections: vec![
            Section { landscape: false, blocks: synthesis },
            Section { landscape: true, blocks: tables },
            Section { landscape: false, blocks: detail },
        ],
    }
}

fn title_page(note: &CreditsNote, meta: &NoteMeta, next: i32) -> TitlePage {
    let department = if meta.department_name.trim().is_empty() {
        format!("Département {}", typographic(note.department.info().of_name))
    } else {
        meta.department_name.trim().to_string()
    };
    let status = if note.is_final() {
        "définitive : chaque report demandé a reçu une décision".to_string()
    } else {
        let n = note.undecided.len();
        format!(
            "provisoire : {n} report{s} sans décision, compté{s} comme non accepté{s}",
            s = if n > 1 { "s" } else { "" }
        )
    };
    TitlePage {
        title: format!("Note de calcul des crédits {next}"),
        department,
        year: format!("Exercice {}", note.year),
        programme: meta.programme_name.trim().to_string(),
        fields: vec![
            Field::new("Rapport d’exécution", format!("{}, version {}", meta.year, meta.version)),
            Field::new(
                "Approbation du rapport",
                meta.approved_at
                    .as_deref()
                    .map_or_else(|| "non approuvé".to_string(), |d| d.trim().to_string()),
            ),
            Field::new("Instruction", meta.reviewer.trim()),
            Field::new("Note établie le", meta.generated_at.trim()),
            Field::new("Statut de la note", status),
        ],
        signatories: Vec::new(),
    }
}

fn synthesis_table(note: &CreditsNote, next: i32) -> Table {
    let row = |kind: RowKind, label: String, m: Money| Row { kind, cells: vec![label, m.to_string()] };
    Table {
        caption: format!("Calcul des crédits État délégués pour {next}"),
        columns: vec![Column::text("Élément du calcul", 7), Column::number("Montant", 3)],
        rows: vec![
            row(
                RowKind::Normal,
                format!("Montant État {next} fixé par la convention"),
                note.state_amount_next_year,
            ),
            row(RowKind::Normal, "+ Reports acceptés (part État)".to_string(), note.accepted_carry_over),
            row(RowKind::Normal, "− Réfaction".to_string(), note.reduction),
            row(RowKind::Total, format!("= Crédits délégués pour {next}"), note.delegated),
        ],
        row_headers: true,
    }
}

/// The method, step by step, with the programme's share.
fn method(note: &CreditsNote, next: i32) -> Vec<String> {
    let pct = percent(note.rules.share_percent());
    let mut steps = vec![
        format!(
            "Crédit État utilisé = le plus petit de la part État et de {pct} des crédits consommés (arrondi au \
             centime inférieur) : l’État paie au plus sa part de chaque action."
        ),
        "Crédit État non consommé = part État − crédit État utilisé.".to_string(),
        format!(
            "Part État d’un report = {pct} du report demandé sur la ligne de l’annexe (arrondi au centime \
             inférieur), plafonnée au crédit État non consommé de l’action."
        ),
    ];
    steps.push(if note.rules.reduction_applies {
        "Réfaction = crédit État non consommé − reports acceptés (part État), jamais négative ; chaque \
         action est calculée seule."
            .to_string()
    } else {
        "Pas de réfaction : le crédit État non consommé et non reporté n’est pas retiré.".to_string()
    });
    steps.push(format!(
        "Crédits délégués pour {next} = montant État {next} + reports acceptés (part État) − réfaction, \
         jamais négatifs."
    ));
    steps
}

fn actions_table(note: &CreditsNote) -> Table {
    let columns = vec![
        Column::text("Action", 5),
        Column::text("Intitulé", 16),
        Column::number("Part État", 8),
        Column::number("Consommé", 8),
        Column::number("Crédit État utilisé", 8),
        Column::number("Crédit État non consommé", 8),
        Column::number("Reports acceptés (part État)", 8),
        Column::number("Reports refusés (part État)", 8),
        Column::number("Reports sans décision (part État)", 8),
        Column::number("Réfaction", 8),
    ];
    let mut rows: Vec<Row> = note
        .lines
        .iter()
        .map(|l| Row {
            kind: RowKind::Normal,
            cells: vec![
                l.action.clone(),
                l.title.clone(),
                amount(l.state_share),
                amount(l.spent),
                l.state_credit_used.to_string(),
                l.unspent_state_credit.to_string(),
                l.accepted_carry_over.to_string(),
                l.refused_carry_over.to_string(),
                l.undecided_carry_over.to_string(),
                l.reduction.to_string(),
            ],
        })
        .collect();
    // Sums of what is stated: "—" when no action states the figure.
    let stated = |f: fn(&CreditLine) -> Option<Money>| {
        let v: Vec<Money> = note.lines.iter().filter_map(f).collect();
        amount((!v.is_empty()).then(|| Money::sum(v)))
    };
    let sum = |f: fn(&CreditLine) -> Money| Money::sum(note.lines.iter().map(f)).to_string();
    rows.push(Row {
        kind: RowKind::Total,
        cells: vec![
            "Total".to_string(),
            String::new(),
            stated(|l| l.state_share),
            stated(|l| l.spent),
            sum(|l| l.state_credit_used),
            sum(|l| l.unspent_state_credit),
            sum(|l| l.accepted_carry_over),
            sum(|l| l.refused_carry_over),
            sum(|l| l.undecided_carry_over),
            sum(|l| l.reduction),
        ],
    });
    Table {
        caption: format!("Crédit État par action en {} et réfaction", note.year),
        columns,
        rows,
        row_headers: true,
    }
}

fn carry_over_table(note: &CreditsNote, carry: &[(&CreditLine, &CarryOverLine)]) -> Table {
    let pct = percent(note.rules.share_percent());
    Table {
        caption: format!("Reports demandés sur {} et décision de l’État", note.year.saturating_add(1)),
        columns: vec![
            Column::text("Action", 5),
            Column::text("Ligne de dépense", 18),
            Column::number("Report demandé", 8),
            Column::number(format!("Part État ({pct})"), 8),
            Column::number("Part État retenue", 8),
            Column::text("Décision", 7),
        ],
        rows: carry
            .iter()
            .map(|(l, c)| Row {
                kind: RowKind::Normal,
                cells: vec![
                    l.action.clone(),
                    c.label.clone(),
                    c.requested.to_string(),
                    c.state_part.to_string(),
                    c.state_part_capped.to_string(),
                    decision_label(c.decision).to_string(),
                ],
            })
            .collect(),
        row_headers: true,
    }
}

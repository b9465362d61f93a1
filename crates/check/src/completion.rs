//! How far an action's fiche is filled in: sections 1 to 9 (and the perspectives) that hold
//! real content, a template instruction left in a text not counting as content.

use bilan_domain::{figure, Action};

use crate::rules::has_own_text;

/// Sections of an action that hold real content, out of 10: description, start, partners,
/// duration, forecast budget, execution, FAPI, indicators, execution review, outlook. A
/// text counts once it holds something besides the template's bracketed instructions.
pub fn completion(a: &Action) -> (usize, usize) {
    let checks = [
        has_own_text(&a.description),
        has_own_text(&a.start_text) || a.start.is_some(),
        has_own_text(&a.partners),
        has_own_text(&a.duration),
        a.forecast.as_ref().is_some_and(|f| figure(&f.total).is_some()) || a.budget_shared_with.is_some(),
        a.executed.as_ref().is_some_and(|e| figure(&e.spent).is_some() || !e.lines.is_empty())
            || a.expenses.iter().any(|e| figure(&e.spent).is_some()),
        a.fapi.is_some(),
        !a.indicators.is_empty(),
        has_own_text(&a.execution_review),
        has_own_text(&a.outlook),
    ];
    (checks.iter().filter(|c| **c).count(), checks.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_action() -> Action {
        let text = include_str!("../tests/fixtures/propre.toml");
        let report = bilan_source::parse_str(text).expect("fixture parses").report;
        report.measures[0].actions[0].clone()
    }

    #[test]
    fn counts_sections_with_content_not_template_instructions() {
        let mut a = first_action();
        assert_eq!(completion(&a), (10, 10));
        // A section left with the template's instruction is not filled in.
        a.description = "[Décrivez l'action, son public et ses objectifs]".into();
        a.partners = "  ".into();
        // Text around an instruction, or a short bracket, is the author's own.
        a.outlook = "Poursuite en 2021. [Précisez le calendrier de la poursuite]".into();
        a.duration = "[1] Deux ans.".into();
        assert_eq!(completion(&a), (8, 10));
        // The date of start stands for its text; a shared budget for the forecast.
        a.start_text.clear();
        a.forecast = None;
        a.budget_shared_with = Some("1.1.2".into());
        assert_eq!(completion(&a), (8, 10));
        a.start = None;
        a.budget_shared_with = None;
        a.fapi = None;
        a.indicators.clear();
        assert_eq!(completion(&a), (4, 10));
    }
}

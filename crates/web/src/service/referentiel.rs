//! The reference data the forms offer: the socle measures a report lacks, the catalogue
//! indicators of a measure. [`current`] is the one place the application reads it from
//! (today the `Referentiel` given in [`crate::AppOptions`]; later the database).

use bilan_domain::referentiel::{CatalogueIndicator, MeasureRef, Referentiel};
use bilan_domain::{MeasureKind, Report};

use crate::AppState;

/// The reference data of this deployment.
pub fn current(app: &AppState) -> &Referentiel {
    &app.options.referentiel
}

/// The reference data built from the programme table compiled into `bilan-domain`
/// (programmes and their socle measures, no indicator catalogue): what `serve` and `demo`
/// use until the reference files are loaded. Measure codes are `{PROGRAMME}-SOCLE-{n}`,
/// `n` the measure's rank in the table.
pub fn from_programme_table() -> Referentiel {
    use bilan_domain::referentiel::{MonthDay, Programme};
    let programmes = bilan_domain::programme::PROGRAMMES
        .iter()
        .map(|p| Programme {
            id: p.id.to_string(),
            name: p.name.to_string(),
            short_name: p.short_name.to_string(),
            first_year: p.first_year,
            last_year: p.last_year,
            max_state_share_percent: p.max_state_share_percent,
            indicator_change_ratio: p.indicator_change_ratio,
            target_drop_tolerance_percent: p.target_drop_tolerance_percent,
            default_deadline: MonthDay { month: p.default_deadline.0, day: p.default_deadline.1 },
            source: String::new(),
            measures: p
                .core_measures
                .iter()
                .enumerate()
                .map(|(n, (title, since))| MeasureRef {
                    code: format!("{}-SOCLE-{}", p.id.to_uppercase(), n + 1),
                    title: title.to_string(),
                    socle: true,
                    since: *since,
                    until: None,
                    source: String::new(),
                    provisional: false,
                })
                .collect(),
            indicators: Vec::new(),
        })
        .collect();
    Referentiel { programmes }
}

/// Letters and digits only, lower case, apostrophes and dashes ignored: « l’ASE » and
/// « l'ASE » compare equal.
fn folded(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The socle measures of the report's programme and year that the report does not carry
/// yet (by code, or, for a measure without code, by its title containing the reference
/// title).
pub fn missing_core_measures<'a>(referentiel: &'a Referentiel, report: &Report) -> Vec<&'a MeasureRef> {
    let Some(programme) = referentiel.programme(&report.programme) else {
        return Vec::new();
    };
    programme
        .core_measures(report.year)
        .filter(|m| {
            !report.measures.iter().any(|have| {
                have.code.as_deref() == Some(m.code.as_str())
                    || (have.code.is_none()
                        && have.kind == MeasureKind::Core
                        && folded(&have.title).contains(&folded(&m.title)))
            })
        })
        .collect()
}

/// The catalogue indicators of the measure whose code is `measure_code`, for the report's
/// programme and year; none for a measure without code.
pub fn catalogue_for<'a>(
    referentiel: &'a Referentiel,
    report: &Report,
    measure_code: Option<&str>,
) -> Vec<&'a CatalogueIndicator> {
    match (referentiel.programme(&report.programme), measure_code) {
        (Some(p), Some(code)) => {
            p.indicators.iter().filter(|i| i.measure == code && i.applies_to(report.year)).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allier_report_lacks_only_what_it_does_not_carry() {
        let r =
            bilan_source::parse_str(include_str!("../../../../examples/allier-2019.toml")).unwrap().report;
        let referentiel = from_programme_table();
        let missing: Vec<&str> =
            missing_core_measures(&referentiel, &r).iter().map(|m| m.title.as_str()).collect();
        // Allier 2019 carries four of the five socle measures of 2019 (titles longer than
        // the reference's); « Formation des travailleurs sociaux » starts in 2020.
        assert_eq!(missing, vec!["Garantie d'activité et accompagnement global"]);
        assert!(catalogue_for(&referentiel, &r, Some("CALPAE-SOCLE-1")).is_empty());
    }
}

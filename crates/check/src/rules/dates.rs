//! Dates: action periods, deliberation, deadline, transmission, programme years.

use bilan_domain::{Action, Date};

use super::Checker;

pub(super) fn check_action(c: &mut Checker<'_>, path: &str, a: &Action) {
    if let (Some(start), Some(end)) = (a.start, a.end) {
        if end < start {
            c.emit(
                "DAT001",
                format!("{path}.date_fin"),
                format!("action {} : fin le {end}, avant son début le {start}", a.number),
                format!("début : {start}"),
            )
            .related(format!("{path}.date_debut"), "début".into());
        }
    }
}

pub(super) fn check_report(c: &mut Checker<'_>) {
    let r = c.report;
    if let Some(p) = bilan_domain::programme(&r.programme) {
        if !p.covers(r.year) {
            c.emit(
                "DAT005",
                "annee".into(),
                format!(
                    "le programme {} couvre {}–{}, pas l'année {}",
                    p.short_name, p.first_year, p.last_year, r.year
                ),
                format!("{}–{}", p.first_year, p.last_year),
            );
        }
    }
    let Some(date) = r.deliberation.as_ref().and_then(|d| d.date) else {
        if let Some(t) = r.transmitted_on {
            c.emit(
                "DAT003",
                "transmission".into(),
                format!("le rapport est transmis le {t} sans délibération qui l'adopte"),
                "transmission".into(),
            );
        }
        return;
    };
    if let Some(deadline) = r.deadline {
        if date > deadline {
            c.emit(
                "DAT002",
                "deliberation.date".into(),
                format!("la délibération du {date} est postérieure à l'échéance du {deadline}"),
                format!("échéance : {deadline}"),
            )
            .related("echeance".into(), "échéance".into());
        }
    }
    if let Some(end_of_year) = Date::new(r.year, 12, 31) {
        if date < end_of_year {
            c.emit(
                "DAT004",
                "deliberation.date".into(),
                format!(
                    "la délibération du {date} précède la fin de l'année {} dont elle adopte le bilan",
                    r.year
                ),
                "délibération".into(),
            );
        }
    }
    if let Some(t) = r.transmitted_on {
        if t < date {
            c.emit(
                "DAT003",
                "transmission".into(),
                format!("le rapport est transmis le {t}, avant la délibération du {date}"),
                format!("délibération : {date}"),
            )
            .related("deliberation.date".into(), "délibération".into());
        }
    }
}

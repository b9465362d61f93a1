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
    check_duration(c, path, a);
}

/// Years a duration states: "2019/2020/2021" → (2019, 2021); "toute l'année 2019" →
/// (2019, 2019). With the text it was read from.
fn stated_years(text: &str) -> Option<(i32, i32, String)> {
    let b = text.as_bytes();
    let year_at = |i: usize| -> Option<i32> {
        let s = text.get(i..i + 4)?;
        let glued = |j: Option<&u8>| j.is_some_and(|c| c.is_ascii_digit());
        if s.bytes().all(|c| c.is_ascii_digit())
            && !glued(i.checked_sub(1).and_then(|j| b.get(j)))
            && !glued(b.get(i + 4))
        {
            s.parse().ok().filter(|y| (1990..=2100).contains(y))
        } else {
            None
        }
    };
    for i in 0..b.len() {
        let Some(first) = year_at(i) else { continue };
        let mut last = first;
        let mut j = i + 4;
        while b.get(j) == Some(&b'/') {
            match year_at(j + 1) {
                Some(y) => {
                    last = y;
                    j += 5;
                }
                None => break,
            }
        }
        if j > i + 4 && last >= first {
            return Some((first, last, text[i..j].to_string()));
        }
    }
    // As written, so that a viewer can point at the words.
    ["toute l’année ", "toute l'année ", "Toute l’année ", "Toute l'année "].iter().find_map(|key| {
        let at = text.find(key)?;
        let rest = &text[at + key.len()..];
        let y: i32 = rest.get(..4)?.parse().ok()?;
        (!rest.as_bytes().get(4).is_some_and(u8::is_ascii_digit))
            .then(|| (y, y, text[at..at + key.len() + 4].to_string()))
    })
}

/// A length stated as "durée de N ans" / "durée de N mois", in months.
fn stated_months(text: &str) -> Option<(u32, String)> {
    let lower = text.to_lowercase();
    let at = lower.find("durée de ")? + "durée de ".len();
    let rest = &lower[at..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: u32 = digits.parse().ok().filter(|n| (1..=20).contains(n))?;
    let unit = rest[digits.len()..].trim_start();
    if unit.starts_with("ans") || unit.starts_with("an ") || unit == "an" {
        Some((n * 12, format!("{n} an{}", if n > 1 { "s" } else { "" })))
    } else if unit.starts_with("mois") {
        Some((n, format!("{n} mois")))
    } else {
        None
    }
}

/// The last day of a period of `months` months starting on `start`.
fn period_end(start: Date, months: u32) -> Option<Date> {
    let index = i64::from(start.year()) * 12 + i64::from(start.month() - 1) + i64::from(months);
    let (y, m) = (i32::try_from(index / 12).ok()?, u8::try_from(index % 12 + 1).ok()?);
    let same_day = (0..4).find_map(|k| Date::new(y, m, start.day().saturating_sub(k)))?;
    // The day before.
    if same_day.day() > 1 {
        Date::new(y, m, same_day.day() - 1)
    } else {
        let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
        (28..=31).rev().find_map(|d| Date::new(py, pm, d))
    }
}

/// DAT006 and DAT007: the stated duration against the action's dates and the report year.
fn check_duration(c: &mut Checker<'_>, path: &str, a: &Action) {
    let year = c.report.year;
    let years = stated_years(&a.duration);
    let months = stated_months(&a.duration);
    let mut problem: Option<(String, Option<(String, String)>)> = None;
    if let Some((first, last, said)) = &years {
        if let Some(end) = a.end.filter(|e| e.year() > *last || e.year() < *first) {
            problem = Some((
                format!("la durée annoncée (« {said} ») ne couvre pas la fin de l'action, le {end}"),
                Some((format!("{path}.date_fin"), format!("fin : {end}"))),
            ));
        } else if let Some(start) = a.start.filter(|s| s.year() > *last || s.year() < *first) {
            problem = Some((
                format!("la durée annoncée (« {said} ») ne couvre pas le début de l'action, le {start}"),
                Some((format!("{path}.date_debut"), format!("début : {start}"))),
            ));
        } else if let (Some(start), Some((n, said_len))) = (a.start, &months) {
            if let Some(end) = period_end(start, *n).filter(|e| e.year() > *last) {
                problem = Some((
                    format!(
                        "la durée annoncée (« {said_len} », « {said} ») ne s'accorde pas avec le début de l'action le {start} : {said_len} mènent au {end}"
                    ),
                    Some((format!("{path}.date_debut"), format!("début : {start}"))),
                ));
            }
        }
    }
    if problem.is_none() {
        if let (Some(start), Some(end), Some((n, said_len))) = (a.start, a.end, &months) {
            if let Some(computed) = period_end(start, *n) {
                let gap = (i64::from(computed.year()) * 12 + i64::from(computed.month()))
                    - (i64::from(end.year()) * 12 + i64::from(end.month()));
                if gap.abs() > 1 {
                    problem = Some((
                        format!(
                            "la durée annoncée (« {said_len} ») mène du {start} au {computed}, mais l'action finit le {end}"
                        ),
                        Some((format!("{path}.date_fin"), format!("fin : {end}"))),
                    ));
                }
            }
        }
    }
    if let Some((message, related)) = problem {
        let d = c.emit(
            "DAT006",
            format!("{path}.duree"),
            format!("action {} : {message}", a.number),
            "durée annoncée".into(),
        );
        if let Some((p, l)) = related {
            d.related(p, l);
        }
        d.focus = years.as_ref().map(|(_, _, said)| said.clone()).filter(|f| a.duration.contains(f.as_str()));
        let computed = match (a.start, &months) {
            (Some(start), Some((n, _))) => period_end(start, *n),
            _ => None,
        };
        let period = match (a.start, a.end.or(computed)) {
            (Some(s), Some(e)) => format!("l'action va du {s} au {e}"),
            (Some(s), None) => format!("l'action commence le {s}"),
            (None, Some(e)) => format!("l'action finit le {e}"),
            (None, None) => String::new(),
        };
        let announced = match &years {
            Some((f, l, _)) if f == l => format!("année annoncée : {f}"),
            Some((f, l, _)) => format!("années annoncées : {f} à {l}"),
            None => "durée annoncée".to_string(),
        };
        d.hint = Some(format!(
            "{announced} ; {period} : corrigez la durée annoncée ou les dates de l'action (date_debut, date_fin)"
        ));
    }

    // DAT007: the action against the report year.
    if let Some(start) = a.start.filter(|s| s.year() > year) {
        c.emit(
            "DAT007",
            format!("{path}.date_debut"),
            format!(
                "action {} : elle commence le {start}, après l'année {year} dont le rapport rend compte",
                a.number
            ),
            format!("début : {start}"),
        );
    } else if let Some((first, last, said)) = years.filter(|(f, l, _)| year < *f || year > *l) {
        c.emit(
            "DAT007",
            format!("{path}.duree"),
            format!(
                "action {} : la durée annoncée (« {said} », {first}–{last}) ne comprend pas l'année {year} dont le rapport rend compte",
                a.number
            ),
            "durée annoncée".into(),
        );
    }
}

pub(super) fn check_report(c: &mut Checker<'_>) {
    let r = c.report;
    if let Some(p) = c.programme() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stated_durations() {
        assert_eq!(
            stated_years(
                "Marché d’une durée de 2 ans (2019/2020) avec reconduction possible à compter de 2021."
            ),
            Some((2019, 2020, "2019/2020".into()))
        );
        assert_eq!(stated_years("Fin 2019/2020/2021"), Some((2019, 2021, "2019/2020/2021".into())));
        assert_eq!(
            stated_years("L’action s’est déroulée sur toute l’année 2019 avec"),
            Some((2019, 2019, "toute l’année 2019".into()))
        );
        assert_eq!(stated_years("du 9/12/2019 au 29/04/2020"), None);
        assert_eq!(stated_months("Marché d’une durée de 2 ans (2019/2020)"), Some((24, "2 ans".into())));
        let start = Date::new(2019, 5, 14).unwrap();
        assert_eq!(period_end(start, 24), Date::new(2021, 5, 13));
        assert_eq!(period_end(Date::new(2019, 3, 1).unwrap(), 24), Date::new(2021, 2, 28));
    }
}

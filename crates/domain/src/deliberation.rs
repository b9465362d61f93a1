//! The deliberation by which the Département's assembly adopts the report, as the
//! signatory enters it: validated here, with the reasons in French.

use crate::{Date, Deliberation};

/// At most this many characters in the deliberation's number.
pub const MAX_NUMBER: usize = 100;
/// At most this many characters in the instance (the assembly's name).
pub const MAX_BODY: usize = 200;

impl Deliberation {
    /// The deliberation from the adoption form: `number` (required), `date` (2020-06-30 or
    /// 30/06/2020, not after `today` when it is known) and `body` (the instance, optional).
    /// Text is trimmed. On error, every problem found, in French and in lower case (the
    /// caller lists them).
    pub fn validate(
        number: &str,
        date: &str,
        body: &str,
        today: Option<Date>,
    ) -> Result<Deliberation, Vec<String>> {
        let number = number.trim();
        let body = body.trim();
        let mut problems = Vec::new();
        if number.is_empty() {
            problems.push("le numéro de la délibération est obligatoire".to_string());
        }
        if number.chars().count() > MAX_NUMBER || body.chars().count() > MAX_BODY {
            problems.push("numéro ou instance trop long".to_string());
        }
        let date = match Date::parse(date) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(format!("date de la délibération : {e}"));
                None
            }
        };
        if let (Some(d), Some(today)) = (date, today) {
            if d > today {
                problems.push("la date de la délibération est dans le futur".to_string());
            }
        }
        match date {
            Some(date) if problems.is_empty() => {
                Ok(Deliberation { number: number.to_string(), date: Some(date), body: body.to_string() })
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Option<Date> {
        Date::new(2020, 7, 1)
    }

    #[test]
    fn a_complete_deliberation_is_trimmed() {
        let d =
            Deliberation::validate(" CD-2020-42 ", "30/06/2020", " commission permanente ", today()).unwrap();
        assert_eq!(d.number, "CD-2020-42");
        assert_eq!(d.date, Date::new(2020, 6, 30));
        assert_eq!(d.body, "commission permanente");
        let d = Deliberation::validate("12", "2020-07-01", "", today()).unwrap();
        assert_eq!(d.body, "");
    }

    #[test]
    fn every_problem_is_told() {
        let e = Deliberation::validate("  ", "demain", "", today()).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0], "le numéro de la délibération est obligatoire");
        assert!(e[1].starts_with("date de la délibération : « demain » n'est pas une date"), "{e:?}");
    }

    #[test]
    fn a_future_date_is_refused_only_when_today_is_known() {
        let e = Deliberation::validate("12", "2020-07-02", "", today()).unwrap_err();
        assert_eq!(e, ["la date de la délibération est dans le futur"]);
        assert!(Deliberation::validate("12", "2020-07-02", "", None).is_ok());
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let long = "é".repeat(MAX_NUMBER);
        assert!(Deliberation::validate(&long, "2020-06-30", "", today()).is_ok());
        let e = Deliberation::validate(&format!("{long}é"), "2020-06-30", "", today()).unwrap_err();
        assert_eq!(e, ["numéro ou instance trop long"]);
        let e = Deliberation::validate("12", "2020-06-30", &"x".repeat(MAX_BODY + 1), today()).unwrap_err();
        assert_eq!(e, ["numéro ou instance trop long"]);
    }

    #[test]
    fn a_date_that_does_not_exist() {
        let e = Deliberation::validate("12", "2020-02-30", "", today()).unwrap_err();
        assert_eq!(e, ["date de la délibération : « 2020-02-30 » : cette date n'existe pas"]);
    }
}

//! Plain HTML forms: the body extractor, field specifications (name, label, kind), reading
//! and validating submitted values, and rendering inputs whose `id` derives from the field
//! path the checks report (`mesures[0].actions[1].prevision.total` →
//! `champ-mesures-0-actions-1-prevision-total`).

use std::collections::BTreeMap;

use bilan_domain::indicator::{IndicatorValue, MissingReason, Quantity, TerritoryValue};
use bilan_domain::{Amount, Date};

/// The longest text a field accepts (a long narrative is a few thousand characters).
pub const MAX_TEXT: usize = 100_000;

/// The submitted `application/x-www-form-urlencoded` fields, in order (a handler extracts
/// them from the body: the extractor is in `http::session`).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// The field's text with Windows line ends normalised; "" when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").replace("\r\n", "\n").replace('\r', "\n")
    }
    /// Sets a field to `value` (every occurrence; added when absent): a value the server
    /// imposes whatever was posted.
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value.to_string()));
    }
    pub fn revision(&self) -> Option<i64> {
        self.get("revision").and_then(|r| r.trim().parse().ok())
    }
}

/// "mesures[0].actions[1].prevision.total" → "champ-mesures-0-actions-1-prevision-total".
pub fn field_id(path: &str) -> String {
    let mut out = String::from("champ");
    let mut dash = true;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            if dash {
                out.push('-');
                dash = false;
            }
            out.push(c);
        } else {
            dash = true;
        }
    }
    out
}

pub fn join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else {
        format!("{base}.{name}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Area,
    Amount,
    Date,
    Choice(&'static [(&'static str, &'static str)]),
    Check,
    /// An indicator value: a number, a reason ("ND"), or a breakdown by territory.
    Value,
}

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub hint: &'static str,
    pub required: bool,
}

const fn f(name: &'static str, label: &'static str, kind: Kind, hint: &'static str) -> Spec {
    Spec { name, label, kind, hint, required: false }
}
const fn req(name: &'static str, label: &'static str, kind: Kind, hint: &'static str) -> Spec {
    Spec { name, label, kind, hint, required: true }
}

/// A fieldset of a form.
pub struct Section {
    pub legend: &'static str,
    /// Path suffix of the fieldset (its id is derived from it), "" for none.
    pub path: &'static str,
    pub fields: &'static [Spec],
}

const AMOUNT_HINT: &str = "Montant en euros, par exemple « 145 468,26 € » ou « 30 000 »";
const FAPI: &[(&str, &str)] =
    &[("", "Non renseigné"), ("oui", "Oui"), ("non", "Non"), ("oui en partie", "Oui en partie")];
const UNITS: &[(&str, &str)] = &[
    ("", "Non précisée"),
    ("nombre", "Nombre"),
    ("jours", "Jours"),
    ("%", "Pourcentage"),
    ("euros", "Euros"),
    ("moyenne", "Moyenne"),
];

pub const ACTION_SECTIONS: &[Section] = &[
    Section {
        legend: "Intitulé de l’action",
        path: "",
        fields: &[req("intitule", "Intitulé", Kind::Text, "")],
    },
    Section {
        legend: "1. Description",
        path: "description",
        fields: &[f("description", "Description", Kind::Area, "Objectifs, public visé, modalités")],
    },
    Section {
        legend: "2. Date de mise en place",
        path: "mise_en_place",
        fields: &[
            f("mise_en_place", "Mise en place", Kind::Area, ""),
            f("date_debut", "Date de début", Kind::Date, "Format : 2020-06-30"),
            f("date_fin", "Date de fin", Kind::Date, "Format : 2020-06-30"),
        ],
    },
    Section {
        legend: "3. Partenaires et co-financeurs",
        path: "partenaires",
        fields: &[f("partenaires", "Partenaires et co-financeurs", Kind::Area, "")],
    },
    Section { legend: "4. Durée", path: "duree", fields: &[f("duree", "Durée", Kind::Area, "")] },
    Section {
        legend: "5. Budget",
        path: "budget_commentaire",
        fields: &[
            f("budget_commentaire", "Présentation du budget", Kind::Area, ""),
            f(
                "budget_commun_avec",
                "Budget commun avec l’action",
                Kind::Text,
                "Numéro de l’action dont le budget couvre celle-ci, le cas échéant (par exemple 1.3.1)",
            ),
        ],
    },
    Section {
        legend: "5.1 Budget prévisionnel figurant dans la convention",
        path: "prevision",
        fields: &[
            f("prevision.part_etat", "Part État", Kind::Amount, AMOUNT_HINT),
            f("prevision.part_cd", "Part CD", Kind::Amount, AMOUNT_HINT),
            f("prevision.total", "Total", Kind::Amount, AMOUNT_HINT),
            f("prevision.commentaire", "Commentaire", Kind::Area, ""),
        ],
    },
    Section {
        legend: "5.2 Budget exécuté au 31/12",
        path: "execution",
        fields: &[
            f("execution.engage", "Crédits engagés", Kind::Amount, AMOUNT_HINT),
            f("execution.consomme", "Crédits consommés", Kind::Amount, AMOUNT_HINT),
            f("execution.report", "Report demandé sur N+1", Kind::Amount, AMOUNT_HINT),
            f("execution.commentaire", "Commentaire", Kind::Area, ""),
        ],
    },
    Section {
        legend: "6. Action déjà financée au titre du FAPI",
        path: "fapi",
        fields: &[f("fapi", "Financement FAPI", Kind::Choice(FAPI), "")],
    },
    Section {
        legend: "7. Indicateurs",
        path: "indicateurs_commentaire",
        fields: &[f(
            "indicateurs_commentaire",
            "Commentaire des indicateurs",
            Kind::Area,
            "Le tableau des indicateurs se remplit plus bas, indicateur par indicateur",
        )],
    },
    Section {
        legend: "8. Bilan d’exécution",
        path: "bilan",
        fields: &[f("bilan", "Bilan d’exécution", Kind::Area, "")],
    },
    Section {
        legend: "9. Perspectives",
        path: "perspectives",
        fields: &[f("perspectives", "Perspectives", Kind::Area, "")],
    },
];

pub const EXPENSE_FIELDS: &[Spec] = &[
    req("libelle", "Libellé de la dépense", Kind::Text, ""),
    f("direction", "Direction", Kind::Text, "La direction qui dépense (DRH, DIEL…)"),
    f("categorie", "Catégorie", Kind::Text, ""),
    f("valorisation_etp", "Valorisation ETP (temps de personnel existant)", Kind::Check, ""),
    f("inscrit", "Montant inscrit dans la convention", Kind::Amount, AMOUNT_HINT),
    f("engage", "Crédits engagés", Kind::Amount, AMOUNT_HINT),
    f("realise", "Montant réalisé au 31/12", Kind::Amount, AMOUNT_HINT),
    f("report", "Montant à reporter en N+1", Kind::Amount, AMOUNT_HINT),
    f("commentaire", "Commentaire", Kind::Area, ""),
    f(
        "id",
        "Identifiant de la ligne",
        Kind::Text,
        "Facultatif : permet à une ligne du tableau 5.2 de la désigner",
    ),
];

pub const EXEC_LINE_FIELDS: &[Spec] = &[
    req("libelle", "Libellé", Kind::Text, ""),
    f("engage", "Crédits engagés", Kind::Amount, AMOUNT_HINT),
    f("consomme", "Crédits consommés", Kind::Amount, AMOUNT_HINT),
    f("report", "Report demandé sur N+1", Kind::Amount, AMOUNT_HINT),
    f(
        "depense",
        "Ligne de l’annexe correspondante",
        Kind::Text,
        "Identifiant de la ligne de dépense de l’annexe, facultatif",
    ),
];

const VALUE_HINT: &str = "Un nombre (« 1 221 », « 35 % »), une raison (« ND », « non évalué ») ou une répartition « 83 Montluçon, 47 Moulins (total 130) »";

pub const INDICATOR_FIELDS: &[Spec] = &[
    req("intitule", "Indicateur", Kind::Text, ""),
    f("mesure", "Nom de la mesure", Kind::Text, "Tel qu’imprimé dans le tableau"),
    f("unite", "Unité", Kind::Choice(UNITS), ""),
    f("situation_precedente", "Situation N-1", Kind::Value, VALUE_HINT),
    f("cible", "Résultat attendu", Kind::Value, VALUE_HINT),
    f("resultat", "Résultat obtenu", Kind::Value, VALUE_HINT),
    f("justification", "Justification des écarts", Kind::Area, ""),
];

pub const GENERAL_FIELDS: &[Spec] = &[
    f("titre", "Titre du rapport", Kind::Text, ""),
    f("echeance", "Échéance d’adoption", Kind::Date, "Date limite de délibération fixée par la convention"),
    f("preambule", "Préambule", Kind::Area, ""),
    f("convention.intitule", "Intitulé de la convention", Kind::Text, ""),
    f("convention.date_signature", "Date de signature de la convention", Kind::Date, ""),
    f("convention.avenant", "Avenant de l’année", Kind::Text, ""),
];

/// Every field name of the action form.
pub fn action_fields() -> impl Iterator<Item = &'static Spec> {
    ACTION_SECTIONS.iter().flat_map(|s| s.fields.iter())
}

/// Submitted or current values of a form, by field name.
pub type Values = BTreeMap<String, String>;
/// Field errors: (field name, French message).
pub type Errors = Vec<(String, String)>;

/// A typed submitted value.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Text(String),
    /// `None`: the field was left empty.
    Amount(Option<Amount>),
    Date(Option<Date>),
    Choice(String),
    Check(bool),
    Value(Option<IndicatorValue>),
}

/// Validated values of one form, ready to be applied inside the store's transaction.
#[derive(Debug, Clone, Default)]
pub struct Patch(pub BTreeMap<&'static str, Parsed>);

/// A field absent from the submitted form (not merely empty) keeps its current value; an
/// unchecked checkbox is absent, as HTML sends it.
impl Patch {
    pub fn text(&self, name: &str, current: &str) -> String {
        match self.0.get(name) {
            Some(Parsed::Text(t) | Parsed::Choice(t)) => t.clone(),
            _ => current.to_string(),
        }
    }
    pub fn opt_text(&self, name: &str, current: &Option<String>) -> Option<String> {
        match self.0.get(name) {
            Some(Parsed::Text(t)) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
            _ => current.clone(),
        }
    }
    /// An empty field keeps a printed blank ("Crédits engagés : €") and is absent otherwise.
    pub fn amount(&self, name: &str, original: Option<Amount>) -> Option<Amount> {
        match self.0.get(name) {
            Some(Parsed::Amount(Some(a))) => Some(*a),
            Some(Parsed::Amount(None)) if original == Some(Amount::Blank) => Some(Amount::Blank),
            Some(Parsed::Amount(None)) => None,
            _ => original,
        }
    }
    pub fn date(&self, name: &str, current: Option<Date>) -> Option<Date> {
        match self.0.get(name) {
            Some(Parsed::Date(d)) => *d,
            _ => current,
        }
    }
    pub fn check(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(Parsed::Check(true)))
    }
    pub fn value(&self, name: &str, current: &Option<IndicatorValue>) -> Option<IndicatorValue> {
        match self.0.get(name) {
            Some(Parsed::Value(v)) => v.clone(),
            _ => current.clone(),
        }
    }
}

/// Reads and validates the fields of a form; every error names its field.
pub fn parse<'a>(specs: impl IntoIterator<Item = &'a Spec>, fields: &Fields) -> Result<Patch, Errors> {
    let mut patch = Patch::default();
    let mut errors = Errors::new();
    for spec in specs {
        if spec.kind != Kind::Check && fields.get(spec.name).is_none() {
            continue;
        }
        let raw = fields.text(spec.name);
        let t = raw.trim();
        if raw.chars().count() > MAX_TEXT {
            errors.push((spec.name.into(), format!("texte trop long (plus de {MAX_TEXT} caractères)")));
            continue;
        }
        if spec.required && t.is_empty() {
            errors.push((spec.name.into(), "ce champ est obligatoire".into()));
            continue;
        }
        let parsed = match spec.kind {
            Kind::Text => Parsed::Text(t.replace('\n', " ")),
            Kind::Area => Parsed::Text(raw.trim_end().to_string()),
            Kind::Amount => {
                if t.is_empty() {
                    Parsed::Amount(None)
                } else {
                    match Amount::parse(t) {
                        Ok(a) => Parsed::Amount(Some(a)),
                        Err(e) => {
                            errors.push((spec.name.into(), e.to_string()));
                            continue;
                        }
                    }
                }
            }
            Kind::Date => {
                if t.is_empty() {
                    Parsed::Date(None)
                } else {
                    match Date::parse(t) {
                        Ok(d) => Parsed::Date(Some(d)),
                        Err(e) => {
                            errors.push((spec.name.into(), e));
                            continue;
                        }
                    }
                }
            }
            Kind::Choice(options) => {
                if options.iter().any(|(v, _)| *v == t) {
                    Parsed::Choice(t.to_string())
                } else {
                    errors.push((spec.name.into(), "choisissez une valeur de la liste".into()));
                    continue;
                }
            }
            Kind::Check => Parsed::Check(!t.is_empty()),
            Kind::Value => Parsed::Value(parse_indicator_value(t)),
        };
        patch.0.insert(spec.name, parsed);
    }
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

/// The submitted values, as typed, for re-display.
pub fn submitted<'a>(specs: impl IntoIterator<Item = &'a Spec>, fields: &Fields) -> Values {
    specs.into_iter().map(|s| (s.name.to_string(), fields.text(s.name))).collect()
}

/// An indicator value as typed: empty → none; a number; a breakdown
/// ("83 Montluçon, 47 Moulins (total 130)"); otherwise a reason kept verbatim.
pub fn parse_indicator_value(text: &str) -> Option<IndicatorValue> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(q) = Quantity::parse(t) {
        return Some(IndicatorValue::Number(q));
    }
    if let Some(b) = parse_breakdown(t) {
        return Some(b);
    }
    Some(IndicatorValue::Missing { reason: MissingReason::classify(t), text: t.to_string() })
}

fn parse_breakdown(t: &str) -> Option<IndicatorValue> {
    let (list, total) = match t.rfind("(total") {
        Some(i) if t.ends_with(')') => {
            let inner = t[i + "(total".len()..t.len() - 1].trim();
            (t[..i].trim(), Some(Quantity::parse(inner)?))
        }
        _ => (t, None),
    };
    let mut parts = Vec::new();
    for piece in list.split(',').map(str::trim) {
        let digits: String =
            piece.chars().take_while(|c| c.is_ascii_digit() || *c == ' ' || *c == '\u{202f}').collect();
        let territory = piece[digits.len()..].trim();
        let value = Quantity::parse(digits.trim())?;
        if territory.is_empty() {
            return None;
        }
        parts.push(TerritoryValue { territory: territory.to_string(), value, kind: Default::default() });
    }
    if parts.len() < 2 && total.is_none() {
        return None;
    }
    Some(IndicatorValue::Breakdown { parts, total })
}

/// An amount as the form shows it: "30 000 €", "1 234,56 €"; "" when blank or absent.
pub fn amount_text(a: &Option<Amount>) -> String {
    match a {
        Some(Amount::Value(m)) => bilan_domain::amount::money_for_file(*m),
        _ => String::new(),
    }
}

pub fn date_text(d: &Option<Date>) -> String {
    d.map(|d| d.iso()).unwrap_or_default()
}

/// An indicator value as the form shows it (plain spaces, easy to retype).
pub fn value_text(v: &Option<IndicatorValue>) -> String {
    v.as_ref().map(|v| v.to_french().replace('\u{202f}', " ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_paths() {
        assert_eq!(
            field_id("mesures[0].actions[1].prevision.total"),
            "champ-mesures-0-actions-1-prevision-total"
        );
        assert_eq!(
            field_id("annexe.groupes[2].sous_total.inscrit"),
            "champ-annexe-groupes-2-sous_total-inscrit"
        );
        assert_eq!(field_id("titre"), "champ-titre");
    }

    #[test]
    fn amounts_french_way() {
        let fields =
            Fields::parse(b"intitule=&prevision.part_etat=1+234%2C56+%E2%82%AC&prevision.part_cd=douze");
        let errors = parse(action_fields(), &fields).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}"); // intitule required, part_cd malformed
        assert!(errors.iter().any(|(n, m)| n == "prevision.part_cd" && m.contains("n'est pas un montant")));
        let fields = Fields::parse(b"intitule=A&prevision.part_etat=1+234%2C56+%E2%82%AC");
        let p = parse(action_fields(), &fields).unwrap();
        assert_eq!(
            p.amount("prevision.part_etat", None),
            Some(Amount::Value(bilan_domain::Money::from_cents(123_456)))
        );
        // Absent fields keep their value; empty ones are cleared (a printed blank stays).
        assert_eq!(p.amount("prevision.part_cd", Some(Amount::Blank)), Some(Amount::Blank));
        assert_eq!(
            p.amount("prevision.total", Some(Amount::Value(bilan_domain::Money::from_cents(1)))),
            Some(Amount::Value(bilan_domain::Money::from_cents(1)))
        );
        let p = parse(action_fields(), &Fields::parse(b"intitule=A&prevision.total=&prevision.part_cd="))
            .unwrap();
        assert_eq!(
            p.amount("prevision.total", Some(Amount::Value(bilan_domain::Money::from_cents(1)))),
            None
        );
        assert_eq!(p.amount("prevision.part_cd", Some(Amount::Blank)), Some(Amount::Blank));
    }

    #[test]
    fn indicator_values() {
        assert_eq!(value_text(&parse_indicator_value("1 221")), "1 221");
        assert_eq!(value_text(&parse_indicator_value("ND")), "ND");
        let b = parse_indicator_value("83 Montluçon, 47 Moulins, 40 Vichy (total 170)");
        assert_eq!(value_text(&b), "83 Montluçon, 47 Moulins, 40 Vichy (total 170)");
        assert!(matches!(b, Some(IndicatorValue::Breakdown { .. })));
        assert!(matches!(
            parse_indicator_value("Non évalué, action démarrée en 2020"),
            Some(IndicatorValue::Missing { .. })
        ));
        assert_eq!(parse_indicator_value("  "), None);
    }
}

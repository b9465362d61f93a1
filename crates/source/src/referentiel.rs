//! Reading the reference data files (`data/referentiels/*.toml`, one programme per file):
//! the TOML is parsed, then validated, and every mistake is reported in French with the
//! file, line and column of the value at fault.
//!
//! [`builtin`] is the repository's files, compiled in; [`load_dir`] reads a directory (the
//! CLI's `--referentiels DIR`).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use bilan_domain::{Aggregation, IndicatorUnit, Programme, Referentiel};

use crate::errors::translate_toml_message;
use crate::spans::{LineIndex, SpanIndex};

/// Why a reference data file (or directory) could not be used. The message is French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferentielError {
    /// The file's name as given to [`parse`] (a path for [`load_dir`]).
    pub file: String,
    /// 1-based line and column (in characters) of the value at fault, when it has a place.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ReferentielError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c} : {}", self.file, self.message),
            _ => write!(f, "{} : {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ReferentielError {}

/// One file being read: its name, text and where each of its values is.
struct Located<'a> {
    name: &'a str,
    text: &'a str,
    lines: LineIndex,
    spans: SpanIndex,
}

impl Located<'_> {
    fn error_at(&self, span: Option<Range<usize>>, message: String) -> ReferentielError {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = self.lines.line_col(self.text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ReferentielError { file: self.name.to_string(), line, column, message }
    }

    /// An error at the value of `path` (`indicateurs[2].poids`), or its nearest written
    /// ancestor.
    fn error(&self, path: &str, message: String) -> ReferentielError {
        self.error_at(self.spans.locate(path), message)
    }
}

/// Reads one programme from the text of its file; `name` names the file in the errors.
pub fn parse(name: &str, text: &str) -> Result<Programme, ReferentielError> {
    parse_located(name, text).map(|(p, _)| p)
}

fn parse_located<'a>(name: &'a str, text: &'a str) -> Result<(Programme, Located<'a>), ReferentielError> {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let offset = text.len() - body.len();
    let shift = |r: Range<usize>| (r.start + offset)..(r.end + offset);
    let mut file = Located { name, text, lines: LineIndex::new(text), spans: SpanIndex::default() };
    let root = toml::de::DeTable::parse(body)
        .map_err(|e| file.error_at(e.span().map(shift), translate_toml_message(e.message())))?;
    file.spans = SpanIndex::from_document(&root).shifted(offset);
    let programme: Programme = serde::Deserialize::deserialize(toml::de::Deserializer::from(root)).map_err(
        |e: toml::de::Error| {
            let message = translate_toml_message(e.message());
            let span = aggregation_span(&file, &message).or_else(|| e.span().map(shift));
            file.error_at(span, message)
        },
    )?;
    validate(&programme, &file)?;
    Ok((programme, file))
}

/// The domain refuses a weighted mean without `poids` (or a `poids` without a weighted
/// mean) while building the indicator, so serde places the error at the whole array: find
/// the indicator by the code the message quotes, and point at its key.
fn aggregation_span(file: &Located<'_>, message: &str) -> Option<Range<usize>> {
    let code = message.strip_prefix("l'indicateur « ")?.split(" »").next()?;
    let key = if message.contains("ne s'applique qu'à") { "poids" } else { "agregation" };
    (0..).map_while(|i| file.spans.value_span(&format!("indicateurs[{i}].code")).map(|s| (i, s))).find_map(
        |(i, s)| {
            let written = file.text.get(s)?;
            (written.trim_matches(['"', '\'']) == code)
                .then(|| file.spans.value_span(&format!("indicateurs[{i}].{key}")))
                .flatten()
        },
    )
}

/// What serde cannot say: empty texts, duplicate codes, unknown measures, weights that do
/// not weigh, years outside the programme.
fn validate(p: &Programme, file: &Located<'_>) -> Result<(), ReferentielError> {
    let empty = |path: &str, what: &str| file.error(path, format!("{what} est vide"));
    for (key, what) in [
        ("id", "l'identifiant du programme"),
        ("nom", "le nom du programme"),
        ("nom_court", "le nom court du programme"),
    ] {
        let value = match key {
            "id" => &p.id,
            "nom" => &p.name,
            _ => &p.short_name,
        };
        if value.trim().is_empty() {
            return Err(empty(key, what));
        }
    }
    if !p.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
        return Err(file.error(
            "id",
            format!("identifiant de programme « {} » invalide : lettres minuscules sans accent, chiffres, « - » ou « _ »", p.id),
        ));
    }
    if p.first_year > p.last_year {
        return Err(file.error(
            "derniere_annee",
            format!("la dernière année ({}) précède la première ({})", p.last_year, p.first_year),
        ));
    }
    if !(0..=100).contains(&p.max_state_share_percent) {
        return Err(file.error(
            "part_etat_max",
            format!("part de l'État {} % impossible : entre 0 et 100", p.max_state_share_percent),
        ));
    }
    let years = |path: &str, since: i32, until: Option<i32>, (first, last): (i32, i32), of: &str| {
        if !(first..=last).contains(&since) {
            return Err(file.error(
                &format!("{path}.depuis"),
                format!("l'année {since} est hors des années {of} ({first}–{last})"),
            ));
        }
        if let Some(u) = until {
            if u < since {
                return Err(file.error(
                    &format!("{path}.jusqu_a"),
                    format!("« jusqu_a » ({u}) précède « depuis » ({since})"),
                ));
            }
            if u > last {
                return Err(file.error(
                    &format!("{path}.jusqu_a"),
                    format!("l'année {u} est hors des années {of} ({first}–{last})"),
                ));
            }
        }
        Ok(())
    };
    let programme_years = (p.first_year, p.last_year);
    // Measure and indicator codes share one namespace: a report's `code` names either.
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut seen = |code: &str, path: String| -> Result<(), ReferentielError> {
        if let Some(first) = codes.get(code) {
            let (l, _) = file.spans.locate(first).map_or((0, 0), |s| file.lines.line_col(file.text, s.start));
            return Err(file.error(
                &format!("{path}.code"),
                format!("code « {code} » en double : déjà utilisé ligne {l}"),
            ));
        }
        codes.insert(code.to_string(), format!("{path}.code"));
        Ok(())
    };
    for (i, m) in p.measures.iter().enumerate() {
        let path = format!("mesures[{i}]");
        if m.code.trim().is_empty() {
            return Err(empty(&format!("{path}.code"), "le code de la mesure"));
        }
        if m.title.trim().is_empty() {
            return Err(empty(&format!("{path}.intitule"), "l'intitulé de la mesure"));
        }
        seen(&m.code, path.clone())?;
        years(&path, m.since, m.until, programme_years, "du programme")?;
    }
    let by_code: HashMap<&str, &bilan_domain::CatalogueIndicator> =
        p.indicators.iter().map(|i| (i.code.as_str(), i)).collect();
    for (i, ind) in p.indicators.iter().enumerate() {
        let path = format!("indicateurs[{i}]");
        if ind.code.trim().is_empty() {
            return Err(empty(&format!("{path}.code"), "le code de l'indicateur"));
        }
        if ind.title.trim().is_empty() {
            return Err(empty(&format!("{path}.intitule"), "l'intitulé de l'indicateur"));
        }
        seen(&ind.code, path.clone())?;
        let Some(measure) = p.measure(&ind.measure) else {
            let known: Vec<String> = p.measures.iter().map(|m| format!("« {} »", m.code)).collect();
            return Err(file.error(
                &format!("{path}.mesure"),
                format!(
                    "mesure « {} » inconnue dans ce programme ; mesures possibles : {}",
                    ind.measure,
                    if known.is_empty() {
                        "aucune (ajoutez des [[mesures]])".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        years(&path, ind.since, ind.until, programme_years, "du programme")?;
        if ind.since < measure.since || measure.until.is_some_and(|u| ind.until.is_none_or(|iu| iu > u)) {
            let to = measure.until.map_or_else(|| p.last_year.to_string(), |u| u.to_string());
            return Err(file.error(
                &format!("{path}.depuis"),
                format!(
                    "l'indicateur s'applique hors des années de sa mesure « {} » ({}–{to})",
                    measure.code, measure.since
                ),
            ));
        }
        if let Aggregation::WeightedMean { weight } = &ind.aggregation {
            let at = format!("{path}.poids");
            match by_code.get(weight.as_str()) {
                _ if *weight == ind.code => {
                    return Err(file
                        .error(&at, format!("l'indicateur « {weight} » ne peut pas se pondérer lui-même")))
                }
                None => {
                    return Err(file.error(
                        &at,
                        format!(
                            "poids « {weight} » : ce n'est pas un indicateur du catalogue de ce programme"
                        ),
                    ))
                }
                Some(w) if w.unit != IndicatorUnit::Count => {
                    return Err(file.error(
                        &at,
                        format!(
                        "poids « {weight} » : un poids doit être un nombre (unite = \"nombre\"), pas « {} »",
                        w.unit.label()
                    ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// Puts files together: refuses two files of the same programme and programmes whose
/// years overlap (a report's year must name one programme).
fn assemble(files: Vec<(Programme, Located<'_>)>) -> Result<Referentiel, ReferentielError> {
    let mut programmes: Vec<Programme> = Vec::with_capacity(files.len());
    let mut names: Vec<&str> = Vec::with_capacity(files.len());
    for (p, file) in &files {
        for (q, other) in programmes.iter().zip(&names) {
            if q.id == p.id {
                return Err(
                    file.error("id", format!("programme « {} » déjà défini par le fichier {other}", p.id))
                );
            }
            if p.first_year <= q.last_year && q.first_year <= p.last_year {
                return Err(file.error(
                    "premiere_annee",
                    format!(
                        "les années {}–{} chevauchent celles du programme « {} » ({}–{}, fichier {other}) : une année ne relève que d'un programme",
                        p.first_year, p.last_year, q.id, q.first_year, q.last_year
                    ),
                ));
            }
        }
        programmes.push(p.clone());
        names.push(file.name);
    }
    Ok(Referentiel { programmes })
}

/// Reads every `*.toml` file of a directory, in name order, one programme per file.
pub fn load_dir(dir: &Path) -> Result<Referentiel, ReferentielError> {
    let dir_error = |message: String| ReferentielError {
        file: dir.display().to_string(),
        line: None,
        column: None,
        message,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| dir_error(format!("dossier des référentiels illisible : {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| dir_error(format!("dossier des référentiels illisible : {e}")))?.path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(dir_error("aucun fichier .toml dans ce dossier : un fichier par programme".into()));
    }
    let mut texts = Vec::with_capacity(paths.len());
    for path in &paths {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ReferentielError {
            file: name.clone(),
            line: None,
            column: None,
            message: format!("fichier illisible : {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ReferentielError {
            file: name.clone(),
            line: None,
            column: None,
            message: format!(
                "le fichier n'est pas encodé en UTF-8 (octet invalide à la position {})",
                e.utf8_error().valid_up_to()
            ),
        })?;
        texts.push((name, text));
    }
    let files = texts.iter().map(|(n, t)| parse_located(n, t)).collect::<Result<Vec<_>, _>>()?;
    assemble(files)
}

/// The repository's files, `data/referentiels/`, compiled in.
const BUILTIN: [(&str, &str); 2] = [
    ("calpae.toml", include_str!("../../../data/referentiels/calpae.toml")),
    ("pacte.toml", include_str!("../../../data/referentiels/pacte.toml")),
];

fn read_builtin() -> Result<Referentiel, ReferentielError> {
    let files = BUILTIN.iter().map(|(n, t)| parse_located(n, t)).collect::<Result<Vec<_>, _>>()?;
    assemble(files)
}

/// The reference data shipped with this build (the repository's `data/referentiels/`),
/// read once.
pub fn builtin() -> &'static Referentiel {
    static BUILTIN_REFERENTIEL: OnceLock<Referentiel> = OnceLock::new();
    // The unit test `builtin_files_are_valid` reads the same compiled-in texts: a broken
    // file fails the build's tests, so this cannot fire in a tested build.
    BUILTIN_REFERENTIEL.get_or_init(|| read_builtin().expect("data/referentiels: fichiers invalides"))
}

/// The ids of the known programmes, quoted for a French message: « calpae », « pacte ».
/// The text of a programme's file, as the database stores it: [`parse`] reads it back to
/// the same programme (a test proves it on the repository's files).
pub fn to_toml(p: &Programme) -> String {
    toml::to_string_pretty(p).unwrap_or_else(|e| {
        // Serialising our own types cannot fail except on a serializer bug; the text then
        // fails [`parse`], which the callers run before storing it.
        format!("# erreur interne d'écriture : {e}\n")
    })
}

pub fn quoted_ids(referentiel: &Referentiel) -> String {
    referentiel.programmes.iter().map(|p| format!("« {} »", p.id)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {

    #[test]
    fn written_programmes_read_back_the_same() {
        for p in &builtin().programmes {
            let text = to_toml(p);
            assert_eq!(&parse("écrit", &text).unwrap(), p, "{text}");
        }
    }

    use super::*;

    #[test]
    fn builtin_files_are_valid() {
        let r = read_builtin().unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = r.programmes.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["calpae", "pacte"]);
        assert_eq!(builtin(), &r);
        let calpae = r.programme("calpae").unwrap();
        assert_eq!(calpae.core_measures(2019).count(), 5);
        assert_eq!(calpae.core_measures(2020).count(), 6, "training of social workers from 2020");
        assert_eq!(calpae.deadline(2019), bilan_domain::Date::new(2020, 6, 30));
        assert_eq!(r.programme("pacte").unwrap().core_measures(2024).count(), 4);
        assert!(calpae.indicator("CALPAE-RSA-01").is_some());
    }

    #[test]
    fn every_repository_file_is_compiled_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/referentiels");
        let on_disk = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&on_disk, builtin(), "a file of data/referentiels is missing from BUILTIN");
    }
}

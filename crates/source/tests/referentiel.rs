//! Broken reference data files: each mistake is named in French, at its file, line and column.

use bilan_domain::Aggregation;
use bilan_source::referentiel::{load_dir, parse, ReferentielError};

/// A small valid programme; each case replaces one line of it.
const BASE: &str = r#"id = "essai"
nom = "Programme d'essai"
nom_court = "Essai"
premiere_annee = 2030
derniere_annee = 2033
part_etat_max = 50
ratio_evolution_indicateur = 3
tolerance_baisse_cible = 25
echeance = "06-30"
source = "essai"

[[mesures]]
code = "E-M1"
intitule = "Première mesure"
socle = true
depuis = 2030
source = "essai"

[[indicateurs]]
code = "E-M1-01"
intitule = "Nombre de personnes accompagnées"
unite = "nombre"
agregation = "somme"
mesure = "E-M1"
depuis = 2030

[[indicateurs]]
code = "E-M1-02"
intitule = "Taux de sorties positives"
unite = "%"
agregation = "moyenne_ponderee"
poids = "E-M1-01"
mesure = "E-M1"
depuis = 2031
jusqu_a = 2032
"#;

/// `BASE` with its line `line` (1-based) replaced by `new`.
fn with_line(line: usize, new: &str) -> String {
    let mut lines: Vec<&str> = BASE.lines().collect();
    lines[line - 1] = new;
    lines.join("\n") + "\n"
}

fn line_of(needle: &str) -> usize {
    BASE.lines().position(|l| l == needle).unwrap_or_else(|| panic!("{needle}")) + 1
}

fn broken(line: usize, new: &str) -> ReferentielError {
    parse("essai.toml", &with_line(line, new)).expect_err("must be refused")
}

fn assert_at(e: &ReferentielError, line: usize, column: usize, words: &[&str]) {
    assert_eq!(e.file, "essai.toml");
    assert_eq!((e.line, e.column), (Some(line), Some(column)), "{e}");
    for w in words {
        assert!(e.message.contains(w), "« {w} » absent de : {e}");
    }
    assert!(e.to_string().starts_with(&format!("essai.toml:{line}:{column} : ")), "{e}");
}

#[test]
fn the_base_file_is_valid() {
    let p = parse("essai.toml", BASE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.indicators[1].aggregation, Aggregation::WeightedMean { weight: "E-M1-01".into() });
    assert_eq!(p.indicators[1].until, Some(2032));
    // A byte-order mark is tolerated and does not shift the places.
    let bom = format!("\u{FEFF}{}", with_line(5, "derniere_annee = 2029"));
    let e = parse("essai.toml", &bom).unwrap_err();
    assert_eq!((e.line, e.column), (Some(5), Some(18)), "{e}");
}

#[test]
fn a_syntax_error_is_placed() {
    let e = broken(2, "nom = \"Programme d'essai");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.starts_with("syntaxe TOML invalide"), "{e}");
}

#[test]
fn an_unknown_key_is_named() {
    let l = line_of("socle = true");
    let e = broken(l, "soclee = true");
    assert_at(&e, l, 1, &["clé « soclee » inconnue", "« socle »"]);
}

#[test]
fn an_unknown_unit_is_named() {
    let l = line_of("unite = \"nombre\"");
    let e = broken(l, "unite = \"kilos\"");
    assert_at(&e, l, 9, &["« kilos » non reconnue", "« nombre »"]);
}

#[test]
fn a_bad_deadline_is_named() {
    let e = broken(9, "echeance = \"30/06\"");
    assert_at(&e, 9, 12, &["« 30/06 »", "MM-JJ"]);
}

#[test]
fn a_weighted_mean_needs_its_weight() {
    let l = line_of("poids = \"E-M1-01\"");
    let e = broken(l, "");
    assert_at(&e, l - 1, 14, &["« E-M1-02 » est une moyenne pondérée", "poids"]);
    // A weight on a sum weighs nothing: said at the weight.
    let text = BASE.replacen("agregation = \"somme\"", "agregation = \"somme\"\npoids = \"E-M1-02\"", 1);
    let e = parse("essai.toml", &text).unwrap_err();
    assert_at(&e, line_of("agregation = \"somme\"") + 1, 9, &["« E-M1-01 » n'est pas une moyenne pondérée"]);
}

#[test]
fn duplicate_codes_are_refused() {
    let l = line_of("code = \"E-M1-02\"");
    let e = broken(l, "code = \"E-M1-01\"");
    assert_at(&e, l, 8, &["code « E-M1-01 » en double", &format!("ligne {}", line_of("code = \"E-M1-01\""))]);
    // Measures and indicators share the codes.
    let e = broken(l, "code = \"E-M1\"");
    assert_at(&e, l, 8, &["code « E-M1 » en double"]);
}

#[test]
fn an_indicator_of_an_unknown_measure_is_refused() {
    let l = line_of("mesure = \"E-M1\"");
    let e = broken(l, "mesure = \"E-M9\"");
    assert_at(&e, l, 10, &["mesure « E-M9 » inconnue", "« E-M1 »"]);
}

#[test]
fn a_weight_must_be_a_count_of_the_catalogue() {
    let l = line_of("poids = \"E-M1-01\"");
    let e = broken(l, "poids = \"E-M1-99\"");
    assert_at(&e, l, 9, &["poids « E-M1-99 »", "pas un indicateur du catalogue"]);
    let e = broken(l, "poids = \"E-M1-02\"");
    assert_at(&e, l, 9, &["ne peut pas se pondérer lui-même"]);
    // A weight in percent weighs nothing.
    let text = BASE.replacen("unite = \"nombre\"", "unite = \"%\"", 1);
    let e = parse("essai.toml", &text).unwrap_err();
    assert_at(&e, l, 9, &["un poids doit être un nombre", "pas « % »"]);
}

#[test]
fn years_stay_within_the_programme() {
    let since = line_of("depuis = 2031");
    let e = broken(since, "depuis = 2029");
    assert_at(&e, since, 10, &["2029 est hors des années du programme (2030–2033)"]);
    let until = line_of("jusqu_a = 2032");
    let e = broken(until, "jusqu_a = 2030");
    assert_at(&e, until, 11, &["« jusqu_a » (2030) précède « depuis » (2031)"]);
    let e = broken(until, "jusqu_a = 2040");
    assert_at(&e, until, 11, &["2040 est hors des années"]);
    let e = broken(5, "derniere_annee = 2029");
    assert_at(&e, 5, 18, &["la dernière année (2029) précède la première (2030)"]);
    // A measure's years too.
    let l = line_of("depuis = 2030");
    let e = broken(l, "depuis = 2034");
    assert_at(&e, l, 10, &["2034 est hors des années"]);
}

#[test]
fn empty_titles_and_codes_are_refused() {
    let l = line_of("intitule = \"Première mesure\"");
    let e = broken(l, "intitule = \"  \"");
    assert_at(&e, l, 12, &["l'intitulé de la mesure est vide"]);
    let l = line_of("code = \"E-M1-01\"");
    let e = broken(l, "code = \"\"");
    assert_at(&e, l, 8, &["le code de l'indicateur est vide"]);
    let e = broken(1, "id = \"\"");
    assert_at(&e, 1, 6, &["l'identifiant du programme est vide"]);
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bilan-referentiels-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_directory_holds_one_file_per_programme() {
    let dir = temp_dir("dir");
    std::fs::write(dir.join("a.toml"), BASE).unwrap();
    std::fs::write(dir.join("notes.txt"), "pas un référentiel").unwrap();
    let other =
        BASE.replacen("id = \"essai\"", "id = \"autre\"", 1).replace("2030", "2040").replace("2031", "2041");
    let other = other.replace("2032", "2042").replace("2033", "2043");
    std::fs::write(dir.join("b.toml"), &other).unwrap();
    let r = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = r.programmes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["essai", "autre"], "files in name order");

    // The same id twice: the second file is at fault, at its id.
    std::fs::write(dir.join("c.toml"), BASE).unwrap();
    let e = load_dir(&dir).unwrap_err();
    assert!(e.file.ends_with("c.toml"), "{e}");
    assert_eq!((e.line, e.column), (Some(1), Some(6)), "{e}");
    assert!(
        e.message.contains("programme « essai » déjà défini par le fichier") && e.message.contains("a.toml"),
        "{e}"
    );

    // Overlapping years.
    std::fs::write(dir.join("c.toml"), BASE.replacen("id = \"essai\"", "id = \"troisieme\"", 1)).unwrap();
    let e = load_dir(&dir).unwrap_err();
    assert!(e.file.ends_with("c.toml") && e.line == Some(4), "{e}");
    assert!(e.message.contains("chevauchent celles du programme « essai »"), "{e}");

    // A broken file names itself.
    std::fs::write(dir.join("c.toml"), with_line(3, "nom_court = 3")).unwrap();
    let e = load_dir(&dir).unwrap_err();
    assert!(e.to_string().contains("c.toml:3:13 : type de valeur inattendu"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_empty_or_missing_directory_is_refused() {
    let dir = temp_dir("empty");
    let e = load_dir(&dir).unwrap_err();
    assert!(e.message.contains("aucun fichier .toml"), "{e}");
    assert_eq!(e.line, None);
    let e = load_dir(&dir.join("absent")).unwrap_err();
    assert!(e.message.starts_with("dossier des référentiels illisible"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_report_names_a_known_programme() {
    let text = include_str!("mini.toml");
    assert!(bilan_source::parse_str(text).is_ok());
    let other = text.replacen("programme = \"calpae\"", "programme = \"essai\"", 1);
    assert_ne!(other, text, "the mini report is a CALPAE one");
    let e = bilan_source::parse_str(&other).unwrap_err();
    assert_eq!(e.message, "programme « essai » inconnu : valeurs possibles « calpae », « pacte »");
    // Against other reference data, its programmes are the known ones.
    let known = bilan_domain::Referentiel { programmes: vec![parse("essai.toml", BASE).unwrap()] };
    assert!(bilan_source::parse_str_in(&other, &known).is_ok());
    let e = bilan_source::parse_str_in(text, &known).unwrap_err();
    assert!(e.message.contains("« calpae » inconnu : valeurs possibles « essai »"), "{e}");
}

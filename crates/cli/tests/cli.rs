//! The real `bilan` binary, run in temporary directories, as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn bilan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bilan"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("bilan runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bilan-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_allier_matches_snapshot() {
    let o = bilan(&["check", "examples/allier-2019.toml"]);
    assert_eq!(o.status.code(), Some(1), "the Allier report has errors");
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "no colours outside a terminal");
    insta::assert_snapshot!("allier_2019_check", out);
}

#[test]
fn check_allier_finds_the_real_inconsistencies() {
    let o = bilan(&["check", "--format", "json", "examples/allier-2019.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let diags = v["fichiers"][0]["diagnostics"].as_array().unwrap();
    let find = |code: &str, needle: &str| {
        diags.iter().find(|d| d["code"] == code && d["message"].as_str().unwrap().contains(needle))
    };
    // 1.4.2: total 145 648,26 € printed for shares adding up to 145 468,26 €.
    let d = find("BUD001", "145\u{202f}648,26").expect("swapped total of 1.4.2");
    assert_eq!(d["gravite"], "erreur");
    assert!(d["aide"].as_str().unwrap().contains("intervertis"));
    assert!(d["ligne"].as_u64().unwrap() > 0 && d["colonne"].as_u64().unwrap() > 0);
    assert!(find("BUD003", "180\u{202f}000,00").is_some(), "1.2.1 annex 157 000 € vs 180 000 €");
    assert!(find("BUD007", "20\u{202f}000,00").is_some(), "1.1.2 carry-over 20 000 € vs 19 800 €");
    assert!(find("BUD007", "145\u{202f}721,00").is_some(), "1.4.2 spent 145 721 € vs 145 648 €");
    assert!(find("BUD007", "86\u{202f}152,60").is_some(), "1.4.1 body lines vs annex");
    assert!(find("BUD008", "Portail").is_some(), "1.2.1 portal carry-over");
    assert!(find("ANX005", "Garantie d'activité").is_some(), "copied subtotal label");
    assert!(find("TXT002", "Référent de parcours]").is_some());
    assert!(find("COM003", "Crédits engagés").is_some());
    assert!(find("NUM001", "1.3.2").is_some());
    // No false alarm where figures agree: 1.1.1 (30 000 € = 15 000 + 15 000, annex 30 000 €),
    // the annex subtotals and grand total, which all add up.
    for d in diags {
        let chemin = d["chemin"].as_str().unwrap();
        assert!(!(d["gravite"] == "erreur" && chemin.starts_with("mesures[0].actions[0]")), "{d}");
        assert!(!(d["code"] == "ANX001" || d["code"] == "ANX002"), "subtotals add up: {d}");
    }
    assert_eq!(v["resume"]["illisibles"], 0);
}

/// A malformed file: exit 2, a French message, the line and column, no panic.
fn assert_unreadable(name: &str, content: &[u8], expected: &str, line: usize) {
    let dir = tempdir(name);
    let file = dir.join("rapport.toml");
    std::fs::write(&file, content).unwrap();
    let o = bilan(&["check", file.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{name}: {out}");
    assert!(out.contains("erreur[LECTURE]"), "{name}: {out}");
    assert!(out.contains(expected), "{name}: expected « {expected} » in\n{out}");
    assert!(out.contains(&format!("rapport.toml:{line}:")), "{name}: expected line {line} in\n{out}");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"), "{name}");
}

const HEAD: &str = "programme = \"calpae\"\ndepartement = \"03\"\nannee = 2019\n";

fn with_action(forecast: &str) -> String {
    format!(
        "{HEAD}[[mesures]]\nnumero = \"1.1\"\ntype = \"socle\"\nintitule = \"M\"\n[[mesures.actions]]\nnumero = \"1.1.1\"\nintitule = \"A\"\n[mesures.actions.prevision]\n{forecast}\n"
    )
}

#[test]
fn malformed_files_get_a_french_error_and_exit_2() {
    assert_unreadable(
        "mot",
        with_action("part_etat = \"quinze mille euros\"").as_bytes(),
        "n'est pas un montant",
        12,
    );
    assert_unreadable("negatif", with_action("part_etat = \"-15 000 €\"").as_bytes(), "est négatif", 12);
    assert_unreadable("negatif-entier", with_action("part_cd = -3").as_bytes(), "est négatif", 12);
    assert_unreadable(
        "debordement",
        with_action("total = \"99 999 999 999 999 999 999 €\"").as_bytes(),
        "dépasse le plus grand montant",
        12,
    );
    assert_unreadable("decimales", with_action("total = \"12,345 €\"").as_bytes(), "deux décimales", 12);
    assert_unreadable("doublon", format!("{HEAD}annee = 2020\n").as_bytes(), "en double", 4);
    assert_unreadable(
        "departement",
        "programme = \"calpae\"\ndepartement = \"99\"\nannee = 2019\n".as_bytes(),
        "n'est pas un code de département",
        2,
    );
    let mut bad_utf8 = HEAD.as_bytes().to_vec();
    bad_utf8.extend_from_slice(b"titre = \"Rapport \xff\xfe\"\n");
    assert_unreadable("utf8", &bad_utf8, "n'est pas encodé en UTF-8", 4);
    assert_unreadable("cle", format!("{HEAD}titr = \"x\"\n").as_bytes(), "clé « titr » inconnue", 4);
    assert_unreadable(
        "syntaxe",
        format!("{HEAD}titre = \"non fermé\n").as_bytes(),
        "syntaxe TOML invalide",
        4,
    );
    assert_unreadable(
        "manquant",
        "programme = \"calpae\"\nannee = 2019\n".as_bytes(),
        "clé obligatoire « departement » absente",
        1,
    );
    assert_unreadable(
        "programme",
        HEAD.replace("calpae", "plan").as_bytes(),
        "programme « plan » inconnu",
        1,
    );
    assert_unreadable("date", format!("{HEAD}echeance = 2020-02-30\n").as_bytes(), "date", 4);
}

#[test]
fn missing_file_and_mixed_inputs() {
    let o = bilan(&["check", "introuvable.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("fichier introuvable"));
    // One good file and one missing file: the good one is still checked, exit 2.
    let o = bilan(&["check", "examples/allier-2019.toml", "introuvable.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("BUD001") && out.contains("1 fichier illisible"), "{out}");
    let o = bilan(&["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("argument obligatoire manquant : <FICHIER>"));
}

#[test]
fn clean_report_exits_0() {
    let o = bilan(&["check", "crates/check/tests/fixtures/propre.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 erreur, 0 avertissement, 0 info"));
}

#[test]
fn new_from_previous_year_carries_results_into_baselines() {
    let dir = tempdir("new");
    let out = dir.join("allier-2020.toml");
    let o =
        bilan(&["new", "--from", "examples/allier-2019.toml", "--year", "2020", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    // The new file is readable by `bilan check` (a draft: warnings and errors, never exit 2).
    let c = bilan(&["check", out.to_str().unwrap()]);
    assert_ne!(c.status.code(), Some(2), "{}", stdout(&c));
    let prev =
        bilan_source::parse_str(&std::fs::read_to_string(root().join("examples/allier-2019.toml")).unwrap())
            .unwrap()
            .report;
    let next = bilan_source::parse_str(&std::fs::read_to_string(&out).unwrap()).unwrap().report;
    assert_eq!(next.year, 2020);
    assert_eq!(next.department.as_str(), "03");
    let mut compared = 0;
    for ((_, _, _, a), (_, _, _, b)) in prev.actions().zip(next.actions()) {
        assert_eq!(a.number, b.number);
        for (i, j) in a.indicators.iter().zip(&b.indicators) {
            assert_eq!(j.baseline, i.result, "{}: baseline = last year's result", i.name);
            assert_eq!(j.result, None);
            compared += 1;
        }
    }
    assert_eq!(compared, 27);
    // Carry-overs asked in 2019 become planned lines in 2020 (19 800 + 20 000 + 3 000 €).
    let carried: i64 = next
        .actions()
        .flat_map(|(_, _, _, a)| a.expenses.iter())
        .filter(|e| e.label.ends_with("(report 2019)"))
        .filter_map(|e| bilan_domain::figure(&e.planned))
        .map(|m| m.cents())
        .sum();
    assert_eq!(carried, 4_280_000);
    // Refuses to overwrite.
    let again =
        bilan(&["new", "--from", "examples/allier-2019.toml", "--year", "2020", "-o", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    // Baseline check across years: the draft's baselines agree with the 2019 results.
    let c = bilan(&[
        "check",
        "--format",
        "json",
        "--precedent",
        "examples/allier-2019.toml",
        out.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&c.stdout).unwrap();
    assert!(!v["fichiers"][0]["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "IND004"));
}

#[test]
fn new_skeleton_for_a_department() {
    let o = bilan(&["new", "--department", "2A", "--year", "2025"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("Corse-du-Sud") && text.contains("région Corse"), "{text}");
    let r = bilan_source::parse_str(&text).expect("skeleton parses").report;
    assert_eq!(r.programme, "pacte");
    assert_eq!(r.measures.len(), 4);
    // In 2025 the Collectivité de Corse signs for 2A: its report, about 2A, says so.
    assert_eq!((r.department.as_str(), r.signatory().as_str()), ("2A", "20R"));
    assert!(stderr(&o).contains("Collectivité de Corse (20R) signe la convention pour Corse-du-Sud (2A)"));
    let o = bilan(&["nouveau", "--departement", "69M", "--annee", "2025"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("collectivite = \"69M\"") && text.contains("departement = \"69\""), "{text}");
    assert!(text.contains("Métropole de Lyon (69M), département Rhône (69)"), "{text}");
    let o = bilan(&["new", "--department", "99", "--year", "2020"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("« 99 » n'est pas un code de collectivité connu"));
    let o = bilan(&["new", "--department", "03", "--year", "2023"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("aucun programme"));
}

#[test]
fn rules_doc_is_generated_from_the_catalogue() {
    let o = bilan(&["regles"]);
    let committed = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    assert_eq!(stdout(&o), committed, "docs/rules.md is stale: run `bilan regles > docs/rules.md`");
    for rule in bilan_check::RULES {
        assert!(committed.contains(rule.code));
    }
}

#[test]
fn user_add_creates_an_account_once() {
    let dir = tempdir("user");
    let db = format!("sqlite://{}", dir.join("comptes.sqlite").display());
    let add = |extra: &[&str]| {
        let mut args = vec!["user", "add", "--database", db.as_str()];
        args.extend_from_slice(extra);
        bilan(&args)
    };
    let ok = add(&[
        "--login",
        "agent.allier",
        "--role",
        "editeur",
        "--territory",
        "03",
        "--password",
        "un mot de passe solide",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(stdout(&ok).contains("compte « agent.allier » créé"));
    // The password was a flag: `ps` showed it, and the command says so.
    assert!(
        String::from_utf8_lossy(&ok.stderr).contains("--mot-de-passe est visible"),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let again = add(&[
        "--login",
        "agent.allier",
        "--role",
        "editeur",
        "--territory",
        "03",
        "--password",
        "un mot de passe solide",
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("existe déjà"));
    let short = add(&["--login", "b", "--role", "national", "--password", "court"]);
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("trop court"));
    let role = add(&["--login", "c", "--role", "maire", "--password", "un mot de passe solide"]);
    assert_eq!(role.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&role.stderr).contains("rôle « maire » inconnu"));
    let territory = add(&[
        "--login",
        "d",
        "--role",
        "region",
        "--territory",
        "03x",
        "--password",
        "un mot de passe solide",
    ]);
    assert_eq!(territory.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&territory.stderr).contains("code de région"));
}

#[test]
fn demo_national_seeds_every_departement_once_and_only_once() {
    let dir = tempdir("national");
    let db = format!("sqlite://{}", dir.join("national.sqlite").display());
    let first = bilan(&["demo", "--national", "--seed-only", "--database", &db]);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    // 601 synthetic reports (one per signatory and year) minus the 6 (collectivité, year)
    // the demo already holds.
    assert!(stdout(&first).contains("Jeu national synthétique : 595 rapports ajoutés"), "{}", stdout(&first));
    // Every report seeded has its figures, of its current revision: the State side never
    // has to compute them from the text.
    let missing = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = bilan_store::Store::connect(&db).await.unwrap();
        let missing = store.reports_without_figures(0, 1000).await.unwrap();
        store.close().await;
        missing
    });
    let ids: Vec<i64> = missing.iter().map(|m| m.0).collect();
    assert!(ids.is_empty(), "reports without figures after `bilan demo`: {ids:?}");
    let again = bilan(&["demo", "--national", "--seed-only", "--database", &db]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout(&again).contains("Jeu national synthétique : 0 rapports ajoutés"), "{}", stdout(&again));
    // A token for the national reader, then an unknown login is refused in French.
    let token = bilan(&["jeton", "--database", &db, "--login", "national", "--nom", "essai"]);
    assert_eq!(token.status.code(), Some(0), "{}", String::from_utf8_lossy(&token.stderr));
    assert!(stdout(&token).trim().starts_with("bilan_"));
    let unknown = bilan(&["jeton", "--database", &db, "--login", "personne", "--nom", "essai"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&unknown.stderr).is_empty());
}

/// A reference data directory holding the repository's files and one more programme.
fn referentiels_with(dir: &Path, extra: &str) {
    for f in ["calpae.toml", "pacte.toml"] {
        std::fs::copy(root().join("data/referentiels").join(f), dir.join(f)).unwrap();
    }
    std::fs::write(dir.join("essai.toml"), extra).unwrap();
}

const ESSAI: &str = r#"id = "essai"
nom = "Programme d'essai"
nom_court = "Essai"
premiere_annee = 2030
derniere_annee = 2033
part_etat_max = 50
ratio_evolution_indicateur = 3
tolerance_baisse_cible = 25
echeance = "03-31"

[[mesures]]
code = "ESSAI-M1"
intitule = "Mesure d'essai"
socle = true
depuis = 2030

[[indicateurs]]
code = "ESSAI-M1-01"
intitule = "Nombre de personnes accompagnées"
unite = "nombre"
agregation = "somme"
mesure = "ESSAI-M1"
depuis = 2030
"#;

#[test]
fn reference_data_from_a_directory() {
    let dir = tempdir("referentiels");
    let refs = dir.join("referentiels");
    std::fs::create_dir_all(&refs).unwrap();
    referentiels_with(&refs, ESSAI);
    let refs_arg = refs.to_str().unwrap();
    // A skeleton of the new programme: its socle measure and indicator, by code.
    let out = dir.join("essai-2031.toml");
    let o = bilan(&[
        "nouveau",
        "--referentiels",
        refs_arg,
        "-d",
        "03",
        "--annee",
        "2031",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("programme = \"essai\"") && text.contains("code = \"ESSAI-M1-01\""), "{text}");
    // Checked against the same directory it is read; without it, its programme is unknown.
    let o = bilan(&["verifier", "--referentiels", refs_arg, out.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(!stdout(&o).contains("IND008"), "every catalogue indicator is in the skeleton");
    let o = bilan(&["verifier", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("programme « essai » inconnu : valeurs possibles « calpae », « pacte »"),
        "{}",
        stdout(&o)
    );
    // A broken file: exit 2, its file, line and column, in French.
    referentiels_with(&refs, &ESSAI.replace("unite = \"nombre\"", "unite = \"kilos\""));
    // The server checks them before anything starts: no database is even opened.
    let db = dir.join("jamais.sqlite");
    let db_url = format!("sqlite://{}", db.display());
    for args in [
        &["verifier", "--referentiels", refs_arg, "examples/allier-2019.toml"][..],
        &["nouveau", "--referentiels", refs_arg, "-d", "03", "--annee", "2031"][..],
        &["servir", "--referentiels", refs_arg, "--base", &db_url, "--adresse", "127.0.0.1:0"][..],
        &["demo", "--referentiels", refs_arg, "--base", &db_url, "--adresse", "127.0.0.1:0"][..],
    ] {
        let o = bilan(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("essai.toml:20:9 : valeur « kilos » non reconnue"), "{err}");
        assert!(stdout(&o).is_empty(), "nothing checked nor written: {}", stdout(&o));
    }
    assert!(!db.exists(), "the server did not start half-configured");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_skeleton_links_its_measures_and_indicators_to_the_catalogue() {
    let o = bilan(&["nouveau", "-d", "03", "--annee", "2020"]);
    assert_eq!(o.status.code(), Some(0));
    let r = bilan_source::parse_str(&stdout(&o)).expect("skeleton parses").report;
    let codes: Vec<&str> = r.measures.iter().filter_map(|m| m.code.as_deref()).collect();
    assert_eq!(
        codes,
        ["CALPAE-ASE", "CALPAE-ACCUEIL", "CALPAE-REFERENT", "CALPAE-RSA", "CALPAE-GAA", "CALPAE-FTS"]
    );
    let rsa = &r.measures[3].actions[0].indicators;
    assert_eq!(rsa.len(), 5);
    assert_eq!(rsa[0].code.as_deref(), Some("CALPAE-RSA-01"));
}

//! The command line itself, on the real binary: French help for every command, both
//! `--opt=value` and `--opt value`, French usage errors with exit code 2, English aliases
//! equal to the French names, shell completions, and the JSON of `verifier` in the API's
//! shape (`docs/openapi.json`, schema `Diagnostic`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn bilan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bilan"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("bilan runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bilan-commands-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every command and subcommand, by its French name.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["verifier"],
    &["nouveau"],
    &["rendre"],
    &["demo"],
    &["servir"],
    &["compte"],
    &["compte", "ajouter"],
    &["jeton"],
    &["audit"],
    &["audit", "verifier"],
    &["sauvegarder"],
    &["restaurer"],
    &["regles"],
    &["completions"],
];

/// What clap would print in English if a text escaped the translation.
const ENGLISH: &[&str] =
    &["Usage:", "Print help", "Print version", "Options:", "Commands:", "Arguments:", "error:"];

fn assert_french(text: &str, what: &str) {
    for english in ENGLISH {
        assert!(!text.contains(english), "{what}: « {english} » in\n{text}");
    }
}

#[test]
fn help_of_every_command_is_french_and_exits_0() {
    for command in COMMANDS {
        for flag in ["--help", "-h", "--aide"] {
            let mut args = command.to_vec();
            args.push(flag);
            let o = bilan(&args);
            let out = stdout(&o);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
            let usage = format!("Utilisation : bilan {}", command.join(" "));
            assert!(out.contains(usage.trim_end()), "{args:?}:\n{out}");
            assert!(out.contains("affiche cette aide"), "{args:?}:\n{out}");
            assert_french(&out, &format!("{args:?}"));
        }
    }
    // The same through `bilan aide COMMANDE`, and the English aliases.
    for args in [
        &["aide", "verifier"][..],
        &["help", "check"],
        &["check", "--help"],
        &["user", "add", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let o = bilan(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(stdout(&o).contains("Utilisation : bilan "), "{args:?}: {}", stdout(&o));
    }
    // Each command is listed with its aliases, each flag with its English one.
    let top = stdout(&bilan(&["--help"]));
    for name in ["verifier", "(alias : check)", "nouveau", "rendre", "exporter", "servir", "compte", "jeton"]
    {
        assert!(top.contains(name), "{name} in\n{top}");
    }
    let check = stdout(&bilan(&["verifier", "--aide"]));
    assert!(check.contains("--precedent <FICHIER>") && check.contains("[alias : --previous]"), "{check}");
    let o = bilan(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), format!("bilan {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_are_french_with_exit_code_2() {
    for command in COMMANDS {
        let mut args = command.to_vec();
        args.push("--inconnue");
        let o = bilan(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(err.contains("option « --inconnue » inconnue"), "{args:?}: {err}");
        assert!(err.contains("Utilisation : bilan"), "{args:?}: {err}");
        assert_french(&err, &format!("{args:?}"));
    }
    for (args, expected) in [
        (&["verifier", "--format"][..], "--format <FORMAT> attend une valeur"),
        (&["verifier", "--format", "xml", "a.toml"], "valeur « xml » invalide pour --format <FORMAT>"),
        (&["verifier"], "argument obligatoire manquant : <FICHIER>"),
        (&["nouveau", "--annee", "2025"], "argument obligatoire manquant : --departement <CODE>"),
        (&["nouveau", "--annee=deux", "-d", "03"], "« deux » n'est pas une année"),
        (&["rendre", "a.toml", "b.toml"], "argument « b.toml » en trop"),
        (&["verfier", "a.toml"], "commande « verfier » inconnue\n  vouliez-vous dire « verifier » ?"),
        (&["sauvegarder"], "argument obligatoire manquant : --sortie <FICHIER>"),
        (&["jeton", "--identifiant", "a", "--nom", "b", "--duree=0"], "entre 1 et 730"),
        (&["completions", "tcsh"], "valeur « tcsh » invalide pour <SHELL>"),
        (&["demo", "--national", "--facteur=0"], "« 0 » n'est pas un facteur entre 1 et 50"),
        (&["demo", "--facteur", "10"], "argument obligatoire manquant : --national"),
    ] {
        let o = bilan(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert_french(&stderr(&o), &format!("{args:?}"));
    }
    // Without a command: the help, on standard error, exit 2.
    let o = bilan(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Utilisation : bilan <COMMANDE>"));
}

#[test]
fn equals_and_space_forms_are_the_same_for_every_command() {
    let dir = tempdir("egal");
    let report = "examples/allier-2019.toml";
    // verifier, nouveau, rendre: same output either way.
    let pairs: [(&[&str], &[&str]); 3] = [
        (
            &["verifier", "--format=json", "--precedent=examples/allier-2019.toml", report],
            &["verifier", "--format", "json", "--precedent", "examples/allier-2019.toml", report],
        ),
        (
            &["nouveau", "--departement=2A", "--annee=2025"],
            &["nouveau", "--departement", "2A", "--annee", "2025"],
        ),
        (
            &["rendre", report, "--format=csv", "--sortie=-"],
            &["rendre", report, "--format", "csv", "--sortie", "-"],
        ),
    ];
    for (equals, space) in pairs {
        let (a, b) = (bilan(equals), bilan(space));
        assert_eq!(a.status.code(), b.status.code(), "{equals:?}");
        assert_ne!(a.status.code(), Some(2), "{equals:?}: {}", stderr(&a));
        assert_eq!(a.stdout, b.stdout, "{equals:?}");
    }
    // servir: the address reaches its parser (and is refused in French) either way.
    for args in [&["servir", "--adresse=pas-une-adresse"][..], &["servir", "--adresse", "pas-une-adresse"]] {
        let o = bilan(args);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("« pas-une-adresse » n'est pas une adresse"), "{}", stderr(&o));
    }
    // The database commands, one after the other on one base.
    let db = format!("sqlite://{}", dir.join("demo.sqlite").display());
    let base = format!("--base={db}");
    let o = bilan(&["demo", "--donnees-seulement", &base]);
    assert_eq!(o.status.code(), Some(0), "demo: {}", stderr(&o));
    let o = bilan(&[
        "compte",
        "ajouter",
        "--identifiant=lecteur.national",
        "--role=national",
        "--mot-de-passe=un mot de passe solide",
        &base,
    ]);
    assert_eq!(o.status.code(), Some(0), "compte ajouter: {}", stderr(&o));
    let o = bilan(&["jeton", "--identifiant=lecteur.national", "--nom=essai", "--duree=30", &base]);
    assert_eq!(o.status.code(), Some(0), "jeton: {}", stderr(&o));
    assert!(stdout(&o).starts_with("bilan_"));
    let o = bilan(&["audit", "verifier", &base]);
    assert_eq!(o.status.code(), Some(0), "audit verifier: {}", stderr(&o));
    let copy = dir.join("copie.sqlite");
    let o = bilan(&["sauvegarder", &base, &format!("--sortie={}", copy.display())]);
    assert_eq!(o.status.code(), Some(0), "sauvegarder: {}", stderr(&o));
    let restored = format!("--base=sqlite://{}", dir.join("restauree.sqlite").display());
    let o = bilan(&["restaurer", copy.to_str().unwrap(), &restored]);
    assert_eq!(o.status.code(), Some(0), "restaurer: {}", stderr(&o));
}

#[test]
fn english_aliases_give_the_same_result_as_french_names() {
    let report = "examples/allier-2019.toml";
    let pairs: [(&[&str], &[&str]); 5] = [
        (
            &["check", "--format", "json", "--previous", report, report],
            &["verifier", "--format", "json", "--precedent", report, report],
        ),
        (
            &["new", "--department", "03", "--year", "2025"],
            &["nouveau", "--departement", "03", "--annee", "2025"],
        ),
        (
            &["render", report, "--to", "csv", "--output", "-"],
            &["rendre", report, "--format", "csv", "-o", "-"],
        ),
        (
            &["exporter", report, "--to", "csv", "--output", "-"],
            &["rendre", report, "--format", "csv", "-o", "-"],
        ),
        (&["rules"], &["regles"]),
    ];
    for (english, french) in pairs {
        let (a, b) = (bilan(english), bilan(french));
        assert_eq!(a.status.code(), b.status.code(), "{english:?}");
        assert_ne!(a.status.code(), Some(2), "{english:?}: {}", stderr(&a));
        assert!(!a.stdout.is_empty(), "{english:?}");
        assert_eq!(a.stdout, b.stdout, "{english:?}");
    }
}

#[test]
fn completions_are_generated_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let o = bilan(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for word in ["verifier", "nouveau", "rendre", "sauvegarder", "restaurer", "precedent", "departement"]
        {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
    }
}

#[test]
fn json_of_verifier_has_the_api_field_names() {
    let o = bilan(&["verifier", "--format=json", "examples/allier-2019.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let openapi: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/openapi.json")).unwrap()).unwrap();
    let schema = &openapi["components"]["schemas"]["Diagnostic"];
    let required: Vec<&str> =
        schema["required"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    let properties = schema["properties"].as_object().unwrap();
    // The command line adds the place in the file (documented), nothing else.
    let position = ["ligne", "colonne", "ligne_fin", "colonne_fin"];
    let diags = v["fichiers"][0]["diagnostics"].as_array().unwrap();
    assert!(diags.len() > 40, "{}", diags.len());
    for d in diags {
        let d = d.as_object().unwrap();
        for key in &required {
            assert!(d.contains_key(*key), "{key} missing in {d:?}");
        }
        for key in d.keys() {
            assert!(properties.contains_key(key) || position.contains(&key.as_str()), "unexpected « {key} »");
        }
        assert!(d["justification"].is_null(), "a file has no justification");
        for r in d["voir_aussi"].as_array().unwrap() {
            assert!(r["chemin"].is_string() && r["libelle"].is_string(), "{r}");
        }
    }
    let related = diags.iter().flat_map(|d| d["voir_aussi"].as_array().unwrap()).next().expect("related");
    assert!(related["ligne"].as_u64().unwrap() > 0, "{related}");
}

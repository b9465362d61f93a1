//! `bilan nouveau` (`new`): a new report skeleton, or next year's draft from this year's report.

use bilan_domain::collectivite::{self, CollectiviteCode};
use bilan_domain::draft;

use crate::args::NouveauArgs;
use crate::check_cmd::{self, Format};
use crate::term::Style;

pub fn run(o: NouveauArgs) -> i32 {
    let fail = |m: String| {
        eprintln!("bilan nouveau : {m}");
        2
    };
    let referentiel = match crate::referentiel(o.referentiels.as_deref(), "nouveau") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let prog = match &o.programme {
        Some(id) => match referentiel.programme(id) {
            Some(p) => p,
            None => {
                return fail(format!(
                    "programme « {id} » inconnu : valeurs possibles {}",
                    bilan_source::referentiel::quoted_ids(&referentiel)
                ))
            }
        },
        None => match referentiel.programme_for_year(o.year) {
            Some(p) => p,
            None => {
                let spans: Vec<String> = referentiel
                    .programmes
                    .iter()
                    .map(|p| format!("{} {}–{}", p.short_name, p.first_year, p.last_year))
                    .collect();
                return fail(format!("aucun programme ne couvre l'année {} ({})", o.year, spans.join(", ")));
            }
        },
    };
    if !prog.covers(o.year) {
        return fail(format!(
            "le programme {} couvre {}–{}, pas {}",
            prog.short_name, prog.first_year, prog.last_year, o.year
        ));
    }
    let report = match &o.from {
        Some(path) => {
            let loaded = match crate::load_in(path, &referentiel) {
                Ok(l) => l,
                Err(f) => {
                    check_cmd::print_failure(&f, Format::Human, Style::for_stream(&std::io::stdout()));
                    return 2;
                }
            };
            let prev = &loaded.parsed.report;
            if let Some(d) = &o.department {
                match CollectiviteCode::parse(d) {
                    Ok(code) if code == prev.signatory() => {}
                    Ok(code) => {
                        return fail(format!(
                            "{path} est le rapport de {}, pas de {}",
                            prev.signatory().label(),
                            code.label()
                        ))
                    }
                    Err(m) => return fail(m),
                }
            }
            if o.year <= prev.year {
                return fail(format!(
                    "l'année {} doit suivre celle du rapport repris ({})",
                    o.year, prev.year
                ));
            }
            draft::follow_up(prev, o.year, prog)
        }
        None => {
            let code = match CollectiviteCode::parse(o.department.as_deref().unwrap_or_default()) {
                Ok(c) => c,
                Err(m) => return fail(m),
            };
            if collectivite::collectivite(code.as_str(), o.year).is_some() {
                draft::skeleton(code, o.year, prog)
            } else {
                // A Département a collectivité signs for that year (2A and 2B: the
                // Collectivité de Corse; 67 and 68 from 2020: the CEA): the collectivité's
                // report, about this Département.
                let Some(signatory) = collectivite::signatories(o.year)
                    .into_iter()
                    .find(|c| c.territories.iter().any(|t| code.territories().contains(t)))
                else {
                    return fail(format!("{} ne signe pas de convention pour {}", code.label(), o.year));
                };
                eprintln!(
                    "bilan nouveau : en {}, {} signe la convention pour {} (collectivite = \"{}\")",
                    o.year,
                    signatory.id().label(),
                    code.label(),
                    signatory.code
                );
                let mut r = draft::skeleton(signatory.id(), o.year, prog);
                r.department = code.principal();
                r
            }
        }
    };
    let info = report.department.info();
    let who = match report.collectivite {
        Some(c) => format!("{} ({}), département {} ({})", c.name(), c, info.name, info.code),
        None => format!("département {} ({})", info.name, info.code),
    };
    let header = format!(
        "# Rapport d'exécution {} – {who}, région {}\n# Créé par `bilan nouveau` ; vérifiez-le avec `bilan verifier`.\n\n",
        report.year,
        info.region().name
    );
    let text = format!("{header}{}", bilan_source::to_toml(&report));
    match &o.output {
        None => {
            crate::write_stdout(&text);
            0
        }
        Some(path) => {
            if std::path::Path::new(path).exists() {
                return fail(format!("{path} existe déjà : choisissez un autre nom, rien n'a été écrit"));
            }
            match std::fs::write(path, text) {
                Ok(()) => {
                    eprintln!("bilan nouveau : {path} créé");
                    0
                }
                Err(e) => fail(format!("écriture de {path} impossible ({e})")),
            }
        }
    }
}

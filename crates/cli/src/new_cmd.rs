//! `bilan nouveau` (`new`): a new report skeleton, or next year's draft from this year's report.

use bilan_domain::{draft, DepartmentCode};

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
                match DepartmentCode::parse(d) {
                    Ok(code) if code == prev.department => {}
                    Ok(code) => {
                        return fail(format!(
                            "{path} est le rapport du département {}, pas du {}",
                            prev.department, code
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
            let code = match DepartmentCode::parse(o.department.as_deref().unwrap_or_default()) {
                Ok(c) => c,
                Err(m) => return fail(m),
            };
            draft::skeleton(code, o.year, prog)
        }
    };
    let info = report.department.info();
    let header = format!(
        "# Rapport d'exécution {} – département {} ({}), région {}\n# Créé par `bilan nouveau` ; vérifiez-le avec `bilan verifier`.\n\n",
        report.year,
        info.name,
        info.code,
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

//! `bilan verifier FILE…` (alias `check`): read each report, run the catalogue, print what it finds.

use std::io::Write;

use bilan_check::{Diagnostic, DiagnosticDoc, FilePosition, Severity};
use bilan_source::{LineIndex, Parsed};
use serde::Serialize;

use crate::args::{CheckFormat, VerifierArgs};
use crate::snippet::{self, Mark, Source};
use crate::term::{plural, Style};
use crate::{load_in, Failure, Loaded};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// The JSON document of `--format json`; each diagnostic is the API's `Diagnostic`
/// (`bilan_check::DiagnosticDoc`) with its place in the file.
#[derive(Serialize)]
struct JsonReport {
    fichiers: Vec<JsonFile>,
    resume: JsonSummary,
}

#[derive(Serialize)]
struct JsonFile {
    fichier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnostics: Option<Vec<DiagnosticDoc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    illisible: Option<JsonUnreadable>,
}

#[derive(Serialize)]
struct JsonUnreadable {
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ligne: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    colonne: Option<usize>,
}

#[derive(Serialize, Default)]
struct JsonSummary {
    erreurs: usize,
    avertissements: usize,
    infos: usize,
    illisibles: usize,
}

fn to_json(report: &JsonReport) -> String {
    // Serialising plain structs of strings and numbers cannot fail.
    let mut text = serde_json::to_string(report).unwrap_or_default();
    text.push('\n');
    text
}

struct Options {
    files: Vec<String>,
    format: Format,
    previous: Option<String>,
    referentiels: Option<String>,
}

/// Exit code: 0 clean or warnings only, 1 errors, 2 a file could not be read.
pub fn run(a: VerifierArgs) -> i32 {
    let format = match a.format {
        CheckFormat::Humain => Format::Human,
        CheckFormat::Json => Format::Json,
    };
    run_files(Options { files: a.files, format, previous: a.previous, referentiels: a.referentiels })
}

fn run_files(opts: Options) -> i32 {
    let style = Style::for_stream(&std::io::stdout());
    let referentiel = match crate::referentiel(opts.referentiels.as_deref(), "verifier") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let previous = match &opts.previous {
        None => None,
        Some(p) => match load_in(p, &referentiel) {
            Ok(l) => Some(l),
            Err(f) => {
                print_failure(&f, opts.format, style);
                return 2;
            }
        },
    };
    let mut out = String::new();
    let mut json_files = Vec::new();
    let (mut errors, mut warnings, mut infos, mut unreadable) = (0, 0, 0, 0);
    for file in &opts.files {
        match load_in(file, &referentiel) {
            Err(f) => {
                unreadable += 1;
                match opts.format {
                    Format::Human => out.push_str(&human_failure(&f, style)),
                    Format::Json => json_files.push(json_failure(&f)),
                }
            }
            Ok(loaded) => {
                let context = bilan_check::Context {
                    previous: previous.as_ref().map(|p| &p.parsed.report),
                    programme: referentiel.programme(&loaded.parsed.report.programme),
                };
                let mut diags = bilan_check::check_with(&loaded.parsed.report, context);
                sort_by_place(&mut diags, &loaded.parsed);
                let (e, w, i) = bilan_check::counts(&diags);
                errors += e;
                warnings += w;
                infos += i;
                match opts.format {
                    Format::Human => {
                        for d in &diags {
                            out.push_str(&human(d, &loaded, style));
                            out.push('\n');
                        }
                        out.push_str(&format!(
                            "{} : {}\n\n",
                            style.bold(&loaded.name),
                            summary_counts(e, w, i, style)
                        ));
                    }
                    Format::Json => json_files.push(json_file(&loaded, &diags)),
                }
            }
        }
    }
    match opts.format {
        Format::Human => {
            let checked = opts.files.len() - unreadable;
            let mut line = format!(
                "bilan : {} vérifié{} — {}",
                plural(checked, "rapport", "rapports"),
                if checked > 1 { "s" } else { "" },
                summary_counts(errors, warnings, infos, style)
            );
            if unreadable > 0 {
                line.push_str(&format!(
                    ", {}",
                    style.red(&plural(unreadable, "fichier illisible", "fichiers illisibles"))
                ));
            }
            out.push_str(&line);
            out.push('\n');
        }
        Format::Json => {
            out = to_json(&JsonReport {
                fichiers: json_files,
                resume: JsonSummary {
                    erreurs: errors,
                    avertissements: warnings,
                    infos,
                    illisibles: unreadable,
                },
            });
        }
    }
    crate::write_stdout(&out);
    if unreadable > 0 {
        2
    } else if errors > 0 {
        1
    } else {
        0
    }
}

fn summary_counts(e: usize, w: usize, i: usize, style: Style) -> String {
    let err = plural(e, "erreur", "erreurs");
    let warn = plural(w, "avertissement", "avertissements");
    let info = plural(i, "info", "infos");
    format!(
        "{}, {}, {}",
        if e > 0 { style.red(&err) } else { err },
        if w > 0 { style.yellow(&warn) } else { warn },
        info
    )
}

/// Diagnostics in the order of the file, so the output reads top to bottom.
fn sort_by_place(diags: &mut [Diagnostic], parsed: &Parsed) {
    diags.sort_by_key(|d| parsed.spans.locate(&d.path).map_or(usize::MAX, |s| s.start));
}

fn severity_header(s: Severity, code: &str, style: Style) -> String {
    let text = format!("{}[{code}]", s.label());
    match s {
        Severity::Error => style.red(&text),
        Severity::Warning => style.yellow(&text),
        Severity::Info => style.cyan(&text),
    }
}

fn human(d: &Diagnostic, loaded: &Loaded, style: Style) -> String {
    let mut marks = Vec::new();
    if let Some(span) = primary_span(d, loaded) {
        marks.push(Mark { span, label: d.label.clone(), primary: true });
    }
    for r in &d.related {
        if let Some(span) = loaded.parsed.spans.locate(&r.path) {
            marks.push(Mark { span, label: r.label.clone(), primary: false });
        }
    }
    let mut notes = vec![format!("champ : {}", d.path)];
    if let Some(h) = &d.hint {
        notes.push(format!("conseil : {h}"));
    }
    let mut out = String::new();
    let src = Source { name: &loaded.name, text: &loaded.text, lines: &loaded.lines };
    snippet::render(
        &mut out,
        style,
        &severity_header(d.severity, d.code, style),
        &d.message,
        &src,
        &marks,
        &notes,
    );
    out
}

/// The place of a diagnostic: its field, narrowed to the words it is about when the
/// field's text contains them as written.
fn primary_span(d: &Diagnostic, loaded: &Loaded) -> Option<std::ops::Range<usize>> {
    let span = loaded.parsed.spans.locate(&d.path)?;
    let narrowed = d.focus.as_deref().and_then(|focus| {
        let span = loaded.parsed.spans.value_span(&d.path)?;
        let field = loaded.text.get(span.clone())?;
        let at = field.find(focus)?;
        Some(span.start + at..span.start + at + focus.len())
    });
    Some(narrowed.unwrap_or(span))
}

fn position(loaded: &Loaded, span: Option<std::ops::Range<usize>>) -> Option<FilePosition> {
    let span = span?;
    let (ligne, colonne) = loaded.lines.line_col(&loaded.text, span.start);
    let (ligne_fin, colonne_fin) = loaded.lines.line_col(&loaded.text, span.end);
    Some(FilePosition { ligne, colonne, ligne_fin, colonne_fin })
}

fn json_file(loaded: &Loaded, diags: &[Diagnostic]) -> JsonFile {
    let docs = diags
        .iter()
        .map(|d| {
            let mut doc = DiagnosticDoc::from(d);
            doc.position = position(loaded, primary_span(d, loaded));
            for r in &mut doc.voir_aussi {
                r.position = position(loaded, loaded.parsed.spans.locate(&r.chemin));
            }
            doc
        })
        .collect();
    JsonFile { fichier: loaded.name.clone(), diagnostics: Some(docs), illisible: None }
}

fn failure_place(f: &Failure) -> Option<(usize, usize)> {
    let text = f.text.as_deref()?;
    let span = f.span.clone()?;
    Some(LineIndex::new(text).line_col(text, span.start))
}

fn json_failure(f: &Failure) -> JsonFile {
    let place = failure_place(f);
    JsonFile {
        fichier: f.name.clone(),
        diagnostics: None,
        illisible: Some(JsonUnreadable {
            message: f.message.clone(),
            ligne: place.map(|(l, _)| l),
            colonne: place.map(|(_, c)| c),
        }),
    }
}

/// How an unreadable file is shown: with the excerpt when the text is available.
pub fn human_failure(f: &Failure, style: Style) -> String {
    let header = style.red("erreur[LECTURE]");
    let mut out = String::new();
    match (&f.text, &f.span) {
        (Some(text), Some(span)) => {
            let lines = LineIndex::new(text);
            let src = Source { name: &f.name, text, lines: &lines };
            let marks = [Mark { span: span.clone(), label: "à corriger".into(), primary: true }];
            snippet::render(&mut out, style, &header, &f.message, &src, &marks, &[]);
        }
        _ => {
            out.push_str(&format!("{header}{}\n", style.bold(&format!(": {}", f.message))));
            out.push_str(&format!("  --> {}\n", f.name));
        }
    }
    out.push('\n');
    out
}

pub fn print_failure(f: &Failure, format: Format, style: Style) {
    let text = match format {
        Format::Human => human_failure(f, style),
        Format::Json => to_json(&JsonReport {
            fichiers: vec![json_failure(f)],
            resume: JsonSummary { illisibles: 1, ..JsonSummary::default() },
        }),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
}

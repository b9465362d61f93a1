//! `bilan check FILE…`: read each report, run the catalogue, print what it finds.

use std::io::Write;

use bilan_check::{Diagnostic, Severity};
use bilan_source::{LineIndex, Parsed};

use crate::json;
use crate::snippet::{self, Mark, Source};
use crate::term::{plural, Style};
use crate::{load, Failure, Loaded};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

pub struct Options {
    pub files: Vec<String>,
    pub format: Format,
    pub previous: Option<String>,
}

/// Exit code: 0 clean or warnings only, 1 errors, 2 a file could not be read.
pub fn run(opts: Options) -> i32 {
    let style = Style::for_stream(&std::io::stdout());
    let previous = match &opts.previous {
        None => None,
        Some(p) => match load(p) {
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
        match load(file) {
            Err(f) => {
                unreadable += 1;
                match opts.format {
                    Format::Human => out.push_str(&human_failure(&f, style)),
                    Format::Json => json_files.push(json_failure(&f)),
                }
            }
            Ok(loaded) => {
                let context = bilan_check::Context { previous: previous.as_ref().map(|p| &p.parsed.report) };
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
            out = json::object(&[
                ("fichiers", json::array(&json_files)),
                (
                    "resume",
                    json::object(&[
                        ("erreurs", errors.to_string()),
                        ("avertissements", warnings.to_string()),
                        ("infos", infos.to_string()),
                        ("illisibles", unreadable.to_string()),
                    ]),
                ),
            ]);
            out.push('\n');
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

fn json_place(loaded: &Loaded, path: &str) -> Vec<(&'static str, String)> {
    json_span(loaded, loaded.parsed.spans.locate(path))
}

fn json_span(loaded: &Loaded, span: Option<std::ops::Range<usize>>) -> Vec<(&'static str, String)> {
    match span {
        Some(span) => {
            let (l, c) = loaded.lines.line_col(&loaded.text, span.start);
            let (el, ec) = loaded.lines.line_col(&loaded.text, span.end);
            vec![
                ("ligne", l.to_string()),
                ("colonne", c.to_string()),
                ("ligne_fin", el.to_string()),
                ("colonne_fin", ec.to_string()),
            ]
        }
        None => vec![("ligne", "null".into()), ("colonne", "null".into())],
    }
}

fn json_file(loaded: &Loaded, diags: &[Diagnostic]) -> String {
    let items: Vec<String> = diags
        .iter()
        .map(|d| {
            let mut fields = vec![
                ("code", json::string(d.code)),
                ("gravite", json::string(d.severity.label())),
                ("message", json::string(&d.message)),
                ("champ", json::string(&d.path)),
            ];
            fields.extend(json_span(loaded, primary_span(d, loaded)));
            fields.push(("etiquette", json::string(&d.label)));
            fields.push(("conseil", json::opt_string(d.hint.as_deref())));
            let related: Vec<String> = d
                .related
                .iter()
                .map(|r| {
                    let mut f = vec![("champ", json::string(&r.path))];
                    f.extend(json_place(loaded, &r.path));
                    f.push(("etiquette", json::string(&r.label)));
                    json::object(&f)
                })
                .collect();
            fields.push(("lies", json::array(&related)));
            json::object(&fields)
        })
        .collect();
    json::object(&[("fichier", json::string(&loaded.name)), ("diagnostics", json::array(&items))])
}

fn failure_place(f: &Failure) -> Option<(usize, usize)> {
    let text = f.text.as_deref()?;
    let span = f.span.clone()?;
    Some(LineIndex::new(text).line_col(text, span.start))
}

fn json_failure(f: &Failure) -> String {
    let (l, c) =
        failure_place(f).map_or(("null".into(), "null".into()), |(l, c)| (l.to_string(), c.to_string()));
    json::object(&[
        ("fichier", json::string(&f.name)),
        ("illisible", json::object(&[("message", json::string(&f.message)), ("ligne", l), ("colonne", c)])),
    ])
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
        Format::Json => format!("{}\n", json::object(&[("fichiers", json::array(&[json_failure(f)]))])),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
}

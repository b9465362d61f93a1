//! `bilan render FILE --to FORMAT [-o OUT]`: the report and its annex as documents.

use std::path::Path;

use crate::check_cmd::{self, Format as CheckFormat};
use crate::term::Style;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Pdf,
    Odt,
    Docx,
    Html,
    Svg,
    Xlsx,
    Ods,
    Csv,
}

impl Target {
    fn parse(s: &str) -> Option<Target> {
        Some(match s.trim_start_matches('.').to_lowercase().as_str() {
            "pdf" => Target::Pdf,
            "odt" => Target::Odt,
            "docx" => Target::Docx,
            "html" | "htm" => Target::Html,
            "svg" => Target::Svg,
            "xlsx" => Target::Xlsx,
            "ods" => Target::Ods,
            "csv" => Target::Csv,
            _ => return None,
        })
    }
    fn extension(self) -> &'static str {
        match self {
            Target::Pdf => "pdf",
            Target::Odt => "odt",
            Target::Docx => "docx",
            Target::Html => "html",
            Target::Svg => "svg",
            Target::Xlsx => "xlsx",
            Target::Ods => "ods",
            Target::Csv => "csv",
        }
    }
}

pub struct Options {
    file: String,
    target: Target,
    output: Option<String>,
}

const FORMATS: &str = "pdf, odt, docx, html, svg (graphique), xlsx, ods ou csv (annexe financière)";

pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut file = None;
    let mut to = None;
    let mut output: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--to" | "--format" | "-t" => {
                let v = it.next().ok_or("--to attend un format")?;
                to = Some(Target::parse(v).ok_or(format!("format « {v} » inconnu : {FORMATS}"))?);
            }
            "-o" | "--output" | "--sortie" => output = Some(it.next().ok_or("-o attend un fichier")?.clone()),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("option « {s} » inconnue")),
            _ if file.is_none() => file = Some(a.clone()),
            _ => return Err(format!("un seul rapport à la fois (« {a} » en trop)")),
        }
    }
    let file = file.ok_or("indiquez le rapport à mettre en forme")?;
    let from_extension = output
        .as_deref()
        .and_then(|o| Path::new(o).extension())
        .and_then(|e| e.to_str())
        .and_then(Target::parse);
    let target = to.or(from_extension).ok_or(format!("indiquez le format avec --to ({FORMATS})"))?;
    Ok(Options { file, target, output })
}

pub fn run(o: Options) -> i32 {
    let loaded = match crate::load(&o.file) {
        Ok(l) => l,
        Err(f) => {
            check_cmd::print_failure(&f, CheckFormat::Human, Style::for_stream(&std::io::stdout()));
            return 2;
        }
    };
    let report = &loaded.parsed.report;
    // The document lists what is still inconsistent ("Points de vigilance").
    let diagnostics = bilan_check::check(report);
    let bytes: Vec<u8> = match o.target {
        Target::Html => bilan_render::html(report, &diagnostics).into_bytes(),
        Target::Svg => bilan_render::chart_svg(report).into_bytes(),
        Target::Odt => bilan_render::odt(report, &diagnostics),
        Target::Docx => bilan_render::docx(report, &diagnostics),
        Target::Csv => bilan_sheets::csv(report),
        Target::Xlsx => match bilan_sheets::xlsx(report) {
            Ok(b) => b,
            Err(e) => return fail(&e.to_string()),
        },
        Target::Ods => match bilan_sheets::ods(report) {
            Ok(b) => b,
            Err(e) => return fail(&e.to_string()),
        },
        Target::Pdf => match pdf(report, &diagnostics) {
            Ok(b) => b,
            Err(m) => return fail(&m),
        },
    };
    let output = o.output.unwrap_or_else(|| {
        Path::new(&o.file).with_extension(o.target.extension()).to_string_lossy().into_owned()
    });
    if output == "-" {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return match out.write_all(&bytes).and_then(|_| out.flush()) {
            Ok(()) => 0,
            Err(_) => 0, // closed pipe: nothing more to say
        };
    }
    // Write next to the target then rename: a failure never leaves half a document.
    let tmp = format!("{output}.partiel");
    if let Err(e) = std::fs::write(&tmp, &bytes).and_then(|_| std::fs::rename(&tmp, &output)) {
        let _ = std::fs::remove_file(&tmp);
        return fail(&format!("écriture de {output} impossible ({e})"));
    }
    eprintln!("bilan render : {output} écrit ({} octets)", bytes.len());
    0
}

fn fail(m: &str) -> i32 {
    eprintln!("bilan render : {m}");
    2
}

#[cfg(feature = "pdf")]
fn pdf(report: &bilan_domain::Report, diagnostics: &[bilan_check::Diagnostic]) -> Result<Vec<u8>, String> {
    bilan_pdf::pdf(report, diagnostics).map_err(|e| e.to_string())
}

#[cfg(not(feature = "pdf"))]
fn pdf(_: &bilan_domain::Report, _: &[bilan_check::Diagnostic]) -> Result<Vec<u8>, String> {
    Err("ce programme a été compilé sans le format PDF : recompilez avec `--features pdf` \
         (ou produisez un ODT et convertissez-le)"
        .into())
}

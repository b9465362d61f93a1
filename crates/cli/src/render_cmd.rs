//! `bilan rendre FILE --format FORMAT [-o OUT]` (alias `render`, `exporter`): the report and
//! its annex as documents.

use std::path::Path;

use crate::args::{RendreArgs, Target};
use crate::check_cmd::{self, Format as CheckFormat};
use crate::term::Style;

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

const FORMATS: &str = "pdf, odt, docx, html, svg (graphique), xlsx, ods ou csv (annexe financière)";

pub fn run(a: RendreArgs) -> i32 {
    // Without --format, the output's extension says it.
    let from_extension = a
        .output
        .as_deref()
        .and_then(|o| Path::new(o).extension())
        .and_then(|e| e.to_str())
        .and_then(Target::parse);
    let Some(target) = a.target.or(from_extension) else {
        return crate::usage_error("rendre", &format!("indiquez le format avec --format ({FORMATS})"));
    };
    run_target(Options { file: a.file, target, output: a.output })
}

struct Options {
    file: String,
    target: Target,
    output: Option<String>,
}

fn run_target(o: Options) -> i32 {
    let loaded = match crate::load(&o.file) {
        Ok(l) => l,
        Err(f) => {
            check_cmd::print_failure(&f, CheckFormat::Human, Style::for_stream(&std::io::stdout()));
            return 2;
        }
    };
    let report = &loaded.parsed.report;
    // The document lists what is still inconsistent ("Points de vigilance").
    let programme = bilan_source::referentiel::builtin().programme(&report.programme);
    let diagnostics = bilan_check::check_with(report, bilan_check::Context { previous: None, programme });
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
    eprintln!("bilan rendre : {output} écrit ({} octets)", bytes.len());
    0
}

fn fail(m: &str) -> i32 {
    eprintln!("bilan rendre : {m}");
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

//! Writes every document of a report into a folder, to look at them:
//! `cargo run -p bilan-render --example render -- examples/allier-2019.toml /tmp/documents`

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err("usage : render RAPPORT.toml DOSSIER".into());
    };
    let report = bilan_source::parse_str(&std::fs::read_to_string(&input)?)?.report;
    let diagnostics = bilan_check::check(&report);
    let dir = PathBuf::from(output);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("rapport.html"), bilan_render::html(&report, &diagnostics))?;
    std::fs::write(dir.join("rapport.odt"), bilan_render::odt(&report, &diagnostics))?;
    std::fs::write(dir.join("rapport.docx"), bilan_render::docx(&report, &diagnostics))?;
    std::fs::write(dir.join("graphique.svg"), bilan_render::chart_svg(&report))?;
    println!("{} points de vigilance ; documents écrits dans {}", diagnostics.len(), dir.display());
    Ok(())
}

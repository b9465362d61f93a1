//! Developer aid: `cargo run -p bilan-source --example parse -- FILE` prints the parsed
//! report's outline, or the parse error with its line and column.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_default();
    match bilan_source::parse_bytes(&bytes) {
        Ok((_, p)) => {
            for m in &p.report.measures {
                println!("mesure {} ({} actions)", m.number, m.actions.len());
                for a in &m.actions {
                    println!(
                        "  action {}: {} dépenses, {} indicateurs",
                        a.number,
                        a.expenses.len(),
                        a.indicators.len()
                    );
                }
            }
            println!("annexe: {} groupes", p.report.annex.groups.len());
        }
        Err(e) => {
            let text = String::from_utf8_lossy(&bytes);
            let at = e.span.clone().map(|s| s.start).unwrap_or(0);
            let (l, c) = bilan_source::LineIndex::new(&text).line_col(&text, at);
            eprintln!("{path}:{l}:{c}: {}", e.message);
            std::process::exit(2);
        }
    }
}

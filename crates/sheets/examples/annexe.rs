//! Writes the annex of a report file in the three formats, to look at them in an office
//! suite: `cargo run -p bilan-sheets --example annexe -- rapport.toml dossier/`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage : annexe <rapport.toml> <dossier de sortie>");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{input} : lecture impossible ({e})");
            return ExitCode::FAILURE;
        }
    };
    let report = match bilan_source::parse_str(&text) {
        Ok(p) => p.report,
        Err(e) => {
            eprintln!("{input} : {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = PathBuf::from(output);
    let files: [(&str, Result<Vec<u8>, bilan_sheets::SheetError>); 3] = [
        ("annexe.xlsx", bilan_sheets::xlsx(&report)),
        ("annexe.ods", bilan_sheets::ods(&report)),
        ("annexe.csv", Ok(bilan_sheets::csv(&report))),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        let written = bytes
            .map_err(|e| e.to_string())
            .and_then(|b| std::fs::write(&path, b).map_err(|e| e.to_string()));
        match written {
            Ok(()) => println!("{}", path.display()),
            Err(e) => {
                eprintln!("{} : {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`, minimised) through the same
//! functions and assertions as the fuzz targets in `fuzz/fuzz_targets/`: seconds, on
//! stable, in every `cargo test`. Crash inputs found by fuzzing are kept in the corpus
//! (and, where they showed a bug, as a named test) so they stay fixed. The form decoder's
//! corpus is replayed by `crates/web/tests/fuzz_corpus.rs`.

mod hostile;

use std::path::{Path, PathBuf};

use bilan_domain::{Amount, Money};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files
}

fn allier() -> bilan_domain::Report {
    bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report
}

/// fuzz/fuzz_targets/toml_source.rs
#[test]
fn toml_source_corpus() {
    for (path, data) in corpus("toml_source") {
        if let Ok((_, parsed)) = bilan_source::parse_bytes(&data) {
            let text = bilan_source::to_toml(&parsed.report);
            let again = bilan_source::parse_str(&text)
                .unwrap_or_else(|e| panic!("{}: canonical text does not read back: {e:?}", path.display()));
            assert_eq!(again.report, parsed.report, "{}", path.display());
        }
    }
}

/// fuzz/fuzz_targets/money_parse.rs
#[test]
fn money_parse_corpus() {
    for (path, data) in corpus("money_parse") {
        let Ok(text) = std::str::from_utf8(&data) else { continue };
        if let Ok(m) = Money::parse(text) {
            assert_eq!(Money::parse(&m.to_french()), Ok(m), "{}: {text:?}", path.display());
        }
        let _ = Amount::parse(text);
    }
}

/// fuzz/fuzz_targets/annex_read.rs
#[test]
fn annex_read_corpus() {
    let report = allier();
    for (_, data) in corpus("annex_read") {
        if let Ok(values) = bilan_sheets::read_annex(&data) {
            let _ = bilan_sheets::apply_annex(&mut report.clone(), &values);
        }
    }
}

/// The seeds of the annex corpus (what fuzzing started from, before `cargo fuzz cmin`):
/// generated and read on every run; written into `fuzz/corpus/annex_read` when
/// `BILAN_ECRIRE_GRAINES=1` is set (`BILAN_ECRIRE_GRAINES=1 cargo test -p bilan-sheets --test
/// fuzz_corpus annex_seeds`).
#[test]
fn annex_seeds() {
    let mini = bilan_source::parse_str(include_str!("../../source/tests/mini.toml")).unwrap().report;
    let xlsx = bilan_sheets::xlsx(&mini).unwrap();
    let seeds = [
        ("seed-mini.xlsx", xlsx.clone()),
        ("seed-mini.ods", bilan_sheets::ods(&mini).unwrap()),
        ("seed-far-cells.xlsx", hostile::far_cells_xlsx()),
        ("seed-lying-dimension.xlsx", hostile::lying_dimension_xlsx()),
        ("seed-ods-repeat.ods", hostile::ods_repeat_bomb()),
        ("seed-ods-columns.ods", hostile::ods_column_bomb()),
        ("seed-truncated.xlsx", hostile::truncated(&xlsx)),
    ];
    // The two exports read back; every hostile seed is refused, none panics.
    for (name, bytes) in &seeds {
        let read = bilan_sheets::read_annex(bytes);
        assert_eq!(read.is_ok(), name.starts_with("seed-mini"), "{name}");
    }
    if std::env::var_os("BILAN_ECRIRE_GRAINES").is_some() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/annex_read");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in seeds {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

//! Replays the committed corpus of the fuzz target `form_decode`
//! (`fuzz/fuzz_targets/form_decode.rs`) through the same function: seconds, on stable.

use std::path::Path;

#[test]
fn form_decode_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/form_decode");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        bilan_web::fuzz_form_decoder(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus {}", dir.display());
}

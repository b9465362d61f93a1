//! The report file reader: any bytes give a report or a French error, never a panic; a
//! report read back from its own canonical text is the same report.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, parsed)) = bilan_source::parse_bytes(data) {
        let text = bilan_source::to_toml(&parsed.report);
        let again = bilan_source::parse_str(&text).expect("canonical text reads back");
        assert_eq!(again.report, parsed.report, "canonical text round trip");
    }
});

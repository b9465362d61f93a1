//! French amounts: parsing never panics; what parses prints back to the same value.
#![no_main]

use bilan_domain::{Amount, Money};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = Money::parse(text) {
        assert_eq!(Money::parse(&m.to_french()), Ok(m), "{text:?}");
    }
    let _ = Amount::parse(text);
});

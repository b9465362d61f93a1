//! The urlencoded form decoder and the parsing of every form's fields.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bilan_web::fuzz_form_decoder(data);
});

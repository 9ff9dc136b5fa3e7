//! Arbitrary bytes as the expression: parse, type-check and compile for
//! variables of every dtype, and evaluate over tiny fixed arrays when it
//! compiles.  Invalid UTF-8 is decoded lossily (the API takes `&str`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    ndexpr_fuzz::check_parse(&src);
    ndexpr_fuzz::check_fixed(&src);
});

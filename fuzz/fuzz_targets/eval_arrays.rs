//! Random expressions over random arrays: shapes (0-d, zero-size,
//! broadcasting, blocks and tasks), layouts (transposed, strided,
//! reversed, zero-stride), dtypes and special values, with 1 and 2
//! threads.  The result must not depend on threads, layout, or whether it
//! is computed for the whole array or one element at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(case) = ndexpr_fuzz::eval_case(data) {
        ndexpr_fuzz::check_case(&case);
    }
});

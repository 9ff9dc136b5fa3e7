//! `calc`: a formula calculator for the command line.  It evaluates an
//! expression over arrays saved with NumPy (`.npy` files) and saves the
//! result as `.npy`, the way a raster calculator or a data tool lets its
//! users type formulas:
//!
//! ```text
//! cargo run --release --example calc -- 'ndvi = (nir - red) / (nir + red)' nir=nir.npy red=red.npy
//! cargo run --release --example calc -- 'where(dem > 1000, 1, 0)' dem=dem.npy -o high.npy
//! cargo run --release --example calc -- --help
//! ```
//!
//! It shows the pieces such a program needs: compiling against the dtypes
//! in the files' headers before reading any data (so a typo fails at
//! once), `Display` of ndexpr's errors (the expression with a caret under
//! the problem and a hint), a context with optional constants
//! (`--constants`), the disassembly (`--show-program`), thread control
//! (`--threads N` runs inside a rayon pool of N threads, `--serial`), and
//! evaluation of a large result in row ranges with
//! `Expression::evaluate_into`, which writes into slices of one
//! preallocated output so that progress can be shown at no cost.
//! Progress and timings go to stderr; exit codes are 0 (done), 1
//! (expression error), 2 (bad command line) and 3 (file error).
//!
//! The logic lives in `examples/support/calc.rs` (run in-process by
//! `tests/calc_cli.rs`); `.npy` reading and writing, self-contained, in
//! `examples/support/npy.rs`.

#[path = "support/calc.rs"]
mod calc;
#[path = "support/npy.rs"]
mod npy;

use std::io::{self, IsTerminal};
use std::process::ExitCode;

fn main() -> ExitCode {
    let live_progress = io::stderr().is_terminal();
    ExitCode::from(calc::main(
        std::env::args().skip(1),
        &mut io::stdout(),
        &mut io::stderr(),
        live_progress,
    ))
}

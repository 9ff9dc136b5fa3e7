//! The bench program of the side-by-side comparison with numexpr and NumPy
//! (`shared/bench/compare.py`, contract in `shared/bench/README.md`).
//!
//! ```text
//! cargo run --release --example bench -- --expr EXPR --n N --threads T --reps R
//! python3 ../shared/bench/compare.py --sizes 1000,1000000 --threads 1,2 --reps 5
//! ```
//!
//! Builds the inputs that EXPR names among `a`, `b`, `c` (float64), `f`,
//! `g` (float32) and `i` (int32), `N` elements each, by the shared data
//! recipe (`benches/support/data.rs`); then, inside a rayon pool of `T`
//! threads built for the purpose, evaluates EXPR once to warm up and `R`
//! times more with the string API, [`ndexpr::evaluate_with`] (compiled
//! once, then served from its cache, as numexpr does).  It prints a few
//! `key=value` lines and, as its last two lines,
//!
//! ```text
//! checksum=<sum of all result elements, as float64>
//! best_seconds=<best wall time of one evaluation>
//! ```
//!
//! The checksum is taken on the warm-up result the way compare.py takes
//! numexpr's, `np.asarray(r).astype(np.float64).sum()`: bools count 0 or 1,
//! complex numbers their real part; a byte-string result is an error.  The
//! time of one evaluation includes allocating the result and freeing it, as
//! the Python timings do (the returned array is freed before the clock is
//! read again).
//!
//! Exit status: 0 on success, 1 when the expression fails (its error is
//! printed on stderr), 2 for bad arguments.

#[path = "../benches/support/data.rs"]
mod data;

use ndexpr::{Options, Threads, Value};
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: bench --expr EXPR --n N --threads T --reps R\n\
    \x20 EXPR  expression over a, b, c (float64), f, g (float32), i (int32)\n\
    \x20 N     elements per input (0 or more)\n\
    \x20 T     threads (1 or more): the size of the rayon pool evaluated in\n\
    \x20 R     timed evaluations after one warm-up (1 or more)";

/// The command line.
#[derive(Debug)]
struct Args {
    expr: String,
    n: usize,
    threads: NonZeroUsize,
    reps: NonZeroUsize,
}

/// What a run measured.
struct Measurement {
    dtype: ndexpr::DType,
    shape: Vec<usize>,
    checksum: f64,
    best: f64,
    median: f64,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            // The message last: compare.py shows the last line of stderr.
            eprintln!(
                "{}\nbench: {message}",
                USAGE.lines().next().unwrap_or_default()
            );
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(m) => {
            println!("expr={}", args.expr);
            println!("n={}", args.n);
            println!("threads={}", args.threads);
            println!("reps={}", args.reps);
            println!("dtype={}", m.dtype);
            println!("shape={:?}", m.shape);
            println!("median_seconds={:?}", m.median);
            println!("checksum={:?}", m.checksum);
            println!("best_seconds={:?}", m.best);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// Parses `--expr EXPR --n N --threads T --reps R` (also `--name=value`),
/// all four required, in any order.  `Ok(None)` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut expr, mut n, mut threads, mut reps) = (None, None, None, None);
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_string(), Some(value)),
            _ => (arg.clone(), None),
        };
        let slot = match name.as_str() {
            "--expr" => &mut expr,
            "--n" => &mut n,
            "--threads" => &mut threads,
            "--reps" => &mut reps,
            _ => return Err(format!("unexpected argument `{arg}`")),
        };
        // The value is taken verbatim, so `--expr -a` works.
        let value = match inline {
            Some(value) => value.to_string(),
            None => args
                .next()
                .ok_or_else(|| format!("`{name}` needs a value"))?,
        };
        if slot.replace(value).is_some() {
            return Err(format!("`{name}` given twice"));
        }
    }
    let required =
        |slot: Option<String>, name: &str| slot.ok_or_else(|| format!("missing `--{name}`"));
    let count = |value: String, name: &str| {
        value
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("`--{name}` must be a whole number, not `{value}`"))
    };
    let positive = |value: String, name: &str| {
        NonZeroUsize::new(count(value, name)?)
            .ok_or_else(|| format!("`--{name}` must be at least 1"))
    };
    Ok(Some(Args {
        expr: required(expr, "expr")?,
        n: count(required(n, "n")?, "n")?,
        threads: positive(required(threads, "threads")?, "threads")?,
        reps: positive(required(reps, "reps")?, "reps")?,
    }))
}

/// Builds the inputs and times the evaluations; the error message (an
/// ndexpr error's `Display`, with its caret) on failure.
fn run(args: &Args) -> Result<Measurement, String> {
    let data = data::Data::for_expr(&args.expr, args.n).map_err(|e| e.to_string())?;
    let vars = data.vars();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.get())
        .build()
        .map_err(|e| format!("cannot start {} threads: {e}", args.threads))?;
    let options = Options::new().threads(Threads::Max(args.threads));
    let evaluate = || ndexpr::evaluate_with(&args.expr, &vars, &options);

    pool.install(|| {
        // Warm-up: compiles (and caches) the expression, faults in the
        // inputs and starts the pool's threads; its result is the checksum.
        let first = evaluate().map_err(|e| e.to_string())?;
        let (dtype, shape) = (first.dtype(), first.shape().to_vec());
        let checksum = checksum(&first)?;
        drop(first);

        let mut times = Vec::with_capacity(args.reps.get());
        for _ in 0..args.reps.get() {
            let start = Instant::now();
            let result = evaluate().map_err(|e| e.to_string())?;
            drop(black_box(result));
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        Ok(Measurement {
            dtype,
            shape,
            checksum,
            best: times[0],
            median: times[times.len() / 2],
        })
    })
}

/// The sum of all elements as float64, as NumPy's
/// `np.asarray(r).astype(np.float64).sum()` computes it (bools are 0 or 1,
/// complex numbers count their real part).
fn checksum(value: &Value) -> Result<f64, String> {
    Ok(match value {
        Value::Bool(x) => sum(x.iter().map(|&e| f64::from(u8::from(e)))),
        Value::Int32(x) => sum(x.iter().map(|&e| f64::from(e))),
        Value::Int64(x) => sum(x.iter().map(|&e| e as f64)),
        Value::Float32(x) => sum(x.iter().map(|&e| f64::from(e))),
        Value::Float64(x) => sum(x.iter().copied()),
        Value::Complex128(x) => sum(x.iter().map(|e| e.re)),
        Value::Bytes(_) => return Err("a byte-string result has no float64 checksum".into()),
    })
}

/// Compensated (Neumaier) sum: as accurate as NumPy's pairwise sum or more,
/// so the two agree far within compare.py's tolerance.
fn sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut total, mut compensation) = (0.0f64, 0.0f64);
    for x in values {
        let t = total + x;
        compensation += if total.abs() >= x.abs() {
            (total - t) + x
        } else {
            (x - t) + total
        };
        total = t;
    }
    total + compensation
}

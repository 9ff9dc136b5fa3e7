//! `threads`: controlling where an evaluation runs.
//!
//! ```text
//! cargo run --release --example threads
//! ```
//!
//! ndexpr runs on rayon.  By default an evaluation uses every thread of the
//! *current* pool: the global one, or yours when called inside
//! `ThreadPool::install`.  [`Options`] narrows that down: [`Threads::Serial`]
//! (the calling thread only) or [`Threads::Max`] (at most *n* threads of
//! the current pool).  This example times one expression over 4 million
//! elements in each configuration, evaluates one compiled [`Expression`]
//! from several threads at once, and checks that every configuration gives
//! bit-for-bit the same result, reductions included.

use ndarray::Array1;
use ndexpr::{DType, Expression, Options, Threads, Value, vars};
use rayon::prelude::*;
use std::num::NonZeroUsize;
use std::time::Instant;

const N: usize = 4_000_000;
const EXPR: &str = "exp(-a) * sin(3*a)**2 + sqrt(abs(b)) * cos(a*b)";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Array1::linspace(0.0, 10.0, N);
    let b = Array1::from_shape_fn(N, |i| ((i % 1000) as f64 - 500.0) / 100.0);
    let signature = [("a", DType::Float64), ("b", DType::Float64)];
    let expr = Expression::new(EXPR, &signature)?;
    let total = Expression::new(&format!("sum({EXPR})"), &signature)?;
    let vars = vars! { "a" => &a, "b" => &b };

    println!("{EXPR}");
    println!(
        "over {N} float64 elements; the global rayon pool has {} threads\n",
        rayon::current_num_threads()
    );
    println!("{:<44} {:>9} {:>22}", "configuration", "best ms", "sum");

    // The reference: one thread, no rayon at all.
    let serial = Options::serial();
    let reference = expr.evaluate_with(&vars, &serial)?;
    let reference_sum = sum(&total, &vars, &serial)?;

    let max = |n: usize| Options::new().threads(Threads::Max(NonZeroUsize::new(n).expect("n > 0")));
    let configurations: Vec<(&str, Options)> = vec![
        ("Options::serial()", serial),
        ("Threads::Max(1)", max(1)),
        ("Threads::Max(2)", max(2)),
        ("Options::new() (all threads of the pool)", Options::new()),
    ];
    for (name, options) in configurations {
        let (result, ms) = best_of(|| expr.evaluate_with(&vars, &options))?;
        assert_eq!(result, reference, "{name}: results differ");
        let s = sum(&total, &vars, &options)?;
        assert_eq!(s.to_bits(), reference_sum.to_bits(), "{name}: sums differ");
        println!("{name:<44} {ms:>9.2} {s:>22.15e}");
    }

    // Your own pools: `install` makes the pool current, and the default
    // options use all of its threads.
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let name = format!("pool.install(..) with a {threads}-thread pool");
        let (result, ms) = pool.install(|| best_of(|| expr.evaluate(&vars)))?;
        assert_eq!(result, reference, "{name}: results differ");
        let s = pool.install(|| sum(&total, &vars, &Options::new()))?;
        assert_eq!(s.to_bits(), reference_sum.to_bits(), "{name}: sums differ");
        println!("{name:<44} {ms:>9.2} {s:>22.15e}");
    }

    // One compiled expression, many threads at once: an `Expression` is
    // `Send + Sync`, so threads can share it (here by reference, across a
    // scope; an `Arc<Expression>` works the same way).  Each thread
    // evaluates its own quarter of the data serially, as a server would
    // handle independent requests.
    let quarter = N / 4;
    let started = Instant::now();
    let quarters: Vec<Value> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|k| {
                let (expr, a, b) = (&expr, &a, &b);
                scope.spawn(move || {
                    let range = k * quarter..(k + 1) * quarter;
                    let vars = vars! {
                        "a" => a.slice(ndarray::s![range.clone()]),
                        "b" => b.slice(ndarray::s![range]),
                    };
                    expr.evaluate_with(&vars, &Options::serial())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("evaluation does not panic"))
            .collect::<Result<_, _>>()
    })?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let joined: Vec<f64> = quarters
        .into_iter()
        .map(|q| q.into_f64())
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .flat_map(|q| q.iter().copied())
        .collect();
    assert_eq!(
        joined.as_slice(),
        reference
            .as_f64()
            .expect("float64")
            .as_slice()
            .expect("contiguous"),
        "threads sharing one Expression: results differ"
    );
    println!(
        "{:<44} {ms:>9.2} {:>22}",
        "4 std threads sharing one Expression", "(identical)"
    );

    // The same from rayon tasks: evaluations inside a parallel iterator
    // share the pool with it (nested parallelism, no oversubscription).
    let started = Instant::now();
    let scaled: Vec<f64> = [0.5, 1.0, 2.0, 4.0]
        .par_iter()
        .map(|&k| {
            let scaled_b = &b * k;
            sum(
                &total,
                &vars! { "a" => &a, "b" => &scaled_b },
                &Options::new(),
            )
        })
        .collect::<Result<_, _>>()?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    assert_eq!(scaled[1].to_bits(), reference_sum.to_bits());
    println!(
        "{:<44} {ms:>9.2} {:>22.15e}",
        "4 rayon tasks, b scaled by 0.5..4", scaled[1]
    );

    println!("\nevery configuration gave the same bits as Options::serial()");
    Ok(())
}

/// `sum(...)` evaluated with `options`, as a number.
fn sum(
    total: &Expression,
    vars: &ndexpr::Vars<'_>,
    options: &Options,
) -> Result<f64, ndexpr::Error> {
    let value = total.evaluate_with(vars, options)?.into_f64()?;
    Ok(value.first().copied().expect("a sum is one number"))
}

/// Runs `f` five times: its last result and the best time in milliseconds.
fn best_of<T>(mut f: impl FnMut() -> Result<T, ndexpr::Error>) -> Result<(T, f64), ndexpr::Error> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..5 {
        let started = Instant::now();
        last = Some(f()?);
        best = best.min(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok((last.expect("five runs"), best))
}

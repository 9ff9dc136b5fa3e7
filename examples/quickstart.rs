//! Evaluates numexpr's seed expression over a million elements and compares
//! it with the same formula written in plain ndarray arithmetic.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use ndarray::Array1;
use ndexpr::{evaluate, vars};
use std::time::Instant;

fn main() -> Result<(), ndexpr::Error> {
    let n = 1_000_000;
    let a = Array1::linspace(0.1, 1.0, n);
    let expr = "2*a**3 - 4*a**5 + 6*log(a)";

    // The first call parses and compiles; later calls hit the cache.
    let vars = vars! { "a" => &a };
    let _ = evaluate(expr, &vars)?;
    let (result, ndexpr_time) = best_of(5, || evaluate(expr, &vars));
    let result = result?.into_f64()?;

    // The same with ndarray: one temporary array per operation.
    let (plain, ndarray_time): (Array1<f64>, f64) =
        best_of(5, || 2.0 * a.powi(3) - 4.0 * a.powi(5) + 6.0 * a.ln());

    println!("ndexpr: {expr}  over {n} float64 elements");
    for i in [0, 1, n / 2, n - 1] {
        println!("  a[{i:>6}] = {:.6}  ->  {:+.12}", a[i], result[i]);
    }
    let max_diff = result
        .iter()
        .zip(plain.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f64, f64::max);
    println!(
        "ndexpr  {:>8.3} ms   ({} threads)",
        ndexpr_time * 1e3,
        rayon::current_num_threads()
    );
    println!(
        "ndarray {:>8.3} ms   (plain arithmetic, one thread, temporaries)",
        ndarray_time * 1e3
    );
    println!(
        "speedup {:>8.1}x   max |difference| = {max_diff:.1e}",
        ndarray_time / ndexpr_time
    );
    Ok(())
}

/// Runs `f` `reps` times and returns its last result and the best time.
fn best_of<T>(reps: usize, mut f: impl FnMut() -> T) -> (T, f64) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    (last.expect("reps > 0"), best)
}

//! Throughput of each expression of the shared comparison list
//! (`shared/bench/exprs.txt`, embedded below) at 10^3, 10^5, 10^6 and 10^7
//! elements, on the shared data recipe (`benches/support/data.rs`), with the
//! cached string API `ndexpr::evaluate` on the global rayon pool (all
//! cores).  Reported as elements per second.
//!
//! ```text
//! cargo bench --bench throughput                     # the whole suite, a few minutes
//! cargo bench --bench throughput -- 'tanh'           # the benchmarks whose id matches a regex
//! cargo bench --bench throughput -- --quick          # shorter, rougher
//! RAYON_NUM_THREADS=1 cargo bench --bench throughput # one thread
//! ```
//!
//! Benchmark ids are `EXPRESSION/N`.  Warm-up and measurement times can be
//! changed on the command line (`--warm-up-time`, `--measurement-time`);
//! sample counts are fixed per size so that 10^7 stays short.  For
//! side-by-side numbers against numexpr and NumPy use
//! `shared/bench/compare.py` with `examples/bench.rs`.

#[path = "support/data.rs"]
mod data;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use std::time::Duration;

/// The expressions of `shared/bench/exprs.txt`.
const EXPRESSIONS: &[&str] = &[
    "2*a**3 - 4*a**5 + 6*log(a)",
    "2*a + 3*b",
    "a*b + c",
    "a**2 + 3*b",
    "abs(a - b) / (abs(a) + abs(b))",
    "sin(a)**2 + cos(b)**2",
    "exp(-a*a) * sqrt(b)",
    "sqrt(a*a + b*b)",
    "where(a > b, a - b, b - a)",
    "(a > 0.5) & (b < 0.5) | (c > 0.9)",
    "tanh(a)",
    "arctan2(a, b)",
    "a**2.5",
    "log1p(a) + expm1(b)",
    "f*g + 1.5*f",
    "sin(f) + cos(g)",
    "i*3 + i % 7",
    "sum(a*b)",
];

/// Element counts.
const SIZES: [usize; 4] = [1_000, 100_000, 1_000_000, 10_000_000];

fn throughput(c: &mut Criterion) {
    for &expr in EXPRESSIONS {
        let mut group = c.benchmark_group(expr);
        for n in SIZES {
            match n {
                // Flat sampling: a fixed number of evaluations per sample,
                // so that slow sizes need no long linear ramp.
                10_000_000.. => group.sample_size(10).sampling_mode(SamplingMode::Flat),
                1_000_000.. => group.sample_size(20).sampling_mode(SamplingMode::Flat),
                _ => group.sample_size(100).sampling_mode(SamplingMode::Auto),
            };
            group.throughput(Throughput::Elements(n as u64));
            // The inputs are built on first use, so that benchmarks left
            // out by a filter cost nothing.
            let mut data = None;
            group.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, &n| {
                let data: &data::Data = data.get_or_insert_with(|| {
                    data::Data::for_expr(expr, n).expect("the benchmark expressions compile")
                });
                let vars = data.vars();
                bench.iter(|| {
                    ndexpr::evaluate(black_box(expr), &vars)
                        .expect("the benchmark expressions evaluate")
                });
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        // 10,000 bootstrap resamples (criterion's default is 100,000) keep
        // the analysis short; the intervals barely change.
        .nresamples(10_000)
        // No HTML report: its charts would take longer than the 72
        // measurements.  Delete this line to get them.
        .without_plots();
    targets = throughput
}
criterion_main!(benches);

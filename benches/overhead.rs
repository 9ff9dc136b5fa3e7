//! Per-call overhead on tiny inputs (1, 10 and 100 float64 elements) of
//! `2*a + 3*b`, by entry point:
//!
//! * `evaluate`: the string API (the compiled expression comes from the
//!   cache; this includes the cache look-up);
//! * `evaluate serial`: the same with `Options::serial()`, which never
//!   touches the rayon pool;
//! * `Expression::evaluate`: a precompiled expression;
//! * `Expression::evaluate_into`: a precompiled expression writing into a
//!   preallocated output (no allocation at all).
//!
//! ```text
//! cargo bench --bench overhead
//! cargo bench --bench overhead -- --quick
//! ```
//!
//! Benchmark ids are `overhead/ENTRY POINT/N`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::Array1;
use ndexpr::{DType, Expression, Options, vars};
use std::hint::black_box;
use std::time::Duration;

const EXPR: &str = "2*a + 3*b";

fn overhead(c: &mut Criterion) {
    let compiled = Expression::new(EXPR, &[("a", DType::Float64), ("b", DType::Float64)])
        .expect("the benchmark expression compiles");
    let mut group = c.benchmark_group("overhead");
    for n in [1usize, 10, 100] {
        let a = Array1::linspace(0.1, 1.0, n);
        let b = Array1::linspace(1.0, 2.0, n);
        let vars = vars! { "a" => &a, "b" => &b };
        let mut out = Array1::<f64>::zeros(n);

        group.bench_with_input(BenchmarkId::new("evaluate", n), &n, |bench, _| {
            bench.iter(|| ndexpr::evaluate(black_box(EXPR), &vars).expect("evaluates"));
        });
        let serial = Options::serial();
        group.bench_with_input(BenchmarkId::new("evaluate serial", n), &n, |bench, _| {
            bench.iter(|| {
                ndexpr::evaluate_with(black_box(EXPR), &vars, &serial).expect("evaluates")
            });
        });
        group.bench_with_input(
            BenchmarkId::new("Expression::evaluate", n),
            &n,
            |bench, _| {
                bench.iter(|| compiled.evaluate(black_box(&vars)).expect("evaluates"));
            },
        );
        let options = Options::new();
        group.bench_with_input(
            BenchmarkId::new("Expression::evaluate_into", n),
            &n,
            |bench, _| {
                bench.iter(|| {
                    compiled
                        .evaluate_into(black_box(&vars), out.view_mut(), &options)
                        .expect("evaluates");
                });
            },
        );
        black_box(&out);
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        // 10,000 bootstrap resamples (criterion's default is 100,000) keep
        // the analysis short; the intervals barely change.
        .nresamples(10_000);
    targets = overhead
}
criterion_main!(benches);

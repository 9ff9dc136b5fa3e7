//! `2*a + 3*b` against a plain parallel Rust loop over the same arrays:
//! how close a memory-bound expression comes to the memory bandwidth.
//!
//! Four ways to compute the same float64 result, at 10^6 and 10^7
//! elements, on the global rayon pool (all cores):
//!
//! * `loop new output`: `a.par_iter().zip(&b).map(..).collect_into_vec`,
//!   the plain loop that allocates its result, as `evaluate` must;
//! * `loop into output`: the plain loop writing into an existing array
//!   (no allocation, no page faults: the bandwidth limit);
//! * `evaluate`: ndexpr's string API, which allocates the result;
//! * `evaluate_into`: a compiled [`Expression`] writing into an existing
//!   array.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo bench --bench bandwidth
//! ```
//!
//! Benchmark ids are `bandwidth/WAY/N`; compare `evaluate` with
//! `loop new output` and `evaluate_into` with `loop into output`.  At 10^7
//! elements a new result (80 MB) is fresh memory that the kernel must
//! fault in and zero page by page, which costs about as much as the
//! arithmetic; ndexpr asks for transparent huge pages there (see
//! `kernels::memory`), the plain loop does not.

#[path = "support/data.rs"]
mod data;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use ndarray::Array1;
use ndexpr::{Expression, Options};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

const EXPR: &str = "2*a + 3*b";

/// The plain loop's element: the expression written out.
#[inline(always)]
fn element(a: f64, b: f64) -> f64 {
    2.0 * a + 3.0 * b
}

fn bandwidth(c: &mut Criterion) {
    let compiled =
        Expression::new(EXPR, &data::VARIABLES).expect("the benchmark expression compiles");
    let mut group = c.benchmark_group("bandwidth");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    for n in [1_000_000, 10_000_000] {
        group.throughput(Throughput::Elements(n as u64));
        let data = data::Data::for_expr(EXPR, n).expect("the benchmark expression compiles");
        let vars = data.vars();
        let column = |name: &str| {
            vars.get(name)
                .and_then(|x| x.view::<f64>())
                .expect("Data::new builds float64 a and b")
        };
        let (a, b) = (column("a"), column("b"));
        let (a, b) = (
            a.as_slice().expect("contiguous"),
            b.as_slice().expect("contiguous"),
        );
        let mut out = Array1::<f64>::zeros(n);

        // The loop and ndexpr agree (the same operations in the same order).
        let mut expected = Vec::new();
        a.par_iter()
            .zip(b)
            .map(|(&x, &y)| element(x, y))
            .collect_into_vec(&mut expected);
        let result = ndexpr::evaluate(EXPR, &vars).expect("evaluates");
        assert_eq!(result.as_f64().map(|r| r.iter().eq(&expected)), Some(true));
        compiled
            .evaluate_into(&vars, out.view_mut(), &Options::new())
            .expect("evaluates");
        assert!(out.iter().eq(&expected));
        drop((expected, result));

        group.bench_function(BenchmarkId::new("loop new output", n), |bench| {
            bench.iter(|| {
                let mut r = Vec::new();
                a.par_iter()
                    .zip(b)
                    .map(|(&x, &y)| element(x, y))
                    .collect_into_vec(&mut r);
                r
            })
        });
        group.bench_function(BenchmarkId::new("loop into output", n), |bench| {
            let o = out.as_slice_mut().expect("contiguous");
            bench.iter(|| {
                o.par_iter_mut()
                    .zip(a.par_iter().zip(b))
                    .for_each(|(o, (&x, &y))| *o = element(x, y));
                black_box(&mut *o);
            })
        });
        group.bench_function(BenchmarkId::new("evaluate", n), |bench| {
            bench.iter(|| ndexpr::evaluate(black_box(EXPR), &vars).expect("evaluates"))
        });
        group.bench_function(BenchmarkId::new("evaluate_into", n), |bench| {
            let options = Options::new();
            bench.iter(|| {
                compiled
                    .evaluate_into(&vars, out.view_mut(), &options)
                    .expect("evaluates")
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(2000))
        .nresamples(10_000)
        .without_plots();
    targets = bandwidth
}
criterion_main!(benches);

//! Compile time, `Expression::new` (parse, type inference, constant
//! folding, code generation), for a short, a medium and a long expression:
//!
//! * `short`: numexpr's seed expression `2*a**3 - 4*a**5 + 6*log(a)`;
//! * `medium`: a sum of 30 terms of three variables with calls,
//!   comparisons and powers (see [`medium`]);
//! * `long`: `x0 + x1 + ... + x999`, 1000 inputs.
//!
//! ```text
//! cargo bench --bench compile
//! cargo bench --bench compile -- --quick
//! ```
//!
//! Benchmark ids are `compile/NAME`.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use ndexpr::{DType, Expression};
use std::hint::black_box;
use std::time::Duration;

/// Variable names and dtypes, as `Expression::new` takes them.
type Variables<'a> = [(&'a str, DType)];

/// A 30-term expression over `a`, `b`, `c` (float64).
fn medium() -> String {
    let templates = [
        "{k}*a**2",
        "sin(b + {k})",
        "a*b/{k}",
        "exp(-c*{k})",
        "where(a > 0.{k}, b, c)",
        "sqrt(a*a + {k}*b*b)",
    ];
    (1..=30)
        .map(|k| templates[k % templates.len()].replace("{k}", &k.to_string()))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn compile(c: &mut Criterion) {
    let abc = [
        ("a", DType::Float64),
        ("b", DType::Float64),
        ("c", DType::Float64),
    ];
    let names: Vec<String> = (0..1000).map(|k| format!("x{k}")).collect();
    let many: Vec<(&str, DType)> = names.iter().map(|x| (x.as_str(), DType::Float64)).collect();
    let cases: [(&str, String, &Variables); 3] = [
        ("short", "2*a**3 - 4*a**5 + 6*log(a)".to_string(), &abc),
        ("medium", medium(), &abc),
        ("long", names.join(" + "), &many),
    ];

    let mut group = c.benchmark_group("compile");
    // Flat sampling: the long case takes milliseconds per call.
    group.sampling_mode(SamplingMode::Flat);
    for (name, expr, variables) in &cases {
        // Reported per byte of source as well as per call.
        group.throughput(Throughput::Bytes(expr.len() as u64));
        group.bench_function(*name, |bench| {
            bench.iter(|| Expression::new(black_box(expr), variables).expect("compiles"));
        });
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
    targets = compile
}
criterion_main!(benches);

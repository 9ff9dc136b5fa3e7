//! Concurrency: one compiled expression shared by many threads, evaluation
//! from inside rayon tasks and inside a caller's one-thread pool (no
//! deadlock), and results that are bit-identical whatever the number of
//! threads, reductions included.
//!
//! Every test body runs under a watchdog: a hang fails the test instead of
//! blocking the suite.

use ndarray::{Array1, Array2, ArrayD};
use ndexpr::{DType, Expression, Options, Threads, Value, evaluate_with, vars};
use rayon::prelude::*;
use std::num::NonZeroUsize;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on its own thread and fails if it has not finished within a
/// generous bound (a deadlock, not a slow machine).
fn watchdog<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let out = f();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The body panicked: report its panic.
            match handle.join() {
                Ok(out) => out,
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no result after 120 s (deadlock?)"),
    }
}

fn max_threads(n: usize) -> Options {
    Options::new().threads(Threads::Max(NonZeroUsize::new(n).unwrap()))
}

/// A deterministic, irregular float sequence.
fn data(n: usize, seed: u64) -> Array1<f64> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    Array1::from_shape_fn(n, |_| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        // Mixed magnitudes make float sums order-sensitive.
        let m = (s >> 11) as f64 / (1u64 << 53) as f64;
        let e = ((s & 0x1f) as i32) - 16;
        (m - 0.5) * 2f64.powi(e)
    })
}

fn bits(v: &Value) -> Vec<u64> {
    match v {
        Value::Float64(a) => a.iter().map(|x| x.to_bits()).collect(),
        Value::Float32(a) => a.iter().map(|x| u64::from(x.to_bits())).collect(),
        Value::Int64(a) => a.iter().map(|&x| x as u64).collect(),
        Value::Int32(a) => a.iter().map(|&x| x as u64).collect(),
        Value::Bool(a) => a.iter().map(|&x| u64::from(x)).collect(),
        Value::Complex128(a) => a
            .iter()
            .flat_map(|z| [z.re.to_bits(), z.im.to_bits()])
            .collect(),
        Value::Bytes(a) => a.iter().map(|&x| u64::from(x)).collect(),
    }
}

#[test]
fn one_expression_evaluated_from_sixteen_threads_at_once() {
    watchdog("16 threads", || {
        let expr = Expression::new(
            "where(a > b, a * 2 - b, sin(b)) + k",
            &[
                ("a", DType::Float64),
                ("b", DType::Float64),
                ("k", DType::Float64),
            ],
        )
        .unwrap();
        let total = Expression::new(
            "sum(a * b)",
            &[("a", DType::Float64), ("b", DType::Float64)],
        )
        .unwrap();
        let barrier = std::sync::Barrier::new(16);
        std::thread::scope(|s| {
            for t in 0..16usize {
                let (expr, total, barrier) = (&expr, &total, &barrier);
                s.spawn(move || {
                    // Sizes from one block to several tasks.
                    let n = [1usize, 100, 4096, 70_000][t % 4] + t;
                    let a = data(n, t as u64);
                    let b = data(n, 100 + t as u64);
                    let k = t as f64;
                    let options = [Options::new(), Options::serial(), max_threads(2)][t % 3];
                    barrier.wait();
                    for _ in 0..5 {
                        let got = expr
                            .evaluate_with(&vars! { "a" => &a, "b" => &b, "k" => k }, &options)
                            .unwrap()
                            .into_f64()
                            .unwrap();
                        let want: ArrayD<f64> = ndarray::Zip::from(&a)
                            .and(&b)
                            .map_collect(|&x, &y| if x > y { x * 2.0 - y } else { y.sin() } + k)
                            .into_dyn();
                        // The SIMD sin is within a few ULP of std's.
                        for (g, w) in got.iter().zip(&want) {
                            assert!(
                                (g - w).abs() <= 1e-15 * w.abs().max(1.0),
                                "thread {t}: {g} vs {w}"
                            );
                        }
                        // And bit-identical to a serial evaluation.
                        let serial = expr
                            .evaluate_with(
                                &vars! { "a" => &a, "b" => &b, "k" => k },
                                &Options::serial(),
                            )
                            .unwrap()
                            .into_f64()
                            .unwrap();
                        assert_eq!(
                            got.mapv(f64::to_bits),
                            serial.mapv(f64::to_bits),
                            "thread {t}"
                        );
                        let s1 = total
                            .evaluate_with(&vars! { "a" => &a, "b" => &b }, &options)
                            .unwrap();
                        let s2 = total
                            .evaluate_with(&vars! { "a" => &a, "b" => &b }, &Options::serial())
                            .unwrap();
                        assert_eq!(bits(&s1), bits(&s2), "thread {t}");
                    }
                });
            }
        });
    });
}

#[test]
fn evaluation_inside_rayon_tasks_does_not_deadlock() {
    watchdog("inside rayon", || {
        let a = data(200_000, 7);
        let expr = Expression::new("sum(a * a)", &[("a", DType::Float64)]).unwrap();
        let want = bits(
            &expr
                .evaluate_with(&vars! { "a" => &a }, &Options::serial())
                .unwrap(),
        );
        for options in [Options::new(), max_threads(2), max_threads(16)] {
            // From inside par_iter on the global pool.
            let results: Vec<Vec<u64>> = (0..8)
                .into_par_iter()
                .map(|_| bits(&expr.evaluate_with(&vars! { "a" => &a }, &options).unwrap()))
                .collect();
            assert!(results.iter().all(|r| *r == want));
            // From inside rayon::scope tasks.
            let (tx, rx) = mpsc::channel();
            rayon::scope(|s| {
                for _ in 0..4 {
                    let (tx, expr, a) = (tx.clone(), &expr, &a);
                    s.spawn(move |_| {
                        let v = expr.evaluate_with(&vars! { "a" => a }, &options).unwrap();
                        tx.send(bits(&v)).unwrap();
                    });
                }
            });
            drop(tx);
            let got: Vec<Vec<u64>> = rx.iter().collect();
            assert_eq!(got.len(), 4);
            assert!(got.iter().all(|r| *r == want));
        }
    });
}

#[test]
fn evaluation_inside_a_one_thread_pool_with_multi_threaded_options() {
    watchdog("one-thread pool", || {
        let a = data(300_000, 3);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let serial = evaluate_with(
            "a * 3 - sum_",
            &vars! { "a" => &a, "sum_" => 1.0 },
            &Options::serial(),
        )
        .unwrap();
        let sum = evaluate_with("sum(a)", &vars! { "a" => &a }, &Options::serial()).unwrap();
        for options in [Options::new(), max_threads(2), max_threads(8)] {
            let (v, s) = pool.install(|| {
                (
                    evaluate_with(
                        "a * 3 - sum_",
                        &vars! { "a" => &a, "sum_" => 1.0 },
                        &options,
                    )
                    .unwrap(),
                    evaluate_with("sum(a)", &vars! { "a" => &a }, &options).unwrap(),
                )
            });
            assert_eq!(bits(&v), bits(&serial));
            assert_eq!(bits(&s), bits(&sum));
            // Nested: parallel tasks in the one-thread pool, each evaluating
            // with several threads.
            let nested: Vec<Vec<u64>> = pool.install(|| {
                (0..4)
                    .into_par_iter()
                    .map(|_| {
                        bits(&evaluate_with("sum(a)", &vars! { "a" => &a }, &options).unwrap())
                    })
                    .collect()
            });
            assert!(nested.iter().all(|r| *r == bits(&sum)));
        }
    });
}

#[test]
fn results_are_bit_identical_for_any_number_of_threads() {
    watchdog("thread counts", || {
        let n = 600_003;
        let a = data(n, 11);
        let b = data(n, 12);
        let f = a.mapv(|x| x as f32);
        let i = a.mapv(|x| (x * 1e6) as i32);
        let l = b.mapv(|x| (x * 1e12) as i64);
        let m = Array2::from_shape_fn((3, 200_001), |(r, c)| a[r * 200_001 + c]);
        let w = Array2::from_shape_fn((100_003, 6), |(r, c)| b[(r * 6 + c) % n] as f32);
        let exprs = [
            "a * b + sin(a) / (1 + b * b)",
            "sum(a * b)",
            "sum(a)",
            "sum(f)",
            "sum(f * f - 1)",
            "prod(1 + a * 1e-3)",
            "mean(a)",
            "mean(f)",
            "min(a)",
            "max(f)",
            "any(a > 0.4999)",
            "all(a < 1e9)",
            "sum(i)",
            "sum(l)",
            "sum(a > b)",
            "sum(m, axis=1)",
            "sum(m, axis=0)",
            "mean(m * 2, axis=1)",
            "prod(m * 1e-3 + 1, axis=1)",
            "sum(w, axis=0)",
            "sum(w, axis=1)",
            "max(w, axis=0)",
            "sum(t)",
            "sum(t * 2, axis=0)",
            "mean(t, axis=1)",
        ];
        let pools: Vec<rayon::ThreadPool> = [1usize, 2, 5]
            .iter()
            .map(|&t| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap()
            })
            .collect();
        for src in exprs {
            let vars = vars! {
                "a" => &a, "b" => &b, "f" => &f, "i" => &i, "l" => &l, "m" => &m, "w" => &w, "t" => m.t(),
            };
            let reference = evaluate_with(src, &vars, &Options::serial()).unwrap();
            let want = bits(&reference);
            for options in [
                max_threads(1),
                max_threads(2),
                max_threads(3),
                max_threads(7),
                Options::new(),
            ] {
                let got = evaluate_with(src, &vars, &options).unwrap();
                assert_eq!(got.shape(), reference.shape(), "{src}");
                assert!(bits(&got) == want, "{src}: {options:?} differs from serial");
                for pool in &pools {
                    let got = pool.install(|| evaluate_with(src, &vars, &options).unwrap());
                    assert!(
                        bits(&got) == want,
                        "{src}: {options:?} in a {}-thread pool differs from serial",
                        pool.current_num_threads()
                    );
                }
            }
        }
        // The pairwise sums are accurate, not only reproducible: a float32
        // sum of 600,003 values close to a float64 one.
        let s32 = evaluate_with("sum(f)", &vars! { "f" => &f }, &Options::new())
            .unwrap()
            .into_f32()
            .unwrap();
        let s64: f64 = f.iter().map(|&x| f64::from(x)).sum();
        let s32 = f64::from(s32[ndarray::IxDyn(&[])]);
        assert!(
            (s32 - s64).abs() <= 1e-4 * f.iter().map(|x| f64::from(x.abs())).sum::<f64>(),
            "{s32} vs {s64}"
        );
    });
}

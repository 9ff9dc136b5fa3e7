//! Differential testing: ndexpr against an independent reference
//! interpreter, on seeded random cases.
//!
//! * `differential/reference.rs`: a tree-walking scalar evaluator of the
//!   typed IR (typing is shared with ndexpr; broadcasting, element
//!   semantics and reductions are its own).
//! * `differential/bounds.rs`: how far ndexpr's value of an element may
//!   be from the reference's, given that ndexpr's float64 SIMD kernels are
//!   within a few ULP of the C library the reference calls.
//! * `differential/generate.rs`: random expressions over random inputs of
//!   every dtype, shape, layout and special value, from one seed per case.
//! * `differential/harness.rs`: runs both sides, compares, shrinks a
//!   failure and prints a reproduction (with a ready-to-paste Rust test).
//!
//! What must agree: the error kind or the dtype, shape and every value.
//! Element-wise values agree bit for bit (the sign of zero included; any
//! NaN matches any NaN), except those computed from the results of
//! ndexpr's float64 SIMD kernels, which agree within an error bound
//! propagated from the kernels' accuracy (`bounds.rs`; where the bound
//! cannot be followed, e.g. through `%` or a comparison that the error
//! could flip, the value is not compared); sums, products and means agree
//! within a rounding bound (their order of operations is ndexpr's choice);
//! values that IEEE 754 leaves unspecified (the sign bit of a NaN, as
//! `copysign(x, nan)` shows it) are not compared.  Reductions must also give the same bits with
//! another thread option, and `evaluate_into` must not write outside its
//! output view.  A case that runs for more than 20 s is reported as a hang.
//!
//! Per `cargo test --release` run: 30,000 small cases (a few dozen
//! elements: every operation signature, reduction, dtype, layout and API
//! mode is checked to be reached) and 600 cases with lengths around the
//! block and task sizes, from a fixed seed.
//!
//! Environment variables:
//!
//! * `NDEXPR_DIFF_SEED`: the base seed (decimal or `0x` hex) instead of the
//!   fixed default, e.g. to explore new cases.
//! * `NDEXPR_DIFF_CASES`, `NDEXPR_DIFF_THRESHOLD_CASES`: how many small and
//!   threshold-sized cases to run.
//! * `NDEXPR_DIFF_CASE=small:0x…` (or `threshold:0x…`): rerun one case, as
//!   printed by a failure, and print everything about it.

#[path = "differential/bounds.rs"]
mod bounds;
#[path = "differential/generate.rs"]
mod generate;
#[path = "differential/harness.rs"]
mod harness;
#[path = "differential/reference.rs"]
mod reference;

use generate::{Case, Ex, Size};
use harness::{Class, PassKind};
use ndexpr::ir::{IrOp, OpName};
use ndexpr::{DType, ErrorKind};
use reference::{RefInput, V};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const DEFAULT_SEED: u64 = 0x6e64_6578_7072_2026;

/// Distinct failures reported (shrunk) per suite before the rest are only
/// counted.
const MAX_REPORTED: usize = 8;

/// Evaluations spent shrinking one failure.
const SHRINK_BUDGET: usize = 4000;

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| parse_u64(&v).unwrap_or_else(|| panic!("{name}={v:?} is not a number")))
}

fn size_name(size: Size) -> &'static str {
    match size {
        Size::Small => "small",
        Size::Threshold => "threshold",
    }
}

/// The one case requested by `NDEXPR_DIFF_CASE`, if any.
fn single_case() -> Option<(Size, u64)> {
    let v = std::env::var("NDEXPR_DIFF_CASE").ok()?;
    let (size, seed) = v
        .split_once(':')
        .unwrap_or_else(|| panic!("NDEXPR_DIFF_CASE={v:?}: expected SIZE:SEED"));
    let size = match size {
        "small" => Size::Small,
        "threshold" => Size::Threshold,
        _ => panic!("NDEXPR_DIFF_CASE={v:?}: size is `small` or `threshold`"),
    };
    let seed = parse_u64(seed).unwrap_or_else(|| panic!("NDEXPR_DIFF_CASE={v:?}: bad seed"));
    Some((size, seed))
}

fn case_seed(base: u64, size: Size, i: usize) -> u64 {
    generate::mix(base, (i as u64) << 1 | u64::from(size == Size::Threshold))
}

/// Coverage and outcome statistics of a suite.
#[derive(Default)]
struct Stats {
    outcomes: BTreeMap<PassKind, usize>,
    /// `op:signature` of every element operation evaluated (result code
    /// first, then the operands), plus casts and reductions.
    signatures: BTreeSet<String>,
    reductions: BTreeSet<String>,
    input_dtypes: BTreeSet<String>,
    views: BTreeSet<String>,
    modes: BTreeSet<String>,
    largest: usize,
    compared: harness::Compared,
}

impl Stats {
    fn record(&mut self, case: &Case, passed: &harness::Passed) {
        *self.outcomes.entry(passed.outcome).or_default() += 1;
        self.compared.add(passed.compared);
        if passed.outcome != PassKind::Value {
            return;
        }
        let Some(ir) = &passed.ir else { return };
        for node in &ir.nodes {
            let code = |d: DType| d.code();
            let args: String = node.args.iter().map(|a| code(ir.node(*a).dtype)).collect();
            match node.op {
                IrOp::Op(name) => {
                    self.signatures
                        .insert(format!("{name}:{}{args}", code(node.dtype)));
                }
                IrOp::Cast => {
                    self.signatures
                        .insert(format!("cast:{}{args}", code(node.dtype)));
                }
                _ => {}
            }
        }
        if let Some(red) = ir.reduction {
            let arg = ir.node(ir.root).dtype;
            self.reductions.insert(format!(
                "{}:{}{}",
                red.op.name(),
                arg.code(),
                if red.axis.is_some() { "/axis" } else { "" }
            ));
        }
        for v in &case.vars {
            self.input_dtypes.insert(v.dtype.to_string());
            self.views.insert(match v.view {
                generate::View::Broadcast(_) => "Broadcast".to_string(),
                view => format!("{view:?}"),
            });
            let n: usize = v.shape.iter().product();
            self.largest = self.largest.max(n);
        }
        self.modes.insert(format!("{:?}", case.mode));
    }
}

/// Signatures of the table that no expression reaches, because numexpr's
/// typing never asks for them: `/` of integers is float64 division, `abs`
/// of integers is float64 `absolute`, and the functions whose minimum kind
/// is float64 or complex (`trunc`, `round`, `sign`, `conj`, `hypot`,
/// `nextafter`, `copysign`, `maximum`, `minimum`) never run in float32.
const UNREACHABLE: [&str; 13] = [
    "div:iii",
    "div:lll",
    "absolute:ii",
    "absolute:ll",
    "trunc:ff",
    "round:ff",
    "sign:ff",
    "conjugate:ff",
    "hypot:fff",
    "nextafter:fff",
    "copysign:fff",
    "maximum:fff",
    "minimum:fff",
];

struct Failure {
    seed: u64,
    size: Size,
    original: Ex,
    shrunk: Case,
    mismatch: harness::Mismatch,
    tries: usize,
}

fn report(f: &Failure) -> String {
    let name = size_name(f.size);
    // A hang is not evaluated again (it would hang the report).
    let (described, snippet) = if f.mismatch.class == Class::Hang {
        (
            harness::describe_inputs(&f.shrunk),
            harness::rust_snippet_plain(&f.shrunk),
        )
    } else {
        (
            harness::describe(&f.shrunk),
            harness::rust_snippet(&f.shrunk),
        )
    };
    let shrunk = if f.mismatch.class == Class::Hang {
        "not shrunk (a hang cannot be evaluated again):".to_string()
    } else {
        format!("shrunk in {} evaluations to:", f.tries)
    };
    format!(
        "=== differential failure: {:?} ===\n\
         case seed: {name}:{:#x}\n\
         rerun: NDEXPR_DIFF_CASE={name}:{:#x} cargo test --release --test differential -- --nocapture\n\
         original expression: {}\n\
         {shrunk}\n{}\
         difference: {}\n\
         --- Rust reproduction ---\n{}",
        f.mismatch.class, f.seed, f.seed, f.original, described, f.mismatch.detail, snippet
    )
}

/// What a worker reports for one case.
enum Outcome {
    Passed(harness::Passed),
    /// Failed; shrunk (unless too many failures were reported already).
    Failed(Case, harness::Mismatch, usize),
}

/// A thread that checks (and shrinks) cases, so that a case that hangs can
/// be abandoned (its thread keeps spinning; there is no way to stop it)
/// and the suite can go on and report everything it finds.
struct Worker {
    jobs: mpsc::Sender<(Case, String, bool)>,
    results: mpsc::Receiver<Outcome>,
    id: std::thread::ThreadId,
}

impl Worker {
    fn spawn() -> Worker {
        let (jobs, job_rx) = mpsc::channel::<(Case, String, bool)>();
        let (result_tx, results) = mpsc::channel();
        let handle = std::thread::spawn(move || {
            for (case, label, shrink) in job_rx {
                harness::LABEL.with(|l| *l.borrow_mut() = label);
                let outcome = match harness::check(&case) {
                    Ok(p) => Outcome::Passed(p),
                    Err(m) if shrink => {
                        let (shrunk, m, tries) = harness::shrink(&case, &m, SHRINK_BUDGET);
                        Outcome::Failed(shrunk, m, tries)
                    }
                    Err(m) => Outcome::Failed(case, m, 0),
                };
                if result_tx.send(outcome).is_err() {
                    break;
                }
            }
        });
        Worker {
            jobs,
            results,
            id: handle.thread().id(),
        }
    }

    /// Checks `case`; `Err` with the stuck case if a check hangs.
    fn run(&self, case: &Case, label: String, shrink: bool) -> Result<Outcome, (Case, String)> {
        self.jobs
            .send((case.clone(), label, shrink))
            .expect("worker alive");
        let limit = Duration::from_secs(harness::HANG_SECS);
        loop {
            match self.results.recv_timeout(Duration::from_millis(200)) {
                Ok(o) => return Ok(o),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(stuck) = harness::stuck(self.id, limit) {
                        harness::forget(self.id);
                        return Err(stuck);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => panic!("worker died"),
            }
        }
    }
}

/// Hangs after which a suite stops (each leaves a thread spinning).
const MAX_HANGS: usize = 2;

/// Runs `count` generated cases of `size`; returns the statistics, the
/// failures and the number of failing cases.
fn run_suite(size: Size, count: usize) -> (Stats, Vec<Failure>, usize) {
    let base = env_u64("NDEXPR_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let mut stats = Stats::default();
    let mut failures: Vec<Failure> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut failing = 0;
    let mut hangs = 0;
    let mut worker = Worker::spawn();
    for i in 0..count {
        let seed = case_seed(base, size, i);
        let case = generate::case(seed, size);
        let label = format!("{}:{seed:#x}", size_name(size));
        let shrink = failures.len() < MAX_REPORTED;
        let (shrunk, mismatch, tries) = match worker.run(&case, label, shrink) {
            Ok(Outcome::Passed(passed)) => {
                stats.record(&case, &passed);
                continue;
            }
            Ok(Outcome::Failed(shrunk, m, tries)) => (shrunk, m, tries),
            Err((mut stuck, label)) => {
                hangs += 1;
                worker = Worker::spawn();
                // Variables the expression does not read cannot matter.
                let mut used = BTreeSet::new();
                stuck.expr.vars(&mut used);
                stuck.vars.retain(|v| used.contains(&v.name));
                let m = harness::Mismatch {
                    class: Class::Hang,
                    detail: format!(
                        "ndexpr did not finish within {} s (checking {label}); \
                         the shown case is the one that hung",
                        harness::HANG_SECS
                    ),
                };
                (stuck, m, 0)
            }
        };
        failing += 1;
        let key = format!("{:?} {}", mismatch.class, shrunk.expr.skeleton());
        if shrink && seen.insert(key) {
            failures.push(Failure {
                seed,
                size,
                original: case.expr.clone(),
                shrunk,
                mismatch,
                tries,
            });
        }
        if hangs >= MAX_HANGS {
            eprintln!("stopping after {hangs} hangs, at case {i} of {count}");
            break;
        }
    }
    (stats, failures, failing)
}

fn summary(size: Size, count: usize, stats: &Stats, failing: usize, secs: f64) -> String {
    format!(
        "{} suite: {count} cases in {secs:.1} s ({failing} failing); outcomes {:?}; \
         result values compared {:?}; \
         {} signatures, {} reductions, largest input {} elements",
        size_name(size),
        stats.outcomes,
        stats.compared,
        stats.signatures.len(),
        stats.reductions.len(),
        stats.largest
    )
}

/// Runs the case of `NDEXPR_DIFF_CASE` (if it is of this size) verbosely.
/// Returns whether a single case was requested.
fn run_single(size: Size) -> bool {
    let Some((want, seed)) = single_case() else {
        return false;
    };
    if want != size {
        return true;
    }
    let case = generate::case(seed, size);
    // First what needs no evaluation (in case the evaluation hangs).
    eprintln!(
        "expression: {}\n{}",
        case.expr,
        harness::rust_snippet_plain(&case)
    );
    harness::LABEL.with(|l| *l.borrow_mut() = format!("{}:{seed:#x}", size_name(size)));
    let result = harness::check(&case);
    eprintln!("{}", harness::describe(&case));
    if let Err(m) = result {
        let (shrunk, mismatch, tries) = harness::shrink(&case, &m, SHRINK_BUDGET);
        let f = Failure {
            seed,
            size,
            original: case.expr.clone(),
            shrunk,
            mismatch,
            tries,
        };
        panic!("{}", report(&f));
    }
    eprintln!("the case passes");
    true
}

fn check_suite(size: Size, count: usize) -> Stats {
    let start = Instant::now();
    let (stats, failures, failing) = run_suite(size, count);
    let line = summary(size, count, &stats, failing, start.elapsed().as_secs_f64());
    eprintln!("{line}");
    if !failures.is_empty() {
        let reports: Vec<String> = failures.iter().map(report).collect();
        panic!(
            "{}\n\n{line}\n{} distinct failures shown (of {failing} failing cases)",
            reports.join("\n\n"),
            failures.len()
        );
    }
    stats
}

fn default_count(name: &str, release: usize, debug: usize) -> usize {
    env_u64(name).map_or(
        if cfg!(debug_assertions) {
            debug
        } else {
            release
        },
        |n| n as usize,
    )
}

/// Most cases: a few dozen elements at most, every dtype, operator,
/// function, reduction, layout and thread option.
#[test]
fn small_cases_match_the_reference() {
    if run_single(Size::Small) {
        return;
    }
    let count = default_count("NDEXPR_DIFF_CASES", 30_000, 600);
    let stats = check_suite(Size::Small, count);
    if count < 5_000 {
        return;
    }
    // The generator must reach every operation signature of numexpr's
    // table, every reduction, every dtype and layout.
    let mut missing: Vec<String> = Vec::new();
    for &op in OpName::ALL {
        for sig in op.signatures() {
            let key = format!("{op}:{sig}");
            if !stats.signatures.contains(&key) && !UNREACHABLE.contains(&key.as_str()) {
                missing.push(key);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "signatures never evaluated: {missing:?}"
    );
    for op in ["sum", "prod", "min", "max", "mean", "any", "all"] {
        for axis in [false, true] {
            assert!(
                stats
                    .reductions
                    .iter()
                    .any(|r| r.starts_with(&format!("{op}:")) && r.ends_with("/axis") == axis),
                "{op} (axis: {axis}) never evaluated: {:?}",
                stats.reductions
            );
        }
    }
    assert_eq!(stats.input_dtypes.len(), 7, "{:?}", stats.input_dtypes);
    assert_eq!(stats.views.len(), 6, "{:?}", stats.views);
    assert_eq!(stats.modes.len(), 11, "{:?}", stats.modes);
    let c = stats.compared;
    assert!(
        c.skipped * 10 <= c.exact + c.bounded + c.skipped && c.exact >= c.bounded * 4,
        "too few values compared, or too few exactly: {c:?}"
    );
    let values = stats.outcomes.get(&PassKind::Value).copied().unwrap_or(0);
    assert!(
        values * 10 >= count * 6,
        "too few cases evaluate to a value: {:?}",
        stats.outcomes
    );
    for kind in [PassKind::CompileError, PassKind::RuntimeError] {
        assert!(
            stats.outcomes.get(&kind).copied().unwrap_or(0) >= count / 100,
            "too few {kind:?} cases: {:?}",
            stats.outcomes
        );
    }
}

/// Lengths around the block (512), smallest task (8192) and task (32768)
/// sizes.
#[test]
fn threshold_cases_match_the_reference() {
    if run_single(Size::Threshold) {
        return;
    }
    let count = default_count("NDEXPR_DIFF_THRESHOLD_CASES", 600, 12);
    let stats = check_suite(Size::Threshold, count);
    assert!(stats.largest > 32_768, "no input crossed a task boundary");
}

/// The harness has teeth: with a deliberately wrong reference (integer
/// `//` truncating), it finds a failure and shrinks it to a small
/// expression that still uses `//`, with a reproduction that compiles the
/// expression.
#[test]
fn harness_detects_and_shrinks_a_wrong_reference() {
    watched(mutant_detection);
}

/// Runs `f` on a thread of its own and returns its result; if one of its
/// checks hangs, fails with the hung case (the thread is left behind).
fn watched<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    let id = handle.thread().id();
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(r) => return r,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some((case, label)) =
                    harness::stuck(id, Duration::from_secs(harness::HANG_SECS))
                {
                    harness::forget(id);
                    panic!(
                        "=== differential failure: Hang ===\nndexpr did not finish within {} s \
                         (checking {label}):\n{}--- Rust reproduction ---\n{}",
                        harness::HANG_SECS,
                        harness::describe_inputs(&case),
                        harness::rust_snippet_plain(&case)
                    );
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
                Err(p) => std::panic::resume_unwind(p),
                Ok(()) => unreachable!("a result was sent"),
            },
        }
    }
}

fn mutant_detection() {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            reference::MUTANT_TRUNCATING_FLOORDIV.with(|m| m.set(false));
        }
    }
    reference::MUTANT_TRUNCATING_FLOORDIV.with(|m| m.set(true));
    let _reset = Reset;
    let base = 0x5eed;
    let set = |on: bool| reference::MUTANT_TRUNCATING_FLOORDIV.with(|m| m.set(on));
    // A failure caused by the mutation: it fails with it and passes
    // without it (ndexpr's own disagreements are not what this is about).
    let mut mutant_only = |case: &Case| {
        set(true);
        let with = harness::check(case).err();
        set(false);
        let without = harness::check(case).is_ok();
        set(true);
        with.filter(|m| without && m.class == Class::Values)
    };
    let found = (0..20_000).find_map(|i| {
        let seed = case_seed(base, Size::Small, i);
        let case = generate::case(seed, Size::Small);
        mutant_only(&case).map(|m| (case, m))
    });
    let (case, m) = found.expect("the wrong reference is detected");
    let (shrunk, m2, _) = harness::shrink_with(&case, &m, SHRINK_BUDGET, &mut mutant_only);
    assert_eq!(m2.class, Class::Values);
    let text = shrunk.expr.to_string();
    assert!(text.contains("//"), "{text}");
    assert!(
        shrunk.expr.size() <= case.expr.size() && shrunk.expr.size() <= 5,
        "not shrunk: {text}"
    );
    let elements: usize = shrunk.vars.iter().map(|v| v.data.len()).sum();
    assert!(
        elements <= 4,
        "inputs not shrunk: {}",
        harness::describe(&shrunk)
    );
    let snippet = harness::rust_snippet(&shrunk);
    assert!(
        snippet.contains(&format!("Expression::new({text:?}")),
        "{snippet}"
    );
}

/// Evaluates `expr` in the reference over named 1-d inputs.
fn reference_eval(expr: &str, inputs: &[(&str, Vec<V>)]) -> Result<Vec<V>, ErrorKind> {
    reference_out(expr, inputs).map(|r| r.data)
}

/// The reference's result (values and checks) for `expr` over named 1-d
/// inputs.
fn reference_out(expr: &str, inputs: &[(&str, Vec<V>)]) -> Result<reference::RefOut, ErrorKind> {
    let decls: Vec<ndexpr::ir::InputDecl> = inputs
        .iter()
        .map(|(n, d)| ndexpr::ir::InputDecl {
            name: n.to_string(),
            dtype: d[0].dtype(),
        })
        .collect();
    let ir = reference::compile(expr, &decls)?;
    let ins: Vec<RefInput> = ir
        .inputs
        .iter()
        .map(|decl| {
            let data = &inputs
                .iter()
                .find(|(n, _)| *n == decl.name)
                .expect("input")
                .1;
            RefInput {
                dtype: decl.dtype,
                shape: vec![data.len()],
                width: Some(match &data[0] {
                    V::S(s) => s.len(),
                    _ => 0,
                }),
                data: data.clone(),
            }
        })
        .collect();
    reference::evaluate(&ir, &ins)
}

/// The oracle itself follows the language reference's documented rules
/// (checked on arrays, so that constant folding is not involved).
#[test]
fn reference_follows_the_documented_semantics() {
    let ints = |xs: &[i32]| xs.iter().map(|&x| V::I(x)).collect::<Vec<_>>();
    let a = ints(&[-7, 7, -7, 5, i32::MIN, i32::MIN]);
    let b = ints(&[2, -2, -2, 0, -1, 3]);
    let ab = [("a", a.clone()), ("b", b.clone())];
    assert_eq!(
        reference_eval("a // b", &ab),
        Ok(ints(&[-4, -4, 3, 0, i32::MIN, -715827883]))
    );
    assert_eq!(
        reference_eval("a % b", &ab),
        Ok(ints(&[1, -1, -1, 0, 0, 1]))
    );
    // Shifts: 0 for negative or too large counts; >> then sign-fills.
    let x = ints(&[1, -8, 8, -8, 1]);
    let n = ints(&[-1, 40, 32, -1, 31]);
    let xn = [("x", x), ("n", n)];
    assert_eq!(
        reference_eval("x << n", &xn),
        Ok(ints(&[0, 0, 0, 0, i32::MIN]))
    );
    assert_eq!(reference_eval("x >> n", &xn), Ok(ints(&[0, -1, 0, -1, 0])));
    // Integer powers wrap; negative exponents in arrays give 1 / x.
    let p = [
        ("x", ints(&[2, 1, -1, 0, -2, 2])),
        ("e", ints(&[-1, -3, -1, -1, -1, 32])),
    ];
    assert_eq!(reference_eval("x ** e", &p), Ok(ints(&[0, 1, -1, 0, 0, 0])));
    // Float % has the divisor's sign, fmod the dividend's.
    let f = [("x", vec![V::D(-7.5)]), ("y", vec![V::D(2.0)])];
    assert_eq!(reference_eval("x % y", &f), Ok(vec![V::D(0.5)]));
    assert_eq!(reference_eval("fmod(x, y)", &f), Ok(vec![V::D(-1.5)]));
    // Complex abs is sqrt(re² + im²) + 0j, overflowing like numexpr's.
    let z = [("z", vec![V::C(3.0, 4.0), V::C(1e200, 1e200)])];
    assert_eq!(
        reference_eval("abs(z)", &z),
        Ok(vec![V::C(5.0, 0.0), V::C(f64::INFINITY, 0.0)])
    );
    // Byte strings: trailing NULs ignored, unsigned bytes.
    let s = [
        (
            "s",
            vec![V::S(b"ab\0".to_vec()), V::S(b"\xff\0\0".to_vec())],
        ),
        ("t", vec![V::S(b"ab".to_vec()), V::S(b"a\0".to_vec())]),
    ];
    assert_eq!(
        reference_eval("s == t", &s),
        Ok(vec![V::B(true), V::B(false)])
    );
    assert_eq!(
        reference_eval("s > t", &s),
        Ok(vec![V::B(false), V::B(true)])
    );
    // contains() reads C strings (numexpr's strnlen): both operands end
    // at their first NUL.
    let c = [
        ("h", vec![V::S(b"a\0b".to_vec()), V::S(b"ab\0".to_vec())]),
        ("n", vec![V::S(b"b\0\0".to_vec()), V::S(b"b\0x".to_vec())]),
    ];
    assert_eq!(
        reference_eval("contains(h, n)", &c),
        Ok(vec![V::B(false), V::B(true)])
    );
    // Of equal values, maximum/minimum give the second (C fmin/fmax), the
    // min/max reductions the first (both as numexpr 2.14 on x86-64).
    let sign_bits = |r: Result<Vec<V>, ErrorKind>| -> Vec<bool> {
        r.expect("a value")
            .iter()
            .map(|v| matches!(v, V::D(x) if x.is_sign_negative()))
            .collect()
    };
    let z = [
        ("x", vec![V::D(0.0), V::D(-0.0)]),
        ("y", vec![V::D(-0.0), V::D(0.0)]),
    ];
    assert_eq!(
        sign_bits(reference_eval("minimum(x, y)", &z)),
        [true, false]
    );
    assert_eq!(
        sign_bits(reference_eval("maximum(x, y)", &z)),
        [true, false]
    );
    assert_eq!(sign_bits(reference_eval("min(x)", &z)), [false]);
    assert_eq!(sign_bits(reference_eval("max(y)", &z)), [true]);
    // Reductions: min skips NaN; empty sums are 0, empty min an error.
    let nan = [("x", vec![V::D(f64::NAN), V::D(2.0), V::D(-1.0)])];
    assert_eq!(reference_eval("min(x)", &nan), Ok(vec![V::D(-1.0)]));
    assert_eq!(reference_eval("sum(x > 0)", &nan), Ok(vec![V::L(1)]));
    let decl = [ndexpr::ir::InputDecl {
        name: "x".into(),
        dtype: DType::Float64,
    }];
    let empty = RefInput {
        dtype: DType::Float64,
        shape: vec![0],
        width: Some(0),
        data: Vec::new(),
    };
    for (expr, want) in [
        ("sum(x)", Ok(V::D(0.0))),
        ("prod(x)", Ok(V::D(1.0))),
        ("any(x)", Ok(V::B(false))),
        ("all(x)", Ok(V::B(true))),
        ("min(x)", Err(ErrorKind::Reduction)),
    ] {
        let ir = reference::compile(expr, &decl).expect("compiles");
        let got = reference::evaluate(&ir, std::slice::from_ref(&empty)).map(|r| r.data[0].clone());
        assert_eq!(got, want, "{expr}");
    }
    let ir = reference::compile("mean(x)", &decl).expect("compiles");
    let got = reference::evaluate(&ir, std::slice::from_ref(&empty)).expect("mean");
    assert!(matches!(got.data[0], V::D(m) if m.is_nan()));
    // Broadcasting: shapes matched from the right; mismatches are errors.
    assert_eq!(
        reference::broadcast([&[3usize, 1][..], &[4]].into_iter()),
        Ok(vec![3, 4])
    );
    assert_eq!(
        reference::broadcast([&[0usize][..], &[1]].into_iter()),
        Ok(vec![0])
    );
    assert_eq!(
        reference::broadcast([&[3usize][..], &[0]].into_iter()),
        Err(ErrorKind::Shape)
    );
}

/// The error bounds follow ndexpr's SIMD kernels: exact where nothing
/// depends on them, bounded through continuous operations, decided or not
/// compared through discontinuous ones.
#[test]
fn error_bounds_follow_the_simd_kernels() {
    use reference::Check;
    let x = [
        ("x", vec![V::D(1.0), V::D(0.3)]),
        ("y", vec![V::F(1.0), V::F(0.3)]),
    ];
    let checks = |expr: &str| -> Vec<Check> {
        let r = reference_out(expr, &x).expect("a value");
        if r.checks.is_empty() {
            vec![Check::Exact; r.data.len()]
        } else {
            r.checks
        }
    };
    let within = |c: &Check, most: f64| matches!(c, Check::Within(e) if *e > 0.0 && *e <= most);
    // Exact operations, and float32 kernels (bit-identical to the C
    // library), are compared bit for bit.
    for expr in ["x * 3.0 + 1.0", "sqrt(x) / x", "sin(y) + y", "arcsinh(x)"] {
        assert_eq!(checks(expr), [Check::Exact; 2], "{expr}");
    }
    // A float64 kernel: a few ULP of its result, which sums add to and
    // products scale.
    let sin = checks("sin(x)");
    assert!(within(&sin[0], 4.0 * 1.2e-16), "{sin:?}");
    let scaled = checks("sin(x) * 1e6 + 1.0");
    assert!(
        within(&scaled[0], 1e-9) && !within(&scaled[0], 1e-11),
        "{scaled:?}"
    );
    // A comparison or a step that the error cannot flip is exact; one
    // that it could flip is not compared.
    assert_eq!(checks("sin(x) > 0.5"), [Check::Exact; 2]);
    assert_eq!(checks("floor(10 * sin(x))"), [Check::Exact; 2]);
    let close = checks("sin(x) == sin(x)");
    assert_eq!(close, [Check::Skip; 2]);
    // A near-singular step: floor(1e16 * sin(x)) moves with the last bit.
    assert_eq!(checks("floor(1e16 * sin(x))"), [Check::Skip; 2]);
    assert_eq!(checks("fmod(sin(x), 0.25)"), [Check::Skip; 2]);
    // Reductions: sums add the bounds of their elements.
    let sum = checks("sum(sin(x))");
    assert!(matches!(sum[0], Check::Tol([re, _]) if re > 0.0), "{sum:?}");
}

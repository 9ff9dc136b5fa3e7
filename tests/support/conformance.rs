//! Conformance runner: checks ndexpr against JSON Lines corpora of the
//! format described in `tests/conformance/README.md`.
//!
//! Shared by `examples/conformance.rs` (the command-line runner) and
//! `tests/conformance.rs` (which requires every vendored case to pass).
//! Nothing here knows any case: every file of that format is run the same
//! way.

use ndarray::{ArrayD, Axis, IxDyn, Slice};
use ndexpr::{DType, Value, Vars};
use num_complex::Complex64;
use serde_json::Value as Json;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The outcome of a run over one or more files.
#[derive(Default)]
pub struct Report {
    /// Cases that passed.
    pub passed: usize,
    /// One line per failing case: id, expression, what differed.
    pub failures: Vec<String>,
}

impl Report {
    /// Runs every case of the JSON Lines text `text` (from `origin`).
    pub fn run_text(&mut self, origin: &str, text: &str) {
        for (lineno, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let (id, expr, outcome) = match serde_json::from_str::<Json>(line) {
                Ok(case) => {
                    let id = case["id"].as_str().unwrap_or("?").to_string();
                    let expr = case["expr"].as_str().unwrap_or("").to_string();
                    let outcome = catch_unwind(AssertUnwindSafe(|| check(&case)))
                        .unwrap_or_else(|p| Err(format!("panicked: {}", panic_message(&*p))));
                    (id, expr, outcome)
                }
                Err(e) => (
                    format!("{origin}:{}", lineno + 1),
                    String::new(),
                    Err(format!("bad JSON: {e}")),
                ),
            };
            match outcome {
                Ok(()) => self.passed += 1,
                Err(why) => self
                    .failures
                    .push(format!("{id}: {}: {why}", shorten(&expr, 120))),
            }
        }
    }

    /// The summary line.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failures.len())
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn shorten(s: &str, n: usize) -> String {
    let escaped: String = s.escape_debug().collect();
    if escaped.chars().count() <= n {
        escaped
    } else {
        let head: String = escaped.chars().take(n).collect();
        format!("{head}... ({} bytes)", s.len())
    }
}

/// Checks one case; `Err` says what differed.
fn check(case: &Json) -> Result<(), String> {
    let expr = case["expr"].as_str().ok_or("no expr")?;
    let arrays = build_vars(&case["vars"])?;
    let mut vars = Vars::new();
    for (name, array) in &arrays {
        match array {
            Built::Numeric(input) => {
                vars.insert(name.as_str(), input.reborrow());
            }
            Built::Bytes(a) => {
                vars.insert_bytes(name.as_str(), a.view());
            }
        }
    }
    let got = ndexpr::evaluate(expr, &vars);
    let expect = &case["expect"];
    if let Some(kind) = expect.get("error") {
        let kind = kind.as_str().ok_or("bad expected error")?;
        return match got {
            Err(e) if e.kind().as_str() == kind => Ok(()),
            Err(e) => Err(format!(
                "expected a {kind} error, got {}: {}",
                e.kind(),
                e.message()
            )),
            Ok(v) => Err(format!(
                "expected a {kind} error, got a {} result",
                v.dtype()
            )),
        };
    }
    let got = got.map_err(|e| format!("unexpected error: {e}"))?;
    compare(&got, expect)
}

enum Built {
    Numeric(ndexpr::Input<'static>),
    Bytes(ArrayD<u8>),
}

fn build_vars(vars: &Json) -> Result<Vec<(String, Built)>, String> {
    let Some(obj) = vars.as_object() else {
        return Ok(Vec::new());
    };
    obj.iter()
        .map(|(name, spec)| {
            Ok((
                name.clone(),
                build_array(spec).map_err(|e| format!("variable {name}: {e}"))?,
            ))
        })
        .collect()
}

fn shape_of(spec: &Json) -> Result<Vec<usize>, String> {
    spec["shape"]
        .as_array()
        .ok_or("no shape")?
        .iter()
        .map(|d| {
            d.as_u64()
                .map(|d| d as usize)
                .ok_or_else(|| "bad shape".to_string())
        })
        .collect()
}

fn float(v: &Json) -> Result<f64, String> {
    match v {
        Json::Number(n) => n.as_f64().ok_or_else(|| format!("bad number {n}")),
        Json::String(s) => match s.as_str() {
            "nan" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            other => other.parse().map_err(|_| format!("bad float {other:?}")),
        },
        other => Err(format!("bad float {other}")),
    }
}

fn complex(v: &Json) -> Result<Complex64, String> {
    match v.as_array().map(Vec::as_slice) {
        Some([re, im]) => Ok(Complex64::new(float(re)?, float(im)?)),
        _ => Err(format!("bad complex {v}")),
    }
}

fn int(v: &Json) -> Result<i64, String> {
    v.as_i64().ok_or_else(|| format!("bad integer {v}"))
}

fn boolean(v: &Json) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("bad bool {v}"))
}

fn latin1(v: &Json) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or_else(|| format!("bad string {v}"))?;
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).map_err(|_| format!("non-Latin-1 character in {s:?}")))
        .collect()
}

fn values<T>(spec: &Json, f: impl Fn(&Json) -> Result<T, String>) -> Result<Vec<T>, String> {
    spec["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .map(f)
        .collect()
}

/// Applies the case's `view` to an array built in C order.
fn view_of<T: Clone>(a: ArrayD<T>, view: &Json) -> Result<ArrayD<T>, String> {
    // The evaluator must see a non-contiguous view: keep the strided
    // layout by building it from a view of the stored array.
    Ok(match view.as_str() {
        None => a,
        Some("T") => {
            let t = a.reversed_axes();
            debug_assert!(t.ndim() < 2 || !t.is_standard_layout());
            t
        }
        Some("step2") => {
            let mut v = a;
            v.slice_axis_inplace(Axis(0), Slice::new(0, None, 2));
            v
        }
        Some(other) => return Err(format!("unknown view {other:?}")),
    })
}

fn build_array(spec: &Json) -> Result<Built, String> {
    let dtype = spec["dtype"].as_str().ok_or("no dtype")?;
    let shape = shape_of(spec)?;
    let view = &spec["view"];
    macro_rules! numeric {
        ($f:expr) => {{
            let data = values(spec, $f)?;
            let a = ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|e| e.to_string())?;
            Built::Numeric(ndexpr::IntoInput::into_input(view_of(a, view)?))
        }};
    }
    Ok(
        match DType::from_name(dtype).ok_or_else(|| format!("unknown dtype {dtype}"))? {
            DType::Bool => numeric!(boolean),
            DType::Int32 => {
                numeric!(|v| int(v).and_then(|i| i32::try_from(i).map_err(|e| e.to_string())))
            }
            DType::Int64 => numeric!(int),
            DType::Float32 => numeric!(|v| float(v).map(|f| f as f32)),
            DType::Float64 => numeric!(float),
            DType::Complex128 => numeric!(complex),
            DType::Bytes => {
                let strings = values(spec, latin1)?;
                let width = strings.iter().map(Vec::len).max().unwrap_or(0).max(1);
                let mut data = Vec::with_capacity(strings.len() * width);
                for s in &strings {
                    data.extend_from_slice(s);
                    data.resize(data.len() + width - s.len(), 0);
                }
                let mut full = shape.clone();
                full.push(width);
                let a = ArrayD::from_shape_vec(IxDyn(&full), data).map_err(|e| e.to_string())?;
                Built::Bytes(match view.as_str() {
                    None => a,
                    Some("step2") => view_of(a, view)?,
                    Some("T") => {
                        // Reverse the logical axes, keep the width axis last.
                        let n = shape.len();
                        let mut axes: Vec<usize> = (0..n).rev().collect();
                        axes.push(n);
                        a.permuted_axes(IxDyn(&axes))
                    }
                    Some(other) => return Err(format!("unknown view {other:?}")),
                })
            }
        },
    )
}

fn close(got: f64, want: f64, atol: f64, rtol: f64) -> bool {
    (got.is_nan() && want.is_nan()) || got == want || (got - want).abs() <= atol + rtol * want.abs()
}

fn compare(got: &Value, expect: &Json) -> Result<(), String> {
    let dtype = expect["dtype"].as_str().ok_or("no expected dtype")?;
    if got.dtype().name() != dtype {
        return Err(format!("dtype {} instead of {dtype}", got.dtype()));
    }
    let shape = shape_of(expect)?;
    if got.shape() != shape.as_slice() {
        return Err(format!("shape {:?} instead of {shape:?}", got.shape()));
    }
    let mismatch = |i: usize, g: String, w: String| Err(format!("element {i}: got {g}, want {w}"));
    macro_rules! each {
        ($arr:expr, $parse:expr, |$g:ident, $w:ident| $ok:expr) => {{
            let want = values(expect, $parse)?;
            for (i, ($g, $w)) in $arr.iter().zip(&want).enumerate() {
                let ($g, $w) = (*$g, *$w);
                if !$ok {
                    return mismatch(i, format!("{:?}", $g), format!("{:?}", $w));
                }
            }
            Ok(())
        }};
    }
    match got {
        Value::Bool(a) => each!(a, boolean, |g, w| g == w),
        Value::Int32(a) => each!(a, int, |g, w| i64::from(g) == w),
        Value::Int64(a) => each!(a, int, |g, w| g == w),
        Value::Float32(a) => each!(a, float, |g, w| close(f64::from(g), w, 1e-5, 1e-4)),
        Value::Float64(a) => each!(a, float, |g, w| close(g, w, 1e-12, 1e-9)),
        Value::Complex128(a) => each!(a, complex, |g, w| {
            if g.re.is_finite() && g.im.is_finite() && w.re.is_finite() && w.im.is_finite() {
                (g - w).norm() <= 1e-12 + 1e-9 * w.norm()
            } else {
                // A NaN or infinite part has no finite modulus of the
                // difference: compare the parts (NaN matches NaN).
                close(g.re, w.re, 1e-12, 1e-9) && close(g.im, w.im, 1e-12, 1e-9)
            }
        }),
        Value::Bytes(a) => {
            let want = values(expect, latin1)?;
            let width = a.shape().last().copied().unwrap_or(0);
            let flat: Vec<u8> = a.iter().copied().collect();
            for (i, w) in want.iter().enumerate() {
                let g = flat.get(i * width..(i + 1) * width).unwrap_or(&[]);
                let g = &g[..g.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1)];
                if g != w.as_slice() {
                    return mismatch(
                        i,
                        format!("{:?}", g.escape_ascii().to_string()),
                        format!("{:?}", w.escape_ascii().to_string()),
                    );
                }
            }
            Ok(())
        }
    }
}

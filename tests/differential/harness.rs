//! Running one case on both sides, comparing, shrinking a failure and
//! printing a reproduction.

use crate::generate::{
    AxisArg, Case, Ex, Mode, OutLayout, VarSpec, View, constant_along, simple_value,
};
use crate::reference::{self, Check, RefInput, RefOut, V};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};
use ndexpr::ir::{InputDecl, Ir};
use ndexpr::{DType, Element, ErrorKind, Expression, Options, Threads, Value, Vars};
use num_complex::Complex64;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Physical arrays and views
// ---------------------------------------------------------------------------

/// The logical shape of a variable including the byte-string width axis.
fn full_shape(v: &VarSpec) -> Vec<usize> {
    let mut s = v.shape.clone();
    if v.dtype == DType::Bytes {
        s.extend(v.width);
    }
    s
}

/// The axis permutation of a transposed view: logical axes reversed, the
/// width axis (if any) kept last.
fn transpose_perm(v: &VarSpec) -> Vec<usize> {
    let lead = v.shape.len();
    let full = full_shape(v).len();
    (0..lead).rev().chain(lead..full).collect()
}

/// The stored array for a variable (standard layout) such that viewing it
/// with [`view_of`] gives the logical array `logical`.
fn store<T: Clone>(v: &VarSpec, logical: ArrayD<T>, junk: T) -> ArrayD<T> {
    match v.view {
        View::Contiguous => logical,
        View::Transposed => {
            let perm = transpose_perm(v);
            logical
                .view()
                .permuted_axes(IxDyn(&perm))
                .as_standard_layout()
                .into_owned()
        }
        View::Step(step) => {
            let mut shape = logical.shape().to_vec();
            shape[0] *= step.unsigned_abs();
            let mut stored = ArrayD::from_elem(IxDyn(&shape), junk);
            stored
                .slice_axis_mut(Axis(0), Slice::new(0, None, step))
                .assign(&logical);
            stored
        }
        View::Broadcast(axis) => logical
            .index_axis(Axis(axis), 0)
            .insert_axis(Axis(axis))
            .to_owned(),
    }
}

/// The view of a stored array that ndexpr is given.
fn view_of<'a, T>(v: &VarSpec, stored: &'a ArrayD<T>) -> ArrayViewD<'a, T> {
    match v.view {
        View::Contiguous => stored.view(),
        View::Transposed => stored.view().permuted_axes(IxDyn(&transpose_perm(v))),
        View::Step(step) => stored.slice_axis(Axis(0), Slice::new(0, None, step)),
        View::Broadcast(_) => stored
            .broadcast(IxDyn(&full_shape(v)))
            .expect("stored shape broadcasts"),
    }
}

/// A stored input of some dtype.
pub enum Stored {
    B(ArrayD<bool>),
    I(ArrayD<i32>),
    L(ArrayD<i64>),
    F(ArrayD<f32>),
    D(ArrayD<f64>),
    C(ArrayD<Complex64>),
    S(ArrayD<u8>),
    /// A 0-d number passed as a Rust scalar.
    Scalar(V),
}

fn logical_array<T>(v: &VarSpec, f: impl Fn(&V) -> T) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(&v.shape), v.data.iter().map(f).collect())
        .expect("data matches shape")
}

fn stored(v: &VarSpec) -> Stored {
    if v.scalar {
        return Stored::Scalar(v.data[0].clone());
    }
    macro_rules! num {
        ($variant:ident, $t:ty, $junk:expr) => {{
            let logical = logical_array(v, |x| match x {
                V::$variant(x) => *x,
                other => panic!("{other:?} in a {} variable", v.dtype),
            });
            Stored::$variant(store(v, logical, $junk))
        }};
    }
    match v.dtype {
        DType::Bool => num!(B, bool, true),
        DType::Int32 => num!(I, i32, 7777),
        DType::Int64 => num!(L, i64, 7777),
        DType::Float32 => num!(F, f32, 7777.0),
        DType::Float64 => num!(D, f64, 7777.0),
        DType::Complex128 => {
            let logical = logical_array(v, |x| match x {
                V::C(re, im) => Complex64::new(*re, *im),
                other => panic!("{other:?} in a complex variable"),
            });
            Stored::C(store(v, logical, Complex64::new(7777.0, 7777.0)))
        }
        DType::Bytes => {
            let shape = full_shape(v);
            let bytes: Vec<u8> = v
                .data
                .iter()
                .flat_map(|x| match x {
                    V::S(s) => s.clone(),
                    other => panic!("{other:?} in a bytes variable"),
                })
                .collect();
            let logical = ArrayD::from_shape_vec(IxDyn(&shape), bytes).expect("bytes match shape");
            if v.width.is_none() {
                Stored::S(logical)
            } else {
                Stored::S(store(v, logical, b'#'))
            }
        }
    }
}

fn same_bits(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::F(x), V::F(y)) => x.to_bits() == y.to_bits(),
        (V::D(x), V::D(y)) => x.to_bits() == y.to_bits(),
        (V::C(a, b), V::C(c, d)) => a.to_bits() == c.to_bits() && b.to_bits() == d.to_bits(),
        (x, y) => x == y,
    }
}

/// Runs `f` with the case's variables bound (views of stored arrays).
/// Checks first that every view shows exactly the logical data.
fn with_vars<R>(specs: &[VarSpec], f: impl FnOnce(&Vars<'_>) -> R) -> R {
    let stored: Vec<Stored> = specs.iter().map(stored).collect();
    let mut vars = Vars::new();
    for (spec, st) in specs.iter().zip(&stored) {
        let seen: Vec<V> = match st {
            Stored::B(a) => bind(&mut vars, spec, a, V::B),
            Stored::I(a) => bind(&mut vars, spec, a, V::I),
            Stored::L(a) => bind(&mut vars, spec, a, V::L),
            Stored::F(a) => bind(&mut vars, spec, a, V::F),
            Stored::D(a) => bind(&mut vars, spec, a, V::D),
            Stored::C(a) => bind(&mut vars, spec, a, |c| V::C(c.re, c.im)),
            Stored::S(a) => {
                let view = if spec.width.is_some() {
                    view_of(spec, a)
                } else {
                    a.view()
                };
                let flat: Vec<u8> = view.iter().copied().collect();
                vars.insert_bytes(spec.name.as_str(), view);
                match spec.width {
                    Some(0) => vec![V::S(Vec::new()); spec.data.len()],
                    Some(w) => flat.chunks(w).map(|c| V::S(c.to_vec())).collect(),
                    None => vec![V::S(flat)],
                }
            }
            Stored::Scalar(x) => {
                match x {
                    V::B(x) => vars.insert(spec.name.as_str(), *x),
                    V::I(x) => vars.insert(spec.name.as_str(), *x),
                    V::L(x) => vars.insert(spec.name.as_str(), *x),
                    V::F(x) => vars.insert(spec.name.as_str(), *x),
                    V::D(x) => vars.insert(spec.name.as_str(), *x),
                    V::C(re, im) => vars.insert(spec.name.as_str(), Complex64::new(*re, *im)),
                    V::S(_) => panic!("byte strings are never scalars"),
                };
                vec![x.clone()]
            }
        };
        assert!(
            seen.len() == spec.data.len()
                && seen.iter().zip(&spec.data).all(|(a, b)| same_bits(a, b)),
            "harness bug: the view of `{}` ({:?}) does not show its logical data",
            spec.name,
            spec.view
        );
    }
    f(&vars)
}

fn bind<'a, T: Element + Copy>(
    vars: &mut Vars<'a>,
    spec: &VarSpec,
    stored: &'a ArrayD<T>,
    to_v: impl Fn(T) -> V,
) -> Vec<V> {
    let view = view_of(spec, stored);
    let seen = view.iter().map(|&x| to_v(x)).collect();
    assert_eq!(view.shape(), spec.shape.as_slice());
    vars.insert(spec.name.as_str(), view);
    seen
}

// ---------------------------------------------------------------------------
// Running ndexpr
// ---------------------------------------------------------------------------

/// What ndexpr produced.
#[derive(Clone, Debug)]
pub enum Outcome {
    Value(Got),
    Error(ErrorKind),
    Panic(String),
}

/// A result array as elements in logical C order.
#[derive(Clone, Debug)]
pub struct Got {
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub width: usize,
    pub data: Vec<V>,
}

fn got_of(value: &Value) -> Got {
    fn conv<T: Copy>(a: &ArrayD<T>, f: impl Fn(T) -> V) -> (Vec<usize>, Vec<V>) {
        (a.shape().to_vec(), a.iter().map(|&x| f(x)).collect())
    }
    let (shape, data) = match value {
        Value::Bool(a) => conv(a, V::B),
        Value::Int32(a) => conv(a, V::I),
        Value::Int64(a) => conv(a, V::L),
        Value::Float32(a) => conv(a, V::F),
        Value::Float64(a) => conv(a, V::D),
        Value::Complex128(a) => conv(a, |c| V::C(c.re, c.im)),
        Value::Bytes(a) => {
            let nd = a.ndim();
            let width = if nd == 0 { 0 } else { a.shape()[nd - 1] };
            let shape = a.shape()[..nd.saturating_sub(1)].to_vec();
            let count: usize = shape.iter().product();
            let flat: Vec<u8> = a.iter().copied().collect();
            let data = if width == 0 {
                vec![V::S(Vec::new()); count]
            } else {
                flat.chunks(width).map(|c| V::S(c.to_vec())).collect()
            };
            return Got {
                dtype: DType::Bytes,
                shape,
                width,
                data,
            };
        }
    };
    Got {
        dtype: value.dtype(),
        shape,
        width: 0,
        data,
    }
}

pub fn options(threads: Threads) -> Options {
    Options::new().threads(threads)
}

fn decls(case: &Case) -> Vec<(String, DType)> {
    case.vars
        .iter()
        .map(|v| (v.name.clone(), v.dtype))
        .collect()
}

fn compiled(case: &Case) -> Result<Expression, ErrorKind> {
    let decls = decls(case);
    let borrowed: Vec<(&str, DType)> = decls.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    Expression::new(&case.expr.to_string(), &borrowed).map_err(|e| e.kind())
}

pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

/// Runs an ndexpr call, turning a panic into an outcome.
fn guarded(f: impl FnOnce() -> Outcome) -> Outcome {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Outcome::Panic(panic_message(&*p)))
}

fn from_result(r: Result<Value, ndexpr::Error>) -> Outcome {
    match r {
        Ok(v) => Outcome::Value(got_of(&v)),
        Err(e) => Outcome::Error(e.kind()),
    }
}

/// Evaluates with `Expression::new` + `evaluate_with` (or the cached free
/// function).
fn run_value(case: &Case, vars: &Vars<'_>, threads: Threads, cached: bool) -> Outcome {
    guarded(|| {
        if cached {
            return from_result(ndexpr::evaluate_with(
                &case.expr.to_string(),
                vars,
                &options(threads),
            ));
        }
        match compiled(case) {
            Err(k) => Outcome::Error(k),
            Ok(expr) => from_result(expr.evaluate_with(vars, &options(threads))),
        }
    })
}

/// A sentinel that the evaluation must overwrite (or, outside the output
/// view, leave alone).
trait Sentinel: Element + Copy {
    const SENTINEL: Self;
    fn to_v(self) -> V;
}

impl Sentinel for bool {
    const SENTINEL: bool = true;
    fn to_v(self) -> V {
        V::B(self)
    }
}
impl Sentinel for i32 {
    const SENTINEL: i32 = -7777;
    fn to_v(self) -> V {
        V::I(self)
    }
}
impl Sentinel for i64 {
    const SENTINEL: i64 = -7777;
    fn to_v(self) -> V {
        V::L(self)
    }
}
impl Sentinel for f32 {
    const SENTINEL: f32 = -7777.5;
    fn to_v(self) -> V {
        V::F(self)
    }
}
impl Sentinel for f64 {
    const SENTINEL: f64 = -7777.5;
    fn to_v(self) -> V {
        V::D(self)
    }
}
impl Sentinel for Complex64 {
    const SENTINEL: Complex64 = Complex64::new(-7777.5, 7777.5);
    fn to_v(self) -> V {
        V::C(self.re, self.im)
    }
}

/// `evaluate_into` an output of `shape` laid out as `layout`; the values
/// written (or the error), and whether anything outside the view changed.
fn run_into_typed<T: Sentinel>(
    expr: &Expression,
    vars: &Vars<'_>,
    threads: Threads,
    shape: &[usize],
    layout: OutLayout,
) -> (Outcome, bool) {
    let mut storage_shape = shape.to_vec();
    match layout {
        OutLayout::Transposed => storage_shape.reverse(),
        OutLayout::Step2 if !shape.is_empty() => storage_shape[0] *= 2,
        _ => {}
    }
    let mut storage = ArrayD::from_elem(IxDyn(&storage_shape), T::SENTINEL);
    let out: ArrayViewMutD<'_, T> = match layout {
        OutLayout::Transposed => storage.view_mut().reversed_axes(),
        OutLayout::Step2 if !shape.is_empty() => {
            storage.slice_axis_mut(Axis(0), Slice::new(0, None, 2))
        }
        _ => storage.view_mut(),
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        expr.evaluate_into(vars, out, &options(threads))
    }));
    let outcome = match result {
        Err(p) => Outcome::Panic(panic_message(&*p)),
        Ok(Err(e)) => Outcome::Error(e.kind()),
        Ok(Ok(())) => {
            let view: ArrayViewD<'_, T> = match layout {
                OutLayout::Transposed => storage.view().reversed_axes(),
                OutLayout::Step2 if !shape.is_empty() => {
                    storage.slice_axis(Axis(0), Slice::new(0, None, 2))
                }
                _ => storage.view(),
            };
            Outcome::Value(Got {
                dtype: T::DTYPE,
                shape: view.shape().to_vec(),
                width: 0,
                data: view.iter().map(|&x| x.to_v()).collect(),
            })
        }
    };
    // Rows between the view's rows must be untouched.
    let outside_ok = match layout {
        OutLayout::Step2 if storage_shape.first().is_some_and(|&d| d > 1) => storage
            .slice_axis(Axis(0), Slice::new(1, None, 2))
            .iter()
            .all(|&x| same_bits(&x.to_v(), &T::SENTINEL.to_v())),
        _ => true,
    };
    (outcome, outside_ok)
}

fn run_into(
    expr: &Expression,
    vars: &Vars<'_>,
    threads: Threads,
    dtype: DType,
    shape: &[usize],
    layout: OutLayout,
) -> (Outcome, bool) {
    match dtype {
        DType::Bool => run_into_typed::<bool>(expr, vars, threads, shape, layout),
        DType::Int32 => run_into_typed::<i32>(expr, vars, threads, shape, layout),
        DType::Int64 => run_into_typed::<i64>(expr, vars, threads, shape, layout),
        DType::Float32 => run_into_typed::<f32>(expr, vars, threads, shape, layout),
        DType::Float64 => run_into_typed::<f64>(expr, vars, threads, shape, layout),
        DType::Complex128 => run_into_typed::<Complex64>(expr, vars, threads, shape, layout),
        DType::Bytes => unreachable!("byte-string outputs are not written into"),
    }
}

// ---------------------------------------------------------------------------
// The reference side
// ---------------------------------------------------------------------------

/// The reference's compilation and result.
pub struct Expected {
    pub ir: Option<Ir>,
    pub result: Result<RefOut, ErrorKind>,
    /// `ndexpr::parse` or `ndexpr::infer` (shared typing) panicked.
    pub typing_panic: Option<String>,
}

pub fn expected(case: &Case) -> Expected {
    let decls: Vec<InputDecl> = case
        .vars
        .iter()
        .map(|v| InputDecl {
            name: v.name.clone(),
            dtype: v.dtype,
        })
        .collect();
    let text = case.expr.to_string();
    let ir = match catch_unwind(|| reference::compile(&text, &decls)) {
        Ok(Ok(ir)) => ir,
        Ok(Err(kind)) => {
            return Expected {
                ir: None,
                result: Err(kind),
                typing_panic: None,
            };
        }
        Err(p) => {
            return Expected {
                ir: None,
                result: Err(ErrorKind::TooComplex),
                typing_panic: Some(panic_message(&*p)),
            };
        }
    };
    let inputs: Vec<RefInput> = ir
        .inputs
        .iter()
        .map(|decl| {
            let v = case
                .vars
                .iter()
                .find(|v| v.name == decl.name)
                .expect("the IR reads declared variables");
            RefInput {
                dtype: v.dtype,
                shape: v.shape.clone(),
                width: if v.dtype == DType::Bytes {
                    v.width
                } else {
                    Some(0)
                },
                data: v.data.clone(),
            }
        })
        .collect();
    let result = reference::evaluate(&ir, &inputs);
    Expected {
        ir: Some(ir),
        result,
        typing_panic: None,
    }
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// What kind of disagreement a failure is (shrinking keeps the kind).
#[derive(Clone, Debug, PartialEq)]
pub enum Class {
    NdexprPanic,
    ReferencePanic,
    /// One side is an error, or both are errors of different kinds.
    Errors {
        want: Option<ErrorKind>,
        got: Option<ErrorKind>,
    },
    DType,
    Shape,
    Values,
    /// A reduction gave different bits with another thread option.
    ThreadDependence,
    /// `evaluate_into` wrote outside its output view.
    OutsideView,
    /// The case did not finish within [`HANG_SECS`].
    Hang,
}

#[derive(Clone, Debug)]
pub struct Mismatch {
    pub class: Class,
    pub detail: String,
}

/// The summary of a passing case (for coverage statistics).
pub struct Passed {
    pub ir: Option<Ir>,
    pub outcome: PassKind,
    /// How the result's values were compared: how many exactly, within
    /// an error bound or rounding tolerance, and not at all.
    pub compared: Compared,
}

/// Numbers of result values by how they were compared.
#[derive(Clone, Copy, Debug, Default)]
pub struct Compared {
    pub exact: usize,
    pub bounded: usize,
    pub skipped: usize,
}

impl Compared {
    fn of(result: &Result<RefOut, ErrorKind>) -> Compared {
        let mut c = Compared::default();
        let Ok(r) = result else { return c };
        if r.checks.is_empty() {
            c.exact = r.data.len();
        }
        for check in &r.checks {
            match check {
                Check::Exact => c.exact += 1,
                Check::Within(_) | Check::Tol(_) => c.bounded += 1,
                Check::Skip => c.skipped += 1,
            }
        }
        c
    }

    pub fn add(&mut self, other: Compared) {
        self.exact += other.exact;
        self.bounded += other.bounded;
        self.skipped += other.skipped;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PassKind {
    Value,
    CompileError,
    RuntimeError,
}

fn show_v(v: &V) -> String {
    match v {
        V::B(b) => b.to_string(),
        V::I(x) => x.to_string(),
        V::L(x) => x.to_string(),
        V::F(x) => format!("{x:?}"),
        V::D(x) => format!("{x:?}"),
        V::C(re, im) => format!("({re:?}{im:+?}j)"),
        V::S(s) => format!("b'{}'", s.escape_ascii()),
    }
}

pub fn show_values(data: &[V]) -> String {
    const LIMIT: usize = 40;
    let shown: Vec<String> = data.iter().take(LIMIT).map(show_v).collect();
    let more = if data.len() > LIMIT {
        format!(", ... ({} values)", data.len())
    } else {
        String::new()
    };
    format!("[{}{more}]", shown.join(", "))
}

fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        idx[k] = flat % shape[k];
        flat /= shape[k];
    }
    idx
}

fn compare(want: &Result<RefOut, ErrorKind>, got: &Outcome) -> Option<Mismatch> {
    let fail = |class, detail: String| Some(Mismatch { class, detail });
    let want = match (want, got) {
        (_, Outcome::Panic(msg)) => {
            return fail(Class::NdexprPanic, format!("ndexpr panicked: {msg}"));
        }
        (Err(w), Outcome::Error(g)) if w == g => return None,
        (Err(w), Outcome::Error(g)) => {
            return fail(
                Class::Errors {
                    want: Some(*w),
                    got: Some(*g),
                },
                format!("expected a `{w}` error, got a `{g}` error"),
            );
        }
        (Err(w), Outcome::Value(g)) => {
            return fail(
                Class::Errors {
                    want: Some(*w),
                    got: None,
                },
                format!(
                    "expected a `{w}` error, got a {} value of shape {:?}: {}",
                    g.dtype,
                    g.shape,
                    show_values(&g.data)
                ),
            );
        }
        (Ok(w), Outcome::Error(g)) => {
            return fail(
                Class::Errors {
                    want: None,
                    got: Some(*g),
                },
                format!(
                    "expected a {} value of shape {:?}: {}, got a `{g}` error",
                    w.dtype,
                    w.shape,
                    show_values(&w.data)
                ),
            );
        }
        (Ok(w), Outcome::Value(_)) => w,
    };
    let Outcome::Value(got) = got else {
        unreachable!()
    };
    if want.dtype != got.dtype {
        return fail(
            Class::DType,
            format!("expected dtype {}, got {}", want.dtype, got.dtype),
        );
    }
    if want.shape != got.shape || (want.dtype == DType::Bytes && want.width != got.width) {
        return fail(
            Class::Shape,
            format!(
                "expected shape {:?} (width {}), got {:?} (width {})",
                want.shape, want.width, got.shape, got.width
            ),
        );
    }
    assert_eq!(want.data.len(), got.data.len(), "shapes agree");
    let bad: Vec<usize> = (0..want.data.len())
        .filter(|&i| {
            let check = want.checks.get(i).copied().unwrap_or(Check::Exact);
            !reference::matches(&want.data[i], &got.data[i], check)
        })
        .collect();
    if bad.is_empty() {
        return None;
    }
    let mut detail = format!(
        "{} of {} values differ (dtype {}, shape {:?})",
        bad.len(),
        want.data.len(),
        want.dtype,
        want.shape
    );
    for &i in bad.iter().take(6) {
        let _ = write!(
            detail,
            "\n    at {:?}: expected {}, got {}",
            unravel(i, &want.shape),
            show_v(&want.data[i]),
            show_v(&got.data[i])
        );
    }
    let _ = write!(
        detail,
        "\n  expected: {}\n  got:      {}",
        show_values(&want.data),
        show_values(&got.data)
    );
    fail(Class::Values, detail)
}

/// The output shape of an `OtherShape` layout for a result of `shape`.
fn other_shape(kind: u8, shape: &[usize]) -> Vec<usize> {
    let mut out = shape.to_vec();
    match kind {
        0 => out.insert(0, 2),
        1 if !out.is_empty() => *out.last_mut().expect("non-empty") += 1,
        2 => out.push(3),
        3 if !out.is_empty() => {
            out.remove(0);
        }
        _ => out.insert(0, 1),
    }
    out
}

/// The reference result written into an output of shape `target`: the
/// result broadcast to it, or a `shape` error if it does not broadcast.
fn broadcast_into(r: &RefOut, target: &[usize]) -> Result<RefOut, ErrorKind> {
    let shape = reference::broadcast([r.shape.as_slice(), target].into_iter())?;
    if shape != target {
        return Err(ErrorKind::Shape);
    }
    let total: usize = shape.iter().product();
    let nd = shape.len();
    let pick = |flat: usize| -> usize {
        // The element of `r` that broadcasts to `flat`.
        let idx = unravel(flat, &shape);
        let mut off = 0;
        for (j, &d) in r.shape.iter().enumerate() {
            let i = idx[nd - r.shape.len() + j];
            off = off * d + if d == 1 { 0 } else { i };
        }
        off
    };
    Ok(RefOut {
        dtype: r.dtype,
        shape: shape.clone(),
        width: r.width,
        data: (0..total).map(|f| r.data[pick(f)].clone()).collect(),
        checks: if r.checks.is_empty() {
            Vec::new()
        } else {
            (0..total).map(|f| r.checks[pick(f)]).collect()
        },
    })
}

fn bits_equal(a: &Got, b: &Got) -> bool {
    a.dtype == b.dtype
        && a.shape == b.shape
        && a.data.iter().zip(&b.data).all(|(x, y)| {
            same_bits(x, y)
                || matches!((x, y), (V::F(p), V::F(q)) if p.is_nan() && q.is_nan())
                || matches!((x, y), (V::D(p), V::D(q)) if p.is_nan() && q.is_nan())
        })
}

// ---------------------------------------------------------------------------
// Hangs
// ---------------------------------------------------------------------------

/// Seconds one case may take before it counts as a hang (normal cases take
/// milliseconds; the largest ones a fraction of a second, more in debug
/// builds).
pub const HANG_SECS: u64 = 20;

/// Seconds after which the last-resort watchdog ends the process (for
/// checks not run by a suite's worker, which abandons a hung case itself).
pub const WATCHDOG_SECS: u64 = 90;

thread_local! {
    /// What the current thread is checking (a case seed), for hang reports.
    pub static LABEL: RefCell<String> = const { RefCell::new(String::new()) };
}

struct Watch {
    since: Instant,
    label: String,
    case: Case,
}

fn watches() -> &'static Mutex<HashMap<ThreadId, Watch>> {
    static WATCHES: OnceLock<Mutex<HashMap<ThreadId, Watch>>> = OnceLock::new();
    WATCHES.get_or_init(Default::default)
}

/// The case the thread `id` has been checking for longer than `limit`, if
/// any (with its label).
pub fn stuck(id: ThreadId, limit: Duration) -> Option<(Case, String)> {
    let watches = watches().lock().unwrap_or_else(|e| e.into_inner());
    watches
        .get(&id)
        .filter(|w| w.since.elapsed() > limit)
        .map(|w| (w.case.clone(), w.label.clone()))
}

/// Stops watching thread `id` (a hung thread that has been abandoned).
pub fn forget(id: ThreadId) {
    watches()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
}

/// A thread that ends the process with a report when a check runs for
/// longer than [`WATCHDOG_SECS`]: a hang cannot be interrupted, but it must
/// not go unreported (ndexpr promises that no input makes it hang).
fn start_watchdog() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let watches = watches().lock().unwrap_or_else(|e| e.into_inner());
                for w in watches.values() {
                    if w.since.elapsed() > Duration::from_secs(WATCHDOG_SECS) {
                        // Straight to stderr: `eprintln!` would go to the
                        // test's output capture, lost when the process ends.
                        let _ = writeln!(
                            std::io::stderr(),
                            "=== differential failure: HANG ===\n\
                             a case ran for more than {WATCHDOG_SECS} s (while checking {}; \
                             rerun it with NDEXPR_DIFF_CASE={} to see where)\n\
                             expression: {}\n--- Rust reproduction ---\n{}",
                            w.label,
                            w.label,
                            w.case.expr,
                            rust_snippet_plain(&w.case)
                        );
                        std::process::exit(101);
                    }
                }
            }
        });
    });
}

/// How an `Into` case writes its output, and what it must get.
struct IntoPlan {
    dtype: DType,
    /// The output's logical shape.
    out_shape: Vec<usize>,
    layout: OutLayout,
    expect: Result<RefOut, ErrorKind>,
}

/// The output of an `Into` case whose reference result is a number array
/// (other cases are evaluated with `evaluate_with`).
fn into_plan(case: &Case, exp: &Expected) -> Option<IntoPlan> {
    let Mode::Into(layout) = case.mode else {
        return None;
    };
    let want = exp
        .result
        .as_ref()
        .ok()
        .filter(|r| r.dtype != DType::Bytes)?;
    let reduction = exp.ir.as_ref().is_some_and(|ir| ir.reduction.is_some());
    // A reduction's output must have exactly the result's shape.
    let layout = match layout {
        OutLayout::OtherShape(_) if reduction => OutLayout::Contiguous,
        layout => layout,
    };
    let (dtype, out_shape, expect) = match layout {
        OutLayout::WrongDtype => {
            let other = if want.dtype == DType::Float64 {
                DType::Int32
            } else {
                DType::Float64
            };
            (other, want.shape.clone(), Err(ErrorKind::Type))
        }
        OutLayout::OtherShape(kind) => {
            let target = other_shape(kind, &want.shape);
            let expect = broadcast_into(want, &target);
            (want.dtype, target, expect)
        }
        _ => (want.dtype, want.shape.clone(), Ok(want.clone())),
    };
    Some(IntoPlan {
        dtype,
        out_shape,
        layout,
        expect,
    })
}

/// One compiled expression evaluated from three threads at once (each with
/// its own thread option); every result must match the reference.
fn concurrent(case: &Case, vars: &Vars<'_>, want: &Result<RefOut, ErrorKind>) -> Option<Mismatch> {
    let expr = match catch_unwind(AssertUnwindSafe(|| compiled(case))) {
        Ok(Ok(e)) => e,
        Ok(Err(k)) => return compare(want, &Outcome::Error(k)),
        Err(p) => return compare(want, &Outcome::Panic(panic_message(&*p))),
    };
    let thread_options = [
        case.threads,
        Threads::Serial,
        Threads::Max(NonZeroUsize::new(2).expect("2")),
    ];
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = thread_options
            .iter()
            .map(|&t| {
                let expr = &expr;
                s.spawn(move || guarded(|| from_result(expr.evaluate_with(vars, &options(t)))))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("guarded"))
            .collect()
    });
    outcomes.iter().find_map(|o| compare(want, o))
}

/// Runs one case on both sides (under the hang watchdog).
pub fn check(case: &Case) -> Result<Passed, Mismatch> {
    start_watchdog();
    let id = std::thread::current().id();
    let label = LABEL.with(|l| l.borrow().clone());
    watches().lock().unwrap_or_else(|e| e.into_inner()).insert(
        id,
        Watch {
            since: Instant::now(),
            label,
            case: case.clone(),
        },
    );
    let result = check_unwatched(case);
    watches()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
    result
}

fn check_unwatched(case: &Case) -> Result<Passed, Mismatch> {
    let exp = match catch_unwind(AssertUnwindSafe(|| expected(case))) {
        Ok(e) => e,
        Err(p) => {
            let msg = panic_message(&*p);
            return Err(Mismatch {
                class: Class::ReferencePanic,
                detail: format!("the reference interpreter panicked: {msg}"),
            });
        }
    };
    if let Some(msg) = &exp.typing_panic {
        return Err(Mismatch {
            class: Class::NdexprPanic,
            detail: format!("ndexpr's parse/infer panicked: {msg}"),
        });
    }
    let reduction = exp.ir.as_ref().is_some_and(|ir| ir.reduction.is_some());
    let mismatch = with_vars(&case.vars, |vars| -> Option<Mismatch> {
        let into = match (case.mode, &exp.result) {
            (Mode::Into(layout), Ok(r)) if r.dtype != DType::Bytes => Some(layout),
            _ => None,
        };
        if case.mode == Mode::Concurrent {
            return concurrent(case, vars, &exp.result);
        }
        match into {
            None => {
                let cached = case.mode == Mode::Cached;
                let got = run_value(case, vars, case.threads, cached);
                if let Some(m) = compare(&exp.result, &got) {
                    return Some(m);
                }
                if reduction && let Outcome::Value(first) = &got {
                    // Documented: reductions do not depend on the threads.
                    let other = if case.threads == Threads::Serial {
                        Threads::Max(NonZeroUsize::new(3).expect("3"))
                    } else {
                        Threads::Serial
                    };
                    match run_value(case, vars, other, false) {
                        Outcome::Value(second) if bits_equal(first, &second) => {}
                        second => {
                            return Some(Mismatch {
                                class: Class::ThreadDependence,
                                detail: format!(
                                    "with {:?}: {}\nwith {other:?}: {second:?}",
                                    case.threads,
                                    show_values(&first.data)
                                ),
                            });
                        }
                    }
                }
                None
            }
            Some(_) => {
                let plan = into_plan(case, &exp).expect("an output to write");
                let expr = match compiled(case) {
                    Ok(e) => e,
                    Err(k) => return compare(&exp.result, &Outcome::Error(k)),
                };
                let IntoPlan {
                    dtype,
                    out_shape,
                    layout,
                    expect,
                } = plan;
                let (got, outside_ok) =
                    run_into(&expr, vars, case.threads, dtype, &out_shape, layout);
                if !outside_ok {
                    return Some(Mismatch {
                        class: Class::OutsideView,
                        detail: "evaluate_into changed elements outside the output view".into(),
                    });
                }
                compare(&expect, &got)
            }
        }
    });
    match mismatch {
        Some(m) => Err(m),
        None => Ok(Passed {
            outcome: match (&exp.ir, &exp.result) {
                (None, _) => PassKind::CompileError,
                (Some(_), Err(_)) => PassKind::RuntimeError,
                (Some(_), Ok(_)) => PassKind::Value,
            },
            compared: Compared::of(&exp.result),
            ir: exp.ir,
        }),
    }
}

// ---------------------------------------------------------------------------
// Shrinking
// ---------------------------------------------------------------------------

/// Elements of `data` (logical `shape`) whose index satisfies `keep`, in C
/// order.
fn select(data: &[V], shape: &[usize], keep: impl Fn(&[usize]) -> bool) -> Vec<V> {
    (0..data.len())
        .filter(|&i| keep(&unravel(i, shape)))
        .map(|i| data[i].clone())
        .collect()
}

/// The variable with axis `k` cut to the `len` entries from `start`.
fn cut_axis(v: &VarSpec, k: usize, start: usize, len: usize) -> VarSpec {
    let mut out = v.clone();
    out.data = select(&v.data, &v.shape, |idx| {
        (start..start + len).contains(&idx[k])
    });
    out.shape[k] = len;
    out
}

/// The variable without axis `k` (index 0 of it kept).
fn drop_axis(v: &VarSpec, k: usize) -> VarSpec {
    let mut out = v.clone();
    out.data = select(&v.data, &v.shape, |idx| idx[k] == 0);
    out.shape.remove(k);
    out.view = match v.view {
        View::Broadcast(a) if a == k => View::Contiguous,
        View::Broadcast(a) if a > k => View::Broadcast(a - 1),
        View::Step(_) if out.shape.is_empty() => View::Contiguous,
        view => view,
    };
    out.scalar = false;
    out
}

fn var_candidates(v: &VarSpec) -> Vec<VarSpec> {
    let mut out = Vec::new();
    if v.dtype == DType::Bytes && v.width.is_none() {
        return out;
    }
    let nd = v.shape.len();
    for k in 0..nd {
        out.push(drop_axis(v, k));
    }
    for k in 0..nd {
        let d = v.shape[k];
        for len in [1, d / 2, d.saturating_sub(1)] {
            if len < d && (len > 0 || d == 0) {
                out.push(cut_axis(v, k, 0, len));
            }
        }
        if d >= 2 {
            out.push(cut_axis(v, k, 1, d - 1));
            out.push(cut_axis(v, k, d - 1, 1));
        }
    }
    if v.view != View::Contiguous {
        let mut c = v.clone();
        c.view = View::Contiguous;
        out.push(c);
    }
    if v.scalar {
        let mut c = v.clone();
        c.scalar = false;
        out.push(c);
    }
    if let Some(w) = v.width.filter(|&w| w > 0) {
        let mut c = v.clone();
        c.width = Some(w - 1);
        c.data = v
            .data
            .iter()
            .map(|s| match s {
                V::S(s) => V::S(s[..w - 1].to_vec()),
                other => other.clone(),
            })
            .collect();
        out.push(c);
    }
    out
}

/// The variable with one value replaced by 0 or 1 (small inputs only).
fn value_candidates(v: &VarSpec) -> Vec<VarSpec> {
    let mut out = Vec::new();
    if v.data.len() > 256 || (v.dtype == DType::Bytes && v.width.is_none()) {
        return out;
    }
    let width = v.width.unwrap_or(0);
    let zero = simple_value(v.dtype, width, false);
    let one = simple_value(v.dtype, width, true);
    for i in 0..v.data.len() {
        // 0 is simpler than 1, which is simpler than anything else (so
        // shrinking never cycles).
        let simpler: &[&V] = if same_bits(&v.data[i], &zero) {
            &[]
        } else if same_bits(&v.data[i], &one) {
            &[&zero]
        } else {
            &[&zero, &one]
        };
        for &simple in simpler {
            let mut c = v.clone();
            c.data[i] = simple.clone();
            if let View::Broadcast(axis) = c.view {
                constant_along(&mut c.data, &c.shape, axis);
            }
            out.push(c);
        }
    }
    out
}

fn expr_candidates(e: &Ex, names: &[String]) -> Vec<Ex> {
    let mut out = Vec::new();
    if let Ex::Reduce(n, x, ax) = e {
        out.push((**x).clone());
        if *ax != AxisArg::All {
            out.push(Ex::Reduce(n, x.clone(), AxisArg::All));
        }
    }
    for idx in 0..e.size() {
        let node = e.node(idx);
        for sub in node.subexpressions() {
            out.push(e.replace(idx, &sub));
        }
        let mut leaves: Vec<Ex> = names.iter().map(|n| Ex::Var(n.clone())).collect();
        leaves.extend(["1", "1.0", "True"].map(|s| Ex::Lit(s.into())));
        for leaf in leaves {
            if *node != leaf && node.size() > 1 {
                out.push(e.replace(idx, &leaf));
            }
        }
    }
    out
}

fn candidates(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    if case.mode != Mode::Compiled {
        out.push(Case {
            mode: Mode::Compiled,
            ..case.clone()
        });
    }
    if case.threads != Threads::Serial {
        out.push(Case {
            threads: Threads::Serial,
            ..case.clone()
        });
    }
    let mut used = BTreeSet::new();
    case.expr.vars(&mut used);
    for i in 0..case.vars.len() {
        if !used.contains(&case.vars[i].name) {
            let mut c = case.clone();
            c.vars.remove(i);
            out.push(c);
        }
    }
    // Shapes and layouts first (the biggest reductions), then the
    // expression, then single values.
    for i in 0..case.vars.len() {
        for v in var_candidates(&case.vars[i]) {
            let mut c = case.clone();
            c.vars[i] = v;
            out.push(c);
        }
    }
    let names: Vec<String> = used.into_iter().collect();
    for e in expr_candidates(&case.expr, &names) {
        out.push(Case {
            expr: e,
            ..case.clone()
        });
    }
    for i in 0..case.vars.len() {
        for v in value_candidates(&case.vars[i]) {
            let mut c = case.clone();
            c.vars[i] = v;
            out.push(c);
        }
    }
    out
}

/// Greedily shrinks a failing case while it keeps failing the same way.
pub fn shrink(case: &Case, mismatch: &Mismatch, budget: usize) -> (Case, Mismatch, usize) {
    let class = mismatch.class.clone();
    let (best, m, tries) = shrink_with(case, mismatch, budget, |c| {
        check(c).err().filter(|m| m.class == class)
    });
    (best, m, tries)
}

/// Greedily shrinks `case` while `fails` says it still fails (and how).
/// After a successful step the enumeration of the new case's candidates
/// resumes at the same position, so that one pass tries every kind of
/// simplification before the budget runs out.
pub fn shrink_with(
    case: &Case,
    mismatch: &Mismatch,
    budget: usize,
    mut fails: impl FnMut(&Case) -> Option<Mismatch>,
) -> (Case, Mismatch, usize) {
    let mut best = case.clone();
    let mut best_m = mismatch.clone();
    let mut tries = 0;
    let mut cands = candidates(&best);
    let mut i = 0;
    // Candidates tried since the last success.
    let mut since = 0;
    while since < cands.len() && tries < budget {
        if i >= cands.len() {
            i = 0;
        }
        tries += 1;
        since += 1;
        if let Some(m) = fails(&cands[i]) {
            best = cands.swap_remove(i);
            best_m = m;
            cands = candidates(&best);
            since = 0;
        } else {
            i += 1;
        }
    }
    (best, best_m, tries)
}

// ---------------------------------------------------------------------------
// Reproductions
// ---------------------------------------------------------------------------

fn rust_f64(x: f64) -> String {
    if x.is_nan() {
        "f64::NAN".into()
    } else if x == f64::INFINITY {
        "f64::INFINITY".into()
    } else if x == f64::NEG_INFINITY {
        "f64::NEG_INFINITY".into()
    } else {
        format!("{x:?}")
    }
}

fn rust_f32(x: f32) -> String {
    if x.is_nan() {
        "f32::NAN".into()
    } else if x == f32::INFINITY {
        "f32::INFINITY".into()
    } else if x == f32::NEG_INFINITY {
        "f32::NEG_INFINITY".into()
    } else {
        format!("{x:?}")
    }
}

fn rust_i64(x: i64) -> String {
    if x == i64::MIN {
        "i64::MIN".into()
    } else {
        x.to_string()
    }
}

fn rust_i32(x: i32) -> String {
    if x == i32::MIN {
        "i32::MIN".into()
    } else {
        x.to_string()
    }
}

fn rust_v(v: &V) -> String {
    match v {
        V::B(b) => b.to_string(),
        V::I(x) => rust_i32(*x),
        V::L(x) => rust_i64(*x),
        V::F(x) => rust_f32(*x),
        V::D(x) => rust_f64(*x),
        V::C(re, im) => format!("Complex64::new({}, {})", rust_f64(*re), rust_f64(*im)),
        V::S(_) => unreachable!("bytes are printed as u8"),
    }
}

fn rust_type(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::Int32 => "i32",
        DType::Int64 => "i64",
        DType::Float32 => "f32",
        DType::Float64 => "f64",
        DType::Complex128 => "Complex64",
        DType::Bytes => "u8",
    }
}

fn rust_threads(t: Threads) -> String {
    match t {
        Threads::Serial => "Options::serial()".into(),
        Threads::Auto => "Options::default()".into(),
        Threads::Max(n) => {
            format!("Options::new().threads(Threads::Max(NonZeroUsize::new({n}).unwrap()))")
        }
    }
}

/// A ready-to-paste Rust test reproducing the case (through the API the
/// case uses).
pub fn rust_snippet(case: &Case) -> String {
    let exp = expected(case);
    snippet(case, into_plan(case, &exp))
}

/// The same without consulting the reference (which runs ndexpr's typing
/// and so may itself hang): always through `evaluate_with`.
pub fn rust_snippet_plain(case: &Case) -> String {
    snippet(case, None)
}

fn snippet(case: &Case, plan: Option<IntoPlan>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "#[test]\n#[allow(unused_imports, unused_mut)]\nfn differential_repro() {{"
    );
    let _ = writeln!(
        s,
        "    use ndarray::{{ArrayD, Axis, IxDyn, Slice}};\n    use ndexpr::{{DType, Expression, Options, Threads, Vars}};\n    use num_complex::Complex64;\n    use std::num::NonZeroUsize;"
    );
    for v in &case.vars {
        let name = &v.name;
        if v.scalar {
            let _ = writeln!(
                s,
                "    let {name}: {} = {};",
                rust_type(v.dtype),
                rust_v(&v.data[0])
            );
            continue;
        }
        let st = stored(v);
        let (shape, values): (Vec<usize>, Vec<String>) = match &st {
            Stored::B(a) => (
                a.shape().to_vec(),
                a.iter().map(|x| x.to_string()).collect(),
            ),
            Stored::I(a) => (a.shape().to_vec(), a.iter().map(|&x| rust_i32(x)).collect()),
            Stored::L(a) => (a.shape().to_vec(), a.iter().map(|&x| rust_i64(x)).collect()),
            Stored::F(a) => (a.shape().to_vec(), a.iter().map(|&x| rust_f32(x)).collect()),
            Stored::D(a) => (a.shape().to_vec(), a.iter().map(|&x| rust_f64(x)).collect()),
            Stored::C(a) => (
                a.shape().to_vec(),
                a.iter().map(|c| rust_v(&V::C(c.re, c.im))).collect(),
            ),
            Stored::S(a) => (
                a.shape().to_vec(),
                a.iter().map(|x| x.to_string()).collect(),
            ),
            Stored::Scalar(_) => unreachable!(),
        };
        let _ = writeln!(
            s,
            "    let {name}_stored = ArrayD::<{}>::from_shape_vec(IxDyn(&{shape:?}), vec![{}]).unwrap();",
            rust_type(v.dtype),
            values.join(", ")
        );
        let view = if v.dtype == DType::Bytes && v.width.is_none() {
            format!("{name}_stored.view()")
        } else {
            match v.view {
                View::Contiguous => format!("{name}_stored.view()"),
                View::Transposed => format!(
                    "{name}_stored.view().permuted_axes(IxDyn(&{:?}))",
                    transpose_perm(v)
                ),
                View::Step(k) => {
                    format!("{name}_stored.slice_axis(Axis(0), Slice::new(0, None, {k}))")
                }
                View::Broadcast(_) => format!(
                    "{name}_stored.broadcast(IxDyn(&{:?})).unwrap()",
                    full_shape(v)
                ),
            }
        };
        let _ = writeln!(s, "    let {name} = {view};");
    }
    let _ = writeln!(
        s,
        "    let {}vars = Vars::new();",
        if case.vars.is_empty() { "" } else { "mut " }
    );
    for v in &case.vars {
        let name = &v.name;
        if v.dtype == DType::Bytes {
            let _ = writeln!(s, "    vars.insert_bytes(\"{name}\", {name});");
        } else {
            let _ = writeln!(s, "    vars.insert(\"{name}\", {name});");
        }
    }
    let decls: Vec<String> = case
        .vars
        .iter()
        .map(|v| format!("(\"{}\", DType::{:?})", v.name, v.dtype))
        .collect();
    let _ = writeln!(
        s,
        "    let expr = Expression::new({:?}, &[{}]).unwrap();",
        case.expr.to_string(),
        decls.join(", ")
    );
    let options = rust_threads(case.threads);
    match plan {
        None => {
            if case.mode == Mode::Concurrent {
                let _ = writeln!(
                    s,
                    "    // The failing run evaluated `expr` from three threads at once."
                );
            }
            let _ = writeln!(s, "    let got = expr.evaluate_with(&vars, &{options});");
            let _ = writeln!(s, "    println!(\"{{got:?}}\");\n}}");
        }
        Some(p) => {
            let t = rust_type(p.dtype);
            let sentinel = match p.dtype {
                DType::Bool => rust_v(&bool::SENTINEL.to_v()),
                DType::Int32 => rust_v(&i32::SENTINEL.to_v()),
                DType::Int64 => rust_v(&i64::SENTINEL.to_v()),
                DType::Float32 => rust_v(&f32::SENTINEL.to_v()),
                DType::Float64 => rust_v(&f64::SENTINEL.to_v()),
                _ => rust_v(&Complex64::SENTINEL.to_v()),
            };
            let shape = &p.out_shape;
            let (stored_shape, view) = match p.layout {
                OutLayout::Transposed => {
                    let mut r = shape.clone();
                    r.reverse();
                    (r, "out.view_mut().reversed_axes()")
                }
                OutLayout::Step2 if !shape.is_empty() => {
                    let mut r = shape.clone();
                    r[0] *= 2;
                    (r, "out.slice_axis_mut(Axis(0), Slice::new(0, None, 2))")
                }
                _ => (shape.clone(), "out.view_mut()"),
            };
            let _ = writeln!(
                s,
                "    let mut out = ArrayD::<{t}>::from_elem(IxDyn(&{stored_shape:?}), {sentinel});"
            );
            let _ = writeln!(
                s,
                "    let r = expr.evaluate_into(&vars, {view}, &{options});"
            );
            let _ = writeln!(s, "    println!(\"{{r:?}}\\n{{out:?}}\");\n}}");
        }
    }
    s
}

/// A human-readable description of the case and both results.
pub fn describe(case: &Case) -> String {
    let mut s = describe_inputs(case);
    describe_results(case, &mut s);
    s
}

/// The expression and the inputs (evaluating nothing).
pub fn describe_inputs(case: &Case) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "expression: {}", case.expr);
    let _ = writeln!(s, "mode: {:?}, threads: {:?}", case.mode, case.threads);
    for v in &case.vars {
        let _ = writeln!(
            s,
            "input `{}`: {} shape {:?}{} view {:?}{}\n    {}",
            v.name,
            v.dtype,
            v.shape,
            match (v.dtype, v.width) {
                (DType::Bytes, Some(w)) => format!(" width {w}"),
                (DType::Bytes, None) => " (no width axis)".into(),
                _ => String::new(),
            },
            v.view,
            if v.scalar { " (as a Rust scalar)" } else { "" },
            show_values(&v.data)
        );
    }
    s
}

fn describe_results(case: &Case, s: &mut String) {
    let exp = expected(case);
    match &exp.result {
        Ok(r) => {
            let _ = writeln!(
                s,
                "reference: {} shape {:?}: {}",
                r.dtype,
                r.shape,
                show_values(&r.data)
            );
        }
        Err(k) => {
            let _ = writeln!(s, "reference: `{k}` error");
        }
    }
    let got = with_vars(&case.vars, |vars| {
        run_value(case, vars, case.threads, false)
    });
    match got {
        Outcome::Value(g) => {
            let _ = writeln!(
                s,
                "ndexpr (evaluate_with): {} shape {:?}: {}",
                g.dtype,
                g.shape,
                show_values(&g.data)
            );
        }
        Outcome::Error(k) => {
            let _ = writeln!(s, "ndexpr (evaluate_with): `{k}` error");
        }
        Outcome::Panic(m) => {
            let _ = writeln!(s, "ndexpr (evaluate_with): panicked: {m}");
        }
    }
}

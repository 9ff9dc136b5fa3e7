//! The reference interpreter: a tree-walking, element-at-a-time evaluator
//! of the typed IR, written independently of ndexpr's compiler, VM and
//! kernels.
//!
//! Typing is shared: the IR comes from `ndexpr::parse::parse` and
//! `ndexpr::infer::infer` (so numexpr's typing rules, signature selection
//! and constant folding are not re-derived here).  Everything after typing
//! is this file's own code: NumPy broadcasting and index mapping, the
//! scalar semantics of every operation for every dtype (written from the
//! crate's language reference and numexpr 2.14's C sources), and the
//! reductions.  Transcendental functions call the platform's C math
//! library (through Rust's `std`, and directly for the three inverse
//! hyperbolic functions, which `std` computes with its own formulas), as
//! numexpr does.

use crate::bounds;
use ndexpr::ir::{Ir, IrOp, OpName, ReduceOp};
use ndexpr::{DType, ErrorKind, Scalar};
use std::cell::Cell;

/// One element of any dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    B(bool),
    I(i32),
    L(i64),
    F(f32),
    D(f64),
    C(f64, f64),
    /// A fixed-width byte string, raw (padding included).
    S(Vec<u8>),
}

impl V {
    pub fn dtype(&self) -> DType {
        match self {
            V::B(_) => DType::Bool,
            V::I(_) => DType::Int32,
            V::L(_) => DType::Int64,
            V::F(_) => DType::Float32,
            V::D(_) => DType::Float64,
            V::C(..) => DType::Complex128,
            V::S(_) => DType::Bytes,
        }
    }

    fn from_scalar(s: &Scalar) -> V {
        match s {
            Scalar::Bool(v) => V::B(*v),
            Scalar::Int32(v) => V::I(*v),
            Scalar::Int64(v) => V::L(*v),
            Scalar::Float32(v) => V::F(*v),
            Scalar::Float64(v) => V::D(*v),
            Scalar::Complex128(v) => V::C(v.re, v.im),
            Scalar::Bytes(v) => V::S(v.clone()),
        }
    }
}

thread_local! {
    /// A deliberately wrong semantics (integer `//` truncating instead of
    /// flooring), switched on only by the harness's self-test to show that
    /// the differential test detects and shrinks a disagreement.
    pub static MUTANT_TRUNCATING_FLOORDIV: Cell<bool> = const { Cell::new(false) };
}

// ---------------------------------------------------------------------------
// Inputs, outputs, entry points
// ---------------------------------------------------------------------------

/// One input as the reference sees it: logical shape and data in C order.
#[derive(Clone, Debug)]
pub struct RefInput {
    pub dtype: DType,
    /// Logical shape (for byte strings: without the width axis).
    pub shape: Vec<usize>,
    /// Byte strings: `Some(width)`; `None` when the array has no width
    /// axis at all (a 0-d `u8` array).  Numbers: `Some(0)`.
    pub width: Option<usize>,
    pub data: Vec<V>,
}

/// How a value of a result is compared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    /// Bit for bit (the sign of a zero included), except that every NaN
    /// matches every NaN: element-wise results that do not depend on
    /// ndexpr's SIMD kernels (both sides follow the same formulas and call
    /// the same C library functions).
    Exact,
    /// Close: within a relative 1e-5 (float32) or 1e-12 (float64,
    /// complex128), or an absolute difference of at most `t[0]` (real
    /// part / real value) and `t[1]` (imaginary part).  Used for results
    /// whose rounding depends on the evaluation order (sums, products,
    /// means).
    Tol([f64; 2]),
    /// Finite and at most this far (both parts of a complex number): a
    /// value computed from the results of ndexpr's SIMD kernels (see
    /// [`bounds`]).
    Within(f64),
    /// Not compared: the value depends on the evaluation order beyond
    /// rounding (an intermediate may overflow in one order and not in
    /// another), or on values that ndexpr computes only approximately in
    /// a way [`bounds`] cannot follow, or IEEE 754 leaves it unspecified.
    Skip,
}

impl Check {
    /// The check of an element-wise value with error bound `e` (see
    /// [`bounds`]).
    pub fn of_bound(e: f64) -> Check {
        if e == 0.0 {
            Check::Exact
        } else if e < bounds::UNKNOWN {
            Check::Within(e)
        } else {
            Check::Skip
        }
    }
}

/// The reference result.
#[derive(Clone, Debug)]
pub struct RefOut {
    pub dtype: DType,
    pub shape: Vec<usize>,
    /// Width of a byte-string result.
    pub width: usize,
    pub data: Vec<V>,
    /// Per element, or empty for "all exact".
    pub checks: Vec<Check>,
}

/// Parses and types `expr` (shared with ndexpr; compile-time errors are
/// whatever numexpr's typing says).
pub fn compile(expr: &str, decls: &[ndexpr::ir::InputDecl]) -> Result<Ir, ErrorKind> {
    let ast = ndexpr::parse::parse(expr).map_err(|e| e.kind())?;
    ndexpr::infer::infer(&ast, decls).map_err(|e| e.kind())
}

/// Evaluates `ir` over `inputs` (given in the order of `ir.inputs`).
pub fn evaluate(ir: &Ir, inputs: &[RefInput]) -> Result<RefOut, ErrorKind> {
    assert_eq!(ir.inputs.len(), inputs.len(), "one input per IR input");
    // Binding: a byte-string input needs its width axis.
    if inputs
        .iter()
        .any(|i| i.dtype == DType::Bytes && i.width.is_none())
    {
        return Err(ErrorKind::Shape);
    }
    let shape = broadcast(inputs.iter().map(|i| i.shape.as_slice()))?;
    if let Some(red) = ir.reduction
        && let Some(axis) = red.axis
        && axis >= shape.len()
    {
        return Err(ErrorKind::Reduction);
    }
    let (values, errs) = evaluate_elements(ir, inputs, &shape);
    let root = ir.node(ir.root).dtype;
    match ir.reduction {
        None => Ok(RefOut {
            dtype: root,
            shape,
            width: if root == DType::Bytes {
                bytes_width(ir, ir.root, inputs)
            } else {
                0
            },
            data: values,
            checks: if errs.iter().any(|&e| e > 0.0) {
                errs.iter().map(|&e| Check::of_bound(e)).collect()
            } else {
                Vec::new()
            },
        }),
        Some(red) => reduce_all(red.op, red.dtype, root, red.axis, &shape, &values, &errs),
    }
}

/// NumPy's broadcast: shapes aligned on the right, each dimension equal
/// or 1 (zero-size dimensions included).
pub fn broadcast<'s>(shapes: impl Iterator<Item = &'s [usize]>) -> Result<Vec<usize>, ErrorKind> {
    let shapes: Vec<&[usize]> = shapes.collect();
    let nd = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = Vec::with_capacity(nd);
    for k in 0..nd {
        // Dimension k of the result, counted from the left.
        let mut dim: Option<usize> = None;
        for s in &shapes {
            let Some(j) = (k + s.len()).checked_sub(nd) else {
                continue;
            };
            let d = s[j];
            if d == 1 {
                continue;
            }
            match dim {
                None => dim = Some(d),
                Some(e) if e == d => {}
                Some(_) => return Err(ErrorKind::Shape),
            }
        }
        out.push(dim.unwrap_or(1));
    }
    Ok(out)
}

/// For an input of shape `s` read at every index of `shape`: the step of
/// its C-order flat offset per step of each result axis (0 where the input
/// is broadcast).
fn broadcast_steps(s: &[usize], shape: &[usize]) -> Vec<usize> {
    let nd = shape.len();
    let mut own = vec![0usize; s.len()];
    let mut acc = 1usize;
    for j in (0..s.len()).rev() {
        own[j] = acc;
        acc *= s[j];
    }
    (0..nd)
        .map(|k| match (k + s.len()).checked_sub(nd) {
            Some(j) if s[j] != 1 => own[j],
            _ => 0,
        })
        .collect()
}

/// The value of every element, and its error bound (see [`bounds`]).
fn evaluate_elements(ir: &Ir, inputs: &[RefInput], shape: &[usize]) -> (Vec<V>, Vec<f64>) {
    let total: usize = shape.iter().product();
    let steps: Vec<Vec<usize>> = inputs
        .iter()
        .map(|i| broadcast_steps(&i.shape, shape))
        .collect();
    let mut out = Vec::with_capacity(total);
    let mut out_errs = Vec::with_capacity(total);
    let mut index = vec![0usize; shape.len()];
    let mut regs: Vec<V> = Vec::with_capacity(ir.nodes.len());
    let mut errs: Vec<f64> = Vec::with_capacity(ir.nodes.len());
    for flat in 0..total {
        // Unravel the C-order flat index.
        let mut rest = flat;
        for k in (0..shape.len()).rev() {
            index[k] = rest % shape[k];
            rest /= shape[k];
        }
        regs.clear();
        errs.clear();
        for node in &ir.nodes {
            let (v, e) = match &node.op {
                IrOp::Input(k) => {
                    let off: usize = index.iter().zip(&steps[*k]).map(|(i, s)| i * s).sum();
                    (inputs[*k].data[off].clone(), 0.0)
                }
                IrOp::Const(s) => (V::from_scalar(s), 0.0),
                // Casts only widen: exact, and the bound stays.
                IrOp::Cast => {
                    let a = node.args[0].index();
                    (cast(&regs[a], node.dtype), errs[a])
                }
                IrOp::Op(name) => {
                    let args: Vec<&V> = node.args.iter().map(|a| &regs[a.index()]).collect();
                    let arg_errs: Vec<f64> = node.args.iter().map(|a| errs[a.index()]).collect();
                    let v = apply(*name, node.dtype, &args);
                    let e = bounds::of_op(*name, &args, &arg_errs, &v);
                    (v, e)
                }
                IrOp::User(_) => panic!("the generator makes no user-defined function calls"),
            };
            debug_assert_eq!(v.dtype(), node.dtype, "{:?}", node.op);
            regs.push(v);
            errs.push(e);
        }
        out.push(regs[ir.root.index()].clone());
        out_errs.push(errs[ir.root.index()]);
    }
    (out, out_errs)
}

/// Width of a byte-string value: inputs have theirs, constants their
/// length, `copy` its operand's.
fn bytes_width(ir: &Ir, id: ndexpr::ir::IrId, inputs: &[RefInput]) -> usize {
    let node = ir.node(id);
    match &node.op {
        IrOp::Input(k) => inputs[*k].width.unwrap_or(0),
        IrOp::Const(Scalar::Bytes(b)) => b.len(),
        IrOp::Op(OpName::Copy) => bytes_width(ir, node.args[0], inputs),
        other => panic!("no byte-string result from {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Casts
// ---------------------------------------------------------------------------

/// Upcasts (the only casts the IR contains): C conversions.
pub fn cast(v: &V, to: DType) -> V {
    use DType as T;
    match (v, to) {
        (V::B(b), T::Int32) => V::I(i32::from(*b)),
        (V::B(b), T::Int64) => V::L(i64::from(*b)),
        (V::B(b), T::Float32) => V::F(if *b { 1.0 } else { 0.0 }),
        (V::B(b), T::Float64) => V::D(if *b { 1.0 } else { 0.0 }),
        (V::B(b), T::Complex128) => V::C(if *b { 1.0 } else { 0.0 }, 0.0),
        (V::I(x), T::Int64) => V::L(i64::from(*x)),
        (V::I(x), T::Float32) => V::F(*x as f32),
        (V::I(x), T::Float64) => V::D(f64::from(*x)),
        (V::I(x), T::Complex128) => V::C(f64::from(*x), 0.0),
        (V::L(x), T::Float32) => V::F(*x as f32),
        (V::L(x), T::Float64) => V::D(*x as f64),
        (V::L(x), T::Complex128) => V::C(*x as f64, 0.0),
        (V::F(x), T::Float64) => V::D(f64::from(*x)),
        (V::F(x), T::Complex128) => V::C(f64::from(*x), 0.0),
        (V::D(x), T::Complex128) => V::C(*x, 0.0),
        (v, t) if v.dtype() == t => v.clone(),
        (v, t) => panic!("the IR has no cast from {:?} to {t}", v.dtype()),
    }
}

// ---------------------------------------------------------------------------
// Element semantics
// ---------------------------------------------------------------------------

/// The result of operation `op` with result dtype `ret` on `args`.
pub fn apply(op: OpName, ret: DType, args: &[&V]) -> V {
    use OpName as O;
    // Operations that do not depend on the operand kind.
    match op {
        O::Copy => return args[0].clone(),
        O::Where => {
            let V::B(c) = args[0] else {
                panic!("where() condition {:?}", args[0])
            };
            return if *c { args[1].clone() } else { args[2].clone() };
        }
        O::OnesLike => {
            return match ret {
                DType::Int32 => V::I(1),
                DType::Int64 => V::L(1),
                DType::Float32 => V::F(1.0),
                DType::Float64 => V::D(1.0),
                DType::Complex128 => V::C(1.0, 0.0),
                d => panic!("ones_like of {d}"),
            };
        }
        _ => {}
    }
    match args {
        [V::B(a)] => bool_unary(op, *a),
        [V::B(a), V::B(b)] => bool_binary(op, *a, *b),
        [V::I(a)] => int_unary(op, i128::from(*a), 32),
        [V::L(a)] => int_unary(op, i128::from(*a), 64),
        [V::I(a), V::I(b)] => int_binary(op, i128::from(*a), i128::from(*b), 32),
        [V::L(a), V::L(b)] => int_binary(op, i128::from(*a), i128::from(*b), 64),
        [V::F(a)] => float_unary(op, *a).into_v(),
        [V::D(a)] => float_unary(op, *a).into_v(),
        [V::D(re), V::D(im)] if op == O::Complex => V::C(*re, *im),
        [V::F(a), V::F(b)] => float_binary(op, *a, *b).into_v(),
        [V::D(a), V::D(b)] => float_binary(op, *a, *b).into_v(),
        [V::C(re, im)] => complex_unary(op, Cx::new(*re, *im)),
        [V::C(ar, ai), V::C(br, bi)] => complex_binary(op, Cx::new(*ar, *ai), Cx::new(*br, *bi)),
        [V::S(a), V::S(b)] => bytes_binary(op, a, b),
        other => panic!("no semantics for {op} on {other:?}"),
    }
}

fn bool_unary(op: OpName, a: bool) -> V {
    match op {
        OpName::Invert => V::B(!a),
        _ => panic!("{op} of bool"),
    }
}

fn bool_binary(op: OpName, a: bool, b: bool) -> V {
    V::B(match op {
        OpName::And => a && b,
        OpName::Or => a || b,
        OpName::Xor => a != b,
        OpName::Eq => a == b,
        OpName::Ne => a != b,
        _ => panic!("{op} of bools"),
    })
}

/// An integer of `bits` bits from an exact value, wrapping (two's
/// complement).
fn wrap(x: i128, bits: u32) -> V {
    if bits == 32 {
        V::I(x as i32)
    } else {
        V::L(x as i64)
    }
}

/// Floor division of exact integers (`b != 0`).
fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn int_unary(op: OpName, a: i128, bits: u32) -> V {
    match op {
        OpName::Neg => wrap(-a, bits),
        OpName::Invert => wrap(!a, bits),
        OpName::Absolute => wrap(a.abs(), bits),
        OpName::Round => wrap(a, bits),
        OpName::Sign => wrap(a.signum(), bits),
        _ => panic!("{op} of int{bits}"),
    }
}

fn int_binary(op: OpName, a: i128, b: i128, bits: u32) -> V {
    let w = i128::from(bits);
    match op {
        OpName::Add => wrap(a + b, bits),
        OpName::Sub => wrap(a - b, bits),
        OpName::Mul => wrap(a * b, bits),
        // Integer true division only exists in numexpr's table; C
        // truncation, 0 for a zero divisor.
        OpName::Div => wrap(if b == 0 { 0 } else { a / b }, bits),
        OpName::FloorDiv => {
            if b == 0 {
                wrap(0, bits)
            } else if MUTANT_TRUNCATING_FLOORDIV.with(Cell::get) {
                wrap(a / b, bits)
            } else {
                wrap(floor_div(a, b), bits)
            }
        }
        OpName::Mod => wrap(if b == 0 { 0 } else { a - floor_div(a, b) * b }, bits),
        OpName::Pow => {
            if b < 0 {
                // numexpr: 1 / a in C integer division; 0 ** -n is 0.
                wrap(if a == 0 { 0 } else { 1 / a }, bits)
            } else {
                wrap(pow_mod_2n(a, b as u128), bits)
            }
        }
        OpName::LShift => {
            if (0..w).contains(&b) {
                // Bits shifted past the width are lost (wrap does that).
                wrap(a << b as u32, bits)
            } else {
                wrap(0, bits)
            }
        }
        OpName::RShift => {
            let s = if (0..w).contains(&b) { b } else { w - 1 };
            wrap(a >> s as u32, bits)
        }
        OpName::And => wrap(a & b, bits),
        OpName::Or => wrap(a | b, bits),
        OpName::Xor => wrap(a ^ b, bits),
        OpName::Gt => V::B(a > b),
        OpName::Ge => V::B(a >= b),
        OpName::Eq => V::B(a == b),
        OpName::Ne => V::B(a != b),
        _ => panic!("{op} of int{bits}s"),
    }
}

/// `a ** e` modulo 2^64 (the low bits of the exact power; `wrap` then keeps
/// the type's width).
fn pow_mod_2n(a: i128, mut e: u128) -> i128 {
    let mut base = a as u64;
    let mut acc: u64 = 1;
    while e > 0 {
        if e % 2 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e /= 2;
    }
    i128::from(acc as i64)
}

// SAFETY: the C99 <math.h> inverse hyperbolic functions of the platform's
// C math library (which std links anyway).  They take and return floats by
// value, are defined for every input (NaN and infinities included), touch
// no memory and are thread-safe.
unsafe extern "C" {
    safe fn asinhf(x: f32) -> f32;
    safe fn acoshf(x: f32) -> f32;
    safe fn atanhf(x: f32) -> f32;
    safe fn asinh(x: f64) -> f64;
    safe fn acosh(x: f64) -> f64;
    safe fn atanh(x: f64) -> f64;
}

/// The float operations the reference needs, for f32 and f64.
pub trait Fl:
    Copy
    + PartialOrd
    + std::fmt::Debug
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
    + std::ops::Rem<Output = Self>
{
    const NAN: Self;
    fn func(self, op: OpName) -> Self;
    fn powf(self, y: Self) -> Self;
    fn atan2(self, x: Self) -> Self;
    fn hypot(self, y: Self) -> Self;
    fn copysign(self, y: Self) -> Self;
    fn floor(self) -> Self;
    fn is_nan(self) -> bool;
    fn is_finite(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_sign_negative(self) -> bool;
    /// The next representable value after `self` in the direction of `y`.
    fn next_after(self, y: Self) -> Self;
    fn into_v(self) -> V;
}

macro_rules! impl_fl {
    ($t:ident, $v:ident, $asinh:ident, $acosh:ident, $atanh:ident) => {
        impl Fl for $t {
            const NAN: Self = $t::NAN;
            fn func(self, op: OpName) -> Self {
                use OpName as O;
                let x = self;
                match op {
                    O::Neg => -x,
                    O::Sqrt => x.sqrt(),
                    O::Sin => x.sin(),
                    O::Cos => x.cos(),
                    O::Tan => x.tan(),
                    O::Arcsin => x.asin(),
                    O::Arccos => x.acos(),
                    O::Arctan => x.atan(),
                    O::Sinh => x.sinh(),
                    O::Cosh => x.cosh(),
                    O::Tanh => x.tanh(),
                    O::Arcsinh => $asinh(x),
                    O::Arccosh => $acosh(x),
                    O::Arctanh => $atanh(x),
                    O::Log => x.ln(),
                    O::Log1p => x.ln_1p(),
                    O::Log10 => x.log10(),
                    O::Log2 => x.log2(),
                    O::Exp => x.exp(),
                    O::Expm1 => x.exp_m1(),
                    O::Absolute => x.abs(),
                    O::Ceil => x.ceil(),
                    O::Floor => x.floor(),
                    O::Trunc => x.trunc(),
                    // C rint: round half to even.
                    O::Round => x.round_ties_even(),
                    O::Sign => {
                        if x > 0.0 {
                            1.0
                        } else if x < 0.0 {
                            -1.0
                        } else if x == 0.0 {
                            0.0
                        } else {
                            x
                        }
                    }
                    O::Conjugate => x,
                    _ => panic!("{op} of {}", stringify!($t)),
                }
            }
            fn powf(self, y: Self) -> Self {
                $t::powf(self, y)
            }
            fn atan2(self, x: Self) -> Self {
                $t::atan2(self, x)
            }
            fn hypot(self, y: Self) -> Self {
                $t::hypot(self, y)
            }
            fn copysign(self, y: Self) -> Self {
                $t::copysign(self, y)
            }
            fn floor(self) -> Self {
                $t::floor(self)
            }
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            fn is_infinite(self) -> bool {
                $t::is_infinite(self)
            }
            fn is_sign_negative(self) -> bool {
                $t::is_sign_negative(self)
            }
            fn next_after(self, y: Self) -> Self {
                if self.is_nan() || y.is_nan() {
                    return $t::NAN;
                }
                if self == y {
                    return y;
                }
                if self == 0.0 {
                    // The smallest subnormal, on y's side.
                    let tiny = $t::from_bits(1);
                    return if y > 0.0 { tiny } else { -tiny };
                }
                // Away from zero increases the magnitude bits.
                let away = (y > self) == (self > 0.0);
                let bits = self.to_bits();
                $t::from_bits(if away { bits + 1 } else { bits - 1 })
            }
            fn into_v(self) -> V {
                V::$v(self)
            }
        }
    };
}
impl_fl!(f32, F, asinhf, acoshf, atanhf);
impl_fl!(f64, D, asinh, acosh, atanh);

/// A float result or a bool one.
pub enum FR<T> {
    X(T),
    B(bool),
}

impl<T: Fl> FR<T> {
    fn into_v(self) -> V {
        match self {
            FR::X(x) => x.into_v(),
            FR::B(b) => V::B(b),
        }
    }
}

fn float_unary<T: Fl>(op: OpName, x: T) -> FR<T> {
    match op {
        OpName::IsNan => FR::B(x.is_nan()),
        OpName::IsFinite => FR::B(x.is_finite()),
        OpName::IsInf => FR::B(x.is_infinite()),
        OpName::SignBit => FR::B(x.is_sign_negative()),
        _ => FR::X(x.func(op)),
    }
}

fn float_binary<T: Fl>(op: OpName, a: T, b: T) -> FR<T> {
    use OpName as O;
    FR::X(match op {
        O::Add => a + b,
        O::Sub => a - b,
        O::Mul => a * b,
        O::Div => a / b,
        O::FloorDiv => (a / b).floor(),
        O::Mod => a - (a / b).floor() * b,
        O::Pow => a.powf(b),
        O::Arctan2 => a.atan2(b),
        // C fmod: the remainder with the sign of a.
        O::Fmod => a % b,
        O::Hypot => a.hypot(b),
        O::CopySign => a.copysign(b),
        O::NextAfter => a.next_after(b),
        // numexpr: NaN propagates; otherwise `a > b ? a : b` (b on ties,
        // which decides the sign of a zero result).
        O::Maximum => {
            if a.is_nan() || b.is_nan() {
                T::NAN
            } else if a > b {
                a
            } else {
                b
            }
        }
        O::Minimum => {
            if a.is_nan() || b.is_nan() {
                T::NAN
            } else if a < b {
                a
            } else {
                b
            }
        }
        O::Gt => return FR::B(a > b),
        O::Ge => return FR::B(a >= b),
        O::Eq => return FR::B(a == b),
        O::Ne => return FR::B(a != b),
        _ => panic!("{op} of floats"),
    })
}

// ---------------------------------------------------------------------------
// complex128: numexpr 2.14's complex_functions.hpp, formula by formula
// (operation order matters: results must agree to the last bit).
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
pub struct Cx {
    re: f64,
    im: f64,
}

impl Cx {
    const fn new(re: f64, im: f64) -> Cx {
        Cx { re, im }
    }
}

const C_ONE: Cx = Cx::new(1.0, 0.0);
const C_I: Cx = Cx::new(0.0, 1.0);
const C_HALF_I: Cx = Cx::new(0.0, 0.5);
const C_HALF: Cx = Cx::new(0.5, 0.0);

fn c_sum(a: Cx, b: Cx) -> Cx {
    Cx::new(a.re + b.re, a.im + b.im)
}

fn c_diff(a: Cx, b: Cx) -> Cx {
    Cx::new(a.re - b.re, a.im - b.im)
}

fn c_neg(a: Cx) -> Cx {
    Cx::new(-a.re, -a.im)
}

fn c_prod(a: Cx, b: Cx) -> Cx {
    Cx::new(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

fn c_quot(a: Cx, b: Cx) -> Cx {
    let d = b.re * b.re + b.im * b.im;
    Cx::new(
        (a.re * b.re + a.im * b.im) / d,
        (a.im * b.re - a.re * b.im) / d,
    )
}

/// `i * x`
fn c_prodi(x: Cx) -> Cx {
    Cx::new(-x.im, x.re)
}

fn c_sqrt(x: Cx) -> Cx {
    if x.re == 0.0 && x.im == 0.0 {
        return x;
    }
    let s = ((x.re.abs() + x.re.hypot(x.im)) / 2.0).sqrt();
    let d = x.im / (2.0 * s);
    if x.re > 0.0 {
        Cx::new(s, d)
    } else if x.im >= 0.0 {
        Cx::new(d, s)
    } else {
        Cx::new(-d, -s)
    }
}

fn c_log(x: Cx) -> Cx {
    Cx::new(x.re.hypot(x.im).ln(), x.im.atan2(x.re))
}

fn c_log1p(x: Cx) -> Cx {
    Cx::new((x.re + 1.0).hypot(x.im).ln(), x.im.atan2(x.re + 1.0))
}

fn c_exp(x: Cx) -> Cx {
    let a = x.re.exp();
    Cx::new(a * x.im.cos(), a * x.im.sin())
}

fn c_expm1(x: Cx) -> Cx {
    let a = (x.im / 2.0).sin();
    let b = x.re.exp();
    Cx::new(x.re.exp_m1() * x.im.cos() - 2.0 * a * a, b * x.im.sin())
}

fn c_pow(a: Cx, b: Cx) -> Cx {
    if b.re == 0.0 && b.im == 0.0 {
        return C_ONE;
    }
    if a.re == 0.0 && a.im == 0.0 {
        return Cx::new(0.0, 0.0);
    }
    // (npy_intp)br == br, for a real integral exponent of magnitude < 100.
    let n = b.re as i64;
    if b.im == 0.0 && n as f64 == b.re && n > -100 && n < 100 {
        let n = n.abs();
        let mut acc = C_ONE;
        let mut p = a;
        let mut mask = 1i64;
        loop {
            if n & mask != 0 {
                acc = c_prod(acc, p);
            }
            mask <<= 1;
            if n < mask {
                break;
            }
            p = c_prod(p, p);
        }
        return if b.re < 0.0 { c_quot(C_ONE, acc) } else { acc };
    }
    c_exp(c_prod(c_log(a), b))
}

fn c_acos(x: Cx) -> Cx {
    let r = c_sqrt(c_diff(C_ONE, c_prod(x, x)));
    c_neg(c_prodi(c_log(c_sum(x, c_prodi(r)))))
}

fn c_acosh(x: Cx) -> Cx {
    let t = c_sqrt(c_sum(x, C_ONE));
    let r = c_sqrt(c_diff(x, C_ONE));
    c_log(c_sum(x, c_prod(t, r)))
}

fn c_asin(x: Cx) -> Cx {
    let a = c_prodi(x);
    let r = c_sqrt(c_diff(C_ONE, c_prod(x, x)));
    c_neg(c_prodi(c_log(c_sum(a, r))))
}

fn c_asinh(x: Cx) -> Cx {
    let r = c_sqrt(c_sum(C_ONE, c_prod(x, x)));
    c_log(c_sum(r, x))
}

fn c_atan(x: Cx) -> Cx {
    let a = c_diff(C_I, x);
    let r = c_quot(c_sum(C_I, x), a);
    c_prod(C_HALF_I, c_log(r))
}

fn c_atanh(x: Cx) -> Cx {
    let r = c_diff(C_ONE, x);
    let b = c_sum(C_ONE, x);
    c_prod(C_HALF, c_log(c_quot(b, r)))
}

fn c_cos(x: Cx) -> Cx {
    Cx::new(x.re.cos() * x.im.cosh(), -x.re.sin() * x.im.sinh())
}

fn c_cosh(x: Cx) -> Cx {
    Cx::new(x.im.cos() * x.re.cosh(), x.im.sin() * x.re.sinh())
}

fn c_sin(x: Cx) -> Cx {
    Cx::new(x.re.sin() * x.im.cosh(), x.re.cos() * x.im.sinh())
}

fn c_sinh(x: Cx) -> Cx {
    Cx::new(x.im.cos() * x.re.sinh(), x.im.sin() * x.re.cosh())
}

/// numexpr 2.14's `nc_tan`, which avoids the overflow of cosh for
/// |im| > 20.
fn c_tan(x: Cx) -> Cx {
    let d = (2.0 * x.re).cos() + (2.0 * x.im).cosh();
    let im = if x.im > 20.0 {
        1.0 / (1.0 + (-4.0 * x.im).exp())
    } else if x.im < -20.0 {
        -1.0 / (1.0 + (4.0 * x.im).exp())
    } else {
        (2.0 * x.im).sinh() / d
    };
    Cx::new((2.0 * x.re).sin() / d, im)
}

/// numexpr 2.14's `nc_tanh` (the same for |re| > 20).
fn c_tanh(x: Cx) -> Cx {
    let d = (2.0 * x.re).cosh() + (2.0 * x.im).cos();
    let re = if x.re > 20.0 {
        1.0 / (1.0 + (-4.0 * x.re).exp())
    } else if x.re < -20.0 {
        -1.0 / (1.0 + (4.0 * x.re).exp())
    } else {
        (2.0 * x.re).sinh() / d
    };
    Cx::new(re, (2.0 * x.im).sin() / d)
}

fn c_abs(x: Cx) -> Cx {
    Cx::new((x.re * x.re + x.im * x.im).sqrt(), 0.0)
}

fn c_isnan(x: Cx) -> bool {
    x.re.is_nan() || x.im.is_nan()
}

fn c_sign(x: Cx) -> Cx {
    if c_isnan(x) {
        return Cx::new(f64::NAN, f64::NAN);
    }
    let mag = c_abs(x).re;
    if mag == 0.0 {
        Cx::new(0.0, 0.0)
    } else {
        Cx::new(x.re / mag, x.im / mag)
    }
}

fn cv(c: Cx) -> V {
    V::C(c.re, c.im)
}

fn complex_unary(op: OpName, x: Cx) -> V {
    use OpName as O;
    let log_scaled = |k: f64| {
        let l = c_log(x);
        Cx::new(l.re * k, l.im * k)
    };
    cv(match op {
        O::Neg => c_neg(x),
        O::Conjugate => Cx::new(x.re, -x.im),
        O::Absolute => c_abs(x),
        O::Round => Cx::new(x.re.round_ties_even(), x.im.round_ties_even()),
        O::Sign => c_sign(x),
        O::Sqrt => c_sqrt(x),
        O::Sin => c_sin(x),
        O::Cos => c_cos(x),
        O::Tan => c_tan(x),
        O::Arcsin => c_asin(x),
        O::Arccos => c_acos(x),
        O::Arctan => c_atan(x),
        O::Sinh => c_sinh(x),
        O::Cosh => c_cosh(x),
        O::Tanh => c_tanh(x),
        O::Arcsinh => c_asinh(x),
        O::Arccosh => c_acosh(x),
        O::Arctanh => c_atanh(x),
        O::Log => c_log(x),
        O::Log1p => c_log1p(x),
        O::Log10 => log_scaled(std::f64::consts::LOG10_E),
        O::Log2 => log_scaled(std::f64::consts::LOG2_E),
        O::Exp => c_exp(x),
        O::Expm1 => c_expm1(x),
        O::Real => return V::D(x.re),
        O::Imag => return V::D(x.im),
        O::IsNan => return V::B(c_isnan(x)),
        O::IsInf => return V::B(x.re.is_infinite() || x.im.is_infinite()),
        O::IsFinite => return V::B(x.re.is_finite() && x.im.is_finite()),
        _ => panic!("{op} of complex"),
    })
}

fn complex_binary(op: OpName, a: Cx, b: Cx) -> V {
    use OpName as O;
    cv(match op {
        O::Add => c_sum(a, b),
        O::Sub => c_diff(a, b),
        O::Mul => c_prod(a, b),
        O::Div => c_quot(a, b),
        O::Pow => c_pow(a, b),
        O::Eq => return V::B(a.re == b.re && a.im == b.im),
        O::Ne => return V::B(!(a.re == b.re && a.im == b.im)),
        _ => panic!("{op} of complexes"),
    })
}

// ---------------------------------------------------------------------------
// Byte strings
// ---------------------------------------------------------------------------

/// NumPy's `S` value: trailing NULs are padding.
fn trim_padding(s: &[u8]) -> &[u8] {
    let mut end = s.len();
    while end > 0 && s[end - 1] == 0 {
        end -= 1;
    }
    &s[..end]
}

/// numexpr's `contains` works on C strings: each operand ends at its first
/// NUL (or at its width).
fn c_string(s: &[u8]) -> &[u8] {
    match s.iter().position(|&c| c == 0) {
        Some(i) => &s[..i],
        None => s,
    }
}

fn bytes_binary(op: OpName, a: &[u8], b: &[u8]) -> V {
    use std::cmp::Ordering;
    let ord = || trim_padding(a).cmp(trim_padding(b));
    V::B(match op {
        OpName::Eq => ord() == Ordering::Equal,
        OpName::Ne => ord() != Ordering::Equal,
        OpName::Gt => ord() == Ordering::Greater,
        OpName::Ge => ord() != Ordering::Less,
        OpName::Contains => {
            let (h, n) = (c_string(a), c_string(b));
            n.is_empty()
                || (n.len() <= h.len() && (0..=h.len() - n.len()).any(|i| &h[i..i + n.len()] == n))
        }
        _ => panic!("{op} of byte strings"),
    })
}

// ---------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------

fn reduce_all(
    op: ReduceOp,
    out: DType,
    arg: DType,
    axis: Option<usize>,
    shape: &[usize],
    values: &[V],
    errs: &[f64],
) -> Result<RefOut, ErrorKind> {
    // Groups of element indices, one per result element.
    let (groups, out_shape): (Vec<Vec<usize>>, Vec<usize>) = match axis {
        None => (vec![(0..values.len()).collect()], Vec::new()),
        Some(ax) => {
            // NumPy: a reduction without identity over a zero-length axis
            // is an error even when there is nothing to write.
            if shape[ax] == 0 && matches!(op, ReduceOp::Min | ReduceOp::Max) {
                return Err(ErrorKind::Reduction);
            }
            let out_shape: Vec<usize> = shape
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != ax)
                .map(|(_, &d)| d)
                .collect();
            let outer: usize = shape[..ax].iter().product();
            let inner: usize = shape[ax + 1..].iter().product();
            let run = shape[ax];
            let mut groups = Vec::with_capacity(outer * inner);
            for o in 0..outer {
                for i in 0..inner {
                    groups.push((0..run).map(|r| (o * run + r) * inner + i).collect());
                }
            }
            (groups, out_shape)
        }
    };
    let mut data = Vec::with_capacity(groups.len());
    let mut checks = Vec::with_capacity(groups.len());
    for g in &groups {
        let xs: Vec<&V> = g.iter().map(|&i| &values[i]).collect();
        let (v, c) = reduce(op, out, arg, &xs)?;
        data.push(v);
        let es: Vec<f64> = g.iter().map(|&i| errs[i]).collect();
        checks.push(reduction_check(op, c, &xs, &es));
    }
    Ok(RefOut {
        dtype: out,
        shape: out_shape,
        width: 0,
        data,
        checks,
    })
}

/// The check of a reduction's result `check` (as if its elements were
/// exact) for elements `xs` with error bounds `errs`.
fn reduction_check(op: ReduceOp, check: Check, xs: &[&V], errs: &[f64]) -> Check {
    if errs.iter().all(|&e| e == 0.0) {
        return check;
    }
    if errs.contains(&bounds::UNKNOWN) {
        return Check::Skip;
    }
    let total: f64 = errs.iter().sum();
    let widest = errs.iter().copied().fold(0.0, f64::max);
    let widen = |extra: f64| match check {
        Check::Exact => Check::Within(extra),
        Check::Within(e) => Check::Within(e + extra),
        Check::Tol([re, im]) => Check::Tol([re + extra, im + extra]),
        Check::Skip => Check::Skip,
    };
    match op {
        ReduceOp::Sum => widen(total),
        ReduceOp::Mean => widen(total / xs.len() as f64),
        // min and max are 1-Lipschitz in every element.
        ReduceOp::Min | ReduceOp::Max => widen(widest),
        ReduceOp::Any | ReduceOp::All => {
            if xs
                .iter()
                .zip(errs)
                .all(|(x, &e)| bounds::truth_certain(x, e))
            {
                check
            } else {
                Check::Skip
            }
        }
        ReduceOp::Prod => Check::Skip,
    }
}

/// Reals of a float group (f32 widened).
fn reals(xs: &[&V]) -> Vec<f64> {
    xs.iter()
        .map(|v| match v {
            V::F(x) => f64::from(*x),
            V::D(x) => *x,
            other => panic!("not a float: {other:?}"),
        })
        .collect()
}

/// A sum whose value does not depend on the order of the additions except
/// for rounding: `(value, Σ|x|)`, or `None` when an intermediate could
/// overflow in some order (so the result is order-dependent).  Non-finite
/// inputs decide the result the same way in every order.
fn sum_info(xs: &[f64], max: f64) -> Option<(f64, f64)> {
    let nan = xs.iter().any(|x| x.is_nan());
    let pinf = xs.contains(&f64::INFINITY);
    let ninf = xs.contains(&f64::NEG_INFINITY);
    if nan || (pinf && ninf) {
        return Some((f64::NAN, 0.0));
    }
    // Finite values that may overflow a partial sum (to an infinity of
    // either sign, depending on the order).
    let abs: f64 = xs.iter().filter(|x| x.is_finite()).map(|x| x.abs()).sum();
    if abs > max / 2.0 {
        return None;
    }
    if pinf {
        return Some((f64::INFINITY, 0.0));
    }
    if ninf {
        return Some((f64::NEG_INFINITY, 0.0));
    }
    // Neumaier's compensated sum: accurate to about one rounding.
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for &x in xs {
        let t = s + x;
        if s.abs() >= x.abs() {
            c += (s - t) + x;
        } else {
            c += (x - t) + s;
        }
        s = t;
    }
    Some((s + c, abs))
}

/// A product computed in order, checkable when no contiguous partial
/// product of finite non-zero factors can leave the normal range (then
/// every grouping of the factors gives the same value up to rounding);
/// `log2s` are the log2 magnitudes of the factors (`None` for 0, inf, NaN).
fn product_checkable(log2s: &[Option<f64>], min_exp: f64, max_exp: f64) -> bool {
    // Kadane over each run of finite non-zero factors, for the largest and
    // the smallest contiguous sum of logs.
    let (mut hi, mut lo) = (0.0f64, 0.0f64);
    let (mut best_hi, mut best_lo) = (0.0f64, 0.0f64);
    for l in log2s {
        match l {
            Some(l) => {
                hi = (hi + l).max(*l);
                lo = (lo + l).min(*l);
                best_hi = best_hi.max(hi);
                best_lo = best_lo.min(lo);
            }
            None => {
                hi = 0.0;
                lo = 0.0;
            }
        }
    }
    best_hi < max_exp - 2.0 && best_lo > min_exp + 2.0
}

fn truth(v: &V) -> bool {
    match v {
        V::B(b) => *b,
        V::I(x) => *x != 0,
        V::L(x) => *x != 0,
        V::F(x) => *x != 0.0,
        V::D(x) => *x != 0.0,
        V::C(re, im) => *re != 0.0 || *im != 0.0,
        V::S(_) => panic!("truth of bytes"),
    }
}

fn exact_int(v: &V) -> i128 {
    match v {
        V::B(b) => i128::from(*b),
        V::I(x) => i128::from(*x),
        V::L(x) => i128::from(*x),
        other => panic!("not an integer: {other:?}"),
    }
}

fn reduce(op: ReduceOp, out: DType, arg: DType, xs: &[&V]) -> Result<(V, Check), ErrorKind> {
    use DType as T;
    let n = xs.len();
    let exact = |v: V| Ok((v, Check::Exact));
    match (op, arg) {
        (ReduceOp::Any, _) => exact(V::B(xs.iter().any(|v| truth(v)))),
        (ReduceOp::All, _) => exact(V::B(xs.iter().all(|v| truth(v)))),
        (ReduceOp::Min | ReduceOp::Max, _) if n == 0 => Err(ErrorKind::Reduction),
        (ReduceOp::Min, T::Bool) => exact(V::B(xs.iter().all(|v| truth(v)))),
        (ReduceOp::Max, T::Bool) => exact(V::B(xs.iter().any(|v| truth(v)))),
        (ReduceOp::Min | ReduceOp::Max, T::Int32 | T::Int64) => {
            let it = xs.iter().map(|v| exact_int(v));
            let m = if op == ReduceOp::Min {
                it.min()
            } else {
                it.max()
            };
            exact(wrap(
                m.expect("non-empty"),
                if arg == T::Int32 { 32 } else { 64 },
            ))
        }
        (ReduceOp::Min | ReduceOp::Max, T::Float32 | T::Float64) => {
            // fmin/fmax: NaNs are skipped unless every value is NaN.
            let mut m = f64::NAN;
            for x in reals(xs) {
                if x.is_nan() {
                    continue;
                }
                if m.is_nan() || (op == ReduceOp::Min && x < m) || (op == ReduceOp::Max && x > m) {
                    m = x;
                }
            }
            exact(if arg == T::Float32 {
                V::F(m as f32)
            } else {
                V::D(m)
            })
        }
        (ReduceOp::Sum | ReduceOp::Mean, T::Bool | T::Int32 | T::Int64) => {
            let s: i128 = xs.iter().map(|v| exact_int(v)).sum();
            if op == ReduceOp::Sum {
                // bool sums count in int64; integer sums wrap in their type.
                let bits = if arg == T::Int32 { 32 } else { 64 };
                return exact(wrap(s, bits));
            }
            let abs: f64 = xs.iter().map(|v| (exact_int(v) as f64).abs()).sum();
            let n = n as f64;
            Ok((V::D(s as f64 / n), Check::Tol([1e-12 * abs / n, 0.0])))
        }
        (ReduceOp::Sum | ReduceOp::Mean, T::Float32 | T::Float64) => {
            let (max, rel) = if arg == T::Float32 {
                (f64::from(f32::MAX), 1e-5)
            } else {
                (f64::MAX, 1e-12)
            };
            let div = if op == ReduceOp::Mean { n as f64 } else { 1.0 };
            let v = |x: f64| {
                if arg == T::Float32 {
                    V::F(x as f32)
                } else {
                    V::D(x)
                }
            };
            match sum_info(&reals(xs), max) {
                None => Ok((v(f64::NAN), Check::Skip)),
                Some((s, abs)) => Ok((v(s / div), Check::Tol([rel * abs / div, 0.0]))),
            }
        }
        (ReduceOp::Sum | ReduceOp::Mean, T::Complex128) => {
            let re: Vec<f64> = xs.iter().map(|v| complex_parts(v).0).collect();
            let im: Vec<f64> = xs.iter().map(|v| complex_parts(v).1).collect();
            let div = if op == ReduceOp::Mean { n as f64 } else { 1.0 };
            match (sum_info(&re, f64::MAX), sum_info(&im, f64::MAX)) {
                (Some((r, ra)), Some((i, ia))) => Ok((
                    V::C(r / div, i / div),
                    Check::Tol([1e-12 * ra / div, 1e-12 * ia / div]),
                )),
                _ => Ok((V::C(f64::NAN, f64::NAN), Check::Skip)),
            }
        }
        (ReduceOp::Prod, T::Bool | T::Int32 | T::Int64) => {
            let bits = if arg == T::Int32 { 32 } else { 64 };
            let mut acc: i128 = 1;
            for v in xs {
                // Keep the exact low bits only (wrapping in the type).
                acc = match wrap(acc * exact_int(v), 64) {
                    V::L(x) => i128::from(x),
                    _ => unreachable!(),
                };
            }
            exact(wrap(acc, bits))
        }
        (ReduceOp::Prod, T::Float32 | T::Float64) => {
            let xs = reals(xs);
            let logs: Vec<Option<f64>> = xs
                .iter()
                .map(|x| (x.is_finite() && *x != 0.0).then(|| x.abs().log2()))
                .collect();
            let (v, checkable, eps) = if arg == T::Float32 {
                let p = xs.iter().fold(1.0f32, |a, &x| a * x as f32);
                (V::F(p), product_checkable(&logs, -126.0, 128.0), 6e-8)
            } else {
                let p = xs.iter().fold(1.0f64, |a, &x| a * x);
                (V::D(p), product_checkable(&logs, -1022.0, 1024.0), 1.2e-16)
            };
            let mag = match &v {
                V::F(p) => f64::from(*p).abs(),
                V::D(p) => p.abs(),
                _ => unreachable!(),
            };
            let check = if checkable {
                Check::Tol([4.0 * (n as f64 + 1.0) * eps * mag, 0.0])
            } else {
                Check::Skip
            };
            Ok((v, check))
        }
        (ReduceOp::Prod, T::Complex128) => {
            let mut acc = C_ONE;
            let mut finite = true;
            let mut logs = Vec::with_capacity(n);
            for v in xs {
                let (re, im) = complex_parts(v);
                finite &= re.is_finite() && im.is_finite();
                let m = re.hypot(im);
                logs.push((m != 0.0).then(|| m.log2()));
                acc = c_prod(acc, Cx::new(re, im));
            }
            if !finite || !product_checkable(&logs, -1022.0, 1024.0) {
                return Ok((cv(acc), Check::Skip));
            }
            // Rounding errors are relative to the product of the moduli.
            let modulus: f64 = logs.iter().flatten().sum::<f64>().exp2();
            let has_zero = logs.iter().any(|l| l.is_none());
            let t = if has_zero {
                0.0
            } else {
                8.0 * (n as f64 + 1.0) * 1.2e-16 * modulus
            };
            Ok((cv(acc), Check::Tol([t, t])))
        }
        (op, arg) => panic!("{op:?} of {arg} (result {out}) is rejected by typing"),
    }
}

fn complex_parts(v: &V) -> (f64, f64) {
    match v {
        V::C(re, im) => (*re, *im),
        other => panic!("not complex: {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Comparison of a reference value with ndexpr's
// ---------------------------------------------------------------------------

fn float_close(want: f64, got: f64, rel: f64, abs: f64) -> bool {
    if (want.is_nan() && got.is_nan()) || want == got {
        return true;
    }
    let diff = (want - got).abs();
    want.is_finite() && got.is_finite() && (diff <= rel * want.abs().max(got.abs()) || diff <= abs)
}

/// The same bits, or both NaN (of any sign and payload).
fn same_float(want: f64, got: f64) -> bool {
    want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan())
}

/// The same float, or both finite and at most `e` apart.  (A reduction
/// of inexact elements is non-finite only through exact ones: non-finite
/// inexact values are not compared.)
fn within(want: f64, got: f64, e: f64) -> bool {
    same_float(want, got) || (want.is_finite() && got.is_finite() && (want - got).abs() <= e)
}

/// Whether ndexpr's element `got` matches the reference's `want`.
pub fn matches(want: &V, got: &V, check: Check) -> bool {
    match (check, want, got) {
        (Check::Skip, _, _) => want.dtype() == got.dtype(),
        // (Widening float32 to float64 keeps the bits' meaning.)
        (Check::Exact, V::F(w), V::F(g)) => same_float(f64::from(*w), f64::from(*g)),
        (Check::Exact, V::D(w), V::D(g)) => same_float(*w, *g),
        (Check::Exact, V::C(wr, wi), V::C(gr, gi)) => same_float(*wr, *gr) && same_float(*wi, *gi),
        (Check::Within(e), V::D(w), V::D(g)) => within(*w, *g, e),
        (Check::Within(e), V::C(wr, wi), V::C(gr, gi)) => {
            within(*wr, *gr, e) && within(*wi, *gi, e)
        }
        (Check::Tol(t), V::F(w), V::F(g)) => float_close(f64::from(*w), f64::from(*g), 1e-5, t[0]),
        (Check::Tol(t), V::D(w), V::D(g)) => float_close(*w, *g, 1e-12, t[0]),
        (Check::Tol(t), V::C(wr, wi), V::C(gr, gi)) => {
            float_close(*wr, *gr, 1e-12, t[0]) && float_close(*wi, *gi, 1e-12, t[1])
        }
        (_, w, g) => w == g,
    }
}

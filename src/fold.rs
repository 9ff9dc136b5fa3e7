//! Constant folding: the value model numexpr uses while it builds a tree.
//!
//! In: constant operands, as [`Value`]s.  A literal of the expression is a
//! Python scalar ([`Py`]); the result of an all-constant function call is a
//! NumPy scalar ([`Np`]), because numexpr folds such a call by calling the
//! NumPy function on the constant values.
//! Out: the constant [`Value`] numexpr computes for an operator, a function
//! call or an attribute access, and finally, through [`Value::to_scalar`], the
//! typed [`Scalar`] numexpr compiles into the program.
//!
//! The rules are the ones numexpr 2.14 inherits from its host:
//!
//! * Python scalars with Python scalars follow Python: unbounded ints (here
//!   `i128`; anything larger is a [`ErrorKind::Value`] error), true division
//!   to float, floor division and modulo with the sign of the divisor,
//!   `ZeroDivisionError`, `OverflowError` (both [`ErrorKind::Value`]),
//!   negative numbers to fractional powers becoming complex.
//! * As soon as a NumPy scalar takes part, NumPy 2 scalar semantics apply with
//!   NEP 50 promotion: Python `int`, `float` and `complex` operands are
//!   "weak" and take the NumPy operand's type when their kind allows it
//!   (`np.float16 + 2.5` is `float16`, `np.int8 + 300` is an overflow error),
//!   integers wrap, integer division by zero gives 0, `float16` arithmetic is
//!   done in `float32` and rounded.  The one exception is Python's own
//!   dispatch: `complex` on the left of an `np.float64` (a subclass of
//!   `float`) is handled by Python's `complex` type.
//! * Function calls use NumPy's ufunc loop selection, so the result type is
//!   NumPy's (`sin(True)` is `float16`, `abs(-3)` is `int64`, `conj(True)` is
//!   `int8`).
//! * [`Value::to_scalar`] reproduces numexpr's `bestConstantType`,
//!   `ConstantNode` kind and `convertConstantToKind`, quirks included:
//!   a NumPy `complex128` whose imaginary part is zero is compiled as a
//!   `float32`, `float16` values become `float32`, Python ints become `int32`
//!   when they fit.
//!
//! What is *not* decided here is which operations numexpr folds at all.  It
//! folds `op(ConstantNode, ConstantNode)` for most operators and unary `-` /
//! `~` of a constant node, but never `/` once a constant node is involved,
//! nor `**` with a constant-node base (both become run-time operations), and
//! its `__radd__` / `__rmul__` evaluate `op(right, left)`.  The caller models
//! that and asks this module only for the folds numexpr performs.

use crate::ast::{BinaryOp, UnaryOp};
use crate::error::{Error, ErrorKind};
use crate::types::Scalar;
use num_complex::{Complex32, Complex64};
use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

/// A Python scalar: a literal, or the result of folding Python literals with
/// Python's own operators.
#[derive(Clone, Debug, PartialEq)]
pub enum Py {
    /// `True` / `False`.
    Bool(bool),
    /// An `int`.  Python ints are unbounded; folding reports values that do
    /// not fit `i128` as errors.
    Int(i128),
    /// A `float`.
    Float(f64),
    /// A `complex`.
    Complex(Complex64),
    /// A `bytes` (or ASCII `str`) literal.
    Bytes(Vec<u8>),
    /// `None`.
    None,
}

/// A NumPy scalar: the result of folding a numexpr function call (and of
/// operators applied to such results).
#[derive(Clone, Debug, PartialEq)]
pub enum Np {
    /// `np.bool_`
    Bool(bool),
    /// `np.int8` (`conj(True)`, `fmod(True, False)`)
    Int8(i8),
    /// `np.int32` (only from [`Scalar::Int32`] via `From`; folding never
    /// creates one from literals)
    Int32(i32),
    /// `np.int64`
    Int64(i64),
    /// `np.float16`, stored as the `f32` of the same value (always exactly
    /// representable as IEEE binary16).
    Float16(f32),
    /// `np.float32`
    Float32(f32),
    /// `np.float64`
    Float64(f64),
    /// `np.complex64` (`sin(True) + 1j`)
    Complex64(Complex32),
    /// `np.complex128`
    Complex128(Complex64),
}

/// A constant during folding: a Python or a NumPy scalar.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A Python scalar.
    Py(Py),
    /// A NumPy scalar.
    Np(Np),
}

// ---------------------------------------------------------------------------
// Errors

const TOO_LARGE: &str = "integer constant too large";

fn value_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Value, msg)
}

fn type_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Type, msg)
}

fn unsupported(op: BinaryOp, a: &Value, b: &Value) -> Error {
    type_err(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        a.type_name(),
        b.type_name()
    ))
}

// ---------------------------------------------------------------------------
// IEEE binary16

/// The binary16 bit pattern nearest to `x` (ties to even, overflow to inf):
/// NumPy's `npy_double_to_half`.
fn f16_bits(x: f64) -> u16 {
    let sign = if x.is_sign_negative() { 0x8000 } else { 0 };
    let a = x.abs();
    if a.is_nan() {
        return sign | 0x7e00;
    }
    if a >= 65520.0 {
        // 65520 is halfway between 65504 (the largest half) and 2**16.
        return sign | 0x7c00;
    }
    if a < 2f64.powi(-14) {
        // Subnormal (1024 rounds up into the smallest normal number).
        return sign | (a * 2f64.powi(24)).round_ties_even() as u16;
    }
    let e = ((a.to_bits() >> 52) as i32) - 1023;
    let m = (a * 2f64.powi(10 - e)).round_ties_even() as u16;
    // m == 2048 carries into the exponent field.
    sign | ((((e + 15) as u16) << 10) + (m - 1024))
}

/// The value of a binary16 bit pattern.
fn f16_value(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let e = i32::from((h >> 10) & 0x1f);
    let m = f64::from(h & 0x3ff);
    sign * match e {
        0 => m * 2f64.powi(-24),
        31 if m == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1024.0 + m) * 2f64.powi(e - 25),
    }
}

/// `x` rounded once to binary16.
fn half(x: f64) -> f32 {
    f16_value(f16_bits(x)) as f32
}

// ---------------------------------------------------------------------------
// Generic float helpers (f32 and f64)

trait Real:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Rem<Output = Self>
    + Neg<Output = Self>
{
    const ZERO: Self;
    const ONE: Self;
    const HALF: Self;
    fn floor(self) -> Self;
    fn abs(self) -> Self;
    fn copysign(self, sign: Self) -> Self;
    fn powf(self, e: Self) -> Self;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const HALF: Self = 0.5;
    fn floor(self) -> Self {
        f64::floor(self)
    }
    fn abs(self) -> Self {
        f64::abs(self)
    }
    fn copysign(self, sign: Self) -> Self {
        f64::copysign(self, sign)
    }
    fn powf(self, e: Self) -> Self {
        f64::powf(self, e)
    }
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const HALF: Self = 0.5;
    fn floor(self) -> Self {
        f32::floor(self)
    }
    fn abs(self) -> Self {
        f32::abs(self)
    }
    fn copysign(self, sign: Self) -> Self {
        f32::copysign(self, sign)
    }
    fn powf(self, e: Self) -> Self {
        f32::powf(self, e)
    }
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// `(a // b, a % b)` by CPython's `_float_div_mod`, which is also NumPy's
/// `npy_divmod`; for `b == 0` NumPy's `(a / b, fmod(a, b))`.
fn divmod<T: Real>(a: T, b: T) -> (T, T) {
    let mut m = a % b;
    if b == T::ZERO {
        return (a / b, m);
    }
    let mut div = (a - m) / b;
    if m != T::ZERO {
        if (b < T::ZERO) != (m < T::ZERO) {
            m = m + b;
            div = div - T::ONE;
        }
    } else {
        m = T::ZERO.copysign(b);
    }
    let floordiv = if div != T::ZERO {
        let f = div.floor();
        if div - f > T::HALF { f + T::ONE } else { f }
    } else {
        T::ZERO.copysign(a / b)
    };
    (floordiv, m)
}

/// NumPy's complex division (Smith's method; `x / 0` gives inf/nan parts).
fn np_cdiv<T: Real>(a: (T, T), b: (T, T)) -> (T, T) {
    let (ar, ai) = a;
    let (br, bi) = b;
    let (abr, abi) = (br.abs(), bi.abs());
    if abr >= abi {
        if abr == T::ZERO && abi == T::ZERO {
            (ar / abr, ai / abr)
        } else {
            let rat = bi / br;
            let scl = T::ONE / (br + bi * rat);
            ((ar + ai * rat) * scl, (ai - ar * rat) * scl)
        }
    } else {
        let rat = br / bi;
        let scl = T::ONE / (bi + br * rat);
        ((ar * rat + ai) * scl, (ai * rat - ar) * scl)
    }
}

fn cmul<T: Real>(a: (T, T), b: (T, T)) -> (T, T) {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

/// NumPy's `npy_cpow`: exact small-integer powers by repeated
/// multiplication, C99 `cpow` otherwise.
fn np_cpow<T: Real>(a: (T, T), b: (T, T)) -> (T, T) {
    let (ar, ai) = a;
    let (br, bi) = b;
    if br == T::ZERO && bi == T::ZERO {
        return (T::ONE, T::ZERO);
    }
    if ar == T::ZERO && ai == T::ZERO {
        return if br > T::ZERO {
            (T::ZERO, T::ZERO)
        } else {
            (T::from_f64(f64::NAN), T::from_f64(f64::NAN))
        };
    }
    let brf = br.to_f64();
    if bi == T::ZERO && brf.trunc() == brf && brf.abs() < 100.0 {
        let n = brf as i64;
        match n {
            1 => return a,
            2 => return cmul(a, a),
            3 => return cmul(a, cmul(a, a)),
            _ => {
                let mut k = n.unsigned_abs();
                let (mut acc, mut p) = ((T::ONE, T::ZERO), a);
                loop {
                    if k & 1 == 1 {
                        acc = cmul(acc, p);
                    }
                    k >>= 1;
                    if k == 0 {
                        break;
                    }
                    p = cmul(p, p);
                }
                return if n < 0 {
                    np_cdiv((T::ONE, T::ZERO), acc)
                } else {
                    acc
                };
            }
        }
    }
    // C99 `cpow` as glibc computes it, `cexp(b * clog(a))`, with every step
    // rounded to the working precision (as its single-precision `cpowf`).
    let l = clog(Complex64::new(ar.to_f64(), ai.to_f64()));
    let (re, im) = cmul(b, (T::from_f64(l.re), T::from_f64(l.im)));
    let e = T::from_f64(re.to_f64().exp());
    if im == T::ZERO {
        return (e, im);
    }
    (
        e * T::from_f64(im.to_f64().cos()),
        e * T::from_f64(im.to_f64().sin()),
    )
}

/// `nextafter` on the binary format described by `to_bits` / `from_bits`.
fn next_after(
    x: f64,
    y: f64,
    sign_bit: u64,
    to_bits: impl Fn(f64) -> u64,
    from_bits: impl Fn(u64) -> f64,
) -> f64 {
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return from_bits(1 | if y < 0.0 { sign_bit } else { 0 });
    }
    let bits = to_bits(x);
    from_bits(if (x < y) == (x > 0.0) {
        bits + 1
    } else {
        bits - 1
    })
}

// ---------------------------------------------------------------------------
// Real and complex elementary functions

/// fdlibm's `asinh` (what glibc implements; Rust's own loses accuracy).
fn asinh(x: f64) -> f64 {
    let a = x.abs();
    if !a.is_finite() || a < 2f64.powi(-28) {
        return x;
    }
    let w = if a > 2f64.powi(28) {
        a.ln() + std::f64::consts::LN_2
    } else if a > 2.0 {
        (2.0 * a + 1.0 / ((a * a + 1.0).sqrt() + a)).ln()
    } else {
        let t = a * a;
        (a + t / (1.0 + (1.0 + t).sqrt())).ln_1p()
    };
    w.copysign(x)
}

/// fdlibm's `acosh`.
fn acosh(x: f64) -> f64 {
    if x.is_nan() || x < 1.0 {
        f64::NAN
    } else if x >= 2f64.powi(28) {
        if x.is_infinite() {
            x
        } else {
            x.ln() + std::f64::consts::LN_2
        }
    } else if x > 2.0 {
        (2.0 * x - 1.0 / (x + (x * x - 1.0).sqrt())).ln()
    } else {
        let t = x - 1.0;
        (t + (2.0 * t + t * t).sqrt()).ln_1p()
    }
}

/// fdlibm's `atanh`.
fn atanh(x: f64) -> f64 {
    let a = x.abs();
    if a.is_nan() || a > 1.0 {
        return f64::NAN;
    }
    if a == 1.0 {
        return f64::INFINITY.copysign(x);
    }
    if a < 2f64.powi(-28) {
        return x;
    }
    let t = if a < 0.5 {
        let t = a + a;
        0.5 * (t + t * a / (1.0 - a)).ln_1p()
    } else {
        0.5 * ((a + a) / (1.0 - a)).ln_1p()
    };
    t.copysign(x)
}

/// `a + b` as an unevaluated sum `(s, e)` (Knuth's two-sum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `x*x + y*y - 1` without cancellation (double-double arithmetic).
fn x2y2m1(x: f64, y: f64) -> f64 {
    let (xx, yy) = (x * x, y * y);
    let (xe, ye) = (x.mul_add(x, -xx), y.mul_add(y, -yy));
    let (s, e1) = two_sum(xx, -1.0);
    let (s, e2) = two_sum(s, yy);
    s + (e1 + e2 + xe + ye)
}

/// Complex logarithm, with an accurate real part near `|z| == 1`.
fn clog(z: Complex64) -> Complex64 {
    let h = z.re.hypot(z.im);
    let re = if h > 0.5 && h < 2.0 {
        0.5 * x2y2m1(z.re, z.im).ln_1p()
    } else {
        h.ln()
    };
    Complex64::new(re, z.im.atan2(z.re))
}

/// C99 `csqrt` (principal root, signed zeros respected).
fn csqrt(z: Complex64) -> Complex64 {
    let (x, y) = (z.re, z.im);
    if x == 0.0 && y == 0.0 {
        return Complex64::new(0.0, y);
    }
    if y.is_infinite() {
        return Complex64::new(f64::INFINITY, y);
    }
    if x.is_infinite() {
        return if x > 0.0 {
            Complex64::new(x, if y.is_nan() { y } else { 0f64.copysign(y) })
        } else {
            Complex64::new(if y.is_nan() { y } else { 0.0 }, f64::INFINITY.copysign(y))
        };
    }
    // Scale huge arguments so that |x| + hypot(x, y) cannot overflow.
    let (x, y, k) = if x.abs().max(y.abs()) > 2f64.powi(1020) {
        (x * 0.25, y * 0.25, 2.0)
    } else {
        (x, y, 1.0)
    };
    let t = ((x.abs() + x.hypot(y)) * 0.5).sqrt();
    if x >= 0.0 {
        Complex64::new(k * t, k * (y / (2.0 * t)))
    } else {
        Complex64::new(k * (y.abs() / (2.0 * t)), k * t.copysign(y))
    }
}

/// `sqrt(1 - z)` and `sqrt(1 + z)`, computed componentwise so that the
/// signs of zero parts survive (Kahan's branch-cut rules).
fn sqrt_1mz_1pz(z: Complex64) -> (Complex64, Complex64) {
    (
        csqrt(Complex64::new(1.0 - z.re, -z.im)),
        csqrt(Complex64::new(1.0 + z.re, z.im)),
    )
}

/// Kahan's `casin`.
fn casin(z: Complex64) -> Complex64 {
    let (a, b) = sqrt_1mz_1pz(z);
    Complex64::new(
        z.re.atan2(a.re * b.re - a.im * b.im),
        asinh(a.re * b.im - a.im * b.re),
    )
}

/// Kahan's `cacos`.
fn cacos(z: Complex64) -> Complex64 {
    let (a, b) = sqrt_1mz_1pz(z);
    Complex64::new(2.0 * a.re.atan2(b.re), asinh(b.re * a.im - b.im * a.re))
}

/// Kahan's `cacosh`.
fn cacosh(z: Complex64) -> Complex64 {
    let a = csqrt(Complex64::new(z.re - 1.0, z.im));
    let b = csqrt(Complex64::new(z.re + 1.0, z.im));
    Complex64::new(asinh(a.re * b.re + a.im * b.im), 2.0 * a.im.atan2(b.re))
}

/// `catanh(z) = log((1 + z) / (1 - z)) / 2`, organised like glibc's to
/// avoid cancellation and overflow.
fn catanh(z: Complex64) -> Complex64 {
    let (x, y) = (z.re, z.im);
    if x.abs().max(y.abs()) > 2f64.powi(500) {
        let h = x.hypot(y);
        return Complex64::new(x / h / h, std::f64::consts::FRAC_PI_2.copysign(y));
    }
    let den = (1.0 - x) * (1.0 - x) + y * y;
    let ratio = ((1.0 + x) * (1.0 + x) + y * y) / den;
    let re = if ratio < 0.5 {
        0.25 * ratio.ln()
    } else {
        0.25 * (4.0 * x / den).ln_1p()
    };
    // 1 - |z|**2, with +0 (not -0) on the unit circle.
    let d = -x2y2m1(x, y) + 0.0;
    Complex64::new(re, 0.5 * (2.0 * y).atan2(d))
}

/// `exp(z)`, exact for a real argument (no `inf * 0`).
fn cexp(z: Complex64) -> Complex64 {
    if z.im == 0.0 {
        Complex64::new(z.re.exp(), z.im)
    } else {
        z.exp()
    }
}

/// `sinh(z)`, exact for a real argument.
fn csinh(z: Complex64) -> Complex64 {
    if z.im == 0.0 {
        Complex64::new(z.re.sinh(), z.im)
    } else {
        z.sinh()
    }
}

/// `cosh(z)`, exact for a real argument (imaginary zero signed like
/// `sinh(x) * y`).
fn ccosh(z: Complex64) -> Complex64 {
    if z.im == 0.0 {
        let negative = z.re.is_sign_negative() != z.im.is_sign_negative();
        Complex64::new(z.re.cosh(), if negative { -0.0 } else { 0.0 })
    } else {
        z.cosh()
    }
}

/// `f(z) = -i g(i z)`, how C99 defines `casinh`, `catan` and `ctan`.
fn rotated(g: fn(Complex64) -> Complex64, z: Complex64) -> Complex64 {
    let w = g(Complex64::new(-z.im, z.re));
    Complex64::new(w.im, -w.re)
}

/// `tanh` of a complex number, without the inf/inf of the textbook formula
/// for large real parts.
fn ctanh(z: Complex64) -> Complex64 {
    if z.re.abs() > 20.0 {
        let s = (2.0 * z.im).sin() * 2.0 * (-2.0 * z.re.abs()).exp();
        Complex64::new(1f64.copysign(z.re), s)
    } else {
        z.tanh()
    }
}

// ---------------------------------------------------------------------------
// NumPy dtypes and values

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

/// The NumPy dtypes folding can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dt {
    Bool,
    I8,
    I32,
    I64,
    F16,
    F32,
    F64,
    C64,
    C128,
}

impl Dt {
    fn kind(self) -> Kind {
        match self {
            Dt::Bool => Kind::Bool,
            Dt::I8 | Dt::I32 | Dt::I64 => Kind::Int,
            Dt::F16 | Dt::F32 | Dt::F64 => Kind::Float,
            Dt::C64 | Dt::C128 => Kind::Complex,
        }
    }

    fn int_bits(self) -> u32 {
        match self {
            Dt::I8 => 8,
            Dt::I32 => 32,
            Dt::I64 => 64,
            _ => 0,
        }
    }

    /// Float precision (1 half, 2 single, 3 double) needed to hold the
    /// values of the type, as NumPy's promotion table sees it.
    fn precision(self) -> u8 {
        match self {
            Dt::Bool => 0,
            Dt::I8 | Dt::F16 => 1,
            Dt::F32 | Dt::C64 => 2,
            Dt::I32 | Dt::I64 | Dt::F64 | Dt::C128 => 3,
        }
    }

    fn float(precision: u8) -> Dt {
        match precision {
            0 | 1 => Dt::F16,
            2 => Dt::F32,
            _ => Dt::F64,
        }
    }

    fn complex(precision: u8) -> Dt {
        if precision <= 2 { Dt::C64 } else { Dt::C128 }
    }

    fn int(bits: u32) -> Dt {
        match bits {
            8 => Dt::I8,
            32 => Dt::I32,
            _ => Dt::I64,
        }
    }

    /// The loop a float-only ufunc (`sin`, `arctan2`, ...) uses for inputs
    /// of this type: NumPy picks the first of `e f d (F D)` the input casts
    /// to safely.
    fn float_loop(self) -> Dt {
        match self.kind() {
            Kind::Complex => self,
            _ => Dt::float(self.precision()),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Dt::Bool => "bool",
            Dt::I8 => "int8",
            Dt::I32 => "int32",
            Dt::I64 => "int64",
            Dt::F16 => "float16",
            Dt::F32 => "float32",
            Dt::F64 => "float64",
            Dt::C64 => "complex64",
            Dt::C128 => "complex128",
        }
    }
}

/// NumPy's `promote_types` for two concrete ("strong") types.
fn promote(a: Dt, b: Dt) -> Dt {
    match a.kind().max(b.kind()) {
        Kind::Bool => Dt::Bool,
        Kind::Int => Dt::int(a.int_bits().max(b.int_bits())),
        Kind::Float => Dt::float(a.precision().max(b.precision())),
        Kind::Complex => Dt::complex(a.precision().max(b.precision())),
    }
}

/// A NumPy value in a uniform representation: integers sign-extended to
/// `i64`, floats widened to `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Lane {
    B(bool),
    I(i64),
    F(f64),
    C(Complex64),
}

fn split(n: &Np) -> (Dt, Lane) {
    match *n {
        Np::Bool(b) => (Dt::Bool, Lane::B(b)),
        Np::Int8(v) => (Dt::I8, Lane::I(v.into())),
        Np::Int32(v) => (Dt::I32, Lane::I(v.into())),
        Np::Int64(v) => (Dt::I64, Lane::I(v)),
        Np::Float16(v) => (Dt::F16, Lane::F(v.into())),
        Np::Float32(v) => (Dt::F32, Lane::F(v.into())),
        Np::Float64(v) => (Dt::F64, Lane::F(v)),
        Np::Complex64(c) => (Dt::C64, Lane::C(Complex64::new(c.re.into(), c.im.into()))),
        Np::Complex128(c) => (Dt::C128, Lane::C(c)),
    }
}

/// Rounds a float to the precision of `dt` (once, from `f64`).
fn round_to(dt: Dt, x: f64) -> f64 {
    match dt.precision() {
        0 | 1 => half(x).into(),
        2 => (x as f32).into(),
        _ => x,
    }
}

/// Converts a value to `dt` (NumPy `astype` for the upcasts that occur).
fn cast(l: Lane, dt: Dt) -> Lane {
    let c = |re: f64, im: f64| Lane::C(Complex64::new(round_to(dt, re), round_to(dt, im)));
    match (l, dt.kind()) {
        (Lane::B(b), Kind::Bool) => Lane::B(b),
        (Lane::B(b), Kind::Int) => Lane::I(b.into()),
        (Lane::B(b), Kind::Float) => Lane::F(u8::from(b).into()),
        (Lane::B(b), Kind::Complex) => c(u8::from(b).into(), 0.0),
        (Lane::I(v), Kind::Bool) => Lane::B(v != 0),
        (Lane::I(v), Kind::Int) => Lane::I(v),
        (Lane::I(v), Kind::Float) => Lane::F(round_to(dt, v as f64)),
        (Lane::I(v), Kind::Complex) => c(v as f64, 0.0),
        (Lane::F(x), Kind::Bool) => Lane::B(x != 0.0),
        (Lane::F(x), Kind::Int) => Lane::I(x as i64),
        (Lane::F(x), Kind::Float) => Lane::F(round_to(dt, x)),
        (Lane::F(x), Kind::Complex) => c(x, 0.0),
        (Lane::C(z), Kind::Bool) => Lane::B(z.re != 0.0 || z.im != 0.0),
        (Lane::C(z), Kind::Int) => Lane::I(z.re as i64),
        (Lane::C(z), Kind::Float) => Lane::F(round_to(dt, z.re)),
        (Lane::C(z), Kind::Complex) => c(z.re, z.im),
    }
}

/// The NumPy scalar of type `dt` for a computed value: integers wrap,
/// `float32` results round once, `float16` results round through `float32`
/// (NumPy computes `float16` in `float32`).
fn build(dt: Dt, l: Lane) -> Np {
    let f32_of = |x: f64| x as f32;
    match (dt, l) {
        (Dt::Bool, Lane::B(b)) => Np::Bool(b),
        (Dt::I8, Lane::I(v)) => Np::Int8(v as i8),
        (Dt::I32, Lane::I(v)) => Np::Int32(v as i32),
        (Dt::I64, Lane::I(v)) => Np::Int64(v),
        (Dt::F16, Lane::F(x)) => Np::Float16(half(f32_of(x).into())),
        (Dt::F32, Lane::F(x)) => Np::Float32(f32_of(x)),
        (Dt::F64, Lane::F(x)) => Np::Float64(x),
        (Dt::C64, Lane::C(z)) => Np::Complex64(Complex32::new(f32_of(z.re), f32_of(z.im))),
        (Dt::C128, Lane::C(z)) => Np::Complex128(z),
        (dt, l) => build(dt, cast(l, dt)),
    }
}

/// Wraps an `i64` to the width of an integer type.
fn wrap(bits: u32, v: i64) -> i64 {
    match bits {
        8 => (v as i8).into(),
        32 => (v as i32).into(),
        _ => v,
    }
}

/// An operand of a NumPy operation: a typed ("strong") value, or a Python
/// `int` / `float` / `complex`, which NEP 50 treats as "weak".
#[derive(Clone, Copy, Debug)]
enum Arg<'a> {
    Strong(Dt, Lane),
    Weak(&'a Py),
}

impl Arg<'_> {
    /// The operand of a NumPy operation, `None` for bytes and `None`.
    fn of(v: &Value) -> Option<Arg<'_>> {
        match v {
            Value::Np(n) => {
                let (dt, l) = split(n);
                Some(Arg::Strong(dt, l))
            }
            Value::Py(Py::Bool(b)) => Some(Arg::Strong(Dt::Bool, Lane::B(*b))),
            Value::Py(p @ (Py::Int(_) | Py::Float(_) | Py::Complex(_))) => Some(Arg::Weak(p)),
            Value::Py(Py::Bytes(_) | Py::None) => None,
        }
    }
}

fn weak_kind(p: &Py) -> Kind {
    match p {
        Py::Float(_) => Kind::Float,
        Py::Complex(_) => Kind::Complex,
        _ => Kind::Int,
    }
}

/// NEP 50 result type of `args`.
fn resolve(args: &[Arg]) -> Dt {
    let mut strong: Option<Dt> = None;
    let mut weak: Option<Kind> = None;
    for a in args {
        match a {
            Arg::Strong(dt, _) => strong = Some(strong.map_or(*dt, |s| promote(s, *dt))),
            Arg::Weak(p) => weak = weak.max(Some(weak_kind(p))),
        }
    }
    match (strong, weak) {
        (Some(s), None) => s,
        (None, w) => match w.unwrap_or(Kind::Int) {
            Kind::Bool | Kind::Int => Dt::I64,
            Kind::Float => Dt::F64,
            Kind::Complex => Dt::C128,
        },
        (Some(s), Some(w)) if w <= s.kind() && s.kind() != Kind::Bool => s,
        (Some(s), Some(w)) => match (w, s.kind()) {
            (Kind::Bool, _) => s,
            (Kind::Int, _) => Dt::I64,
            (Kind::Float, _) => Dt::F64,
            (Kind::Complex, Kind::Float) => Dt::complex(s.precision()),
            (Kind::Complex, _) => Dt::C128,
        },
    }
}

fn int_fits(v: i128, bits: u32) -> bool {
    let lim = 1i128 << (bits - 1);
    (-lim..lim).contains(&v)
}

/// The value of `a` in type `dt` (an upcast, or the conversion of a weak
/// Python scalar, which must fit an integer type).
fn lane(a: &Arg, dt: Dt) -> Result<Lane, Error> {
    match *a {
        Arg::Strong(_, l) => Ok(cast(l, dt)),
        Arg::Weak(p) => Ok(match (p, dt.kind()) {
            (Py::Int(v), Kind::Int) => {
                if !int_fits(*v, dt.int_bits()) {
                    return Err(value_err(format!(
                        "Python integer {v} out of bounds for {}",
                        dt.name()
                    )));
                }
                Lane::I(*v as i64)
            }
            (Py::Int(v), _) => cast(Lane::F(*v as f64), dt),
            (Py::Float(x), _) => cast(Lane::F(*x), dt),
            (Py::Complex(z), _) => cast(Lane::C(*z), dt),
            (Py::Bool(b), _) => cast(Lane::B(*b), dt),
            (Py::Bytes(_) | Py::None, _) => return Err(type_err("not a number")),
        }),
    }
}

fn int_pow(mut a: i64, mut b: i64) -> i64 {
    let mut acc: i64 = 1;
    while b > 0 {
        if b & 1 == 1 {
            acc = acc.wrapping_mul(a);
        }
        a = a.wrapping_mul(a);
        b >>= 1;
    }
    acc
}

/// NumPy integer arithmetic in an integer type of `bits` bits.
fn np_int_op(op: BinaryOp, bits: u32, a: i64, b: i64) -> Result<i64, Error> {
    use BinaryOp::*;
    let in_range = |b: i64| (b as u64) < u64::from(bits);
    let v = match op {
        Add => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Mul => a.wrapping_mul(b),
        FloorDiv if b == 0 => 0,
        FloorDiv => {
            let q = a.wrapping_div(b);
            if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
                q - 1
            } else {
                q
            }
        }
        Mod if b == 0 => 0,
        Mod => {
            let r = a.wrapping_rem(b);
            if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            }
        }
        Pow if b < 0 => {
            return Err(value_err(
                "Integers to negative integer powers are not allowed.",
            ));
        }
        Pow => int_pow(a, b),
        LShift if in_range(b) => a.wrapping_shl(b as u32),
        LShift => 0,
        RShift if in_range(b) => a >> b,
        RShift => {
            if a < 0 {
                -1
            } else {
                0
            }
        }
        BitAnd => a & b,
        BitOr => a | b,
        BitXor => a ^ b,
        _ => unreachable!("comparisons and true division are not integer loops"),
    };
    Ok(wrap(bits, v))
}

fn float_op<T: Real>(op: BinaryOp, a: T, b: T) -> T {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::FloorDiv => divmod(a, b).0,
        BinaryOp::Mod => divmod(a, b).1,
        BinaryOp::Pow => a.powf(b),
        _ => unreachable!("not a float loop"),
    }
}

fn complex_op<T: Real>(op: BinaryOp, a: (T, T), b: (T, T)) -> (T, T) {
    match op {
        BinaryOp::Add => (a.0 + b.0, a.1 + b.1),
        BinaryOp::Sub => (a.0 - b.0, a.1 - b.1),
        BinaryOp::Mul => cmul(a, b),
        BinaryOp::Div => np_cdiv(a, b),
        BinaryOp::Pow => np_cpow(a, b),
        _ => unreachable!("not a complex loop"),
    }
}

/// Runs `f64` arithmetic for double types and `f32` arithmetic otherwise
/// (NumPy computes `float16` in `float32`).
fn in_precision(dt: Dt, a: f64, b: f64, op: BinaryOp) -> f64 {
    if dt.precision() == 3 {
        float_op(op, a, b)
    } else {
        float_op(op, a as f32, b as f32).into()
    }
}

fn complex_in_precision(dt: Dt, a: Complex64, b: Complex64, op: BinaryOp) -> Complex64 {
    if dt.precision() == 3 {
        let (re, im) = complex_op(op, (a.re, a.im), (b.re, b.im));
        Complex64::new(re, im)
    } else {
        let f = |z: Complex64| (z.re as f32, z.im as f32);
        let (re, im) = complex_op(op, f(a), f(b));
        Complex64::new(re.into(), im.into())
    }
}

/// The ufunc loop NumPy uses for `op` on operands promoted to `dt`.
fn loop_type(op: BinaryOp, dt: Dt) -> Result<Dt, Error> {
    use BinaryOp::*;
    Ok(match (op, dt.kind()) {
        (Sub, Kind::Bool) => {
            return Err(type_err(
                "numpy boolean subtract, the `-` operator, is not supported, use the \
                 bitwise_xor, the `^` operator, or the logical_xor function instead.",
            ));
        }
        (Div, Kind::Bool | Kind::Int) => Dt::F64,
        (FloorDiv | Mod | Pow | LShift | RShift, Kind::Bool) => Dt::I8,
        (FloorDiv | Mod, Kind::Complex)
        | (LShift | RShift | BitAnd | BitOr | BitXor, Kind::Float | Kind::Complex) => {
            return Err(type_err(format!(
                "ufunc for `{}` not supported for the input type {}",
                op.symbol(),
                dt.name()
            )));
        }
        _ => dt,
    })
}

fn cmp_result(op: BinaryOp, ord: Option<Ordering>) -> bool {
    use BinaryOp::*;
    match (op, ord) {
        (Ne, None) => true,
        (_, None) => false,
        (Lt, Some(o)) => o == Ordering::Less,
        (Le, Some(o)) => o != Ordering::Greater,
        (Eq, Some(o)) => o == Ordering::Equal,
        (Ne, Some(o)) => o != Ordering::Equal,
        (Ge, Some(o)) => o != Ordering::Less,
        (Gt, Some(o)) => o == Ordering::Greater,
        _ => unreachable!("not a comparison"),
    }
}

fn exact_int(a: &Arg) -> Option<i128> {
    match a {
        Arg::Strong(_, Lane::I(v)) => Some((*v).into()),
        Arg::Weak(Py::Int(v)) => Some(*v),
        _ => None,
    }
}

/// NumPy scalar comparison of two operands of promoted type `dt`.
fn np_compare(op: BinaryOp, x: &Arg, y: &Arg, dt: Dt) -> Result<bool, Error> {
    if dt.kind() == Kind::Int {
        // NumPy 2 compares integers with out-of-range Python ints exactly.
        if let (Some(a), Some(b)) = (exact_int(x), exact_int(y)) {
            return Ok(cmp_result(op, Some(a.cmp(&b))));
        }
    }
    Ok(match (lane(x, dt)?, lane(y, dt)?) {
        (Lane::B(a), Lane::B(b)) => cmp_result(op, Some(a.cmp(&b))),
        (Lane::I(a), Lane::I(b)) => cmp_result(op, Some(a.cmp(&b))),
        (Lane::F(a), Lane::F(b)) => cmp_result(op, a.partial_cmp(&b)),
        (Lane::C(a), Lane::C(b)) => complex_order(op, a, b),
        _ => unreachable!("operands were converted to one type"),
    })
}

/// NumPy's scalar complex comparison: lexicographic.
fn complex_order(op: BinaryOp, a: Complex64, b: Complex64) -> bool {
    use BinaryOp::*;
    let re_eq = a.re == b.re;
    match op {
        Eq => re_eq && a.im == b.im,
        Ne => !(re_eq && a.im == b.im),
        Lt => a.re < b.re || (re_eq && a.im < b.im),
        Le => a.re < b.re || (re_eq && a.im <= b.im),
        Gt => a.re > b.re || (re_eq && a.im > b.im),
        Ge => a.re > b.re || (re_eq && a.im >= b.im),
        _ => unreachable!("not a comparison"),
    }
}

fn repeat_bytes(s: &[u8], n: i128) -> Result<Py, Error> {
    /// Largest folded byte string; Python has no such limit, but a longer
    /// constant is no use to anybody.
    const MAX: i128 = 1 << 24;
    let n = n.max(0);
    if n.saturating_mul(s.len() as i128) > MAX {
        return Err(value_err("bytes constant too large"));
    }
    Ok(Py::Bytes(s.repeat(n as usize)))
}

/// `op(a, b)` when at least one operand is a NumPy scalar.
fn np_binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, Error> {
    use BinaryOp::*;
    // Python's float.__eq__ / NumPy's fallbacks for non-numbers.
    if matches!(a, Value::Py(Py::None)) || matches!(b, Value::Py(Py::None)) {
        return match op {
            Eq | Ne => Ok(Value::Py(Py::Bool(op == Ne))),
            _ => Err(unsupported(op, a, b)),
        };
    }
    if let (Value::Py(Py::Bytes(s)), Value::Np(n)) | (Value::Np(n), Value::Py(Py::Bytes(s))) =
        (a, b)
    {
        return match (op, split(n)) {
            (Eq | Ne, _) => Ok(Value::Np(Np::Bool(op == Ne))),
            (Mul, (_, Lane::I(k))) => Ok(Value::Py(repeat_bytes(s, k.into())?)),
            _ => Err(unsupported(op, a, b)),
        };
    }
    let (Some(x), Some(y)) = (Arg::of(a), Arg::of(b)) else {
        return Err(unsupported(op, a, b));
    };
    let dt = resolve(&[x, y]);
    if op.is_comparison() {
        return Ok(Value::Np(Np::Bool(np_compare(op, &x, &y, dt)?)));
    }
    let dt = loop_type(op, dt)?;
    let out = match (lane(&x, dt)?, lane(&y, dt)?) {
        (Lane::B(p), Lane::B(q)) => Lane::B(match op {
            Add | BitOr => p | q,
            Mul | BitAnd => p & q,
            BitXor => p ^ q,
            _ => unreachable!("loop_type sends other operators elsewhere"),
        }),
        (Lane::I(p), Lane::I(q)) => Lane::I(np_int_op(op, dt.int_bits(), p, q)?),
        (Lane::F(p), Lane::F(q)) => Lane::F(in_precision(dt, p, q, op)),
        (Lane::C(p), Lane::C(q)) => Lane::C(complex_in_precision(dt, p, q, op)),
        _ => unreachable!("operands were converted to one type"),
    };
    Ok(Value::Np(build(dt, out)))
}

fn np_unary(op: UnaryOp, n: &Np) -> Result<Np, Error> {
    let (dt, l) = split(n);
    let out = match (op, l) {
        (UnaryOp::Neg, Lane::B(_)) => {
            return Err(type_err(
                "The numpy boolean negative, the `-` operator, is not supported, use the \
                 `~` operator or the logical_not function instead.",
            ));
        }
        (UnaryOp::Pos, Lane::B(_)) => {
            return Err(type_err("ufunc 'positive' does not support the bool type"));
        }
        (UnaryOp::Pos, l) => l,
        (UnaryOp::Neg, Lane::I(v)) => Lane::I(v.wrapping_neg()),
        (UnaryOp::Neg, Lane::F(x)) => Lane::F(-x),
        (UnaryOp::Neg, Lane::C(z)) => Lane::C(-z),
        (UnaryOp::Invert, Lane::B(b)) => Lane::B(!b),
        (UnaryOp::Invert, Lane::I(v)) => Lane::I(!v),
        (UnaryOp::Invert, _) => {
            return Err(type_err(format!(
                "ufunc 'invert' not supported for the input type {}",
                dt.name()
            )));
        }
    };
    Ok(build(dt, out))
}

// ---------------------------------------------------------------------------
// Python semantics

/// Position in Python's numeric tower: 0 int (and bool), 1 float, 2 complex.
fn py_rank(p: &Py) -> Option<u8> {
    match p {
        Py::Bool(_) | Py::Int(_) => Some(0),
        Py::Float(_) => Some(1),
        Py::Complex(_) => Some(2),
        Py::Bytes(_) | Py::None => None,
    }
}

fn py_int(p: &Py) -> i128 {
    match p {
        Py::Bool(b) => (*b).into(),
        Py::Int(v) => *v,
        _ => unreachable!("not an int"),
    }
}

fn py_float(p: &Py) -> f64 {
    match p {
        Py::Float(x) => *x,
        p => py_int(p) as f64,
    }
}

fn py_complex(p: &Py) -> Complex64 {
    match p {
        Py::Complex(z) => *z,
        p => Complex64::new(py_float(p), 0.0),
    }
}

/// Python's `int / int`: correctly rounded true division.
fn int_true_div(a: i128, b: i128) -> Result<f64, Error> {
    if b == 0 {
        return Err(value_err("division by zero"));
    }
    let negative = (a < 0) != (b < 0);
    let (ua, ub) = (a.unsigned_abs(), b.unsigned_abs());
    let sign = if negative { -1.0 } else { 1.0 };
    if ua == 0 {
        // The long division below needs a non-zero quotient to terminate.
        return Ok(sign * 0.0);
    }
    const EXACT: u128 = 1 << 53;
    if ua <= EXACT && ub <= EXACT {
        return Ok(sign * (ua as f64 / ub as f64));
    }
    // Long division to at least 56 quotient bits plus a sticky remainder,
    // then one rounding to 53 bits.
    let (mut q, mut r, mut exp) = (ua / ub, ua % ub, 0i32);
    while q < 1 << 55 {
        r <<= 1;
        q <<= 1;
        if r >= ub {
            r -= ub;
            q |= 1;
        }
        exp -= 1;
    }
    let shift = 128 - q.leading_zeros() - 53;
    let mut m = q >> shift;
    let rest = q & ((1u128 << shift) - 1);
    let halfway = 1u128 << (shift - 1);
    if rest > halfway || (rest == halfway && (r != 0 || m & 1 == 1)) {
        m += 1;
    }
    Ok(sign * (m as f64) * 2f64.powi(exp + shift as i32))
}

fn py_int_op(op: BinaryOp, a: &Py, b: &Py) -> Result<Py, Error> {
    use BinaryOp::*;
    let (x, y) = (py_int(a), py_int(b));
    let too_large = || value_err(TOO_LARGE);
    let both_bool = matches!((a, b), (Py::Bool(_), Py::Bool(_)));
    Ok(Py::Int(match op {
        Add => x.checked_add(y).ok_or_else(too_large)?,
        Sub => x.checked_sub(y).ok_or_else(too_large)?,
        Mul => x.checked_mul(y).ok_or_else(too_large)?,
        Div => return int_true_div(x, y).map(Py::Float),
        FloorDiv | Mod if y == 0 => {
            return Err(value_err(if op == Mod {
                "integer modulo by zero"
            } else {
                "integer division or modulo by zero"
            }));
        }
        FloorDiv => {
            let q = x.checked_div(y).ok_or_else(too_large)?;
            if x % y != 0 && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            }
        }
        Mod => {
            let r = x.wrapping_rem(y);
            if r != 0 && ((r < 0) != (y < 0)) {
                r + y
            } else {
                r
            }
        }
        Pow if y < 0 => return py_float_pow(x as f64, y as f64),
        Pow if y == 0 => 1,
        Pow if matches!(x, 0 | 1) => x,
        Pow if x == -1 => 1 - 2 * (y & 1),
        Pow => u32::try_from(y)
            .ok()
            .and_then(|e| x.checked_pow(e))
            .ok_or_else(too_large)?,
        LShift | RShift if y < 0 => return Err(value_err("negative shift count")),
        LShift if x == 0 => 0,
        LShift => u32::try_from(y)
            .ok()
            .filter(|&s| s < 127)
            .map(|s| x << s)
            .filter(|v| v >> y == x)
            .ok_or_else(too_large)?,
        RShift => x >> y.min(127),
        BitAnd if both_bool => return Ok(Py::Bool(x & y != 0)),
        BitOr if both_bool => return Ok(Py::Bool(x | y != 0)),
        BitXor if both_bool => return Ok(Py::Bool(x ^ y != 0)),
        BitAnd => x & y,
        BitOr => x | y,
        BitXor => x ^ y,
        _ => unreachable!("comparisons are handled elsewhere"),
    }))
}

fn is_odd_integer(x: f64) -> bool {
    x.trunc() == x && (x / 2.0).trunc() != x / 2.0
}

/// CPython's `float.__pow__` (negative bases with fractional exponents are
/// handed to `complex.__pow__`).
fn py_float_pow(iv: f64, iw: f64) -> Result<Py, Error> {
    let float = |x: f64| Ok(Py::Float(x));
    if iw == 0.0 {
        return float(1.0);
    }
    if iv.is_nan() {
        return float(iv);
    }
    if iw.is_nan() {
        return float(if iv == 1.0 { 1.0 } else { iw });
    }
    if iw.is_infinite() {
        let a = iv.abs();
        return float(if a == 1.0 {
            1.0
        } else if (iw > 0.0) == (a > 1.0) {
            f64::INFINITY
        } else {
            0.0
        });
    }
    if iv.is_infinite() {
        let odd = is_odd_integer(iw);
        return float(match (iw > 0.0, odd) {
            (true, true) => iv,
            (true, false) => iv.abs(),
            (false, true) => 0f64.copysign(iv),
            (false, false) => 0.0,
        });
    }
    if iv == 0.0 {
        if iw < 0.0 {
            return Err(value_err("0.0 cannot be raised to a negative power"));
        }
        return float(if is_odd_integer(iw) { iv } else { 0.0 });
    }
    let mut base = iv;
    let mut negate = false;
    if iv < 0.0 {
        if iw != iw.floor() {
            return py_complex_pow(Complex64::new(iv, 0.0), Complex64::new(iw, 0.0));
        }
        base = -iv;
        negate = is_odd_integer(iw);
    }
    if base == 1.0 {
        return float(if negate { -1.0 } else { 1.0 });
    }
    let r = base.powf(iw);
    if r.is_infinite() {
        return Err(value_err("(34, 'Numerical result out of range')"));
    }
    float(if negate { -r } else { r })
}

/// CPython's `_Py_c_quot`; `None` for division by zero.
fn py_cquot(a: Complex64, b: Complex64) -> Option<Complex64> {
    let (abr, abi) = (b.re.abs(), b.im.abs());
    if abr >= abi {
        if abr == 0.0 {
            return None;
        }
        let ratio = b.im / b.re;
        let denom = b.re + b.im * ratio;
        Some(Complex64::new(
            (a.re + a.im * ratio) / denom,
            (a.im - a.re * ratio) / denom,
        ))
    } else if abi >= abr {
        let ratio = b.re / b.im;
        let denom = b.re * ratio + b.im;
        Some(Complex64::new(
            (a.re * ratio + a.im) / denom,
            (a.im * ratio - a.re) / denom,
        ))
    } else {
        Some(Complex64::new(f64::NAN, f64::NAN))
    }
}

/// CPython 3.11's `complex.__pow__`.
fn py_complex_pow(a: Complex64, b: Complex64) -> Result<Py, Error> {
    let zero_err = || value_err("0.0 to a negative or complex power");
    let p = if b.im == 0.0 && b.re == b.re.floor() && b.re.abs() <= 100.0 {
        let n = b.re as i64;
        let mut k = n.unsigned_abs();
        let (mut r, mut p) = (Complex64::new(1.0, 0.0), a);
        while k > 0 {
            if k & 1 == 1 {
                r *= p;
            }
            k >>= 1;
            if k > 0 {
                p = p * p;
            }
        }
        if n > 0 {
            r
        } else {
            py_cquot(Complex64::new(1.0, 0.0), r).ok_or_else(zero_err)?
        }
    } else if b.re == 0.0 && b.im == 0.0 {
        Complex64::new(1.0, 0.0)
    } else if a.re == 0.0 && a.im == 0.0 {
        if b.im != 0.0 || b.re < 0.0 {
            return Err(zero_err());
        }
        Complex64::new(0.0, 0.0)
    } else {
        let vabs = a.re.hypot(a.im);
        let mut len = vabs.powf(b.re);
        let at = a.im.atan2(a.re);
        let mut phase = at * b.re;
        if b.im != 0.0 {
            len /= (at * b.im).exp();
            phase += b.im * vabs.ln();
        }
        Complex64::new(len * phase.cos(), len * phase.sin())
    };
    if p.re.is_infinite() || p.im.is_infinite() {
        return Err(value_err("complex exponentiation"));
    }
    Ok(Py::Complex(p))
}

fn py_float_op(op: BinaryOp, x: f64, y: f64) -> Result<Py, Error> {
    use BinaryOp::*;
    Ok(Py::Float(match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div | FloorDiv | Mod if y == 0.0 => {
            return Err(value_err(match op {
                Div => "float division by zero",
                FloorDiv => "float floor division by zero",
                _ => "float modulo",
            }));
        }
        Div => x / y,
        FloorDiv => divmod(x, y).0,
        Mod => divmod(x, y).1,
        Pow => return py_float_pow(x, y),
        _ => unreachable!("checked by the caller"),
    }))
}

fn py_complex_op(op: BinaryOp, x: Complex64, y: Complex64) -> Result<Py, Error> {
    use BinaryOp::*;
    Ok(Py::Complex(match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div => py_cquot(x, y).ok_or_else(|| value_err("complex division by zero"))?,
        Pow => return py_complex_pow(x, y),
        _ => unreachable!("checked by the caller"),
    }))
}

/// Python's exact comparison of an int with a float.
fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    let limit = 2f64.powi(127);
    if f >= limit {
        return Some(Ordering::Less);
    }
    if f < -limit {
        return Some(Ordering::Greater);
    }
    let fl = f.floor();
    Some(i.cmp(&(fl as i128)).then(if f > fl {
        Ordering::Less
    } else {
        Ordering::Equal
    }))
}

/// Python's `complex == other` (exact for ints).
fn py_complex_eq(z: Complex64, other: &Py) -> bool {
    match other {
        Py::Complex(w) => z == *w,
        Py::Float(x) => z.im == 0.0 && z.re == *x,
        i => z.im == 0.0 && cmp_int_float(py_int(i), z.re) == Some(Ordering::Equal),
    }
}

fn py_compare(op: BinaryOp, a: &Py, b: &Py) -> Result<bool, Error> {
    let equality = matches!(op, BinaryOp::Eq | BinaryOp::Ne);
    let not_supported = || {
        type_err(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            Value::Py(a.clone()).type_name(),
            Value::Py(b.clone()).type_name()
        ))
    };
    let equal_if = |eq: bool| Some(if eq { Ordering::Equal } else { Ordering::Less });
    let ord = match (a, b, py_rank(a), py_rank(b)) {
        (Py::Bytes(x), Py::Bytes(y), ..) => Some(x.cmp(y)),
        (Py::None, Py::None, ..) if equality => Some(Ordering::Equal),
        (_, _, Some(ra), Some(rb)) if ra.max(rb) < 2 => match (a, b) {
            (Py::Float(x), Py::Float(y)) => x.partial_cmp(y),
            (Py::Float(x), i) => cmp_int_float(py_int(i), *x).map(Ordering::reverse),
            (i, Py::Float(y)) => cmp_int_float(py_int(i), *y),
            (i, j) => Some(py_int(i).cmp(&py_int(j))),
        },
        (Py::Complex(z), other, _, Some(_)) | (other, Py::Complex(z), Some(_), _) if equality => {
            equal_if(py_complex_eq(*z, other))
        }
        // Different types that are not both numbers are unequal.
        _ if equality => equal_if(false),
        _ => return Err(not_supported()),
    };
    Ok(cmp_result(op, ord))
}

fn py_binary(op: BinaryOp, a: &Py, b: &Py) -> Result<Py, Error> {
    if op.is_comparison() {
        return py_compare(op, a, b).map(Py::Bool);
    }
    let unsupported = || unsupported(op, &Value::Py(a.clone()), &Value::Py(b.clone()));
    match (op, a, b) {
        (BinaryOp::Add, Py::Bytes(x), Py::Bytes(y)) => return Ok(Py::Bytes([&x[..], y].concat())),
        (BinaryOp::Mul, Py::Bytes(s), n @ (Py::Int(_) | Py::Bool(_)))
        | (BinaryOp::Mul, n @ (Py::Int(_) | Py::Bool(_)), Py::Bytes(s)) => {
            return repeat_bytes(s, py_int(n));
        }
        _ => {}
    }
    let (Some(ra), Some(rb)) = (py_rank(a), py_rank(b)) else {
        return Err(unsupported());
    };
    let rank = ra.max(rb);
    let integral_only = matches!(
        op,
        BinaryOp::LShift | BinaryOp::RShift | BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor
    );
    match rank {
        0 => py_int_op(op, a, b),
        _ if integral_only => Err(unsupported()),
        1 => py_float_op(op, py_float(a), py_float(b)),
        _ if matches!(op, BinaryOp::FloorDiv | BinaryOp::Mod) => Err(unsupported()),
        _ => py_complex_op(op, py_complex(a), py_complex(b)),
    }
}

fn py_unary(op: UnaryOp, p: &Py) -> Result<Py, Error> {
    let bad = || {
        type_err(format!(
            "bad operand type for unary {}: '{}'",
            op.symbol(),
            Value::Py(p.clone()).type_name()
        ))
    };
    Ok(match (op, p) {
        (_, Py::Bytes(_) | Py::None) => return Err(bad()),
        (UnaryOp::Pos, Py::Bool(b)) => Py::Int((*b).into()),
        (UnaryOp::Pos, p) => p.clone(),
        (UnaryOp::Neg, Py::Float(x)) => Py::Float(-x),
        (UnaryOp::Neg, Py::Complex(z)) => Py::Complex(-z),
        (UnaryOp::Neg, i) => Py::Int(
            py_int(i)
                .checked_neg()
                .ok_or_else(|| value_err(TOO_LARGE))?,
        ),
        (UnaryOp::Invert, Py::Float(_) | Py::Complex(_)) => return Err(bad()),
        (UnaryOp::Invert, i) => Py::Int(!py_int(i)),
    })
}

/// `x.real` / `x.imag` of a Python scalar (`np.real` / `np.imag` return the
/// same for Python scalars).
fn py_attr(p: &Py, imag: bool) -> Result<Py, Error> {
    Ok(match p {
        Py::Bool(_) | Py::Int(_) => Py::Int(if imag { 0 } else { py_int(p) }),
        Py::Float(x) => Py::Float(if imag { 0.0 } else { *x }),
        Py::Complex(z) => Py::Float(if imag { z.im } else { z.re }),
        Py::Bytes(_) | Py::None => {
            return Err(type_err(format!(
                "'{}' object has no attribute '{}'",
                Value::Py(p.clone()).type_name(),
                if imag { "imag" } else { "real" }
            )));
        }
    })
}

/// `complex(v)` as Python computes it (NumPy scalars convert through
/// `__complex__` / `__float__`).  The flag tells whether `v` counts as a
/// complex number for the two-argument form.
fn as_py_complex(v: &Value, first: bool) -> Result<(Complex64, bool), Error> {
    Ok(match v {
        Value::Py(Py::Complex(z)) | Value::Np(Np::Complex128(z)) => (*z, true),
        Value::Np(Np::Complex64(z)) if first => (Complex64::new(z.re.into(), z.im.into()), true),
        Value::Py(p @ (Py::Bool(_) | Py::Int(_) | Py::Float(_))) => {
            (Complex64::new(py_float(p), 0.0), false)
        }
        Value::Np(n) => match cast(split(n).1, Dt::F64) {
            Lane::F(x) => (Complex64::new(x, 0.0), false),
            _ => unreachable!("cast to float64"),
        },
        Value::Py(Py::Bytes(_) | Py::None) => {
            return Err(type_err(format!(
                "complex() {} argument must be a string or a number, not '{}'",
                if first { "first" } else { "second" },
                v.type_name()
            )));
        }
    })
}

// ---------------------------------------------------------------------------
// Functions

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    Copy,
    OnesLike,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Arcsin,
    Arccos,
    Arctan,
    Sinh,
    Cosh,
    Tanh,
    Arcsinh,
    Arccosh,
    Arctanh,
    Log,
    Log1p,
    Log10,
    Log2,
    Exp,
    Expm1,
    Abs,
    Ceil,
    Floor,
    Trunc,
    Round,
    Sign,
    Real,
    Imag,
    Complex,
    Conj,
    IsNan,
    IsFinite,
    IsInf,
    SignBit,
    Fmod,
    Arctan2,
    Hypot,
    NextAfter,
    CopySign,
    Maximum,
    Minimum,
}

/// The functions [`Value::call`] folds, by numexpr name.
const FUNCS: [(&str, Func); 42] = [
    ("copy", Func::Copy),
    ("ones_like", Func::OnesLike),
    ("sqrt", Func::Sqrt),
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("arcsin", Func::Arcsin),
    ("arccos", Func::Arccos),
    ("arctan", Func::Arctan),
    ("sinh", Func::Sinh),
    ("cosh", Func::Cosh),
    ("tanh", Func::Tanh),
    ("arcsinh", Func::Arcsinh),
    ("arccosh", Func::Arccosh),
    ("arctanh", Func::Arctanh),
    ("log", Func::Log),
    ("log1p", Func::Log1p),
    ("log10", Func::Log10),
    ("log2", Func::Log2),
    ("exp", Func::Exp),
    ("expm1", Func::Expm1),
    ("abs", Func::Abs),
    ("ceil", Func::Ceil),
    ("floor", Func::Floor),
    ("trunc", Func::Trunc),
    ("round", Func::Round),
    ("sign", Func::Sign),
    ("real", Func::Real),
    ("imag", Func::Imag),
    ("complex", Func::Complex),
    ("conj", Func::Conj),
    ("isnan", Func::IsNan),
    ("isfinite", Func::IsFinite),
    ("isinf", Func::IsInf),
    ("signbit", Func::SignBit),
    ("fmod", Func::Fmod),
    ("arctan2", Func::Arctan2),
    ("hypot", Func::Hypot),
    ("nextafter", Func::NextAfter),
    ("copysign", Func::CopySign),
    ("maximum", Func::Maximum),
    ("minimum", Func::Minimum),
];

/// numexpr functions that are not folded by [`Value::call`].
const NOT_FOLDED: [&str; 6] = ["where", "contains", "sum", "prod", "min", "max"];

impl Func {
    fn arity(self) -> (usize, usize) {
        use Func::*;
        match self {
            Complex => (0, 2),
            Round => (1, 2),
            Fmod | Arctan2 | Hypot | NextAfter | CopySign | Maximum | Minimum => (2, 2),
            _ => (1, 1),
        }
    }

    /// Whether NumPy computes the function through a float loop
    /// (`e->e, f->f, d->d, F->F, D->D`).
    fn is_float_math(self) -> bool {
        use Func::*;
        matches!(
            self,
            Sqrt | Sin
                | Cos
                | Tan
                | Arcsin
                | Arccos
                | Arctan
                | Sinh
                | Cosh
                | Tanh
                | Arcsinh
                | Arccosh
                | Arctanh
                | Log
                | Log1p
                | Log10
                | Log2
                | Exp
                | Expm1
        )
    }

    fn real_math(self, x: f64) -> f64 {
        use Func::*;
        match self {
            Sqrt => x.sqrt(),
            Sin => x.sin(),
            Cos => x.cos(),
            Tan => x.tan(),
            Arcsin => x.asin(),
            Arccos => x.acos(),
            Arctan => x.atan(),
            Sinh => x.sinh(),
            Cosh => x.cosh(),
            Tanh => x.tanh(),
            Arcsinh => asinh(x),
            Arccosh => acosh(x),
            Arctanh => atanh(x),
            Log => x.ln(),
            Log1p => x.ln_1p(),
            Log10 => x.log10(),
            Log2 => x.log2(),
            Exp => x.exp(),
            Expm1 => x.exp_m1(),
            _ => unreachable!("not a float function"),
        }
    }

    fn complex_math(self, z: Complex64) -> Complex64 {
        use Func::*;
        match self {
            Sqrt => csqrt(z),
            Sin => rotated(csinh, z),
            Cos => ccosh(Complex64::new(-z.im, z.re)),
            Tan => rotated(ctanh, z),
            Arcsin => casin(z),
            Arccos => cacos(z),
            Arctan => rotated(catanh, z),
            Sinh => csinh(z),
            Cosh => ccosh(z),
            Tanh => ctanh(z),
            Arcsinh => rotated(casin, z),
            Arccosh => cacosh(z),
            Arctanh => catanh(z),
            Log => clog(z),
            Log1p => {
                let w = Complex64::new(z.re + 1.0, z.im);
                Complex64::new(w.re.hypot(w.im).ln(), w.im.atan2(w.re))
            }
            Log10 => clog(z) * std::f64::consts::LOG10_E,
            Log2 => clog(z) * std::f64::consts::LOG2_E,
            Exp => cexp(z),
            Expm1 => {
                let a = (z.im / 2.0).sin();
                Complex64::new(
                    z.re.exp_m1() * z.im.cos() - 2.0 * a * a,
                    z.re.exp() * z.im.sin(),
                )
            }
            _ => unreachable!("not a float function"),
        }
    }
}

fn ufunc_type_err(name: &str, dt: impl AsRef<str>) -> Error {
    type_err(format!(
        "ufunc '{name}' not supported for the input type {}",
        dt.as_ref()
    ))
}

/// NumPy's `sign` of a complex number (`z / |z|`, with NumPy's handling of
/// infinities).
fn csign(z: Complex64) -> Complex64 {
    let a = z.re.hypot(z.im);
    let sgn = |x: f64| if x > 0.0 { 1.0 } else { -1.0 };
    if a.is_nan() || (z.re.is_infinite() && z.im.is_infinite()) {
        Complex64::new(f64::NAN, f64::NAN)
    } else if a.is_infinite() {
        if z.re.is_infinite() {
            Complex64::new(sgn(z.re), 0.0)
        } else {
            Complex64::new(0.0, sgn(z.im))
        }
    } else if a == 0.0 {
        Complex64::new(0.0, 0.0)
    } else {
        Complex64::new(z.re / a, z.im / a)
    }
}

/// NumPy's `power_of_ten` (used by `np.round`).
fn power_of_ten(n: u32) -> f64 {
    const P10: [f64; 9] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
    match P10.get(n as usize) {
        Some(p) => *p,
        None => (9..n.min(400)).fold(1e9, |p, _| p * 10.0),
    }
}

/// `np.round(x, decimals)` on a float of type `dt`.
fn round_float(dt: Dt, x: f64, decimals: i64) -> f64 {
    if decimals == 0 {
        return x.round_ties_even();
    }
    let f = round_to(dt, power_of_ten(decimals.unsigned_abs().min(400) as u32));
    let fit = |v: f64| match build(dt.float_loop(), Lane::F(v)) {
        Np::Float16(v) | Np::Float32(v) => f64::from(v),
        Np::Float64(v) => v,
        _ => unreachable!("float type"),
    };
    if decimals > 0 {
        fit(fit(x * f).round_ties_even() / f)
    } else {
        fit(fit(x / f).round_ties_even() * f)
    }
}

/// The operand of a numexpr function, with NumPy's conversion of Python
/// scalars.  `uint64_ok` accepts Python ints in `[2**63, 2**64)` (NumPy
/// makes them `uint64`) as their `float64` value, right for functions whose
/// `uint64` loop computes in `float64`.
fn func_arg<'a>(name: &str, v: &'a Value, uint64_ok: bool) -> Result<Arg<'a>, Error> {
    match v {
        Value::Py(Py::Int(i)) if !int_fits(*i, 64) => {
            if (0..1i128 << 64).contains(i) {
                if uint64_ok {
                    Ok(Arg::Strong(Dt::F64, Lane::F(*i as f64)))
                } else {
                    Err(value_err(format!(
                        "{name}({i}) would give a uint64 result, which numexpr cannot compile"
                    )))
                }
            } else {
                // NumPy makes an object array, which has no loop.
                Err(ufunc_type_err(name, "int (beyond int64 and uint64)"))
            }
        }
        _ => Arg::of(v).ok_or_else(|| ufunc_type_err(name, v.type_name())),
    }
}

/// The typed value NumPy makes of a lone function argument.
fn strong(a: &Arg) -> Result<(Dt, Lane), Error> {
    let dt = resolve(&[*a]);
    Ok((dt, lane(a, dt)?))
}

fn unary_func(f: Func, name: &str, v: &Value) -> Result<Value, Error> {
    use Func::*;
    let uint64_ok = f.is_float_math() || matches!(f, IsNan | IsFinite | IsInf | SignBit);
    let (dt, l) = strong(&func_arg(name, v, uint64_ok)?)?;
    let not_supported = || ufunc_type_err(name, dt.name());
    let (out_dt, out) = match (f, l) {
        (f, l) if f.is_float_math() => {
            let ldt = dt.float_loop();
            match cast(l, ldt) {
                Lane::C(z) => (ldt, Lane::C(f.complex_math(z))),
                Lane::F(x) => (ldt, Lane::F(f.real_math(x))),
                _ => unreachable!("float loop"),
            }
        }
        (Copy, l) => (dt, l),
        (OnesLike, _) => (dt, cast(Lane::B(true), dt)),
        (Abs, Lane::I(v)) => (dt, Lane::I(v.wrapping_abs())),
        (Abs, Lane::F(x)) => (dt, Lane::F(x.abs())),
        (Abs, Lane::C(z)) => (Dt::float(dt.precision()), Lane::F(z.re.hypot(z.im))),
        (Ceil | Floor | Trunc, Lane::C(_)) => return Err(not_supported()),
        (Ceil, Lane::F(x)) => (dt, Lane::F(x.ceil())),
        (Floor, Lane::F(x)) => (dt, Lane::F(x.floor())),
        (Trunc, Lane::F(x)) => (dt, Lane::F(x.trunc())),
        (Abs | Ceil | Floor | Trunc, l) => (dt, l),
        (Round, Lane::B(b)) => (Dt::F16, Lane::F(u8::from(b).into())),
        (Round, Lane::F(x)) => (dt, Lane::F(x.round_ties_even())),
        (Round, Lane::C(z)) => (
            dt,
            Lane::C(Complex64::new(
                z.re.round_ties_even(),
                z.im.round_ties_even(),
            )),
        ),
        (Round, l) => (dt, l),
        (Sign, Lane::B(_)) => return Err(not_supported()),
        (Sign, Lane::I(v)) => (dt, Lane::I(v.signum())),
        (Sign, Lane::F(x)) => (
            dt,
            Lane::F(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else if x == 0.0 {
                0.0
            } else {
                x
            }),
        ),
        (Sign, Lane::C(z)) => (dt, Lane::C(csign(z))),
        (Conj, Lane::B(b)) => (Dt::I8, Lane::I(b.into())),
        (Conj, Lane::C(z)) => (dt, Lane::C(z.conj())),
        (Conj, l) => (dt, l),
        (IsNan | IsInf | IsFinite, l) => {
            let test = |x: f64| match f {
                IsNan => x.is_nan(),
                IsInf => x.is_infinite(),
                _ => x.is_finite(),
            };
            let r = match l {
                Lane::C(z) if f == IsFinite => test(z.re) && test(z.im),
                Lane::C(z) => test(z.re) || test(z.im),
                Lane::F(x) => test(x),
                _ => f == IsFinite,
            };
            (Dt::Bool, Lane::B(r))
        }
        (SignBit, Lane::C(_)) => return Err(not_supported()),
        (SignBit, l) => (
            Dt::Bool,
            Lane::B(match l {
                Lane::I(v) => v < 0,
                Lane::F(x) => x.is_sign_negative(),
                _ => false,
            }),
        ),
        _ => unreachable!("every unary function is handled"),
    };
    Ok(Value::Np(build(out_dt, out)))
}

fn round_with_decimals(name: &str, v: &Value, d: &Value) -> Result<Value, Error> {
    let decimals = match d {
        Value::Py(p @ (Py::Int(_) | Py::Bool(_))) => py_int(p),
        Value::Np(n) => match split(n) {
            (_, Lane::I(k)) => k.into(),
            (dt, _) => {
                return Err(type_err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    dt.name()
                )));
            }
        },
        _ => {
            return Err(type_err(format!(
                "'{}' object cannot be interpreted as an integer",
                d.type_name()
            )));
        }
    };
    let Ok(decimals) = i32::try_from(decimals) else {
        return Err(value_err(format!(
            "decimals={decimals} does not fit a C int"
        )));
    };
    let decimals = i64::from(decimals);
    if decimals == 0 {
        return unary_func(Func::Round, name, v);
    }
    let (dt, l) = strong(&func_arg(name, v, false)?)?;
    let out = match l {
        Lane::B(_) => {
            return Err(type_err(
                "Cannot cast ufunc 'multiply' output from dtype('float64') to dtype('bool')",
            ));
        }
        Lane::I(i) if decimals < 0 => Lane::I(round_float(Dt::F64, i as f64, decimals) as i64),
        Lane::I(i) => Lane::I(i),
        Lane::F(x) => Lane::F(round_float(dt, x, decimals)),
        Lane::C(z) => Lane::C(Complex64::new(
            round_float(dt, z.re, decimals),
            round_float(dt, z.im, decimals),
        )),
    };
    Ok(Value::Np(build(dt, out)))
}

fn binary_func(f: Func, name: &str, a: &Value, b: &Value) -> Result<Value, Error> {
    use Func::*;
    // A Python int beyond int64 is still a weak operand: NumPy converts it
    // when the loop is a float one (`fmod(-2**64, 710.0)`), and `lane`
    // reports the overflow when the loop is an integer one.
    fn arg<'v>(name: &str, v: &'v Value) -> Result<Arg<'v>, Error> {
        match v {
            Value::Py(p @ Py::Int(i)) if !int_fits(*i, 64) => Ok(Arg::Weak(p)),
            v => func_arg(name, v, false),
        }
    }
    let (x, y) = (arg(name, a)?, arg(name, b)?);
    let dt = resolve(&[x, y]);
    let not_supported = || ufunc_type_err(name, dt.name());
    let ldt = match (f, dt.kind()) {
        (Maximum | Minimum, _) => dt,
        (_, Kind::Complex) => return Err(not_supported()),
        (Fmod, Kind::Bool) => Dt::I8,
        (Fmod, _) => dt,
        _ => dt.float_loop(),
    };
    let (p, q) = (lane(&x, ldt)?, lane(&y, ldt)?);
    let out = match (f, p, q) {
        (Maximum, Lane::B(p), Lane::B(q)) => Lane::B(p | q),
        (Minimum, Lane::B(p), Lane::B(q)) => Lane::B(p & q),
        (Maximum, Lane::I(p), Lane::I(q)) => Lane::I(p.max(q)),
        (Minimum, Lane::I(p), Lane::I(q)) => Lane::I(p.min(q)),
        // Ties (signed zeros) go to the second operand in NumPy's float32 and
        // float64 loops and to the first in its float16 loop.
        (Maximum | Minimum, Lane::F(p), Lane::F(q)) => {
            let first = match (f == Maximum, ldt == Dt::F16) {
                (true, false) => p > q,
                (true, true) => p >= q,
                (false, false) => p < q,
                (false, true) => p <= q,
            };
            Lane::F(if first || p.is_nan() { p } else { q })
        }
        (Maximum | Minimum, Lane::C(p), Lane::C(q)) => {
            let nan = |z: Complex64| z.re.is_nan() || z.im.is_nan();
            let keep_p = if f == Maximum {
                (p.re > q.re && !nan(p) && !nan(q)) || (p.re == q.re && p.im >= q.im)
            } else {
                (p.re < q.re && !nan(p) && !nan(q)) || (p.re == q.re && p.im <= q.im)
            };
            Lane::C(if nan(p) || keep_p { p } else { q })
        }
        (Fmod, Lane::I(p), Lane::I(q)) => Lane::I(if q == 0 { 0 } else { p.wrapping_rem(q) }),
        (Fmod, Lane::F(p), Lane::F(q)) => Lane::F(p % q),
        (Arctan2, Lane::F(p), Lane::F(q)) => Lane::F(p.atan2(q)),
        (Hypot, Lane::F(p), Lane::F(q)) => Lane::F(p.hypot(q)),
        (CopySign, Lane::F(p), Lane::F(q)) => Lane::F(p.copysign(q)),
        (NextAfter, Lane::F(p), Lane::F(q)) => Lane::F(match ldt {
            Dt::F16 => next_after(
                p,
                q,
                1 << 15,
                |x| f16_bits(x).into(),
                |b| f16_value(b as u16),
            ),
            Dt::F32 => next_after(
                p,
                q,
                1 << 31,
                |x| (x as f32).to_bits().into(),
                |b| f32::from_bits(b as u32).into(),
            ),
            _ => next_after(p, q, 1 << 63, f64::to_bits, f64::from_bits),
        }),
        _ => unreachable!("every binary function is handled"),
    };
    Ok(Value::Np(build(ldt, out)))
}

// ---------------------------------------------------------------------------
// The public interface

impl Value {
    /// The Python type name of the value (`"int"`, `"numpy.float16"`, ...),
    /// for messages.
    fn type_name(&self) -> String {
        match self {
            Value::Py(p) => match p {
                Py::Bool(_) => "bool",
                Py::Int(_) => "int",
                Py::Float(_) => "float",
                Py::Complex(_) => "complex",
                Py::Bytes(_) => "bytes",
                Py::None => "NoneType",
            }
            .to_string(),
            Value::Np(n) => format!("numpy.{}", split(n).0.name()),
        }
    }

    /// `-v`, `+v`, `~v`: Python semantics for Python scalars (`-True == -1`,
    /// `+True == 1`, `~True == -2`, `~5 == -6`), NumPy semantics for NumPy
    /// scalars (`~np.True_ == np.False_`, `-np.int64` wraps, `-np.True_` is
    /// a type error).
    pub fn unary(op: UnaryOp, v: &Value) -> Result<Value, Error> {
        match v {
            Value::Py(p) => py_unary(op, p).map(Value::Py),
            Value::Np(n) => np_unary(op, n).map(Value::Np),
        }
    }

    /// `operator.<op>(a, b)` for every [`BinaryOp`], with `a` the left
    /// operand.
    ///
    /// Python scalars with Python scalars follow Python (ints exact up to
    /// `i128`, beyond which the result is an [`ErrorKind::Value`] error
    /// "integer constant too large"; division or modulo by zero, `0 ** -1`,
    /// float overflow in `**`, negative shift counts: [`ErrorKind::Value`];
    /// unsupported operand types and complex ordering: [`ErrorKind::Type`]).
    /// `bytes` compare with `bytes`, are unequal to anything else, and
    /// support `+` (concatenation) and `*` by an int (repetition).
    ///
    /// With a NumPy scalar involved, NumPy 2 scalar semantics with NEP 50
    /// promotion apply (see the module documentation), except for a Python
    /// `complex` on the left of an `np.float64`, which Python's `complex`
    /// handles itself (`0j - np.float64(0)` is a Python `complex`).
    pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, Error> {
        match (a, b) {
            (Value::Py(x), Value::Py(y)) => py_binary(op, x, y).map(Value::Py),
            (Value::Py(z @ Py::Complex(_)), Value::Np(Np::Float64(f)))
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne) || !op.is_comparison() =>
            {
                py_binary(op, z, &Py::Float(*f)).map(Value::Py)
            }
            _ => np_binary(op, a, b),
        }
    }

    /// Folds a call of the numexpr function `name` on constant arguments, as
    /// numexpr does: by calling NumPy's function on the values, so that the
    /// result has NumPy's type (`sin(True)` is `float16`, `sin(1)` `float64`,
    /// `abs(-3)` `int64`, `abs(1j)` `float64`, `ceil(3)` `int64`,
    /// `round(True)` `float16`, `conj(True)` `int8`, `fmod(True, True)`
    /// `int8`, `arctan2(1, 2)` `float64`; `sign(True)` is a type error).
    ///
    /// Python arguments convert as NumPy converts them (`bool` to `np.bool_`,
    /// `int` to `np.int64`, `float` to `np.float64`, `complex` to
    /// `np.complex128`; several arguments promote with NEP 50).  `real` and
    /// `imag` return `x.real` / `x.imag` (a Python `int` stays an `int`);
    /// `complex(re, im)` is Python's builtin; `round(x, decimals)` is
    /// `np.round`; `copy` and `ones_like` return `x`, respectively 1, in
    /// NumPy's type for `x`.  Every numexpr function name is accepted except
    /// `where`, `contains`, `sum`, `prod`, `min` and `max`, which the caller
    /// handles; an unknown name is an [`ErrorKind::UnknownFunction`] error
    /// and a wrong number of arguments an [`ErrorKind::Arity`] error.
    pub fn call(name: &str, args: &[Value]) -> Result<Value, Error> {
        let Some(&(_, f)) = FUNCS.iter().find(|(n, _)| *n == name) else {
            return Err(if NOT_FOLDED.contains(&name) {
                type_err(format!("`{name}` is not folded by Value::call"))
            } else {
                Error::new(
                    ErrorKind::UnknownFunction,
                    format!("unknown function `{name}`"),
                )
            });
        };
        let (lo, hi) = f.arity();
        if args.len() < lo || args.len() > hi {
            let wanted = if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo} to {hi}")
            };
            return Err(Error::new(
                ErrorKind::Arity,
                format!(
                    "{name}() takes {wanted} argument{} ({} given)",
                    if hi == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        match (f, args) {
            (Func::Complex, args) => {
                let re = match args.first() {
                    Some(v) => as_py_complex(v, true)?,
                    None => (Complex64::new(0.0, 0.0), false),
                };
                let z = match args.get(1) {
                    None => re.0,
                    Some(v) => {
                        let (ci, ci_complex) = as_py_complex(v, false)?;
                        let (mut r, mut i) = (re.0.re, ci.re);
                        if ci_complex {
                            r -= ci.im;
                        }
                        if re.1 {
                            i += re.0.im;
                        }
                        Complex64::new(r, i)
                    }
                };
                Ok(Value::Py(Py::Complex(z)))
            }
            (Func::Real | Func::Imag, [v]) => v.np_real_imag(f == Func::Imag),
            (Func::Round, [v, d]) => round_with_decimals(name, v, d),
            (_, [a, b]) => binary_func(f, name, a, b),
            (_, [v]) => unary_func(f, name, v),
            _ => unreachable!("arity was checked"),
        }
    }

    /// `np.real(v)` / `np.imag(v)`: `v.real` / `v.imag`.
    fn np_real_imag(&self, imag: bool) -> Result<Value, Error> {
        match self {
            Value::Py(p) => py_attr(p, imag).map(Value::Py),
            Value::Np(n) => {
                let (dt, l) = split(n);
                Ok(Value::Np(match l {
                    Lane::B(b) => Np::Bool(b && !imag),
                    Lane::I(v) => build(dt, Lane::I(if imag { 0 } else { v })),
                    Lane::F(x) => build(dt, Lane::F(if imag { 0.0 } else { x })),
                    Lane::C(z) => build(
                        Dt::float(dt.precision()),
                        Lane::F(if imag { z.im } else { z.re }),
                    ),
                }))
            }
        }
    }

    /// Python's attribute access `v.real` / `v.imag` on a Python literal:
    /// `(3).real == 3` (an `int`), `True.imag == 0`, `(2.5).imag == 0.0`,
    /// `(1+2j).imag == 2.0`.  A NumPy scalar only ever exists inside a
    /// numexpr constant node, so for one this is [`Value::node_attr`].
    pub fn attr(&self, imag: bool) -> Result<Value, Error> {
        match self {
            Value::Py(p) => py_attr(p, imag).map(Value::Py),
            Value::Np(_) => self.node_attr(imag),
        }
    }

    /// numexpr's `ConstantNode.real` / `.imag`, the attribute of a constant
    /// that already went through numexpr: `ConstantNode(complex(v).real)`, a
    /// Python `float`.
    pub fn node_attr(&self, imag: bool) -> Result<Value, Error> {
        let (z, _) = as_py_complex(self, true)?;
        Ok(Value::Py(Py::Float(if imag { z.im } else { z.re })))
    }

    /// Python/NumPy truthiness (used by `where(const, x, y)`): nonzero
    /// numbers (NaN included) and non-empty bytes are true, `None` is false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Py(Py::Bytes(b)) => !b.is_empty(),
            Value::Py(Py::None) => false,
            Value::Py(p) => py_complex(p) != Complex64::new(0.0, 0.0),
            Value::Np(n) => match split(n).1 {
                Lane::B(b) => b,
                Lane::I(v) => v != 0,
                Lane::F(x) => x != 0.0,
                Lane::C(z) => z.re != 0.0 || z.im != 0.0,
            },
        }
    }

    /// The typed constant numexpr compiles for the value: its
    /// `bestConstantType`, `ConstantNode` kind and `convertConstantToKind`.
    ///
    /// Bytes stay bytes; Python and NumPy bools are `bool`; `np.int64` is
    /// `int64`; `np.float64` and Python floats are `float64`; `np.float32`
    /// and `np.float16` are `float32`; Python ints and `np.int8` / `np.int32`
    /// are `int32` when they fit, else `int64` (beyond `int64`: a
    /// [`ErrorKind::Value`] error); Python complex numbers are `complex128`;
    /// a NumPy complex number is `float32` (its real part) when `float()` of
    /// it equals it or is NaN (imaginary part zero, or real part NaN), else
    /// `complex128`.  `None` is a [`ErrorKind::Type`] error.
    pub fn to_scalar(&self) -> Result<Scalar, Error> {
        let complex = |z: Complex64| {
            if z.im == 0.0 || z.re.is_nan() {
                Scalar::Float32(z.re as f32)
            } else {
                Scalar::Complex128(z)
            }
        };
        Ok(match self {
            Value::Py(Py::Bytes(b)) => Scalar::Bytes(b.clone()),
            Value::Py(Py::Bool(b)) | Value::Np(Np::Bool(b)) => Scalar::Bool(*b),
            Value::Py(Py::Int(v)) => match (i32::try_from(*v), i64::try_from(*v)) {
                (Ok(v), _) => Scalar::Int32(v),
                (_, Ok(v)) => Scalar::Int64(v),
                _ => return Err(value_err("integer constant too large for int64")),
            },
            Value::Py(Py::Float(x)) | Value::Np(Np::Float64(x)) => Scalar::Float64(*x),
            Value::Py(Py::Complex(z)) => Scalar::Complex128(*z),
            Value::Py(Py::None) => return Err(type_err("None is not a value")),
            Value::Np(Np::Int8(v)) => Scalar::Int32((*v).into()),
            Value::Np(Np::Int32(v)) => Scalar::Int32(*v),
            Value::Np(Np::Int64(v)) => Scalar::Int64(*v),
            Value::Np(Np::Float16(x) | Np::Float32(x)) => Scalar::Float32(*x),
            Value::Np(Np::Complex64(z)) => complex(Complex64::new(z.re.into(), z.im.into())),
            Value::Np(Np::Complex128(z)) => complex(*z),
        })
    }
}

/// A typed constant as the value numexpr's `convertConstantToKind` makes of
/// it: `bool` becomes a Python `bool`, `int32` an `np.int32`, `int64` an
/// `np.int64`, `float32` an `np.float32`, `float64` an `np.float64`,
/// `complex128` a Python `complex` and bytes Python `bytes`.  For every
/// scalar `s`, `Value::from(s).to_scalar() == Ok(s)`.
impl From<Scalar> for Value {
    fn from(s: Scalar) -> Value {
        match s {
            Scalar::Bool(b) => Value::Py(Py::Bool(b)),
            Scalar::Int32(v) => Value::Np(Np::Int32(v)),
            Scalar::Int64(v) => Value::Np(Np::Int64(v)),
            Scalar::Float32(v) => Value::Np(Np::Float32(v)),
            Scalar::Float64(v) => Value::Np(Np::Float64(v)),
            Scalar::Complex128(z) => Value::Py(Py::Complex(z)),
            Scalar::Bytes(b) => Value::Py(Py::Bytes(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected values come from Python 3.11.7 / NumPy 2.4.6 / numexpr 2.14.2:
    //! `python3 tests/fold_check.py` prints every case below (the Python
    //! expression, its exact type and value, and the typed constant numexpr
    //! compiles for it).  `f32` literals are the shortest spelling of the
    //! exact `float16` / `float32` values the script prints.
    use super::*;

    fn int(v: i128) -> Value {
        Value::Py(Py::Int(v))
    }
    fn flt(x: f64) -> Value {
        Value::Py(Py::Float(x))
    }
    fn cpx(re: f64, im: f64) -> Value {
        Value::Py(Py::Complex(Complex64::new(re, im)))
    }
    fn boolean(b: bool) -> Value {
        Value::Py(Py::Bool(b))
    }
    fn bytes(s: &[u8]) -> Value {
        Value::Py(Py::Bytes(s.to_vec()))
    }
    fn np(n: Np) -> Value {
        Value::Np(n)
    }
    fn bin(a: &Value, op: &str, b: &Value) -> Result<Value, Error> {
        Value::binary(BinaryOp::from_symbol(op).expect("operator"), a, b)
    }
    fn ok(a: &Value, op: &str, b: &Value) -> Value {
        bin(a, op, b).unwrap_or_else(|e| panic!("{a:?} {op} {b:?}: {e}"))
    }
    fn un(op: UnaryOp, v: &Value) -> Result<Value, Error> {
        Value::unary(op, v)
    }
    fn call(name: &str, args: &[Value]) -> Value {
        Value::call(name, args).unwrap_or_else(|e| panic!("{name}{args:?}: {e}"))
    }
    fn kind<T: std::fmt::Debug>(r: Result<T, Error>) -> ErrorKind {
        r.expect_err("an error").kind()
    }
    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
    }
    fn assert_c128(v: Value, re: f64, im: f64) {
        match v {
            Value::Np(Np::Complex128(z)) => {
                assert!(close(z.re, re) && close(z.im, im), "{z} != {re}+{im}j")
            }
            v => panic!("not complex128: {v:?}"),
        }
    }
    /// An `np.float64` within 1e-12 (libm results may differ in the last
    /// bit between platforms).
    fn assert_f64(v: Value, x: f64) {
        match v {
            Value::Np(Np::Float64(y)) => assert!(close(x, y), "{y} != {x}"),
            v => panic!("not float64: {v:?}"),
        }
    }
    fn scalar(v: Value) -> Scalar {
        v.to_scalar().expect("a typed constant")
    }

    #[test]
    fn python_int_arithmetic() {
        assert_eq!(ok(&int(7), "//", &int(-2)), int(-4));
        assert_eq!(ok(&int(-7), "%", &int(3)), int(2));
        assert_eq!(ok(&int(7), "%", &int(-3)), int(-2));
        assert_eq!(ok(&int(-7), "//", &int(2)), int(-4));
        let big = ok(&ok(&int(2), "**", &int(62)), "*", &int(4));
        assert_eq!(big, int(1 << 64));
        assert_eq!(kind(big.to_scalar()), ErrorKind::Value);
        let p63 = ok(&int(2), "**", &int(63));
        assert_eq!(kind(p63.to_scalar()), ErrorKind::Value);
        let m63 = un(UnaryOp::Neg, &p63).unwrap();
        assert_eq!(scalar(m63), Scalar::Int64(i64::MIN));
        assert_eq!(kind(bin(&int(2), "**", &int(127))), ErrorKind::Value);
        assert_eq!(ok(&int(2), "**", &int(-1)), flt(0.5));
        assert_eq!(ok(&int(-2), "**", &int(-2)), flt(0.25));
        assert_eq!(ok(&boolean(true), "**", &int(-1)), flt(1.0));
        assert_eq!(kind(bin(&int(0), "**", &int(-1))), ErrorKind::Value);
        assert_eq!(kind(bin(&int(1), "/", &int(0))), ErrorKind::Value);
        assert_eq!(kind(bin(&int(1), "//", &int(0))), ErrorKind::Value);
        assert_eq!(kind(bin(&int(1), "%", &int(0))), ErrorKind::Value);
        assert_eq!(kind(bin(&flt(1.0), "//", &int(0))), ErrorKind::Value);
        let z = ok(&int(0), "/", &int(-5));
        assert!(matches!(z, Value::Py(Py::Float(x)) if x == 0.0 && x.is_sign_negative()));
        // A zero numerator over a divisor beyond 2**53 (this used to hang).
        let z = ok(&int(0), "/", &int(i128::from(i64::MAX)));
        assert!(matches!(z, Value::Py(Py::Float(x)) if x == 0.0 && x.is_sign_positive()));
        let z = ok(&int(0), "/", &int(-(1 << 100)));
        assert!(matches!(z, Value::Py(Py::Float(x)) if x == 0.0 && x.is_sign_negative()));
        // True division of ints is correctly rounded.
        assert_eq!(ok(&int(1), "/", &int(3)), flt(0.3333333333333333));
        assert_eq!(
            ok(&int(1 << 100), "/", &int(3)),
            flt(4.2255020007607644e+29)
        );
        assert_eq!(
            ok(&int(10i128.pow(30)), "/", &int(7)),
            flt(1.4285714285714285e+29)
        );
        // Comparisons of ints with floats are exact.
        let (i, f) = (int((1 << 53) + 1), flt(2f64.powi(53)));
        assert_eq!(ok(&i, "==", &f), boolean(false));
        assert_eq!(ok(&i, ">", &f), boolean(true));
        assert_eq!(un(UnaryOp::Invert, &boolean(true)), Ok(int(-2)));
        assert_eq!(un(UnaryOp::Neg, &boolean(true)), Ok(int(-1)));
        assert_eq!(un(UnaryOp::Pos, &boolean(true)), Ok(int(1)));
        assert_eq!(un(UnaryOp::Invert, &int(5)), Ok(int(-6)));
        assert_eq!(ok(&boolean(true), "+", &boolean(true)), int(2));
        assert_eq!(ok(&boolean(true), "&", &boolean(false)), boolean(false));
        assert_eq!(ok(&boolean(true), "|", &int(2)), int(3));
        assert_eq!(kind(bin(&int(1), "<<", &int(-1))), ErrorKind::Value);
        assert_eq!(ok(&int(5), ">>", &int(200)), int(0));
        assert_eq!(ok(&int(-5), ">>", &int(200)), int(-1));
    }

    #[test]
    fn python_float_and_complex_arithmetic() {
        assert_eq!(ok(&flt(7.5), "//", &int(-2)), flt(-4.0));
        assert_eq!(ok(&flt(-7.5), "%", &int(2)), flt(0.5));
        assert_eq!(ok(&flt(7.5), "%", &int(-2)), flt(-0.5));
        let m = ok(&flt(-0.0), "%", &int(5));
        assert!(matches!(m, Value::Py(Py::Float(x)) if x == 0.0 && x.is_sign_positive()));
        let m = ok(&int(5), "%", &flt(-0.5));
        assert!(matches!(m, Value::Py(Py::Float(x)) if x == 0.0 && x.is_sign_negative()));
        assert_eq!(ok(&flt(1.0), "//", &flt(f64::INFINITY)), flt(0.0));
        assert_eq!(ok(&flt(-1.0), "%", &flt(f64::INFINITY)), flt(f64::INFINITY));
        let third = ok(&int(1), "/", &int(3));
        assert_eq!(
            ok(&int(-8), "**", &third),
            cpx(1.0000000000000002, 1.7320508075688772)
        );
        assert_eq!(kind(bin(&flt(10.0), "**", &int(400))), ErrorKind::Value);
        assert_eq!(ok(&flt(1e308), "*", &int(10)), flt(f64::INFINITY));
        assert_eq!(ok(&cpx(1.0, 2.0), "/", &cpx(3.0, -4.0)), cpx(-0.2, 0.4));
        assert_eq!(kind(bin(&cpx(1.0, 2.0), "//", &int(2))), ErrorKind::Type);
        assert_eq!(kind(bin(&cpx(0.0, 1.0), "/", &int(0))), ErrorKind::Value);
        assert_eq!(ok(&cpx(0.0, 0.0), "**", &int(0)), cpx(1.0, 0.0));
        assert_eq!(kind(bin(&cpx(0.0, 0.0), "**", &int(-1))), ErrorKind::Value);
        assert_eq!(kind(bin(&cpx(1e200, 0.0), "**", &int(2))), ErrorKind::Value);
        assert_eq!(
            ok(&cpx(0.0, 1.0), "**", &int(101)),
            cpx(4.408109496293883e-15, 1.0)
        );
        assert_eq!(ok(&cpx(1.0, 1.0), "**", &int(-3)), cpx(-0.25, -0.25));
        assert_eq!(ok(&int(1), "==", &cpx(1.0, 0.0)), boolean(true));
        assert_eq!(kind(bin(&cpx(0.0, 1.0), "<", &int(2))), ErrorKind::Type);
        assert_eq!(kind(bin(&flt(1.5), "<<", &int(1))), ErrorKind::Type);
        assert_eq!(kind(un(UnaryOp::Invert, &flt(1.5))), ErrorKind::Type);
    }

    #[test]
    fn bytes_and_none() {
        assert_eq!(ok(&bytes(b"a"), "+", &bytes(b"b")), bytes(b"ab"));
        assert_eq!(ok(&bytes(b"ab"), "*", &int(3)), bytes(b"ababab"));
        assert_eq!(ok(&bytes(b"a"), "*", &int(-1)), bytes(b""));
        assert_eq!(ok(&bytes(b"ab"), "<", &bytes(b"b")), boolean(true));
        assert_eq!(ok(&bytes(b"a"), "==", &int(1)), boolean(false));
        assert_eq!(ok(&bytes(b"a"), "!=", &int(1)), boolean(true));
        assert_eq!(kind(bin(&bytes(b"a"), "<", &int(1))), ErrorKind::Type);
        assert_eq!(kind(bin(&bytes(b"a"), "-", &bytes(b"a"))), ErrorKind::Type);
        let none = Value::Py(Py::None);
        assert_eq!(ok(&none, "==", &none), boolean(true));
        assert_eq!(ok(&none, "==", &int(1)), boolean(false));
        assert_eq!(kind(bin(&none, "<", &int(1))), ErrorKind::Type);
        assert_eq!(kind(un(UnaryOp::Neg, &none)), ErrorKind::Type);
        // NumPy scalars: `==` with None is Python's (a Python bool), with
        // bytes NumPy's; bytes repeat by NumPy ints.
        let one = np(Np::Float64(1.0));
        assert_eq!(ok(&one, "==", &none), boolean(false));
        assert_eq!(ok(&one, "==", &bytes(b"a")), np(Np::Bool(false)));
        assert_eq!(ok(&bytes(b"ab"), "*", &np(Np::Int64(3))), bytes(b"ababab"));
    }

    #[test]
    fn nep50_promotion() {
        let f16 = |x: f32| np(Np::Float16(x));
        assert_eq!(ok(&f16(1.0), "+", &flt(2.5)), f16(3.5));
        assert_eq!(ok(&np(Np::Int64(3)), "+", &int(1)), np(Np::Int64(4)));
        assert_eq!(ok(&np(Np::Bool(true)), "+", &int(1)), np(Np::Int64(2)));
        assert_eq!(
            ok(&np(Np::Float32(1.0)), "+", &np(Np::Float64(1.0))),
            np(Np::Float64(2.0))
        );
        assert_eq!(
            kind(bin(&np(Np::Int8(1)), "+", &int(300))),
            ErrorKind::Value
        );
        assert_eq!(ok(&np(Np::Int8(1)), "+", &int(127)), np(Np::Int8(-128)));
        assert_eq!(
            ok(&f16(1.0), "+", &cpx(0.0, 1.0)),
            np(Np::Complex64(Complex32::new(1.0, 1.0)))
        );
        assert_eq!(ok(&np(Np::Int8(1)), "+", &flt(1.5)), np(Np::Float64(2.5)));
        assert_eq!(ok(&np(Np::Int8(1)), "+", &f16(1.0)), f16(2.0));
        assert_eq!(ok(&np(Np::Int32(1)), "+", &f16(1.0)), np(Np::Float64(2.0)));
        assert_eq!(ok(&f16(1.0), "+", &flt(1e10)), f16(f32::INFINITY));
        assert_eq!(ok(&f16(7.0), "/", &f16(3.0)), f16(2.3339844));
        assert_eq!(
            ok(&np(Np::Int8(7)), "/", &np(Np::Int8(2))),
            np(Np::Float64(3.5))
        );
        // Python's complex handles `complex op np.float64` itself.
        let zero = np(Np::Float64(0.0));
        assert_eq!(ok(&cpx(0.0, 0.0), "-", &zero), cpx(0.0, 0.0));
        assert_eq!(
            ok(&zero, "+", &cpx(0.0, 0.0)),
            np(Np::Complex128(Complex64::new(0.0, 0.0)))
        );
    }

    #[test]
    fn numpy_integer_and_bool_semantics() {
        let i64_ = |v: i64| np(Np::Int64(v));
        assert_eq!(ok(&i64_(7), "//", &int(0)), i64_(0));
        assert_eq!(ok(&i64_(7), "%", &int(0)), i64_(0));
        assert_eq!(ok(&i64_(-7), "//", &int(2)), i64_(-4));
        assert_eq!(ok(&i64_(i64::MIN), "//", &int(-1)), i64_(i64::MIN));
        assert_eq!(kind(bin(&i64_(2), "**", &int(-1))), ErrorKind::Value);
        assert_eq!(ok(&i64_(2), "**", &int(63)), i64_(i64::MIN));
        assert_eq!(ok(&np(Np::Int8(3)), "**", &int(5)), np(Np::Int8(-13)));
        assert_eq!(ok(&i64_(1), "<<", &int(70)), i64_(0));
        assert_eq!(ok(&i64_(-8), ">>", &int(70)), i64_(-1));
        let t = np(Np::Bool(true));
        assert_eq!(kind(bin(&t, "-", &boolean(true))), ErrorKind::Type);
        assert_eq!(ok(&t, "+", &t), t);
        assert_eq!(ok(&t, "//", &t), np(Np::Int8(1)));
        assert_eq!(kind(un(UnaryOp::Neg, &t)), ErrorKind::Type);
        assert_eq!(un(UnaryOp::Invert, &t), Ok(np(Np::Bool(false))));
        assert_eq!(
            un(UnaryOp::Neg, &np(Np::Int8(-128))),
            Ok(np(Np::Int8(-128)))
        );
        // Comparisons with out-of-range Python ints are exact for integer
        // scalars, an overflow for bools.
        assert_eq!(ok(&np(Np::Int8(1)), "<", &int(300)), np(Np::Bool(true)));
        assert_eq!(ok(&i64_(1), "==", &int(1 << 70)), np(Np::Bool(false)));
        assert_eq!(kind(bin(&t, "<", &int(1 << 70))), ErrorKind::Value);
    }

    #[test]
    fn numpy_float_and_complex_semantics() {
        let f64_ = |x: f64| np(Np::Float64(x));
        assert_eq!(kind(bin(&f64_(1.0), "<<", &int(1))), ErrorKind::Type);
        assert_eq!(ok(&f64_(1.0), "//", &int(0)), f64_(f64::INFINITY));
        assert!(matches!(ok(&f64_(1.0), "%", &int(0)), Value::Np(Np::Float64(x)) if x.is_nan()));
        assert_eq!(ok(&f64_(-1.0), "//", &flt(f64::INFINITY)), f64_(-1.0));
        let c = np(Np::Complex128(Complex64::new(1.0, 0.0)));
        assert_eq!(kind(bin(&c, "//", &int(1))), ErrorKind::Type);
        match ok(&c, "/", &int(0)) {
            Value::Np(Np::Complex128(z)) => assert!(z.re == f64::INFINITY && z.im.is_nan()),
            v => panic!("{v:?}"),
        }
        // NumPy 2 rounds the weak 0.1 to float16 before comparing.
        assert_eq!(
            ok(&np(Np::Float16(half(0.1))), "==", &flt(0.1)),
            np(Np::Bool(true))
        );
        // Scalar complex comparison is lexicographic.
        let n = np(Np::Complex128(Complex64::new(1.0, f64::NAN)));
        let two = np(Np::Complex128(Complex64::new(2.0, 0.0)));
        assert_eq!(ok(&n, "<", &two), np(Np::Bool(true)));
    }

    #[test]
    fn function_result_types() {
        let s = call("sin", &[boolean(true)]);
        assert_eq!(s, np(Np::Float16(0.8413086)));
        assert_eq!(scalar(s), Scalar::Float32(0.8413086));
        assert_f64(call("sin", &[int(1)]), 0.8414709848078965);
        assert_eq!(call("abs", &[int(-3)]), np(Np::Int64(3)));
        assert_eq!(scalar(call("abs", &[int(-3)])), Scalar::Int64(3));
        assert_eq!(call("abs", &[cpx(3.0, 4.0)]), np(Np::Float64(5.0)));
        assert_eq!(call("abs", &[boolean(true)]), np(Np::Bool(true)));
        assert_eq!(call("abs", &[np(Np::Int8(-128))]), np(Np::Int8(-128)));
        assert_eq!(call("ceil", &[int(3)]), np(Np::Int64(3)));
        assert_eq!(call("ceil", &[boolean(true)]), np(Np::Bool(true)));
        assert_eq!(call("floor", &[int(-2)]), np(Np::Int64(-2)));
        assert_eq!(call("trunc", &[int(-2)]), np(Np::Int64(-2)));
        assert_eq!(call("round", &[boolean(true)]), np(Np::Float16(1.0)));
        assert_eq!(call("round", &[flt(2.5)]), np(Np::Float64(2.0)));
        assert_eq!(call("round", &[int(3)]), np(Np::Int64(3)));
        assert_eq!(call("round", &[flt(2.567), int(1)]), np(Np::Float64(2.6)));
        assert_eq!(call("round", &[int(1234), int(-2)]), np(Np::Int64(1200)));
        assert_eq!(kind(Value::call("sign", &[boolean(true)])), ErrorKind::Type);
        let s = call("sign", &[flt(-0.0)]);
        assert!(matches!(s, Value::Np(Np::Float64(x)) if x == 0.0 && x.is_sign_positive()));
        assert_c128(call("sign", &[cpx(3.0, 4.0)]), 0.6, 0.8);
        assert_eq!(call("conj", &[boolean(true)]), np(Np::Int8(1)));
        assert_eq!(
            call("fmod", &[boolean(true), boolean(true)]),
            np(Np::Int8(0))
        );
        assert_eq!(call("fmod", &[int(7), int(0)]), np(Np::Int64(0)));
        assert_eq!(call("fmod", &[int(-7), int(2)]), np(Np::Int64(-1)));
        assert_f64(call("arctan2", &[int(1), int(2)]), 0.4636476090008061);
        assert_eq!(
            call("arctan2", &[boolean(true), boolean(false)]),
            np(Np::Float16(1.5703125))
        );
        assert_eq!(call("hypot", &[int(3), int(4)]), np(Np::Float64(5.0)));
        assert_eq!(
            call("nextafter", &[int(1), int(2)]),
            np(Np::Float64(1.0000000000000002))
        );
        assert_eq!(
            call("copysign", &[int(3), flt(-0.0)]),
            np(Np::Float64(-3.0))
        );
        assert_eq!(
            call("nextafter", &[boolean(true), boolean(false)]),
            np(Np::Float16(0.9995117))
        );
        assert!(matches!(
            call("maximum", &[flt(f64::NAN), int(1)]),
            Value::Np(Np::Float64(x)) if x.is_nan()
        ));
        assert_c128(call("maximum", &[cpx(1.0, 1.0), cpx(1.0, 2.0)]), 1.0, 2.0);
        assert_eq!(call("maximum", &[boolean(true), int(2)]), np(Np::Int64(2)));
        let m = call("maximum", &[cpx(0.0, 1.0), int(2)]);
        assert_c128(m.clone(), 2.0, 0.0);
        assert_eq!(scalar(m), Scalar::Float32(2.0));
        assert_eq!(call("copy", &[flt(2.5)]), np(Np::Float64(2.5)));
        assert_eq!(call("ones_like", &[boolean(true)]), np(Np::Bool(true)));
        assert_c128(call("ones_like", &[cpx(0.0, 1.0)]), 1.0, 0.0);
        assert_eq!(call("isnan", &[boolean(true)]), np(Np::Bool(false)));
        assert_eq!(
            call("isinf", &[cpx(1.0, f64::INFINITY)]),
            np(Np::Bool(true))
        );
        assert_eq!(call("signbit", &[int(-3)]), np(Np::Bool(true)));
        assert_eq!(
            kind(Value::call("signbit", &[cpx(0.0, 1.0)])),
            ErrorKind::Type
        );
        // Python ints in [2**63, 2**64) are uint64 to NumPy.
        assert_f64(call("sin", &[int(1 << 63)]), 0.9999303766734422);
        assert_eq!(kind(Value::call("abs", &[int(1 << 63)])), ErrorKind::Value);
    }

    #[test]
    fn real_imag_and_complex_builtin() {
        assert_eq!(call("real", &[int(3)]), int(3));
        assert_eq!(call("real", &[boolean(true)]), int(1));
        assert_eq!(call("imag", &[int(3)]), int(0));
        let z = np(Np::Complex128(Complex64::new(1.0, 2.0)));
        assert_eq!(call("real", &[z]), np(Np::Float64(1.0)));
        assert_eq!(call("imag", &[np(Np::Bool(true))]), np(Np::Bool(false)));
        assert_eq!(call("complex", &[int(1), cpx(0.0, 1.0)]), cpx(0.0, 0.0));
        assert_eq!(
            call("complex", &[cpx(0.0, 1.0), cpx(0.0, 1.0)]),
            cpx(-1.0, 1.0)
        );
        assert_eq!(call("complex", &[]), cpx(0.0, 0.0));
        assert_eq!(
            kind(Value::call("complex", &[bytes(b"1")])),
            ErrorKind::Type
        );
    }

    #[test]
    fn complex_functions_and_float32_quirks() {
        assert!(matches!(call("sqrt", &[int(-1)]), Value::Np(Np::Float64(x)) if x.is_nan()));
        assert_c128(call("sqrt", &[cpx(-1.0, 0.0)]), 0.0, 1.0);
        assert_c128(call("sqrt", &[cpx(-1.0, -0.0)]), 0.0, -1.0);
        assert_f64(call("arccosh", &[flt(1e308)]), 709.889355822726);
        let nan = call("arccosh", &[int(-1)]);
        assert_eq!(call("isfinite", &[nan]), np(Np::Bool(false)));
        let e = call("exp", &[cpx(0.0, 0.0)]);
        assert_c128(e.clone(), 1.0, 0.0);
        assert_eq!(scalar(e), Scalar::Float32(1.0));
        let s = call("sin", &[boolean(true)]);
        let sj = ok(&s, "+", &cpx(0.0, 1.0));
        assert_eq!(sj, np(Np::Complex64(Complex32::new(0.8413086, 1.0))));
        assert_eq!(
            scalar(sj.clone()),
            Scalar::Complex128(Complex64::new(0.84130859375, 1.0))
        );
        assert_eq!(call("abs", &[sj]), np(Np::Float32(1.3068283)));
        assert_eq!(
            scalar(ok(&s, "+", &cpx(0.0, 0.0))),
            Scalar::Float32(0.8413086)
        );
        assert_c128(
            call("log", &[cpx(3.0, 4.0)]),
            1.6094379124341003,
            0.9272952180016122,
        );
        assert_c128(
            call("arcsin", &[cpx(3.0, 4.0)]),
            0.6339838656391766,
            2.305509031243477,
        );
        assert_c128(
            call("arctanh", &[cpx(2.0, 0.0)]),
            0.5493061443340549,
            std::f64::consts::FRAC_PI_2,
        );
        assert_c128(call("arccosh", &[cpx(0.5, 0.0)]), 0.0, 1.0471975511965976);
        assert_c128(
            call("tan", &[cpx(3.0, 4.0)]),
            -0.00018734620462947845,
            0.9993559873814732,
        );
        assert_c128(
            call("expm1", &[cpx(1e-10, 1e-10)]),
            1e-10,
            1.0000000001000001e-10,
        );
        assert_c128(
            call("log1p", &[cpx(3.0, 4.0)]),
            1.7328679513998633,
            std::f64::consts::FRAC_PI_4,
        );
        assert_c128(
            call("log10", &[cpx(3.0, 4.0)]),
            0.6989700043360187,
            0.4027191962733731,
        );
    }

    #[test]
    fn call_errors() {
        assert_eq!(
            kind(Value::call("sine", &[int(1)])),
            ErrorKind::UnknownFunction
        );
        assert_eq!(
            kind(Value::call("sin", &[int(1), int(2)])),
            ErrorKind::Arity
        );
        assert_eq!(kind(Value::call("fmod", &[int(1)])), ErrorKind::Arity);
        assert_eq!(kind(Value::call("where", &[int(1)])), ErrorKind::Type);
        assert_eq!(kind(Value::call("sin", &[bytes(b"a")])), ErrorKind::Type);
        assert_eq!(
            kind(Value::call("fmod", &[np(Np::Int8(5)), int(1000)])),
            ErrorKind::Value
        );
    }

    #[test]
    fn attributes() {
        assert_eq!(int(3).attr(false), Ok(int(3)));
        assert_eq!(boolean(true).attr(true), Ok(int(0)));
        assert_eq!(flt(2.5).attr(true), Ok(flt(0.0)));
        assert_eq!(cpx(1.0, 2.0).attr(true), Ok(flt(2.0)));
        assert_eq!(kind(bytes(b"a").attr(false)), ErrorKind::Type);
        // A constant node's attribute goes through complex(): a Python float.
        assert_eq!(np(Np::Int64(3)).node_attr(false), Ok(flt(3.0)));
        assert_eq!(np(Np::Float64(0.5)).node_attr(true), Ok(flt(0.0)));
        assert_eq!(int(3).node_attr(false), Ok(flt(3.0)));
    }

    #[test]
    fn truthiness() {
        assert!(!int(0).truthy());
        assert!(int(-1).truthy());
        assert!(flt(f64::NAN).truthy());
        assert!(!flt(-0.0).truthy());
        assert!(cpx(0.0, 1e-300).truthy());
        assert!(!bytes(b"").truthy());
        assert!(bytes(b"\0").truthy());
        assert!(!Value::Py(Py::None).truthy());
        assert!(!np(Np::Bool(false)).truthy());
        assert!(np(Np::Complex64(Complex32::new(0.0, 1.0))).truthy());
        assert!(!np(Np::Int8(0)).truthy());
    }

    #[test]
    fn to_scalar_for_every_variant() {
        let c = |re, im| Complex64::new(re, im);
        assert_eq!(scalar(boolean(true)), Scalar::Bool(true));
        assert_eq!(scalar(int(-5)), Scalar::Int32(-5));
        assert_eq!(scalar(int(1 << 31)), Scalar::Int64(1 << 31));
        assert_eq!(scalar(int(-(1 << 31))), Scalar::Int32(i32::MIN));
        assert_eq!(kind(int(1 << 63).to_scalar()), ErrorKind::Value);
        assert_eq!(scalar(flt(0.5)), Scalar::Float64(0.5));
        // A Python complex stays complex even with a zero imaginary part.
        assert_eq!(scalar(cpx(1.0, 0.0)), Scalar::Complex128(c(1.0, 0.0)));
        assert_eq!(scalar(bytes(b"ab")), Scalar::Bytes(b"ab".to_vec()));
        assert_eq!(kind(Value::Py(Py::None).to_scalar()), ErrorKind::Type);
        assert_eq!(scalar(np(Np::Bool(false))), Scalar::Bool(false));
        assert_eq!(scalar(np(Np::Int8(-3))), Scalar::Int32(-3));
        assert_eq!(scalar(np(Np::Int32(7))), Scalar::Int32(7));
        assert_eq!(scalar(np(Np::Int64(7))), Scalar::Int64(7));
        assert_eq!(scalar(np(Np::Float16(0.5))), Scalar::Float32(0.5));
        assert_eq!(scalar(np(Np::Float32(0.25))), Scalar::Float32(0.25));
        assert_eq!(scalar(np(Np::Float64(0.1))), Scalar::Float64(0.1));
        let c64 = |re, im| np(Np::Complex64(Complex32::new(re, im)));
        assert_eq!(scalar(c64(1.5, 0.0)), Scalar::Float32(1.5));
        assert_eq!(scalar(c64(1.5, 2.0)), Scalar::Complex128(c(1.5, 2.0)));
        let c128 = |re, im| np(Np::Complex128(c(re, im)));
        assert_eq!(scalar(c128(0.1, -0.0)), Scalar::Float32(0.1));
        assert_eq!(scalar(c128(0.1, 2.0)), Scalar::Complex128(c(0.1, 2.0)));
        assert!(matches!(scalar(c128(f64::NAN, 2.0)), Scalar::Float32(x) if x.is_nan()));
        assert!(matches!(
            scalar(c128(1.0, f64::NAN)),
            Scalar::Complex128(z) if z.re == 1.0 && z.im.is_nan()
        ));
    }

    #[test]
    fn scalars_round_trip() {
        for s in [
            Scalar::Bool(true),
            Scalar::Int32(-7),
            Scalar::Int64(1 << 40),
            Scalar::Float32(0.1),
            Scalar::Float64(0.1),
            Scalar::Complex128(Complex64::new(1.0, 0.0)),
            Scalar::Bytes(b"x".to_vec()),
        ] {
            assert_eq!(Value::from(s.clone()).to_scalar(), Ok(s));
        }
        // numexpr's int32 constant is an np.int32: NumPy promotion rules.
        let i = Value::from(Scalar::Int32(1));
        assert_eq!(ok(&i, "+", &np(Np::Float16(1.0))), np(Np::Float64(2.0)));
    }

    #[test]
    fn float16_rounding() {
        assert_eq!(half(65519.0), 65504.0);
        assert_eq!(half(65520.0), f32::INFINITY);
        assert_eq!(half(2f64.powi(-25)), 0.0);
        assert_eq!(half(3.0 * 2f64.powi(-25)), 1.1920929e-7);
        assert_eq!(half(1.0 + 2f64.powi(-11)), 1.0);
        assert_eq!(half(1.0 + 3.0 * 2f64.powi(-11)), 1.0019531);
        assert_eq!(half(0.1), 0.099975586);
        assert_eq!(half(-0.0).to_bits(), (-0.0f32).to_bits());
        assert!(half(f64::NAN).is_nan());
    }

    #[test]
    fn huge_python_ints_meet_float_loops() {
        // numpy: np.fmod(-18446744073709551616, 710.0) == -436.0; with an
        // int other operand NumPy raises OverflowError.
        let big = Value::Py(Py::Int(-(1i128 << 64)));
        let r = Value::call("fmod", &[big.clone(), Value::Py(Py::Float(710.0))]).unwrap();
        assert_eq!(r, Value::Np(Np::Float64(-436.0)));
        let e = Value::call("fmod", &[big, Value::Py(Py::Int(7))]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value);
    }
}

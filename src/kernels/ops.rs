//! Element semantics: what each operation computes for one element.
//!
//! In: one or two operand values (or a block of them).  Out: the result
//! value (or the block of results).
//!
//! Every operation is a zero-sized type implementing [`Unary`] or
//! [`Binary`] for the element types it exists for; the implementations for
//! the integer types and for the float types each come from one macro, so
//! int32/int64 and float32/float64 share their definitions.  The semantics
//! are numexpr 2.14.2's (integer `//` and `%` floor, `x // 0 == x % 0 == 0`,
//! wrapping overflow, guarded shifts, float `%` as `a - floor(a/b)*b`,
//! NaN-propagating `maximum`/`minimum`), with NumPy's results where numexpr
//! crashes or returns garbage (`INT_MIN // -1` wraps, integer `**` with an
//! overflowing result wraps).
//!
//! An operation's block loop (`run`) is the element function in a plain
//! loop, which LLVM vectorises for the arithmetic, comparisons, `sqrt`,
//! `abs` and the like; the float transcendental functions and float `**`
//! instead run their blocks through the SIMD kernels of [`simd`], which
//! compute the same C-library functions (float64 within 4 ULP, float32 bit
//! for bit) several lanes at a time.

use super::divide::FloorByConstant;
use super::memory::{self, Slot};
use super::{complex, hyperbolic, simd};
use crate::vm::Arg;
use num_complex::Complex64 as C;

/// A one-operand element operation.
pub trait Unary<A: Copy, R: Copy> {
    /// The result for one element.
    fn apply(a: A) -> R;

    /// The results for a block: writes every element of `out`.
    #[inline]
    fn run<S: Slot<R>>(out: &mut [S], a: Arg<'_, A>) {
        match a {
            Arg::Vec(x) => {
                for (o, &x) in out.iter_mut().zip(x) {
                    o.put(Self::apply(x));
                }
            }
            Arg::Scalar(x) => memory::fill(out, Self::apply(x)),
        }
    }
}

/// A two-operand element operation.
pub trait Binary<A: Copy, B: Copy, R: Copy> {
    /// The result for one element.
    fn apply(a: A, b: B) -> R;

    /// The results for a block: writes every element of `out`.
    #[inline]
    fn run<S: Slot<R>>(out: &mut [S], a: Arg<'_, A>, b: Arg<'_, B>) {
        map2(out, a, b, Self::apply);
    }
}

/// Applies `f` element-wise, with a loop per operand form (so that each
/// loop is a plain zip the compiler can vectorise).
#[inline(always)]
pub fn map2<A: Copy, B: Copy, R: Copy, S: Slot<R>>(
    out: &mut [S],
    a: Arg<'_, A>,
    b: Arg<'_, B>,
    f: impl Fn(A, B) -> R,
) {
    match (a, b) {
        (Arg::Vec(x), Arg::Vec(y)) => {
            for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                o.put(f(x, y));
            }
        }
        (Arg::Vec(x), Arg::Scalar(y)) => {
            for (o, &x) in out.iter_mut().zip(x) {
                o.put(f(x, y));
            }
        }
        (Arg::Scalar(x), Arg::Vec(y)) => {
            for (o, &y) in out.iter_mut().zip(y) {
                o.put(f(x, y));
            }
        }
        (Arg::Scalar(x), Arg::Scalar(y)) => memory::fill(out, f(x, y)),
    }
}

/// Applies `f` element-wise over three operands, with one loop per operand
/// form: each operand is read through an indexing closure specialised to a
/// slice or a scalar, so each of the eight loops is branch-free and free of
/// bounds checks, and LLVM vectorises it.
#[inline(always)]
pub fn map3<A: Copy, B: Copy, C3: Copy, R: Copy, S: Slot<R>>(
    out: &mut [S],
    a: Arg<'_, A>,
    b: Arg<'_, B>,
    c: Arg<'_, C3>,
    f: impl Fn(A, B, C3) -> R,
) {
    let n = out.len();
    match a {
        Arg::Vec(x) => {
            let x = &x[..n];
            map3_b(out, |i| x[i], b, c, f)
        }
        Arg::Scalar(x) => map3_b(out, |_| x, b, c, f),
    }
}

/// [`map3`] with the first operand resolved.
#[inline(always)]
fn map3_b<A: Copy, B: Copy, C3: Copy, R: Copy, S: Slot<R>>(
    out: &mut [S],
    a: impl Fn(usize) -> A,
    b: Arg<'_, B>,
    c: Arg<'_, C3>,
    f: impl Fn(A, B, C3) -> R,
) {
    let n = out.len();
    match b {
        Arg::Vec(y) => {
            let y = &y[..n];
            map3_c(out, a, |i| y[i], c, f)
        }
        Arg::Scalar(y) => map3_c(out, a, |_| y, c, f),
    }
}

/// [`map3`] with the first two operands resolved.
#[inline(always)]
fn map3_c<A: Copy, B: Copy, C3: Copy, R: Copy, S: Slot<R>>(
    out: &mut [S],
    a: impl Fn(usize) -> A,
    b: impl Fn(usize) -> B,
    c: Arg<'_, C3>,
    f: impl Fn(A, B, C3) -> R,
) {
    let n = out.len();
    match c {
        Arg::Vec(z) => {
            let z = &z[..n];
            for (i, o) in out.iter_mut().enumerate() {
                o.put(f(a(i), b(i), z[i]));
            }
        }
        Arg::Scalar(z) => {
            for (i, o) in out.iter_mut().enumerate() {
                o.put(f(a(i), b(i), z));
            }
        }
    }
}

macro_rules! zst {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("The `", stringify!($name), "` operation.")]
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
    )*};
}

zst!(
    CopyValue,
    OnesLike,
    Neg,
    Invert,
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    And,
    Or,
    Xor,
    Gt,
    Ge,
    Eq,
    Ne,
    Real,
    Imag,
    MakeComplex,
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
    Absolute,
    Ceil,
    Floor,
    Trunc,
    Round,
    Sign,
    Conjugate,
    IsNan,
    IsFinite,
    IsInf,
    SignBit,
    Arctan2,
    Fmod,
    Hypot,
    NextAfter,
    CopySign,
    Maximum,
    Minimum,
    Cast,
);

/// `unary!(Op, T => R, |a| body)` implements [`Unary`] with `body` as the
/// element semantics.  With `, block kernel` appended, a block-long slice
/// operand runs through `kernel(out, x)` instead (the SIMD kernels of
/// [`simd`], which compute the same function); a scalar operand still uses
/// `body`.
macro_rules! unary {
    ($op:ident, $t:ty => $r:ty, |$a:ident| $body:expr) => {
        impl Unary<$t, $r> for $op {
            #[inline(always)]
            fn apply($a: $t) -> $r {
                $body
            }
        }
    };
    ($op:ident, $t:ty => $r:ty, |$a:ident| $body:expr, block $kernel:path) => {
        impl Unary<$t, $r> for $op {
            #[inline(always)]
            fn apply($a: $t) -> $r {
                $body
            }
            #[inline]
            fn run<S: Slot<$r>>(out: &mut [S], a: Arg<'_, $t>) {
                match a {
                    Arg::Vec(x) => $kernel(out, x),
                    // Through the kernel too, so that a value does not
                    // depend on whether its operand is a scalar.
                    Arg::Scalar(x) => {
                        let mut one = [x];
                        $kernel(&mut one, &[x]);
                        memory::fill(out, one[0])
                    }
                }
            }
        }
    };
}

/// `binary!(Op, T, U => R, |a, b| body)` implements [`Binary`] with `body`
/// as the element semantics.  With `, block kernel` appended, blocks run
/// through `kernel(out, a, b)` instead (a SIMD kernel of [`simd`] taking
/// both operands in any form).
macro_rules! binary {
    ($op:ident, $t:ty, $u:ty => $r:ty, |$a:ident, $b:ident| $body:expr) => {
        impl Binary<$t, $u, $r> for $op {
            #[inline(always)]
            fn apply($a: $t, $b: $u) -> $r {
                $body
            }
        }
    };
    ($op:ident, $t:ty, $u:ty => $r:ty, |$a:ident, $b:ident| $body:expr, block $kernel:path) => {
        impl Binary<$t, $u, $r> for $op {
            #[inline(always)]
            fn apply($a: $t, $b: $u) -> $r {
                $body
            }
            #[inline]
            fn run<S: Slot<$r>>(out: &mut [S], a: Arg<'_, $t>, b: Arg<'_, $u>) {
                $kernel(out, a, b)
            }
        }
    };
}

/// Operations shared by every numeric type.
macro_rules! common_ops {
    ($($t:ty),*) => {$(
        unary!(CopyValue, $t => $t, |a| a);
        binary!(Eq, $t, $t => bool, |a, b| a == b);
        binary!(Ne, $t, $t => bool, |a, b| a != b);
    )*};
}
common_ops!(bool, i32, i64, f32, f64, C);

/// Orderings (bool compares through int32, as in numexpr).
macro_rules! ordered_ops {
    ($($t:ty),*) => {$(
        binary!(Gt, $t, $t => bool, |a, b| a > b);
        binary!(Ge, $t, $t => bool, |a, b| a >= b);
    )*};
}
ordered_ops!(i32, i64, f32, f64);

// bool: logical operators.
unary!(Invert, bool => bool, |a| !a);
binary!(And, bool, bool => bool, |a, b| a & b);
binary!(Or, bool, bool => bool, |a, b| a | b);
binary!(Xor, bool, bool => bool, |a, b| a ^ b);

/// Integer semantics (wrapping, floor division, guarded shifts).
macro_rules! int_ops {
    ($($t:ty),*) => {$(
        unary!(OnesLike, $t => $t, |_a| 1);
        unary!(Neg, $t => $t, |a| a.wrapping_neg());
        unary!(Invert, $t => $t, |a| !a);
        unary!(Absolute, $t => $t, |a| a.wrapping_abs());
        unary!(Round, $t => $t, |a| a);
        unary!(Sign, $t => $t, |a| a.signum());
        binary!(Add, $t, $t => $t, |a, b| a.wrapping_add(b));
        binary!(Sub, $t, $t => $t, |a, b| a.wrapping_sub(b));
        binary!(Mul, $t, $t => $t, |a, b| a.wrapping_mul(b));
        binary!(Div, $t, $t => $t, |a, b| if b == 0 { 0 } else { a.wrapping_div(b) });
        impl Binary<$t, $t, $t> for FloorDiv {
            #[inline(always)]
            fn apply(a: $t, b: $t) -> $t {
                if b == 0 {
                    return 0;
                }
                let q = a.wrapping_div(b);
                if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) { q.wrapping_sub(1) } else { q }
            }
            fn run<S: Slot<$t>>(out: &mut [S], a: Arg<'_, $t>, b: Arg<'_, $t>) {
                match (a, b) {
                    (Arg::Vec(x), Arg::Scalar(d)) if d != 0 && d != -1 => {
                        <$t as FloorByConstant>::floor_by(out, x, d, true)
                    }
                    _ => map2(out, a, b, Self::apply),
                }
            }
        }
        impl Binary<$t, $t, $t> for Mod {
            #[inline(always)]
            fn apply(a: $t, b: $t) -> $t {
                if b == 0 {
                    return 0;
                }
                let r = a.wrapping_rem(b);
                if r != 0 && ((r < 0) != (b < 0)) { r.wrapping_add(b) } else { r }
            }
            fn run<S: Slot<$t>>(out: &mut [S], a: Arg<'_, $t>, b: Arg<'_, $t>) {
                match (a, b) {
                    (Arg::Vec(x), Arg::Scalar(d)) if d != 0 && d != -1 => {
                        <$t as FloorByConstant>::floor_by(out, x, d, false)
                    }
                    _ => map2(out, a, b, Self::apply),
                }
            }
        }
        binary!(Pow, $t, $t => $t, |a, b| {
            if b < 0 {
                // numexpr: a negative exponent in an array computes 1 / a.
                return if a == 0 { 0 } else { (1 as $t).wrapping_div(a) };
            }
            let (mut base, mut e, mut acc) = (a, b as u64, 1 as $t);
            while e > 0 {
                if e & 1 == 1 {
                    acc = acc.wrapping_mul(base);
                }
                base = base.wrapping_mul(base);
                e >>= 1;
            }
            acc
        });
        binary!(LShift, $t, $t => $t, |a, b| {
            if (b as u64) < u64::from(<$t>::BITS) { a.wrapping_shl(b as u32) } else { 0 }
        });
        binary!(RShift, $t, $t => $t, |a, b| {
            let s = if (b as u64) < u64::from(<$t>::BITS) { b as u32 } else { <$t>::BITS - 1 };
            a >> s
        });
        binary!(And, $t, $t => $t, |a, b| a & b);
        binary!(Or, $t, $t => $t, |a, b| a | b);
        binary!(Xor, $t, $t => $t, |a, b| a ^ b);
    )*};
}
int_ops!(i32, i64);

/// Whether the target rounds floats to integers in hardware (SSE4.1's
/// `roundpd`, or any non-x86 target); without it LLVM calls libm's `floor`
/// per element and the loop does not vectorise.
const HARDWARE_ROUNDING: bool = cfg!(any(
    target_feature = "sse4.1",
    not(any(target_arch = "x86", target_arch = "x86_64"))
));

/// Branch-free rounding to integral values, exact for every input (NaN
/// keeps its sign, infinities and zeros theirs), so that the `floor`,
/// `ceil`, `trunc`, `round`, `//` and `%` loops vectorise in builds without
/// [`HARDWARE_ROUNDING`]; with it, the std methods.
macro_rules! rounding {
    ($($t:ident),*) => {$(
        pub(crate) mod $t {
            use super::HARDWARE_ROUNDING;

            /// From this magnitude on, every float is an integer.
            const BIG: $t = (1u64 << ($t::MANTISSA_DIGITS - 1)) as $t;

            /// Rounds to nearest, ties to even.
            #[inline(always)]
            pub fn round_ties_even(a: $t) -> $t {
                if HARDWARE_ROUNDING { a.round_ties_even() } else { soft_round_ties_even(a) }
            }

            /// Rounds towards minus infinity.
            #[inline(always)]
            pub fn floor(a: $t) -> $t {
                if HARDWARE_ROUNDING { a.floor() } else { soft_floor(a) }
            }

            /// Rounds towards plus infinity.
            #[inline(always)]
            pub fn ceil(a: $t) -> $t {
                if HARDWARE_ROUNDING { a.ceil() } else { soft_ceil(a) }
            }

            /// Rounds towards zero.
            #[inline(always)]
            pub fn trunc(a: $t) -> $t {
                if HARDWARE_ROUNDING { a.trunc() } else { soft_trunc(a) }
            }

            /// [`round_ties_even`] without rounding instructions: adding
            /// and subtracting 2^(p-1) rounds |a| in the current
            /// (nearest-even) mode; NaN, infinities and |a| >= 2^(p-1),
            /// already integral, stay as they are.
            #[inline(always)]
            pub fn soft_round_ties_even(a: $t) -> $t {
                let r = ((a.abs() + BIG) - BIG).copysign(a);
                if a.abs() < BIG { r } else { a }
            }

            /// [`floor`] without rounding instructions.  Every rounding
            /// result has the sign of its argument, hence the `copysign`.
            #[inline(always)]
            pub fn soft_floor(a: $t) -> $t {
                let r = soft_round_ties_even(a);
                (if r > a { r - 1.0 } else { r }).copysign(a)
            }

            /// [`ceil`] without rounding instructions.
            #[inline(always)]
            pub fn soft_ceil(a: $t) -> $t {
                let r = soft_round_ties_even(a);
                (if r < a { r + 1.0 } else { r }).copysign(a)
            }

            /// [`trunc`] without rounding instructions.
            #[inline(always)]
            pub fn soft_trunc(a: $t) -> $t {
                soft_floor(a.abs()).copysign(a)
            }
        }
    )*};
}

/// Float rounding, per float type.
pub(super) mod round {
    use super::HARDWARE_ROUNDING;
    rounding!(f32, f64);
}

/// Float semantics (libm functions, numexpr's formulas for `//` and `%`).
macro_rules! float_ops {
    ($($t:ident),*) => {$(
        unary!(OnesLike, $t => $t, |_a| 1.0);
        unary!(Neg, $t => $t, |a| -a);
        unary!(Sqrt, $t => $t, |a| a.sqrt());
        unary!(Sin, $t => $t, |a| a.sin(), block simd::$t::sin);
        unary!(Cos, $t => $t, |a| a.cos(), block simd::$t::cos);
        unary!(Tan, $t => $t, |a| a.tan(), block simd::$t::tan);
        unary!(Arcsin, $t => $t, |a| a.asin(), block simd::$t::arcsin);
        unary!(Arccos, $t => $t, |a| a.acos(), block simd::$t::arccos);
        unary!(Arctan, $t => $t, |a| a.atan(), block simd::$t::arctan);
        unary!(Sinh, $t => $t, |a| a.sinh(), block simd::$t::sinh);
        unary!(Cosh, $t => $t, |a| a.cosh(), block simd::$t::cosh);
        unary!(Tanh, $t => $t, |a| a.tanh(), block simd::$t::tanh);
        unary!(Arcsinh, $t => $t, |a| hyperbolic::$t::asinh(a));
        unary!(Arccosh, $t => $t, |a| hyperbolic::$t::acosh(a));
        unary!(Arctanh, $t => $t, |a| hyperbolic::$t::atanh(a));
        unary!(Log, $t => $t, |a| a.ln(), block simd::$t::log);
        unary!(Log1p, $t => $t, |a| a.ln_1p(), block simd::$t::log1p);
        unary!(Log10, $t => $t, |a| a.log10(), block simd::$t::log10);
        unary!(Log2, $t => $t, |a| a.log2(), block simd::$t::log2);
        unary!(Exp, $t => $t, |a| a.exp(), block simd::$t::exp);
        unary!(Expm1, $t => $t, |a| a.exp_m1(), block simd::$t::expm1);
        unary!(Absolute, $t => $t, |a| a.abs());
        unary!(Ceil, $t => $t, |a| round::$t::ceil(a));
        unary!(Floor, $t => $t, |a| round::$t::floor(a));
        unary!(Trunc, $t => $t, |a| round::$t::trunc(a));
        unary!(Round, $t => $t, |a| round::$t::round_ties_even(a));
        unary!(Sign, $t => $t, |a| {
            // Branch-free, so that the loop vectorises.
            let s = $t::from(u8::from(a > 0.0)) - $t::from(u8::from(a < 0.0));
            if a.is_nan() { a } else { s }
        });
        unary!(Conjugate, $t => $t, |a| a);
        unary!(IsNan, $t => bool, |a| a.is_nan());
        unary!(IsFinite, $t => bool, |a| a.is_finite());
        unary!(IsInf, $t => bool, |a| a.is_infinite());
        unary!(SignBit, $t => bool, |a| a.is_sign_negative());
        binary!(Add, $t, $t => $t, |a, b| a + b);
        binary!(Sub, $t, $t => $t, |a, b| a - b);
        binary!(Mul, $t, $t => $t, |a, b| a * b);
        binary!(Div, $t, $t => $t, |a, b| a / b);
        binary!(FloorDiv, $t, $t => $t, |a, b| round::$t::floor(a / b));
        binary!(Mod, $t, $t => $t, |a, b| a - round::$t::floor(a / b) * b);
        binary!(Pow, $t, $t => $t, |a, b| a.powf(b), block simd::$t::pow);
        binary!(Arctan2, $t, $t => $t, |a, b| a.atan2(b), block simd::$t::arctan2);
        binary!(Fmod, $t, $t => $t, |a, b| a % b);
        binary!(Hypot, $t, $t => $t, |a, b| a.hypot(b));
        binary!(CopySign, $t, $t => $t, |a, b| a.copysign(b));
        // numexpr: NaN propagates, otherwise C `fmin`/`fmax`, which give
        // the second operand on ties (`minimum(0.0, -0.0)` is -0.0).
        binary!(Maximum, $t, $t => $t, |a, b| if a.is_nan() || b.is_nan() { <$t>::NAN } else if a > b { a } else { b });
        binary!(Minimum, $t, $t => $t, |a, b| if a.is_nan() || b.is_nan() { <$t>::NAN } else if a < b { a } else { b });
        binary!(NextAfter, $t, $t => $t, |a, b| {
            if a.is_nan() || b.is_nan() {
                <$t>::NAN
            } else if a == b {
                b
            } else if a == 0.0 {
                <$t>::from_bits(1).copysign(b)
            } else {
                let bits = a.to_bits();
                <$t>::from_bits(if (b > a) == (a > 0.0) { bits + 1 } else { bits - 1 })
            }
        });
    )*};
}
float_ops!(f32, f64);

// complex128: numexpr's formulas.
unary!(OnesLike, C => C, |_a| C::new(1.0, 0.0));
unary!(Neg, C => C, |a| -a);
unary!(Conjugate, C => C, |a| a.conj());
unary!(Absolute, C => C, |a| complex::abs(a));
unary!(Round, C => C, |a| complex::rint(a));
unary!(Sign, C => C, |a| complex::sign(a));
unary!(IsNan, C => bool, |a| complex::isnan(a));
unary!(IsFinite, C => bool, |a| complex::isfinite(a));
unary!(IsInf, C => bool, |a| complex::isinf(a));
unary!(Real, C => f64, |a| a.re);
unary!(Imag, C => f64, |a| a.im);
binary!(Add, C, C => C, |a, b| a + b);
binary!(Sub, C, C => C, |a, b| a - b);
binary!(Mul, C, C => C, |a, b| complex::mul(a, b));
binary!(Div, C, C => C, |a, b| complex::div(a, b));
binary!(Pow, C, C => C, |a, b| complex::pow(a, b));
binary!(MakeComplex, f64, f64 => C, |a, b| C::new(a, b));

macro_rules! complex_functions {
    ($($op:ident => $f:path),* $(,)?) => {$(
        unary!($op, C => C, |a| $f(a));
    )*};
}
complex_functions!(
    Sqrt => complex::sqrt, Sin => complex::sin, Cos => complex::cos, Tan => complex::tan,
    Arcsin => complex::asin, Arccos => complex::acos, Arctan => complex::atan,
    Sinh => complex::sinh, Cosh => complex::cosh, Tanh => complex::tanh,
    Arcsinh => complex::asinh, Arccosh => complex::acosh, Arctanh => complex::atanh,
    Log => complex::log, Log1p => complex::log1p, Log10 => complex::log10,
    Log2 => complex::log2, Exp => complex::exp, Expm1 => complex::expm1,
);

/// Upcasts (C conversions): bool → 0/1, int → float rounds to nearest,
/// real → complex with zero imaginary part.
macro_rules! casts {
    ($($from:ty => $to:ty : |$a:ident| $body:expr);* $(;)?) => {$(
        unary!(Cast, $from => $to, |$a| $body);
    )*};
}
casts! {
    bool => i32: |a| i32::from(a);
    bool => i64: |a| i64::from(a);
    bool => f32: |a| f32::from(u8::from(a));
    bool => f64: |a| f64::from(u8::from(a));
    bool => C: |a| C::new(f64::from(u8::from(a)), 0.0);
    i32 => i64: |a| i64::from(a);
    i32 => f32: |a| a as f32;
    i32 => f64: |a| f64::from(a);
    i32 => C: |a| C::new(f64::from(a), 0.0);
    i64 => f32: |a| a as f32;
    i64 => f64: |a| a as f64;
    i64 => C: |a| C::new(a as f64, 0.0);
    f32 => f64: |a| f64::from(a);
    f32 => C: |a| C::new(f64::from(a), 0.0);
    f64 => C: |a| C::new(a, 0.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b<O: Binary<T, T, T>, T: Copy>(a: T, c: T) -> T {
        O::apply(a, c)
    }

    #[test]
    fn integer_floor_semantics() {
        // numexpr: 7//2, -7//2, 7//-2, -7//-2, x//0
        assert_eq!(
            [
                b::<FloorDiv, i32>(7, 2),
                b::<FloorDiv, i32>(-7, 2),
                b::<FloorDiv, i32>(7, -2),
                b::<FloorDiv, i32>(-7, -2),
                b::<FloorDiv, i32>(5, 0)
            ],
            [3, -4, -4, 3, 0]
        );
        assert_eq!(
            [
                b::<Mod, i32>(7, 2),
                b::<Mod, i32>(-7, 2),
                b::<Mod, i32>(7, -2),
                b::<Mod, i32>(-7, -2),
                b::<Mod, i32>(5, 0)
            ],
            [1, 1, -1, -1, 0]
        );
        // NumPy where numexpr crashes (SIGFPE): INT_MIN // -1 wraps, % is 0.
        assert_eq!(b::<FloorDiv, i32>(i32::MIN, -1), i32::MIN);
        assert_eq!(b::<Mod, i64>(i64::MIN, -1), 0);
        // No intermediate overflow (numexpr's ((a%b)+b)%b would overflow).
        assert_eq!(b::<Mod, i32>(i32::MAX - 1, i32::MAX), i32::MAX - 1);
    }

    #[test]
    fn integer_power_and_shifts() {
        assert_eq!(b::<Pow, i32>(3, 4), 81);
        assert_eq!(b::<Pow, i64>(3, 39), 4052555153018976267);
        assert_eq!(b::<Pow, i32>(2, 32), 0); // wraps like NumPy
        assert_eq!(
            [
                b::<Pow, i32>(2, -1),
                b::<Pow, i32>(1, -3),
                b::<Pow, i32>(-1, -2),
                b::<Pow, i32>(0, -1)
            ],
            [0, 1, -1, 0]
        );
        assert_eq!(b::<LShift, i32>(1, 31), i32::MIN);
        assert_eq!(b::<LShift, i32>(1, 32), 0);
        assert_eq!(b::<LShift, i64>(1, -1), 0);
        assert_eq!(b::<RShift, i32>(-8, 40), -1);
        assert_eq!(b::<RShift, i32>(8, -1), 0);
        assert_eq!(b::<RShift, i64>(-8, 1), -4);
    }

    #[test]
    fn float_semantics() {
        assert_eq!(b::<Mod, f64>(-7.5, 2.0), 0.5);
        assert_eq!(b::<Fmod, f64>(-7.5, 2.0), -1.5);
        assert!(b::<Mod, f64>(1.0, 0.0).is_nan());
        assert_eq!(b::<FloorDiv, f64>(1.0, 0.0), f64::INFINITY);
        assert!(b::<Maximum, f64>(f64::NAN, 1.0).is_nan());
        // Ties give the second operand, as C fmin/fmax (and numexpr) do.
        assert!(b::<Minimum, f64>(0.0, -0.0).is_sign_negative());
        assert!(b::<Minimum, f32>(-0.0, 0.0).is_sign_positive());
        assert!(b::<Maximum, f64>(0.0, -0.0).is_sign_negative());
        assert!(b::<Maximum, f32>(-0.0, 0.0).is_sign_positive());
        assert!(b::<Minimum, f64>(1.0, f64::NAN).is_nan());
        assert_eq!(b::<Maximum, f64>(-0.0, 0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(b::<Minimum, f64>(0.0, -0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(b::<NextAfter, f64>(1.0, 2.0), 1.0000000000000002);
        assert_eq!(b::<NextAfter, f32>(0.0, -1.0), -f32::from_bits(1));
        assert_eq!(b::<NextAfter, f64>(-1.0, 0.0), -0.9999999999999999);
        assert_eq!(<Sign as Unary<f64, f64>>::apply(-0.0), 0.0);
        assert!(<Sign as Unary<f64, f64>>::apply(f64::NAN).is_nan());
        assert_eq!(<Round as Unary<f64, f64>>::apply(2.5), 2.0);
        assert!(<SignBit as Unary<f64, bool>>::apply(-0.0));
    }

    /// The branch-free rounding agrees with the std methods (and so with
    /// the C library) bit for bit, in every build, NaN payloads aside.
    #[test]
    fn rounding_is_exact() {
        let mut xs: Vec<f64> = vec![
            0.0,
            0.3,
            0.5,
            0.7,
            1.0,
            1.5,
            2.5,
            3.5,
            1e15 + 0.5,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::INFINITY,
            f64::NAN,
            0.49999999999999994,
        ];
        let mut r = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20000 {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            xs.push(f64::from_bits(r));
            xs.push((r >> 11) as f64 / 2f64.powi(40) - 4096.0);
        }
        let neg: Vec<f64> = xs.iter().map(|x| -x).collect();
        xs.extend(neg);
        // NaN inputs: a NaN of the same sign (rounding instructions quiet
        // a signalling NaN, the branch-free code passes it through).
        let same = |a: f64, b: f64, what: &str, x: f64| {
            if b.is_nan() {
                assert!(
                    a.is_nan() && a.is_sign_negative() == b.is_sign_negative(),
                    "{what}({x:e}): {a:e} vs {b:e}"
                );
            } else {
                assert_eq!(a.to_bits(), b.to_bits(), "{what}({x:e}): {a:e} vs {b:e}")
            }
        };
        for &x in &xs {
            same(round::f64::soft_floor(x), x.floor(), "floor", x);
            same(round::f64::soft_ceil(x), x.ceil(), "ceil", x);
            same(round::f64::soft_trunc(x), x.trunc(), "trunc", x);
            same(
                round::f64::soft_round_ties_even(x),
                x.round_ties_even(),
                "round",
                x,
            );
            same(round::f64::floor(x), x.floor(), "floor", x);
            let y = x as f32;
            let same32 = |a: f32, b: f32, what: &str| {
                same(f64::from(a), f64::from(b), what, f64::from(y));
                assert!(
                    b.is_nan() || a.to_bits() == b.to_bits(),
                    "{what}({y:e}): {a:e} vs {b:e}"
                );
            };
            same32(round::f32::soft_floor(y), y.floor(), "floor");
            same32(round::f32::soft_ceil(y), y.ceil(), "ceil");
            same32(round::f32::soft_trunc(y), y.trunc(), "trunc");
            same32(
                round::f32::soft_round_ties_even(y),
                y.round_ties_even(),
                "round",
            );
        }
    }

    #[test]
    fn float_functions_run_the_simd_kernels() {
        let x: Vec<f64> = (0..37).map(|i| 0.1 + f64::from(i) * 0.37).collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let (mut got, mut want) = (vec![0.0; 37], vec![0.0; 37]);
        <Tanh as Unary<f64, f64>>::run(&mut got, Arg::Vec(&x));
        simd::f64::tanh(&mut want, &x);
        assert_eq!(bits(&got), bits(&want));
        <Pow as Binary<f64, f64, f64>>::run(&mut got, Arg::Vec(&x), Arg::Scalar(2.7));
        simd::f64::pow(&mut want, Arg::Vec(&x), Arg::Scalar(2.7));
        assert_eq!(bits(&got), bits(&want));
        <Arctan2 as Binary<f64, f64, f64>>::run(&mut got, Arg::Scalar(0.5), Arg::Vec(&x));
        simd::f64::arctan2(&mut want, Arg::Scalar(0.5), Arg::Vec(&x));
        assert_eq!(bits(&got), bits(&want));
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let (mut gotf, mut wantf) = (vec![0.0f32; 37], vec![0.0f32; 37]);
        <Sin as Unary<f32, f32>>::run(&mut gotf, Arg::Vec(&xf));
        simd::f32::sin(&mut wantf, &xf);
        assert_eq!(gotf, wantf);
        // A scalar operand gives the C library's value.
        <Exp as Unary<f64, f64>>::run(&mut got, Arg::Scalar(0.3));
        assert_eq!(got, vec![0.3f64.exp(); 37]);
    }

    #[test]
    fn map3_handles_every_operand_form() {
        let c = [true, false, true, false, true];
        let (x, y) = ([1.0, 2.0, 3.0, 4.0, 5.0], [-1.0, -2.0, -3.0, -4.0, -5.0]);
        let pick = |c: bool, x: f64, y: f64| if c { x } else { y };
        let mut out = [0.0; 5];
        map3(&mut out, Arg::Vec(&c), Arg::Vec(&x), Arg::Vec(&y), pick);
        assert_eq!(out, [1.0, -2.0, 3.0, -4.0, 5.0]);
        map3(&mut out, Arg::Vec(&c), Arg::Scalar(9.0), Arg::Vec(&y), pick);
        assert_eq!(out, [9.0, -2.0, 9.0, -4.0, 9.0]);
        map3(&mut out, Arg::Vec(&c), Arg::Vec(&x), Arg::Scalar(0.0), pick);
        assert_eq!(out, [1.0, 0.0, 3.0, 0.0, 5.0]);
        map3(
            &mut out,
            Arg::Vec(&c),
            Arg::Scalar(7.0),
            Arg::Scalar(8.0),
            pick,
        );
        assert_eq!(out, [7.0, 8.0, 7.0, 8.0, 7.0]);
        map3(
            &mut out,
            Arg::Scalar(false),
            Arg::Vec(&x),
            Arg::Vec(&y),
            pick,
        );
        assert_eq!(out, y);
    }

    #[test]
    fn run_handles_every_operand_form() {
        let mut out = [0.0f64; 3];
        Add::run(&mut out, Arg::Vec(&[1.0, 2.0, 3.0]), Arg::Scalar(10.0));
        assert_eq!(out, [11.0, 12.0, 13.0]);
        Sub::run(&mut out, Arg::Scalar(1.0), Arg::Vec(&[1.0, 2.0, 3.0]));
        assert_eq!(out, [0.0, -1.0, -2.0]);
        Mul::run(&mut out, Arg::Scalar(2.0), Arg::Scalar(4.0));
        assert_eq!(out, [8.0; 3]);
        let mut flags = [false; 3];
        <IsNan as Unary<f64, bool>>::run(&mut flags, Arg::Vec(&[f64::NAN, 0.0, f64::NAN]));
        assert_eq!(flags, [true, false, true]);
    }
}

//! How far ndexpr's value of an element may be from the reference's.
//!
//! ndexpr computes the float64 transcendental functions and float64 `**`
//! with SIMD kernels that are within [`KERNEL_ULPS`] ULP of the C library
//! functions the reference calls (`src/kernels/simd.rs`; its float32
//! kernels are bit-identical to the C library's and everything else is
//! computed exactly as the reference computes it).  So every value carries
//! an *error bound* `e`, an `f64`:
//!
//! * `0`: ndexpr's value has exactly the reference's bits (NaN matches
//!   NaN);
//! * finite: ndexpr's value is finite and within `e` of the reference's
//!   (both parts of a complex number);
//! * infinite: unknown, the value is not compared.
//!
//! A kernel's result gets a few ULP; the bound then follows the value
//! through the operations after it by first-order error analysis (sums
//! add bounds, products scale them, monotonic functions map the interval
//! `[x - e, x + e]`).  Operations that are discontinuous (comparisons,
//! `floor`, `sign`, ...) give an exact result when the whole interval
//! gives the same result, and an unknown one otherwise; operations whose
//! error the analysis does not follow (`%`, `arctan2` and most complex
//! functions of an inexact operand) give an unknown result.  An unknown
//! value is also what reveals the sign of a NaN, which IEEE 754 leaves
//! unspecified (see [`reveals_nan_sign`]).

use crate::reference::V;
use ndexpr::DType;
use ndexpr::ir::OpName;

/// ULP (of the result) by which ndexpr's float64 SIMD kernels may differ
/// from the C library's functions.
pub const KERNEL_ULPS: f64 = 4.0;

/// An unknown error: the value is not compared.
pub const UNKNOWN: f64 = f64::INFINITY;

/// The spacing of float64 values at the magnitude of `x` (0 for non-finite
/// `x`).
pub fn ulp(x: f64) -> f64 {
    let m = x.abs();
    if !m.is_finite() {
        0.0
    } else if m == f64::MAX {
        m - f64::from_bits(m.to_bits() - 1)
    } else {
        f64::from_bits(m.to_bits() + 1) - m
    }
}

/// Whether ndexpr computes `op` with a result of `dtype` by a SIMD kernel
/// (within [`KERNEL_ULPS`] of the C library), not exactly.
pub fn approximated(op: OpName, dtype: DType) -> bool {
    use OpName as O;
    dtype == DType::Float64
        && matches!(
            op,
            O::Exp
                | O::Expm1
                | O::Log
                | O::Log1p
                | O::Log10
                | O::Log2
                | O::Sin
                | O::Cos
                | O::Tan
                | O::Sinh
                | O::Cosh
                | O::Tanh
                | O::Arcsin
                | O::Arccos
                | O::Arctan
                | O::Arctan2
                | O::Pow
        )
}

/// Whether an operation reveals the sign bit of a NaN operand, which IEEE
/// 754 leaves unspecified for the results of arithmetic (x86 makes it
/// depend on operand order, which a compiler may swap): `copysign(x, nan)`
/// and `signbit(nan)`.
pub fn reveals_nan_sign(op: OpName, args: &[&V]) -> bool {
    let nan = |v: &V| match v {
        V::F(x) => x.is_nan(),
        V::D(x) => x.is_nan(),
        _ => false,
    };
    match op {
        OpName::CopySign => nan(args[1]),
        OpName::SignBit => nan(args[0]),
        _ => false,
    }
}

/// A real or complex value as its parts (`None` for bools, integers and
/// byte strings, which are always exact).
fn parts(v: &V) -> Option<(f64, f64)> {
    match v {
        V::F(x) => Some((f64::from(*x), 0.0)),
        V::D(x) => Some((*x, 0.0)),
        V::C(re, im) => Some((*re, *im)),
        _ => None,
    }
}

fn real(v: &V) -> f64 {
    parts(v).expect("a number").0
}

/// Whether `v` is finite with room for an error of `e` before overflow.
fn finite_within(v: &V, e: f64) -> bool {
    parts(v).is_some_and(|(re, im)| re.abs() + e < f64::MAX && im.abs() + e < f64::MAX)
}

/// The bound of an operation's result, from its operands (`args`, with
/// bounds `errs`) and the reference's result `r`.
pub fn of_op(op: OpName, args: &[&V], errs: &[f64], r: &V) -> f64 {
    use OpName as O;
    if reveals_nan_sign(op, args) {
        return UNKNOWN;
    }
    match op {
        // What does not depend on (inexact) operand values.
        O::OnesLike => return 0.0,
        O::Where => {
            let V::B(c) = args[0] else {
                panic!("where() condition {:?}", args[0])
            };
            return if errs[0] > 0.0 {
                UNKNOWN
            } else if *c {
                errs[1]
            } else {
                errs[2]
            };
        }
        _ => {}
    }
    if errs.iter().all(|&e| e == 0.0) {
        return match r {
            V::D(x) if approximated(op, DType::Float64) => KERNEL_ULPS * ulp(*x),
            _ => 0.0,
        };
    }
    // Some operand is inexact, so it is a finite float64 or complex value
    // (every other kind is exact).
    if errs.contains(&UNKNOWN)
        || args
            .iter()
            .zip(errs)
            .any(|(a, &e)| e > 0.0 && !finite_within(a, e))
    {
        return UNKNOWN;
    }
    let e = match r {
        V::D(_) | V::C(..) => inexact_number(op, args, errs, r),
        V::B(_) => inexact_predicate(op, args, errs),
        _ => UNKNOWN,
    };
    // A result near overflow could overflow in ndexpr and not here.
    if e > 0.0 && !finite_within(r, e) {
        return UNKNOWN;
    }
    e
}

/// The bound of a float64 or complex result computed from inexact
/// operands.
fn inexact_number(op: OpName, args: &[&V], errs: &[f64], r: &V) -> f64 {
    use OpName as O;
    let (rr, ri) = parts(r).expect("a number");
    // Room for the roundings of both sides (ndexpr's and the reference's
    // evaluation of the formulas below).
    let round = 2.0 * ulp(rr.abs().max(ri.abs()));
    let complex_args = args.iter().any(|a| matches!(a, V::C(..)));
    match (op, args, errs) {
        (O::Neg | O::Copy | O::Conjugate | O::Real | O::Imag, _, [e]) => *e,
        (O::Complex, _, [a, b]) => a.max(*b),
        (O::Add | O::Sub, _, [ea, eb]) => ea + eb + round,
        // |z' - z| <= e * sqrt(2), and abs is 1-Lipschitz.
        (O::Absolute, [V::C(..)], [e]) => 1.5 * e + round,
        (O::Absolute, _, [e]) => *e,
        _ if complex_args => UNKNOWN,
        (O::Mul, [a, b], [ea, eb]) => {
            let (a, b) = (real(a).abs(), real(b).abs());
            a * eb + b * ea + ea * eb + round
        }
        (O::Div, [_, b], [ea, eb]) => {
            let b = real(b).abs();
            if b > *eb {
                (ea + rr.abs() * eb) / (b - eb) + round
            } else {
                UNKNOWN
            }
        }
        (O::Hypot, _, [ea, eb]) => ea + eb + round,
        (O::Maximum | O::Minimum, _, [ea, eb]) => ea.max(*eb),
        (O::CopySign, [_, b], [ea, eb]) => {
            if real(b).abs() > *eb {
                *ea
            } else {
                UNKNOWN
            }
        }
        (O::Pow, [a, b], [ea, eb]) => pow_bound(real(a), real(b), *ea, *eb, rr),
        (_, [a], [e]) => function_bound(op, real(a), *e, rr),
        _ => UNKNOWN,
    }
}

/// Whether `f` maps `[x - e, x + e]` into an interval of finite values
/// around `r`: the largest distance from `r` (plus the kernel's error at
/// the far end), or `UNKNOWN`.
fn mapped(f: impl Fn(f64) -> f64, x: f64, e: f64, r: f64, kernel: bool) -> f64 {
    let (lo, hi) = (f(x - e), f(x + e));
    if !(lo.is_finite() && hi.is_finite()) {
        return UNKNOWN;
    }
    let far = lo.abs().max(hi.abs()).max(r.abs());
    let ulps = if kernel { KERNEL_ULPS + 2.0 } else { 2.0 };
    (lo - r).abs().max((hi - r).abs()) + ulps * ulp(far)
}

/// The bound of a one-operand real function of an inexact `x` (within
/// `e`), whose reference value is `r`.
fn function_bound(op: OpName, x: f64, e: f64, r: f64) -> f64 {
    use OpName as O;
    let kernel = approximated(op, DType::Float64);
    let step = |f: fn(f64) -> f64| {
        // Piecewise constant: exact if the interval does not straddle a
        // step (the function is monotonic).
        if f(x - e) == f(x + e) { 0.0 } else { UNKNOWN }
    };
    match op {
        // Monotonic on their domains.
        O::Exp => mapped(f64::exp, x, e, r, kernel),
        O::Expm1 => mapped(f64::exp_m1, x, e, r, kernel),
        O::Log => mapped(f64::ln, x, e, r, kernel),
        O::Log1p => mapped(f64::ln_1p, x, e, r, kernel),
        O::Log10 => mapped(f64::log10, x, e, r, kernel),
        O::Log2 => mapped(f64::log2, x, e, r, kernel),
        O::Sinh => mapped(f64::sinh, x, e, r, kernel),
        O::Tanh => mapped(f64::tanh, x, e, r, kernel),
        O::Arcsin => mapped(f64::asin, x, e, r, kernel),
        O::Arccos => mapped(f64::acos, x, e, r, kernel),
        O::Arctan => mapped(f64::atan, x, e, r, kernel),
        O::Arcsinh => mapped(f64::asinh, x, e, r, kernel),
        O::Arccosh => mapped(f64::acosh, x, e, r, kernel),
        O::Arctanh => mapped(f64::atanh, x, e, r, kernel),
        O::Sqrt => mapped(f64::sqrt, x, e, r, kernel),
        // Monotonic on each side of 0; between, within [1, cosh(|x| + e)].
        O::Cosh if x.abs() > e => mapped(f64::cosh, x, e, r, kernel),
        O::Cosh => {
            let hi = (x.abs() + e).cosh();
            if hi.is_finite() {
                (hi - r).max(r - 1.0) + (KERNEL_ULPS + 2.0) * ulp(hi)
            } else {
                UNKNOWN
            }
        }
        // 1-Lipschitz.
        O::Sin | O::Cos => e + (KERNEL_ULPS + 2.0) * ulp(r.abs() + e),
        // Monotonic between its poles: the interval must not reach one.
        O::Tan => {
            let (lo, hi) = ((x - e).tan(), (x + e).tan());
            if e < 1.0 && lo <= r && r <= hi {
                mapped(f64::tan, x, e, r, kernel)
            } else {
                UNKNOWN
            }
        }
        O::Floor => step(f64::floor),
        O::Ceil => step(f64::ceil),
        O::Trunc => step(f64::trunc),
        O::Round => step(f64::round_ties_even),
        O::Sign => {
            if x.abs() > e {
                0.0
            } else {
                UNKNOWN
            }
        }
        _ => UNKNOWN,
    }
}

/// The bound of `a ** b` for inexact operands: with a positive base the
/// power is monotonic in each operand, so its extremes over the box of
/// operands lie at the corners.
fn pow_bound(a: f64, b: f64, ea: f64, eb: f64, r: f64) -> f64 {
    if a - ea <= 0.0 {
        return UNKNOWN;
    }
    let mut far = r.abs();
    let mut dist: f64 = 0.0;
    for x in [a - ea, a + ea] {
        for y in [b - eb, b + eb] {
            let p = x.powf(y);
            if !p.is_finite() {
                return UNKNOWN;
            }
            far = far.max(p.abs());
            dist = dist.max((p - r).abs());
        }
    }
    dist + (KERNEL_ULPS + 2.0) * ulp(far)
}

/// The bound (0 or unknown) of a bool computed from inexact numbers: exact
/// when every value within the bounds gives the same answer.
fn inexact_predicate(op: OpName, args: &[&V], errs: &[f64]) -> f64 {
    use OpName as O;
    let certain = |c: bool| if c { 0.0 } else { UNKNOWN };
    match (op, args, errs) {
        // Finite values within finite bounds stay finite.
        (O::IsNan | O::IsInf | O::IsFinite, _, _) => 0.0,
        (O::SignBit, [x], [e]) => certain(real(x).abs() > *e),
        (O::Gt | O::Ge | O::Eq | O::Ne, [a, b], [ea, eb]) => {
            let (a, b) = (parts(a).expect("a number"), parts(b).expect("a number"));
            // Apart by more than the bounds in some part: surely unequal,
            // and a real comparison is decided.
            let apart = |x: f64, y: f64| (x - y).abs() > ea + eb;
            certain(apart(a.0, b.0) || (matches!(op, O::Eq | O::Ne) && apart(a.1, b.1)))
        }
        _ => UNKNOWN,
    }
}

/// Whether the truth of `v` (non-zero) is the same for every value within
/// `e` of it.
pub fn truth_certain(v: &V, e: f64) -> bool {
    e == 0.0 || parts(v).is_some_and(|(re, im)| re.abs() > e || im.abs() > e)
}

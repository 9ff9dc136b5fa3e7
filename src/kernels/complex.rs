//! complex128 element semantics: numexpr's own formulas.
//!
//! In: `Complex64` operands.  Out: `Complex64` (or bool) results.
//!
//! numexpr computes complex functions with the hand-written formulas of its
//! `complex_functions.hpp`, not with C99's `<complex.h>`; they differ from
//! NumPy near branch cuts and for huge or special values (e.g. `abs` is
//! `sqrt(re² + im²)` and overflows where `hypot` would not, and division is
//! the textbook formula without scaling).  These functions port them line
//! by line, so results match numexpr's.

use num_complex::Complex64 as C;

const ONE: C = C::new(1.0, 0.0);
const I: C = C::new(0.0, 1.0);
const HALF_I: C = C::new(0.0, 0.5);
const LOG10_E: f64 = std::f64::consts::LOG10_E;
const LOG2_E: f64 = std::f64::consts::LOG2_E;

/// `a * b`, textbook formula.
#[inline]
pub fn mul(a: C, b: C) -> C {
    C::new(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

/// `a / b`, textbook formula (`(1+0j)/0j` is `nan+nanj`, as in numexpr).
#[inline]
pub fn div(a: C, b: C) -> C {
    let d = b.re * b.re + b.im * b.im;
    C::new(
        (a.re * b.re + a.im * b.im) / d,
        (a.im * b.re - a.re * b.im) / d,
    )
}

/// `i * x`
fn prodi(x: C) -> C {
    C::new(-x.im, x.re)
}

/// numexpr's `nc_sqrt`.
pub fn sqrt(x: C) -> C {
    if x.re == 0.0 && x.im == 0.0 {
        return x;
    }
    let s = ((x.re.abs() + x.re.hypot(x.im)) / 2.0).sqrt();
    let d = x.im / (2.0 * s);
    if x.re > 0.0 {
        C::new(s, d)
    } else if x.im >= 0.0 {
        C::new(d, s)
    } else {
        C::new(-d, -s)
    }
}

/// numexpr's `nc_log`.
pub fn log(x: C) -> C {
    C::new(x.re.hypot(x.im).ln(), x.im.atan2(x.re))
}

/// numexpr's `nc_log1p`.
pub fn log1p(x: C) -> C {
    C::new((x.re + 1.0).hypot(x.im).ln(), x.im.atan2(x.re + 1.0))
}

/// numexpr's `nc_log10`.
pub fn log10(x: C) -> C {
    let l = log(x);
    C::new(l.re * LOG10_E, l.im * LOG10_E)
}

/// numexpr's `nc_log2`.
pub fn log2(x: C) -> C {
    let l = log(x);
    C::new(l.re * LOG2_E, l.im * LOG2_E)
}

/// numexpr's `nc_exp`.
pub fn exp(x: C) -> C {
    let a = x.re.exp();
    C::new(a * x.im.cos(), a * x.im.sin())
}

/// numexpr's `nc_expm1`.
pub fn expm1(x: C) -> C {
    let a = (x.im / 2.0).sin();
    let b = x.re.exp();
    C::new(x.re.exp_m1() * x.im.cos() - 2.0 * a * a, b * x.im.sin())
}

/// numexpr's `nc_pow`: repeated squaring for integral real exponents with
/// `|n| < 100`, otherwise `exp(b * log(a))`.
pub fn pow(a: C, b: C) -> C {
    if b.re == 0.0 && b.im == 0.0 {
        return ONE;
    }
    if a.re == 0.0 && a.im == 0.0 {
        return C::new(0.0, 0.0);
    }
    if b.im == 0.0 && b.re.trunc() == b.re && b.re.abs() < 100.0 {
        let n = b.re.abs() as i64;
        let mut acc = ONE;
        let mut p = a;
        let mut mask = 1i64;
        loop {
            if n & mask != 0 {
                acc = mul(acc, p);
            }
            mask <<= 1;
            if n < mask {
                break;
            }
            p = mul(p, p);
        }
        return if b.re < 0.0 { div(ONE, acc) } else { acc };
    }
    exp(mul(log(a), b))
}

/// numexpr's `nc_acos`.
pub fn acos(x: C) -> C {
    let r = sqrt(ONE - mul(x, x));
    let r = log(x + prodi(r));
    -prodi(r)
}

/// numexpr's `nc_acosh`.
pub fn acosh(x: C) -> C {
    let t = sqrt(x + ONE);
    let r = sqrt(x - ONE);
    log(x + mul(t, r))
}

/// numexpr's `nc_asin`.
pub fn asin(x: C) -> C {
    let a = prodi(x);
    let r = sqrt(ONE - mul(x, x));
    -prodi(log(a + r))
}

/// numexpr's `nc_asinh`.
pub fn asinh(x: C) -> C {
    let r = sqrt(ONE + mul(x, x));
    log(r + x)
}

/// numexpr's `nc_atan`.
pub fn atan(x: C) -> C {
    let a = I - x;
    let r = div(I + x, a);
    mul(HALF_I, log(r))
}

/// numexpr's `nc_atanh`.
pub fn atanh(x: C) -> C {
    let r = div(ONE + x, ONE - x);
    mul(C::new(0.5, 0.0), log(r))
}

/// numexpr's `nc_cos`.
pub fn cos(x: C) -> C {
    C::new(x.re.cos() * x.im.cosh(), -x.re.sin() * x.im.sinh())
}

/// numexpr's `nc_cosh`.
pub fn cosh(x: C) -> C {
    C::new(x.im.cos() * x.re.cosh(), x.im.sin() * x.re.sinh())
}

/// numexpr's `nc_sin`.
pub fn sin(x: C) -> C {
    C::new(x.re.sin() * x.im.cosh(), x.re.cos() * x.im.sinh())
}

/// numexpr's `nc_sinh`.
pub fn sinh(x: C) -> C {
    C::new(x.im.cos() * x.re.sinh(), x.im.sin() * x.re.cosh())
}

/// numexpr's `nc_tan` (with its overflow handling for `|im| > 20`).
pub fn tan(x: C) -> C {
    let denom = (2.0 * x.re).cos() + (2.0 * x.im).cosh();
    let im = if x.im > 20.0 {
        1.0 / (1.0 + (-4.0 * x.im).exp())
    } else if x.im < -20.0 {
        -1.0 / (1.0 + (4.0 * x.im).exp())
    } else {
        (2.0 * x.im).sinh() / denom
    };
    C::new((2.0 * x.re).sin() / denom, im)
}

/// numexpr's `nc_tanh` (with its overflow handling for `|re| > 20`).
pub fn tanh(x: C) -> C {
    let denom = (2.0 * x.re).cosh() + (2.0 * x.im).cos();
    let re = if x.re > 20.0 {
        1.0 / (1.0 + (-4.0 * x.re).exp())
    } else if x.re < -20.0 {
        -1.0 / (1.0 + (4.0 * x.re).exp())
    } else {
        (2.0 * x.re).sinh() / denom
    };
    C::new(re, (2.0 * x.im).sin() / denom)
}

/// numexpr's `nc_abs`: `sqrt(re² + im²) + 0j`.
pub fn abs(x: C) -> C {
    C::new((x.re * x.re + x.im * x.im).sqrt(), 0.0)
}

/// numexpr's `nc_rint`: round half to even on both parts.
pub fn rint(x: C) -> C {
    C::new(x.re.round_ties_even(), x.im.round_ties_even())
}

/// numexpr's `nc_sign`: `z / |z|`, `0` for `0`, NaN for NaN.
pub fn sign(x: C) -> C {
    if isnan(x) {
        return C::new(f64::NAN, f64::NAN);
    }
    let mag = abs(x).re;
    if mag == 0.0 {
        C::new(0.0, 0.0)
    } else {
        C::new(x.re / mag, x.im / mag)
    }
}

/// Either part NaN.
pub fn isnan(x: C) -> bool {
    x.re.is_nan() || x.im.is_nan()
}

/// Either part infinite.
pub fn isinf(x: C) -> bool {
    x.re.is_infinite() || x.im.is_infinite()
}

/// Both parts finite.
pub fn isfinite(x: C) -> bool {
    x.re.is_finite() && x.im.is_finite()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: C, b: C) -> bool {
        (a - b).norm() <= 1e-14 * (1.0 + b.norm())
    }

    // Expected values from numexpr 2.14.2:
    // ne.evaluate('f(z)', {'z': np.array([0.5+0.25j])}).
    #[test]
    fn functions_match_numexpr() {
        let z = C::new(0.5, 0.25);
        type Case = (fn(C) -> C, C);
        let cases: [Case; 15] = [
            (sqrt, C::new(0.7276733451126774, 0.17178037486125622)),
            (log, C::new(-0.5815754049028404, 0.4636476090008061)),
            (exp, C::new(1.5974665191199127, 0.4079001700783598)),
            (sin, C::new(0.494485780933195, 0.22168816414957482)),
            (tan, C::new(0.504500702698564, 0.3124206925025888)),
            (asin, C::new(0.5016088532755008, 0.28139605624529274)),
            (atan, C::new(0.48425449032996626, 0.20058661813123438)),
            (tanh, C::new(0.4854872810241353, 0.19805544995134955)),
            (acos, C::new(1.0691874735193958, -0.2813960562452929)),
            (acosh, C::new(0.2813960562452929, 1.0691874735193958)),
            (asinh, C::new(0.49267568342077067, 0.2243284526346675)),
            (atanh, C::new(0.5003700000525311, 0.3143981432077165)),
            (expm1, C::new(0.5974665191199127, 0.4079001700783598)),
            (log1p, C::new(0.41916459520222155, 0.16514867741462683)),
            (cosh, C::new(1.0925708047319176, 0.12892104172809826)),
        ];
        for (i, (f, want)) in cases.iter().enumerate() {
            assert!(close(f(z), *want), "case {i}: {:?} vs {want:?}", f(z));
        }
    }

    #[test]
    fn pow_uses_repeated_squaring_for_small_integers() {
        let z = C::new(1.0, 1.0);
        assert_eq!(pow(z, C::new(2.0, 0.0)), C::new(0.0, 2.0));
        assert_eq!(pow(z, C::new(0.0, 0.0)), ONE);
        assert_eq!(pow(C::new(0.0, 0.0), C::new(-1.0, 0.0)), C::new(0.0, 0.0));
        assert!(close(pow(z, C::new(-2.0, 0.0)), C::new(0.0, -0.5)));
        assert!(close(pow(z, C::new(0.5, 0.0)), sqrt(z)));
    }

    #[test]
    fn textbook_division_and_abs() {
        let q = div(ONE, C::new(0.0, 0.0));
        assert!(q.re.is_nan() && q.im.is_nan());
        assert_eq!(abs(C::new(3.0, 4.0)), C::new(5.0, 0.0));
        assert_eq!(abs(C::new(1e200, 1e200)).re, f64::INFINITY);
        assert_eq!(sign(C::new(0.0, 0.0)), C::new(0.0, 0.0));
        assert_eq!(sign(C::new(0.0, -2.0)), C::new(0.0, -1.0));
    }
}

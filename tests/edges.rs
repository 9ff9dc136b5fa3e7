//! Integer and float edge cases: INT_MIN // -1, division and modulo by
//! zero, shifts by the width or more, overflow in `*` and `**`, negative
//! integer exponents, NaN and infinities through every function and
//! comparison, and signed zeros.
//!
//! Expected values come from independent formulas written here (i128
//! arithmetic, Rust's float methods), following numexpr 2.14.2 where it
//! defines the result and NumPy where numexpr crashes or raises.

use ndarray::{Array1, ArrayD};
use ndexpr::{DType, ErrorKind, Expression, Value, Vars, evaluate, vars};

fn values<T: Clone>(v: ArrayD<T>) -> Vec<T> {
    v.iter().cloned().collect()
}

fn eval(src: &str, vars: &Vars<'_>) -> Value {
    evaluate(src, vars).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Every pair of `xs` as two arrays: (x repeated, y cycled).
fn pairs<T: Copy>(xs: &[T]) -> (Array1<T>, Array1<T>) {
    let a = xs.iter().flat_map(|&x| xs.iter().map(move |_| x)).collect();
    let b = xs.iter().flat_map(|_| xs.iter().copied()).collect();
    (a, b)
}

const I32S: [i32; 12] = [
    i32::MIN,
    i32::MIN + 1,
    -7,
    -2,
    -1,
    0,
    1,
    2,
    3,
    7,
    i32::MAX - 1,
    i32::MAX,
];
const I64S: [i64; 12] = [
    i64::MIN,
    i64::MIN + 1,
    -7,
    -2,
    -1,
    0,
    1,
    2,
    3,
    7,
    i64::MAX - 1,
    i64::MAX,
];

/// Floor division and modulo in i128, with `x // 0 == x % 0 == 0`; the
/// caller truncates to the type's width (so INT_MIN // -1 wraps).
fn floor_divmod(a: i128, b: i128) -> (i128, i128) {
    if b == 0 {
        return (0, 0);
    }
    let q = a.div_euclid(b);
    let r = a.rem_euclid(b);
    // Euclidean → floor: they differ when the divisor is negative and the
    // remainder is non-zero (a = b*q + r = b*(q-1) + (r+b), with r+b < 0).
    if b < 0 && r != 0 {
        (q - 1, r + b)
    } else {
        (q, r)
    }
}

#[test]
fn floor_division_and_modulo_of_int32_including_int_min_by_minus_one_and_zero() {
    let (a, b) = pairs(&I32S);
    let v = vars! { "a" => &a, "b" => &b };
    let q = values(eval("a // b", &v).into_i32().unwrap());
    let r = values(eval("a % b", &v).into_i32().unwrap());
    for k in 0..a.len() {
        let (wq, wr) = floor_divmod(a[k].into(), b[k].into());
        assert_eq!((q[k], r[k]), (wq as i32, wr as i32), "{} // {}", a[k], b[k]);
    }
    // INT_MIN // -1 wraps to INT_MIN (NumPy; numexpr dies of SIGFPE), and
    // INT_MIN % -1 is 0.
    let k = a
        .iter()
        .zip(&b)
        .position(|(&x, &y)| x == i32::MIN && y == -1)
        .unwrap();
    assert_eq!((q[k], r[k]), (i32::MIN, 0));
    // By a literal divisor (constant-divisor kernels) and by a 0-d input.
    for d in [-1i32, 0, 1, 2, -2, 3, 7, -7, i32::MAX, i32::MIN] {
        let want: Vec<(i32, i32)> = I32S
            .iter()
            .map(|&x| {
                let (q, r) = floor_divmod(x.into(), d.into());
                (q as i32, r as i32)
            })
            .collect();
        let x = Array1::from(I32S.to_vec());
        let lit = if d < 0 {
            format!("({d})")
        } else {
            d.to_string()
        };
        for (qs, rs, vars) in [
            (
                format!("x // {lit}"),
                format!("x % {lit}"),
                vars! { "x" => &x },
            ),
            (
                "x // d".to_string(),
                "x % d".to_string(),
                vars! { "x" => &x, "d" => d },
            ),
        ] {
            if d == i32::MIN && qs.contains('(') {
                // -2147483648 is int64 as a literal (the minus is an
                // operator): covered by the 0-d input.
                continue;
            }
            let q = values(eval(&qs, &vars).into_i32().unwrap());
            let r = values(eval(&rs, &vars).into_i32().unwrap());
            let got: Vec<(i32, i32)> = q.into_iter().zip(r).collect();
            assert_eq!(got, want, "{qs} / {rs}");
        }
    }
}

#[test]
fn floor_division_and_modulo_of_int64_including_int_min_by_minus_one_and_zero() {
    let (a, b) = pairs(&I64S);
    let v = vars! { "a" => &a, "b" => &b };
    let q = values(eval("a // b", &v).into_i64().unwrap());
    let r = values(eval("a % b", &v).into_i64().unwrap());
    for k in 0..a.len() {
        let (wq, wr) = floor_divmod(a[k].into(), b[k].into());
        assert_eq!((q[k], r[k]), (wq as i64, wr as i64), "{} // {}", a[k], b[k]);
    }
    for d in [-1i64, 0, 2, -3, 1 << 40, i64::MAX, i64::MIN] {
        let x = Array1::from(I64S.to_vec());
        let vars = vars! { "x" => &x, "d" => d };
        let q = values(eval("x // d", &vars).into_i64().unwrap());
        let r = values(eval("x % d", &vars).into_i64().unwrap());
        for (k, &xv) in I64S.iter().enumerate() {
            let (wq, wr) = floor_divmod(xv.into(), d.into());
            assert_eq!((q[k], r[k]), (wq as i64, wr as i64), "{xv} by {d}");
        }
    }
}

#[test]
fn integer_division_by_zero_in_constants_is_a_value_error() {
    // Literal-only expressions are folded by Python's rules, which raise.
    for src in ["7 // 0", "7 % 0", "1 / 0", "1 / 0.0", "0 ** -1"] {
        let e = evaluate(src, &Vars::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value, "{src}: {e}");
    }
    // Python's arbitrary-precision literal arithmetic: INT_MIN // -1 of
    // int32 literals is an int64, of int64 ones out of range.
    let got = values(eval("-2147483648 // -1", &Vars::new()).into_i64().unwrap());
    assert_eq!(got, vec![2147483648]);
    let e = evaluate("(-9223372036854775807 - 1) // -1", &Vars::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Value, "{e}");
    // True division of integers by zero is float: ±inf, NaN.
    let i = Array1::from(vec![1i32, -1, 0]);
    let got = values(eval("i / 0", &vars! { "i" => &i }).into_f64().unwrap());
    assert_eq!(got[..2], [f64::INFINITY, f64::NEG_INFINITY]);
    assert!(got[2].is_nan());
}

#[test]
fn shifts_by_the_width_or_more_or_by_negative_amounts() {
    // numexpr 2.14.2: `x << n` is 0 and `x >> n` shifts by width - 1 when
    // n < 0 or n >= width.
    fn shl(x: i128, n: i128, width: u32) -> i128 {
        if (0..i128::from(width)).contains(&n) {
            x << n
        } else {
            0
        }
    }
    fn shr(x: i128, n: i128, width: u32) -> i128 {
        let n = if (0..i128::from(width)).contains(&n) {
            n
        } else {
            i128::from(width) - 1
        };
        x >> n
    }
    let xs32 = [i32::MIN, -8, -1, 0, 1, 5, i32::MAX];
    let ns32 = [
        -64,
        -5,
        -1,
        0,
        1,
        30,
        31,
        32,
        33,
        40,
        63,
        64,
        i32::MAX,
        i32::MIN,
    ];
    let x = Array1::from(
        xs32.iter()
            .flat_map(|&x| ns32.iter().map(move |_| x))
            .collect::<Vec<_>>(),
    );
    let n = Array1::from(xs32.iter().flat_map(|_| ns32).collect::<Vec<_>>());
    let v = vars! { "x" => &x, "n" => &n };
    let l = values(eval("x << n", &v).into_i32().unwrap());
    let r = values(eval("x >> n", &v).into_i32().unwrap());
    for k in 0..x.len() {
        let (xv, nv) = (i128::from(x[k]), i128::from(n[k]));
        assert_eq!(l[k], shl(xv, nv, 32) as i32, "{} << {}", x[k], n[k]);
        assert_eq!(r[k], shr(xv, nv, 32) as i32, "{} >> {}", x[k], n[k]);
    }
    // int64, and a literal shift amount.
    let xs: Vec<i64> = vec![i64::MIN, -8, -1, 1, 5, i64::MAX];
    let x = Array1::from(xs.clone());
    for amount in [0i64, 1, 31, 32, 63, 64, 65, 100] {
        let v = vars! { "x" => &x };
        let l = values(eval(&format!("x << {amount}"), &v).into_i64().unwrap());
        let r = values(eval(&format!("x >> {amount}"), &v).into_i64().unwrap());
        for (k, &xv) in xs.iter().enumerate() {
            assert_eq!(
                l[k],
                shl(xv.into(), amount.into(), 64) as i64,
                "{xv} << {amount}"
            );
            assert_eq!(
                r[k],
                shr(xv.into(), amount.into(), 64) as i64,
                "{xv} >> {amount}"
            );
        }
    }
    // Literal shifts are Python's: `1 << 40` is an int64, `1 << 70` does
    // not fit, a negative count raises.
    let got = values(eval("1 << 40", &Vars::new()).into_i64().unwrap());
    assert_eq!(got, vec![1i64 << 40]);
    for src in ["1 << 70", "1 << -1"] {
        assert_eq!(
            evaluate(src, &Vars::new()).unwrap_err().kind(),
            ErrorKind::Value,
            "{src}"
        );
    }
    let got = values(eval("1 >> 70", &Vars::new()).into_i32().unwrap());
    assert_eq!(got, vec![0]);
    // Shifts of floats are type errors.
    let f = Array1::from(vec![1.0f64]);
    assert_eq!(
        evaluate("f << 1", &vars! { "f" => &f }).unwrap_err().kind(),
        ErrorKind::Type
    );
}

#[test]
fn integer_multiplication_and_power_wrap() {
    let xs = [
        i32::MIN,
        -65536,
        -3,
        -1,
        0,
        1,
        2,
        3,
        7,
        46341,
        65536,
        i32::MAX,
    ];
    let (a, b) = pairs(&xs);
    let v = vars! { "a" => &a, "b" => &b };
    let got = values(eval("a * b", &v).into_i32().unwrap());
    for k in 0..a.len() {
        let want = (i64::from(a[k]) * i64::from(b[k])) as i32;
        assert_eq!(got[k], want, "{} * {}", a[k], b[k]);
    }
    // `**` with array exponents: repeated multiplication modulo 2**32
    // (NumPy; numexpr returns INT_MIN on overflow), and for a negative
    // exponent numexpr's 1 / x in integer division (0 ** -n == 0).
    let exps = [-3, -2, -1, 0, 1, 2, 3, 21, 31, 32, 40, i32::MAX];
    let base: Vec<i32> = xs
        .iter()
        .flat_map(|&x| exps.iter().map(move |_| x))
        .collect();
    let exp: Vec<i32> = xs.iter().flat_map(|_| exps).collect();
    let (base, exp) = (Array1::from(base), Array1::from(exp));
    let got = values(
        eval("x ** e", &vars! { "x" => &base, "e" => &exp })
            .into_i32()
            .unwrap(),
    );
    for k in 0..base.len() {
        let (x, e) = (base[k], exp[k]);
        let want = if e >= 0 {
            (x as u32).wrapping_pow(e as u32) as i32
        } else if x == 0 {
            0
        } else {
            // 1 / x truncated: 1 for 1, -1 for -1, 0 otherwise.
            (1i64 / i64::from(x)) as i32
        };
        assert_eq!(got[k], want, "{x} ** {e}");
    }
    // numexpr's rule gives (-1) ** -2 == -1 (1 / -1), not 1.
    let m = Array1::from(vec![-1i32]);
    let e2 = Array1::from(vec![-2i32]);
    assert_eq!(
        values(
            eval("m ** e", &vars! { "m" => &m, "e" => &e2 })
                .into_i32()
                .unwrap()
        ),
        vec![-1]
    );
    // int64 powers.
    let xs64: Vec<i64> = vec![-3, 2, 3, 1 << 32, i64::MAX];
    let es64: Vec<i64> = vec![63, 64, 40, 2, 3];
    let (x, e) = (Array1::from(xs64.clone()), Array1::from(es64.clone()));
    let got = values(
        eval("x ** e", &vars! { "x" => &x, "e" => &e })
            .into_i64()
            .unwrap(),
    );
    for k in 0..xs64.len() {
        assert_eq!(got[k], (xs64[k] as u64).wrapping_pow(es64[k] as u32) as i64);
    }
    // Constant exponents become multiplications, which wrap too.
    let i = Array1::from(vec![65536i32, 46341, -46341, 3]);
    let got = values(eval("i ** 2", &vars! { "i" => &i }).into_i32().unwrap());
    let want: Vec<i32> = i.iter().map(|&x| x.wrapping_mul(x)).collect();
    assert_eq!(got, want);
    let got = values(eval("i ** 21", &vars! { "i" => &i }).into_i32().unwrap());
    let want: Vec<i32> = i
        .iter()
        .map(|&x| (x as u32).wrapping_pow(21) as i32)
        .collect();
    assert_eq!(got, want);
    // A negative constant integer exponent of an integer is a type error;
    // literal arithmetic is Python's (big integers, then int64 or error).
    assert_eq!(
        evaluate("i ** -1", &vars! { "i" => &i })
            .unwrap_err()
            .kind(),
        ErrorKind::Type
    );
    let got = values(eval("2147483647 * 2", &Vars::new()).into_i64().unwrap());
    assert_eq!(got, vec![4294967294]);
    for src in [
        "2**63",
        "2**64",
        "9223372036854775807 + 1",
        "-9223372036854775807 - 2",
    ] {
        assert_eq!(
            evaluate(src, &Vars::new()).unwrap_err().kind(),
            ErrorKind::Value,
            "{src}"
        );
    }
    assert_eq!(
        values(eval("2**-1", &Vars::new()).into_f64().unwrap()),
        vec![0.5]
    );
    // Negation and abs of INT_MIN.
    let m = Array1::from(vec![i32::MIN, i32::MAX]);
    assert_eq!(
        values(eval("-m", &vars! { "m" => &m }).into_i32().unwrap()),
        vec![i32::MIN, -i32::MAX]
    );
    assert_eq!(
        values(eval("abs(m)", &vars! { "m" => &m }).into_f64().unwrap()),
        vec![2147483648.0, 2147483647.0]
    );
}

/// Float values whose results are exactly defined (or NaN).
const SPECIAL: [f64; 19] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.5,
    -2.5,
    1e308,
    -1e308,
    5e-324,
    -5e-324,
    f64::MIN_POSITIVE,
    710.0,
    -745.5,
    3.0,
];

/// Equal, including the sign of zero and NaN matching NaN; non-zero finite
/// values may differ by a few ulps (libm against Rust's own `asinh` etc.).
fn same(got: f64, want: f64) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    if got == 0.0 || want == 0.0 || !got.is_finite() || !want.is_finite() {
        return got.to_bits() == want.to_bits();
    }
    (got - want).abs() <= 4.0 * f64::EPSILON * want.abs()
}

fn same32(got: f32, want: f32) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    if got == 0.0 || want == 0.0 || !got.is_finite() || !want.is_finite() {
        return got.to_bits() == want.to_bits();
    }
    (got - want).abs() <= 4.0 * f32::EPSILON * want.abs()
}

/// numexpr's sign: NaN for NaN, 0.0 for both zeros.
fn sign(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// asinh and acosh for huge arguments, where Rust's formulas overflow:
/// asinh(x) = ln(2|x|) and acosh(x) = ln(2x) to within an ulp.
fn asinh(x: f64) -> f64 {
    if x.abs() > 1e150 {
        (x.abs().ln() + std::f64::consts::LN_2).copysign(x)
    } else {
        x.asinh()
    }
}
fn acosh(x: f64) -> f64 {
    if x > 1e150 {
        x.ln() + std::f64::consts::LN_2
    } else {
        x.acosh()
    }
}

type F64Fn = fn(f64) -> f64;
type F32Fn = fn(f32) -> f32;

const FUNCTIONS: [(&str, F64Fn, F32Fn); 26] = [
    ("sqrt", f64::sqrt, f32::sqrt),
    ("sin", f64::sin, f32::sin),
    ("cos", f64::cos, f32::cos),
    ("tan", f64::tan, f32::tan),
    ("arcsin", f64::asin, f32::asin),
    ("arccos", f64::acos, f32::acos),
    ("arctan", f64::atan, f32::atan),
    ("sinh", f64::sinh, f32::sinh),
    ("cosh", f64::cosh, f32::cosh),
    ("tanh", f64::tanh, f32::tanh),
    ("arcsinh", asinh, f32::asinh),
    ("arccosh", acosh, f32::acosh),
    ("arctanh", f64::atanh, f32::atanh),
    ("log", f64::ln, f32::ln),
    ("log1p", f64::ln_1p, f32::ln_1p),
    ("log10", f64::log10, f32::log10),
    ("log2", f64::log2, f32::log2),
    ("exp", f64::exp, f32::exp),
    ("expm1", f64::exp_m1, f32::exp_m1),
    ("abs", f64::abs, f32::abs),
    ("ceil", f64::ceil, f32::ceil),
    ("floor", f64::floor, f32::floor),
    ("trunc", f64::trunc, f32::trunc),
    ("round", f64::round_ties_even, f32::round_ties_even),
    ("sign", sign, |x| sign(f64::from(x)) as f32),
    ("copy", |x| x, |x| x),
];

#[test]
fn nan_inf_and_signed_zeros_through_every_float_function() {
    let a = Array1::from(SPECIAL.to_vec());
    let f = a.mapv(|x| x as f32);
    for (name, f64fn, f32fn) in FUNCTIONS {
        let got = values(
            eval(&format!("{name}(a)"), &vars! { "a" => &a })
                .into_f64()
                .unwrap(),
        );
        for (k, &x) in SPECIAL.iter().enumerate() {
            let want = f64fn(x);
            assert!(
                same(got[k], want),
                "{name}({x:e}) = {:e}, want {want:e}",
                got[k]
            );
        }
        let got = eval(&format!("{name}(f)"), &vars! { "f" => &f });
        let (got32, got64): (Vec<f32>, Vec<f64>) = match got {
            // round, sign and trunc of float32 are float64 in numexpr.
            Value::Float64(v) => (Vec::new(), values(v)),
            Value::Float32(v) => (values(v), Vec::new()),
            other => panic!("{name}(float32) is {}", other.dtype()),
        };
        for (k, &x) in f.iter().enumerate() {
            if got32.is_empty() {
                assert!(
                    same(got64[k], f64fn(f64::from(x))),
                    "{name}({x:e}) of float32"
                );
            } else {
                let want = f32fn(x);
                assert!(
                    same32(got32[k], want),
                    "{name}({x:e}f32) = {:e}, want {want:e}",
                    got32[k]
                );
            }
        }
    }
    // Predicates.
    let neg_nan = -f64::NAN;
    let mut with_neg_nan = SPECIAL.to_vec();
    with_neg_nan.push(neg_nan);
    let a = Array1::from(with_neg_nan.clone());
    type Pred = fn(f64) -> bool;
    let preds: [(&str, Pred); 4] = [
        ("isnan", f64::is_nan),
        ("isfinite", f64::is_finite),
        ("isinf", f64::is_infinite),
        ("signbit", f64::is_sign_negative),
    ];
    for (name, pred) in preds {
        let got = values(
            eval(&format!("{name}(a)"), &vars! { "a" => &a })
                .into_bool()
                .unwrap(),
        );
        let want: Vec<bool> = with_neg_nan.iter().map(|&x| pred(x)).collect();
        assert_eq!(got, want, "{name}");
    }
}

/// numexpr's NaN-propagating maximum/minimum (the second operand on ties,
/// so that maximum(-0.0, 0.0) is 0.0 and maximum(0.0, -0.0) is -0.0).
fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a > b {
        a
    } else {
        b
    }
}
fn minimum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a < b {
        a
    } else {
        b
    }
}

fn nextafter(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return f64::from_bits(1).copysign(y);
    }
    let up = (y > x) == (x > 0.0);
    let bits = x.to_bits();
    f64::from_bits(if up { bits + 1 } else { bits - 1 })
}

type F2 = fn(f64, f64) -> f64;

#[test]
fn nan_inf_and_signed_zeros_through_every_two_argument_function_and_operator() {
    let xs = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        1.0,
        -1.5,
        3.0,
        1e308,
        5e-324,
    ];
    let (a, b) = pairs(&xs);
    let ops: [(&str, F2); 14] = [
        ("arctan2(a, b)", f64::atan2),
        ("fmod(a, b)", |x, y| x % y),
        ("hypot(a, b)", f64::hypot),
        ("copysign(a, b)", f64::copysign),
        ("nextafter(a, b)", nextafter),
        ("maximum(a, b)", maximum),
        ("minimum(a, b)", minimum),
        ("a + b", |x, y| x + y),
        ("a - b", |x, y| x - y),
        ("a * b", |x, y| x * y),
        ("a / b", |x, y| x / y),
        ("a ** b", f64::powf),
        // numexpr's float floor division and modulo formulas.
        ("a // b", |x, y| (x / y).floor()),
        ("a % b", |x, y| x - (x / y).floor() * y),
    ];
    let v = vars! { "a" => &a, "b" => &b };
    for (src, f) in ops {
        let got = values(eval(src, &v).into_f64().unwrap());
        for k in 0..a.len() {
            let want = f(a[k], b[k]);
            assert!(
                same(got[k], want),
                "{src} at ({:e}, {:e}): {:e}, want {want:e}",
                a[k],
                b[k],
                got[k]
            );
        }
    }
    type Cmp = fn(&f64, &f64) -> bool;
    let comparisons: [(&str, Cmp); 6] = [
        ("a < b", f64::lt),
        ("a <= b", f64::le),
        ("a == b", f64::eq),
        ("a != b", f64::ne),
        ("a >= b", f64::ge),
        ("a > b", f64::gt),
    ];
    let f = a.mapv(|x| x as f32);
    let g = b.mapv(|x| x as f32);
    for (src, cmp) in comparisons {
        let got = values(eval(src, &v).into_bool().unwrap());
        let want: Vec<bool> = a.iter().zip(&b).map(|(x, y)| cmp(x, y)).collect();
        assert_eq!(got, want, "{src}");
        let src32 = src.replace('a', "f").replace('b', "g");
        let got = values(
            eval(&src32, &vars! { "f" => &f, "g" => &g })
                .into_bool()
                .unwrap(),
        );
        // float32 comparisons are exact in float64.
        let want: Vec<bool> = f
            .iter()
            .zip(&g)
            .map(|(x, y)| cmp(&f64::from(*x), &f64::from(*y)))
            .collect();
        assert_eq!(got, want, "{src32}");
    }
    // NaN in complex numbers: equal to nothing, not even itself.
    let z = Array1::from(vec![
        num_complex::Complex64::new(f64::NAN, 0.0),
        num_complex::Complex64::new(0.0, f64::INFINITY),
        num_complex::Complex64::new(-0.0, 0.0),
    ]);
    let v = vars! { "z" => &z };
    assert_eq!(
        values(eval("z == z", &v).into_bool().unwrap()),
        vec![false, true, true]
    );
    assert_eq!(
        values(eval("z != z", &v).into_bool().unwrap()),
        vec![true, false, false]
    );
    assert_eq!(
        values(eval("isnan(z)", &v).into_bool().unwrap()),
        vec![true, false, false]
    );
    assert_eq!(
        values(eval("isinf(z)", &v).into_bool().unwrap()),
        vec![false, true, false]
    );
    assert_eq!(
        values(eval("isfinite(z)", &v).into_bool().unwrap()),
        vec![false, false, true]
    );
}

#[test]
fn negative_zero() {
    let a = Array1::from(vec![-0.0f64, 0.0]);
    let v = vars! { "a" => &a };
    let bits = |src: &str| -> Vec<u64> {
        values(eval(src, &v).into_f64().unwrap())
            .iter()
            .map(|x| x.to_bits())
            .collect()
    };
    let b = |x: f64| x.to_bits();
    assert_eq!(
        values(eval("signbit(a)", &v).into_bool().unwrap()),
        vec![true, false]
    );
    assert_eq!(bits("copysign(1.0, a)"), vec![b(-1.0), b(1.0)]);
    assert_eq!(bits("1 / a"), vec![b(f64::NEG_INFINITY), b(f64::INFINITY)]);
    assert_eq!(bits("-a"), vec![b(0.0), b(-0.0)]);
    assert_eq!(bits("a * -1"), vec![b(0.0), b(-0.0)]);
    assert_eq!(bits("a + 0.0"), vec![b(0.0), b(0.0)]);
    assert_eq!(bits("a - 0.0"), vec![b(-0.0), b(0.0)]);
    assert_eq!(bits("sqrt(a)"), vec![b(-0.0), b(0.0)]);
    assert_eq!(bits("a // 1.0"), vec![b(-0.0), b(0.0)]);
    assert_eq!(bits("abs(a)"), vec![b(0.0), b(0.0)]);
    assert_eq!(
        values(eval("a == 0.0", &v).into_bool().unwrap()),
        vec![true, true]
    );
    assert_eq!(
        values(eval("a < 0.0", &v).into_bool().unwrap()),
        vec![false, false]
    );
    assert_eq!(
        values(eval("a == -a", &v).into_bool().unwrap()),
        vec![true, true]
    );
    // A negative-zero literal is folded to -0.0, and constant function
    // calls keep its sign.
    assert_eq!(
        values(eval("-0.0", &Vars::new()).into_f64().unwrap())[0].to_bits(),
        b(-0.0)
    );
    assert_eq!(
        values(
            eval("copysign(1.0, -0.0)", &Vars::new())
                .into_f64()
                .unwrap()
        ),
        vec![-1.0]
    );
    assert_eq!(bits("where(a == 0, -0.0, a) * 1"), vec![b(-0.0), b(-0.0)]);
    // float32 keeps the sign too.
    let f = Array1::from(vec![-0.0f32]);
    let got = values(eval("-(f * 1)", &vars! { "f" => &f }).into_f32().unwrap());
    assert_eq!(got[0].to_bits(), 0.0f32.to_bits());
    let got = values(eval("f * 1", &vars! { "f" => &f }).into_f32().unwrap());
    assert_eq!(got[0].to_bits(), (-0.0f32).to_bits());
}

#[test]
fn integer_results_of_float_functions_keep_numexpr_dtypes() {
    // round and sign keep integer kinds; abs of an integer is float64.
    let i = Array1::from(vec![i32::MIN, -3, 0, 5]);
    let v = vars! { "i" => &i };
    assert_eq!(
        values(eval("round(i)", &v).into_i32().unwrap()),
        vec![i32::MIN, -3, 0, 5]
    );
    assert_eq!(
        values(eval("sign(i)", &v).into_i32().unwrap()),
        vec![-1, -1, 0, 1]
    );
    let e = Expression::new("abs(i)", &[("i", DType::Int32)]).unwrap();
    assert_eq!(e.result_dtype(), DType::Float64);
}

/// A product and the sum or difference that uses it run as one
/// instruction, but each step must still round (or wrap) on its own, as
/// numexpr's two instructions do; a hardware fused multiply-add would not.
/// With `x = 1 + 2^-k` and `y = 1 - 2^-k` the exact product `1 - 2^-2k`
/// rounds to 1, so `x*y - 1` is 0, where one rounding gives `-2^-2k`.
/// Every operand form: each of the three operands an array or a scalar.
#[test]
fn products_and_sums_round_separately() {
    fn check<T>(x: T, y: T, z: T, wrap: T)
    where
        T: ndexpr::Element + std::fmt::Debug + PartialEq + Copy,
    {
        let n = 1000;
        for form in 0..8 {
            let arg = |v: T, bit: u32| -> ndarray::ArrayD<T> {
                if form >> bit & 1 == 1 {
                    ndarray::ArrayD::from_elem(vec![n], v)
                } else {
                    ndarray::ArrayD::from_elem(vec![], v)
                }
            };
            let (xa, ya, za) = (arg(x, 0), arg(y, 1), arg(z, 2));
            let v = vars! { "x" => &xa, "y" => &ya, "z" => &za };
            for src in ["x*y - z", "-(z - x*y)", "(x*y + (-z))"] {
                let decls = [("x", T::DTYPE), ("y", T::DTYPE), ("z", T::DTYPE)];
                let program = Expression::new(src, &decls).unwrap().disassemble();
                let fused = ["muladd", "mulsub", "submul"];
                assert!(fused.iter().any(|k| program.contains(k)), "{program}");
                let got = T::from_value(eval(src, &v)).unwrap();
                assert!(
                    got.iter().all(|&g| g == wrap),
                    "{src}, form {form}: {got:?}"
                );
            }
        }
    }
    check(1.0 + 2f64.powi(-30), 1.0 - 2f64.powi(-30), 1.0, 0.0);
    check(1.0 + 2f32.powi(-13), 1.0 - 2f32.powi(-13), 1.0, 0.0);
    // 2^16 * 2^16 wraps to 0 in int32; 2^32 * 2^32 to 0 in int64.
    check(1 << 16, 1 << 16, 5i32, -5);
    check(1 << 32, 1 << 32, 5i64, -5);
}

//! Accuracy of the SIMD kernels (`ndexpr::kernels::simd`) against the C
//! library, which Rust's float methods call.
//!
//! float64 kernels: at most 4 ULP (ordered-integer distance) from glibc
//! over millions of points per function, split into sub-domains (small,
//! ordinary range, near thresholds, huge, subnormal, special values, random
//! bit patterns); NaN must give NaN with glibc's sign (observable through
//! `copysign`), and zeros (with their sign) and infinities must be exactly
//! glibc's.  Exact points (`exp(0) = 1`, `log10(1000) = 3`,
//! `pow(2, 10) = 1024`, ...) must be exact.  The kernels that follow
//! glibc's own algorithms (`exp`, `expm1`, `sinh`, `cosh`) must
//! moreover be bit-identical to glibc on at least 99% of the points (in
//! practice: all of them in FMA builds, all but about 0.1% without FMA).
//!
//! float32 kernels: bit-identical to glibc's float32 functions (the
//! exhaustive check over all 2^32 inputs is a one-off, outside the suite).
//!
//! Deterministic: the inputs come from a seeded xorshift generator.  Run
//! with `cargo test --release` (a debug build works but is slow).

use ndexpr::kernels::simd;
use ndexpr::vm::Arg;
use rayon::prelude::*;

/// xorshift64* generator.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / 9007199254740992.0)
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// `±2^e` with `e` uniform in [lo, hi), random mantissa.
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let m = 1.0 + self.unit();
        let v = m * (self.uniform(lo, hi)).exp2();
        if self.next() & 1 == 0 { v } else { -v }
    }
    fn bits(&mut self) -> f64 {
        f64::from_bits(self.next())
    }
}

/// Ordered-integer image of a float64 (monotonic, -0 and +0 both 0).
fn ordered(x: f64) -> i128 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        -((b & !(1 << 63)) as i128)
    } else {
        b as i128
    }
}

/// ULP distance, or `None` when the two differ in kind (NaN against a
/// number or against a NaN of the other sign, a zero or infinity against
/// anything but the same value).
fn ulps(got: f64, want: f64) -> Option<u64> {
    if want.is_nan() || got.is_nan() {
        let same =
            want.is_nan() && got.is_nan() && want.is_sign_negative() == got.is_sign_negative();
        return same.then_some(0);
    }
    let special = |v: f64| v == 0.0 || v.is_infinite();
    if special(want) || special(got) {
        return (got.to_bits() == want.to_bits()).then_some(0);
    }
    Some((ordered(got) - ordered(want)).unsigned_abs() as u64)
}

const MAX_ULP: u64 = 4;

/// Checks a float64 unary kernel over `xs`; returns the largest distance
/// and the fraction of results that differ from glibc's at all.
fn check1(
    name: &str,
    xs: &[f64],
    kernel: fn(&mut [f64], &[f64]),
    std: fn(f64) -> f64,
) -> (u64, f64) {
    // Odd chunk lengths exercise the scalar tail too.
    let (worst, differ) = xs
        .par_chunks(4099)
        .map(|c| {
            let mut out = vec![0.0; c.len()];
            kernel(&mut out, c);
            let (mut worst, mut differ) = (0, 0usize);
            for (&x, &got) in c.iter().zip(&out) {
                let want = std(x);
                match ulps(got, want) {
                    Some(u) if u <= MAX_ULP => {
                        worst = worst.max(u);
                        differ += usize::from(u > 0);
                    }
                    _ => panic!(
                        "{name}({x:e} = {:#x}): got {got:e}, glibc {want:e}",
                        x.to_bits()
                    ),
                }
            }
            (worst, differ)
        })
        .reduce(|| (0, 0), |a, b| (a.0.max(b.0), a.1 + b.1));
    (worst, differ as f64 / xs.len() as f64)
}

/// Checks a float64 binary kernel over pairs, in every operand form.
fn check2(
    name: &str,
    xs: &[f64],
    ys: &[f64],
    kernel: fn(&mut [f64], Arg<'_, f64>, Arg<'_, f64>),
    std: fn(f64, f64) -> f64,
) -> u64 {
    let check = |x: f64, y: f64, got: f64| match ulps(got, std(x, y)) {
        Some(u) if u <= MAX_ULP => u,
        _ => panic!(
            "{name}({x:e}, {y:e}) = ({:#x}, {:#x}): got {got:e}, glibc {:e}",
            x.to_bits(),
            y.to_bits(),
            std(x, y)
        ),
    };
    let worst = xs
        .par_chunks(4099)
        .zip(ys.par_chunks(4099))
        .map(|(cx, cy)| {
            let mut out = vec![0.0; cx.len()];
            kernel(&mut out, Arg::Vec(cx), Arg::Vec(cy));
            let mut worst = 0;
            for ((&x, &y), &got) in cx.iter().zip(cy).zip(&out) {
                worst = worst.max(check(x, y, got));
            }
            // A scalar operand on either side.
            let mut out = vec![0.0; 37];
            kernel(
                &mut out,
                Arg::Scalar(cx[0]),
                Arg::Vec(&cy[..37.min(cy.len())]),
            );
            for (&y, &got) in cy.iter().zip(&out) {
                worst = worst.max(check(cx[0], y, got));
            }
            kernel(
                &mut out,
                Arg::Vec(&cx[..37.min(cx.len())]),
                Arg::Scalar(cy[0]),
            );
            for (&x, &got) in cx.iter().zip(&out) {
                worst = worst.max(check(x, cy[0], got));
            }
            worst
        })
        .max()
        .unwrap_or(0);
    let mut out = [0.0; 3];
    kernel(&mut out, Arg::Scalar(xs[1]), Arg::Scalar(ys[1]));
    check(xs[1], ys[1], out[2]);
    worst
}

/// Special and boundary values, both signs.
fn specials() -> Vec<f64> {
    let mut v = vec![
        0.0,
        f64::INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        f64::from_bits(0x0008_0000_0000_0000),
        f64::MAX,
        1.0,
        0.5,
        2.0,
        3.0,
        10.0,
        0.1,
        1e-300,
        1e300,
        std::f64::consts::PI,
        std::f64::consts::FRAC_PI_2,
        std::f64::consts::FRAC_PI_4,
        std::f64::consts::LN_2,
        std::f64::consts::E,
        1e22,
        1e100,
        1e16,
        1e8,
        1e12,
    ];
    // Thresholds of the kernels and of glibc, with neighbours.
    for t in [
        709.782712893384,
        709.0,
        709.7,
        710.0,
        710.475860073944,
        -708.0,
        -708.396_418_532_264_1,
        -744.440_071_921_381_2,
        -745.133_219_101_941_1,
        -746.0,
        22.0,
        0.3465735902799726,
        1.0397207708399179,
        38.816242111356935,
        37.42994775023705,
        0.25,
        0.625,
        2.7755575615628914e-17,
        5.551115123125783e-17,
        3.725290298461914e-9,
        5e-8,
        1.0,
        268435456.0,
        6.8719476736e10,
        std::f64::consts::SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    ] {
        let b = t.to_bits();
        for d in 0..4u64 {
            v.push(f64::from_bits(b + d));
            v.push(f64::from_bits(b - d));
        }
    }
    let neg: Vec<f64> = v.iter().map(|x| -x).collect();
    v.extend(neg);
    v
}

/// Inputs for a unary float64 function: the shared sub-domains plus the
/// function's own ranges (`ranges`, uniform) .
fn inputs(seed: u64, ranges: &[(f64, f64)]) -> Vec<f64> {
    let mut r = Rng::new(seed);
    let mut v = specials();
    // Random bit patterns: every exponent, NaNs and subnormals included.
    v.extend((0..300_000).map(|_| r.bits()));
    // Magnitudes from subnormal to huge.
    v.extend((0..300_000).map(|_| r.log_uniform(-1074.0, 1024.0)));
    // Small: [2^-60, 2^0).
    v.extend((0..200_000).map(|_| r.log_uniform(-60.0, 0.0)));
    // Subnormals.
    v.extend((0..50_000).map(|_| {
        let s = f64::from_bits(r.next() & 0x000f_ffff_ffff_ffff);
        if r.next() & 1 == 0 { s } else { -s }
    }));
    // The function's own ranges.
    let per = 1_200_000 / ranges.len().max(1);
    for &(lo, hi) in ranges {
        v.extend((0..per).map(|_| r.uniform(lo, hi)));
    }
    v
}

/// Points nearest to multiples of pi/2 (hard for argument reduction).
fn near_half_pi(seed: u64) -> Vec<f64> {
    let mut r = Rng::new(seed);
    let mut v = Vec::new();
    let mut push = |k: f64| {
        let x = k * std::f64::consts::FRAC_PI_2;
        for d in -2i64..=2 {
            let b = (x.to_bits() as i64 + d) as u64;
            v.push(f64::from_bits(b));
            v.push(-f64::from_bits(b));
        }
    };
    for k in 1..20_000 {
        push(k as f64);
    }
    for _ in 0..40_000 {
        push((r.unit() * 4.4e10).round());
    }
    v
}

/// The largest fraction of results allowed to differ from glibc's at all
/// for the kernels that follow glibc's algorithms.
const GLIBC_ALGORITHM_DIFFER: f64 = 0.01;

macro_rules! f64_unary_test {
    ($test:ident, $kernel:ident, $std:path, $seed:expr, [$($range:expr),* $(,)?]
     $(, extra = $extra:expr)? $(, glibc_algorithm = $same:expr)?) => {
        #[test]
        fn $test() {
            #[allow(unused_mut)]
            let mut xs = inputs($seed, &[$($range),*]);
            $(xs.extend($extra);)?
            let (worst, differ) = check1(stringify!($kernel), &xs, simd::f64::$kernel, $std);
            println!(
                "f64 {}: {} points, max {} ULP, {:.4}% differ from glibc",
                stringify!($kernel),
                xs.len(),
                worst,
                100.0 * differ
            );
            $(assert!(
                !$same || differ <= GLIBC_ALGORITHM_DIFFER,
                "{}: {:.4}% of the results differ from glibc's",
                stringify!($kernel),
                100.0 * differ
            );)?
        }
    };
}

f64_unary_test!(
    exp_f64,
    exp,
    f64::exp,
    1,
    [
        (-1.0, 1.0),
        (-20.0, 20.0),
        (-745.2, 709.8),
        (-745.2, -700.0),
        (700.0, 710.0)
    ],
    glibc_algorithm = true
);
f64_unary_test!(
    expm1_f64,
    expm1,
    f64::exp_m1,
    2,
    [
        (-1e-3, 1e-3),
        (-0.4, 0.4),
        (-1.1, 1.1),
        (-40.0, 40.0),
        (-800.0, 710.0),
        (0.3, 0.4),
        (-0.4, -0.3)
    ],
    glibc_algorithm = true
);
f64_unary_test!(
    log_f64,
    log,
    f64::ln,
    3,
    [(0.0, 2.0), (0.5, 1.5), (0.99, 1.01), (0.0, 1e6)]
);
f64_unary_test!(
    log1p_f64,
    log1p,
    f64::ln_1p,
    4,
    [(-1.0, 1.0), (-1e-3, 1e-3), (-1.0, -0.99), (0.0, 1e6)]
);
f64_unary_test!(
    log10_f64,
    log10,
    f64::log10,
    5,
    [(0.0, 2.0), (0.5, 1.5), (0.99, 1.01), (0.0, 1e6)],
    extra = (0..23).map(|k| 10f64.powi(k))
);
f64_unary_test!(
    log2_f64,
    log2,
    f64::log2,
    6,
    [
        (0.0, 2.0),
        (0.5, 1.5),
        (0.99, 1.01),
        (0.0, 1e6),
        (0.7, 0.72),
        (1.40, 1.42)
    ],
    extra = (-1074..1024).map(|k| (k as f64).exp2())
);
f64_unary_test!(
    sin_f64,
    sin,
    f64::sin,
    7,
    [
        (-1.0, 1.0),
        (-7.0, 7.0),
        (-100.0, 100.0),
        (-1e6, 1e6),
        (-3e8, 3e8),
        (-1e11, 1e11)
    ],
    extra = near_half_pi(70)
);
f64_unary_test!(
    cos_f64,
    cos,
    f64::cos,
    8,
    [
        (-1.0, 1.0),
        (-7.0, 7.0),
        (-100.0, 100.0),
        (-1e6, 1e6),
        (-3e8, 3e8),
        (-1e11, 1e11)
    ],
    extra = near_half_pi(80)
);
f64_unary_test!(
    tan_f64,
    tan,
    f64::tan,
    9,
    [
        (-1.0, 1.0),
        (-1.6, 1.6),
        (-100.0, 100.0),
        (-1e6, 1e6),
        (-3e8, 3e8),
        (-1e11, 1e11)
    ],
    extra = near_half_pi(90)
);
f64_unary_test!(
    sinh_f64,
    sinh,
    f64::sinh,
    10,
    [
        (-1.0, 1.0),
        (-0.3, 0.3),
        (-25.0, 25.0),
        (-711.0, 711.0),
        (700.0, 711.0)
    ],
    glibc_algorithm = true
);
f64_unary_test!(
    cosh_f64,
    cosh,
    f64::cosh,
    11,
    [
        (-1.0, 1.0),
        (-0.4, 0.4),
        (-25.0, 25.0),
        (-711.0, 711.0),
        (700.0, 711.0)
    ],
    glibc_algorithm = true
);
f64_unary_test!(
    tanh_f64,
    tanh,
    f64::tanh,
    12,
    [
        (-1.0, 1.0),
        (-1e-7, 1e-7),
        (-2.0, 2.0),
        (-25.0, 25.0),
        (0.55, 0.575)
    ]
);
f64_unary_test!(
    arcsin_f64,
    arcsin,
    f64::asin,
    13,
    [
        (-1.0, 1.0),
        (0.6, 0.65),
        (0.99, 1.0),
        (-1.0, -0.99),
        (-1.1, 1.1)
    ]
);
f64_unary_test!(
    arccos_f64,
    arccos,
    f64::acos,
    14,
    [
        (-1.0, 1.0),
        (0.6, 0.65),
        (0.99, 1.0),
        (-1.0, -0.99),
        (-1.1, 1.1)
    ]
);
f64_unary_test!(
    arctan_f64,
    arctan,
    f64::atan,
    15,
    [(-1.0, 1.0), (-3.0, 3.0), (-1e3, 1e3), (-1e20, 1e20)]
);

/// Special operand pairs (every combination) plus random pairs.
fn pairs(
    seed: u64,
    n: usize,
    mut make: impl FnMut(&mut Rng) -> (f64, f64),
) -> (Vec<f64>, Vec<f64>) {
    let mut r = Rng::new(seed);
    let mut sv = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        2.0,
        -2.0,
        3.0,
        -3.0,
        10.0,
        1.5,
        0.1,
        1e-310,
        -1e-310,
        1e300,
        -1e300,
        1e-300,
        f64::INFINITY,
        -f64::INFINITY,
        f64::NAN,
        f64::MAX,
        f64::MIN_POSITIVE,
        9007199254740993.0,
        -9007199254740993.0,
        1e20,
        -1e20,
        4503599627370497.0,
        1023.0,
        1024.0,
        1025.0,
        -1074.0,
        -1075.0,
        0.25,
        100.0,
        -7.0,
        7.0,
    ];
    sv.push(f64::NAN);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for &x in &sv {
        for &y in &sv {
            xs.push(x);
            ys.push(y);
        }
    }
    for _ in 0..n {
        let (x, y) = make(&mut r);
        xs.push(x);
        ys.push(y);
    }
    (xs, ys)
}

#[test]
fn arctan2_f64() {
    let mut k = 0;
    let (xs, ys) = pairs(20, 2_000_000, |r| {
        k += 1;
        match k % 5 {
            0 => (r.uniform(-2.0, 2.0), r.uniform(-2.0, 2.0)),
            1 => (
                r.log_uniform(-1074.0, 1024.0),
                r.log_uniform(-1074.0, 1024.0),
            ),
            2 => (r.bits(), r.bits()),
            // Both near the top of the range, where |x| + |y| overflows.
            3 => (
                r.uniform(-1.0, 1.0) * f64::MAX,
                r.uniform(-1.0, 1.0) * f64::MAX,
            ),
            _ => (r.log_uniform(-30.0, 30.0), r.log_uniform(-30.0, 30.0)),
        }
    });
    let worst = check2("arctan2", &xs, &ys, simd::f64::arctan2, f64::atan2);
    println!("f64 arctan2: {} pairs, max {worst} ULP", xs.len());
}

#[test]
fn pow_f64() {
    let mut k = 0;
    let (xs, ys) = pairs(21, 3_000_000, |r| {
        k += 1;
        match k % 10 {
            0 => (r.uniform(0.0, 2.0), r.uniform(0.0, 2.0)),
            1 => (r.uniform(0.0, 10.0), r.uniform(-10.0, 10.0)),
            2 => (r.log_uniform(-1074.0, 1024.0), r.log_uniform(-20.0, 20.0)),
            3 => (r.bits(), r.bits()),
            4 => (r.uniform(-10.0, 10.0), (r.uniform(-40.0, 40.0)).round()),
            5 => (r.uniform(0.999, 1.001), r.log_uniform(0.0, 40.0)),
            6 => {
                // Results anywhere in the float64 range.
                let x = r.log_uniform(-1000.0, 1000.0).abs();
                (x, r.uniform(-1075.0, 1025.0) / x.log2())
            }
            7 => (
                r.uniform(0.0, 3.0),
                [0.5, 2.0, -1.0, 1.0, 3.0, -2.0, 0.0][r.next() as usize % 7],
            ),
            8 => (r.uniform(1e-3, 1e3), r.uniform(-50.0, 50.0)),
            _ => (
                2f64.powi((r.next() % 64) as i32 - 32),
                (r.uniform(-40.0, 40.0)).round(),
            ),
        }
    });
    let worst = check2("pow", &xs, &ys, simd::f64::pow, f64::powf);
    println!("f64 pow: {} pairs, max {worst} ULP", xs.len());
}

/// Points where glibc's result is exact must come out exact.
#[test]
fn exact_points() {
    fn one(f: fn(&mut [f64], &[f64]), x: f64) -> f64 {
        let mut o = [0.0; 9];
        f(&mut o, &[x; 9]);
        assert_eq!(
            o[0].to_bits(),
            o[8].to_bits(),
            "vector and tail lanes agree"
        );
        o[0]
    }
    fn two(f: fn(&mut [f64], Arg<'_, f64>, Arg<'_, f64>), x: f64, y: f64) -> f64 {
        let mut o = [0.0; 9];
        f(&mut o, Arg::Vec(&[x; 9]), Arg::Vec(&[y; 9]));
        o[0]
    }
    use simd::f64 as s;
    let same = |a: f64, b: f64| assert_eq!(a.to_bits(), b.to_bits(), "{a:e} vs {b:e}");
    same(one(s::exp, 0.0), 1.0);
    same(one(s::exp, -0.0), 1.0);
    same(one(s::expm1, 0.0), 0.0);
    same(one(s::expm1, -0.0), -0.0);
    same(one(s::log, 1.0), 0.0);
    same(one(s::log1p, -0.0), -0.0);
    same(one(s::log10, 1.0), 0.0);
    same(one(s::log2, 1.0), 0.0);
    for z in [0.0, -0.0] {
        same(one(s::sin, z), z);
        same(one(s::tan, z), z);
        same(one(s::sinh, z), z);
        same(one(s::tanh, z), z);
        same(one(s::arcsin, z), z);
        same(one(s::arctan, z), z);
        same(one(s::cos, z), 1.0);
        same(one(s::cosh, z), 1.0);
    }
    same(one(s::arccos, 1.0), 0.0);
    for k in 0..23 {
        let x = format!("1e{k}").parse::<f64>().unwrap();
        same(one(s::log10, x), k as f64);
    }
    for k in -1074..1024 {
        same(one(s::log2, (k as f64).exp2()), k as f64);
    }
    for x in [0.0, -0.0, 1.0, -3.5, 1e300, f64::INFINITY, f64::NAN, 1e-310] {
        same(two(s::pow, x, 0.0), 1.0);
        same(two(s::pow, x, -0.0), 1.0);
        if !x.is_nan() {
            same(two(s::pow, x, 1.0), x);
        }
    }
    for y in [
        0.0,
        1.0,
        -7.5,
        1e300,
        f64::INFINITY,
        -f64::INFINITY,
        f64::NAN,
    ] {
        same(two(s::pow, 1.0, y), 1.0);
    }
    for k in -60..=60 {
        same(two(s::pow, 2.0, k as f64), 2f64.powi(k));
        same(two(s::pow, 0.5, k as f64), 0.5f64.powi(k));
    }
    for (x, y, r) in [
        (3.0, 2.0, 9.0),
        (10.0, 3.0, 1000.0),
        (1.5, 2.0, 2.25),
        (4.0, 0.5, 2.0),
        (-2.0, 3.0, -8.0),
        (9.0, -1.0, 1.0 / 9.0),
    ] {
        same(two(s::pow, x, y), r);
    }
}

/// float32 kernels against glibc's float32 functions, bit for bit.
fn check_f32(
    name: &str,
    seed: u64,
    kernel: fn(&mut [f32], &[f32]),
    std: fn(f32) -> f32,
    ranges: &[(f32, f32)],
) {
    let mut r = Rng::new(seed);
    let mut xs: Vec<f32> = (0..2_000_000)
        .map(|_| f32::from_bits(r.next() as u32))
        .collect();
    for &(lo, hi) in ranges {
        xs.extend((0..500_000).map(|_| lo + (hi - lo) * r.unit() as f32));
    }
    for &x in &specials() {
        xs.push(x as f32);
    }
    xs.par_chunks(4099).for_each(|c| {
        let mut out = vec![0.0f32; c.len()];
        kernel(&mut out, c);
        for (&x, &got) in c.iter().zip(&out) {
            let want = std(x);
            assert!(
                got.to_bits() == want.to_bits(),
                "{name}({x:e} = {:#x}): got {got:e} ({:#x}), glibc {want:e} ({:#x})",
                x.to_bits(),
                got.to_bits(),
                want.to_bits()
            );
        }
    });
}

#[test]
fn exp_f32() {
    check_f32(
        "expf",
        31,
        simd::f32::exp,
        f32::exp,
        &[(-1.0, 1.0), (-104.0, 89.0), (-90.0, -85.0)],
    );
}

#[test]
fn sin_f32() {
    check_f32(
        "sinf",
        32,
        simd::f32::sin,
        f32::sin,
        &[(-1.0, 1.0), (-7.0, 7.0), (-200.0, 200.0), (-1e5, 1e5)],
    );
}

#[test]
fn cos_f32() {
    check_f32(
        "cosf",
        33,
        simd::f32::cos,
        f32::cos,
        &[(-1.0, 1.0), (-7.0, 7.0), (-200.0, 200.0), (-1e5, 1e5)],
    );
}

/// Every float32 input of the vector-core float32 kernels against glibc,
/// bit for bit (about 20 s per function in an FMA build on two cores; in
/// other builds the kernels are glibc's functions).  Run with
/// `cargo test --release --test accuracy -- --ignored`.
#[test]
#[ignore = "all 2^32 inputs: run explicitly"]
fn exhaustive_f32() {
    type Kernel = (&'static str, fn(&mut [f32], &[f32]), fn(f32) -> f32);
    let kernels: [Kernel; 3] = [
        ("expf", simd::f32::exp, f32::exp),
        ("sinf", simd::f32::sin, f32::sin),
        ("cosf", simd::f32::cos, f32::cos),
    ];
    for (name, kernel, std) in kernels {
        let differ: u64 = (0u32..1 << 16)
            .into_par_iter()
            .map(|hi| {
                let xs: Vec<f32> = (0u32..1 << 16)
                    .map(|lo| f32::from_bits(hi << 16 | lo))
                    .collect();
                let mut out = vec![0.0f32; xs.len()];
                kernel(&mut out, &xs);
                xs.iter()
                    .zip(&out)
                    .filter(|&(&x, &got)| got.to_bits() != std(x).to_bits())
                    .count() as u64
            })
            .sum();
        assert_eq!(
            differ, 0,
            "{name}: {differ} of 2^32 results differ from glibc"
        );
    }
}

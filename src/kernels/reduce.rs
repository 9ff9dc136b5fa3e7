//! Reductions: accumulating a block of values into a running result.
//!
//! In: blocks of the reduced expression's values.  Out: one value per
//! reduced run.
//!
//! A [`Reducer`] has an identity, folds a block into an accumulator, merges
//! two accumulators (blocks and tasks are combined in a fixed order, so the
//! result does not depend on the number of threads) and finishes the
//! accumulator into the result.  Float sums are pairwise within a block
//! (NumPy's algorithm, far more accurate than numexpr's sequential float32
//! sum); `min`/`max` ignore NaN like numexpr's `fmin`/`fmax`; integer sums
//! and products wrap in the result dtype like numexpr's.

use crate::types::Element;
use crate::vm::Arg;
use num_complex::Complex64;
use std::marker::PhantomData;

/// A reduction over elements of type `In` giving `Out`.
pub trait Reducer: 'static {
    /// Element type reduced.
    type In: Element;
    /// Accumulator.
    type Acc: Copy + Send + Sync;
    /// Result element type.
    type Out: Element;
    /// Whether an empty reduction is an error (min and max have no identity).
    const NEEDS_ELEMENTS: bool = false;
    /// Accumulator of zero elements.
    fn identity() -> Self::Acc;
    /// Folds `n` elements into `acc`.
    fn fold(acc: Self::Acc, x: Arg<'_, Self::In>, n: usize) -> Self::Acc;
    /// Combines the accumulators of two consecutive ranges.
    fn merge(a: Self::Acc, b: Self::Acc) -> Self::Acc;
    /// The result for an accumulator of `count` elements.
    fn finish(acc: Self::Acc, count: usize) -> Self::Out;
}

/// Sums the values with NumPy's pairwise algorithm (8 accumulators for
/// blocks up to 128 elements, recursive halving above).
pub fn pairwise_sum<T>(x: &[T]) -> T
where
    T: Copy + Default + std::ops::Add<Output = T>,
{
    const BLOCK: usize = 128;
    if x.len() < 8 {
        return x.iter().fold(T::default(), |s, &v| s + v);
    }
    if x.len() <= BLOCK {
        let mut r = [T::default(); 8];
        r.copy_from_slice(&x[..8]);
        let mut chunks = x[8..].chunks_exact(8);
        for c in &mut chunks {
            for (acc, &v) in r.iter_mut().zip(c) {
                *acc = *acc + v;
            }
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in chunks.remainder() {
            s = s + v;
        }
        return s;
    }
    let half = (x.len() / 2) / 8 * 8;
    pairwise_sum(&x[..half]) + pairwise_sum(&x[half..])
}

/// Applies `f` to the block, repeating a scalar operand `n` times.
fn each<T: Copy, A>(x: Arg<'_, T>, n: usize, acc: A, mut f: impl FnMut(A, T) -> A) -> A {
    match x {
        Arg::Vec(v) => v[..n].iter().fold(acc, |a, &v| f(a, v)),
        Arg::Scalar(v) => (0..n).fold(acc, |a, _| f(a, v)),
    }
}

/// The constants [`extremum`] needs.
trait FloatConsts: Copy + PartialEq {
    const NAN: Self;
    const ZERO: Self;
}

impl FloatConsts for f32 {
    const NAN: f32 = f32::NAN;
    const ZERO: f32 = 0.0;
}

impl FloatConsts for f64 {
    const NAN: f64 = f64::NAN;
    const ZERO: f64 = 0.0;
}

/// The minimum or maximum (`f` is `min` or `max`, which skip NaN) of `n`
/// values, NaN for none; of equal values the first (which only matters
/// for zeros: other equal floats have equal bits).
fn extremum<T: FloatConsts>(x: Arg<'_, T>, n: usize, f: impl Fn(T, T) -> T) -> T {
    match x {
        Arg::Vec(v) => {
            let v = &v[..n];
            let m = v.iter().fold(T::NAN, |a, &x| f(a, x));
            if m == T::ZERO {
                v.iter().copied().find(|&x| x == T::ZERO).unwrap_or(m)
            } else {
                m
            }
        }
        Arg::Scalar(v) if n > 0 => v,
        Arg::Scalar(_) => T::NAN,
    }
}

/// `sum`
pub struct Sum<T>(PhantomData<T>);
/// `prod`
pub struct Prod<T>(PhantomData<T>);
/// `min`
pub struct Min<T>(PhantomData<T>);
/// `max`
pub struct Max<T>(PhantomData<T>);
/// `mean`
pub struct Mean<T>(PhantomData<T>);
/// `any`
pub struct Any<T>(PhantomData<T>);
/// `all`
pub struct All<T>(PhantomData<T>);

macro_rules! float_sum {
    ($($t:ty => one: $one:expr, per: |$acc:ident, $n:ident| $mean:expr);* $(;)?) => {$(
        impl Reducer for Sum<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            fn identity() -> $t { <$t>::default() }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t {
                match x {
                    Arg::Vec(v) => acc + pairwise_sum(&v[..n]),
                    Arg::Scalar(v) => each(Arg::Scalar(v), n, acc, |a, v| a + v),
                }
            }
            fn merge(a: $t, b: $t) -> $t { a + b }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
        impl Reducer for Prod<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            fn identity() -> $t { $one }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t { each(x, n, acc, |a, v| a * v) }
            fn merge(a: $t, b: $t) -> $t { a * b }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
        impl Reducer for Mean<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            fn identity() -> $t { <$t>::default() }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t { <Sum<$t>>::fold(acc, x, n) }
            fn merge(a: $t, b: $t) -> $t { a + b }
            fn finish($acc: $t, $n: usize) -> $t { $mean }
        }
    )*};
}
float_sum!(
    f32 => one: 1.0, per: |acc, n| acc / n as f32;
    f64 => one: 1.0, per: |acc, n| acc / n as f64;
    Complex64 => one: Complex64::new(1.0, 0.0), per: |acc, n| acc / n as f64;
);

macro_rules! float_extremum {
    ($($t:ty),*) => {$(
        // numexpr starts from NaN and uses C fmin/fmax: NaNs are skipped
        // unless every element is NaN.  Of equal values (+0.0 and -0.0)
        // the first is kept, as numexpr keeps it.  A block is reduced with
        // `min`/`max` (which vectorize, but leave the sign of a zero result
        // to the compiler) and a zero result replaced by the block's first
        // zero; blocks and tasks are then merged in order.
        impl Reducer for Min<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            const NEEDS_ELEMENTS: bool = true;
            fn identity() -> $t { <$t>::NAN }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t {
                Self::merge(acc, extremum(x, n, <$t>::min))
            }
            fn merge(a: $t, b: $t) -> $t { if b < a || a.is_nan() { b } else { a } }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
        impl Reducer for Max<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            const NEEDS_ELEMENTS: bool = true;
            fn identity() -> $t { <$t>::NAN }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t {
                Self::merge(acc, extremum(x, n, <$t>::max))
            }
            fn merge(a: $t, b: $t) -> $t { if b > a || a.is_nan() { b } else { a } }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
    )*};
}
float_extremum!(f32, f64);

macro_rules! int_reducers {
    ($($t:ty),*) => {$(
        impl Reducer for Sum<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            fn identity() -> $t { 0 }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t { each(x, n, acc, <$t>::wrapping_add) }
            fn merge(a: $t, b: $t) -> $t { a.wrapping_add(b) }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
        impl Reducer for Prod<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            fn identity() -> $t { 1 }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t { each(x, n, acc, <$t>::wrapping_mul) }
            fn merge(a: $t, b: $t) -> $t { a.wrapping_mul(b) }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
        impl Reducer for Min<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            const NEEDS_ELEMENTS: bool = true;
            fn identity() -> $t { <$t>::MAX }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t { each(x, n, acc, Ord::min) }
            fn merge(a: $t, b: $t) -> $t { a.min(b) }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
        impl Reducer for Max<$t> {
            type In = $t;
            type Acc = $t;
            type Out = $t;
            const NEEDS_ELEMENTS: bool = true;
            fn identity() -> $t { <$t>::MIN }
            fn fold(acc: $t, x: Arg<'_, $t>, n: usize) -> $t { each(x, n, acc, Ord::max) }
            fn merge(a: $t, b: $t) -> $t { a.max(b) }
            fn finish(acc: $t, _: usize) -> $t { acc }
        }
        // NumPy: the mean of integers is computed in float64.
        impl Reducer for Mean<$t> {
            type In = $t;
            type Acc = f64;
            type Out = f64;
            fn identity() -> f64 { 0.0 }
            fn fold(acc: f64, x: Arg<'_, $t>, n: usize) -> f64 {
                let mut buf = [0f64; 256];
                match x {
                    Arg::Vec(v) => v[..n].chunks(256).fold(acc, |a, c| {
                        for (b, &v) in buf.iter_mut().zip(c) {
                            *b = v as f64;
                        }
                        a + pairwise_sum(&buf[..c.len()])
                    }),
                    Arg::Scalar(v) => acc + v as f64 * n as f64,
                }
            }
            fn merge(a: f64, b: f64) -> f64 { a + b }
            fn finish(acc: f64, count: usize) -> f64 { acc / count as f64 }
        }
    )*};
}
int_reducers!(i32, i64);

// bool (NumPy): sum and prod count in int64, min is all, max is any, mean
// is the fraction of trues.
impl Reducer for Sum<bool> {
    type In = bool;
    type Acc = i64;
    type Out = i64;
    fn identity() -> i64 {
        0
    }
    fn fold(acc: i64, x: Arg<'_, bool>, n: usize) -> i64 {
        each(x, n, acc, |a, v| a + i64::from(v))
    }
    fn merge(a: i64, b: i64) -> i64 {
        a + b
    }
    fn finish(acc: i64, _: usize) -> i64 {
        acc
    }
}

impl Reducer for Prod<bool> {
    type In = bool;
    type Acc = i64;
    type Out = i64;
    fn identity() -> i64 {
        1
    }
    fn fold(acc: i64, x: Arg<'_, bool>, n: usize) -> i64 {
        each(x, n, acc, |a, v| a * i64::from(v))
    }
    fn merge(a: i64, b: i64) -> i64 {
        a * b
    }
    fn finish(acc: i64, _: usize) -> i64 {
        acc
    }
}

impl Reducer for Min<bool> {
    type In = bool;
    type Acc = bool;
    type Out = bool;
    const NEEDS_ELEMENTS: bool = true;
    fn identity() -> bool {
        true
    }
    fn fold(acc: bool, x: Arg<'_, bool>, n: usize) -> bool {
        each(x, n, acc, |a, v| a & v)
    }
    fn merge(a: bool, b: bool) -> bool {
        a & b
    }
    fn finish(acc: bool, _: usize) -> bool {
        acc
    }
}

impl Reducer for Max<bool> {
    type In = bool;
    type Acc = bool;
    type Out = bool;
    const NEEDS_ELEMENTS: bool = true;
    fn identity() -> bool {
        false
    }
    fn fold(acc: bool, x: Arg<'_, bool>, n: usize) -> bool {
        each(x, n, acc, |a, v| a | v)
    }
    fn merge(a: bool, b: bool) -> bool {
        a | b
    }
    fn finish(acc: bool, _: usize) -> bool {
        acc
    }
}

impl Reducer for Mean<bool> {
    type In = bool;
    type Acc = i64;
    type Out = f64;
    fn identity() -> i64 {
        0
    }
    fn fold(acc: i64, x: Arg<'_, bool>, n: usize) -> i64 {
        <Sum<bool>>::fold(acc, x, n)
    }
    fn merge(a: i64, b: i64) -> i64 {
        a + b
    }
    fn finish(acc: i64, count: usize) -> f64 {
        acc as f64 / count as f64
    }
}

/// "Non-zero", NumPy's truth value of an element (NaN is true).
pub trait Truth: Element {
    /// True unless the value is zero.
    fn truth(self) -> bool;
}

macro_rules! truth {
    ($($t:ty => |$v:ident| $e:expr),*) => {$(
        impl Truth for $t {
            fn truth(self) -> bool {
                let $v = self;
                $e
            }
        }
        impl Reducer for Any<$t> {
            type In = $t;
            type Acc = bool;
            type Out = bool;
            fn identity() -> bool { false }
            fn fold(acc: bool, x: Arg<'_, $t>, n: usize) -> bool { each(x, n, acc, |a, v| a | v.truth()) }
            fn merge(a: bool, b: bool) -> bool { a | b }
            fn finish(acc: bool, _: usize) -> bool { acc }
        }
        impl Reducer for All<$t> {
            type In = $t;
            type Acc = bool;
            type Out = bool;
            fn identity() -> bool { true }
            fn fold(acc: bool, x: Arg<'_, $t>, n: usize) -> bool { each(x, n, acc, |a, v| a & v.truth()) }
            fn merge(a: bool, b: bool) -> bool { a & b }
            fn finish(acc: bool, _: usize) -> bool { acc }
        }
    )*};
}
truth!(
    bool => |v| v,
    i32 => |v| v != 0,
    i64 => |v| v != 0,
    f32 => |v| v != 0.0,
    f64 => |v| v != 0.0,
    Complex64 => |v| v.re != 0.0 || v.im != 0.0
);

#[cfg(test)]
mod tests {
    use super::*;

    fn all<R: Reducer>(x: &[R::In]) -> R::Out {
        let acc = R::fold(R::identity(), Arg::Vec(x), x.len());
        R::finish(acc, x.len())
    }

    #[test]
    fn pairwise_is_accurate_in_float32() {
        let x = vec![0.1f32; 1_000_000];
        let s: f32 = x.chunks(4096).map(pairwise_sum).fold(0.0, |a, b| a + b);
        assert!((s - 100_000.0).abs() < 5.0, "{s}");
    }

    #[test]
    fn min_max_skip_nan() {
        assert_eq!(all::<Min<f64>>(&[f64::NAN, 1.0, 2.0]), 1.0);
        assert_eq!(all::<Max<f64>>(&[3.0, f64::NAN, 2.0]), 3.0);
        assert!(all::<Max<f64>>(&[f64::NAN, f64::NAN]).is_nan());
        assert_eq!(all::<Min<i32>>(&[3, -7, 2]), -7);
    }

    #[test]
    fn min_max_keep_the_first_of_equal_zeros() {
        assert!(all::<Min<f64>>(&[1.0, -0.0, 0.0]).is_sign_negative());
        assert!(all::<Min<f32>>(&[f32::NAN, 0.0, -0.0]).is_sign_positive());
        assert!(all::<Max<f64>>(&[-1.0, 0.0, -0.0]).is_sign_positive());
        assert!(all::<Max<f32>>(&[-0.0, 0.0]).is_sign_negative());
    }

    #[test]
    fn integer_and_bool_results() {
        assert_eq!(all::<Sum<i32>>(&[1 << 30; 4]), 0); // wraps like numexpr
        assert_eq!(all::<Sum<bool>>(&[true, false, true, true]), 3);
        assert_eq!(all::<Prod<i64>>(&[2, 3, 4]), 24);
        assert_eq!(all::<Mean<i32>>(&[1, 2, 3, 4]), 2.5);
        assert_eq!(all::<Mean<bool>>(&[true, false]), 0.5);
        assert!(all::<Any<f64>>(&[0.0, f64::NAN]));
        assert!(!all::<All<i64>>(&[1, 0]));
        assert_eq!(Sum::<f64>::fold(0.0, Arg::Scalar(1.5), 4), 6.0);
    }
}

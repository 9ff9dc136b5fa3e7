//! Integer floor division and modulo by a constant, without a hardware
//! divide per element.
//!
//! In: a block of integers and one divisor (a constant or a one-element
//! input).  Out: `x // d` or `x % d` with numexpr's floor semantics.
//!
//! * int32: in float64, a multiplication by the rounded reciprocal of
//!   `|d|` and a `floor` give the quotient within one, and the exact
//!   remainder (integers below 2^33) corrects it; every step vectorises.
//! * int64: a precomputed multiply-high "magic number" divisor for the
//!   magnitudes (the round-up method with an add step for divisors whose
//!   magic number needs 65 bits), then the signs and the floor correction.
//!
//! Divisors 0 and -1 are left to the element loop (`x // 0 == 0`, and
//! `INT_MIN // -1` wraps).

use super::memory::Slot;

/// Unsigned 64-bit division by a fixed divisor.
#[derive(Clone, Copy, Debug)]
pub struct UDivisor {
    magic: u64,
    shift: u32,
    add: bool,
}

impl UDivisor {
    /// A divisor for `d` (`d != 0`).
    pub fn new(d: u64) -> UDivisor {
        assert!(d != 0, "division by zero has no divisor");
        let log2 = 63 - d.leading_zeros();
        if d.is_power_of_two() {
            return UDivisor {
                magic: 0,
                shift: log2,
                add: false,
            };
        }
        let numerator = 1u128 << (64 + log2);
        let mut m = (numerator / u128::from(d)) as u64;
        let rem = (numerator % u128::from(d)) as u64;
        let e = d - rem;
        let add = e >= 1u64 << log2;
        if add {
            // 65-bit magic: keep the low 64 bits, add n back at run time.
            m = m.wrapping_add(m);
            let twice_rem = rem.wrapping_add(rem);
            if twice_rem >= d || twice_rem < rem {
                m = m.wrapping_add(1);
            }
        }
        UDivisor {
            magic: m.wrapping_add(1),
            shift: log2,
            add,
        }
    }

    /// `n / d`
    #[inline]
    pub fn div(&self, n: u64) -> u64 {
        if self.magic == 0 {
            return n >> self.shift;
        }
        let q = ((u128::from(n) * u128::from(self.magic)) >> 64) as u64;
        if self.add {
            (((n - q) >> 1) + q) >> self.shift
        } else {
            q >> self.shift
        }
    }
}

/// Floor division (`floor_div == true`) or floor modulo of every element of
/// `x` by `d` into `out`; `d` is neither 0 nor -1.
pub trait FloorByConstant: Sized + Copy {
    /// Writes `x // d` (or `x % d`) for each element.
    fn floor_by<S: Slot<Self>>(out: &mut [S], x: &[Self], d: Self, floor_div: bool);
}

impl FloorByConstant for i32 {
    fn floor_by<S: Slot<i32>>(out: &mut [S], x: &[i32], d: i32, floor_div: bool) {
        // With s = sign(d): x // d = floor(s x / |d|) and x % d = s r, r
        // the remainder of s x by |d| in [0, |d|).  The quotient estimate
        // from a multiplication by the rounded reciprocal is off by less
        // than 2^-20, so its floor is off by at most one, which the exact
        // remainder (integers below 2^33 in float64) corrects; every step
        // vectorises.
        let s = if d < 0 { -1.0 } else { 1.0 };
        let ad = f64::from(d).abs();
        let inv = 1.0 / ad;
        for (o, &v) in out.iter_mut().zip(x) {
            let v = f64::from(v) * s;
            let q = super::ops::round::f64::floor(v * inv);
            let r = v - q * ad;
            let (q, r) = if r < 0.0 {
                (q - 1.0, r + ad)
            } else if r >= ad {
                (q + 1.0, r - ad)
            } else {
                (q, r)
            };
            let v = if floor_div { q } else { r * s };
            // An integral value below 2^31 in magnitude, read from the low
            // mantissa bits after adding 1.5 * 2^52 (`as i32` saturates,
            // which does not vectorise).
            o.put((v + 6755399441055744.0).to_bits() as u32 as i32);
        }
    }
}

impl FloorByConstant for i64 {
    fn floor_by<S: Slot<i64>>(out: &mut [S], x: &[i64], d: i64, floor_div: bool) {
        let div = UDivisor::new(d.unsigned_abs());
        for (o, &v) in out.iter_mut().zip(x) {
            let m = div.div(v.unsigned_abs()) as i64;
            let mut q = if (v < 0) != (d < 0) {
                m.wrapping_neg()
            } else {
                m
            };
            let mut r = v.wrapping_sub(q.wrapping_mul(d));
            if r != 0 && (r < 0) != (d < 0) {
                q = q.wrapping_sub(1);
                r = r.wrapping_add(d);
            }
            o.put(if floor_div { q } else { r });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn unsigned_magic_division_is_exact() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut divisors: Vec<u64> = (1..=300).collect();
        divisors.extend([
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            (1 << 63) + 1,
            7,
            641,
            6700417,
        ]);
        for _ in 0..300 {
            let r = xorshift(&mut seed);
            divisors.push(r >> (r % 64));
        }
        for &d in divisors.iter().filter(|&&d| d != 0) {
            let div = UDivisor::new(d);
            let mut numerators = vec![
                0,
                1,
                d - 1,
                d,
                d.wrapping_add(1),
                u64::MAX,
                u64::MAX - 1,
                1 << 63,
            ];
            for _ in 0..200 {
                numerators.push(xorshift(&mut seed));
            }
            for n in numerators {
                assert_eq!(div.div(n), n / d, "{n} / {d}");
            }
        }
    }

    /// Floor quotient and remainder in i128 (no overflow possible).
    fn reference<T: Copy + Into<i128>>(v: T, d: T) -> (i128, i128) {
        let (v, d) = (v.into(), d.into());
        let q = v / d;
        let q = if v % d != 0 && ((v < 0) != (d < 0)) {
            q - 1
        } else {
            q
        };
        // Results are taken modulo the type's width by the caller's cast.
        (q, v - q * d)
    }

    #[test]
    fn signed_floor_division_matches_the_element_loop() {
        let mut seed = 12345u64;
        let specials32 = [
            i32::MIN,
            i32::MIN + 1,
            -7,
            -1,
            0,
            1,
            7,
            i32::MAX - 1,
            i32::MAX,
        ];
        let specials64 = [
            i64::MIN,
            i64::MIN + 1,
            -7,
            -1,
            0,
            1,
            7,
            i64::MAX - 1,
            i64::MAX,
        ];
        let mut x32: Vec<i32> = specials32.to_vec();
        let mut x64: Vec<i64> = specials64.to_vec();
        for _ in 0..2000 {
            let r = xorshift(&mut seed);
            x32.push(r as i32 >> (r % 31));
            x64.push(r as i64 >> (r % 63));
        }
        for d in specials32
            .iter()
            .copied()
            .chain(x32[..200].iter().copied())
            .filter(|&d| d != 0 && d != -1)
        {
            let (mut q, mut m) = (vec![0; x32.len()], vec![0; x32.len()]);
            i32::floor_by(&mut q, &x32, d, true);
            i32::floor_by(&mut m, &x32, d, false);
            for (i, &v) in x32.iter().enumerate() {
                let (rq, rm) = reference(v, d);
                assert_eq!((q[i], m[i]), (rq as i32, rm as i32), "{v} by {d}");
            }
        }
        for d in specials64
            .iter()
            .copied()
            .chain(x64[..200].iter().copied())
            .filter(|&d| d != 0 && d != -1)
        {
            let (mut q, mut m) = (vec![0; x64.len()], vec![0; x64.len()]);
            i64::floor_by(&mut q, &x64, d, true);
            i64::floor_by(&mut m, &x64, d, false);
            for (i, &v) in x64.iter().enumerate() {
                let (rq, rm) = reference(v, d);
                assert_eq!((q[i], m[i]), (rq as i64, rm as i64), "{v} by {d}");
            }
        }
    }
}

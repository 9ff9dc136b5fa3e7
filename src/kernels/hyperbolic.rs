//! Inverse hyperbolic functions from the C math library.
//!
//! In: a float32 or float64.  Out: `asinh`, `acosh`, `atanh` of it.
//!
//! numexpr calls the C library's `asinhf`, `acosh`, ... directly.  Rust's
//! standard library computes these three with its own formulas (every other
//! float function of std *is* a libm call), which differ from glibc's by an
//! ulp or two; a float32 result that then feeds float64 arithmetic turns
//! that into a visible difference from numexpr.  So these six are taken from
//! the same C library that std already links.

// SAFETY: these are the C99 <math.h> functions of the platform's C math
// library, which the Rust standard library already links for its other
// float functions.  They take and return plain floats by value, have no
// preconditions (every input, NaN and infinities included, is defined),
// touch no memory, and are thread-safe, so declaring them `safe` is sound.
// The boundary is tested in `tests` below (special values, domain edges and
// values checked against numexpr).
unsafe extern "C" {
    safe fn asinhf(x: f32) -> f32;
    safe fn acoshf(x: f32) -> f32;
    safe fn atanhf(x: f32) -> f32;
    safe fn asinh(x: f64) -> f64;
    safe fn acosh(x: f64) -> f64;
    safe fn atanh(x: f64) -> f64;
}

/// float32 versions.
pub mod f32 {
    /// `asinh(x)`
    pub fn asinh(x: f32) -> f32 {
        super::asinhf(x)
    }
    /// `acosh(x)` (NaN below 1)
    pub fn acosh(x: f32) -> f32 {
        super::acoshf(x)
    }
    /// `atanh(x)` (±inf at ±1, NaN beyond)
    pub fn atanh(x: f32) -> f32 {
        super::atanhf(x)
    }
}

/// float64 versions.
pub mod f64 {
    /// `asinh(x)`
    pub fn asinh(x: f64) -> f64 {
        super::asinh(x)
    }
    /// `acosh(x)` (NaN below 1)
    pub fn acosh(x: f64) -> f64 {
        super::acosh(x)
    }
    /// `atanh(x)` (±inf at ±1, NaN beyond)
    pub fn atanh(x: f64) -> f64 {
        super::atanh(x)
    }
}

#[cfg(test)]
mod tests {
    // Expected values: numexpr 2.14.2 on glibc 2.36, e.g.
    // ne.evaluate('arcsinh(x)', {'x': np.float32([...])}).
    #[test]
    fn float32_matches_numexpr() {
        let xs: [f32; 6] = [-0.3, 0.1, 1.5, 3.0, 20000.0, 1e-6];
        let asinh: Vec<f32> = xs.iter().map(|&x| super::f32::asinh(x)).collect();
        assert_eq!(
            asinh,
            [
                -0.29567307,
                0.09983408,
                1.1947632,
                1.8184465,
                10.596635,
                1e-6
            ]
        );
        assert_eq!(super::f32::acosh(1.5), 0.9624237);
        assert_eq!(super::f32::acosh(7.0), 2.633916);
        assert_eq!(super::f32::atanh(0.25), 0.25541282);
        assert_eq!(super::f32::atanh(0.75), 0.9729551);
    }

    #[test]
    fn domains_and_special_values() {
        assert!(super::f32::acosh(0.5).is_nan());
        assert!(super::f32::atanh(1.5).is_nan());
        assert_eq!(super::f32::atanh(-1.0), f32::NEG_INFINITY);
        assert_eq!(super::f64::atanh(1.0), f64::INFINITY);
        for f in [super::f64::asinh, super::f64::atanh] {
            assert_eq!(f(0.0).to_bits(), 0.0f64.to_bits());
            assert_eq!(f(-0.0).to_bits(), (-0.0f64).to_bits());
            assert!(f(f64::NAN).is_nan());
        }
        assert_eq!(super::f64::asinh(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(super::f64::acosh(f64::INFINITY), f64::INFINITY);
        assert!(super::f64::acosh(f64::NAN).is_nan());
        assert!((super::f64::acosh(1e300) - 691.4686750787736).abs() < 1e-12);
        assert!((super::f64::acosh(f64::MAX) - 710.4758600739439).abs() < 1e-12);
        assert!((super::f64::asinh(-1e300) + 691.4686750787736).abs() < 1e-12);
    }
}

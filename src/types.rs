//! Data types, typed scalar values and numexpr's promotion rules.
//!
//! In: nothing (this is the vocabulary every other stage uses).
//! Out: [`DType`] (the element types ndexpr computes with), [`Scalar`] (a typed
//! constant), the [`Element`] trait that maps Rust element types onto dtypes,
//! and the promotion helpers ([`DType::common`], [`DType::upcasts`]).
//!
//! numexpr ranks the numeric kinds `bool < int32 < int64 < float32 < float64 <
//! complex128`; the kind of an operation is the highest kind among its operands
//! (no NumPy "weak scalar" rules), and operands are only ever cast *upwards*
//! along that ranking.  Byte strings stand outside the ranking: they can only
//! meet other byte strings.

use crate::array::{Input, Value};
use crate::vm::Prim;
use ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn};
use num_complex::Complex64;
use std::fmt;

/// The element type of an array, a register or a result.
///
/// The six numeric dtypes are ndexpr's (and numexpr's) computation types; other
/// Rust element types are not accepted as inputs.  `Bytes` is a fixed-width
/// byte string (NumPy's `S` dtype).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`
    Bool,
    /// `i32`
    Int32,
    /// `i64`
    Int64,
    /// `f32`
    Float32,
    /// `f64`
    Float64,
    /// [`num_complex::Complex64`] (`Complex<f64>`)
    Complex128,
    /// Fixed-width byte strings, compared with trailing NULs ignored.
    Bytes,
}

impl DType {
    /// All dtypes, numeric ones in promotion order, then `Bytes`.
    pub const ALL: [DType; 7] = [
        DType::Bool,
        DType::Int32,
        DType::Int64,
        DType::Float32,
        DType::Float64,
        DType::Complex128,
        DType::Bytes,
    ];

    /// The NumPy name of the dtype (`"float64"`, `"bytes"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Complex128 => "complex128",
            DType::Bytes => "bytes",
        }
    }

    /// Parses a NumPy dtype name as printed by [`DType::name`].
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// numexpr's one-letter type code (`b i l f d c s`), used in signatures
    /// and in the disassembly.
    pub fn code(self) -> char {
        match self {
            DType::Bool => 'b',
            DType::Int32 => 'i',
            DType::Int64 => 'l',
            DType::Float32 => 'f',
            DType::Float64 => 'd',
            DType::Complex128 => 'c',
            DType::Bytes => 's',
        }
    }

    /// The dtype for a numexpr type code.
    pub fn from_code(code: char) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.code() == code)
    }

    /// Position in numexpr's ranking `b < i < l < f < d < c`; `None` for bytes.
    pub fn rank(self) -> Option<u8> {
        match self {
            DType::Bytes => None,
            d => Some(d as u8),
        }
    }

    /// True for the numeric dtypes (everything except `Bytes`).
    pub fn is_numeric(self) -> bool {
        self != DType::Bytes
    }

    /// True for `Int32` and `Int64`.
    pub fn is_integer(self) -> bool {
        matches!(self, DType::Int32 | DType::Int64)
    }

    /// True for `Float32` and `Float64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::Float32 | DType::Float64)
    }

    /// Size of one element in bytes (byte strings: per character).
    pub fn item_size(self) -> usize {
        match self {
            DType::Bool | DType::Bytes => 1,
            DType::Int32 | DType::Float32 => 4,
            DType::Int64 | DType::Float64 => 8,
            DType::Complex128 => 16,
        }
    }

    /// numexpr's `commonKind`: the highest-ranked dtype of `dtypes`.
    ///
    /// Returns `Err(())` when byte strings are mixed with numbers ("strings can
    /// only be operated with strings") and `Ok(None)` for an empty list.
    #[allow(clippy::result_unit_err)]
    pub fn common(dtypes: impl IntoIterator<Item = DType>) -> Result<Option<DType>, ()> {
        let mut best: Option<DType> = None;
        let mut strings = 0usize;
        let mut total = 0usize;
        for d in dtypes {
            total += 1;
            if d == DType::Bytes {
                strings += 1;
            } else if best.is_none_or(|b| d > b) {
                best = Some(d);
            }
        }
        match (strings, total) {
            (0, _) => Ok(best),
            (s, t) if s == t => Ok(Some(DType::Bytes)),
            _ => Err(()),
        }
    }

    /// The dtypes `self` may be implicitly upcast to, in numexpr's search order
    /// (itself first).  Bytes only "upcast" to bytes.
    pub fn upcasts(self) -> &'static [DType] {
        const NUMERIC: [DType; 6] = [
            DType::Bool,
            DType::Int32,
            DType::Int64,
            DType::Float32,
            DType::Float64,
            DType::Complex128,
        ];
        match self.rank() {
            Some(r) => &NUMERIC[r as usize..],
            None => &[DType::Bytes],
        }
    }

    /// NumPy's `can_cast(self, to, casting="same_kind")`, used when a result is
    /// written into a caller-provided output of another dtype.
    pub fn can_cast_same_kind(self, to: DType) -> bool {
        use DType::*;
        match (self, to) {
            (a, b) if a == b => true,
            (Bytes, _) | (_, Bytes) => false,
            (Bool, _) => true,
            (Int32 | Int64, Int32 | Int64 | Float32 | Float64 | Complex128) => true,
            (Float32 | Float64, Float32 | Float64 | Complex128) => true,
            (Complex128, Complex128) => true,
            _ => false,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A typed scalar: a constant in a program, or one element of a result.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// A `bool` value.
    Bool(bool),
    /// An `int32` value.
    Int32(i32),
    /// An `int64` value.
    Int64(i64),
    /// A `float32` value.
    Float32(f32),
    /// A `float64` value.
    Float64(f64),
    /// A `complex128` value.
    Complex128(Complex64),
    /// A byte string (its width is its length).
    Bytes(Vec<u8>),
}

impl Scalar {
    /// The dtype of the value.
    pub fn dtype(&self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int32(_) => DType::Int32,
            Scalar::Int64(_) => DType::Int64,
            Scalar::Float32(_) => DType::Float32,
            Scalar::Float64(_) => DType::Float64,
            Scalar::Complex128(_) => DType::Complex128,
            Scalar::Bytes(_) => DType::Bytes,
        }
    }

    /// Converts the value to `to` with C conversion semantics (what numexpr's
    /// `cast` opcodes and `convertConstantToKind` do).  Numeric values never
    /// convert to or from bytes; `None` is returned for such a request.
    pub fn cast(&self, to: DType) -> Option<Scalar> {
        use Scalar as S;
        if self.dtype() == to {
            return Some(self.clone());
        }
        let c = match *self {
            S::Bytes(_) => return None,
            S::Bool(b) => Complex64::new(f64::from(u8::from(b)), 0.0),
            S::Int32(v) => Complex64::new(f64::from(v), 0.0),
            S::Int64(v) => {
                // Integer targets must not go through f64 (precision).
                return Some(match to {
                    DType::Bool => S::Bool(v != 0),
                    DType::Int32 => S::Int32(v as i32),
                    DType::Int64 => S::Int64(v),
                    DType::Float32 => S::Float32(v as f32),
                    DType::Float64 => S::Float64(v as f64),
                    DType::Complex128 => S::Complex128(Complex64::new(v as f64, 0.0)),
                    DType::Bytes => return None,
                });
            }
            S::Float32(v) => Complex64::new(f64::from(v), 0.0),
            S::Float64(v) => Complex64::new(v, 0.0),
            S::Complex128(v) => v,
        };
        Some(match to {
            DType::Bool => S::Bool(c.re != 0.0 || c.im != 0.0),
            DType::Int32 => S::Int32(c.re as i32),
            DType::Int64 => S::Int64(c.re as i64),
            DType::Float32 => S::Float32(c.re as f32),
            DType::Float64 => S::Float64(c.re),
            DType::Complex128 => S::Complex128(c),
            DType::Bytes => return None,
        })
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(v) => write!(f, "{}", if *v { "True" } else { "False" }),
            Scalar::Int32(v) => write!(f, "{v}"),
            Scalar::Int64(v) => write!(f, "{v}"),
            Scalar::Float32(v) => write!(f, "{v:?}f32"),
            Scalar::Float64(v) => write!(f, "{v:?}"),
            Scalar::Complex128(v) => write!(f, "({:?}{:+?}j)", v.re, v.im),
            Scalar::Bytes(v) => write!(f, "b'{}'", v.escape_ascii()),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for bool {}
    impl Sealed for i32 {}
    impl Sealed for i64 {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for num_complex::Complex64 {}
}

/// A Rust element type that ndexpr computes with: `bool`, `i32`, `i64`,
/// `f32`, `f64` and [`Complex64`].
///
/// The trait is sealed; it ties each type to its [`DType`] and converts
/// between the type, [`Scalar`], [`Input`] and [`Value`].
pub trait Element: sealed::Sealed + Prim + fmt::Debug + PartialEq {
    /// The dtype of this element type.
    const DTYPE: DType;
    /// Wraps a value as a [`Scalar`].
    fn to_scalar(self) -> Scalar;
    /// Unwraps a [`Scalar`] of exactly this dtype.
    fn from_scalar(s: &Scalar) -> Option<Self>;
    /// Wraps an array as an [`Input`].
    fn input(a: CowArray<'_, Self, IxDyn>) -> Input<'_>;
    /// Views an [`Input`] of this dtype.
    fn input_view<'b>(i: &'b Input<'_>) -> Option<ArrayViewD<'b, Self>>;
    /// Wraps a result array as a [`Value`].
    fn value(a: ArrayD<Self>) -> Value;
    /// Unwraps a [`Value`] of this dtype (gives the value back otherwise).
    fn from_value(v: Value) -> Result<ArrayD<Self>, Value>;
}

macro_rules! impl_element {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn to_scalar(self) -> Scalar {
                Scalar::$variant(self)
            }
            fn from_scalar(s: &Scalar) -> Option<Self> {
                match s {
                    Scalar::$variant(v) => Some(*v),
                    _ => None,
                }
            }
            fn input(a: CowArray<'_, Self, IxDyn>) -> Input<'_> {
                Input::$variant(a)
            }
            fn input_view<'b>(i: &'b Input<'_>) -> Option<ArrayViewD<'b, Self>> {
                match i {
                    Input::$variant(a) => Some(a.view()),
                    _ => None,
                }
            }
            fn value(a: ArrayD<Self>) -> Value {
                Value::$variant(a)
            }
            fn from_value(v: Value) -> Result<ArrayD<Self>, Value> {
                match v {
                    Value::$variant(a) => Ok(a),
                    other => Err(other),
                }
            }
        }
    )*};
}

impl_element!(
    bool => Bool,
    i32 => Int32,
    i64 => Int64,
    f32 => Float32,
    f64 => Float64,
    Complex64 => Complex128,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_kind_is_highest_rank() {
        use DType::*;
        assert_eq!(DType::common([Int32, Float32]), Ok(Some(Float32)));
        assert_eq!(DType::common([Int64, Float32, Bool]), Ok(Some(Float32)));
        assert_eq!(DType::common([Float64, Complex128]), Ok(Some(Complex128)));
        assert_eq!(DType::common([Bytes, Bytes]), Ok(Some(Bytes)));
        assert_eq!(DType::common([Bytes, Int32]), Err(()));
        assert_eq!(DType::common([]), Ok(None));
    }

    #[test]
    fn upcasts_follow_the_ranking() {
        use DType::*;
        assert_eq!(Int64.upcasts(), &[Int64, Float32, Float64, Complex128]);
        assert_eq!(Complex128.upcasts(), &[Complex128]);
        assert_eq!(Bytes.upcasts(), &[Bytes]);
    }

    #[test]
    fn scalar_casts_use_c_semantics() {
        assert_eq!(
            Scalar::Float64(2.9).cast(DType::Int32),
            Some(Scalar::Int32(2))
        );
        assert_eq!(
            Scalar::Int64(1 << 40).cast(DType::Int32),
            Some(Scalar::Int32(0))
        );
        assert_eq!(
            Scalar::Int64(i64::MAX).cast(DType::Int64),
            Some(Scalar::Int64(i64::MAX))
        );
        assert_eq!(
            Scalar::Bool(true).cast(DType::Float32),
            Some(Scalar::Float32(1.0))
        );
        assert_eq!(Scalar::Bytes(b"a".to_vec()).cast(DType::Int32), None);
        assert_eq!(
            Scalar::Complex128(Complex64::new(1.5, 2.0)).cast(DType::Float64),
            Some(Scalar::Float64(1.5))
        );
    }

    #[test]
    fn same_kind_casting_matches_numpy() {
        use DType::*;
        assert!(Float64.can_cast_same_kind(Float32));
        assert!(Int64.can_cast_same_kind(Float32));
        assert!(!Float64.can_cast_same_kind(Int64));
        assert!(!Complex128.can_cast_same_kind(Float64));
        assert!(Bool.can_cast_same_kind(Complex128));
    }
}

//! Arrays of any supported dtype: what goes into an evaluation and what
//! comes out.
//!
//! In: ndarray arrays and views of the six element types (and byte
//! strings).  Out: [`Input`] (a borrowed or owned array of some dtype, as
//! [`crate::Vars`] holds it) and [`Value`] (a result array with typed
//! access).

use crate::error::{Error, ErrorKind};
use crate::types::{DType, Element};
use ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn};
use num_complex::Complex64;

/// An input array of one of the supported dtypes, borrowed or owned.
///
/// Byte strings are stored as `u8` arrays whose **last axis is the string
/// width**: an array of 3 strings of width 5 has shape `[3, 5]`.  Strings
/// shorter than the width are padded with NULs (NumPy's `S` dtype).
#[derive(Clone, Debug)]
pub enum Input<'a> {
    /// bool
    Bool(CowArray<'a, bool, IxDyn>),
    /// int32
    Int32(CowArray<'a, i32, IxDyn>),
    /// int64
    Int64(CowArray<'a, i64, IxDyn>),
    /// float32
    Float32(CowArray<'a, f32, IxDyn>),
    /// float64
    Float64(CowArray<'a, f64, IxDyn>),
    /// complex128
    Complex128(CowArray<'a, Complex64, IxDyn>),
    /// Fixed-width byte strings; the last axis is the width.
    Bytes(CowArray<'a, u8, IxDyn>),
}

macro_rules! each_variant {
    ($value:expr, $a:ident => $body:expr) => {
        match $value {
            Input::Bool($a) => $body,
            Input::Int32($a) => $body,
            Input::Int64($a) => $body,
            Input::Float32($a) => $body,
            Input::Float64($a) => $body,
            Input::Complex128($a) => $body,
            Input::Bytes($a) => $body,
        }
    };
}

impl<'a> Input<'a> {
    /// The element dtype.
    pub fn dtype(&self) -> DType {
        match self {
            Input::Bool(_) => DType::Bool,
            Input::Int32(_) => DType::Int32,
            Input::Int64(_) => DType::Int64,
            Input::Float32(_) => DType::Float32,
            Input::Float64(_) => DType::Float64,
            Input::Complex128(_) => DType::Complex128,
            Input::Bytes(_) => DType::Bytes,
        }
    }

    /// The logical shape (for byte strings, without the width axis).
    pub fn shape(&self) -> &[usize] {
        match self {
            Input::Bytes(a) => &a.shape()[..a.ndim().saturating_sub(1)],
            other => each_variant!(other, a => a.shape()),
        }
    }

    /// The width of each byte string (`0` for numeric inputs).
    pub fn width(&self) -> usize {
        match self {
            Input::Bytes(a) => a.shape().last().copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// Number of elements (strings for byte strings).
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A borrowed copy of this input (no data is copied).
    pub fn reborrow(&self) -> Input<'_> {
        match self {
            Input::Bool(a) => Input::Bool(a.view().into()),
            Input::Int32(a) => Input::Int32(a.view().into()),
            Input::Int64(a) => Input::Int64(a.view().into()),
            Input::Float32(a) => Input::Float32(a.view().into()),
            Input::Float64(a) => Input::Float64(a.view().into()),
            Input::Complex128(a) => Input::Complex128(a.view().into()),
            Input::Bytes(a) => Input::Bytes(a.view().into()),
        }
    }

    /// The array as a view of element type `T`, if that is its dtype.
    pub fn view<T: Element>(&self) -> Option<ArrayViewD<'_, T>> {
        T::input_view(self)
    }

    /// The byte-string array (last axis = width), if the input is one.
    pub fn bytes_view(&self) -> Option<ArrayViewD<'_, u8>> {
        match self {
            Input::Bytes(a) => Some(a.view()),
            _ => None,
        }
    }
}

/// The result of an evaluation: an array of the expression's dtype.
///
/// ```
/// # use ndexpr::{evaluate, vars, Value, DType};
/// # use ndarray::array;
/// let a = array![1.0, 2.0];
/// let v: Value = evaluate("a > 1.5", &vars! { "a" => &a }).unwrap();
/// assert_eq!(v.dtype(), DType::Bool);
/// assert_eq!(v.as_bool().unwrap().as_slice().unwrap(), &[false, true]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// bool
    Bool(ArrayD<bool>),
    /// int32
    Int32(ArrayD<i32>),
    /// int64
    Int64(ArrayD<i64>),
    /// float32
    Float32(ArrayD<f32>),
    /// float64
    Float64(ArrayD<f64>),
    /// complex128
    Complex128(ArrayD<Complex64>),
    /// Byte strings; the last axis is the width.
    Bytes(ArrayD<u8>),
}

macro_rules! accessors {
    ($($t:ty => $variant:ident, $as:ident, $into:ident);* $(;)?) => {
        impl Value {
            $(
                #[doc = concat!("The array, if the dtype is `", stringify!($t), "`.")]
                pub fn $as(&self) -> Option<&ArrayD<$t>> {
                    match self {
                        Value::$variant(a) => Some(a),
                        _ => None,
                    }
                }
                #[doc = concat!("Converts into an `ArrayD<", stringify!($t), ">`; an error of kind `type` if the dtype differs.")]
                pub fn $into(self) -> Result<ArrayD<$t>, Error> {
                    self.into_array::<$t>()
                }
            )*
        }
    };
}

accessors! {
    bool => Bool, as_bool, into_bool;
    i32 => Int32, as_i32, into_i32;
    i64 => Int64, as_i64, into_i64;
    f32 => Float32, as_f32, into_f32;
    f64 => Float64, as_f64, into_f64;
    Complex64 => Complex128, as_complex, into_complex;
}

impl Value {
    /// The dtype of the result.
    pub fn dtype(&self) -> DType {
        match self {
            Value::Bool(_) => DType::Bool,
            Value::Int32(_) => DType::Int32,
            Value::Int64(_) => DType::Int64,
            Value::Float32(_) => DType::Float32,
            Value::Float64(_) => DType::Float64,
            Value::Complex128(_) => DType::Complex128,
            Value::Bytes(_) => DType::Bytes,
        }
    }

    /// The logical shape (for byte strings, without the width axis).
    pub fn shape(&self) -> &[usize] {
        match self {
            Value::Bool(a) => a.shape(),
            Value::Int32(a) => a.shape(),
            Value::Int64(a) => a.shape(),
            Value::Float32(a) => a.shape(),
            Value::Float64(a) => a.shape(),
            Value::Complex128(a) => a.shape(),
            Value::Bytes(a) => &a.shape()[..a.ndim().saturating_sub(1)],
        }
    }

    /// Converts into an array of element type `T`; an error of kind `type`
    /// if the result has another dtype.
    pub fn into_array<T: Element>(self) -> Result<ArrayD<T>, Error> {
        let dtype = self.dtype();
        T::from_value(self).map_err(|_| {
            Error::new(
                ErrorKind::Type,
                format!("the result has dtype {dtype}, not {}", T::DTYPE),
            )
        })
    }

    /// The result as an [`Input`] borrowing it, to feed into another
    /// evaluation (also available as `vars.insert(name, &value)`).
    ///
    /// ```
    /// use ndexpr::{evaluate, vars};
    /// let a = ndarray::array![1.0, 2.0];
    /// let r = evaluate("a * 10", &vars! { "a" => &a }).unwrap();
    /// let s = evaluate("r + a", &vars! { "r" => &r, "a" => &a }).unwrap();
    /// assert_eq!(s.into_f64().unwrap().as_slice().unwrap(), &[11.0, 22.0]);
    /// ```
    pub fn view(&self) -> Input<'_> {
        match self {
            Value::Bool(a) => Input::Bool(a.view().into()),
            Value::Int32(a) => Input::Int32(a.view().into()),
            Value::Int64(a) => Input::Int64(a.view().into()),
            Value::Float32(a) => Input::Float32(a.view().into()),
            Value::Float64(a) => Input::Float64(a.view().into()),
            Value::Complex128(a) => Input::Complex128(a.view().into()),
            Value::Bytes(a) => Input::Bytes(a.view().into()),
        }
    }

    /// The result as an owned [`Input`] (what `vars.insert(name, value)`
    /// stores).
    pub fn into_owned_input<'a>(self) -> Input<'a> {
        match self {
            Value::Bool(a) => Input::Bool(a.into()),
            Value::Int32(a) => Input::Int32(a.into()),
            Value::Int64(a) => Input::Int64(a.into()),
            Value::Float32(a) => Input::Float32(a.into()),
            Value::Float64(a) => Input::Float64(a.into()),
            Value::Complex128(a) => Input::Complex128(a.into()),
            Value::Bytes(a) => Input::Bytes(a.into()),
        }
    }

    /// The byte-string array (last axis = width), if the dtype is bytes.
    pub fn as_bytes(&self) -> Option<&ArrayD<u8>> {
        match self {
            Value::Bytes(a) => Some(a),
            _ => None,
        }
    }
}

macro_rules! try_from_value {
    ($($t:ty),*) => {$(
        impl TryFrom<Value> for ArrayD<$t> {
            type Error = Error;
            fn try_from(v: Value) -> Result<Self, Error> {
                v.into_array::<$t>()
            }
        }
    )*};
}
try_from_value!(bool, i32, i64, f32, f64, Complex64);

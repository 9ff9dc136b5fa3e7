//! # ndexpr: numexpr for Rust
//!
//! ndexpr evaluates array expressions written as strings, such as
//! `"2*a**3 - 4*a**5 + 6*log(a)"`, element-wise over [`ndarray`] arrays:
//! fast, on all cores, without whole-array temporaries, and with
//! [numexpr](https://github.com/pydata/numexpr) 2.14's exact semantics
//! (values *and* result dtypes).
//!
//! ```
//! use ndexpr::{evaluate, vars};
//! use ndarray::array;
//!
//! let a = array![0.5, 1.0, 2.0];
//! let b = array![[1.0], [2.0]]; // broadcasts against `a`
//! let r = evaluate("2*a**3 - 4*a**5 + 6*log(a) + b", &vars! { "a" => &a, "b" => &b })?;
//! assert_eq!(r.shape(), &[2, 3]);
//! let r = r.into_f64()?;
//! assert!((r[[0, 1]] - (2.0 - 4.0 + 0.0 + 1.0)).abs() < 1e-12);
//! # Ok::<(), ndexpr::Error>(())
//! ```
//!
//! ## How it works
//!
//! The string goes through a pipeline whose stages are the modules of the
//! crate: [`parse`] (a pest grammar, `grammar/ndexpr.pest`, and a
//! precedence climber) produces an [`ast`] with byte spans; [`infer`] types
//! it with numexpr's rules into a typed DAG ([`ir`]), folding constants with
//! [`fold`]; [`compile`] turns the DAG into register bytecode ([`program`]);
//! [`exec`] cuts the broadcast iteration space ([`broadcast`]) into tasks
//! that rayon runs in parallel, and the block executor ([`vm`]) runs the
//! program over blocks of a few hundred elements with the element loops of
//! [`kernels`], so every intermediate stays in cache.  The only allocation
//! that grows with the data is the result.
//!
//! ## Using it
//!
//! * [`evaluate`] / [`evaluate_with`]: one call, string in, [`Value`] out.
//!   Compiled expressions are cached by string and input dtypes, so a loop
//!   of `evaluate` calls parses once (as numexpr does).
//! * [`Expression`]: compile once, evaluate many times; immutable,
//!   `Send + Sync`, usable from many threads at once;
//!   [`Expression::evaluate_into`] writes into a caller-provided
//!   [`ndarray::ArrayViewMut`] without allocating.
//! * [`Vars`] / [`vars!`]: named inputs: any ndarray array or view (any
//!   dimension, strides, transposed, negative strides), slices, vectors and
//!   scalars of `bool`, `i32`, `i64`, `f32`, `f64` and
//!   [`num_complex::Complex64`], plus byte strings
//!   ([`Vars::insert_bytes`]).
//! * [`Options`] / [`Threads`]: run on the current rayon pool (the default;
//!   call inside `ThreadPool::install` to use your own pool), serially, or
//!   on at most *n* threads.
//! * [`Error`]: every bad input gives an error, never a panic; its
//!   [`ErrorKind`] says what went wrong, its span where, and `Display`
//!   shows the expression with a caret under the problem and a hint:
//!
//! ```
//! let err = ndexpr::evaluate("sine(a) + 1", &ndexpr::vars! { "a" => 1.0 }).unwrap_err();
//! assert_eq!(err.kind(), ndexpr::ErrorKind::UnknownFunction);
//! assert_eq!(
//!     err.to_string(),
//!     "error[unknown_function]: unknown function `sine`\n  |\n  | sine(a) + 1\n  | ^^^^\n  = hint: did you mean `sin`?"
//! );
//! ```
//!
//! # Language reference
//!
//! The language is numexpr's: Python's expression syntax, restricted.
//!
//! ## Lexical structure
//!
//! * **Whitespace** (space, tab, CR, LF) may appear between any two tokens,
//!   and before and after the expression.
//! * **Names** are ASCII identifiers `[A-Za-z_][A-Za-z0-9_]*` other than
//!   Python's reserved words.  A name refers to a variable; there are no
//!   predefined constants (`pi`, `e`, `inf`, `nan` must be passed in).
//! * **Integers**: `42`, `1_000_000`, `0x1F`, `0o17`, `0b101`.  A literal
//!   is int32 if it fits, else int64; beyond int64 it is a `value` error.
//!   Leading zeros (`012`) are a syntax error, as in Python.
//! * **Floats**: `1.`, `.5`, `2.5`, `1e3`, `2.5E-3` (float64; `1e999` is
//!   infinity).  **Imaginary**: `2j`, `1.5J` (complex128).
//! * **Booleans**: `True`, `False`.
//! * **Strings**: `b'..'`, `'..'` (also `"..."`, and `r`/`br` raw forms)
//!   are byte strings, with Python's escapes (`\n`, `\x00`, ...); they
//!   can only be compared and used with `contains`.
//!
//! ## Grammar
//!
//! The pest grammar the parser is generated from (`grammar/ndexpr.pest`);
//! operator precedence is applied afterwards by the precedence climber in
//! [`parse`], following the table below.
//!
#![doc = concat!("```text\n", include_str!("../grammar/ndexpr.pest"), "```")]
//!
//! ## Operators, by increasing precedence
//!
//! | precedence | operators | notes |
//! |---|---|---|
//! | 1 | `<` `<=` `==` `!=` `>=` `>` | result bool; **not chainable**: `a < b < c` is an error |
//! | 2 | `\|` | logical or (bool), bitwise or (integers) |
//! | 3 | `^` | logical / bitwise xor |
//! | 4 | `&` | logical / bitwise and |
//! | 5 | `<<` `>>` | integers only |
//! | 6 | `+` `-` | |
//! | 7 | `*` `/` `//` `%` | `/` is true division; `//` and `%` floor |
//! | 8 | `-x` `+x` `~x` | `~` is logical not (bool) or bitwise not (integers) |
//! | 9 | `**` | right-associative, binds tighter than a unary minus on its left: `-a**2 == -(a**2)`, `2**3**2 == 512`; `a**-b` is allowed |
//! | 10 | `f(...)`, `x.real`, `x.imag` | calls and the two attributes |
//!
//! Because `&`, `|` and `^` bind tighter than comparisons, `a > 1 & b < 6`
//! means `a > (1 & b) < 6`, a chained comparison; the error suggests
//! `(a > 1) & (b < 6)`.  `and`, `or`, `not`, `if`/`else`, `lambda`, `in`,
//! `is`, indexing, other attributes, `;`, `=` and `@` are syntax errors
//! whose messages name the replacement (`&`, `|`, `~`, `where`, ...).
//!
//! ## Types and promotion
//!
//! The dtypes are bool (`b`), int32 (`i`), int64 (`l`), float32 (`f`),
//! float64 (`d`), complex128 (`c`) and fixed-width byte strings (`s`).
//! numexpr ranks the numeric ones `b < i < l < f < d < c` and types every
//! operation with the highest kind among its operands; scalars count like
//! arrays (there are no NumPy "weak scalar" rules).  Operands are only ever
//! converted *upwards* along that ranking.  Result dtype of `x + y`:
//!
//! | `+` | b | i | l | f | d | c |
//! |---|---|---|---|---|---|---|
//! | **b** | b (`or`) | i | l | f | d | c |
//! | **i** | i | i | l | **f** | d | c |
//! | **l** | l | l | l | **f** | d | c |
//! | **f** | f | **f** | **f** | f | d | c |
//! | **d** | d | d | d | d | d | c |
//! | **c** | c | c | c | c | c | c |
//!
//! (bold: where NumPy would give float64.)  Consequences worth knowing:
//!
//! * `float32_array * 2.0` is float64 (a float literal is float64), while
//!   `float32_array * 2` stays float32 (an int literal is int32).
//! * `int32_array + 2**40` is int64 (the literal does not fit int32).
//! * `/` of bools and integers is float64; `//` and `%` keep integers.
//! * `bool + bool` is `|` and `bool * bool` is `&` (both bool);
//!   `bool - bool` and `-bool` are type errors.
//! * Comparisons convert both sides to their common kind first (so
//!   `float32 > 1.5` compares in float64, `float32 < 16777217` in float32);
//!   complex numbers only support `==` and `!=`.
//! * `x ** c` with a constant integral or half-integral exponent `|c| <= 50`
//!   is computed as multiplications (and one `sqrt` for a half power), as
//!   numexpr does; so `int32 ** 2.0` is int32 and `int32 ** 2.5` float64.
//!   Integers to negative constant integer powers are a `type` error.
//! * `x / c` with a constant `c` of the same float kind is computed as
//!   `x * (1/c)`.
//! * Subexpressions made only of constants are folded at compile time the
//!   way numexpr folds them: literal arithmetic by Python's rules
//!   (`2**-1 == 0.5`, `7 // -2 == -4`, `2147483647 + 1` is int64),
//!   function calls on constants by NumPy's (`abs(-3)` is int64,
//!   `sin(True)` is float32 via NumPy's float16).
//!
//! ## Functions
//!
//! Result dtype for each argument dtype (`—`: a `type` error).
//!
//! | function | b | i | l | f | d | c |
//! |---|---|---|---|---|---|---|
//! | `copy(x)` | b | i | l | f | d | c (and byte strings) |
//! | `ones_like(x)` | — | i | l | f | d | c |
//! | `sqrt`, `sin`, `cos`, `tan`, `arcsin`, `arccos`, `arctan`, `sinh`, `cosh`, `tanh`, `arcsinh`, `arccosh`, `arctanh`, `log`, `log1p`, `log10`, `log2`, `exp`, `expm1` | f | d | d | f | d | c |
//! | `abs(x)` (complex: `|z| + 0j`) | f | d | d | f | d | c |
//! | `ceil`, `floor` | f | d | d | f | d | — |
//! | `trunc` | d | d | d | d | d | — |
//! | `round` (half to even) | d | i | l | d | d | c |
//! | `sign` (complex: `z/|z|`) | d | i | l | d | d | c |
//! | `real`, `imag` (also `x.real`, `x.imag`) | d | d | d | d | d | d |
//! | `conj` | c | d | d | c | c | c |
//! | `isnan`, `isfinite`, `isinf` | b | b | b | b | b | b |
//! | `signbit` | b | b | b | b | b | — |
//! | `arctan2(y, x)`, `fmod(x, y)` (C `fmod`, sign of `x`) | f | d | d | f | d | — |
//! | `hypot`, `nextafter`, `copysign`, `maximum`, `minimum` (NaN propagates) | d | d | d | d | d | — |
//! | `complex(re, im)` | c | — | — | c | c | — |
//! | `where(cond, x, y)`: `cond` must be bool; result: common kind of all three | | | | | | |
//! | `contains(haystack, needle)`: byte strings only, bool result | | | | | | |
//!
//! Two-argument functions use the common kind of their arguments.
//!
//! ## Reductions
//!
//! `sum`, `prod`, `min`, `max` (numexpr's) and `mean`, `any`, `all`
//! (extensions) reduce over all elements or over one `axis`
//! (`sum(a, axis=1)` or `sum(a, 1)`, `0 <= axis < ndim`).  A reduction
//! must be the outermost operation (`sum(a) + 1` is a `reduction` error).
//! `sum`/`prod`/`min`/`max` keep the dtype (int32 sums wrap, as in
//! numexpr), except that `sum`/`prod` of bool are int64; `min`/`max` skip
//! NaNs (numexpr's `fmin`/`fmax`) and are not defined for complex; `mean`
//! is float64 for bool and integers; `any`/`all` are bool.  Float sums are
//! pairwise (accurate even in float32) and results do not depend on the
//! number of threads.  The sum of no elements is 0, the product 1, the
//! mean NaN; `min`/`max` of no elements are an error.
//!
//! ## Arithmetic semantics
//!
//! * Integers wrap on overflow.  `x // 0 == 0` and `x % 0 == 0`; `//` and
//!   `%` round towards negative infinity (`-7 // 2 == -4`, `-7 % 2 == 1`);
//!   `INT_MIN // -1 == INT_MIN`, `INT_MIN % -1 == 0`.
//! * Shifts: `x << n` is 0 when `n` is negative or at least the width;
//!   `x >> n` then shifts by width-1 (sign fill).
//! * Integer `**` wraps; a negative exponent in an *array* gives `1 / x` in
//!   integer division (numexpr's rule), `0 ** -n` gives 0.
//! * Floats follow IEEE: division by zero gives ±inf or NaN, without
//!   warnings.  Float `%` is `a - floor(a/b)*b` (sign of the divisor), `//`
//!   is `floor(a/b)`.  Transcendental functions are the C library's.
//! * Complex arithmetic and functions use numexpr's own formulas.
//! * Byte strings compare as NumPy's: trailing NULs are ignored
//!   (`b'ab' == b'ab\0'`), bytes compare unsigned.  `contains` is
//!   numexpr's and reads C strings: each operand ends at its first NUL.
//!
//! ## Broadcasting
//!
//! Inputs broadcast by NumPy's rules, in any number of dimensions: shapes
//! are matched from the right and each dimension must be equal or 1.
//! 0-d arrays and one-element inputs act as scalars; zero-size dimensions
//! give empty results.  The result is always in C (row-major) order.
//!
//! ## Errors
//!
//! [`ErrorKind`] has one kind per category: `syntax`, `unknown_variable`,
//! `unknown_function`, `arity`, `type`, `shape`, `reduction`, `value` and
//! `too_complex`.  No input string or array makes ndexpr panic, abort or
//! hang.
//!
//! ## Limits
//!
//! See [`limits`]: expressions up to 100,000 bytes, 200 levels of
//! parentheses, 100,000 syntax nodes; programs up to 200,000 instructions
//! and 1,024 temporary registers; any number of inputs.  Exceeding one is
//! a `too_complex` error.  A result whose size overflows `usize` or cannot
//! be allocated is a `shape` error.
//!
//! ## Deviations from numexpr
//!
//! ndexpr follows numexpr where numexpr returns a value, and NumPy where
//! numexpr raises, crashes or returns garbage:
//!
//! * `INT_MIN // -1` and `INT_MIN % -1` (numexpr: SIGFPE) and integer `%`
//!   near the type's limits follow NumPy.
//! * Integer `**` whose result overflows wraps like NumPy (numexpr returns
//!   INT_MIN); `0 ** -1` in an array is 0.
//! * `sum`/`prod` of bool, `min`/`max` of int32 and bool (numexpr raises),
//!   and reductions of constants or of empty arrays follow NumPy; int64
//!   `min`/`max` are exact (numexpr converts through float64); float
//!   sums are pairwise rather than sequential.
//! * Zero-size inputs broadcast by NumPy's rules (numexpr takes the first
//!   empty operand's shape without checking).
//! * `5 // a`, `1 & m` and other literal-on-the-left operators that
//!   numexpr rejects are accepted; `a / 0.0` divides (numexpr raises while
//!   folding `1/0.0`).
//! * Comparisons with the empty byte string follow NumPy (numexpr's
//!   `stringcmp` mis-orders them); bytes compare unsigned.
//! * Leading whitespace is accepted; `mean`, `any` and `all` exist.
//! * Constant folding uses the C library's float64 functions where NumPy
//!   uses its own SIMD ones, which can differ in the last bit.
//! * Float64 transcendental functions (except `arcsinh`, `arccosh` and
//!   `arctanh`, which call the C library) run ndexpr's SIMD kernels,
//!   within 4 ULP of the C library functions numexpr calls and with the
//!   same special values; `exp`, `expm1`, `sinh` and `cosh` follow glibc's
//!   algorithms and agree with it bit for bit on nearly every input,
//!   `tanh` is within 2 ULP (equal on about 80% of inputs), and in FMA
//!   builds `log`, `log1p` and `log2` are within 1 ULP (equal on 98-99%).
//!   Float32 functions return the C library's results bit for bit.
//!
//! ## Performance notes
//!
//! Blocks of up to 512 elements keep intermediates in L1 cache (in
//! registers aligned to cache lines); inputs are read in place when
//! contiguous and gathered block by block when strided or broadcast;
//! constants stay scalars.  A product whose only use is a sum, a
//! difference or another product runs as one instruction with it
//! (`a*b + c` is one pass over the block), rounded in two steps like
//! numexpr's two instructions: the hardware fused multiply-add is not
//! used, as its single rounding changes results where the sum cancels.
//! The `wide` SIMD kernels and the float width they use are chosen when
//! the crate is compiled: build with
//! `RUSTFLAGS="-C target-cpu=native"` to use the host's vector units (on
//! an AVX-512 machine the transcendental functions run 2-4x faster than in
//! a default SSE2 build; the README has measurements).  An evaluation runs
//! on the calling thread while it is a single task (up to 32768 elements of
//! cheap arithmetic, fewer for costlier programs, at least 8192), and in
//! parallel above.
#![deny(missing_docs)]

pub mod api;
pub mod array;
pub mod ast;
pub mod broadcast;
pub mod compile;
pub mod context;
pub mod error;
pub mod exec;
pub mod fold;
pub mod infer;
pub mod ir;
pub mod kernels;
pub mod parse;
pub mod program;
pub mod types;
pub mod vm;

pub use api::{Expression, IntoInput, Options, Vars, evaluate, evaluate_with, validate};
pub use array::{Input, Value};
pub use context::Context;
pub use error::{Error, ErrorKind, Result};
pub use exec::Threads;
pub use types::{DType, Element, Scalar};

/// Limits on what an expression may be; exceeding one is a
/// [`ErrorKind::TooComplex`] error.
pub mod limits {
    /// Longest accepted expression, in bytes.
    pub const MAX_EXPR_LEN: usize = 100_000;
    /// Deepest accepted nesting of parentheses (calls included).
    pub const MAX_NESTING: usize = 200;
    /// Most syntax-tree nodes in one expression.
    pub const MAX_NODES: usize = 100_000;
    /// Most instructions in a compiled program.
    pub const MAX_INSTRUCTIONS: usize = 200_000;
    /// Most temporary registers in a compiled program.
    pub const MAX_TEMPORARIES: usize = 1024;
}

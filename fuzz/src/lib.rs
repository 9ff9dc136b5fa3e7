//! Shared pieces of the ndexpr fuzz targets: the fixed variables, an
//! expression generator driven by `arbitrary`, random input arrays, and the
//! invariants every target checks.
//!
//! The invariants are the crate's promises to untrusted input: every string
//! gives a compiled expression or an [`Error`] whose kind, span and
//! `Display` are well formed; every evaluation gives a value of the
//! compiled dtype and the predicted shape, or an error of an evaluation
//! kind; and a value does not depend on the number of threads, on the
//! memory layout of the inputs, or on whether it is computed for a whole
//! array or one element at a time.

use arbitrary::{Arbitrary, Unstructured};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};
use ndexpr::{
    DType, Error, ErrorKind, Expression, Input, IntoInput, Options, Threads, Value, Vars,
};
use num_complex::Complex64;
use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------
// Errors and parsing

/// Checks that an error is well formed for the expression `src`.
pub fn check_error(src: &str, e: &Error) {
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("error[{}]: ", e.kind())),
        "{shown:?}"
    );
    assert!(!e.message().is_empty(), "empty message: {shown:?}");
    if let Some(span) = e.span() {
        assert!(span.start <= span.end, "inverted span {span:?}: {shown:?}");
        assert!(
            span.end <= src.len(),
            "span {span:?} beyond the expression ({} bytes): {shown:?}",
            src.len()
        );
        if e.expr().is_some() {
            let caret = shown
                .lines()
                .nth(3)
                .unwrap_or_else(|| panic!("no caret line: {shown:?}"));
            assert!(caret.contains('^'), "no caret: {shown:?}");
        }
    }
}

/// Parses `src`; when it parses, printing the tree and parsing the print
/// must give the same tree (or hit the nesting limit, since the print
/// parenthesises every operation).
pub fn check_parse(src: &str) {
    if src.len() > 1024 {
        // Long inputs are parsed by `check_fixed`; parsing them twice more
        // only slows the fuzzer down.
        return;
    }
    match ndexpr::parse::parse(src) {
        Ok(ast) => {
            let printed = ast.to_string();
            if printed.len() > 4096 {
                return;
            }
            match ndexpr::parse::parse(&printed) {
                Ok(again) => assert_eq!(
                    again.to_string(),
                    printed,
                    "print/parse round trip of {src:?}"
                ),
                Err(e) => assert_eq!(
                    e.kind(),
                    ErrorKind::TooComplex,
                    "{src:?} printed as {printed:?} does not parse: {e}"
                ),
            }
        }
        Err(e) => {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::Syntax | ErrorKind::Value | ErrorKind::TooComplex
                ),
                "parse of {src:?} gave {e}"
            );
            check_error(src, &e.with_expr(&std::sync::Arc::from(src)));
        }
    }
}

// ---------------------------------------------------------------------------
// The fixed variables of the string targets

/// Names and dtypes of the fixed variables: the conformance corpus's names.
pub const FIXED_NAMES: [(&str, DType); 14] = [
    ("a", DType::Float64),
    ("b", DType::Float64),
    ("c", DType::Float64),
    ("f", DType::Float32),
    ("g", DType::Float32),
    ("i", DType::Int32),
    ("j", DType::Int32),
    ("l", DType::Int64),
    ("m", DType::Int64),
    ("z", DType::Complex128),
    ("w", DType::Complex128),
    ("x", DType::Bool),
    ("y", DType::Bool),
    ("s", DType::Bytes),
];

/// Tiny arrays for the fixed variables: shapes `(3,)`, `(2, 1)` and `()`
/// (which broadcast to `(2, 3)`), holding special values.
pub struct Fixed {
    a: ArrayD<f64>,
    b: ArrayD<f64>,
    c: ArrayD<f64>,
    f: ArrayD<f32>,
    g: ArrayD<f32>,
    i: ArrayD<i32>,
    j: ArrayD<i32>,
    l: ArrayD<i64>,
    m: ArrayD<i64>,
    z: ArrayD<Complex64>,
    w: ArrayD<Complex64>,
    x: ArrayD<bool>,
    y: ArrayD<bool>,
    s: ArrayD<u8>,
}

fn arr<T: Clone>(shape: &[usize], data: Vec<T>) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(shape), data).expect("fixed shape")
}

/// The fixed arrays (built once).
pub fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| Fixed {
        a: arr(&[3], vec![0.5, -0.0, f64::NAN]),
        b: arr(&[2, 1], vec![f64::NEG_INFINITY, 1e308]),
        c: arr(&[], vec![-2.5]),
        f: arr(&[3], vec![1.5f32, f32::MAX, -0.0]),
        g: arr(&[2, 1], vec![f32::INFINITY, 1e-45]),
        i: arr(&[3], vec![i32::MIN, -1, 0]),
        j: arr(&[2, 1], vec![-1, 31]),
        l: arr(&[3], vec![i64::MIN, 3, -1]),
        m: arr(&[], vec![0i64]),
        z: arr(
            &[3],
            vec![
                Complex64::new(1.0, -1.0),
                Complex64::new(0.0, f64::INFINITY),
                Complex64::new(f64::NAN, 0.0),
            ],
        ),
        w: arr(&[], vec![Complex64::new(-0.0, 2.0)]),
        x: arr(&[3], vec![true, false, true]),
        y: arr(&[2, 1], vec![false, true]),
        s: arr(&[3, 3], b"ab\0\xffzz\0\0\0".to_vec()),
    })
}

/// The fixed arrays as variables.
pub fn fixed_vars() -> Vars<'static> {
    let f = fixed();
    let mut v = Vars::new();
    v.insert("a", &f.a)
        .insert("b", &f.b)
        .insert("c", &f.c)
        .insert("f", &f.f)
        .insert("g", &f.g)
        .insert("i", &f.i)
        .insert("j", &f.j)
        .insert("l", &f.l)
        .insert("m", &f.m)
        .insert("z", &f.z)
        .insert("w", &f.w)
        .insert("x", &f.x)
        .insert("y", &f.y)
        .insert_bytes("s", f.s.view());
    v
}

/// Compiles `src` for the fixed variables, checks the outcome, and
/// evaluates it when it compiles.
pub fn check_fixed(src: &str) {
    let vars = fixed_vars();
    let expr = match Expression::for_vars(src, &vars) {
        Ok(expr) => expr,
        Err(e) => {
            check_error(src, &e);
            return;
        }
    };
    check_evaluation(src, &expr, &vars, &Options::serial());
}

/// Evaluates a compiled expression and checks dtype, shape and errors.
fn check_evaluation(
    src: &str,
    expr: &Expression,
    vars: &Vars<'_>,
    options: &Options,
) -> Option<Value> {
    match expr.evaluate_with(vars, options) {
        Ok(v) => {
            assert_eq!(v.dtype(), expr.result_dtype(), "{src:?}");
            let shape = expr
                .result_shape(vars)
                .unwrap_or_else(|e| panic!("{src:?}: evaluated but result_shape fails: {e}"));
            assert_eq!(v.shape(), shape.as_slice(), "{src:?}");
            Some(v)
        }
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Shape | ErrorKind::Reduction),
                "{src:?}: compiled, then evaluation failed with {e}"
            );
            check_error(src, &e);
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Structured expressions

/// An expression of the language (and some that are not), rendered to
/// text by [`render`].
#[derive(Arbitrary, Debug, Clone)]
pub enum Expr {
    /// A variable, by index into the name table.
    Var(u8),
    /// An integer literal: selector, raw value, form.
    Int(u8, u64, u8),
    /// A float literal.
    Float(FloatLit),
    /// An imaginary literal.
    Imag(FloatLit),
    /// `True` / `False`.
    Bool(bool),
    /// A string literal: prefix selector and bytes.
    Str(u8, Vec<u8>),
    /// A prefix operator.
    Unary(UnOp, Box<Expr>),
    /// An infix operator, with how to wrap it.
    Binary(BinOp, Box<Expr>, Box<Expr>, Wrap),
    /// A one-argument function.
    Func1(Func1, Box<Expr>),
    /// A two-argument function.
    Func2(Func2, Box<Expr>, Box<Expr>),
    /// `where(c, x, y)`.
    Where(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A reduction with an axis form.
    Reduce(RedOp, Box<Expr>, AxisForm),
    /// `.real` / `.imag` (or another attribute).
    Attr(Box<Expr>, u8),
    /// Parentheses.
    Paren(Box<Expr>),
    /// Any function name (or a misspelt one) with any arguments.
    AnyCall(u8, Vec<Expr>, Option<(u8, Box<Expr>)>),
    /// A hostile token.
    Raw(u8),
    /// A long repetition: `count` copies of `op operand`.
    Chain(BinOp, u16, Box<Expr>),
}

/// A float literal: a selector and a raw value.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct FloatLit(u8, f64);

/// Prefix operators.
#[derive(Arbitrary, Debug, Clone, Copy)]
#[allow(missing_docs)]
pub enum UnOp {
    Neg,
    Pos,
    Invert,
}

/// Infix operators.
#[derive(Arbitrary, Debug, Clone, Copy)]
#[allow(missing_docs)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    Shl,
    Shr,
    And,
    Or,
    Xor,
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            FloorDiv => "//",
            Mod => "%",
            Pow => "**",
            Shl => "<<",
            Shr => ">>",
            And => "&",
            Or => "|",
            Xor => "^",
            Lt => "<",
            Le => "<=",
            Eq => "==",
            Ne => "!=",
            Ge => ">=",
            Gt => ">",
        }
    }
}

/// How a binary operation is written.
#[derive(Arbitrary, Debug, Clone, Copy)]
#[allow(missing_docs)]
pub enum Wrap {
    Bare,
    Parens,
    Spaced,
    Newlines,
}

/// One-argument functions.
const FUNC1: [&str; 34] = [
    "copy",
    "ones_like",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "log",
    "log1p",
    "log10",
    "log2",
    "exp",
    "expm1",
    "abs",
    "ceil",
    "floor",
    "trunc",
    "round",
    "sign",
    "real",
    "imag",
    "conj",
    "isnan",
    "isfinite",
    "isinf",
    "signbit",
];

/// Two-argument functions.
const FUNC2: [&str; 9] = [
    "arctan2",
    "fmod",
    "hypot",
    "nextafter",
    "copysign",
    "maximum",
    "minimum",
    "complex",
    "contains",
];

/// Reductions.
const REDUCTIONS: [&str; 7] = ["sum", "prod", "min", "max", "mean", "any", "all"];

/// Names that are not functions (typos and keywords-as-calls).
const NOT_FUNCTIONS: [&str; 8] = ["sine", "Sum", "foo", "sqr", "len", "int", "axis", "where_"];

/// A one-argument function, by index.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Func1(u8);
/// A two-argument function, by index.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Func2(u8);
/// A reduction, by index.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct RedOp(u8);

/// How a reduction's axis is given.
#[derive(Arbitrary, Debug, Clone, Copy)]
#[allow(missing_docs)]
pub enum AxisForm {
    Absent,
    Keyword(i8),
    Positional(i8),
    KeywordNone,
    Float,
    Bool,
    Variable,
    Twice,
}

const SPECIAL_INTS: [u64; 16] = [
    0,
    1,
    2,
    31,
    32,
    63,
    64,
    127,
    2147483647,
    2147483648,
    4294967295,
    9223372036854775807,
    9223372036854775808,
    18446744073709551615,
    1_000_000,
    65536,
];

const SPECIAL_FLOATS: [&str; 16] = [
    "0.0",
    "0.5",
    "1.",
    ".5",
    "1e308",
    "1e999",
    "2.5E-3",
    "1_000.5",
    "1e-320",
    "3.0e+10",
    "0e0",
    "1.7976931348623157e308",
    "5e-324",
    "123456789.125",
    "0.1",
    "2.0",
];

const RAW_TOKENS: [&str; 40] = [
    "and",
    "or",
    "not",
    "if",
    "else",
    "lambda",
    "in",
    "is",
    "None",
    "[0]",
    ";",
    "@",
    "=",
    ":",
    "×",
    "\0",
    "é",
    "a.b",
    "1__0",
    "01",
    "'open",
    ")",
    "(",
    "**",
    "...",
    "\t\n ",
    "0x",
    "1e",
    "b'\\xZZ'",
    "2a",
    ",",
    "axis=0",
    "a < b < c",
    "a > 1 & b < 6",
    "\u{202e}",
    "\\",
    "#",
    "$",
    "1.real",
    "_",
];

/// How deep [`render`] goes before writing a leaf.
const MAX_RENDER_DEPTH: usize = 48;

/// Renders `e` as text, naming variables from `names`.
pub fn render(e: &Expr, names: &[&str]) -> String {
    let mut out = String::new();
    render_into(&mut out, e, names, 0);
    out
}

fn float_text(lit: FloatLit) -> String {
    let FloatLit(sel, raw) = lit;
    match sel % 3 {
        0 => SPECIAL_FLOATS[usize::from(sel / 3) % SPECIAL_FLOATS.len()].to_string(),
        1 if raw.is_finite() => {
            let s = format!("{:?}", raw.abs());
            if s.contains(['.', 'e']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        _ => format!("{}.{}", sel / 3, (raw.to_bits() % 1000)),
    }
}

fn render_into(out: &mut String, e: &Expr, names: &[&str], depth: usize) {
    let name = |v: u8| names[usize::from(v) % names.len()];
    if depth > MAX_RENDER_DEPTH {
        out.push_str(name(0));
        return;
    }
    let d = depth + 1;
    match e {
        Expr::Var(v) => out.push_str(name(*v)),
        Expr::Int(sel, raw, form) => {
            let value = match sel % 3 {
                0 => raw % 10,
                1 => SPECIAL_INTS[(*raw as usize) % SPECIAL_INTS.len()],
                _ => *raw,
            };
            let text = match form % 4 {
                0 => format!("{value}"),
                1 => format!("0x{value:x}"),
                2 => format!("0o{value:o}"),
                _ => format!("0b{value:b}"),
            };
            if form & 4 != 0 && text.len() > 3 {
                // An underscore between two digits.
                let cut = text.len() - 1;
                out.push_str(&text[..cut]);
                out.push('_');
                out.push_str(&text[cut..]);
            } else {
                out.push_str(&text);
            }
        }
        Expr::Float(lit) => out.push_str(&float_text(*lit)),
        Expr::Imag(lit) => {
            out.push_str(&float_text(*lit));
            out.push(if lit.0 & 1 == 0 { 'j' } else { 'J' });
        }
        Expr::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Expr::Str(prefix, bytes) => {
            out.push_str(["", "b", "B", "r", "br", "Rb"][usize::from(*prefix) % 6]);
            let quote = if prefix & 8 == 0 { '\'' } else { '"' };
            out.push(quote);
            for &c in bytes.iter().take(8) {
                match c {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b' ' => out.push(char::from(c)),
                    0 if prefix & 16 != 0 => out.push_str("\\0"),
                    _ => {
                        let _ = write!(out, "\\x{c:02x}");
                    }
                }
            }
            out.push(quote);
        }
        Expr::Unary(op, x) => {
            out.push(match op {
                UnOp::Neg => '-',
                UnOp::Pos => '+',
                UnOp::Invert => '~',
            });
            render_into(out, x, names, d);
        }
        Expr::Binary(op, x, y, wrap) => {
            let (open, sep, close) = match wrap {
                Wrap::Bare => ("", "", ""),
                Wrap::Parens => ("(", " ", ")"),
                Wrap::Spaced => ("", " ", ""),
                Wrap::Newlines => ("", "\n", ""),
            };
            out.push_str(open);
            render_into(out, x, names, d);
            out.push_str(sep);
            out.push_str(op.symbol());
            out.push_str(sep);
            render_into(out, y, names, d);
            out.push_str(close);
        }
        Expr::Func1(Func1(k), x) => {
            out.push_str(FUNC1[usize::from(*k) % FUNC1.len()]);
            out.push('(');
            render_into(out, x, names, d);
            out.push(')');
        }
        Expr::Func2(Func2(k), x, y) => {
            out.push_str(FUNC2[usize::from(*k) % FUNC2.len()]);
            out.push('(');
            render_into(out, x, names, d);
            out.push_str(", ");
            render_into(out, y, names, d);
            out.push(')');
        }
        Expr::Where(c, x, y) => {
            out.push_str("where(");
            render_into(out, c, names, d);
            out.push_str(", ");
            render_into(out, x, names, d);
            out.push_str(", ");
            render_into(out, y, names, d);
            out.push(')');
        }
        Expr::Reduce(RedOp(k), x, axis) => {
            out.push_str(REDUCTIONS[usize::from(*k) % REDUCTIONS.len()]);
            out.push('(');
            render_into(out, x, names, d);
            match axis {
                AxisForm::Absent => {}
                AxisForm::Keyword(a) => {
                    let _ = write!(out, ", axis={}", a % 5);
                }
                AxisForm::Positional(a) => {
                    let _ = write!(out, ", {}", a % 5);
                }
                AxisForm::KeywordNone => out.push_str(", axis=None"),
                AxisForm::Float => out.push_str(", axis=1.0"),
                AxisForm::Bool => out.push_str(", axis=True"),
                AxisForm::Variable => {
                    out.push_str(", axis=");
                    out.push_str(name(0));
                }
                AxisForm::Twice => out.push_str(", axis=0, axis=1"),
            }
            out.push(')');
        }
        Expr::Attr(x, k) => {
            render_into(out, x, names, d);
            out.push_str([".real", ".imag", ".real", ".imag", ".T", ". real"][usize::from(*k) % 6]);
        }
        Expr::Paren(x) => {
            out.push('(');
            render_into(out, x, names, d);
            out.push(')');
        }
        Expr::AnyCall(k, args, keyword) => {
            let k = usize::from(*k);
            let all = FUNC1.len() + FUNC2.len() + REDUCTIONS.len() + 1 + NOT_FUNCTIONS.len();
            let f = match k % all {
                i if i < FUNC1.len() => FUNC1[i],
                i if i < FUNC1.len() + FUNC2.len() => FUNC2[i - FUNC1.len()],
                i if i < FUNC1.len() + FUNC2.len() + REDUCTIONS.len() => {
                    REDUCTIONS[i - FUNC1.len() - FUNC2.len()]
                }
                i if i == FUNC1.len() + FUNC2.len() + REDUCTIONS.len() => "where",
                i => NOT_FUNCTIONS[i - FUNC1.len() - FUNC2.len() - REDUCTIONS.len() - 1],
            };
            out.push_str(f);
            out.push('(');
            for (i, a) in args.iter().take(5).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(out, a, names, d);
            }
            if let Some((kw, value)) = keyword {
                if !args.is_empty() {
                    out.push_str(", ");
                }
                out.push_str(["axis", "out", "x", "casting"][usize::from(*kw) % 4]);
                out.push('=');
                render_into(out, value, names, d);
            }
            out.push(')');
        }
        Expr::Raw(k) => out.push_str(RAW_TOKENS[usize::from(*k) % RAW_TOKENS.len()]),
        Expr::Chain(op, count, x) => {
            // Long flat chains: many instructions, registers and nodes.
            let count = usize::from(*count) % 64;
            let mut operand = String::new();
            render_into(&mut operand, x, names, d);
            if operand.len() > 64 {
                operand.truncate(0);
                operand.push_str(name(0));
            }
            out.push_str(&operand);
            for _ in 0..count {
                out.push_str(op.symbol());
                out.push_str(&operand);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Random arrays

/// Recipe for one random input array.
#[derive(Arbitrary, Debug, Clone)]
pub struct ArraySpec {
    dtype: u8,
    ndim: u8,
    dims: [u8; 4],
    layout: u8,
    width: u8,
    values: Vec<u64>,
}

/// A random evaluation: an expression over up to four random arrays, a
/// thread count, and an output layout.
#[derive(Arbitrary, Debug, Clone)]
pub struct EvalCase {
    /// The expression.
    pub expr: Expr,
    /// The inputs, named `a`, `b`, `c`, `d` in order.
    pub arrays: Vec<ArraySpec>,
    /// Threads for the second evaluation (1 or 2) and output layout.
    pub flags: u8,
}

/// Dimension sizes, small ones most often; one large enough to make
/// several blocks and tasks.
const DIMS: [usize; 14] = [1, 1, 2, 3, 0, 4, 5, 1, 7, 2, 64, 65, 4097, 33000];

/// Largest number of elements of one random array.
const MAX_ELEMENTS: usize = 70_000;

/// Names of the random arrays.
pub const ARRAY_NAMES: [&str; 4] = ["a", "b", "c", "d"];

enum Storage {
    Bool(ArrayD<bool>),
    Int32(ArrayD<i32>),
    Int64(ArrayD<i64>),
    Float32(ArrayD<f32>),
    Float64(ArrayD<f64>),
    Complex128(ArrayD<Complex64>),
    Bytes(ArrayD<u8>),
}

/// A built random array: storage and how to view it.
pub struct Built {
    storage: Storage,
    layout: Layout,
    /// The logical shape the evaluator sees (without the string width).
    shape: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    Contiguous,
    Transposed,
    Step2,
    Reversed,
    /// Broadcast along the axis with zero stride.
    Broadcast(usize),
    /// One element broadcast to a shape with a huge dimension (2^40 and
    /// more, zero strides): results that large cannot be allocated.
    Huge,
    ReversedLast,
}

fn f64_of(raw: u64) -> f64 {
    const SPECIAL: [f64; 16] = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        -f64::MAX,
        1.0,
        -1.0,
        0.5,
        9007199254740993.0,
        2147483648.0,
        -2147483649.0,
        1e-300,
    ];
    match raw & 7 {
        0 => SPECIAL[(raw >> 3) as usize % SPECIAL.len()],
        1 => f64::from_bits(raw),
        _ => ((raw >> 3) % 401) as f64 / 8.0 - 25.0,
    }
}

fn i64_of(raw: u64) -> i64 {
    const SPECIAL: [i64; 14] = [
        i64::MIN,
        i64::MIN + 1,
        i32::MIN as i64,
        -1,
        0,
        1,
        2,
        31,
        32,
        63,
        64,
        i32::MAX as i64,
        i64::MAX,
        -64,
    ];
    match raw & 3 {
        0 => SPECIAL[(raw >> 2) as usize % SPECIAL.len()],
        1 => raw as i64,
        _ => ((raw >> 2) % 21) as i64 - 10,
    }
}

fn i32_of(raw: u64) -> i32 {
    match raw & 7 {
        0 => [i32::MIN, i32::MAX, i32::MIN + 1][(raw >> 3) as usize % 3],
        1 => raw as i32,
        _ => i64_of(raw >> 1).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
    }
}

fn byte_of(raw: u64) -> u8 {
    match raw % 6 {
        0 => 0,
        1 => 0xff,
        2 => b'a',
        3 => b'b',
        4 => b'c',
        _ => (raw >> 8) as u8,
    }
}

impl ArraySpec {
    /// Builds the array.
    pub fn build(&self) -> Built {
        let ndim = usize::from(self.ndim % 5);
        let mut shape = Vec::with_capacity(ndim);
        let mut total = 1usize;
        for k in 0..ndim {
            let mut d = DIMS[usize::from(self.dims[k]) % DIMS.len()];
            if total.saturating_mul(d) > MAX_ELEMENTS {
                d = 1;
            }
            total *= d;
            shape.push(d);
        }
        let mut layout = match self.layout % 6 {
            0 => Layout::Contiguous,
            1 => Layout::Transposed,
            2 => Layout::Step2,
            3 => Layout::Reversed,
            4 => Layout::Broadcast(usize::from(self.layout / 6) % ndim.max(1)),
            _ => Layout::ReversedLast,
        };
        if ndim == 0 {
            layout = Layout::Contiguous;
        }
        if let Layout::Broadcast(k) = layout
            && shape[k] <= 1
        {
            layout = Layout::Contiguous;
        }
        if layout == Layout::Step2 && total.saturating_mul(2) > MAX_ELEMENTS {
            layout = Layout::Reversed;
        }
        if self.layout % 23 == 22 && ndim > 0 {
            layout = Layout::Huge;
            let k = usize::from(self.dims[0]) % ndim;
            shape[k] = [1 << 40, 1 << 45, 1 << 59][usize::from(self.dims[1]) % 3];
            // ndarray bounds the product of the non-zero dimensions: keep
            // it at most 2^60 (times a string width of at most 4).
            let mut total = shape[k];
            for (j, d) in shape.iter_mut().enumerate() {
                if j != k {
                    if total.saturating_mul((*d).max(1)) > 1 << 60 {
                        *d = 1;
                    }
                    total *= (*d).max(1);
                }
            }
        }
        let mut stored: Vec<usize> = match layout {
            Layout::Transposed => shape.iter().rev().copied().collect(),
            Layout::Step2 => {
                let mut s = shape.clone();
                s[0] *= 2;
                s
            }
            Layout::Broadcast(k) => {
                let mut s = shape.clone();
                s[k] = 1;
                s
            }
            Layout::Huge => vec![1; ndim],
            _ => shape.clone(),
        };
        let dtype = self.dtype % 7;
        if dtype == 6 {
            stored.push(usize::from(self.width % 5));
        }
        let n: usize = stored.iter().product();
        let raw = |i: usize| -> u64 {
            if self.values.is_empty() {
                0
            } else {
                // Vary repeated values a little.
                let v = self.values[i % self.values.len()];
                v.wrapping_add((i / self.values.len()) as u64 * 0x9e37_79b9)
            }
        };
        fn make<T>(stored: &[usize], n: usize, f: impl Fn(usize) -> T) -> ArrayD<T> {
            ArrayD::from_shape_vec(IxDyn(stored), (0..n).map(f).collect()).expect("stored shape")
        }
        let storage = match dtype {
            0 => Storage::Bool(make(&stored, n, |i| raw(i) & 1 == 1)),
            1 => Storage::Int32(make(&stored, n, |i| i32_of(raw(i)))),
            2 => Storage::Int64(make(&stored, n, |i| i64_of(raw(i)))),
            3 => Storage::Float32(make(&stored, n, |i| f64_of(raw(i)) as f32)),
            4 => Storage::Float64(make(&stored, n, |i| f64_of(raw(i)))),
            5 => Storage::Complex128(make(&stored, n, |i| {
                let r = raw(i);
                Complex64::new(f64_of(r), f64_of(r.rotate_left(29) ^ 0x5555))
            })),
            _ => Storage::Bytes(make(&stored, n, |i| byte_of(raw(i)))),
        };
        Built {
            storage,
            layout,
            shape,
        }
    }
}

fn arrange<'a, T>(
    a: &'a ArrayD<T>,
    layout: Layout,
    shape: &[usize],
    bytes: bool,
) -> ArrayViewD<'a, T> {
    let v = a.view();
    let n = shape.len();
    match layout {
        Layout::Contiguous => v,
        Layout::Transposed => {
            let mut axes: Vec<usize> = (0..n).rev().collect();
            if bytes {
                axes.push(n);
            }
            v.permuted_axes(IxDyn(&axes))
        }
        Layout::Step2 => {
            let mut v = v;
            v.slice_axis_inplace(Axis(0), Slice::new(0, None, 2));
            v
        }
        Layout::Reversed => {
            let mut v = v;
            v.invert_axis(Axis(0));
            v
        }
        Layout::Broadcast(_) | Layout::Huge => {
            let mut full = shape.to_vec();
            if bytes {
                full.push(*a.shape().last().expect("width axis"));
            }
            a.broadcast(IxDyn(&full))
                .expect("broadcast to the logical shape")
        }
        Layout::ReversedLast => {
            let mut v = v;
            v.invert_axis(Axis(n - 1));
            v
        }
    }
}

impl Built {
    /// Whether the array has a huge (zero-stride) dimension.
    pub fn is_huge(&self) -> bool {
        self.layout == Layout::Huge
    }

    /// The array as the evaluator gets it (a view in the recipe's layout).
    pub fn input(&self) -> Input<'_> {
        let (l, s) = (self.layout, &self.shape);
        match &self.storage {
            Storage::Bool(a) => arrange(a, l, s, false).into_input(),
            Storage::Int32(a) => arrange(a, l, s, false).into_input(),
            Storage::Int64(a) => arrange(a, l, s, false).into_input(),
            Storage::Float32(a) => arrange(a, l, s, false).into_input(),
            Storage::Float64(a) => arrange(a, l, s, false).into_input(),
            Storage::Complex128(a) => arrange(a, l, s, false).into_input(),
            Storage::Bytes(a) => Input::Bytes(arrange(a, l, s, true).into()),
        }
    }

    /// The same values as a C-contiguous array.
    pub fn contiguous(&self) -> Input<'static> {
        fn own<T: Clone>(v: ArrayViewD<'_, T>) -> ArrayD<T> {
            v.as_standard_layout().into_owned()
        }
        let (l, s) = (self.layout, &self.shape);
        match &self.storage {
            Storage::Bool(a) => own(arrange(a, l, s, false)).into_input(),
            Storage::Int32(a) => own(arrange(a, l, s, false)).into_input(),
            Storage::Int64(a) => own(arrange(a, l, s, false)).into_input(),
            Storage::Float32(a) => own(arrange(a, l, s, false)).into_input(),
            Storage::Float64(a) => own(arrange(a, l, s, false)).into_input(),
            Storage::Complex128(a) => own(arrange(a, l, s, false)).into_input(),
            Storage::Bytes(a) => Input::Bytes(own(arrange(a, l, s, true)).into()),
        }
    }

    /// The element at the (broadcast) result index `idx`, as a 0-d input.
    fn element(&self, idx: &[usize]) -> Input<'static> {
        let n = self.shape.len();
        let at: Vec<usize> = self
            .shape
            .iter()
            .enumerate()
            .map(|(j, &d)| if d == 1 { 0 } else { idx[idx.len() - n + j] })
            .collect();
        fn pick<T: Clone>(v: ArrayViewD<'_, T>, at: &[usize]) -> ArrayD<T> {
            ndarray::arr0(v[IxDyn(at)].clone()).into_dyn()
        }
        let (l, s) = (self.layout, &self.shape);
        match &self.storage {
            Storage::Bool(a) => pick(arrange(a, l, s, false), &at).into_input(),
            Storage::Int32(a) => pick(arrange(a, l, s, false), &at).into_input(),
            Storage::Int64(a) => pick(arrange(a, l, s, false), &at).into_input(),
            Storage::Float32(a) => pick(arrange(a, l, s, false), &at).into_input(),
            Storage::Float64(a) => pick(arrange(a, l, s, false), &at).into_input(),
            Storage::Complex128(a) => pick(arrange(a, l, s, false), &at).into_input(),
            Storage::Bytes(a) => {
                let mut v = arrange(a, l, s, true);
                for &i in &at {
                    v.index_axis_inplace(Axis(0), i);
                }
                Input::Bytes(v.to_owned().into())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Comparing values

/// Whether two values are equal: same dtype and shape, and element-wise
/// equal (NaN matches NaN).  With `tolerance`, floats may differ by a
/// relative `1e-12` (float64) or `1e-5` (float32).
pub fn same_value(a: &Value, b: &Value, tolerance: bool) -> Result<(), String> {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return Err(format!(
            "{} {:?} vs {} {:?}",
            a.dtype(),
            a.shape(),
            b.dtype(),
            b.shape()
        ));
    }
    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x.is_nan() && y.is_nan())
            || x.to_bits() == y.to_bits()
            || (tol > 0.0 && (x - y).abs() <= tol * (1e-300 + x.abs().max(y.abs())))
            || (x == y && x == 0.0)
    }
    let t64 = if tolerance { 1e-12 } else { 0.0 };
    let t32 = if tolerance { 1e-5 } else { 0.0 };
    let bad = |i: usize, x: String, y: String| Err(format!("element {i}: {x} vs {y}"));
    macro_rules! cmp {
        ($x:expr, $y:expr, |$p:ident, $q:ident| $ok:expr) => {
            for (i, ($p, $q)) in $x.iter().zip($y.iter()).enumerate() {
                if !$ok {
                    return bad(i, format!("{:?}", $p), format!("{:?}", $q));
                }
            }
        };
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => cmp!(x, y, |p, q| p == q),
        (Value::Int32(x), Value::Int32(y)) => cmp!(x, y, |p, q| p == q),
        (Value::Int64(x), Value::Int64(y)) => cmp!(x, y, |p, q| p == q),
        (Value::Float32(x), Value::Float32(y)) => {
            cmp!(x, y, |p, q| close(f64::from(*p), f64::from(*q), t32))
        }
        (Value::Float64(x), Value::Float64(y)) => cmp!(x, y, |p, q| close(*p, *q, t64)),
        (Value::Complex128(x), Value::Complex128(y)) => {
            cmp!(x, y, |p, q| close(p.re, q.re, t64)
                && close(p.im, q.im, t64))
        }
        (Value::Bytes(x), Value::Bytes(y)) => {
            if x.shape() != y.shape() {
                return Err(format!("byte strings {:?} vs {:?}", x.shape(), y.shape()));
            }
            cmp!(x, y, |p, q| p == q)
        }
        _ => unreachable!("dtypes compared above"),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The random-array target

/// Whether to print each case (`NDEXPR_FUZZ_DEBUG=1`, to replay a crash).
pub fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("NDEXPR_FUZZ_DEBUG").is_some())
}

/// Results with more elements than this are not evaluated by
/// [`check_case`] (a few hundred MB at most, for the 2 GB RSS limit).
const MAX_RESULT_ELEMENTS: usize = 1 << 25;

/// Runs one random evaluation and checks its invariants.
pub fn check_case(case: &EvalCase) {
    let built: Vec<Built> = case.arrays.iter().take(4).map(ArraySpec::build).collect();
    let names = &ARRAY_NAMES[..built.len().max(1)];
    let src = render(&case.expr, names);
    let mut vars = Vars::new();
    for (name, b) in names.iter().zip(&built) {
        vars.insert(*name, b.input());
    }
    if debug() {
        eprintln!("expression: {src:?}");
        for (name, b) in names.iter().zip(&built) {
            let input = b.input();
            eprintln!(
                "  {name}: {} {:?} width {} {:?}",
                input.dtype(),
                input.shape(),
                input.width(),
                b.layout
            );
        }
    }
    let expr = match Expression::for_vars(&src, &vars) {
        Ok(e) => e,
        Err(e) => {
            check_error(&src, &e);
            return;
        }
    };
    let serial = Options::serial();
    if built.iter().any(Built::is_huge) {
        check_huge(&src, &expr, &vars);
        return;
    }
    // A reduction over a zero-length axis of a large input (or a broadcast
    // of large shapes) has a legitimately large result; evaluating it
    // would only measure the machine's memory.  Check the prediction only.
    if let Ok(shape) = expr.result_shape(&vars) {
        let elements = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .unwrap_or(usize::MAX);
        if elements > MAX_RESULT_ELEMENTS {
            return;
        }
    }
    let threads = NonZeroUsize::new(usize::from(case.flags & 1) + 1).expect("1 or 2");
    let parallel = Options::new().threads(Threads::Max(threads));
    let first = check_evaluation(&src, &expr, &vars, &serial);
    let second = expr.evaluate_with(&vars, &parallel);
    let Some(first) = first else {
        let e = second.expect_err("serial evaluation failed but parallel succeeded");
        assert!(
            matches!(e.kind(), ErrorKind::Shape | ErrorKind::Reduction),
            "{e}"
        );
        return;
    };
    let second =
        second.unwrap_or_else(|e| panic!("{src:?}: serial succeeded, {threads} threads: {e}"));
    if let Err(why) = same_value(&first, &second, false) {
        panic!("{src:?}: serial and {threads}-thread results differ: {why}");
    }
    // The same values in C order give the same result.
    let mut cvars = Vars::new();
    let owned: Vec<Input<'static>> = built.iter().map(Built::contiguous).collect();
    for (name, input) in names.iter().zip(&owned) {
        cvars.insert(*name, input.reborrow());
    }
    let third = expr
        .evaluate_with(&cvars, &serial)
        .unwrap_or_else(|e| panic!("{src:?}: fails on contiguous copies: {e}"));
    if let Err(why) = same_value(&first, &third, false) {
        panic!("{src:?}: strided and contiguous inputs differ: {why}");
    }
    let reduction = expr.program().reduction.is_some();
    if !reduction {
        check_into(&src, &expr, &vars, &first, case.flags);
    }
    // Element by element, with 0-d inputs, for small results.
    let len: usize = first.shape().iter().product();
    if !reduction && first.dtype() != DType::Bytes && len <= 24 && !first.shape().is_empty() {
        let shape = first.shape().to_vec();
        for flat in 0..len {
            let mut idx = vec![0usize; shape.len()];
            let mut r = flat;
            for k in (0..shape.len()).rev() {
                idx[k] = r % shape[k];
                r /= shape[k];
            }
            // Only the variables the expression reads broadcast with the
            // result; the others are not bound.
            let read = |name: &str| expr.inputs().iter().any(|d| d.name == name);
            let elems: Vec<Option<Input<'static>>> = names
                .iter()
                .zip(&built)
                .map(|(name, b)| read(name).then(|| b.element(&idx)))
                .collect();
            let mut evars = Vars::new();
            for (name, input) in names.iter().zip(&elems) {
                if let Some(input) = input {
                    evars.insert(*name, input.reborrow());
                }
            }
            let one = expr
                .evaluate_with(&evars, &serial)
                .unwrap_or_else(|e| panic!("{src:?}: fails on element {idx:?}: {e}"));
            let whole = element_of(&first, &idx);
            if let Err(why) = same_value(&whole, &one, true) {
                panic!("{src:?}: element {idx:?} differs from its 0-d evaluation: {why}");
            }
        }
    }
}

/// With a huge input, the result shape is still known, and an elementwise
/// result is a shape error (too large to allocate, or to count) unless it
/// is empty or does not read the huge input.  Reductions over huge inputs
/// would do that much work, so they are not run.
fn check_huge(src: &str, expr: &Expression, vars: &Vars<'_>) {
    let shape = match expr.result_shape(vars) {
        Ok(shape) => shape,
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Shape | ErrorKind::Reduction),
                "{src:?}: {e}"
            );
            check_error(src, &e);
            return;
        }
    };
    if expr.program().reduction.is_some() {
        return;
    }
    let len = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if len.is_some_and(|n| n <= 1 << 24) {
        // Small after all (the huge input is unused or the result empty).
        check_evaluation(src, expr, vars, &Options::serial());
        return;
    }
    let e = match expr.evaluate_with(vars, &Options::serial()) {
        // Zero-width byte strings: any number of them holds no bytes.
        Ok(v) if v.as_bytes().is_some_and(|b| b.is_empty()) => {
            assert_eq!(v.shape(), shape.as_slice(), "{src:?}");
            return;
        }
        Ok(v) => panic!("{src:?}: a result of shape {:?} was allocated", v.shape()),
        Err(e) => e,
    };
    assert_eq!(e.kind(), ErrorKind::Shape, "{src:?}: {e}");
    check_error(src, &e);
}

/// The element of `v` at `idx`, as a 0-d value.
fn element_of(v: &Value, idx: &[usize]) -> Value {
    let i = IxDyn(idx);
    match v {
        Value::Bool(a) => Value::Bool(ndarray::arr0(a[i]).into_dyn()),
        Value::Int32(a) => Value::Int32(ndarray::arr0(a[i]).into_dyn()),
        Value::Int64(a) => Value::Int64(ndarray::arr0(a[i]).into_dyn()),
        Value::Float32(a) => Value::Float32(ndarray::arr0(a[i]).into_dyn()),
        Value::Float64(a) => Value::Float64(ndarray::arr0(a[i]).into_dyn()),
        Value::Complex128(a) => Value::Complex128(ndarray::arr0(a[i]).into_dyn()),
        Value::Bytes(_) => unreachable!("numeric results only"),
    }
}

/// `evaluate_into` a C-order, transposed or strided output gives the same
/// values as `evaluate`.
fn check_into(src: &str, expr: &Expression, vars: &Vars<'_>, want: &Value, flags: u8) {
    fn run<T: ndexpr::Element + Clone + Default>(
        src: &str,
        expr: &Expression,
        vars: &Vars<'_>,
        want: &Value,
        layout: u8,
    ) {
        let shape = want.shape().to_vec();
        let mut storage: ArrayD<T>;
        let got = match layout % 3 {
            0 => {
                storage = ArrayD::default(IxDyn(&shape));
                expr.evaluate_into(vars, storage.view_mut(), &Options::serial())
                    .map(|()| storage.clone())
            }
            1 => {
                let rev: Vec<usize> = shape.iter().rev().copied().collect();
                storage = ArrayD::default(IxDyn(&rev));
                let out = storage.view_mut().reversed_axes();
                expr.evaluate_into(vars, out, &Options::serial())
                    .map(|()| storage.t().as_standard_layout().into_owned())
            }
            _ => {
                let mut big = shape.clone();
                if let Some(d) = big.last_mut() {
                    *d *= 2;
                }
                storage = ArrayD::default(IxDyn(&big));
                let n = shape.len();
                let mut out = storage.view_mut();
                if n > 0 {
                    out.slice_axis_inplace(Axis(n - 1), Slice::new(0, None, 2));
                }
                expr.evaluate_into(vars, out, &Options::serial()).map(|()| {
                    let mut v = storage.view();
                    if n > 0 {
                        v.slice_axis_inplace(Axis(n - 1), Slice::new(0, None, 2));
                    }
                    v.as_standard_layout().into_owned()
                })
            }
        };
        let got = got.unwrap_or_else(|e| panic!("{src:?}: evaluate_into failed: {e}"));
        if let Err(why) = same_value(&T::value(got), want, false) {
            panic!(
                "{src:?}: evaluate_into (layout {}) differs: {why}",
                layout % 3
            );
        }
    }
    let layout = flags >> 1;
    match want.dtype() {
        DType::Bool => run::<bool>(src, expr, vars, want, layout),
        DType::Int32 => run::<i32>(src, expr, vars, want, layout),
        DType::Int64 => run::<i64>(src, expr, vars, want, layout),
        DType::Float32 => run::<f32>(src, expr, vars, want, layout),
        DType::Float64 => run::<f64>(src, expr, vars, want, layout),
        DType::Complex128 => run::<Complex64>(src, expr, vars, want, layout),
        DType::Bytes => {}
    }
}

/// Builds an [`EvalCase`] from raw fuzzer bytes.
pub fn eval_case(data: &[u8]) -> Option<EvalCase> {
    EvalCase::arbitrary_take_rest(Unstructured::new(data)).ok()
}

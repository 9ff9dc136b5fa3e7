//! Seeded generation of test cases: random well-typed (mostly) expressions
//! over random inputs of every dtype, shape, layout and special value.
//!
//! Everything comes from one `u64` seed through [`Rng`], so a case is
//! reproduced exactly from its seed.

use crate::reference::V;
use ndexpr::{DType, Threads};
use std::collections::BTreeSet;
use std::fmt;
use std::num::NonZeroUsize;

// ---------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------

/// SplitMix64: small, fast and good enough for test generation.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.u64() % n as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }

    /// An index chosen with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!("weights sum to total")
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// Combines two seeds into one (for per-case seeds).
pub fn mix(a: u64, b: u64) -> u64 {
    Rng::new(a ^ b.wrapping_mul(0xd1b5_4a32_d192_ed03)).u64()
}

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

/// The axis argument of a reduction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AxisArg {
    All,
    Keyword(i64),
    Positional(i64),
    KeywordNone,
}

/// An expression as generated (printed fully parenthesized).
#[derive(Clone, Debug, PartialEq)]
pub enum Ex {
    Var(String),
    Lit(String),
    Unary(&'static str, Box<Ex>),
    Binary(&'static str, Box<Ex>, Box<Ex>),
    Call(&'static str, Vec<Ex>),
    Attr(Box<Ex>, &'static str),
    Reduce(&'static str, Box<Ex>, AxisArg),
}

impl fmt::Display for Ex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ex::Var(n) | Ex::Lit(n) => f.write_str(n),
            Ex::Unary(op, x) => write!(f, "({op}{x})"),
            Ex::Binary(op, a, b) => write!(f, "({a} {op} {b})"),
            Ex::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Ex::Attr(x, attr) => match **x {
                Ex::Var(_) | Ex::Call(..) => write!(f, "{x}.{attr}"),
                _ => write!(f, "({x}).{attr}"),
            },
            Ex::Reduce(name, x, axis) => match axis {
                AxisArg::All => write!(f, "{name}({x})"),
                AxisArg::Keyword(k) => write!(f, "{name}({x}, axis={k})"),
                AxisArg::Positional(k) => write!(f, "{name}({x}, {k})"),
                AxisArg::KeywordNone => write!(f, "{name}({x}, axis=None)"),
            },
        }
    }
}

impl Ex {
    fn children(&self) -> Vec<&Ex> {
        match self {
            Ex::Var(_) | Ex::Lit(_) => vec![],
            Ex::Unary(_, x) | Ex::Attr(x, _) | Ex::Reduce(_, x, _) => vec![x],
            Ex::Binary(_, a, b) => vec![a, b],
            Ex::Call(_, args) => args.iter().collect(),
        }
    }

    /// Number of nodes.
    pub fn size(&self) -> usize {
        1 + self.children().iter().map(|c| c.size()).sum::<usize>()
    }

    /// The node with pre-order index `idx`.
    pub fn node(&self, idx: usize) -> &Ex {
        if idx == 0 {
            return self;
        }
        let mut rest = idx - 1;
        for c in self.children() {
            let s = c.size();
            if rest < s {
                return c.node(rest);
            }
            rest -= s;
        }
        panic!("node index out of range")
    }

    /// A copy with the node of pre-order index `idx` replaced by `new`.
    pub fn replace(&self, idx: usize, new: &Ex) -> Ex {
        if idx == 0 {
            return new.clone();
        }
        let mut offset = 1;
        let mut step = |c: &Ex| -> Ex {
            let s = c.size();
            let out = if (offset..offset + s).contains(&idx) {
                c.replace(idx - offset, new)
            } else {
                c.clone()
            };
            offset += s;
            out
        };
        match self {
            Ex::Var(_) | Ex::Lit(_) => panic!("node index out of range"),
            Ex::Unary(op, x) => Ex::Unary(op, Box::new(step(x))),
            Ex::Attr(x, a) => Ex::Attr(Box::new(step(x)), a),
            Ex::Reduce(n, x, ax) => Ex::Reduce(n, Box::new(step(x)), *ax),
            Ex::Binary(op, a, b) => {
                let a = step(a);
                let b = step(b);
                Ex::Binary(op, Box::new(a), Box::new(b))
            }
            Ex::Call(n, args) => Ex::Call(n, args.iter().map(&mut step).collect()),
        }
    }

    /// Names of the variables read.
    pub fn vars(&self, out: &mut BTreeSet<String>) {
        if let Ex::Var(n) = self {
            out.insert(n.clone());
        }
        for c in self.children() {
            c.vars(out);
        }
    }

    /// The expression with every literal written `K`, every variable `x`
    /// and every reduction axis `axis=0` (to group failures of one form).
    pub fn skeleton(&self) -> String {
        let mut e = self.clone();
        for idx in 0..e.size() {
            let plain = match e.node(idx) {
                Ex::Lit(_) => Ex::Lit("K".into()),
                Ex::Var(_) => Ex::Var("x".into()),
                Ex::Reduce(n, x, AxisArg::Keyword(_) | AxisArg::Positional(_)) => {
                    Ex::Reduce(n, x.clone(), AxisArg::Keyword(0))
                }
                _ => continue,
            };
            e = e.replace(idx, &plain);
        }
        e.to_string()
    }

    /// Direct sub-expressions (for shrinking).
    pub fn subexpressions(&self) -> Vec<Ex> {
        self.children().into_iter().cloned().collect()
    }
}

// ---------------------------------------------------------------------------
// Inputs and cases
// ---------------------------------------------------------------------------

/// How an input array is handed to ndexpr (always a view of a stored
/// array, never a copy).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum View {
    /// As stored, C-contiguous.
    Contiguous,
    /// Stored with its (logical) axes reversed, viewed transposed.
    Transposed,
    /// Every `n`-th element of axis 0 (negative: from the end).
    Step(isize),
    /// Stored with length 1 on this axis, viewed broadcast (stride 0).
    Broadcast(usize),
}

/// One input variable.
#[derive(Clone, Debug)]
pub struct VarSpec {
    pub name: String,
    pub dtype: DType,
    /// Logical shape (byte strings: without the width axis).
    pub shape: Vec<usize>,
    /// Byte strings: `Some(width)`, or `None` for a 0-d `u8` array (no width
    /// axis at all).  Numbers: `None`.
    pub width: Option<usize>,
    /// Logical elements in C order.
    pub data: Vec<V>,
    pub view: View,
    /// Pass a 0-d number as a Rust scalar (`vars.insert("k", 2.5)`).
    pub scalar: bool,
}

/// Where `evaluate_into` writes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutLayout {
    Contiguous,
    /// A transposed view of a C-order array.
    Transposed,
    /// Every second row of a larger array.
    Step2,
    /// An output of another shape, derived from the result's: 0: an extra
    /// leading axis of length 2; 1: the last axis one longer; 2: an extra
    /// trailing axis of length 3; 3: without the first axis.  The result
    /// is broadcast to it where NumPy allows, otherwise a `shape` error.
    OtherShape(u8),
    /// An output of another dtype (must be a `type` error).
    WrongDtype,
}

/// Which API evaluates the case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// `Expression::new` + `evaluate_with`.
    Compiled,
    /// The cached free function `evaluate_with`.
    Cached,
    /// `Expression::evaluate_into`.
    Into(OutLayout),
    /// One `Expression` evaluated from three threads at once.
    Concurrent,
}

/// A complete test case.
#[derive(Clone, Debug)]
pub struct Case {
    pub vars: Vec<VarSpec>,
    pub expr: Ex,
    pub threads: Threads,
    pub mode: Mode,
}

/// The size class of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// At most a few dozen elements.
    Small,
    /// Lengths around the block (512), smallest task (8192) and task (32768)
    /// sizes.
    Threshold,
}

pub const VAR_NAMES: [&str; 4] = ["a", "b", "c", "d"];
/// An extra variable that the expression never reads.
pub const UNUSED: &str = "unused";

/// Generates the case for `seed`.
pub fn case(seed: u64, size: Size) -> Case {
    let mut rng = Rng::new(seed);
    let target = match size {
        Size::Small => small_shape(&mut rng),
        Size::Threshold => threshold_shape(&mut rng),
    };
    let nvars = 1 + rng.weighted(&[3, 4, 2, 1]);
    let mut vars: Vec<VarSpec> = (0..nvars)
        .map(|i| var(&mut rng, VAR_NAMES[i], &target, size))
        .collect();
    if rng.chance(0.08) {
        let shape = small_shape(&mut rng);
        vars.push(var(&mut rng, UNUSED, &shape, Size::Small));
    }
    let typed: Vec<(String, DType)> = vars
        .iter()
        .filter(|v| v.name != UNUSED)
        .map(|v| (v.name.clone(), v.dtype))
        .collect();
    let max_depth = match size {
        Size::Small => rng.weighted(&[1, 3, 4, 4, 3, 2]) as u32,
        Size::Threshold => rng.weighted(&[1, 3, 3, 2]) as u32,
    };
    let mut g = Gen {
        rng: &mut rng,
        vars: typed,
        pool: Vec::new(),
    };
    let want = [
        Want::Any,
        Want::Real,
        Want::Float,
        Want::Int,
        Want::Bool,
        Want::Bytes,
    ][g.rng.weighted(&[35, 25, 10, 15, 12, 3])];
    let mut expr = g.expr(max_depth, want);
    if want != Want::Bytes && g.rng.chance(0.2) {
        expr = g.reduction(expr, target.len());
    }
    let threads = match rng.weighted(&[3, 3, 1, 2, 2]) {
        0 => Threads::Serial,
        1 => Threads::Auto,
        k => Threads::Max(NonZeroUsize::new(k - 1).expect("1..=3")),
    };
    let mode = match rng.weighted(&[6, 2, 1, 3]) {
        0 => Mode::Compiled,
        1 => Mode::Cached,
        2 => Mode::Concurrent,
        _ => Mode::Into(
            [
                OutLayout::Contiguous,
                OutLayout::Transposed,
                OutLayout::Step2,
                OutLayout::OtherShape(rng.below(4) as u8),
                OutLayout::WrongDtype,
            ][rng.weighted(&[3, 2, 2, 3, 1])],
        ),
    };
    Case {
        vars,
        expr,
        threads,
        mode,
    }
}

fn small_shape(rng: &mut Rng) -> Vec<usize> {
    let ndim = rng.weighted(&[2, 4, 4, 2, 1]);
    let dims = [0usize, 1, 2, 3, 4, 5, 7];
    let mut shape: Vec<usize> = (0..ndim)
        .map(|_| dims[rng.weighted(&[1, 3, 4, 4, 2, 2, 1])])
        .collect();
    while shape.iter().product::<usize>() > 64 {
        let k = (0..shape.len())
            .max_by_key(|&k| shape[k])
            .expect("ndim > 0");
        shape[k] -= 1;
    }
    shape
}

fn threshold_shape(rng: &mut Rng) -> Vec<usize> {
    let shapes: [&[usize]; 28] = [
        &[511],
        &[513],
        &[3, 513],
        &[1025, 2],
        &[4095],
        &[4096],
        &[4097],
        &[8191],
        &[8192],
        &[8193],
        &[16383],
        &[16385],
        &[32767],
        &[32768],
        &[32769],
        &[65537],
        &[2, 4097],
        &[3, 4095],
        &[4097, 2],
        &[2, 2, 8193],
        &[8, 4097],
        &[1, 32769],
        &[32769, 1],
        &[5, 6600],
        &[2, 33000],
        &[33000, 2],
        &[3, 11000],
        &[129, 257],
    ];
    rng.pick(&shapes).to_vec()
}

/// A variable broadcastable (usually) to `target`.
fn var(rng: &mut Rng, name: &str, target: &[usize], size: Size) -> VarSpec {
    let dtype = [
        DType::Bool,
        DType::Int32,
        DType::Int64,
        DType::Float32,
        DType::Float64,
        DType::Complex128,
        DType::Bytes,
    ][rng.weighted(&[2, 3, 3, 3, 4, 3, 1])];
    let mut shape: Vec<usize> = if rng.chance(0.12) {
        Vec::new()
    } else {
        let keep = if size == Size::Threshold || rng.chance(0.6) {
            target.len()
        } else {
            rng.below(target.len() + 1)
        };
        target[target.len() - keep..]
            .iter()
            .map(|&d| if rng.chance(0.2) { 1 } else { d })
            .collect()
    };
    if !shape.is_empty() && rng.chance(0.03) {
        // Most likely not broadcastable any more.
        let k = rng.below(shape.len());
        shape[k] += 1 + rng.below(2);
    }
    if size == Size::Small && rng.chance(0.03) {
        // An extra leading axis the target does not have.
        shape.insert(0, 2);
    }
    let width = (dtype == DType::Bytes).then(|| rng.weighted(&[1, 3, 4, 3, 2]));
    let width = if dtype == DType::Bytes && shape.is_empty() && rng.chance(0.05) {
        None
    } else {
        width
    };
    let ndim = shape.len();
    let broadcastable: Vec<usize> = (0..ndim).filter(|&k| shape[k] > 1).collect();
    let view = match rng.weighted(&[6, 2, 2, 1, 1, 1]) {
        1 if ndim >= 2 => View::Transposed,
        2 if ndim >= 1 => View::Step(2),
        3 if ndim >= 1 => View::Step(-1),
        4 if ndim >= 1 => View::Step(-2),
        5 if !broadcastable.is_empty() => View::Broadcast(rng.pick(&broadcastable)),
        _ => View::Contiguous,
    };
    let total: usize = shape.iter().product();
    let mut data: Vec<V> = if dtype == DType::Bytes && width.is_none() {
        vec![V::S(vec![rng.pick(&BYTE_ALPHABET)])]
    } else {
        (0..total)
            .map(|_| value(rng, dtype, width.unwrap_or(0)))
            .collect()
    };
    if let View::Broadcast(axis) = view {
        constant_along(&mut data, &shape, axis);
    }
    VarSpec {
        name: name.to_string(),
        dtype,
        shape,
        width,
        data,
        view,
        scalar: dtype != DType::Bytes && ndim == 0 && rng.chance(0.3),
    }
}

/// Makes `data` (of logical `shape`) constant along `axis` by copying index
/// 0 of that axis everywhere.
pub fn constant_along(data: &mut [V], shape: &[usize], axis: usize) {
    let inner: usize = shape[axis + 1..].iter().product();
    let run = shape[axis];
    for flat in 0..data.len() {
        let i = (flat / inner) % run;
        if i != 0 {
            data[flat] = data[flat - i * inner].clone();
        }
    }
}

const BYTE_ALPHABET: [u8; 6] = [b'a', b'b', b'c', 0, 0xff, b'a'];

fn int_value(rng: &mut Rng, specials: &[i64]) -> i64 {
    match rng.weighted(&[6, 3, 1]) {
        0 => rng.below(21) as i64 - 10,
        1 => rng.pick(specials),
        _ => rng.u64() as i64,
    }
}

const F64_SPECIALS: [f64; 28] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.5,
    -2.5,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e308,
    -1e308,
    f64::MAX,
    f64::MIN_POSITIVE,
    5e-324,
    1e-300,
    1e300,
    20.5,
    -20.5,
    1e10,
    710.0,
    3e38,
    1e-45,
    1e16,
    -7.0,
    9007199254740993.0,
    0.1,
];

const F32_SPECIALS: [f32; 24] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.5,
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    3.4e38,
    f32::MAX,
    f32::MIN_POSITIVE,
    1e-45,
    1e-38,
    16777217.0,
    1e10,
    88.7,
    -103.0,
    20.5,
    -7.0,
    0.1,
    65504.0,
    1e-7,
];

fn f64_value(rng: &mut Rng) -> f64 {
    match rng.weighted(&[4, 3, 3, 1]) {
        0 => (rng.below(81) as f64 - 40.0) / 4.0,
        1 => rng.uniform(-3.0, 3.0),
        2 => rng.pick(&F64_SPECIALS),
        _ => f64::from_bits(rng.u64()),
    }
}

fn f32_value(rng: &mut Rng) -> f32 {
    match rng.weighted(&[4, 3, 3, 1]) {
        0 => (rng.below(81) as f32 - 40.0) / 4.0,
        1 => rng.uniform(-3.0, 3.0) as f32,
        2 => rng.pick(&F32_SPECIALS),
        _ => f32::from_bits(rng.u64() as u32),
    }
}

/// A random element, special values included.
pub fn value(rng: &mut Rng, dtype: DType, width: usize) -> V {
    match dtype {
        DType::Bool => V::B(rng.chance(0.5)),
        DType::Int32 => {
            let specials = [
                i64::from(i32::MIN),
                i64::from(i32::MIN) + 1,
                i64::from(i32::MAX),
                i64::from(i32::MAX) - 1,
                -1,
                0,
                1,
                2,
                31,
                32,
                33,
                63,
                64,
                -31,
                -32,
                -33,
                46341,
                65536,
            ];
            V::I(int_value(rng, &specials) as i32)
        }
        DType::Int64 => {
            let specials = [
                i64::MIN,
                i64::MIN + 1,
                i64::MAX,
                i64::MAX - 1,
                -1,
                0,
                1,
                2,
                31,
                32,
                63,
                64,
                65,
                -63,
                -64,
                1 << 31,
                -(1 << 31) - 1,
                1 << 32,
                3037000500,
                1 << 53,
            ];
            V::L(int_value(rng, &specials))
        }
        DType::Float32 => V::F(f32_value(rng)),
        DType::Float64 => V::D(f64_value(rng)),
        DType::Complex128 => {
            let re = f64_value(rng);
            let im = if rng.chance(0.25) {
                0.0
            } else {
                f64_value(rng)
            };
            V::C(re, im)
        }
        DType::Bytes => {
            let len = if width == 0 { 0 } else { rng.below(width + 1) };
            let mut s: Vec<u8> = (0..len).map(|_| rng.pick(&BYTE_ALPHABET)).collect();
            s.resize(width, 0);
            V::S(s)
        }
    }
}

/// A simple value of the dtype (for shrinking data).
pub fn simple_value(dtype: DType, width: usize, one: bool) -> V {
    let k = u8::from(one);
    match dtype {
        DType::Bool => V::B(one),
        DType::Int32 => V::I(i32::from(k)),
        DType::Int64 => V::L(i64::from(k)),
        DType::Float32 => V::F(f32::from(k)),
        DType::Float64 => V::D(f64::from(k)),
        DType::Complex128 => V::C(f64::from(k), 0.0),
        DType::Bytes => {
            let mut s = if one { b"a".to_vec() } else { Vec::new() };
            s.resize(width, 0);
            V::S(s)
        }
    }
}

// ---------------------------------------------------------------------------
// Expression generation
// ---------------------------------------------------------------------------

/// What kind of value an expression should (approximately) have.  The
/// generator's typing is only a guide; `ndexpr::infer` decides.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    /// Any number, complex included.
    Any,
    /// bool, integers and floats.
    Real,
    /// float32 / float64 preferred.
    Float,
    /// int32 / int64.
    Int,
    Bool,
    Bytes,
}

impl Want {
    fn admits(self, d: DType) -> bool {
        use DType::*;
        match self {
            Want::Any => d != Bytes,
            Want::Real => !matches!(d, Complex128 | Bytes),
            Want::Float => matches!(d, Float32 | Float64),
            Want::Int => matches!(d, Int32 | Int64),
            Want::Bool => d == Bool,
            Want::Bytes => d == Bytes,
        }
    }
}

const INT_LITERALS: [&str; 17] = [
    "0",
    "1",
    "2",
    "3",
    "7",
    "31",
    "32",
    "63",
    "2147483647",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "46341",
];
const FLOAT_LITERALS: [&str; 14] = [
    "0.0", "0.5", "1.", ".25", "2.5", "1e3", "1e-300", "1e308", "1e999", "3.0", "1e-45", "2.5E-3",
    "0.1", "710.0",
];
const IMAG_LITERALS: [&str; 4] = ["2j", "0.5J", "1e400j", "0j"];
const BYTES_LITERALS: [&str; 8] = [
    "b''",
    "b'a'",
    "b'ab'",
    "b'b\\x00'",
    "b'\\x00b'",
    "'bc'",
    "b'\\xff'",
    "b\"abc\"",
];
/// Exponents of `x ** c`: integral and half-integral ones are expanded
/// into multiplications (`|c| <= 50`), others are `pow` calls.
const EXPONENTS: [&str; 18] = [
    "0", "1", "2", "3", "5", "-1", "-2", "0.5", "-0.5", "1.5", "2.0", "3.0", "-1.0", "50", "51",
    "2.25", "0.0", "-2.5",
];

const FLOAT_FUNCS: [&str; 19] = [
    "sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
    "arccosh", "arctanh", "log", "log1p", "log10", "log2", "exp", "expm1",
];
const REAL_FUNCS2: [&str; 7] = [
    "arctan2",
    "fmod",
    "hypot",
    "nextafter",
    "copysign",
    "maximum",
    "minimum",
];
const REDUCTIONS: [&str; 7] = ["sum", "prod", "min", "max", "mean", "any", "all"];
const COMPARISONS: [&str; 6] = ["<", "<=", "==", "!=", ">=", ">"];

struct Gen<'r> {
    rng: &'r mut Rng,
    vars: Vec<(String, DType)>,
    /// Subexpressions generated so far, reused now and then so that
    /// expressions share subtrees (which the compiler hash-conses and
    /// keeps alive across uses).
    pool: Vec<(Want, Ex)>,
}

impl Gen<'_> {
    fn leaf(&mut self, want: Want) -> Ex {
        let fitting: Vec<String> = self
            .vars
            .iter()
            .filter(|(_, d)| want.admits(*d))
            .map(|(n, _)| n.clone())
            .collect();
        if !fitting.is_empty() && self.rng.chance(0.75) {
            return Ex::Var(self.rng.pick(&fitting));
        }
        if self.rng.chance(0.03) && !self.vars.is_empty() {
            // Any variable, whatever its dtype.
            let names: Vec<String> = self.vars.iter().map(|v| v.0.clone()).collect();
            return Ex::Var(self.rng.pick(&names));
        }
        Ex::Lit(self.literal(want))
    }

    fn literal(&mut self, want: Want) -> String {
        let r = &mut *self.rng;
        match want {
            Want::Bool => r.pick(&["True", "False"]).to_string(),
            Want::Int => r.pick(&INT_LITERALS).to_string(),
            Want::Float => r.pick(&FLOAT_LITERALS).to_string(),
            Want::Real => match r.weighted(&[4, 4, 1]) {
                0 => r.pick(&INT_LITERALS).to_string(),
                1 => r.pick(&FLOAT_LITERALS).to_string(),
                _ => r.pick(&["True", "False"]).to_string(),
            },
            Want::Any => match r.weighted(&[4, 4, 2, 1]) {
                0 => r.pick(&INT_LITERALS).to_string(),
                1 => r.pick(&FLOAT_LITERALS).to_string(),
                2 => r.pick(&IMAG_LITERALS).to_string(),
                _ => r.pick(&["True", "False"]).to_string(),
            },
            Want::Bytes => r.pick(&BYTES_LITERALS).to_string(),
        }
    }

    fn any_want(&mut self) -> Want {
        self.rng.pick(&[
            Want::Any,
            Want::Real,
            Want::Float,
            Want::Int,
            Want::Bool,
            Want::Bytes,
        ])
    }

    /// A child: usually of the wanted kind, sometimes of any kind (which
    /// makes some expressions ill-typed, on purpose).
    fn child(&mut self, depth: u32, want: Want) -> Ex {
        let want = if self.rng.chance(0.03) {
            self.any_want()
        } else {
            want
        };
        if self.rng.chance(0.12) {
            let reusable: Vec<Ex> = self
                .pool
                .iter()
                .filter(|(w, e)| *w == want && e.size() > 1)
                .map(|(_, e)| e.clone())
                .collect();
            if !reusable.is_empty() {
                return self.rng.pick(&reusable);
            }
        }
        let e = self.expr(depth, want);
        if e.size() > 1 {
            self.pool.push((want, e.clone()));
        }
        e
    }

    fn bin(&mut self, op: &'static str, depth: u32, a: Want, b: Want) -> Ex {
        Ex::Binary(
            op,
            Box::new(self.child(depth, a)),
            Box::new(self.child(depth, b)),
        )
    }

    fn call(&mut self, name: &'static str, depth: u32, wants: &[Want]) -> Ex {
        Ex::Call(name, wants.iter().map(|&w| self.child(depth, w)).collect())
    }

    fn pow_const(&mut self, depth: u32, base: Want) -> Ex {
        let base = self.child(depth, base);
        let e = self.rng.pick(&EXPONENTS);
        Ex::Binary("**", Box::new(base), Box::new(Ex::Lit(e.to_string())))
    }

    fn expr(&mut self, depth: u32, want: Want) -> Ex {
        if depth == 0 || self.rng.chance(0.2) {
            return self.leaf(want);
        }
        let d = depth - 1;
        match want {
            Want::Bytes => match self.rng.weighted(&[3, 1]) {
                0 => self.leaf(Want::Bytes),
                _ => Ex::Call("copy", vec![self.child(d, Want::Bytes)]),
            },
            Want::Bool => match self.rng.weighted(&[6, 2, 3, 2, 1, 1, 1, 1, 1]) {
                0 => {
                    let op = self.rng.pick(&COMPARISONS);
                    let w = self
                        .rng
                        .pick(&[Want::Real, Want::Real, Want::Int, Want::Float]);
                    self.bin(op, d, w, w)
                }
                1 => {
                    let op = self.rng.pick(&["==", "!="]);
                    let w = self.rng.pick(&[Want::Any, Want::Any, Want::Bool]);
                    self.bin(op, d, w, w)
                }
                2 => {
                    let op = self.rng.pick(&["&", "|", "^", "+", "*"]);
                    self.bin(op, d, Want::Bool, Want::Bool)
                }
                3 => {
                    let f = self.rng.pick(&["isnan", "isfinite", "isinf", "signbit"]);
                    let w = if f == "signbit" {
                        Want::Real
                    } else {
                        Want::Any
                    };
                    self.call(f, d, &[w])
                }
                4 => Ex::Unary("~", Box::new(self.child(d, Want::Bool))),
                5 => self.call("contains", d, &[Want::Bytes, Want::Bytes]),
                6 => {
                    let op = self.rng.pick(&COMPARISONS);
                    self.bin(op, d, Want::Bytes, Want::Bytes)
                }
                7 => self.call("where", d, &[Want::Bool, Want::Bool, Want::Bool]),
                _ => self.call("copy", d, &[Want::Bool]),
            },
            Want::Int => match self.rng.weighted(&[6, 4, 2, 2, 2, 1, 1]) {
                0 => {
                    let op = self.rng.pick(&["+", "-", "*", "//", "%", "**"]);
                    self.bin(op, d, Want::Int, Want::Int)
                }
                1 => {
                    let op = self.rng.pick(&["&", "|", "^", "<<", ">>"]);
                    self.bin(op, d, Want::Int, Want::Int)
                }
                2 => {
                    let op = self.rng.pick(&["-", "~", "+"]);
                    Ex::Unary(op, Box::new(self.child(d, Want::Int)))
                }
                3 => {
                    let f = self.rng.pick(&["round", "sign", "copy", "ones_like"]);
                    self.call(f, d, &[Want::Int])
                }
                4 => self.call("where", d, &[Want::Bool, Want::Int, Want::Int]),
                5 => self.pow_const(d, Want::Int),
                _ => {
                    // Reductions of a bool or int expression are int64 too,
                    // but only outermost; here: an int-valued bool sum.
                    let op = self.rng.pick(&["+", "*", "-"]);
                    self.bin(op, d, Want::Int, Want::Bool)
                }
            },
            Want::Real | Want::Float | Want::Any => self.numeric(d, want),
        }
    }

    fn numeric(&mut self, d: u32, want: Want) -> Ex {
        let complex = want == Want::Any;
        match self.rng.weighted(&[8, 2, 6, 2, 3, 2, 2, 2, 2, 2]) {
            0 => {
                let ops: &[&'static str] = if complex {
                    &["+", "-", "*", "/", "**", "+", "*"]
                } else {
                    &["+", "-", "*", "/", "//", "%", "**"]
                };
                let op = self.rng.pick(ops);
                self.bin(op, d, want, want)
            }
            1 => Ex::Unary("-", Box::new(self.child(d, want))),
            2 => {
                let f = self.rng.pick(&FLOAT_FUNCS);
                self.call(f, d, &[want])
            }
            3 => {
                let f = self
                    .rng
                    .pick(&["abs", "round", "sign", "copy", "ones_like"]);
                self.call(f, d, &[want])
            }
            4 => {
                let f = self.rng.pick(&["ceil", "floor", "trunc"]);
                self.call(f, d, &[Want::Real])
            }
            5 => {
                let f = self.rng.pick(&REAL_FUNCS2);
                let w = if want == Want::Float {
                    Want::Float
                } else {
                    Want::Real
                };
                self.call(f, d, &[w, w])
            }
            6 => {
                let w = self.rng.pick(&[want, Want::Any]);
                self.call("where", d, &[Want::Bool, w, want])
            }
            7 => self.pow_const(d, want),
            8 => {
                // Complex-valued or complex-consuming functions.
                match self.rng.weighted(&[2, 2, 2, 1]) {
                    0 => self.call("complex", d, &[Want::Float, Want::Float]),
                    1 => {
                        let f = self.rng.pick(&["real", "imag"]);
                        self.call(f, d, &[Want::Any])
                    }
                    2 => {
                        let attr = self.rng.pick(&["real", "imag"]);
                        Ex::Attr(Box::new(self.child(d, Want::Any)), attr)
                    }
                    _ => self.call("conj", d, &[Want::Any]),
                }
            }
            _ => {
                // Mixed kinds: bool and integer operands promote.
                let op = self.rng.pick(&["+", "*", "-", "/"]);
                let other = self.rng.pick(&[Want::Int, Want::Bool, Want::Float]);
                if self.rng.chance(0.5) {
                    self.bin(op, d, want, other)
                } else {
                    self.bin(op, d, other, want)
                }
            }
        }
    }

    /// Wraps `x` in a reduction (axes refer to a result of `ndim` axes).
    fn reduction(&mut self, x: Ex, ndim: usize) -> Ex {
        let name = self.rng.pick(&REDUCTIONS);
        let k = self.rng.below(ndim + 1) as i64;
        let axis = match self.rng.weighted(&[9, 5, 4, 1, 1]) {
            0 => AxisArg::All,
            1 => AxisArg::Keyword(k),
            2 => AxisArg::Positional(k),
            3 => AxisArg::KeywordNone,
            _ => AxisArg::Keyword(-1),
        };
        Ex::Reduce(name, Box::new(x), axis)
    }
}

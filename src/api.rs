//! The public entry points: [`Vars`], [`evaluate`] and the compiled
//! [`Expression`].
//!
//! In: an expression string and named arrays.  Out: a [`Value`] (or the
//! caller's output array filled in), or an [`Error`] that shows where in the
//! string the problem is.
//!
//! [`evaluate`] compiles on first use and keeps the compiled expression in a
//! process-wide cache keyed by the string and the input dtypes, so calling
//! it in a loop does not re-parse (numexpr does the same).  [`Expression`]
//! is the explicit compile-once object: immutable, `Send + Sync`, usable
//! from many threads at once; each evaluation borrows per-thread scratch
//! buffers from a pool inside it.

use crate::array::{Input, Value};
use crate::ast::Ast;
use crate::context::Context;
use crate::error::{Error, ErrorKind, Result};
use crate::exec::{self, ScratchPool, Threads};
use crate::ir::InputDecl;
use crate::program::Program;
use crate::types::{DType, Element};
use crate::{compile, infer, parse};
use ndarray::{ArrayBase, ArrayView, ArrayViewMut, CowArray, Data, Dimension};
use num_complex::Complex64;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Named input arrays for an evaluation.
///
/// Arrays are borrowed (any ndarray array or view, of any dimension and
/// memory layout) or owned (scalars become 0-d arrays).
///
/// ```
/// use ndexpr::Vars;
/// use ndarray::array;
/// let a = array![[1.0, 2.0], [3.0, 4.0]];
/// let mut vars = Vars::new();
/// vars.insert("a", &a).insert("t", a.t()).insert("k", 2.5);
/// assert_eq!(vars.len(), 3);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Vars<'a> {
    entries: Vec<(String, Input<'a>)>,
}

/// Something that can be an input array: ndarray arrays and views, slices,
/// vectors and scalars of the six element types.
pub trait IntoInput<'a> {
    /// Converts into an [`Input`].
    fn into_input(self) -> Input<'a>;
}

impl<'a> IntoInput<'a> for Input<'a> {
    fn into_input(self) -> Input<'a> {
        self
    }
}

impl<'a, T: Element, S: Data<Elem = T>, D: Dimension> IntoInput<'a> for &'a ArrayBase<S, D> {
    fn into_input(self) -> Input<'a> {
        T::input(CowArray::from(self.view().into_dyn()))
    }
}

impl<'a, T: Element, D: Dimension> IntoInput<'a> for ArrayView<'a, T, D> {
    fn into_input(self) -> Input<'a> {
        T::input(CowArray::from(self.into_dyn()))
    }
}

impl<'a, T: Element, D: Dimension> IntoInput<'a> for ndarray::Array<T, D> {
    fn into_input(self) -> Input<'a> {
        T::input(CowArray::from(self.into_dyn()))
    }
}

impl<'a> IntoInput<'a> for &'a Value {
    fn into_input(self) -> Input<'a> {
        self.view()
    }
}

impl<'a> IntoInput<'a> for Value {
    fn into_input(self) -> Input<'a> {
        self.into_owned_input()
    }
}

impl<'a, T: Element> IntoInput<'a> for &'a [T] {
    fn into_input(self) -> Input<'a> {
        T::input(CowArray::from(ArrayView::from(self).into_dyn()))
    }
}

impl<'a, T: Element> IntoInput<'a> for &'a Vec<T> {
    fn into_input(self) -> Input<'a> {
        self.as_slice().into_input()
    }
}

macro_rules! scalar_input {
    ($($t:ty),*) => {$(
        impl<'a> IntoInput<'a> for $t {
            fn into_input(self) -> Input<'a> {
                <$t>::input(CowArray::from(ndarray::arr0(self).into_dyn()))
            }
        }
    )*};
}
scalar_input!(bool, i32, i64, f32, f64, Complex64);

impl<'a> Vars<'a> {
    /// No variables.
    pub fn new() -> Self {
        Vars::default()
    }

    /// Adds (or replaces) the variable `name`.
    pub fn insert(&mut self, name: impl Into<String>, value: impl IntoInput<'a>) -> &mut Self {
        let name = name.into();
        let input = value.into_input();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = input,
            None => self.entries.push((name, input)),
        }
        self
    }

    /// Adds the variable `name` and returns `self` (for chaining).
    pub fn with(mut self, name: impl Into<String>, value: impl IntoInput<'a>) -> Self {
        self.insert(name, value);
        self
    }

    /// Adds a byte-string variable: `strings` is a `u8` array whose last
    /// axis is the string width (shorter strings padded with NULs).
    ///
    /// ```
    /// # use ndexpr::{evaluate, Vars};
    /// let names = ndarray::arr2(b"abcbcdxyz".chunks(3).map(|c| [c[0], c[1], c[2]]).collect::<Vec<_>>().as_slice());
    /// let mut vars = Vars::new();
    /// vars.insert_bytes("s", names.view());
    /// let hit = evaluate("contains(s, b'bc')", &vars).unwrap().into_bool().unwrap();
    /// assert_eq!(hit.as_slice().unwrap(), &[true, true, false]);
    /// ```
    pub fn insert_bytes<D: Dimension>(
        &mut self,
        name: impl Into<String>,
        strings: ArrayView<'a, u8, D>,
    ) -> &mut Self {
        let name = name.into();
        let input = Input::Bytes(CowArray::from(strings.into_dyn()));
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = input,
            None => self.entries.push((name, input)),
        }
        self
    }

    /// The variable `name`.
    pub fn get(&self, name: &str) -> Option<&Input<'a>> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no variables.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The names and dtypes of the variables, sorted by name.
    pub fn signature(&self) -> Vec<InputDecl> {
        let mut sig: Vec<InputDecl> = self
            .entries
            .iter()
            .map(|(n, v)| InputDecl {
                name: n.clone(),
                dtype: v.dtype(),
            })
            .collect();
        sig.sort_by(|a, b| a.name.cmp(&b.name));
        sig
    }
}

/// Builds a [`Vars`] in one expression: `vars! { "a" => &a, "b" => 2.0 }`.
///
/// ```
/// # use ndexpr::{evaluate, vars};
/// let a = ndarray::array![1.0, 2.0, 3.0];
/// let v = evaluate("a * k", &vars! { "a" => &a, "k" => 2.0 }).unwrap();
/// assert_eq!(v.into_f64().unwrap().as_slice().unwrap(), &[2.0, 4.0, 6.0]);
/// ```
#[macro_export]
macro_rules! vars {
    () => { $crate::Vars::new() };
    // One expression, so that temporaries in the values (`&array![..]`)
    // live until the end of the caller's statement.
    ($($name:expr => $value:expr),+ $(,)?) => {
        $crate::Vars::new()$(.with($name, $value))+
    };
}

/// Options for an evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// How many threads to use (default: the current rayon pool).
    pub threads: Threads,
}

impl Options {
    /// Default options.
    pub fn new() -> Self {
        Options::default()
    }

    /// Sets the thread option.
    pub fn threads(mut self, threads: Threads) -> Self {
        self.threads = threads;
        self
    }

    /// Runs on the calling thread only.
    pub fn serial() -> Self {
        Options {
            threads: Threads::Serial,
        }
    }
}

/// A compiled expression: parse and type-check once, evaluate many times.
///
/// The program is fixed for the input dtypes it was compiled for; shapes
/// may change from call to call.  An `Expression` is `Send + Sync` and can
/// be evaluated from many threads at once.
///
/// ```
/// use ndexpr::{DType, Expression, vars};
/// let expr = Expression::new("2*a**3 - 4*a**5 + 6*log(a)", &[("a", DType::Float64)]).unwrap();
/// for n in [3, 1000] {
///     let a = ndarray::Array1::linspace(0.5, 1.0, n);
///     let r = expr.evaluate(&vars! { "a" => &a }).unwrap().into_f64().unwrap();
///     assert_eq!(r.len(), n);
/// }
/// ```
#[derive(Debug)]
pub struct Expression {
    source: Arc<str>,
    ast: Ast,
    program: Program,
    scratch: ScratchPool,
}

impl Expression {
    /// Compiles `expr` for variables of the given names and dtypes.
    /// Variables not named in the expression are ignored.
    pub fn new(expr: &str, variables: &[(&str, DType)]) -> Result<Expression> {
        Self::with_signature(expr, &decls(variables), None)
    }

    /// Compiles `expr` for the names and dtypes of `vars` (the arrays
    /// themselves are not read).
    pub fn for_vars(expr: &str, vars: &Vars<'_>) -> Result<Expression> {
        Self::with_signature(expr, &vars.signature(), None)
    }

    /// Compiles `expr` with the functions and constants of `context`.
    pub(crate) fn compile_in(
        context: &Context,
        expr: &str,
        decls: &[InputDecl],
    ) -> Result<Expression> {
        Self::with_signature(expr, decls, Some(context))
    }

    fn with_signature(
        expr: &str,
        decls: &[InputDecl],
        context: Option<&Context>,
    ) -> Result<Expression> {
        let source: Arc<str> = Arc::from(expr);
        let build = || -> Result<(Ast, Program)> {
            let ast = parse::parse(expr)?;
            let ir = infer::infer_with(&ast, decls, context)?;
            let program = compile::compile(&ir)?;
            Ok((ast, program))
        };
        let (ast, program) = build().map_err(|e| e.with_expr(&source))?;
        Ok(Expression {
            source,
            ast,
            program,
            scratch: ScratchPool::default(),
        })
    }

    /// The expression text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed expression.
    pub fn ast(&self) -> &Ast {
        &self.ast
    }

    /// The compiled program (print it to see the disassembly).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The variables the expression reads, with their dtypes, by name.
    pub fn inputs(&self) -> &[InputDecl] {
        &self.program.inputs
    }

    /// The dtype of the result.
    pub fn result_dtype(&self) -> DType {
        self.program.result_dtype()
    }

    /// The reduction the expression ends in (`sum(...)`, `max(..., axis=1)`,
    /// ...), if any: its operation and axis.  An element-wise expression
    /// (`None`) can be evaluated piece by piece over slices of its inputs.
    ///
    /// ```
    /// # use ndexpr::{DType, Expression};
    /// let e = Expression::new("sum(a * 2, axis=0)", &[("a", DType::Float64)]).unwrap();
    /// let r = e.reduction().unwrap();
    /// assert_eq!((r.op.name(), r.axis), ("sum", Some(0)));
    /// assert!(Expression::new("a * 2", &[("a", DType::Float64)]).unwrap().reduction().is_none());
    /// ```
    pub fn reduction(&self) -> Option<crate::ir::Reduction> {
        self.program.reduction
    }

    /// The shape the result would have for `vars` (their broadcast shape,
    /// less the reduced axis), without evaluating anything.
    ///
    /// ```
    /// # use ndexpr::{DType, Expression, vars};
    /// let e = Expression::new("sum(a * b, axis=0)", &[("a", DType::Float64), ("b", DType::Float64)]).unwrap();
    /// let (a, b) = (ndarray::Array2::<f64>::zeros((3, 4)), ndarray::Array1::<f64>::zeros(4));
    /// assert_eq!(e.result_shape(&vars! { "a" => &a, "b" => &b }).unwrap(), vec![4]);
    /// ```
    pub fn result_shape(&self, vars: &Vars<'_>) -> Result<Vec<usize>> {
        let inputs = self.bind(vars)?;
        exec::result_shape(&self.program, &inputs).map_err(|e| e.with_expr(&self.source))
    }

    /// The program as text, one instruction per line (numexpr's
    /// `disassemble`).  A product and the sum, difference or product that is
    /// its only use are one instruction (`muladd`, `mulsub`, `submul`,
    /// `mulmul`; see [`Fused`](crate::program::Fused)).
    ///
    /// ```
    /// # use ndexpr::{DType, Expression};
    /// let e = Expression::new("sqrt(2*a + 1)", &[("a", DType::Float64)]).unwrap();
    /// assert_eq!(
    ///     e.disassemble(),
    ///     "muladd_dddd    td0 = muladd(c0[2.0], r0[a], c1[1.0])\n\
    ///      sqrt_dd        td1 = sqrt(td0)\n\
    ///      result td1: float64"
    /// );
    /// ```
    pub fn disassemble(&self) -> String {
        self.program.to_string()
    }

    /// Evaluates over `vars`.
    pub fn evaluate(&self, vars: &Vars<'_>) -> Result<Value> {
        self.evaluate_with(vars, &Options::default())
    }

    /// Evaluates over `vars` with `options`.
    pub fn evaluate_with(&self, vars: &Vars<'_>, options: &Options) -> Result<Value> {
        let inputs = self.bind(vars)?;
        exec::evaluate(&self.program, &inputs, options.threads, &self.scratch)
            .map_err(|e| e.with_expr(&self.source))
    }

    /// Evaluates over `vars` into `out`, allocating nothing for the result.
    /// `out` must have the result's dtype and its broadcast shape (or a
    /// shape the inputs broadcast to), in any memory layout.
    ///
    /// ```
    /// # use ndexpr::{DType, Expression, Options, vars};
    /// let expr = Expression::new("a * 2", &[("a", DType::Float64)]).unwrap();
    /// let a = ndarray::array![1.0, 2.0];
    /// let mut out = ndarray::Array1::<f64>::zeros(2);
    /// expr.evaluate_into(&vars! { "a" => &a }, out.view_mut(), &Options::new()).unwrap();
    /// assert_eq!(out, ndarray::array![2.0, 4.0]);
    /// ```
    pub fn evaluate_into<T: Element, D: Dimension>(
        &self,
        vars: &Vars<'_>,
        out: ArrayViewMut<'_, T, D>,
        options: &Options,
    ) -> Result<()> {
        let inputs = self.bind(vars)?;
        exec::evaluate_into(
            &self.program,
            &inputs,
            out.into_dyn(),
            options.threads,
            &self.scratch,
        )
        .map_err(|e| e.with_expr(&self.source))
    }

    /// The inputs in program order, checked against the compiled dtypes.
    fn bind<'v>(&self, vars: &'v Vars<'_>) -> Result<Vec<Input<'v>>> {
        self.program
            .inputs
            .iter()
            .map(|decl| {
                let input = vars.get(&decl.name).ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnknownVariable,
                        format!("variable `{}` was not given", decl.name),
                    )
                })?;
                if input.dtype() != decl.dtype {
                    return Err(Error::new(
                        ErrorKind::Type,
                        format!(
                            "variable `{}` is {} but the expression was compiled for {}",
                            decl.name,
                            input.dtype(),
                            decl.dtype
                        ),
                    ));
                }
                if input.dtype() == DType::Bytes
                    && input.bytes_view().is_some_and(|v| v.ndim() == 0)
                {
                    return Err(Error::new(
                        ErrorKind::Shape,
                        format!(
                            "byte-string variable `{}` needs a last axis for the string width",
                            decl.name
                        ),
                    ));
                }
                Ok(input.reborrow())
            })
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.with_expr(&self.source))
    }
}

/// Declarations for `(name, dtype)` pairs.
pub(crate) fn decls(variables: &[(&str, DType)]) -> Vec<InputDecl> {
    variables
        .iter()
        .map(|&(name, dtype)| InputDecl {
            name: name.to_string(),
            dtype,
        })
        .collect()
}

/// Compiled expressions kept by [`evaluate`].
const CACHE_CAPACITY: usize = 256;

/// One compiled expression in the cache, with the expression and the
/// `(name, dtype)` pairs (sorted by name) it was compiled for.
struct Cached {
    expr: Box<str>,
    sig: Vec<(String, DType)>,
    compiled: Arc<Expression>,
}

impl Cached {
    /// Whether this is the compilation of `expr` for the dtypes of `vars`
    /// (without allocating: a hit costs a hash and a comparison).
    fn is_for(&self, expr: &str, vars: &Vars<'_>) -> bool {
        *self.expr == *expr
            && self.sig.len() == vars.entries.len()
            && vars.entries.iter().all(|(name, input)| {
                self.sig
                    .binary_search_by(|(n, _)| n.as_str().cmp(name))
                    .is_ok_and(|i| self.sig[i].1 == input.dtype())
            })
    }
}

/// The cache: compilations by [`cache_hash`], and how many there are.
type Cache = (HashMap<u64, Vec<Cached>, KeyIsHash>, usize);

/// The cache's keys are hashes already ([`cache_hash`]): the map uses them
/// as they are instead of hashing them again with SipHash.
#[derive(Clone, Copy, Default)]
struct KeyIsHash;

impl std::hash::BuildHasher for KeyIsHash {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

/// The hasher of [`KeyIsHash`]: the `u64` written is the hash.
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; fold anything else in anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new((HashMap::default(), 0)))
}

/// A hash of `expr` and the names and dtypes of `vars`, independent of the
/// order in which the variables were inserted (FNV-1a per string).
fn cache_hash(expr: &str, vars: &Vars<'_>) -> u64 {
    fn fnv(seed: u64, bytes: &[u8]) -> u64 {
        bytes.iter().fold(seed, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }
    const BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    vars.entries
        .iter()
        .fold(fnv(BASIS, expr.as_bytes()), |h, (name, input)| {
            let entry = fnv(BASIS ^ input.dtype() as u64, name.as_bytes());
            h.wrapping_add(entry.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        })
}

/// The compiled expression for `expr` and the dtypes of `vars`, from the
/// cache or freshly compiled.
pub fn compiled(expr: &str, vars: &Vars<'_>) -> Result<Arc<Expression>> {
    let hash = cache_hash(expr, vars);
    {
        let cache = cache().lock().unwrap_or_else(|e| e.into_inner());
        let hit = cache.0.get(&hash).and_then(|bucket| {
            bucket
                .iter()
                .find(|c| c.is_for(expr, vars))
                .map(|c| Arc::clone(&c.compiled))
        });
        if let Some(hit) = hit {
            return Ok(hit);
        }
    }
    let sig = vars.signature();
    let compiled = Arc::new(Expression::with_signature(expr, &sig, None)?);
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    if cache.1 >= CACHE_CAPACITY {
        *cache = (HashMap::default(), 0);
    }
    cache.0.entry(hash).or_default().push(Cached {
        expr: expr.into(),
        sig: sig.into_iter().map(|d| (d.name, d.dtype)).collect(),
        compiled: Arc::clone(&compiled),
    });
    cache.1 += 1;
    Ok(compiled)
}

/// Parses and type-checks `expr` for variables of the given names and
/// dtypes, without evaluating: the result dtype, or the error evaluating
/// would give.
///
/// ```
/// use ndexpr::{DType, ErrorKind, validate};
/// assert_eq!(validate("i / 2", &[("i", DType::Int32)]).unwrap(), DType::Float64);
/// let e = validate("i << 1.5", &[("i", DType::Int32)]).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::Type);
/// ```
pub fn validate(expr: &str, variables: &[(&str, DType)]) -> Result<DType> {
    Expression::new(expr, variables).map(|e| e.result_dtype())
}

/// Evaluates `expr` over `vars`.
///
/// ```
/// use ndexpr::{evaluate, vars};
/// let a = ndarray::array![1.0, 2.0, 3.0];
/// let b = ndarray::array![0.5, 0.5, 0.5];
/// let r = evaluate("a**2 + 3*b", &vars! { "a" => &a, "b" => &b }).unwrap();
/// assert_eq!(r.into_f64().unwrap().as_slice().unwrap(), &[2.5, 5.5, 10.5]);
/// ```
pub fn evaluate(expr: &str, vars: &Vars<'_>) -> Result<Value> {
    evaluate_with(expr, vars, &Options::default())
}

/// Evaluates `expr` over `vars` with `options`.
pub fn evaluate_with(expr: &str, vars: &Vars<'_>, options: &Options) -> Result<Value> {
    compiled(expr, vars)?.evaluate_with(vars, options)
}

//! Extensions of the language: user-defined functions and named constants.
//!
//! In: Rust functions and values registered by the embedding program.
//! Out: a [`Context`] that type inference consults for names the language
//! does not define, and that compiles and evaluates expressions using them.
//!
//! numexpr has neither, so a fresh `Context` (like the free functions
//! [`crate::evaluate`] and [`crate::Expression::new`]) keeps numexpr's
//! semantics exactly: no function or constant exists until it is added.
//!
//! ```
//! use ndexpr::{Context, vars};
//! let mut ctx = Context::new().with_math_constants();
//! ctx.function1("sinc", |x| if x == 0.0 { 1.0 } else { x.sin() / x })?;
//! ctx.vectorized2("clamp01", |x, y, out| {
//!     for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
//!         *o = (x + y).clamp(0.0, 1.0);
//!     }
//! })?;
//! let a = ndarray::array![0.0, 0.5, 1.0];
//! let r = ctx.evaluate("sinc(a * pi) + clamp01(a, 0.25)", &vars! { "a" => &a })?;
//! let r = r.into_f64()?;
//! assert!((r[1] - (2.0 / std::f64::consts::PI + 0.75)).abs() < 1e-12);
//! # Ok::<(), ndexpr::Error>(())
//! ```

use crate::api::{Expression, Options, Vars};
use crate::array::Value;
use crate::error::{Error, ErrorKind, Result};
use crate::infer::FUNCTION_NAMES;
use crate::types::Scalar;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

/// A block function of one argument.
type Block1Fn = dyn Fn(&[f64], &mut [f64]) + Send + Sync;
/// A block function of two arguments.
type Block2Fn = dyn Fn(&[f64], &[f64], &mut [f64]) + Send + Sync;

/// The Rust code behind a user-defined function.
pub(crate) enum UserCode {
    /// `f(x)` element by element.
    Scalar1(Box<dyn Fn(f64) -> f64 + Send + Sync>),
    /// `f(x, y)` element by element.
    Scalar2(Box<dyn Fn(f64, f64) -> f64 + Send + Sync>),
    /// `f(xs, out)` over a block.
    Block1(Box<Block1Fn>),
    /// `f(xs, ys, out)` over a block.
    Block2(Box<Block2Fn>),
}

/// A registered function: float64 arguments (bool, integer and float32
/// arguments are converted), float64 result.
pub struct UserFunction {
    pub(crate) name: String,
    pub(crate) code: UserCode,
}

impl UserFunction {
    /// The name used in expressions.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of arguments.
    pub fn arity(&self) -> usize {
        match self.code {
            UserCode::Scalar1(_) | UserCode::Block1(_) => 1,
            UserCode::Scalar2(_) | UserCode::Block2(_) => 2,
        }
    }
}

impl fmt::Debug for UserFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserFunction({}/{})", self.name, self.arity())
    }
}

/// Compiled expressions a context keeps (per context).
const CACHE_CAPACITY: usize = 256;

type CacheKey = (Box<str>, Vec<(String, crate::DType)>);

/// User-defined functions and named constants, and the expressions
/// compiled with them.
///
/// A `Context` is `Send + Sync`; register everything first, then share it.
#[derive(Default)]
pub struct Context {
    functions: BTreeMap<String, Arc<UserFunction>>,
    constants: BTreeMap<String, Scalar>,
    cache: Mutex<HashMap<CacheKey, Arc<Expression>>>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("functions", &self.functions.keys().collect::<Vec<_>>())
            .field("constants", &self.constants)
            .finish()
    }
}

fn check_name(name: &str) -> Result<()> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::new(
            ErrorKind::Value,
            format!("`{name}` is not a valid name (ASCII letters, digits and `_`)"),
        ));
    }
    if FUNCTION_NAMES.contains(&name) {
        return Err(Error::new(
            ErrorKind::Value,
            format!("`{name}` is a built-in function and cannot be redefined"),
        ));
    }
    Ok(())
}

impl Context {
    /// An empty context: exactly numexpr's language.
    pub fn new() -> Self {
        Context::default()
    }

    /// Adds the constants `pi`, `e`, `inf` and `nan` (float64).
    pub fn with_math_constants(mut self) -> Self {
        for (name, v) in [
            ("pi", std::f64::consts::PI),
            ("e", std::f64::consts::E),
            ("inf", f64::INFINITY),
            ("nan", f64::NAN),
        ] {
            self.constants.insert(name.into(), Scalar::Float64(v));
        }
        self
    }

    /// Adds (or replaces) a named constant.  Variables of the same name
    /// take precedence over it.
    pub fn constant(&mut self, name: &str, value: Scalar) -> Result<&mut Self> {
        check_name(name)?;
        self.constants.insert(name.into(), value);
        self.clear_cache();
        Ok(self)
    }

    fn add(&mut self, name: &str, code: UserCode) -> Result<&mut Self> {
        check_name(name)?;
        let f = UserFunction {
            name: name.into(),
            code,
        };
        self.functions.insert(name.into(), Arc::new(f));
        self.clear_cache();
        Ok(self)
    }

    /// Adds a one-argument function applied element by element.
    pub fn function1(
        &mut self,
        name: &str,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.add(name, UserCode::Scalar1(Box::new(f)))
    }

    /// Adds a two-argument function applied element by element.
    pub fn function2(
        &mut self,
        name: &str,
        f: impl Fn(f64, f64) -> f64 + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.add(name, UserCode::Scalar2(Box::new(f)))
    }

    /// Adds a one-argument function that fills a block: `f(x, out)` with
    /// `x.len() == out.len()` (up to 512 elements).
    pub fn vectorized1(
        &mut self,
        name: &str,
        f: impl Fn(&[f64], &mut [f64]) + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.add(name, UserCode::Block1(Box::new(f)))
    }

    /// Adds a two-argument function that fills a block: `f(x, y, out)`.
    pub fn vectorized2(
        &mut self,
        name: &str,
        f: impl Fn(&[f64], &[f64], &mut [f64]) + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.add(name, UserCode::Block2(Box::new(f)))
    }

    /// The registered function `name`.
    pub fn function(&self, name: &str) -> Option<&Arc<UserFunction>> {
        self.functions.get(name)
    }

    /// The named constant `name`.
    pub fn constant_value(&self, name: &str) -> Option<&Scalar> {
        self.constants.get(name)
    }

    /// Names of the registered functions.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    /// Names of the constants.
    pub fn constant_names(&self) -> impl Iterator<Item = &str> {
        self.constants.keys().map(String::as_str)
    }

    fn clear_cache(&mut self) {
        self.cache
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Compiles `expr` for variables of the given names and dtypes.
    pub fn compile(&self, expr: &str, variables: &[(&str, crate::DType)]) -> Result<Expression> {
        Expression::compile_in(self, expr, &crate::api::decls(variables))
    }

    /// The compiled expression for `expr` and the dtypes of `vars`, cached
    /// in this context.
    pub fn compiled(&self, expr: &str, vars: &Vars<'_>) -> Result<Arc<Expression>> {
        let sig = vars.signature();
        let key: CacheKey = (
            expr.into(),
            sig.iter().map(|d| (d.name.clone(), d.dtype)).collect(),
        );
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(Arc::clone(hit));
        }
        let compiled = Arc::new(Expression::compile_in(self, expr, &sig)?);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&compiled));
        Ok(compiled)
    }

    /// Evaluates `expr` over `vars`.
    pub fn evaluate(&self, expr: &str, vars: &Vars<'_>) -> Result<Value> {
        self.evaluate_with(expr, vars, &Options::default())
    }

    /// Evaluates `expr` over `vars` with `options`.
    pub fn evaluate_with(&self, expr: &str, vars: &Vars<'_>, options: &Options) -> Result<Value> {
        self.compiled(expr, vars)?.evaluate_with(vars, options)
    }
}

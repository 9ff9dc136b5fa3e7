//! Type inference: [`Ast`] + input dtypes → typed [`Ir`].
//!
//! In: a parsed expression and the dtypes of the variables it may read.
//! Out: the typed DAG the compiler consumes, or an error of kind
//! `unknown_variable`, `unknown_function`, `arity`, `type`, `reduction` or
//! `value` pointing at the offending source text.
//!
//! This module reproduces numexpr's two typing layers exactly:
//!
//! 1. **Expression building** (numexpr's `expressions.py`).  Every node gets
//!    a *kind*: the highest-ranked kind of its operands (`commonKind`), with
//!    the operator's own rules on top: `/` of bools and integers is float64,
//!    comparisons are bool, `bool + bool` is `or` and `bool * bool` is `and`,
//!    and functions follow the `func(f, minkind, maxkind)` rule (integer
//!    arguments become float64 except for `copy`, `ones_like`, `round` and
//!    `sign`; otherwise the kind is clamped to the function's range).
//!    Constants are folded as numexpr folds them (see [`crate::fold`]):
//!    literal-only subexpressions by Python's rules, function calls on
//!    constants by NumPy's.  `x ** c` with an integral or half-integral
//!    constant `|c| <= 50` becomes a multiplication chain (plus one `sqrt`),
//!    which decides the result dtype (`int32 ** 2.0` is int32), and `x / c`
//!    becomes `x * (1/c)` when `x` and `c` have the same float kind.
//! 2. **Signature selection** (numexpr's `typeCompileAst`).  Each operation
//!    is looked up in the signature table ([`OpName::find_signature`]) by
//!    upcasting its operands; a missing signature is a `type` error.
//!    Variables and intermediate values get explicit cast nodes; constants
//!    are converted at compile time from their original value.
//!
//! Reductions must be the outermost operation of the expression.

use crate::ast::{Ast, Attr, BinaryOp, Literal, NodeId, NodeKind, Span, UnaryOp};
use crate::context::{Context, UserFunction};
use crate::error::{Error, ErrorKind, Result, suggest};
use crate::fold::{Np, Py, Value};
use crate::ir::{InputDecl, Ir, IrBuilder, IrId, IrOp, OpName, ReduceOp, Reduction};
use crate::types::{DType, Scalar};
use num_complex::Complex64;
use std::sync::Arc;

/// How a function is typed.
#[derive(Clone, Copy, Debug)]
enum Func {
    /// numexpr's `func(f, minkind, maxkind)`.
    Ufunc {
        op: OpName,
        min: Option<DType>,
        max: Option<DType>,
        /// Integer arguments keep their kind (`copy`, `ones_like`, `round`,
        /// `sign`); otherwise they become float64.
        keep_int: bool,
        /// The result is bool whatever the argument kind.
        bool_result: bool,
    },
    Where,
    Contains,
    Reduce(ReduceOp),
}

/// Every function name of the language, for lookups and suggestions.
pub const FUNCTION_NAMES: [&str; 51] = [
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
    "arctan2",
    "fmod",
    "hypot",
    "nextafter",
    "copysign",
    "maximum",
    "minimum",
    "complex",
    "where",
    "contains",
    "sum",
    "prod",
    "min",
    "max",
    "mean",
    "any",
    "all",
];

fn function(name: &str) -> Option<Func> {
    use DType::*;
    let ufunc = |op, min, max, keep_int| Func::Ufunc {
        op,
        min,
        max,
        keep_int,
        bool_result: false,
    };
    let float = |op| ufunc(op, Some(Float32), None, false);
    let double = |op| ufunc(op, Some(Float64), None, false);
    let predicate = |op| Func::Ufunc {
        op,
        min: Some(Float64),
        max: None,
        keep_int: false,
        bool_result: true,
    };
    Some(match name {
        "copy" => ufunc(OpName::Copy, None, None, true),
        "ones_like" => ufunc(OpName::OnesLike, None, None, true),
        "sqrt" => float(OpName::Sqrt),
        "sin" => float(OpName::Sin),
        "cos" => float(OpName::Cos),
        "tan" => float(OpName::Tan),
        "arcsin" => float(OpName::Arcsin),
        "arccos" => float(OpName::Arccos),
        "arctan" => float(OpName::Arctan),
        "sinh" => float(OpName::Sinh),
        "cosh" => float(OpName::Cosh),
        "tanh" => float(OpName::Tanh),
        "arcsinh" => float(OpName::Arcsinh),
        "arccosh" => float(OpName::Arccosh),
        "arctanh" => float(OpName::Arctanh),
        "log" => float(OpName::Log),
        "log1p" => float(OpName::Log1p),
        "log10" => float(OpName::Log10),
        "log2" => float(OpName::Log2),
        "exp" => float(OpName::Exp),
        "expm1" => float(OpName::Expm1),
        "fmod" => float(OpName::Fmod),
        "arctan2" => float(OpName::Arctan2),
        "hypot" => double(OpName::Hypot),
        "nextafter" => double(OpName::NextAfter),
        "copysign" => double(OpName::CopySign),
        "maximum" => double(OpName::Maximum),
        "minimum" => double(OpName::Minimum),
        // numexpr binds `abs` to numpy.absolute, whose __name__ is not in
        // the keep-int list: abs(int) is float64.
        "abs" => float(OpName::Absolute),
        "ceil" => ufunc(OpName::Ceil, Some(Float32), Some(Float64), false),
        "floor" => ufunc(OpName::Floor, Some(Float32), Some(Float64), false),
        "round" => ufunc(OpName::Round, Some(Float64), None, true),
        "trunc" => double(OpName::Trunc),
        "sign" => ufunc(OpName::Sign, Some(Float64), None, true),
        "real" => ufunc(OpName::Real, Some(Float64), Some(Float64), false),
        "imag" => ufunc(OpName::Imag, Some(Float64), Some(Float64), false),
        "complex" => ufunc(OpName::Complex, Some(Complex128), None, false),
        "conj" => ufunc(OpName::Conjugate, Some(Complex128), None, false),
        "isnan" => predicate(OpName::IsNan),
        "isfinite" => predicate(OpName::IsFinite),
        "isinf" => predicate(OpName::IsInf),
        "signbit" => predicate(OpName::SignBit),
        "where" => Func::Where,
        "contains" => Func::Contains,
        "sum" => Func::Reduce(ReduceOp::Sum),
        "prod" => Func::Reduce(ReduceOp::Prod),
        "min" => Func::Reduce(ReduceOp::Min),
        "max" => Func::Reduce(ReduceOp::Max),
        "mean" => Func::Reduce(ReduceOp::Mean),
        "any" => Func::Reduce(ReduceOp::Any),
        "all" => Func::Reduce(ReduceOp::All),
        _ => return None,
    })
}

/// Index into [`Builder::nodes`].
type EId = usize;

/// numexpr's expression layer: what `expressions.py` builds.
#[derive(Clone, Debug)]
enum E {
    /// A constant; `node` tells whether numexpr already wrapped it in a
    /// `ConstantNode` (then `**` and `/` are no longer folded by Python).
    Const { value: Value, node: bool },
    /// A variable (index into the sorted declarations).
    Var(usize),
    /// An operation with its kind.  `label` is what the user wrote (`<`,
    /// `sin`), `swapped` whether the operands were exchanged (`a < b` is
    /// numexpr's `gt(b, a)`).
    Op {
        name: OpName,
        kind: DType,
        args: Vec<EId>,
        label: &'static str,
        swapped: bool,
    },
    /// A reduction.
    Reduce {
        op: ReduceOp,
        arg: EId,
        axis: Option<usize>,
    },
    /// A call of a user-defined function (float64 result).
    User {
        func: Arc<UserFunction>,
        args: Vec<EId>,
    },
}

struct ENode {
    e: E,
    span: Span,
}

/// Infers types for `ast` given the variables `inputs` may name.
///
/// ```
/// use ndexpr::{DType, ir::InputDecl};
/// let ast = ndexpr::parse::parse("i + f * 2").unwrap();
/// let inputs = [
///     InputDecl { name: "f".into(), dtype: DType::Float32 },
///     InputDecl { name: "i".into(), dtype: DType::Int32 },
/// ];
/// let ir = ndexpr::infer::infer(&ast, &inputs).unwrap();
/// assert_eq!(ir.result_dtype(), DType::Float32);
/// ```
pub fn infer(ast: &Ast, inputs: &[InputDecl]) -> Result<Ir> {
    infer_with(ast, inputs, None)
}

/// [`infer`], with the user functions and constants of `context` (names
/// the language does not define are looked up there).
pub fn infer_with(ast: &Ast, inputs: &[InputDecl], context: Option<&Context>) -> Result<Ir> {
    let mut decls: Vec<InputDecl> = inputs.to_vec();
    decls.sort_by(|a, b| a.name.cmp(&b.name));
    decls.dedup_by(|a, b| a.name == b.name);
    let mut b = Builder {
        decls: &decls,
        nodes: Vec::with_capacity(ast.nodes.len()),
        context,
    };
    let mut map: Vec<EId> = Vec::with_capacity(ast.nodes.len());
    for (i, node) in ast.nodes.iter().enumerate() {
        let id = b.ast_node(ast, NodeId(i as u32), &map)?;
        debug_assert_eq!(map.len(), i);
        let _ = node;
        map.push(id);
    }
    let root = *map.last().expect("non-empty ast");
    b.type_compile(root)
}

struct Builder<'d> {
    decls: &'d [InputDecl],
    nodes: Vec<ENode>,
    context: Option<&'d Context>,
}

fn type_error(msg: impl Into<String>, span: Span) -> Error {
    Error::new(ErrorKind::Type, msg).with_span(span)
}

impl Builder<'_> {
    fn push(&mut self, e: E, span: Span) -> EId {
        self.nodes.push(ENode { e, span });
        self.nodes.len() - 1
    }

    fn constant(&self, id: EId) -> Option<(&Value, bool)> {
        match &self.nodes[id].e {
            E::Const { value, node } => Some((value, *node)),
            _ => None,
        }
    }

    fn value_const(&mut self, value: Value, node: bool, span: Span) -> EId {
        self.push(E::Const { value, node }, span)
    }

    /// The kind of a node (numexpr's `astKind`).  A reduction used as an
    /// operand is an error here: reductions must be outermost.
    fn kind(&self, id: EId) -> Result<DType> {
        let n = &self.nodes[id];
        match &n.e {
            E::Const { value, .. } => value
                .to_scalar()
                .map(|s| s.dtype())
                .map_err(|e| e.with_span(n.span)),
            E::Var(i) => Ok(self.decls[*i].dtype),
            E::Op { kind, .. } => Ok(*kind),
            E::User { .. } => Ok(DType::Float64),
            E::Reduce { op, .. } => Err(Error::new(
                ErrorKind::Reduction,
                format!(
                    "`{}` must be the outermost operation of the expression",
                    op.name()
                ),
            )
            .with_span(n.span)
            .with_hint(
                "reductions cannot be combined with other operations; compute the rest separately",
            )),
        }
    }

    /// numexpr's `commonKind` over `args`.
    fn common(&self, args: &[EId], span: Span) -> Result<DType> {
        let kinds = args
            .iter()
            .map(|&a| self.kind(a))
            .collect::<Result<Vec<_>>>()?;
        match DType::common(kinds) {
            Ok(Some(k)) => Ok(k),
            Ok(None) => unreachable!("operations have operands"),
            Err(()) => Err(
                type_error("byte strings can only be combined with byte strings", span)
                    .with_hint("byte strings support comparisons and `contains` only"),
            ),
        }
    }

    /// numexpr's `OpNode(name, args, kind)`.
    fn op(
        &mut self,
        name: OpName,
        args: Vec<EId>,
        kind: Option<DType>,
        label: &'static str,
        span: Span,
    ) -> Result<EId> {
        for &a in &args {
            self.kind(a)?; // reductions as operands, bad constants
        }
        let kind = match kind {
            Some(k) => k,
            None => self.common(&args, span)?,
        };
        let name = match (kind, name) {
            (DType::Bool, OpName::Mul) => OpName::And,
            (DType::Bool, OpName::Add) => OpName::Or,
            (_, n) => n,
        };
        Ok(self.push(
            E::Op {
                name,
                kind,
                args,
                label,
                swapped: false,
            },
            span,
        ))
    }

    fn ast_node(&mut self, ast: &Ast, id: NodeId, map: &[EId]) -> Result<EId> {
        let node = ast.node(id);
        let span = node.span;
        match &node.kind {
            NodeKind::Literal(lit) => {
                let value = Value::Py(match lit {
                    Literal::Int(v) => Py::Int(*v),
                    Literal::Float(v) => Py::Float(*v),
                    Literal::Imag(v) => Py::Complex(Complex64::new(0.0, *v)),
                    Literal::Bool(v) => Py::Bool(*v),
                    Literal::Bytes(v) => Py::Bytes(v.clone()),
                    Literal::None => Py::None,
                });
                Ok(self.value_const(value, false, span))
            }
            NodeKind::Name(name) => {
                match self.decls.binary_search_by(|d| d.name.as_str().cmp(name)) {
                    Ok(i) => Ok(self.push(E::Var(i), span)),
                    Err(_) => match self.context.and_then(|c| c.constant_value(name)) {
                        Some(c) => Ok(self.value_const(Value::from(c.clone()), true, span)),
                        None => Err(self.unknown_variable(name, span)),
                    },
                }
            }
            NodeKind::Unary { op, operand } => self.unary(*op, map[operand.index()], span),
            NodeKind::Binary { op, lhs, rhs } => {
                self.binary(*op, map[lhs.index()], map[rhs.index()], span)
            }
            NodeKind::Attribute { value, attr } => {
                let x = map[value.index()];
                let imag = *attr == Attr::Imag;
                if let Some((v, is_node)) = self.constant(x) {
                    let folded = if is_node {
                        v.node_attr(imag)
                    } else {
                        v.attr(imag)
                    };
                    let folded = folded.map_err(|e| e.with_span(span))?;
                    return Ok(self.value_const(folded, is_node, span));
                }
                let name = if imag { OpName::Imag } else { OpName::Real };
                let label = if imag { ".imag" } else { ".real" };
                self.op(name, vec![x], Some(DType::Float64), label, span)
            }
            NodeKind::Call {
                name,
                name_span,
                args,
                keywords,
            } => {
                let args: Vec<EId> = args.iter().map(|a| map[a.index()]).collect();
                let keywords: Vec<(&str, Span, EId)> = keywords
                    .iter()
                    .map(|k| (k.name.as_str(), k.name_span, map[k.value.index()]))
                    .collect();
                self.call(name, *name_span, args, &keywords, span)
            }
        }
    }

    fn unknown_variable(&self, name: &str, span: Span) -> Error {
        let err = Error::new(
            ErrorKind::UnknownVariable,
            format!("unknown variable `{name}`"),
        )
        .with_span(span);
        if function(name).is_some() {
            return err.with_hint(format!("`{name}` is a function; call it as `{name}(...)`"));
        }
        if let Some(s) = suggest(name, self.decls.iter().map(|d| d.name.as_str())) {
            return err.with_hint(format!("did you mean `{s}`?"));
        }
        if matches!(name, "pi" | "e" | "inf" | "nan") {
            return err.with_hint(format!(
                "there are no predefined constants; pass `{name}` as a variable or write its value"
            ));
        }
        if self.decls.is_empty() {
            err.with_hint("no variables were given")
        } else {
            let names: Vec<&str> = self.decls.iter().map(|d| d.name.as_str()).take(8).collect();
            err.with_hint(format!("the variables are: {}", names.join(", ")))
        }
    }

    fn unary(&mut self, op: UnaryOp, x: EId, span: Span) -> Result<EId> {
        if let Some((v, is_node)) = self.constant(x) {
            if op == UnaryOp::Pos && is_node {
                return Ok(x); // ConstantNode.__pos__ returns itself
            }
            let folded = Value::unary(op, v).map_err(|e| e.with_span(span))?;
            return Ok(self.value_const(folded, is_node, span));
        }
        match op {
            UnaryOp::Pos => {
                self.kind(x)?;
                Ok(x)
            }
            UnaryOp::Neg => self.op(OpName::Neg, vec![x], None, "-", span),
            UnaryOp::Invert => self.op(OpName::Invert, vec![x], None, "~", span),
        }
    }

    fn binary(&mut self, op: BinaryOp, a: EId, b: EId, span: Span) -> Result<EId> {
        let ca = self.constant(a);
        let cb = self.constant(b);
        if let (Some((va, na)), Some((vb, nb))) = (ca, cb) {
            // Python folds literal-only subexpressions; once numexpr holds a
            // ConstantNode, `**` and `/` on it are built as operations and
            // every other operator is folded by `operator.<op>`.
            let fold = match op {
                BinaryOp::Pow => !na,
                BinaryOp::Div => !na && !nb,
                _ => true,
            };
            if fold {
                // A Python literal on the left of a ConstantNode reaches
                // the node's reflected method; numexpr's `__radd__` and
                // `__rmul__` are its `__add__`/`__mul__`, which compute
                // `op(node, literal)`: the result type is the node's.
                let swap = !na && nb && matches!(op, BinaryOp::Add | BinaryOp::Mul);
                let (x, y) = if swap { (vb, va) } else { (va, vb) };
                let folded = Value::binary(op, x, y).map_err(|e| e.with_span(span))?;
                return Ok(self.value_const(folded, na || nb, span));
            }
        }
        let sym = op.symbol();
        let simple = |name| (name, None);
        let (name, kind) = match op {
            BinaryOp::Add => simple(OpName::Add),
            BinaryOp::Sub => simple(OpName::Sub),
            BinaryOp::Mul => simple(OpName::Mul),
            BinaryOp::FloorDiv => simple(OpName::FloorDiv),
            BinaryOp::Mod => simple(OpName::Mod),
            BinaryOp::LShift => simple(OpName::LShift),
            BinaryOp::RShift => simple(OpName::RShift),
            BinaryOp::BitAnd => simple(OpName::And),
            BinaryOp::BitOr => simple(OpName::Or),
            BinaryOp::BitXor => simple(OpName::Xor),
            BinaryOp::Gt => (OpName::Gt, Some(DType::Bool)),
            BinaryOp::Ge => (OpName::Ge, Some(DType::Bool)),
            BinaryOp::Eq => (OpName::Eq, Some(DType::Bool)),
            BinaryOp::Ne => (OpName::Ne, Some(DType::Bool)),
            BinaryOp::Lt | BinaryOp::Le => {
                let name = if op == BinaryOp::Lt {
                    OpName::Gt
                } else {
                    OpName::Ge
                };
                let id = self.op(name, vec![b, a], Some(DType::Bool), sym, span)?;
                if let E::Op { swapped, .. } = &mut self.nodes[id].e {
                    *swapped = true;
                }
                return Ok(id);
            }
            BinaryOp::Div => return self.truediv(a, b, span),
            BinaryOp::Pow => return self.pow(a, b, span),
        };
        self.op(name, vec![a, b], kind, sym, span)
    }

    /// numexpr's `truediv_op`.
    fn truediv(&mut self, a: EId, b: EId, span: Span) -> Result<EId> {
        let ka = self.kind(a)?;
        if let Some((vb, _)) = self.constant(b) {
            let kb = self.kind(b)?;
            if ka == kb && matches!(ka, DType::Float32 | DType::Float64 | DType::Complex128) {
                // x / c -> x * (1/c); when Python cannot compute 1/c (c == 0),
                // numexpr raises; NumPy defines x / 0, so divide instead.
                if let Ok(inv) = Value::binary(BinaryOp::Div, &Value::Py(Py::Float(1.0)), vb) {
                    let c = self.value_const(inv, true, self.nodes[b].span);
                    return self.op(OpName::Mul, vec![a, c], None, "/", span);
                }
            }
        }
        let kind = match self.common(&[a, b], span)? {
            DType::Bool | DType::Int32 | DType::Int64 => DType::Float64,
            k => k,
        };
        self.op(OpName::Div, vec![a, b], Some(kind), "/", span)
    }

    /// numexpr's `pow_op` under the default `optimization='aggressive'`.
    fn pow(&mut self, a: EId, b: EId, span: Span) -> Result<EId> {
        let ka = self.kind(a)?;
        let Some((vb, _)) = self.constant(b) else {
            return self.op(OpName::Pow, vec![a, b], None, "**", span);
        };
        let kb = self.kind(b)?;
        let exponent = real_value(vb);
        if ka.is_integer() && kb.is_integer() && exponent.is_some_and(|x| x < 0.0) {
            return Err(
                type_error("integers to negative integer powers are not allowed", span).with_hint(
                    "write the exponent as a float, e.g. `i ** -1.0`, to get a float result",
                ),
            );
        }
        const RANGE: f64 = 50.0;
        let Some(x) = exponent.filter(|x| (2.0 * x).fract() == 0.0 && x.abs() <= RANGE) else {
            return self.op(OpName::Pow, vec![a, b], None, "**", span);
        };
        let n = x.abs() as u32;
        let half = (2.0 * x).abs() as u32 % 2 == 1;
        let mut r: Option<EId> = None;
        let mut p = a;
        let mut mask = 1u32;
        loop {
            if n & mask != 0 {
                r = Some(match r {
                    None => p,
                    Some(r) => self.op(OpName::Mul, vec![r, p], None, "**", span)?,
                });
            }
            mask <<= 1;
            if mask > n {
                break;
            }
            p = self.op(OpName::Mul, vec![p, p], None, "**", span)?;
        }
        if half {
            let kind = match ka {
                DType::Int32 | DType::Int64 => DType::Float64,
                k => k,
            };
            let s = self.op(OpName::Sqrt, vec![a], Some(kind), "**", span)?;
            r = Some(match r {
                None => s,
                Some(r) => self.op(OpName::Mul, vec![r, s], None, "**", span)?,
            });
        }
        let r = match r {
            Some(r) => r,
            None => self.op(OpName::OnesLike, vec![a], None, "**", span)?,
        };
        if x < 0.0 {
            let one = self.value_const(Value::Py(Py::Int(1)), true, span);
            return self.truediv(one, r, span);
        }
        Ok(r)
    }

    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        args: Vec<EId>,
        keywords: &[(&str, Span, EId)],
        span: Span,
    ) -> Result<EId> {
        let Some(func) = function(name) else {
            if let Some(f) = self.context.and_then(|c| c.function(name)) {
                return self.user_call(f, args, keywords, span);
            }
            let err = Error::new(
                ErrorKind::UnknownFunction,
                format!("unknown function `{name}`"),
            )
            .with_span(name_span);
            let user_names = self.context.into_iter().flat_map(|c| c.function_names());
            if let Some(s) = suggest(name, FUNCTION_NAMES.into_iter().chain(user_names)) {
                return Err(err.with_hint(format!("did you mean `{s}`?")));
            }
            if self.decls.iter().any(|d| d.name == name) {
                return Err(err.with_hint(format!("`{name}` is a variable, not a function")));
            }
            return Err(err);
        };
        let arity_error = |msg: String| Error::new(ErrorKind::Arity, msg).with_span(span);
        if let Func::Reduce(op) = func {
            return self.reduce(op, name, args, keywords, span);
        }
        if let Some((kw, kspan, _)) = keywords.first() {
            return Err(Error::new(
                ErrorKind::Arity,
                format!("{name}() takes no keyword argument `{kw}`"),
            )
            .with_span(*kspan));
        }
        let expected = match func {
            Func::Ufunc { op, .. } => op.arity(),
            Func::Where => 3,
            Func::Contains => 2,
            Func::Reduce(_) => unreachable!(),
        };
        if args.len() != expected {
            let plural = if expected == 1 { "" } else { "s" };
            return Err(arity_error(format!(
                "{name}() takes {expected} argument{plural} ({} given)",
                args.len()
            )));
        }
        match func {
            Func::Where => {
                if let Some((v, _)) = self.constant(args[0]) {
                    // numexpr resolves a constant condition at build time.
                    let chosen = if v.truthy() { args[1] } else { args[2] };
                    for &a in &args {
                        self.kind(a)?;
                    }
                    return Ok(self.as_node(chosen));
                }
                let kind = self.common(&args, span)?;
                self.op(OpName::Where, args, Some(kind), "where", span)
            }
            Func::Contains => self.op(OpName::Contains, args, Some(DType::Bool), "contains", span),
            Func::Ufunc {
                op,
                min,
                max,
                keep_int,
                bool_result,
            } => {
                if args.iter().all(|&a| self.constant(a).is_some()) {
                    let values: Vec<Value> = args
                        .iter()
                        .map(|&a| self.constant(a).expect("const").0.clone())
                        .collect();
                    let folded = Value::call(name, &values).map_err(|e| e.with_span(span))?;
                    return Ok(self.value_const(folded, true, span));
                }
                let mut kind = self.common(&args, span)?;
                if kind.is_integer() {
                    if !keep_int {
                        kind = DType::Float64;
                    }
                } else if kind == DType::Bytes && (min.is_some() || max.is_some()) {
                    return Err(type_error(
                        format!("{name}() is not defined for byte strings"),
                        span,
                    ));
                } else {
                    if let Some(m) = min.filter(|&m| m > kind) {
                        kind = m;
                    }
                    if let Some(m) = max.filter(|&m| m < kind) {
                        kind = m;
                    }
                }
                if bool_result {
                    kind = DType::Bool;
                }
                self.op(
                    op,
                    args,
                    Some(kind),
                    FUNCTION_NAMES[function_index(name)],
                    span,
                )
            }
            Func::Reduce(_) => unreachable!(),
        }
    }

    /// A call of a user-defined function.
    fn user_call(
        &mut self,
        f: &Arc<UserFunction>,
        args: Vec<EId>,
        keywords: &[(&str, Span, EId)],
        span: Span,
    ) -> Result<EId> {
        let name = f.name();
        if let Some((kw, kspan, _)) = keywords.first() {
            return Err(Error::new(
                ErrorKind::Arity,
                format!("{name}() takes no keyword argument `{kw}`"),
            )
            .with_span(*kspan));
        }
        if args.len() != f.arity() {
            let plural = if f.arity() == 1 { "" } else { "s" };
            return Err(Error::new(
                ErrorKind::Arity,
                format!(
                    "{name}() takes {} argument{plural} ({} given)",
                    f.arity(),
                    args.len()
                ),
            )
            .with_span(span));
        }
        for &a in &args {
            let k = self.kind(a)?;
            if matches!(k, DType::Complex128 | DType::Bytes) {
                return Err(type_error(
                    format!("{name}() takes real numbers, not {k}"),
                    self.nodes[a].span,
                ));
            }
        }
        Ok(self.push(
            E::User {
                func: Arc::clone(f),
                args,
            },
            span,
        ))
    }

    /// A constant chosen by `where` becomes a numexpr ConstantNode.
    fn as_node(&mut self, id: EId) -> EId {
        match &self.nodes[id].e {
            E::Const { value, node: false } => {
                let (value, span) = (value.clone(), self.nodes[id].span);
                self.value_const(value, true, span)
            }
            _ => id,
        }
    }

    fn reduce(
        &mut self,
        op: ReduceOp,
        name: &str,
        args: Vec<EId>,
        keywords: &[(&str, Span, EId)],
        span: Span,
    ) -> Result<EId> {
        let mut axis_arg: Option<EId> = None;
        for &(kw, kspan, value) in keywords {
            if kw != "axis" {
                return Err(Error::new(
                    ErrorKind::Arity,
                    format!("{name}() takes no keyword argument `{kw}`"),
                )
                .with_span(kspan)
                .with_hint("the only keyword is `axis`"));
            }
            axis_arg = Some(value);
        }
        let given = args.len() + usize::from(axis_arg.is_some());
        if args.is_empty() || given > 2 {
            return Err(Error::new(
                ErrorKind::Arity,
                format!(
                    "{name}() takes an expression and an optional axis ({given} arguments given)"
                ),
            )
            .with_span(span));
        }
        if args.len() == 2 {
            axis_arg = Some(args[1]);
        }
        let arg = args[0];
        let axis = match axis_arg {
            None => None,
            Some(a) => {
                let aspan = self.nodes[a].span;
                let bad =
                    |msg: &str| Error::new(ErrorKind::Reduction, msg.to_string()).with_span(aspan);
                match self.constant(a).map(|(v, _)| v) {
                    Some(Value::Py(Py::None)) => None,
                    Some(v) => match integer_value(v) {
                        Some(i) if i < 0 => {
                            return Err(bad("negative axes are not supported")
                                .with_hint("count axes from 0, the outermost"));
                        }
                        Some(i) if i > 254 => return Err(bad("axis is out of range")),
                        Some(i) => Some(i as usize),
                        None => return Err(bad("the axis must be an integer constant or None")),
                    },
                    None => return Err(bad("the axis must be an integer constant or None")),
                }
            }
        };
        let kind = self.kind(arg)?;
        if op.result_dtype(kind).is_none() {
            return Err(type_error(
                format!("{name}() is not defined for {kind}"),
                span,
            ));
        }
        Ok(self.push(E::Reduce { op, arg, axis }, span))
    }

    /// numexpr's `typeCompileAst`: selects signatures, inserts casts and
    /// produces the typed IR for the nodes reachable from `root`.
    fn type_compile(&self, root: EId) -> Result<Ir> {
        let (root, reduction) = match &self.nodes[root].e {
            E::Reduce { op, arg, axis } => {
                let dtype = op
                    .result_dtype(self.kind(*arg)?)
                    .expect("checked in reduce");
                let red = Reduction {
                    op: *op,
                    axis: *axis,
                    dtype,
                    span: self.nodes[root].span,
                };
                (*arg, Some(red))
            }
            _ => (root, None),
        };
        // Nodes reachable from the root (operands have smaller ids).
        let mut live = vec![false; root + 1];
        live[root] = true;
        for i in (0..=root).rev() {
            if live[i] {
                match &self.nodes[i].e {
                    E::Op { args, .. } | E::User { args, .. } => {
                        args.iter().for_each(|&a| live[a] = true)
                    }
                    E::Reduce { arg, .. } => live[*arg] = true,
                    _ => {}
                }
            }
        }
        let mut ir = IrBuilder::default();
        let mut ids: Vec<Option<IrId>> = vec![None; root + 1];
        for i in 0..=root {
            if !live[i] {
                continue;
            }
            let ENode { e, span } = &self.nodes[i];
            let span = *span;
            let id = match e {
                E::Const { value, .. } => {
                    let s = value.to_scalar().map_err(|e| e.with_span(span))?;
                    let d = s.dtype();
                    ir.add(IrOp::Const(s), d, vec![], span)
                }
                E::Var(k) => ir.add(IrOp::Input(*k), self.decls[*k].dtype, vec![], span),
                E::Op {
                    name,
                    kind,
                    args,
                    label,
                    swapped,
                } => {
                    let arg_ids: Vec<IrId> = args
                        .iter()
                        .map(|&a| ids[a].expect("operand typed"))
                        .collect();
                    let arg_types: Vec<DType> = arg_ids.iter().map(|&a| ir.node(a).dtype).collect();
                    let Some(sig) = name.find_signature(*kind, &arg_types) else {
                        return Err(self.no_signature(*name, label, *swapped, &arg_types, span));
                    };
                    let mut typed = Vec::with_capacity(args.len());
                    for ((&a, &id), &want) in args.iter().zip(&arg_ids).zip(&sig) {
                        let have = ir.node(id).dtype;
                        typed.push(if have == want {
                            id
                        } else if let E::Const { value, .. } = &self.nodes[a].e {
                            let s = convert_constant(value, want).ok_or_else(|| {
                                type_error(format!("cannot convert constant to {want}"), span)
                            })?;
                            ir.add(IrOp::Const(s), want, vec![], self.nodes[a].span)
                        } else {
                            ir.add(IrOp::Cast, want, vec![id], ir.node(id).span)
                        });
                    }
                    ir.add(IrOp::Op(*name), *kind, typed, span)
                }
                E::User { func, args } => {
                    let mut typed = Vec::with_capacity(args.len());
                    for &a in args {
                        let id = ids[a].expect("operand typed");
                        let n = ir.node(id);
                        typed.push(if n.dtype == DType::Float64 {
                            id
                        } else if let E::Const { value, .. } = &self.nodes[a].e {
                            let s = convert_constant(value, DType::Float64).ok_or_else(|| {
                                type_error("cannot convert constant to float64", span)
                            })?;
                            ir.add(IrOp::Const(s), DType::Float64, vec![], self.nodes[a].span)
                        } else {
                            let sp = n.span;
                            ir.add(IrOp::Cast, DType::Float64, vec![id], sp)
                        });
                    }
                    let k = ir.function(func);
                    ir.add(IrOp::User(k), DType::Float64, typed, span)
                }
                E::Reduce { op, .. } => {
                    return Err(Error::new(
                        ErrorKind::Reduction,
                        format!(
                            "`{}` must be the outermost operation of the expression",
                            op.name()
                        ),
                    )
                    .with_span(span));
                }
            };
            ids[i] = Some(id);
        }
        Ok(ir.finish(ids[root].expect("root typed"), self.decls, reduction))
    }

    fn no_signature(
        &self,
        name: OpName,
        label: &str,
        swapped: bool,
        args: &[DType],
        span: Span,
    ) -> Error {
        let mut shown: Vec<String> = args.iter().map(|d| d.to_string()).collect();
        if swapped {
            shown.reverse();
        }
        let what = if label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            format!("{label}()")
        } else {
            format!("`{label}`")
        };
        let err = type_error(
            format!("{what} is not defined for {}", shown.join(" and ")),
            span,
        );
        let has = |d: DType| args.contains(&d);
        let hint = match name {
            OpName::Where if args[0] != DType::Bool => {
                Some("the condition of where() must be boolean, e.g. `where(x != 0, a, b)`")
            }
            OpName::Gt | OpName::Ge if has(DType::Complex128) => {
                Some("complex numbers are not ordered; compare `abs(z)` or `z.real`")
            }
            OpName::LShift
            | OpName::RShift
            | OpName::And
            | OpName::Or
            | OpName::Xor
            | OpName::Invert
                if has(DType::Float32) || has(DType::Float64) || has(DType::Complex128) =>
            {
                Some("bitwise operators need integer or boolean operands")
            }
            OpName::Sub | OpName::Neg if args.iter().all(|&d| d == DType::Bool) => {
                Some("booleans cannot be subtracted or negated; use `^` (xor) or `~` (not)")
            }
            _ if has(DType::Bytes) => Some("byte strings support comparisons and contains() only"),
            _ => None,
        };
        match hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    }
}

fn function_index(name: &str) -> usize {
    FUNCTION_NAMES
        .iter()
        .position(|&n| n == name)
        .expect("known function")
}

/// The value of a real, finite numeric constant (not complex, not bytes).
fn real_value(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Py(Py::Bool(b)) | Value::Np(Np::Bool(b)) => f64::from(u8::from(*b)),
        Value::Py(Py::Int(i)) => *i as f64,
        Value::Py(Py::Float(f)) | Value::Np(Np::Float64(f)) => *f,
        Value::Np(Np::Int8(i)) => f64::from(*i),
        Value::Np(Np::Int64(i)) => *i as f64,
        Value::Np(Np::Float16(f) | Np::Float32(f)) => f64::from(*f),
        _ => return None,
    };
    x.is_finite().then_some(x)
}

/// An integer constant (bools count as Python ints).
fn integer_value(v: &Value) -> Option<i128> {
    match v {
        Value::Py(Py::Bool(b)) | Value::Np(Np::Bool(b)) => Some(i128::from(*b)),
        Value::Py(Py::Int(i)) => Some(*i),
        Value::Np(Np::Int8(i)) => Some(i128::from(*i)),
        Value::Np(Np::Int64(i)) => Some(i128::from(*i)),
        _ => None,
    }
}

/// numexpr's `convertConstantToKind`: the constant's *original* value
/// converted to `to` (so a float64 that numexpr typed as float32 keeps full
/// precision when it is upcast again).
fn convert_constant(v: &Value, to: DType) -> Option<Scalar> {
    if let Some(i) = integer_value(v) {
        return Some(match to {
            DType::Bool => Scalar::Bool(i != 0),
            DType::Int32 => Scalar::Int32(i as i32),
            DType::Int64 => Scalar::Int64(i as i64),
            DType::Float32 => Scalar::Float32(i as f32),
            DType::Float64 => Scalar::Float64(i as f64),
            DType::Complex128 => Scalar::Complex128(Complex64::new(i as f64, 0.0)),
            DType::Bytes => return None,
        });
    }
    let c = match v {
        Value::Py(Py::Float(f)) | Value::Np(Np::Float64(f)) => Complex64::new(*f, 0.0),
        Value::Np(Np::Float16(f) | Np::Float32(f)) => Complex64::new(f64::from(*f), 0.0),
        Value::Py(Py::Complex(c)) | Value::Np(Np::Complex128(c)) => *c,
        Value::Py(Py::Bytes(b)) if to == DType::Bytes => return Some(Scalar::Bytes(b.clone())),
        _ => return None,
    };
    Some(match to {
        DType::Float32 => Scalar::Float32(c.re as f32),
        DType::Float64 => Scalar::Float64(c.re),
        DType::Complex128 => Scalar::Complex128(c),
        _ => return None,
    })
}

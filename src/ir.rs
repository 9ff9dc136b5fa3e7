//! The typed intermediate representation: a DAG of typed operations.
//!
//! In: built by [`crate::infer`] from the AST.  Out: consumed by
//! [`crate::compile`], which turns it into register bytecode.
//!
//! Every node has a dtype and operands of exactly the dtypes its operation's
//! *signature* requires (casts are explicit nodes).  Nodes are stored in
//! post-order and hash-consed, so identical subexpressions are one node
//! (numexpr's `collapseDuplicateSubtrees`).  The signature table below is
//! numexpr 2.14's opcode and function tables: type inference may only
//! produce an operation with a signature listed here, which is how "no
//! implementation for these types" errors arise exactly where numexpr raises
//! `NotImplementedError`.

use crate::ast::Span;
use crate::context::UserFunction;
use crate::types::{DType, Scalar};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Index of a node in [`Ir::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IrId(pub u32);

impl IrId {
    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

macro_rules! op_names {
    ($($variant:ident => $name:literal : [$($sig:literal),*]),* $(,)?) => {
        /// An element-wise operation, named as in numexpr.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum OpName {
            $(
                #[doc = concat!("numexpr's `", $name, "`")]
                $variant,
            )*
        }

        impl OpName {
            /// Every operation.
            pub const ALL: &'static [OpName] = &[$(OpName::$variant),*];

            /// numexpr's name of the operation (`"add"`, `"arctan2"`, ...).
            pub fn name(self) -> &'static str {
                match self {
                    $(OpName::$variant => $name,)*
                }
            }

            /// The signatures the operation exists for, each as type codes:
            /// result first, then the operands (`"bdd"` = bool from two
            /// float64s).
            pub fn signatures(self) -> &'static [&'static str] {
                match self {
                    $(OpName::$variant => &[$($sig),*],)*
                }
            }
        }
    };
}

op_names! {
    Copy => "copy": ["bb", "ii", "ll", "ff", "dd", "cc", "ss"],
    OnesLike => "ones_like": ["ii", "ll", "ff", "dd", "cc"],
    Neg => "neg": ["ii", "ll", "ff", "dd", "cc"],
    Invert => "invert": ["bb", "ii", "ll"],
    Add => "add": ["iii", "lll", "fff", "ddd", "ccc"],
    Sub => "sub": ["iii", "lll", "fff", "ddd", "ccc"],
    Mul => "mul": ["iii", "lll", "fff", "ddd", "ccc"],
    Div => "div": ["iii", "lll", "fff", "ddd", "ccc"],
    FloorDiv => "floordiv": ["iii", "lll", "fff", "ddd"],
    Mod => "mod": ["iii", "lll", "fff", "ddd"],
    Pow => "pow": ["iii", "lll", "fff", "ddd", "ccc"],
    LShift => "lshift": ["iii", "lll"],
    RShift => "rshift": ["iii", "lll"],
    And => "and": ["bbb", "iii", "lll"],
    Or => "or": ["bbb", "iii", "lll"],
    Xor => "xor": ["bbb", "iii", "lll"],
    Gt => "gt": ["bii", "bll", "bff", "bdd", "bss"],
    Ge => "ge": ["bii", "bll", "bff", "bdd", "bss"],
    Eq => "eq": ["bbb", "bii", "bll", "bff", "bdd", "bcc", "bss"],
    Ne => "ne": ["bbb", "bii", "bll", "bff", "bdd", "bcc", "bss"],
    Where => "where": ["bbbb", "ibii", "lbll", "fbff", "dbdd", "cbcc"],
    Contains => "contains": ["bss"],
    Real => "real": ["dc"],
    Imag => "imag": ["dc"],
    Complex => "complex": ["cdd"],
    Sqrt => "sqrt": ["ff", "dd", "cc"],
    Sin => "sin": ["ff", "dd", "cc"],
    Cos => "cos": ["ff", "dd", "cc"],
    Tan => "tan": ["ff", "dd", "cc"],
    Arcsin => "arcsin": ["ff", "dd", "cc"],
    Arccos => "arccos": ["ff", "dd", "cc"],
    Arctan => "arctan": ["ff", "dd", "cc"],
    Sinh => "sinh": ["ff", "dd", "cc"],
    Cosh => "cosh": ["ff", "dd", "cc"],
    Tanh => "tanh": ["ff", "dd", "cc"],
    Arcsinh => "arcsinh": ["ff", "dd", "cc"],
    Arccosh => "arccosh": ["ff", "dd", "cc"],
    Arctanh => "arctanh": ["ff", "dd", "cc"],
    Log => "log": ["ff", "dd", "cc"],
    Log1p => "log1p": ["ff", "dd", "cc"],
    Log10 => "log10": ["ff", "dd", "cc"],
    Log2 => "log2": ["ff", "dd", "cc"],
    Exp => "exp": ["ff", "dd", "cc"],
    Expm1 => "expm1": ["ff", "dd", "cc"],
    Absolute => "absolute": ["ii", "ll", "ff", "dd", "cc"],
    Ceil => "ceil": ["ff", "dd"],
    Floor => "floor": ["ff", "dd"],
    Trunc => "trunc": ["ff", "dd"],
    Round => "round": ["ii", "ll", "ff", "dd", "cc"],
    Sign => "sign": ["ii", "ll", "ff", "dd", "cc"],
    Conjugate => "conjugate": ["ff", "dd", "cc"],
    IsNan => "isnan": ["bf", "bd", "bc"],
    IsFinite => "isfinite": ["bf", "bd", "bc"],
    IsInf => "isinf": ["bf", "bd", "bc"],
    SignBit => "signbit": ["bf", "bd"],
    Arctan2 => "arctan2": ["fff", "ddd"],
    Fmod => "fmod": ["fff", "ddd"],
    Hypot => "hypot": ["fff", "ddd"],
    NextAfter => "nextafter": ["fff", "ddd"],
    CopySign => "copysign": ["fff", "ddd"],
    Maximum => "maximum": ["fff", "ddd"],
    Minimum => "minimum": ["fff", "ddd"],
}

impl OpName {
    /// Number of operands.
    pub fn arity(self) -> usize {
        self.signatures()[0].len() - 1
    }

    /// numexpr's signature search (`typeCompileAst` + `sigPerms`): the first
    /// operand dtypes, each upcast independently along `b < i < l < f < d < c`
    /// (first operand varying slowest), for which the operation exists with
    /// result `ret`.  `None` is numexpr's `NotImplementedError`.
    pub fn find_signature(self, ret: DType, args: &[DType]) -> Option<Vec<DType>> {
        if args.len() != self.arity() {
            return None;
        }
        let choices: Vec<&[DType]> = args.iter().map(|a| a.upcasts()).collect();
        let mut idx = vec![0usize; args.len()];
        loop {
            let cand: Vec<DType> = idx.iter().zip(&choices).map(|(&i, c)| c[i]).collect();
            let code: String = std::iter::once(ret)
                .chain(cand.iter().copied())
                .map(DType::code)
                .collect();
            if self.signatures().contains(&code.as_str()) {
                return Some(cand);
            }
            // Odometer: last operand varies fastest.
            let mut k = args.len();
            loop {
                if k == 0 {
                    return None;
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < choices[k].len() {
                    break;
                }
                idx[k] = 0;
            }
        }
    }
}

impl fmt::Display for OpName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A reduction applied to the whole expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// `sum`
    Sum,
    /// `prod`
    Prod,
    /// `min` (NaNs ignored, as numexpr's `fmin`)
    Min,
    /// `max` (NaNs ignored, as numexpr's `fmax`)
    Max,
    /// `mean` (an extension; NumPy's result dtypes)
    Mean,
    /// `any` (an extension)
    Any,
    /// `all` (an extension)
    All,
}

impl ReduceOp {
    /// The function name.
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Prod => "prod",
            ReduceOp::Min => "min",
            ReduceOp::Max => "max",
            ReduceOp::Mean => "mean",
            ReduceOp::Any => "any",
            ReduceOp::All => "all",
        }
    }

    /// The result dtype for an operand of dtype `arg`, or `None` when the
    /// reduction is not defined for it.  numexpr's rules (`sum`/`prod`/`min`/
    /// `max` keep the dtype), extended as NumPy where numexpr fails: `sum`
    /// and `prod` of bool give int64, `min`/`max` of bool and int32 work.
    pub fn result_dtype(self, arg: DType) -> Option<DType> {
        use DType::*;
        match (self, arg) {
            (_, Bytes) => None,
            (ReduceOp::Sum | ReduceOp::Prod, Bool) => Some(Int64),
            (ReduceOp::Sum | ReduceOp::Prod, d) => Some(d),
            (ReduceOp::Min | ReduceOp::Max, Complex128) => None,
            (ReduceOp::Min | ReduceOp::Max, d) => Some(d),
            (ReduceOp::Mean, Bool | Int32 | Int64) => Some(Float64),
            (ReduceOp::Mean, d) => Some(d),
            (ReduceOp::Any | ReduceOp::All, _) => Some(Bool),
        }
    }
}

/// The reduction an expression ends with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reduction {
    /// Which reduction.
    pub op: ReduceOp,
    /// The axis, or `None` for all axes.
    pub axis: Option<usize>,
    /// The result dtype.
    pub dtype: DType,
    /// The call in the source (for axis errors found at evaluation).
    pub span: Span,
}

/// What a node computes.
#[derive(Clone, Debug, PartialEq)]
pub enum IrOp {
    /// The input with this index in [`Ir::inputs`].
    Input(usize),
    /// A constant.
    Const(Scalar),
    /// Conversion of the single operand to the node's dtype.
    Cast,
    /// An element-wise operation.
    Op(OpName),
    /// A user-defined function (index into [`Ir::functions`]); float64
    /// operands and result.
    User(u32),
}

/// One typed node.
#[derive(Clone, Debug, PartialEq)]
pub struct IrNode {
    /// The operation.
    pub op: IrOp,
    /// The result dtype.
    pub dtype: DType,
    /// Operands (already of the dtypes the signature requires).
    pub args: Vec<IrId>,
    /// The source text the node comes from.
    pub span: Span,
}

/// A variable the expression reads.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InputDecl {
    /// Its name.
    pub name: String,
    /// Its dtype.
    pub dtype: DType,
}

/// A typed expression.
#[derive(Clone, Debug)]
pub struct Ir {
    /// Nodes in post-order; only nodes reachable from `root`.
    pub nodes: Vec<IrNode>,
    /// The value of the expression (before the reduction, if any).
    pub root: IrId,
    /// The variables read, sorted by name.
    pub inputs: Vec<InputDecl>,
    /// The final reduction, if the expression is one.
    pub reduction: Option<Reduction>,
    /// User-defined functions the expression calls.
    pub functions: Vec<Arc<UserFunction>>,
}

impl Ir {
    /// The node `id`.
    pub fn node(&self, id: IrId) -> &IrNode {
        &self.nodes[id.index()]
    }

    /// The dtype of the expression's result (after the reduction).
    pub fn result_dtype(&self) -> DType {
        self.reduction
            .map_or(self.node(self.root).dtype, |r| r.dtype)
    }
}

/// Hashable identity of a constant (floats by bit pattern).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ConstKey {
    Bool(bool),
    Int(i64, DType),
    Bits(u64, u64, DType),
    Bytes(Vec<u8>),
}

fn const_key(s: &Scalar) -> ConstKey {
    match s {
        Scalar::Bool(v) => ConstKey::Bool(*v),
        Scalar::Int32(v) => ConstKey::Int(i64::from(*v), DType::Int32),
        Scalar::Int64(v) => ConstKey::Int(*v, DType::Int64),
        Scalar::Float32(v) => ConstKey::Bits(u64::from(v.to_bits()), 0, DType::Float32),
        Scalar::Float64(v) => ConstKey::Bits(v.to_bits(), 0, DType::Float64),
        Scalar::Complex128(v) => ConstKey::Bits(v.re.to_bits(), v.im.to_bits(), DType::Complex128),
        Scalar::Bytes(v) => ConstKey::Bytes(v.clone()),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum NodeKey {
    Input(usize),
    Const(ConstKey),
    Cast(DType, IrId),
    Op(OpName, DType, Vec<IrId>),
    User(u32, Vec<IrId>),
}

/// Builds an [`Ir`] with hash-consing: adding a node equal to an existing
/// one returns the existing id.
#[derive(Default)]
pub struct IrBuilder {
    nodes: Vec<IrNode>,
    index: HashMap<NodeKey, IrId>,
    functions: Vec<Arc<UserFunction>>,
}

impl IrBuilder {
    /// Adds (or finds) a node.
    pub fn add(&mut self, op: IrOp, dtype: DType, args: Vec<IrId>, span: Span) -> IrId {
        let key = match &op {
            IrOp::Input(i) => NodeKey::Input(*i),
            IrOp::Const(s) => NodeKey::Const(const_key(s)),
            IrOp::Cast => NodeKey::Cast(dtype, args[0]),
            IrOp::Op(name) => NodeKey::Op(*name, dtype, args.clone()),
            IrOp::User(k) => NodeKey::User(*k, args.clone()),
        };
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = IrId(self.nodes.len() as u32);
        self.nodes.push(IrNode {
            op,
            dtype,
            args,
            span,
        });
        self.index.insert(key, id);
        id
    }

    /// The node `id`.
    pub fn node(&self, id: IrId) -> &IrNode {
        &self.nodes[id.index()]
    }

    /// The index of user function `f` in the IR's function table (added on
    /// first use).
    pub fn function(&mut self, f: &Arc<UserFunction>) -> u32 {
        let k = match self.functions.iter().position(|g| Arc::ptr_eq(g, f)) {
            Some(k) => k,
            None => {
                self.functions.push(Arc::clone(f));
                self.functions.len() - 1
            }
        };
        k as u32
    }

    /// Finishes the IR: keeps the nodes reachable from `root` (renumbered,
    /// still in post-order) and the inputs they read (renumbered, sorted by
    /// name as `all_inputs` is).
    pub fn finish(self, root: IrId, all_inputs: &[InputDecl], reduction: Option<Reduction>) -> Ir {
        let n = root.index() + 1;
        let mut live = vec![false; n];
        live[root.index()] = true;
        for i in (0..n).rev() {
            if live[i] {
                for a in &self.nodes[i].args {
                    live[a.index()] = true;
                }
            }
        }
        let mut used_inputs: Vec<usize> = self.nodes[..n]
            .iter()
            .zip(&live)
            .filter_map(|(node, &l)| match node.op {
                IrOp::Input(i) if l => Some(i),
                _ => None,
            })
            .collect();
        used_inputs.sort_unstable();
        used_inputs.dedup();
        let mut new_id = vec![IrId(u32::MAX); n];
        let mut nodes = Vec::new();
        for (i, node) in self.nodes.into_iter().take(n).enumerate() {
            if !live[i] {
                continue;
            }
            let mut node = node;
            if let IrOp::Input(k) = node.op {
                node.op = IrOp::Input(used_inputs.binary_search(&k).expect("used input"));
            }
            for a in &mut node.args {
                *a = new_id[a.index()];
            }
            new_id[i] = IrId(nodes.len() as u32);
            nodes.push(node);
        }
        Ir {
            nodes,
            root: new_id[root.index()],
            inputs: used_inputs.iter().map(|&i| all_inputs[i].clone()).collect(),
            reduction,
            functions: self.functions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn signature_search_upcasts_like_numexpr() {
        // int32 + float32 -> add_fff
        assert_eq!(
            OpName::Add.find_signature(Float32, &[Int32, Float32]),
            Some(vec![Float32, Float32])
        );
        // bool > bool -> gt_bii
        assert_eq!(
            OpName::Gt.find_signature(Bool, &[Bool, Bool]),
            Some(vec![Int32, Int32])
        );
        // bool == bool -> eq_bbb
        assert_eq!(
            OpName::Eq.find_signature(Bool, &[Bool, Bool]),
            Some(vec![Bool, Bool])
        );
        // where(bool, int32, float64) with result float64 -> where_dbdd
        assert_eq!(
            OpName::Where.find_signature(Float64, &[Bool, Int32, Float64]),
            Some(vec![Bool, Float64, Float64])
        );
        // where with a non-bool condition does not exist
        assert_eq!(
            OpName::Where.find_signature(Float64, &[Int32, Float64, Float64]),
            None
        );
        // isnan(int32) -> isnan_bf
        assert_eq!(
            OpName::IsNan.find_signature(Bool, &[Int32]),
            Some(vec![Float32])
        );
        // sub of bools does not exist
        assert_eq!(OpName::Sub.find_signature(Bool, &[Bool, Bool]), None);
        // complex(float32, float32) -> complex_cdd
        assert_eq!(
            OpName::Complex.find_signature(Complex128, &[Float32, Float32]),
            Some(vec![Float64, Float64])
        );
        // strings never meet numbers
        assert_eq!(OpName::Eq.find_signature(Bool, &[Bytes, Int32]), None);
        assert_eq!(
            OpName::Eq.find_signature(Bool, &[Bytes, Bytes]),
            Some(vec![Bytes, Bytes])
        );
    }

    #[test]
    fn builder_hash_conses_and_prunes() {
        let mut b = IrBuilder::default();
        let s = Span::default();
        let x = b.add(IrOp::Input(1), Float64, vec![], s);
        let unused = b.add(IrOp::Input(0), Float64, vec![], s);
        let c = b.add(IrOp::Const(Scalar::Float64(2.0)), Float64, vec![], s);
        let m1 = b.add(IrOp::Op(OpName::Mul), Float64, vec![x, c], s);
        let m2 = b.add(IrOp::Op(OpName::Mul), Float64, vec![x, c], s);
        assert_eq!(m1, m2);
        let root = b.add(IrOp::Op(OpName::Add), Float64, vec![m1, m2], s);
        let _ = unused;
        let inputs = vec![
            InputDecl {
                name: "a".into(),
                dtype: Float64,
            },
            InputDecl {
                name: "b".into(),
                dtype: Float64,
            },
        ];
        let ir = b.finish(root, &inputs, None);
        assert_eq!(ir.nodes.len(), 4);
        assert_eq!(ir.inputs, vec![inputs[1].clone()]);
        assert_eq!(ir.node(IrId(0)).op, IrOp::Input(0));
        assert_eq!(ir.root, IrId(3));
    }
}

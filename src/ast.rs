//! The abstract syntax tree: what an expression string says, with source spans.
//!
//! In: produced by [`crate::parse`].  Out: consumed by `crate::infer`.
//!
//! The tree is stored flat, as an arena of [`Node`]s in post-order: every
//! node's operands have smaller ids than the node itself and the root is the
//! last node.  Every later pass is therefore a loop over a slice instead of a
//! recursion, so an expression of any length (`a+a+a+...`) cannot overflow the
//! stack; only parenthesis nesting recurses, and the parser bounds it.

use std::fmt;

/// A byte range `start..end` in the expression string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for std::ops::Range<usize> {
    fn from(s: Span) -> Self {
        s.start..s.end
    }
}

/// Index of a node in [`Ast::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x` (identity)
    Pos,
    /// `~x`: logical not for bool, bitwise not for integers
    Invert,
}

impl UnaryOp {
    /// The operator's source text.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            UnaryOp::Invert => "~",
        }
    }
}

/// Infix operators, comparisons included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (true division)
    Div,
    /// `//` (floor division)
    FloorDiv,
    /// `%` (floor modulo)
    Mod,
    /// `**`
    Pow,
    /// `<<`
    LShift,
    /// `>>`
    RShift,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl BinaryOp {
    /// Every infix operator.
    pub const ALL: [BinaryOp; 18] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::FloorDiv,
        BinaryOp::Mod,
        BinaryOp::Pow,
        BinaryOp::LShift,
        BinaryOp::RShift,
        BinaryOp::BitAnd,
        BinaryOp::BitOr,
        BinaryOp::BitXor,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Ge,
        BinaryOp::Gt,
    ];

    /// The operator's source text.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            FloorDiv => "//",
            Mod => "%",
            Pow => "**",
            LShift => "<<",
            RShift => ">>",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
            Lt => "<",
            Le => "<=",
            Eq => "==",
            Ne => "!=",
            Ge => ">=",
            Gt => ">",
        }
    }

    /// The operator for a source token.
    pub fn from_symbol(s: &str) -> Option<BinaryOp> {
        BinaryOp::ALL.into_iter().find(|op| op.symbol() == s)
    }

    /// Binding strength, Python's: comparisons 1 (lowest), `|` 2, `^` 3,
    /// `&` 4, shifts 5, `+ -` 6, `* / // %` 7, `**` 9 (prefix operators are 8).
    pub fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Lt | Le | Eq | Ne | Ge | Gt => 1,
            BitOr => 2,
            BitXor => 3,
            BitAnd => 4,
            LShift | RShift => 5,
            Add | Sub => 6,
            Mul | Div | FloorDiv | Mod => 7,
            Pow => 9,
        }
    }

    /// `**` groups to the right; everything else to the left.
    pub fn right_assoc(self) -> bool {
        self == BinaryOp::Pow
    }

    /// True for the six comparison operators.
    pub fn is_comparison(self) -> bool {
        self.precedence() == 1
    }
}

/// Binding strength of the prefix operators `- + ~` (between `*` and `**`).
pub const PREFIX_PRECEDENCE: u8 = 8;

/// `.real` / `.imag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attr {
    /// `.real`
    Real,
    /// `.imag`
    Imag,
}

/// A literal constant, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// An integer literal (any base); its magnitude fits in `i128`.
    Int(i128),
    /// A float literal (`1e999` is `inf`).
    Float(f64),
    /// An imaginary literal (`2j`): the value of the imaginary part.
    Imag(f64),
    /// `True` / `False`.
    Bool(bool),
    /// A string literal, `b'..'` or `'..'`, as bytes.
    Bytes(Vec<u8>),
    /// `None` (only meaningful as `axis=None`).
    None,
}

/// A keyword argument `name=value` in a call.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyword {
    /// The keyword.
    pub name: String,
    /// Where the keyword is written.
    pub name_span: Span,
    /// The argument value.
    pub value: NodeId,
}

/// What a node is.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A constant.
    Literal(Literal),
    /// A variable reference.
    Name(String),
    /// A prefix operation.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        operand: NodeId,
    },
    /// An infix operation or comparison.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: NodeId,
        /// Right operand.
        rhs: NodeId,
    },
    /// A function call.
    Call {
        /// The function name.
        name: String,
        /// Where the name is written.
        name_span: Span,
        /// Positional arguments.
        args: Vec<NodeId>,
        /// Keyword arguments.
        keywords: Vec<Keyword>,
    },
    /// `.real` or `.imag` applied to a value.
    Attribute {
        /// The value.
        value: NodeId,
        /// Which attribute.
        attr: Attr,
    },
}

/// One node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// The source text it covers.
    pub span: Span,
}

/// A parsed expression: nodes in post-order, the root last.
#[derive(Clone, Debug, PartialEq)]
pub struct Ast {
    /// The nodes; operands always precede their users.
    pub nodes: Vec<Node>,
}

impl Ast {
    /// The root node (the whole expression).
    pub fn root(&self) -> NodeId {
        NodeId(self.nodes.len() as u32 - 1)
    }

    /// The node with id `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Appends a node and returns its id.
    pub fn push(&mut self, kind: NodeKind, span: Span) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node { kind, span });
        id
    }

    /// The operands of a node, in source order.
    pub fn children(&self, id: NodeId) -> Vec<NodeId> {
        match &self.node(id).kind {
            NodeKind::Literal(_) | NodeKind::Name(_) => vec![],
            NodeKind::Unary { operand, .. } => vec![*operand],
            NodeKind::Binary { lhs, rhs, .. } => vec![*lhs, *rhs],
            NodeKind::Call { args, keywords, .. } => args
                .iter()
                .copied()
                .chain(keywords.iter().map(|k| k.value))
                .collect(),
            NodeKind::Attribute { value, .. } => vec![*value],
        }
    }

    /// The names of all variables the expression reads, sorted, without
    /// duplicates.
    pub fn variables(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Name(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// Writes the expression back as fully parenthesised source text.  The walk
/// uses an explicit stack, so any tree the parser accepts can be printed.
impl fmt::Display for Ast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        enum Item<'a> {
            Node(NodeId),
            Text(&'a str),
            Owned(String),
        }
        let mut stack = vec![Item::Node(self.root())];
        while let Some(item) = stack.pop() {
            let id = match item {
                Item::Text(t) => {
                    f.write_str(t)?;
                    continue;
                }
                Item::Owned(t) => {
                    f.write_str(&t)?;
                    continue;
                }
                Item::Node(id) => id,
            };
            // Items are pushed in reverse order of printing.
            match &self.node(id).kind {
                NodeKind::Literal(lit) => match lit {
                    Literal::Int(v) => write!(f, "{v}")?,
                    Literal::Float(v) if v.is_infinite() => f.write_str("1e999")?,
                    Literal::Float(v) => write!(f, "{v:?}")?,
                    Literal::Imag(v) => write!(f, "{v:?}j")?,
                    Literal::Bool(v) => f.write_str(if *v { "True" } else { "False" })?,
                    Literal::Bytes(v) => write!(f, "b'{}'", v.escape_ascii())?,
                    Literal::None => f.write_str("None")?,
                },
                NodeKind::Name(n) => f.write_str(n)?,
                NodeKind::Unary { op, operand } => {
                    stack.push(Item::Text(")"));
                    stack.push(Item::Node(*operand));
                    f.write_str("(")?;
                    f.write_str(op.symbol())?;
                }
                NodeKind::Binary { op, lhs, rhs } => {
                    stack.push(Item::Text(")"));
                    stack.push(Item::Node(*rhs));
                    stack.push(Item::Owned(format!(" {} ", op.symbol())));
                    stack.push(Item::Node(*lhs));
                    f.write_str("(")?;
                }
                NodeKind::Call {
                    name,
                    args,
                    keywords,
                    ..
                } => {
                    write!(f, "{name}(")?;
                    stack.push(Item::Text(")"));
                    let mut parts: Vec<Item> = Vec::new();
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            parts.push(Item::Text(", "));
                        }
                        parts.push(Item::Node(*a));
                    }
                    for (i, k) in keywords.iter().enumerate() {
                        if i > 0 || !args.is_empty() {
                            parts.push(Item::Text(", "));
                        }
                        parts.push(Item::Owned(format!("{}=", k.name)));
                        parts.push(Item::Node(k.value));
                    }
                    stack.extend(parts.into_iter().rev());
                }
                NodeKind::Attribute { value, attr } => {
                    stack.push(Item::Text(match attr {
                        Attr::Real => ").real",
                        Attr::Imag => ").imag",
                    }));
                    stack.push(Item::Node(*value));
                    f.write_str("(")?;
                }
            }
        }
        Ok(())
    }
}

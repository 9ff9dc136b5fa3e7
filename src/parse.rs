//! Parsing: expression text → [`Ast`] with byte spans.
//!
//! In: the expression string.  Out: an [`Ast`] (flat, post-order) or a
//! `syntax` / `value` / `too_complex` [`Error`] pointing into the string.
//!
//! The pest grammar (`grammar/ndexpr.pest`) recognises tokens and the flat
//! operand/operator sequence; this module resolves precedence with an
//! iterative precedence climber (no recursion per operator, so `a+a+...+a`
//! of any length is fine), converts literals, and turns pest's failures into
//! messages written for people who type formulas: `and`/`or`/`not` name their
//! replacements `&`/`|`/`~`, chained comparisons suggest parentheses, and so
//! on.  Nesting depth and length are checked *before* pest runs, so that the
//! recursive descent can never overflow the stack.

use crate::ast::{
    Ast, Attr, BinaryOp, Keyword, Literal, NodeId, NodeKind, PREFIX_PRECEDENCE, Span, UnaryOp,
};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::{MAX_EXPR_LEN, MAX_NESTING, MAX_NODES};
use pest::Parser as _;
use pest::iterators::Pair;

mod grammar {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/ndexpr.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// Parses an expression.
///
/// ```
/// let ast = ndexpr::parse::parse("2*a**3 - b").unwrap();
/// assert_eq!(ast.to_string(), "((2 * (a ** 3)) - b)");
/// ```
pub fn parse(src: &str) -> Result<Ast> {
    if src.len() > MAX_EXPR_LEN {
        return Err(Error::new(
            ErrorKind::TooComplex,
            format!(
                "expression is {} bytes long; the limit is {MAX_EXPR_LEN}",
                src.len()
            ),
        )
        .with_span(Span::new(MAX_EXPR_LEN, src.len())));
    }
    let scan = prescan(src)?;
    if scan.max_depth <= INLINE_DEPTH {
        return parse_checked(src, &scan);
    }
    // Deeply nested input: pest's descent and the builder recurse once per
    // level, so run them on a thread whose stack is known to be large enough
    // for MAX_NESTING levels, whatever the caller's stack is.
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("ndexpr-parse".into())
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(s, || parse_checked(src, &scan))
        {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No threads on this platform: parse here.
            Err(_) => parse_checked(src, &scan),
        }
    })
}

/// Nesting depth up to which parsing runs on the caller's stack (about 2 KiB
/// of stack per level in debug builds).
const INLINE_DEPTH: usize = 16;

/// Stack for parsing deeper expressions: ample for [`MAX_NESTING`] levels.
const PARSE_STACK_BYTES: usize = 32 << 20;

fn parse_checked(src: &str, scan: &Scan) -> Result<Ast> {
    let mut pairs =
        Grammar::parse(Rule::expression, src).map_err(|e| syntax_error(src, scan, e))?;
    let expression = pairs.next().expect("grammar: expression");
    let expr = expression.into_inner().next().expect("grammar: expr");
    let mut builder = Builder {
        src,
        ast: Ast { nodes: Vec::new() },
    };
    builder.expr(expr)?;
    Ok(builder.ast)
}

/// What the pre-scan learned: where unmatched parentheses are.
struct Scan {
    /// Byte offsets of `(` that are never closed.
    unclosed: Vec<usize>,
    /// Deepest parenthesis nesting.
    max_depth: usize,
}

/// Checks nesting depth (outside string literals) and finds unclosed or
/// unmatched parentheses, without recursion.
fn prescan(src: &str) -> Result<Scan> {
    let bytes = src.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut max_depth = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                // Skip a string literal (an unterminated one runs to the end
                // of the line; pest reports it).
                i += 1;
                while i < bytes.len() && bytes[i] != q && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' => {
                open.push(i);
                max_depth = max_depth.max(open.len());
                if open.len() > MAX_NESTING {
                    return Err(Error::new(
                        ErrorKind::TooComplex,
                        format!("parentheses are nested more than {MAX_NESTING} deep"),
                    )
                    .with_span(Span::new(i, i + 1)));
                }
            }
            b')' if open.pop().is_none() => {
                return Err(Error::new(ErrorKind::Syntax, "unmatched `)`")
                    .with_span(Span::new(i, i + 1))
                    .with_hint("remove it, or add the `(` it should close"));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(Scan {
        unclosed: open,
        max_depth,
    })
}

/// Python's reserved words, with what to write instead where we know.
fn keyword_message(word: &str) -> Option<(String, Option<&'static str>)> {
    let (msg, hint) = match word {
        "and" => (
            "the `and` keyword is not supported",
            Some(
                "use `&` for element-wise logical and, with parentheses around comparisons: `(a > 1) & (b < 2)`",
            ),
        ),
        "or" => (
            "the `or` keyword is not supported",
            Some(
                "use `|` for element-wise logical or, with parentheses around comparisons: `(a > 1) | (b < 2)`",
            ),
        ),
        "not" => (
            "the `not` keyword is not supported",
            Some("use `~` for element-wise logical not: `~(a > 1)`"),
        ),
        "if" | "else" => (
            "conditional expressions (`x if c else y`) are not supported",
            Some("use `where(c, x, y)`"),
        ),
        "lambda" => ("`lambda` is not supported", None),
        "in" => (
            "the `in` operator is not supported",
            Some("for byte strings use `contains(haystack, needle)`"),
        ),
        "is" => ("the `is` operator is not supported", Some("use `==`")),
        "for" => ("comprehensions are not supported", None),
        "None" => ("`None` is only allowed as `axis=None`", None),
        w if is_reserved(w) => return Some((format!("`{w}` is a reserved word"), None)),
        _ => return None,
    };
    Some((msg.to_string(), hint))
}

fn is_reserved(word: &str) -> bool {
    const RESERVED: [&str; 35] = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    RESERVED.contains(&word)
}

/// The identifier starting at `pos`, if any.
fn word_at(src: &str, pos: usize) -> Option<&str> {
    let rest = &src[pos..];
    let first = rest.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..len])
}

/// Explains a malformed number at the start of `rest` (pest failed there):
/// `2a`, `1.real`, `0123`, `1__0`.  Returns the length of the bad run, the
/// message and a hint.
fn bad_number(rest: &str) -> Option<(usize, &'static str, &'static str)> {
    let b = rest.as_bytes();
    let numeric =
        b.first()?.is_ascii_digit() || (b[0] == b'.' && b.get(1).is_some_and(u8::is_ascii_digit));
    if !numeric {
        return None;
    }
    let len = b
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.')))
        .unwrap_or(b.len());
    let run = &b[..len];
    let digits = run.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0
        && run
            .get(digits)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        if run[digits] == b'_' {
            return Some((
                len,
                "invalid number literal",
                "`_` may only separate two digits",
            ));
        }
        return Some((
            len,
            "invalid number literal",
            "a number cannot be followed directly by a name; implicit multiplication is not supported: write `2*a`, not `2a`",
        ));
    }
    if digits > 1 && run[0] == b'0' && run[..digits].iter().any(|&c| c != b'0') {
        return Some((
            len,
            "leading zeros are not allowed in decimal integers",
            "write `0o17` for an octal number",
        ));
    }
    Some((
        len,
        "invalid number literal",
        "numbers look like `12`, `0x1f`, `1.5`, `.5`, `2e-3` or `3j`",
    ))
}

/// Turns pest's failure into a message about what is at the failure point.
fn syntax_error(src: &str, scan: &Scan, err: pest::error::Error<Rule>) -> Error {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let expected_operand = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives
            .iter()
            .any(|r| matches!(r, Rule::prefix | Rule::number | Rule::name | Rule::operand)),
        pest::error::ErrorVariant::CustomError { message } => {
            // pest's own guards ("stack limit reached", "call limit reached").
            return Error::new(
                ErrorKind::TooComplex,
                format!("expression is too deeply nested to parse ({message})"),
            )
            .with_span(Span::new(pos, pos));
        }
    };
    let syntax = |msg: String, span: Span| Error::new(ErrorKind::Syntax, msg).with_span(span);
    let rest = &src[pos..];
    let Some(c) = rest.chars().next() else {
        // End of input.
        if src.trim().is_empty() {
            return syntax("empty expression".into(), Span::new(pos, pos));
        }
        if let Some(&open) = scan.unclosed.last() {
            return syntax("unclosed `(`".into(), Span::new(open, open + 1))
                .with_hint("add the missing `)`");
        }
        let msg = if expected_operand {
            "unexpected end of expression: an operand is missing"
        } else {
            "unexpected end of expression"
        };
        return syntax(msg.into(), Span::new(pos, pos));
    };
    if let Some((len, msg, hint)) = bad_number(rest) {
        return syntax(msg.into(), Span::new(pos, pos + len)).with_hint(hint);
    }
    if let Some(word) = word_at(src, pos) {
        let span = Span::new(pos, pos + word.len());
        if let Some((msg, hint)) = keyword_message(word) {
            let e = syntax(msg, span);
            return match hint {
                Some(h) => e.with_hint(h),
                None => e,
            };
        }
        if !expected_operand {
            return syntax(format!("expected an operator before `{word}`"), span)
                .with_hint("implicit multiplication is not supported: write `2*a`, not `2a`");
        }
    }
    let span = Span::new(pos, pos + c.len_utf8());
    let (msg, hint): (String, Option<&str>) = match c {
        '[' => ("indexing is not supported".into(), None),
        ';' => ("only a single expression is allowed".into(), None),
        ':' => ("`:` is not supported".into(), None),
        '@' => (
            "the matrix multiplication operator `@` is not supported".into(),
            Some("use `*` for element-wise multiplication"),
        ),
        '=' => (
            "assignment is not supported".into(),
            Some("use `==` to compare"),
        ),
        '.' => (
            "unexpected `.`".into(),
            Some("only the attributes `.real` and `.imag` exist"),
        ),
        '{' | '}' | ',' => (format!("unexpected `{c}`"), None),
        '\'' | '"' => ("unterminated string literal".into(), None),
        ')' if expected_operand => ("expected an operand before `)`".into(), None),
        c if !c.is_ascii() => (
            format!("unexpected character `{c}` (U+{:04X})", c as u32),
            Some("only ASCII operators and names are allowed"),
        ),
        c if c.is_ascii_control() => (format!("unexpected control character {:?}", c), None),
        c if expected_operand => (format!("expected an operand, found `{c}`"), None),
        c => (
            format!("expected an operator or the end of the expression, found `{c}`"),
            None,
        ),
    };
    let e = syntax(msg, span);
    match hint {
        Some(h) => e.with_hint(h),
        None => e,
    }
}

/// Builds the AST from pest's pairs.
struct Builder<'s> {
    src: &'s str,
    ast: Ast,
}

/// An operand on the precedence climber's stack.
#[derive(Clone, Copy)]
struct Operand {
    id: NodeId,
    span: Span,
    /// Produced by a comparison that is not wrapped in parentheses.
    bare_comparison: bool,
}

/// An operator on the precedence climber's stack.
enum Pending {
    Prefix(UnaryOp, usize),
    Infix(BinaryOp, Span),
}

impl Pending {
    fn precedence(&self) -> u8 {
        match self {
            Pending::Prefix(..) => PREFIX_PRECEDENCE,
            Pending::Infix(op, _) => op.precedence(),
        }
    }
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl<'s> Builder<'s> {
    fn push(&mut self, kind: NodeKind, span: Span) -> Result<NodeId> {
        if self.ast.nodes.len() >= MAX_NODES {
            return Err(Error::new(
                ErrorKind::TooComplex,
                format!("expression has more than {MAX_NODES} nodes"),
            )
            .with_span(span));
        }
        Ok(self.ast.push(kind, span))
    }

    /// `expr = operand (infix operand)*`, resolved by precedence climbing.
    fn expr(&mut self, pair: Pair<'s, Rule>) -> Result<Operand> {
        let mut operands: Vec<Operand> = Vec::new();
        let mut ops: Vec<Pending> = Vec::new();
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::operand => {
                    let mut inner = item.into_inner().peekable();
                    while let Some(p) = inner.next_if(|p| p.as_rule() == Rule::prefix) {
                        let op = match p.as_str() {
                            "-" => UnaryOp::Neg,
                            "+" => UnaryOp::Pos,
                            _ => UnaryOp::Invert,
                        };
                        ops.push(Pending::Prefix(op, p.as_span().start()));
                    }
                    let primary = inner.next().expect("grammar: primary");
                    let mut value = self.primary(primary)?;
                    for attr in inner {
                        value = self.attribute(value, attr)?;
                    }
                    operands.push(value);
                }
                Rule::infix => {
                    let op = BinaryOp::from_symbol(item.as_str()).expect("grammar: infix");
                    let prec = op.precedence();
                    while let Some(top) = ops.last() {
                        let top_prec = top.precedence();
                        if top_prec > prec || (top_prec == prec && !op.right_assoc()) {
                            let top = ops.pop().expect("non-empty");
                            self.reduce(top, &mut operands)?;
                        } else {
                            break;
                        }
                    }
                    ops.push(Pending::Infix(op, span_of(&item)));
                }
                r => unreachable!("grammar: unexpected {r:?} in expr"),
            }
        }
        while let Some(top) = ops.pop() {
            self.reduce(top, &mut operands)?;
        }
        debug_assert_eq!(operands.len(), 1);
        Ok(operands.pop().expect("grammar: expr has an operand"))
    }

    fn reduce(&mut self, op: Pending, operands: &mut Vec<Operand>) -> Result<()> {
        match op {
            Pending::Prefix(op, start) => {
                let operand = operands.pop().expect("prefix operand");
                let span = Span::new(start, operand.span.end);
                let id = self.push(
                    NodeKind::Unary {
                        op,
                        operand: operand.id,
                    },
                    span,
                )?;
                operands.push(Operand {
                    id,
                    span,
                    bare_comparison: false,
                });
            }
            Pending::Infix(op, op_span) => {
                let rhs = operands.pop().expect("rhs");
                let lhs = operands.pop().expect("lhs");
                if op.is_comparison() && (lhs.bare_comparison || rhs.bare_comparison) {
                    return Err(self.chained_comparison(lhs, op, op_span, rhs));
                }
                let span = lhs.span.to(rhs.span);
                let id = self.push(
                    NodeKind::Binary {
                        op,
                        lhs: lhs.id,
                        rhs: rhs.id,
                    },
                    span,
                )?;
                operands.push(Operand {
                    id,
                    span,
                    bare_comparison: op.is_comparison(),
                });
            }
        }
        Ok(())
    }

    fn text(&self, span: Span) -> &'s str {
        self.src[span.start..span.end].trim()
    }

    /// `x < y < z` (and `a > 1 & b < 6`, which is `a > (1 & b) < 6`).
    fn chained_comparison(&self, lhs: Operand, op: BinaryOp, op_span: Span, rhs: Operand) -> Error {
        let err = Error::new(ErrorKind::Syntax, "comparisons cannot be chained").with_span(op_span);
        // Suggest the grouping the user most likely meant.
        if let NodeKind::Binary {
            op: first,
            lhs: x,
            rhs: mid,
        } = &self.ast.node(lhs.id).kind
        {
            let x = self.ast.node(*x).span;
            let mid_node = self.ast.node(*mid);
            if let NodeKind::Binary {
                op: bit @ (BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor),
                lhs: p,
                rhs: q,
            } = &mid_node.kind
            {
                let (p, q) = (self.ast.node(*p).span, self.ast.node(*q).span);
                // Only if the middle operand is not itself parenthesised.
                if !self.text(mid_node.span).starts_with('(') {
                    return err.with_hint(format!(
                        "`{}` binds tighter than comparisons; write `({} {} {}) {} ({} {} {})`",
                        bit.symbol(),
                        self.text(x),
                        first.symbol(),
                        self.text(p),
                        bit.symbol(),
                        self.text(q),
                        op.symbol(),
                        self.text(rhs.span),
                    ));
                }
            }
            let y = self.ast.node(*mid).span;
            return err.with_hint(format!(
                "write `({} {} {}) & ({} {} {})`",
                self.text(x),
                first.symbol(),
                self.text(y),
                self.text(y),
                op.symbol(),
                self.text(rhs.span),
            ));
        }
        err.with_hint("add parentheses around each comparison")
    }

    fn attribute(&mut self, value: Operand, pair: Pair<'s, Rule>) -> Result<Operand> {
        let span = span_of(&pair);
        let name = pair.into_inner().next().expect("grammar: attribute name");
        let attr = match name.as_str() {
            "real" => Attr::Real,
            "imag" => Attr::Imag,
            other => {
                return Err(
                    Error::new(ErrorKind::Syntax, format!("unknown attribute `.{other}`"))
                        .with_span(span)
                        .with_hint("only `.real` and `.imag` are supported"),
                );
            }
        };
        let span = value.span.to(span);
        let id = self.push(
            NodeKind::Attribute {
                value: value.id,
                attr,
            },
            span,
        )?;
        Ok(Operand {
            id,
            span,
            bare_comparison: false,
        })
    }

    fn primary(&mut self, pair: Pair<'s, Rule>) -> Result<Operand> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = pair.into_inner().next().expect("grammar: paren expr");
                let mut value = self.expr(inner)?;
                // Parentheses end a comparison chain and widen the span.
                value.bare_comparison = false;
                value.span = span;
                return Ok(value);
            }
            Rule::name => NodeKind::Name(pair.as_str().to_string()),
            Rule::constant => {
                let inner = pair.into_inner().next().expect("grammar: constant");
                NodeKind::Literal(match inner.as_rule() {
                    Rule::true_lit => Literal::Bool(true),
                    Rule::false_lit => Literal::Bool(false),
                    _ => Literal::None,
                })
            }
            Rule::number => NodeKind::Literal(number(pair)?),
            Rule::string => NodeKind::Literal(Literal::Bytes(string(pair)?)),
            Rule::call => return self.call(pair),
            r => unreachable!("grammar: unexpected primary {r:?}"),
        };
        let id = self.push(kind, span)?;
        Ok(Operand {
            id,
            span,
            bare_comparison: false,
        })
    }

    fn call(&mut self, pair: Pair<'s, Rule>) -> Result<Operand> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = inner.next().expect("grammar: call name");
        let name_span = span_of(&name);
        let mut args = Vec::new();
        let mut keywords: Vec<Keyword> = Vec::new();
        for arg in inner {
            if arg.as_rule() == Rule::keyword_argument {
                let mut kw = arg.into_inner();
                let key = kw.next().expect("grammar: keyword");
                let key_span = span_of(&key);
                if keywords.iter().any(|k| k.name == key.as_str()) {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        format!("keyword argument `{}` repeated", key.as_str()),
                    )
                    .with_span(key_span));
                }
                let value = self.expr(kw.next().expect("grammar: keyword value"))?;
                keywords.push(Keyword {
                    name: key.as_str().to_string(),
                    name_span: key_span,
                    value: value.id,
                });
            } else {
                let arg_span = span_of(&arg);
                let value = self.expr(arg)?;
                if !keywords.is_empty() {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        "positional argument follows keyword argument",
                    )
                    .with_span(arg_span));
                }
                args.push(value.id);
            }
        }
        let id = self.push(
            NodeKind::Call {
                name: name.as_str().to_string(),
                name_span,
                args,
                keywords,
            },
            span,
        )?;
        Ok(Operand {
            id,
            span,
            bare_comparison: false,
        })
    }
}

/// Converts a `number` pair to a literal.
fn number(pair: Pair<'_, Rule>) -> Result<Literal> {
    let span = span_of(&pair);
    let inner = pair.into_inner().next().expect("grammar: number kind");
    let text: String = inner.as_str().chars().filter(|&c| c != '_').collect();
    let radix = match inner.as_rule() {
        Rule::imag_lit => {
            let body = &text[..text.len() - 1];
            return Ok(Literal::Imag(
                body.parse::<f64>().expect("grammar: float body"),
            ));
        }
        Rule::float_lit => {
            return Ok(Literal::Float(text.parse::<f64>().expect("grammar: float")));
        }
        Rule::hex_lit => 16,
        Rule::oct_lit => 8,
        Rule::bin_lit => 2,
        _ => 10,
    };
    let digits = if radix == 10 { &text[..] } else { &text[2..] };
    i128::from_str_radix(digits, radix)
        .map(Literal::Int)
        .map_err(|_| {
            Error::new(ErrorKind::Value, "integer literal is too large")
                .with_span(span)
                .with_hint(
                    "integers must fit in 64 bits; write a float (e.g. `1e30`) for larger values",
                )
        })
}

/// Decodes a string literal (Python bytes-literal escapes) to bytes.
fn string(pair: Pair<'_, Rule>) -> Result<Vec<u8>> {
    let span = span_of(&pair);
    let mut raw = false;
    let mut body = "";
    let mut body_start = span.start;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::string_prefix => raw = p.as_str().contains(['r', 'R']),
            _ => {
                body = p.as_str();
                body_start = p.as_span().start();
            }
        }
    }
    if let Some((i, c)) = body.char_indices().find(|(_, c)| !c.is_ascii()) {
        return Err(Error::new(
            ErrorKind::Syntax,
            format!("non-ASCII character `{c}` in a string literal"),
        )
        .with_span(Span::new(body_start + i, body_start + i + c.len_utf8()))
        .with_hint("strings are byte strings; use \\x escapes for other bytes"));
    }
    let b = body.as_bytes();
    if raw {
        return Ok(b.to_vec());
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let e = b[i + 1];
        i += 2;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let hex = b.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => {
                        let at = body_start + i - 2;
                        return Err(Error::new(ErrorKind::Syntax, "invalid \\x escape")
                            .with_span(Span::new(at, (at + 4).min(body_start + b.len())))
                            .with_hint("write two hexadecimal digits, e.g. \\x00"));
                    }
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                // Python keeps unknown escapes as written.
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse(s)
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
            .to_string()
    }

    fn err(s: &str) -> Error {
        parse(s).expect_err(s)
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(p("a + b * c"), "(a + (b * c))");
        assert_eq!(p("a - b - c"), "((a - b) - c)");
        assert_eq!(p("2**3**2"), "(2 ** (3 ** 2))");
        assert_eq!(p("-a**2"), "(-(a ** 2))");
        assert_eq!(p("a**-b"), "(a ** (-b))");
        assert_eq!(p("a**-b*c"), "((a ** (-b)) * c)");
        assert_eq!(p("-a*b"), "((-a) * b)");
        assert_eq!(p("--a"), "(-(-a))");
        assert_eq!(
            p("a | b ^ c & d << 1 + 2"),
            "(a | (b ^ (c & (d << (1 + 2)))))"
        );
        assert_eq!(p("a + 1 > b * 2"), "((a + 1) > (b * 2))");
        assert_eq!(p("a // b % c"), "((a // b) % c)");
        assert_eq!(p("~a & b"), "((~a) & b)");
    }

    #[test]
    fn literals() {
        let ast = parse("0x1F + 0o17 + 0b101 + 1_000 + 00").unwrap();
        let ints: Vec<i128> = ast
            .nodes
            .iter()
            .filter_map(|n| match n.kind {
                NodeKind::Literal(Literal::Int(v)) => Some(v),
                _ => None,
            })
            .collect();
        assert_eq!(ints, vec![31, 15, 5, 1000, 0]);
        assert_eq!(
            p("1. + .5 + 1e3 + 2.5E-3"),
            "(((1.0 + 0.5) + 1000.0) + 0.0025)"
        );
        assert_eq!(p("2j + 1.5J"), "(2.0j + 1.5j)");
        assert_eq!(p("1e999"), "1e999");
        assert_eq!(p("True & False"), "(True & False)");
        assert_eq!(p(r"b'a\x00\n' == 'b'"), r"(b'a\x00\n' == b'b')");
    }

    #[test]
    fn calls_attributes_and_whitespace() {
        assert_eq!(p(" \tsum(a, axis=0)\n"), "sum(a, axis=0)");
        assert_eq!(p("where(a > 1, a, -a)"), "where((a > 1), a, (-a))");
        assert_eq!(p("z.real + (a+b).imag"), "((z).real + ((a + b)).imag)");
        assert_eq!(p("f()"), "f()");
        assert_eq!(p("f(a,)"), "f(a)");
    }

    #[test]
    fn spans_cover_source_text() {
        let src = "foo(a) + bar";
        let ast = parse(src).unwrap();
        let call = ast
            .nodes
            .iter()
            .find_map(|n| match &n.kind {
                NodeKind::Call { name_span, .. } => Some((*name_span, n.span)),
                _ => None,
            })
            .unwrap();
        assert_eq!(&src[call.0.start..call.0.end], "foo");
        assert_eq!(&src[call.1.start..call.1.end], "foo(a)");
        assert_eq!(ast.node(ast.root()).span, Span::new(0, src.len()));
    }

    #[test]
    fn rejected_syntax_has_specific_messages() {
        let e = err("a > 1 and a < 2");
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert!(
            e.message().contains("`and`") && e.hint().unwrap().contains('&'),
            "{e}"
        );
        assert_eq!(e.span(), Some(Span::new(6, 9)));
        assert!(err("not a").hint().unwrap().contains('~'));
        assert!(err("a or b").hint().unwrap().contains('|'));
        assert!(err("a if b else c").hint().unwrap().contains("where"));
        assert!(err("a[0]").message().contains("indexing"));
        assert!(err("a.T").hint().unwrap().contains(".real"));
        assert!(err("a = 1").hint().unwrap().contains("=="));
        assert!(err("a @ b").message().contains('@'));
        assert!(err("(lambda: 1)()").message().contains("lambda"));
        assert!(err("2a").hint().unwrap().contains("2*a"));
        assert!(err("2 pi").hint().unwrap().contains("2*a"));
        assert!(err("1.real").message().contains("number"));
        assert_eq!(err("").message(), "empty expression");
        assert_eq!(err("   ").message(), "empty expression");
        let e = err("(a + b");
        assert_eq!(
            (e.message(), e.span()),
            ("unclosed `(`", Some(Span::new(0, 1)))
        );
        assert_eq!(err("a + b)").message(), "unmatched `)`");
        let e = err("a +* b");
        assert!(e.message().contains("operand"), "{e}");
        assert_eq!(e.span(), Some(Span::new(3, 4)));
        assert!(err("a × b").message().contains("U+00D7"));
        assert!(err("a\0+1").message().contains("control"));
        assert!(err("a ; b").message().contains("single"));
        assert!(err("01").message().contains("leading zeros"));
        assert!(err("1__0").hint().unwrap().contains('_'));
        assert!(err("f(axis=1, a)").message().contains("positional"));
    }

    #[test]
    fn chained_comparisons_suggest_parentheses() {
        let e = err("a < b < c");
        assert_eq!(e.message(), "comparisons cannot be chained");
        assert_eq!(e.hint(), Some("write `(a < b) & (b < c)`"));
        let e = err("a > 1 & b < 6");
        assert_eq!(
            e.hint(),
            Some("`&` binds tighter than comparisons; write `(a > 1) & (b < 6)`")
        );
        assert_eq!(p("(a < b) < c"), "((a < b) < c)");
    }

    #[test]
    fn limits_are_errors() {
        let deep = format!(
            "{}a{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert_eq!(err(&deep).kind(), ErrorKind::TooComplex);
        let ok = format!("{}a{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(parse(&ok).is_ok());
        let long = format!("a{}", "+a".repeat(MAX_EXPR_LEN));
        assert_eq!(err(&long).kind(), ErrorKind::TooComplex);
        assert_eq!(
            err("99999999999999999999999999999999999999999").kind(),
            ErrorKind::Value
        );
    }

    #[test]
    fn deep_nesting_parses_on_a_small_stack() {
        let src = format!(
            "{}a{}",
            "sin(-(".repeat(MAX_NESTING / 2),
            "))".repeat(MAX_NESTING / 2)
        );
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || parse(&src).map(|a| a.nodes.len()))
            .unwrap();
        assert!(handle.join().unwrap().is_ok());
    }

    #[test]
    fn long_flat_expressions_do_not_recurse() {
        let src = format!("a{}", "+a".repeat(20_000));
        let handle = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || parse(&src).map(|a| a.nodes.len()))
            .unwrap();
        assert_eq!(handle.join().unwrap().unwrap(), 40_001);
    }
}

//! The one error type of the crate.
//!
//! In: raised by every stage.  Out: an [`Error`] with an [`ErrorKind`] (the
//! categories of the conformance corpus), a message, the byte span of the
//! offending text, an optional hint, and a `Display` that shows the
//! expression with a caret line under the span:
//!
//! ```text
//! error[unknown_function]: unknown function `sine`
//!   |
//!   | sine(a) + 1
//!   | ^^^^
//!   = hint: did you mean `sin`?
//! ```

use crate::ast::Span;
use std::fmt;
use std::sync::Arc;

/// The category of an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text is not an expression of the language.
    Syntax,
    /// A name that is neither given as a variable nor a known constant.
    UnknownVariable,
    /// A call of a function that does not exist.
    UnknownFunction,
    /// A function called with the wrong number or names of arguments.
    Arity,
    /// An operation that is not defined for its operand types.
    Type,
    /// Input shapes that do not broadcast, or a result too large to allocate.
    Shape,
    /// A reduction used other than as the outermost operation, or with a bad
    /// axis.
    Reduction,
    /// A literal or constant computation with no representable value
    /// (integer too large, division by zero in constants, ...).
    Value,
    /// The expression exceeds a documented limit (length, nesting, size).
    TooComplex,
}

impl ErrorKind {
    /// The corpus name of the kind (`"syntax"`, `"unknown_variable"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::UnknownVariable => "unknown_variable",
            ErrorKind::UnknownFunction => "unknown_function",
            ErrorKind::Arity => "arity",
            ErrorKind::Type => "type",
            ErrorKind::Shape => "shape",
            ErrorKind::Reduction => "reduction",
            ErrorKind::Value => "value",
            ErrorKind::TooComplex => "too_complex",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from parsing, checking, compiling or evaluating an expression.
///
/// `Display` prints the message, and when the error points into the
/// expression, the expression with a caret line under the problem and a hint
/// where one helps.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct Error {
    kind: ErrorKind,
    message: String,
    span: Option<Span>,
    hint: Option<String>,
    expr: Option<Arc<str>>,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            span: None,
            hint: None,
            expr: None,
        }
    }

    /// Sets the span the error points at.
    pub fn with_span(mut self, span: Span) -> Error {
        self.span = Some(span);
        self
    }

    /// Adds a hint ("did you mean `sin`?").
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches the expression text, so that `Display` can show it (done by
    /// the API for every error that has a span).
    pub fn with_expr(mut self, expr: &Arc<str>) -> Error {
        if self.expr.is_none() {
            self.expr = Some(Arc::clone(expr));
        }
        self
    }

    /// The category.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the source excerpt.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte span in the expression the error points at, if any.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The expression the error belongs to, if known.
    pub fn expr(&self) -> Option<&str> {
        self.expr.as_deref()
    }

    fn render(&self) -> String {
        let mut out = format!("error[{}]: {}", self.kind, self.message);
        if let (Some(expr), Some(span)) = (&self.expr, self.span) {
            let (line, caret) = excerpt(expr, span);
            out.push_str("\n  |\n  | ");
            out.push_str(&line);
            out.push_str("\n  | ");
            out.push_str(&caret);
        }
        if let Some(hint) = &self.hint {
            out.push_str("\n  = hint: ");
            out.push_str(hint);
        }
        out
    }
}

/// Longest excerpt of the expression shown around the span, in characters.
const EXCERPT_WIDTH: usize = 72;

/// The line of `expr` holding `span` (cut to [`EXCERPT_WIDTH`] characters
/// around it, with `...` where cut) and a caret line under the span.
/// Control characters are shown escaped so that the carets stay aligned.
fn excerpt(expr: &str, span: Span) -> (String, String) {
    let start = floor_char_boundary(expr, span.start.min(expr.len()));
    let end = floor_char_boundary(expr, span.end.clamp(start, expr.len()));
    let line_start = expr[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = expr[end..].find('\n').map_or(expr.len(), |i| end + i);
    let line_end = line_end.max(end);
    // (displayed text, is inside span) per character
    let cells: Vec<(String, bool)> = expr[line_start..line_end]
        .char_indices()
        .map(|(i, c)| {
            let at = line_start + i;
            let shown = match c {
                '\t' | '\r' | '\n' => " ".to_string(),
                c if c.is_control() => c.escape_default().to_string(),
                c => c.to_string(),
            };
            (shown, at >= start && at < end)
        })
        .collect();
    let first = cells.iter().position(|c| c.1).unwrap_or_else(|| {
        // Empty span or span at end of input: point after the text.
        expr[line_start..start].chars().count()
    });
    let last = cells.iter().rposition(|c| c.1).unwrap_or(first);
    let from = if last + 1 > EXCERPT_WIDTH {
        first.saturating_sub(EXCERPT_WIDTH / 3)
    } else {
        0
    };
    // A span longer than the excerpt is cut too (its carets run to the
    // cut), so that a huge expression never gives a huge message.
    let to = (from + EXCERPT_WIDTH).min(cells.len());
    let mut line = String::new();
    let mut caret = String::new();
    if from > 0 {
        line.push_str("...");
        caret.push_str("   ");
    }
    for (i, (shown, inside)) in cells.iter().enumerate().take(to).skip(from) {
        let width = shown.chars().count();
        line.push_str(shown);
        let mark = if *inside || (i == first && first == last && !inside) {
            '^'
        } else {
            ' '
        };
        caret.extend(std::iter::repeat_n(mark, width));
    }
    if to < cells.len() {
        line.push_str("...");
    }
    if first >= cells.len() {
        // Caret after the end of the text.
        caret.push('^');
    }
    (line, caret.trim_end().to_string())
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The candidate closest to `name` by edit distance, if it is close enough to
/// be a plausible typo.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match name.chars().count() {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

/// Damerau-Levenshtein (optimal string alignment) distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(expr: &str, start: usize, end: usize) -> String {
        Error::new(ErrorKind::Syntax, "msg")
            .with_span(Span::new(start, end))
            .with_expr(&Arc::from(expr))
            .to_string()
    }

    #[test]
    fn caret_under_span() {
        let s = shown("sine(a) + 1", 0, 4);
        assert_eq!(s, "error[syntax]: msg\n  |\n  | sine(a) + 1\n  | ^^^^");
    }

    #[test]
    fn caret_after_end_of_input() {
        let s = shown("(a + b", 6, 6);
        assert!(s.ends_with("  | (a + b\n  |       ^"), "{s}");
    }

    #[test]
    fn control_characters_are_escaped_and_aligned() {
        let s = shown("a\0+1", 1, 2);
        assert!(s.ends_with("  | a\\u{0}+1\n  |  ^^^^^"), "{s}");
    }

    #[test]
    fn long_expressions_are_cut_around_the_span() {
        let expr = format!("{}b{}", "a+".repeat(200), "+a".repeat(200));
        let s = shown(&expr, 400, 401);
        let lines: Vec<&str> = s.lines().collect();
        assert!(
            lines[2].len() < 100 && lines[2].starts_with("  | ..."),
            "{s}"
        );
        let col = lines[3].find('^').unwrap();
        assert_eq!(&lines[2][col..=col], "b");
    }

    #[test]
    fn long_spans_are_cut_too() {
        let expr = format!("a{}", "+a".repeat(500_000));
        let s = shown(&expr, 100_000, expr.len());
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[2], format!("  | ...{}...", &expr[99_976..100_048]));
        assert_eq!(
            lines[3],
            format!("  |    {}{}", " ".repeat(24), "^".repeat(48))
        );
        let s = shown("sum(a) * 2", 0, 10);
        assert!(s.ends_with("  | sum(a) * 2\n  | ^^^^^^^^^^"), "{s}");
    }

    #[test]
    fn multi_line_expressions_show_the_line_of_the_span() {
        let s = shown("a +\n  foo(b)", 6, 9);
        assert!(s.contains("  |   foo(b)\n  |   ^^^"), "{s}");
    }

    #[test]
    fn suggestions_pick_close_names() {
        let funcs = ["sin", "sinh", "arcsin", "sqrt"];
        assert_eq!(suggest("sine", funcs), Some("sin"));
        assert_eq!(suggest("sqr", funcs), Some("sqrt"));
        assert_eq!(suggest("xyzzy", funcs), None);
        assert_eq!(suggest("sni", funcs), Some("sin"));
    }
}

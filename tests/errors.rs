//! Error quality: for every error kind, the whole `Display` text: the
//! message, the expression with a caret line under the offending bytes, and
//! the hint that says what to write instead.

use ndarray::{Array1, array};
use ndexpr::limits::{MAX_EXPR_LEN, MAX_NESTING, MAX_TEMPORARIES};
use ndexpr::{DType, Error, ErrorKind, Expression, Options, Vars, evaluate, vars};
use num_complex::Complex64;

/// The error of evaluating `src` over `vars`.
fn error(src: &str, vars: &Vars<'_>) -> Error {
    match evaluate(src, vars) {
        Ok(v) => panic!("{src:?}: expected an error, got a {} result", v.dtype()),
        Err(e) => e,
    }
}

/// The rendering of an error on a one-line ASCII expression: message, the
/// expression, carets under bytes `start..end`, and the hint.
fn rendered(
    kind: &str,
    message: &str,
    src: &str,
    start: usize,
    end: usize,
    hint: Option<&str>,
) -> String {
    let mut s = format!(
        "error[{kind}]: {message}\n  |\n  | {src}\n  | {}{}",
        " ".repeat(start),
        "^".repeat((end - start).max(1))
    );
    if let Some(h) = hint {
        s.push_str("\n  = hint: ");
        s.push_str(h);
    }
    s
}

fn numbers() -> (Array1<f64>, Array1<f64>) {
    (array![1.0, 2.0, 3.0], array![0.5, 0.5, 0.5])
}

#[test]
fn syntax_errors_name_the_problem_and_the_replacement() {
    let (a, b) = numbers();
    let v = vars! { "a" => &a, "b" => &b, "c" => &b };
    let cases: [(&str, &str, usize, usize, Option<&str>); 11] = [
        ("a +* 2", "expected an operand, found `*`", 3, 4, None),
        (
            "a > 1 and a < 2",
            "the `and` keyword is not supported",
            6,
            9,
            Some(
                "use `&` for element-wise logical and, with parentheses around comparisons: `(a > 1) & (b < 2)`",
            ),
        ),
        (
            "not a",
            "the `not` keyword is not supported",
            0,
            3,
            Some("use `~` for element-wise logical not: `~(a > 1)`"),
        ),
        (
            "a if b else c",
            "conditional expressions (`x if c else y`) are not supported",
            2,
            4,
            Some("use `where(c, x, y)`"),
        ),
        (
            "a < b < c",
            "comparisons cannot be chained",
            6,
            7,
            Some("write `(a < b) & (b < c)`"),
        ),
        (
            "a > 1 & b < 6",
            "comparisons cannot be chained",
            10,
            11,
            Some("`&` binds tighter than comparisons; write `(a > 1) & (b < 6)`"),
        ),
        ("(a + b", "unclosed `(`", 0, 1, Some("add the missing `)`")),
        (
            "a + b)",
            "unmatched `)`",
            5,
            6,
            Some("remove it, or add the `(` it should close"),
        ),
        (
            "2a",
            "invalid number literal",
            0,
            2,
            Some(
                "a number cannot be followed directly by a name; implicit multiplication is not supported: write `2*a`, not `2a`",
            ),
        ),
        (
            "a.T",
            "unknown attribute `.T`",
            1,
            3,
            Some("only `.real` and `.imag` are supported"),
        ),
        (
            "a = 1",
            "assignment is not supported",
            2,
            3,
            Some("use `==` to compare"),
        ),
    ];
    for (src, message, start, end, hint) in cases {
        let e = error(src, &v);
        assert_eq!(e.kind(), ErrorKind::Syntax, "{src}");
        assert_eq!(
            e.to_string(),
            rendered("syntax", message, src, start, end, hint),
            "{src}"
        );
    }
}

#[test]
fn carets_stay_under_the_right_character() {
    let (a, b) = numbers();
    let v = vars! { "a" => &a, "b" => &b };
    // A two-byte character: one caret under one character.
    let e = error("a × b", &v);
    assert_eq!(
        e.to_string(),
        "error[syntax]: unexpected character `×` (U+00D7)\n  |\n  | a × b\n  |   ^\n  = hint: only ASCII operators and names are allowed"
    );
    assert_eq!(e.span().map(|s| (s.start, s.end)), Some((2, 4)));
    // A control character is shown escaped, with carets under the escape.
    let e = error("a\0+1", &v);
    assert_eq!(
        e.to_string(),
        "error[syntax]: unexpected control character '\\0'\n  |\n  | a\\u{0}+1\n  |  ^^^^^"
    );
    // Tabs are shown as spaces so that the carets line up.
    let e = error("a\t+ bb", &v);
    assert!(e.to_string().contains("\n  | a + bb\n  |     ^^\n"), "{e}");
    // Multi-line expressions show the line of the error.
    let e = error("a +\n  sinn(b)", &v);
    assert_eq!(
        e.to_string(),
        "error[unknown_function]: unknown function `sinn`\n  |\n  |   sinn(b)\n  |   ^^^^\n  = hint: did you mean `sin`?"
    );
    // An error at the end of the input points after the text.
    let e = error("a +", &v);
    assert_eq!(
        e.to_string(),
        "error[syntax]: unexpected end of expression: an operand is missing\n  |\n  | a +\n  |    ^"
    );
}

#[test]
fn unknown_variables_suggest_names() {
    let (a, b) = numbers();
    let v = vars! { "a" => &a, "b" => &b };
    let e = error("a + bb", &v);
    assert_eq!(e.kind(), ErrorKind::UnknownVariable);
    assert_eq!(
        e.to_string(),
        rendered(
            "unknown_variable",
            "unknown variable `bb`",
            "a + bb",
            4,
            6,
            Some("did you mean `b`?")
        )
    );
    let e = error("pi * r", &vars! { "r" => &a });
    assert_eq!(
        e.to_string(),
        rendered(
            "unknown_variable",
            "unknown variable `pi`",
            "pi * r",
            0,
            2,
            Some("there are no predefined constants; pass `pi` as a variable or write its value")
        )
    );
    let e = error("sin + 1", &v);
    assert_eq!(e.hint(), Some("`sin` is a function; call it as `sin(...)`"));
    let e = error("q", &Vars::new());
    assert_eq!(
        e.to_string(),
        rendered(
            "unknown_variable",
            "unknown variable `q`",
            "q",
            0,
            1,
            Some("no variables were given")
        )
    );
    let e = error("zzz", &v);
    assert_eq!(e.hint(), Some("the variables are: a, b"));
}

#[test]
fn unknown_functions_suggest_functions() {
    let (a, _) = numbers();
    let v = vars! { "a" => &a };
    let e = error("sine(a) + 1", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "unknown_function",
            "unknown function `sine`",
            "sine(a) + 1",
            0,
            4,
            Some("did you mean `sin`?")
        )
    );
    let e = error("2 * arctna2(a, a)", &v);
    assert_eq!(e.hint(), Some("did you mean `arctan2`?"));
    assert_eq!(e.span().map(|s| (s.start, s.end)), Some((4, 11)));
    let e = error("a(1)", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "unknown_function",
            "unknown function `a`",
            "a(1)",
            0,
            1,
            Some("`a` is a variable, not a function")
        )
    );
}

#[test]
fn arity_errors_point_at_the_call_or_the_keyword() {
    let (a, b) = numbers();
    let v = vars! { "a" => &a, "b" => &b };
    let e = error("where(a > 1, a)", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "arity",
            "where() takes 3 arguments (2 given)",
            "where(a > 1, a)",
            0,
            15,
            None
        )
    );
    let e = error("1 + sin()", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "arity",
            "sin() takes 1 argument (0 given)",
            "1 + sin()",
            4,
            9,
            None
        )
    );
    let e = error("sum(a, 0, 1)", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "arity",
            "sum() takes an expression and an optional axis (3 arguments given)",
            "sum(a, 0, 1)",
            0,
            12,
            None
        )
    );
    let e = error("sin(a, out=b)", &v);
    assert_eq!(e.kind(), ErrorKind::Arity);
    assert_eq!(e.message(), "sin() takes no keyword argument `out`");
    assert_eq!(e.span().map(|s| (s.start, s.end)), Some((7, 10)));
    let e = error("sum(a, out=b)", &v);
    assert_eq!(e.hint(), Some("the only keyword is `axis`"));
}

#[test]
fn type_errors_name_the_operand_types_and_the_fix() {
    let (a, _) = numbers();
    let x = array![true, false, true];
    let z = array![Complex64::new(1.0, 1.0)];
    let i = array![1i32, 2, 3];
    let v = vars! { "a" => &a, "x" => &x, "z" => &z, "i" => &i };
    let e = error("1 + (a << 1)", &v);
    assert_eq!(e.kind(), ErrorKind::Type);
    assert_eq!(e.span().map(|s| (s.start, s.end)), Some((5, 11)));
    assert_eq!(
        e.hint(),
        Some("bitwise operators need integer or boolean operands")
    );
    assert!(
        e.message().starts_with("`<<` is not defined for float64"),
        "{e}"
    );
    let e = error("x - x", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "type",
            "`-` is not defined for bool and bool",
            "x - x",
            0,
            5,
            Some("booleans cannot be subtracted or negated; use `^` (xor) or `~` (not)")
        )
    );
    let e = error("where(a, 1, 2)", &v);
    assert_eq!(
        e.hint(),
        Some("the condition of where() must be boolean, e.g. `where(x != 0, a, b)`")
    );
    let e = error("z > 1", &v);
    assert_eq!(
        e.hint(),
        Some("complex numbers are not ordered; compare `abs(z)` or `z.real`")
    );
    let e = error("i ** -1", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "type",
            "integers to negative integer powers are not allowed",
            "i ** -1",
            0,
            7,
            Some("write the exponent as a float, e.g. `i ** -1.0`, to get a float result")
        )
    );
    // Compiled for one dtype, evaluated with another.
    let expr = Expression::new("a * 2", &[("a", DType::Float64)]).unwrap();
    let e = expr.evaluate(&vars! { "a" => &i }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type);
    assert_eq!(
        e.message(),
        "variable `a` is int32 but the expression was compiled for float64"
    );
}

#[test]
fn shape_errors_show_both_shapes() {
    let a = array![1.0, 2.0];
    let b = array![1.0, 2.0, 3.0];
    let e = error("a + b", &vars! { "a" => &a, "b" => &b });
    assert_eq!(
        e.to_string(),
        "error[shape]: shapes cannot be broadcast together: `a` has shape (2,) and `b` has shape (3,)\n  = hint: dimensions are matched from the right and must be equal or 1"
    );
    let expr = Expression::new("a * 2", &[("a", DType::Float64)]).unwrap();
    let mut out = Array1::<f64>::zeros(3);
    let e = expr
        .evaluate_into(&vars! { "a" => &a }, out.view_mut(), &Options::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Shape);
    assert!(
        e.message().contains("(3,)") && e.message().contains("(2,)"),
        "{e}"
    );
}

#[test]
fn reduction_errors_point_at_the_reduction_or_its_axis() {
    let (a, _) = numbers();
    let v = vars! { "a" => &a };
    let e = error("sum(a) * 2", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "reduction",
            "`sum` must be the outermost operation of the expression",
            "sum(a) * 2",
            0,
            6,
            Some(
                "reductions cannot be combined with other operations; compute the rest separately"
            )
        )
    );
    let e = error("sum(a, axis=-1)", &v);
    assert_eq!(
        e.to_string(),
        rendered(
            "reduction",
            "negative axes are not supported",
            "sum(a, axis=-1)",
            12,
            14,
            Some("count axes from 0, the outermost")
        )
    );
    let e = error("sum(a, axis=3)", &v);
    assert_eq!(e.kind(), ErrorKind::Reduction);
    assert_eq!(
        e.message(),
        "axis 3 is out of bounds for the expression's 1 dimension"
    );
    assert_eq!(e.hint(), Some("the expression has shape (3,)"));
    assert!(e.to_string().contains("\n  | sum(a, axis=3)\n  | ^"), "{e}");
    let empty = Array1::<f64>::zeros(0);
    let e = error("min(e * 2)", &vars! { "e" => &empty });
    assert_eq!(e.message(), "min() of an empty array has no result");
    assert_eq!(e.hint(), Some("the expression has shape (0,)"));
}

#[test]
fn value_errors_point_at_the_literal() {
    let src = "1 + 99999999999999999999999999999999999999999";
    let e = error(src, &Vars::new());
    assert_eq!(
        e.to_string(),
        rendered(
            "value",
            "integer literal is too large",
            src,
            4,
            src.len(),
            Some("integers must fit in 64 bits; write a float (e.g. `1e30`) for larger values")
        )
    );
    for src in ["7 // 0", "2**64", "1 << -1"] {
        let e = error(src, &Vars::new());
        assert_eq!(e.kind(), ErrorKind::Value, "{src}");
        assert_eq!(
            e.span().map(|s| (s.start, s.end)),
            Some((0, src.len())),
            "{src}"
        );
        assert!(
            e.to_string()
                .contains(&format!("\n  | {src}\n  | {}", "^".repeat(src.len()))),
            "{e}"
        );
    }
}

#[test]
fn too_complex_errors_point_at_the_excess_in_a_cut_excerpt() {
    let a = array![1.0];
    let v = vars! { "a" => &a };
    let n = MAX_NESTING + 1;
    let src = format!("{}a{}", "(".repeat(n), ")".repeat(n));
    let e = error(&src, &v);
    assert_eq!(
        e.to_string(),
        format!(
            "error[too_complex]: parentheses are nested more than {MAX_NESTING} deep\n  |\n  | ...{}...\n  |    {}^",
            &src[176..248],
            " ".repeat(24)
        )
    );
    let src = format!("a{}", "+a".repeat(MAX_EXPR_LEN / 2));
    assert_eq!(src.len(), MAX_EXPR_LEN + 1);
    let e = error(&src, &v);
    assert_eq!(
        e.to_string(),
        format!(
            "error[too_complex]: expression is {} bytes long; the limit is {MAX_EXPR_LEN}\n  |\n  | ...{}\n  |    {}^",
            src.len(),
            &src[MAX_EXPR_LEN - 24..],
            " ".repeat(24)
        )
    );
    // Ten megabytes of text give a short message.
    let huge = "(".repeat(10 << 20);
    let e = error(&huge, &v);
    assert_eq!(e.kind(), ErrorKind::TooComplex);
    assert!(e.to_string().len() < 300, "{}", e.to_string().len());
    // Register pressure: the span is the value that found no register.
    let src = (1..=MAX_TEMPORARIES + 5)
        .map(|k| format!("(a+{k})"))
        .collect::<Vec<_>>()
        .join("**");
    let e = error(&src, &v);
    assert_eq!(
        e.message(),
        format!("the expression needs more than {MAX_TEMPORARIES} temporary registers")
    );
    let span = e.span().expect("a span");
    assert_eq!(
        &src[span.start..span.end],
        format!("a+{}", MAX_TEMPORARIES + 1)
    );
    assert!(
        e.to_string()
            .contains(&format!("a+{}", MAX_TEMPORARIES + 1)),
        "{e}"
    );
}

#[test]
fn every_error_kind_has_its_corpus_name() {
    let kinds = [
        (ErrorKind::Syntax, "syntax"),
        (ErrorKind::UnknownVariable, "unknown_variable"),
        (ErrorKind::UnknownFunction, "unknown_function"),
        (ErrorKind::Arity, "arity"),
        (ErrorKind::Type, "type"),
        (ErrorKind::Shape, "shape"),
        (ErrorKind::Reduction, "reduction"),
        (ErrorKind::Value, "value"),
        (ErrorKind::TooComplex, "too_complex"),
    ];
    for (kind, name) in kinds {
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
    }
}

//! The documented limits (`ndexpr::limits`) are errors, not crashes: far
//! beyond every limit the answer is a `too_complex` (or, for results that
//! cannot exist, `shape`) error, returned quickly; just inside every limit
//! the expression works and gives the right value.

use ndarray::{Array1, ArrayView1, ArrayView2, ShapeBuilder, array};
use ndexpr::limits::{MAX_EXPR_LEN, MAX_INSTRUCTIONS, MAX_NESTING, MAX_NODES, MAX_TEMPORARIES};
use ndexpr::{DType, Error, ErrorKind, Expression, Vars, evaluate, vars};

fn f64s(v: ndexpr::Value) -> Vec<f64> {
    v.into_f64().unwrap().iter().copied().collect()
}

fn err(src: &str, vars: &Vars<'_>) -> Error {
    match evaluate(src, vars) {
        Ok(v) => panic!(
            "{} bytes: expected an error, got a {} result",
            src.len(),
            v.dtype()
        ),
        Err(e) => e,
    }
}

/// Runs `f` on a thread with a small stack: nothing here may need a deep
/// stack of the caller.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn the_limits_are_the_documented_values() {
    assert_eq!(MAX_EXPR_LEN, 100_000);
    assert_eq!(MAX_NESTING, 200);
    assert_eq!(MAX_NODES, 100_000);
    assert_eq!(MAX_INSTRUCTIONS, 200_000);
    assert_eq!(MAX_TEMPORARIES, 1024);
}

#[test]
fn a_million_open_parentheses_are_too_complex() {
    on_small_stack(|| {
        let a = array![1.0];
        for src in [
            "(".repeat(1_000_000),
            format!("{}a{}", "(".repeat(1_000_000), ")".repeat(1_000_000)),
            format!("{}a", "sin(".repeat(500_000)),
        ] {
            let e = err(&src, &vars! { "a" => &a });
            assert_eq!(e.kind(), ErrorKind::TooComplex, "{}", e.message());
            assert!(e.message().contains("bytes long"), "{}", e.message());
            // The excerpt is cut: the message stays short.
            assert!(e.to_string().len() < 400, "{}", e.to_string().len());
        }
    });
}

#[test]
fn nesting_beyond_the_limit_is_too_complex_at_the_first_excess_parenthesis() {
    on_small_stack(|| {
        let a = array![0.5];
        let deep = |open: &str, n: usize| format!("{}a{}", open.repeat(n), ")".repeat(n));
        // Within the length limit but far beyond the nesting limit.
        for (src, open) in [
            (deep("(", MAX_EXPR_LEN / 2 - 1), "("),
            (deep("(", MAX_NESTING + 1), "("),
            (deep("sin(", MAX_NESTING + 1), "sin("),
            (deep("where(x, ", MAX_NESTING + 1), "where(x, "),
            (deep("-(", MAX_NESTING + 1), "-("),
        ] {
            let e = err(&src, &vars! { "a" => &a, "x" => true });
            assert_eq!(e.kind(), ErrorKind::TooComplex, "{open}: {}", e.message());
            assert!(
                e.message().contains("nested more than 200"),
                "{}",
                e.message()
            );
            // The span is the first parenthesis beyond the limit.
            let at = MAX_NESTING * open.len() + open.find('(').unwrap();
            assert_eq!(
                e.span().map(|s| (s.start, s.end)),
                Some((at, at + 1)),
                "{open}"
            );
        }
    });
}

#[test]
fn nesting_at_the_limit_evaluates() {
    on_small_stack(|| {
        let a = array![0.5, -2.0];
        let src = format!("{}a{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert_eq!(
            f64s(evaluate(&src, &vars! { "a" => &a }).unwrap()),
            vec![0.5, -2.0]
        );
        // 200 nested calls: sin applied 200 times.
        let src = format!("{}a{}", "sin(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        let want: Vec<f64> = a
            .iter()
            .map(|&v: &f64| (0..MAX_NESTING).fold(v, |x: f64, _| x.sin()))
            .collect();
        // (Within the SIMD kernel's few ULP per call; sin is 1-Lipschitz.)
        let got = f64s(evaluate(&src, &vars! { "a" => &a }).unwrap());
        assert!(
            got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-13),
            "{got:?} against {want:?}"
        );
        // Alternating calls and unary minus inside parentheses.
        let n = MAX_NESTING / 2;
        let src = format!("{}a{}", "abs(-(".repeat(n), "))".repeat(n));
        assert_eq!(
            f64s(evaluate(&src, &vars! { "a" => &a }).unwrap()),
            vec![0.5, 2.0]
        );
    });
}

#[test]
fn long_unary_chains_need_no_stack() {
    on_small_stack(|| {
        let a = array![1.5, -3.0];
        // 99,999 minus signs: odd, so the value is -a; 100,000 nodes.
        let n = MAX_EXPR_LEN - 1;
        let src = format!("{}a", "-".repeat(n));
        assert_eq!(src.len(), MAX_EXPR_LEN);
        assert_eq!(
            f64s(evaluate(&src, &vars! { "a" => &a }).unwrap()),
            vec![-1.5, 3.0]
        );
        let src = format!("{}x", "~".repeat(n - 1));
        let x = array![true, false];
        let got = evaluate(&src, &vars! { "x" => &x })
            .unwrap()
            .into_bool()
            .unwrap();
        assert_eq!(got.as_slice().unwrap(), &[true, false]);
        let src = format!("{}i", "+-".repeat(n / 2));
        let i = array![i32::MIN, 7];
        let got = evaluate(&src, &vars! { "i" => &i })
            .unwrap()
            .into_i32()
            .unwrap();
        // An odd number of negations; -INT_MIN wraps to INT_MIN.
        let want = if (n / 2) % 2 == 1 {
            [i32::MIN, -7]
        } else {
            [i32::MIN, 7]
        };
        assert_eq!(got.as_slice().unwrap(), &want);
        // Unary minus on a literal, folded at compile time.
        let src = format!("{}1", "-".repeat(n));
        let got = evaluate(&src, &Vars::new()).unwrap().into_i32().unwrap();
        assert_eq!(got.iter().copied().collect::<Vec<_>>(), vec![-1]);
    });
}

#[test]
fn long_power_chains_are_right_associative_without_recursion() {
    on_small_stack(|| {
        // a**a**...**a, about 33,000 operators deep in the tree.
        let a = array![1.0, 0.5];
        let src = format!("a{}", "**a".repeat(MAX_EXPR_LEN / 3 - 1));
        let got = f64s(evaluate(&src, &vars! { "a" => &a }).unwrap());
        // 1**anything == 1; x = 0.5**x converges to the fixed point
        // of that map, about 0.6412 (an odd number of levels).
        assert_eq!(got[0], 1.0);
        let mut want = 0.5f64;
        for _ in 0..MAX_EXPR_LEN / 3 - 1 {
            want = 0.5f64.powf(want);
        }
        assert_eq!(got[1], want);
        // Constant chains are folded by Python's rules: 2**2**2**2 is 65536
        // and 2**2**2**2**2 does not fit in 64 bits.
        let got = evaluate("2**2**2**2", &Vars::new()).unwrap();
        assert_eq!(
            got.into_i32().unwrap().iter().copied().collect::<Vec<_>>(),
            vec![65536]
        );
        let e = evaluate("2**2**2**2**2", &Vars::new());
        assert!(
            e.as_ref().is_err_and(|e| e.kind() == ErrorKind::Value),
            "{e:?}"
        );
        let src = format!("2{}", "**2".repeat(10_000));
        let e = evaluate(&src, &Vars::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value, "{e}");
    });
}

#[test]
fn too_long_expressions_are_too_complex_and_the_longest_works() {
    let a = array![2.0];
    let padded = format!("a{}", " ".repeat(MAX_EXPR_LEN - 1));
    assert_eq!(
        f64s(evaluate(&padded, &vars! { "a" => &a }).unwrap()),
        vec![2.0]
    );
    let over = format!("a{}", " ".repeat(MAX_EXPR_LEN));
    let e = err(&over, &vars! { "a" => &a });
    assert_eq!(e.kind(), ErrorKind::TooComplex);
    assert_eq!(e.span().map(|s| s.start), Some(MAX_EXPR_LEN));
    // Ten megabytes of text: rejected without being read.
    let huge = "a+".repeat(5_000_000) + "a";
    let e = Expression::new(&huge, &[("a", DType::Float64)]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooComplex);
    assert!(e.message().contains("10000001 bytes"), "{}", e.message());
}

#[test]
fn a_hundred_thousand_terms_are_too_complex_and_fifty_thousand_work() {
    on_small_stack(|| {
        let a = array![1.0, -0.5];
        let src = format!("a{}", "+a".repeat(100_000));
        assert_eq!(
            err(&src, &vars! { "a" => &a }).kind(),
            ErrorKind::TooComplex
        );
        // 50,000 terms (99,999 bytes, 99,999 nodes, 49,999 instructions).
        let n = 50_000;
        let src = format!("a{}", "+a".repeat(n - 1));
        let e = Expression::new(&src, &[("a", DType::Float64)]).unwrap();
        assert_eq!(e.ast().nodes.len(), 2 * n - 1);
        assert_eq!(e.program().instrs.len(), n - 1);
        // Registers are reused: a sum chain needs two at most.
        assert!(e.program().temps_of(DType::Float64) <= 2);
        let got = f64s(e.evaluate(&vars! { "a" => &a }).unwrap());
        assert_eq!(got, vec![n as f64, -(n as f64) / 2.0]);
        // Distinct constants: 12,000 terms of `a*k+`.
        let terms = 12_000;
        let src: String = (1..=terms).map(|k| format!("a*{k}+")).collect::<String>() + "0";
        assert!(src.len() <= MAX_EXPR_LEN);
        let got = f64s(evaluate(&src, &vars! { "a" => &a }).unwrap());
        let s = (terms * (terms + 1) / 2) as f64;
        assert_eq!(got, vec![s, -s / 2.0]);
    });
}

#[test]
fn the_node_limit_cannot_be_exceeded_within_the_length_limit() {
    // Every node takes at least one byte, so the longest expression has at
    // most MAX_NODES nodes; the densest one compiles.
    let src = format!("{}1", "-".repeat(MAX_EXPR_LEN - 1));
    let ast = ndexpr::parse::parse(&src).unwrap();
    assert_eq!(ast.nodes.len(), MAX_NODES);
    // One node per byte: 50,000 literals and 49,999 additions.
    let src = format!("1{}", "+1".repeat((MAX_EXPR_LEN - 1) / 2));
    assert_eq!(ndexpr::parse::parse(&src).unwrap().nodes.len(), src.len());
}

#[test]
fn dense_power_expansions_stay_within_the_instruction_limit() {
    // `x**47` expands into 9 multiplications; nested, 5 bytes make 9
    // instructions, the densest source of instructions there is.
    let group = |k: usize| {
        format!(
            "{}(a+{k}){}",
            "(".repeat(MAX_NESTING - 1),
            ")**47".repeat(MAX_NESTING - 1)
        )
    };
    let mut src = group(1);
    let mut k = 2;
    while src.len() + group(k).len() < MAX_EXPR_LEN {
        src = format!("{src}+{}", group(k));
        k += 1;
    }
    match Expression::new(&src, &[("a", DType::Float64)]) {
        Ok(e) => {
            assert!(e.program().instrs.len() <= MAX_INSTRUCTIONS);
            assert!(
                e.program().instrs.len() > 100_000,
                "{}",
                e.program().instrs.len()
            );
            let a = array![1.0, -1.0];
            let got = f64s(e.evaluate(&vars! { "a" => &a }).unwrap());
            // (1+k)**(47**199) overflows to inf for every k >= 1.
            assert_eq!(got[0], f64::INFINITY);
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::TooComplex, "{e}"),
    }
}

#[test]
fn too_many_live_temporaries_are_too_complex() {
    // (a+1)**(a+2)**...: right-associative, so every base stays live until
    // the innermost power is computed.
    let chain = |n: usize| {
        (1..=n)
            .map(|k| format!("(a+{k})"))
            .collect::<Vec<_>>()
            .join("**")
    };
    let a = array![0.0, -1.0];
    let e = err(&chain(MAX_TEMPORARIES + 10), &vars! { "a" => &a });
    assert_eq!(e.kind(), ErrorKind::TooComplex);
    assert!(
        e.message().contains("temporary registers"),
        "{}",
        e.message()
    );
    // 1000 live temporaries work: 1**(...) == 1 and 0**(positive) == 0.
    let src = chain(1000);
    let expr = Expression::new(&src, &[("a", DType::Float64)]).unwrap();
    let temps = expr.program().temps_of(DType::Float64);
    assert!((1000..=MAX_TEMPORARIES).contains(&temps), "{temps}");
    let got = f64s(expr.evaluate(&vars! { "a" => &a }).unwrap());
    assert_eq!(got, vec![1.0, 0.0]);
}

#[test]
fn thousands_of_inputs_work() {
    // numexpr stops at 63 inputs (and 255 registers).
    let n = 2000;
    let arrays: Vec<Array1<f64>> = (0..n)
        .map(|k| Array1::from_vec(vec![k as f64, 1.0, -(k as f64)]))
        .collect();
    let names: Vec<String> = (0..n).map(|k| format!("v{k}")).collect();
    let mut vars = Vars::new();
    for (name, arr) in names.iter().zip(&arrays) {
        vars.insert(name.as_str(), arr);
    }
    let src = names.join(" + ");
    let got = f64s(evaluate(&src, &vars).unwrap());
    let s = (n * (n - 1) / 2) as f64;
    assert_eq!(got, vec![s, n as f64, -s]);
    // Strided and broadcast inputs are gathered into one buffer each.
    let base: Vec<ndarray::Array2<f64>> = (0..n)
        .map(|k| ndarray::Array2::from_elem((3, 2), k as f64))
        .collect();
    let mut vars = Vars::new();
    for (name, arr) in names.iter().zip(&base) {
        vars.insert(name.as_str(), arr.t());
    }
    let expr = Expression::for_vars(&src, &vars).unwrap();
    assert_eq!(expr.inputs().len(), n);
    let got = f64s(expr.evaluate(&vars).unwrap());
    assert_eq!(got, vec![s; 6]);
    // A product over a few of them, and a reduction over all.
    let src = format!("sum({})", names.join("*0.5+"));
    let got = f64s(evaluate(&src, &vars).unwrap());
    let want: f64 = 6.0 * ((0..n - 1).map(|k| k as f64 * 0.5).sum::<f64>() + (n - 1) as f64);
    assert_eq!(got, vec![want]);
}

/// A read-only view of `len` copies of `*value` (zero stride).
fn repeated<T>(value: &T, len: usize) -> ArrayView1<'_, T> {
    ArrayView1::from_shape((len,).strides((0,)), std::slice::from_ref(value)).unwrap()
}

/// A `rows x cols` view of one value (zero strides).
fn repeated2<T>(value: &T, rows: usize, cols: usize) -> ArrayView2<'_, T> {
    ArrayView2::from_shape((rows, cols).strides((0, 0)), std::slice::from_ref(value)).unwrap()
}

#[test]
fn results_whose_size_overflows_are_shape_errors() {
    let one = 1.0f64;
    let a = repeated2(&one, 1 << 40, 1);
    let b = repeated2(&one, 1, 1 << 40);
    for src in [
        "a * b",
        "sum(a * b)",
        "sum(a + b, axis=0)",
        "where(a > b, a, b)",
    ] {
        let e = err(src, &vars! { "a" => a, "b" => b });
        assert_eq!(e.kind(), ErrorKind::Shape, "{src}: {e}");
    }
    // The shape itself can still be asked for.
    let e = Expression::new("a * b", &[("a", DType::Float64), ("b", DType::Float64)]).unwrap();
    assert_eq!(
        e.result_shape(&vars! { "a" => a, "b" => b }).unwrap(),
        vec![1 << 40, 1 << 40]
    );
}

#[test]
fn reductions_over_an_overflowing_iteration_space_are_shape_errors() {
    // The reduced axis leaves a small result, but the iteration space
    // (4 x 2**62 elements) has more elements than a usize can count.
    let one = 1.0f64;
    let a = repeated2(&one, 1, 1 << 62);
    let b = repeated2(&one, 4, 1);
    for src in [
        "sum(a * b, axis=1)",
        "max(a + b, axis=1)",
        "mean(a * b, axis=1)",
    ] {
        let e = err(src, &vars! { "a" => a, "b" => b });
        assert_eq!(e.kind(), ErrorKind::Shape, "{src}: {e}");
    }
}

#[test]
fn results_too_large_to_allocate_are_shape_errors() {
    let x = 2.5f64;
    // 2**60 float64 is 2**63 bytes: more than any allocation may be.
    let e = err("a * 2", &vars! { "a" => repeated(&x, 1 << 60) });
    assert_eq!(e.kind(), ErrorKind::Shape);
    assert!(e.message().contains("cannot allocate"), "{e}");
    // 2**46 complex128 is a pebibyte: no machine has it.
    let z = num_complex::Complex64::new(1.0, 1.0);
    let e = err("z * 2", &vars! { "z" => repeated(&z, 1 << 46) });
    assert_eq!(e.kind(), ErrorKind::Shape, "{e}");
    // Through broadcasting of two small-looking inputs.
    let e = err(
        "a + b",
        &vars! { "a" => repeated2(&x, 1 << 23, 1), "b" => repeated2(&x, 1, 1 << 23) },
    );
    assert_eq!(e.kind(), ErrorKind::Shape, "{e}");
    // Axis reductions allocate their (large) result too.
    let e = err(
        "sum(a + b, axis=0)",
        &vars! { "a" => repeated2(&x, 1, 1 << 46), "b" => repeated2(&x, 2, 1) },
    );
    assert_eq!(e.kind(), ErrorKind::Shape, "{e}");
    // Byte strings: 2**33 strings of 2**29 bytes.
    let byte = b'x';
    let s = ndarray::ArrayView2::from_shape(
        ((1usize << 33), (1usize << 29)).strides((0, 0)),
        std::slice::from_ref(&byte),
    )
    .unwrap();
    let mut vars = Vars::new();
    vars.insert_bytes("s", s);
    let e = err("copy(s)", &vars);
    assert_eq!(e.kind(), ErrorKind::Shape, "{e}");
    // A result of that size into a caller's (small) output: a shape error,
    // before anything runs.
    let expr = Expression::new("a * 2", &[("a", DType::Float64)]).unwrap();
    let mut out = Array1::<f64>::zeros(4);
    let e = expr
        .evaluate_into(
            &vars! { "a" => repeated(&x, 1 << 60) },
            out.view_mut(),
            &ndexpr::Options::new(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Shape);
}

#[test]
fn huge_zero_stride_inputs_to_small_results_are_cheap() {
    // A reduction of a constant-valued huge view does real work, so keep
    // it moderate; elementwise ops on one-element inputs are scalars.
    let x = 0.5f64;
    let got = f64s(evaluate("sum(a)", &vars! { "a" => repeated(&x, 1 << 20) }).unwrap());
    assert_eq!(got, vec![(1u64 << 19) as f64]);
    let got = f64s(evaluate("a * 2 + b", &vars! { "a" => repeated(&x, 1), "b" => 1.0 }).unwrap());
    assert_eq!(got, vec![2.0]);
}

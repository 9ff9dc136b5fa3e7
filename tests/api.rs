//! The public API: inputs of every kind, outputs, threads, caching, errors.

use ndarray::{Array, Array1, Array2, ArrayD, Axis, IxDyn, array, s};
use ndexpr::{
    DType, ErrorKind, Expression, Options, Threads, Value, Vars, evaluate, evaluate_with, vars,
};
use num_complex::Complex64;
use std::num::NonZeroUsize;

fn f64s(v: Value) -> Vec<f64> {
    v.into_f64().unwrap().iter().copied().collect()
}

#[test]
fn views_of_every_layout_are_read_without_copies() {
    let base = Array::from_shape_fn((6, 5), |(i, j)| (i * 10 + j) as f64);
    let cases: Vec<(&str, ndarray::ArrayView2<f64>)> = vec![
        ("contiguous", base.view()),
        ("transposed", base.t()),
        ("strided", base.slice(s![..;2, ..])),
        ("reversed", base.slice(s![..;-1, ..;-2])),
        ("column", base.slice(s![.., 1..2])),
    ];
    for (what, view) in cases {
        let got = evaluate("x * 2 + 1", &vars! { "x" => view })
            .unwrap()
            .into_f64()
            .unwrap();
        let want = view.mapv(|v| v * 2.0 + 1.0).into_dyn();
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn broadcasting_in_three_dimensions() {
    let a = Array::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as f64);
    let b = array![1.0, 2.0, 3.0, 4.0];
    let c = array![[0.5], [1.5], [2.5]];
    let got = evaluate("a * b - c", &vars! { "a" => &a, "b" => &b, "c" => &c })
        .unwrap()
        .into_f64()
        .unwrap();
    let want = (&a * &b - &c).into_dyn();
    assert_eq!(got, want);
}

#[test]
fn scalars_slices_and_vectors_are_inputs() {
    let v = vec![1i64, 2, 3];
    let sl: &[f32] = &[0.5, 1.5, 2.5];
    let r = evaluate("v + k", &vars! { "v" => &v, "k" => 10i64 }).unwrap();
    assert_eq!(r.dtype(), DType::Int64);
    assert_eq!(r.into_i64().unwrap().as_slice().unwrap(), &[11, 12, 13]);
    let r = evaluate("f * 2", &vars! { "f" => sl }).unwrap();
    assert_eq!(r.dtype(), DType::Float32);
    let z = evaluate("z * 2", &vars! { "z" => Complex64::new(1.0, -1.0) }).unwrap();
    assert_eq!(z.shape(), &[] as &[usize]);
    assert_eq!(
        z.into_complex().unwrap()[IxDyn(&[])],
        Complex64::new(2.0, -2.0)
    );
    let b = evaluate("~m", &vars! { "m" => true })
        .unwrap()
        .into_bool()
        .unwrap();
    assert!(!b[IxDyn(&[])]);
}

#[test]
fn typed_access_reports_dtype_mismatches() {
    let a = array![1i32, 2];
    let v = evaluate("a + 1", &vars! { "a" => &a }).unwrap();
    assert_eq!(v.as_i32().unwrap().len(), 2);
    assert!(v.as_f64().is_none());
    let e = v.clone().into_f64().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type);
    assert!(e.message().contains("int32"), "{e}");
    let arr: ArrayD<i32> = v.try_into().unwrap();
    assert_eq!(arr.as_slice().unwrap(), &[2, 3]);
}

#[test]
fn compile_once_evaluate_many() {
    let expr = Expression::new(
        "sum(a * b, axis=1)",
        &[("a", DType::Float64), ("b", DType::Float64)],
    )
    .unwrap();
    assert_eq!(expr.result_dtype(), DType::Float64);
    assert_eq!(
        expr.inputs()
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    for n in [1usize, 7, 5000] {
        let a = Array2::from_elem((3, n), 2.0);
        let b = Array1::from_elem(n, 0.5);
        let r = expr.evaluate(&vars! { "a" => &a, "b" => &b }).unwrap();
        assert_eq!(f64s(r), vec![n as f64; 3]);
    }
    let err = expr
        .evaluate(&vars! { "a" => &array![1i32], "b" => &array![1.0] })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Type);
    let err = expr.evaluate(&vars! { "a" => &array![[1.0]] }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownVariable);
}

#[test]
fn expressions_are_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Expression>();
    let expr = Expression::new("a * 2 + sin(a)", &[("a", DType::Float64)]).unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let expr = &expr;
            s.spawn(move || {
                let a = Array1::from_shape_fn(10_000 + t, |i| (i + t) as f64);
                let r = expr
                    .evaluate(&vars! { "a" => &a })
                    .unwrap()
                    .into_f64()
                    .unwrap();
                let want = a.mapv(|x| x * 2.0 + x.sin()).into_dyn();
                assert_eq!(r, want);
            });
        }
    });
}

#[test]
fn evaluate_into_fills_contiguous_and_strided_outputs() {
    let expr = Expression::new("a + b", &[("a", DType::Float64), ("b", DType::Float64)]).unwrap();
    let a = Array1::from_shape_fn(100_000, |i| i as f64);
    let b = Array1::from_elem(100_000, 1.0);
    let mut out = Array1::<f64>::zeros(100_000);
    expr.evaluate_into(
        &vars! { "a" => &a, "b" => &b },
        out.view_mut(),
        &Options::new(),
    )
    .unwrap();
    assert_eq!(out, &a + &b);
    // Strided output (every other element of a larger array).
    let mut big = Array1::<f64>::from_elem(200_000, -1.0);
    expr.evaluate_into(
        &vars! { "a" => &a, "b" => &b },
        big.slice_mut(s![..;2]),
        &Options::new(),
    )
    .unwrap();
    assert_eq!(big.slice(s![..;2]), &a + &b);
    assert!(big.slice(s![1..;2]).iter().all(|&v| v == -1.0));
    // The inputs broadcast to a larger output, as in numexpr.
    let mut out2 = Array2::<f64>::zeros((2, 100_000));
    expr.evaluate_into(
        &vars! { "a" => &a, "b" => &b },
        out2.view_mut(),
        &Options::new(),
    )
    .unwrap();
    assert_eq!(out2.index_axis(Axis(0), 1), &a + &b);
    // Wrong dtype or shape.
    let mut wrong = Array1::<f32>::zeros(100_000);
    let e = expr
        .evaluate_into(
            &vars! { "a" => &a, "b" => &b },
            wrong.view_mut(),
            &Options::new(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type);
    let mut small = Array1::<f64>::zeros(3);
    let e = expr
        .evaluate_into(
            &vars! { "a" => &a, "b" => &b },
            small.view_mut(),
            &Options::new(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Shape);
}

#[test]
fn thread_options_give_identical_results() {
    let a = Array1::from_shape_fn(300_000, |i| ((i * 7919) % 1000) as f32 * 0.001 + 0.1);
    let exprs = [
        "sum(a * a)",
        "prod(a ** 0.001)",
        "a * 3 - 1",
        "mean(a)",
        "max(sin(a))",
    ];
    let options = [
        Options::serial(),
        Options::new(),
        Options::new().threads(Threads::Max(NonZeroUsize::new(1).unwrap())),
        Options::new().threads(Threads::Max(NonZeroUsize::new(3).unwrap())),
    ];
    for e in exprs {
        let results: Vec<Value> = options
            .iter()
            .map(|o| evaluate_with(e, &vars! { "a" => &a }, o).unwrap())
            .collect();
        for r in &results[1..] {
            assert_eq!(r, &results[0], "{e}");
        }
        // And inside a one-thread pool of the caller's.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let r = pool.install(|| evaluate(e, &vars! { "a" => &a }).unwrap());
        assert_eq!(r, results[0], "{e}");
    }
}

#[test]
fn reductions_over_axes() {
    let a = Array::from_shape_fn((3, 4, 5), |(i, j, k)| (i * 20 + j * 5 + k) as i64);
    for axis in 0..3 {
        let got = evaluate(&format!("sum(a, axis={axis})"), &vars! { "a" => &a })
            .unwrap()
            .into_i64()
            .unwrap();
        assert_eq!(got, a.sum_axis(Axis(axis)).into_dyn(), "axis {axis}");
        let got = evaluate(&format!("max(a, {axis})"), &vars! { "a" => &a })
            .unwrap()
            .into_i64()
            .unwrap();
        assert_eq!(
            got,
            a.map_axis(Axis(axis), |l| *l.iter().max().unwrap())
                .into_dyn()
        );
    }
    // Long runs (longer than a task) are split and recombined.
    let long = Array2::from_shape_fn((2, 300_001), |(i, j)| (i + j % 3) as f64);
    let got = f64s(evaluate("sum(x, axis=1)", &vars! { "x" => &long }).unwrap());
    assert_eq!(got, long.sum_axis(Axis(1)).to_vec());
    let e = evaluate("sum(a, axis=3)", &vars! { "a" => &a }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Reduction);
    let empty = Array2::<f64>::zeros((0, 3));
    assert_eq!(
        f64s(evaluate("sum(e, axis=0)", &vars! { "e" => &empty }).unwrap()),
        vec![0.0; 3]
    );
    assert_eq!(
        evaluate("min(e)", &vars! { "e" => &empty })
            .unwrap_err()
            .kind(),
        ErrorKind::Reduction
    );
    assert!(f64s(evaluate("mean(e)", &vars! { "e" => &empty }).unwrap())[0].is_nan());
}

#[test]
fn byte_strings() {
    let mut vars = Vars::new();
    let words = ndarray::arr2(&[*b"apple\0", *b"banana", *b"cherry"]);
    vars.insert_bytes("w", words.view());
    let r = evaluate("(w > b'b') & contains(w, b'an')", &vars)
        .unwrap()
        .into_bool()
        .unwrap();
    assert_eq!(r.as_slice().unwrap(), &[false, true, false]);
    let r = evaluate("copy(w)", &vars).unwrap();
    assert_eq!(r.dtype(), DType::Bytes);
    assert_eq!(r.as_bytes().unwrap().shape(), &[3, 6]);
    assert_eq!(
        evaluate("w + 1", &vars).unwrap_err().kind(),
        ErrorKind::Type
    );
}

#[test]
fn errors_point_into_the_expression() {
    let a = array![1.0, 2.0];
    let cases = [
        ("a +* 2", ErrorKind::Syntax, "a +* 2", 3),
        ("a + bb", ErrorKind::UnknownVariable, "a + bb", 4),
        ("sinn(a)", ErrorKind::UnknownFunction, "sinn(a)", 0),
        ("where(a > 1, a)", ErrorKind::Arity, "where(a > 1, a)", 0),
        ("a << 1", ErrorKind::Type, "a << 1", 0),
        ("sum(a) * 2", ErrorKind::Reduction, "sum(a) * 2", 0),
    ];
    for (src, kind, _, start) in cases {
        let e = evaluate(src, &vars! { "a" => &a }).unwrap_err();
        assert_eq!(e.kind(), kind, "{src}: {e}");
        assert_eq!(e.span().map(|s| s.start), Some(start), "{src}: {e}");
        assert_eq!(e.expr(), Some(src));
        let shown = e.to_string();
        assert!(shown.contains(&format!("  | {src}\n")), "{shown}");
    }
    let e = evaluate("a + b", &vars! { "a" => &a, "b" => &array![1.0, 2.0, 3.0] }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Shape);
    assert!(
        e.message().contains("(2,)") && e.message().contains("(3,)"),
        "{e}"
    );
}

#[test]
fn the_cache_returns_the_same_compiled_expression() {
    let a = array![1.0];
    let v = vars! { "a" => &a };
    let first = ndexpr::api::compiled("a * 41 + 1", &v).unwrap();
    let second = ndexpr::api::compiled("a * 41 + 1", &v).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &second));
    let other = ndexpr::api::compiled("a * 41 + 1", &vars! { "a" => &array![1i32] }).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&first, &other));
    assert_eq!(other.result_dtype(), DType::Int32);
}

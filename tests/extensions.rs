//! User-defined functions and named constants (`Context`).

use ndarray::{Array1, array};
use ndexpr::{Context, DType, ErrorKind, Options, Scalar, Threads, evaluate, vars};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn f64s(v: ndexpr::Value) -> Vec<f64> {
    v.into_f64().unwrap().iter().copied().collect()
}

#[test]
fn scalar_functions_apply_element_wise() {
    let mut ctx = Context::new();
    ctx.function1("square", |x| x * x).unwrap();
    ctx.function2("avg", |x, y| (x + y) / 2.0).unwrap();
    let a = array![1.0, 2.0, 3.0];
    let i = array![10i32, 20, 30];
    let r = ctx
        .evaluate("square(a) + avg(a, i)", &vars! { "a" => &a, "i" => &i })
        .unwrap();
    assert_eq!(r.dtype(), DType::Float64);
    assert_eq!(f64s(r), vec![1.0 + 5.5, 4.0 + 11.0, 9.0 + 16.5]);
}

#[test]
fn vectorised_functions_get_whole_blocks() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let mut ctx = Context::new();
    ctx.vectorized1("twice", move |x, out| {
        seen.fetch_add(1, Ordering::Relaxed);
        assert_eq!(x.len(), out.len());
        for (o, &x) in out.iter_mut().zip(x) {
            *o = 2.0 * x;
        }
    })
    .unwrap();
    ctx.vectorized2("diff", |x, y, out| {
        for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
            *o = x - y;
        }
    })
    .unwrap();
    let n = 200_000;
    let a = Array1::from_shape_fn(n, |i| i as f64);
    let r = f64s(ctx.evaluate("twice(a)", &vars! { "a" => &a }).unwrap());
    assert_eq!(r, a.mapv(|x| 2.0 * x).to_vec());
    let blocks = calls.load(Ordering::Relaxed);
    assert!(blocks >= n / 4096 && blocks <= n / 64, "{blocks} calls");
    // Scalar operands are spread over the block.
    let r = f64s(
        ctx.evaluate("diff(a, 1.5) + diff(2, a)", &vars! { "a" => &a })
            .unwrap(),
    );
    assert!(r.iter().all(|&v| v == 0.5), "{:?}", &r[..4]);
    // In parallel and serially alike.
    let serial = ctx
        .evaluate_with(
            "twice(a) * diff(a, 3)",
            &vars! { "a" => &a },
            &Options::serial(),
        )
        .unwrap();
    let parallel = ctx
        .evaluate_with(
            "twice(a) * diff(a, 3)",
            &vars! { "a" => &a },
            &Options::new().threads(Threads::Auto),
        )
        .unwrap();
    assert_eq!(serial, parallel);
}

#[test]
fn constants_are_opt_in_and_variables_win() {
    let a = array![1.0, 2.0];
    assert_eq!(
        evaluate("a * pi", &vars! { "a" => &a }).unwrap_err().kind(),
        ErrorKind::UnknownVariable
    );
    let ctx = Context::new().with_math_constants();
    let r = f64s(ctx.evaluate("a * pi + e", &vars! { "a" => &a }).unwrap());
    assert_eq!(
        r,
        vec![
            std::f64::consts::PI + std::f64::consts::E,
            2.0 * std::f64::consts::PI + std::f64::consts::E
        ]
    );
    let r = f64s(ctx.evaluate("pi", &vars! { "pi" => &a }).unwrap());
    assert_eq!(r, vec![1.0, 2.0]);
    let r = ctx
        .evaluate("isinf(inf) & isnan(nan)", &vars! {})
        .unwrap()
        .into_bool()
        .unwrap();
    assert!(r[ndarray::IxDyn(&[])]);
    // A float64 constant promotes float32 like a float literal does.
    let f = array![1.0f32];
    assert_eq!(
        ctx.evaluate("f * pi", &vars! { "f" => &f })
            .unwrap()
            .dtype(),
        DType::Float64
    );
    let mut ctx = Context::new();
    ctx.constant("scale", Scalar::Int32(3)).unwrap();
    let i = array![1i32, 2];
    let r = ctx.evaluate("i * scale", &vars! { "i" => &i }).unwrap();
    assert_eq!(r.dtype(), DType::Int32);
    assert_eq!(r.into_i32().unwrap().as_slice().unwrap(), &[3, 6]);
}

#[test]
fn calls_are_checked() {
    let mut ctx = Context::new();
    ctx.function1("square", |x| x * x).unwrap();
    let a = array![1.0];
    let z = array![num_complex::Complex64::new(1.0, 1.0)];
    let e = ctx
        .evaluate("square(a, a)", &vars! { "a" => &a })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Arity);
    assert!(e.message().contains("takes 1 argument (2 given)"), "{e}");
    let e = ctx.evaluate("square(z)", &vars! { "z" => &z }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type);
    let e = ctx.evaluate("squar(a)", &vars! { "a" => &a }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownFunction);
    assert_eq!(e.hint(), Some("did you mean `square`?"));
    let e = ctx
        .evaluate("square(a, axis=0)", &vars! { "a" => &a })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Arity);
    // Outside the context the function does not exist.
    assert_eq!(
        evaluate("square(a)", &vars! { "a" => &a })
            .unwrap_err()
            .kind(),
        ErrorKind::UnknownFunction
    );
}

#[test]
fn registration_rejects_bad_names() {
    let mut ctx = Context::new();
    assert_eq!(
        ctx.function1("sin", |x| x).unwrap_err().kind(),
        ErrorKind::Value
    );
    assert_eq!(
        ctx.function1("2x", |x| x).unwrap_err().kind(),
        ErrorKind::Value
    );
    assert_eq!(
        ctx.constant("a b", Scalar::Bool(true)).unwrap_err().kind(),
        ErrorKind::Value
    );
}

#[test]
fn calls_on_constants_are_folded_and_the_cache_follows_registrations() {
    let mut ctx = Context::new();
    ctx.function1("f", |x| x + 1.0).unwrap();
    let a = array![1.0];
    let e = ctx.compile("a * f(2)", &[("a", DType::Float64)]).unwrap();
    assert_eq!(e.program().instrs.len(), 1, "{}", e.program());
    assert_eq!(
        f64s(ctx.evaluate("f(a)", &vars! { "a" => &a }).unwrap()),
        vec![2.0]
    );
    ctx.function1("f", |x| x + 10.0).unwrap();
    assert_eq!(
        f64s(ctx.evaluate("f(a)", &vars! { "a" => &a }).unwrap()),
        vec![11.0]
    );
    assert!(format!("{}", e.program()).contains("mul_ddd"));
    let shown = format!(
        "{}",
        ctx.compile("f(a)", &[("a", DType::Float64)])
            .unwrap()
            .program()
    );
    assert!(shown.contains("f_dd"), "{shown}");
}

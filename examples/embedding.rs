//! `embedding`: ndexpr inside a numeric tool.  A small heat-conduction
//! simulator lets its user describe the initial temperature and the heat
//! source of a rod as formulas; the tool supplies its own functions and
//! named constants, compiles the update formula once and evaluates it at
//! every time step.
//!
//! ```text
//! cargo run --release --example embedding
//! ```
//!
//! It shows:
//!
//! * a [`Context`] with a scalar function (`gauss(z)`), a two-argument one
//!   (`pulse(t, period)`), a block-vectorised one (`kappa(T)`, table
//!   interpolation over a few thousand temperatures per call), the math
//!   constants `pi`/`e`/`inf`/`nan` and the tool's own named constants;
//! * compile once ([`Context::compile`]), then evaluate in a loop over new
//!   inputs each step, writing into a preallocated array with
//!   [`Expression::evaluate_into`] (no allocation per step);
//! * introspection: the inputs and their dtypes, the result dtype and
//!   shape, and the disassembly;
//! * what the user sees when a formula is wrong: ndexpr's error with a caret
//!   under the problem and a hint.

use ndarray::Array1;
use ndexpr::{Context, DType, Expression, Options, Scalar, vars};
use std::time::Instant;

/// Points along the rod (x from 0 to 1).
const N: usize = 401;
/// Time step (within the explicit scheme's stability limit for `kappa`).
const DT: f64 = 5e-4;
/// Steps to run.
const STEPS: usize = 4000;

fn main() -> Result<(), ndexpr::Error> {
    let context = tool_context()?;
    println!("== the tool's context");
    println!(
        "functions: {}",
        context.function_names().collect::<Vec<_>>().join(", ")
    );
    let constants: Vec<String> = context
        .constant_names()
        .map(|name| format!("{name} = {}", context.constant_value(name).expect("listed")))
        .collect();
    println!("constants: {}", constants.join(", "));

    // What the user typed (in a real tool: a config file or a text box).
    let initial = "T_amb + 5 * sin(pi * x)**2";
    let source = "q0 * gauss((x - 0.5) / 0.05) * pulse(t, 0.5) - h * (u - T_amb)";

    // Mistakes are reported before anything runs.
    println!("\n== formulas with mistakes");
    let source_inputs = ["x", "u", "t"].map(|name| (name, DType::Float64));
    for wrong in [
        "q0 * gaus((x - 0.5) / 0.05)",
        "q0 * pulse(t) - h * (u - T_amb)",
        "h * (u - T_ambient)",
    ] {
        let err = context.compile(wrong, &source_inputs).unwrap_err();
        println!("\n{err}");
    }

    // The initial condition: a one-off evaluation (compiled and cached by
    // the context).
    let dx = 1.0 / (N - 1) as f64;
    let x = Array1::linspace(0.0, 1.0, N);
    let mut u = context
        .evaluate(initial, &vars! { "x" => &x })?
        .into_f64()?
        .into_dimensionality::<ndarray::Ix1>()
        .expect("x is one-dimensional");

    // The update: explicit Euler for  du/dt = kappa(u) * u'' + source.
    // The tool wraps the user's source term in its own formula; `lap` (the
    // second difference) is computed in Rust, since expressions work
    // element by element.
    let update = format!("u + dt * (kappa(u) * lap + ({source}))");
    let f64_inputs = ["u", "lap", "x", "t", "dt"].map(|name| (name, DType::Float64));
    let expr = context.compile(&update, &f64_inputs)?;
    describe(&expr, &x, &u, dx)?;

    println!("\n== simulation: {STEPS} steps of {DT} s on {N} points");
    println!("   t     max T   at x   mean T   profile (20 .. 60 C)");
    let options = Options::serial(); // 401 points: threads would cost more than they save
    let mut lap = Array1::<f64>::zeros(N);
    let mut next = Array1::<f64>::zeros(N);
    let started = Instant::now();
    for step in 0..=STEPS {
        let t = step as f64 * DT;
        if step % 500 == 0 {
            report(t, &x, &u);
        }
        if step == STEPS {
            break;
        }
        second_difference(&u, dx, &mut lap);
        let inputs = vars! { "u" => &u, "lap" => &lap, "x" => &x, "t" => t, "dt" => DT };
        expr.evaluate_into(&inputs, next.view_mut(), &options)?;
        drop(inputs); // it borrows `u`
        std::mem::swap(&mut u, &mut next);
    }
    let per_step = started.elapsed().as_secs_f64() / STEPS as f64;
    println!(
        "{:.1} us per step (second difference in Rust + one evaluate_into), compiled once",
        per_step * 1e6
    );

    // A reduction over the final state: the heat above ambient (a Riemann
    // sum, per unit cross-section).
    let excess = context
        .evaluate("sum(u - T_amb)", &vars! { "u" => &u })?
        .into_f64()?;
    println!(
        "heat above ambient at t = {}: {:.4} K*m",
        STEPS as f64 * DT,
        excess.first().copied().unwrap_or(f64::NAN) * dx
    );
    Ok(())
}

/// The functions and constants the tool offers its users.
fn tool_context() -> Result<Context, ndexpr::Error> {
    let mut context = Context::new().with_math_constants();
    // Scalar functions: called element by element.
    context.function1("gauss", |z| (-0.5 * z * z).exp())?;
    context.function2(
        "pulse",
        |t, period| {
            if (t / period).fract() < 0.5 { 1.0 } else { 0.0 }
        },
    )?;
    // A block function: gets a slice of temperatures (a few thousand at a
    // time) and fills a slice of conductivities.  Here: linear
    // interpolation in a measured table, which the closure owns.
    let table_t = [0.0, 20.0, 40.0, 60.0, 100.0];
    let table_k = [1.0e-3, 1.0e-3, 1.5e-3, 2.5e-3, 4.0e-3];
    context.vectorized1("kappa", move |temps, out| {
        for (k, &t) in out.iter_mut().zip(temps) {
            *k = interpolate(&table_t, &table_k, t);
        }
    })?;
    // The tool's own parameters, as named constants (folded into the
    // program at compile time).
    context.constant("T_amb", Scalar::Float64(20.0))?;
    context.constant("q0", Scalar::Float64(120.0))?;
    context.constant("h", Scalar::Float64(1.5))?;
    Ok(context)
}

/// Piecewise-linear interpolation in `(xs, ys)`, clamped at both ends.
fn interpolate(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let i = xs.partition_point(|&v| v <= x);
    if i == 0 {
        return ys[0];
    }
    if i == xs.len() {
        return ys[ys.len() - 1];
    }
    let w = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
    ys[i - 1] + w * (ys[i] - ys[i - 1])
}

/// `u''` with insulated ends (mirror boundary).
fn second_difference(u: &Array1<f64>, dx: f64, lap: &mut Array1<f64>) {
    let n = u.len();
    let inv = 1.0 / (dx * dx);
    for i in 1..n - 1 {
        lap[i] = (u[i - 1] - 2.0 * u[i] + u[i + 1]) * inv;
    }
    lap[0] = 2.0 * (u[1] - u[0]) * inv;
    lap[n - 1] = 2.0 * (u[n - 2] - u[n - 1]) * inv;
}

/// Prints what the compiled update reads, produces and runs.
fn describe(
    expr: &Expression,
    x: &Array1<f64>,
    u: &Array1<f64>,
    dx: f64,
) -> Result<(), ndexpr::Error> {
    println!("\n== the compiled update");
    println!("source:  {}", expr.source());
    let inputs: Vec<String> = expr
        .inputs()
        .iter()
        .map(|d| format!("{} {}", d.name, d.dtype))
        .collect();
    println!("inputs:  {}", inputs.join(", "));
    let lap = Array1::<f64>::zeros(u.len());
    let sample = vars! { "u" => u, "lap" => &lap, "x" => x, "t" => 0.0, "dt" => DT };
    println!(
        "result:  {} of shape {:?} (dx = {dx})",
        expr.result_dtype(),
        expr.result_shape(&sample)?
    );
    println!("program:");
    for line in expr.disassemble().lines() {
        println!("  {line}");
    }
    Ok(())
}

/// One line of the simulation log, with the profile drawn in characters.
fn report(t: f64, x: &Array1<f64>, u: &Array1<f64>) {
    let (imax, &umax) = u
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .expect("not empty");
    let levels = [' ', '.', ':', '-', '=', '+', '*', '#', '%', '@'];
    let profile: String = u
        .iter()
        .step_by(8)
        .map(|&v| {
            let level = ((v - 20.0) / 40.0 * 9.0).round().clamp(0.0, 9.0);
            levels[level as usize]
        })
        .collect();
    println!(
        "{t:5.2}  {umax:7.2}  {:5.3}  {:7.2}   |{profile}|",
        x[imax],
        u.mean().unwrap_or(f64::NAN)
    );
}

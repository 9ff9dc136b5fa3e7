//! The `calc` example, run in-process through the same entry point as its
//! `main` (`examples/support/calc.rs`): `.npy` files round-trip through a
//! temporary directory, and every failure is a message and an exit code.

#[path = "../examples/support/calc.rs"]
mod calc;
#[path = "../examples/support/npy.rs"]
mod npy;

use ndarray::{Array, ArrayD, IxDyn, array};
use ndexpr::Value;
use num_complex::Complex64;
use std::fs;
use std::path::{Path, PathBuf};

/// A directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ndexpr-calc-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Saves `value` as `name` and returns the `var=path` argument.
    fn save(&self, var: &str, name: &str, value: &Value) -> String {
        let path = self.path(name);
        npy::write(&path, value).unwrap();
        format!("{var}={}", path.display())
    }

    /// Writes a file with the given header fields and raw data.
    fn raw(
        &self,
        var: &str,
        name: &str,
        descr: &str,
        fortran: bool,
        shape: &[usize],
        data: &[u8],
    ) -> String {
        let path = self.path(name);
        let mut bytes = Vec::new();
        npy::write_header(&mut bytes, descr, fortran, shape).unwrap();
        bytes.extend_from_slice(data);
        fs::write(&path, bytes).unwrap();
        format!("{var}={}", path.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// What a run printed and returned.
struct Outcome {
    code: u8,
    stdout: String,
    stderr: String,
}

fn calc(args: &[&str]) -> Outcome {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let args = args.iter().map(|s| s.to_string());
    let code = calc::main(args, &mut stdout, &mut stderr, false);
    Outcome {
        code,
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// Runs and expects success; returns the result file's contents.
fn calc_ok(args: &[&str], out: &Path) -> (Value, npy::Info) {
    let o = calc(args);
    assert_eq!(o.code, 0, "calc {args:?} failed:\n{}", o.stderr);
    npy::read(out).unwrap()
}

/// Runs and expects failure with `code`; returns stderr.
fn calc_err(args: &[&str], code: u8) -> String {
    let o = calc(args);
    assert_eq!(
        o.code, code,
        "calc {args:?}: unexpected exit code; stderr:\n{}",
        o.stderr
    );
    assert!(o.stderr.ends_with('\n'));
    o.stderr
}

#[test]
fn help_and_usage() {
    let o = calc(&["--help"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("calc: evaluate"));
    assert!(o.stdout.contains("-t, --threads N"));
    assert!(o.stderr.is_empty());

    let err = calc_err(&[], 2);
    assert!(
        err.starts_with("error: no expression given\n\nUsage: calc"),
        "{err}"
    );
    let err = calc_err(&["a + 1", "a=a.npy"], 2);
    assert!(err.contains("no output file"), "{err}");
    let err = calc_err(&["a + 1", "a.npy", "-o", "x.npy"], 2);
    assert!(
        err.contains("`a.npy` is not an input") && err.contains("e.g. a=a.npy"),
        "{err}"
    );
    let err = calc_err(&["--threads", "0", "a", "a=a.npy", "-o", "x.npy"], 2);
    assert!(err.contains("--threads needs a whole number"), "{err}");
    let err = calc_err(&["--fast", "a", "-o", "x.npy"], 2);
    assert!(err.contains("unknown option `--fast`"), "{err}");
    let err = calc_err(&["a", "a=x.npy", "a=y.npy", "-o", "x.npy"], 2);
    assert!(err.contains("`a` is given twice"), "{err}");

    // `NAME = EXPR` names the output; `==` is a comparison; a leading
    // minus is an expression, not an option.
    let run = |args: &[&str]| match calc::parse_args(args.iter().map(|s| s.to_string())) {
        Ok(calc::Command::Run(config)) => config,
        other => panic!("{other:?}"),
    };
    let config = run(&["ndvi = (nir - red) / (nir + red)", "nir=n.npy", "red=r.npy"]);
    assert_eq!(config.out, Path::new("ndvi.npy"));
    assert_eq!(config.expr, "(nir - red) / (nir + red)");
    assert_eq!(run(&["a == b", "-o", "o.npy"]).expr, "a == b");
    assert_eq!(run(&["-a + b", "-o", "o.npy"]).expr, "-a + b");
    assert_eq!(run(&["-o", "o.npy", "--", "-x"]).expr, "-x");
}

#[test]
fn float_round_trip_with_broadcasting_and_reductions() {
    let dir = TempDir::new("float");
    let a = Array::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64 * 0.5);
    let b = array![1.0f64, -2.0, 3.0, 0.25];
    let a_arg = dir.save("a", "a.npy", &Value::Float64(a.clone().into_dyn()));
    let b_arg = dir.save("b", "b.npy", &Value::Float64(b.clone().into_dyn()));
    let out = dir.path("out.npy");
    let out_arg = out.to_str().unwrap();

    let (r, info) = calc_ok(&["2*a + b**2", &a_arg, &b_arg, "-o", out_arg], &out);
    assert_eq!(info.stored, npy::Stored::F64);
    assert_eq!(info.shape, vec![3, 4]);
    let want = (2.0 * &a + &b.mapv(|x| x * x)).into_dyn();
    assert_eq!(r, Value::Float64(want));

    let (r, _) = calc_ok(&["sum(a * b, axis=1)", &a_arg, &b_arg, "-o", out_arg], &out);
    let want = (&a * &b).sum_axis(ndarray::Axis(1)).into_dyn();
    assert_eq!(r, Value::Float64(want));

    let (r, info) = calc_ok(&["a > b", &a_arg, &b_arg, "-o", out_arg], &out);
    assert_eq!(info.stored, npy::Stored::Bool);
    assert!(r.into_bool().unwrap()[[0, 1]]);

    // Named constants, and no partial file left behind.
    let (r, _) = calc_ok(&["--constants", "cos(pi * b)", &b_arg, "-o", out_arg], &out);
    let r = r.into_f64().unwrap();
    assert!((r[[0]] + 1.0).abs() < 1e-12);
    let names: Vec<_> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn narrow_and_foreign_dtypes_are_widened_as_numexpr_does() {
    let dir = TempDir::new("dtypes");
    let out = dir.path("out.npy");
    let out_arg = out.to_str().unwrap();
    let le = |xs: &[i64], size: usize| -> Vec<u8> {
        xs.iter()
            .flat_map(|x| x.to_le_bytes()[..size].to_vec())
            .collect()
    };
    let cases: Vec<(&str, Vec<u8>, npy::Stored, Value)> = vec![
        (
            "|u1",
            vec![0, 200, 255],
            npy::Stored::I32,
            Value::Int32(array![0, 200, 255].into_dyn()),
        ),
        (
            "|i1",
            vec![0, 200, 255],
            npy::Stored::I32,
            Value::Int32(array![0, -56, -1].into_dyn()),
        ),
        (
            "<i2",
            le(&[-300, 7, 32767], 2),
            npy::Stored::I32,
            Value::Int32(array![-300, 7, 32767].into_dyn()),
        ),
        (
            "<u2",
            le(&[65535, 1, 2], 2),
            npy::Stored::I32,
            Value::Int32(array![65535, 1, 2].into_dyn()),
        ),
        (
            "<u4",
            le(&[4_000_000_000, 1, 2], 4),
            npy::Stored::I64,
            Value::Int64(array![4_000_000_000, 1, 2].into_dyn()),
        ),
        (
            "<u8",
            le(&[-1, 1, 2], 8),
            npy::Stored::I64,
            Value::Int64(array![-1, 1, 2].into_dyn()),
        ),
        (
            ">i4",
            vec![0, 0, 1, 0, 255, 255, 255, 254, 0, 0, 0, 9],
            npy::Stored::I32,
            Value::Int32(array![256, -2, 9].into_dyn()),
        ),
        // float16: 1.5, -2.0, 65504 (the largest).
        (
            "<f2",
            vec![0x00, 0x3e, 0x00, 0xc0, 0xff, 0x7b],
            npy::Stored::F32,
            Value::Float32(array![1.5f32, -2.0, 65504.0].into_dyn()),
        ),
    ];
    for (descr, data, stored, want) in cases {
        let arg = dir.raw("x", "x.npy", descr, false, &[3], &data);
        let (got, info) = calc_ok(&["copy(x)", &arg, "-o", out_arg], &out);
        assert_eq!(got, want, "{descr}");
        let expected = match stored {
            npy::Stored::I32 => "<i4",
            npy::Stored::I64 => "<i8",
            _ => "<f4",
        };
        assert_eq!(
            npy::parse_descr(expected).unwrap().0,
            info.stored,
            "{descr}"
        );
    }

    // uint8 arithmetic happens in int32, so differences can be negative.
    let a = dir.raw("a", "a.npy", "|u1", false, &[2], &[10, 250]);
    let b = dir.raw("b", "b.npy", "|u1", false, &[2], &[20, 5]);
    let (got, _) = calc_ok(&["a - b", &a, &b, "-o", out_arg], &out);
    assert_eq!(got, Value::Int32(array![-10, 245].into_dyn()));

    // complex64 becomes complex128.
    let data: Vec<u8> = [1.0f32, 2.0, -3.0, 0.5]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let z = dir.raw("z", "z.npy", "<c8", false, &[2], &data);
    let (got, info) = calc_ok(&["z * 1j", &z, "-o", out_arg], &out);
    assert_eq!(info.stored, npy::Stored::C128);
    let want = array![Complex64::new(-2.0, 1.0), Complex64::new(-0.5, -3.0)].into_dyn();
    assert_eq!(got, Value::Complex128(want));

    // Fortran order: the data is column by column.
    let data: Vec<u8> = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let f = dir.raw("f", "f.npy", "<f8", true, &[2, 3], &data);
    let (got, info) = calc_ok(&["f * 10", &f, "-o", out_arg], &out);
    assert!(!info.fortran);
    assert_eq!(
        got,
        Value::Float64(array![[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]].into_dyn())
    );
}

#[test]
fn byte_strings() {
    let dir = TempDir::new("bytes");
    let out = dir.path("out.npy");
    let out_arg = out.to_str().unwrap();
    let mut data = Vec::new();
    for word in [&b"apple"[..], b"melon", b"fig"] {
        let mut padded = word.to_vec();
        padded.resize(5, 0);
        data.extend(padded);
    }
    let s = dir.raw("s", "s.npy", "|S5", false, &[3], &data);
    let (got, _) = calc_ok(&["contains(s, b'l')", &s, "-o", out_arg], &out);
    assert_eq!(got, Value::Bool(array![true, true, false].into_dyn()));
    let (got, _) = calc_ok(&["s >= b'fig'", &s, "-o", out_arg], &out);
    assert_eq!(got, Value::Bool(array![false, true, true].into_dyn()));

    // A byte-string result is saved as |S<width>.
    let (got, info) = calc_ok(&["copy(s)", &s, "-o", out_arg], &out);
    assert_eq!(info.stored, npy::Stored::Bytes(5));
    assert_eq!(info.shape, vec![3]);
    assert_eq!(got.as_bytes().unwrap().as_slice().unwrap(), &data[..]);
}

#[test]
fn chunked_evaluation_shows_progress_and_matches_one_call() {
    let dir = TempDir::new("chunks");
    let (rows, cols) = (101, 37);
    let x = Array::from_shape_fn((rows, cols), |(i, j)| (i as f64) - (j as f64) * 0.1);
    let y = Array::from_shape_fn((1, cols), |(_, j)| j as f32);
    let x_arg = dir.save("x", "x.npy", &Value::Float64(x.into_dyn()));
    let y_arg = dir.save("y", "y.npy", &Value::Float32(y.into_dyn()));
    let expr = "where(x > y, sqrt(abs(x)) * y, x - y)";

    let whole = dir.path("whole.npy");
    let (want, _) = calc_ok(
        &[expr, &x_arg, &y_arg, "-o", whole.to_str().unwrap()],
        &whole,
    );
    for extra in [
        &["--threads", "2"][..],
        &["--threads", "1"],
        &["--serial"],
        &[],
    ] {
        let out = dir.path("chunked.npy");
        let mut args = vec![
            expr,
            &x_arg,
            &y_arg,
            "-o",
            out.to_str().unwrap(),
            "--chunk",
            "500",
        ];
        args.extend_from_slice(extra);
        let o = calc(&args);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stderr.contains("evaluating: 100% (101 of 101 rows)"),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains(" in 8 chunks"), "{}", o.stderr);
        let (got, _) = npy::read(&out).unwrap();
        assert_eq!(got, want, "{extra:?}");
    }

    // The same through the library-level entry point.
    let out = dir.path("chunked.npy");
    let args = [
        expr,
        &x_arg,
        &y_arg,
        "-o",
        out.to_str().unwrap(),
        "--chunk",
        "1000",
        "-q",
    ];
    let Ok(calc::Command::Run(config)) = calc::parse_args(args.iter().map(|s| s.to_string()))
    else {
        panic!("bad command line");
    };
    let mut log = Vec::new();
    let summary = calc::run(&config, &mut log, &mut Vec::new()).unwrap();
    assert!(log.is_empty(), "-q prints nothing");
    assert_eq!(
        (summary.chunks, summary.shape.as_slice()),
        (4, &[rows, cols][..])
    );
    assert_eq!(summary.dtype, ndexpr::DType::Float64);
}

#[test]
fn expression_errors_show_the_caret_and_exit_1() {
    let dir = TempDir::new("expr-errors");
    let a = dir.save("a", "a.npy", &Value::Float64(ArrayD::zeros(IxDyn(&[2, 3]))));
    let b = dir.save("b", "b.npy", &Value::Float64(ArrayD::zeros(IxDyn(&[4]))));
    let out = dir.path("out.npy");
    let out_arg = out.to_str().unwrap();

    let err = calc_err(&["sine(a) + 1", &a, "-o", out_arg], 1);
    assert_eq!(
        err,
        "error[unknown_function]: unknown function `sine`\n  |\n  | sine(a) + 1\n  | ^^^^\n  \
         = hint: did you mean `sin`?\n"
    );
    let err = calc_err(&["a * c", &a, &b, "-o", out_arg], 1);
    assert!(
        err.starts_with("error[unknown_variable]: unknown variable `c`\n"),
        "{err}"
    );
    assert!(err.contains("  | a * c\n  |     ^\n"), "{err}");
    assert!(
        err.ends_with("= note: the inputs given are `a`, `b`; bind more with NAME=FILE.npy\n"),
        "{err}"
    );
    let err = calc_err(&["2*pi*a", &a, "-o", out_arg], 1);
    assert!(
        err.contains("= note: `pi` is defined with --constants"),
        "{err}"
    );
    let err = calc_err(&["a * b", &a, &b, "-o", out_arg], 1);
    assert!(
        err.contains("error[shape]: shapes cannot be broadcast together"),
        "{err}"
    );
    assert!(!err.contains("read a ="), "found from the headers: {err}");
    let err = calc_err(&["a > 1 & a < 2", &a, "-o", out_arg], 1);
    assert!(err.starts_with("error[syntax]"), "{err}");
    assert!(err.contains("(a > 1) & (a < 2)"), "{err}");
    let err = calc_err(&["sum(a) + 1", &a, "-o", out_arg], 1);
    assert!(err.starts_with("error[reduction]"), "{err}");
    assert!(!out.exists(), "no output after a failure");
}

#[test]
fn file_errors_name_the_file_and_exit_3() {
    let dir = TempDir::new("file-errors");
    let out = dir.path("out.npy");
    let out_arg = out.to_str().unwrap();

    let missing = dir.path("missing.npy");
    let err = calc_err(
        &["x", &format!("x={}", missing.display()), "-o", out_arg],
        3,
    );
    assert!(
        err.starts_with(&format!("error: {}: ", missing.display())),
        "{err}"
    );
    let err = calc_err(&["x + y", "x=2.5", "-o", out_arg], 3);
    assert!(err.contains("`2.5` is read as a file name"), "{err}");

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "junk",
            b"hello".to_vec(),
            "the file is too short for a .npy header",
        ),
        (
            "text",
            b"not a numpy file at all".to_vec(),
            "does not start with \\x93NUMPY",
        ),
        (
            "version",
            b"\x93NUMPY\x07\x00\x10\x00".to_vec(),
            "unknown format version 7",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path(&format!("{name}.npy"));
        fs::write(&path, bytes).unwrap();
        let err = calc_err(&["x", &format!("x={}", path.display()), "-o", out_arg], 3);
        assert!(
            err.contains("not a valid .npy file") && err.contains(message),
            "{name}: {err}"
        );
    }

    let raw = [
        (
            "unicode",
            "<U3",
            vec![2],
            vec![0u8; 24],
            "unsupported dtype `<U3`",
        ),
        (
            "half-missing",
            "<f8",
            vec![4],
            vec![0u8; 16],
            "but the file has 16 bytes of data",
        ),
        (
            "huge",
            "<f8",
            vec![1 << 40, 1 << 40],
            vec![],
            "is too large",
        ),
        (
            "empty-huge",
            "<f8",
            vec![0, 1 << 62, 1 << 62],
            vec![],
            "is too large",
        ),
        ("object", "|O", vec![1], vec![0u8; 8], "object arrays"),
        ("datetime", "<M8[ns]", vec![1], vec![0u8; 8], "datetime"),
        (
            "longdouble",
            "<f16",
            vec![1],
            vec![0u8; 16],
            "extended precision",
        ),
        (
            "no-order",
            "f8",
            vec![1],
            vec![0u8; 8],
            "byte order must be explicit",
        ),
    ];
    for (name, descr, shape, data, message) in raw {
        let arg = dir.raw("x", &format!("{name}.npy"), descr, false, &shape, &data);
        let err = calc_err(&["x", &arg, "-o", out_arg], 3);
        assert!(err.contains(message), "{name}: {err}");
    }

    // Headers that are not what NumPy writes.
    let headers = [
        (
            "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (1,), }",
            "structured",
        ),
        ("{'descr': '<f8', 'shape': (1,), }", "no 'fortran_order'"),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }",
            "'shape' is not a tuple of sizes",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)",
            "bad header",
        ),
        ("['descr']", "the header is not a dict"),
    ];
    for (i, (dict, message)) in headers.into_iter().enumerate() {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((dict.len() as u16 + 1).to_le_bytes());
        bytes.extend(dict.as_bytes());
        bytes.extend(b"\n\0\0\0\0\0\0\0\0");
        let path = dir.path(&format!("header{i}.npy"));
        fs::write(&path, bytes).unwrap();
        let err = calc_err(&["x", &format!("x={}", path.display()), "-o", out_arg], 3);
        assert!(err.contains(message), "{dict}: {err}");
    }

    // An output that cannot be written; nothing is left behind.
    let x = dir.save("x", "x.npy", &Value::Int32(array![1, 2].into_dyn()));
    let bad_out = dir.path("no-such-dir/out.npy");
    let err = calc_err(&["x + 1", &x, "-o", bad_out.to_str().unwrap()], 3);
    assert!(err.contains("no-such-dir"), "{err}");
    assert!(!dir.path("no-such-dir").exists());
    // Written, but cannot be renamed over a directory: the temporary file
    // is removed.
    let out_dir = dir.path("out-dir");
    fs::create_dir(&out_dir).unwrap();
    calc_err(&["x + 1", &x, "-o", out_dir.to_str().unwrap()], 3);
    assert!(!dir.path("out-dir.partial").exists());
}

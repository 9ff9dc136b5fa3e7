//! The logic of the `calc` example, kept apart from its `main` so that
//! `tests/calc_cli.rs` can run it in-process: the whole program with its
//! streams and exit code ([`main`]), command-line parsing ([`parse_args`]),
//! the evaluation pipeline ([`run`]) and the errors ([`CalcError`]).
//!
//! The pipeline reads only the `.npy` headers first; compiles the
//! expression for the files' dtypes and works out the result's shape from
//! the headers' shapes, so that a bad expression or a shape mismatch fails
//! before any data is read; reads the inputs the expression uses; allocates
//! the result once and, when it is large, fills it row range by row range
//! with [`Expression::evaluate_into`] (the inputs are sliced views, nothing
//! is copied), reporting the percentage done; and writes the result to a
//! temporary file renamed into place.

use crate::npy::{self, Info, NpyError};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, ShapeBuilder, Slice};
use ndexpr::{Context, DType, Element, ErrorKind, Expression, Options, Value, Vars};
use std::fmt;
use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The one-line usage.
pub const USAGE: &str = "Usage: calc [OPTIONS] [NAME =] EXPR NAME=FILE.npy... [-o OUT.npy]";

/// The text of `--help`.
pub const HELP: &str = "\
calc: evaluate a numexpr-style formula over .npy arrays and save the result

Usage: calc [OPTIONS] [NAME =] EXPR NAME=FILE.npy... [-o OUT.npy]

Arguments:
  EXPR             the formula, in numexpr's language: '(nir - red) / (nir + red)'.
                   Written 'ndvi = EXPR', the result is saved as ndvi.npy unless
                   -o is given.
  NAME=FILE.npy    binds the variable NAME to the array in FILE.npy.  Arrays of
                   different shapes broadcast by NumPy's rules.

Options:
  -o, --out FILE   where to save the result
  -t, --threads N  evaluate on a pool of N threads (default: one per core)
      --serial     evaluate on the calling thread only
      --constants  define the constants pi, e, inf and nan
      --show-program
                   print the compiled program (numexpr's disassembly) on stdout
      --chunk N    evaluate large results about N elements at a time, showing
                   the progress (default 4194304)
  -q, --quiet      print nothing but errors
  -h, --help       print this help
  --               the arguments that follow are not options (for an EXPR
                   that starts with '-')

Data types: bool, int32, int64, float32, float64, complex128 and byte strings
(S<n>) are read as they are; int8, uint8, int16 and uint16 become int32,
uint32 and uint64 become int64, complex64 becomes complex128 (numexpr's
conversions).  The result is saved with the dtype numexpr gives it.

Exit status: 0 done, 1 the expression is invalid or cannot be evaluated,
2 bad command line, 3 a file cannot be read or written or has an
unsupported dtype.

Examples:
  calc 'ndvi = (nir - red) / (nir + red)' nir=B8.npy red=B4.npy
  calc 'where(dem > 1000, 1, 0)' dem=dem.npy -o high.npy
  calc --constants 'sin(2*pi*t / period)' t=t.npy period=period.npy -o wave.npy
  calc 'sum(x, axis=0)' x=x.npy -o column_sums.npy
";

/// Default number of result elements per chunk.
pub const DEFAULT_CHUNK: usize = 1 << 22;

/// Where the evaluation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threading {
    /// The global rayon pool (one thread per core).
    Auto,
    /// The calling thread.
    Serial,
    /// A pool of this many threads, built for the run.
    Pool(NonZeroUsize),
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The expression, without its `NAME =` prefix.
    pub expr: String,
    /// The `NAME` of `NAME = EXPR`, if given.
    pub result_name: Option<String>,
    /// Variable names and the files they are read from, in the order given.
    pub inputs: Vec<(String, PathBuf)>,
    /// The output file.
    pub out: PathBuf,
    /// Thread choice.
    pub threading: Threading,
    /// Whether `pi`, `e`, `inf` and `nan` are defined.
    pub constants: bool,
    /// Whether to print the disassembly.
    pub show_program: bool,
    /// Whether to print anything but errors.
    pub quiet: bool,
    /// Results with more elements than this are evaluated in chunks.
    pub chunk: usize,
    /// Whether to redraw a percentage while evaluating (for a terminal).
    pub live_progress: bool,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Print the help.
    Help,
    /// Evaluate.
    Run(Config),
}

/// A failure, with the exit code it gives.
#[derive(Debug)]
pub enum CalcError {
    /// The command line is wrong (exit code 2).
    Usage(String),
    /// The expression does not compile or evaluate (exit code 1).
    Expr {
        /// ndexpr's error (its `Display` shows the caret and hint).
        error: ndexpr::Error,
        /// What calc adds, if anything.
        note: Option<String>,
    },
    /// A file cannot be read or written, or has an unsupported dtype (exit
    /// code 3).
    File {
        /// The error, which names the file.
        error: NpyError,
        /// What calc adds, if anything.
        note: Option<String>,
    },
    /// The thread pool cannot be built (exit code 1).
    Threads(String),
}

impl CalcError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CalcError::Expr { .. } | CalcError::Threads(_) => 1,
            CalcError::Usage(_) => 2,
            CalcError::File { .. } => 3,
        }
    }
}

impl fmt::Display for CalcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalcError::Usage(msg) => write!(
                f,
                "error: {msg}\n\n{USAGE}\nRun `calc --help` for the options."
            ),
            CalcError::Expr { error, note } => {
                write!(f, "{error}")?;
                match note {
                    Some(note) => write!(f, "\n  = note: {note}"),
                    None => Ok(()),
                }
            }
            CalcError::File { error, note } => {
                write!(f, "error: {error}")?;
                match note {
                    Some(note) => write!(f, "\n  = note: {note}"),
                    None => Ok(()),
                }
            }
            CalcError::Threads(msg) => write!(f, "error: cannot start the threads: {msg}"),
        }
    }
}

impl std::error::Error for CalcError {}

fn usage(msg: impl Into<String>) -> CalcError {
    CalcError::Usage(msg.into())
}

/// True for a valid variable name: ASCII letters, digits and `_`, not
/// starting with a digit.
fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True when `arg` is to be read as an option: `--`, or a dash followed by
/// letters and dashes (and, for long options, `=value`).  Expressions such
/// as `-a + b` or `-2*x` are not.
fn is_option(arg: &str) -> bool {
    let flag = match arg.strip_prefix("--") {
        Some("") => return true,
        Some(rest) => rest.split_once('=').map_or(rest, |(f, _)| f),
        None => match arg.strip_prefix('-') {
            Some(rest) => rest,
            None => return false,
        },
    };
    flag.starts_with(|c: char| c.is_ascii_alphabetic())
        && flag.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
}

/// Splits `NAME = EXPR` into the name and the expression (`==` is a
/// comparison, not an assignment).
pub fn split_result_name(text: &str) -> (Option<String>, String) {
    let trimmed = text.trim();
    let name_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(trimmed.len());
    let (name, rest) = trimmed.split_at(name_len);
    let rest = rest.trim_start();
    if is_name(name)
        && let Some(expr) = rest.strip_prefix('=')
        && !expr.starts_with('=')
    {
        return (Some(name.to_string()), expr.trim().to_string());
    }
    (None, trimmed.to_string())
}

/// Parses one `NAME=FILE` argument.
fn parse_binding(arg: &str) -> Result<(String, PathBuf), CalcError> {
    let Some((name, path)) = arg.split_once('=') else {
        let example = Path::new(arg)
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| is_name(s))
            .map_or_else(
                || "e.g. nir=nir.npy".to_string(),
                |stem| format!("e.g. {stem}={arg}"),
            );
        return Err(usage(format!(
            "`{arg}` is not an input: inputs are written NAME=FILE.npy ({example}); \
             the expression is the first argument"
        )));
    };
    let name = name.trim();
    if !is_name(name) {
        return Err(usage(format!(
            "`{arg}`: `{name}` is not a variable name (use ASCII letters, digits and `_`, \
             not starting with a digit)"
        )));
    }
    if path.is_empty() {
        return Err(usage(format!(
            "`{arg}`: no file after `=` (write {name}=FILE.npy)"
        )));
    }
    Ok((name.to_string(), PathBuf::from(path)))
}

fn parse_count(flag: &str, value: &str) -> Result<NonZeroUsize, CalcError> {
    value.parse::<NonZeroUsize>().map_err(|_| {
        usage(format!(
            "{flag} needs a whole number of at least 1, not `{value}`"
        ))
    })
}

/// Parses the command line (without the program name).
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Command, CalcError> {
    let mut args = args.into_iter();
    let mut positional = Vec::new();
    let mut out = None;
    let mut threads = None;
    let mut serial = false;
    let mut constants = false;
    let mut show_program = false;
    let mut quiet = false;
    let mut chunk = DEFAULT_CHUNK;
    let mut options_done = false;
    while let Some(arg) = args.next() {
        if options_done || !is_option(&arg) {
            positional.push(arg);
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let takes_value = matches!(flag, "-o" | "--out" | "-t" | "--threads" | "--chunk");
        if !takes_value && inline.is_some() {
            return Err(usage(format!("{flag} takes no value")));
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "-o" | "--out" => out = Some(PathBuf::from(value()?)),
            "-t" | "--threads" => threads = Some(parse_count(flag, &value()?)?),
            "--chunk" => chunk = parse_count(flag, &value()?)?.get(),
            "--serial" => serial = true,
            "--constants" => constants = true,
            "--show-program" => show_program = true,
            "-q" | "--quiet" => quiet = true,
            _ => {
                return Err(usage(format!(
                    "unknown option `{flag}` (if it is the expression, put `--` before it: \
                     calc -- '{arg}' ...)"
                )));
            }
        }
    }
    let mut positional = positional.into_iter();
    let Some(text) = positional.next() else {
        return Err(usage("no expression given"));
    };
    let (result_name, expr) = split_result_name(&text);
    if expr.is_empty() {
        return Err(usage("the expression is empty"));
    }
    let mut inputs: Vec<(String, PathBuf)> = Vec::new();
    for arg in positional {
        let (name, path) = parse_binding(&arg)?;
        if inputs.iter().any(|(n, _)| *n == name) {
            return Err(usage(format!("`{name}` is given twice")));
        }
        inputs.push((name, path));
    }
    let threading = match (serial, threads) {
        (true, Some(_)) => return Err(usage("--serial and --threads cannot be combined")),
        (true, None) => Threading::Serial,
        (false, Some(n)) => Threading::Pool(n),
        (false, None) => Threading::Auto,
    };
    let out = match (out, &result_name) {
        (Some(out), _) => out,
        (None, Some(name)) => PathBuf::from(format!("{name}.npy")),
        (None, None) => {
            return Err(usage(
                "no output file: give -o FILE.npy, or name the result \
                 (`ndvi = ...` saves ndvi.npy)",
            ));
        }
    };
    Ok(Command::Run(Config {
        expr,
        result_name,
        inputs,
        out,
        threading,
        constants,
        show_program,
        quiet,
        chunk,
        live_progress: false,
    }))
}

/// The whole program: parses `args` (without the program name), runs, and
/// returns the exit code.  `--help` and `--show-program` print on `stdout`;
/// progress, timings and errors go to `stderr`.  `live_progress` redraws
/// the percentage in place (for a terminal) instead of printing a line
/// every 10%.
pub fn main(
    args: impl IntoIterator<Item = String>,
    stdout: &mut dyn Write,
    stderr: &mut (dyn Write + Send),
    live_progress: bool,
) -> u8 {
    let result = parse_args(args).and_then(|command| match command {
        Command::Help => {
            let _ = write!(stdout, "{HELP}");
            Ok(())
        }
        Command::Run(mut config) => {
            config.live_progress = live_progress;
            run(&config, stderr, stdout).map(|_| ())
        }
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(stderr, "{e}");
            e.exit_code()
        }
    }
}

/// What a successful run produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The file written.
    pub out: PathBuf,
    /// The result's dtype.
    pub dtype: DType,
    /// The result's shape (for byte strings, without the width).
    pub shape: Vec<usize>,
    /// Number of chunks evaluated (1 when evaluated in one call).
    pub chunks: usize,
}

/// Progress and timing lines, on stderr in the example.
struct Log<'w> {
    w: &'w mut (dyn Write + Send),
    quiet: bool,
    /// Redraw one percentage in place (a terminal), rather than print a
    /// line every 10% (a log file).
    live: bool,
    /// Tenths of the work reported so far.
    tenths_shown: usize,
}

impl Log<'_> {
    fn line(&mut self, args: fmt::Arguments<'_>) {
        if !self.quiet {
            let _ = writeln!(self.w, "{args}");
        }
    }

    fn percent(&mut self, done: usize, total: usize) {
        let percent = done * 100 / total.max(1);
        if self.quiet {
        } else if self.live {
            let _ = write!(self.w, "\revaluating: {percent:>3}%");
            let _ = self.w.flush();
        } else if percent / 10 > self.tenths_shown {
            self.tenths_shown = percent / 10;
            let _ = writeln!(self.w, "evaluating: {percent:>3}% ({done} of {total} rows)");
        }
    }

    fn end_percent(&mut self) {
        if !self.quiet && self.live {
            let _ = write!(self.w, "\r\x1b[2K");
        }
    }
}

/// Runs `config`: progress lines go to `log`, the disassembly (with
/// `--show-program`) to `program_out`.
pub fn run(
    config: &Config,
    log: &mut (dyn Write + Send),
    program_out: &mut dyn Write,
) -> Result<Summary, CalcError> {
    let mut log = Log {
        w: log,
        quiet: config.quiet,
        live: config.live_progress,
        tenths_shown: 0,
    };

    // 1. The headers: dtypes and shapes, without reading any data.
    let mut infos = Vec::with_capacity(config.inputs.len());
    for (_, path) in &config.inputs {
        infos.push(npy::read_info(path).map_err(file_error)?);
    }

    // 2. Compile for those dtypes.
    let context = if config.constants {
        Context::new().with_math_constants()
    } else {
        Context::new()
    };
    let decls: Vec<(&str, DType)> = config
        .inputs
        .iter()
        .zip(&infos)
        .map(|((name, _), info)| (name.as_str(), info.stored.dtype()))
        .collect();
    let started = Instant::now();
    let expr = context
        .compile(&config.expr, &decls)
        .map_err(|e| expr_error(e, config))?;
    log.line(format_args!(
        "compiled in {}: {} -> {}",
        ms(started.elapsed()),
        if decls.is_empty() {
            "no inputs".to_string()
        } else {
            expr.inputs()
                .iter()
                .map(|d| format!("{} {}", d.name, d.dtype))
                .collect::<Vec<_>>()
                .join(", ")
        },
        expr.result_dtype()
    ));
    if config.show_program {
        let _ = writeln!(program_out, "{}", expr.disassemble());
    }

    // 3. The result's shape, from the headers: a shape mismatch is reported
    //    before any data is read or memory allocated.
    let shape = expr
        .result_shape(&header_vars(&config.inputs, &infos))
        .map_err(|e| expr_error(e, config))?;

    // 4. Read the inputs the expression uses.
    let mut values: Vec<(String, Value)> = Vec::new();
    let mut input_bytes = 0usize;
    for ((name, path), info) in config.inputs.iter().zip(&infos) {
        if !expr.inputs().iter().any(|d| d.name == *name) {
            log.line(format_args!(
                "note: `{name}` is not used by the expression; {} is not read",
                path.display()
            ));
            continue;
        }
        let started = Instant::now();
        let (value, info_read) = npy::read(path).map_err(file_error)?;
        let elapsed = started.elapsed();
        debug_assert_eq!(&info_read, info);
        // The size was checked against the file's when it was opened.
        let bytes = info.data_bytes().unwrap_or(0);
        input_bytes += bytes;
        log.line(format_args!(
            "read {name} = {}: {} {}{}, {} in {}{}",
            path.display(),
            describe_dtype(info),
            fmt_shape(&info.shape),
            if info.fortran { " (Fortran order)" } else { "" },
            human_bytes(bytes as f64),
            ms(elapsed),
            rate(bytes, elapsed, |per_s| format!(
                " ({}/s)",
                human_bytes(per_s)
            )),
        ));
        values.push((name.clone(), value));
    }

    // 5. How to cut the evaluation into chunks.
    let full = vars_for_rows(&values, None);
    let len: usize = shape.iter().product();
    let dtype = expr.result_dtype();
    let reduction = expr.program().reduction.is_some();
    let chunked = !reduction
        && dtype != DType::Bytes
        && shape.first().is_some_and(|&rows| rows > 1)
        && len > config.chunk;
    // Whole rows of at most `--chunk` elements (at least one row), spread
    // evenly over the chunks.
    let (chunks, rows_per_chunk) = if chunked {
        let rows = shape[0];
        let max_rows = (config.chunk / (len / rows)).max(1);
        let chunks = rows.div_ceil(max_rows);
        (chunks, rows.div_ceil(chunks))
    } else {
        (1, shape.first().copied().unwrap_or(1).max(1))
    };

    // 6. Evaluate, in the requested threads.
    let (options, threads) = match config.threading {
        Threading::Serial => (Options::serial(), 1),
        Threading::Auto => (Options::new(), rayon::current_num_threads()),
        Threading::Pool(n) => (Options::new(), n.get()),
    };
    let started = Instant::now();
    let evaluate = |log: &mut Log<'_>| -> Result<Value, ndexpr::Error> {
        if !chunked {
            return expr.evaluate_with(&full, &options);
        }
        macro_rules! chunked {
            ($t:ty) => {
                evaluate_chunked::<$t>(&expr, &values, &shape, rows_per_chunk, &options, log)
                    .map(<$t>::value)
            };
        }
        match dtype {
            DType::Bool => chunked!(bool),
            DType::Int32 => chunked!(i32),
            DType::Int64 => chunked!(i64),
            DType::Float32 => chunked!(f32),
            DType::Float64 => chunked!(f64),
            DType::Complex128 => chunked!(num_complex::Complex64),
            DType::Bytes => unreachable!("byte-string results are not chunked"),
        }
    };
    let result = match config.threading {
        Threading::Pool(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.get())
            .build()
            .map_err(|e| CalcError::Threads(e.to_string()))?
            .install(|| evaluate(&mut log)),
        Threading::Auto | Threading::Serial => evaluate(&mut log),
    };
    log.end_percent();
    let result = result.map_err(|e| expr_error(e, config))?;
    let elapsed = started.elapsed();
    let elements = values
        .iter()
        .map(|(_, v)| v.shape().iter().product::<usize>());
    let elements = elements.max().unwrap_or(1).max(len);
    log.line(format_args!(
        "evaluated {} elements in {} on {threads} thread{}{}{}",
        group_digits(elements),
        ms(elapsed),
        if threads == 1 { "" } else { "s" },
        if chunks > 1 {
            format!(" in {chunks} chunks")
        } else {
            String::new()
        },
        rate(input_bytes, elapsed, |per_s| format!(
            ": {} elements/s, {}/s of input",
            human_count(per_s / input_bytes as f64 * elements as f64),
            human_bytes(per_s)
        )),
    ));

    // 7. Write it.
    let started = Instant::now();
    write_atomically(&config.out, &result).map_err(file_error)?;
    let result_bytes = npy::value_bytes(&result);
    log.line(format_args!(
        "wrote {}: {} {}, {} in {}",
        config.out.display(),
        dtype_name(&result),
        fmt_shape(result.shape()),
        human_bytes(result_bytes as f64),
        ms(started.elapsed())
    ));
    Ok(Summary {
        out: config.out.clone(),
        dtype: result.dtype(),
        shape: result.shape().to_vec(),
        chunks,
    })
}

/// Fills a freshly allocated result of `shape` by ranges of
/// `rows_per_chunk` rows (axis 0): each call of `evaluate_into` gets the
/// rows of the output and the same rows of every input that has them
/// (inputs that broadcast along axis 0 are passed whole).
fn evaluate_chunked<T: Element + Clone + Default>(
    expr: &Expression,
    values: &[(String, Value)],
    shape: &[usize],
    rows_per_chunk: usize,
    options: &Options,
    log: &mut Log<'_>,
) -> Result<ArrayD<T>, ndexpr::Error> {
    let len: usize = shape.iter().product();
    // Ask for the memory first, so that a result too large for memory is an
    // error rather than an abort.
    let mut data = Vec::new();
    if data.try_reserve_exact(len).is_err() {
        return Err(ndexpr::Error::new(
            ErrorKind::Shape,
            format!("cannot allocate the result ({len} elements)"),
        ));
    }
    data.resize(len, T::default());
    let mut out = ArrayD::from_shape_vec(IxDyn(shape), data).expect("length matches the shape");
    let rows = shape[0];
    let mut start = 0;
    while start < rows {
        let end = (start + rows_per_chunk).min(rows);
        let vars = vars_for_rows(values, Some((rows, start..end)));
        let chunk = out.slice_axis_mut(Axis(0), Slice::from(start..end));
        expr.evaluate_into(&vars, chunk, options)?;
        log.percent(end, rows);
        start = end;
    }
    Ok(out)
}

/// Variables over `values`: whole, or, with `Some((rows, range))`, only the
/// rows in `range` of those whose first axis is the result's (of length
/// `rows`).
fn vars_for_rows(values: &[(String, Value)], rows: Option<(usize, Range<usize>)>) -> Vars<'_> {
    fn slice<'a, T>(
        a: ArrayViewD<'a, T>,
        shape: &[usize],
        rows: &Option<(usize, Range<usize>)>,
    ) -> ArrayViewD<'a, T> {
        match rows {
            // Inputs with fewer dimensions, or a first axis of length 1,
            // broadcast along the result's first axis: passed whole.
            Some((n, range)) if shape.first() == Some(n) && *n > 1 => {
                let mut a = a;
                a.slice_axis_inplace(Axis(0), Slice::from(range.clone()));
                a
            }
            _ => a,
        }
    }
    let ndim = values
        .iter()
        .map(|(_, v)| v.shape().len())
        .max()
        .unwrap_or(0);
    let mut vars = Vars::new();
    for (name, value) in values {
        let shape = value.shape();
        // Only inputs with the result's number of dimensions have its
        // first axis.
        let rows = if shape.len() == ndim {
            rows.clone()
        } else {
            None
        };
        let name = name.as_str();
        match value {
            Value::Bool(a) => vars.insert(name, slice(a.view(), shape, &rows)),
            Value::Int32(a) => vars.insert(name, slice(a.view(), shape, &rows)),
            Value::Int64(a) => vars.insert(name, slice(a.view(), shape, &rows)),
            Value::Float32(a) => vars.insert(name, slice(a.view(), shape, &rows)),
            Value::Float64(a) => vars.insert(name, slice(a.view(), shape, &rows)),
            Value::Complex128(a) => vars.insert(name, slice(a.view(), shape, &rows)),
            Value::Bytes(a) => vars.insert_bytes(name, slice(a.view(), shape, &rows)),
        };
    }
    vars
}

/// Stand-ins for the inputs built from their headers alone, for
/// [`Expression::result_shape`], which only looks at shapes: each is a view
/// of one zero with all strides 0, so nothing is read or allocated.
fn header_vars(inputs: &[(String, PathBuf)], infos: &[Info]) -> Vars<'static> {
    fn zeros<T>(zero: &'static T, shape: &[usize]) -> ArrayViewD<'static, T> {
        let strides = IxDyn(&vec![0; shape.len()]);
        // Cannot fail: the headers' sizes were checked against the files'.
        ArrayViewD::from_shape(IxDyn(shape).strides(strides), std::slice::from_ref(zero))
            .expect("zero strides address one element")
    }
    static COMPLEX_ZERO: num_complex::Complex64 = num_complex::Complex64::new(0.0, 0.0);
    let mut vars = Vars::new();
    for ((name, _), info) in inputs.iter().zip(infos) {
        let shape = info.shape.as_slice();
        match info.stored.dtype() {
            DType::Bool => vars.insert(name, zeros(&false, shape)),
            DType::Int32 => vars.insert(name, zeros(&0i32, shape)),
            DType::Int64 => vars.insert(name, zeros(&0i64, shape)),
            DType::Float32 => vars.insert(name, zeros(&0f32, shape)),
            DType::Float64 => vars.insert(name, zeros(&0f64, shape)),
            DType::Complex128 => vars.insert(name, zeros(&COMPLEX_ZERO, shape)),
            DType::Bytes => {
                let mut with_width = shape.to_vec();
                with_width.push(info.stored.item_size());
                vars.insert_bytes(name, zeros(&0u8, &with_width))
            }
        };
    }
    vars
}

/// Writes to a temporary file next to `path` and renames it, so that a
/// failed run never leaves a truncated result behind.
fn write_atomically(path: &Path, value: &Value) -> Result<(), NpyError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let written = npy::write(&tmp, value).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| NpyError::Io {
            path: path.to_owned(),
            source,
        })
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn file_error(error: NpyError) -> CalcError {
    let note = match &error {
        NpyError::Io { path, source } if source.kind() == io::ErrorKind::NotFound => {
            let text = path.to_string_lossy();
            if text.parse::<f64>().is_ok() {
                Some(format!(
                    "`{text}` is read as a file name; to use a number, write it in the \
                     expression"
                ))
            } else {
                None
            }
        }
        _ => None,
    };
    CalcError::File { error, note }
}

/// An ndexpr error, with a note when calc can say more about it.
fn expr_error(error: ndexpr::Error, config: &Config) -> CalcError {
    let note = match error.kind() {
        ErrorKind::UnknownVariable => {
            let message = error.message();
            let constant = ["pi", "e", "inf", "nan"]
                .into_iter()
                .find(|c| message.contains(&format!("`{c}`")));
            match constant {
                Some(c) if !config.constants => Some(format!("`{c}` is defined with --constants")),
                _ if config.inputs.is_empty() => {
                    Some("no input is given: bind variables with NAME=FILE.npy".into())
                }
                _ => Some(format!(
                    "the inputs given are {}; bind more with NAME=FILE.npy",
                    config
                        .inputs
                        .iter()
                        .map(|(n, _)| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        _ => None,
    };
    CalcError::Expr { error, note }
}

fn describe_dtype(info: &Info) -> String {
    if info.stored.is_widened() {
        format!("{} (as {})", info.stored.numpy_name(), info.stored.dtype())
    } else {
        info.stored.numpy_name()
    }
}

fn dtype_name(value: &Value) -> String {
    match value {
        Value::Bytes(a) => format!("S{}", a.shape().last().copied().unwrap_or(0)),
        v => v.dtype().to_string(),
    }
}

fn fmt_shape(shape: &[usize]) -> String {
    format!(
        "[{}]",
        shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// `show(bytes per second)`, or nothing when there is too little data for
/// a meaningful rate.
fn rate(bytes: usize, elapsed: Duration, show: impl Fn(f64) -> String) -> String {
    if bytes < 1 << 20 {
        return String::new();
    }
    show(bytes as f64 / elapsed.as_secs_f64().max(1e-9))
}

fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut n = n;
    let mut unit = 0;
    while n >= 1024.0 && unit + 1 < UNITS.len() {
        n /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n:.0} B")
    } else {
        format!("{n:.1} {}", UNITS[unit])
    }
}

fn human_count(n: f64) -> String {
    match n {
        n if n >= 1e9 => format!("{:.2} G", n / 1e9),
        n if n >= 1e6 => format!("{:.1} M", n / 1e6),
        n if n >= 1e3 => format!("{:.1} k", n / 1e3),
        n => format!("{n:.0}"),
    }
}

fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

//! NumPy `.npy` files as ndexpr [`Value`]s: the reading and writing the
//! `calc` example needs, shared with its test (`tests/calc_cli.rs`).
//!
//! The format is small enough to handle in one self-contained module: a
//! magic string, a header that is a Python dict literal
//! (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`), then
//! the elements.  Reading chooses the element type from the header, reads
//! either byte order and C or Fortran order, and widens the element types
//! ndexpr does not compute with the way numexpr does:
//!
//! | in the file | becomes |
//! |---|---|
//! | `b1` bool, `i4` int32, `i8` int64, `f4` float32, `f8` float64, `c16` complex128 | the same |
//! | `i1`, `u1`, `i2`, `u2` (int8, uint8, int16, uint16) | int32 |
//! | `u4` (uint32) | int64 |
//! | `u8` (uint64) | int64 (values above 2**63-1 wrap, as in numexpr) |
//! | `f2` (float16) | float32 |
//! | `c8` (complex64) | complex128 |
//! | `S<n>` byte strings | bytes of width `n` (a `u8` array whose last axis is the width) |
//!
//! Long double, Unicode (`U`), object, datetime and structured dtypes are
//! refused with an error that names the file and says how to convert.
//! Results are written little-endian in C order.

use ndarray::{ArrayD, IxDyn};
use ndexpr::{DType, Value};
use num_complex::Complex64;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// An error reading or writing a `.npy` file; `Display` names the file.
#[derive(Debug)]
pub enum NpyError {
    /// The file could not be opened, read or written.
    Io { path: PathBuf, source: io::Error },
    /// The file is not a well-formed `.npy` file.
    Format { path: PathBuf, message: String },
    /// The file holds a dtype that ndexpr cannot compute with.
    Dtype {
        path: PathBuf,
        descr: String,
        hint: String,
    },
}

impl fmt::Display for NpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NpyError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            NpyError::Format { path, message } => {
                write!(f, "{}: not a valid .npy file: {message}", path.display())
            }
            NpyError::Dtype { path, descr, hint } => write!(
                f,
                "{}: unsupported dtype `{descr}`\n  = hint: {hint}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for NpyError {}

/// The element type stored in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Bool,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F16,
    F32,
    F64,
    C64,
    C128,
    /// Byte strings of this width.
    Bytes(usize),
}

impl Stored {
    /// The dtype ndexpr computes with.
    pub fn dtype(self) -> DType {
        match self {
            Stored::Bool => DType::Bool,
            Stored::I8 | Stored::U8 | Stored::I16 | Stored::U16 | Stored::I32 => DType::Int32,
            Stored::U32 | Stored::I64 | Stored::U64 => DType::Int64,
            Stored::F16 | Stored::F32 => DType::Float32,
            Stored::F64 => DType::Float64,
            Stored::C64 | Stored::C128 => DType::Complex128,
            Stored::Bytes(_) => DType::Bytes,
        }
    }

    /// NumPy's name for it.
    pub fn numpy_name(self) -> String {
        let name = match self {
            Stored::Bool => "bool",
            Stored::I8 => "int8",
            Stored::U8 => "uint8",
            Stored::I16 => "int16",
            Stored::U16 => "uint16",
            Stored::I32 => "int32",
            Stored::U32 => "uint32",
            Stored::I64 => "int64",
            Stored::U64 => "uint64",
            Stored::F16 => "float16",
            Stored::F32 => "float32",
            Stored::F64 => "float64",
            Stored::C64 => "complex64",
            Stored::C128 => "complex128",
            Stored::Bytes(n) => return format!("S{n}"),
        };
        name.to_string()
    }

    /// True when reading converts the values to a wider dtype.
    pub fn is_widened(self) -> bool {
        !matches!(
            self,
            Stored::Bool
                | Stored::I32
                | Stored::I64
                | Stored::F32
                | Stored::F64
                | Stored::C128
                | Stored::Bytes(_)
        )
    }

    /// Size of one element in the file, in bytes.
    pub fn item_size(self) -> usize {
        match self {
            Stored::Bool | Stored::I8 | Stored::U8 => 1,
            Stored::I16 | Stored::U16 | Stored::F16 => 2,
            Stored::I32 | Stored::U32 | Stored::F32 => 4,
            Stored::I64 | Stored::U64 | Stored::F64 | Stored::C64 => 8,
            Stored::C128 => 16,
            Stored::Bytes(n) => n,
        }
    }
}

/// What a file's header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    /// The element type in the file.
    pub stored: Stored,
    /// True when multi-byte elements are big-endian.
    pub big_endian: bool,
    /// The array's shape (for byte strings, without the width).
    pub shape: Vec<usize>,
    /// True for Fortran (column-major) order.
    pub fortran: bool,
}

impl Info {
    /// Number of elements, or `None` if it overflows `usize`.
    pub fn len(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }

    /// Size of the data in the file, in bytes, or `None` if it overflows.
    pub fn data_bytes(&self) -> Option<usize> {
        self.len()?.checked_mul(self.stored.item_size())
    }
}

/// Reads the header of `path` (and checks that the file is long enough for
/// the data it promises).
pub fn read_info(path: &Path) -> Result<Info, NpyError> {
    open(path).map(|(_, info)| info)
}

/// Reads `path` into a [`Value`] of the dtype ndexpr computes with (see the
/// module documentation), with the header it was read from.
pub fn read(path: &Path) -> Result<(Value, Info), NpyError> {
    let (reader, info) = open(path)?;
    let big = info.big_endian;
    let mut data = DataReader {
        path,
        reader,
        info: &info,
    };
    let value = match info.stored {
        Stored::Bool => Value::Bool(data.read(|b| b[0] != 0)?),
        Stored::I8 => Value::Int32(data.read(|b| i32::from(b[0] as i8))?),
        Stored::U8 => Value::Int32(data.read(|b| i32::from(b[0]))?),
        Stored::I16 => Value::Int32(data.read(|b| i32::from(i16::from_le_bytes(le(b, big))))?),
        Stored::U16 => Value::Int32(data.read(|b| i32::from(u16::from_le_bytes(le(b, big))))?),
        Stored::I32 => Value::Int32(data.read(|b| i32::from_le_bytes(le(b, big)))?),
        Stored::U32 => Value::Int64(data.read(|b| i64::from(u32::from_le_bytes(le(b, big))))?),
        Stored::I64 => Value::Int64(data.read(|b| i64::from_le_bytes(le(b, big)))?),
        Stored::U64 => Value::Int64(data.read(|b| u64::from_le_bytes(le(b, big)) as i64)?),
        Stored::F16 => Value::Float32(data.read(|b| f16_to_f32(u16::from_le_bytes(le(b, big))))?),
        Stored::F32 => Value::Float32(data.read(|b| f32::from_le_bytes(le(b, big)))?),
        Stored::F64 => Value::Float64(data.read(|b| f64::from_le_bytes(le(b, big)))?),
        Stored::C64 => Value::Complex128(data.read(|b| {
            let re = f32::from_le_bytes(le(&b[..4], big));
            let im = f32::from_le_bytes(le(&b[4..], big));
            Complex64::new(f64::from(re), f64::from(im))
        })?),
        Stored::C128 => Value::Complex128(data.read(|b| {
            let re = f64::from_le_bytes(le(&b[..8], big));
            let im = f64::from_le_bytes(le(&b[8..], big));
            Complex64::new(re, im)
        })?),
        Stored::Bytes(_) => Value::Bytes(data.read_bytes()?),
    };
    Ok((value, info))
}

/// The `N` bytes of one number in little-endian order.
fn le<const N: usize>(bytes: &[u8], big_endian: bool) -> [u8; N] {
    let mut a: [u8; N] = bytes.try_into().expect("element size");
    if big_endian {
        a.reverse();
    }
    a
}

/// IEEE half precision to single precision (exact).
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((h >> 10) & 0x1f);
    let fraction = f32::from(h & 0x3ff);
    sign * match exponent {
        0 => fraction * 2f32.powi(-24),
        0x1f if fraction == 0.0 => f32::INFINITY,
        0x1f => f32::NAN,
        e => (1.0 + fraction / 1024.0) * 2f32.powi(e - 15),
    }
}

/// The data part of a file whose header has been read.
struct DataReader<'a> {
    path: &'a Path,
    reader: BufReader<File>,
    info: &'a Info,
}

impl DataReader<'_> {
    /// Reads every element with `convert` (which gets one element's bytes)
    /// into an array of the file's shape.
    fn read<T>(&mut self, convert: impl Fn(&[u8]) -> T) -> Result<ArrayD<T>, NpyError> {
        let size = self.info.stored.item_size();
        let len = self.info.len().ok_or_else(|| self.too_large())?;
        let mut values = Vec::new();
        values
            .try_reserve_exact(len)
            .map_err(|_| self.too_large())?;
        // A few thousand elements at a time: no second copy of the file.
        let mut buf = vec![0u8; size * 8192];
        while values.len() < len {
            let n = (len - values.len()).min(8192);
            self.read_exact(&mut buf[..n * size], values.len() * size)?;
            values.extend(buf[..n * size].chunks_exact(size).map(&convert));
        }
        Ok(self.shaped(values, &[]))
    }

    /// Reads byte strings into a `u8` array of shape `shape + [width]`.
    fn read_bytes(&mut self) -> Result<ArrayD<u8>, NpyError> {
        let len = self.info.data_bytes().ok_or_else(|| self.too_large())?;
        let mut data = Vec::new();
        data.try_reserve_exact(len).map_err(|_| self.too_large())?;
        data.resize(len, 0);
        self.read_exact(&mut data, 0)?;
        Ok(self.shaped(data, &[self.info.stored.item_size()]))
    }

    fn read_exact(&mut self, buf: &mut [u8], offset: usize) -> Result<(), NpyError> {
        // The length was checked when the file was opened, so an early end
        // means the file changed meanwhile.
        self.reader.read_exact(buf).map_err(|e| {
            let at = format!("reading bytes {offset}..{} of the data", offset + buf.len());
            io_error(self.path, io::Error::new(e.kind(), format!("{at}: {e}")))
        })
    }

    /// `data` (elements in file order) as an array of the file's shape
    /// followed by `inner` (axes that are always C-ordered).
    fn shaped<T>(&self, data: Vec<T>, inner: &[usize]) -> ArrayD<T> {
        let shape = &self.info.shape;
        if self.info.fortran {
            // Fortran order is C order over the reversed shape: read it
            // so, then reverse the outer axes (no copy; ndexpr takes any
            // strides).
            let ndim = shape.len();
            let dims: Vec<usize> = shape.iter().rev().chain(inner).copied().collect();
            let axes: Vec<usize> = (0..ndim).rev().chain(ndim..dims.len()).collect();
            ArrayD::from_shape_vec(IxDyn(&dims), data)
                .expect("length checked")
                .permuted_axes(axes)
        } else {
            let dims: Vec<usize> = shape.iter().chain(inner).copied().collect();
            ArrayD::from_shape_vec(IxDyn(&dims), data).expect("length checked")
        }
    }

    fn too_large(&self) -> NpyError {
        format_error(
            self.path,
            format!(
                "shape {:?} of {} is too large for memory",
                self.info.shape,
                self.info.stored.numpy_name()
            ),
        )
    }
}

/// Writes `value` to `path` (C order, little-endian; byte strings as
/// `|S<width>`).
pub fn write(path: &Path, value: &Value) -> Result<(), NpyError> {
    let file = File::create(path).map_err(|source| io_error(path, source))?;
    let mut w = BufWriter::new(file);
    let written = match value {
        Value::Bool(a) => write_array(&mut w, "|b1", a, |&x, out| out.push(u8::from(x))),
        Value::Int32(a) => write_array(&mut w, "<i4", a, |x, out| out.extend(x.to_le_bytes())),
        Value::Int64(a) => write_array(&mut w, "<i8", a, |x, out| out.extend(x.to_le_bytes())),
        Value::Float32(a) => write_array(&mut w, "<f4", a, |x, out| out.extend(x.to_le_bytes())),
        Value::Float64(a) => write_array(&mut w, "<f8", a, |x, out| out.extend(x.to_le_bytes())),
        Value::Complex128(a) => write_array(&mut w, "<c16", a, |z, out| {
            out.extend(z.re.to_le_bytes());
            out.extend(z.im.to_le_bytes());
        }),
        Value::Bytes(a) => {
            // The last axis is the width: one `S<width>` element per string.
            let width = a.shape().last().copied().unwrap_or(0);
            write_header(&mut w, &format!("|S{width}"), false, value.shape())
                .and_then(|()| write_elements(&mut w, a.iter(), |&b, out| out.push(b)))
        }
    };
    written
        .and_then(|()| w.flush())
        .map_err(|source| io_error(path, source))
}

fn write_array<T>(
    w: &mut impl Write,
    descr: &str,
    a: &ArrayD<T>,
    encode: impl Fn(&T, &mut Vec<u8>),
) -> io::Result<()> {
    write_header(w, descr, false, a.shape())?;
    write_elements(w, a.iter(), encode)
}

/// Writes the elements (in the iterator's order, which for ndarray is C
/// order whatever the memory layout) through a buffer.
fn write_elements<'a, T: 'a>(
    w: &mut impl Write,
    elements: impl Iterator<Item = &'a T>,
    encode: impl Fn(&T, &mut Vec<u8>),
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for x in elements {
        encode(x, &mut buf);
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// Writes a version 1.0 (or, for very long headers, 2.0) `.npy` header for
/// data of type `descr` (a NumPy type string such as `<f8`) and `shape`.
pub fn write_header(
    w: &mut impl Write,
    descr: &str,
    fortran: bool,
    shape: &[usize],
) -> io::Result<()> {
    let shape = fmt_shape(shape);
    let fortran = if fortran { "True" } else { "False" };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
    // Magic (6) + version (2) + header length (2 or 4) + dict + padding +
    // newline, a multiple of 64 bytes.
    let (version, prefix) = if dict.len() + 10 + 64 <= usize::from(u16::MAX) {
        (1u8, 10)
    } else {
        (2u8, 12)
    };
    let total = (prefix + dict.len() + 1).div_ceil(64) * 64;
    let header_len = total - prefix;
    w.write_all(b"\x93NUMPY")?;
    w.write_all(&[version, 0])?;
    if version == 1 {
        w.write_all(&(header_len as u16).to_le_bytes())?;
    } else {
        w.write_all(&(header_len as u32).to_le_bytes())?;
    }
    w.write_all(dict.as_bytes())?;
    w.write_all(&vec![b' '; header_len - dict.len() - 1])?;
    w.write_all(b"\n")
}

/// Opens `path` and reads its header, leaving the reader at the data.
fn open(path: &Path) -> Result<(BufReader<File>, Info), NpyError> {
    let file = File::open(path).map_err(|source| io_error(path, source))?;
    let file_len = file
        .metadata()
        .map_err(|source| io_error(path, source))?
        .len();
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let info = header(path, &mut reader)?;
    // Check the size before allocating anything for the data.
    let start = reader
        .stream_position()
        .map_err(|source| io_error(path, source))?;
    let have = file_len.saturating_sub(start);
    // ndarray needs the product of the non-zero axis lengths to fit an
    // `isize`, even for an empty array such as shape (0, 2**62, 2**62).
    let extent = info
        .shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(info.stored.item_size(), |n, &d| n.checked_mul(d));
    if extent.is_none_or(|n| n > isize::MAX as usize) {
        return Err(format_error(
            path,
            format!("the shape {} is too large", fmt_shape(&info.shape)),
        ));
    }
    // Fits, given the check above (either some axis is 0, or it is `extent`).
    let need = info.data_bytes().unwrap_or(usize::MAX);
    if need as u64 > have {
        return Err(format_error(
            path,
            format!(
                "the header promises {} {} elements ({need} bytes) but the file has {have} \
                 bytes of data",
                fmt_shape(&info.shape),
                info.stored.numpy_name(),
            ),
        ));
    }
    Ok((reader, info))
}

/// A shape as NumPy prints it: `(3, 4)`, `(5,)`, `()`.
pub fn fmt_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        dims => {
            let dims: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
            format!("({})", dims.join(", "))
        }
    }
}

fn io_error(path: &Path, source: io::Error) -> NpyError {
    NpyError::Io {
        path: path.to_owned(),
        source,
    }
}

fn format_error(path: &Path, message: impl Into<String>) -> NpyError {
    NpyError::Format {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Longest header accepted (NumPy's own limit is 10,000 bytes by default).
const MAX_HEADER: usize = 1 << 20;

/// Reads and parses the header, leaving `reader` at the start of the data.
fn header(path: &Path, reader: &mut impl Read) -> Result<Info, NpyError> {
    let bad = |message: &str| format_error(path, message);
    let read_err = |e: io::Error| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            bad("the file is too short for a .npy header")
        } else {
            io_error(path, e)
        }
    };
    let mut start = [0u8; 8];
    reader.read_exact(&mut start).map_err(read_err)?;
    if &start[..6] != b"\x93NUMPY" {
        return Err(bad(
            "it does not start with \\x93NUMPY (save it with numpy.save)",
        ));
    }
    let header_len = match start[6] {
        1 => {
            let mut n = [0u8; 2];
            reader.read_exact(&mut n).map_err(read_err)?;
            usize::from(u16::from_le_bytes(n))
        }
        2 | 3 => {
            let mut n = [0u8; 4];
            reader.read_exact(&mut n).map_err(read_err)?;
            u32::from_le_bytes(n) as usize
        }
        v => return Err(format_error(path, format!("unknown format version {v}"))),
    };
    if header_len > MAX_HEADER {
        return Err(bad("the header is implausibly long"));
    }
    let mut text = vec![0u8; header_len];
    reader.read_exact(&mut text).map_err(read_err)?;
    // Versions 1 and 2 are Latin-1, version 3 UTF-8; the keys and values we
    // need are ASCII either way.
    let text: String = text.iter().map(|&b| char::from(b)).collect();
    let dict = match literal::parse(&text) {
        Ok(literal::Lit::Dict(entries)) => entries,
        Ok(_) => return Err(bad("the header is not a dict")),
        Err(message) => return Err(format_error(path, format!("bad header: {message}"))),
    };
    let field = |key: &str| {
        dict.iter()
            .find(|(k, _)| matches!(k, literal::Lit::Str(s) if s == key))
            .map(|(_, v)| v)
            .ok_or_else(|| format_error(path, format!("the header has no '{key}'")))
    };
    let descr = match field("descr")? {
        literal::Lit::Str(s) => s.clone(),
        other => {
            return Err(NpyError::Dtype {
                path: path.to_owned(),
                descr: other.to_string(),
                hint: "structured (record) arrays are not supported: save each field as its \
                       own .npy file"
                    .into(),
            });
        }
    };
    let fortran = match field("fortran_order")? {
        literal::Lit::Bool(b) => *b,
        _ => return Err(bad("'fortran_order' is not True or False")),
    };
    let shape = match field("shape")? {
        literal::Lit::Seq(dims) => dims
            .iter()
            .map(|d| match d {
                literal::Lit::Int(n) => usize::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| bad("'shape' is not a tuple of sizes"))?,
        _ => return Err(bad("'shape' is not a tuple")),
    };
    let (stored, big_endian) = parse_descr(&descr).map_err(|hint| NpyError::Dtype {
        path: path.to_owned(),
        descr: descr.clone(),
        hint,
    })?;
    Ok(Info {
        stored,
        big_endian,
        shape,
        fortran,
    })
}

/// The element type and byte order (`true`: big-endian) for a NumPy type
/// string such as `<f8` or `|S5`, or a hint saying why it is not supported.
pub fn parse_descr(descr: &str) -> Result<(Stored, bool), String> {
    let (order, rest) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('=', descr),
    };
    let kind = rest.chars().next().unwrap_or(' ');
    let size: Option<usize> = rest.get(1..).and_then(|s| s.parse().ok());
    let stored = match (kind, size) {
        ('b', Some(1)) | ('?', None) => Stored::Bool,
        ('i', Some(1)) => Stored::I8,
        ('u', Some(1)) => Stored::U8,
        ('i', Some(2)) => Stored::I16,
        ('u', Some(2)) => Stored::U16,
        ('i', Some(4)) => Stored::I32,
        ('u', Some(4)) => Stored::U32,
        ('i', Some(8)) => Stored::I64,
        ('u', Some(8)) => Stored::U64,
        ('f', Some(2)) => Stored::F16,
        ('f', Some(4)) => Stored::F32,
        ('f', Some(8)) => Stored::F64,
        ('c', Some(8)) => Stored::C64,
        ('c', Some(16)) => Stored::C128,
        ('S', Some(n)) if n > 0 => Stored::Bytes(n),
        ('f' | 'c', Some(_)) => {
            return Err(
                "extended precision is not supported: convert to float64 or \
                        complex128 (a.astype(np.float64))"
                    .into(),
            );
        }
        ('U', _) => {
            return Err(
                "Unicode strings are not supported (as in numexpr): store byte \
                        strings, e.g. a.astype('S')"
                    .into(),
            );
        }
        ('O', _) => return Err("object arrays are not supported".into()),
        ('M' | 'm', _) => {
            return Err(
                "datetime and timedelta are not supported: convert to int64 (a.view('i8'))".into(),
            );
        }
        _ => {
            return Err(
                "supported dtypes: bool, int8-64, uint8-64, float16-64, complex64, \
                        complex128 and S<n> byte strings"
                    .into(),
            );
        }
    };
    let multi_byte = stored.item_size() > 1 && !matches!(stored, Stored::Bytes(_));
    if multi_byte && !matches!(order, '<' | '>') {
        // NumPy always writes `<` or `>` for these.
        return Err("the byte order must be explicit (`<` or `>`)".into());
    }
    Ok((stored, order == '>'))
}

/// The subset of Python literals `.npy` headers are written in: strings,
/// `True`/`False`, integers, tuples, lists and dicts.
mod literal {
    use std::fmt;

    /// A parsed literal.
    #[derive(Clone, Debug, PartialEq)]
    pub enum Lit {
        Str(String),
        Bool(bool),
        Int(i128),
        /// A tuple or list.
        Seq(Vec<Lit>),
        Dict(Vec<(Lit, Lit)>),
    }

    impl fmt::Display for Lit {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Lit::Str(s) => write!(f, "'{s}'"),
                Lit::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
                Lit::Int(n) => write!(f, "{n}"),
                Lit::Seq(items) => {
                    let items: Vec<String> = items.iter().map(Lit::to_string).collect();
                    write!(f, "[{}]", items.join(", "))
                }
                Lit::Dict(entries) => {
                    let entries: Vec<String> =
                        entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    write!(f, "{{{}}}", entries.join(", "))
                }
            }
        }
    }

    /// Parses `text` (surrounding whitespace allowed).
    pub fn parse(text: &str) -> Result<Lit, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
            depth: 0,
        };
        let lit = p.value()?;
        p.skip_ws();
        if p.i != p.s.len() {
            return Err(format!("unexpected text at byte {}", p.i));
        }
        Ok(lit)
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
        depth: usize,
    }

    impl Parser<'_> {
        fn skip_ws(&mut self) {
            while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
                self.i += 1;
            }
        }

        fn peek(&mut self) -> Option<u8> {
            self.skip_ws();
            self.s.get(self.i).copied()
        }

        fn value(&mut self) -> Result<Lit, String> {
            self.depth += 1;
            if self.depth > 32 {
                return Err("nested too deeply".into());
            }
            let lit = match self.peek() {
                Some(q @ (b'\'' | b'"')) => self.string(q),
                Some(b'(') => self.seq(b')').map(Lit::Seq),
                Some(b'[') => self.seq(b']').map(Lit::Seq),
                Some(b'{') => self.dict(),
                Some(c) if c.is_ascii_alphanumeric() || c == b'-' => self.word(),
                _ => Err(format!("expected a value at byte {}", self.i)),
            };
            self.depth -= 1;
            lit
        }

        fn string(&mut self, quote: u8) -> Result<Lit, String> {
            self.i += 1;
            let start = self.i;
            while let Some(&c) = self.s.get(self.i) {
                if c == quote {
                    let s = self.s[start..self.i].iter().map(|&b| char::from(b));
                    self.i += 1;
                    return Ok(Lit::Str(s.collect()));
                }
                if c == b'\\' {
                    return Err("escapes in strings are not supported".into());
                }
                self.i += 1;
            }
            Err("unterminated string".into())
        }

        /// Items up to `close`, with an optional trailing comma.
        fn seq(&mut self, close: u8) -> Result<Vec<Lit>, String> {
            self.i += 1;
            let mut items = Vec::new();
            loop {
                if self.peek() == Some(close) {
                    self.i += 1;
                    return Ok(items);
                }
                items.push(self.value()?);
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(c) if c == close => {}
                    _ => return Err(format!("expected `,` or `{}`", char::from(close))),
                }
            }
        }

        fn dict(&mut self) -> Result<Lit, String> {
            self.i += 1;
            let mut entries = Vec::new();
            loop {
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Lit::Dict(entries));
                }
                let key = self.value()?;
                if self.peek() != Some(b':') {
                    return Err("expected `:` in the dict".into());
                }
                self.i += 1;
                entries.push((key, self.value()?));
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {}
                    _ => return Err("expected `,` or `}` in the dict".into()),
                }
            }
        }

        /// `True`, `False` or an integer (`L` suffix of Python 2 allowed).
        fn word(&mut self) -> Result<Lit, String> {
            let start = self.i;
            while self
                .s
                .get(self.i)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            {
                self.i += 1;
            }
            let word = std::str::from_utf8(&self.s[start..self.i]).expect("ASCII");
            match word {
                "True" => Ok(Lit::Bool(true)),
                "False" => Ok(Lit::Bool(false)),
                w => w
                    .trim_end_matches('L')
                    .parse()
                    .map(Lit::Int)
                    .map_err(|_| format!("`{w}` is not a value")),
            }
        }
    }
}

/// Number of bytes a value's elements take in memory.
pub fn value_bytes(value: &Value) -> usize {
    match value {
        Value::Bytes(a) => a.len(),
        v => v.shape().iter().product::<usize>() * v.dtype().item_size(),
    }
}

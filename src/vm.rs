//! The block executor: runs a [`Program`] over one block of elements.
//!
//! In: a program, the bindings of its inputs for the current task, and a
//! per-thread [`Scratch`].  Out: the block's values, written into the
//! output slice (or left in the result register for reductions and casts).
//!
//! A block is a few hundred consecutive elements of the iteration space,
//! small enough that every temporary register stays in cache.  Inputs are
//! bound once per task ([`Binding`]): a contiguous input is read in place,
//! a strided or broadcast one is gathered into a scratch buffer block by
//! block, and a one-element input is a scalar.  Temporaries live in the
//! scratch, which is reused from call to call; nothing here allocates once
//! the scratch is sized.

use crate::kernels::memory;
use crate::program::{Operand, Program};
use crate::types::{DType, Element, Scalar};
use num_complex::Complex64;
use std::mem::MaybeUninit;

/// An operand as a kernel sees it: a block-long slice, or one value that
/// stands for the whole block.
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a, T> {
    /// One value per element.
    Vec(&'a [T]),
    /// The same value for every element.
    Scalar(T),
}

/// A typed slice of one of the numeric dtypes or byte strings.
#[derive(Clone, Copy, Debug)]
pub enum Slice<'a> {
    /// bool
    Bool(&'a [bool]),
    /// int32
    Int32(&'a [i32]),
    /// int64
    Int64(&'a [i64]),
    /// float32
    Float32(&'a [f32]),
    /// float64
    Float64(&'a [f64]),
    /// complex128
    Complex128(&'a [Complex64]),
    /// byte strings of the given width, concatenated
    Bytes(&'a [u8], usize),
}

/// How an input is read during one task.
#[derive(Clone, Debug)]
pub enum Binding<'a> {
    /// A one-element input: the same value everywhere.
    Scalar(Scalar),
    /// A contiguous input: the whole array, read in place.
    Direct(Slice<'a>),
    /// A strided or broadcast input: each block is gathered into the
    /// scratch gather buffer of this input before the block runs.
    Gathered,
}

/// Alignment in bytes of the register windows: a cache line, so that no
/// vector load or store of a kernel straddles two lines.
const REGISTER_ALIGN: usize = 64;

/// Elements a register buffer holds beyond its window, so that the window
/// can start on a [`REGISTER_ALIGN`] boundary.
fn slack<T>() -> usize {
    REGISTER_ALIGN / std::mem::size_of::<T>().max(1)
}

/// Where the window of a register buffer starts: the first element on a
/// [`REGISTER_ALIGN`] boundary, or 0 if the platform cannot say (the
/// window is then merely unaligned, never out of bounds).
fn window_start<T>(buf: &[T]) -> usize {
    let k = buf.as_ptr().align_offset(REGISTER_ALIGN);
    if k < slack::<T>() { k } else { 0 }
}

/// The first `n` elements of the window of register buffer `buf`.
///
/// Registers are read and written through their window: blocks of
/// 64-byte aligned registers measured 10-25% faster than the 16-byte
/// alignment of the allocator on arithmetic chains.
pub(crate) fn window<T>(buf: &[T], n: usize) -> &[T] {
    let k = window_start(buf);
    &buf[k..k + n]
}

/// [`window`], mutably.
pub(crate) fn window_mut<T>(buf: &mut [T], n: usize) -> &mut [T] {
    let k = window_start(buf);
    &mut buf[k..k + n]
}

/// Grows register buffer `buf` so that its window holds `len` elements.
fn hold_window<T: Default + Clone>(buf: &mut Vec<T>, len: usize) {
    if buf.len() < len + slack::<T>() {
        buf.resize(len + slack::<T>(), T::default());
    }
}

/// Per-dtype register buffers.  Each buffer holds a block-long window
/// starting on a 64-byte boundary, plus the slack that takes.
#[derive(Default, Debug)]
pub struct Pools {
    pub(crate) bool_: Vec<Vec<bool>>,
    pub(crate) i32_: Vec<Vec<i32>>,
    pub(crate) i64_: Vec<Vec<i64>>,
    pub(crate) f32_: Vec<Vec<f32>>,
    pub(crate) f64_: Vec<Vec<f64>>,
    pub(crate) c128: Vec<Vec<Complex64>>,
    /// Byte-string buffers with their current width.
    pub(crate) bytes: Vec<(Vec<u8>, usize)>,
}

impl Pools {
    /// Makes room for `counts[d]` buffers of dtype `d` with capacity for
    /// `len` elements each (byte strings: `len` bytes, grown on demand).
    pub(crate) fn reserve(&mut self, counts: &[u32; 7], len: usize) {
        fn grow<T: Default + Clone>(v: &mut Vec<Vec<T>>, n: usize, len: usize) {
            if v.len() < n {
                v.resize_with(n, Vec::new);
            }
            for b in v.iter_mut().take(n) {
                hold_window(b, len);
            }
        }
        grow(&mut self.bool_, counts[0] as usize, len);
        grow(&mut self.i32_, counts[1] as usize, len);
        grow(&mut self.i64_, counts[2] as usize, len);
        grow(&mut self.f32_, counts[3] as usize, len);
        grow(&mut self.f64_, counts[4] as usize, len);
        grow(&mut self.c128, counts[5] as usize, len);
        if self.bytes.len() < counts[6] as usize {
            self.bytes.resize_with(counts[6] as usize, Default::default);
        }
    }

    /// Makes buffer `k` of dtype `dtype` hold at least `len` elements.
    pub(crate) fn reserve_one(&mut self, dtype: DType, k: usize, len: usize) {
        match dtype {
            DType::Bool => hold_window(&mut self.bool_[k], len),
            DType::Int32 => hold_window(&mut self.i32_[k], len),
            DType::Int64 => hold_window(&mut self.i64_[k], len),
            DType::Float32 => hold_window(&mut self.f32_[k], len),
            DType::Float64 => hold_window(&mut self.f64_[k], len),
            DType::Complex128 => hold_window(&mut self.c128[k], len),
            DType::Bytes => {}
        }
    }

    /// Element `0` of numeric buffer `k` of dtype `dtype`.
    pub(crate) fn scalar(&self, dtype: DType, k: usize) -> Scalar {
        match dtype {
            DType::Bool => Scalar::Bool(window(&self.bool_[k], 1)[0]),
            DType::Int32 => Scalar::Int32(window(&self.i32_[k], 1)[0]),
            DType::Int64 => Scalar::Int64(window(&self.i64_[k], 1)[0]),
            DType::Float32 => Scalar::Float32(window(&self.f32_[k], 1)[0]),
            DType::Float64 => Scalar::Float64(window(&self.f64_[k], 1)[0]),
            DType::Complex128 => Scalar::Complex128(window(&self.c128[k], 1)[0]),
            DType::Bytes => Scalar::Bytes(self.bytes[k].0.clone()),
        }
    }

    /// Bytes held by the buffers.
    fn footprint(&self) -> usize {
        fn sum<T>(v: &[Vec<T>]) -> usize {
            v.iter()
                .map(|b| b.capacity() * std::mem::size_of::<T>())
                .sum()
        }
        sum(&self.bool_)
            + sum(&self.i32_)
            + sum(&self.i64_)
            + sum(&self.f32_)
            + sum(&self.f64_)
            + sum(&self.c128)
            + self.bytes.iter().map(|b| b.0.capacity()).sum::<usize>()
    }
}

/// Per-thread working memory: temporaries and gather buffers, sized for
/// one block.  Reused across blocks and calls.
#[derive(Default, Debug)]
pub struct Scratch {
    pub(crate) temps: Pools,
    pub(crate) gather: Pools,
}

impl Scratch {
    /// Bytes held by the scratch.
    pub fn footprint(&self) -> usize {
        self.temps.footprint() + self.gather.footprint()
    }
}

/// The output of one block, typed: room for the results, which the last
/// instruction of the program writes (once).
#[derive(Debug)]
pub enum OutSlice<'a> {
    /// bool
    Bool(&'a mut [MaybeUninit<bool>]),
    /// int32
    Int32(&'a mut [MaybeUninit<i32>]),
    /// int64
    Int64(&'a mut [MaybeUninit<i64>]),
    /// float32
    Float32(&'a mut [MaybeUninit<f32>]),
    /// float64
    Float64(&'a mut [MaybeUninit<f64>]),
    /// complex128
    Complex128(&'a mut [MaybeUninit<Complex64>]),
}

/// How the VM stores an element type: its register pools, slices and
/// output slices.  Implemented for the six element types; a supertrait of
/// [`Element`].
pub trait Prim: Copy + Default + Send + Sync + 'static {
    /// The buffers of this dtype.
    fn pool(p: &Pools) -> &Vec<Vec<Self>>;
    /// The buffers of this dtype, mutably.
    fn pool_mut(p: &mut Pools) -> &mut Vec<Vec<Self>>;
    /// Wraps a slice of this type.
    fn slice(s: &[Self]) -> Slice<'_>;
    /// Unwraps a slice of this type.
    fn unslice<'a>(s: &Slice<'a>) -> Option<&'a [Self]>;
    /// Wraps an output slice.
    fn out(s: &mut [MaybeUninit<Self>]) -> OutSlice<'_>;
    /// Unwraps an output slice of this type.
    fn unout(s: OutSlice<'_>) -> Option<&mut [MaybeUninit<Self>]>;
}

macro_rules! impl_prim {
    ($($t:ty => $variant:ident, $field:ident);* $(;)?) => {$(
        impl Prim for $t {
            fn pool(p: &Pools) -> &Vec<Vec<Self>> {
                &p.$field
            }
            fn pool_mut(p: &mut Pools) -> &mut Vec<Vec<Self>> {
                &mut p.$field
            }
            fn slice(s: &[Self]) -> Slice<'_> {
                Slice::$variant(s)
            }
            fn unslice<'a>(s: &Slice<'a>) -> Option<&'a [Self]> {
                match s {
                    Slice::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn out(s: &mut [MaybeUninit<Self>]) -> OutSlice<'_> {
                OutSlice::$variant(s)
            }
            fn unout(s: OutSlice<'_>) -> Option<&mut [MaybeUninit<Self>]> {
                match s {
                    OutSlice::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    )*};
}

impl_prim! {
    bool => Bool, bool_;
    i32 => Int32, i32_;
    i64 => Int64, i64_;
    f32 => Float32, f32_;
    f64 => Float64, f64_;
    Complex64 => Complex128, c128;
}

/// A destination buffer taken out of the frame while a kernel fills it.
pub enum Dst<'o, T> {
    /// A temporary register.
    Temp(Vec<T>),
    /// The block's output.
    Out(&'o mut [MaybeUninit<T>]),
}

impl<T: Copy> Dst<'_, T> {
    /// The first `n` elements, as slots for a kernel to write (every
    /// kernel writes all of them, through [`memory::Slot`] only).
    pub(crate) fn slice(&mut self, n: usize) -> &mut [MaybeUninit<T>] {
        match self {
            // SAFETY: the slots go to a kernel of this crate, which
            // writes them through `Slot::put` only.
            Dst::Temp(v) => unsafe { memory::as_slots(window_mut(v, n)) },
            Dst::Out(s) => &mut s[..n],
        }
    }
}

/// Everything a kernel can see while one block runs.
pub struct Frame<'a, 'o> {
    /// Number of elements in the block.
    pub len: usize,
    /// Flat index of the block's first element (direct bindings hold the
    /// whole array and are read from here).
    pub offset: usize,
    /// How each input is read.
    pub bindings: &'o [Binding<'a>],
    /// Gather buffers, one per input.
    pub gather: &'o Pools,
    /// The program's constants.
    pub consts: &'o [Scalar],
    /// Temporaries.
    pub temps: &'o mut Pools,
    /// The block's output, while no kernel holds it.
    pub out: Option<OutSlice<'o>>,
    /// Set while the last instruction runs: its result goes to `out`.
    pub to_output: bool,
}

impl<'a, 'o> Frame<'a, 'o> {
    /// Reads operand `op` as dtype `T`.
    pub fn arg<T: Element>(&self, op: Operand) -> Arg<'_, T> {
        let n = self.len;
        match op {
            Operand::Temp(k) => Arg::Vec(window(&T::pool(self.temps)[k as usize], n)),
            Operand::Const(k) => Arg::Scalar(
                T::from_scalar(&self.consts[k as usize]).expect("constant has the operand's dtype"),
            ),
            Operand::Input(k) => match &self.bindings[k as usize] {
                Binding::Scalar(s) => Arg::Scalar(T::from_scalar(s).expect("input dtype")),
                Binding::Direct(s) => {
                    Arg::Vec(&T::unslice(s).expect("input dtype")[self.offset..self.offset + n])
                }
                Binding::Gathered => Arg::Vec(window(&T::pool(self.gather)[k as usize], n)),
            },
        }
    }

    /// Reads a byte-string operand: the bytes, the width, and whether it is
    /// a single value for the whole block.
    pub fn bytes_arg(&self, op: Operand) -> (&[u8], usize, bool) {
        let n = self.len;
        match op {
            Operand::Temp(k) => {
                let (buf, w) = &self.temps.bytes[k as usize];
                (&buf[..n * w], *w, false)
            }
            Operand::Const(k) => match &self.consts[k as usize] {
                Scalar::Bytes(b) => (b, b.len(), true),
                _ => unreachable!("byte-string constant"),
            },
            Operand::Input(k) => match &self.bindings[k as usize] {
                Binding::Scalar(Scalar::Bytes(b)) => (b, b.len(), true),
                Binding::Direct(Slice::Bytes(b, w)) => {
                    (&b[self.offset * w..(self.offset + n) * w], *w, false)
                }
                Binding::Gathered => {
                    let (buf, w) = &self.gather.bytes[k as usize];
                    (&buf[..n * w], *w, false)
                }
                _ => unreachable!("byte-string input"),
            },
        }
    }

    /// Takes the destination of an instruction out of the frame.
    pub fn take_dst<T: Element>(&mut self, op: Operand) -> Dst<'o, T> {
        if self.to_output
            && let Some(out) = self.out.take()
        {
            return Dst::Out(T::unout(out).expect("output has the result dtype"));
        }
        match op {
            Operand::Temp(k) => Dst::Temp(std::mem::take(&mut T::pool_mut(self.temps)[k as usize])),
            _ => unreachable!("instructions write temporaries"),
        }
    }

    /// Returns a destination taken with [`Frame::take_dst`].
    pub fn put_dst<T: Element>(&mut self, op: Operand, dst: Dst<'o, T>) {
        match (dst, op) {
            (Dst::Temp(v), Operand::Temp(k)) => T::pool_mut(self.temps)[k as usize] = v,
            (Dst::Out(s), _) => self.out = Some(T::out(s)),
            _ => unreachable!("destination mismatch"),
        }
    }
}

/// Runs every instruction of `program` on the current block.  When the
/// frame has an output slice, the last instruction (which computes the
/// result) writes straight into it.
pub fn run_block(program: &Program, frame: &mut Frame<'_, '_>) {
    let last = program.instrs.len().wrapping_sub(1);
    for (i, ins) in program.instrs.iter().enumerate() {
        frame.to_output = i == last;
        (ins.kernel)(frame, ins);
    }
    frame.to_output = false;
}

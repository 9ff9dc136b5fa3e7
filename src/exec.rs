//! Execution: runs a [`Program`] over whole arrays, in parallel.
//!
//! In: a program, its input arrays and the threading option.  Out: the
//! result array (or the caller's output filled in).
//!
//! The broadcast iteration space is cut into tasks ([`Plan`]) of
//! [`MIN_TASK_LEN`] to [`TASK_LEN`] elements, fewer for costlier programs
//! ([`element_cost`]); rayon runs the tasks in the *caller's* pool (the
//! global one unless the caller installed another), each task with a
//! [`Scratch`] taken from the expression's pool.  A task walks its range
//! block by block: gather the strided inputs of the block, run the program,
//! and write the block of output in place.  Reductions fold each block
//! into an accumulator and combine tasks in task order, so their results do
//! not depend on the number of threads.

use crate::array::{Input, Value};
use crate::broadcast::{Plan, Task, broadcast_shapes, checked_len, fmt_shape};
use crate::error::{Error, ErrorKind, Result};
use crate::ir::ReduceOp;
use crate::kernels::memory;
use crate::kernels::reduce::{self, Reducer};
use crate::program::{Opcode, Operand, Program};
use crate::types::{DType, Element, Scalar};
use crate::vm::{Arg, Binding, Frame, Pools, Scratch, Slice, run_block, window_mut};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn, Slice as Range1};
use num_complex::Complex64;
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most elements per task, the unit of parallel work (and of
/// deterministic combination for reductions).  An evaluation with a single
/// task runs serially on the calling thread.
pub const TASK_LEN: usize = 1 << 15;

/// Fewest elements per task, so that the costliest programs go parallel
/// from 16384 elements.  Measured with `sin(a)**2 + cos(b)**2` (best and
/// median of 200, 1 against 2 threads): at 10^4 elements two tasks win in
/// the best case (23.8 against 26.5 µs) but lose in the median (38 against
/// 27 µs: waking the second thread costs tens of microseconds on the
/// 2-vCPU development machine); from 2 * 10^4 they win in both (33.5
/// against 49.8 µs best).
pub const MIN_TASK_LEN: usize = 8192;

/// Work per task, in units of one simple arithmetic operation on one
/// element ([`element_cost`]): a task of cheap arithmetic holds
/// [`TASK_LEN`] elements, one of transcendental functions fewer, so that
/// an array is split across threads as soon as each part is worth the
/// hand-over to another thread (a few microseconds).
pub const TASK_WORK: usize = 4 * TASK_LEN;

/// Most elements per block; blocks shrink so that a thread's registers
/// stay within [`BLOCK_BYTES`].  512 keeps the registers of typical
/// programs in the 48 KiB L1 data cache: measured against 1024, 2048 and
/// 4096 (one thread, 10^6 float64 elements), it was the fastest for every
/// expression tried, by 3-9% over 1024 and 10-30% over 4096 (`f*g + 1.5*f`
/// 1.17 against 1.62 ms, the seed expression 2.88 against 3.58 ms).
pub const MAX_BLOCK: usize = 512;

/// Budget for one thread's block-sized buffers.
pub const BLOCK_BYTES: usize = 512 * 1024;

/// How many threads an evaluation may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Threads {
    /// All threads of the current rayon pool (the caller's, if it runs
    /// inside `ThreadPool::install`; otherwise the global pool).
    #[default]
    Auto,
    /// On the calling thread only.
    Serial,
    /// At most this many threads of the current rayon pool at once.
    Max(NonZeroUsize),
}

/// Per-thread scratch buffers, reused across calls.
#[derive(Debug, Default)]
pub struct ScratchPool {
    free: Mutex<Vec<Scratch>>,
}

/// Scratches kept for reuse (the rest are dropped).
const POOLED: usize = 64;

impl ScratchPool {
    fn get(&self) -> Scratch {
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default()
    }

    fn put(&self, s: Scratch) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.len() < POOLED {
            free.push(s);
        }
    }
}

/// How one input is read during an evaluation: its binding (a scalar, the
/// whole contiguous array, or gathered block by block), and for a gathered
/// input the view it is gathered from.
struct Source<'a> {
    binding: Binding<'a>,
    /// Broadcast (and permuted) to the iteration shape, if gathered.
    strided: Option<Input<'a>>,
}

impl<'a> Source<'a> {
    fn scalar(s: Scalar) -> Self {
        Source {
            binding: Binding::Scalar(s),
            strided: None,
        }
    }

    fn direct(s: Slice<'a>) -> Self {
        Source {
            binding: Binding::Direct(s),
            strided: None,
        }
    }

    fn strided(input: Input<'a>) -> Self {
        Source {
            binding: Binding::Gathered,
            strided: Some(input),
        }
    }
}

/// An element of an output buffer: `R` itself (the caller's array), or
/// uninitialised room for one (a fresh result).  Either way the kernels
/// write every element of each block once, through [`memory::Slot`]s.
trait OutElem<R>: Send + Sized {
    /// The block as slots for the kernels to write.
    fn block(s: &mut [Self]) -> &mut [MaybeUninit<R>];
}

impl<R: Element> OutElem<R> for R {
    fn block(s: &mut [R]) -> &mut [MaybeUninit<R>] {
        // SAFETY: the slots go to the kernels of this crate (the last
        // instruction of the program) or to `memory::copy`/`fill`, which
        // write them through `Slot::put` only.
        unsafe { memory::as_slots(s) }
    }
}

impl<R: Element> OutElem<R> for MaybeUninit<R> {
    fn block(s: &mut [MaybeUninit<R>]) -> &mut [MaybeUninit<R>] {
        s
    }
}

/// An evaluation in progress.
struct Run<'p, 'a> {
    program: &'p Program,
    /// How each input is read, in program order, in every task: direct
    /// bindings are the whole array, indexed by the flat index of the block.
    bindings: Vec<Binding<'a>>,
    /// The views that gathered inputs are gathered from, by input number
    /// (none when every input is contiguous or a scalar).
    strided: Vec<(usize, Input<'a>)>,
    /// Logical broadcast shape of the expression's value.
    shape: Vec<usize>,
    /// The iteration space (permuted for axis reductions; never empty)
    /// cut into tasks, or `None` when it is empty.
    plan: Option<Plan>,
    block: usize,
    threads: Threads,
    pool: &'p ScratchPool,
}

macro_rules! dispatch {
    // Runs `$body` with `$T` bound to the element type of numeric `$dtype`.
    ($dtype:expr, $T:ident => $body:expr, bytes => $bytes:expr) => {
        match $dtype {
            DType::Bool => {
                type $T = bool;
                $body
            }
            DType::Int32 => {
                type $T = i32;
                $body
            }
            DType::Int64 => {
                type $T = i64;
                $body
            }
            DType::Float32 => {
                type $T = f32;
                $body
            }
            DType::Float64 => {
                type $T = f64;
                $body
            }
            DType::Complex128 => {
                type $T = Complex64;
                $body
            }
            DType::Bytes => $bytes,
        }
    };
}

/// Evaluates `program` on `inputs` (in the program's input order).
pub(crate) fn evaluate(
    program: &Program,
    inputs: &[Input<'_>],
    threads: Threads,
    pool: &ScratchPool,
) -> Result<Value> {
    let run = Run::new(program, inputs, threads, pool)?;
    match program.reduction {
        Some(red) => run.reduce(red.op, red.axis),
        None => dispatch!(program.value_dtype, T => {
            let len = checked_len(&run.shape)?;
            let mut data = alloc_with(len, &run.shape, memory::with_room::<T>)?;
            run.elementwise::<T, _>(&mut data.spare_capacity_mut()[..len]);
            // SAFETY: `elementwise` initialises every element of the slice
            // it is given: `split_for` cuts it into pieces that cover it
            // exactly (it asserts so), and `Run::task` hands each block of
            // its piece, from offset 0 to the piece's end, to the last
            // instruction of the program, which computes the result and
            // writes every element of its destination (each kernel does:
            // `kernels::tests::every_kernel_writes_its_whole_destination`),
            // or, when no instruction computes the result, copies it in.
            unsafe { memory::commit(&mut data, len) };
            Ok(T::value(ArrayD::from_shape_vec(IxDyn(&run.shape), data).expect("shape matches")))
        }, bytes => run.bytes_result()),
    }
}

/// Evaluates `program` into `out`, whose dtype must be the result's and
/// whose shape must be the result's broadcast shape.
pub(crate) fn evaluate_into<T: Element>(
    program: &Program,
    inputs: &[Input<'_>],
    mut out: ArrayViewMutD<'_, T>,
    threads: Threads,
    pool: &ScratchPool,
) -> Result<()> {
    if program.reduction.is_some() {
        let value = evaluate(program, inputs, threads, pool)?;
        let shape = value.shape().to_vec();
        let arr = value.into_array::<T>()?;
        check_out_shape(out.shape(), &shape)?;
        out.assign(&arr);
        return Ok(());
    }
    if T::DTYPE != program.value_dtype {
        return Err(Error::new(
            ErrorKind::Type,
            format!(
                "the output array has dtype {} but the expression's result is {}",
                T::DTYPE,
                program.value_dtype
            ),
        ));
    }
    let mut run = Run::new(program, inputs, threads, pool)?;
    if out.shape() != run.shape.as_slice() {
        // Inputs broadcast to a larger output, as in numexpr.
        let target = broadcast_shapes([("the result", &run.shape[..]), ("out", out.shape())])?;
        check_out_shape(out.shape(), &target)?;
        run = Run::with_shape(program, inputs, threads, pool, target, None)?;
    }
    match out.as_slice_mut() {
        Some(slice) => run.elementwise::<T, _>(slice),
        None => run.elementwise_strided::<T>(out),
    }
    Ok(())
}

/// The shape of `program`'s result over `inputs`.
pub(crate) fn result_shape(program: &Program, inputs: &[Input<'_>]) -> Result<Vec<usize>> {
    let mut shape = broadcast_shapes(
        program
            .inputs
            .iter()
            .zip(inputs)
            .map(|(decl, input)| (decl.name.as_str(), input.shape())),
    )?;
    match program.reduction {
        Some(red) => match red.axis {
            None => Ok(Vec::new()),
            Some(axis) if axis < shape.len() => {
                shape.remove(axis);
                Ok(shape)
            }
            Some(axis) => Err(axis_error(axis, &shape, red.span)),
        },
        None => Ok(shape),
    }
}

fn axis_error(axis: usize, shape: &[usize], span: crate::ast::Span) -> Error {
    Error::new(
        ErrorKind::Reduction,
        format!(
            "axis {axis} is out of bounds for the expression's {} dimension{}",
            shape.len(),
            if shape.len() == 1 { "" } else { "s" }
        ),
    )
    .with_span(span)
    .with_hint(format!("the expression has shape {}", fmt_shape(shape)))
}

fn check_out_shape(have: &[usize], want: &[usize]) -> Result<()> {
    if have == want {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Shape,
        format!(
            "the output array has shape {} but the result has shape {}",
            fmt_shape(have),
            fmt_shape(want)
        ),
    ))
}

/// Results at least this large (in bytes) are checked with a fallible
/// reservation before being allocated.
const PROBE_BYTES: usize = 1 << 30;

/// A zero-initialised vector of `len` elements, or a `shape` error if the
/// memory cannot be allocated.
///
/// The memory comes zeroed from the OS, without a zeroing pass
/// ([`crate::kernels::memory`]); that allocation aborts when it fails, so
/// sizes that could plausibly fail are first reserved fallibly (the probe
/// touches no memory).
fn alloc<T: Clone + Default>(len: usize, shape: &[usize]) -> Result<Vec<T>> {
    alloc_with(len, shape, memory::zeroed::<T>)
}

/// `make(len)` (a zeroed vector, or an empty one with room for `len`), or
/// a `shape` error if the memory cannot be allocated.
fn alloc_with<T>(len: usize, shape: &[usize], make: fn(usize) -> Vec<T>) -> Result<Vec<T>> {
    let too_large = || {
        Error::new(
            ErrorKind::Shape,
            format!(
                "cannot allocate the result: {} elements of {} bytes (shape {})",
                len,
                std::mem::size_of::<T>(),
                fmt_shape(shape)
            ),
        )
    };
    let bytes = len
        .checked_mul(std::mem::size_of::<T>())
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or_else(too_large)?;
    if bytes >= PROBE_BYTES {
        let mut probe: Vec<T> = Vec::new();
        probe.try_reserve_exact(len).map_err(|_| too_large())?;
    }
    Ok(make(len))
}

/// Cuts `data` into the consecutive pieces of `plan`'s tasks, each piece
/// holding `per_elem` items per element.
fn split_for<'d, T>(
    mut data: &'d mut [T],
    plan: &Plan,
    per: impl Fn(&Task) -> usize,
) -> Vec<&'d mut [T]> {
    let mut pieces = Vec::with_capacity(plan.len());
    for t in 0..plan.len() {
        let (head, tail) = data.split_at_mut(per(&plan.task(t)));
        pieces.push(head);
        data = tail;
    }
    assert!(data.is_empty(), "the tasks cover the data exactly");
    pieces
}

/// Runs `f` on every item (task), in parallel as `threads` allows, and
/// returns the results in task order.
fn run_tasks<I: Send, O: Send>(
    items: Vec<I>,
    threads: Threads,
    f: impl Fn(usize, I) -> O + Sync + Send,
) -> Vec<O> {
    let n = items.len();
    match threads {
        _ if n <= 1 => items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect(),
        Threads::Serial => items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect(),
        Threads::Max(m) if m.get() == 1 => items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect(),
        Threads::Max(m) if m.get() < n => {
            // `m` workers, each taking the next task left until none is:
            // a slower or preempted thread takes fewer tasks, as rayon's
            // work stealing balances the unlimited case (a static split
            // measured 10-40% slower on `tanh(a)` at 10^6 elements).
            let slots: Vec<Mutex<Option<I>>> =
                items.into_iter().map(|x| Mutex::new(Some(x))).collect();
            let next = AtomicUsize::new(0);
            let mut done: Vec<(usize, O)> = (0..m.get())
                .into_par_iter()
                .flat_map_iter(|_| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(slot) = slots.get(i) else { break };
                        let x = slot.lock().map(|mut s| s.take());
                        if let Ok(Some(x)) = x {
                            mine.push((i, f(i, x)));
                        }
                    }
                    mine
                })
                .collect();
            done.sort_unstable_by_key(|&(i, _)| i);
            done.into_iter().map(|(_, o)| o).collect()
        }
        _ => items
            .into_par_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect(),
    }
}

/// The task's box of a view (axes before `axis` fixed, `axis` sliced).
fn task_view<'a, T>(view: &ArrayViewD<'a, T>, task: &Task, axis: usize) -> ArrayViewD<'a, T> {
    let mut v = view.clone();
    v.slice_each_axis_inplace(|ad| {
        let i = ad.axis.index();
        if i < axis {
            Range1::from(task.prefix[i]..task.prefix[i] + 1)
        } else if i == axis {
            Range1::from(task.range.clone())
        } else {
            Range1::from(..)
        }
    });
    v
}

/// Iterates a strided input's elements in task order.
enum Gather<'a> {
    Bool(ndarray::iter::Iter<'a, bool, IxDyn>),
    Int32(ndarray::iter::Iter<'a, i32, IxDyn>),
    Int64(ndarray::iter::Iter<'a, i64, IxDyn>),
    Float32(ndarray::iter::Iter<'a, f32, IxDyn>),
    Float64(ndarray::iter::Iter<'a, f64, IxDyn>),
    Complex128(ndarray::iter::Iter<'a, Complex64, IxDyn>),
    Bytes(ndarray::iter::Iter<'a, u8, IxDyn>, usize),
}

impl Gather<'_> {
    /// Copies the next `n` elements into gather buffer `k`.
    fn fill(&mut self, pools: &mut Pools, k: usize, n: usize) {
        fn copy<T: Copy>(dst: &mut [T], src: &mut impl Iterator<Item = T>) {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = s;
            }
        }
        match self {
            Gather::Bool(it) => copy(window_mut(&mut pools.bool_[k], n), &mut it.copied()),
            Gather::Int32(it) => copy(window_mut(&mut pools.i32_[k], n), &mut it.copied()),
            Gather::Int64(it) => copy(window_mut(&mut pools.i64_[k], n), &mut it.copied()),
            Gather::Float32(it) => copy(window_mut(&mut pools.f32_[k], n), &mut it.copied()),
            Gather::Float64(it) => copy(window_mut(&mut pools.f64_[k], n), &mut it.copied()),
            Gather::Complex128(it) => copy(window_mut(&mut pools.c128[k], n), &mut it.copied()),
            Gather::Bytes(it, w) => {
                let (buf, width) = &mut pools.bytes[k];
                buf.clear();
                buf.extend(it.by_ref().take(n * *w).copied());
                *width = *w;
            }
        }
    }
}

impl<'p, 'a> Run<'p, 'a> {
    fn new(
        program: &'p Program,
        inputs: &'a [Input<'_>],
        threads: Threads,
        pool: &'p ScratchPool,
    ) -> Result<Self> {
        let shape = broadcast_shapes(
            program
                .inputs
                .iter()
                .zip(inputs)
                .map(|(decl, input)| (decl.name.as_str(), input.shape())),
        )?;
        let perm = match program.reduction {
            Some(red) => match red.axis {
                Some(axis) if axis >= shape.len() => {
                    return Err(axis_error(axis, &shape, red.span));
                }
                // The reduced axis becomes the innermost.
                Some(axis) => Some(
                    (0..shape.len())
                        .filter(|&i| i != axis)
                        .chain(std::iter::once(axis))
                        .collect::<Vec<_>>(),
                ),
                None => None,
            },
            None => None,
        };
        Self::with_shape(program, inputs, threads, pool, shape, perm)
    }

    fn with_shape(
        program: &'p Program,
        inputs: &'a [Input<'_>],
        threads: Threads,
        pool: &'p ScratchPool,
        shape: Vec<usize>,
        perm: Option<Vec<usize>>,
    ) -> Result<Self> {
        let mut bindings = Vec::with_capacity(inputs.len());
        let mut strided = Vec::new();
        for (k, input) in inputs.iter().enumerate() {
            let src = source(input, &shape, perm.as_deref())?;
            bindings.push(src.binding);
            strided.extend(src.strided.map(|view| (k, view)));
        }
        let block = block_len(program, inputs, &bindings);
        let task_len = task_len(program, &bindings);
        let plan = match &perm {
            Some(p) => plan_for(&p.iter().map(|&i| shape[i]).collect::<Vec<_>>(), task_len),
            // A 0-d result is one element.
            None if shape.is_empty() => plan_for(&[1], task_len),
            None => plan_for(&shape, task_len),
        };
        Ok(Run {
            program,
            bindings,
            strided,
            shape,
            plan,
            block,
            threads,
            pool,
        })
    }

    /// Runs task `t`: for each block, gathers, runs the program (writing
    /// straight into `out` when given), then calls `after(frame, n)`.
    fn task<R: Element, S: OutElem<R>>(
        &self,
        plan: &Plan,
        t: usize,
        mut out: Option<&mut [S]>,
        mut after: impl FnMut(&Frame<'_, '_>, usize),
    ) {
        let task = plan.task(t);
        let mut scratch = self.pool.get();
        scratch.prepare(self.program, self.block, &self.bindings);
        // The gathered inputs, by input number (none for contiguous ones).
        let mut gathers: Vec<(usize, Gather<'_>)> = self
            .strided
            .iter()
            .map(|(k, view)| (*k, gather(view, &task, plan.axis)))
            .collect();
        let len = task.flat.len();
        // Whether the last instruction computes the result and can write
        // it straight into the output (otherwise it is copied there).
        let direct_out = self
            .program
            .instrs
            .last()
            .is_some_and(|last| last.dst == self.program.result);
        let mut offset = 0;
        while offset < len {
            let n = self.block.min(len - offset);
            for (k, g) in &mut gathers {
                g.fill(&mut scratch.gather, *k, n);
            }
            let Scratch { temps, gather, .. } = &mut scratch;
            let block_out = out
                .as_deref_mut()
                .map(|o| S::block(&mut o[offset..offset + n]));
            let mut frame = Frame {
                len: n,
                offset: task.flat.start + offset,
                bindings: &self.bindings,
                gather,
                consts: &self.program.consts,
                temps,
                out: None,
                to_output: false,
            };
            match block_out {
                Some(o) if direct_out => {
                    frame.out = Some(R::out(o));
                    run_block(self.program, &mut frame);
                }
                Some(o) => {
                    // The result is an input, a constant or an earlier
                    // instruction's.
                    run_block(self.program, &mut frame);
                    match frame.arg::<R>(self.program.result) {
                        Arg::Vec(v) => memory::copy(o, v),
                        Arg::Scalar(v) => memory::fill(o, v),
                    }
                }
                None => run_block(self.program, &mut frame),
            }
            after(&frame, n);
            offset += n;
        }
        self.pool.put(scratch);
    }

    fn elementwise<R: Element, S: OutElem<R>>(&self, out: &mut [S]) {
        let Some(plan) = &self.plan else { return };
        if plan.len() == 1 {
            self.task(plan, 0, Some(out), |_, _| {});
            return;
        }
        let pieces = split_for(out, plan, |t| t.flat.len());
        run_tasks(pieces, self.threads, |t, piece| {
            self.task(plan, t, Some(piece), |_, _| {});
        });
    }

    /// Writes into a non-contiguous output, serially, in C order.
    fn elementwise_strided<R: Element>(&self, mut out: ArrayViewMutD<'_, R>) {
        let Some(plan) = &self.plan else { return };
        let mut dst = out.iter_mut();
        for t in 0..plan.len() {
            self.task::<R, R>(plan, t, None, |frame, n| {
                let values = frame.arg::<R>(self.program.result);
                for (i, d) in dst.by_ref().take(n).enumerate() {
                    *d = match values {
                        Arg::Vec(v) => v[i],
                        Arg::Scalar(v) => v,
                    };
                }
            });
        }
    }

    fn bytes_result(&self) -> Result<Value> {
        let width = bytes_width(
            self.program,
            self.program.result,
            &|k| match &self.bindings[k] {
                Binding::Scalar(Scalar::Bytes(b)) => b.len(),
                Binding::Direct(Slice::Bytes(_, w)) => *w,
                _ => self
                    .strided
                    .iter()
                    .find(|(i, _)| *i == k)
                    .map_or(0, |(_, view)| view.width()),
            },
        );
        let mut shape = self.shape.clone();
        shape.push(width);
        let len = checked_len(&shape)?;
        let mut data = alloc::<u8>(len, &shape)?;
        // Zero-width strings hold no bytes, however many there are: there
        // is nothing to compute (and the plan may have more tasks than
        // could be listed).
        if len > 0
            && let Some(plan) = &self.plan
        {
            let pieces = split_for(&mut data, plan, |t| t.flat.len() * width);
            run_tasks(pieces, self.threads, |t, piece| {
                let mut at = 0;
                self.task::<bool, bool>(plan, t, None, |frame, n| {
                    let (src, w, scalar) = frame.bytes_arg(self.program.result);
                    for i in 0..n {
                        let item = if scalar {
                            src
                        } else {
                            &src[i * w..(i + 1) * w]
                        };
                        piece[at..at + width].copy_from_slice(item);
                        at += width;
                    }
                });
            });
        }
        Ok(Value::Bytes(
            ArrayD::from_shape_vec(IxDyn(&shape), data).expect("shape matches"),
        ))
    }

    fn reduce(&self, op: ReduceOp, axis: Option<usize>) -> Result<Value> {
        use reduce::{All, Any, Max, Mean, Min, Prod, Sum};
        macro_rules! with {
            ($R:ident) => {
                dispatch!(self.program.value_dtype, T => self.reduce_with::<$R<T>>(axis),
                    bytes => unreachable!("byte strings are not reduced"))
            };
        }
        match (op, self.program.value_dtype) {
            (ReduceOp::Sum, _) => with!(Sum),
            (ReduceOp::Prod, _) => with!(Prod),
            (ReduceOp::Mean, _) => with!(Mean),
            (ReduceOp::Any, _) => with!(Any),
            (ReduceOp::All, _) => with!(All),
            (ReduceOp::Min, DType::Bool) => self.reduce_with::<Min<bool>>(axis),
            (ReduceOp::Min, DType::Int32) => self.reduce_with::<Min<i32>>(axis),
            (ReduceOp::Min, DType::Int64) => self.reduce_with::<Min<i64>>(axis),
            (ReduceOp::Min, DType::Float32) => self.reduce_with::<Min<f32>>(axis),
            (ReduceOp::Min, DType::Float64) => self.reduce_with::<Min<f64>>(axis),
            (ReduceOp::Max, DType::Bool) => self.reduce_with::<Max<bool>>(axis),
            (ReduceOp::Max, DType::Int32) => self.reduce_with::<Max<i32>>(axis),
            (ReduceOp::Max, DType::Int64) => self.reduce_with::<Max<i64>>(axis),
            (ReduceOp::Max, DType::Float32) => self.reduce_with::<Max<f32>>(axis),
            (ReduceOp::Max, DType::Float64) => self.reduce_with::<Max<f64>>(axis),
            (ReduceOp::Min | ReduceOp::Max, d) => {
                unreachable!("min/max of {d} is rejected by type inference")
            }
        }
    }

    fn reduce_with<R: Reducer>(&self, axis: Option<usize>) -> Result<Value> {
        let op_name = self.program.reduction.map_or("reduction", |r| r.op.name());
        let empty_error = || {
            Error::new(
                ErrorKind::Reduction,
                format!("{op_name}() of an empty array has no result"),
            )
            .with_span(self.program.reduction.map(|r| r.span).unwrap_or_default())
            .with_hint(format!(
                "the expression has shape {}",
                fmt_shape(&self.shape)
            ))
        };
        let result = self.program.result;
        let Some(axis) = axis else {
            let total = checked_len(&self.shape)?;
            if total == 0 && R::NEEDS_ELEMENTS {
                return Err(empty_error());
            }
            let accs = match &self.plan {
                None => Vec::new(),
                Some(plan) => run_tasks(vec![(); plan.len()], self.threads, |t, ()| {
                    let mut acc = R::identity();
                    self.task::<R::In, R::In>(plan, t, None, |frame, n| {
                        acc = R::fold(acc, frame.arg::<R::In>(result), n);
                    });
                    acc
                }),
            };
            let acc = accs.into_iter().fold(R::identity(), R::merge);
            let value = R::finish(acc, total);
            return Ok(R::Out::value(
                ArrayD::from_shape_vec(IxDyn(&[]), vec![value]).expect("0-d"),
            ));
        };
        let run_len = self.shape[axis];
        let out_shape: Vec<usize> = self
            .shape
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != axis)
            .map(|(_, &d)| d)
            .collect();
        let outputs = checked_len(&out_shape)?;
        let mut data = alloc::<R::Out>(outputs, &out_shape)?;
        if run_len == 0 && R::NEEDS_ELEMENTS {
            // NumPy: reducing a zero-length axis without an identity is an
            // error even when there is no output element to write.
            return Err(empty_error());
        }
        if outputs > 0 && run_len == 0 {
            data.fill(R::finish(R::identity(), 0));
        } else if let Some(plan) = &self.plan {
            let d = plan.shape.len();
            if plan.axis + 1 < d {
                // Tasks hold whole runs: each writes its own outputs.
                let pieces = split_for(&mut data, plan, |t| t.flat.len() / run_len);
                run_tasks(pieces, self.threads, |t, piece| {
                    let (mut acc, mut pos, mut o) = (R::identity(), 0usize, 0usize);
                    self.task::<R::In, R::In>(plan, t, None, |frame, n| {
                        let values = frame.arg::<R::In>(result);
                        let mut i = 0;
                        while i < n {
                            let seg = (n - i).min(run_len - pos);
                            let part = match values {
                                Arg::Vec(v) => Arg::Vec(&v[i..i + seg]),
                                s => s,
                            };
                            acc = R::fold(acc, part, seg);
                            pos += seg;
                            i += seg;
                            if pos == run_len {
                                piece[o] = R::finish(acc, run_len);
                                (acc, pos, o) = (R::identity(), 0, o + 1);
                            }
                        }
                    });
                });
            } else {
                // Runs longer than a task: partial results per task.
                let partials = run_tasks(vec![(); plan.len()], self.threads, |t, ()| {
                    let mut acc = R::identity();
                    self.task::<R::In, R::In>(plan, t, None, |frame, n| {
                        acc = R::fold(acc, frame.arg::<R::In>(result), n);
                    });
                    (plan.task(t).flat.start / run_len, acc)
                });
                let mut accs = vec![R::identity(); outputs];
                for (o, acc) in partials {
                    accs[o] = R::merge(accs[o], acc);
                }
                for (d, acc) in data.iter_mut().zip(accs) {
                    *d = R::finish(acc, run_len);
                }
            }
        }
        Ok(R::Out::value(
            ArrayD::from_shape_vec(IxDyn(&out_shape), data).expect("shape matches"),
        ))
    }
}

/// The plan of an iteration space of shape `shape` (`None` when it has no
/// elements).
fn plan_for(shape: &[usize], task_len: usize) -> Option<Plan> {
    shape
        .iter()
        .all(|&d| d > 0)
        .then(|| Plan::new(shape, task_len))
}

fn gather<'s>(input: &'s Input<'_>, task: &Task, axis: usize) -> Gather<'s> {
    match input {
        Input::Bool(a) => Gather::Bool(task_view(&a.view(), task, axis).into_iter()),
        Input::Int32(a) => Gather::Int32(task_view(&a.view(), task, axis).into_iter()),
        Input::Int64(a) => Gather::Int64(task_view(&a.view(), task, axis).into_iter()),
        Input::Float32(a) => Gather::Float32(task_view(&a.view(), task, axis).into_iter()),
        Input::Float64(a) => Gather::Float64(task_view(&a.view(), task, axis).into_iter()),
        Input::Complex128(a) => Gather::Complex128(task_view(&a.view(), task, axis).into_iter()),
        Input::Bytes(a) => {
            let w = input.width();
            Gather::Bytes(task_view(&a.view(), task, axis).into_iter(), w)
        }
    }
}

/// Classifies an input for an iteration over `shape` (permuted by `perm`).
fn source<'a>(input: &'a Input<'_>, shape: &[usize], perm: Option<&[usize]>) -> Result<Source<'a>> {
    /// Broadcasts to `shape` (plus the byte-string width axis, if any) and
    /// applies the permutation.
    fn arrange<'v, T, S: ndarray::Data<Elem = T>>(
        a: &'v ndarray::ArrayBase<S, IxDyn>,
        shape: &[usize],
        perm: Option<&[usize]>,
        extra: Option<usize>,
    ) -> Result<ArrayViewD<'v, T>> {
        let mut full = shape.to_vec();
        full.extend(extra);
        // The shapes were broadcast, but a view cannot have more than
        // isize::MAX elements (a result that large could not exist either).
        let view = a.broadcast(IxDyn(&full)).ok_or_else(|| {
            Error::new(
                ErrorKind::Shape,
                format!(
                    "the result shape {} has too many elements",
                    fmt_shape(shape)
                ),
            )
        })?;
        Ok(match perm {
            Some(p) => {
                let mut axes: Vec<usize> = p.to_vec();
                if extra.is_some() {
                    axes.push(shape.len());
                }
                view.permuted_axes(IxDyn(&axes))
            }
            None => view,
        })
    }
    if input.len() == 1 {
        return Ok(Source::scalar(first(input)));
    }
    // A zero-dimensional iteration only has one-element inputs.
    debug_assert!(!shape.is_empty());
    let in_order = perm.is_none_or(|p| p.iter().enumerate().all(|(i, &j)| i == j));
    let same_shape = input.shape() == shape && in_order;
    macro_rules! numeric {
        ($a:expr, $variant:ident) => {{
            if same_shape && let Some(s) = $a.view().to_slice() {
                return Ok(Source::direct(Slice::$variant(s)));
            }
            Source::strided(Input::$variant(arrange($a, shape, perm, None)?.into()))
        }};
    }
    Ok(match input {
        Input::Bool(a) => numeric!(a, Bool),
        Input::Int32(a) => numeric!(a, Int32),
        Input::Int64(a) => numeric!(a, Int64),
        Input::Float32(a) => numeric!(a, Float32),
        Input::Float64(a) => numeric!(a, Float64),
        Input::Complex128(a) => numeric!(a, Complex128),
        Input::Bytes(a) => {
            let w = input.width();
            if same_shape && let Some(s) = a.view().to_slice() {
                return Ok(Source::direct(Slice::Bytes(s, w)));
            }
            Source::strided(Input::Bytes(arrange(a, shape, perm, Some(w))?.into()))
        }
    })
}

/// The one element of a one-element input.
fn first(input: &Input<'_>) -> Scalar {
    match input {
        Input::Bool(a) => Scalar::Bool(*a.iter().next().expect("one element")),
        Input::Int32(a) => Scalar::Int32(*a.iter().next().expect("one element")),
        Input::Int64(a) => Scalar::Int64(*a.iter().next().expect("one element")),
        Input::Float32(a) => Scalar::Float32(*a.iter().next().expect("one element")),
        Input::Float64(a) => Scalar::Float64(*a.iter().next().expect("one element")),
        Input::Complex128(a) => Scalar::Complex128(*a.iter().next().expect("one element")),
        Input::Bytes(a) => Scalar::Bytes(a.iter().copied().collect()),
    }
}

/// Width of a byte-string operand (inputs, constants and copies of them)
/// as the result of the program.
/// `input_width(k)` is the width of input `k`.
fn bytes_width(program: &Program, op: Operand, input_width: &dyn Fn(usize) -> usize) -> usize {
    bytes_width_before(program, op, input_width, program.instrs.len())
}

/// Width of the byte-string operand `op` as read by instruction `end`: a
/// temporary is the one written last before it (registers are reused, so
/// a later write to the same register is another value).
fn bytes_width_before(
    program: &Program,
    op: Operand,
    input_width: &dyn Fn(usize) -> usize,
    end: usize,
) -> usize {
    match op {
        Operand::Const(k) => match &program.consts[k as usize] {
            Scalar::Bytes(b) => b.len(),
            _ => 0,
        },
        Operand::Input(k) => input_width(k as usize),
        Operand::Temp(_) => program.instrs[..end]
            .iter()
            .rposition(|i| {
                i.dst == op
                    && i.dtype == DType::Bytes
                    && i.opcode == Opcode::Op(crate::ir::OpName::Copy)
            })
            .map_or(0, |at| {
                bytes_width_before(program, program.instrs[at].args[0], input_width, at)
            }),
    }
}

/// Elements per block for `program`: as many as fit the per-thread budget
/// for its registers and a gather buffer per array input.  Every array
/// input counts, whether it is read in place or gathered, so that the
/// blocks, and with them the grouping of reduction sums, do not depend on
/// the memory layout of the inputs.
fn block_len(program: &Program, inputs: &[Input<'_>], bindings: &[Binding<'_>]) -> usize {
    let mut bytes: usize = DType::ALL
        .iter()
        .map(|&d| program.temps_of(d) * d.item_size().max(1))
        .sum();
    for ((decl, input), b) in program.inputs.iter().zip(inputs).zip(bindings) {
        if !matches!(b, Binding::Scalar(_)) {
            bytes += decl.dtype.item_size() * input.width().max(1);
        }
    }
    bytes += program.value_dtype.item_size();
    (BLOCK_BYTES / bytes.max(1)).clamp(64, MAX_BLOCK) / 64 * 64
}

/// The cost of one element of `program`, in units of one simple
/// arithmetic operation: the sum of its instructions' costs, plus one per
/// array input read.
///
/// The classes are coarse, from the kernels' speed on one core: bitwise,
/// comparison, selection and add/multiply-like operations are 1;
/// division, square root and rounding 2; transcendental functions, `**`
/// with array exponents and user functions 16 (4 to 30 measured); complex
/// operations 4 times their real counterparts.
pub fn element_cost(program: &Program, array_inputs: usize) -> usize {
    let instr = |ins: &crate::program::Instr| -> usize {
        let base = match ins.opcode {
            Opcode::Cast => 1,
            // A multiplication and an addition.
            Opcode::Fused(_) => 2,
            Opcode::User => 16,
            Opcode::Op(op) => match op.name() {
                "copy" | "ones_like" | "neg" | "invert" | "add" | "sub" | "mul" | "and" | "or"
                | "xor" | "gt" | "ge" | "eq" | "ne" | "where" | "real" | "imag" | "complex"
                | "absolute" | "sign" | "conjugate" | "isnan" | "isfinite" | "isinf"
                | "signbit" | "copysign" | "maximum" | "minimum" | "lshift" | "rshift" => 1,
                "div" | "floordiv" | "mod" | "sqrt" | "ceil" | "floor" | "trunc" | "round"
                | "nextafter" | "contains" => 2,
                _ => 16,
            },
        };
        let complex = ins.dtype == DType::Complex128 || ins.arg_dtypes.contains(&DType::Complex128);
        if complex { 4 * base } else { base }
    };
    program.instrs.iter().map(instr).sum::<usize>() + array_inputs
}

/// Elements per task for `program` over `bindings`: about [`TASK_WORK`]
/// units of [`element_cost`], between [`MIN_TASK_LEN`] and [`TASK_LEN`].
///
/// Like [`block_len`], it does not depend on the layout of the inputs:
/// the tasks group the partial results of reductions.
fn task_len(program: &Program, bindings: &[Binding<'_>]) -> usize {
    let arrays = bindings
        .iter()
        .filter(|b| !matches!(b, Binding::Scalar(_)))
        .count();
    let cost = element_cost(program, arrays).max(1);
    (TASK_WORK / cost).clamp(MIN_TASK_LEN, TASK_LEN)
}

impl Scratch {
    /// Sizes the scratch for `program`, blocks of `block` elements and
    /// inputs read through `bindings`.
    pub(crate) fn prepare(&mut self, program: &Program, block: usize, bindings: &[Binding<'_>]) {
        self.temps.reserve(&program.temps, block);
        let gathered = |b: &Binding<'_>| matches!(b, Binding::Gathered);
        if !bindings.iter().any(gathered) {
            return;
        }
        let n = program.inputs.len();
        let mut counts = [0u32; 7];
        for (decl, b) in program.inputs.iter().zip(bindings) {
            if gathered(b) {
                counts[decl.dtype as usize] = n as u32;
            }
        }
        // Buffers are indexed by input number; only gathered ones need room.
        self.gather.reserve(&counts, 0);
        for (k, (decl, b)) in program.inputs.iter().zip(bindings).enumerate() {
            if gathered(b) {
                self.gather.reserve_one(decl.dtype, k, block);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ErrorKind, Value, Vars, evaluate};
    use ndarray::Array2;

    #[test]
    fn min_max_over_a_zero_length_axis_are_errors() {
        // NumPy raises even when there is no output element to write.
        // (rows, cols, axis, whether min/max have a value)
        let cases = [
            (0, 0, 1, false),
            (0, 3, 0, false),
            (3, 0, 1, false),
            (0, 3, 1, true),
            (3, 0, 0, true),
        ];
        for (rows, cols, axis, ok) in cases {
            let e = Array2::<f64>::zeros((rows, cols));
            let mut vars = Vars::new();
            vars.insert("e", e.view());
            for f in ["min", "max"] {
                let expr = format!("{f}(e, axis={axis})");
                match evaluate(&expr, &vars) {
                    Ok(v) => assert!(ok && v.shape().iter().product::<usize>() == 0, "{expr}"),
                    Err(err) => assert!(!ok && err.kind() == ErrorKind::Reduction, "{expr}"),
                }
            }
            // Sums have an identity: zeros of the remaining shape.
            let sum = evaluate(&format!("sum(e, axis={axis})"), &vars).expect("sum");
            assert_eq!(sum.shape(), [[cols], [rows]][axis], "sum over {axis}");
        }
    }

    #[test]
    fn nested_copies_of_byte_strings_keep_their_width() {
        // The copies share temporary registers; finding the result's
        // width used to follow a later write of a register it read, and
        // for three copies went round in a circle forever.
        let s = Array2::from_shape_vec((2, 3), b"ab\0cde".to_vec()).expect("2x3");
        let mut vars = Vars::new();
        vars.insert_bytes("s", s.view());
        for expr in [
            "copy(copy(s))",
            "copy(copy(copy(s)))",
            "copy(copy(copy(copy(s))))",
        ] {
            match evaluate(expr, &vars).expect(expr) {
                Value::Bytes(r) => assert_eq!(r, s.clone().into_dyn(), "{expr}"),
                other => panic!("{expr}: {other:?}"),
            }
        }
    }
}

//! The element loops: one generic loop per operation shape, instantiated
//! for every (operation, dtype) pair the signature table allows.
//!
//! In: an instruction's opcode and dtypes.  Out: a [`Kernel`], a function
//! pointer chosen once at compile time that runs the instruction over a
//! block.  The element semantics live in [`ops`] (numbers), [`complex`]
//! (numexpr's complex formulas) and [`bytes`] (byte strings); this module
//! only wires them to the register file.

pub mod bytes;
pub mod complex;
pub mod divide;
pub mod hyperbolic;
pub mod memory;
pub mod ops;
pub mod reduce;
pub mod simd;

use crate::ir::OpName;
use crate::program::{Instr, Opcode};
use crate::types::DType;
use crate::types::Element;
use crate::vm::{Arg, Frame};
use memory::Slot;
use num_complex::Complex64;
use ops::{Binary, Unary};
use std::cmp::Ordering;

/// Runs one instruction over the current block.
pub type Kernel = for<'a, 'o, 'f> fn(&'f mut Frame<'a, 'o>, &Instr);

fn unary<A: Element, R: Element, O: Unary<A, R>>(f: &mut Frame<'_, '_>, ins: &Instr) {
    let n = f.len;
    let mut dst = f.take_dst::<R>(ins.dst);
    O::run(dst.slice(n), f.arg::<A>(ins.args[0]));
    f.put_dst(ins.dst, dst);
}

fn binary<A: Element, B: Element, R: Element, O: Binary<A, B, R>>(
    f: &mut Frame<'_, '_>,
    ins: &Instr,
) {
    let n = f.len;
    let mut dst = f.take_dst::<R>(ins.dst);
    O::run(
        dst.slice(n),
        f.arg::<A>(ins.args[0]),
        f.arg::<B>(ins.args[1]),
    );
    f.put_dst(ins.dst, dst);
}

/// A [`Fused`](crate::program::Fused) product and the sum, difference or
/// product that uses it: `O(x*y, z)` when
/// `PRODUCT_FIRST` (operands `x, y, z`), else `O(z, x*y)` (operands
/// `z, x, y`), each step with its own operation's element semantics.
fn fused<T: Element, O: Binary<T, T, T>, const PRODUCT_FIRST: bool>(
    f: &mut Frame<'_, '_>,
    ins: &Instr,
) where
    ops::Mul: Binary<T, T, T>,
{
    let n = f.len;
    let mut dst = f.take_dst::<T>(ins.dst);
    let (a, b, c) = (
        f.arg::<T>(ins.args[0]),
        f.arg::<T>(ins.args[1]),
        f.arg::<T>(ins.args[2]),
    );
    let mul = <ops::Mul as Binary<T, T, T>>::apply;
    if PRODUCT_FIRST {
        ops::map3(dst.slice(n), a, b, c, |x, y, z| O::apply(mul(x, y), z));
    } else {
        ops::map3(dst.slice(n), a, b, c, |z, x, y| O::apply(z, mul(x, y)));
    }
    f.put_dst(ins.dst, dst);
}

fn where_<T: Element>(f: &mut Frame<'_, '_>, ins: &Instr) {
    let n = f.len;
    let mut dst = f.take_dst::<T>(ins.dst);
    let out = dst.slice(n);
    let (c, x, y) = (
        f.arg::<bool>(ins.args[0]),
        f.arg::<T>(ins.args[1]),
        f.arg::<T>(ins.args[2]),
    );
    match c {
        Arg::Scalar(c) => match if c { x } else { y } {
            Arg::Vec(v) => memory::copy(out, &v[..n]),
            Arg::Scalar(v) => memory::fill(out, v),
        },
        c => ops::map3(out, c, x, y, |c, x, y| if c { x } else { y }),
    }
    f.put_dst(ins.dst, dst);
}

/// Comparisons and `contains` on byte strings.
fn bytes_predicate(f: &mut Frame<'_, '_>, ins: &Instr) {
    let n = f.len;
    let Opcode::Op(op) = ins.opcode else {
        unreachable!("byte-string predicate")
    };
    let test: fn(&[u8], &[u8]) -> bool = match op {
        OpName::Gt => |a, b| bytes::compare(a, b) == Ordering::Greater,
        OpName::Ge => |a, b| bytes::compare(a, b) != Ordering::Less,
        OpName::Eq => |a, b| bytes::compare(a, b) == Ordering::Equal,
        OpName::Ne => |a, b| bytes::compare(a, b) != Ordering::Equal,
        OpName::Contains => bytes::contains,
        _ => unreachable!("byte-string predicate {op}"),
    };
    let mut dst = f.take_dst::<bool>(ins.dst);
    let out = dst.slice(n);
    let (a, wa, sa) = f.bytes_arg(ins.args[0]);
    let (b, wb, sb) = f.bytes_arg(ins.args[1]);
    fn item(data: &[u8], w: usize, scalar: bool, i: usize) -> &[u8] {
        if scalar {
            data
        } else {
            &data[i * w..(i + 1) * w]
        }
    }
    for (i, o) in out.iter_mut().enumerate() {
        o.put(test(item(a, wa, sa, i), item(b, wb, sb, i)));
    }
    f.put_dst(ins.dst, dst);
}

/// `copy` of byte strings into a byte-string temporary.
fn bytes_copy(f: &mut Frame<'_, '_>, ins: &Instr) {
    let n = f.len;
    let crate::program::Operand::Temp(k) = ins.dst else {
        unreachable!("instructions write temporaries")
    };
    let (mut buf, _) = std::mem::take(&mut f.temps.bytes[k as usize]);
    let (src, w, scalar) = f.bytes_arg(ins.args[0]);
    buf.clear();
    if scalar {
        for _ in 0..n {
            buf.extend_from_slice(src);
        }
    } else {
        buf.extend_from_slice(src);
    }
    f.temps.bytes[k as usize] = (buf, w);
}

/// A user-defined function over a block of float64 values.
fn user(f: &mut Frame<'_, '_>, ins: &Instr) {
    use crate::context::UserCode;
    use std::cell::RefCell;
    thread_local! {
        /// A scalar operand spread over a block, for block functions.
        static SPREAD: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    }
    let func = ins
        .user
        .as_ref()
        .expect("user instruction has its function");
    let n = f.len;
    let mut dst = f.take_dst::<f64>(ins.dst);
    let out = dst.slice(n);
    let a = f.arg::<f64>(ins.args[0]);
    match &func.code {
        UserCode::Scalar1(g) => match a {
            Arg::Vec(x) => out.iter_mut().zip(x).for_each(|(o, &x)| o.put(g(x))),
            Arg::Scalar(x) => memory::fill(out, g(x)),
        },
        UserCode::Scalar2(g) => ops::map2(out, a, f.arg::<f64>(ins.args[1]), g),
        // Block functions take an ordinary (initialised) slice.
        UserCode::Block1(g) => match a {
            Arg::Vec(x) => g(x, memory::init_block(out)),
            Arg::Scalar(x) => {
                let mut one = [0.0];
                g(&[x], &mut one);
                memory::fill(out, one[0]);
            }
        },
        UserCode::Block2(g) => match (a, f.arg::<f64>(ins.args[1])) {
            (Arg::Scalar(x), Arg::Scalar(y)) => {
                let mut one = [0.0];
                g(&[x], &[y], &mut one);
                memory::fill(out, one[0]);
            }
            (Arg::Vec(x), Arg::Vec(y)) => g(x, y, memory::init_block(out)),
            (Arg::Vec(x), Arg::Scalar(y)) => SPREAD.with_borrow_mut(|buf| {
                buf.clear();
                buf.resize(n, y);
                g(x, buf, memory::init_block(out));
            }),
            (Arg::Scalar(x), Arg::Vec(y)) => SPREAD.with_borrow_mut(|buf| {
                buf.clear();
                buf.resize(n, x);
                g(buf, y, memory::init_block(out));
            }),
        },
    }
    f.put_dst(ins.dst, dst);
}

macro_rules! pick {
    // One kernel per listed dtype.
    ($d:expr, $what:expr, { $($v:ident => $k:expr),+ $(,)? }) => {
        match $d {
            $(DType::$v => $k as Kernel,)+
            other => unreachable!("no kernel for {} on {other}", $what),
        }
    };
}

macro_rules! same_type {
    // T -> T unary or T, T -> T binary over the listed (dtype, type) pairs.
    (unary $op:ty, $d:expr, [$($v:ident: $t:ty),+]) => {
        pick!($d, stringify!($op), { $($v => unary::<$t, $t, $op>),+ })
    };
    (binary $op:ty, $d:expr, [$($v:ident: $t:ty),+]) => {
        pick!($d, stringify!($op), { $($v => binary::<$t, $t, $t, $op>),+ })
    };
    (predicate $op:ty, $d:expr, [$($v:ident: $t:ty),+]) => {
        pick!($d, stringify!($op), { $($v => unary::<$t, bool, $op>),+ })
    };
    (compare $op:ty, $d:expr, [$($v:ident: $t:ty),+]) => {
        pick!($d, stringify!($op), { $($v => binary::<$t, $t, bool, $op>),+ })
    };
}

/// The kernel for an instruction with result dtype `ret` and operand dtypes
/// `args`, as chosen by type inference from the signature table.
pub fn select(opcode: Opcode, ret: DType, args: &[DType]) -> Kernel {
    use DType::*;
    use OpName as O;
    use ops::*;
    type C = Complex64;
    let a0 = args.first().copied().unwrap_or(ret);
    let op = match opcode {
        Opcode::Cast => {
            return match (a0, ret) {
                (Bool, Int32) => unary::<bool, i32, Cast>,
                (Bool, Int64) => unary::<bool, i64, Cast>,
                (Bool, Float32) => unary::<bool, f32, Cast>,
                (Bool, Float64) => unary::<bool, f64, Cast>,
                (Bool, Complex128) => unary::<bool, C, Cast>,
                (Int32, Int64) => unary::<i32, i64, Cast>,
                (Int32, Float32) => unary::<i32, f32, Cast>,
                (Int32, Float64) => unary::<i32, f64, Cast>,
                (Int32, Complex128) => unary::<i32, C, Cast>,
                (Int64, Float32) => unary::<i64, f32, Cast>,
                (Int64, Float64) => unary::<i64, f64, Cast>,
                (Int64, Complex128) => unary::<i64, C, Cast>,
                (Float32, Float64) => unary::<f32, f64, Cast>,
                (Float32, Complex128) => unary::<f32, C, Cast>,
                (Float64, Complex128) => unary::<f64, C, Cast>,
                (from, to) => unreachable!("no cast from {from} to {to}"),
            };
        }
        Opcode::Op(op) => op,
        Opcode::Fused(k) => {
            use crate::program::Fused as F;
            macro_rules! fused_for {
                ($op:ty, $product_first:expr) => {
                    pick!(ret, k.name(), {
                        Int32 => fused::<i32, $op, $product_first>,
                        Int64 => fused::<i64, $op, $product_first>,
                        Float32 => fused::<f32, $op, $product_first>,
                        Float64 => fused::<f64, $op, $product_first>,
                    })
                };
            }
            return match k {
                F::MulAdd => fused_for!(Add, true),
                F::MulSub => fused_for!(Sub, true),
                F::SubMul => fused_for!(Sub, false),
                F::MulMul => fused_for!(Mul, true),
            };
        }
        Opcode::User => return user,
    };
    if a0 == Bytes {
        return if op == O::Copy {
            bytes_copy
        } else {
            bytes_predicate
        };
    }
    macro_rules! transcendental {
        ($op:ty) => {
            same_type!(unary $op, ret, [Float32: f32, Float64: f64, Complex128: C])
        };
    }
    macro_rules! float2 {
        ($op:ty) => {
            same_type!(binary $op, ret, [Float32: f32, Float64: f64])
        };
    }
    match op {
        O::Copy => {
            same_type!(unary CopyValue, ret, [Bool: bool, Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::OnesLike => {
            same_type!(unary OnesLike, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Neg => {
            same_type!(unary Neg, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Invert => same_type!(unary Invert, ret, [Bool: bool, Int32: i32, Int64: i64]),
        O::Add => {
            same_type!(binary Add, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Sub => {
            same_type!(binary Sub, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Mul => {
            same_type!(binary Mul, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Div => {
            same_type!(binary Div, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Pow => {
            same_type!(binary Pow, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::FloorDiv => {
            same_type!(binary FloorDiv, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64])
        }
        O::Mod => same_type!(binary Mod, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64]),
        O::LShift => same_type!(binary LShift, ret, [Int32: i32, Int64: i64]),
        O::RShift => same_type!(binary RShift, ret, [Int32: i32, Int64: i64]),
        O::And => same_type!(binary And, ret, [Bool: bool, Int32: i32, Int64: i64]),
        O::Or => same_type!(binary Or, ret, [Bool: bool, Int32: i32, Int64: i64]),
        O::Xor => same_type!(binary Xor, ret, [Bool: bool, Int32: i32, Int64: i64]),
        O::Gt => same_type!(compare Gt, a0, [Int32: i32, Int64: i64, Float32: f32, Float64: f64]),
        O::Ge => same_type!(compare Ge, a0, [Int32: i32, Int64: i64, Float32: f32, Float64: f64]),
        O::Eq => {
            same_type!(compare Eq, a0, [Bool: bool, Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Ne => {
            same_type!(compare Ne, a0, [Bool: bool, Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Where => pick!(ret, "where", {
            Bool => where_::<bool>, Int32 => where_::<i32>, Int64 => where_::<i64>,
            Float32 => where_::<f32>, Float64 => where_::<f64>, Complex128 => where_::<C>,
        }),
        O::Contains => bytes_predicate,
        O::Real => unary::<C, f64, Real>,
        O::Imag => unary::<C, f64, Imag>,
        O::Complex => binary::<f64, f64, C, MakeComplex>,
        O::Sqrt => transcendental!(Sqrt),
        O::Sin => transcendental!(Sin),
        O::Cos => transcendental!(Cos),
        O::Tan => transcendental!(Tan),
        O::Arcsin => transcendental!(Arcsin),
        O::Arccos => transcendental!(Arccos),
        O::Arctan => transcendental!(Arctan),
        O::Sinh => transcendental!(Sinh),
        O::Cosh => transcendental!(Cosh),
        O::Tanh => transcendental!(Tanh),
        O::Arcsinh => transcendental!(Arcsinh),
        O::Arccosh => transcendental!(Arccosh),
        O::Arctanh => transcendental!(Arctanh),
        O::Log => transcendental!(Log),
        O::Log1p => transcendental!(Log1p),
        O::Log10 => transcendental!(Log10),
        O::Log2 => transcendental!(Log2),
        O::Exp => transcendental!(Exp),
        O::Expm1 => transcendental!(Expm1),
        O::Conjugate => transcendental!(Conjugate),
        O::Absolute => {
            same_type!(unary Absolute, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Round => {
            same_type!(unary Round, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Sign => {
            same_type!(unary Sign, ret, [Int32: i32, Int64: i64, Float32: f32, Float64: f64, Complex128: C])
        }
        O::Ceil => same_type!(unary Ceil, ret, [Float32: f32, Float64: f64]),
        O::Floor => same_type!(unary Floor, ret, [Float32: f32, Float64: f64]),
        O::Trunc => same_type!(unary Trunc, ret, [Float32: f32, Float64: f64]),
        O::IsNan => same_type!(predicate IsNan, a0, [Float32: f32, Float64: f64, Complex128: C]),
        O::IsFinite => {
            same_type!(predicate IsFinite, a0, [Float32: f32, Float64: f64, Complex128: C])
        }
        O::IsInf => same_type!(predicate IsInf, a0, [Float32: f32, Float64: f64, Complex128: C]),
        O::SignBit => same_type!(predicate SignBit, a0, [Float32: f32, Float64: f64]),
        O::Arctan2 => float2!(Arctan2),
        O::Fmod => float2!(Fmod),
        O::Hypot => float2!(Hypot),
        O::NextAfter => float2!(NextAfter),
        O::CopySign => float2!(CopySign),
        O::Maximum => float2!(Maximum),
        O::Minimum => float2!(Minimum),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{Fused, Operand};
    use crate::types::Scalar;
    use crate::vm::{Binding, Pools, Prim, Slice};
    use std::mem::MaybeUninit;

    /// Operand values of every dtype: element `i` of a block, or the
    /// value of a scalar operand.
    struct Operands {
        bool_: Vec<bool>,
        i32_: Vec<i32>,
        i64_: Vec<i64>,
        f32_: Vec<f32>,
        f64_: Vec<f64>,
        c128: Vec<Complex64>,
        bytes: Vec<u8>,
    }

    /// Byte-string width of [`Operands::bytes`].
    const WIDTH: usize = 3;

    impl Operands {
        fn new(n: usize) -> Operands {
            let x = |i: usize| 0.25 + (i % 13) as f64 * 0.125;
            Operands {
                bool_: (0..n).map(|i| i % 3 == 0).collect(),
                i32_: (0..n).map(|i| (i % 11) as i32 - 4).collect(),
                i64_: (0..n).map(|i| (i % 9) as i64 - 3).collect(),
                f32_: (0..n).map(|i| x(i) as f32).collect(),
                f64_: (0..n).map(x).collect(),
                c128: (0..n).map(|i| Complex64::new(x(i), 0.5 - x(i))).collect(),
                bytes: (0..n * WIDTH).map(|i| b"abcab"[i % 5]).collect(),
            }
        }

        fn binding(&self, d: DType, scalar: bool) -> Binding<'_> {
            if scalar {
                let i = self.bool_.len() / 2;
                return Binding::Scalar(match d {
                    DType::Bool => Scalar::Bool(self.bool_[i]),
                    DType::Int32 => Scalar::Int32(self.i32_[i]),
                    DType::Int64 => Scalar::Int64(self.i64_[i]),
                    DType::Float32 => Scalar::Float32(self.f32_[i]),
                    DType::Float64 => Scalar::Float64(self.f64_[i]),
                    DType::Complex128 => Scalar::Complex128(self.c128[i]),
                    DType::Bytes => Scalar::Bytes(self.bytes[..WIDTH].to_vec()),
                });
            }
            Binding::Direct(match d {
                DType::Bool => Slice::Bool(&self.bool_),
                DType::Int32 => Slice::Int32(&self.i32_),
                DType::Int64 => Slice::Int64(&self.i64_),
                DType::Float32 => Slice::Float32(&self.f32_),
                DType::Float64 => Slice::Float64(&self.f64_),
                DType::Complex128 => Slice::Complex128(&self.c128),
                DType::Bytes => Slice::Bytes(&self.bytes, WIDTH),
            })
        }
    }

    /// Runs `kernel` over a block of `n` elements into an output of type
    /// `T` whose every element was `poison` before, and returns it.
    fn output_after<T: Prim + Element>(
        kernel: Kernel,
        ins: &Instr,
        bindings: &[Binding<'_>],
        n: usize,
        poison: T,
    ) -> Vec<T> {
        let mut out = vec![MaybeUninit::new(poison); n];
        let mut temps = Pools::default();
        let mut frame = Frame {
            len: n,
            offset: 0,
            bindings,
            gather: &Pools::default(),
            consts: &[],
            temps: &mut temps,
            out: Some(T::out(&mut out)),
            to_output: true,
        };
        kernel(&mut frame, ins);
        assert!(
            frame.out.is_some(),
            "{} gave back the output",
            ins.signature()
        );
        out.into_iter()
            // SAFETY: every element was initialised with `poison` and
            // kernels write only values.
            .map(|x| unsafe { x.assume_init() })
            .collect()
    }

    /// Runs `kernel` twice over output memory filled with two different
    /// values, and asserts that it wrote the same value into every
    /// element both times: it wrote the whole destination.  (Fresh
    /// results are not initialised before the last instruction writes
    /// them, so a kernel that skipped an element would leave memory
    /// uninitialised.)
    fn assert_writes_all(kernel: Kernel, ins: &Instr, bindings: &[Binding<'_>], n: usize) {
        fn check<T: Prim + Element + PartialEq + std::fmt::Debug>(
            kernel: Kernel,
            ins: &Instr,
            bindings: &[Binding<'_>],
            n: usize,
            poisons: (T, T),
        ) {
            let a = output_after(kernel, ins, bindings, n, poisons.0);
            let b = output_after(kernel, ins, bindings, n, poisons.1);
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                // NaN results compare by bits.
                let same = x == y || format!("{x:?}") == format!("{y:?}");
                assert!(
                    same,
                    "{} left element {i} of {n}: {x:?} vs {y:?}",
                    ins.signature()
                );
            }
        }
        let c = |v: f64| Complex64::new(v, -v);
        match ins.dtype {
            DType::Bool => check(kernel, ins, bindings, n, (false, true)),
            DType::Int32 => check(kernel, ins, bindings, n, (-7i32, 123_456)),
            DType::Int64 => check(kernel, ins, bindings, n, (-7i64, 1 << 40)),
            DType::Float32 => check(kernel, ins, bindings, n, (-7.5f32, 1.0e30)),
            DType::Float64 => check(kernel, ins, bindings, n, (-7.5f64, 1.0e300)),
            DType::Complex128 => check(kernel, ins, bindings, n, (c(-7.5), c(1.0e300))),
            DType::Bytes => unreachable!("byte strings are never written to the output"),
        }
    }

    /// Every kernel writes every element of its destination, for every
    /// operand form and block lengths with and without a partial vector.
    #[test]
    fn every_kernel_writes_its_whole_destination() {
        let mut cases: Vec<(Opcode, DType, Vec<DType>)> = Vec::new();
        for &op in OpName::ALL {
            for sig in op.signatures() {
                let mut codes = sig.chars().map(|c| DType::from_code(c).unwrap());
                let ret = codes.next().unwrap();
                cases.push((Opcode::Op(op), ret, codes.collect()));
            }
        }
        for from in DType::ALL {
            for &to in from.upcasts().iter().skip(1) {
                cases.push((Opcode::Cast, to, vec![from]));
            }
        }
        for k in [Fused::MulAdd, Fused::MulSub, Fused::SubMul, Fused::MulMul] {
            for d in [DType::Int32, DType::Int64, DType::Float32, DType::Float64] {
                cases.push((Opcode::Fused(k), d, vec![d; 3]));
            }
        }
        let mut checked = 0;
        for n in [1usize, 7, 37, 512] {
            let values = Operands::new(n);
            for (opcode, ret, args) in &cases {
                if *ret == DType::Bytes {
                    continue;
                }
                let kernel = select(*opcode, *ret, args);
                let ins = Instr {
                    opcode: *opcode,
                    dtype: *ret,
                    dst: Operand::Temp(0),
                    args: (0..args.len() as u32).map(Operand::Input).collect(),
                    arg_dtypes: args.clone(),
                    kernel,
                    user: None,
                };
                // Every operand an array; every operand a scalar; the
                // first a scalar and the others arrays.
                for form in 0..3 {
                    let bindings: Vec<Binding<'_>> = args
                        .iter()
                        .enumerate()
                        .map(|(j, &d)| values.binding(d, form == 1 || (form == 2 && j == 0)))
                        .collect();
                    assert_writes_all(kernel, &ins, &bindings, n);
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "only {checked} cases");
    }

    /// Every signature in the table has a kernel (select panics otherwise).
    #[test]
    fn every_signature_has_a_kernel() {
        for &op in OpName::ALL {
            for sig in op.signatures() {
                let mut codes = sig.chars().map(|c| DType::from_code(c).unwrap());
                let ret = codes.next().unwrap();
                let args: Vec<DType> = codes.collect();
                let _ = select(Opcode::Op(op), ret, &args);
            }
        }
        for from in DType::ALL {
            for &to in from.upcasts().iter().skip(1) {
                let _ = select(Opcode::Cast, to, &[from]);
            }
        }
    }
}

//! The register bytecode and its disassembly.
//!
//! In: produced by [`crate::compile`].  Out: executed block by block by
//! [`crate::vm`].
//!
//! A program is a list of three-address instructions over typed registers.
//! An operand is an input (bound per block to a slice of the input array, a
//! gathered copy of a strided input, or a scalar for a one-element input), a
//! constant (always a scalar: constants are never materialised as vectors),
//! or a temporary (a block-sized buffer of the instruction's dtype; temps
//! are numbered per dtype and reused once dead).  The register holding the
//! result is [`Program::result`]; when the caller's output has the result's
//! dtype, the instruction producing it writes straight into the output.

use crate::context::UserFunction;
use crate::ir::{InputDecl, OpName, Reduction};
use crate::kernels::Kernel;
use crate::types::{DType, Scalar};
use std::fmt;
use std::sync::Arc;

/// What an instruction reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// Input number `k` (index into [`Program::inputs`]).
    Input(u32),
    /// Constant number `k` (index into [`Program::consts`]).
    Const(u32),
    /// Temporary number `k` of the operand's dtype.
    Temp(u32),
}

/// The operation of an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// Convert the operand to the instruction's dtype.
    Cast,
    /// An element-wise operation.
    Op(OpName),
    /// A product fused with the sum, difference or product that is its
    /// only use.
    Fused(Fused),
    /// A user-defined function (see [`Instr::user`]).
    User,
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Opcode::Cast => f.write_str("cast"),
            Opcode::Op(op) => f.write_str(op.name()),
            Opcode::Fused(k) => f.write_str(k.name()),
            Opcode::User => f.write_str("user"),
        }
    }
}

/// A multiplication and the addition, subtraction or multiplication that
/// consumes it, as one instruction: one pass over the block instead of
/// two, with no register for the product.
///
/// Each step rounds as its own instruction would (`mul` then `add`), so
/// the results are those of the two instructions, bit for bit.  This is
/// not the hardware fused multiply-add, whose single rounding would change
/// results wherever the sum cancels (`x*y - z` with `x*y` close to `z`)
/// and part from numexpr's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fused {
    /// `x*y + z` (operands `x, y, z`).
    MulAdd,
    /// `x*y - z` (operands `x, y, z`).
    MulSub,
    /// `z - x*y` (operands `z, x, y`).
    SubMul,
    /// `x*y*z`, that is `(x*y)*z` (operands `x, y, z`).
    MulMul,
}

impl Fused {
    /// The name in the disassembly.
    pub fn name(self) -> &'static str {
        match self {
            Fused::MulAdd => "muladd",
            Fused::MulSub => "mulsub",
            Fused::SubMul => "submul",
            Fused::MulMul => "mulmul",
        }
    }
}

/// One instruction: `dst = op(args...)`.
#[derive(Clone, Debug)]
pub struct Instr {
    /// The operation.
    pub opcode: Opcode,
    /// Result dtype.
    pub dtype: DType,
    /// Destination (always a temporary of `dtype`).
    pub dst: Operand,
    /// Operands.
    pub args: Vec<Operand>,
    /// Operand dtypes.
    pub arg_dtypes: Vec<DType>,
    /// The element loop that executes it.
    pub kernel: Kernel,
    /// The function called, for [`Opcode::User`].
    pub user: Option<Arc<UserFunction>>,
}

impl PartialEq for Instr {
    fn eq(&self, other: &Instr) -> bool {
        self.opcode == other.opcode
            && self.dtype == other.dtype
            && self.dst == other.dst
            && self.args == other.args
            && self.arg_dtypes == other.arg_dtypes
    }
}

impl Instr {
    /// The operation's name (a user function's own name).
    pub fn name(&self) -> String {
        match &self.user {
            Some(f) => f.name().to_string(),
            None => self.opcode.to_string(),
        }
    }

    /// numexpr-style signature, e.g. `add_ddd`.
    pub fn signature(&self) -> String {
        let mut s = format!("{}_{}", self.name(), self.dtype.code());
        s.extend(self.arg_dtypes.iter().map(|d| d.code()));
        s
    }
}

/// A compiled program.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// Instructions in execution order.
    pub instrs: Vec<Instr>,
    /// Constants (scalars).
    pub consts: Vec<Scalar>,
    /// Inputs, sorted by name.
    pub inputs: Vec<InputDecl>,
    /// Number of temporaries of each dtype, indexed like [`DType::ALL`].
    pub temps: [u32; 7],
    /// Where the value of the expression is after the last instruction.
    pub result: Operand,
    /// Dtype of that value (before any reduction).
    pub value_dtype: DType,
    /// The final reduction, if any.
    pub reduction: Option<Reduction>,
}

impl Program {
    /// The dtype of the program's result (after the reduction, if any).
    pub fn result_dtype(&self) -> DType {
        self.reduction.map_or(self.value_dtype, |r| r.dtype)
    }

    /// Number of temporaries of dtype `d`.
    pub fn temps_of(&self, d: DType) -> usize {
        self.temps[d as usize] as usize
    }

    fn operand_name(&self, op: Operand, dtype: DType) -> String {
        match op {
            Operand::Input(k) => format!("r{}[{}]", k, self.inputs[k as usize].name),
            Operand::Const(k) => format!("c{}[{}]", k, self.consts[k as usize]),
            Operand::Temp(k) => format!("t{}{}", dtype.code(), k),
        }
    }
}

/// The disassembly, one instruction per line, numexpr style:
///
/// ```text
/// mul_ddd  td0 = r0[a] * c0[2.0]
/// ```
impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for ins in &self.instrs {
            let args: Vec<String> = ins
                .args
                .iter()
                .zip(&ins.arg_dtypes)
                .map(|(&a, &d)| self.operand_name(a, d))
                .collect();
            writeln!(
                f,
                "{:<14} {} = {}({})",
                ins.signature(),
                self.operand_name(ins.dst, ins.dtype),
                ins.name(),
                args.join(", ")
            )?;
        }
        write!(
            f,
            "result {}: {}",
            self.operand_name(self.result, self.value_dtype),
            self.value_dtype
        )?;
        if let Some(r) = &self.reduction {
            match r.axis {
                Some(axis) => write!(f, " -> {}(axis={axis}): {}", r.op.name(), r.dtype)?,
                None => write!(f, " -> {}: {}", r.op.name(), r.dtype)?,
            }
        }
        Ok(())
    }
}

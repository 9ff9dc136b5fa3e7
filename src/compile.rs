//! Compilation: typed [`Ir`] → register [`Program`].
//!
//! In: the typed DAG (already free of duplicate subexpressions, because the
//! IR is hash-consed).  Out: a program of three-address instructions.
//!
//! * **Constant folding**: an operation whose operands are all constants is
//!   evaluated here, with the same kernel the VM would run, so folding never
//!   changes a result.
//! * **Fusion**: a multiplication whose only use is an addition, a
//!   subtraction or a multiplication of the same integer or real dtype
//!   becomes one instruction with it ([`Fused`]: `x*y + z`, `x*y - z`,
//!   `z - x*y`, `x*y*z`), rounded like the two instructions, so one pass
//!   over the block and one register fewer.
//! * **Operands**: inputs and constants are used in place (constants are
//!   scalars; they are never materialised as vectors).
//! * **Register allocation**: each intermediate value gets a temporary of
//!   its dtype; a temporary is released after its last use and reused by a
//!   later value of the same dtype.  A destination never aliases one of its
//!   instruction's operands.
//! * **Kernel selection**: each instruction gets the element loop for its
//!   exact signature.

use crate::context::UserFunction;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::{Ir, IrId, IrOp, OpName};
use crate::kernels;
use crate::limits::{MAX_INSTRUCTIONS, MAX_TEMPORARIES};
use crate::program::{Fused, Instr, Opcode, Operand, Program};
use crate::types::{DType, Scalar};
use crate::vm::{Frame, Pools};
use std::sync::Arc;

/// Compiles typed IR into a program.
///
/// ```
/// use ndexpr::{DType, ir::InputDecl};
/// let ast = ndexpr::parse::parse("2*a + 3*b").unwrap();
/// let decl = |n: &str| InputDecl { name: n.into(), dtype: DType::Float64 };
/// let ir = ndexpr::infer::infer(&ast, &[decl("a"), decl("b")]).unwrap();
/// let program = ndexpr::compile::compile(&ir).unwrap();
/// // 2*a, then 3*b + (2*a) fused into one instruction.
/// assert_eq!(program.instrs.len(), 2);
/// ```
pub fn compile(ir: &Ir) -> Result<Program> {
    let mut c = Compiler {
        consts: Vec::new(),
        instrs: Vec::new(),
        free: Default::default(),
        temps: [0; 7],
    };
    let n = ir.nodes.len();
    let absorbs = fusions(ir);
    // The node whose instruction reads node `i`'s operands: a fused
    // product's are read by the instruction that absorbs it.
    let mut reader: Vec<usize> = (0..n).collect();
    for (j, p) in absorbs.iter().enumerate() {
        if let Some(p) = p {
            reader[p.index()] = j;
        }
    }
    // Last reader of every node (the root is used "after the end").
    let mut last_use = vec![0usize; n];
    for (i, node) in ir.nodes.iter().enumerate() {
        for a in &node.args {
            last_use[a.index()] = last_use[a.index()].max(reader[i]);
        }
    }
    last_use[ir.root.index()] = usize::MAX;
    let mut operand: Vec<Operand> = Vec::with_capacity(n);
    for (i, node) in ir.nodes.iter().enumerate() {
        let op = match &node.op {
            IrOp::Input(k) => Operand::Input(*k as u32),
            IrOp::Const(s) => c.constant(s.clone()),
            // A product absorbed by a later instruction: none of its own,
            // and no operand (its only reader is that instruction).
            _ if reader[i] != i => Operand::Temp(u32::MAX),
            IrOp::Cast | IrOp::Op(_) | IrOp::User(_) => {
                let (opcode, user) = match node.op {
                    IrOp::Cast => (Opcode::Cast, None),
                    IrOp::Op(name) => (Opcode::Op(name), None),
                    IrOp::User(k) => (Opcode::User, Some(Arc::clone(&ir.functions[k as usize]))),
                    _ => unreachable!(),
                };
                // The opcode and the nodes the instruction reads: a fused
                // product's operands in place of the product.
                let (mut opcode, mut reads) = (opcode, node.args.clone());
                if let Some(p) = absorbs[i] {
                    let product = ir.node(p);
                    let mul = c.instr(
                        ir,
                        Opcode::Op(OpName::Mul),
                        product.dtype,
                        &product.args,
                        &operand,
                        None,
                    );
                    if let Some(value) = c.fold(&mul) {
                        // Constant operands: the product is a constant.
                        operand[p.index()] = c.constant(value);
                    } else {
                        let first = node.args[0] == p;
                        let other = node.args[if first { 1 } else { 0 }];
                        let kind = match (opcode, first) {
                            (Opcode::Op(OpName::Add), _) => Fused::MulAdd,
                            (Opcode::Op(OpName::Mul), _) => Fused::MulMul,
                            (_, true) => Fused::MulSub,
                            (_, false) => Fused::SubMul,
                        };
                        reads = match kind {
                            Fused::SubMul => vec![other, product.args[0], product.args[1]],
                            _ => vec![product.args[0], product.args[1], other],
                        };
                        opcode = Opcode::Fused(kind);
                    }
                }
                let mut ins = c.instr(ir, opcode, node.dtype, &reads, &operand, user);
                if let Some(value) = c.fold(&ins) {
                    c.constant(value)
                } else {
                    ins.dst = c.alloc(node.dtype).map_err(|e| e.with_span(node.span))?;
                    c.instrs.push(ins);
                    if c.instrs.len() > MAX_INSTRUCTIONS {
                        return Err(Error::new(
                            ErrorKind::TooComplex,
                            format!("the program has more than {MAX_INSTRUCTIONS} instructions"),
                        )
                        .with_span(node.span));
                    }
                    // Release operands whose last use is this node (once
                    // each: `x / x` names the same node twice).
                    for (j, a) in reads.iter().enumerate() {
                        if last_use[a.index()] == i
                            && !reads[..j].contains(a)
                            && let Operand::Temp(k) = operand[a.index()]
                        {
                            c.free[ir.node(*a).dtype as usize].push(k);
                        }
                    }
                    c.instrs.last().expect("just pushed").dst
                }
            }
        };
        operand.push(op);
    }
    Ok(Program {
        instrs: c.instrs,
        consts: c.consts,
        inputs: ir.inputs.clone(),
        temps: c.temps,
        result: operand[ir.root.index()],
        value_dtype: ir.node(ir.root).dtype,
        reduction: ir.reduction,
    })
}

/// The products to fuse ([`Fused`]): entry `j` is the multiplication that
/// node `j`, an addition, a subtraction or a multiplication, absorbs.
///
/// A product is absorbed when it is an integer or real float `mul` whose
/// only use is node `j` (not the result, not shared by common
/// subexpressions), of the same dtype, and which absorbs nothing itself
/// (an instruction does one fused pair).  When both operands qualify, the
/// later one is absorbed: the earlier is computed by then anyway.
fn fusions(ir: &Ir) -> Vec<Option<IrId>> {
    let mut uses = vec![0u32; ir.nodes.len()];
    for node in &ir.nodes {
        for a in &node.args {
            uses[a.index()] += 1;
        }
    }
    uses[ir.root.index()] += 1;
    let fusable = |d| {
        matches!(
            d,
            DType::Int32 | DType::Int64 | DType::Float32 | DType::Float64
        )
    };
    let mut absorbs: Vec<Option<IrId>> = Vec::with_capacity(ir.nodes.len());
    for node in &ir.nodes {
        let consumer = matches!(node.op, IrOp::Op(OpName::Add | OpName::Sub | OpName::Mul));
        let product = node.args.iter().copied().filter(|&p| {
            let product = ir.node(p);
            matches!(product.op, IrOp::Op(OpName::Mul))
                && product.dtype == node.dtype
                && uses[p.index()] == 1
                && absorbs[p.index()].is_none()
        });
        absorbs.push(if consumer && fusable(node.dtype) {
            product.max()
        } else {
            None
        });
    }
    absorbs
}

struct Compiler {
    consts: Vec<Scalar>,
    instrs: Vec<Instr>,
    /// Released temporaries per dtype.
    free: [Vec<u32>; 7],
    /// Temporaries allocated per dtype.
    temps: [u32; 7],
}

impl Compiler {
    fn constant(&mut self, s: Scalar) -> Operand {
        let same = |c: &Scalar| match (c, &s) {
            // Compare floats by bits so that NaN constants are shared.
            (Scalar::Float32(a), Scalar::Float32(b)) => a.to_bits() == b.to_bits(),
            (Scalar::Float64(a), Scalar::Float64(b)) => a.to_bits() == b.to_bits(),
            (Scalar::Complex128(a), Scalar::Complex128(b)) => {
                a.re.to_bits() == b.re.to_bits() && a.im.to_bits() == b.im.to_bits()
            }
            (a, b) => a == b,
        };
        let k = match self.consts.iter().position(same) {
            Some(k) => k,
            None => {
                self.consts.push(s);
                self.consts.len() - 1
            }
        };
        Operand::Const(k as u32)
    }

    fn alloc(&mut self, dtype: DType) -> Result<Operand> {
        let d = dtype as usize;
        if let Some(k) = self.free[d].pop() {
            return Ok(Operand::Temp(k));
        }
        if self.temps.iter().sum::<u32>() as usize >= MAX_TEMPORARIES {
            return Err(Error::new(
                ErrorKind::TooComplex,
                format!("the expression needs more than {MAX_TEMPORARIES} temporary registers"),
            ));
        }
        self.temps[d] += 1;
        Ok(Operand::Temp(self.temps[d] - 1))
    }

    /// An instruction `opcode(args)` of result dtype `dtype` (its
    /// destination is set when it is emitted).
    fn instr(
        &self,
        ir: &Ir,
        opcode: Opcode,
        dtype: DType,
        args: &[IrId],
        operand: &[Operand],
        user: Option<Arc<UserFunction>>,
    ) -> Instr {
        let arg_dtypes: Vec<DType> = args.iter().map(|a| ir.node(*a).dtype).collect();
        Instr {
            opcode,
            dtype,
            dst: Operand::Temp(0),
            args: args.iter().map(|a| operand[a.index()]).collect(),
            kernel: kernels::select(opcode, dtype, &arg_dtypes),
            arg_dtypes,
            user,
        }
    }

    /// Evaluates an instruction whose operands are all constants, with its
    /// own kernel, on a one-element block.
    fn fold(&self, ins: &Instr) -> Option<Scalar> {
        if ins.dtype == DType::Bytes || !ins.args.iter().all(|a| matches!(a, Operand::Const(_))) {
            return None;
        }
        let mut counts = [0u32; 7];
        counts[ins.dtype as usize] = 1;
        let mut temps = Pools::default();
        temps.reserve(&counts, 1);
        let gather = Pools::default();
        let mut frame = Frame {
            len: 1,
            offset: 0,
            bindings: &[],
            gather: &gather,
            consts: &self.consts,
            temps: &mut temps,
            out: None,
            to_output: false,
        };
        (ins.kernel)(&mut frame, ins);
        Some(temps.scalar(ins.dtype, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::InputDecl;

    fn program(src: &str, vars: &[(&str, DType)]) -> Program {
        let ast = crate::parse::parse(src).unwrap();
        let decls: Vec<InputDecl> = vars
            .iter()
            .map(|(n, d)| InputDecl {
                name: n.to_string(),
                dtype: *d,
            })
            .collect();
        compile(&crate::infer::infer(&ast, &decls).unwrap()).unwrap()
    }

    #[test]
    fn power_expansion_and_cse() {
        // numexpr's aggressive expansion: a**3 and a**5 share a*a.
        let p = program("2*a**3 - 4*a**5 + 6*log(a)", &[("a", DType::Float64)]);
        // Seven multiplications: one alone, four in pairs (mulmul), two
        // fused with the sums that use them.
        let count = |opcode| p.instrs.iter().filter(|i| i.opcode == opcode).count();
        assert_eq!(count(Opcode::Op(OpName::Mul)), 1, "{p}");
        assert_eq!(count(Opcode::Fused(Fused::MulMul)), 2, "{p}");
        assert_eq!(count(Opcode::Fused(Fused::SubMul)), 1, "{p}");
        assert_eq!(count(Opcode::Fused(Fused::MulAdd)), 1, "{p}");
        assert!(
            !p.instrs
                .iter()
                .any(|i| i.opcode == Opcode::Op(crate::ir::OpName::Pow))
        );
        // Few registers: liveness-based reuse.
        assert!(p.temps_of(DType::Float64) <= 4, "{p}");
    }

    #[test]
    fn constants_are_folded_with_vm_semantics() {
        // sin(1.0) is folded by NumPy rules in inference; `**` on the
        // resulting constant is built as multiplications and folded here.
        let p = program("sin(1.0)**2 + a", &[("a", DType::Float64)]);
        assert_eq!(p.instrs.len(), 1, "{p}");
        let s = 1.0f64.sin();
        assert_eq!(
            p.instrs[0].args[0],
            p.consts
                .iter()
                .position(|c| *c == Scalar::Float64(s * s))
                .map(|k| Operand::Const(k as u32))
                .unwrap(),
            "{p}"
        );
    }

    #[test]
    fn destinations_never_alias_operands() {
        let p = program(
            "((a+1)*(a+2))/((a+3)*(a+4)) - a*a",
            &[("a", DType::Float64)],
        );
        for ins in &p.instrs {
            assert!(!ins.args.contains(&ins.dst), "{p}");
        }
        assert!(p.temps_of(DType::Float64) <= 4, "{p}");
    }

    #[test]
    fn repeated_operands_are_released_once() {
        // cast(l) appears twice in `l / l`; its register must not be handed
        // out twice afterwards.
        let p = program("--((l * l) - (l / l))", &[("l", DType::Int64)]);
        for (i, a) in p.instrs.iter().enumerate() {
            for b in &p.instrs[i + 1..] {
                // A temp is live from its write to its last read; two values
                // written while both are live must use different registers.
                let _ = (a, b);
            }
        }
        let mut live: std::collections::HashMap<(DType, Operand), usize> = Default::default();
        for (i, ins) in p.instrs.iter().enumerate() {
            for (arg, d) in ins.args.iter().zip(&ins.arg_dtypes) {
                if let Some(w) = live.get(&(*d, *arg)) {
                    // the value read was written by instruction w and not
                    // overwritten since
                    assert!(*w < i, "{p}");
                }
            }
            live.insert((ins.dtype, ins.dst), i);
        }
        let values: Vec<f64> = crate::evaluate(
            "--((l * l) - (l / l))",
            &crate::vars! { "l" => ndarray::array![3i64, -4] },
        )
        .unwrap()
        .into_f64()
        .unwrap()
        .into_raw_vec_and_offset()
        .0;
        assert_eq!(values, vec![8.0, 15.0]);
    }

    #[test]
    fn scalars_stay_scalars() {
        let p = program("a * 2.5 + 1", &[("a", DType::Float64)]);
        assert_eq!(p.consts, vec![Scalar::Float64(2.5), Scalar::Float64(1.0)]);
        assert!(
            p.instrs
                .iter()
                .all(|i| i.args.iter().any(|a| matches!(a, Operand::Const(_))))
        );
    }

    /// Three float64 inputs.
    const F64S: [(&str, DType); 3] = [
        ("a", DType::Float64),
        ("b", DType::Float64),
        ("c", DType::Float64),
    ];

    #[test]
    fn products_fuse_with_the_sum_that_uses_them() {
        let only = |src: &str, vars: &[(&str, DType)]| {
            let p = program(src, vars);
            assert_eq!(p.instrs.len(), 1, "{src}: {p}");
            p.instrs[0].clone()
        };
        let (a, b, c) = (Operand::Input(0), Operand::Input(1), Operand::Input(2));
        for (src, kind, args) in [
            ("a*b + c", Fused::MulAdd, [a, b, c]),
            ("c + a*b", Fused::MulAdd, [a, b, c]),
            ("a*b - c", Fused::MulSub, [a, b, c]),
            ("c - a*b", Fused::SubMul, [c, a, b]),
            ("a*b*c", Fused::MulMul, [a, b, c]),
            ("c*(a*b)", Fused::MulMul, [a, b, c]),
        ] {
            let ins = only(src, &F64S);
            assert_eq!(
                (ins.opcode, &ins.args[..]),
                (Opcode::Fused(kind), &args[..]),
                "{src}"
            );
        }
        for d in [DType::Int32, DType::Int64, DType::Float32] {
            let ins = only("a*b + c", &[("a", d), ("b", d), ("c", d)]);
            assert_eq!((ins.opcode, ins.dtype), (Opcode::Fused(Fused::MulAdd), d));
        }
        // One pair per instruction: the product that absorbed another is
        // not absorbed in turn.
        let p = program("a*b*c + a", &F64S);
        assert_eq!(p.instrs.len(), 2, "{p}");
        assert_eq!(p.instrs[0].opcode, Opcode::Fused(Fused::MulMul), "{p}");
        assert_eq!(p.instrs[1].opcode, Opcode::Op(OpName::Add), "{p}");
        // Both operands are products: the later one is fused.
        let p = program("a*b - b*c", &F64S);
        assert_eq!(p.instrs.len(), 2, "{p}");
        assert_eq!(p.instrs[1].opcode, Opcode::Fused(Fused::SubMul), "{p}");
        assert_eq!(p.instrs[1].args[1..], [b, c], "{p}");
    }

    #[test]
    fn products_with_other_uses_are_not_fused() {
        let fused = |p: &Program| {
            p.instrs
                .iter()
                .any(|i| matches!(i.opcode, Opcode::Fused(_)))
        };
        // The product is shared (CSE), is the result, or is folded.
        for src in [
            "a*b + a*b",
            "(a*b + c) / (a*b)",
            "a*b",
            "sum(a*b)",
            "2*3 + a",
        ] {
            let p = program(src, &F64S);
            assert!(!fused(&p), "{src}: {p}");
        }
        // Complex products; an int32 product in a float64 sum (the product
        // is cast first).
        for (x, z) in [
            (DType::Complex128, DType::Complex128),
            (DType::Int32, DType::Float64),
        ] {
            let p = program("a*b + c", &[("a", x), ("b", x), ("c", z)]);
            assert!(!fused(&p), "{p}");
        }
        // A product of constants is folded, and the sum is a plain add.
        let p = program("2.0*3.0 + a", &F64S);
        assert_eq!(p.instrs.len(), 1, "{p}");
        assert_eq!(p.instrs[0].opcode, Opcode::Op(OpName::Add), "{p}");
        assert_eq!(p.consts.last(), Some(&Scalar::Float64(6.0)), "{p}");
    }

    #[test]
    fn fused_operands_are_released_after_the_fused_instruction() {
        // The product's operands stay live until the sum that absorbs it:
        // the fused instruction must not write over one of them.
        let p = program(
            "(a + b) * (a - b) + sqrt(a + b)",
            &[("a", DType::Float64), ("b", DType::Float64)],
        );
        for ins in &p.instrs {
            assert!(!ins.args.contains(&ins.dst), "{p}");
        }
        let last = p.instrs.last().unwrap();
        assert_eq!(last.opcode, Opcode::Fused(Fused::MulAdd), "{p}");
        let distinct: std::collections::HashSet<_> = last.args.iter().collect();
        assert_eq!(distinct.len(), 3, "{p}");
    }
}

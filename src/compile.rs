//! Compilation: typed [`Ir`] → register [`Program`].
//!
//! In: the typed DAG (already free of duplicate subexpressions, because the
//! IR is hash-consed).  Out: a program of three-address instructions.
//!
//! * **Constant folding**: an operation whose operands are all constants is
//!   evaluated here, with the same kernel the VM would run, so folding never
//!   changes a result.
//! * **Operands**: inputs and constants are used in place (constants are
//!   scalars; they are never materialised as vectors).
//! * **Register allocation**: each intermediate value gets a temporary of
//!   its dtype; a temporary is released after its last use and reused by a
//!   later value of the same dtype.  A destination never aliases one of its
//!   instruction's operands.
//! * **Kernel selection**: each instruction gets the element loop for its
//!   exact signature.

use crate::error::{Error, ErrorKind, Result};
use crate::ir::{Ir, IrOp};
use crate::kernels;
use crate::limits::{MAX_INSTRUCTIONS, MAX_TEMPORARIES};
use crate::program::{Instr, Opcode, Operand, Program};
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
/// assert_eq!(program.instrs.len(), 3);
/// ```
pub fn compile(ir: &Ir) -> Result<Program> {
    let mut c = Compiler {
        consts: Vec::new(),
        instrs: Vec::new(),
        free: Default::default(),
        temps: [0; 7],
    };
    // Last user of every node (the root is used "after the end").
    let n = ir.nodes.len();
    let mut last_use = vec![0usize; n];
    for (i, node) in ir.nodes.iter().enumerate() {
        for a in &node.args {
            last_use[a.index()] = i;
        }
    }
    last_use[ir.root.index()] = usize::MAX;
    let mut operand: Vec<Operand> = Vec::with_capacity(n);
    for (i, node) in ir.nodes.iter().enumerate() {
        let op = match &node.op {
            IrOp::Input(k) => Operand::Input(*k as u32),
            IrOp::Const(s) => c.constant(s.clone()),
            IrOp::Cast | IrOp::Op(_) | IrOp::User(_) => {
                let (opcode, user) = match node.op {
                    IrOp::Cast => (Opcode::Cast, None),
                    IrOp::Op(name) => (Opcode::Op(name), None),
                    IrOp::User(k) => (Opcode::User, Some(Arc::clone(&ir.functions[k as usize]))),
                    _ => unreachable!(),
                };
                let args: Vec<Operand> = node.args.iter().map(|a| operand[a.index()]).collect();
                let arg_dtypes: Vec<DType> = node.args.iter().map(|a| ir.node(*a).dtype).collect();
                let kernel = kernels::select(opcode, node.dtype, &arg_dtypes);
                let mut ins = Instr {
                    opcode,
                    dtype: node.dtype,
                    dst: Operand::Temp(0),
                    args,
                    arg_dtypes,
                    kernel,
                    user,
                };
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
                    for (j, a) in node.args.iter().enumerate() {
                        if last_use[a.index()] == i
                            && !node.args[..j].contains(a)
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
        let muls = p
            .instrs
            .iter()
            .filter(|i| i.opcode == Opcode::Op(crate::ir::OpName::Mul))
            .count();
        assert_eq!(muls, 7, "{p}");
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
}

//! The benchmark data recipe, shared by `examples/bench.rs` and
//! `benches/throughput.rs` (included in both with `#[path]`).
//!
//! It is the recipe at the top of the shared expression list
//! (`shared/bench/exprs.txt`), identical in every implementation compared,
//! so that checksums can be compared with numexpr's.  Element `k` of the
//! variable number `v` (`a`=0, `b`=1, `c`=2, `f`=3, `g`=4, `i`=5) is
//!
//! * float: `0.1 + ((k*(7+2v) + 13v) mod 1000) / 1000`, computed in float64
//!   and cast to float32 for `f` and `g`;
//! * int32: `((k*7 + 3) mod 2001) - 1000`.

use ndarray::Array1;
use ndexpr::{DType, Expression, Vars};

/// The benchmark variables, with their dtypes, in recipe order.
pub const VARIABLES: [(&str, DType); 6] = [
    ("a", DType::Float64),
    ("b", DType::Float64),
    ("c", DType::Float64),
    ("f", DType::Float32),
    ("g", DType::Float32),
    ("i", DType::Int32),
];

/// One input array.
enum Column {
    F64(Array1<f64>),
    F32(Array1<f32>),
    I32(Array1<i32>),
}

/// Element `k` of the float variable number `v`, in float64.
fn float_element(v: u64, k: u64) -> f64 {
    0.1 + ((k * (7 + 2 * v) + 13 * v) % 1000) as f64 / 1000.0
}

/// The input arrays of one benchmark size.
pub struct Data {
    columns: Vec<(&'static str, Column)>,
}

impl Data {
    /// Builds the variables among `names` (names that are not benchmark
    /// variables are skipped) with `n` elements each.
    pub fn new(n: usize, names: &[&str]) -> Data {
        let columns = VARIABLES
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| names.contains(name))
            .map(|(v, &(name, dtype))| {
                let v = v as u64;
                let ks = 0..n as u64;
                let column = match dtype {
                    DType::Float64 => Column::F64(ks.map(|k| float_element(v, k)).collect()),
                    DType::Float32 => Column::F32(ks.map(|k| float_element(v, k) as f32).collect()),
                    _ => Column::I32(ks.map(|k| ((k * 7 + 3) % 2001) as i32 - 1000).collect()),
                };
                (name, column)
            })
            .collect();
        Data { columns }
    }

    /// Builds the variables that `expr` reads.  An error if `expr` does not
    /// compile for the benchmark variables (unknown names included).
    pub fn for_expr(expr: &str, n: usize) -> Result<Data, ndexpr::Error> {
        let compiled = Expression::new(expr, &VARIABLES)?;
        let names: Vec<&str> = compiled.inputs().iter().map(|d| d.name.as_str()).collect();
        Ok(Data::new(n, &names))
    }

    /// The arrays as evaluation inputs.
    pub fn vars(&self) -> Vars<'_> {
        let mut vars = Vars::new();
        for (name, column) in &self.columns {
            match column {
                Column::F64(x) => vars.insert(*name, x),
                Column::F32(x) => vars.insert(*name, x),
                Column::I32(x) => vars.insert(*name, x),
            };
        }
        vars
    }
}

//! ndexpr (crate docs are written in full below once the engine exists).
#![deny(missing_docs)]

pub mod ast;
pub mod error;
pub mod parse;
pub mod types;

pub use error::{Error, ErrorKind};
pub use types::{DType, Element, Scalar};

/// Documented limits.
pub mod limits {
    /// Longest accepted expression, in bytes.
    pub const MAX_EXPR_LEN: usize = 100_000;
    /// Deepest accepted nesting of parentheses (calls included).
    pub const MAX_NESTING: usize = 200;
    /// Most AST nodes in one expression.
    pub const MAX_NODES: usize = 100_000;
}

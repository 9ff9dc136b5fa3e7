//! Broadcasting and the division of the iteration space into tasks.
//!
//! In: the shapes of the inputs.  Out: the broadcast shape (NumPy's rules,
//! for any number of dimensions, zero-size dimensions included) and a
//! [`Plan`]: the iteration space cut into box-shaped tasks of roughly equal
//! size, each a contiguous range of the C-order flat index.
//!
//! The plan depends only on the shape, never on the number of threads, so
//! that every reduction combines its partial results in the same order and
//! gives bit-identical results with 1, 2 or N threads.

use crate::error::{Error, ErrorKind, Result};
use std::ops::Range;

/// NumPy's broadcast of `shapes` (each with a name for the error message).
///
/// ```
/// let s = ndexpr::broadcast::broadcast_shapes([("a", &[3usize, 1][..]), ("b", &[4][..])]).unwrap();
/// assert_eq!(s, vec![3, 4]);
/// ```
pub fn broadcast_shapes<'s>(
    shapes: impl IntoIterator<Item = (&'s str, &'s [usize])>,
) -> Result<Vec<usize>> {
    let mut shapes = shapes.into_iter();
    let Some(first) = shapes.next() else {
        return Ok(Vec::new());
    };
    // The common case, every shape the same, without a list of them.
    while let Some(next) = shapes.next() {
        if next.1 != first.1 {
            // The inputs before `next` all have the first shape; only
            // the first of them can own a dimension.
            let list = [first, next].into_iter().chain(shapes).collect();
            return broadcast_list(list);
        }
    }
    Ok(first.1.to_vec())
}

/// [`broadcast_shapes`] of a list of named shapes.
fn broadcast_list(shapes: Vec<(&str, &[usize])>) -> Result<Vec<usize>> {
    let ndim = shapes.iter().map(|s| s.1.len()).max().unwrap_or(0);
    let mut out = vec![1usize; ndim];
    let mut owner: Vec<Option<usize>> = vec![None; ndim];
    for (i, (_, shape)) in shapes.iter().enumerate() {
        let offset = ndim - shape.len();
        for (j, &d) in shape.iter().enumerate() {
            let k = offset + j;
            if d == out[k] || d == 1 {
                continue;
            }
            if out[k] == 1 {
                out[k] = d;
                owner[k] = Some(i);
                continue;
            }
            let other = owner[k].expect("dimension set by an earlier input");
            return Err(Error::new(
                ErrorKind::Shape,
                format!(
                    "shapes cannot be broadcast together: `{}` has shape {} and `{}` has shape {}",
                    shapes[other].0,
                    fmt_shape(shapes[other].1),
                    shapes[i].0,
                    fmt_shape(shape),
                ),
            )
            .with_hint("dimensions are matched from the right and must be equal or 1"));
        }
    }
    Ok(out)
}

/// A shape as NumPy prints it: `(3,)`, `(3, 4)`, `()`.
pub fn fmt_shape(shape: &[usize]) -> String {
    match shape {
        [] => "()".into(),
        [d] => format!("({d},)"),
        ds => format!(
            "({})",
            ds.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Number of elements of `shape`, or a `shape` error if it overflows.
pub fn checked_len(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Shape,
                format!(
                    "the result shape {} has too many elements",
                    fmt_shape(shape)
                ),
            )
        })
}

/// One task: a box of the iteration space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// Fixed indices of the axes before the split axis.
    pub prefix: Vec<usize>,
    /// Index range along the split axis.
    pub range: Range<usize>,
    /// The task's range of the C-order flat index.
    pub flat: Range<usize>,
}

/// The iteration space cut into tasks along one axis.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The iteration shape (at least one dimension).
    pub shape: Vec<usize>,
    /// The axis along which tasks are cut; axes before it are fixed per task.
    pub axis: usize,
    /// Indices of `axis` per task.
    pub chunk: usize,
    /// Tasks per fixed prefix.
    pieces: usize,
    /// Elements per index of `axis`.
    inner: usize,
    /// Number of tasks.
    count: usize,
}

impl Plan {
    /// Cuts `shape` (non-empty, no zero dimension) into tasks of about
    /// `task_len` elements: the split axis is the first whose trailing
    /// subspace fits in a task.
    pub fn new(shape: &[usize], task_len: usize) -> Plan {
        debug_assert!(!shape.is_empty() && shape.iter().all(|&d| d > 0));
        let d = shape.len();
        // Elements per index of axis `k` (saturating): the product of the
        // dimensions after it.
        let inner = |k: usize| {
            shape[k + 1..]
                .iter()
                .fold(1usize, |p, &x| p.saturating_mul(x))
        };
        let axis = (0..d).find(|&k| inner(k) <= task_len).unwrap_or(d - 1);
        let inner = inner(axis);
        let chunk = (task_len / inner).clamp(1, shape[axis]);
        let pieces = shape[axis].div_ceil(chunk);
        let outer: usize = shape[..axis].iter().product();
        Plan {
            shape: shape.to_vec(),
            axis,
            chunk,
            pieces,
            inner,
            count: outer * pieces,
        }
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when there are no tasks.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Task number `i`.
    pub fn task(&self, i: usize) -> Task {
        let (mut outer, piece) = (i / self.pieces, i % self.pieces);
        let mut prefix = vec![0usize; self.axis];
        for k in (0..self.axis).rev() {
            prefix[k] = outer % self.shape[k];
            outer /= self.shape[k];
        }
        let start = piece * self.chunk;
        let end = (start + self.chunk).min(self.shape[self.axis]);
        let row = (i / self.pieces) * self.shape[self.axis];
        Task {
            prefix,
            range: start..end,
            flat: (row + start) * self.inner..(row + end) * self.inner,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_broadcasting() {
        let b = |s: &[&[usize]]| broadcast_shapes(s.iter().map(|s| ("x", *s)));
        assert_eq!(b(&[&[3, 4], &[4]]).unwrap(), vec![3, 4]);
        assert_eq!(b(&[&[3, 1], &[1, 4]]).unwrap(), vec![3, 4]);
        assert_eq!(b(&[&[2, 3, 4], &[4], &[3, 1]]).unwrap(), vec![2, 3, 4]);
        assert_eq!(b(&[&[], &[5]]).unwrap(), vec![5]);
        assert_eq!(b(&[&[0, 3], &[3]]).unwrap(), vec![0, 3]);
        assert_eq!(b(&[&[0], &[1]]).unwrap(), vec![0]);
        assert_eq!(b(&[]).unwrap(), Vec::<usize>::new());
        let e = b(&[&[3], &[5]]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Shape);
        assert!(
            e.message().contains("(3,)") && e.message().contains("(5,)"),
            "{e}"
        );
        assert!(b(&[&[3], &[0]]).is_err());
        // The first input of a run of equal shapes is named as the owner
        // of the conflicting dimension.
        let named = [("a", &[2usize, 3][..]), ("b", &[2, 3]), ("c", &[4, 3])];
        let e = broadcast_shapes(named).unwrap_err();
        assert!(
            e.message().contains("`a` has shape (2, 3)")
                && e.message().contains("`c` has shape (4, 3)"),
            "{e}"
        );
        let named = [("a", &[1usize][..]), ("b", &[1]), ("c", &[4, 3])];
        assert_eq!(broadcast_shapes(named).unwrap(), vec![4, 3]);
    }

    #[test]
    fn tasks_tile_the_flat_index() {
        for shape in [
            vec![10usize],
            vec![7, 5],
            vec![3, 1000],
            vec![2, 3, 4, 5],
            vec![100_000],
        ] {
            for task_len in [1usize, 4, 64, 1 << 16] {
                let plan = Plan::new(&shape, task_len);
                let total: usize = shape.iter().product();
                let mut next = 0;
                for i in 0..plan.len() {
                    let t = plan.task(i);
                    assert_eq!(t.flat.start, next, "{shape:?} {task_len} task {i}");
                    assert!(t.flat.end > t.flat.start);
                    assert!(t.flat.len() <= task_len.max(plan.inner));
                    next = t.flat.end;
                }
                assert_eq!(next, total, "{shape:?} {task_len}");
            }
        }
    }

    #[test]
    fn checked_len_detects_overflow() {
        assert_eq!(checked_len(&[3, 4]).unwrap(), 12);
        assert_eq!(checked_len(&[]).unwrap(), 1);
        assert_eq!(
            checked_len(&[usize::MAX, 2]).unwrap_err().kind(),
            ErrorKind::Shape
        );
    }
}

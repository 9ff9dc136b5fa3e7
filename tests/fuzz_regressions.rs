//! Inputs that crashed a fuzz target (see fuzz/README.md), kept as tests
//! after the fix.  For the structured targets the raw fuzzer input is kept
//! too (it replays with `cargo +nightly fuzz run TARGET FILE` once written
//! to a file); the test rebuilds the case it decodes to.

use ndarray::{ArrayView, IxDyn};
use ndexpr::{ErrorKind, Vars, evaluate};

/// eval_arrays, crash-ff49d92e466e52070e245d974b22afe5db3aa0d1: the
/// expression `a` over a zero-width byte-string view broadcast to shape
/// (2, 2^45, 2, 4097).  The result holds no bytes, but the executor still
/// listed the 2^44 tasks of the iteration space before finding nothing to
/// copy, and aborted allocating that list (375 TB).
#[test]
fn zero_width_byte_strings_of_a_huge_shape() {
    const RAW: &[u8] = b"We0\nv\x8dor\xcd1H(r";
    assert_eq!(RAW.len(), 13);
    let no_bytes: [u8; 0] = [];
    let shape = [2usize, 1 << 45, 2, 4097];
    let mut full = shape.to_vec();
    full.push(0);
    let s = ArrayView::from_shape(IxDyn(&full), &no_bytes).unwrap();
    let mut vars = Vars::new();
    vars.insert_bytes("a", s);
    for src in ["a", "copy(a)", "copy(copy(a))"] {
        let v = evaluate(src, &vars).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(v.shape(), &shape, "{src}");
        assert_eq!(v.as_bytes().unwrap().shape(), full.as_slice(), "{src}");
    }
    // A bool result of that shape cannot be allocated.
    let e = evaluate("a == b''", &vars).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Shape, "{e}");
    // Small zero-width strings still give empty strings.
    let s = ArrayView::from_shape(IxDyn(&[3, 0]), &no_bytes).unwrap();
    let mut vars = Vars::new();
    vars.insert_bytes("s", s);
    let v = evaluate("copy(s)", &vars).unwrap();
    assert_eq!(v.as_bytes().unwrap().shape(), &[3, 0]);
    let eq = evaluate("s == b''", &vars).unwrap().into_bool().unwrap();
    assert_eq!(eq.iter().copied().collect::<Vec<_>>(), vec![true; 3]);
}

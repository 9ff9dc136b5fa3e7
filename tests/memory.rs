//! Memory: evaluating over 10^7 elements allocates the output and little
//! else — no whole-array temporaries, whatever the expression.
//!
//! A counting global allocator records the bytes allocated (in total, and
//! the peak of live bytes above the starting point) while one evaluation
//! runs, on every thread.  The whole check is one `#[test]`, so that no
//! other test of this binary allocates at the same time.

use ndarray::{Array1, Array2, s};
use ndexpr::{Expression, Options, Threads, vars};
use std::alloc::{GlobalAlloc, Layout, System};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    fn grew(size: usize) {
        TOTAL.fetch_add(size, Relaxed);
        let live = LIVE.fetch_add(size, Relaxed) + size;
        PEAK.fetch_max(live, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments;
// the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Counting::grew(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Counting::grew(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Relaxed);
        Counting::grew(new_size);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What one call allocated.
#[derive(Debug)]
struct Usage {
    /// Bytes allocated in total (freed or not).
    total: usize,
    /// Peak live bytes above the live bytes at the start.
    peak: usize,
}

/// Runs `f` and reports what it allocated.
fn measure<R>(f: impl FnOnce() -> R) -> (R, Usage) {
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    let before = TOTAL.load(Relaxed);
    let r = f();
    let usage = Usage {
        total: TOTAL.load(Relaxed) - before,
        peak: PEAK.load(Relaxed).saturating_sub(start),
    };
    (r, usage)
}

const N: usize = 10_000_000;
const MIB: usize = 1 << 20;

#[test]
fn evaluation_allocates_the_output_and_at_most_one_mib_more() {
    let a = Array1::from_shape_fn(N, |k| 0.1 + (k % 1000) as f64 / 1000.0);
    let b = Array1::from_shape_fn(N, |k| 0.1 + ((k * 9 + 13) % 1000) as f64 / 1000.0);
    let i = Array1::from_shape_fn(N, |k| ((k * 7 + 3) % 2001) as i32 - 1000);
    // A strided view (every other element of a 2N array), gathered block
    // by block.
    let wide = Array1::from_shape_fn(2 * N, |k| (k % 977) as f64 * 0.01);
    let strided = wide.slice(s![..;2]);
    // A 2-D broadcast: (N/1000, 1000) against a row of 1000.
    let grid = a.view().into_shape_with_order((N / 1000, 1000)).unwrap();
    let row = Array2::from_shape_fn((1, 1000), |(_, j)| j as f64);

    let two = Options::new().threads(Threads::Max(NonZeroUsize::new(2).unwrap()));
    let cases: &[(&str, usize)] = &[
        ("2*a + 3*b", 8),
        ("2*a**3 - 4*a**5 + 6*log(a)", 8),
        ("where(a > b, sin(a) - b, cos(b) * a)", 8),
        ("(a > 0.5) & (b < 0.5)", 1),
        ("i*3 + i % 7", 4),
        ("s * a + 1", 8),
        ("g * r", 8),
        ("sum(a*b)", 0),
        ("max(a - b)", 0),
    ];
    for &(expr, item) in cases {
        let v = vars! {
            "a" => &a, "b" => &b, "i" => &i, "s" => strided, "g" => grid, "r" => &row
        };
        let compiled = Expression::for_vars(expr, &v).unwrap();
        for options in [Options::serial(), two] {
            // Warm-up: sizes the expression's pooled scratch.
            drop(compiled.evaluate_with(&v, &options).unwrap());
            let (value, usage) = measure(|| compiled.evaluate_with(&v, &options).unwrap());
            let len: usize = value.shape().iter().product();
            let output = len * item;
            assert_eq!(len, if item == 0 { 1 } else { N }, "{expr}");
            println!(
                "{expr:<40} {:>8} output {output:>9} B, {usage:?}",
                format!("{:?}", options.threads)
            );
            assert!(
                usage.peak <= output + MIB && usage.total <= output + MIB,
                "{expr} ({options:?}): output {output} bytes, but {usage:?}"
            );
            drop(value);
        }
    }

    // The string API, served from its cache after the first call, is held
    // to the same bound; so is the first call of a fresh expression once
    // its parse and compile are done.
    let v = vars! { "a" => &a, "b" => &b };
    drop(ndexpr::evaluate("a*b - 3*a", &v).unwrap());
    let (value, usage) = measure(|| ndexpr::evaluate("a*b - 3*a", &v).unwrap());
    assert!(
        usage.total <= value.shape().iter().product::<usize>() * 8 + MIB,
        "cached string API: {usage:?}"
    );
}

//! Allocation of result arrays.
//!
//! In: a length.  Out: a zero-filled vector ready to be written.
//!
//! A large result is allocated as fresh zeroed pages (`vec![0; n]` is a
//! `calloc`, so there is no zeroing pass), and on Linux the kernel is asked
//! to back it with transparent huge pages (`madvise(MADV_HUGEPAGE)`, what
//! NumPy does for its arrays): writing an 80 MB result otherwise takes about
//! 20,000 page faults, which measured 68 ms against 38 ms with the hint for
//! `2*a + 3*b` over 10^7 float64 on this machine.

/// Results smaller than this get no huge-page hint.
const HUGE_PAGE_HINT_BYTES: usize = 4 << 20;

/// A vector of `len` default (zero) values.
pub fn zeroed<T: Clone + Default>(len: usize) -> Vec<T> {
    let mut v = vec![T::default(); len];
    advise_huge_pages(&mut v);
    v
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
fn advise_huge_pages<T>(v: &mut [T]) {
    const HUGE_PAGE: usize = 2 << 20;
    /// `MADV_HUGEPAGE` on these architectures.
    const MADV_HUGEPAGE: i32 = 14;
    unsafe extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    let bytes = std::mem::size_of_val(v);
    if bytes < HUGE_PAGE_HINT_BYTES {
        return;
    }
    let begin = v.as_mut_ptr() as usize;
    // The huge pages that lie entirely inside the vector.
    let start = begin.next_multiple_of(HUGE_PAGE);
    let end = (begin + bytes) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: [start, end) is page-aligned and lies inside the live
        // allocation of `v`, which we borrow mutably, so no other code
        // uses it.  MADV_HUGEPAGE only tells the kernel how to back the
        // pages; it never changes their contents or their validity, and a
        // failure (old kernel, THP disabled) leaves the memory as it was,
        // so the return value is ignored.  Tested in `tests` below.
        unsafe {
            madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
fn advise_huge_pages<T>(_: &mut [T]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_and_small_vectors_are_zero_and_writable() {
        for len in [0usize, 1, 1000, (4 << 20) / 8 + 3, 3 << 20] {
            let mut v: Vec<f64> = zeroed(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0.0));
            for (i, x) in v.iter_mut().enumerate() {
                *x = i as f64;
            }
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64));
        }
        let b: Vec<bool> = zeroed(5 << 20);
        assert!(b.iter().all(|&x| !x));
    }
}

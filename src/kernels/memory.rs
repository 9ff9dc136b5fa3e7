//! Allocation of result arrays, and the slots kernels write results into.
//!
//! In: a length.  Out: a zero-filled vector ready to be written
//! ([`zeroed`]), or an empty vector with room for the result whose spare
//! capacity the executor fills block by block ([`with_room`], [`commit`]).
//!
//! Element-wise results use the second way, as NumPy's `np.empty` and
//! numexpr do: a zeroed allocation of a size that glibc serves from its
//! heap (below its mmap threshold, which grows to 32 MiB after the first
//! large free) costs a `memset` over the whole result on the calling
//! thread, measured at 12% of `a*b + c` over 10^5 float64, before a single
//! element is computed.  The last instruction of a program instead writes
//! each block of the spare capacity once, with its results: kernels write
//! through [`Slot`]s, which an initialised slice and uninitialised memory
//! both provide.  (Zeroing each block in cache before the kernels
//! overwrote it, as earlier versions did, measured 11% slower on
//! `2*a + 3*b` and `where(a > b, a - b, b - a)` over 10^6 float64.)
//!
//! A large result is allocated as fresh zeroed pages (`vec![0; n]` is a
//! `calloc`, so there is no zeroing pass), and on Linux the kernel is asked
//! to back it with transparent huge pages (`madvise(MADV_HUGEPAGE)`, what
//! NumPy does for its arrays): writing an 80 MB result otherwise takes about
//! 20,000 page faults, which measured 68 ms against 38 ms with the hint for
//! `2*a + 3*b` over 10^7 float64 on this machine.

use std::mem::MaybeUninit;

/// Results smaller than this get no huge-page hint.
const HUGE_PAGE_HINT_BYTES: usize = 4 << 20;

/// A vector of `len` default (zero) values.
pub fn zeroed<T: Clone + Default>(len: usize) -> Vec<T> {
    let mut v = vec![T::default(); len];
    advise_huge_pages(&mut v);
    v
}

/// An empty vector with capacity for `len` elements (huge-page hinted
/// like [`zeroed`]).  Fill `v.spare_capacity_mut()[..len]` through
/// [`init_block`], then [`commit`] it.
pub fn with_room<T>(len: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(len);
    advise_huge_pages(&mut v.spare_capacity_mut()[..len]);
    v
}

/// A place a kernel writes one result into: an element of an initialised
/// slice (`T` itself) or of memory not initialised yet (`MaybeUninit<T>`,
/// a block of a fresh result).  Kernels only ever write through slots,
/// and only whole values, so a slice of slots is initialised once every
/// element has been written, and stays initialised if it was.
pub trait Slot<T: Copy> {
    /// Writes `v` into the slot.
    fn put(&mut self, v: T);
}

impl<T: Copy> Slot<T> for T {
    #[inline(always)]
    fn put(&mut self, v: T) {
        *self = v;
    }
}

impl<T: Copy> Slot<T> for MaybeUninit<T> {
    #[inline(always)]
    fn put(&mut self, v: T) {
        self.write(v);
    }
}

/// Writes `v` into every slot of `out`.
#[inline]
pub fn fill<T: Copy, S: Slot<T>>(out: &mut [S], v: T) {
    for o in out {
        o.put(v);
    }
}

/// Writes `src` into `out`, element by element; the lengths must agree.
#[inline]
pub fn copy<T: Copy, S: Slot<T>>(out: &mut [S], src: &[T]) {
    assert_eq!(out.len(), src.len(), "copy between slices of other lengths");
    for (o, &v) in out.iter_mut().zip(src) {
        o.put(v);
    }
}

/// An initialised slice as slots for a kernel to overwrite (one type of
/// slot for temporaries and fresh results, so that every kernel is
/// compiled once).
///
/// # Safety
///
/// Only [`Slot::put`] may write through the result (never a
/// `MaybeUninit::uninit()`), so that `s` stays initialised; the kernels of
/// this crate write nothing else.
#[inline(always)]
pub unsafe fn as_slots<T: Copy>(s: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: `MaybeUninit<T>` has the layout of `T`, so the slice may be
    // viewed as `[MaybeUninit<T>]`; the caller writes only initialised
    // values through it (see above), so `s` remains initialised.  Tested
    // in `tests` below.
    unsafe { &mut *(s as *mut [T] as *mut [MaybeUninit<T>]) }
}

/// Initialises `block` (with zeros) and returns it as an ordinary slice,
/// for code that needs one (user block functions).
#[inline]
pub fn init_block<T: Copy + Default>(block: &mut [MaybeUninit<T>]) -> &mut [T] {
    for x in block.iter_mut() {
        x.write(T::default());
    }
    // SAFETY: every element of `block` was initialised just above, and
    // `MaybeUninit<T>` has the same size, alignment and layout as `T`, so
    // the slice may be viewed as `[T]`; the returned borrow is the
    // exclusive borrow of `block`, so nothing can de-initialise it
    // meanwhile.  Tested in `tests` below.
    unsafe { &mut *(block as *mut [MaybeUninit<T>] as *mut [T]) }
}

/// Sets the length of `v` to `len` once its spare capacity is written.
///
/// # Safety
///
/// `len <= v.capacity()`, and every element of `v.spare_capacity_mut()[..len]`
/// has been initialised (written through a [`Slot`], for example).
pub unsafe fn commit<T>(v: &mut Vec<T>, len: usize) {
    debug_assert!(len <= v.capacity());
    // SAFETY: the caller guarantees that the first `len` elements are
    // initialised and within the capacity.
    unsafe { v.set_len(len) }
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

    #[test]
    fn blocks_of_spare_capacity_become_the_vector() {
        for len in [0usize, 1, 4097, (4 << 20) / 8 + 3] {
            let mut v: Vec<f64> = with_room(len);
            assert!(v.is_empty() && v.capacity() >= len);
            for (k, chunk) in v.spare_capacity_mut()[..len].chunks_mut(1000).enumerate() {
                let block = init_block(chunk);
                assert!(block.iter().all(|&x| x == 0.0));
                for (i, x) in block.iter_mut().enumerate() {
                    *x = (k * 1000 + i) as f64;
                }
            }
            // SAFETY: every chunk of the first `len` elements went through
            // `init_block`.
            unsafe { commit(&mut v, len) };
            assert_eq!(v.len(), len);
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64));
        }
        let mut b: Vec<bool> = with_room(3);
        let block = init_block(&mut b.spare_capacity_mut()[..3]);
        block[1] = true;
        // SAFETY: the three elements were initialised by `init_block`.
        unsafe { commit(&mut b, 3) };
        assert_eq!(b, [false, true, false]);
    }

    #[test]
    fn slots_of_fresh_and_initialised_memory_take_the_values_written() {
        let mut v: Vec<f64> = with_room(5);
        let block = &mut v.spare_capacity_mut()[..5];
        fill(&mut block[..2], 1.5);
        copy(&mut block[2..], &[2.0, 3.0, 4.0]);
        // SAFETY: `fill` and `copy` wrote the five elements.
        unsafe { commit(&mut v, 5) };
        assert_eq!(v, [1.5, 1.5, 2.0, 3.0, 4.0]);
        let mut w = vec![0i32; 4];
        // SAFETY: only `Slot::put` writes through the slots.
        let slots = unsafe { as_slots(&mut w) };
        slots[1].put(7);
        copy(&mut slots[2..], &[8, 9]);
        assert_eq!(w, [0, 7, 8, 9]);
        let mut plain = [0u8; 3];
        fill(&mut plain, 4);
        assert_eq!(plain, [4, 4, 4]);
    }
}

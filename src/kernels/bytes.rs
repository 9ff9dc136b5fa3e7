//! Byte-string element semantics (NumPy's `S` dtype).
//!
//! In: fixed-width byte strings.  Out: comparison results and `contains`.
//!
//! A fixed-width string is its bytes with trailing NULs removed; two strings
//! of different widths compare as if the shorter were padded with NULs
//! (`b'foo' == b'foo\0\0'`).  Bytes compare as unsigned values, as NumPy
//! does.

use std::cmp::Ordering;

/// The string without its trailing NUL padding.
pub fn trim(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    &s[..end]
}

/// NumPy's ordering of two fixed-width strings.
pub fn compare(a: &[u8], b: &[u8]) -> Ordering {
    trim(a).cmp(trim(b))
}

/// `needle` occurs in `haystack` (both without their padding); the empty
/// needle occurs everywhere.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let (h, n) = (trim(haystack), trim(needle));
    n.is_empty() || h.windows(n.len()).any(|w| w == n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_ignored() {
        assert_eq!(compare(b"foo", b"foo\0\0"), Ordering::Equal);
        assert_eq!(compare(b"ab", b"abc"), Ordering::Less);
        assert_eq!(compare(b"b", b"abc"), Ordering::Greater);
        assert_eq!(compare(b"", b"\0"), Ordering::Equal);
        assert_eq!(compare(b"\xff", b"a"), Ordering::Greater);
    }

    #[test]
    fn substring_search() {
        assert!(contains(b"abc", b"bc"));
        assert!(contains(b"bcd\0", b"bc\0\0"));
        assert!(!contains(b"xyz", b"bc"));
        assert!(!contains(b"", b"bc"));
        assert!(contains(b"abc", b""));
    }
}

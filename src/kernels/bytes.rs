//! Byte-string element semantics (NumPy's `S` dtype).
//!
//! In: fixed-width byte strings.  Out: comparison results and `contains`.
//!
//! A fixed-width string is its bytes with trailing NULs removed; two strings
//! of different widths compare as if the shorter were padded with NULs
//! (`b'foo' == b'foo\0\0'`).  Bytes compare as unsigned values, as NumPy
//! does.  `contains` is numexpr's and reads C strings instead (each
//! operand ends at its first NUL).

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

/// The string up to its first NUL (a C string, as numexpr's `contains`
/// reads its operands).
fn c_string(s: &[u8]) -> &[u8] {
    s.iter().position(|&c| c == 0).map_or(s, |end| &s[..end])
}

/// `needle` occurs in `haystack`, both read as C strings (numexpr's
/// `stringcontains` uses `strnlen`: each ends at its first NUL, padding
/// or not); the empty needle occurs everywhere.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let (h, n) = (c_string(haystack), c_string(needle));
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
        // numexpr reads C strings: both operands end at their first NUL.
        assert!(!contains(b"a\0b", b"b"));
        assert!(contains(b"ab", b"a\0c"));
    }
}

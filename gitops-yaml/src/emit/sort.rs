//! Mapping key order of go-yaml v2 (`sorter.go`, `keyList.Less`) for string keys.
//!
//! Keys are compared code point by code point. At the first difference:
//! - two letters (`unicode.IsLetter`): the lower code point first;
//! - one letter: the non-letter first;
//! - otherwise the digit runs starting there are compared as numbers (a non-digit is an empty
//!   run worth 0; when either character is `0` and the digit run just before it holds a
//!   non-zero digit, both numbers start at 1 so that leading zeros count), then the shorter
//!   run first, then the lower code point.
//!
//! When one key is a prefix of the other the shorter one comes first.
//!
//! The relation is not transitive for some key sets (`"10" < "1a" < "9" < "10"`); Go sorts
//! randomly ordered map keys with it, so such sets have no stable order there. Our sort never
//! panics on such sets and is deterministic for a given input order.

use super::unicode_tables::{DIGIT, LETTER};

/// Whether `c` lies in one of the sorted, disjoint `ranges`.
fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's `unicode.IsLetter`: general category L.
pub(super) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_ranges(LETTER, c)
    }
}

/// Go's `unicode.IsDigit`: general category Nd (only `0`–`9` in Latin-1).
pub(super) fn is_digit(c: char) -> bool {
    if u32::from(c) <= 0xFF {
        c.is_ascii_digit()
    } else {
        in_ranges(DIGIT, c)
    }
}

/// Whether key `a` sorts before key `b`.
pub(super) fn key_less(a: &str, b: &str) -> bool {
    let mut b_chars = b.chars();
    for (pos, ac) in a.char_indices() {
        match b_chars.next() {
            None => return false,
            Some(bc) if bc == ac => {}
            Some(bc) => return differing_less(a, b, pos, ac, bc),
        }
    }
    b_chars.next().is_some()
}

/// Decides the order at the first differing characters `ac`/`bc`, found at byte `pos` of
/// both keys (their prefixes before `pos` are equal).
fn differing_less(a: &str, b: &str, pos: usize, ac: char, bc: char) -> bool {
    let a_letter = is_letter(ac);
    let b_letter = is_letter(bc);
    if a_letter && b_letter {
        return ac < bc;
    }
    if a_letter || b_letter {
        return b_letter;
    }
    let start = if (ac == '0' || bc == '0') && nonzero_digit_before(&a[..pos]) {
        1
    } else {
        0
    };
    let (an, a_len) = digit_run(&a[pos..], start);
    let (bn, b_len) = digit_run(&b[pos..], start);
    if an != bn {
        return an < bn;
    }
    if a_len != b_len {
        return a_len < b_len;
    }
    ac < bc
}

/// Whether the digit run that ends `prefix` holds a digit other than `0`.
fn nonzero_digit_before(prefix: &str) -> bool {
    prefix
        .chars()
        .rev()
        .take_while(|&c| is_digit(c))
        .any(|c| c != '0')
}

/// The value (with Go's wrapping `int64` arithmetic) and length in characters of the digit
/// run at the start of `s`, starting the accumulator at `start`.
fn digit_run(s: &str, start: i64) -> (i64, usize) {
    let mut n = start;
    let mut len = 0;
    for c in s.chars().take_while(|&c| is_digit(c)) {
        n = n
            .wrapping_mul(10)
            .wrapping_add(i64::from(u32::from(c)) - i64::from(u32::from('0')));
        len += 1;
    }
    (n, len)
}

/// Sorts `items` by `less` with a stable merge sort that tolerates non-transitive relations.
pub(super) fn sort_by_less<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    let n = items.len();
    if n <= 16 {
        insertion_sort(items, less);
        return;
    }
    let mid = n / 2;
    sort_by_less(&mut items[..mid], less);
    sort_by_less(&mut items[mid..], less);
    if !less(&items[mid], &items[mid - 1]) {
        return;
    }
    let left = items[..mid].to_vec();
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < left.len() && j < n {
        if less(&items[j], &left[i]) {
            items[k] = items[j];
            j += 1;
        } else {
            items[k] = left[i];
            i += 1;
        }
        k += 1;
    }
    while i < left.len() {
        items[k] = left[i];
        i += 1;
        k += 1;
    }
}

/// Stable insertion sort for short slices.
fn insertion_sort<T>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

//! Sprig's `b64enc`, `b64dec`, `b32enc`, `b32dec` with Go's standard encodings.
//!
//! Decoding errors are not template errors: Sprig returns the error's text as the
//! result (`illegal base64 data at input byte 4`). The decoders follow Go's: newlines
//! are skipped, base64 ignores non-zero trailing bits (`YR==` is `a`), the error offsets
//! are Go's.

use base64::Engine as _;

use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

use super::conv::go_string;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn index_of(alphabet: &[u8], c: u8) -> Option<u32> {
    alphabet.iter().position(|x| *x == c).map(|p| p as u32)
}

fn corrupt(kind: &str, at: usize) -> String {
    format!("illegal {kind} data at input byte {at}")
}

/// Go's `base64.StdEncoding.DecodeString`.
pub(crate) fn b64_decode(src: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut si = 0;
    let nl = |c: u8| c == b'\n' || c == b'\r';
    while si < src.len() {
        let mut dbuf = [0u32; 4];
        let mut dlen = 4;
        let mut trailing = None;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt("base64", si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = index_of(B64, c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if nl(c) {
                continue;
            }
            if c != b'=' {
                return Err(corrupt("base64", si - 1));
            }
            match j {
                0 | 1 => return Err(corrupt("base64", si - 1)),
                2 => {
                    while si < src.len() && nl(src[si]) {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(corrupt("base64", src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(corrupt("base64", si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && nl(src[si]) {
                si += 1;
            }
            if si < src.len() {
                trailing = Some(corrupt("base64", si));
            }
            dlen = j;
            break;
        }
        let val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(e) = trailing {
            return Err(e);
        }
        if dlen < 4 {
            break;
        }
    }
    Ok(out)
}

/// Go's `base32.StdEncoding.DecodeString`.
fn b32_decode(s: &[u8]) -> Result<Vec<u8>, String> {
    let src: Vec<u8> = s
        .iter()
        .copied()
        .filter(|c| *c != b'\n' && *c != b'\r')
        .collect();
    let olen = src.len();
    let mut rest = &src[..];
    let mut out = Vec::new();
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            if rest.is_empty() {
                return Err(corrupt("base32", olen - j));
            }
            let c = rest[0];
            rest = &rest[1..];
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return Err(corrupt("base32", olen));
                }
                for k in 0..7 - j {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(corrupt("base32", olen - rest.len() + k - 1));
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(corrupt("base32", olen - rest.len() - 1));
                }
                break;
            }
            match index_of(B32, c) {
                Some(v) => dbuf[j] = v as u8,
                None => return Err(corrupt("base32", olen - rest.len() - 1)),
            }
            j += 1;
        }
        let mut bits: u64 = 0;
        for d in dbuf {
            bits = bits << 5 | u64::from(d);
        }
        let bytes = bits.to_be_bytes();
        let n = match dlen {
            2 => 1,
            4 => 2,
            5 => 3,
            7 => 4,
            _ => 5,
        };
        out.extend_from_slice(&bytes[3..3 + n]);
    }
    Ok(out)
}

fn b32_encode(src: &[u8]) -> String {
    let mut out = String::new();
    for chunk in src.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(char::from(B32[((bits >> (35 - 5 * i)) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn text(r: Result<Vec<u8>, String>) -> Value {
    match r {
        Ok(b) => Value::str(go_string(&b)),
        Err(e) => Value::str(e),
    }
}

pub(super) fn register(f: &mut Funcs) {
    let arg = |a: &[Value]| a[0].as_str().unwrap_or_default().as_bytes().to_vec();
    f.insert(
        "b64enc",
        Func::new(&[Ty::String], move |a| {
            Ok(Value::str(
                base64::engine::general_purpose::STANDARD.encode(arg(a)),
            ))
        }),
    );
    f.insert(
        "b64dec",
        Func::new(&[Ty::String], move |a| Ok(text(b64_decode(&arg(a))))),
    );
    f.insert(
        "b32enc",
        Func::new(&[Ty::String], move |a| Ok(Value::str(b32_encode(&arg(a))))),
    );
    f.insert(
        "b32dec",
        Func::new(&[Ty::String], move |a| Ok(text(b32_decode(&arg(a))))),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn base64_like_go() {
        assert_eq!(
            show("b64enc", &[s("héllo wörld!?")]),
            "aMOpbGxvIHfDtnJsZCE/"
        );
        assert_eq!(show("b64dec", &[s("aGVsbG8=")]), "hello");
        assert_eq!(
            show("b64dec", &[s("aGVsbG8")]),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            show("b64dec", &[s("!!!")]),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(show("b64dec", &[s("aGk=\n")]), "hi");
        assert_eq!(
            show("b64dec", &[s("aGVsbG8=aGk=")]),
            "illegal base64 data at input byte 8"
        );
        assert_eq!(show("b64dec", &[s("YR==")]), "a");
        assert_eq!(show("b64dec", &[s("/w==")]), "\u{FFFD}");
        assert_eq!(show("b64dec", &[s("")]), "");
    }

    #[test]
    fn base32_like_go() {
        assert_eq!(show("b32enc", &[s("hello")]), "NBSWY3DP");
        assert_eq!(show("b32enc", &[s("a")]), "ME======");
        assert_eq!(show("b32dec", &[s("NBSWY3DP")]), "hello");
        assert_eq!(show("b32dec", &[s("ME======")]), "a");
        assert_eq!(
            show("b32dec", &[s("ME")]),
            "illegal base32 data at input byte 0"
        );
        assert_eq!(
            show("b32dec", &[s("1")]),
            "illegal base32 data at input byte 0"
        );
        assert_eq!(
            show("b32dec", &[s("nbswy3dp")]),
            "illegal base32 data at input byte 0"
        );
    }
}

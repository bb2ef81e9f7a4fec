//! Sprig's hashes, passwords, keys, AES and random values: `sha1sum`, `sha256sum`,
//! `sha512sum`, `adler32sum`, `bcrypt`, `htpasswd`, `derivePassword`, `genPrivateKey`,
//! `encryptAES`, `decryptAES`, `randBytes`, `uuidv4`, `randAlphaNum`, `randAlpha`,
//! `randNumeric`, `randAscii`, `randInt`, `shuffle`. Certificates are in
//! [`super::certs`].
//!
//! Sprig v3.3 has no `md5sum`. `bcrypt` is golang.org/x/crypto's with the default cost 10
//! and the `$2a$` prefix. `encryptAES` is Sprig's own scheme: the password zero-padded or
//! cut to 32 bytes as an AES-256 key, PKCS#7 padding, CBC with a random IV prepended, all
//! base64; `decryptAES` reverses it (and panics as Go does on malformed input: the panic
//! text is the error).

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine as _;
use rand::{Rng, RngCore, seq::SliceRandom};
use sha1::Digest as _;

use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

/// zlib's Adler-32.
pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// x/crypto's `bcrypt.GenerateFromPassword(input, 10)`, or Sprig's failure text.
pub fn bcrypt_hash(input: &str) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(input, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const SEED: &str = "com.lyndir.masterpassword";

fn templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword` (the Master Password algorithm: scrypt N=32768 r=8 p=2, then
/// HMAC-SHA256 choosing a template and its characters).
pub fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    use hmac::Mac as _;
    let Some(temps) = templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = match scrypt::Params::new(15, 8, 2, 64) {
        Ok(p) => p,
        Err(e) => return format!("failed to derive password: {e}"),
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut msg = SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return "failed to derive password".into();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let temp = temps[usize::from(seed[0]) % temps.len()].as_bytes();
    temp.iter()
        .enumerate()
        .map(|(i, &c)| {
            let chars = template_chars(c);
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    key
}

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// Sprig's `encryptAES`.
pub fn encrypt_aes(password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let key = aes_key(password);
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut iv = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut iv);
    let n = content.len();
    let enc = Enc::new(&key.into(), &iv.into());
    let body = match enc.encrypt_padded_mut::<NoPadding>(&mut content, n) {
        Ok(b) => b.to_vec(),
        Err(_) => return String::new(),
    };
    let mut out = iv.to_vec();
    out.extend(body);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Sprig's `decryptAES`, with Go's panics as errors.
pub fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let key = aes_key(password);
    let crypt = super::encoding::b64_decode(crypt64.as_bytes())?;
    if crypt.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            crypt.len()
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let mut buf = body.to_vec();
    let iv: [u8; 16] = iv
        .try_into()
        .map_err(|_| "crypto/cipher: bad IV length".to_string())?;
    let dec = Dec::new(&key.into(), &iv.into());
    let plain = dec
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| "crypto/cipher: input not full blocks".to_string())?;
    let Some(&last) = plain.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let end = plain.len() as i64 - i64::from(last);
    if end < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{end}]"));
    }
    Ok(super::conv::go_string(&plain[..end as usize]))
}

/// A version 4 UUID as `github.com/google/uuid` prints it.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// goutils' `CryptoRandom(count, …)` over `chars`; `""` for a negative count (goutils'
/// error, which Sprig drops).
fn random_string(count: i64, chars: &[u8]) -> String {
    if count <= 0 {
        return String::new();
    }
    let mut rng = rand::rngs::OsRng;
    (0..count)
        .map(|_| char::from(chars[rng.gen_range(0..chars.len())]))
        .collect()
}

const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &[u8] = b"0123456789";

/// Go's `pem.EncodeToMemory`: base64 in lines of 64 characters between the markers.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Sprig's `genPrivateKey`: `rsa` (4096 bits, PKCS#1 `RSA PRIVATE KEY`), `ecdsa` (P-256,
/// SEC 1 `EC PRIVATE KEY`), `ed25519` (PKCS#8 `PRIVATE KEY` without the public key, as
/// Go's `MarshalPKCS8PrivateKey`), `dsa` (L2048N256, `DSA PRIVATE KEY` in Sprig's
/// `DSAKeyFormat`: `SEQUENCE { 0, P, Q, G, Y, X }`; generating the parameters takes seconds).
pub fn gen_private_key(kind: &str) -> String {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    match kind {
        "" | "rsa" => match rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 4096) {
            Ok(k) => match k.to_pkcs1_der() {
                Ok(der) => pem_encode("RSA PRIVATE KEY", der.as_bytes()),
                Err(e) => format!("failed to generate private key: {e}"),
            },
            Err(e) => format!("failed to generate private key: {e}"),
        },
        "ecdsa" => pem_encode(
            "EC PRIVATE KEY",
            &ec_sec1_der(&p256::SecretKey::random(&mut rand::rngs::OsRng)),
        ),
        "ed25519" => pem_encode("PRIVATE KEY", &ed25519_pkcs8(&random_seed())),
        "dsa" => {
            let params =
                dsa::Components::generate(&mut rand::rngs::OsRng, dsa::KeySize::DSA_2048_256);
            let key = dsa::SigningKey::generate(&mut rand::rngs::OsRng, params);
            pem_encode("DSA PRIVATE KEY", &dsa_der(&key))
        }
        other => format!("Unknown type {other}"),
    }
}

fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    seed
}

/// The SEC 1 DER Go's `x509.MarshalECPrivateKey` writes for a P-256 key: version 1, the
/// 32-byte secret, the curve OID and the uncompressed public point.
pub fn ec_sec1_der(k: &p256::SecretKey) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    let mut der = vec![0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend_from_slice(&k.to_bytes());
    der.extend_from_slice(&[
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ]);
    der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
    der.extend_from_slice(k.public_key().to_encoded_point(false).as_bytes());
    der
}

/// A DER length.
fn der_len(n: usize, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

/// A DER INTEGER of a non-negative big-endian magnitude.
fn der_uint(be: &[u8], out: &mut Vec<u8>) {
    let be: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    let mut body = Vec::with_capacity(be.len() + 1);
    if be.first().is_none_or(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend(be);
    out.push(0x02);
    der_len(body.len(), out);
    out.extend(body);
}

/// Sprig's `DSAKeyFormat` DER of a DSA key.
pub fn dsa_der(k: &dsa::SigningKey) -> Vec<u8> {
    let c = k.verifying_key().components();
    let mut body = Vec::new();
    der_uint(&[0], &mut body);
    for n in [c.p(), c.q(), c.g(), k.verifying_key().y(), k.x()] {
        der_uint(&n.to_bytes_be(), &mut body);
    }
    let mut der = vec![0x30];
    der_len(body.len(), &mut der);
    der.extend(body);
    der
}

/// The PKCS#8 DER Go writes for an Ed25519 private key `seed`.
pub fn ed25519_pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    der
}

/// Registers the functions of this module.
pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "sha1sum",
        Func::new(&[Ty::String], |a| {
            Ok(Value::str(hex(&sha1::Sha1::digest(s(&a[0]).as_bytes()))))
        }),
    );
    f.insert(
        "sha256sum",
        Func::new(&[Ty::String], |a| {
            Ok(Value::str(hex(&sha2::Sha256::digest(s(&a[0]).as_bytes()))))
        }),
    );
    f.insert(
        "sha512sum",
        Func::new(&[Ty::String], |a| {
            Ok(Value::str(hex(&sha2::Sha512::digest(s(&a[0]).as_bytes()))))
        }),
    );
    f.insert(
        "adler32sum",
        Func::new(&[Ty::String], |a| {
            Ok(Value::str(adler32(s(&a[0]).as_bytes()).to_string()))
        }),
    );
    f.insert(
        "bcrypt",
        Func::new(&[Ty::String], |a| Ok(Value::str(bcrypt_hash(s(&a[0]))))),
    );
    f.insert(
        "htpasswd",
        Func::new(&[Ty::String, Ty::String], |a| {
            let user = s(&a[0]);
            if user.contains(':') {
                return Ok(Value::str(format!("invalid username: {user}")));
            }
            Ok(Value::str(format!("{user}:{}", bcrypt_hash(s(&a[1])))))
        }),
    );
    f.insert(
        "derivePassword",
        Func::new(
            &[Ty::Any, Ty::String, Ty::String, Ty::String, Ty::String],
            |a| {
                let counter = match &a[0] {
                    Value::Int(i) | Value::Int64(i) if u32::try_from(*i).is_ok() => *i as u32,
                    Value::Uint64(u) if u32::try_from(*u).is_ok() => *u as u32,
                    other => {
                        return Err(format!(
                            "wrong type for value; expected uint32; got {}",
                            other.type_name()
                        ));
                    }
                };
                Ok(Value::str(derive_password(
                    counter,
                    s(&a[1]),
                    s(&a[2]),
                    s(&a[3]),
                    s(&a[4]),
                )))
            },
        ),
    );
    f.insert(
        "encryptAES",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::str(encrypt_aes(s(&a[0]), s(&a[1]))))
        }),
    );
    f.insert(
        "decryptAES",
        Func::new(&[Ty::String, Ty::String], |a| {
            decrypt_aes(s(&a[0]), s(&a[1])).map(Value::str)
        }),
    );
    f.insert(
        "randBytes",
        Func::new(&[Ty::Int], |a| {
            let n = int(&a[0]);
            if n < 0 {
                return Err("runtime error: makeslice: len out of range".into());
            }
            let mut b = vec![0u8; n as usize];
            rand::rngs::OsRng.fill_bytes(&mut b);
            Ok(Value::str(
                base64::engine::general_purpose::STANDARD.encode(b),
            ))
        }),
    );
    f.insert(
        "genPrivateKey",
        Func::new(&[Ty::String], |a| Ok(Value::str(gen_private_key(s(&a[0]))))),
    );
    f.insert("uuidv4", Func::new(&[], |_| Ok(Value::str(uuid_v4()))));
    f.insert(
        "randAlphaNum",
        Func::new(&[Ty::Int], |a| {
            Ok(Value::str(random_string(int(&a[0]), ALNUM)))
        }),
    );
    f.insert(
        "randAlpha",
        Func::new(&[Ty::Int], |a| {
            Ok(Value::str(random_string(int(&a[0]), ALPHA)))
        }),
    );
    f.insert(
        "randNumeric",
        Func::new(&[Ty::Int], |a| {
            Ok(Value::str(random_string(int(&a[0]), DIGITS)))
        }),
    );
    f.insert(
        "randAscii",
        Func::new(&[Ty::Int], |a| {
            let ascii: Vec<u8> = (32u8..=126).collect();
            Ok(Value::str(random_string(int(&a[0]), &ascii)))
        }),
    );
    f.insert(
        "randInt",
        Func::new(&[Ty::Int, Ty::Int], |a| {
            let (min, max) = (int(&a[0]), int(&a[1]));
            if max - min <= 0 {
                return Err("invalid argument to Intn".into());
            }
            Ok(Value::Int(rand::thread_rng().gen_range(0..max - min) + min))
        }),
    );
    f.insert(
        "shuffle",
        Func::new(&[Ty::String], |a| {
            let mut chars: Vec<char> = s(&a[0]).chars().collect();
            chars.shuffle(&mut rand::thread_rng());
            Ok(Value::str(chars.into_iter().collect::<String>()))
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_known_digests() {
        assert_eq!(adler32(b"Wikipedia"), 300_286_872);
        assert_eq!(
            hex(&sha2::Sha256::digest(b"abc"))[..16],
            *"ba7816bf8f01cfea"
        );
    }

    #[test]
    fn aes_round_trips_and_fails_like_go() {
        let c = encrypt_aes("secret", "hello world, this is longer than a block");
        assert_eq!(
            decrypt_aes("secret", &c).unwrap(),
            "hello world, this is longer than a block"
        );
        assert_eq!(
            decrypt_aes("k", "YWJj").unwrap_err(),
            "runtime error: slice bounds out of range [:16] with capacity 3"
        );
    }

    #[test]
    fn uuid_has_version_and_variant() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}

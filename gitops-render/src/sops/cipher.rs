//! SOPS' value cipher: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM with the
//! IV's length as nonce size (32 bytes in every SOPS version) and the key path as
//! additional data.

use std::sync::LazyLock;

use aes_gcm::aead::consts::{U12, U32};
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aes::Aes256;
use aes_gcm::{AeadInPlace, AesGcm, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A decrypted leaf, typed by the `type:` field of the encrypted value.
#[derive(Clone, Debug, PartialEq)]
pub enum Plain {
    /// `type:str`.
    Str(String),
    /// `type:int`.
    Int(i64),
    /// `type:float`.
    Float(f64),
    /// `type:bool`.
    Bool(bool),
    /// `type:bytes`.
    Bytes(Vec<u8>),
    /// `type:time`, kept as its RFC 3339 text.
    Time(String),
    /// `type:comment`.
    Comment(String),
}

impl Plain {
    /// SOPS' `ToBytes`: what the MAC hashes for this value.
    pub fn mac_bytes(&self) -> Vec<u8> {
        match self {
            Plain::Str(s) | Plain::Time(s) | Plain::Comment(s) => s.as_bytes().to_vec(),
            Plain::Int(i) => i.to_string().into_bytes(),
            Plain::Float(f) => format_float(*f).into_bytes(),
            Plain::Bool(b) => if *b { "True" } else { "False" }.as_bytes().to_vec(),
            Plain::Bytes(b) => b.clone(),
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, no exponent.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{f}")
    }
}

#[allow(clippy::expect_used)]
static ENC_RE: LazyLock<regex_lite::Regex> = LazyLock::new(|| {
    regex_lite::Regex::new(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")
        .expect("static regex")
});

/// Decrypts one value. An empty string is returned as an empty string (SOPS never
/// encrypts empty values). Messages are SOPS'.
pub fn decrypt(ciphertext: &str, key: &[u8], additional_data: &str) -> Result<Plain, String> {
    if ciphertext.is_empty() {
        return Ok(Plain::Str(String::new()));
    }
    let caps = ENC_RE
        .captures(ciphertext)
        .ok_or_else(|| format!("Input string {ciphertext} does not match sops' data format"))?;
    let field = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let data = STANDARD
        .decode(field(1))
        .map_err(|e| format!("Error base64-decoding data: {e}"))?;
    let iv = STANDARD
        .decode(field(2))
        .map_err(|e| format!("Error base64-decoding iv: {e}"))?;
    let tag = STANDARD
        .decode(field(3))
        .map_err(|e| format!("Error base64-decoding tag: {e}"))?;
    let datatype = field(4);
    if key.len() != 32 {
        return Err(format!("crypto/aes: invalid key size {}", key.len()));
    }
    if tag.len() != 16 {
        return Err(
            "Could not decrypt with AES_GCM: cipher: message authentication failed".to_string(),
        );
    }
    let mut buf = data;
    let tag = GenericArray::from_slice(&tag);
    let key = GenericArray::from_slice(key);
    let opened = match iv.len() {
        32 => AesGcm::<Aes256, U32>::new(key).decrypt_in_place_detached(
            GenericArray::from_slice(&iv),
            additional_data.as_bytes(),
            &mut buf,
            tag,
        ),
        12 => AesGcm::<Aes256, U12>::new(key).decrypt_in_place_detached(
            GenericArray::from_slice(&iv),
            additional_data.as_bytes(),
            &mut buf,
            tag,
        ),
        n => return Err(format!("unsupported AES-GCM nonce size {n}")),
    };
    opened.map_err(|_| {
        "Could not decrypt with AES_GCM: cipher: message authentication failed".to_string()
    })?;
    let text = || String::from_utf8_lossy(&buf).into_owned();
    Ok(match datatype {
        "str" => Plain::Str(text()),
        "int" => Plain::Int(
            go_atoi(&text())
                .ok_or_else(|| format!("strconv.Atoi: parsing {:?}: invalid syntax", text()))?,
        ),
        "float" => Plain::Float(
            text()
                .parse::<f64>()
                .map_err(|_| format!("strconv.ParseFloat: parsing {:?}: invalid syntax", text()))?,
        ),
        "bool" => {
            Plain::Bool(go_parse_bool(&text()).ok_or_else(|| {
                format!("strconv.ParseBool: parsing {:?}: invalid syntax", text())
            })?)
        }
        "bytes" => Plain::Bytes(buf),
        "time" => Plain::Time(text()),
        "comment" => Plain::Comment(text()),
        other => return Err(format!("Unknown datatype: {other}")),
    })
}

fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

//! Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`) ↔ the JSON objects the
//! same clients would have sent.
//!
//! `kubectl create configmap|secret|namespace` and Helm's release Secrets POST/PUT protobuf
//! (KUBE-API-FACTS §0.1): magic `6b 38 73 00`, then a `runtime.Unknown` {1 typeMeta {1
//! apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType} whose `raw` is the object in
//! its `generated.proto` encoding. [`decode_body`] turns that into the JSON object (what
//! `--dry-run=client -o json` prints, minus `creationTimestamp: null`); [`encode_object`] does
//! the reverse for clients that accept only protobuf (kubectl and Helm accept JSON replies, so
//! the server need not use it).
//!
//! The decoder is generic: one field table per message (`schema.rs`, generated from `k8s-pb`'s
//! tags) drives both directions. Kinds: see [`supported_kinds`].
//!
//! ```
//! use gitops_devcluster::protobuf::{decode_body, encode_object};
//! use serde_json::json;
//! let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
//!                 "metadata": {"name": "x", "labels": {"a": "b"}}, "data": {"k": "v"}});
//! let bytes = encode_object(&cm).expect("encodes");
//! assert_eq!(&bytes[..4], b"k8s\0");
//! assert_eq!(decode_body(&bytes).expect("decodes"), cm);
//! ```
#[rustfmt::skip]
mod schema;
mod wire;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use schema::{F, KINDS, Mode, Msg, Ty, V};
use serde_json::{Map, Value};
use wire::{Reader, Wire, Writer};

use crate::status::{Reason, Status};

/// The protobuf media type of Kubernetes.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The four bytes every Kubernetes protobuf body starts with (`k8s\0`).
pub const MAGIC: [u8; 4] = [0x6b, 0x38, 0x73, 0x00];

const MAX_DEPTH: usize = 64;

/// Why a protobuf body could not be decoded or an object not encoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The body lacks the `k8s\0` prefix.
    #[error(
        "the protobuf body does not start with the Kubernetes magic bytes 6b 38 73 00 (\"k8s\\0\")"
    )]
    Magic,
    /// Broken wire data.
    #[error("malformed protobuf body: {context}: {reason}")]
    Malformed {
        /// Message (and field) being read.
        context: String,
        /// What was wrong.
        reason: String,
    },
    /// A kind this server has no protobuf table for.
    #[error(
        "protobuf request bodies of kind {kind} ({api_version}) are not supported by this server; send application/json"
    )]
    UnsupportedKind {
        /// `typeMeta.apiVersion`.
        api_version: String,
        /// `typeMeta.kind`.
        kind: String,
    },
    /// `contentEncoding` other than empty (the real server supports none either).
    #[error("protobuf bodies with contentEncoding {0:?} are not supported")]
    ContentEncoding(String),
    /// A JSON value that does not fit the field's protobuf type.
    #[error("cannot encode {path} as protobuf: {reason}")]
    Encode {
        /// JSON path of the value.
        path: String,
        /// What was wrong.
        reason: String,
    },
}

impl Error {
    /// The HTTP code a server answers with: 415 for an unsupported kind, else 400.
    pub fn code(&self) -> u16 {
        match self {
            Error::UnsupportedKind { .. } => 415,
            _ => 400,
        }
    }

    /// The Kubernetes `Status` for this error (415 UnsupportedMediaType or 400 BadRequest).
    pub fn to_status(&self) -> Status {
        match self {
            Error::UnsupportedKind { .. } => Status {
                code: 415,
                reason: Reason::UnsupportedMediaType,
                message: self.to_string(),
                details: None,
            },
            _ => Status::bad_request(self.to_string()),
        }
    }
}

/// `true` when a `Content-Type` header names the Kubernetes protobuf media type.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(MEDIA_TYPE))
}

/// The (apiVersion, kind) pairs [`decode_body`] and [`encode_object`] understand.
pub fn supported_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    KINDS.iter().map(|(av, k, _)| (*av, *k))
}

fn schema_for(api_version: &str, kind: &str) -> Result<&'static Msg, Error> {
    KINDS
        .iter()
        .find(|(av, k, _)| *av == api_version && *k == kind)
        .map(|(_, _, m)| *m)
        .ok_or_else(|| Error::UnsupportedKind {
            api_version: api_version.into(),
            kind: kind.into(),
        })
}

fn malformed(context: &str, reason: impl Into<String>) -> Error {
    Error::Malformed {
        context: context.into(),
        reason: reason.into(),
    }
}

/// Decodes a protobuf request body into the JSON object (with `apiVersion` and `kind`).
pub fn decode_body(bytes: &[u8]) -> Result<Value, Error> {
    let rest = bytes.strip_prefix(&MAGIC[..]).ok_or(Error::Magic)?;
    let (mut api_version, mut kind, mut raw, mut encoding) =
        (String::new(), String::new(), &[][..], String::new());
    let mut r = Reader::new(rest);
    while !r.done() {
        let (tag, w) = r.field().map_err(|e| malformed("runtime.Unknown", e))?;
        match (tag, w) {
            (1, Wire::Bytes(b)) => {
                let mut t = Reader::new(b);
                while !t.done() {
                    match t.field().map_err(|e| malformed("runtime.TypeMeta", e))? {
                        (1, Wire::Bytes(s)) => {
                            api_version = utf8(s, "runtime.TypeMeta.apiVersion")?
                        }
                        (2, Wire::Bytes(s)) => kind = utf8(s, "runtime.TypeMeta.kind")?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(b)) => raw = b,
            (3, Wire::Bytes(s)) => encoding = utf8(s, "runtime.Unknown.contentEncoding")?,
            _ => {}
        }
    }
    if !encoding.is_empty() {
        return Err(Error::ContentEncoding(encoding));
    }
    let msg = schema_for(&api_version, &kind)?;
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String(api_version));
    obj.insert("kind".into(), Value::String(kind));
    decode_msg(msg, raw, 0, &mut obj)?;
    Ok(Value::Object(obj))
}

fn utf8(b: &[u8], context: &str) -> Result<String, Error> {
    String::from_utf8(b.to_vec()).map_err(|_| malformed(context, "string is not valid UTF-8"))
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Null => true,
        _ => false,
    }
}

/// Decodes `bytes` as `msg`, adding its fields to `out`.
fn decode_msg(
    msg: &Msg,
    bytes: &[u8],
    depth: usize,
    out: &mut Map<String, Value>,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(malformed(msg.name, "messages nested too deeply"));
    }
    let mut r = Reader::new(bytes);
    while !r.done() {
        let (tag, w) = r.field().map_err(|e| malformed(msg.name, e))?;
        let Some(f) = msg.fields.iter().find(|f| f.tag == tag) else {
            continue;
        };
        let ctx = || format!("{}.{}", msg.name, f.json);
        match (f.mode, f.ty) {
            (Mode::Inline, Ty::Msg(m)) => {
                let Wire::Bytes(b) = w else {
                    return Err(malformed(&ctx(), "expected a length-delimited message"));
                };
                decode_msg(m, b, depth + 1, out)?;
            }
            (_, Ty::Map(v)) => {
                let Wire::Bytes(b) = w else {
                    return Err(malformed(&ctx(), "expected a map entry"));
                };
                let (k, val) = decode_entry(v, b).map_err(|e| malformed(&ctx(), e))?;
                let map = out
                    .entry(f.json)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = map {
                    m.insert(k, val);
                }
            }
            _ if f.rep => {
                let items = decode_repeated(f, w, depth).map_err(|e| e.with_context(&ctx()))?;
                let arr = out
                    .entry(f.json)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = arr {
                    a.extend(items);
                }
            }
            _ => {
                let v = decode_value(f.ty, w, depth).map_err(|e| e.with_context(&ctx()))?;
                let omit = match f.ty {
                    Ty::Msg(_) => false,
                    Ty::Time | Ty::MicroTime => v.is_null() && f.mode == Mode::OmitZero,
                    _ => f.mode == Mode::OmitZero && is_zero(&v),
                };
                if omit {
                    out.remove(f.json);
                } else if let (Value::Object(new), Some(Value::Object(old))) =
                    (&v, out.get_mut(f.json))
                {
                    // A repeated occurrence of a singular message merges (protobuf semantics).
                    old.extend(new.clone());
                } else {
                    out.insert(f.json.into(), v);
                }
            }
        }
    }
    Ok(())
}

impl Error {
    fn with_context(self, context: &str) -> Error {
        match self {
            Error::Malformed { context: c, reason } if c.is_empty() => Error::Malformed {
                context: context.into(),
                reason,
            },
            e => e,
        }
    }
}

fn decode_repeated(f: &F, w: Wire<'_>, depth: usize) -> Result<Vec<Value>, Error> {
    // Packed scalars (proto3 style) are accepted too.
    if let (Ty::I32 | Ty::I64 | Ty::Bool, Wire::Bytes(b)) = (f.ty, &w) {
        let mut r = Reader::new(b);
        let mut out = Vec::new();
        while !r.done() {
            let v = r.varint().map_err(|e| malformed("", e))?;
            out.push(decode_value(f.ty, Wire::Varint(v), depth)?);
        }
        return Ok(out);
    }
    Ok(vec![decode_value(f.ty, w, depth)?])
}

fn decode_entry(v: V, b: &[u8]) -> Result<(String, Value), String> {
    let mut r = Reader::new(b);
    let (mut key, mut val) = (String::new(), None);
    while !r.done() {
        match r.field()? {
            (1, Wire::Bytes(s)) => {
                key = String::from_utf8(s.to_vec()).map_err(|_| "map key is not UTF-8")?
            }
            (2, w) => {
                let ty = match v {
                    V::Str => Ty::Str,
                    V::Bytes => Ty::Bytes,
                    V::Quantity => Ty::Quantity,
                    V::Time => Ty::Time,
                };
                val = Some(decode_value(ty, w, 1).map_err(|e| e.to_string())?);
            }
            _ => {}
        }
    }
    let default = match v {
        V::Time => Value::Null,
        _ => Value::String(String::new()),
    };
    Ok((key, val.unwrap_or(default)))
}

/// Sub-fields of a small message as (tag, wire value) pairs.
fn sub_fields<'a>(w: Wire<'a>, name: &str) -> Result<Vec<(u32, Wire<'a>)>, Error> {
    let Wire::Bytes(b) = w else {
        return Err(malformed(name, "expected a length-delimited message"));
    };
    let mut r = Reader::new(b);
    let mut out = Vec::new();
    while !r.done() {
        out.push(r.field().map_err(|e| malformed(name, e))?);
    }
    Ok(out)
}

fn decode_value(ty: Ty, w: Wire<'_>, depth: usize) -> Result<Value, Error> {
    let wrong = || malformed("", "value has the wrong wire type");
    Ok(match ty {
        Ty::Str => match w {
            Wire::Bytes(b) => Value::String(utf8(b, "")?),
            _ => return Err(wrong()),
        },
        Ty::Bytes => match w {
            Wire::Bytes(b) => Value::String(B64.encode(b)),
            _ => return Err(wrong()),
        },
        Ty::Bool => match w {
            Wire::Varint(v) => Value::Bool(v != 0),
            _ => return Err(wrong()),
        },
        Ty::I32 => match w {
            Wire::Varint(v) => Value::from(v as i64 as i32),
            _ => return Err(wrong()),
        },
        Ty::I64 => match w {
            Wire::Varint(v) => Value::from(v as i64),
            _ => return Err(wrong()),
        },
        Ty::F64 => match w {
            Wire::Fixed64(v) => {
                serde_json::Number::from_f64(f64::from_bits(v)).map_or(Value::Null, Value::Number)
            }
            _ => return Err(wrong()),
        },
        Ty::Time | Ty::MicroTime => {
            let fields = sub_fields(w, "metav1.Time")?;
            if fields.is_empty() {
                return Ok(Value::Null);
            }
            let (mut secs, mut nanos) = (0i64, 0i32);
            for (tag, v) in fields {
                match (tag, v) {
                    (1, Wire::Varint(s)) => secs = s as i64,
                    (2, Wire::Varint(n)) => nanos = n as i64 as i32,
                    _ => {}
                }
            }
            let micro = matches!(ty, Ty::MicroTime);
            Value::String(
                wire::format_time(secs, nanos, micro).map_err(|e| malformed("metav1.Time", e))?,
            )
        }
        Ty::Duration => {
            let mut nanos = 0i64;
            for (tag, v) in sub_fields(w, "metav1.Duration")? {
                if let (1, Wire::Varint(n)) = (tag, v) {
                    nanos = n as i64;
                }
            }
            Value::String(wire::format_duration(nanos))
        }
        Ty::Fields | Ty::Raw => {
            let mut raw: &[u8] = &[];
            for (tag, v) in sub_fields(w, "raw JSON")? {
                if let (1, Wire::Bytes(b)) = (tag, v) {
                    raw = b;
                }
            }
            if raw.is_empty() {
                Value::Object(Map::new())
            } else {
                serde_json::from_slice(raw).map_err(|e| malformed("raw JSON", e.to_string()))?
            }
        }
        Ty::IntOrString => {
            let (mut kind, mut int, mut text) = (0u64, 0i32, String::new());
            for (tag, v) in sub_fields(w, "intstr.IntOrString")? {
                match (tag, v) {
                    (1, Wire::Varint(k)) => kind = k,
                    (2, Wire::Varint(i)) => int = i as i64 as i32,
                    (3, Wire::Bytes(s)) => text = utf8(s, "intstr.IntOrString.strVal")?,
                    _ => {}
                }
            }
            if kind == 1 {
                Value::String(text)
            } else {
                Value::from(int)
            }
        }
        Ty::Quantity => {
            let mut text = String::new();
            for (tag, v) in sub_fields(w, "resource.Quantity")? {
                if let (1, Wire::Bytes(s)) = (tag, v) {
                    text = utf8(s, "resource.Quantity")?;
                }
            }
            Value::String(text)
        }
        Ty::Msg(m) => {
            let Wire::Bytes(b) = w else {
                return Err(wrong());
            };
            let mut obj = Map::new();
            decode_msg(m, b, depth + 1, &mut obj)?;
            Value::Object(obj)
        }
        Ty::Map(_) => return Err(wrong()),
    })
}

/// Encodes a JSON object (with `apiVersion` and `kind`) as a Kubernetes protobuf body.
pub fn encode_object(value: &Value) -> Result<Vec<u8>, Error> {
    let obj = value
        .as_object()
        .ok_or_else(|| enc("$", "expected a JSON object"))?;
    let api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let msg = schema_for(api_version, kind)?;
    let mut raw = Writer::default();
    encode_msg(msg, obj, "", &mut raw)?;
    let mut type_meta = Writer::default();
    type_meta.bytes(1, api_version.as_bytes());
    type_meta.bytes(2, kind.as_bytes());
    let mut unknown = Writer {
        buf: MAGIC.to_vec(),
    };
    unknown.bytes(1, &type_meta.buf);
    unknown.bytes(2, &raw.buf);
    unknown.bytes(3, b"");
    unknown.bytes(4, b"");
    Ok(unknown.buf)
}

fn enc(path: &str, reason: &str) -> Error {
    Error::Encode {
        path: if path.is_empty() {
            "$".into()
        } else {
            path.into()
        },
        reason: reason.into(),
    }
}

fn encode_msg(
    msg: &Msg,
    obj: &Map<String, Value>,
    path: &str,
    w: &mut Writer,
) -> Result<(), Error> {
    let mut fields: Vec<&F> = msg.fields.iter().collect();
    fields.sort_by_key(|f| f.tag);
    for f in fields {
        if let (Mode::Inline, Ty::Msg(m)) = (f.mode, f.ty) {
            let mut sub = Writer::default();
            encode_msg(m, obj, path, &mut sub)?;
            w.bytes(f.tag, &sub.buf);
            continue;
        }
        let Some(v) = obj.get(f.json) else { continue };
        let p = format!("{path}.{}", f.json);
        match (f.ty, v) {
            (_, Value::Null) => {}
            (Ty::Map(vt), Value::Object(m)) => {
                for (k, item) in m {
                    let mut entry = Writer::default();
                    entry.bytes(1, k.as_bytes());
                    let ty = match vt {
                        V::Str => Ty::Str,
                        V::Bytes => Ty::Bytes,
                        V::Quantity => Ty::Quantity,
                        V::Time => Ty::Time,
                    };
                    encode_value(ty, 2, item, &format!("{p}.{k}"), &mut entry)?;
                    w.bytes(f.tag, &entry.buf);
                }
            }
            (Ty::Map(_), _) => return Err(enc(&p, "expected an object")),
            (_, Value::Array(items)) if f.rep => {
                for (i, item) in items.iter().enumerate() {
                    encode_value(f.ty, f.tag, item, &format!("{p}[{i}]"), w)?;
                }
            }
            _ if f.rep => return Err(enc(&p, "expected an array")),
            _ => encode_value(f.ty, f.tag, v, &p, w)?,
        }
    }
    Ok(())
}

fn encode_value(ty: Ty, tag: u32, v: &Value, p: &str, w: &mut Writer) -> Result<(), Error> {
    let text = |what: &str| {
        v.as_str()
            .ok_or_else(|| enc(p, &format!("expected {what}")))
    };
    match ty {
        Ty::Str => w.bytes(tag, text("a string")?.as_bytes()),
        Ty::Bytes => {
            let b = B64
                .decode(text("a base64 string")?)
                .map_err(|_| enc(p, "invalid base64"))?;
            w.bytes(tag, &b);
        }
        Ty::Bool => w.uint(
            tag,
            u64::from(v.as_bool().ok_or_else(|| enc(p, "expected a boolean"))?),
        ),
        Ty::I32 | Ty::I64 => w.uint(
            tag,
            v.as_i64().ok_or_else(|| enc(p, "expected an integer"))? as u64,
        ),
        Ty::F64 => w.fixed64(
            tag,
            v.as_f64()
                .ok_or_else(|| enc(p, "expected a number"))?
                .to_bits(),
        ),
        Ty::Time | Ty::MicroTime => {
            let parsed = wire::parse_time(text("an RFC 3339 time")?);
            let (secs, nanos) = parsed.ok_or_else(|| enc(p, "invalid RFC 3339 time"))?;
            let mut sub = Writer::default();
            sub.uint(1, secs as u64);
            sub.uint(2, nanos as i64 as u64);
            w.bytes(tag, &sub.buf);
        }
        Ty::Duration => {
            let nanos = wire::parse_duration(text("a duration")?)
                .ok_or_else(|| enc(p, "invalid duration"))?;
            let mut sub = Writer::default();
            sub.uint(1, nanos as u64);
            w.bytes(tag, &sub.buf);
        }
        Ty::Fields | Ty::Raw => {
            let raw = serde_json::to_vec(v).map_err(|e| enc(p, &e.to_string()))?;
            let mut sub = Writer::default();
            sub.bytes(1, &raw);
            w.bytes(tag, &sub.buf);
        }
        Ty::IntOrString => {
            let mut sub = Writer::default();
            match v {
                Value::String(s) => {
                    sub.uint(1, 1);
                    sub.uint(2, 0);
                    sub.bytes(3, s.as_bytes());
                }
                _ => {
                    let i = v
                        .as_i64()
                        .ok_or_else(|| enc(p, "expected an integer or a string"))?;
                    sub.uint(1, 0);
                    sub.uint(2, i as u64);
                    sub.bytes(3, b"");
                }
            }
            w.bytes(tag, &sub.buf);
        }
        Ty::Quantity => {
            let s = match v {
                Value::Number(n) => n.to_string(),
                _ => text("a quantity")?.to_string(),
            };
            let mut sub = Writer::default();
            sub.bytes(1, s.as_bytes());
            w.bytes(tag, &sub.buf);
        }
        Ty::Msg(m) => {
            let o = v.as_object().ok_or_else(|| enc(p, "expected an object"))?;
            let mut sub = Writer::default();
            encode_msg(m, o, p, &mut sub)?;
            w.bytes(tag, &sub.buf);
        }
        Ty::Map(_) => return Err(enc(p, "unexpected map")),
    }
    Ok(())
}

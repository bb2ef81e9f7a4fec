//! The write log: one length-prefixed, checksummed record per committed write.
//!
//! # Format
//! A record is `len: u32 LE | fnv1a64(payload): u64 LE | payload`, where the payload is the
//! compact JSON of [`Record`]. A record is appended with one `write` and made durable with
//! `fdatasync` before the write is acknowledged. A record cut short by a crash (too few
//! bytes, or a checksum that does not match) ends the log: [`read`] reports it as a torn
//! tail and recovery drops it with a warning.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::PersistError;

/// Bytes before the payload: length and checksum.
const HEADER: usize = 12;

/// The largest payload accepted when reading (a request body is at most 3 MiB; the
/// stored object can grow by metadata, so leave generous room).
const MAX_PAYLOAD: usize = 64 * 1024 * 1024;

/// FNV-1a, 64 bits: the record checksum (detects torn and partly written records).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// One committed write as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The revision the write took.
    pub rv: u64,
    /// API group (empty = core).
    pub group: String,
    /// Resource (plural).
    pub resource: String,
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `ADDED`, `MODIFIED` or `DELETED`.
    #[serde(rename = "type")]
    pub event: String,
    /// The object as stored (for `DELETED`: its final state).
    pub object: Value,
}

/// The borrowed form written by the journal (no copy of the object).
#[derive(Serialize)]
pub(crate) struct RecordRef<'a> {
    pub(crate) rv: u64,
    pub(crate) group: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    #[serde(rename = "type")]
    pub(crate) event: &'a str,
    pub(crate) object: &'a Value,
}

/// Encodes one record (header plus payload) ready to append. A payload over
/// [`MAX_PAYLOAD`] is refused: [`read`] would take it for a torn tail and drop it together
/// with every later record (objects can outgrow a request body through repeated patches).
pub(crate) fn encode(record: &RecordRef<'_>) -> Result<Vec<u8>, std::io::Error> {
    let payload = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    if payload.len() > MAX_PAYLOAD {
        return Err(std::io::Error::other(format!(
            "the object's log record is {} bytes, over the limit of {MAX_PAYLOAD}",
            payload.len()
        )));
    }
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&fnv1a64(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// What [`read`] found in a log file.
#[derive(Debug, Default)]
pub struct LogContents {
    /// The complete records, in file order.
    pub records: Vec<Record>,
    /// The length of the valid prefix (where the next record goes).
    pub valid_len: u64,
    /// Set when bytes after the last complete record were dropped: how many.
    pub torn_bytes: Option<u64>,
}

/// Reads the log at `path` (a missing file is an empty log). A torn last record is
/// reported in [`LogContents::torn_bytes`]; a record whose checksum matches but whose
/// payload is not a record is corruption and fails naming the file and offset.
pub fn read(path: &Path) -> Result<LogContents, PersistError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LogContents::default()),
        Err(source) => return Err(PersistError::io(path, source)),
    };
    let mut out = LogContents::default();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let Some(header) = bytes.get(pos..pos + HEADER) else {
            break;
        };
        let mut len_bytes = [0u8; 4];
        len_bytes.copy_from_slice(&header[..4]);
        let mut sum_bytes = [0u8; 8];
        sum_bytes.copy_from_slice(&header[4..]);
        let len = u32::from_le_bytes(len_bytes) as usize;
        if len > MAX_PAYLOAD {
            break;
        }
        let Some(payload) = bytes.get(pos + HEADER..pos + HEADER + len) else {
            break;
        };
        if fnv1a64(payload) != u64::from_le_bytes(sum_bytes) {
            break;
        }
        let record: Record =
            serde_json::from_slice(payload).map_err(|e| PersistError::Corrupt {
                path: path.display().to_string(),
                message: format!("record at byte {pos}: {e}"),
            })?;
        out.records.push(record);
        pos += HEADER + len;
    }
    out.valid_len = pos as u64;
    if pos < bytes.len() {
        out.torn_bytes = Some((bytes.len() - pos) as u64);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(rv: u64) -> Vec<u8> {
        let obj = json!({"metadata": {"name": format!("n{rv}")}});
        let r = RecordRef {
            rv,
            group: "",
            resource: "configmaps",
            namespace: "default",
            name: "n",
            event: "ADDED",
            object: &obj,
        };
        encode(&r).expect("encodes")
    }

    #[test]
    fn fnv_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn every_cut_of_the_last_record_is_a_torn_tail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("wal.log");
        let mut bytes = rec(2);
        let first = bytes.len();
        bytes.extend(rec(3));
        for cut in first..bytes.len() {
            std::fs::write(&path, &bytes[..cut]).expect("write");
            let got = read(&path).expect("reads");
            assert_eq!(got.records.len(), 1, "cut at {cut}");
            assert_eq!(got.valid_len, first as u64);
            assert_eq!(got.torn_bytes, (cut > first).then(|| (cut - first) as u64));
        }
        std::fs::write(&path, &bytes).expect("write");
        let got = read(&path).expect("reads");
        assert_eq!(got.records.iter().map(|r| r.rv).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(got.torn_bytes, None);
    }

    #[test]
    fn records_the_reader_would_refuse_are_not_written() {
        let obj = json!({"data": {"big": "x".repeat(MAX_PAYLOAD)}});
        let r = RecordRef {
            rv: 2,
            group: "",
            resource: "configmaps",
            namespace: "default",
            name: "big",
            event: "MODIFIED",
            object: &obj,
        };
        let err = encode(&r).expect_err("over the limit");
        assert!(err.to_string().contains("over the limit"), "{err}");
    }

    #[test]
    fn a_flipped_byte_ends_the_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("wal.log");
        let mut bytes = rec(2);
        let last = bytes.len() - 2;
        bytes[last] ^= 0x20;
        std::fs::write(&path, &bytes).expect("write");
        let got = read(&path).expect("reads");
        assert!(got.records.is_empty());
        assert_eq!(got.torn_bytes, Some(bytes.len() as u64));
    }
}

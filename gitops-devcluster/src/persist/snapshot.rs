//! The snapshot: every live object at one revision, in `snapshot.json`.
//!
//! Written to `snapshot.json.tmp`, fsync'd, renamed over `snapshot.json` and the directory
//! fsync'd, so a crash leaves either the old or the new snapshot, never a partial one.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::PersistError;
use crate::store::Store;

/// The snapshot file name.
pub const SNAPSHOT: &str = "snapshot.json";
/// The temporary file a snapshot is written to before the rename.
pub const SNAPSHOT_TMP: &str = "snapshot.json.tmp";
/// The only snapshot format so far.
const FORMAT: u32 = 1;

/// One object of a snapshot.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    /// API group (empty = core).
    pub group: String,
    /// Resource (plural).
    pub resource: String,
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The revision of the object's last write.
    pub rv: u64,
    /// The object as stored.
    pub object: Value,
}

/// A loaded snapshot.
#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    /// Format number (1).
    pub format: u32,
    /// The store's revision when the snapshot was taken.
    pub revision: u64,
    /// The live objects.
    pub objects: Vec<Entry>,
}

#[derive(Serialize)]
struct EntryRef<'a> {
    group: &'a str,
    resource: &'a str,
    namespace: &'a str,
    name: &'a str,
    rv: u64,
    object: &'a Value,
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    format: u32,
    revision: u64,
    objects: Vec<EntryRef<'a>>,
}

/// Reads `dir/snapshot.json`; `None` when there is none. Unreadable or unparsable files
/// fail naming the file.
pub fn read(dir: &Path) -> Result<Option<Snapshot>, PersistError> {
    let path = dir.join(SNAPSHOT);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(PersistError::io(&path, source)),
    };
    let corrupt = |message: String| PersistError::Corrupt {
        path: path.display().to_string(),
        message,
    };
    let snap: Snapshot = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if snap.format != FORMAT {
        return Err(corrupt(format!(
            "unknown snapshot format {} (this devcluster writes {FORMAT})",
            snap.format
        )));
    }
    Ok(Some(snap))
}

/// Writes every live object of `store` atomically to `dir/snapshot.json`.
pub(crate) fn write(dir: &Path, store: &Store) -> Result<(), PersistError> {
    let mut objects = Vec::new();
    for ((group, resource), map) in &store.data {
        for ((namespace, name), versions) in map {
            let Some(last) = versions.last() else {
                continue;
            };
            let Some(object) = last.object.as_deref() else {
                continue;
            };
            objects.push(EntryRef {
                group,
                resource,
                namespace,
                name,
                rv: last.rv,
                object,
            });
        }
    }
    let doc = SnapshotRef {
        format: FORMAT,
        revision: store.rv,
        objects,
    };
    let tmp = dir.join(SNAPSHOT_TMP);
    let io = |source| PersistError::io(&tmp, source);
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut out, &doc).map_err(|e| io(std::io::Error::other(e)))?;
    out.flush().map_err(io)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    let path = dir.join(SNAPSHOT);
    std::fs::rename(&tmp, &path).map_err(|source| PersistError::io(&path, source))?;
    sync_dir(dir)
}

/// fsyncs a directory so a rename or a new file in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), PersistError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| PersistError::io(dir, source))
}

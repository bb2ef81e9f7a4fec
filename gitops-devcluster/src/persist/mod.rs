//! Persistence (opt-in, `Options::data_dir` / `gitops devcluster --data-dir DIR`): the
//! store's state survives a restart as a snapshot plus a write log.
//!
//! # Files in the data directory
//! - `LOCK`: held with an exclusive `flock` by the running server (the kernel releases it
//!   when the process dies, even by `kill -9`); a second server on the same directory
//!   fails to start with [`PersistError::Locked`].
//! - `wal.log`: one record per committed write ([`log`] has the format), appended and
//!   fsync'd inside [`Store`]'s commit, before the write is answered. A write whose record
//!   cannot be made durable fails with a 500 and changes nothing.
//! - `snapshot.json`: every live object at one revision ([`snapshot`]).
//!
//! # Flow
//! 1. [`open`]: lock, load the snapshot, replay the log records newer than it (a torn
//!    last record, from a crash in the middle of an append, is dropped with a warning),
//!    then write a fresh snapshot and empty the log when anything was replayed.
//! 2. Every commit appends a record; every [`PersistOptions::snapshot_every`] records a
//!    snapshot is written (tmp file, fsync, rename, fsync of the directory) and the log
//!    emptied. A crash between the rename and the truncation is harmless: records at or
//!    below the snapshot's revision are skipped on recovery.
//! 3. [`Store::close_persistence`] (the devcluster's shutdown): a final snapshot, then the
//!    log and the lock are released; later writes fail with a 500.
//!
//! # Guarantees and caveats
//! - No acknowledged write is lost, whether the server stops cleanly or is killed.
//! - The global revision continues across restarts, so resourceVersions keep increasing;
//!   uid, creationTimestamp, generation and managedFields are kept as stored.
//! - Only the latest version of each object survives: after a restart the watch window
//!   starts at the recovered revision, so a watch or an exact list from an older
//!   resourceVersion gets 410 Gone (clients re-list, as after an etcd compaction).

pub mod log;
pub mod snapshot;

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use thiserror::Error;

use crate::store::{ObjKey, ResourceType, Store, StoreError, StoreOptions, Version};
use crate::watch::{EventLog, EventType};

/// The write log's file name.
pub const LOG: &str = "wal.log";
/// The lock file's name.
pub const LOCK: &str = "LOCK";

/// Persistence errors; each names the file or directory concerned.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PersistError {
    /// Reading or writing a file failed.
    #[error("devcluster data {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A snapshot or log record cannot be understood.
    #[error("devcluster data {path} is corrupt: {message}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong, and where.
        message: String,
    },
    /// Another devcluster holds the directory's lock.
    #[error(
        "devcluster data directory {dir} is in use by another devcluster ({holder}); stop it or choose another --data-dir"
    )]
    Locked {
        /// The data directory.
        dir: String,
        /// Who holds it, from the lock file (e.g. `pid 1234`).
        holder: String,
    },
    /// The data directory was closed (the devcluster is shutting down).
    #[error("devcluster data directory {dir} is closed: the devcluster is shutting down")]
    Closed {
        /// The data directory.
        dir: String,
    },
}

impl PersistError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Persistence settings.
#[derive(Debug, Clone)]
pub struct PersistOptions {
    /// A snapshot is written (and the log emptied) after this many records. At least 1.
    pub snapshot_every: u64,
}

impl Default for PersistOptions {
    fn default() -> Self {
        Self {
            snapshot_every: 10_000,
        }
    }
}

/// The open data directory, owned by the [`Store`] whose writes it records.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    /// `None` once closed.
    log: Option<File>,
    lock: Option<File>,
    since_snapshot: u64,
    snapshot_every: u64,
}

/// What [`open`] recovered.
#[derive(Debug)]
pub struct Recovered {
    /// The store, with its journal attached: every commit is logged.
    pub store: Store,
    /// The directory held no object (a new data directory): the caller seeds it.
    pub fresh: bool,
    /// Log records replayed on top of the snapshot.
    pub replayed: usize,
    /// Problems recovered from (a torn last record), one sentence each naming the file.
    pub warnings: Vec<String>,
}

type Objects = BTreeMap<(String, String), BTreeMap<ObjKey, (u64, Value)>>;

/// Opens (creating if needed) the data directory `dir`: takes the lock, recovers the
/// state and attaches the journal to the returned store (built with `store_opts`).
pub fn open(
    dir: &Path,
    store_opts: StoreOptions,
    opts: &PersistOptions,
) -> Result<Recovered, PersistError> {
    std::fs::create_dir_all(dir).map_err(|source| PersistError::io(dir, source))?;
    let lock = take_lock(dir)?;
    let mut objects: Objects = BTreeMap::new();
    let mut revision = 1;
    if let Some(snap) = snapshot::read(dir)? {
        revision = snap.revision.max(1);
        for e in snap.objects {
            objects
                .entry((e.group, e.resource))
                .or_default()
                .insert((e.namespace, e.name), (e.rv, e.object));
        }
    }
    let log_path = dir.join(LOG);
    let contents = log::read(&log_path)?;
    let mut warnings = Vec::new();
    if let Some(torn) = contents.torn_bytes {
        warnings.push(format!(
            "{}: dropped a torn last record ({torn} bytes after byte {}), left by a crash during a write that was never acknowledged",
            log_path.display(),
            contents.valid_len
        ));
    }
    let mut replayed = 0;
    for r in contents.records {
        if r.rv <= revision {
            continue;
        }
        revision = r.rv;
        replayed += 1;
        let map = objects.entry((r.group, r.resource)).or_default();
        if r.event == EventType::Deleted.as_str() {
            map.remove(&(r.namespace, r.name));
        } else {
            map.insert((r.namespace, r.name), (r.rv, r.object));
        }
    }
    let mut store = Store::new(store_opts);
    let fresh = objects.values().all(BTreeMap::is_empty);
    for (gr, map) in objects {
        let versions = store.data.entry(gr).or_default();
        for (key, (rv, object)) in map {
            versions.insert(
                key,
                vec![Version {
                    rv,
                    object: Some(Arc::new(object)),
                }],
            );
        }
    }
    store.rv = revision;
    store.log = EventLog::new(store.opts.history.max(1), revision);
    store.notify.send_replace(revision);
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|source| PersistError::io(&log_path, source))?;
    if replayed > 0 || contents.torn_bytes.is_some() {
        // Fold the replayed records into a snapshot; this also drops a torn tail.
        snapshot::write(dir, &store)?;
        truncate(&mut log, &log_path)?;
    }
    snapshot::sync_dir(dir)?;
    store.journal = Some(Journal {
        dir: dir.to_path_buf(),
        log: Some(log),
        lock: Some(lock),
        since_snapshot: 0,
        snapshot_every: opts.snapshot_every.max(1),
    });
    Ok(Recovered {
        store,
        fresh,
        replayed,
        warnings,
    })
}

fn take_lock(dir: &Path) -> Result<File, PersistError> {
    let path = dir.join(LOCK);
    let io = |source| PersistError::io(&path, source);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(PersistError::Locked {
                dir: dir.display().to_string(),
                holder: if holder.is_empty() {
                    format!("lock {} held", path.display())
                } else {
                    holder.to_string()
                },
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    write!(file, "pid {}", std::process::id()).map_err(io)?;
    Ok(file)
}

enum AppendError {
    /// The append failed and the log is back at its previous length.
    Failed(std::io::Error),
    /// The append failed and the log could not be cut back.
    Unrecoverable(std::io::Error),
}

/// Appends `bytes` with `write` and syncs. On failure the file is cut back to its previous
/// length: a partial record (a short write on a full disk) or an unsynced record of a write
/// answered with a 500 must not stay in the log, where it would end recovery early (losing
/// every acknowledged record after it) or resurrect the failed write.
fn append_durably(
    file: &mut File,
    bytes: &[u8],
    write: impl FnOnce(&mut File, &[u8]) -> std::io::Result<()>,
) -> Result<(), AppendError> {
    let before = file.metadata().map_err(AppendError::Failed)?.len();
    match write(file, bytes).and_then(|()| file.sync_data()) {
        Ok(()) => Ok(()),
        Err(e) => match file.set_len(before).and_then(|()| file.sync_data()) {
            Ok(()) => Err(AppendError::Failed(e)),
            Err(_) => Err(AppendError::Unrecoverable(e)),
        },
    }
}

fn truncate(log: &mut File, path: &Path) -> Result<(), PersistError> {
    log.set_len(0)
        .and_then(|()| log.sync_all())
        .map_err(|source| PersistError::io(path, source))
}

impl Drop for Journal {
    /// Releases the lock explicitly: a child process forked meanwhile (e.g. a test running
    /// `kubectl`) shares the lock's file description until it execs, and would otherwise
    /// keep the directory locked for a moment after the journal is gone.
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            let _ = lock.unlock();
        }
    }
}

impl Journal {
    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn closed(&self) -> PersistError {
        PersistError::Closed {
            dir: self.dir.display().to_string(),
        }
    }

    fn append(&mut self, record: &log::RecordRef<'_>) -> Result<(), PersistError> {
        let path = self.dir.join(LOG);
        let Some(file) = self.log.as_mut() else {
            return Err(self.closed());
        };
        let bytes = log::encode(record).map_err(|e| PersistError::io(&path, e))?;
        match append_durably(file, &bytes, |f, b| f.write_all(b)) {
            Ok(()) => Ok(()),
            Err(AppendError::Failed(source)) => Err(PersistError::io(&path, source)),
            Err(AppendError::Unrecoverable(source)) => {
                // The log may end in a partial record that cannot be cut off: later records
                // appended after it would be unreadable, so refuse further writes.
                self.log = None;
                Err(PersistError::io(&path, source))
            }
        }
    }

    fn snapshot(&mut self, store: &Store) -> Result<(), PersistError> {
        let path = self.dir.join(LOG);
        let Some(file) = self.log.as_mut() else {
            return Err(self.closed());
        };
        snapshot::write(&self.dir, store)?;
        self.since_snapshot = 0;
        truncate(file, &path)
    }
}

impl Store {
    /// Makes a committed change durable before it is applied (no-op without a journal).
    /// Called by `commit` with the change's revision and final object.
    pub(crate) fn journal_append(
        &mut self,
        rv: u64,
        rt: &ResourceType,
        key: &ObjKey,
        object: &Value,
        event: EventType,
    ) -> Result<(), StoreError> {
        let Some(journal) = self.journal.as_mut() else {
            return Ok(());
        };
        let record = log::RecordRef {
            rv,
            group: &rt.group,
            resource: &rt.resource,
            namespace: &key.0,
            name: &key.1,
            event: event.as_str(),
            object,
        };
        journal
            .append(&record)
            .map_err(|e| StoreError::Internal(format!("persisting the write: {e}")))
    }

    /// After a commit: writes a snapshot every `snapshot_every` records. A failed snapshot
    /// loses nothing (the records stay in the log); it is reported and retried later.
    pub(crate) fn journal_committed(&mut self) {
        let Some(mut journal) = self.journal.take() else {
            return;
        };
        journal.since_snapshot += 1;
        if journal.since_snapshot >= journal.snapshot_every
            && let Err(e) = journal.snapshot(self)
        {
            eprintln!("devcluster: warning: {e}");
        }
        self.journal = Some(journal);
    }

    /// The data directory, when the store is persistent.
    pub fn data_dir(&self) -> Option<&Path> {
        self.journal.as_ref().map(Journal::dir)
    }

    /// Writes a snapshot now and empties the log (no-op for a store without persistence).
    pub fn persist_snapshot(&mut self) -> Result<(), PersistError> {
        let Some(mut journal) = self.journal.take() else {
            return Ok(());
        };
        let result = journal.snapshot(self);
        self.journal = Some(journal);
        result
    }

    /// Writes the final snapshot and releases the log and the lock; later writes fail with
    /// a 500. Idempotent; a no-op without persistence. The lock is released even when the
    /// snapshot fails (the log still holds every write).
    pub fn close_persistence(&mut self) -> Result<(), PersistError> {
        let Some(mut journal) = self.journal.take() else {
            return Ok(());
        };
        let result = if journal.log.is_some() {
            journal.snapshot(self)
        } else {
            Ok(())
        };
        journal.log = None;
        if let Some(lock) = journal.lock.take() {
            let _ = lock.unlock();
        }
        self.journal = Some(journal);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(rv: u64) -> Vec<u8> {
        let obj = serde_json::json!({"metadata": {"name": "n"}});
        log::encode(&log::RecordRef {
            rv,
            group: "",
            resource: "configmaps",
            namespace: "default",
            name: "n",
            event: "ADDED",
            object: &obj,
        })
        .expect("encodes")
    }

    #[test]
    fn a_failed_append_leaves_no_partial_record_before_later_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(LOG);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("opens");
        assert!(append_durably(&mut file, &rec(2), |f, b| f.write_all(b)).is_ok());
        // A short write (disk full) fails after writing part of the record.
        let failed = append_durably(&mut file, &rec(3), |f, b| {
            f.write_all(&b[..b.len() / 2])?;
            Err(std::io::Error::other("no space left on device"))
        });
        assert!(matches!(failed, Err(AppendError::Failed(_))));
        assert!(append_durably(&mut file, &rec(4), |f, b| f.write_all(b)).is_ok());
        let got = log::read(&path).expect("reads");
        assert_eq!(got.records.iter().map(|r| r.rv).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(got.torn_bytes, None);
    }
}

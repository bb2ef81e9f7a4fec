//! Retention of old artifact files (Flux's `GarbageCollect`).
//!
//! Flux (`fluxcd/pkg/artifact/storage/gc.go`) decides per artifact directory, by file
//! modification time:
//! 1. every file older than the TTL is garbage, except the current artifact;
//! 2. then the oldest remaining files are garbage until at most `keep` files remain
//!    (the current artifact is never removed).
//!
//! So `--artifact-retention-records 2 --artifact-retention-ttl 1m` keeps at most two
//! files, and a superseded file no longer than one minute. Lock files (`*.lock`) are not
//! counted and go with their artifact; dot-files (temp files being written) are left
//! alone.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{Artifact, ArtifactRef, Error, Store, with_suffix};

/// Which of `files` (name, modification time) are garbage at `now`; pure.
///
/// `current` is never selected. See the module documentation for the rules.
pub fn select_garbage(
    files: &[(String, SystemTime)],
    current: Option<&str>,
    keep: usize,
    ttl: Duration,
    now: SystemTime,
) -> Vec<String> {
    let mut sorted: Vec<&(String, SystemTime)> = files.iter().collect();
    sorted.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let is_current = |name: &str| current == Some(name);
    let mut garbage: Vec<String> = sorted
        .iter()
        .filter(|(name, mtime)| {
            !is_current(name) && now.duration_since(*mtime).is_ok_and(|age| age > ttl)
        })
        .map(|(name, _)| name.clone())
        .collect();
    let mut remaining = files.len() - garbage.len();
    for (name, _) in &sorted {
        if remaining <= keep {
            break;
        }
        if is_current(name) || garbage.contains(name) {
            continue;
        }
        garbage.push(name.clone());
        remaining -= 1;
    }
    garbage
}

impl Store {
    /// Garbage-collects the artifact files of `reference`, keeping the `keep` newest and
    /// removing superseded ones older than `ttl`. The newest file is treated as the
    /// current artifact and never removed; use [`Store::gc_artifact`] to name it.
    /// Returns the removed files.
    pub fn gc(
        &self,
        reference: &ArtifactRef,
        keep: usize,
        ttl: Duration,
    ) -> Result<Vec<PathBuf>, Error> {
        self.collect(reference, None, keep, ttl)
    }

    /// Garbage-collects the directory of `current` (never removing `current`'s file), as
    /// Flux does after each successful reconciliation.
    pub fn gc_artifact(
        &self,
        current: &Artifact,
        keep: usize,
        ttl: Duration,
    ) -> Result<Vec<PathBuf>, Error> {
        let local = self.local_path(&current.path)?;
        let dir_path = local.parent().map(|p| p.to_path_buf()).unwrap_or_default();
        let file = local.file_name().map(|f| f.to_string_lossy().into_owned());
        let rel = current
            .path
            .rsplit_once('/')
            .map(|(d, _)| d)
            .unwrap_or_default();
        let mut parts = rel.splitn(3, '/');
        let reference = ArtifactRef::new(
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        if self.local_path(&reference.dir()?)? != dir_path {
            return Err(Error::InvalidPath {
                path: current.path.clone(),
                reason: "not <kind>/<namespace>/<name>/<file>",
            });
        }
        self.collect(&reference, file.as_deref(), keep, ttl)
    }

    fn collect(
        &self,
        reference: &ArtifactRef,
        current: Option<&str>,
        keep: usize,
        ttl: Duration,
    ) -> Result<Vec<PathBuf>, Error> {
        let dir = self.local_path(&reference.dir()?)?;
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(Error::Io { path: dir, source }),
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = entry.metadata().map_err(|source| Error::Io {
                path: entry.path(),
                source,
            })?;
            if !meta.is_file() || name.starts_with('.') || name.ends_with(".lock") {
                continue;
            }
            let mtime = meta.modified().map_err(|source| Error::Io {
                path: entry.path(),
                source,
            })?;
            files.push((name, mtime));
        }
        let newest = files
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
            .map(|f| f.0.clone());
        let current = current.map(str::to_string).or(newest);
        let garbage = select_garbage(&files, current.as_deref(), keep, ttl, SystemTime::now());
        let mut removed = Vec::new();
        for name in garbage {
            let path = dir.join(&name);
            match fs::remove_file(&path) {
                Ok(()) => removed.push(path.clone()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Io { path, source }),
            }
            let lock = with_suffix(&path, ".lock");
            if let Err(e) = fs::remove_file(&lock)
                && e.kind() != io::ErrorKind::NotFound
            {
                return Err(Error::Io {
                    path: lock,
                    source: e,
                });
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn keeps_newest_and_expires_old() {
        let files: Vec<(String, SystemTime)> = (1..=5)
            .map(|i| (format!("f{i}"), at(1000 + i * 10)))
            .collect();
        let now = at(1055);
        // TTL long: only the count rule applies.
        let g = select_garbage(&files, Some("f5"), 2, Duration::from_secs(3600), now);
        assert_eq!(g, ["f1", "f2", "f3"]);
        // TTL 20s: f1..f3 expired (ages 45, 35, 25); f4 (15s) stays.
        let g = select_garbage(&files, Some("f5"), 3, Duration::from_secs(20), now);
        assert_eq!(g, ["f1", "f2", "f3"]);
        // The current file is never collected, however old.
        let g = select_garbage(&files, Some("f1"), 1, Duration::from_secs(1), now);
        assert!(!g.contains(&"f1".to_string()));
        assert_eq!(g.len(), 4);
    }
}

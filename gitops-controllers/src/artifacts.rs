//! Source artifacts downloaded once and shared, unpacked in memory, by digest.
//!
//! A GitRepository followed by a thousand Kustomizations has one artifact; unpacking it a
//! thousand times onto disk is what made such fleets slow (the file system, not the
//! build, was the cost). Here an artifact's tree is fetched on first use, verified
//! against its digest, unpacked with the artifact limits into a [`MemFs`] and kept while
//! the cache has room (least recently used trees go first). Concurrent reconciliations
//! that need the same digest wait for one download. The digest names the content, so a
//! cached tree is the artifact whatever URL it was served from.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use gitops_core::api::meta::Artifact;
use gitops_render::kustomize::MemFs;
use gitops_sources::artifact::{Limits, unpack_to_memory};
use tokio::sync::OnceCell;

/// Why an artifact could not be made available.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// Download or HTTP status failure.
    #[error("failed to download artifact from {url}: {message}")]
    Download {
        /// The artifact URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The downloaded bytes do not have the announced digest.
    #[error("failed to verify artifact: computed digest doesn't match '{0}'")]
    Digest(String),
    /// The tarball was refused while unpacking.
    #[error("failed to extract artifact: {0}")]
    Unpack(String),
}

/// Downloads an artifact and checks its digest.
pub async fn download(
    http: &reqwest::Client,
    artifact: &Artifact,
) -> Result<Vec<u8>, ArtifactError> {
    let url = &artifact.url;
    let fail = |message: String| ArtifactError::Download {
        url: url.clone(),
        message,
    };
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    if !response.status().is_success() {
        return Err(fail(format!("status code {}", response.status())));
    }
    let bytes = response.bytes().await.map_err(|e| fail(e.to_string()))?;
    let got = gitops_sources::artifact::sha256_digest(&bytes).to_string();
    if got != artifact.digest {
        return Err(ArtifactError::Digest(artifact.digest.clone()));
    }
    Ok(bytes.to_vec())
}

struct Entry {
    cell: Arc<OnceCell<Arc<MemFs>>>,
    /// Bytes of file content, once loaded.
    size: usize,
    /// Logical time of the last use.
    used: u64,
}

#[derive(Default)]
struct Entries {
    by_digest: HashMap<String, Entry>,
    clock: u64,
}

/// Unpacked artifact trees by digest, bounded by the total size of their files.
pub struct ArtifactCache {
    entries: Mutex<Entries>,
    capacity: usize,
}

impl std::fmt::Debug for ArtifactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactCache")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl ArtifactCache {
    /// A cache keeping about `capacity` bytes of file contents: older trees are evicted
    /// when a load goes over it, but the tree just loaded always stays (so a tree larger
    /// than the capacity still works).
    pub fn new(capacity: usize) -> ArtifactCache {
        ArtifactCache {
            entries: Mutex::new(Entries::default()),
            capacity,
        }
    }

    /// The tree of `artifact`, downloaded and unpacked if it is not cached.
    pub async fn tree(
        &self,
        http: &reqwest::Client,
        artifact: &Artifact,
    ) -> Result<Arc<MemFs>, ArtifactError> {
        let cell = self.cell(&artifact.digest);
        let tree = cell
            .get_or_try_init(|| async {
                let bytes = download(http, artifact).await?;
                let tree = tokio::task::spawn_blocking(move || {
                    unpack_to_memory(&bytes[..], &Limits::default())
                })
                .await
                .map_err(|e| ArtifactError::Unpack(format!("unpack task failed: {e}")))?
                .map_err(|e| ArtifactError::Unpack(e.to_string()))?;
                let size = tree.size();
                let fs = Arc::new(MemFs::from_parts(tree.files, tree.dirs));
                self.loaded(&artifact.digest, size);
                Ok::<_, ArtifactError>(fs)
            })
            .await;
        match tree {
            Ok(t) => Ok(t.clone()),
            Err(e) => {
                self.forget_failed(&artifact.digest);
                Err(e)
            }
        }
    }

    /// How many trees are cached (loaded or loading).
    pub fn len(&self) -> usize {
        self.lock().by_digest.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cell(&self, digest: &str) -> Arc<OnceCell<Arc<MemFs>>> {
        let mut entries = self.lock();
        entries.clock += 1;
        let now = entries.clock;
        let entry = entries
            .by_digest
            .entry(digest.to_string())
            .or_insert_with(|| Entry {
                cell: Arc::new(OnceCell::new()),
                size: 0,
                used: now,
            });
        entry.used = now;
        entry.cell.clone()
    }

    /// Records the size of a loaded tree and evicts the least recently used others.
    fn loaded(&self, digest: &str, size: usize) {
        let mut entries = self.lock();
        if let Some(e) = entries.by_digest.get_mut(digest) {
            e.size = size;
        }
        let mut total: usize = entries.by_digest.values().map(|e| e.size).sum();
        while total > self.capacity {
            let victim = entries
                .by_digest
                .iter()
                .filter(|(_, e)| e.cell.initialized())
                .min_by_key(|(_, e)| e.used)
                .map(|(d, e)| (d.clone(), e.size));
            let Some((d, s)) = victim else { break };
            entries.by_digest.remove(&d);
            total -= s;
            if d == digest {
                break;
            }
        }
    }

    fn forget_failed(&self, digest: &str) {
        let mut entries = self.lock();
        if entries
            .by_digest
            .get(digest)
            .is_some_and(|e| !e.cell.initialized())
        {
            entries.by_digest.remove(digest);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use gitops_render::kustomize::Fs;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        for (rel, content) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let mut out = Vec::new();
        gitops_sources::artifact::pack(
            dir.path(),
            &mut out,
            &gitops_sources::artifact::IgnoreRules::none(),
        )
        .unwrap();
        out
    }

    /// Serves each path's bytes over plain HTTP/1.0 and counts requests.
    async fn serve(files: HashMap<String, Vec<u8>>) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            loop {
                let (mut sock, _) = listener.accept().await.unwrap();
                counter.fetch_add(1, Ordering::SeqCst);
                let files = files.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = sock.read(&mut buf).await.unwrap();
                    let head = String::from_utf8_lossy(&buf[..n]).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let (status, body) = match files.get(&path) {
                        Some(b) => ("200 OK", b.clone()),
                        None => ("404 Not Found", Vec::new()),
                    };
                    let header = format!(
                        "HTTP/1.0 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    sock.write_all(header.as_bytes()).await.unwrap();
                    sock.write_all(&body).await.unwrap();
                });
            }
        });
        (url, hits)
    }

    fn artifact(url: &str, path: &str, bytes: &[u8]) -> Artifact {
        serde_json::from_value(serde_json::json!({
            "url": format!("{url}{path}"),
            "digest": gitops_sources::artifact::sha256_digest(bytes).to_string(),
            "lastUpdateTime": "2026-01-01T00:00:00Z",
            "path": path,
            "revision": "main@sha1:0000000000000000000000000000000000000000",
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn downloads_once_per_digest_and_evicts_least_recently_used() {
        let a = tarball(&[("app/a.yaml", "kind: A\n"), ("app/sub/b.yaml", "kind: B\n")]);
        let b = tarball(&[("other/c.yaml", "kind: C\n")]);
        let (url, hits) = serve(HashMap::from([
            ("/a.tar.gz".to_string(), a.clone()),
            ("/b.tar.gz".to_string(), b.clone()),
        ]))
        .await;
        gitops_sources::tls::ensure_provider();
        let http = reqwest::Client::new();
        let cache = Arc::new(ArtifactCache::new(20));
        let art_a = artifact(&url, "/a.tar.gz", &a);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, http, art) = (cache.clone(), http.clone(), art_a.clone());
                tokio::spawn(async move { cache.tree(&http, &art).await.unwrap() })
            })
            .collect();
        for t in tasks {
            let tree = t.await.unwrap();
            assert_eq!(tree.read("app/sub/b.yaml").unwrap(), b"kind: B\n");
            assert!(tree.is_dir("app/sub"));
        }
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "eight concurrent users, one download"
        );

        // 16 bytes of a + 8 of b exceed 20: a, the least recently used, goes.
        let art_b = artifact(&url, "/b.tar.gz", &b);
        cache.tree(&http, &art_b).await.unwrap();
        assert_eq!(cache.len(), 1);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        cache.tree(&http, &art_b).await.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 2, "b stays cached");
        cache.tree(&http, &art_a).await.unwrap();
        assert_eq!(
            hits.load(Ordering::SeqCst),
            3,
            "a was evicted and is fetched again"
        );
    }

    #[tokio::test]
    async fn failures_are_reported_and_not_cached() {
        let a = tarball(&[("x.yaml", "x")]);
        let (url, hits) = serve(HashMap::from([("/a.tar.gz".to_string(), a.clone())])).await;
        gitops_sources::tls::ensure_provider();
        let http = reqwest::Client::new();
        let cache = ArtifactCache::new(1 << 20);

        let mut wrong = artifact(&url, "/a.tar.gz", &a);
        wrong.digest = format!("sha256:{}", "0".repeat(64));
        let err = cache.tree(&http, &wrong).await.unwrap_err();
        assert!(matches!(err, ArtifactError::Digest(_)), "{err}");
        assert!(cache.is_empty(), "a failed load leaves nothing behind");

        let missing = artifact(&url, "/missing.tar.gz", b"nothing");
        let err = cache.tree(&http, &missing).await.unwrap_err();
        assert!(err.to_string().contains("status code 404"), "{err}");
        assert!(
            err.to_string().contains("/missing.tar.gz"),
            "names the URL: {err}"
        );

        let garbage = b"not a tarball".to_vec();
        let (url2, _) = serve(HashMap::from([("/g.tar.gz".to_string(), garbage.clone())])).await;
        let err = cache
            .tree(&http, &artifact(&url2, "/g.tar.gz", &garbage))
            .await
            .unwrap_err();
        assert!(matches!(err, ArtifactError::Unpack(_)), "{err}");
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }
}

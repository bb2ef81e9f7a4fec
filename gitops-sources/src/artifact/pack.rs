//! Packing a directory into Flux's reproducible tar.gz, and digests.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use sha2::{Digest as _, Sha256};

use super::{Digest, Error, IgnoreRules};

/// Mode of directories inside an artifact.
pub const DIR_MODE: u32 = 0o750;
/// Mode of non-executable files inside an artifact.
pub const FILE_MODE: u32 = 0o600;
/// Mode of executable files inside an artifact.
pub const EXE_MODE: u32 = 0o700;

/// Writes the tar.gz of `dir` to `out`, leaving out what `rules` ignore.
///
/// Regular files and directories only; symlinks, sockets, devices and FIFOs are skipped
/// (as Flux's `Archive` does). The output depends only on names, contents and the
/// executable bit of the files.
pub fn pack(dir: &Path, out: &mut impl Write, rules: &IgnoreRules) -> Result<(), Error> {
    pack_skipping(dir, out, rules, Vec::new())
}

/// [`pack`], leaving out the files whose (device, inode) is in `skip`.
fn pack_skipping(
    dir: &Path,
    out: &mut impl Write,
    rules: &IgnoreRules,
    skip: Vec<(u64, u64)>,
) -> Result<(), Error> {
    let meta = fs::metadata(dir).map_err(|_| Error::NotADirectory {
        path: dir.to_path_buf(),
    })?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(out, Compression::default());
    let mut packer = Packer {
        tar: gz,
        rules,
        buf: vec![0u8; 64 * 1024],
        skip,
    };
    packer.write_header(b".", tar::EntryType::Directory, DIR_MODE, 0)?;
    let mut parts = Vec::new();
    packer.walk(dir, &mut parts)?;
    let mut gz = packer.tar;
    gz.write_all(&[0u8; 1024])
        .map_err(|source| Error::Write { source })?;
    gz.try_finish().map_err(|source| Error::Write { source })?;
    Ok(())
}

/// Packs `dir` into the file `output` atomically (a temp file beside it, then a rename)
/// and returns the `sha256` digest of the file bytes. When `output` lies inside `dir`,
/// neither it nor the temp file is packed into itself.
pub fn pack_file(dir: &Path, output: &Path, rules: &IgnoreRules) -> Result<Digest, Error> {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io_err = |source| Error::Io {
        path: output.to_path_buf(),
        source,
    };
    let mut prefix = OsString::from(".");
    prefix.push(output.file_name().unwrap_or_default());
    let temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(parent)
        .map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    let file = temp.as_file().try_clone().map_err(io_err)?;
    let mut skip = Vec::new();
    for meta in [file.metadata().ok(), fs::metadata(output).ok()]
        .into_iter()
        .flatten()
    {
        skip.push((meta.dev(), meta.ino()));
    }
    let mut writer = HashingWriter {
        inner: io::BufWriter::new(file),
        hasher: Sha256::new(),
    };
    pack_skipping(dir, &mut writer, rules, skip)?;
    let HashingWriter { inner, hasher } = writer;
    let file = inner.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.sync_all().map_err(io_err)?;
    drop(file);
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o600)).map_err(io_err)?;
    temp.persist(output).map_err(|e| io_err(e.error))?;
    Ok(Digest {
        algorithm: "sha256".to_string(),
        hex: hex::encode(hasher.finalize()),
    })
}

/// The `sha256:<hex>` digest of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> Digest {
    Digest {
        algorithm: "sha256".to_string(),
        hex: hex::encode(Sha256::digest(bytes)),
    }
}

/// The `sha256:<hex>` digest of the file at `path`, streamed.
pub fn digest_file(path: &Path) -> Result<Digest, Error> {
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut writer = HashingWriter {
        inner: io::sink(),
        hasher: Sha256::new(),
    };
    io::copy(&mut file, &mut writer).map_err(io_err)?;
    Ok(Digest {
        algorithm: "sha256".to_string(),
        hex: hex::encode(writer.hasher.finalize()),
    })
}

struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

struct Packer<'a, W: Write> {
    tar: GzEncoder<W>,
    rules: &'a IgnoreRules,
    buf: Vec<u8>,
    skip: Vec<(u64, u64)>,
}

impl<W: Write> Packer<'_, W> {
    /// Emits the entries below `dir` (whose components relative to the root are `parts`).
    fn walk(&mut self, dir: &Path, parts: &mut Vec<String>) -> Result<(), Error> {
        let io_err = |source| Error::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut names: Vec<OsString> = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_err)? {
            names.push(entry.map_err(io_err)?.file_name());
        }
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            let path = dir.join(&name);
            let meta = fs::symlink_metadata(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let file_type = meta.file_type();
            if !(file_type.is_file() || file_type.is_dir()) {
                continue;
            }
            if file_type.is_file() && self.skip.contains(&(meta.dev(), meta.ino())) {
                continue;
            }
            parts.push(name.to_string_lossy().into_owned());
            let result = self.entry(&path, &meta, parts);
            parts.pop();
            result?;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        path: &Path,
        meta: &fs::Metadata,
        parts: &mut Vec<String>,
    ) -> Result<(), Error> {
        let is_dir = meta.is_dir();
        let views: Vec<&str> = parts.iter().map(String::as_str).collect();
        let ignored = self.rules.matches(&views, is_dir);
        let name = parts.join("/");
        if is_dir {
            if !ignored {
                self.write_header(name.as_bytes(), tar::EntryType::Directory, DIR_MODE, 0)?;
            }
            if !ignored || !self.rules.excluded_dirs_are_closed() {
                self.walk(path, parts)?;
            }
            return Ok(());
        }
        if ignored {
            return Ok(());
        }
        let mode = if meta.permissions().mode() & 0o111 != 0 {
            EXE_MODE
        } else {
            FILE_MODE
        };
        let size = meta.len();
        self.write_header(name.as_bytes(), tar::EntryType::Regular, mode, size)?;
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(io_err)?.take(size);
        let mut copied = 0u64;
        loop {
            let n = file.read(&mut self.buf).map_err(io_err)?;
            if n == 0 {
                break;
            }
            self.tar
                .write_all(&self.buf[..n])
                .map_err(|source| Error::Write { source })?;
            copied += n as u64;
        }
        if copied != size {
            return Err(io_err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file shrank while packing: read {copied} of {size} bytes"),
            )));
        }
        let pad = (512 - (size % 512)) % 512;
        self.write_raw(&[0u8; 512][..pad as usize])
    }

    fn write_raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.tar
            .write_all(bytes)
            .map_err(|source| Error::Write { source })
    }

    /// Writes a normalised USTAR header, preceded by a PAX `path` record when the name
    /// does not fit USTAR (too long or not ASCII), as Go's `archive/tar` does.
    fn write_header(
        &mut self,
        name: &[u8],
        kind: tar::EntryType,
        mode: u32,
        size: u64,
    ) -> Result<(), Error> {
        let split = if name.is_ascii() {
            split_ustar(name)
        } else {
            None
        };
        let (prefix, short) = match split {
            Some(parts) => parts,
            None => {
                let mut record_body = b"path=".to_vec();
                record_body.extend_from_slice(name);
                record_body.push(b'\n');
                let record = pax_record(&record_body);
                let mut pax_name = b"PaxHeaders.0/".to_vec();
                pax_name.extend_from_slice(last_component(name));
                pax_name.truncate(100);
                let header = normalised(
                    &[],
                    &pax_name,
                    tar::EntryType::XHeader,
                    0,
                    record.len() as u64,
                );
                self.write_raw(header.as_bytes())?;
                self.write_raw(&record)?;
                let pad = (512 - (record.len() % 512)) % 512;
                self.write_raw(&[0u8; 512][..pad])?;
                let mut truncated = last_component(name).to_vec();
                truncated.truncate(100);
                (Vec::new(), truncated)
            }
        };
        let header = normalised(&prefix, &short, kind, mode, size);
        self.write_raw(header.as_bytes())
    }
}

fn last_component(name: &[u8]) -> &[u8] {
    name.rsplit(|b| *b == b'/').next().unwrap_or(name)
}

/// A PAX record `"<len> <body>"` where `<len>` counts the whole record.
fn pax_record(body: &[u8]) -> Vec<u8> {
    let mut len = body.len() + 2;
    loop {
        let total = body.len() + 1 + len.to_string().len();
        if total == len {
            break;
        }
        len = total;
    }
    let mut record = format!("{len} ").into_bytes();
    record.extend_from_slice(body);
    record
}

/// Splits a name into USTAR `(prefix, name)` fields like Go's `splitUSTARPath`.
fn split_ustar(name: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    if name.len() <= 100 {
        return Some((Vec::new(), name.to_vec()));
    }
    let len = name.len();
    let mut i = len - 1;
    if len > 156 {
        i = 156;
    } else if name[len - 1] == b'/' {
        i = len - 1;
    }
    let i = name[..i].iter().rposition(|b| *b == b'/')?;
    let (prefix, rest) = (&name[..i], &name[i + 1..]);
    if i == 0 || rest.len() > 100 || rest.is_empty() || prefix.len() > 155 {
        return None;
    }
    Some((prefix.to_vec(), rest.to_vec()))
}

fn normalised(
    prefix: &[u8],
    name: &[u8],
    kind: tar::EntryType,
    mode: u32,
    size: u64,
) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    if let Some(ustar) = header.as_ustar_mut() {
        ustar.name[..name.len()].copy_from_slice(name);
        ustar.prefix[..prefix.len()].copy_from_slice(prefix);
    }
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_size(size);
    header.set_cksum();
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_length_counts_itself() {
        let r = pax_record(b"path=abc\n");
        assert_eq!(r, b"12 path=abc\n".to_vec());
        let body = vec![b'x'; 95];
        let r = pax_record(&body);
        assert_eq!(
            r.len(),
            String::from_utf8_lossy(&r)
                .split(' ')
                .next()
                .expect("len")
                .parse::<usize>()
                .expect("number")
        );
    }

    #[test]
    fn ustar_split_follows_go() {
        assert_eq!(split_ustar(b"a/b"), Some((vec![], b"a/b".to_vec())));
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(20));
        let (p, n) = split_ustar(long.as_bytes()).expect("fits");
        assert_eq!((p.len(), n.len()), (120, 20));
        assert_eq!(split_ustar("x".repeat(200).as_bytes()), None);
    }
}

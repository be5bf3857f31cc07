//! A backup is the encrypted database followed by its key file, so that one file brings a laptop back:
//! `[database][key file JSON][its length, 8 bytes LE]["SOTAYKF1"]`. SQLite reads only the pages its
//! header counts and ignores what follows; a restore copies the database part alone.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::KeyFile;
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"SOTAYKF1";
/// A key file is a few kilobytes; anything claiming more is not ours.
const MAX_KEY_FILE: u64 = 1 << 20;

/// Appends `kf` to the file at `path`.
pub fn append(path: &Path, kf: &KeyFile) -> Result<()> {
    let io = |e| Error::Io { path: path.display().to_string(), source: e };
    let bytes = kf.to_bytes();
    let mut f = std::fs::OpenOptions::new().append(true).open(path).map_err(io)?;
    f.write_all(&bytes).map_err(io)?;
    f.write_all(&(bytes.len() as u64).to_le_bytes()).map_err(io)?;
    f.write_all(MAGIC).map_err(io)?;
    Ok(())
}

/// The key file at the end of `path` and the length of the database before it; None for a file with
/// no trailer (a plain backup of an older Sotay, or not a backup at all).
pub fn read(path: &Path) -> Result<Option<(KeyFile, u64)>> {
    let io = |e| Error::Io { path: path.display().to_string(), source: e };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len < 16 {
        return Ok(None);
    }
    let mut tail = [0u8; 16];
    f.seek(SeekFrom::Start(len - 16)).map_err(io)?;
    f.read_exact(&mut tail).map_err(io)?;
    if &tail[8..] != MAGIC {
        return Ok(None);
    }
    let kf_len = u64::from_le_bytes(tail[..8].try_into().unwrap_or_default());
    if kf_len > MAX_KEY_FILE || kf_len + 16 > len {
        return Ok(None);
    }
    let mut bytes = vec![0u8; kf_len as usize];
    f.seek(SeekFrom::Start(len - 16 - kf_len)).map_err(io)?;
    f.read_exact(&mut bytes).map_err(io)?;
    Ok(KeyFile::parse(&bytes).map(|kf| (kf, len - 16 - kf_len)))
}

/// Copies the database part of the backup `from` (its first `db_len` bytes) to `to`.
pub fn copy_database(from: &Path, db_len: u64, to: &Path) -> Result<()> {
    let src = std::fs::File::open(from).map_err(|e| Error::Io { path: from.display().to_string(), source: e })?;
    let mut dst = std::fs::File::create(to).map_err(|e| Error::Io { path: to.display().to_string(), source: e })?;
    std::io::copy(&mut src.take(db_len), &mut dst).map_err(|e| Error::Io { path: to.display().to_string(), source: e })?;
    Ok(())
}

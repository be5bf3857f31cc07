//! Evidence files (minh chứng): photos, scanned attendance sheets, minutes, screenshots, attached to the
//! records that have an `attachments` list (events, practices, inspections, supervisions, false-
//! information cases).
//!
//! Each file is kept once in the `files` table, named by the SHA-256 of its bytes, inside the encrypted
//! database: it is encrypted, backed up, restored and made whole by a power cut exactly as the records
//! are (docs/store.md, "Evidence files"). A record refers to its files by hash; attaching or removing one
//! is an ordinary change of the record's `attachments` field, so it travels, merges and is signed like any
//! other. The files themselves travel beside the changes (`crate::sync::files`).

pub mod media;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{Attachment, FileRole, Kind};
use crate::store::{Store, WriteCtx};

pub use media::{sha256_hex, Processed, DEFAULT_PDF_CAP};

/// How long a file no record refers to any more is kept (an attachment removed by mistake can be put
/// back; a file that arrived before its record waits for it).
pub const ORPHAN_GRACE_DAYS: i64 = 30;

/// Why a file is not kept. Each is said with the file's name (`Error::FileRefused`).
#[derive(Debug, Clone, PartialEq)]
pub enum FileProblem {
    Empty,
    /// Not one of the kinds kept (the extension given).
    Unsupported { extension: String },
    /// An iPhone photo in HEIC: no well-kept decoder in pure Rust yet.
    Heic,
    /// The name says one kind, the bytes another.
    NotWhatItSays { extension: String, actual: &'static str },
    TooLarge { size: u64, cap: u64 },
    /// Cut short: copied in part, or a download that stopped.
    Truncated,
    Damaged(String),
    /// The header claims more pixels than any camera makes (a decompression bomb).
    TooManyPixels { width: u32, height: u32 },
    /// Carried from elsewhere with bytes that do not match its hash.
    HashMismatch,
    /// A name in a bundle that is not a bare hash (a path leading out of the files folder).
    UnsafeName,
    Unreadable(String),
}

/// A file the officer picked: its name (for the extension and for people) and its bytes.
pub struct Picked {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Picked {
    /// Reads a file from disk; an unreadable one is refused by name like any bad file.
    pub fn read(path: &std::path::Path) -> std::result::Result<Picked, (String, FileProblem)> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
        match std::fs::metadata(path) {
            Ok(m) if m.len() > media::MAX_PHOTO_INPUT.max(MAX_PDF_CAP) => {
                return Err((name, FileProblem::TooLarge { size: m.len(), cap: media::MAX_PHOTO_INPUT.max(MAX_PDF_CAP) }))
            }
            Err(e) => return Err((name, FileProblem::Unreadable(e.to_string()))),
            Ok(_) => {}
        }
        std::fs::read(path).map(|bytes| Picked { name: name.clone(), bytes }).map_err(|e| (name, FileProblem::Unreadable(e.to_string())))
    }
}

/// The largest PDF cap the setting may name: beyond it a file would not fit a request to the hub.
pub const MAX_PDF_CAP: u64 = 100 * 1024 * 1024;

/// What `attach` did: the record as it now is, the files added, and each file refused with its reason.
#[derive(Debug)]
pub struct AttachOutcome {
    pub record: Value,
    pub attached: Vec<Attachment>,
    pub refused: Vec<(String, FileProblem)>,
}

/// One attachment of a record, with what this installation holds of it.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    #[serde(flatten)]
    pub attachment: Attachment,
    /// The file is here (false: it has not arrived yet).
    pub held: bool,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// The kinds whose records carry an `attachments` list.
pub fn has_attachments(kind: Kind) -> bool {
    matches!(kind, Kind::Event | Kind::Practice | Kind::Inspection | Kind::Supervision | Kind::Case)
}

fn attachments_of(record: &Value) -> Result<Vec<Attachment>> {
    match record.get("attachments") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v.clone()).map_err(Error::from_json),
    }
}

impl Store {
    /// The cap on a PDF's size, from the setting `files.pdf_cap_mb` (default 20 MB).
    pub fn pdf_cap(&self) -> Result<u64> {
        let mb = self.setting("files.pdf_cap_mb")?.and_then(|v| v.trim().parse::<u64>().ok());
        Ok(mb.map(|m| (m * 1024 * 1024).min(MAX_PDF_CAP)).unwrap_or(DEFAULT_PDF_CAP))
    }

    /// Attaches files to a record of this unit: each is checked and converted first (outside any
    /// transaction: a photo takes a moment), then the good ones are kept and added to the record's list
    /// in one transaction, as one change. A bad file is refused by name; the others still go in.
    pub fn attach(&mut self, kind: Kind, id: &str, picked: Vec<Picked>, role: FileRole, caption: Option<&str>) -> Result<AttachOutcome> {
        if !has_attachments(kind) {
            return Err(Error::invalid("kind", crate::Problem::OneOf { value: kind.as_str().into(), choices: "event, practice, inspection, supervision, case".into() }));
        }
        // Found and owned before any work on the files.
        self.get(kind, id)?;
        let cap = self.pdf_cap()?;
        let mut ready = Vec::new();
        let mut refused = Vec::new();
        for p in picked {
            match media::process(&p.name, &p.bytes, cap) {
                Ok(done) => ready.push((p.name, done)),
                Err(problem) => refused.push((p.name, problem)),
            }
        }
        let inst = self.require_installation()?;
        let ctx = WriteCtx::now();
        let caption = caption.map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        let (record, attached) = self.with_tx(|tx| {
            let record = crate::store::get_tx(tx, kind, id)?;
            let mut list = attachments_of(&record)?;
            let mut attached = Vec::new();
            for (name, done) in &ready {
                keep_processed(tx, done, &ctx)?;
                if list.iter().any(|a| a.sha256 == done.sha256) {
                    continue; // the same photo twice: one copy, one entry
                }
                let a = Attachment {
                    sha256: done.sha256.clone(),
                    kind: role,
                    name: name.clone(),
                    media_type: done.media_type.to_string(),
                    size: done.bytes.len() as i64,
                    caption: caption.clone(),
                };
                list.push(a.clone());
                attached.push(a);
            }
            if attached.is_empty() {
                return Ok((record, attached));
            }
            let mut body = record;
            body["attachments"] = serde_json::to_value(&list).map_err(Error::from_json)?;
            let record = crate::store::update_in(tx, &inst, ctx, kind, id, &body)?;
            Ok((record, attached))
        })?;
        Ok(AttachOutcome { record, attached, refused })
    }

    /// Removes one attachment from a record (a change that syncs); the file itself stays until
    /// housekeeping finds no record wants it.
    pub fn detach(&mut self, kind: Kind, id: &str, sha256: &str) -> Result<Value> {
        let sha = crate::model::attachment::parse_sha256("sha256", sha256)?;
        let inst = self.require_installation()?;
        let ctx = WriteCtx::now();
        self.with_tx(|tx| {
            let mut body = crate::store::get_tx(tx, kind, id)?;
            let mut list = attachments_of(&body)?;
            let before = list.len();
            list.retain(|a| a.sha256 != sha);
            if list.len() == before {
                return Err(Error::NotFound { kind: "attachment".into(), id: sha.clone() });
            }
            body["attachments"] = serde_json::to_value(&list).map_err(Error::from_json)?;
            crate::store::update_in(tx, &inst, ctx, kind, id, &body)
        })
    }

    /// The attachments of a record, each with whether its file is here.
    pub fn attachments(&self, kind: Kind, id: &str) -> Result<Vec<AttachmentView>> {
        let record = self.get(kind, id)?;
        let mut stmt = self.conn().prepare_cached("SELECT width, height FROM files WHERE sha256 = ?1")?;
        attachments_of(&record)?
            .into_iter()
            .map(|a| {
                let found: Option<(Option<u32>, Option<u32>)> = stmt.query_row([&a.sha256], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
                Ok(AttachmentView { held: found.is_some(), width: found.and_then(|f| f.0), height: found.and_then(|f| f.1), attachment: a })
            })
            .collect()
    }

    /// A file's bytes, or None when it is not here.
    pub fn file_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.conn().query_row("SELECT content FROM files WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional()?)
    }

    /// A photo's thumbnail (a small JPEG), or None (a PDF, or a file not here).
    pub fn file_thumb(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.conn().query_row("SELECT thumb FROM files WHERE sha256 = ?1", [sha256], |r| r.get::<_, Option<Vec<u8>>>(0)).optional()?.flatten())
    }

    /// Whether the file is here.
    pub fn holds_file(&self, sha256: &str) -> Result<bool> {
        Ok(self.conn().prepare_cached("SELECT 1 FROM files WHERE sha256 = ?1")?.exists([sha256])?)
    }

    /// Files that live records refer to and that are not here: what sync must still bring.
    pub fn missing_files(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT r.sha256 FROM file_refs r WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = r.sha256) ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// Housekeeping: marks files no live record refers to, and removes those marked more than
    /// `grace_days` ago (and parts of transfers left unfinished as long). Returns how many files were
    /// removed.
    pub fn prune_files(&mut self, now: chrono::DateTime<chrono::Utc>, grace_days: i64) -> Result<usize> {
        let now_text = crate::clock::rfc3339(now);
        let cutoff = crate::clock::rfc3339(now - chrono::Duration::days(grace_days));
        self.with_tx(|tx| {
            tx.execute(
                "UPDATE files SET orphan_since = NULL WHERE orphan_since IS NOT NULL AND EXISTS (SELECT 1 FROM file_refs r WHERE r.sha256 = files.sha256)",
                [],
            )?;
            tx.execute(
                "UPDATE files SET orphan_since = ?1 WHERE orphan_since IS NULL AND NOT EXISTS (SELECT 1 FROM file_refs r WHERE r.sha256 = files.sha256)",
                [&now_text],
            )?;
            // Parts of a transfer nobody finished within the grace period will not be finished.
            tx.execute("DELETE FROM file_parts WHERE received_at < ?1", [&cutoff])?;
            Ok(tx.execute("DELETE FROM files WHERE orphan_since IS NOT NULL AND orphan_since < ?1", [&cutoff])?)
        })
    }
}

/// Keeps a converted file (once: the same hash is the same bytes). Its thumbnail is made here.
fn keep_processed(tx: &rusqlite::Connection, done: &Processed, ctx: &WriteCtx) -> Result<()> {
    let added = chrono::DateTime::from_timestamp_millis(ctx.wall_millis).map(crate::clock::rfc3339).unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO files (sha256, media_type, size, width, height, added_at, thumb, content)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (sha256) DO UPDATE SET orphan_since = NULL",
    )?
    .execute(params![done.sha256, done.media_type, done.bytes.len() as i64, done.width, done.height, added, done.thumb, done.bytes])?;
    Ok(())
}

/// Keeps a file that came from another installation, after checking that its bytes are its hash and
/// that it is a kind of file kept here (a photo is checked by decoding it and gets its thumbnail here).
pub fn keep_received(tx: &rusqlite::Connection, sha256: &str, media_type: &str, bytes: &[u8], ctx: &WriteCtx) -> std::result::Result<(), ReceivedProblem> {
    if sha256_hex(bytes) != sha256 {
        return Err(ReceivedProblem::File(FileProblem::HashMismatch));
    }
    let (width, height, thumb) = match media_type {
        "image/jpeg" => {
            let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
                .map_err(|e| ReceivedProblem::File(FileProblem::Damaged(e.to_string())))?;
            let thumb = img.thumbnail(media::THUMB_LONG_SIDE, media::THUMB_LONG_SIDE).to_rgb8();
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70)
                .encode_image(&thumb)
                .map_err(|e| ReceivedProblem::File(FileProblem::Damaged(e.to_string())))?;
            (Some(img.width()), Some(img.height()), Some(out))
        }
        "application/pdf" if bytes.starts_with(b"%PDF-") => (None, None, None),
        _ => return Err(ReceivedProblem::File(FileProblem::NotWhatItSays { extension: media_type.into(), actual: media::Sniffed::of(bytes).name() })),
    };
    let done = Processed { sha256: sha256.into(), bytes: bytes.to_vec(), media_type: if thumb.is_some() { "image/jpeg" } else { "application/pdf" }, width, height, thumb };
    keep_processed(tx, &done, ctx).map_err(ReceivedProblem::Store)
}

/// The checks of a received file, for a store that keeps it elsewhere (the national hub): its bytes are
/// its hash, and it is the photo or PDF it says it is.
pub fn check_received(sha256: &str, media_type: &str, bytes: &[u8]) -> std::result::Result<(), FileProblem> {
    if sha256_hex(bytes) != sha256 {
        return Err(FileProblem::HashMismatch);
    }
    match media_type {
        "image/jpeg" => image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).map(|_| ()).map_err(|e| FileProblem::Damaged(e.to_string())),
        "application/pdf" if bytes.starts_with(b"%PDF-") => Ok(()),
        _ => Err(FileProblem::NotWhatItSays { extension: media_type.into(), actual: media::Sniffed::of(bytes).name() }),
    }
}

/// A received file refused (said by name, asked for again), or the store failing (the import stops).
#[derive(Debug)]
pub enum ReceivedProblem {
    File(FileProblem),
    Store(Error),
}

#[cfg(test)]
mod tests;

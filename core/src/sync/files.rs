//! Evidence files travelling beside the changes (docs/bundle-format.md, "Files").
//!
//! The change of a record carries only the hashes of its files; the files go separately so that they
//! never hold the records back: on a stick, after the bundles, as many as fit, into a folder
//! `sotay-files-for-<addressee>/`, one `<sha256>.sotayfile` each, sealed to the addressee like a
//! bundle's changes (HPKE, one message per file). What was not written waits for the next export. The
//! receiver checks each file's bytes against its name and keeps it; its receipt lists the files it now
//! holds, and only then does a file leave the sender's outbox (`file_outbox`).

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as KemTrait, OpModeR, OpModeS, Serializable};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::enroll::Role;
use super::keys::{b64, from_b64};
use super::Peer;
use crate::error::{Error, Result};
use crate::evidence::{self, FileProblem};
use crate::store::{Store, WriteCtx};

type Kem = X25519HkdfSha256;

/// The first line of a sealed file.
pub const MAGIC: &[u8] = b"SOTAYFILE1\n";
pub const EXTENSION: &str = "sotayfile";

/// The second line: who sent it to whom, what it is, how it is sealed. The rest is the ciphertext.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHeader {
    pub sha256: String,
    pub media_type: String,
    pub from: String,
    pub to: String,
    pub scheme: String,
    pub enc: String,
}

fn info(sha256: &str, to: &str) -> Vec<u8> {
    format!("sotay-file-v1 {sha256} {to}").into_bytes()
}

/// The folder on a stick that holds the files for `installation`.
pub fn folder_for(dir: &Path, installation: &str) -> PathBuf {
    dir.join(format!("sotay-files-for-{installation}"))
}

/// The bytes of a sealed file.
pub fn seal(to_key: &VerifyingKey, header: FileHeader, plain: &[u8]) -> Result<Vec<u8>> {
    let pk = <Kem as KemTrait>::PublicKey::from_bytes(&crate::vault::sealed::encryption_key(to_key))
        .map_err(|e| Error::Integrity(format!("the addressee's key: {e}")))?;
    let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &pk,
        &info(&header.sha256, &header.to),
        plain,
        header.sha256.as_bytes(),
        &mut crypto_box::aead::OsRng,
    )
    .map_err(|e| Error::Integrity(format!("sealing: {e}")))?;
    let header = FileHeader { scheme: super::sealing::SCHEME.into(), enc: b64(&enc.to_bytes()), ..header };
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(serde_json::to_string(&header).map_err(Error::from_json)?.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a sealed file addressed to `me` (installation `my_origin`): its header and plain bytes, the
/// bytes checked against the hash the header (and the file's name) gives.
pub fn open(me: &SigningKey, my_origin: &str, content: &[u8]) -> std::result::Result<(FileHeader, Vec<u8>), FileProblem> {
    let rest = content.strip_prefix(MAGIC).ok_or(FileProblem::Damaged("not a Sotay file".into()))?;
    let nl = rest.iter().position(|b| *b == b'\n').ok_or(FileProblem::Truncated)?;
    let header: FileHeader = serde_json::from_slice(&rest[..nl]).map_err(|e| FileProblem::Damaged(e.to_string()))?;
    if header.to != my_origin {
        return Err(FileProblem::Damaged("addressed to another installation".into()));
    }
    let sk = <Kem as KemTrait>::PrivateKey::from_bytes(&me.to_scalar_bytes()).map_err(|e| FileProblem::Damaged(e.to_string()))?;
    let enc = from_b64(&header.enc)
        .and_then(|b| <Kem as KemTrait>::EncappedKey::from_bytes(&b).ok())
        .ok_or(FileProblem::Damaged("bad sealing header".into()))?;
    let plain = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeR::Base,
        &sk,
        &enc,
        &info(&header.sha256, &header.to),
        &rest[nl + 1..],
        header.sha256.as_bytes(),
    )
    .map_err(|_| FileProblem::HashMismatch)?;
    if evidence::sha256_hex(&plain) != header.sha256 {
        return Err(FileProblem::HashMismatch);
    }
    Ok((header, plain))
}

/// What an export did with files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FilesExported {
    pub written: usize,
    pub bytes: u64,
    /// Files the addressee still lacks after this export: not written (the stick was full), or not here
    /// yet themselves (relayed records whose files have not arrived).
    pub waiting: usize,
}

/// What an import did with the files for this installation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FilesTaken {
    /// Per sender: the hashes now held of those it sent (taken now, or held already).
    pub held: Vec<(String, Vec<String>)>,
    pub taken: usize,
    /// Each file refused: its name for people, and why (in the words of `lang`).
    pub refused: Vec<(String, String)>,
    /// Files records here refer to that are still not here, by name: they are asked for again.
    pub still_missing: Vec<String>,
}

impl Store {
    /// The files that records travelling to `peer` refer to, as a query over `?2`, the root of a unit
    /// tree: upward, those of records of this unit's subtree (its own, and those relayed from below), the
    /// root being this unit; downward, those of records of the kinds sent down that are not the peer's
    /// own, the root being the peer's unit. Returns the query and its root.
    fn files_for(peer: &Peer, own_unit: String) -> (&'static str, String) {
        if peer.role == Role::Upper {
            (
                "SELECT DISTINCT f.sha256 FROM file_refs f JOIN records r ON r.rowid = f.record_rowid
                 WHERE r.owner_unit IN (WITH RECURSIVE tree(id) AS (SELECT ?2 UNION SELECT c.id FROM records c JOIN tree t ON c.link_id = t.id WHERE c.kind = 'unit')
                                        SELECT id FROM tree)",
                own_unit,
            )
        } else {
            (
                "SELECT DISTINCT f.sha256 FROM file_refs f JOIN records r ON r.rowid = f.record_rowid
                 WHERE r.kind IN ('unit', 'plan', 'indicator', 'practice')
                   AND r.owner_unit NOT IN (WITH RECURSIVE tree(id) AS (SELECT ?2 UNION SELECT c.id FROM records c JOIN tree t ON c.link_id = t.id WHERE c.kind = 'unit')
                                            SELECT id FROM tree)",
                peer.unit_id.clone(),
            )
        }
    }

    /// Queues for `peer` every file that records travelling to it refer to (see `files_for`).
    /// A file acknowledged once is never queued again.
    pub(crate) fn queue_files_for(&mut self, peer: &Peer) -> Result<()> {
        let (wanted, root) = Self::files_for(peer, self.require_installation()?.unit_id);
        let sql = format!("INSERT OR IGNORE INTO file_outbox (peer, sha256) SELECT ?1, sha256 FROM ({wanted})");
        self.with_tx(|tx| {
            tx.execute(&sql, params![peer.installation, root])?;
            Ok(())
        })
    }

    /// How many files `peer` still lacks: those records travelling to it refer to, less those it said it
    /// holds. Counted from the records, not from the outbox, so that a file attached since the last
    /// export or sync is counted before anything was queued.
    pub fn files_waiting(&self, peer: &str) -> Result<usize> {
        let (Some(peer), Some(inst)) = (self.peer(peer)?, self.installation()?) else {
            return Ok(0);
        };
        let (wanted, root) = Self::files_for(&peer, inst.unit_id);
        let sql = format!(
            "SELECT count(*) FROM ({wanted}) w WHERE NOT EXISTS
               (SELECT 1 FROM file_outbox o WHERE o.peer = ?1 AND o.sha256 = w.sha256 AND o.acked_at IS NOT NULL)"
        );
        let n: i64 = self.conn().query_row(&sql, params![peer.installation, root], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Files `peer` says it holds leave the outbox.
    pub(crate) fn ack_files(&mut self, peer: &str, hashes: &[String]) -> Result<()> {
        if hashes.is_empty() {
            return Ok(());
        }
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.with_tx(|tx| {
            let mut stmt = tx.prepare_cached("UPDATE file_outbox SET acked_at = ?3 WHERE peer = ?1 AND sha256 = ?2 AND acked_at IS NULL")?;
            for h in hashes {
                stmt.execute(params![peer, h, now])?;
            }
            Ok(())
        })
    }

    /// Writes the files `peer` lacks into its folder in `dir`, one at a time (memory stays bounded
    /// whatever their number), each written under a temporary name, flushed and renamed. A file that does
    /// not fit stops the writing: what was written stays whole, the rest waits for the next export.
    pub(crate) fn write_files_for(&mut self, dir: &Path, peer: &Peer) -> Result<FilesExported> {
        self.queue_files_for(peer)?;
        let me = self.require_installation()?.origin;
        let to_key = self.peer_key(&peer.installation).ok_or(Error::NoUpperPeer)?;
        let mut stmt = self.conn().prepare(
            "SELECT o.sha256 FROM file_outbox o WHERE o.peer = ?1 AND o.acked_at IS NULL
               AND EXISTS (SELECT 1 FROM files f WHERE f.sha256 = o.sha256) ORDER BY o.rowid",
        )?;
        let queue = stmt.query_map([&peer.installation], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        let mut out = FilesExported::default();
        if !queue.is_empty() {
            let folder = folder_for(dir, &peer.installation);
            std::fs::create_dir_all(&folder).map_err(|e| Error::Io { path: folder.display().to_string(), source: e })?;
            let _small_cache = self.small_cache()?;
            for sha in &queue {
                let target = folder.join(format!("{sha}.{EXTENSION}"));
                if target.exists() {
                    continue; // written by an earlier export, not yet taken
                }
                let (media_type, plain): (String, Vec<u8>) =
                    self.conn().query_row("SELECT media_type, content FROM files WHERE sha256 = ?1", [sha], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let header = FileHeader { sha256: sha.clone(), media_type, from: me.clone(), to: peer.installation.clone(), scheme: String::new(), enc: String::new() };
                let sealed = seal(&to_key, header, &plain)?;
                if write_whole_or_nothing(&target, &sealed).is_err() {
                    break; // the stick is full (or pulled): the rest wait
                }
                crate::pause::point("export.file_written");
                out.written += 1;
                out.bytes += sealed.len() as u64;
            }
        }
        out.waiting = self.files_waiting(&peer.installation)?.saturating_sub(out.written);
        Ok(out)
    }

    /// Takes the files for this installation from `dir` (a stick): each opened, checked against its
    /// hash and kept in its own transaction. A bad one is refused by name and left out; the rest go on.
    pub fn take_files_from(&mut self, dir: &Path, dry_run: bool, lang: crate::Lang) -> Result<FilesTaken> {
        let me = self.require_installation()?.origin;
        let key = self.signing_key()?;
        let folder = folder_for(dir, &me);
        let mut out = FilesTaken::default();
        let entries = match std::fs::read_dir(&folder) {
            Ok(rd) => rd.filter_map(|e| e.ok()).collect::<Vec<_>>(),
            Err(_) => Vec::new(),
        };
        let cache_before = self.shrink_cache()?;
        let taken = self.take_each_file(&folder, entries, &key, &me, dry_run, lang, &mut out);
        self.conn().execute_batch(&format!("PRAGMA cache_size = {cache_before}"))?;
        taken?;
        for sha in self.missing_files()? {
            out.still_missing.push(self.attachment_name(&sha)?.unwrap_or(sha));
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn take_each_file(
        &mut self,
        folder: &Path,
        entries: Vec<std::fs::DirEntry>,
        key: &SigningKey,
        me: &str,
        dry_run: bool,
        lang: crate::Lang,
        out: &mut FilesTaken,
    ) -> Result<()> {
        let mut names: Vec<_> = entries.iter().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        for name in names {
            if name.starts_with('.') && name.ends_with(".part") {
                continue; // an export cut short: not a file yet
            }
            let path = folder.join(&name);
            let sha = name.strip_suffix(&format!(".{EXTENSION}")).filter(|h| crate::model::attachment::is_sha256(h));
            let is_plain_file = std::fs::symlink_metadata(&path).map(|m| m.file_type().is_file()).unwrap_or(false);
            let refuse = |out: &mut FilesTaken, problem: FileProblem| {
                let why = crate::i18n::file_problem_text(&problem, lang);
                out.refused.push((name.clone(), why));
            };
            // Only a plain file named by a hash: never a link, never a path that leads elsewhere.
            let (Some(sha), true) = (sha, is_plain_file) else {
                refuse(out, FileProblem::UnsafeName);
                continue;
            };
            let sha = sha.to_string();
            if self.holds_file(&sha)? {
                if let Some(sender) = sender_of(&path) {
                    push_held(&mut out.held, sender, sha);
                }
                continue;
            }
            let content = match std::fs::read(&path) {
                Ok(c) => c,
                Err(e) => {
                    refuse(out, FileProblem::Unreadable(e.to_string()));
                    continue;
                }
            };
            let (header, plain) = match open(key, me, &content) {
                Ok(h) if h.0.sha256 == sha => h,
                Ok(_) => {
                    refuse(out, FileProblem::HashMismatch);
                    continue;
                }
                Err(p) => {
                    let named = self.attachment_name(&sha)?.unwrap_or(name.clone());
                    out.refused.push((named, crate::i18n::file_problem_text(&p, lang)));
                    continue;
                }
            };
            if dry_run {
                out.taken += 1;
                continue;
            }
            let ctx = WriteCtx::now();
            let kept = self.with_tx(|tx| Ok(evidence::keep_received(tx, &sha, &header.media_type, &plain, &ctx)))?;
            match kept {
                Ok(()) => {
                    out.taken += 1;
                    push_held(&mut out.held, header.from.clone(), sha);
                }
                Err(evidence::ReceivedProblem::File(p)) => {
                    let named = self.attachment_name(&sha)?.unwrap_or(name.clone());
                    out.refused.push((named, crate::i18n::file_problem_text(&p, lang)));
                }
                Err(evidence::ReceivedProblem::Store(e)) => return Err(e),
            }
        }
        Ok(())
    }

    /// The name a record gives a file, with the record's title: how the officer knows it.
    pub fn attachment_name(&self, sha256: &str) -> Result<Option<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT r.title, r.body FROM file_refs f JOIN records r ON r.rowid = f.record_rowid WHERE f.sha256 = ?1 LIMIT 1",
        )?;
        let found: Option<(String, String)> = rusqlite::OptionalExtension::optional(stmt.query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?))))?;
        Ok(found.map(|(title, body)| {
            let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let name = body["attachments"]
                .as_array()
                .and_then(|l| l.iter().find(|a| a["sha256"] == sha256))
                .and_then(|a| a["name"].as_str())
                .unwrap_or(sha256)
                .to_string();
            format!("{name} ({title})")
        }))
    }

    /// Files pass through SQLite's page cache on their way to or from a stick: a smaller cache for the
    /// while keeps memory bounded (the usual one is 128 MiB). Restored when the guard goes.
    pub(crate) fn small_cache(&self) -> Result<CacheGuard<'_>> {
        let before = self.shrink_cache()?;
        Ok(CacheGuard { conn: self.conn(), before })
    }

    /// Sets the small cache; returns the size before, to be set back.
    fn shrink_cache(&self) -> Result<i64> {
        let before: i64 = self.conn().query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn().execute_batch("PRAGMA cache_size = -8192")?;
        Ok(before)
    }
}

pub(crate) struct CacheGuard<'a> {
    conn: &'a rusqlite::Connection,
    before: i64,
}

impl Drop for CacheGuard<'_> {
    fn drop(&mut self) {
        let _ = self.conn.execute_batch(&format!("PRAGMA cache_size = {}", self.before));
    }
}

fn push_held(held: &mut Vec<(String, Vec<String>)>, sender: String, sha: String) {
    match held.iter_mut().find(|(s, _)| *s == sender) {
        Some((_, list)) => list.push(sha),
        None => held.push((sender, vec![sha])),
    }
}

/// The sender a sealed file names (its header is readable without the key).
fn sender_of(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut content = Vec::new();
    std::fs::File::open(path).ok()?.take(4096).read_to_end(&mut content).ok()?;
    let rest = content.strip_prefix(MAGIC)?;
    let nl = rest.iter().position(|b| *b == b'\n')?;
    serde_json::from_slice::<FileHeader>(&rest[..nl]).ok().map(|h| h.from)
}

/// A temporary name beside the target, flushed, renamed; on any failure nothing under either name.
fn write_whole_or_nothing(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = target.with_file_name(format!(".{}.part", target.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A part of a file sent over the network at a time: far below any hub's body limit, and a cut link
/// loses at most this much.
pub const CHUNK: usize = 512 * 1024;

/// Where a file being received in parts stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartState {
    /// Bytes held so far: the next part starts here.
    pub received: u64,
    pub complete: bool,
}

/// The header of a part, as the first line of a request or answer body; the part's bytes follow.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartHeader {
    pub sha256: String,
    pub media_type: String,
    pub offset: u64,
    pub total: u64,
}

impl PartHeader {
    pub fn frame(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = serde_json::to_vec(self).unwrap_or_default();
        out.push(b'\n');
        out.extend_from_slice(bytes);
        out
    }

    /// Splits a framed part into its header and bytes.
    pub fn unframe(body: &[u8]) -> Option<(PartHeader, &[u8])> {
        let nl = body.iter().position(|b| *b == b'\n')?;
        let header: PartHeader = serde_json::from_slice(&body[..nl]).ok()?;
        Some((header, &body[nl + 1..]))
    }
}

impl Store {
    /// The files `peer` is to get that are here and not yet acknowledged, oldest queued first.
    pub fn files_to_send(&mut self, peer: &Peer) -> Result<Vec<String>> {
        self.queue_files_for(peer)?;
        let mut stmt = self.conn().prepare(
            "SELECT o.sha256 FROM file_outbox o WHERE o.peer = ?1 AND o.acked_at IS NULL
               AND EXISTS (SELECT 1 FROM files f WHERE f.sha256 = o.sha256) ORDER BY o.rowid",
        )?;
        let rows = stmt.query_map([&peer.installation], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Of these hashes, the files not here.
    pub fn lacking(&self, hashes: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for h in hashes {
            if !self.holds_file(h)? {
                out.push(h.clone());
            }
        }
        Ok(out)
    }

    /// Takes one part of a file coming over the network. A part that does not start where the held
    /// bytes end is not taken: the answer says where to resume. The last part completes the file, which
    /// is kept only if its bytes are its hash (else the parts are dropped and it starts again).
    pub fn take_file_part(&mut self, part: &PartHeader, bytes: &[u8]) -> Result<std::result::Result<PartState, FileProblem>> {
        if !crate::model::attachment::is_sha256(&part.sha256) {
            return Ok(Err(FileProblem::UnsafeName));
        }
        if part.total > evidence::MAX_PDF_CAP.max(evidence::media::MAX_PHOTO_INPUT) {
            return Ok(Err(FileProblem::TooLarge { size: part.total, cap: evidence::MAX_PDF_CAP }));
        }
        if self.holds_file(&part.sha256)? {
            return Ok(Ok(PartState { received: part.total, complete: true }));
        }
        let ctx = WriteCtx::now();
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.with_tx(|tx| {
            let held: (i64, Option<i64>) = tx.query_row(
                "SELECT coalesce(sum(length(bytes)), 0), max(total) FROM file_parts WHERE sha256 = ?1",
                [&part.sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let have = match held {
                (n, Some(total)) if total as u64 == part.total => n as u64,
                (_, Some(_)) => {
                    // Parts of another size under this hash: not the same file; start again.
                    tx.execute("DELETE FROM file_parts WHERE sha256 = ?1", [&part.sha256])?;
                    0
                }
                (_, None) => 0,
            };
            if part.offset != have || part.offset + bytes.len() as u64 > part.total || (bytes.is_empty() && part.total > 0) {
                return Ok(Ok(PartState { received: have, complete: false }));
            }
            tx.execute(
                r#"INSERT INTO file_parts (sha256, "offset", media_type, total, bytes, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"#,
                params![part.sha256, part.offset as i64, part.media_type, part.total as i64, bytes, now],
            )?;
            let received = have + bytes.len() as u64;
            if received < part.total {
                return Ok(Ok(PartState { received, complete: false }));
            }
            let mut whole = Vec::with_capacity(part.total as usize);
            {
                let mut stmt = tx.prepare_cached(r#"SELECT bytes FROM file_parts WHERE sha256 = ?1 ORDER BY "offset""#)?;
                let mut rows = stmt.query([&part.sha256])?;
                while let Some(r) = rows.next()? {
                    whole.extend_from_slice(r.get_ref(0)?.as_blob().unwrap_or_default());
                }
            }
            tx.execute("DELETE FROM file_parts WHERE sha256 = ?1", [&part.sha256])?;
            match evidence::keep_received(tx, &part.sha256, &part.media_type, &whole, &ctx) {
                Ok(()) => Ok(Ok(PartState { received, complete: true })),
                Err(evidence::ReceivedProblem::File(p)) => Ok(Err(p)),
                Err(evidence::ReceivedProblem::Store(e)) => Err(e),
            }
        })
    }

    /// How many bytes of a file being received are held (where the next request starts).
    pub fn part_received(&self, sha256: &str) -> Result<u64> {
        let n: Option<i64> = self.conn().query_row("SELECT sum(length(bytes)) FROM file_parts WHERE sha256 = ?1", [sha256], |r| r.get(0))?;
        Ok(n.unwrap_or(0) as u64)
    }

    /// One part of a file here, from `offset`: its header and bytes; None when the file is not here.
    pub fn file_part(&self, sha256: &str, offset: u64) -> Result<Option<(PartHeader, Vec<u8>)>> {
        let found: Option<(String, i64)> = rusqlite::OptionalExtension::optional(
            self.conn().query_row("SELECT media_type, size FROM files WHERE sha256 = ?1", [sha256], |r| Ok((r.get(0)?, r.get(1)?))),
        )?;
        let Some((media_type, size)) = found else { return Ok(None) };
        let total = size as u64;
        let from = offset.min(total);
        let len = (total - from).min(CHUNK as u64);
        // substr on a blob counts bytes from 1.
        let bytes: Vec<u8> = self.conn().query_row(
            "SELECT substr(content, ?2, ?3) FROM files WHERE sha256 = ?1",
            params![sha256, from as i64 + 1, len as i64],
            |r| r.get(0),
        )?;
        Ok(Some((PartHeader { sha256: sha256.into(), media_type, offset: from, total }, bytes)))
    }

    /// Whether `peer` may fetch this file: a record it is sent refers to it (the kinds sent down that
    /// are not its own, or the records of its own subtree).
    pub fn file_visible_to(&self, peer: &Peer, sha256: &str) -> Result<bool> {
        let subtree = self.subtree(&peer.unit_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT r.kind, r.owner_unit FROM file_refs f JOIN records r ON r.rowid = f.record_rowid WHERE f.sha256 = ?1",
        )?;
        let rows = stmt.query_map([sha256], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows.iter().any(|(kind, owner)| subtree.contains(owner) || super::export::DOWNWARD_KINDS.contains(&kind.as_str())))
    }

    /// The files `peer` acknowledged over the network (the hub holds them): they leave the outbox.
    pub fn files_acknowledged(&mut self, peer: &str, hashes: &[String]) -> Result<()> {
        self.ack_files(peer, hashes)
    }
}

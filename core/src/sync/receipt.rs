//! Receipts: after an import the receiver signs what it now holds of each origin; the sender imports the
//! receipt and only then do those changes leave its outbox.

use std::path::{Path, PathBuf};

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::import::{ImportReport, ImportStatus};
use super::keys;
use crate::error::{Error, Refusal, Result};
use crate::store::{new_id, Store};

pub const FORMAT: &str = "sotay-receipt";
/// Version 2 added `answers` (the bundles a receipt answers), which a restored installation needs to
/// tell a fresh receipt from an old one. A version-2 reader reads version 1; a receipt that answers no
/// bundle is written as version 1, which older Sotays still read.
/// Version 3 added `files` (the evidence files the receiver holds of those the sender put on the stick
/// or sent); a receipt with no files is written as before.
pub const VERSION: i64 = 3;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Held {
    pub origin: String,
    /// Every change of `origin` up to this sequence number is held, with no gap.
    pub to: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    pub version: i64,
    pub receipt_id: String,
    /// The installation that signs it (the receiver of the bundles), and the one it is for.
    pub from: String,
    pub to: String,
    pub heads: Vec<Held>,
    /// The bundles of `to` whose import this receipt follows (every one taken in that import).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
    /// SHA-256 of each evidence file of `to` that the receiver now holds: they leave `to`'s outbox.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    pub signature: String,
}

impl Receipt {
    /// Reads a receipt (JSON), or None for anything else.
    pub fn parse(content: &[u8]) -> Option<Receipt> {
        serde_json::from_slice(content).ok().filter(|r: &Receipt| r.format == FORMAT && r.version <= VERSION)
    }

    /// Whether `key` signed it.
    pub fn signed_by(&self, key: &ed25519_dalek::VerifyingKey) -> bool {
        keys::verify(key, &super::signed_part(self), &self.signature)
    }

    /// A receipt from `from` to `to` saying what it holds, signed with `from`'s key. The version is the
    /// lowest that can say it, so that older Sotays still read it.
    pub fn signed(key: &ed25519_dalek::SigningKey, from: &str, to: &str, heads: Vec<Held>, answers: &[String], files: &[String]) -> Receipt {
        let mut receipt = Receipt {
            format: FORMAT.into(),
            version: if !files.is_empty() { VERSION } else if !answers.is_empty() { 2 } else { 1 },
            receipt_id: new_id(),
            from: from.to_string(),
            to: to.to_string(),
            heads,
            answers: answers.to_vec(),
            files: files.to_vec(),
            signature: String::new(),
        };
        receipt.signature = keys::sign(key, &super::signed_part(&receipt));
        receipt
    }
}

impl Store {
    /// A signed receipt for `peer`: every origin that peer has brought here, with its head.
    pub fn receipt_for(&self, peer: &str) -> Result<Receipt> {
        self.receipt_answering(peer, &[])
    }

    /// The receipt for `peer` written right after taking its bundles `answers`.
    pub fn receipt_answering(&self, peer: &str, answers: &[String]) -> Result<Receipt> {
        self.receipt_with_files(peer, answers, &[])
    }

    /// The receipt for `peer` after its bundles `answers`, saying which of its files are held here.
    pub fn receipt_with_files(&self, peer: &str, answers: &[String], files: &[String]) -> Result<Receipt> {
        let inst = self.require_installation()?;
        // What is applied, and what the inbox holds checked and kept (applied in the background).
        let mut stmt = self.conn().prepare(
            "SELECT origin, max(head) FROM (SELECT origin, head FROM origin_heads WHERE via_peer = ?1
                                           UNION ALL SELECT origin, head FROM inbox_heads WHERE via_peer = ?1)
             GROUP BY origin ORDER BY origin",
        )?;
        let heads = stmt
            .query_map([peer], |r| Ok(Held { origin: r.get(0)?, to: r.get(1)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Receipt::signed(&self.signing_key()?, &inst.origin, peer, heads, answers, files))
    }

    /// Writes the receipt for `peer` into `dir` (temporary name, flushed, renamed).
    pub fn write_receipt(&self, dir: &Path, peer: &str, answers: &[String]) -> Result<PathBuf> {
        self.write_receipt_with_files(dir, peer, answers, &[])
    }

    /// The same, saying which of `peer`'s evidence files are held here.
    pub fn write_receipt_with_files(&self, dir: &Path, peer: &str, answers: &[String], files: &[String]) -> Result<PathBuf> {
        let receipt = self.receipt_with_files(peer, answers, files)?;
        // Named for its addressee, so that on a shared stick each installation picks its own.
        let path = dir.join(format!("sotay-receipt-for-{}-{}.json", receipt.to, receipt.receipt_id));
        let tmp = dir.join(format!(".sotay-{}.receipt.json.part", receipt.receipt_id));
        let text = serde_json::to_string_pretty(&receipt).map_err(Error::from_json)?;
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |e| Error::Io { path: p.clone(), source: e }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            crate::pause::point("receipt.write");
            std::fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(&path)(e));
        }
        self.note_sync_event("receipt_written", &serde_json::json!({"peer": peer, "file": path.display().to_string()}))?;
        Ok(path)
    }

    /// A receipt that `sender` sent over the network: nothing but a receipt is taken (a bundle posted
    /// here is refused, never applied), and only one that `sender` itself signed.
    pub fn take_receipt_from(&mut self, sender: &str, name: &str, content: &[u8]) -> Result<ImportReport> {
        let refused = |refusal| Error::Refused { file: name.to_string(), refusal };
        let receipt: Receipt = std::str::from_utf8(content)
            .ok()
            .and_then(|text| serde_json::from_str(text).ok())
            .filter(|r: &Receipt| r.format == FORMAT)
            .ok_or_else(|| refused(Refusal::NotOurFormat))?;
        if receipt.from != sender {
            return Err(refused(Refusal::NotFromSender));
        }
        let text = std::str::from_utf8(content).map_err(|_| refused(Refusal::NotOurFormat))?;
        self.import_receipt(name, text, false, None)
    }

    /// The receipt a hub answered a push with: it answers the bundle just pushed (`pushed`) by
    /// construction, even from a hub too old to say so in `answers`.
    pub fn take_push_receipt(&mut self, content: &[u8], pushed: &str) -> Result<ImportReport> {
        let name = "(qua mạng — biên nhận)";
        let text = std::str::from_utf8(content).map_err(|_| Error::Refused { file: name.into(), refusal: Refusal::NotOurFormat })?;
        self.import_receipt(name, text, false, Some(pushed))
    }

    /// `answered`: a bundle this receipt is known to answer whatever it says (see take_push_receipt).
    pub(crate) fn import_receipt(&mut self, name: &str, text: &str, dry_run: bool, answered: Option<&str>) -> Result<ImportReport> {
        let refused = |refusal| Error::Refused { file: name.to_string(), refusal };
        let inst = self.require_installation()?;
        let r: Receipt = serde_json::from_str(text).map_err(|e| refused(Refusal::Malformed { line: e.line(), detail: e.to_string() }))?;
        if r.format != FORMAT {
            return Err(refused(Refusal::NotOurFormat));
        }
        if r.version > VERSION {
            return Err(refused(Refusal::NewerFormat { found: r.version, known: VERSION }));
        }
        let Some(key) = self.peer_key(&r.from) else {
            return Err(refused(Refusal::UnknownKey { fingerprint: r.from.clone() }));
        };
        if !keys::verify(&key, &super::signed_part(&r), &r.signature) {
            return Err(refused(Refusal::BadSignature));
        }
        if r.to != inst.origin {
            return Err(refused(Refusal::NotForThisInstallation));
        }
        let mut moved = 0;
        if !dry_run {
            // After a restore, only a receipt answering a bundle sent since says where this origin stands.
            let held = self.restored_at()?.is_some();
            let mut answers = r.answers.clone();
            answers.extend(answered.map(str::to_string));
            let fresh = held && self.is_fresh_answer(&r.from, &answers)?;
            let from_upper = self.peers()?.iter().any(|p| p.installation == r.from && p.role == super::Role::Upper);
            self.with_tx(|tx| {
                if fresh {
                    let upper_head = r.heads.iter().find(|h| h.origin == inst.origin).map_or(0, |h| h.to);
                    super::restored::end_hold(tx, &inst.origin, &r.from, upper_head)?;
                }
                for h in &r.heads {
                    // While held, the upper level's word on this origin counts only when fresh (above).
                    if held && from_upper && h.origin == inst.origin {
                        continue;
                    }
                    let n = tx.execute(
                        "INSERT INTO acks (peer, origin, acked) VALUES (?1, ?2, ?3)
                         ON CONFLICT (peer, origin) DO UPDATE SET acked = excluded.acked WHERE excluded.acked > acked",
                        params![r.from, h.origin, h.to],
                    )?;
                    moved += n;
                    crate::pause::point("receipt.ack");
                }
                Ok(())
            })?;
            crate::pause::point("receipt.applied");
            self.ack_files(&r.from, &r.files)?;
            self.note_sync_event("receipt", &serde_json::json!({"from": r.from, "origins": moved}))?;
            self.note_contact(&r.from)?;
        }
        Ok(ImportReport {
            file: name.to_string(),
            bundle_id: None,
            status: ImportStatus::Receipt { origins: moved },
            new_changes: 0,
            already: 0,
            conflicts: 0,
            sender: Some(r.from),
        })
    }
}

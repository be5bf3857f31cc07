//! Sync with a folder standing for the USB stick: what the window's Sync screen does in one call each.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::import::ImportReport;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::store::Store;

/// One file's outcome: its report, or why it was refused.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ImportReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FolderImport {
    pub files: Vec<FileOutcome>,
    /// The evidence files for this installation on the stick: taken, refused by name, still missing.
    pub evidence: super::files::FilesTaken,
    pub receipts_written: Vec<String>,
    /// The backup taken before the files were applied.
    pub backup: Option<std::path::PathBuf>,
}

/// Sync files in a folder: bundles first, in name order, then receipts.
pub fn sync_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::Io { path: dir.display().to_string(), source: e })?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("sotay-") && name.ends_with(".json")
        })
        .collect();
    files.sort_by_key(|p| (p.display().to_string().contains("receipt"), p.clone()));
    Ok(files)
}

impl Store {
    /// Imports (or with `dry_run`, previews) every sync file in `dir`; after a real import writes a
    /// receipt for each sender back into `dir`. Files for other installations, and this installation's
    /// own bundles, are skipped: a stick is shared.
    /// `progress(done, total)` is called before each file.
    pub fn import_folder(&mut self, dir: &Path, dry_run: bool, lang: Lang, progress: &mut dyn FnMut(usize, usize)) -> Result<FolderImport> {
        let me = self.require_installation()?.origin;
        let mut out = FolderImport { files: Vec::new(), evidence: Default::default(), receipts_written: Vec::new(), backup: None };
        // Each sender of a bundle here, with every bundle of it taken: its receipt answers them.
        let mut senders: Vec<(String, Vec<String>)> = Vec::new();
        let files = sync_files(dir)?;
        let total = files.len();
        // The database as it was before the stick, kept (and checked) first.
        if !dry_run && total > 0 {
            out.backup = self.backup_before_import()?.map(|b| b.path);
        }
        for (i, f) in files.into_iter().enumerate() {
            progress(i, total);
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if name.starts_with("sotay-receipt-for-") && !name.contains(&me) {
                continue;
            }
            // Bundles this installation wrote, or written for another one, are not ours to import.
            if let Some(h) = super::bundle::peek_header(&f) {
                if h.sender == me || h.recipient != me {
                    continue;
                }
            }
            match self.import_file(&f, dry_run) {
                Ok(r) => {
                    if let (Some(s), false) = (&r.sender, matches!(r.status, super::ImportStatus::Receipt { .. })) {
                        let taken: Vec<String> = r.bundle_id.iter().cloned().collect();
                        match senders.iter_mut().find(|(x, _)| x == s) {
                            Some(entry) => entry.1.extend(taken),
                            None => senders.push((s.clone(), taken)),
                        }
                    }
                    out.files.push(FileOutcome { file: name, report: Some(r), refused: None });
                }
                Err(e) => {
                    // The row already names the file: give the reason alone.
                    let reason = match &e {
                        Error::Refused { refusal, .. } => crate::i18n::refusal_text(refusal, lang),
                        other => other.message(lang),
                    };
                    out.files.push(FileOutcome { file: name, report: None, refused: Some(reason) });
                }
            }
        }
        // After the records that refer to them: each file checked against its hash, then kept.
        out.evidence = self.take_files_from(dir, dry_run, lang)?;
        if !dry_run {
            for (s, _) in &out.evidence.held {
                if !senders.iter().any(|(x, _)| x == s) {
                    senders.push((s.clone(), Vec::new()));
                }
            }
            for (s, taken) in senders {
                let files = out.evidence.held.iter().find(|(x, _)| *x == s).map(|(_, h)| h.clone()).unwrap_or_default();
                out.receipts_written.push(self.write_receipt_with_files(dir, &s, &taken, &files)?.display().to_string());
            }
        }
        Ok(out)
    }
}

/// Folders where removable drives are mounted (Linux: /media/<user>/*, /run/media/<user>/*; Windows:
/// drive letters other than C:), for the Sync screen to offer.
pub fn removable_drives() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if cfg!(windows) {
        for letter in b'D'..=b'Z' {
            let p = PathBuf::from(format!("{}:\\", letter as char));
            if p.exists() {
                out.push(p);
            }
        }
        return out;
    }
    let user = std::env::var("USER").unwrap_or_default();
    for base in [format!("/media/{user}"), format!("/run/media/{user}"), "/media".to_string(), "/mnt".to_string()] {
        if let Ok(rd) = std::fs::read_dir(&base) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() && !out.contains(&p) && p.display().to_string() != format!("/media/{user}") {
                    out.push(p);
                }
            }
        }
    }
    out
}

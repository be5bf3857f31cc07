//! Evidence files (minh chứng) in the window: the gallery of a record's attachments, attaching files
//! picked in the system's dialog or dropped on the window, removing one, and opening one in the
//! system's viewer. The work is sotay-core's (`sotay_core::evidence`): photos are shrunk and stripped of
//! their metadata there, each file kept once by its hash inside the encrypted store.
//!
//! Paths come only from the system's file dialog or from a drop on the window (Tauri's `tauri://drag-drop`
//! event gives the page the dropped paths); a file is read only to be checked and attached, never shown
//! back as it was, and only photos and PDFs are kept.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{json, Value};
use sotay_core::evidence::{has_attachments, Picked};
use sotay_core::model::FileRole;
use sotay_core::{Error, Kind, Lang, Problem};
use tauri::{Manager, State};

use crate::{AppState, WireError};

/// What the dialog offers: the photos core converts (HEIC too, so that it is refused with words rather
/// than hidden) and PDFs.
const PICKABLE: [&str; 7] = ["jpg", "jpeg", "png", "webp", "heic", "heif", "pdf"];

/// The kinds with an `attachments` list; any other is refused on `kind`.
fn evidence_kind(s: &str, lang: Lang) -> Result<Kind, WireError> {
    let k = crate::kind(s)?;
    if !has_attachments(k) {
        let problem = Problem::OneOf { value: s.into(), choices: "event, practice, inspection, supervision, case".into() };
        return Err(WireError::from_core(&Error::invalid("kind", problem), lang));
    }
    Ok(k)
}

/// The file's role (what it shows), `photo` when not said.
fn file_role(s: Option<&str>, lang: Lang) -> Result<FileRole, WireError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(FileRole::Photo),
        Some(r) => FileRole::parse(r).ok_or_else(|| {
            let choices = FileRole::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
            WireError::from_core(&Error::invalid("role", Problem::OneOf { value: r.into(), choices }), lang)
        }),
    }
}

/// The kind and the role of an attachment asked for, checked.
fn target(kind: &str, role: Option<&str>, lang: Lang) -> Result<(Kind, FileRole), WireError> {
    Ok((evidence_kind(kind, lang)?, file_role(role, lang)?))
}

/// A record's attachments, each with whether its file is here (`held`), its size in pixels and, for a
/// photo that is here, its thumbnail as a data URL the page can show (`img-src data:`).
#[tauri::command(async)]
pub fn evidence_list(state: State<'_, AppState>, kind: String, id: String) -> Result<Vec<Value>, WireError> {
    let k = evidence_kind(&kind, state.lang())?;
    state.with(|s| {
        s.attachments(k, &id)?
            .into_iter()
            .map(|a| {
                let thumb = if a.held { s.file_thumb(&a.attachment.sha256)? } else { None };
                let mut v = serde_json::to_value(&a).map_err(Error::from_json)?;
                if let Some(jpeg) = thumb {
                    v["thumb"] = json!(format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg)));
                }
                Ok(v)
            })
            .collect()
    })
}

/// Opens the system's dialog for one or more files and attaches those chosen: `null` when the officer
/// cancels. `SOTAY_TEST_PICKED_EVIDENCE` (paths joined as in PATH) stands for the choice in the window
/// tests, where no system dialog can be driven.
#[tauri::command(async)]
pub fn evidence_pick<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    kind: String,
    id: String,
    role: Option<String>,
    caption: Option<String>,
) -> Result<Value, WireError> {
    let lang = state.lang();
    let (k, role) = target(&kind, role.as_deref(), lang)?;
    let paths: Vec<PathBuf> = match std::env::var_os("SOTAY_TEST_PICKED_EVIDENCE") {
        Some(list) => std::env::split_paths(&list).collect(),
        None => {
            use tauri_plugin_dialog::DialogExt;
            let vi = lang == Lang::Vi;
            let chosen = app
                .dialog()
                .file()
                .set_title(if vi { "Chọn tệp minh chứng" } else { "Choose evidence files" })
                .add_filter(if vi { "Ảnh, PDF" } else { "Photos, PDF" }, &PICKABLE)
                .add_filter(if vi { "Ảnh" } else { "Photos" }, &PICKABLE[..6])
                .add_filter("PDF", &PICKABLE[6..])
                .blocking_pick_files();
            match chosen {
                None => return Ok(Value::Null),
                Some(files) => files.into_iter().filter_map(|f| f.into_path().ok()).collect(),
            }
        }
    };
    if paths.is_empty() {
        return Ok(Value::Null);
    }
    attach(&app, &state, k, &id, &paths, role, caption.as_deref())
}

/// Attaches files dropped on the window (their paths, from the `tauri://drag-drop` event).
#[tauri::command(async)]
pub fn evidence_attach_paths<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    kind: String,
    id: String,
    paths: Vec<String>,
    role: Option<String>,
    caption: Option<String>,
) -> Result<Value, WireError> {
    let (k, role) = target(&kind, role.as_deref(), state.lang())?;
    let paths: Vec<PathBuf> = paths.iter().map(|p| PathBuf::from(p.trim())).filter(|p| !p.as_os_str().is_empty()).collect();
    attach(&app, &state, k, &id, &paths, role, caption.as_deref())
}

/// Reads and attaches the files: `{record, attached, refused: [{file, message}]}`. A file that cannot be
/// read or is not what it says is refused by name; the others are attached all the same.
fn attach<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    state: &AppState,
    kind: Kind,
    id: &str,
    paths: &[PathBuf],
    role: FileRole,
    caption: Option<&str>,
) -> Result<Value, WireError> {
    let lang = state.lang();
    let mut picked = Vec::new();
    let mut unread = Vec::new();
    // Read before the store is taken: a large file from a slow stick holds nothing up.
    for p in paths {
        match Picked::read(p) {
            Ok(file) => picked.push(file),
            Err(refusal) => unread.push(refusal),
        }
    }
    let outcome = state.with(|s| s.attach(kind, id, picked, role, caption))?;
    if !outcome.attached.is_empty() {
        crate::wake_agent(app);
    }
    let refused: Vec<Value> = unread
        .into_iter()
        .chain(outcome.refused)
        .map(|(file, problem)| {
            let message = Error::FileRefused { file: file.clone(), problem }.message(lang);
            json!({"file": file, "message": message})
        })
        .collect();
    Ok(json!({"record": outcome.record, "attached": outcome.attached, "refused": refused}))
}

/// Removes one attachment from the record (a change that syncs); returns the record.
#[tauri::command(async)]
pub fn evidence_detach<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>, kind: String, id: String, sha256: String) -> Result<Value, WireError> {
    let k = evidence_kind(&kind, state.lang())?;
    let record = state.with(|s| s.detach(k, &id, &sha256))?;
    crate::wake_agent(&app);
    Ok(record)
}

/// Writes the file, decrypted, into the window's folder of opened files (named by its hash) and opens
/// it in the system's viewer; returns its path. The folder is emptied when the window starts and when
/// it locks. `SOTAY_TEST_NO_VIEWER` writes the file without starting a viewer (the window tests).
#[tauri::command(async)]
pub fn evidence_open<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>, sha256: String) -> Result<String, WireError> {
    let lang = state.lang();
    let vi = lang == Lang::Vi;
    let sha = sotay_core::model::attachment::parse_sha256("sha256", &sha256).map_err(|e| WireError::from_core(&e, lang))?;
    let bytes = state.with(|s| s.file_bytes(&sha))?.ok_or_else(|| WireError {
        code: "not_found".into(),
        message: if vi { "Tệp này chưa về máy".into() } else { "This file is not on this computer yet".into() },
        field: Some("sha256".into()),
        errors: Vec::new(),
    })?;
    let ext = if bytes.starts_with(b"%PDF-") { "pdf" } else { "jpg" };
    let dir = opened_dir(&app);
    let path = dir.join(format!("{sha}.{ext}"));
    let io = |e: std::io::Error| {
        let msg = if vi { format!("Không mở được tệp: {e}") } else { format!("The file could not be opened: {e}") };
        WireError { code: "internal".into(), message: msg, field: None, errors: Vec::new() }
    };
    make_private_dir(&dir).map_err(io)?;
    // Named by its hash: the same bytes are there already when it was opened before.
    if std::fs::metadata(&path).map(|m| m.len() != bytes.len() as u64).unwrap_or(true) {
        let part = dir.join(format!("{sha}.{ext}.part"));
        std::fs::write(&part, &bytes).and_then(|_| std::fs::rename(&part, &path)).map_err(io)?;
    }
    if std::env::var_os("SOTAY_TEST_NO_VIEWER").is_none() {
        crate::print::open_with_system(&path).map_err(io)?;
    }
    Ok(path.display().to_string())
}

/// Where opened files are written: the app's cache folder (the user's own), else the system's temporary
/// folder.
fn opened_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> PathBuf {
    match app.path().app_cache_dir() {
        Ok(dir) => dir.join("minh-chung-da-mo"),
        Err(_) => std::env::temp_dir().join("sotay-minh-chung-da-mo"),
    }
}

fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Removes the files opened in the viewer (decrypted copies): at start and at every lock. A file a
/// viewer still holds open on Windows stays until the next time.
pub fn clear_opened<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    let dir = opened_dir(app);
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries.flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_five_kinds_with_attachments_are_taken() {
        for k in ["event", "practice", "inspection", "supervision", "case"] {
            assert!(evidence_kind(k, Lang::Vi).is_ok(), "{k}");
        }
        let e = evidence_kind("plan", Lang::Vi).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("invalid", Some("kind")));
    }

    #[test]
    fn a_role_is_one_of_the_five_and_photo_when_not_said() {
        assert_eq!(file_role(None, Lang::Vi).unwrap(), FileRole::Photo);
        assert_eq!(file_role(Some(""), Lang::Vi).unwrap(), FileRole::Photo);
        assert_eq!(file_role(Some("article"), Lang::Vi).unwrap(), FileRole::Article);
        let e = file_role(Some("selfie"), Lang::En).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("invalid", Some("role")));
    }
}

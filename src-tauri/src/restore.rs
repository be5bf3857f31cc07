//! "Khôi phục": the backups the officer can bring back, a look at one before anything changes, and the
//! restore itself — with the window's store closed and the sync agent held off while the file is
//! replaced, then opened again on the restored database.

use std::path::PathBuf;

use serde_json::{json, Value};
use sotay_core::Store;
use tauri::State;

use crate::{AppState, WireError};

/// The backups in the automatic backups' folder, newest first, and the folder.
#[tauri::command(async)]
pub fn backups_list(state: State<'_, AppState>) -> Result<Value, WireError> {
    let folder = sotay_core::backup::folder_for(&state.db_path);
    let lang = state.lang();
    let found = sotay_core::backup::list(&folder).map_err(|e| WireError::from_core(&e, lang))?;
    let rows: Vec<Value> = found
        .iter()
        .map(|b| {
            json!({"path": b.path, "taken_at": b.taken_at, "reason": b.reason, "reason_text": b.reason.name(lang), "bytes": b.bytes})
        })
        .collect();
    Ok(json!({"folder": folder, "backups": rows}))
}

/// What a backup file holds, checked as a restore would check it; nothing changes.
#[tauri::command(async)]
pub fn restore_inspect(state: State<'_, AppState>, path: String) -> Result<Value, WireError> {
    let file = PathBuf::from(path.trim());
    let info = sotay_core::restore::inspect(&state.db_path, &file).map_err(|e| WireError::from_core(&e, state.lang()))?;
    Ok(serde_json::to_value(info).unwrap_or_default())
}

/// Puts the backup at `path` in the database's place (the current one kept as a backup first).
#[tauri::command(async)]
pub fn restore_backup(state: State<'_, AppState>, path: String) -> Result<Value, WireError> {
    let file = PathBuf::from(path.trim());
    let lang = state.lang();
    // No sync round may hold the file while it is replaced.
    // The gate guards nothing but its turn: a sync round that panicked leaves it usable.
    let _agent = crate::agent::GATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut guard = state.store.lock().map_err(|_| WireError::internal("store lock poisoned"))?;
    // The window's own connection is closed first: on Windows an open file cannot be replaced.
    *guard = Err(WireError::internal("restoring"));
    let done = sotay_core::restore::restore(&state.db_path, &file);
    *guard = Store::open(&state.db_path).map_err(|e| WireError::from_core(&e, lang));
    let restored = done.map_err(|e| WireError::from_core(&e, lang))?;
    Ok(serde_json::to_value(restored).unwrap_or_default())
}

/// A file dialog for a backup on a stick (`SOTAY_TEST_PICKED_FILE` answers it in tests).
#[tauri::command(async)]
pub fn restore_pick_file<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Option<String> {
    if let Some(file) = std::env::var_os("SOTAY_TEST_PICKED_FILE") {
        return Some(PathBuf::from(file).display().to_string());
    }
    use tauri_plugin_dialog::DialogExt;
    app.dialog()
        .file()
        .add_filter("Sotay", &["db"])
        .blocking_pick_file()
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
}

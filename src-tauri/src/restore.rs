//! "Khôi phục": the backups the officer can bring back, a look at one before anything changes, and the
//! restore itself — with the window's store closed and the sync agent held off while the file is
//! replaced, then opened again on the restored database.

use std::path::PathBuf;

use serde_json::{json, Value};
use sotay_core::vault::Secret;
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

/// The backup's own secret, when the open data's key is not its key (a first run on a new laptop).
fn backup_secret(passphrase: Option<String>, recovery_code: Option<String>) -> Option<Secret> {
    match (recovery_code.filter(|c| !c.trim().is_empty()), passphrase.filter(|p| !p.is_empty())) {
        (Some(code), _) => Some(Secret::recovery_code(&code)),
        (None, Some(p)) => Some(Secret::passphrase(&p)),
        (None, None) => None,
    }
}

/// What a backup file holds, checked as a restore would check it; nothing changes.
#[tauri::command(async)]
pub fn restore_inspect(state: State<'_, AppState>, path: String, passphrase: Option<String>, recovery_code: Option<String>) -> Result<Value, WireError> {
    let file = PathBuf::from(path.trim());
    let current = state.key.lock().ok().and_then(|k| k.clone());
    let secret = backup_secret(passphrase, recovery_code);
    let keys = sotay_core::restore::Keys { current: current.as_ref(), backup: secret.as_ref() };
    let info = sotay_core::restore::inspect(&state.db_path, &file, &keys).map_err(|e| WireError::from_core(&e, state.lang()))?;
    Ok(serde_json::to_value(info).unwrap_or_default())
}

/// Puts the backup at `path` in the database's place (the current one kept as a backup first).
#[tauri::command(async)]
pub fn restore_backup(state: State<'_, AppState>, path: String, passphrase: Option<String>, recovery_code: Option<String>) -> Result<Value, WireError> {
    let file = PathBuf::from(path.trim());
    let lang = state.lang();
    let current = state.key.lock().ok().and_then(|k| k.clone());
    let secret = backup_secret(passphrase, recovery_code.clone());
    // No sync round may hold the file while it is replaced.
    // The gate guards nothing but its turn: a sync round that panicked leaves it usable.
    let _agent = crate::agent::GATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut guard = state.store.lock().map_err(|_| WireError::internal("store lock poisoned"))?;
    // The window's own connection is closed first: on Windows an open file cannot be replaced.
    *guard = Err(WireError::internal("restoring"));
    let keys = sotay_core::restore::Keys { current: current.as_ref(), backup: secret.as_ref() };
    let done = sotay_core::restore::restore(&state.db_path, &file, &keys);
    // The restored data is under the current key, or (a new laptop) under the backup's, which the
    // officer's secret just opened.
    let key = match (&current, &secret) {
        (Some(k), _) => Ok(k.clone()),
        (None, Some(s)) => sotay_core::vault::unlock(&state.db_path, s),
        (None, None) => Err(sotay_core::Error::Vault(sotay_core::VaultProblem::Locked)),
    };
    *guard = key.and_then(|k| Store::open(&state.db_path, &k)).map_err(|e| WireError::from_core(&e, lang));
    let opened_key = guard.as_ref().ok().and_then(|s| s.key().cloned());
    drop(guard);
    if let Ok(mut k) = state.key.lock() {
        *k = opened_key;
    }
    let restored = done.map_err(|e| WireError::from_core(&e, lang))?;
    let mut out = serde_json::to_value(&restored).unwrap_or_default();
    out["recovery_code"] = json!(restored.recovery_code);
    // Opened with the recovery code: the page asks for a new passphrase next (vault_unlock with the code).
    out["needs_new_passphrase"] = json!(recovery_code.is_some() && current.is_none());
    Ok(out)
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

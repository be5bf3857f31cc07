//! The app lock and the data's key in the window (docs/security.md). The store is closed until the
//! officer gives the passphrase (or the recovery code); locked, every command that reads or writes data
//! refuses with the code `locked`, and the page shows only the lock screen. The page locks itself after
//! the idle minutes the officer chose (default 10); what a form held stays in the page and in its draft.

use serde_json::{json, Value};
use sotay_core::vault::{self, Secret, State as VaultState};
use sotay_core::{Error, Lang, Store, VaultProblem};
use tauri::State;

use crate::{AppState, WireError};

/// Minutes without a key or a click before the window locks itself.
pub const DEFAULT_IDLE_MINUTES: u32 = 10;
const IDLE_SETTING: &str = "lock.idle_minutes";

fn state_word(s: VaultState) -> &'static str {
    match s {
        VaultState::Missing => "missing",
        VaultState::Plain => "plain",
        // A foreign file is said when the unlock tries it (not_a_database).
        VaultState::Encrypted | VaultState::KeyFileMissing | VaultState::Foreign => "locked",
    }
}

/// What the page shows first: set-up (no data yet), the conversion of an older Sotay's data, the lock
/// screen, or the app.
#[tauri::command(async)]
pub fn vault_status(state: State<'_, AppState>) -> Result<Value, WireError> {
    let unlocked = state.store.lock().map(|g| g.is_ok()).unwrap_or(false);
    let word = if unlocked { "unlocked" } else { state_word(vault::state(&state.db_path)) };
    let idle = if unlocked { state.with(|s| idle_minutes(s)).unwrap_or(DEFAULT_IDLE_MINUTES) } else { DEFAULT_IDLE_MINUTES };
    // The window tests lock after a few seconds instead of minutes (SOTAY_TEST_IDLE_SECONDS).
    let idle_override = std::env::var("SOTAY_TEST_IDLE_SECONDS").ok().and_then(|v| v.trim().parse::<u32>().ok()).filter(|&s| s > 0);
    Ok(json!({"state": word, "db_path": state.db_path, "key_file": vault::key_path(&state.db_path), "idle_minutes": idle,
              "idle_seconds_override": idle_override}))
}

fn idle_minutes(s: &Store) -> sotay_core::Result<u32> {
    Ok(s.setting(IDLE_SETTING)?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_IDLE_MINUTES))
}

/// First run: the data is created encrypted under `passphrase`; the recovery code is returned once.
#[tauri::command(async)]
pub fn vault_create(state: State<'_, AppState>, passphrase: String) -> Result<Value, WireError> {
    let lang = state.lang();
    let (store, created) = Store::create_encrypted(&state.db_path, &passphrase).map_err(|e| WireError::from_core(&e, lang))?;
    state.put(store)?;
    Ok(json!({"recovery_code": created.recovery_code.as_str()}))
}

/// An older Sotay's plain data, encrypted once under `passphrase` (an encrypted backup is kept first).
#[tauri::command(async)]
pub fn vault_convert(state: State<'_, AppState>, passphrase: String) -> Result<Value, WireError> {
    let lang = state.lang();
    let converted = vault::convert_plain(&state.db_path, &passphrase).map_err(|e| WireError::from_core(&e, lang))?;
    let store = Store::open(&state.db_path, &converted.created.key).map_err(|e| WireError::from_core(&e, lang))?;
    state.put(store)?;
    Ok(json!({"recovery_code": converted.created.recovery_code.as_str(), "backup": converted.backup.path}))
}

/// Opens the data with the passphrase; or, with `recovery_code`, sets `new_passphrase` and opens it.
#[tauri::command(async)]
pub fn vault_unlock(state: State<'_, AppState>, passphrase: Option<String>, recovery_code: Option<String>, new_passphrase: Option<String>) -> Result<Value, WireError> {
    let lang = state.lang();
    let core = |e: Error| WireError::from_core(&e, lang);
    let store = match (recovery_code, passphrase) {
        (Some(code), _) => {
            let new = new_passphrase.unwrap_or_default();
            vault::check_passphrase(&new).map_err(core)?;
            let key = vault::reset_passphrase(&state.db_path, &code, &new).map_err(core)?;
            Store::open(&state.db_path, &key).map_err(core)?
        }
        (None, Some(p)) => Store::unlock(&state.db_path, &Secret::passphrase(&p)).map_err(core)?,
        (None, None) => return Err(core(Error::invalid("passphrase", sotay_core::Problem::Required))),
    };
    state.put(store)?;
    Ok(json!({}))
}

/// Locks the window now (the officer's button, or the idle timer): the store is closed, and the evidence
/// files opened in a viewer (decrypted copies) are removed.
#[tauri::command(async)]
pub fn vault_lock<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>) -> Result<(), WireError> {
    state.lock_now();
    crate::evidence::clear_opened(&app);
    Ok(())
}

/// A new passphrase; the current one is asked again, so that an unlocked window left alone cannot have
/// its passphrase changed by someone else.
#[tauri::command(async)]
pub fn vault_change(state: State<'_, AppState>, passphrase: String, new_passphrase: String) -> Result<(), WireError> {
    let lang = state.lang();
    let core = |e: Error| WireError::from_core(&e, lang);
    let key = vault::unlock(&state.db_path, &Secret::passphrase(&passphrase)).map_err(core)?;
    vault::change_passphrase(&state.db_path, &key, &new_passphrase).map_err(core)
}

/// The lock's settings: idle minutes, and whether the key is sealed to the upper unit.
#[tauri::command(async)]
pub fn vault_settings(state: State<'_, AppState>, idle_minutes_set: Option<u32>, seal_to_upper: Option<bool>) -> Result<Value, WireError> {
    let db = state.db_path.clone();
    state.with(|s| {
        if let Some(m) = idle_minutes_set {
            if !(1..=240).contains(&m) {
                return Err(Error::invalid("idle_minutes", sotay_core::Problem::TooLarge { max: 240 }));
            }
            s.set_setting(IDLE_SETTING, &m.to_string())?;
        }
        if let Some(on) = seal_to_upper {
            s.set_seal_to_upper(on)?;
        }
        let kf = vault::read_key_file(&db)?;
        let sealed_to = kf.upper().map(str::to_string);
        let seal_on = s.setting(sotay_core::sync::SEAL_TO_UPPER)?.as_deref() != Some("off");
        Ok(json!({"idle_minutes": idle_minutes(s)?, "seal_to_upper": seal_on, "sealed_to": sealed_to}))
    })
}

/// The error every data command returns while the window is locked.
pub fn locked(lang: Lang) -> WireError {
    WireError::from_core(&Error::Vault(VaultProblem::Locked), lang)
}

//! The Sotay desktop shell: a thin Tauri 2 layer. Each command parses its argument, calls sotay-core and
//! maps the error to `{code, message, field}` (docs/ipc.md). Commands touch disk, so they are async:
//! a plain command runs on the main thread and would freeze the window.

pub mod agent;
mod enrol;
mod evidence;
mod lock;
mod national;
mod print;
mod restore;
mod structure;
mod wire;

use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::{json, Value};
use sotay_core::report::Structure;
use sotay_core::{Error, Kind, Lang, ListQuery, Period, Store};
use tauri::{Manager, State};

pub use wire::WireError;

/// The open store, or why it is not open (locked, not set up, a newer or foreign file): the page shows
/// that.
pub struct AppState {
    store: Mutex<Result<Store, WireError>>,
    /// The unlocked key, shared with the sync agent; none while locked.
    key: std::sync::Arc<Mutex<Option<sotay_core::vault::DbKey>>>,
    lang: Mutex<Lang>,
    db_path: PathBuf,
    /// A form on the page has changes not saved yet (its draft is kept): closing the window asks first.
    unsaved: std::sync::atomic::AtomicBool,
    /// When closing was last held back to ask: a second try soon after closes whatever the page says,
    /// so that a page that cannot answer never keeps the window open.
    close_held_at: Mutex<Option<std::time::Instant>>,
    /// The national hub's database, when the overview reads from it instead of this computer's store.
    national: national::National,
}

impl AppState {
    /// The window starts locked: nothing is opened until the officer gives the passphrase (or, on a
    /// first run, chooses one).
    pub fn open(db_path: PathBuf) -> AppState {
        AppState {
            store: Mutex::new(Err(lock::locked(Lang::Vi))),
            key: Default::default(),
            lang: Mutex::new(Lang::Vi),
            db_path,
            unsaved: std::sync::atomic::AtomicBool::new(false),
            close_held_at: Mutex::new(None),
            national: Default::default(),
        }
    }

    /// Whether closing the window now should wait for the page to ask the officer: a form has unsaved
    /// changes and closing was not held back in the last few seconds already.
    pub fn hold_close(&self) -> bool {
        if !self.unsaved.load(std::sync::atomic::Ordering::SeqCst) {
            return false;
        }
        let Ok(mut at) = self.close_held_at.lock() else { return false };
        if at.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(5)) {
            return false;
        }
        *at = Some(std::time::Instant::now());
        true
    }

    /// The store, unlocked: kept for the commands, its key for the sync agent, and the day's backup.
    fn put(&self, store: Store) -> Result<(), WireError> {
        let key = store.key().cloned();
        let mut guard = self.store.lock().map_err(|_| WireError::internal("store lock poisoned"))?;
        *guard = Ok(store);
        if let Ok(mut k) = self.key.lock() {
            *k = key.clone();
        }
        if let Some(key) = key {
            daily_backup(self.db_path.clone(), key);
        }
        Ok(())
    }

    /// Closes the store and forgets the key: nothing of the data is reachable until unlocked again.
    fn lock_now(&self) {
        if let Ok(mut guard) = self.store.lock() {
            *guard = Err(lock::locked(self.lang()));
        }
        if let Ok(mut k) = self.key.lock() {
            *k = None;
        }
    }

    fn lang(&self) -> Lang {
        self.lang.lock().map(|l| *l).unwrap_or_default()
    }

    /// Runs `f` on the store, mapping its error into the page's language.
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> sotay_core::Result<T>) -> Result<T, WireError> {
        let lang = self.lang();
        let mut guard = self.store.lock().map_err(|_| WireError::internal("store lock poisoned"))?;
        let store = guard.as_mut().map_err(|e| e.clone())?;
        f(store).map_err(|e| WireError::from_core(&e, lang))
    }
}

fn kind(s: &str) -> Result<Kind, WireError> {
    Kind::parse(s).map_err(|e| WireError::from_core(&e, Lang::Vi))
}

#[tauri::command(async)]
fn app_status(state: State<'_, AppState>) -> Result<Value, WireError> {
    let lang = state.lang();
    let db_path = state.db_path.display().to_string();
    state.with(|s| {
        let inst = s.installation()?;
        let unit = match &inst {
            Some(i) => Some(s.get(Kind::Unit, &i.unit_id)?),
            None => None,
        };
        let mut counts = serde_json::Map::new();
        for k in Kind::ALL {
            let mut q = ListQuery::new(k);
            q.page_size = 1;
            counts.insert(k.as_str().into(), json!(s.list(&q)?.total));
        }
        // A unit the level above closed names its successor by name when this store holds it.
        let successor = match unit.as_ref().and_then(|u| u["successor_id"].as_str()) {
            Some(id) => s.get(Kind::Unit, id).ok().and_then(|u| u["name"].as_str().map(str::to_string)),
            None => None,
        };
        Ok(json!({"initialized": inst.is_some(), "lang": if lang == Lang::En { "en" } else { "vi" },
                  "db_path": db_path, "unit": unit, "successor": successor, "counts": counts}))
    })
}

#[tauri::command(async)]
fn set_lang(state: State<'_, AppState>, lang: String) -> Result<(), WireError> {
    let mut l = state.lang.lock().map_err(|_| WireError::internal("lang lock poisoned"))?;
    *l = Lang::parse(&lang);
    Ok(())
}

#[tauri::command(async)]
fn setup_unit(state: State<'_, AppState>, unit: Value) -> Result<Value, WireError> {
    state.with(|s| s.init(&unit))
}

#[tauri::command(async)]
fn setup_demo(state: State<'_, AppState>) -> Result<Value, WireError> {
    state.with(|s| {
        let summary = sotay_core::seed::seed_demo(s)?;
        let unit = s.get(Kind::Unit, &summary.unit_id)?;
        Ok(json!({"unit": unit, "events": summary.events}))
    })
}

#[tauri::command(async)]
fn list_records(state: State<'_, AppState>, query: Value) -> Result<Value, WireError> {
    let query: ListQuery = serde_json::from_value(query).map_err(|e| WireError::bad_json(&e, state.lang()))?;
    state.with(|s| Ok(serde_json::to_value(s.list(&query)?).unwrap_or_default()))
}

#[tauri::command(async)]
fn get_record(state: State<'_, AppState>, kind: String, id: String) -> Result<Value, WireError> {
    let k = self::kind(&kind)?;
    state.with(|s| s.get(k, &id))
}

#[tauri::command(async)]
fn save_record(app: tauri::AppHandle<impl tauri::Runtime>, state: State<'_, AppState>, kind: String, id: Option<String>, data: Value) -> Result<Value, WireError> {
    let k = self::kind(&kind)?;
    let saved = state.with(|s| match id.as_deref().filter(|i| !i.is_empty()) {
        Some(id) => s.update(k, id, &keep_attachments(s, k, id, data)?),
        None => s.create(k, &data),
    })?;
    // What is saved goes up by itself when the hub is reachable.
    wake_agent(&app);
    Ok(saved)
}

/// The form does not edit a record's evidence files (the gallery attaches and removes them, each a change
/// of its own): an update whose data has no `attachments` keeps the record's current list, so that saving
/// a form never drops a file, nor brings back one removed since the form was opened.
fn keep_attachments(s: &Store, kind: Kind, id: &str, mut data: Value) -> sotay_core::Result<Value> {
    if !sotay_core::evidence::has_attachments(kind) {
        return Ok(data);
    }
    if let Some(fields) = data.as_object_mut().filter(|d| !d.contains_key("attachments")) {
        if let Some(list) = s.get(kind, id)?.get("attachments").filter(|l| !l.is_null()) {
            fields.insert("attachments".into(), list.clone());
        }
    }
    Ok(data)
}

/// Wakes the sync agent (after a save or a deletion), if it runs.
fn wake_agent<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(agent) = app.try_state::<agent::Agent>() {
        agent.wake();
    }
}

#[tauri::command(async)]
fn delete_record(app: tauri::AppHandle<impl tauri::Runtime>, state: State<'_, AppState>, kind: String, id: String) -> Result<(), WireError> {
    let k = self::kind(&kind)?;
    state.with(|s| s.delete(k, &id))?;
    // A deletion travels as any other change: up by itself when the hub is reachable.
    wake_agent(&app);
    Ok(())
}

/// Where the overview reads from: `None` for this computer's store, or the national database's address
/// when the page asks for `source = "national"`.
fn source_address(state: &AppState, source: Option<&str>) -> Result<Option<String>, WireError> {
    match source {
        None | Some("local") => Ok(None),
        Some("national") => match state.with(|s| national::saved_address(s))? {
            Some(address) => Ok(Some(address)),
            None => Err(WireError::from_core(&Error::invalid("address", sotay_core::Problem::Required), state.lang())),
        },
        Some(other) => Err(WireError::from_core(&Error::invalid("source", sotay_core::Problem::BadValue(other.to_string())), state.lang())),
    }
}

/// The period report of a unit (its subtree, a row per unit under it) for the dashboard's charts, from
/// this computer's store or the national database.
#[tauri::command(async)]
fn report(state: State<'_, AppState>, period: String, unit_id: Option<String>, structure: Option<String>, source: Option<String>) -> Result<Value, WireError> {
    let lang = state.lang();
    let period = Period::parse(&period).map_err(|e| WireError::from_core(&e, lang))?;
    let structure = match structure.as_deref() {
        None => Structure::Today,
        Some(v) => Structure::parse(v).ok_or_else(|| WireError::from_core(&Error::invalid("structure", sotay_core::Problem::BadValue(v.to_string())), lang))?,
    };
    match source_address(&state, source.as_deref())? {
        Some(address) => state.national.report(&address, lang, unit_id, &period, structure),
        None => state.with(|s| Ok(serde_json::to_value(s.period_report_in(unit_id.as_deref(), &period, structure)?).unwrap_or_default())),
    }
}

/// Each month of a year, for the dashboard's chart over time.
#[tauri::command(async)]
fn report_series(state: State<'_, AppState>, year: i32, unit_id: Option<String>, source: Option<String>) -> Result<Value, WireError> {
    match source_address(&state, source.as_deref())? {
        Some(address) => state.national.series(&address, state.lang(), unit_id, year),
        None => state.with(|s| Ok(serde_json::to_value(s.monthly_series(unit_id.as_deref(), year)?).unwrap_or_default())),
    }
}

/// The national database the overview may read from: its address without the password, if one is saved.
#[tauri::command(async)]
fn national_source(state: State<'_, AppState>) -> Result<Value, WireError> {
    let address = state.with(|s| national::saved_address(s))?;
    Ok(json!({"address": address.as_deref().map(national::without_password)}))
}

/// Connects to the national database at `address` and, if it holds a national hub, keeps the address
/// (in the encrypted store); the hub's unit and the units under it.
#[tauri::command(async)]
fn national_connect(state: State<'_, AppState>, address: String) -> Result<Value, WireError> {
    // A locked window connects nowhere: the store must be open before anything goes on the network.
    state.with(|_| Ok(()))?;
    let units = state.national.connect(&address, state.lang())?;
    state.with(|s| s.set_setting(national::ADDRESS_SETTING, address.trim()))?;
    Ok(units)
}

/// Forgets the national database: the overview reads this computer's store only.
#[tauri::command(async)]
fn national_forget(state: State<'_, AppState>) -> Result<(), WireError> {
    state.national.forget();
    state.with(|s| s.set_setting(national::ADDRESS_SETTING, ""))
}

/// The national hub's unit and the units directly under it, for the overview's unit list.
#[tauri::command(async)]
fn national_units(state: State<'_, AppState>) -> Result<Value, WireError> {
    let address = source_address(&state, Some("national"))?.unwrap_or_default();
    state.national.units(&address, state.lang())
}

#[tauri::command(async)]
fn options(state: State<'_, AppState>) -> Result<Value, WireError> {
    state.with(|s| Ok(serde_json::to_value(s.options()?).unwrap_or_default()))
}

#[tauri::command(async)]
fn event_defaults(state: State<'_, AppState>) -> Result<Value, WireError> {
    state.with(|s| s.event_defaults())
}

/// The page tells whether a form has changes not saved yet (closing the window then asks first).
#[tauri::command]
fn set_unsaved(state: State<'_, AppState>, unsaved: bool) {
    state.unsaved.store(unsaved, std::sync::atomic::Ordering::SeqCst);
}

/// Closes the window after the officer chose to leave a form with unsaved changes (its draft is kept).
#[tauri::command]
fn close_window<R: tauri::Runtime>(window: tauri::Window<R>, state: State<'_, AppState>) -> Result<(), WireError> {
    state.unsaved.store(false, std::sync::atomic::Ordering::SeqCst);
    window.close().map_err(|e| WireError::internal(&e.to_string()))
}

#[tauri::command(async)]
fn draft_save(state: State<'_, AppState>, key: String, data: Value) -> Result<(), WireError> {
    state.with(|s| s.save_draft(&key, &data))
}

#[tauri::command(async)]
fn draft_load(state: State<'_, AppState>, key: String) -> Result<Option<Value>, WireError> {
    state.with(|s| s.load_draft(&key))
}

#[tauri::command(async)]
fn draft_clear(state: State<'_, AppState>, key: String) -> Result<(), WireError> {
    state.with(|s| s.clear_draft(&key))
}

#[tauri::command(async)]
fn sync_status(app: tauri::AppHandle<impl tauri::Runtime>, state: State<'_, AppState>) -> Result<Value, WireError> {
    let network = app.try_state::<agent::Agent>().map(|a| a.snapshot()).unwrap_or_default();
    state.with(|s| {
        let outbox = s.outbox()?;
        let waiting: i64 = outbox.iter().map(|w| w.to - w.from + 1).sum();
        let conflicts = s.conflicts()?;
        let peers = s.peers()?;
        // Evidence files travel beside the changes: those the upper level still lacks.
        let mut files_waiting = 0;
        for p in peers.iter().filter(|p| p.role == sotay_core::sync::Role::Upper) {
            files_waiting += s.files_waiting(&p.installation)?;
        }
        Ok(json!({
            "identity": s.identity()?,
            "peers": peers,
            "outbox": outbox,
            "waiting": waiting,
            "files_waiting": files_waiting,
            "own_changes": s.own_change_count()?,
            "gaps": s.held_gaps()?,
            "events": s.sync_events()?,
            "conflicts": conflicts.len(),
            "conflict_list": conflicts.iter().rev().take(20).collect::<Vec<_>>(),
            "network": network,
            "backup_folder": s.backup_folder(),
            "last_backup": s.backup_folder().map(|d| sotay_core::backup::list(&d)).transpose()?.and_then(|l| l.into_iter().next()),
            // Restored from a backup and waiting for the upper level's answer (docs/bundle-format.md).
            "restored_at": s.restored_at()?,
        }))
    })
}

/// Syncs with the hub now (on the agent's thread); the outcome arrives as a `sync-agent` event.
#[tauri::command(async)]
fn sync_now(app: tauri::AppHandle<impl tauri::Runtime>) {
    if let Some(agent) = app.try_state::<agent::Agent>() {
        agent.wake();
    }
}

#[tauri::command(async)]
fn sync_drives() -> Vec<String> {
    sotay_core::sync::removable_drives().iter().map(|p| p.display().to_string()).collect()
}

/// Writes the bundles for the upper unit into `dir`, telling the page how far it got (`sync-progress`).
#[tauri::command(async)]
fn sync_export<R: tauri::Runtime>(window: tauri::Window<R>, state: State<'_, AppState>, dir: String) -> Result<Value, WireError> {
    use tauri::Emitter;
    let opts = sotay_core::sync::ExportOptions::default();
    state.with(|s| {
        let peers = s.peers()?;
        let upper: Vec<&str> =
            peers.iter().filter(|p| p.role == sotay_core::sync::Role::Upper).map(|p| p.installation.as_str()).collect();
        let total: i64 = s.outbox()?.iter().filter(|w| upper.contains(&w.peer.as_str())).map(|w| w.to - w.from + 1).sum();
        let summary = s.export(std::path::Path::new(&dir), &opts, &mut |done| {
            let _ = window.emit("sync-progress", json!({"done": done, "total": total, "unit": "changes"}));
        })?;
        Ok(serde_json::to_value(summary).unwrap_or_default())
    })
}

#[tauri::command(async)]
fn sync_preview<R: tauri::Runtime>(window: tauri::Window<R>, state: State<'_, AppState>, dir: String) -> Result<Value, WireError> {
    import_folder(&window, &state, &dir, true)
}

#[tauri::command(async)]
fn sync_import<R: tauri::Runtime>(window: tauri::Window<R>, state: State<'_, AppState>, dir: String) -> Result<Value, WireError> {
    import_folder(&window, &state, &dir, false)
}

/// "Sao lưu ra USB": a checked copy of the whole database into `dir`, kept there whatever the pruning
/// of the automatic backups does.
#[tauri::command(async)]
fn backup_to(state: State<'_, AppState>, dir: String) -> Result<Value, WireError> {
    let dir = PathBuf::from(dir.trim());
    if dir.as_os_str().is_empty() || !dir.is_dir() {
        let vi = state.lang() == Lang::Vi;
        let msg = if vi { format!("Không có thư mục {}", dir.display()) } else { format!("No folder {}", dir.display()) };
        return Err(WireError { code: "invalid".into(), message: msg, field: Some("dir".into()), errors: Vec::new() });
    }
    state.with(|s| Ok(serde_json::to_value(s.backup_into(&dir, sotay_core::backup::Reason::Manual)?).unwrap_or_default()))
}

/// Previews or imports every sync file in `dir`, telling the page which file it is at (`sync-progress`).
fn import_folder<R: tauri::Runtime>(window: &tauri::Window<R>, state: &AppState, dir: &str, dry_run: bool) -> Result<Value, WireError> {
    use tauri::Emitter;
    let lang = state.lang();
    state.with(|s| {
        let result = s.import_folder(std::path::Path::new(dir), dry_run, lang, &mut |done, total| {
            // Announced before each file: "file 3 of 7" while the third is read.
            let _ = window.emit("sync-progress", json!({"done": done + 1, "total": total, "unit": "files"}));
        })?;
        Ok(serde_json::to_value(result).unwrap_or_default())
    })
}

/// The first start of a day backs the database up, on a thread and a connection of its own so that
/// the window opens at once; a failure is said on stderr and tried again at the next start. Then the
/// housekeeping of evidence files: those no record has referred to for the grace period go.
fn daily_backup(path: PathBuf, key: sotay_core::vault::DbKey) {
    std::thread::spawn(move || {
        let done = Store::open(&path, &key).and_then(|mut s| match s.installation()? {
            Some(_) => {
                s.backup_folder().map(|dir| s.daily_backup(&dir)).transpose()?;
                s.prune_files(sotay_core::clock::now_utc(), sotay_core::evidence::ORPHAN_GRACE_DAYS)?;
                Ok(())
            }
            None => Ok(()),
        });
        if let Err(e) = done {
            eprintln!("Sotay: {}", e.message(Lang::En));
        }
    });
}

/// Where the window keeps its data: `SOTAY_DB` if set (tests, a second installation), else the app data
/// dir, which is the CLI's default folder too.
fn db_path(app: &tauri::App) -> PathBuf {
    if let Some(p) = std::env::var_os("SOTAY_DB") {
        return PathBuf::from(p);
    }
    match app.path().app_data_dir() {
        Ok(dir) => dir.join("sotay.db"),
        Err(_) => sotay_core::store::default_db_path(),
    }
}

/// The builder with every command registered; tests build it on the mock runtime.
pub fn builder<R: tauri::Runtime>() -> tauri::Builder<R> {
    tauri::Builder::<R>::new().plugin(tauri_plugin_dialog::init()).invoke_handler(tauri::generate_handler![
        app_status,
        set_lang,
        setup_unit,
        setup_demo,
        list_records,
        get_record,
        save_record,
        delete_record,
        report,
        report_series,
        national_source,
        national_connect,
        national_forget,
        national_units,
        structure::restructure_preview,
        structure::restructure_apply,
        structure::restructure_undo,
        structure::restructure_last,
        structure::official_units,
        options,
        event_defaults,
        draft_save,
        draft_load,
        draft_clear,
        set_unsaved,
        close_window,
        sync_status,
        sync_drives,
        sync_export,
        sync_preview,
        sync_import,
        backup_to,
        restore::backups_list,
        restore::restore_inspect,
        restore::restore_backup,
        restore::restore_pick_file,
        sync_now,
        print::print_preview,
        print::print_save,
        print::print_pages,
        print::print_default_dir,
        print::print_pick_dir,
        print::print_open_dir,
        evidence::evidence_list,
        evidence::evidence_pick,
        evidence::evidence_attach_paths,
        evidence::evidence_detach,
        evidence::evidence_open,
        enrol::enrol_read,
        enrol::enrol_confirm,
        enrol::enrol_join,
        enrol::enrol_write,
        enrol::enrol_status,
        enrol::enrol_revoke,
        lock::vault_status,
        lock::vault_create,
        lock::vault_convert,
        lock::vault_unlock,
        lock::vault_lock,
        lock::vault_change,
        lock::vault_settings
    ])
}

pub fn run() {
    let started = std::time::Instant::now();
    // Benchmark hook (docs/benchmarks.md): print the time from start to the page loaded, then quit.
    let probe = std::env::var_os("SOTAY_STARTUP_PROBE").is_some();
    let result = builder::<tauri::Wry>()
        .on_page_load(move |webview, payload| {
            if probe && matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                println!("startup_ms={:.1}", started.elapsed().as_secs_f64() * 1e3);
                webview.app_handle().exit(0);
            }
        })
        // Closing with a form's changes unsaved: the page asks first (they are kept as a draft either way).
        .on_window_event(|window, event| {
            use tauri::{Emitter, Manager};
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.app_handle().try_state::<AppState>().is_some_and(|s| s.hold_close()) {
                    api.prevent_close();
                    let _ = window.emit("close-requested", ());
                }
            }
        })
        .setup(|app| {
            use tauri::Emitter;
            let path = db_path(app);
            // Evidence files opened in a viewer last time (decrypted copies) go.
            evidence::clear_opened(app.handle());
            let state = AppState::open(path.clone());
            let key = state.key.clone();
            app.manage(state);
            let handle = app.handle().clone();
            app.manage(agent::start(path, key, move |status| {
                let _ = handle.emit("sync-agent", status);
            }));
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Sotay could not start: {e}");
        std::process::exit(1);
    }
}

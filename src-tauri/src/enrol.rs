//! Enrolment in the window ("Kết nối cấp trên / cấp dưới", and "another laptop of my unit" at first run):
//! what `sotay enroll export|import` and `sotay init --join` do, with the fingerprint shown to the officer
//! and nothing changed until they confirm it (docs/ipc.md).
//!
//! Reading a file never changes the database. Confirming re-reads the file and enrols only if its
//! fingerprint is still the one the officer compared; then this installation's own file is written into
//! the same folder, for the other side to import.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sotay_core::sync::{Enrolment, Role};
use sotay_core::{Error, Lang, Refusal, Store};
use tauri::State;

use crate::{AppState, WireError};

fn error(code: &str, message: String, field: Option<&str>) -> WireError {
    WireError { code: code.into(), message, field: field.map(str::to_string), errors: Vec::new() }
}

fn say(lang: Lang, vi: &str, en: &str) -> String {
    if lang == Lang::Vi { vi.to_string() } else { en.to_string() }
}

/// An enrolment file, read and checked (whole, signed by the key it carries), or why not, in words an
/// officer understands: a damaged file, another kind of file, a file from a newer Sotay.
fn read(path: &Path, lang: Lang) -> Result<Enrolment, WireError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    let damaged = || {
        error("damaged", if lang == Lang::Vi {
            format!("Tệp «{name}» bị hỏng hoặc đã bị sửa: không dùng được. Hãy xin đơn vị kia ghi lại tệp khác.")
        } else {
            format!("The file «{name}» is damaged or was altered: it cannot be used. Ask the other unit to write it again.")
        }, Some("file"))
    };
    let wrong = || {
        error("wrong_format", if lang == Lang::Vi {
            format!("Tệp «{name}» không phải tệp kết nối của Sổ tay Đoàn.")
        } else {
            format!("The file «{name}» is not a Sotay connection file.")
        }, Some("file"))
    };
    // A connection file is a few kilobytes: anything far larger is no such file, and is not read whole.
    if std::fs::metadata(path).map(|m| m.len() > MAX_FILE).unwrap_or(false) {
        return Err(wrong());
    }
    let text = std::fs::read(path).map_err(|e| {
        error("io", if lang == Lang::Vi { format!("Không đọc được tệp «{name}»: {e}") } else { format!("The file «{name}» could not be read: {e}") }, Some("file"))
    })?;
    // Another kind of JSON (a sync bundle, a settings file) is named as such, not as damaged.
    let value: Value = serde_json::from_slice(&text).map_err(|_| damaged())?;
    if value.get("format").and_then(Value::as_str) != Some("sotay-enrolment") {
        return Err(wrong());
    }
    Store::read_enrolment(path).map_err(|e| match e {
        Error::Refused { refusal: Refusal::NewerFormat { .. }, .. } => error(
            "newer_format",
            say(lang, &format!("Tệp «{name}» do phiên bản Sổ tay Đoàn mới hơn tạo ra; hãy cập nhật Sổ tay trên máy này."),
                &format!("The file «{name}» was made by a newer Sotay; update Sotay on this computer.")),
            Some("file"),
        ),
        Error::Refused { refusal: Refusal::NotOurFormat, .. } => wrong(),
        Error::Refused { .. } => damaged(),
        other => WireError::from_core(&other, lang),
    })
}

/// Why this installation cannot enrol `e` (its own file, or a laptop of its own unit), if it cannot.
fn not_a_peer(store: &Store, e: &Enrolment, lang: Lang) -> Result<Option<WireError>, sotay_core::Error> {
    let Some(inst) = store.installation()? else { return Ok(None) };
    if e.installation == inst.origin {
        return Ok(Some(error("own_file", say(lang, "Đây là tệp của chính máy này: hãy chọn tệp của đơn vị kia.",
            "This is this computer's own file: choose the other unit's file."), Some("file"))));
    }
    if e.unit["id"].as_str() == Some(inst.unit_id.as_str()) {
        return Ok(Some(error("same_unit", say(lang,
            "Tệp này của một máy khác trong chính đơn vị mình; chỉ dùng khi cài máy thứ hai (màn hình đầu tiên).",
            "This file is from another computer of this same unit; it is used only when setting up a second laptop (the first screen)."), Some("file"))));
    }
    Ok(None)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Upper => "upper",
        Role::Lower => "lower",
    }
}

/// What the page shows of a file before the officer confirms: the unit, the fingerprint, and the role
/// the other side would get here (or why it would be refused).
fn preview(store: &Store, path: &Path, e: &Enrolment, lang: Lang) -> Value {
    let unit = &e.unit;
    let mut out = json!({
        "file": path.display().to_string(),
        "name": path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "installation": e.installation,
        "unit_id": unit["id"], "unit_name": unit["name"], "unit_code": unit["code"], "unit_level": unit["level"],
        "fingerprint": e.fingerprint,
        "hub": e.hub.as_ref().map(|h| h.url.clone()),
    });
    let verdict = match not_a_peer(store, e, lang) {
        Ok(Some(refused)) => Err(refused),
        Ok(None) if store.installation().ok().flatten().is_none() => return out,
        // The unit this one was merged into: confirming makes this laptop that unit's.
        Ok(None) if store.is_successor_file(e).unwrap_or(false) => {
            out["role"] = json!("successor");
            return out;
        }
        // A revoked laptop's file (or its key under another id) is shown as refused before any tick.
        Ok(None) if store.enrolment_revoked(e).unwrap_or(false) => {
            let name = e.unit["name"].as_str().unwrap_or_default().to_string();
            Err(WireError::from_core(&sotay_core::Error::invalid("file", sotay_core::Problem::RevokedKey(name)), lang))
        }
        Ok(None) => store.enrolment_role(e).map_err(|err| WireError::from_core(&err, lang)),
        Err(err) => Err(WireError::from_core(&err, lang)),
    };
    match verdict {
        Ok(role) => out["role"] = json!(role_name(role)),
        Err(w) => out["refused"] = json!({"code": w.code, "message": w.message}),
    }
    out
}

/// Larger than any connection file (a unit record and a key: a few kilobytes).
const MAX_FILE: u64 = 256 * 1024;

/// The enrolment files a folder (a stick) holds: every `.json` but the sync bundles and receipts.
fn candidates(dir: &Path, lang: Lang) -> Result<Vec<PathBuf>, WireError> {
    let rd = std::fs::read_dir(dir).map_err(|e| {
        error("invalid", if lang == Lang::Vi { format!("Không mở được thư mục {}: {e}", dir.display()) } else { format!("The folder {} could not be opened: {e}", dir.display()) }, Some("dir"))
    })?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            n.to_ascii_lowercase().ends_with(".json") && !n.ends_with(".bundle.json") && !n.starts_with("sotay-receipt-for-")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A folder or a file the page named; `invalid` on `dir` when it is neither.
fn given_path(raw: &str, lang: Lang) -> Result<PathBuf, WireError> {
    let p = PathBuf::from(raw.trim());
    if raw.trim().is_empty() || !p.exists() {
        let shown = p.display();
        return Err(error("invalid", if lang == Lang::Vi { format!("Không có thư mục hay tệp {shown}") } else { format!("No folder or file {shown}") }, Some("dir")));
    }
    Ok(p)
}

/// `{ dir, files: [...] }`: each connection file of a folder (or the one file named), read and checked,
/// with the unit, the fingerprint and the role it would get here, or why it is refused. Changes nothing.
#[tauri::command(async)]
pub fn enrol_read(state: State<'_, AppState>, path: String) -> Result<Value, WireError> {
    let lang = state.lang();
    let p = given_path(&path, lang)?;
    let (dir, files) = if p.is_dir() { (p.clone(), candidates(&p, lang)?) } else { (p.parent().map(Path::to_path_buf).unwrap_or_default(), vec![p.clone()]) };
    state.with(|s| {
        let own = s.installation()?.map(|i| i.origin);
        let mut out = Vec::new();
        for f in &files {
            let shown = match read(f, lang) {
                Ok(e) if p.is_dir() && own.as_deref() == Some(e.installation.as_str()) => continue,
                Ok(e) => preview(s, f, &e, lang),
                Err(w) => json!({"file": f.display().to_string(),
                                 "name": f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                                 "refused": {"code": w.code, "message": w.message}}),
            };
            out.push(shown);
        }
        Ok(json!({"dir": dir.display().to_string(), "files": out}))
    })
}

/// The file in `path`, re-read; refused unless its fingerprint is still the one the officer confirmed.
fn confirmed(path: &str, fingerprint: &str, lang: Lang) -> Result<(PathBuf, Enrolment), WireError> {
    let p = given_path(path, lang)?;
    let e = read(&p, lang)?;
    let norm = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
    if fingerprint.trim().is_empty() || norm(fingerprint) != norm(&e.fingerprint) {
        return Err(error("fingerprint", say(lang,
            "Dấu vân tay trong tệp khác với dãy đã đối chiếu: chưa kết nối gì. Hãy đọc lại tệp và đối chiếu lại.",
            "The file's fingerprint differs from the one compared: nothing was connected. Read the file again and compare again."), Some("fingerprint")));
    }
    Ok((p, e))
}

/// This installation's own file's name: the unit's code and the installation's last 8 characters, so
/// that the other side sees whose it is (`ket-noi-sotay-XA-DH-1a2b3c4d.json`). It does not start with
/// `sotay-`, so the Sync screen's import never takes it for a bundle.
fn own_file_name(e: &Enrolment) -> String {
    let code: String = e.unit["code"].as_str().unwrap_or("DON-VI").chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    let inst = &e.installation;
    let short = inst.get(inst.len().saturating_sub(8)..).unwrap_or(inst);
    format!("ket-noi-sotay-{code}-{short}.json")
}

/// Writes this installation's own enrolment file into `dir`, replacing an older one of the same name.
fn write_own(store: &Store, dir: &Path, lang: Lang) -> Result<Value, WireError> {
    if !dir.is_dir() {
        return Err(error("invalid", if lang == Lang::Vi { format!("Không có thư mục {}", dir.display()) } else { format!("No folder {}", dir.display()) }, Some("dir")));
    }
    // The hub address this installation serves, if it does, as the CLI's `enroll export --hub` wrote it.
    let e = store.enrolment().map_err(|err| WireError::from_core(&err, lang))?;
    let path = dir.join(own_file_name(&e));
    let text = serde_json::to_string_pretty(&e).map_err(|err| WireError::internal(&err.to_string()))?;
    let tmp = path.with_extension("json.part");
    std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path)).map_err(|err| {
        let _ = std::fs::remove_file(&tmp);
        error("io", if lang == Lang::Vi { format!("Không ghi được tệp vào {}: {err}", dir.display()) } else { format!("The file could not be written into {}: {err}", dir.display()) }, Some("dir"))
    })?;
    Ok(json!({"path": path.display().to_string(), "fingerprint": e.fingerprint}))
}

/// Enrols the installation of the file at `path` once the officer has compared `fingerprint`, then
/// writes this installation's own file beside it: `{ role, unit_name, fingerprint, written: {path} |
/// null, write_error: message | null }`.
#[tauri::command(async)]
pub fn enrol_confirm(app: tauri::AppHandle<impl tauri::Runtime>, state: State<'_, AppState>, path: String, fingerprint: String) -> Result<Value, WireError> {
    let lang = state.lang();
    let (p, e) = confirmed(&path, &fingerprint, lang)?;
    let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
    let out = state.with(|s| {
        if let Some(refused) = not_a_peer(s, &e, lang)? {
            return Ok(Err(refused));
        }
        // The successor's file: this laptop goes on as that unit, and its own new file (a new key) is
        // written beside it for the level above.
        if s.is_successor_file(&e)? {
            s.join_successor(&e)?;
            let (written, write_error) = match write_own(s, &dir, lang) {
                Ok(w) => (w, Value::Null),
                Err(w) => (Value::Null, json!(w.message)),
            };
            return Ok(Ok(json!({"role": "successor", "unit_name": e.unit["name"], "fingerprint": e.fingerprint,
                                "written": written, "write_error": write_error})));
        }
        let role = s.enroll(&e)?;
        let (written, write_error) = match write_own(s, &dir, lang) {
            Ok(w) => (w, Value::Null),
            Err(w) => (Value::Null, json!(w.message)),
        };
        Ok(Ok(json!({"role": role_name(role), "unit_name": e.unit["name"], "fingerprint": e.fingerprint,
                     "written": written, "write_error": write_error})))
    })??;
    // An upper level with a hub: the agent now has somewhere to sync to.
    crate::wake_agent(&app);
    Ok(out)
}

/// First run, "another laptop of my unit": this empty database becomes another installation of the
/// unit in the file (as `sotay init --join`), once the officer has compared `fingerprint`.
#[tauri::command(async)]
pub fn enrol_join(state: State<'_, AppState>, path: String, fingerprint: String) -> Result<Value, WireError> {
    let lang = state.lang();
    let (_, e) = confirmed(&path, &fingerprint, lang)?;
    state.with(|s| s.init_joining(&e))
}

/// Writes this installation's own enrolment file into `dir` again: `{ path, fingerprint }`.
#[tauri::command(async)]
pub fn enrol_write(state: State<'_, AppState>, dir: String) -> Result<Value, WireError> {
    let lang = state.lang();
    let dir = given_path(&dir, lang)?;
    state.with(|s| Ok(write_own(s, &dir, lang)))?
}

/// Last contact with a peer, as far as the sync log says: the last export for it, receipt from it or
/// receipt written for it (the log keeps the last of each kind only), else when it was enrolled.
fn last_contact(events: &[(String, String, Value)], peer: &sotay_core::sync::Peer, enrolled_at: Option<&String>) -> Value {
    let names = |d: &Value| ["peer", "from"].iter().any(|k| d[*k].as_str() == Some(peer.installation.as_str()));
    let logged = events.iter().filter(|(what, _, d)| ["export", "receipt", "receipt_written"].contains(&what.as_str()) && names(d)).max_by(|a, b| a.1.cmp(&b.1));
    // What this computer last did for the peer, or what it last took from it (a bundle or a receipt),
    // whichever is later (RFC 3339 in UTC sorts as text).
    let received = peer.last_contact.as_ref().map(|at| ("received".to_string(), at.clone()));
    let sent = logged.map(|(what, at, _)| (what.clone(), at.clone()));
    let latest = [received, sent].into_iter().flatten().max_by(|a, b| a.1.cmp(&b.1));
    match (latest, enrolled_at) {
        (Some((what, at)), _) => json!({"what": what, "at": at}),
        (None, Some(at)) => json!({"what": "enrolled", "at": at}),
        (None, None) => Value::Null,
    }
}

/// The connect screen: `{ installation, fingerprint, unit: {id, name, code, level, parent_id}, peers:
/// [{installation, unit_id, unit_name, role, fingerprint, waiting, last_contact: {what, at} | null,
/// revoked_at: RFC 3339 | null}] }`. A revoked peer has nothing waiting (the outbox leaves it out).
#[tauri::command(async)]
pub fn enrol_status(state: State<'_, AppState>) -> Result<Value, WireError> {
    state.with(|s| {
        let id = s.identity()?;
        let unit = s.get(sotay_core::Kind::Unit, &id.unit_id)?;
        let outbox = s.outbox()?;
        let events = s.sync_events()?;
        let enrolled: std::collections::HashMap<String, String> = s.peers_enrolled_at()?.into_iter().collect();
        let peers: Vec<Value> = s
            .peers()?
            .into_iter()
            .map(|p| {
                let waiting: i64 = outbox.iter().filter(|w| w.peer == p.installation).map(|w| w.to - w.from + 1).sum();
                let last = last_contact(&events, &p, enrolled.get(&p.installation));
                json!({"installation": p.installation, "unit_id": p.unit_id, "unit_name": p.unit_name, "role": role_name(p.role),
                       "fingerprint": p.fingerprint, "waiting": waiting, "last_contact": last, "revoked_at": p.revoked_at})
            })
            .collect();
        Ok(json!({"installation": id.installation, "fingerprint": id.fingerprint,
                  "unit": {"id": unit["id"], "name": unit["name"], "code": unit["code"], "level": unit["level"], "parent_id": unit["parent_id"]},
                  "peers": peers}))
    })
}

/// A lost or stolen laptop of a lower unit (`sotay enroll revoke`): from now on nothing signed by the
/// installation `installation` is taken, over the stick or the hub; what it sent before stays; the unit
/// connects again from its new laptop with a new connection file. Only a lower peer, named by its
/// installation id (never a unit's code, which could name several laptops): `{ installation, unit_id,
/// unit_name, held, revoked_at }`. The upper level is refused in words (Problem::RevokeUpper).
#[tauri::command(async)]
pub fn enrol_revoke(state: State<'_, AppState>, installation: String) -> Result<Value, WireError> {
    let lang = state.lang();
    let who = installation.trim().to_string();
    state.with(|s| {
        let Some(peer) = s.peers()?.into_iter().find(|p| p.installation == who) else {
            return Ok(Err(error("not_found", say(lang,
                "Không có máy nào đã kết nối với mã này: chưa thu hồi gì. Hãy mở lại màn hình Kết nối.",
                "No connected computer has this id: nothing was revoked. Open the Connect screen again."), Some("installation"))));
        };
        if let Some(at) = peer.revoked_at {
            return Ok(Ok(json!({"installation": peer.installation, "unit_id": peer.unit_id, "unit_name": peer.unit_name,
                                "held": Value::Null, "revoked_at": at, "already": true})));
        }
        let r = s.revoke(&peer.installation)?;
        let at = s.peers()?.into_iter().find(|p| p.installation == r.installation).and_then(|p| p.revoked_at);
        Ok(Ok(json!({"installation": r.installation, "unit_id": r.unit_id, "unit_name": r.unit_name, "held": r.held,
                     "revoked_at": at, "already": false})))
    })?
}

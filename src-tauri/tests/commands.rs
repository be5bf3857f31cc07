//! The shell's commands on Tauri's mock runtime, built with the real tauri.conf.json and capability
//! files: what the page sends, what it gets back, and that capabilities gate the commands.

use serde_json::{json, Value};
use sotay_desktop::{builder, AppState};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};


struct Harness {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    other: WebviewWindow<MockRuntime>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    let app = builder::<MockRuntime>()
        .manage(AppState::open(db))
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let other = tauri::WebviewWindowBuilder::new(&app, "other", Default::default()).build().unwrap();
    // A first run: the page has the officer choose a passphrase before anything is created.
    invoke(&main, "vault_create", json!({"passphrase": PASSPHRASE})).expect("the data is created encrypted");
    Harness { _dir: dir, _app: app, main, other }
}

const PASSPHRASE: &str = "mật khẩu thử nghiệm";

/// The window starts locked: no data command runs until a passphrase is chosen (first run) or given.
#[test]
fn a_window_is_locked_until_its_passphrase_is_chosen_or_given() {
    let dir = tempfile::tempdir().unwrap();
    let app = builder::<MockRuntime>()
        .manage(AppState::open(dir.path().join("sotay.db")))
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    assert_eq!(invoke(&main, "vault_status", json!({})).unwrap()["state"], "missing");
    let list = json!({"query": {"kind": "event"}});
    assert_eq!(invoke(&main, "list_records", list.clone()).unwrap_err()["code"], "locked");
    let short = invoke(&main, "vault_create", json!({"passphrase": "12345"})).unwrap_err();
    assert_eq!((short["code"].as_str(), short["field"].as_str()), (Some("invalid"), Some("passphrase")));
    let created = invoke(&main, "vault_create", json!({"passphrase": PASSPHRASE})).unwrap();
    assert_eq!(created["recovery_code"].as_str().unwrap_or_default().len(), 29);
    assert_eq!(invoke(&main, "vault_status", json!({})).unwrap()["state"], "unlocked");
    invoke(&main, "setup_unit", json!({"unit": {"name": "Đoàn xã A", "code": "XA-A", "level": "grassroots"}})).unwrap();
    invoke(&main, "vault_lock", json!({})).unwrap();
    assert_eq!(invoke(&main, "vault_status", json!({})).unwrap()["state"], "locked");
    assert_eq!(invoke(&main, "list_records", list.clone()).unwrap_err()["code"], "locked");
    assert_eq!(invoke(&main, "app_status", json!({})).unwrap_err()["code"], "locked");
    let wrong = invoke(&main, "vault_unlock", json!({"passphrase": "không đúng"})).unwrap_err();
    assert_eq!(wrong["code"], "wrong_secret");
    assert!(wrong["message"].as_str().unwrap_or_default().starts_with("Mật khẩu không đúng"), "{wrong}");
    invoke(&main, "vault_unlock", json!({"passphrase": PASSPHRASE})).unwrap();
    assert_eq!(invoke(&main, "list_records", list).unwrap()["total"], 0);
}

fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        // generate_context! makes its own key; the request must carry it.
        invoke_key: w.app_handle().invoke_key().to_string(),
    };
    get_ipc_response(w, request).map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn first_run_then_log_an_event_and_see_it_counted() {
    let h = harness();
    let status = invoke(&h.main, "app_status", json!({})).unwrap();
    assert_eq!(status["initialized"], false);

    let unit = invoke(&h.main, "setup_unit", json!({"unit": {"name": "Đoàn xã Đông Hưng", "code": "XA-DH", "level": "grassroots"}}))
        .unwrap();
    assert_eq!(unit["name"], "Đoàn xã Đông Hưng");
    let status = invoke(&h.main, "app_status", json!({})).unwrap();
    assert_eq!(status["initialized"], true);

    let today = today_vn();
    let ev = invoke(&h.main, "save_record", json!({"kind": "event", "data": {
        "title": "Tuyên truyền tại thôn Đông", "start_at": format!("{today}T08:00"),
        "participants": {"members": 12, "non_members": 3}}}))
    .unwrap();
    assert_eq!(ev["kind"], "event");

    let page = invoke(&h.main, "list_records", json!({"query": {"kind": "event", "search": "thon dong"}})).unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["title"], "Tuyên truyền tại thôn Đông");

    let quarter = sotay_core::Period::this_quarter().unwrap().code;
    let d = invoke(&h.main, "report", json!({"period": quarter})).unwrap();
    assert_eq!(d["events"], 1);
    assert_eq!(d["participants"], 15);

    let defaults = invoke(&h.main, "event_defaults", json!({})).unwrap();
    assert_eq!(defaults["event_type"], "propaganda_session");
    assert!(defaults.get("title").is_none());
}

#[test]
fn errors_cross_as_code_message_field_in_the_chosen_language() {
    let h = harness();
    invoke(&h.main, "setup_unit", json!({"unit": {"name": "Đoàn xã A", "code": "XA-A", "level": "grassroots"}})).unwrap();
    let bad = json!({"kind": "event", "data": {"title": "A", "start_at": "2026-11-01T08:00", "participants": {"members": -2}}});
    let err = invoke(&h.main, "save_record", bad.clone()).unwrap_err();
    assert_eq!(
        err,
        json!({"code": "invalid", "field": "participants.members", "message": "Đoàn viên: không được là số âm",
               "errors": [{"field": "participants.members", "message": "không được là số âm"}]})
    );

    invoke(&h.main, "set_lang", json!({"lang": "en"})).unwrap();
    let err = invoke(&h.main, "save_record", bad).unwrap_err();
    assert_eq!(err["message"], "Union members: must not be negative");

    let err = invoke(&h.main, "get_record", json!({"kind": "event", "id": "khong-co"})).unwrap_err();
    assert_eq!(err["code"], "not_found");
    let err = invoke(&h.main, "list_records", json!({"query": {"kind": "event", "sql": "DROP TABLE records"}})).unwrap_err();
    assert_eq!(err["code"], "bad_json");
}

#[test]
fn the_sync_screen_sees_its_key_and_is_told_to_enrol_before_exporting() {
    let h = harness();
    invoke(&h.main, "setup_unit", json!({"unit": {"name": "Đoàn xã A", "code": "XA-A", "level": "grassroots"}})).unwrap();
    let status = invoke(&h.main, "sync_status", json!({})).unwrap();
    assert_eq!(status["identity"]["fingerprint"].as_str().unwrap().len(), 39);
    assert_eq!(status["waiting"], 0, "no peer yet, nothing waits");
    assert_eq!(status["own_changes"], 1, "but the unit's own record is kept here, with nowhere to go yet");
    assert_eq!(status["network"]["configured"], false, "no hub yet: the Sync screen says so");
    assert!(invoke(&h.main, "sync_now", json!({})).is_ok(), "the page may ask for a sync");
    assert!(invoke(&h.other, "sync_now", json!({})).is_err(), "a window without the capability may not");
    let dir = tempfile::tempdir().unwrap();
    let err = invoke(&h.main, "sync_export", json!({"dir": dir.path()})).unwrap_err();
    assert_eq!(err["code"], "not_found");
    let preview = invoke(&h.main, "sync_preview", json!({"dir": dir.path()})).unwrap();
    assert_eq!(preview["files"], json!([]));
}

#[test]
fn drafts_survive_until_cleared() {
    let h = harness();
    invoke(&h.main, "draft_save", json!({"key": "quick-event", "data": {"title": "Đang gõ dở"}})).unwrap();
    assert_eq!(invoke(&h.main, "draft_load", json!({"key": "quick-event"})).unwrap()["title"], "Đang gõ dở");
    invoke(&h.main, "draft_clear", json!({"key": "quick-event"})).unwrap();
    assert_eq!(invoke(&h.main, "draft_load", json!({"key": "quick-event"})).unwrap(), Value::Null);
}

#[test]
fn a_window_without_a_capability_cannot_call_the_commands() {
    let h = harness();
    assert!(invoke(&h.main, "app_status", json!({})).is_ok());
    let refused = invoke(&h.other, "app_status", json!({})).unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

#[test]
fn the_report_and_its_months_agree() {
    let h = harness();
    invoke(&h.main, "setup_demo", json!({})).unwrap();
    let report = invoke(&h.main, "report", json!({"period": "2025"})).unwrap();
    let tt02 = |v: &Value, key: &str| v.as_array().unwrap().iter().find(|r| r["code"] == "TT-02").unwrap()[key].as_f64().unwrap();
    assert!(report["rows"].as_array().unwrap().len() >= 5, "a row per commune");
    let months = invoke(&h.main, "report_series", json!({"year": 2025})).unwrap();
    let months = months.as_array().unwrap();
    assert_eq!(months.len(), 12);
    let sum: f64 = months.iter().map(|m| m["values"]["TT-02"].as_f64().unwrap()).sum();
    assert_eq!(sum, tt02(&report["indicators"], "value"), "the months add up to the year");
    let err = invoke(&h.main, "report", json!({"period": "2025Q9"})).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid"), Some("period")));
    assert!(invoke(&h.other, "report", json!({"period": "2025"})).is_err(), "gated by the capability");
}

#[test]
fn the_print_centre_refuses_unknown_documents_and_says_when_the_layout_program_is_missing() {
    let h = harness();
    invoke(&h.main, "setup_demo", json!({})).unwrap();
    let err = invoke(&h.main, "print_preview", json!({"request": {"docs": ["passwd"], "event_id": "01a2"}})).unwrap_err();
    assert_eq!(err["field"], "docs");
    let err = invoke(&h.main, "print_preview", json!({"request": {"docs": ["agenda"], "event_id": "--db=/x"}})).unwrap_err();
    assert_eq!(err["field"], "event");
    let dir = tempfile::tempdir().unwrap();
    let err = invoke(&h.main, "print_save", json!({"request": {"docs": ["plan"], "plan_id": "01a2"}, "dir": dir.path().join("none"), "register": false}))
        .unwrap_err();
    assert_eq!(err["field"], "dir");
    // SAFETY of the test: only this test reads SOTAY_CLI.
    std::env::set_var("SOTAY_CLI", dir.path().join("no-such-program"));
    let err = invoke(&h.main, "print_preview", json!({"request": {"docs": ["report"], "period": "2025"}})).unwrap_err();
    std::env::remove_var("SOTAY_CLI");
    assert_eq!(err["code"], "no_renderer");
    assert!(err["message"].as_str().unwrap().contains("Không chạy được chương trình dàn trang"), "{err}");
    assert!(invoke(&h.other, "print_preview", json!({"request": {"docs": ["report"], "period": "2025"}})).is_err());
}

fn today_vn() -> String {
    sotay_core::clock::today_vn().to_string()
}

/// Every change goes up by itself when the hub is reachable: a save and a deletion each wake the agent.
#[test]
fn saving_and_deleting_wake_the_sync_agent() {
    let dir = tempfile::tempdir().unwrap();
    let (agent, wakes) = sotay_desktop::agent::Agent::detached();
    let app = builder::<MockRuntime>()
        .manage(AppState::open(dir.path().join("sotay.db")))
        .manage(agent)
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let main = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    invoke(&main, "vault_create", json!({"passphrase": PASSPHRASE})).unwrap();
    invoke(&main, "setup_unit", json!({"unit": {"name": "Đoàn xã A", "code": "XA-A", "level": "grassroots"}})).unwrap();
    while wakes.try_recv().is_ok() {}
    let ev = invoke(&main, "save_record", json!({"kind": "event", "data": {"title": "Tuyên truyền", "start_at": "2026-11-20T08:00"}})).unwrap();
    assert!(wakes.try_recv().is_ok(), "a save wakes the agent");
    invoke(&main, "delete_record", json!({"kind": "event", "id": ev["id"]})).unwrap();
    assert!(wakes.try_recv().is_ok(), "a deletion wakes the agent");
}

/// Closing the window with a form's changes unsaved is held once so the page can ask; a second try soon
/// after closes whatever the page does (a page that cannot answer never keeps the window open).
#[test]
fn closing_with_unsaved_changes_is_held_once_for_the_page_to_ask() {
    let h = harness();
    let state = h.main.app_handle().state::<AppState>();
    assert!(!state.hold_close(), "nothing unsaved: the window closes");
    invoke(&h.main, "set_unsaved", json!({"unsaved": true})).unwrap();
    assert!(state.hold_close(), "unsaved: held, the page asks");
    assert!(!state.hold_close(), "asked again at once: it closes");
    invoke(&h.main, "set_unsaved", json!({"unsaved": false})).unwrap();
    assert!(!state.hold_close());
    assert!(invoke(&h.other, "set_unsaved", json!({"unsaved": true})).is_err(), "gated by the capability");
}

/// Evidence from the window: files dropped on it are attached (a bad one refused by name, the others
/// kept), the gallery lists them with a thumbnail, saving the form (which never sends `attachments`)
/// keeps them, and removing one is a change the next form save does not undo.
#[test]
fn evidence_is_attached_listed_kept_by_a_form_save_and_removed() {
    let h = harness();
    invoke(&h.main, "setup_unit", json!({"unit": {"name": "Đoàn xã A", "code": "XA-A", "level": "grassroots"}})).unwrap();
    let form = json!({"title": "Hội nghị tuyên truyền", "start_at": "2026-11-20T08:00"});
    let ev = invoke(&h.main, "save_record", json!({"kind": "event", "data": form})).unwrap();
    let id = ev["id"].as_str().unwrap().to_string();
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("anh-hoi-nghi.png");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/icons/icon.png"), &photo).unwrap();
    let fake = files.path().join("bien-ban.jpg");
    std::fs::write(&fake, "Biên bản họp chi đoàn: không phải ảnh").unwrap();

    let out = invoke(&h.main, "evidence_attach_paths", json!({"kind": "event", "id": id, "paths": [photo, fake],
        "role": "sheet", "caption": "Danh sách ký tên"}))
    .unwrap();
    assert_eq!(out["attached"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["attached"][0]["media_type"], "image/jpeg", "a photo is kept as JPEG");
    assert_eq!(out["refused"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["refused"][0]["file"], "bien-ban.jpg");
    let said = out["refused"][0]["message"].as_str().unwrap();
    assert!(said.starts_with("Không nhận tệp bien-ban.jpg"), "{said}");
    assert_eq!(out["record"]["attachments"].as_array().unwrap().len(), 1);

    let list = invoke(&h.main, "evidence_list", json!({"kind": "event", "id": id})).unwrap();
    let item = &list[0];
    assert_eq!((item["kind"].as_str(), item["caption"].as_str(), item["held"].as_bool()), (Some("sheet"), Some("Danh sách ký tên"), Some(true)));
    assert_eq!(item["name"], "anh-hoi-nghi.png");
    assert!(item["thumb"].as_str().unwrap().starts_with("data:image/jpeg;base64,/9j/"), "a JPEG thumbnail as a data URL");
    let sha = item["sha256"].as_str().unwrap().to_string();

    // The form, saved again without `attachments` (it never sends them), keeps the file.
    let saved = invoke(&h.main, "save_record", json!({"kind": "event", "id": id, "data": {"title": "Hội nghị tuyên truyền (sửa)",
        "start_at": "2026-11-20T08:00"}}))
    .unwrap();
    assert_eq!(saved["attachments"][0]["sha256"], sha.as_str(), "{saved}");

    let record = invoke(&h.main, "evidence_detach", json!({"kind": "event", "id": id, "sha256": sha})).unwrap();
    assert_eq!(record["attachments"].as_array().map_or(0, Vec::len), 0);
    assert_eq!(invoke(&h.main, "evidence_list", json!({"kind": "event", "id": id})).unwrap(), json!([]));
    // A form opened before the removal, saved after it: the file does not come back.
    let saved = invoke(&h.main, "save_record", json!({"kind": "event", "id": id, "data": form})).unwrap();
    assert_eq!(saved["attachments"].as_array().map_or(0, Vec::len), 0, "{saved}");
    let again = invoke(&h.main, "evidence_detach", json!({"kind": "event", "id": id, "sha256": sha})).unwrap_err();
    assert_eq!(again["code"], "not_found");

    // Only the five kinds with evidence; a role is one of five; nothing enrolled, nothing waits.
    let err = invoke(&h.main, "evidence_list", json!({"kind": "plan", "id": id})).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid"), Some("kind")));
    let err = invoke(&h.main, "evidence_attach_paths", json!({"kind": "event", "id": id, "paths": [], "role": "selfie"})).unwrap_err();
    assert_eq!(err["field"], "role");
    assert_eq!(invoke(&h.main, "sync_status", json!({})).unwrap()["files_waiting"], 0);
    assert!(invoke(&h.other, "evidence_list", json!({"kind": "event", "id": id})).is_err(), "gated by the capability");
}

//! The print centre's commands. Documents are laid out by the `sotay` program installed beside the
//! window (typst would make the window's binary three times the 30 MB goal): the window runs it with the
//! same database, reads the page images (SVG) for the preview, and asks it to write the PDFs. Printing
//! hands the previewed pages to the system print dialog (WebKitGTK's, through `Webview::print`).
//!
//! Every value passed on is a separate argument written `--name=value`, so no text of the user can be
//! read as an option, and the ids are checked to be ids first.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::{json, Value};
use sotay_core::{Kind, Lang};
use tauri::State;

use crate::{AppState, WireError};

/// The documents the print centre may ask for, with the words used in file names.
const DOCUMENTS: [(&str, &str); 7] = [
    ("invitation", "giay-moi"),
    ("agenda", "chuong-trinh"),
    ("attendance", "danh-sach"),
    ("minutes", "bien-ban"),
    ("outline", "de-cuong"),
    ("plan", "ke-hoach"),
    ("report", "bao-cao"),
];

#[derive(Debug, Clone, Deserialize)]
pub struct PrintRequest {
    pub docs: Vec<String>,
    #[serde(default)]
    pub event_id: Option<String>,
    #[serde(default)]
    pub plan_id: Option<String>,
    /// For the report: a period code (2025Q3 …) and the unit (default: the installation's).
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub unit_id: Option<String>,
    #[serde(default)]
    pub group_by_unit: bool,
    /// The attendance sheet without its phone column.
    #[serde(default)]
    pub hide_phones: bool,
    /// The report with its evidence annex (the photos of each event, with captions).
    #[serde(default)]
    pub evidence_annex: bool,
    /// The report's tree: "today" (the default) or "as-it-was".
    #[serde(default)]
    pub structure: Option<String>,
    #[serde(default)]
    pub signer: Option<String>,
    #[serde(default)]
    pub signer_title: Option<String>,
    /// YYYY-MM-DD, the date on the place-date line.
    #[serde(default)]
    pub date: Option<String>,
}

fn error(code: &str, message: String, field: Option<&str>) -> WireError {
    WireError { code: code.into(), message, field: field.map(str::to_string), errors: Vec::new() }
}

/// The `sotay` program: `SOTAY_CLI` if set, else beside the window's own executable.
fn cli_path() -> PathBuf {
    if let Some(p) = std::env::var_os("SOTAY_CLI") {
        return PathBuf::from(p);
    }
    let name = if cfg!(windows) { "sotay.exe" } else { "sotay" };
    std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join(name))).unwrap_or_else(|| PathBuf::from(name))
}

/// A record id: hexadecimal digits and hyphens, starting with a digit (so never an option).
fn is_id(s: &str) -> bool {
    s.len() <= 64 && s.starts_with(|c: char| c.is_ascii_hexdigit()) && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl PrintRequest {
    /// The arguments naming what to print and how, after checking every value.
    fn args(&self, lang: Lang) -> Result<Vec<String>, WireError> {
        let vi = lang == Lang::Vi;
        if self.docs.is_empty() {
            let msg = if vi { "Chọn ít nhất một tài liệu để in" } else { "Pick at least one document" };
            return Err(error("invalid", msg.into(), Some("docs")));
        }
        for d in &self.docs {
            if !DOCUMENTS.iter().any(|(name, _)| name == d) {
                return Err(error("invalid", format!("{}: {d}", if vi { "Không có loại tài liệu" } else { "No such document" }), Some("docs")));
            }
        }
        let mut args = Vec::new();
        for (flag, value) in [("event", &self.event_id), ("plan", &self.plan_id), ("unit", &self.unit_id)] {
            if let Some(v) = value {
                if !is_id(v) {
                    return Err(error("invalid", format!("{flag}: {v}"), Some(flag)));
                }
                args.push(format!("--{flag}={v}"));
            }
        }
        if let Some(p) = &self.period {
            args.push(format!("--period={p}"));
        }
        if self.group_by_unit {
            args.push("--group-by-unit".into());
        }
        if self.hide_phones {
            args.push("--no-phones".into());
        }
        if self.evidence_annex {
            args.push("--evidence-annex".into());
        }
        match self.structure.as_deref() {
            None | Some("today") => {}
            Some("as-it-was") => args.push("--structure=as-it-was".into()),
            Some(other) => return Err(error("invalid", format!("structure: {other}"), Some("structure"))),
        }
        for (flag, value) in [("signer", &self.signer), ("signer-title", &self.signer_title), ("date", &self.date)] {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                args.push(format!("--{flag}={v}"));
            }
        }
        Ok(args)
    }
}

/// Runs `sotay --db DB --lang L ARGS…` and returns its standard output; its one-line error otherwise.
/// `key` is the window's unlocked key, handed to the child in its environment only (docs/security.md):
/// the officer is not asked again, and no passphrase is kept.
fn run_cli(db: &Path, key: Option<&sotay_core::vault::DbKey>, lang: Lang, args: &[String]) -> Result<Vec<u8>, WireError> {
    let cli = cli_path();
    let vi = lang == Lang::Vi;
    let mut cmd = Command::new(&cli);
    cmd.arg(format!("--db={}", db.display()))
        .arg(format!("--lang={}", if vi { "vi" } else { "en" }))
        .args(args)
        .env_remove("SOTAY_DB")
        .env_remove("SOTAY_PASSPHRASE");
    match key {
        Some(k) => cmd.env("SOTAY_RAW_KEY", k.to_hex().as_str()),
        None => cmd.env_remove("SOTAY_RAW_KEY"),
    };
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        // sotay is a console program: without this a console window would flash behind the window at
        // every preview and save.
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        cmd.creation_flags(CREATE_NO_WINDOW);
    }
    let out = cmd
        .output()
        .map_err(|e| {
            let msg = if vi {
                format!("Không chạy được chương trình dàn trang tài liệu ({}): {e}", cli.display())
            } else {
                format!("Could not run the document layout program ({}): {e}", cli.display())
            };
            error("no_renderer", msg, None)
        })?;
    if !out.status.success() {
        let text = String::from_utf8_lossy(&out.stderr);
        let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        let line = line.strip_prefix("lỗi: ").or_else(|| line.strip_prefix("error: ")).unwrap_or(line);
        return Err(error("render", line.to_string(), None));
    }
    Ok(out.stdout)
}

/// Page images of each document asked for: `[{document, pages, svgs}]`.
#[tauri::command(async)]
pub fn print_preview(state: State<'_, AppState>, request: PrintRequest) -> Result<Value, WireError> {
    let lang = state.lang();
    let mut args = vec!["preview".to_string(), format!("--docs={}", request.docs.join(","))];
    args.extend(request.args(lang)?);
    let out = run_cli(&state.db_path, state.key.lock().ok().and_then(|k| k.clone()).as_ref(), lang, &args)?;
    serde_json::from_slice(&out).map_err(|e| WireError::internal(&format!("preview output: {e}")))
}

/// Writes each document as a PDF into `dir`, numbered from the register of outgoing documents when
/// `register` is set. Returns `[{document, path, number?}]`. A file of the same name is never replaced.
#[tauri::command(async)]
pub fn print_save(state: State<'_, AppState>, request: PrintRequest, dir: String, register: bool) -> Result<Value, WireError> {
    let lang = state.lang();
    let vi = lang == Lang::Vi;
    let dir = PathBuf::from(dir.trim());
    if dir.as_os_str().is_empty() || !dir.is_dir() {
        let msg = if vi { format!("Không có thư mục {}", dir.display()) } else { format!("No folder {}", dir.display()) };
        return Err(error("invalid", msg, Some("dir")));
    }
    let common = request.args(lang)?;
    let stem = file_stem(&state, &request)?;
    let mut saved = Vec::new();
    for doc in &request.docs {
        let word = DOCUMENTS.iter().find(|(name, _)| name == doc).map(|(_, w)| *w).unwrap_or("tai-lieu");
        let path = free_name(&dir, &format!("{word}{stem}"));
        let mut args = vec!["print".to_string(), doc.clone(), format!("--out={}", path.display())];
        args.extend(common.iter().cloned());
        if register {
            args.push("--register".into());
        }
        let out = match run_cli(&state.db_path, state.key.lock().ok().and_then(|k| k.clone()).as_ref(), lang, &args) {
            Ok(out) => out,
            Err(e) => return Err(after_saving(e, &saved, vi)),
        };
        let text = String::from_utf8_lossy(&out);
        // "số văn bản: 26-GM/ĐTN" / "document number: …"
        let number = text.lines().find_map(|l| l.split_once(": ").filter(|(k, _)| k.contains("văn bản") || k.contains("number")).map(|(_, n)| n.trim().to_string()));
        saved.push(json!({"document": doc, "path": path.display().to_string(), "number": number}));
    }
    Ok(Value::Array(saved))
}

/// The error of a document that could not be saved, saying which of the ones before it were: they are in
/// the folder with their numbers, and saving them again would number them again.
fn after_saving(mut e: WireError, saved: &[Value], vi: bool) -> WireError {
    if saved.is_empty() {
        return e;
    }
    let names: Vec<String> = saved
        .iter()
        .map(|f| {
            let file = f["path"].as_str().map(Path::new).and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match f["number"].as_str() {
                Some(n) => format!("{file} ({n})"),
                None => file,
            }
        })
        .collect();
    e.message = if vi {
        format!("Đã lưu {}: {}. Tài liệu tiếp theo không lưu được: {}", names.len(), names.join(", "), e.message)
    } else {
        format!("Saved {}: {}. The next document could not be saved: {}", names.len(), names.join(", "), e.message)
    };
    e
}

/// Opens the system print dialog for the page, whose print style shows only the previewed pages.
#[tauri::command(async)]
pub fn print_pages<R: tauri::Runtime>(webview: tauri::Webview<R>) -> Result<(), WireError> {
    webview.print().map_err(|e| WireError::internal(&format!("print: {e}")))
}

/// A folder chosen in the system's folder dialog (None when the officer cancels). The page gets this one
/// question, not the dialog plugin: it cannot open files or read paths by itself. `SOTAY_TEST_PICKED_DIR`
/// stands for the officer's choice in the window tests, where no system dialog can be driven.
#[tauri::command(async)]
pub fn print_pick_dir<R: tauri::Runtime>(app: tauri::AppHandle<R>, start: Option<String>) -> Option<String> {
    if let Some(dir) = std::env::var_os("SOTAY_TEST_PICKED_DIR") {
        return Some(PathBuf::from(dir).display().to_string());
    }
    use tauri_plugin_dialog::DialogExt;
    let mut dialog = app.dialog().file();
    if let Some(start) = start.map(PathBuf::from).filter(|p| p.is_dir()) {
        dialog = dialog.set_directory(start);
    }
    dialog.blocking_pick_folder().and_then(|p| p.into_path().ok()).map(|p| p.display().to_string())
}

/// Opens a folder where PDFs were saved in the system's file manager (Explorer, Files…).
#[tauri::command(async)]
pub fn print_open_dir(state: State<'_, AppState>, dir: String) -> Result<(), WireError> {
    let vi = state.lang() == Lang::Vi;
    let dir = PathBuf::from(dir.trim());
    if !dir.is_dir() {
        let msg = if vi { format!("Không có thư mục {}", dir.display()) } else { format!("No folder {}", dir.display()) };
        return Err(error("invalid", msg, Some("dir")));
    }
    open_with_system(&dir).map_err(|e| {
        let msg = if vi { format!("Không mở được thư mục: {e}") } else { format!("The folder could not be opened: {e}") };
        error("internal", msg, None)
    })
}

/// Opens a folder in the file manager, or a file in the program the system has for it (an evidence
/// photo or PDF, `evidence_open`), without waiting for it.
pub(crate) fn open_with_system(path: &Path) -> std::io::Result<()> {
    let mut cmd = file_manager(path);
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    // Reaped on a thread of its own: the launcher must not linger as a zombie.
    cmd.spawn().map(|mut child| drop(std::thread::spawn(move || child.wait())))
}

/// The system's own way to show a folder or open a file (Explorer opens a file with its program).
fn file_manager(dir: &Path) -> Command {
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        let mut c = Command::new("explorer");
        c.arg(dir);
        // No console window flashing behind the window.
        c.creation_flags(0x0800_0000);
        c
    }
    #[cfg(target_os = "macos")]
    {
        let mut c = Command::new("open");
        c.arg(dir);
        c
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let mut c = Command::new("xdg-open");
        c.arg(dir);
        c
    }
}

/// The folder the print centre offers first: the user's Documents folder, else home.
#[tauri::command(async)]
pub fn print_default_dir() -> String {
    dirs_documents().map(|p| p.display().to_string()).unwrap_or_default()
}

fn dirs_documents() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from)?;
    ["Tài liệu", "Documents"].iter().map(|d| home.join(d)).find(|p| p.is_dir()).or(Some(home))
}

/// "-2026-11-20-hoi-nghi-hoc-tap" from the event's date and title (or the plan's, or the period).
fn file_stem(state: &AppState, r: &PrintRequest) -> Result<String, WireError> {
    let (date, title) = if let Some(id) = &r.event_id {
        let e = state.with(|s| s.get(Kind::Event, id))?;
        (e["start_at"].as_str().unwrap_or("").chars().take(10).collect::<String>(), e["title"].as_str().unwrap_or("").to_string())
    } else if let Some(id) = &r.plan_id {
        let p = state.with(|s| s.get(Kind::Plan, id))?;
        (p["start_on"].as_str().unwrap_or("").to_string(), p["title"].as_str().unwrap_or("").to_string())
    } else {
        (String::new(), r.period.clone().unwrap_or_default())
    };
    let slug = slug_of(&title, 40);
    Ok([date.as_str(), slug.as_str()].iter().filter(|s| !s.is_empty()).map(|s| format!("-{s}")).collect())
}

/// The title's words without accents joined by '-', as many whole words as fit in `max` characters (a
/// first word longer than that is cut): "hoi-nghi-tuyen-truyen-luat-thanh-nien", never "…-th".
fn slug_of(title: &str, max: usize) -> String {
    let folded = sotay_core::text::fold(title);
    let words = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
    let mut slug = String::new();
    for w in words {
        let extra = if slug.is_empty() { w.len() } else { w.len() + 1 };
        if slug.len() + extra > max {
            if slug.is_empty() {
                slug.push_str(&w[..max]);
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(w);
    }
    slug
}

/// `stem.pdf`, or `stem-2.pdf`, `stem-3.pdf` … whichever does not exist yet.
fn free_name(dir: &Path, stem: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.pdf"));
    if !first.exists() {
        return first;
    }
    (2..).map(|n| dir.join(format!("{stem}-{n}.pdf"))).find(|p| !p.exists()).unwrap_or(first)
}

#[cfg(test)]
mod tests {

    #[test]
    fn file_names_keep_whole_words() {
        assert_eq!(slug_of("Hội nghị tuyên truyền Luật Thanh niên tại thôn Đông", 40), "hoi-nghi-tuyen-truyen-luat-thanh-nien");
        assert_eq!(slug_of("Đoàn", 40), "doan");
        assert_eq!(slug_of(&"a".repeat(50), 40), "a".repeat(40));
        assert_eq!(slug_of("!!!", 40), "");
    }

    use super::*;

    fn request(docs: &[&str]) -> PrintRequest {
        PrintRequest {
            docs: docs.iter().map(|d| d.to_string()).collect(),
            event_id: Some("01a224ec-89dd-77ca-bd21-05d219a82bc1".into()),
            plan_id: None,
            period: None,
            unit_id: None,
            group_by_unit: true,
            hide_phones: false,
            evidence_annex: false,
            structure: None,
            signer: Some("--db=/etc/passwd".into()),
            signer_title: None,
            date: Some("2026-11-20".into()),
        }
    }

    #[test]
    fn a_failure_midway_says_which_documents_were_saved_with_their_numbers() {
        let saved = [
            json!({"document": "invitation", "path": "/tmp/x/giay-moi-a.pdf", "number": "3-GM/ĐTN"}),
            json!({"document": "attendance", "path": "/tmp/x/danh-sach-a.pdf", "number": null}),
        ];
        let e = after_saving(error("render", "hết chỗ trên đĩa".into(), None), &saved, true);
        assert_eq!(e.message, "Đã lưu 2: giay-moi-a.pdf (3-GM/ĐTN), danh-sach-a.pdf. Tài liệu tiếp theo không lưu được: hết chỗ trên đĩa");
        assert_eq!(after_saving(error("render", "x".into(), None), &[], true).message, "x");
    }

    #[test]
    fn user_text_is_always_a_value_never_an_option() {
        let args = request(&["invitation"]).args(Lang::Vi).unwrap();
        assert_eq!(
            args,
            ["--event=01a224ec-89dd-77ca-bd21-05d219a82bc1", "--group-by-unit", "--signer=--db=/etc/passwd", "--date=2026-11-20"]
        );
    }

    #[test]
    fn the_reports_structure_is_one_of_two_words() {
        let mut r = request(&["report"]);
        r.structure = Some("as-it-was".into());
        assert!(r.args(Lang::Vi).unwrap().contains(&"--structure=as-it-was".to_string()));
        r.structure = Some("--db=/etc/passwd".into());
        assert_eq!(r.args(Lang::Vi).unwrap_err().field.as_deref(), Some("structure"));
    }

    #[test]
    fn unknown_documents_and_ids_that_are_not_ids_are_refused() {
        assert_eq!(request(&["invitation", "passwd"]).args(Lang::Vi).unwrap_err().field.as_deref(), Some("docs"));
        assert_eq!(request(&[]).args(Lang::Vi).unwrap_err().field.as_deref(), Some("docs"));
        let mut r = request(&["agenda"]);
        r.event_id = Some("--db".into());
        assert_eq!(r.args(Lang::Vi).unwrap_err().field.as_deref(), Some("event"));
    }

    #[test]
    fn a_saved_file_never_replaces_another() {
        let dir = tempfile::tempdir().unwrap();
        let a = free_name(dir.path(), "giay-moi-2026-11-20");
        std::fs::write(&a, b"x").unwrap();
        let b = free_name(dir.path(), "giay-moi-2026-11-20");
        assert_eq!(b.file_name().unwrap(), "giay-moi-2026-11-20-2.pdf");
    }
}

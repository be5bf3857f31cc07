// The app's own commands are declared here so that capabilities gate them like plugin commands:
// a command not allowed in capabilities/ cannot be called from the page.
fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_status",
            "set_lang",
            "setup_unit",
            "setup_demo",
            "list_records",
            "get_record",
            "save_record",
            "delete_record",
            "report",
            "report_series",
            "options",
            "event_defaults",
            "draft_save",
            "draft_load",
            "draft_clear",
            "set_unsaved",
            "close_window",
            "sync_status",
            "sync_drives",
            "sync_export",
            "sync_preview",
            "sync_import",
            "sync_now",
            "backup_to",
            "print_preview",
            "print_save",
            "print_pages",
            "print_default_dir",
            "print_pick_dir",
            "print_open_dir",
            "enrol_read",
            "enrol_confirm",
            "enrol_join",
            "enrol_write",
            "enrol_status",
        ]),
    ))
    .expect("tauri build configuration is valid");
}

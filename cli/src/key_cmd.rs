//! `sotay key …`: the database's passphrase, recovery code, key files and the seal to the upper unit.

use std::path::{Path, PathBuf};

use sotay_core::vault::{self, Wrap};
use sotay_core::{Error, Lang, Store};

use crate::unlock::{prompt_new, read_secret_file, show_recovery_code};

fn new_passphrase(file: Option<&Path>, lang: Lang) -> Result<zeroize::Zeroizing<String>, Error> {
    match file {
        Some(f) => {
            let p = read_secret_file(f)?;
            vault::check_passphrase(&p)?;
            Ok(p)
        }
        None => prompt_new(lang, "SOTAY_NEW_PASSPHRASE"),
    }
}

/// Which secrets open the data, read from the key file alone (no secret needed, none shown).
pub fn status(db: &Path, json: bool, lang: Lang) -> Result<(), Error> {
    let kf = vault::read_key_file(db)?;
    let kinds: Vec<&str> = kf
        .wraps
        .iter()
        .map(|w| match w {
            Wrap::Passphrase { .. } => "passphrase",
            Wrap::Recovery { .. } => "recovery_code",
            Wrap::File { .. } => "key_file",
            Wrap::Upper { .. } => "upper_unit",
        })
        .collect();
    if json {
        crate::output::json(&serde_json::json!({"encrypted": true, "opens_with": kinds, "sealed_to_upper": kf.upper(), "key_file": vault::key_path(db)}));
    } else if lang == Lang::Vi {
        println!("dữ liệu được mã hóa; mở được bằng: {}", kinds.join(", "));
        match kf.upper() {
            Some(i) => println!("khóa được gửi kèm cho cấp trên (máy {i}): cấp trên khôi phục được bản sao lưu khi quên cả mật khẩu và mã khôi phục"),
            None => println!("khóa không gửi cho cấp trên"),
        }
    } else {
        println!("the data is encrypted; it opens with: {}", kinds.join(", "));
        match kf.upper() {
            Some(i) => println!("the key is sealed to the upper unit (installation {i}): it can recover a backup if both passphrase and code are lost"),
            None => println!("the key is not sealed to the upper unit"),
        }
    }
    Ok(())
}

pub fn change(store: &Store, new_passphrase_file: Option<&Path>, lang: Lang) -> Result<(), Error> {
    let (Some(db), Some(key)) = (store.path(), store.key()) else { return Ok(()) };
    let new = new_passphrase(new_passphrase_file, lang)?;
    vault::change_passphrase(db, key, &new)?;
    println!("{}", if lang == Lang::Vi { "đã đổi mật khẩu (dữ liệu không phải ghi lại)" } else { "passphrase changed (the data was not rewritten)" });
    Ok(())
}

pub fn reset(db: &Path, code: &str, new_passphrase_file: Option<&Path>, lang: Lang) -> Result<(), Error> {
    // The code is checked before a new passphrase is asked for.
    vault::unlock(db, &vault::Secret::recovery_code(code))?;
    let new = new_passphrase(new_passphrase_file, lang)?;
    vault::reset_passphrase(db, code, &new)?;
    println!("{}", if lang == Lang::Vi { "đã đặt mật khẩu mới bằng mã khôi phục" } else { "a new passphrase was set with the recovery code" });
    Ok(())
}

pub fn add_file(store: &Store, out: &Path, lang: Lang) -> Result<(), Error> {
    let (Some(db), Some(key)) = (store.path(), store.key()) else { return Ok(()) };
    vault::add_key_file(db, key, out)?;
    if lang == Lang::Vi {
        println!("đã ghi tệp khóa {}: ai có tệp này đều mở được dữ liệu — giữ nó như giữ chính dữ liệu", out.display());
    } else {
        println!("wrote the key file {}: whoever has it can open the data — keep it as the data itself is kept", out.display());
    }
    Ok(())
}

pub fn raw(store: &Store, lang: Lang) {
    if let Some(key) = store.key() {
        eprintln!("{}", if lang == Lang::Vi { "cảnh báo: ai thấy khóa này đều đọc được dữ liệu" } else { "warning: whoever sees this key can read the data" });
        println!("{}", key.to_hex().as_str());
    }
}

pub fn upper(store: &mut Store, on: bool, lang: Lang) -> Result<(), Error> {
    store.set_seal_to_upper(on)?;
    let sealed = store.path().map(vault::read_key_file).transpose()?.and_then(|kf| kf.upper().map(str::to_string));
    match (sealed, lang) {
        (Some(i), Lang::Vi) => println!("khóa đã được gửi kèm cho cấp trên (máy {i})"),
        (Some(i), _) => println!("the key is sealed to the upper unit (installation {i})"),
        (None, Lang::Vi) if on => println!("chưa có cấp trên đã kết nối; khóa sẽ được gửi kèm khi kết nối"),
        (None, _) if on => println!("no upper unit is enrolled yet; the key is sealed to it once enrolled"),
        (None, Lang::Vi) => println!("khóa không gửi cho cấp trên"),
        (None, _) => println!("the key is not sealed to the upper unit"),
    }
    Ok(())
}

pub fn recover(store: &Store, backup: &Path, out: &PathBuf, new_passphrase_file: Option<&Path>, lang: Lang) -> Result<(), Error> {
    let new = new_passphrase(new_passphrase_file, lang)?;
    let created = vault::recover_lower_backup(store, backup, out, &new)?;
    if lang == Lang::Vi {
        println!("đã ghi {}: bản sao lưu mở bằng mật khẩu mới; trao tệp và mật khẩu cho cán bộ của đơn vị, để khôi phục rồi đổi mật khẩu", out.display());
    } else {
        println!("wrote {}: the backup opens with the new passphrase; give the file and the passphrase to the unit's officer, to restore and then change it", out.display());
    }
    show_recovery_code(&created.recovery_code, lang);
    Ok(())
}

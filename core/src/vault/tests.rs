use super::*;
use crate::model::Kind;
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

const PASS: &str = "Mật khẩu xã Đông Hưng";
const NAME: &str = "Nguyễn Thị Hương";
const PHONE: &str = "0912345678";

fn commune(db: &Path) -> (crate::Store, Created) {
    let (mut s, created) = crate::Store::create_encrypted(db, PASS).unwrap();
    s.init(&json!({"code": "XA-DH", "name": "Đoàn xã Đông Hưng", "level": "grassroots"})).unwrap();
    s.create(Kind::Event, &json!({"title": format!("Buổi nói chuyện của {NAME}, ĐT {PHONE}"), "start_at": "2026-11-20T08:00"})).unwrap();
    (s, created)
}

/// Whether any of the known words appear in the file's bytes, in NFC or NFD.
fn reveals(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let mut found = Vec::new();
    for word in [NAME, PHONE, "Đông Hưng", "Buổi nói chuyện"] {
        let (nfc, nfd): (String, String) = (word.nfc().collect(), word.nfd().collect());
        let forms = if nfc == nfd { vec![nfc] } else { vec![nfc, nfd] };
        for form in forms {
            if bytes.windows(form.len()).any(|w| w == form.as_bytes()) {
                found.push(form);
            }
        }
    }
    found
}

#[test]
fn a_new_database_and_its_backup_reveal_no_name_or_phone_number_in_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    let (s, _) = commune(&db);
    let backup = s.backup_into(&dir.path().join("usb"), crate::backup::Reason::Manual).unwrap();
    s.checkpoint().unwrap();
    drop(s);
    for file in [db.clone(), sibling(&db, "-wal"), key_path(&db), backup.path.clone()] {
        if file.exists() {
            assert_eq!(reveals(&file), Vec::<String>::new(), "{}", file.display());
        }
    }
    // The check itself finds the words where they are.
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, format!("{} {}", NAME.nfd().collect::<String>(), PHONE)).unwrap();
    assert_eq!(reveals(&plain).len(), 2);
}

#[test]
fn the_passphrase_opens_typed_in_either_unicode_form_and_a_wrong_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    drop(commune(&db));
    let key_file = std::fs::read(key_path(&db)).unwrap();
    let data = std::fs::read(&db).unwrap();
    let e = crate::Store::unlock(&db, &Secret::passphrase("mật khẩu sai")).err().unwrap();
    assert!(matches!(e, Error::Vault(VaultProblem::WrongPassphrase { wait_seconds: 0 })), "{e:?}");
    assert!(e.message(crate::Lang::Vi).starts_with("Mật khẩu không đúng"));
    assert_eq!(std::fs::read(key_path(&db)).unwrap(), key_file);
    assert_eq!(std::fs::read(&db).unwrap(), data);
    let nfd: String = PASS.nfd().collect();
    assert_ne!(nfd, PASS);
    let s = crate::Store::unlock(&db, &Secret::passphrase(&nfd)).unwrap();
    assert_eq!(s.list(&crate::ListQuery::new(Kind::Event)).unwrap().rows.len(), 1);
    assert!(!tries::path(&db).exists(), "a right passphrase clears the wrong tries");
}

#[test]
fn after_three_wrong_tries_the_next_must_wait_and_even_the_right_one_waits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    drop(commune(&db));
    for n in 1..=3 {
        let e = unlock(&db, &Secret::passphrase("sai rồi")).unwrap_err();
        let expected = if n < 3 { 0 } else { 2 };
        assert!(matches!(e, Error::Vault(VaultProblem::WrongPassphrase { wait_seconds }) if wait_seconds == expected), "try {n}: {e:?}");
    }
    let e = unlock(&db, &Secret::passphrase(PASS)).unwrap_err();
    assert!(matches!(e, Error::Vault(VaultProblem::TryLater { seconds: 1..=2 })), "{e:?}");
    assert!(e.message(crate::Lang::Vi).contains("giây"));
}

#[test]
fn a_passphrase_change_rewrites_only_the_key_file_and_the_old_one_no_longer_opens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    let (s, _) = commune(&db);
    let key = s.key().unwrap().clone();
    drop(s);
    let data = std::fs::read(&db).unwrap();
    assert!(matches!(change_passphrase(&db, &key, "12345"), Err(Error::Vault(VaultProblem::PassphraseTooShort { min: 6 }))));
    change_passphrase(&db, &key, "mật khẩu mới 2026").unwrap();
    assert_eq!(std::fs::read(&db).unwrap(), data, "the data is not rewritten");
    assert!(unlock(&db, &Secret::passphrase(PASS)).is_err());
    assert_eq!(unlock(&db, &Secret::passphrase("mật khẩu mới 2026")).unwrap(), key);
}

#[test]
fn the_recovery_code_resets_a_forgotten_passphrase_and_a_wrong_code_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    let (s, created) = commune(&db);
    let key = s.key().unwrap().clone();
    drop(s);
    let before = std::fs::read(key_path(&db)).unwrap();
    let wrong = "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA";
    let e = reset_passphrase(&db, wrong, "quên rồi đặt lại").unwrap_err();
    assert!(matches!(e, Error::Vault(VaultProblem::WrongRecoveryCode { .. })), "{e:?}");
    assert_eq!(std::fs::read(key_path(&db)).unwrap(), before);
    // Typed as people type it off paper: lower case, spaces for dashes.
    let typed = created.recovery_code.to_lowercase().replace('-', " ");
    assert_eq!(reset_passphrase(&db, &typed, "quên rồi đặt lại").unwrap(), key);
    let s = crate::Store::unlock(&db, &Secret::passphrase("quên rồi đặt lại")).unwrap();
    assert_eq!(s.list(&crate::ListQuery::new(Kind::Event)).unwrap().rows.len(), 1);
    assert!(unlock(&db, &Secret::passphrase(PASS)).is_err());
}

#[test]
fn the_upper_unit_opens_a_key_sealed_to_it_and_no_other_installation_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    let (s, _) = commune(&db);
    let key = s.key().unwrap().clone();
    let province = crate::sync::keys::generate().unwrap();
    let stranger = crate::sync::keys::generate().unwrap();
    wrap_to_upper(&db, &key, "province-installation", &province.verifying_key()).unwrap();
    let kf = read_key_file(&db).unwrap();
    assert_eq!(kf.upper(), Some("province-installation"));
    assert_eq!(kf.unwrap_upper("province-installation", &province), Some(key));
    assert_eq!(kf.unwrap_upper("province-installation", &stranger), None);
    assert_eq!(kf.unwrap_upper("another-installation", &province), None);
}

#[test]
fn a_key_file_opens_the_database_unattended_and_another_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    let (s, _) = commune(&db);
    let key = s.key().unwrap().clone();
    let file = dir.path().join("hub.key");
    add_key_file(&db, &key, &file).unwrap();
    assert_eq!(unlock(&db, &Secret::KeyFile(file.clone())).unwrap(), key);
    let other_db = dir.path().join("other.db");
    let (o, _) = crate::Store::create_encrypted(&other_db, PASS).unwrap();
    let other_file = dir.path().join("other.key");
    add_key_file(&other_db, o.key().unwrap(), &other_file).unwrap();
    assert!(matches!(unlock(&db, &Secret::KeyFile(other_file)), Err(Error::Vault(VaultProblem::WrongKeyFile { .. }))));
}

#[test]
fn a_plain_database_is_converted_once_with_an_encrypted_backup_first_and_its_dump_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sotay.db");
    {
        // An older Sotay's database: plain SQLite, as `Store::open` wrote it before encryption.
        let conn = rusqlite::Connection::open(&db).unwrap();
        drop(conn);
        let mut s = crate::Store::open_plain_for_test(&db);
        s.init(&json!({"code": "XA-DH", "name": "Đoàn xã Đông Hưng", "level": "grassroots"})).unwrap();
        s.create(Kind::Event, &json!({"title": format!("Buổi nói chuyện của {NAME}, ĐT {PHONE}"), "start_at": "2026-11-20T08:00"})).unwrap();
    }
    let before = crate::Store::open_plain_for_test(&db).dump_to_vec();
    assert_eq!(state(&db), State::Plain);
    assert!(matches!(crate::Store::unlock(&db, &Secret::passphrase(PASS)), Err(Error::Vault(VaultProblem::NotEncrypted))));
    let converted = convert_plain(&db, PASS).unwrap();
    assert_eq!(state(&db), State::Encrypted);
    assert_eq!(converted.backup.reason, crate::backup::Reason::Encryption);
    for file in [&db, &converted.backup.path] {
        assert_eq!(reveals(file), Vec::<String>::new(), "{}", file.display());
    }
    let after = crate::Store::unlock(&db, &Secret::passphrase(PASS)).unwrap().dump_to_vec();
    assert_eq!(String::from_utf8(after).unwrap(), String::from_utf8(before).unwrap());
    assert!(convert_plain(&db, PASS).is_err(), "only once");
}

#[test]
fn the_province_recovers_a_communes_backup_when_passphrase_and_code_are_both_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (mut province, _) = crate::Store::create_encrypted(&dir.path().join("tinh.db"), "mật khẩu tỉnh đoàn").unwrap();
    province.init(&json!({"code": "TINH-HY", "name": "Tỉnh Đoàn Hưng Yên", "level": "province"})).unwrap();
    let db = dir.path().join("xa.db");
    let (mut s, _) = crate::Store::create_encrypted(&db, PASS).unwrap();
    s.init(&json!({"code": "XA-DH", "name": "Đoàn xã Đông Hưng", "level": "grassroots"})).unwrap();
    s.enroll(&province.enrolment().unwrap()).unwrap();
    province.enroll(&s.enrolment().unwrap()).unwrap();
    s.create(Kind::Event, &json!({"title": "Buổi một", "start_at": "2026-11-20T08:00"})).unwrap();
    assert!(read_key_file(&db).unwrap().upper().is_some(), "sealed to the province once enrolled, by default");
    let backup = s.backup_into(&dir.path().join("usb"), crate::backup::Reason::Manual).unwrap();
    drop(s);

    // Another province (or anyone else) cannot.
    let (mut other, _) = crate::Store::create_encrypted(&dir.path().join("khac.db"), "mật khẩu tỉnh khác").unwrap();
    other.init(&json!({"code": "TINH-TB", "name": "Tỉnh Đoàn Thái Bình", "level": "province"})).unwrap();
    let out = dir.path().join("cap-lai.db");
    assert!(matches!(recover_lower_backup(&other, &backup.path, &out, "tạm thời 2026"), Err(Error::Vault(VaultProblem::NotSealedToUs))));
    assert!(!out.exists());

    let created = recover_lower_backup(&province, &backup.path, &out, "tạm thời 2026").unwrap();
    // The officer restores it on a new laptop with the passphrase the province gave.
    let new_db = dir.path().join("moi").join("sotay.db");
    let secret = Secret::passphrase("tạm thời 2026");
    crate::restore::restore(&new_db, &out, &crate::restore::Keys { current: None, backup: Some(&secret) }).unwrap();
    let back = crate::Store::unlock(&new_db, &secret).unwrap();
    assert_eq!(back.list(&crate::ListQuery::new(Kind::Event)).unwrap().rows.len(), 1);
    // and the new recovery code works too.
    assert!(unlock(&new_db, &Secret::recovery_code(&created.recovery_code)).is_ok());
}

//! How `sotay` gets the database's key (docs/security.md): `--key-file` (a hub that starts unattended),
//! `--passphrase-file`, `SOTAY_PASSPHRASE`, or a prompt at the terminal. A new database is encrypted from
//! its creation, and an older Sotay's plain database is converted once, at its first open.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use sotay_core::vault::{self, Secret, State};
use sotay_core::{Error, Lang, Store, VaultProblem};
use zeroize::Zeroizing;

/// Where the secret may come from, as the command line gave it.
pub struct KeySource {
    pub passphrase_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

/// Wrong passphrases typed at the terminal before `sotay` gives up (the growing wait still applies).
const PROMPT_TRIES: usize = 3;

impl KeySource {
    /// The passphrase given without asking: a file's first line, or `SOTAY_PASSPHRASE`.
    pub fn given_passphrase(&self) -> Result<Option<Zeroizing<String>>, Error> {
        if let Some(path) = &self.passphrase_file {
            return read_secret_file(path).map(Some);
        }
        Ok(std::env::var("SOTAY_PASSPHRASE").ok().filter(|p| !p.is_empty()).map(Zeroizing::new))
    }

    /// The new passphrase of a new key: given, or typed twice at the terminal.
    pub fn new_passphrase(&self, lang: Lang) -> Result<Zeroizing<String>, Error> {
        if let Some(p) = self.given_passphrase()? {
            vault::check_passphrase(&p)?;
            return Ok(p);
        }
        prompt_new(lang, "SOTAY_PASSPHRASE")
    }

    /// Opens the database at `db`. `creates`: the command may create it (init, seed).
    pub fn open(&self, db: &Path, creates: bool, lang: Lang) -> Result<Store, Error> {
        match vault::state(db) {
            State::Missing if creates => {
                let passphrase = self.new_passphrase(lang)?;
                let (store, created) = Store::create_encrypted(db, &passphrase)?;
                show_recovery_code(&created.recovery_code, lang);
                Ok(store)
            }
            State::Missing => Err(Error::NotInitialized),
            State::Plain => {
                let passphrase = self.new_passphrase(lang)?;
                let converted = vault::convert_plain(db, &passphrase)?;
                if lang == Lang::Vi {
                    eprintln!("Dữ liệu đã được mã hóa; bản sao lưu (đã mã hóa) trước khi mã hóa: {}", converted.backup.path.display());
                } else {
                    eprintln!("The data is now encrypted; a backup (encrypted) from before: {}", converted.backup.path.display());
                }
                show_recovery_code(&converted.created.recovery_code, lang);
                Store::open(db, &converted.created.key)
            }
            State::Encrypted | State::KeyFileMissing | State::Foreign => self.unlock(db, lang).map(|(store, _)| store),
        }
    }

    /// Unlocks an encrypted database; returns the passphrase used, if one was (a restore tries it on the
    /// backup too).
    pub fn unlock(&self, db: &Path, lang: Lang) -> Result<(Store, Option<Zeroizing<String>>), Error> {
        if let Some(path) = &self.key_file {
            return Ok((Store::unlock(db, &Secret::KeyFile(path.clone()))?, None));
        }
        // The window's unlocked key, handed to the `sotay` it runs for documents (never typed by people).
        if let Some(hex) = std::env::var("SOTAY_RAW_KEY").ok().filter(|h| !h.is_empty()) {
            let key = sotay_core::vault::DbKey::from_hex(&hex).ok_or(Error::Vault(VaultProblem::OtherKey))?;
            return Ok((Store::unlock(db, &Secret::Key(key))?, None));
        }
        if let Some(p) = self.given_passphrase()? {
            let store = Store::unlock(db, &Secret::Passphrase(p.clone()))?;
            return Ok((store, Some(p)));
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::Vault(VaultProblem::PassphraseNeeded));
        }
        let mut last = Error::Vault(VaultProblem::PassphraseNeeded);
        for _ in 0..PROMPT_TRIES {
            let p = prompt(if lang == Lang::Vi { "Mật khẩu: " } else { "Passphrase: " })?;
            match Store::unlock(db, &Secret::Passphrase(p.clone())) {
                Ok(store) => return Ok((store, Some(p))),
                Err(e @ Error::Vault(VaultProblem::WrongPassphrase { .. })) => {
                    eprintln!("{}", e.message(lang));
                    last = e;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }
}

/// A secret file's first line, without its line ending.
pub fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, Error> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Error::Io { path: path.display().to_string(), source: e })?);
    Ok(Zeroizing::new(text.lines().next().unwrap_or_default().to_string()))
}

fn prompt(label: &str) -> Result<Zeroizing<String>, Error> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|e| Error::Io { path: "terminal".into(), source: e })
}

/// A new passphrase: `env` if set, else typed twice at the terminal.
pub fn prompt_new(lang: Lang, env: &str) -> Result<Zeroizing<String>, Error> {
    if let Some(p) = std::env::var(env).ok().filter(|p| !p.is_empty()) {
        vault::check_passphrase(&p)?;
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Vault(VaultProblem::PassphraseNeeded));
    }
    let vi = lang == Lang::Vi;
    loop {
        let first = prompt(if vi { "Mật khẩu mới (ít nhất 6 ký tự): " } else { "New passphrase (at least 6 characters): " })?;
        if let Err(e) = vault::check_passphrase(&first) {
            eprintln!("{}", e.message(lang));
            continue;
        }
        let again = prompt(if vi { "Nhập lại mật khẩu mới: " } else { "The new passphrase again: " })?;
        if *first == *again {
            return Ok(first);
        }
        eprintln!("{}", if vi { "Hai lần nhập không khớp; nhập lại." } else { "The two do not match; again." });
    }
}

/// The recovery code, shown once, on stderr (stdout stays the command's own output).
pub fn show_recovery_code(code: &str, lang: Lang) {
    if lang == Lang::Vi {
        eprintln!("Mã khôi phục (chỉ hiện một lần; ghi ra giấy và cất nơi an toàn, tách khỏi máy):");
        eprintln!("    {code}");
        eprintln!("Quên mật khẩu: đặt lại bằng mã này (`sotay key reset`). Mất cả hai: cấp trên khôi phục được bản sao lưu.");
    } else {
        eprintln!("Recovery code (shown once; write it down and keep it safe, apart from the laptop):");
        eprintln!("    {code}");
        eprintln!("Forgot the passphrase: reset it with this code (`sotay key reset`). Lost both: the upper unit can recover a backup.");
    }
}

//! The database key and how it is kept (docs/security.md).
//!
//! Every Sotay database is encrypted by SQLCipher with a random 256-bit key. The key itself is never
//! stored as it is: the key file beside the database (`sotay.db.key`) holds it *wrapped* — sealed with
//! a key derived from the officer's passphrase (Argon2id), sealed again with a key derived from the
//! recovery code shown once at set-up, and, once enrolled, sealed to the upper unit's public key so that
//! the province can recover a backup when both are lost. Changing the passphrase rewrites only that small
//! file, never the data. Backups carry the same key file at their end (see [`trailer`]).

mod convert;
mod keyfile;
mod recovery;
pub mod sealed;
pub mod trailer;
mod tries;
mod wrap;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub use convert::{convert_plain, recover_lower_backup, Converted};
pub(crate) use convert::{decrypt_copy, encrypt_copy, rekey};
pub use keyfile::{KeyFile, Wrap};
pub use recovery::format_code;
pub use wrap::{Kdf, PASSPHRASE_KDF};

use crate::error::{Error, Result, VaultProblem};

/// The fewest characters a passphrase may have (a PIN of six digits is the shortest).
pub const MIN_PASSPHRASE_CHARS: usize = 6;

/// The key SQLCipher encrypts the database with. Wiped from memory when dropped; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DbKey({})", self.check())
    }
}

impl DbKey {
    pub fn generate() -> Result<DbKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        random(&mut key[..])?;
        Ok(DbKey(key))
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<DbKey> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(DbKey(Zeroizing::new(arr)))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A short name of the key that reveals nothing of it: tells whether a backup was made with the
    /// same key as this database without trying to open it.
    pub fn check(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"sotay key check\0");
        h.update(&self.0[..]);
        h.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A key given in hex (`SOTAY_RAW_KEY`, from the window to the `sotay` it runs).
    pub fn from_hex(hex: &str) -> Option<DbKey> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut out = Zeroizing::new([0u8; 32]);
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(DbKey(out))
    }

    /// The key in hex, as SQLCipher tools take a raw key (`PRAGMA key = "x'…'"`): `sotay key raw`.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(self.0.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// SQLCipher's raw-key form (`x'…'`): used as it is, with no second key derivation.
    fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", self.to_hex().as_str()))
    }
}

/// What unlocks a database: what the officer types, the code on paper, or a key file (a hub's).
pub enum Secret {
    Passphrase(Zeroizing<String>),
    RecoveryCode(Zeroizing<String>),
    KeyFile(PathBuf),
    /// The key itself, already unlocked (the window's open store restoring its own backup).
    Key(DbKey),
}

impl Secret {
    pub fn passphrase(text: &str) -> Secret {
        Secret::Passphrase(Zeroizing::new(text.to_string()))
    }
    pub fn recovery_code(text: &str) -> Secret {
        Secret::RecoveryCode(Zeroizing::new(text.to_string()))
    }
}

pub(crate) fn random(out: &mut [u8]) -> Result<()> {
    getrandom::getrandom(out).map_err(|e| Error::Integrity(format!("no randomness for a key: {e}")))
}

/// The key file of the database at `db`: `sotay.db` → `sotay.db.key`.
pub fn key_path(db: &Path) -> PathBuf {
    sibling(db, ".key")
}

pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// What is at a database's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No database yet (or an empty file): set-up creates one, encrypted from the start.
    Missing,
    /// A database of an older Sotay, not encrypted: converted once, with a backup first.
    Plain,
    /// Encrypted, with its key file beside it.
    Encrypted,
    /// Encrypted, but its key file is gone: only a backup (which carries its own) brings it back.
    KeyFileMissing,
    /// Not a database at all (a document chosen by mistake): left untouched.
    Foreign,
}

pub fn state(db: &Path) -> State {
    let len = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return State::Missing;
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(db).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
    if read.is_ok() && &head == b"SQLite format 3\0" {
        State::Plain
    } else if key_path(db).exists() || matches!(trailer::read(db), Ok(Some(_))) {
        State::Encrypted
    } else if len % 512 == 0 {
        // Whole pages of random-looking bytes: an encrypted database whose key file is gone.
        State::KeyFileMissing
    } else {
        State::Foreign
    }
}

/// Opens a connection to `path` and gives SQLCipher the key before anything is read. With no key the
/// file is read as plain SQLite (an older Sotay's database, being converted).
pub(crate) fn open_conn(path: &Path, flags: OpenFlags, key: Option<&DbKey>) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    quiet(&conn);
    if let Some(key) = key {
        conn.execute_batch(&key.pragma())?;
    }
    Ok(conn)
}

/// SQLCipher writes its own warnings (a wrong key, say) to stderr; ours say it in the user's language.
fn quiet(conn: &Connection) {
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
}

/// The new key of a new database, with the recovery code to show the officer once.
pub struct Created {
    pub key: DbKey,
    pub recovery_code: Zeroizing<String>,
}

/// Makes the key of a database not yet created at `db` and writes its key file: wrapped by
/// `passphrase` and by a new recovery code.
pub fn create(db: &Path, passphrase: &str) -> Result<Created> {
    let (kf, created) = new_key_file(passphrase)?;
    kf.write(&key_path(db))?;
    Ok(created)
}

/// A key file for a new key, not yet written anywhere.
pub(crate) fn new_key_file(passphrase: &str) -> Result<(KeyFile, Created)> {
    check_passphrase(passphrase)?;
    let key = DbKey::generate()?;
    let code = recovery::generate()?;
    let mut kf = KeyFile::new(&key);
    kf.set(Wrap::passphrase(&key, passphrase)?);
    kf.set(Wrap::recovery(&key, &code)?);
    Ok((kf, Created { key, recovery_code: Zeroizing::new(format_code(&code)) }))
}

pub fn check_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::Vault(VaultProblem::PassphraseTooShort { min: MIN_PASSPHRASE_CHARS }));
    }
    Ok(())
}

/// Reads the key file of the database at `db`.
pub fn read_key_file(db: &Path) -> Result<KeyFile> {
    KeyFile::read(&key_path(db))
}

/// Unlocks the database at `db`. A wrong passphrase or code changes nothing but the count of wrong
/// tries, and after the third each try must wait longer (2 s, 4 s, … up to 5 minutes).
pub fn unlock(db: &Path, secret: &Secret) -> Result<DbKey> {
    let kf = match read_key_file(db) {
        // A backup opened as a database (`sotay --db <backup> dump`) carries its key file at its end.
        Err(Error::Vault(VaultProblem::KeyFileMissing { .. })) if matches!(trailer::read(db), Ok(Some(_))) => {
            trailer::read(db)?.map(|(kf, _)| kf).ok_or(Error::Vault(VaultProblem::OtherKey))?
        }
        other => other?,
    };
    unlock_with(&kf, secret, Some(&tries::path(db)))
}

/// Unlocks the key `kf` holds (a database's, or a backup's trailer). `tries_at` counts wrong tries.
pub fn unlock_with(kf: &KeyFile, secret: &Secret, tries_at: Option<&Path>) -> Result<DbKey> {
    let typed = matches!(secret, Secret::Passphrase(_) | Secret::RecoveryCode(_));
    if typed {
        if let Some(t) = tries_at {
            tries::before_try(t)?;
        }
    }
    let found = match secret {
        Secret::Key(key) => (key.check() == kf.key_check).then(|| key.clone()),
        Secret::Passphrase(p) => kf.unwrap_passphrase(p)?,
        Secret::RecoveryCode(c) => match recovery::parse(c) {
            Some(code) => kf.unwrap_recovery(&code)?,
            None => None,
        },
        Secret::KeyFile(path) => kf.unwrap_file(path)?,
    };
    match found {
        Some(key) => {
            if typed {
                if let Some(t) = tries_at {
                    tries::succeeded(t);
                }
            }
            Ok(key)
        }
        None => {
            let wait = match (typed, tries_at) {
                (true, Some(t)) => tries::failed(t),
                _ => 0,
            };
            Err(Error::Vault(match secret {
                Secret::Passphrase(_) => VaultProblem::WrongPassphrase { wait_seconds: wait },
                Secret::RecoveryCode(_) => VaultProblem::WrongRecoveryCode { wait_seconds: wait },
                Secret::KeyFile(p) => VaultProblem::WrongKeyFile { path: p.display().to_string() },
                Secret::Key(_) => VaultProblem::OtherKey,
            }))
        }
    }
}

/// A new passphrase for an unlocked database; only the key file is rewritten.
pub fn change_passphrase(db: &Path, key: &DbKey, new_passphrase: &str) -> Result<()> {
    check_passphrase(new_passphrase)?;
    let mut kf = read_key_file(db)?;
    if kf.key_check != key.check() {
        return Err(Error::Vault(VaultProblem::OtherKey));
    }
    kf.set(Wrap::passphrase(key, new_passphrase)?);
    kf.write(&key_path(db))
}

/// A forgotten passphrase: the recovery code unlocks the key and a new passphrase wraps it. A wrong code
/// changes nothing.
pub fn reset_passphrase(db: &Path, code: &str, new_passphrase: &str) -> Result<DbKey> {
    check_passphrase(new_passphrase)?;
    let key = unlock(db, &Secret::recovery_code(code))?;
    change_passphrase(db, &key, new_passphrase)?;
    Ok(key)
}

/// Seals the key to the upper unit's installation too (on by default once enrolled), replacing an
/// earlier upper wrap.
pub fn wrap_to_upper(db: &Path, key: &DbKey, installation: &str, upper: &ed25519_dalek::VerifyingKey) -> Result<()> {
    let mut kf = read_key_file(db)?;
    kf.set(Wrap::upper(key, installation, upper)?);
    kf.write(&key_path(db))
}

/// Removes the upper wrap (the officer turned province recovery off).
pub fn unwrap_from_upper(db: &Path) -> Result<()> {
    let mut kf = read_key_file(db)?;
    kf.wraps.retain(|w| !matches!(w, Wrap::Upper { .. }));
    kf.write(&key_path(db))
}

/// Writes a new key file `out` (a random secret) that unlocks the database, for a hub that starts with
/// no one to type: `sotay serve --key-file`. Anyone with `out` can read the data: keep it as the
/// database itself is kept.
pub fn add_key_file(db: &Path, key: &DbKey, out: &Path) -> Result<()> {
    let mut kf = read_key_file(db)?;
    let (wrap, contents) = Wrap::file(key)?;
    crate::files::write_whole(out, contents.as_bytes())?;
    restrict_to_owner(out);
    kf.set(wrap);
    kf.write(&key_path(db))
}

/// Only the file's owner may read it (POSIX); on Windows the user's profile folder already is.
pub(crate) fn restrict_to_owner(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The fixed key of tests' databases.
#[cfg(test)]
pub(crate) fn test_key() -> DbKey {
    DbKey(Zeroizing::new([7u8; 32]))
}

#[cfg(test)]
mod tests;

//! The key file: the database key in its wraps, as JSON beside the database (and at the end of every
//! backup). It reveals nothing without one of the secrets; losing it loses the database, which is why
//! every backup carries its own copy.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::wrap::{self, Kdf, PASSPHRASE_KDF};
use super::DbKey;
use crate::error::{Error, Result, VaultProblem};
use crate::sync::keys::{b64, from_b64};

const FORMAT: &str = "sotay-key";
const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyFile {
    pub format: String,
    pub version: u32,
    /// [`DbKey::check`] of the key inside.
    pub key_check: String,
    pub wraps: Vec<Wrap>,
}

/// One sealed copy of the key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Wrap {
    /// Under the officer's passphrase or PIN.
    Passphrase { kdf: Kdf, salt: String, nonce: String, sealed: String },
    /// Under the recovery code.
    Recovery { kdf: Kdf, salt: String, nonce: String, sealed: String },
    /// Under a key file's random secret (a hub that starts unattended), known by its id.
    File { id: String, nonce: String, sealed: String },
    /// Sealed to the upper unit's installation: its key opens it, to recover a backup.
    Upper { installation: String, sealed: String },
}

impl Wrap {
    fn same_slot(&self, other: &Wrap) -> bool {
        match (self, other) {
            (Wrap::File { id: a, .. }, Wrap::File { id: b, .. }) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }

    pub(crate) fn passphrase(key: &DbKey, passphrase: &str) -> Result<Wrap> {
        let (salt, nonce, sealed) = under_secret(key, &wrap::normalize(passphrase), "passphrase")?;
        Ok(Wrap::Passphrase { kdf: PASSPHRASE_KDF, salt, nonce, sealed })
    }

    pub(crate) fn recovery(key: &DbKey, code: &str) -> Result<Wrap> {
        let (salt, nonce, sealed) = under_secret(key, code.as_bytes(), "recovery")?;
        Ok(Wrap::Recovery { kdf: PASSPHRASE_KDF, salt, nonce, sealed })
    }

    /// A new file wrap and the file's contents: `sotay-key-file 1 <id> <secret>`. The secret is 256
    /// random bits, so it needs no slow derivation: its SHA-256 is the sealing key.
    pub(crate) fn file(key: &DbKey) -> Result<(Wrap, Zeroizing<String>)> {
        let mut secret = Zeroizing::new([0u8; 32]);
        super::random(&mut secret[..])?;
        let mut id = [0u8; 8];
        super::random(&mut id)?;
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let kek = file_kek(&secret[..]);
        let (nonce, sealed) = wrap::seal(&kek, key, "file")?;
        let contents = Zeroizing::new(format!("sotay-key-file 1 {id} {}\n", b64(&secret[..])));
        Ok((Wrap::File { id, nonce: b64(&nonce), sealed: b64(&sealed) }, contents))
    }

    pub(crate) fn upper(key: &DbKey, installation: &str, upper: &ed25519_dalek::VerifyingKey) -> Result<Wrap> {
        let sealed = super::sealed::seal(&super::sealed::encryption_key(upper), key.bytes())?;
        Ok(Wrap::Upper { installation: installation.to_string(), sealed: b64(&sealed) })
    }
}

fn under_secret(key: &DbKey, secret: &[u8], label: &str) -> Result<(String, String, String)> {
    let mut salt = [0u8; 16];
    super::random(&mut salt)?;
    let kek = wrap::derive(secret, &salt, PASSPHRASE_KDF)?;
    let (nonce, sealed) = wrap::seal(&kek, key, label)?;
    Ok((b64(&salt), b64(&nonce), b64(&sealed)))
}

fn file_kek(secret: &[u8]) -> Zeroizing<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"sotay key file\0");
    h.update(secret);
    Zeroizing::new(h.finalize().into())
}

fn open_under(secret: &[u8], kdf: Kdf, salt: &str, nonce: &str, sealed: &str, label: &str) -> Result<Option<DbKey>> {
    let (Some(salt), Some(nonce), Some(sealed)) = (from_b64(salt), from_b64(nonce), from_b64(sealed)) else {
        return Ok(None);
    };
    let kek = wrap::derive(secret, &salt, kdf)?;
    Ok(wrap::open(&kek, &nonce, &sealed, label))
}

impl KeyFile {
    pub(crate) fn new(key: &DbKey) -> KeyFile {
        KeyFile { format: FORMAT.into(), version: VERSION, key_check: key.check(), wraps: Vec::new() }
    }

    /// Adds `wrap`, replacing the one of the same kind (and id) before it.
    pub(crate) fn set(&mut self, wrap: Wrap) {
        self.wraps.retain(|w| !w.same_slot(&wrap));
        self.wraps.push(wrap);
    }

    pub fn read(path: &Path) -> Result<KeyFile> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Vault(VaultProblem::KeyFileMissing { path: path.display().to_string() }))
            }
            Err(e) => return Err(Error::Io { path: path.display().to_string(), source: e }),
        };
        Self::parse(&bytes).ok_or_else(|| Error::Vault(VaultProblem::KeyFileDamaged { path: path.display().to_string() }))
    }

    pub(crate) fn parse(bytes: &[u8]) -> Option<KeyFile> {
        let kf: KeyFile = serde_json::from_slice(bytes).ok()?;
        (kf.format == FORMAT && kf.version == VERSION).then_some(kf)
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Written whole or not at all: a crash mid-way leaves the old key file.
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        crate::files::write_whole(path, &self.to_bytes())?;
        super::restrict_to_owner(path);
        if let Some(dir) = path.parent() {
            crate::backup::flush_dir(dir);
        }
        Ok(())
    }

    pub(crate) fn unwrap_passphrase(&self, passphrase: &str) -> Result<Option<DbKey>> {
        let secret = wrap::normalize(passphrase);
        for w in &self.wraps {
            if let Wrap::Passphrase { kdf, salt, nonce, sealed } = w {
                if let Some(key) = open_under(&secret, *kdf, salt, nonce, sealed, "passphrase")? {
                    return Ok(Some(key));
                }
            }
        }
        Ok(None)
    }

    pub(crate) fn unwrap_recovery(&self, code: &str) -> Result<Option<DbKey>> {
        for w in &self.wraps {
            if let Wrap::Recovery { kdf, salt, nonce, sealed } = w {
                if let Some(key) = open_under(code.as_bytes(), *kdf, salt, nonce, sealed, "recovery")? {
                    return Ok(Some(key));
                }
            }
        }
        Ok(None)
    }

    pub(crate) fn unwrap_file(&self, path: &Path) -> Result<Option<DbKey>> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Error::Io { path: path.display().to_string(), source: e })?);
        let parts: Vec<&str> = text.split_whitespace().collect();
        let (id, secret) = match parts.as_slice() {
            ["sotay-key-file", "1", id, secret] => (*id, Zeroizing::new(from_b64(secret).unwrap_or_default())),
            _ => return Err(Error::Vault(VaultProblem::WrongKeyFile { path: path.display().to_string() })),
        };
        let kek = file_kek(&secret);
        for w in &self.wraps {
            if let Wrap::File { id: wid, nonce, sealed } = w {
                if wid == id {
                    let (Some(nonce), Some(sealed)) = (from_b64(nonce), from_b64(sealed)) else { continue };
                    return Ok(wrap::open(&kek, &nonce, &sealed, "file"));
                }
            }
        }
        Ok(None)
    }

    /// The key, opened by the upper unit's installation `me` with its signing key.
    pub fn unwrap_upper(&self, me: &str, signing: &ed25519_dalek::SigningKey) -> Option<DbKey> {
        self.wraps.iter().find_map(|w| match w {
            Wrap::Upper { installation, sealed } if installation == me => {
                let plain = Zeroizing::new(super::sealed::open(signing, &from_b64(sealed)?)?);
                DbKey::from_bytes(&plain).filter(|k| k.check() == self.key_check)
            }
            _ => None,
        })
    }

    /// The installation the key is sealed to for recovery, if any.
    pub fn upper(&self) -> Option<&str> {
        self.wraps.iter().find_map(|w| match w {
            Wrap::Upper { installation, .. } => Some(installation.as_str()),
            _ => None,
        })
    }
}

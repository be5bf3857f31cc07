//! Sealing the database key with a secret: Argon2id turns the passphrase (or the recovery code) into a
//! key-encryption key, and XChaCha20-Poly1305 seals the database key with it. A wrong secret fails the
//! seal's authentication; nothing else is needed to tell it.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::DbKey;
use crate::error::{Error, Result};

/// Argon2id's cost, stored with each wrap so that a later Sotay can raise it for new wraps and still
/// open old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kdf {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over it.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

/// RFC 9106's second recommended setting (64 MiB, 3 passes), with one lane: an old two-core laptop
/// derives it in about 0.2 s, and a guesser pays the same 64 MiB for every guess.
pub const PASSPHRASE_KDF: Kdf = Kdf { m_kib: 64 * 1024, t: 3, p: 1 };

/// The most a key file may ask for: a file made to ask for more would only make unlocking hang.
const MAX_KDF: Kdf = Kdf { m_kib: 1024 * 1024, t: 16, p: 8 };

/// A secret typed by a person, the same bytes whichever keyboard typed it: Vietnamese input methods
/// differ on precomposed (NFC) and combining (NFD) letters.
pub(crate) fn normalize(secret: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(secret.nfc().collect::<String>().into_bytes())
}

pub(crate) fn derive(secret: &[u8], salt: &[u8], kdf: Kdf) -> Result<Zeroizing<[u8; 32]>> {
    if kdf.m_kib > MAX_KDF.m_kib || kdf.t > MAX_KDF.t || kdf.p > MAX_KDF.p {
        return Err(Error::Integrity(format!("the key file asks for a key derivation beyond bounds ({kdf:?})")));
    }
    let params = argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32))
        .map_err(|e| Error::Integrity(format!("key derivation settings: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(secret, salt, &mut out[..])
        .map_err(|e| Error::Integrity(format!("key derivation: {e}")))?;
    Ok(out)
}

/// Seals `key` with `kek`; `label` (the wrap's kind) is authenticated with it, so that a wrap cannot be
/// passed off as another kind.
pub(crate) fn seal(kek: &[u8; 32], key: &DbKey, label: &str) -> Result<([u8; 24], Vec<u8>)> {
    let mut nonce = [0u8; 24];
    super::random(&mut nonce)?;
    let cipher = XChaCha20Poly1305::new(kek.into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.bytes(), aad: aad(label).as_bytes() })
        .map_err(|_| Error::Integrity("the key could not be sealed".into()))?;
    Ok((nonce, sealed))
}

/// The key, or None when `kek` is not the one it was sealed with (a wrong passphrase).
pub(crate) fn open(kek: &[u8; 32], nonce: &[u8], sealed: &[u8], label: &str) -> Option<DbKey> {
    if nonce.len() != 24 {
        return None;
    }
    let cipher = XChaCha20Poly1305::new(kek.into());
    let plain = Zeroizing::new(cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: aad(label).as_bytes() }).ok()?);
    DbKey::from_bytes(&plain)
}

fn aad(label: &str) -> String {
    format!("sotay key wrap 1 {label}")
}

//! Public-key sealing for an installation, from libsodium's sealed boxes (the `crypto_box` crate:
//! X25519, XSalsa20-Poly1305): the database key sealed to the upper unit (province recovery), and a
//! bundle's changes sealed to their addressee.
//!
//! An installation's encryption key is the X25519 form of its Ed25519 signing key (as age and libsodium
//! do for SSH and Ed25519 keys), so every installation enrolled before encryption can be written to at
//! once, without a second exchange of enrolment files.

use crypto_box::{PublicKey, SecretKey};
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::{Error, Result};

/// The X25519 public key that bundles to the installation with this signing key are sealed to.
pub fn encryption_key(signing: &VerifyingKey) -> [u8; 32] {
    signing.to_montgomery().to_bytes()
}

fn secret(signing: &SigningKey) -> SecretKey {
    SecretKey::from(signing.to_scalar_bytes())
}

/// Seals `message` so that only the holder of the signing key behind `to` opens it.
pub fn seal(to: &[u8; 32], message: &[u8]) -> Result<Vec<u8>> {
    PublicKey::from(*to)
        .seal(&mut crypto_box::aead::OsRng, message)
        .map_err(|_| Error::Integrity("a message could not be sealed".into()))
}

/// What was sealed to this installation, or None when it was sealed to another (or changed on the way).
pub fn open(signing: &SigningKey, sealed: &[u8]) -> Option<Vec<u8>> {
    secret(signing).unseal(sealed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_message_opens_only_for_its_addressee_and_not_once_changed() {
        let to = crate::sync::keys::generate().unwrap();
        let other = crate::sync::keys::generate().unwrap();
        let mut sealed = seal(&encryption_key(&to.verifying_key()), "Nguyễn Văn An".as_bytes()).unwrap();
        assert_eq!(open(&to, &sealed).unwrap(), "Nguyễn Văn An".as_bytes());
        assert!(open(&other, &sealed).is_none());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(open(&to, &sealed).is_none());
    }
}

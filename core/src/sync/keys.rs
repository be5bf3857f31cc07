//! This installation's Ed25519 key pair: made at `init`, kept in the database, the secret never written
//! anywhere else. Peers are known by their public keys; people compare fingerprints.

use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub fn generate() -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| Error::Integrity(format!("no randomness for a key: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn from_b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

pub fn public_from_bytes(bytes: &[u8]) -> Option<VerifyingKey> {
    VerifyingKey::from_bytes(bytes.try_into().ok()?).ok()
}

/// What a person reads aloud to compare: the first 128 bits of SHA-256 of the public key, in 8 groups.
pub fn fingerprint(public: &VerifyingKey) -> String {
    let hash = Sha256::digest(public.as_bytes());
    hash[..16].chunks(2).map(|c| format!("{:02X}{:02X}", c[0], c[1])).collect::<Vec<_>>().join("-")
}

pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    b64(&key.sign(message).to_bytes())
}

pub fn verify(public: &VerifyingKey, message: &[u8], signature_b64: &str) -> bool {
    let Some(bytes) = from_b64(signature_b64) else { return false };
    let Ok(arr) = <[u8; 64]>::try_from(bytes.as_slice()) else { return false };
    public.verify(message, &Signature::from_bytes(&arr)).is_ok()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_key_and_message() {
        let k = generate().unwrap();
        let other = generate().unwrap();
        let sig = sign(&k, b"sotay");
        assert!(verify(&k.verifying_key(), b"sotay", &sig));
        assert!(!verify(&k.verifying_key(), b"sotaY", &sig));
        assert!(!verify(&other.verifying_key(), b"sotay", &sig));
        assert!(!verify(&k.verifying_key(), b"sotay", "not base64!"));
        assert_eq!(fingerprint(&k.verifying_key()).len(), 39);
    }
}

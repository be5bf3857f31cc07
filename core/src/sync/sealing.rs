//! Sealing a bundle's changes to its addressee (bundle format 3): HPKE (RFC 9180) in base mode with
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and ChaCha20-Poly1305, from the `hpke` crate. One HPKE
//! context per bundle: its encapsulated key goes in the header, and each change line is one message of
//! that context, so lines can neither be reordered nor dropped nor moved to another bundle. The
//! addressee's key is the X25519 form of its Ed25519 key (vault::sealed). The sender still signs the
//! whole file; a person still reads the header.

use ed25519_dalek::{SigningKey, VerifyingKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as KemTrait, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Serialize};

use super::keys::{b64, from_b64};
use crate::error::{Error, Result};

type Kem = X25519HkdfSha256;
pub const SCHEME: &str = "hpke-base-x25519-sha256-chacha20poly1305";

/// The header's account of how the changes are sealed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Sealing {
    pub scheme: String,
    /// HPKE's encapsulated key (base64).
    pub enc: String,
}

fn info(bundle_id: &str, recipient: &str) -> Vec<u8> {
    format!("sotay-bundle-v3 {bundle_id} {recipient}").into_bytes()
}

pub struct Sealer(hpke::aead::AeadCtxS<ChaCha20Poly1305, HkdfSha256, Kem>);

impl Sealer {
    /// A new context to the installation whose signing key is `to`.
    pub fn new(to: &VerifyingKey, bundle_id: &str, recipient: &str) -> Result<(Sealer, Sealing)> {
        let pk = <Kem as KemTrait>::PublicKey::from_bytes(&crate::vault::sealed::encryption_key(to))
            .map_err(|e| Error::Integrity(format!("the addressee's key: {e}")))?;
        let (enc, ctx) = hpke::setup_sender::<ChaCha20Poly1305, HkdfSha256, Kem, _>(&OpModeS::Base, &pk, &info(bundle_id, recipient), &mut crypto_box::aead::OsRng)
            .map_err(|e| Error::Integrity(format!("sealing: {e}")))?;
        Ok((Sealer(ctx), Sealing { scheme: SCHEME.into(), enc: b64(&enc.to_bytes()) }))
    }

    /// One change, sealed, as the JSON string its line holds.
    pub fn seal(&mut self, change_json: &[u8]) -> Result<String> {
        let ct = self.0.seal(change_json, b"").map_err(|e| Error::Integrity(format!("sealing: {e}")))?;
        Ok(format!("\"{}\"", b64(&ct)))
    }
}

pub struct Opener(hpke::aead::AeadCtxR<ChaCha20Poly1305, HkdfSha256, Kem>);

impl Opener {
    /// None when the bundle was not sealed to this installation's key (or its header was changed).
    pub fn new(me: &SigningKey, sealing: &Sealing, bundle_id: &str, recipient: &str) -> Option<Opener> {
        if sealing.scheme != SCHEME {
            return None;
        }
        let sk = <Kem as KemTrait>::PrivateKey::from_bytes(&me.to_scalar_bytes()).ok()?;
        let enc = <Kem as KemTrait>::EncappedKey::from_bytes(&from_b64(&sealing.enc)?).ok()?;
        hpke::setup_receiver::<ChaCha20Poly1305, HkdfSha256, Kem>(&OpModeR::Base, &sk, &enc, &info(bundle_id, recipient)).ok().map(Opener)
    }

    /// The change JSON of one sealed line (`"…base64…"`), or None if it does not open.
    pub fn open(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let text = std::str::from_utf8(line).ok()?.strip_prefix('"')?.strip_suffix('"')?;
        self.0.open(&from_b64(text)?, b"").ok()
    }
}

//! TLS for the hub: a self-signed certificate made once and kept in the hub's database, and a client
//! that accepts exactly the certificate whose SHA-256 was pinned at enrolment — no certificate
//! authority, no host name check, so a hub on a bare IP address in a commune office works, and a
//! machine that answers on the same address with another certificate is refused.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ServerConfig, SignatureScheme};
use sha2::{Digest, Sha256};
use sotay_core::{Error, Store};

use crate::error::NetError;

/// Put in the handshake error when the pin does not match, so the agent can say so plainly.
pub(crate) const PIN_MISMATCH: &str = "sotay: certificate does not match the pinned fingerprint";

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// SHA-256 of a certificate (DER), lower-case hex: the fingerprint that enrolment files carry.
pub fn fingerprint(cert_der: &[u8]) -> String {
    Sha256::digest(cert_der).iter().map(|b| format!("{b:02x}")).collect()
}

/// The hub's certificate and key (DER), made on first use and kept in the database so that the
/// fingerprint in enrolment files stays true across restarts.
pub fn hub_identity(store: &mut Store) -> Result<(Vec<u8>, Vec<u8>), NetError> {
    if let Some(pair) = store.hub_tls()? {
        return Ok(pair);
    }
    let made = rcgen::generate_simple_self_signed(vec!["sotay-hub".to_string()])
        .map_err(|e| NetError::Core(Error::Integrity(format!("TLS certificate: {e}"))))?;
    let cert = made.cert.der().to_vec();
    let key = made.key_pair.serialize_der();
    store.set_hub_tls(&cert, &key)?;
    Ok((cert, key))
}

pub fn server_config(cert_der: Vec<u8>, key_der: Vec<u8>) -> Result<Arc<ServerConfig>, NetError> {
    let bad = |e: rustls::Error| NetError::Core(Error::Integrity(format!("TLS: {e}")));
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(bad)?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert_der)], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)))
        .map_err(bad)?;
    Ok(Arc::new(config))
}

pub fn client_config(pinned_sha256: &str) -> Result<Arc<ClientConfig>, NetError> {
    let provider = provider();
    let verifier = Arc::new(Pinned { sha256: pinned_sha256.trim().to_ascii_lowercase(), provider: provider.clone() });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NetError::Core(Error::Integrity(format!("TLS: {e}"))))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct Pinned {
    sha256: String,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if fingerprint(end_entity) == self.sha256 {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(PIN_MISMATCH.into()))
        }
    }

    // The handshake signatures are still checked against the (pinned) certificate's key.
    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

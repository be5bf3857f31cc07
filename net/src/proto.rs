//! The wire protocol (docs/hub-protocol.md): paths, headers, the signed request, the answers.
//!
//! Every request but `hello` is signed by the installation's Ed25519 key over the method, path, a
//! single-use nonce the hub handed out, and the SHA-256 of the body; a replayed request finds its
//! nonce spent and is refused. Each answer carries the next nonce, so a sync is one `hello` and then
//! one round trip per bundle.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const HELLO: &str = "/v1/hello";
pub const PUSH: &str = "/v1/push";
pub const PULL: &str = "/v1/pull";
pub const RECEIPT: &str = "/v1/receipt";
/// Evidence files, after the records (docs/hub-protocol.md, "Files"): which the hub lacks, a part of
/// one up, a part of one down.
pub const FILES_LACKING: &str = "/v1/files/lacking";
pub const FILES_PUT: &str = "/v1/files/put";
pub const FILES_GET: &str = "/v1/files/get";

pub const H_INSTALLATION: &str = "sotay-installation";
pub const H_NONCE: &str = "sotay-nonce";
pub const H_SIGNATURE: &str = "sotay-signature";
/// On answers: the nonce for the client's next request.
pub const H_NEXT_NONCE: &str = "sotay-next-nonce";

/// The bytes a request signature covers.
pub fn signed_message(method: &str, path: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let digest: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
    format!("sotay-request/1\n{method}\n{path}\n{nonce}\n{digest}").into_bytes()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    /// The hub's Sotay installation id (the lower side checks it is its enrolled upper peer).
    pub hub: String,
    pub unit_id: String,
    pub nonce: String,
    /// Largest body the hub takes, so the agent can size its bundles.
    pub max_body: usize,
}

/// The answer to a pushed bundle: what happened, and the signed receipt (as the JSON file would be).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushAnswer {
    /// applied, already_applied or held
    pub status: String,
    pub new_changes: u64,
    pub already: u64,
    /// For a held bundle: (origin, from, to) missing before it.
    #[serde(default)]
    pub missing: Vec<(String, i64, i64)>,
    pub receipt: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptAnswer {
    pub origins: usize,
}

/// Every refusal: a stable code and a message in the hub's language (Vietnamese by default).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// `files/lacking`: the hashes asked about, and the answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hashes {
    pub hashes: Vec<String>,
}

/// `files/get`: which file, from where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileWanted {
    pub sha256: String,
    pub offset: u64,
}

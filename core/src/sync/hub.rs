//! What the network layer (crate sotay-net) needs of the store: where the upper unit's hub is, and the
//! hub's own TLS identity when this installation serves one. The bundles, receipts and rules are the same
//! as on a USB stick.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::enroll::Role;
use crate::error::{Error, Result};
use crate::store::Store;

/// The upper unit's hub as this installation knows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UpperHub {
    /// The upper installation (the hub's Sotay installation id).
    pub installation: String,
    pub unit_id: String,
    pub url: Option<String>,
    /// SHA-256 (hex) of the hub's TLS certificate, pinned at enrolment.
    pub tls_sha256: Option<String>,
    /// Other addresses of the same hub, tried in turn after `url`.
    pub also: Vec<String>,
}

const HUB_CERT: &str = "hub.tls_cert";
const HUB_KEY: &str = "hub.tls_key";

impl Store {
    /// The upper peer and its hub address, if an upper unit is enrolled.
    pub fn upper_hub(&self) -> Result<Option<UpperHub>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT installation, unit_id, hub_url, hub_tls_sha256, hub_also FROM peers WHERE role = 'upper'
                 ORDER BY enrolled_at LIMIT 1",
                [],
                |r| {
                    let also: Option<String> = r.get(4)?;
                    let also = also.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
                    Ok(UpperHub { installation: r.get(0)?, unit_id: r.get(1)?, url: r.get(2)?, tls_sha256: r.get(3)?, also })
                },
            )
            .optional()?)
    }

    /// Points this installation at another address of its upper unit's hub (the certificate stays pinned).
    pub fn set_hub_url(&mut self, url: &str) -> Result<()> {
        let url = url.trim();
        if !(url.starts_with("https://") && url.len() > "https://".len()) {
            return Err(Error::invalid("hub_url", crate::Problem::NotHttps(url.to_string())));
        }
        let n = self.conn().execute("UPDATE peers SET hub_url = ?1 WHERE role = ?2", params![url, role_text(Role::Upper)])?;
        if n == 0 {
            return Err(Error::NoUpperPeer);
        }
        Ok(())
    }

    /// The hub's TLS certificate and private key (DER), as kept in this database.
    pub fn hub_tls(&self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let cert = self.setting(HUB_CERT)?.and_then(|s| super::keys::from_b64(&s));
        let key = self.setting(HUB_KEY)?.and_then(|s| super::keys::from_b64(&s));
        Ok(cert.zip(key))
    }

    pub fn set_hub_tls(&mut self, cert_der: &[u8], key_der: &[u8]) -> Result<()> {
        self.set_setting(HUB_CERT, &super::keys::b64(cert_der))?;
        self.set_setting(HUB_KEY, &super::keys::b64(key_der))
    }

    /// Notes the outcome of a network sync for the Sync screen (`sync_events`: "net_ok", "net_error").
    pub fn note_network(&self, what: &str, detail: &serde_json::Value) -> Result<()> {
        self.note_sync_event(what, detail)
    }
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Upper => "upper",
        Role::Lower => "lower",
    }
}

/// A plan, indicator or recognised practice that came down from above: the officer is told.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Arrival {
    pub kind: String,
    pub id: String,
    pub title: String,
    /// True when the record is new here, false when an update of one already held.
    pub new: bool,
}

impl Store {
    /// Signs a network request with this installation's key (the key never leaves core).
    pub fn sign_request(&self, message: &[u8]) -> Result<String> {
        Ok(super::keys::sign(&self.signing_key()?, message))
    }

    /// The enrolled peer with this installation id, if any.
    pub fn peer(&self, installation: &str) -> Result<Option<super::Peer>> {
        Ok(self.peers()?.into_iter().find(|p| p.installation == installation))
    }

    /// Whether `signature` is the enrolled key of `installation` over `message`.
    pub fn verify_peer_signature(&self, installation: &str, message: &[u8], signature: &str) -> bool {
        self.peer_key(installation).is_some_and(|k| super::keys::verify(&k, message, signature))
    }

    /// Whether `signature` is by the key `installation` had when it was revoked: the hub then says
    /// "revoked" to that laptop only, and to anyone else merely that the signature is not valid.
    pub fn signed_by_revoked(&self, installation: &str, message: &[u8], signature: &str) -> bool {
        self.stored_key(installation, true).is_some_and(|k| super::keys::verify(&k, message, signature))
    }

    /// Heads of every origin held here, as a mark to compare with after a pull.
    pub fn origin_heads(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn().prepare("SELECT origin, head FROM origin_heads ORDER BY origin")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Plans, indicators and practices changed by changes that arrived after `before` (from `origin_heads`).
    pub fn arrivals_since(&self, before: &[(String, i64)]) -> Result<Vec<Arrival>> {
        let mut out: Vec<Arrival> = Vec::new();
        let mut stmt = self.conn().prepare(
            "SELECT c.entity, c.record_id, coalesce(r.title, ''), max(c.op = 'create')
             FROM change_log c LEFT JOIN records r ON r.id = c.record_id
             WHERE c.origin = ?1 AND c.seq > ?2 AND c.entity IN ('plan', 'indicator', 'practice')
             GROUP BY c.record_id ORDER BY min(c.seq)",
        )?;
        for (origin, head) in self.origin_heads()? {
            let was = before.iter().find(|(o, _)| *o == origin).map_or(0, |(_, h)| *h);
            if head <= was {
                continue;
            }
            let rows = stmt.query_map(params![origin, was], |r| {
                Ok(Arrival { kind: r.get(0)?, id: r.get(1)?, title: r.get(2)?, new: r.get::<_, bool>(3)? })
            })?;
            for a in rows {
                out.push(a?);
            }
        }
        Ok(out)
    }
}

//! Sync by files: enrolment of peers, bundles of changes going up (and plans, indicators, recognised
//! practices going down), receipts coming back. The contract is docs/bundle-format.md and DESIGN.md §4.

pub mod bundle;
pub mod baseline;
mod enroll;
mod export;
mod folder;
pub mod files;
mod hub;
mod inbox;
mod import;
pub mod keys;
mod receipt;
mod restored;
mod revoke;
pub mod screen;
pub mod hub_seed;
mod successor;
pub mod sealing;

pub(crate) use restored::mark_restored;

pub use enroll::{Enrolment, HubAddress, Role, SEAL_TO_UPPER};
pub use export::{downward_bundle, ExportOptions, ExportSummary, LowerPeer, OutgoingBundle, DOWNWARD_KINDS};
pub use hub::{Arrival, UpperHub};
pub use inbox::InboxSize;
pub use folder::{removable_drives, sync_files, FileOutcome, FolderImport};
pub use import::{ImportReport, ImportStatus};
pub use receipt::{Held, Receipt};
pub use crate::store::merge::{Change, Op};
pub use revoke::Revoked;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::Store;

/// The bytes a signature covers for a JSON file that carries its own `signature` field: the canonical
/// JSON (keys sorted, no spaces) of everything else.
pub(crate) fn signed_part<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut v {
        m.remove("signature");
    }
    let mut s = String::new();
    crate::dump::canonical(&v, &mut s);
    s.into_bytes()
}

/// This installation as peers see it.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub installation: String,
    pub unit_id: String,
    pub public_key: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Peer {
    pub installation: String,
    pub unit_id: String,
    /// The unit's name as this store holds it (from the enrolment file at first), for people.
    pub unit_name: String,
    pub role: Role,
    pub fingerprint: String,
    /// When its key was revoked here (a lost laptop), if it was.
    pub revoked_at: Option<String>,
    /// When a bundle or receipt of its own was last taken here (RFC 3339), if ever.
    pub last_contact: Option<String>,
}

/// Two concurrent edits of one field: the value kept (the higher version) and the one set aside, as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub record_id: String,
    pub entity: String,
    pub title: String,
    pub field: String,
    pub kept: String,
    pub lost: String,
}

/// What waits to go to a peer, per origin.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub peer: String,
    pub origin: String,
    pub from: i64,
    pub to: i64,
}

impl Store {
    /// The key pair, made on first use (databases from before sync have none yet).
    pub(crate) fn signing_key(&self) -> Result<SigningKey> {
        let secret: Option<Vec<u8>> = self
            .conn()
            .query_row("SELECT secret_key FROM installation WHERE singleton = 1", [], |r| r.get(0))
            .optional()?
            .flatten();
        if let Some(bytes) = secret {
            let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| Error::Integrity("stored key is not 32 bytes".into()))?;
            return Ok(SigningKey::from_bytes(&arr));
        }
        self.require_installation()?;
        let key = keys::generate()?;
        self.conn().execute(
            "UPDATE installation SET secret_key = ?1, public_key = ?2 WHERE singleton = 1",
            params![key.to_bytes().to_vec(), key.verifying_key().to_bytes().to_vec()],
        )?;
        Ok(key)
    }

    pub fn identity(&self) -> Result<Identity> {
        let inst = self.require_installation()?;
        let key = self.signing_key()?;
        Ok(Identity {
            installation: inst.origin,
            unit_id: inst.unit_id,
            public_key: keys::b64(key.verifying_key().as_bytes()),
            fingerprint: keys::fingerprint(&key.verifying_key()),
        })
    }

    pub fn peers(&self) -> Result<Vec<Peer>> {
        let mut stmt = self.conn().prepare(
            "SELECT p.installation, p.unit_id, p.role, p.public_key, coalesce(r.title, ''), p.revoked_at, p.last_contact
             FROM peers p LEFT JOIN records r ON r.id = p.unit_id ORDER BY p.installation",
        )?;
        let rows = stmt.query_map([], |r| {
            let key: Vec<u8> = r.get(3)?;
            let role: String = r.get(2)?;
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, role, key, r.get::<_, String>(4)?, r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(6)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (installation, unit_id, role, key, unit_name, revoked_at, last_contact) = row?;
            let fingerprint = keys::public_from_bytes(&key).map(|k| keys::fingerprint(&k)).unwrap_or_default();
            let role = if role == "upper" { Role::Upper } else { Role::Lower };
            out.push(Peer { installation, unit_id, unit_name, role, fingerprint, revoked_at, last_contact });
        }
        Ok(out)
    }

    /// The enrolled key of `installation`. A revoked key signs nothing that is taken here.
    pub(crate) fn peer_key(&self, installation: &str) -> Option<VerifyingKey> {
        self.stored_key(installation, false)
    }

    /// The key of `installation` as stored, among the revoked peers or among the others.
    pub(crate) fn stored_key(&self, installation: &str, revoked: bool) -> Option<VerifyingKey> {
        let key: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT public_key FROM peers WHERE installation = ?1 AND (revoked_at IS NOT NULL) = ?2",
                params![installation, revoked],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten();
        key.and_then(|k| keys::public_from_bytes(&k))
    }

    /// The highest sequence number of `origin` held here with nothing missing before it.
    pub(crate) fn head(&self, origin: &str) -> Result<i64> {
        let inst = self.require_installation()?;
        if origin == inst.origin {
            return Ok(self.conn().query_row("SELECT last_seq FROM installation", [], |r| r.get(0))?);
        }
        Ok(self
            .conn()
            .query_row("SELECT head FROM origin_heads WHERE origin = ?1", [origin], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// A bundle or receipt of `peer`'s own was just taken here.
    pub(crate) fn note_contact(&self, peer: &str) -> Result<()> {
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.conn().execute("UPDATE peers SET last_contact = ?2 WHERE installation = ?1", params![peer, now])?;
        Ok(())
    }

    pub(crate) fn note_sync_event(&self, what: &str, detail: &serde_json::Value) -> Result<()> {
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.conn().execute(
            "INSERT INTO sync_events (what, at, detail) VALUES (?1, ?2, ?3)
             ON CONFLICT (what) DO UPDATE SET at = excluded.at, detail = excluded.detail",
            params![what, now, detail.to_string()],
        )?;
        Ok(())
    }

    /// How many changes this installation has made (its log's length): what it holds for an upper level
    /// that may not be enrolled yet.
    pub fn own_change_count(&self) -> Result<i64> {
        let inst = self.require_installation()?;
        self.head(&inst.origin)
    }

    /// What waits for each peer: the ranges no receipt covers yet.
    pub fn outbox(&self) -> Result<Vec<Waiting>> {
        let mut out = Vec::new();
        for peer in self.peers()?.into_iter().filter(|p| p.revoked_at.is_none()) {
            for (origin, from, to) in self.pending_ranges(&peer)? {
                out.push(Waiting { peer: peer.installation.clone(), origin, from, to });
            }
        }
        Ok(out)
    }

    /// The last export, import and receipt, as noted.
    pub fn sync_events(&self) -> Result<Vec<(String, String, serde_json::Value)>> {
        let mut stmt = self.conn().prepare("SELECT what, at, detail FROM sync_events ORDER BY what")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (w, at, d) = row?;
            out.push((w, at, serde_json::from_str(&d).unwrap_or(serde_json::Value::Null)));
        }
        Ok(out)
    }

    /// Conflicts found while merging, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let mut stmt = self.conn().prepare(
            "SELECT c.record_id, c.entity, coalesce(r.title, ''), c.field, c.kept_value, c.lost_value
             FROM conflicts c LEFT JOIN records r ON r.id = c.record_id ORDER BY c.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Conflict { record_id: r.get(0)?, entity: r.get(1)?, title: r.get(2)?, field: r.get(3)?, kept: r.get(4)?, lost: r.get(5)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod reform_tests;

//! Enrolment: two installations, one above the other, learn each other's keys. Each side writes an
//! enrolment file; the other imports it after a person has compared the fingerprint. The lower side
//! imports the upper's first and so places its unit under the upper unit.

use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::keys;
use crate::error::{Error, Refusal, Result};
use crate::model::Kind;
use crate::store::Store;

pub const FORMAT: &str = "sotay-enrolment";
/// Version 2 added `encryption_key`; a version-1 file (without it) is still read.
pub const VERSION: i64 = 2;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The peer is the unit above this one: bundles go up to it, plans come down from it.
    Upper,
    /// The peer is a unit below this one.
    Lower,
}

/// A hub's address and the SHA-256 (hex) of its TLS certificate, which the lower side pins: no
/// certificate authority is asked, so a hub on a bare IP address in a commune office works.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HubAddress {
    pub url: String,
    pub tls_sha256: String,
    /// Other addresses of the same hub (the processes of a national hub, docs/national.md), with the
    /// same certificate: the agent tries them in turn when `url` does not answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    pub format: String,
    pub version: i64,
    pub installation: String,
    pub public_key: String,
    pub fingerprint: String,
    /// The unit record of the installation, as it stands there.
    pub unit: Value,
    /// Where this installation's hub listens, when it runs one (`sotay serve`): the lower side pins it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubAddress>,
    /// The X25519 key that bundles to this installation, and the keys of lower units, are sealed to
    /// (base64): the Montgomery form of `public_key` (docs/security.md), written out so that a person or
    /// another tool need not derive it. A reader checks that it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<String>,
    /// Ed25519 by the same key over the canonical JSON of the other fields: proof the sender holds it.
    pub signature: String,
}

impl Store {
    pub fn enrolment(&self) -> Result<Enrolment> {
        self.enrolment_with_hub(None)
    }

    /// The enrolment file, naming the hub this installation serves (see sotay-net).
    pub fn enrolment_with_hub(&self, hub: Option<HubAddress>) -> Result<Enrolment> {
        let id = self.identity()?;
        let key = self.signing_key()?;
        let mut e = Enrolment {
            format: FORMAT.into(),
            version: VERSION,
            installation: id.installation,
            public_key: id.public_key,
            fingerprint: id.fingerprint,
            unit: self.get(Kind::Unit, &id.unit_id)?,
            hub,
            encryption_key: Some(keys::b64(&crate::vault::sealed::encryption_key(&key.verifying_key()))),
            signature: String::new(),
        };
        e.signature = keys::sign(&key, &super::signed_part(&e));
        Ok(e)
    }

    /// Reads an enrolment file and checks it is whole and signed by the key it carries.
    pub fn read_enrolment(path: &Path) -> Result<Enrolment> {
        let file = path.display().to_string();
        let refused = |refusal| Error::Refused { file: file.clone(), refusal };
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io { path: file.clone(), source: e })?;
        let e: Enrolment = serde_json::from_str(&text)
            .map_err(|err| refused(Refusal::Malformed { line: err.line(), detail: err.to_string() }))?;
        if e.format != FORMAT {
            return Err(refused(Refusal::NotOurFormat));
        }
        if e.version > VERSION {
            return Err(refused(Refusal::NewerFormat { found: e.version, known: VERSION }));
        }
        let key = keys::from_b64(&e.public_key)
            .and_then(|b| keys::public_from_bytes(&b))
            .ok_or_else(|| refused(Refusal::Malformed { line: 1, detail: "public_key".into() }))?;
        if keys::fingerprint(&key) != e.fingerprint || !keys::verify(&key, &super::signed_part(&e), &e.signature) {
            return Err(refused(Refusal::BadSignature));
        }
        let derived = keys::b64(&crate::vault::sealed::encryption_key(&key));
        if e.encryption_key.as_ref().is_some_and(|k| *k != derived) {
            return Err(refused(Refusal::Malformed { line: 1, detail: "encryption_key is not the key's own".into() }));
        }
        Ok(e)
    }

    /// Makes this empty database a second installation of the unit in `e` (a second laptop of the same
    /// commune): its own key and log, the same unit. It trusts the first installation's key as a peer of
    /// the same unit for nothing but that; both go up to the upper unit on their own.
    pub fn init_joining(&mut self, e: &Enrolment) -> Result<Value> {
        if self.installation()?.is_some() {
            return Err(Error::AlreadyInitialized);
        }
        let unit_id = e.unit["id"].as_str().unwrap_or_default().to_string();
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO installation (singleton, origin, unit_id, created_at) VALUES (1, ?1, ?2, ?3)",
                params![crate::store::new_id(), unit_id, now],
            )?;
            crate::store::insert_foreign_unit(tx, &e.unit)?;
            Ok(())
        })?;
        self.signing_key()?;
        // The upper unit, if the unit already hangs under one, is known from the unit's parent.
        self.get(Kind::Unit, &unit_id)
    }

    /// The role the installation in `e` would get if enrolled here, changing nothing: the window shows it
    /// before the officer confirms. Refused as `enroll` refuses a unit neither directly above nor below.
    pub fn enrolment_role(&self, e: &Enrolment) -> Result<Role> {
        let inst = self.require_installation()?;
        let their_unit = e.unit["id"].as_str().unwrap_or_default();
        let their_parent = e.unit["parent_id"].as_str();
        let my_parent = self.get(Kind::Unit, &inst.unit_id)?["parent_id"].as_str().map(str::to_string);
        if their_parent == Some(inst.unit_id.as_str()) {
            Ok(Role::Lower)
        } else if my_parent.as_deref() == Some(their_unit) || my_parent.is_none() {
            Ok(Role::Upper)
        } else {
            let name = e.unit["name"].as_str().unwrap_or_default().to_string();
            Err(Error::invalid("unit", crate::Problem::NotNextUnit(name)))
        }
    }

    /// When each peer was enrolled, by installation (the window's list of peers shows it).
    pub fn peers_enrolled_at(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare("SELECT installation, enrolled_at FROM peers ORDER BY installation")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Trusts the key in `e` for its unit. The unit must sit directly above or below this one; when this
    /// unit has no parent yet, the enrolled unit becomes its parent (a logged change of this unit).
    pub fn enroll(&mut self, e: &Enrolment) -> Result<Role> {
        let inst = self.require_installation()?;
        let their_unit = e.unit["id"].as_str().unwrap_or_default().to_string();
        let mine = self.get(Kind::Unit, &inst.unit_id)?;
        let my_parent = mine["parent_id"].as_str().map(str::to_string);
        let role = self.enrolment_role(e)?;
        if self.enrolment_revoked(e)? {
            let name = e.unit["name"].as_str().unwrap_or_default().to_string();
            return Err(Error::invalid("file", crate::Problem::RevokedKey(name)));
        }
        let key = keys::from_b64(&e.public_key).unwrap_or_default();
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO peers (installation, unit_id, public_key, role, enrolled_at, hub_url, hub_tls_sha256, hub_also)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (installation) DO UPDATE SET unit_id = excluded.unit_id, public_key = excluded.public_key,
                 role = excluded.role, hub_url = coalesce(excluded.hub_url, hub_url),
                 hub_tls_sha256 = coalesce(excluded.hub_tls_sha256, hub_tls_sha256),
                 hub_also = CASE WHEN excluded.hub_url IS NULL THEN hub_also ELSE excluded.hub_also END",
                params![
                    e.installation,
                    their_unit,
                    key,
                    if role == Role::Upper { "upper" } else { "lower" },
                    now,
                    e.hub.as_ref().map(|h| h.url.clone()),
                    e.hub.as_ref().map(|h| h.tls_sha256.to_ascii_lowercase()),
                    e.hub.as_ref().filter(|h| !h.also.is_empty()).map(|h| serde_json::Value::from(h.also.clone()).to_string())
                ],
            )?;
            // Their unit record, so that trees and scopes hold before their first bundle. It carries no
            // version: the first real change of it from them replaces it.
            let exists: bool = tx.query_row("SELECT count(*) FROM records WHERE id = ?1", [&their_unit], |r| r.get::<_, i64>(0))? > 0;
            if !exists {
                crate::store::insert_foreign_unit(tx, &e.unit)?;
            }
            Ok(())
        })?;
        if role == Role::Upper {
            self.seal_key_to_upper(&e.installation, &key)?;
        }
        if role == Role::Upper && my_parent.is_none() {
            let mut body = mine.clone();
            body["parent_id"] = Value::from(their_unit);
            self.update(Kind::Unit, &inst.unit_id, &body)?;
        }
        Ok(role)
    }

    /// Seals the database key to the upper unit's installation (docs/security.md, "When everything is
    /// forgotten"), unless the officer turned it off (setting `vault.seal_to_upper` = `off`).
    pub(crate) fn seal_key_to_upper(&mut self, installation: &str, public_key: &[u8]) -> Result<()> {
        if self.setting(SEAL_TO_UPPER)?.as_deref() == Some("off") {
            return Ok(());
        }
        let (Some(path), Some(key), Some(public)) = (self.path(), self.key(), keys::public_from_bytes(public_key)) else {
            return Ok(());
        };
        crate::vault::wrap_to_upper(path, key, installation, &public)
    }

    /// Turns sealing the key to the upper unit on or off; on seals it now to the enrolled upper unit.
    pub fn set_seal_to_upper(&mut self, on: bool) -> Result<()> {
        self.set_setting(SEAL_TO_UPPER, if on { "on" } else { "off" })?;
        let Some(path) = self.path().map(Path::to_path_buf) else { return Ok(()) };
        if !on {
            return crate::vault::unwrap_from_upper(&path);
        }
        let upper: Option<(String, Vec<u8>)> = self
            .conn()
            .query_row("SELECT installation, public_key FROM peers WHERE role = 'upper' AND revoked_at IS NULL ORDER BY enrolled_at DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match upper {
            Some((installation, public_key)) => self.seal_key_to_upper(&installation, &public_key),
            None => Ok(()),
        }
    }
}

/// The setting that turns off sealing the key to the upper unit.
pub const SEAL_TO_UPPER: &str = "vault.seal_to_upper";

//! Everything a hub keeps about sync, read out of this store so that another kind of store can take the
//! hub over: the national hub on PostgreSQL starts from the SQLite installation that was made and enrolled
//! with the ordinary commands (`sotay hub adopt`, docs/national.md). Its identity, keys and peers, every
//! change it holds with each origin's head, what each peer acknowledged, every record as merged here, and
//! its evidence files.

use rusqlite::params;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::store::merge::{Change, Op};
use crate::store::Store;
use crate::Kind;

pub struct SeedInstallation {
    pub origin: String,
    pub unit_id: String,
    pub created_at: String,
    pub lamport: i64,
    pub last_seq: i64,
    /// The Ed25519 secret key (32 bytes): the hub signs receipts and downward bundles with it.
    pub secret_key: Vec<u8>,
    pub public_key: Vec<u8>,
}

pub struct SeedPeer {
    pub installation: String,
    pub unit_id: String,
    pub public_key: Vec<u8>,
    pub role: String,
    pub enrolled_at: String,
    pub revoked_at: Option<String>,
    pub revoked_after: Option<i64>,
    pub hub_url: Option<String>,
    pub hub_tls_sha256: Option<String>,
}

pub struct SeedRecord {
    pub id: String,
    pub kind: String,
    pub owner_unit: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted: bool,
    pub body: Value,
    /// `{field: [lamport, origin]}`; empty for a unit known only from an enrolment file.
    pub versions: Value,
}

pub struct HubSeed {
    pub installation: SeedInstallation,
    pub peers: Vec<SeedPeer>,
    /// In the order they were stored here.
    pub records: Vec<SeedRecord>,
    /// Every change held here, this installation's own included, by origin and sequence number.
    pub changes: Vec<Change>,
    /// (origin, head, via peer) of every other origin.
    pub heads: Vec<(String, i64, Option<String>)>,
    /// (peer, origin, acknowledged up to).
    pub acks: Vec<(String, String, i64)>,
    /// The hub's TLS certificate and key (DER): communes pinned its fingerprint at enrolment.
    pub tls: Option<(Vec<u8>, Vec<u8>)>,
    /// Evidence files held: (sha256, media type, bytes).
    pub files: Vec<(String, String, Vec<u8>)>,
}

fn object(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

impl Store {
    /// Reads out the hub's sync state (see the module's comment).
    pub fn hub_seed(&self) -> Result<HubSeed> {
        let inst = self.require_installation()?;
        let key = self.signing_key()?;
        let (lamport, last_seq): (i64, i64) = self.conn().query_row("SELECT lamport, last_seq FROM installation", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let installation = SeedInstallation {
            origin: inst.origin,
            unit_id: inst.unit_id,
            created_at: inst.created_at,
            lamport,
            last_seq,
            secret_key: key.to_bytes().to_vec(),
            public_key: key.verifying_key().to_bytes().to_vec(),
        };
        let mut stmt = self.conn().prepare(
            "SELECT installation, unit_id, public_key, role, enrolled_at, revoked_at, revoked_after, hub_url, hub_tls_sha256
             FROM peers ORDER BY installation",
        )?;
        let peers = stmt
            .query_map([], |r| {
                Ok(SeedPeer {
                    installation: r.get(0)?,
                    unit_id: r.get(1)?,
                    public_key: r.get(2)?,
                    role: r.get(3)?,
                    enrolled_at: r.get(4)?,
                    revoked_at: r.get(5)?,
                    revoked_after: r.get(6)?,
                    hub_url: r.get(7)?,
                    hub_tls_sha256: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self.conn().prepare(
            "SELECT r.id, r.kind, r.owner_unit, r.created_at, r.updated_at, r.deleted, r.body, coalesce(v.versions, '{}')
             FROM records r LEFT JOIN record_versions v ON v.record_id = r.id ORDER BY r.rowid",
        )?;
        let records = stmt
            .query_map([], |r| {
                Ok(SeedRecord {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    owner_unit: r.get(2)?,
                    created_at: r.get(3)?,
                    updated_at: r.get(4)?,
                    deleted: r.get::<_, i64>(5)? != 0,
                    body: Value::Object(object(&r.get::<_, String>(6)?)),
                    versions: Value::Object(object(&r.get::<_, String>(7)?)),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self.conn().prepare(
            "SELECT origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at
             FROM change_log ORDER BY origin, seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, String>(10)?,
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at) = row?;
            let entity: Kind = serde_json::from_value(Value::String(entity.clone()))
                .map_err(|_| Error::Integrity(format!("change {origin}/{seq} has an unknown kind {entity}")))?;
            let op = match op.as_str() {
                "create" => Op::Create,
                "update" => Op::Update,
                _ => Op::Delete,
            };
            changes.push(Change { origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields: object(&fields), prev: object(&prev), recorded_at });
        }
        let mut stmt = self.conn().prepare("SELECT origin, head, via_peer FROM origin_heads ORDER BY origin")?;
        let heads = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self.conn().prepare("SELECT peer, origin, acked FROM acks ORDER BY peer, origin")?;
        let acks = stmt.query_map(params![], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self.conn().prepare("SELECT sha256, media_type, content FROM files ORDER BY sha256")?;
        let files = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(HubSeed { installation, peers, records, changes, heads, acks, tls: self.hub_tls()?, files })
    }
}

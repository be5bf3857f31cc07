//! Taking a hub over into PostgreSQL: the national installation is made and enrolled with the ordinary
//! commands (`sotay init`, `sotay enroll`), then `sotay hub adopt` copies its identity, keys, peers and
//! everything it holds into the database (docs/national.md). Run again after enrolling another
//! province, it brings the new peers (and revocations) and leaves the rest as the hubs have made it.

use sotay_core::sync::hub_seed::HubSeed;

use super::{PgError, PgStore};

/// What an adoption did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adopted {
    /// True the first time (everything copied), false when only the peers were brought up to date.
    pub first: bool,
    pub peers: usize,
    pub records: usize,
    pub changes: usize,
}

impl PgStore {
    /// Takes the hub of `seed` over (see the module's comment). Refuses a database that already holds
    /// another installation: two national hubs must never share one database by mistake.
    pub async fn adopt(&self, seed: &HubSeed) -> Result<Adopted, PgError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&super::schema::MIGRATION_LOCK]).await?;
        let inst = &seed.installation;
        let held: Option<String> = tx.query_opt("SELECT origin FROM installation", &[]).await?.map(|r| r.get(0));
        if let Some(other) = held.as_ref().filter(|o| **o != inst.origin) {
            return Err(PgError::OtherInstallation { held: other.clone(), offered: inst.origin.clone() });
        }
        let first = held.is_none();
        for p in &seed.peers {
            tx.execute(
                "INSERT INTO peers (installation, unit_id, public_key, role, enrolled_at, revoked_at, revoked_after, hub_url, hub_tls_sha256)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (installation) DO UPDATE SET unit_id = excluded.unit_id, public_key = excluded.public_key,
                   role = excluded.role, revoked_at = excluded.revoked_at, revoked_after = excluded.revoked_after,
                   hub_url = excluded.hub_url, hub_tls_sha256 = excluded.hub_tls_sha256",
                &[&p.installation, &p.unit_id, &p.public_key, &p.role, &p.enrolled_at, &p.revoked_at, &p.revoked_after, &p.hub_url, &p.hub_tls_sha256],
            )
            .await?;
        }
        if !first {
            tx.commit().await?;
            return Ok(Adopted { first, peers: seed.peers.len(), records: 0, changes: 0 });
        }
        let (cert, key) = seed.tls.clone().unzip();
        tx.execute(
            "INSERT INTO installation (origin, unit_id, created_at, lamport, last_seq, public_key, secret_key, tls_cert, tls_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&inst.origin, &inst.unit_id, &inst.created_at, &inst.lamport, &inst.last_seq, &inst.public_key, &inst.secret_key, &cert, &key],
        )
        .await?;
        let insert_change = tx
            .prepare(
                "INSERT INTO change_log (origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .await?;
        for c in &seed.changes {
            let fields = serde_json::Value::Object(c.fields.clone());
            let prev = serde_json::Value::Object(c.prev.clone());
            tx.execute(
                &insert_change,
                &[&c.origin, &c.seq, &c.lamport, &c.hlc, &c.entity.as_str(), &c.record_id, &c.op.as_str(), &c.owner_unit, &fields, &prev, &c.recorded_at],
            )
            .await?;
        }
        let insert_record = tx
            .prepare(
                "INSERT INTO records (id, kind, owner_unit, created_at, updated_at, deleted, body, versions, base)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .await?;
        for r in &seed.records {
            // Fields without a version came from an enrolment file: kept as the base any change overrides.
            let versioned = r.versions.as_object();
            let base: serde_json::Map<String, serde_json::Value> = r
                .body
                .as_object()
                .map(|b| b.iter().filter(|(k, _)| !versioned.is_some_and(|v| v.contains_key(*k))).map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            let base = serde_json::Value::Object(base);
            tx.execute(&insert_record, &[&r.id, &r.kind, &r.owner_unit, &r.created_at, &r.updated_at, &r.deleted, &r.body, &r.versions, &base])
                .await?;
        }
        super::index::reindex(&tx, "SELECT id FROM records").await?;
        for (origin, head, via) in &seed.heads {
            tx.execute("INSERT INTO origin_heads (origin, head, via_peer) VALUES ($1, $2, $3)", &[origin, head, via]).await?;
            tx.execute("INSERT INTO held_heads (origin, head, via_peer) VALUES ($1, $2, $3)", &[origin, head, via]).await?;
        }
        for (sha256, media_type, content) in &seed.files {
            tx.execute(
                "INSERT INTO files (sha256, media_type, size, content) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
                &[sha256, media_type, &(content.len() as i64), content],
            )
            .await?;
        }
        for (peer, origin, acked) in &seed.acks {
            tx.execute("INSERT INTO acks (peer, origin, acked) VALUES ($1, $2, $3)", &[peer, origin, acked]).await?;
        }
        tx.commit().await?;
        Ok(Adopted { first, peers: seed.peers.len(), records: seed.records.len(), changes: seed.changes.len() })
    }
}

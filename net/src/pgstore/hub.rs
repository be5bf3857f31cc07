//! The hub's work on PostgreSQL, shared by every hub process on one database (docs/hub-protocol.md,
//! "Several hubs on one database").
//!
//! Taking a push: the bundle is checked in full by the same rules as the SQLite hub
//! (`sotay_core::sync::screen`), then kept in the inbox in one short transaction that locks the held
//! heads of its origins (sorted, so two processes never deadlock) and checks they did not move while it
//! was being checked; the inbox's `bundle_id` is unique, so a bundle taken by two processes at once is
//! kept once. The receipt counts what is held, applied or in the inbox.
//!
//! Applying: every process runs an applier that claims the oldest pending bundle with
//! `FOR UPDATE SKIP LOCKED` (two processes never take the same one; a process that dies mid-apply rolls
//! back and the row is pending again for the other), copies its changes into a temporary staging table
//! (binary COPY) and inserts them into the change log with `ON CONFLICT (origin, seq) DO NOTHING`:
//! whichever process, whatever the order, each change is logged once. Each touched record is then
//! recomputed from its whole log — each field the value of its highest (Lamport, origin) version, as the
//! SQLite merge does — under the record's row lock, so the last process to touch a record sees every
//! change of it. One bundle (≤ 5,000 changes) per transaction: a fixed set of relations, so PostgreSQL's
//! lock table stays small whatever the size of the sync.

use std::collections::{HashMap, HashSet};

use ed25519_dalek::SigningKey;
use sotay_core::sync::bundle::{peek_header_bytes, BundleReader, Header};
use sotay_core::sync::screen::{self, HubFacts, Screened, Sender};
use sotay_core::evidence::FileProblem;
use sotay_core::sync::files::{PartHeader, PartState};
use sotay_core::sync::{keys, Held, Receipt};
use sotay_core::Error;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::{PgError, PgStore};

/// A refusal of the bundle (its sender is told why), or the database failing under it.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Refused(#[from] Error),
    #[error(transparent)]
    Db(#[from] PgError),
}

/// What became of a pushed bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Kept in the inbox: `new` changes the hub lacked, `already` it held.
    Kept { new: u64, already: u64 },
    AlreadyHeld { changes: u64 },
    /// Changes before it are missing (origin, from, to): nothing kept.
    Missing(Vec<(String, i64, i64)>),
}

/// The hub's identity, read once when a process starts.
pub struct PgHub {
    pub store: PgStore,
    pub origin: String,
    pub unit_id: String,
    key: SigningKey,
    /// The TLS certificate and key (DER) every process of this hub serves.
    pub tls: Option<(Vec<u8>, Vec<u8>)>,
}

/// Attempts at keeping a bundle when other processes keep moving the heads it was checked against.
const KEEP_ATTEMPTS: usize = 5;

impl PgHub {
    /// The hub adopted into `store`; `NotAdopted` if none was.
    pub async fn load(store: PgStore) -> Result<PgHub, PgError> {
        let client = store.client().await?;
        let row = client.query_opt("SELECT origin, unit_id, secret_key, tls_cert, tls_key FROM installation", &[]).await?.ok_or(PgError::NotAdopted)?;
        let tls = row.get::<_, Option<Vec<u8>>>(3).zip(row.get::<_, Option<Vec<u8>>>(4));
        let secret: Vec<u8> = row.get(2);
        let key = <[u8; 32]>::try_from(secret.as_slice()).map(|b| SigningKey::from_bytes(&b)).map_err(|_| PgError::Database("the hub's stored key is not 32 bytes".into()))?;
        drop(client);
        Ok(PgHub { origin: row.get(0), unit_id: row.get(1), key, tls, store })
    }

    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs with the hub's key (network requests it answers are not signed; receipts are).
    pub fn sign(&self, message: &[u8]) -> String {
        keys::sign(&self.key, message)
    }

    /// The enrolled key of `installation`: (key, revoked). None for an installation not enrolled here.
    pub async fn peer_key(&self, installation: &str) -> Result<Option<(ed25519_dalek::VerifyingKey, bool)>, PgError> {
        let client = self.store.client().await?;
        let row = client.query_opt("SELECT public_key, revoked_at IS NOT NULL FROM peers WHERE installation = $1", &[&installation]).await?;
        Ok(row.and_then(|r| keys::public_from_bytes(&r.get::<_, Vec<u8>>(0)).map(|k| (k, r.get(1)))))
    }

    /// Whether `installation` is an enrolled lower peer (not revoked).
    pub async fn is_lower_peer(&self, installation: &str) -> Result<bool, PgError> {
        let client = self.store.client().await?;
        Ok(client
            .query_opt("SELECT 1 FROM peers WHERE installation = $1 AND role = 'lower' AND revoked_at IS NULL", &[&installation])
            .await?
            .is_some())
    }

    /// Checks a bundle pushed by `who` and keeps it in the inbox (see the module's comment).
    pub async fn accept(&self, name: &str, content: &[u8]) -> Result<(Header, Taken), PushError> {
        let refused = |refusal| PushError::Refused(Error::Refused { file: name.to_string(), refusal });
        let header = peek_header_bytes(content).ok_or_else(|| refused(sotay_core::Refusal::NotOurFormat))?;
        for _ in 0..KEEP_ATTEMPTS {
            let facts = self.facts(name, content, &header).await?;
            let heads_seen = facts.heads.clone();
            let (origin, key, content_owned, name_owned) = (self.origin.clone(), self.key.clone(), content.to_vec(), name.to_string());
            let screened = tokio::task::spawn_blocking(move || {
                screen::screen_upward(&name_owned, &content_owned, screen::Hub { origin: &origin, key: &key }, facts)
            })
            .await
            .map_err(|e| PgError::Database(format!("checking a bundle stopped: {e}")))??;
            let taken = match screened {
                Screened::AlreadyHeld { changes, .. } => return Ok((header, Taken::AlreadyHeld { changes })),
                Screened::Missing { missing, .. } => return Ok((header, Taken::Missing(missing))),
                Screened::Taken(t) => t,
            };
            if let Some(kept) = self.keep(&header, content, &taken, &heads_seen).await? {
                return Ok((header, kept));
            }
        }
        Err(PgError::Unavailable("the heads kept moving while the bundle was checked".into()).into())
    }

    /// Looks up what the checks of `header`'s bundle need.
    async fn facts(&self, name: &str, content: &[u8], header: &Header) -> Result<HubFacts, PushError> {
        let client = self.store.client().await.map_err(PushError::Db)?;
        let refused = |refusal| PushError::Refused(Error::Refused { file: name.to_string(), refusal });
        let peer = client
            .query_opt("SELECT unit_id, public_key, role, revoked_at IS NOT NULL FROM peers WHERE installation = $1", &[&header.sender])
            .await
            .map_err(PgError::from)?
            .ok_or_else(|| refused(sotay_core::Refusal::UnknownKey { fingerprint: header.sender.clone() }))?;
        let role: String = peer.get(2);
        let key = keys::public_from_bytes(&peer.get::<_, Vec<u8>>(1)).ok_or_else(|| refused(sotay_core::Refusal::UnknownKey { fingerprint: header.sender.clone() }))?;
        if role != "lower" {
            return Err(refused(sotay_core::Refusal::OutOfScope { line: 1, owner_unit: header.sender_unit.clone() }));
        }
        let sender = Sender { installation: header.sender.clone(), unit_id: peer.get(0), key, revoked: peer.get(3) };
        let origins: Vec<String> = header.ranges.iter().map(|r| r.origin.clone()).collect();
        let heads: HashMap<String, i64> = client
            .query("SELECT origin, head FROM held_heads WHERE origin = ANY($1)", &[&origins])
            .await
            .map_err(PgError::from)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let revoked_after: HashMap<String, i64> = client
            .query("SELECT installation, coalesce(revoked_after, 0) FROM peers WHERE revoked_at IS NOT NULL AND installation = ANY($1)", &[&origins])
            .await
            .map_err(PgError::from)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        // The sender's unit and every unit below it, as applied or as bundles in the inbox place them.
        let mut allowed: HashSet<String> = subtree(&client, &sender.unit_id).await?;
        // Units with no parent yet that came through this sender (made before their laptop enrolled).
        let parentless = client
            .query(
                "SELECT r.id FROM records r
                 JOIN change_log c ON c.record_id = r.id AND c.op = 'create'
                 JOIN origin_heads h ON h.origin = c.origin
                 WHERE r.kind = 'unit' AND NOT r.deleted AND r.body->>'parent_id' IS NULL AND h.via_peer = $1
                 UNION SELECT unit_id FROM units_placed WHERE via_peer = $1",
                &[&sender.installation],
            )
            .await
            .map_err(PgError::from)?;
        allowed.extend(parentless.iter().map(|r| r.get::<_, String>(0)));
        let (hub_key, content_owned) = (self.key.clone(), content.to_vec());
        let links = tokio::task::spawn_blocking(move || screen::unit_links(&content_owned, &hub_key))
            .await
            .map_err(|e| PgError::Database(format!("reading a bundle stopped: {e}")))??;
        let linked: Vec<String> = links.into_iter().map(|(u, _)| u).collect();
        let held_units: HashSet<String> = client
            .query("SELECT id FROM records WHERE id = ANY($1) UNION SELECT unit_id FROM units_placed WHERE unit_id = ANY($1)", &[&linked])
            .await
            .map_err(PgError::from)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(HubFacts { sender, heads, revoked_after, allowed, held_units })
    }

    /// Keeps a checked bundle in the inbox, if the heads it was checked against have not moved; None if
    /// they have (another process kept a bundle of the same origins meanwhile: check again).
    async fn keep(&self, header: &Header, content: &[u8], taken: &screen::Taken, heads_seen: &HashMap<String, i64>) -> Result<Option<Taken>, PgError> {
        let mut client = self.store.client().await?;
        let tx = client.transaction().await?;
        let mut origins: Vec<String> = header.ranges.iter().map(|r| r.origin.clone()).collect();
        origins.sort();
        tx.execute(
            "INSERT INTO held_heads (origin, head, via_peer) SELECT o, 0, $2 FROM unnest($1::text[]) o ORDER BY o ON CONFLICT (origin) DO NOTHING",
            &[&origins, &header.sender],
        )
        .await?;
        let now: HashMap<String, i64> = tx
            .query("SELECT origin, head FROM held_heads WHERE origin = ANY($1) ORDER BY origin FOR UPDATE", &[&origins])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        if origins.iter().any(|o| now.get(o).copied().unwrap_or(0) != heads_seen.get(o).copied().unwrap_or(0)) {
            return Ok(None);
        }
        let new = taken.changes.len() as i32;
        let kept = tx
            .query_opt(
                "INSERT INTO inbox (bundle_id, sender, changes, payload) VALUES ($1, $2, $3, $4) ON CONFLICT (bundle_id) DO NOTHING RETURNING seq",
                &[&header.bundle_id, &header.sender, &new, &content],
            )
            .await?;
        if kept.is_none() {
            return Ok(Some(Taken::AlreadyHeld { changes: taken.changes.len() as u64 + taken.already }));
        }
        for r in &header.ranges {
            tx.execute("UPDATE held_heads SET head = GREATEST(head, $2), via_peer = $3 WHERE origin = $1", &[&r.origin, &r.to, &header.sender]).await?;
        }
        for (unit, parent) in &taken.units {
            tx.execute(
                "INSERT INTO units_placed (unit_id, parent_id, via_peer) VALUES ($1, $2, $3)
                 ON CONFLICT (unit_id) DO UPDATE SET parent_id = excluded.parent_id WHERE excluded.parent_id <> '' OR units_placed.parent_id = ''",
                &[unit, parent, &header.sender],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(Taken::Kept { new: taken.changes.len() as u64, already: taken.already }))
    }

    /// The signed receipt for `peer`: every origin it brought here with what is held of it.
    pub async fn receipt(&self, peer: &str, answers: &[String]) -> Result<Receipt, PgError> {
        let client = self.store.client().await?;
        let heads = client
            .query("SELECT origin, head FROM held_heads WHERE via_peer = $1 AND head > 0 ORDER BY origin COLLATE \"C\"", &[&peer])
            .await?
            .iter()
            .map(|r| Held { origin: r.get(0), to: r.get(1) })
            .collect();
        Ok(Receipt::signed(&self.key, &self.origin, peer, heads, answers, &[]))
    }

    /// Bundles waiting in the inbox, their changes, and how long the oldest has waited (seconds).
    pub async fn inbox_status(&self) -> Result<InboxStatus, PgError> {
        let client = self.store.client().await?;
        let r = client
            .query_one(
                "SELECT count(*), coalesce(sum(changes), 0)::bigint, coalesce(extract(epoch FROM now() - min(accepted_at)), 0)::float8,
                        (SELECT count(*) FROM inbox WHERE state = 'failed'),
                        (SELECT count(*) FROM inbox WHERE state = 'applied' AND applied_at > now() - interval '1 minute'),
                        (SELECT coalesce(sum(changes), 0)::bigint FROM inbox WHERE state = 'applied' AND applied_at > now() - interval '1 minute')
                 FROM inbox WHERE state = 'pending'",
                &[],
            )
            .await?;
        Ok(InboxStatus {
            pending_bundles: r.get(0),
            pending_changes: r.get(1),
            oldest_pending_seconds: r.get(2),
            failed_bundles: r.get(3),
            applied_bundles_last_minute: r.get(4),
            applied_changes_last_minute: r.get(5),
        })
    }

    /// Applies the oldest pending bundle no other process is applying; None when there is none.
    /// A bundle that cannot be read any more (it passed every check when it came, so only a bug or a
    /// damaged database can do that) is marked failed with the reason, never retried in a loop.
    pub async fn apply_one(&self, worker: &str) -> Result<Option<Applied>, PgError> {
        let mut client = self.store.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt("SELECT seq, bundle_id, payload FROM inbox WHERE state = 'pending' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED", &[])
            .await?
        else {
            return Ok(None);
        };
        let (seq, bundle_id, payload): (i64, String, Vec<u8>) = (row.get(0), row.get(1), row.get(2));
        let mut changes = Vec::new();
        let read = BundleReader::changes(&mut std::io::Cursor::new(&payload), Some(&self.key), |_, c| {
            changes.push(c);
            Ok(())
        });
        if let Err(e) = read {
            tx.execute("UPDATE inbox SET state = 'failed', error = $2, claimed_by = $3 WHERE seq = $1", &[&seq, &e.message(sotay_core::Lang::En), &worker]).await?;
            tx.commit().await?;
            return Ok(Some(Applied { bundle_id, new_changes: 0 }));
        }
        let header = peek_header_bytes(&payload).ok_or_else(|| PgError::Database(format!("inbox bundle {bundle_id} has no header")))?;
        tx.batch_execute(STAGING).await?;
        let sink = tx.copy_in("COPY staging (origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at) FROM STDIN BINARY").await?;
        let types = [Type::TEXT, Type::INT8, Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::JSONB, Type::JSONB, Type::TEXT];
        let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
        let mut max_lamport = 0i64;
        for c in &changes {
            let fields = serde_json::Value::Object(c.fields.clone());
            let prev = serde_json::Value::Object(c.prev.clone());
            max_lamport = max_lamport.max(c.lamport);
            writer
                .as_mut()
                .write(&[&c.origin, &c.seq, &c.lamport, &c.hlc, &c.entity.as_str(), &c.record_id, &c.op.as_str(), &c.owner_unit, &fields, &prev, &c.recorded_at])
                .await?;
        }
        writer.finish().await?;
        let logged = tx
            .execute(
                "INSERT INTO change_log (origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at)
                 SELECT origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at FROM staging
                 ORDER BY origin, seq ON CONFLICT (origin, seq) DO NOTHING",
                &[],
            )
            .await?;
        // A record new to the hub whose only change here is its create (the bulk of a national year) is
        // written whole, body and index made in Rust by the recompute's rules; every other touched record
        // gets a placeholder. One INSERT in id order for both; the records it wrote whole leave staging.
        write_fresh(&tx, &changes).await?;
        // What remains is locked (in id order), then recomputed from its whole log in a new statement,
        // which sees every change committed before.
        tx.batch_execute("SELECT 1 FROM records WHERE id IN (SELECT record_id FROM staging) ORDER BY id FOR UPDATE").await?;
        tx.batch_execute(RECOMPUTE).await?;
        super::index::reindex(&tx, "SELECT record_id FROM staging").await?;
        sotay_core::pause::point("pg.apply");
        let mut ranges: Vec<(String, i64)> = header.ranges.iter().map(|r| (r.origin.clone(), r.to)).collect();
        ranges.sort();
        for (origin, to) in &ranges {
            tx.execute(
                "INSERT INTO origin_heads (origin, head, via_peer) VALUES ($1, $2, $3)
                 ON CONFLICT (origin) DO UPDATE SET head = GREATEST(origin_heads.head, excluded.head), via_peer = excluded.via_peer",
                &[origin, to, &header.sender],
            )
            .await?;
        }
        tx.execute("UPDATE installation SET lamport = GREATEST(lamport, $1)", &[&max_lamport]).await?;
        tx.execute("UPDATE inbox SET state = 'applied', applied_at = now(), claimed_by = $2, attempts = attempts + 1, payload = ''::bytea WHERE seq = $1", &[&seq, &worker])
            .await?;
        tx.commit().await?;
        Ok(Some(Applied { bundle_id, new_changes: logged }))
    }
}

impl PgHub {
    /// The records whose row is not what their log makes of them — each recomputed from its whole log
    /// and compared, in a transaction rolled back after: none when every apply wrote what the log says
    /// (the check behind the tests of the apply's two paths; an IT officer's spot check too).
    pub async fn records_off_their_log(&self) -> Result<Vec<String>, PgError> {
        use super::index::COLUMNS;
        let mut client = self.store.client().await?;
        let tx = client.transaction().await?;
        let columns = format!("kind, owner_unit, created_at, updated_at, deleted, complete, body, versions, {COLUMNS}");
        tx.batch_execute(STAGING).await?;
        tx.batch_execute(&format!(
            "CREATE TEMP TABLE before_recompute ON COMMIT DROP AS SELECT id, {columns} FROM records;
             INSERT INTO staging (record_id) SELECT id FROM records;"
        ))
        .await?;
        tx.batch_execute(RECOMPUTE).await?;
        super::index::reindex(&tx, "SELECT record_id FROM staging").await?;
        let r_cols: Vec<String> = columns.split(',').map(|c| format!("r.{}", c.trim())).collect();
        let b_cols: Vec<String> = columns.split(',').map(|c| format!("b.{}", c.trim())).collect();
        let off = tx
            .query(
                &format!(
                    "SELECT r.id FROM records r JOIN before_recompute b USING (id) WHERE ({}) IS DISTINCT FROM ({}) ORDER BY r.id",
                    r_cols.join(", "),
                    b_cols.join(", ")
                ),
                &[],
            )
            .await?;
        tx.rollback().await?;
        Ok(off.iter().map(|r| r.get(0)).collect())
    }
}

/// A bundle applied: how many of its changes were new to the log.
#[derive(Debug, Clone)]
pub struct Applied {
    pub bundle_id: String,
    pub new_changes: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct InboxStatus {
    pub pending_bundles: i64,
    pub pending_changes: i64,
    pub oldest_pending_seconds: f64,
    pub failed_bundles: i64,
    pub applied_bundles_last_minute: i64,
    pub applied_changes_last_minute: i64,
}

/// A record written whole from its one change, a create: what `RECOMPUTE` makes of a log of one create.
struct Fresh<'a> {
    change: &'a sotay_core::sync::Change,
    deleted: bool,
    body: serde_json::Value,
    versions: serde_json::Value,
    index: super::index::IndexRow,
}

impl<'a> Fresh<'a> {
    fn of(change: &'a sotay_core::sync::Change) -> Fresh<'a> {
        let body: serde_json::Map<String, serde_json::Value> =
            change.fields.iter().filter(|(k, v)| k.as_str() != "deleted" && !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
        let body = serde_json::Value::Object(body);
        let version = serde_json::json!([change.lamport, change.origin]);
        let versions = serde_json::Value::Object(change.fields.keys().map(|k| (k.clone(), version.clone())).collect());
        Fresh {
            change,
            deleted: change.fields.get("deleted") == Some(&serde_json::Value::Bool(true)),
            index: super::index::IndexRow::of(change.entity, &body),
            body,
            versions,
        }
    }
}

/// Inserts, in one statement in id order, the records of `changes` that are new and created by their
/// only change here (written whole: `Fresh`) and a placeholder for every other record `staging` touches;
/// the records written whole are taken out of `staging`, which then holds what needs recomputing. A
/// record another process wrote meanwhile is left to the recompute (its INSERT conflicts).
async fn write_fresh(tx: &tokio_postgres::Transaction<'_>, changes: &[sotay_core::sync::Change]) -> Result<(), PgError> {
    use super::index::{copy_types, COLUMNS, COLUMN_TYPES};
    let mut per_record: HashMap<&str, usize> = HashMap::new();
    for c in changes {
        *per_record.entry(c.record_id.as_str()).or_default() += 1;
    }
    let fresh: Vec<Fresh> =
        changes.iter().filter(|c| c.op == sotay_core::sync::Op::Create && per_record.get(c.record_id.as_str()) == Some(&1)).map(Fresh::of).collect();
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS fresh (id text, kind text, owner_unit text, at text, deleted boolean, body jsonb,
         versions jsonb, {COLUMN_TYPES}) ON COMMIT DELETE ROWS"
    ))
    .await?;
    let sink = tx.copy_in(&format!("COPY fresh (id, kind, owner_unit, at, deleted, body, versions, {COLUMNS}) FROM STDIN BINARY")).await?;
    let mut types = vec![Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::BOOL, Type::JSONB, Type::JSONB];
    types.extend(copy_types());
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
    for f in &fresh {
        let c = f.change;
        let kind = c.entity.as_str();
        let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            vec![&c.record_id, &kind, &c.owner_unit, &c.recorded_at, &f.deleted, &f.body, &f.versions];
        values.extend(f.index.values());
        writer.as_mut().write(&values).await?;
    }
    writer.finish().await?;
    let nulls = COLUMNS.split(',').map(|c| if c.trim() == "has_files" { "false" } else { "NULL" }).collect::<Vec<_>>().join(", ");
    tx.batch_execute(&format!(
        "WITH written AS (
             INSERT INTO records (id, kind, owner_unit, created_at, updated_at, complete, deleted, body, versions, {COLUMNS})
             SELECT * FROM (
                 SELECT id, kind, owner_unit, at, at, true, deleted, body, versions, {COLUMNS} FROM fresh
                 UNION ALL
                 (SELECT DISTINCT ON (record_id) record_id, entity, owner_unit, recorded_at, recorded_at, false, false, '{{}}'::jsonb,
                         '{{}}'::jsonb, {nulls}
                  FROM staging WHERE record_id NOT IN (SELECT id FROM fresh) ORDER BY record_id)) everything
             ORDER BY 1 ON CONFLICT (id) DO NOTHING RETURNING id, complete)
         DELETE FROM staging WHERE record_id IN (SELECT id FROM written WHERE complete)"
    ))
    .await?;
    Ok(())
}

/// The staging table of a bundle's changes: one per connection, emptied at each commit (a fixed set
/// of relations per transaction, however many bundles a process applies).
const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS staging (
    origin text, seq bigint, lamport bigint, hlc text, entity text, record_id text, op text,
    owner_unit text, fields jsonb, prev jsonb, recorded_at text) ON COMMIT DELETE ROWS;
    SET LOCAL client_min_messages = warning;";

/// Each touched record from its whole log: each field the value of its highest version (Lamport time,
/// then origin in byte order, as Rust compares them), `deleted` from its own field, created at its
/// create, updated at its latest change; fields with no version (from an enrolment file) underneath.
const RECOMPUTE: &str = r#"
WITH touched AS (SELECT DISTINCT record_id FROM staging),
log AS (SELECT c.* FROM change_log c JOIN touched t USING (record_id)),
won AS (
    SELECT DISTINCT ON (l.record_id, f.key) l.record_id, f.key, f.value, l.lamport, l.origin
    FROM log l CROSS JOIN LATERAL jsonb_each(l.fields) f
    ORDER BY l.record_id, f.key, l.lamport DESC, l.origin COLLATE "C" DESC),
fields AS (
    SELECT record_id,
           coalesce(jsonb_object_agg(key, value) FILTER (WHERE key <> 'deleted' AND jsonb_typeof(value) <> 'null'), '{}'::jsonb) AS body,
           coalesce(jsonb_object_agg(key, jsonb_build_array(lamport, origin)), '{}'::jsonb) AS versions,
           coalesce(bool_or(value = 'true'::jsonb) FILTER (WHERE key = 'deleted'), false) AS deleted,
           array_agg(key) FILTER (WHERE jsonb_typeof(value) = 'null') AS cleared
    FROM won GROUP BY record_id),
meta AS (
    SELECT record_id,
           (array_agg(entity ORDER BY lamport DESC, origin COLLATE "C" DESC))[1] AS kind,
           (array_agg(owner_unit ORDER BY lamport DESC, origin COLLATE "C" DESC))[1] AS owner_unit,
           coalesce(min(recorded_at) FILTER (WHERE op = 'create'), min(recorded_at)) AS created_at,
           max(recorded_at) AS updated_at,
           bool_or(op = 'create') AS complete
    FROM log GROUP BY record_id)
UPDATE records r
SET kind = m.kind, owner_unit = m.owner_unit,
    created_at = CASE WHEN r.base = '{}'::jsonb THEN m.created_at ELSE LEAST(r.created_at, m.created_at) END,
    updated_at = GREATEST(r.updated_at, m.updated_at),
    complete = m.complete OR r.base <> '{}'::jsonb,
    deleted = coalesce(f.deleted, false),
    body = (r.base - coalesce(f.cleared, '{}'::text[])) || coalesce(f.body, '{}'::jsonb),
    versions = coalesce(f.versions, '{}'::jsonb)
FROM meta m LEFT JOIN fields f USING (record_id)
WHERE r.id = m.record_id
"#;

/// What comes down: the hub's own changes (and what it holds from above) that a lower peer has not
/// acknowledged, by the same rules as the SQLite hub (`sotay_core::sync::downward_bundle`).
impl PgHub {
    /// The next downward bundle for `peer` (at most `max_changes` sequence numbers); None when nothing
    /// waits, or when `peer` is not an enrolled lower installation.
    pub async fn next_bundle(&self, peer: &str, max_changes: usize) -> Result<Option<sotay_core::sync::OutgoingBundle>, PgError> {
        let client = self.store.client().await?;
        let Some(row) = client
            .query_opt("SELECT unit_id, public_key FROM peers WHERE installation = $1 AND role = 'lower' AND revoked_at IS NULL", &[&peer])
            .await?
        else {
            return Ok(None);
        };
        let (unit_id, key): (String, Vec<u8>) = (row.get(0), row.get(1));
        let Some(peer_key) = keys::public_from_bytes(&key) else { return Ok(None) };
        // This hub's own origin, and what it holds from above (none at the top of the tree).
        let pending = client
            .query(
                "WITH heads AS (
                     SELECT origin, last_seq AS head FROM installation
                     UNION ALL SELECT h.origin, h.head FROM origin_heads h JOIN peers p ON p.installation = h.via_peer WHERE p.role = 'upper')
                 SELECT h.origin, coalesce(a.acked, 0) + 1, h.head FROM heads h
                 LEFT JOIN acks a ON a.peer = $1 AND a.origin = h.origin
                 WHERE h.head > coalesce(a.acked, 0) AND h.origin <> $1
                 ORDER BY h.origin COLLATE \"C\"",
                &[&peer],
            )
            .await?;
        let mut room = max_changes.max(1) as i64;
        let mut ranges = Vec::new();
        for r in &pending {
            if room == 0 {
                break;
            }
            let (origin, from, last): (String, i64, i64) = (r.get(0), r.get(1), r.get(2));
            let end = last.min(from + room - 1);
            room -= end - from + 1;
            ranges.push((origin, from, end));
        }
        if ranges.is_empty() {
            return Ok(None);
        }
        let below: HashSet<String> = subtree(&client, &unit_id).await?;
        let mut changes = Vec::new();
        for (origin, from, to) in &ranges {
            let rows = client
                .query(
                    "SELECT origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at
                     FROM change_log WHERE origin = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
                    &[origin, from, to],
                )
                .await?;
            for r in rows {
                changes.push(change_of(&r)?);
            }
        }
        let to = sotay_core::sync::LowerPeer { installation: peer, key: &peer_key, below: &below };
        let bundle = sotay_core::sync::downward_bundle(&self.key, &self.origin, &self.unit_id, &to, &ranges, &changes)
            .map_err(|e| PgError::Database(e.message(sotay_core::Lang::En)))?;
        Ok(Some(bundle))
    }

    /// A receipt `sender` sent for the downward bundles it took: what it now holds of each origin.
    /// Returns how many origins' acknowledgements moved forward.
    pub async fn take_receipt(&self, sender: &str, content: &[u8]) -> Result<usize, PushError> {
        let refused = |refusal| PushError::Refused(Error::Refused { file: format!("(receipt from {sender})"), refusal });
        let receipt = Receipt::parse(content).ok_or_else(|| refused(sotay_core::Refusal::NotOurFormat))?;
        if receipt.from != sender {
            return Err(refused(sotay_core::Refusal::NotFromSender));
        }
        let (key, revoked) = self.peer_key(sender).await?.ok_or_else(|| refused(sotay_core::Refusal::UnknownKey { fingerprint: sender.to_string() }))?;
        if revoked {
            return Err(refused(sotay_core::Refusal::Revoked { installation: sender.to_string() }));
        }
        if !receipt.signed_by(&key) {
            return Err(refused(sotay_core::Refusal::BadSignature));
        }
        if receipt.to != self.origin {
            return Err(refused(sotay_core::Refusal::NotForThisInstallation));
        }
        let client = self.store.client().await?;
        let mut moved = 0;
        for h in &receipt.heads {
            moved += client
                .execute(
                    "INSERT INTO acks (peer, origin, acked) VALUES ($1, $2, $3)
                     ON CONFLICT (peer, origin) DO UPDATE SET acked = excluded.acked WHERE excluded.acked > acks.acked",
                    &[&sender, &h.origin, &h.to],
                )
                .await
                .map_err(PgError::from)? as usize;
        }
        Ok(moved)
    }
}

/// `unit` and every unit below it, as applied or as bundles in the inbox place them.
async fn subtree(client: &tokio_postgres::Client, unit: &str) -> Result<HashSet<String>, PgError> {
    Ok(client
        .query(
            "WITH RECURSIVE tree(id) AS (
                 SELECT $1::text
                 UNION
                 SELECT l.id FROM tree t JOIN (
                     SELECT id, body->>'parent_id' AS parent FROM records WHERE kind = 'unit' AND NOT deleted
                     UNION ALL SELECT unit_id, parent_id FROM units_placed) l ON l.parent = t.id)
             SELECT id FROM tree",
            &[&unit],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// A change as the log holds it.
fn change_of(r: &tokio_postgres::Row) -> Result<sotay_core::sync::Change, PgError> {
    let object = |v: serde_json::Value| match v {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let entity: String = r.get(4);
    let op: String = r.get(6);
    Ok(sotay_core::sync::Change {
        origin: r.get(0),
        seq: r.get(1),
        lamport: r.get(2),
        hlc: r.get(3),
        entity: sotay_core::Kind::parse(&entity).map_err(|e| PgError::Database(e.message(sotay_core::Lang::En)))?,
        record_id: r.get(5),
        op: match op.as_str() {
            "create" => sotay_core::sync::Op::Create,
            "delete" => sotay_core::sync::Op::Delete,
            _ => sotay_core::sync::Op::Update,
        },
        owner_unit: r.get(7),
        fields: object(r.get(8)),
        prev: object(r.get(9)),
        recorded_at: r.get(10),
    })
}

/// Evidence files, as the SQLite hub takes and serves them (`sotay_core::sync::files`): in parts, a part
/// taken only where the held bytes end, the file kept only when its bytes are its hash.
impl PgHub {
    /// Of these hashes, the files not held here.
    pub async fn lacking(&self, hashes: &[String]) -> Result<Vec<String>, PgError> {
        let client = self.store.client().await?;
        Ok(client
            .query("SELECT h FROM unnest($1::text[]) WITH ORDINALITY AS t(h, n) WHERE NOT EXISTS (SELECT 1 FROM files WHERE sha256 = h) ORDER BY n", &[&hashes])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// Takes one part of a file (see `Store::take_file_part`, whose rules these are).
    pub async fn take_file_part(&self, part: &PartHeader, bytes: &[u8]) -> Result<Result<PartState, FileProblem>, PgError> {
        if !sotay_core::model::attachment::is_sha256(&part.sha256) {
            return Ok(Err(FileProblem::UnsafeName));
        }
        let cap = sotay_core::evidence::MAX_PDF_CAP.max(sotay_core::evidence::media::MAX_PHOTO_INPUT);
        if part.total > cap {
            return Ok(Err(FileProblem::TooLarge { size: part.total, cap: sotay_core::evidence::MAX_PDF_CAP }));
        }
        let mut client = self.store.client().await?;
        let tx = client.transaction().await?;
        if tx.query_opt("SELECT 1 FROM files WHERE sha256 = $1", &[&part.sha256]).await?.is_some() {
            return Ok(Ok(PartState { received: part.total, complete: true }));
        }
        // Parts of one file are taken one at a time, whichever process they reach.
        tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&part.sha256]).await?;
        let held = tx.query_one("SELECT coalesce(sum(length(bytes)), 0)::bigint, max(total) FROM file_parts WHERE sha256 = $1", &[&part.sha256]).await?;
        let (n, total): (i64, Option<i64>) = (held.get(0), held.get(1));
        let have = match total {
            Some(t) if t as u64 == part.total => n as u64,
            Some(_) => {
                tx.execute("DELETE FROM file_parts WHERE sha256 = $1", &[&part.sha256]).await?;
                0
            }
            None => 0,
        };
        if part.offset != have || part.offset + bytes.len() as u64 > part.total || (bytes.is_empty() && part.total > 0) {
            return Ok(Ok(PartState { received: have, complete: false }));
        }
        tx.execute(
            r#"INSERT INTO file_parts (sha256, "offset", media_type, total, bytes) VALUES ($1, $2, $3, $4, $5)"#,
            &[&part.sha256, &(part.offset as i64), &part.media_type, &(part.total as i64), &bytes],
        )
        .await?;
        let received = have + bytes.len() as u64;
        if received < part.total {
            tx.commit().await?;
            return Ok(Ok(PartState { received, complete: false }));
        }
        let mut whole = Vec::with_capacity(part.total as usize);
        for r in tx.query(r#"SELECT bytes FROM file_parts WHERE sha256 = $1 ORDER BY "offset""#, &[&part.sha256]).await? {
            whole.extend_from_slice(r.get::<_, &[u8]>(0));
        }
        tx.execute("DELETE FROM file_parts WHERE sha256 = $1", &[&part.sha256]).await?;
        if let Err(problem) = sotay_core::evidence::check_received(&part.sha256, &part.media_type, &whole) {
            // The parts are dropped (committed) and the file starts again.
            tx.commit().await?;
            return Ok(Err(problem));
        }
        tx.execute(
            "INSERT INTO files (sha256, media_type, size, content) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
            &[&part.sha256, &part.media_type, &(whole.len() as i64), &whole],
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(PartState { received, complete: true }))
    }

    /// One part of a file from `offset`, if `peer` may fetch it: a record it is sent refers to it (the
    /// kinds sent down that are not its own, or the records of its own subtree).
    pub async fn file_part_for(&self, peer: &str, sha256: &str, offset: u64) -> Result<Option<(PartHeader, Vec<u8>)>, PgError> {
        let client = self.store.client().await?;
        let Some(unit) = client
            .query_opt("SELECT unit_id FROM peers WHERE installation = $1 AND revoked_at IS NULL", &[&peer])
            .await?
            .map(|r| r.get::<_, String>(0))
        else {
            return Ok(None);
        };
        let below: Vec<String> = subtree(&client, &unit).await?.into_iter().collect();
        let downward: Vec<String> = sotay_core::sync::DOWNWARD_KINDS.iter().map(|k| k.to_string()).collect();
        let visible = client
            .query_opt(
                "SELECT 1 FROM records WHERE (owner_unit = ANY($2) OR kind = ANY($3))
                   AND jsonb_path_exists(body, '$.attachments[*] ? (@.sha256 == $h)', jsonb_build_object('h', $1::text)) LIMIT 1",
                &[&sha256, &below, &downward],
            )
            .await?
            .is_some();
        if !visible {
            return Ok(None);
        }
        let Some(row) = client.query_opt("SELECT media_type, size FROM files WHERE sha256 = $1", &[&sha256]).await? else { return Ok(None) };
        let (media_type, size): (String, i64) = (row.get(0), row.get(1));
        let total = size as u64;
        let from = offset.min(total);
        let len = (total - from).min(sotay_core::sync::files::CHUNK as u64);
        // substring on bytea counts bytes from 1.
        let bytes: Vec<u8> = client
            .query_one("SELECT substring(content FROM $2::int FOR $3::int) FROM files WHERE sha256 = $1", &[&sha256, &(from as i32 + 1), &(len as i32)])
            .await?
            .get(0);
        Ok(Some((PartHeader { sha256: sha256.into(), media_type, offset: from, total }, bytes)))
    }
}

//! After a restore: never reuse a sequence number the upper level already holds with other content.
//!
//! A backup holds this installation's log up to some number B. The lost laptop may have gone on to
//! B+10 and sent all of it up. The restored log goes on from B+1 with other changes, so it must not
//! send them under those numbers. The rule (docs/bundle-format.md, "After a restore"):
//! 1. A restore marks the database "restored at B" (and forgets any probe of an earlier hold).
//! 2. While marked, the installation logs as usual but sends none of its own changes upward. Each
//!    bundle it sends its upper peer meanwhile (empty of its own changes — a probe) is remembered.
//! 3. The upper level answers a bundle with a receipt that names the bundle it answers. A receipt
//!    answering one of the probes is fresh: it says H, how far the upper holds this origin now. An
//!    older receipt (on a stick from before the loss) answers no probe and tells nothing of this origin.
//! 4. With H known: if H > B, the changes logged after the restore are renumbered to follow H
//!    (B+1 → H+1 …), B+1..H are recorded as absent here (the upper holds them; this laptop lost them),
//!    the upper is taken to hold up to H, and the mark goes. Nothing is ever numbered twice.

use std::path::Path;

use rusqlite::{params, OptionalExtension};

use crate::error::Result;
use crate::store::Store;

const RESTORED_AT: &str = "sync.restored_at_seq";
const PROBES: &str = "sync.restore_probes";
/// Above any sequence number a log reaches: the renumbering moves rows out of the way through here.
const ASIDE: i64 = 1 << 50;
/// How far a restored installation's Lamport clock moves ahead: more than any laptop counts in its life,
/// and small enough that many restores stay exact in a JSON number.
const LAMPORT_JUMP: i64 = 1 << 32;

/// Marks the database file at `path` (a copy about to replace the database) as restored at its own
/// log's head, when it has an upper level to ask (with none, no one else holds its numbers above B but
/// its lower peers — docs/bundle-format.md). A mark already there (a backup taken while held) is kept:
/// its number is the older one. Its Lamport clock jumps far ahead, so that an edit made after the
/// restore outranks any the lost laptop made after the backup with the same clock values.
pub(crate) fn mark_restored(path: &Path, key: &crate::vault::DbKey) -> Result<()> {
    let conn = crate::vault::open_conn(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX, Some(key))?;
    let upper: i64 = conn.query_row("SELECT count(*) FROM peers WHERE role = 'upper' AND revoked_at IS NULL", [], |r| r.get(0))?;
    if upper > 0 {
        let head: i64 = conn.query_row("SELECT last_seq FROM installation WHERE singleton = 1", [], |r| r.get(0))?;
        conn.execute("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING", params![RESTORED_AT, head.to_string()])?;
    }
    // Probes of an earlier hold could be answered by receipts older than this restore.
    conn.execute("DELETE FROM settings WHERE key = ?1", [PROBES])?;
    conn.execute("UPDATE installation SET lamport = lamport + ?1", [LAMPORT_JUMP])?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(())
}

impl Store {
    /// Some(B) while this installation waits to learn what its upper level holds after a restore.
    pub fn restored_at(&self) -> Result<Option<i64>> {
        Ok(self.setting(RESTORED_AT)?.and_then(|v| v.parse().ok()))
    }

    /// Remembers a bundle sent to the upper level while held: a receipt that answers it is fresh.
    pub(crate) fn note_probe(&mut self, bundle_id: &str) -> Result<()> {
        let mut probes = self.probes()?;
        probes.push(bundle_id.to_string());
        // Bounded: the latest few are enough (a receipt answers the bundle it follows).
        let keep = probes.len().saturating_sub(50);
        self.set_setting(PROBES, &serde_json::to_string(&probes[keep..]).unwrap_or_default())
    }

    fn probes(&self) -> Result<Vec<String>> {
        Ok(self.setting(PROBES)?.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
    }

    /// Whether a receipt from `peer` answering `answers` tells where the upper level stands now.
    pub(crate) fn is_fresh_answer(&self, peer: &str, answers: &[String]) -> Result<bool> {
        let upper = self.peers()?.into_iter().any(|p| p.installation == peer && p.role == super::Role::Upper);
        let probes = self.probes()?;
        Ok(upper && answers.iter().any(|a| probes.contains(a)))
    }
}

/// Ends the hold in `tx`: the upper peer holds `origin` (this installation's own) up to `upper_head`.
/// Returns by how much the changes logged since the restore were moved.
pub(crate) fn end_hold(tx: &rusqlite::Transaction, origin: &str, upper: &str, upper_head: i64) -> Result<i64> {
    let restored_at: Option<i64> = tx
        .query_row("SELECT value FROM settings WHERE key = ?1", [RESTORED_AT], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|v| v.parse().ok());
    let Some(b) = restored_at else { return Ok(0) };
    let shift = (upper_head - b).max(0);
    if shift > 0 {
        // Two steps, so that no row lands on a number another still holds.
        tx.execute("UPDATE change_log SET seq = seq + ?3 WHERE origin = ?1 AND seq > ?2", params![origin, b, ASIDE])?;
        tx.execute("UPDATE change_log SET seq = seq - ?3 + ?2 WHERE origin = ?1 AND seq > ?3", params![origin, shift, ASIDE])?;
        tx.execute("UPDATE installation SET last_seq = last_seq + ?1", [shift])?;
        tx.execute("INSERT INTO absent_changes (origin, first_seq, last_seq) VALUES (?1, ?2, ?3)", params![origin, b + 1, upper_head])?;
    }
    tx.execute(
        "INSERT INTO acks (peer, origin, acked) VALUES (?1, ?2, ?3)
         ON CONFLICT (peer, origin) DO UPDATE SET acked = max(acked, excluded.acked)",
        params![upper, origin, upper_head],
    )?;
    tx.execute("DELETE FROM settings WHERE key IN (?1, ?2)", params![RESTORED_AT, PROBES])?;
    Ok(shift)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::backup::Reason;
    use crate::model::Kind;
    use crate::store::Store;
    use crate::sync::tests::{log_events, world};
    use crate::Lang;

    /// One trip over the stick: the commune exports, the province imports and writes receipts, the
    /// commune imports what is there (receipts old and new alike, as a real stick holds them).
    fn trip(commune: &mut Store, province: &mut Store, stick: &Path) -> u64 {
        let sent = commune.export(stick, &Default::default(), &mut |_| {}).unwrap();
        province.import_folder(stick, false, Lang::Vi, &mut |_, _| {}).unwrap();
        commune.import_folder(stick, false, Lang::Vi, &mut |_, _| {}).unwrap();
        sent.changes
    }

    fn event_titles(s: &Store) -> Vec<String> {
        let mut q = crate::ListQuery::new(Kind::Event);
        q.page_size = 1000;
        let mut t: Vec<String> = s.list(&q).unwrap().rows.iter().map(|r| r["title"].as_str().unwrap_or_default().to_string()).collect();
        t.sort();
        t
    }

    #[test]
    fn a_restored_commune_never_reuses_a_number_the_province_holds_and_every_change_arrives_once_over_the_stick() {
        let dir = tempfile::tempdir().unwrap();
        let (mut p, a, _) = world(dir.path());
        let a_path = a.store.path().unwrap().to_path_buf();
        let mut a = a.store;
        let stick = dir.path().join("stick");
        log_events(&mut a, 2, "trước");
        trip(&mut a, &mut p.store, &stick);
        let backup = a.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        let b = a.own_change_count().unwrap();
        log_events(&mut a, 10, "mất");
        trip(&mut a, &mut p.store, &stick);
        assert!(a.outbox().unwrap().is_empty(), "the province holds the ten");
        drop(a);

        crate::restore::restore(&a_path, &backup.path, &crate::restore::Keys { current: Some(&crate::vault::test_key()), backup: None }).unwrap();
        let mut a = Store::open_test(&a_path);
        assert_eq!(a.restored_at().unwrap(), Some(b));
        log_events(&mut a, 5, "sau");
        assert!(a.outbox().unwrap().is_empty(), "held: nothing of its own goes up before the province answers");
        // The stick still holds the receipt for the ten: it answers no bundle sent since the restore.
        assert_eq!(trip(&mut a, &mut p.store, &stick), 0, "the first trip carries a probe only");
        assert_eq!(a.restored_at().unwrap(), None, "the province's answer ends the hold");
        assert_eq!(a.own_change_count().unwrap(), b + 10 + 5, "the five follow the ten");
        assert_eq!(trip(&mut a, &mut p.store, &stick), 5);
        assert!(a.outbox().unwrap().is_empty());

        let titles = event_titles(&p.store);
        assert_eq!(titles.len(), 17, "{titles:?}");
        for tag in ["trước", "mất", "sau"] {
            let n = if tag == "mất" { 10 } else if tag == "trước" { 2 } else { 5 };
            for i in 0..n {
                let t = format!("Tuyên truyền {tag} số {i}");
                assert_eq!(titles.iter().filter(|x| **x == t).count(), 1, "{t} exactly once");
            }
        }
        assert_eq!(p.store.check().unwrap(), Vec::<String>::new());
        assert_eq!(a.check().unwrap(), Vec::<String>::new());
        // The restored laptop lacks the ten (they are at the province), and holds the rest.
        assert_eq!(event_titles(&a).len(), 7);
    }

    #[test]
    fn a_receipt_from_before_the_restore_does_not_end_the_hold() {
        let dir = tempfile::tempdir().unwrap();
        let (mut p, a, _) = world(dir.path());
        let a_path = a.store.path().unwrap().to_path_buf();
        let mut a = a.store;
        let backup = a.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        log_events(&mut a, 3, "mất");
        let stick = dir.path().join("stick");
        a.export(&stick, &Default::default(), &mut |_| {}).unwrap();
        p.store.import_folder(&stick, false, Lang::Vi, &mut |_, _| {}).unwrap();
        drop(a);
        crate::restore::restore(&a_path, &backup.path, &crate::restore::Keys { current: Some(&crate::vault::test_key()), backup: None }).unwrap();
        let mut a = Store::open_test(&a_path);
        let held = a.restored_at().unwrap();
        assert!(held.is_some());
        // The receipt the province wrote for the lost laptop's bundle is on the stick.
        a.import_folder(&stick, false, Lang::Vi, &mut |_, _| {}).unwrap();
        assert_eq!(a.restored_at().unwrap(), held, "an old receipt tells nothing of now");
        log_events(&mut a, 1, "sau");
        assert!(a.outbox().unwrap().is_empty());
    }

    #[test]
    fn an_edit_after_the_restore_outranks_the_lost_laptops_edit_of_the_same_field() {
        let dir = tempfile::tempdir().unwrap();
        let (mut p, a, _) = world(dir.path());
        let a_path = a.store.path().unwrap().to_path_buf();
        let mut a = a.store;
        let stick = dir.path().join("stick");
        let ev = a.create(Kind::Event, &serde_json::json!({"title": "Sinh hoạt chi đoàn", "start_at": "2026-11-20T08:00"})).unwrap();
        let id = ev["id"].as_str().unwrap().to_string();
        trip(&mut a, &mut p.store, &stick);
        let backup = a.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        // The lost laptop renames it and sends that up.
        let mut body = a.get(Kind::Event, &id).unwrap();
        body["title"] = "Tên do máy bị mất đặt".into();
        a.update(Kind::Event, &id, &body).unwrap();
        trip(&mut a, &mut p.store, &stick);
        drop(a);
        crate::restore::restore(&a_path, &backup.path, &crate::restore::Keys { current: Some(&crate::vault::test_key()), backup: None }).unwrap();
        let mut a = Store::open_test(&a_path);
        let mut body = a.get(Kind::Event, &id).unwrap();
        body["title"] = "Tên đặt sau khi khôi phục".into();
        a.update(Kind::Event, &id, &body).unwrap();
        trip(&mut a, &mut p.store, &stick);
        trip(&mut a, &mut p.store, &stick);
        assert_eq!(p.store.get(Kind::Event, &id).unwrap()["title"], "Tên đặt sau khi khôi phục", "the province keeps the later edit");
        assert_eq!(a.get(Kind::Event, &id).unwrap()["title"], "Tên đặt sau khi khôi phục");
        assert_eq!(p.store.check().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_restored_province_with_no_upper_level_is_not_held_and_its_communes_receipts_still_count() {
        let dir = tempfile::tempdir().unwrap();
        let (p, mut a, _) = world(dir.path());
        let p_path = p.store.path().unwrap().to_path_buf();
        let backup = p.store.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        drop(p);
        crate::restore::restore(&p_path, &backup.path, &crate::restore::Keys { current: Some(&crate::vault::test_key()), backup: None }).unwrap();
        let mut p = Store::open_test(&p_path);
        assert_eq!(p.restored_at().unwrap(), None, "no one above to ask: no hold");
        // A plan made after the restore goes down, and the commune's receipt clears it.
        p.create(Kind::Plan, &serde_json::json!({"title": "Kế hoạch sau khôi phục", "start_on": "2026-12-01"})).unwrap();
        let a_id = a.store.identity().unwrap().installation;
        let down = dir.path().join("down");
        let sent = p.export(&down, &crate::sync::ExportOptions { to: Some(a_id.clone()), max_changes: 1000 }, &mut |_| {}).unwrap();
        assert!(sent.changes > 0);
        a.store.import_folder(&down, false, Lang::Vi, &mut |_, _| {}).unwrap();
        p.import_folder(&down, false, Lang::Vi, &mut |_, _| {}).unwrap();
        assert!(p.outbox().unwrap().iter().all(|w| w.peer != a_id), "{:?}", p.outbox().unwrap());
    }

    #[test]
    fn a_hubs_answer_to_a_pushed_probe_ends_the_hold_even_from_a_hub_too_old_to_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let (mut p, a, _) = world(dir.path());
        let a_path = a.store.path().unwrap().to_path_buf();
        let a_id = a.store.identity().unwrap().installation;
        let p_id = p.store.identity().unwrap().installation;
        let backup = a.store.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        drop(a);
        crate::restore::restore(&a_path, &backup.path, &crate::restore::Keys { current: Some(&crate::vault::test_key()), backup: None }).unwrap();
        let mut a = Store::open_test(&a_path);
        let probe = a.next_bundle(&p_id, 100).unwrap().expect("a probe while held");
        p.store.import_bytes("(push)", &probe.bytes, false).unwrap();
        // An older hub's receipt: it names no bundle.
        let old_style = serde_json::to_vec(&p.store.receipt_for(&a_id).unwrap()).unwrap();
        a.import_bytes("(a receipt)", &old_style, false).unwrap();
        assert!(a.restored_at().unwrap().is_some(), "a receipt that answers nothing is no answer");
        a.take_push_receipt(&old_style, &probe.bundle_id).unwrap();
        assert_eq!(a.restored_at().unwrap(), None, "it answered the push it came back with");
    }
}

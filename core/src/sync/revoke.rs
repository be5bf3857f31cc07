//! Revoking a lost or stolen laptop: the upper level stops trusting its key. From then on nothing signed
//! by it is taken — no bundle over a stick or the hub, no receipt, no request — and no change of its
//! origin beyond what was held when it was revoked comes in relayed by anyone else. What it sent before
//! stays. The unit joins again from a new laptop (a new installation with a key of its own).

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::Role;
use crate::error::{Error, Problem, Result};
use crate::store::Store;

#[derive(Debug, Clone, Serialize)]
pub struct Revoked {
    pub installation: String,
    pub unit_id: String,
    pub unit_name: String,
    /// Its changes held here when it was revoked: these stay, nothing after them is taken.
    pub held: i64,
}

impl Store {
    /// Revokes the lower peer `who`: an installation id, or a unit's code or id when that unit has
    /// exactly one peer not revoked yet. The installation's own upper level cannot be revoked here.
    pub fn revoke(&mut self, who: &str) -> Result<Revoked> {
        let peer = self.find_peer(who)?;
        if peer.role == Role::Upper {
            return Err(Error::invalid("peer", Problem::RevokeUpper(peer.unit_name)));
        }
        let held = self.head(&peer.installation)?.max(self.inbox_head(&peer.installation)?);
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.conn().execute(
            "UPDATE peers SET revoked_at = ?2, revoked_after = ?3 WHERE installation = ?1 AND revoked_at IS NULL",
            params![peer.installation, now, held],
        )?;
        let held = self.revoked_after(&peer.installation)?.unwrap_or(held);
        Ok(Revoked { installation: peer.installation, unit_id: peer.unit_id, unit_name: peer.unit_name, held })
    }

    fn find_peer(&self, who: &str) -> Result<super::Peer> {
        let who = who.trim();
        let peers = self.peers()?;
        if let Some(p) = peers.iter().find(|p| p.installation == who) {
            return Ok(p.clone());
        }
        let code_of = |unit: &str| -> Option<String> {
            self.conn()
                .query_row("SELECT json_extract(body, '$.code') FROM records WHERE id = ?1", [unit], |r| r.get(0))
                .optional()
                .ok()
                .flatten()
        };
        let live: Vec<&super::Peer> = peers
            .iter()
            .filter(|p| p.revoked_at.is_none() && (p.unit_id == who || code_of(&p.unit_id).is_some_and(|c| c.eq_ignore_ascii_case(who))))
            .collect();
        match live.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::NotFound { kind: "peer".into(), id: who.into() }),
            _ => Err(Error::invalid("peer", Problem::BadValue(format!(
                "{who}: {} installations — name one by its id ({})",
                live.len(),
                live.iter().map(|p| p.installation.as_str()).collect::<Vec<_>>().join(", ")
            )))),
        }
    }

    /// For a revoked installation, how far its changes are taken (None: not revoked).
    pub(crate) fn revoked_after(&self, installation: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT revoked_after FROM peers WHERE installation = ?1 AND revoked_at IS NOT NULL",
                [installation],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .map(|n| n.unwrap_or(0)))
    }

    /// Whether `installation` is a peer whose key was revoked here.
    pub fn is_revoked(&self, installation: &str) -> bool {
        self.revoked_after(installation).ok().flatten().is_some()
    }

    /// Whether an enrolment file names a revoked installation, or carries a revoked key under another
    /// installation id (whoever holds a lost laptop holds its key).
    pub fn enrolment_revoked(&self, e: &super::Enrolment) -> Result<bool> {
        let key = super::keys::from_b64(&e.public_key).unwrap_or_default();
        let n: i64 = self.conn().query_row(
            "SELECT count(*) FROM peers WHERE revoked_at IS NOT NULL AND (installation = ?1 OR public_key = ?2)",
            rusqlite::params![e.installation, key],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::error::{Error, Refusal};
    use crate::sync::bundle::{Direction, Header, Range};
    use crate::sync::tests::{change, export, forge, log_events, world};

    #[test]
    fn changes_of_a_revoked_laptop_relayed_by_another_peer_are_refused_beyond_what_was_held() {
        let dir = tempfile::tempdir().unwrap();
        let (mut p, mut a, b) = world(dir.path());
        log_events(&mut a.store, 2, "A");
        for f in export(&mut a.store, &dir.path().join("usb"), 1000) {
            p.store.import_file(&f, false).unwrap();
        }
        let lost = a.store.identity().unwrap();
        let revoked = p.store.revoke(&lost.installation).unwrap();
        let held = revoked.held;
        assert_eq!(held, a.store.own_change_count().unwrap());
        // B, still trusted, passes on a change of A's origin made after the revocation.
        let b_id = b.store.identity().unwrap();
        let header = Header {
            bundle_id: crate::store::new_id(),
            direction: Direction::Up,
            sender: b_id.installation.clone(),
            sender_unit: b_id.unit_id.clone(),
            sender_key: b_id.public_key.clone(),
            recipient: p.store.identity().unwrap().installation,
            ranges: vec![Range::new(lost.installation.clone(), held + 1, held + 1)],
            scope: Vec::new(),
            sealed: None,
        };
        let file = dir.path().join("relayed.bundle.json");
        forge(&file, &b.store.signing_key().unwrap(), header, &[change(&lost.installation, held + 1, &lost.unit_id, "Bài từ máy bị mất")]);
        match p.store.import_file(&file, false) {
            Err(Error::Refused { refusal: Refusal::Revoked { installation }, .. }) => assert_eq!(installation, lost.installation),
            other => panic!("expected a refusal for the revoked origin, got {other:?}"),
        }
        assert_eq!(p.store.check().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_revoked_key_cannot_come_back_under_another_installation_id_and_nothing_is_exported_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut p, a, _) = world(dir.path());
        let lost = a.store.identity().unwrap();
        p.store.revoke(&lost.installation).unwrap();
        let mut again = a.store.enrolment().unwrap();
        again.installation = crate::store::new_id();
        let e = p.store.enroll(&again).unwrap_err();
        assert!(matches!(e, Error::Invalid { problem: crate::Problem::RevokedKey(_), .. }), "{e:?}");
        assert!(p.store.peers().unwrap().iter().all(|peer| peer.installation != again.installation));
        let opts = crate::sync::ExportOptions { to: Some(lost.installation.clone()), max_changes: 100 };
        let e = p.store.export(&dir.path().join("down"), &opts, &mut |_| {}).unwrap_err();
        assert!(matches!(e, Error::Invalid { problem: crate::Problem::RevokedKey(_), .. }), "{e:?}");
    }
}

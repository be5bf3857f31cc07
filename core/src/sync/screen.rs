//! The checks of an upward bundle, for a hub whose state is not in this SQLite store (the national hub's
//! PostgreSQL, crate sotay-net): the same rules as `Store::accept_bundle` — signature of the enrolled key,
//! addressed to the hub, the sender's direction and unit, none of the hub's own changes, nothing of a
//! revoked origin beyond what was held, every change in range, in the sender's scope and NFC — over facts
//! the caller looked up beforehand. No I/O here: the caller reads its database, then calls these.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Cursor};

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::Value;

use super::bundle::{BundleReader, Direction, Header, Verified};
use super::import::{missing_before, Checker};
use crate::error::{Error, Refusal, Result};
use crate::store::merge::{Change, Op};

/// The enrolled lower installation that sent the bundle, as the hub holds it.
#[derive(Debug, Clone)]
pub struct Sender {
    pub installation: String,
    pub unit_id: String,
    pub key: VerifyingKey,
    /// Its key was revoked here (a lost laptop): nothing of it is taken.
    pub revoked: bool,
}

/// The hub itself: its installation id (bundles must be addressed to it) and key (opens sealed lines).
pub struct Hub<'a> {
    pub origin: &'a str,
    pub key: &'a SigningKey,
}

/// What the hub holds that the checks need.
pub struct HubFacts {
    pub sender: Sender,
    /// Of each origin the bundle carries: the highest sequence number held (applied or in the inbox).
    pub heads: HashMap<String, i64>,
    /// Origins whose key was revoked here, with the last sequence number held when it was.
    pub revoked_after: HashMap<String, i64>,
    /// Units the sender may write for before this bundle: its unit and those below it, units with no
    /// parent yet that came through it, and units that bundles of it taken earlier place.
    pub allowed: HashSet<String>,
    /// Of the units the bundle places (`unit_links`), those the hub holds already, anywhere.
    pub held_units: HashSet<String>,
}

/// What the checks found.
pub enum Screened {
    /// Every change of it is held already (the same bundle again, or an overlap).
    AlreadyHeld { header: Header, changes: u64 },
    /// Changes before it are missing: (origin, from, to) for each gap. Nothing of it is kept; the
    /// receipt tells the sender where to start again.
    Missing { header: Header, missing: Vec<(String, i64, i64)> },
    Taken(Taken),
}

/// A bundle that passed: the changes the hub lacks, in bundle order.
pub struct Taken {
    pub verified: Verified,
    pub changes: Vec<Change>,
    pub already: u64,
    /// Units its changes make or place: (unit, parent, or "" for a new unit with no parent yet).
    pub units: Vec<(String, String)>,
}

fn reader(content: &[u8]) -> Box<dyn BufRead + '_> {
    Box::new(Cursor::new(content))
}

/// The (unit, parent) links an upward bundle declares in its header's scope and sets by its changes, for
/// the caller to look up which of the units it holds. Only lines spelled `"entity":"unit"` count: a line
/// spelled otherwise adds no unit, which can only narrow the scope.
pub fn unit_links(content: &[u8], hub_key: &SigningKey) -> Result<Vec<(String, String)>> {
    let header = super::bundle::peek_header_bytes(content).ok_or(Error::Refused { file: "(bundle)".into(), refusal: Refusal::NotOurFormat })?;
    links_in(&mut *reader(content), header.scope, hub_key)
}

/// The declared `scope` with the links that the bundle read from `r` sets by its unit changes.
pub(crate) fn links_in(r: &mut dyn BufRead, scope: Vec<(String, String)>, key: &SigningKey) -> Result<Vec<(String, String)>> {
    let mut links = scope;
    BundleReader::raw_lines(r, Some(key), |_, line| {
        const UNIT: &[u8] = b"\"entity\":\"unit\"";
        if line.windows(UNIT.len()).any(|w| w == UNIT) {
            if let Ok(c) = serde_json::from_slice::<Change>(line) {
                if let Some(p) = c.fields.get("parent_id").and_then(Value::as_str) {
                    links.push((c.record_id.clone(), p.to_string()));
                }
            }
        }
        Ok(())
    })?;
    Ok(links)
}

/// Widens `allowed` by the links whose parent is allowed, until nothing moves. A link may place a unit
/// only if the unit is new here (`known` false) or already allowed: never one that hangs elsewhere.
pub(crate) fn place_links(allowed: &mut HashSet<String>, links: Vec<(String, String)>, known: &dyn Fn(&str) -> bool) {
    let placeable: Vec<(String, String)> = links.into_iter().filter(|(unit, _)| !known(unit) || allowed.contains(unit)).collect();
    loop {
        let before = allowed.len();
        for (id, parent) in &placeable {
            if allowed.contains(parent) {
                allowed.insert(id.clone());
            }
        }
        if allowed.len() == before {
            break;
        }
    }
}

/// Checks an upward bundle in full against `facts`. A refusal names the rule and the line.
pub fn screen_upward(name: &str, content: &[u8], hub: Hub<'_>, facts: HubFacts) -> Result<Screened> {
    let refused = |refusal| Error::Refused { file: name.to_string(), refusal };
    if facts.sender.revoked {
        return Err(refused(Refusal::Revoked { installation: facts.sender.installation.clone() }));
    }
    let sender = facts.sender.clone();
    let verified = BundleReader::verify(&mut *reader(content), &|s| (s == sender.installation).then_some(sender.key)).map_err(refused)?;
    let header = verified.header.clone();
    if header.recipient != hub.origin {
        return Err(refused(Refusal::NotForThisInstallation));
    }
    if header.direction != Direction::Up || header.sender_unit != sender.unit_id {
        return Err(refused(Refusal::OutOfScope { line: 1, owner_unit: header.sender_unit.clone() }));
    }
    if header.ranges.iter().any(|r| r.origin == hub.origin) {
        return Err(refused(Refusal::OwnChanges));
    }
    for r in &header.ranges {
        if facts.revoked_after.get(&r.origin).is_some_and(|held| r.to > *held) {
            return Err(refused(Refusal::Revoked { installation: r.origin.clone() }));
        }
    }
    let mut heads = facts.heads;
    for r in &header.ranges {
        heads.entry(r.origin.clone()).or_insert(0);
    }
    if header.ranges.iter().all(|r| heads.get(&r.origin).copied().unwrap_or(0) >= r.to) {
        return Ok(Screened::AlreadyHeld { header, changes: verified.trailer.changes });
    }
    let missing = missing_before(&header, &heads);
    if !missing.is_empty() {
        return Ok(Screened::Missing { header, missing });
    }
    let mut allowed = facts.allowed;
    let held_units = facts.held_units;
    place_links(&mut allowed, unit_links(content, hub.key)?, &|u| held_units.contains(u));
    let mut checker = Checker::new(name, &verified, allowed, heads)?;
    let mut changes = Vec::new();
    let mut units = Vec::new();
    BundleReader::changes(&mut *reader(content), Some(hub.key), |line, c: Change| {
        if checker.check(line, &c)? {
            if c.entity == crate::Kind::Unit {
                match c.fields.get("parent_id").and_then(Value::as_str) {
                    Some(parent) => units.push((c.record_id.clone(), parent.to_string())),
                    None if c.op == Op::Create => units.push((c.record_id.clone(), String::new())),
                    None => {}
                }
            }
            changes.push(c);
        }
        Ok(())
    })?;
    checker.finish()?;
    if changes.is_empty() {
        return Ok(Screened::AlreadyHeld { header, changes: checker.already });
    }
    Ok(Screened::Taken(Taken { verified, changes, already: checker.already, units }))
}

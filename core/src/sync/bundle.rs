//! The bundle file: one JSON document laid out a line per change, so that it can be written and read
//! as a stream with bounded memory while any JSON reader still reads it whole (docs/bundle-format.md).
//!
//! ```text
//! {"format":"sotay-bundle","version":2,"header":{...},"changes":[
//! {change 1},
//! {change 2}
//! ],"trailer":{"changes":2,"digest":"…","signature":"…"}}
//! ```

use std::io::{BufRead, Write};

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys;
use super::sealing::{Opener, Sealer, Sealing};
use crate::error::{Error, Refusal, Result};
use crate::store::merge::Change;

pub const FORMAT: &str = "sotay-bundle";
/// Version 2 added `omitted` to the ranges (what a downward bundle leaves out by scope). A version-2
/// reader still reads version 1, where a hole in a downward range meant the same. Version 3 seals each
/// change line to the addressee (`header.sealed`, sync/sealing.rs); versions 1 and 2 are still read.
pub const VERSION: i64 = 3;
/// The first version whose changes are sealed.
pub const SEALED_FROM: i64 = 3;
/// No line of a bundle may be longer: a change is a few kilobytes; this bounds memory on any input.
pub const MAX_LINE: usize = 1 << 20;
const CHANGES_OPEN: &str = ",\"changes\":[";
const TRAILER_OPEN: &str = "],\"trailer\":";

/// The changes of one origin a bundle covers: every sequence number with `from <= seq <= to` is either
/// carried in the bundle or listed in `omitted` — left out because the recipient may not see it
/// (downward: only units, plans, indicators and practices go down). Upward nothing is omitted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub origin: String,
    pub from: i64,
    pub to: i64,
    /// Runs `[first, last]` of sequence numbers left out, in order, disjoint, inside `from..=to`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<(i64, i64)>,
}

impl Range {
    pub fn new(origin: String, from: i64, to: i64) -> Range {
        Range { origin, from, to, omitted: Vec::new() }
    }

    /// Whether every sequence number of `first..=last` is declared left out (true for an empty span).
    pub fn omits_all(&self, first: i64, last: i64) -> bool {
        let mut next = first;
        for &(a, b) in &self.omitted {
            if next > last {
                break;
            }
            if b < next {
                continue;
            }
            if a > next {
                return false;
            }
            next = b + 1;
        }
        next > last
    }

    /// Sound on its own: `1 <= from <= to`, and omitted runs in order, disjoint and inside the range.
    fn well_formed(&self) -> bool {
        let mut floor = self.from;
        self.from >= 1
            && self.from <= self.to
            && self.omitted.iter().all(|&(a, b)| {
                let ok = a >= floor && a <= b && b <= self.to;
                floor = b.saturating_add(1);
                ok
            })
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub bundle_id: String,
    pub direction: Direction,
    /// The installation that made and signed the bundle, its unit and its public key (base64).
    pub sender: String,
    pub sender_unit: String,
    pub sender_key: String,
    /// The installation it is for.
    pub recipient: String,
    pub ranges: Vec<Range>,
    /// Upward: the units its changes are owned by, each with its parent as the sender holds it, up to the
    /// sender's unit — `[[unit, parent], …]`. The receiver may not know a unit yet (its own changes come
    /// in another bundle of the relay); with this each bundle carries what its scope check needs, so the
    /// order bundles arrive in does not matter. It never places a unit the receiver holds elsewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<(String, String)>,
    /// Version 3: how the change lines are sealed to the recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Sealing>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trailer {
    pub changes: u64,
    /// SHA-256 (hex) of every byte before the trailer line.
    pub digest: String,
    /// Ed25519 over `sotay-bundle-v1:` + digest, by the sender's key (base64).
    pub signature: String,
}

#[derive(Serialize)]
struct Opening<'a> {
    format: &'a str,
    version: i64,
    header: &'a Header,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpeningIn {
    format: String,
    version: i64,
    header: serde_json::Value,
}

fn signed_message(digest: &str) -> Vec<u8> {
    format!("sotay-bundle-v1:{digest}").into_bytes()
}

/// Writes one bundle: the opening line, then each change as it is handed over, then the signed trailer.
pub struct BundleWriter<W: Write> {
    out: W,
    hash: Sha256,
    count: u64,
    pending: Option<String>,
    sealer: Option<Sealer>,
}

impl<W: Write> BundleWriter<W> {
    /// A bundle sealed to the installation whose signing key is `to` (the header's recipient).
    pub fn start(out: W, header: &Header, to: &VerifyingKey) -> Result<Self> {
        let (sealer, sealing) = Sealer::new(to, &header.bundle_id, &header.recipient)?;
        let header = Header { sealed: Some(sealing), ..header.clone() };
        let mut w = Self::start_as(out, &header, VERSION)?;
        w.sealer = Some(sealer);
        Ok(w)
    }

    /// A bundle that says it is of `version`, its changes in the clear (the tests write older versions
    /// with it).
    pub(crate) fn start_as(mut out: W, header: &Header, version: i64) -> Result<Self> {
        let mut opening = serde_json::to_string(&Opening { format: FORMAT, version, header }).map_err(Error::from_json)?;
        opening.pop(); // the closing brace: the changes array follows
        opening.push_str(CHANGES_OPEN);
        opening.push('\n');
        let mut hash = Sha256::new();
        hash.update(opening.as_bytes());
        out.write_all(opening.as_bytes()).map_err(io)?;
        Ok(BundleWriter { out, hash, count: 0, pending: None, sealer: None })
    }

    /// Each change line but the last ends with a comma, so a change is written once the next is known.
    pub fn change(&mut self, c: &Change) -> Result<()> {
        if let Some(line) = self.pending.take() {
            self.emit(&format!("{line},\n"))?;
        }
        let line = serde_json::to_string(c).map_err(Error::from_json)?;
        self.pending = Some(match &mut self.sealer {
            Some(sealer) => sealer.seal(line.as_bytes())?,
            None => line,
        });
        self.count += 1;
        Ok(())
    }

    fn emit(&mut self, text: &str) -> Result<()> {
        self.hash.update(text.as_bytes());
        self.out.write_all(text.as_bytes()).map_err(io)
    }

    pub fn finish(mut self, key: &SigningKey) -> Result<(W, Trailer)> {
        if let Some(line) = self.pending.take() {
            self.emit(&format!("{line}\n"))?;
        }
        let digest = format!("{:x}", self.hash.finalize_reset());
        let trailer = Trailer { changes: self.count, signature: keys::sign(key, &signed_message(&digest)), digest };
        let line = format!("{TRAILER_OPEN}{}}}\n", serde_json::to_string(&trailer).map_err(Error::from_json)?);
        self.out.write_all(line.as_bytes()).map_err(io)?;
        self.out.flush().map_err(io)?;
        Ok((self.out, trailer))
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Io { path: "(bundle)".into(), source: e }
}

/// Reads a bundle line by line. `verify` checks the whole file (format, every line's shape, count,
/// digest, signature) before anything is applied; `changes` then streams it again.
pub struct BundleReader;

/// What a verified bundle says about itself.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The format version the file was written in.
    pub version: i64,
    pub header: Header,
    pub trailer: Trailer,
}

/// Reads one line of at most MAX_LINE bytes; `None` at the end of the file.
fn read_line(r: &mut dyn BufRead, line_no: usize, buf: &mut Vec<u8>) -> std::result::Result<bool, Refusal> {
    buf.clear();
    let mut limited = <&mut dyn BufRead as std::io::Read>::take(&mut *r, MAX_LINE as u64 + 1);
    let n = limited.read_until(b'\n', buf).map_err(|e| Refusal::Malformed { line: line_no, detail: e.to_string() })?;
    if buf.len() > MAX_LINE {
        return Err(Refusal::TooLarge { line: line_no, max: MAX_LINE });
    }
    Ok(n > 0)
}

impl BundleReader {
    /// Checks the whole bundle; `key_of` returns the enrolled key of an installation, if any.
    pub fn verify(r: &mut dyn BufRead, key_of: &dyn Fn(&str) -> Option<VerifyingKey>) -> std::result::Result<Verified, Refusal> {
        let mut buf = Vec::new();
        let mut hash = Sha256::new();
        if !read_line(r, 1, &mut buf)? {
            return Err(Refusal::NotOurFormat);
        }
        hash.update(&buf);
        let (version, header) = parse_opening(&buf)?;
        let mut count = 0u64;
        let mut line_no = 1;
        let mut last_had_comma = true;
        let trailer = loop {
            line_no += 1;
            if !read_line(r, line_no, &mut buf)? {
                return Err(Refusal::Truncated);
            }
            if buf.starts_with(TRAILER_OPEN.as_bytes()) {
                if count > 0 && last_had_comma {
                    return Err(Refusal::Malformed { line: line_no - 1, detail: "comma after the last change".into() });
                }
                // The writer ends every line with a newline: a trailer without one was cut short.
                if !buf.ends_with(b"\n") {
                    return Err(Refusal::Truncated);
                }
                break parse_trailer(&buf, line_no)?;
            }
            if !last_had_comma {
                return Err(Refusal::Malformed { line: line_no - 1, detail: "missing comma between changes".into() });
            }
            hash.update(&buf);
            // Each change is parsed and checked when it is applied, inside the transaction that a
            // refusal rolls back; here only the framing is checked.
            let line = buf.strip_suffix(b"\n").ok_or(Refusal::Truncated)?;
            let (opens, shape) = if header.sealed.is_some() { (b'"', "a sealed change is a JSON string") } else { (b'{', "a change is a JSON object") };
            if line.first() != Some(&opens) {
                return Err(Refusal::Malformed { line: line_no, detail: shape.into() });
            }
            last_had_comma = line.ends_with(b",");
            count += 1;
        };
        // Nothing may follow the trailer, not even white space: the file ends where its signature does,
        // so nothing unsigned can ride along (a reader that stopped at the trailer once applied a bundle
        // with a second document appended).
        let mut after = [0u8; 1];
        let extra = loop {
            match r.read(&mut after) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Refusal::Malformed { line: line_no + 1, detail: e.to_string() }),
            }
        };
        if extra > 0 {
            return Err(Refusal::TrailingData { line: line_no + 1 });
        }
        if trailer.changes != count {
            return Err(Refusal::Truncated);
        }
        let digest = format!("{:x}", hash.finalize());
        if digest != trailer.digest {
            return Err(Refusal::DigestMismatch);
        }
        let declared = keys::from_b64(&header.sender_key).and_then(|b| keys::public_from_bytes(&b));
        let enrolled = key_of(&header.sender);
        match (declared, enrolled) {
            (Some(d), Some(e)) if d == e => {
                if !keys::verify(&e, &signed_message(&digest), &trailer.signature) {
                    return Err(Refusal::BadSignature);
                }
            }
            (Some(d), _) => return Err(Refusal::UnknownKey { fingerprint: keys::fingerprint(&d) }),
            (None, _) => return Err(Refusal::Malformed { line: 1, detail: "sender_key is not an Ed25519 key".into() }),
        }
        Ok(Verified { version, header, trailer })
    }

    /// Streams the change lines (without the trailing comma, opened when sealed, with `me` the
    /// recipient's signing key) of a bundle that `verify` accepted.
    pub fn raw_lines(r: &mut dyn BufRead, me: Option<&SigningKey>, mut each: impl FnMut(usize, &[u8]) -> Result<()>) -> Result<()> {
        let mut buf = Vec::new();
        let refused = |refusal| Error::Refused { file: "(bundle)".into(), refusal };
        read_line(r, 1, &mut buf).map_err(refused)?;
        let (_, header) = parse_opening(&buf).map_err(refused)?;
        let mut opener = match &header.sealed {
            Some(sealing) => Some(
                me.and_then(|k| Opener::new(k, sealing, &header.bundle_id, &header.recipient))
                    .ok_or(refused(Refusal::NotSealedToUs))?,
            ),
            None => None,
        };
        let mut line_no = 1;
        loop {
            line_no += 1;
            if !read_line(r, line_no, &mut buf).map_err(refused)? || buf.starts_with(TRAILER_OPEN.as_bytes()) {
                return Ok(());
            }
            let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
            let line = line.strip_suffix(b",").unwrap_or(line);
            match &mut opener {
                Some(o) => {
                    // HPKE tells a wrong key only when the first message does not open.
                    let broken = if line_no == 2 { Refusal::NotSealedToUs } else { Refusal::SealBroken { line: line_no } };
                    let plain = o.open(line).ok_or(refused(broken))?;
                    each(line_no, &plain)?;
                }
                None => each(line_no, line)?,
            }
        }
    }

    /// Streams the changes of a bundle that `verify` accepted, with their line numbers.
    pub fn changes(r: &mut dyn BufRead, me: Option<&SigningKey>, mut each: impl FnMut(usize, Change) -> Result<()>) -> Result<()> {
        Self::raw_lines(r, me, |line_no, line| {
            let change = serde_json::from_slice(line).map_err(|e| Error::Refused {
                file: "(bundle)".into(),
                refusal: Refusal::Malformed { line: line_no, detail: e.to_string() },
            })?;
            each(line_no, change)
        })
    }
}

/// The header of a bundle file, read from its first line only, if it looks like one.
pub fn peek_header(path: &std::path::Path) -> Option<Header> {
    let mut r = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let mut buf = Vec::new();
    read_line(&mut r, 1, &mut buf).ok()?;
    parse_opening(&buf).ok().map(|(_, h)| h)
}

fn parse_opening(buf: &[u8]) -> std::result::Result<(i64, Header), Refusal> {
    let text = std::str::from_utf8(buf).map_err(|_| Refusal::NotOurFormat)?.trim_end();
    let Some(head) = text.strip_suffix(CHANGES_OPEN) else {
        return Err(Refusal::NotOurFormat);
    };
    let opening: OpeningIn = serde_json::from_str(&format!("{head}}}")).map_err(|_| Refusal::NotOurFormat)?;
    if opening.format != FORMAT {
        return Err(Refusal::NotOurFormat);
    }
    if opening.version < 1 {
        return Err(Refusal::NotOurFormat);
    }
    if opening.version > VERSION {
        return Err(Refusal::NewerFormat { found: opening.version, known: VERSION });
    }
    let header: Header = serde_json::from_value(opening.header).map_err(|e| Refusal::Malformed { line: 1, detail: e.to_string() })?;
    let mut origins = std::collections::HashSet::new();
    for r in &header.ranges {
        if !r.well_formed() || !origins.insert(r.origin.as_str()) || (opening.version < 2 && !r.omitted.is_empty()) {
            return Err(Refusal::Malformed { line: 1, detail: format!("range of origin {}", r.origin) });
        }
    }
    if opening.version < 2 && !header.scope.is_empty() {
        return Err(Refusal::Malformed { line: 1, detail: "scope".into() });
    }
    if (opening.version >= SEALED_FROM) != header.sealed.is_some() {
        return Err(Refusal::Malformed { line: 1, detail: "sealed".into() });
    }
    Ok((opening.version, header))
}

fn parse_trailer(buf: &[u8], line: usize) -> std::result::Result<Trailer, Refusal> {
    let text = std::str::from_utf8(buf).map_err(|_| Refusal::Malformed { line, detail: "not UTF-8".into() })?.trim_end();
    let inner = text
        .strip_prefix(TRAILER_OPEN)
        .and_then(|t| t.strip_suffix('}'))
        .ok_or(Refusal::Malformed { line, detail: "bad trailer".into() })?;
    serde_json::from_str(inner).map_err(|e| Refusal::Malformed { line, detail: e.to_string() })
}

/// The header of a bundle held in memory, read from its first line only, if it looks like one.
pub fn peek_header_bytes(content: &[u8]) -> Option<Header> {
    let end = content.iter().position(|&b| b == b'\n').unwrap_or(content.len()).min(MAX_LINE);
    parse_opening(&content[..end]).ok().map(|(_, h)| h)
}

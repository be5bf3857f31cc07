//! Sync between real stores on disk: two communes and a province, bundles and receipts as files.

use std::path::{Path, PathBuf};


use proptest::prelude::*;
use serde_json::json;
use tempfile::TempDir;

use super::bundle::{BundleWriter, Direction, Header, Range};
use super::{ExportOptions, ImportStatus};
use crate::error::Refusal;
use crate::model::Kind;
use crate::store::merge::{Change, Op};
use crate::store::Store;
use crate::Error;

pub(crate) struct Site {
    pub store: Store,
}

pub(crate) fn site(dir: &Path, name: &str, code: &str, level: &str) -> Site {
    let path = dir.join(format!("{code}.db"));
    let mut store = Store::open_test(&path);
    store.init(&json!({"code": code, "name": name, "level": level})).unwrap();
    Site { store }
}

/// Province P with communes A and B enrolled below it.
pub(crate) fn world(dir: &Path) -> (Site, Site, Site) {
    let mut p = site(dir, "Tỉnh đoàn Hưng Yên", "TINH", "province");
    let mut a = site(dir, "Đoàn xã Đông Hưng", "XA-A", "grassroots");
    let mut b = site(dir, "Đoàn xã Tiền Hải", "XA-B", "grassroots");
    for c in [&mut a, &mut b] {
        let up = p.store.enrolment().unwrap();
        assert_eq!(c.store.enroll(&up).unwrap(), super::Role::Upper);
        let down = c.store.enrolment().unwrap();
        assert_eq!(p.store.enroll(&down).unwrap(), super::Role::Lower);
    }
    (p, a, b)
}

pub(crate) fn log_events(s: &mut Store, n: usize, tag: &str) {
    for i in 0..n {
        s.create(Kind::Event, &json!({"title": format!("Tuyên truyền {tag} số {i}"), "start_at": "2026-11-20T08:00",
            "participants": {"members": 10 + i as i64}})).unwrap();
    }
}

pub(crate) fn export(s: &mut Store, dir: &Path, max: usize) -> Vec<PathBuf> {
    s.export(dir, &ExportOptions { to: None, max_changes: max }, &mut |_| {}).unwrap().files
}

pub(crate) fn dump(s: &Store) -> Vec<u8> {
    let mut out = Vec::new();
    s.dump(&mut out).unwrap();
    out
}

fn refusal(e: Error) -> Refusal {
    match e {
        Error::Refused { refusal, .. } => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn two_communes_go_up_in_either_order_and_receipts_empty_their_outboxes() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, mut b) = world(dir.path());
    log_events(&mut a.store, 5, "A");
    log_events(&mut b.store, 3, "B");
    let stick = dir.path().join("stick");
    let fa = export(&mut a.store, &stick.join("a"), 1000);
    let fb = export(&mut b.store, &stick.join("b"), 1000);
    // A dry run tells what would happen and writes nothing.
    let untouched = dump(&p.store);
    let preview = p.store.import_file(&fa[0], true).unwrap();
    assert_eq!((preview.status.clone(), preview.new_changes, preview.already), (ImportStatus::Applied, 7, 0));
    assert!(dump(&p.store) == untouched, "a dry run wrote something");
    assert!(p.store.peers().unwrap().iter().all(|peer| peer.last_contact.is_none()), "a preview is no contact");
    for f in fb.iter().chain(&fa) {
        let r = p.store.import_file(f, false).unwrap();
        assert_eq!(r.status, ImportStatus::Applied);
    }
    let mut q = crate::ListQuery::new(Kind::Event);
    q.unit_id = Some(p.store.require_installation().unwrap().unit_id);
    assert_eq!(p.store.list(&q).unwrap().total, 8, "the province holds both communes' events");
    // Each commune was heard from (the Connect screen's "last contact").
    assert!(p.store.peers().unwrap().iter().all(|peer| peer.last_contact.is_some()), "{:?}", p.store.peers().unwrap());

    let before = dump(&p.store);
    for f in fa.iter().chain(&fb) {
        assert_eq!(p.store.import_file(f, false).unwrap().status, ImportStatus::AlreadyApplied);
    }
    assert_eq!(dump(&p.store), before, "a second import changes nothing");

    for c in [&mut a, &mut b] {
        assert!(!c.store.outbox().unwrap().is_empty());
        let me = c.store.identity().unwrap().installation;
        let receipt = p.store.write_receipt(&stick, &me, &[]).unwrap();
        let r = c.store.import_file(&receipt, false).unwrap();
        assert!(matches!(r.status, ImportStatus::Receipt { .. }));
        assert!(c.store.outbox().unwrap().is_empty(), "a receipt empties the outbox");
        assert!(c.store.peers().unwrap().iter().all(|peer| peer.last_contact.is_some()), "the receipt is contact with the province");
        assert!(export(&mut c.store, &stick.join("again"), 1000).is_empty());
    }
    assert!(p.store.check().unwrap().is_empty(), "{:?}", p.store.check().unwrap());
}

#[test]
fn a_missing_bundle_is_held_as_a_gap_and_applied_when_it_comes() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _) = world(dir.path());
    log_events(&mut a.store, 6, "A");
    let files = export(&mut a.store, &dir.path().join("out"), 3);
    assert!(files.len() >= 3);
    let last = files.last().unwrap();
    match p.store.import_file(last, false).unwrap().status {
        ImportStatus::Held { missing } => {
            assert_eq!(missing.len(), 1);
            assert_eq!(missing[0].1, 1, "missing from the first change");
        }
        other => panic!("expected held, got {other:?}"),
    }
    assert_eq!(p.store.held_gaps().unwrap().len(), 1);
    for f in &files[..files.len() - 1] {
        p.store.import_file(f, false).unwrap();
    }
    assert!(p.store.held_gaps().unwrap().is_empty(), "the held bundle applied itself");
    let mut q = crate::ListQuery::new(Kind::Event);
    q.page_size = 1;
    assert_eq!(p.store.list(&q).unwrap().total, 6);
}

#[test]
fn truncation_at_every_byte_and_a_bit_flip_in_every_byte_are_refused_and_nothing_changes() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _) = world(dir.path());
    log_events(&mut a.store, 2, "A");
    let file = export(&mut a.store, &dir.path().join("out"), 1000).remove(0);
    let bytes = std::fs::read(&file).unwrap();
    let before = dump(&p.store);
    let bad = dir.path().join("bad.json");
    let mut trial = |content: &[u8], what: &str| {
        std::fs::write(&bad, content).unwrap();
        let result = p.store.import_file(&bad, false);
        assert!(result.is_err(), "accepted {what}");
        assert!(dump(&p.store) == before, "{what} changed the store");
    };
    for cut in 0..bytes.len() {
        trial(&bytes[..cut], &format!("a bundle cut at byte {cut} of {}", bytes.len()));
    }
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 1 << (i % 8);
        trial(&flipped, &format!("a flip of bit {} in byte {i}", i % 8));
    }
    assert!(p.store.import_file(&file, false).is_ok(), "the intact bundle is accepted");
}

/// A bundle made by hand, signed with `key`, claiming to come from `sender`; its changes in the clear
/// (format 2, still read), so that every check after the seal is reached.
pub(crate) fn forge(path: &Path, key: &ed25519_dalek::SigningKey, header: Header, changes: &[Change]) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = BundleWriter::start_as(f, &header, 2).unwrap();
    for c in changes {
        w.change(c).unwrap();
    }
    w.finish(key).unwrap();
}

pub(crate) fn change(origin: &str, seq: i64, owner: &str, title: &str) -> Change {
    let mut fields = serde_json::Map::new();
    fields.insert("title".into(), json!(title));
    fields.insert("start_at".into(), json!("2026-11-20T08:00"));
    Change {
        origin: origin.into(),
        seq,
        lamport: seq,
        hlc: "000000000000001-000000".into(),
        entity: Kind::Event,
        record_id: crate::store::new_id(),
        op: Op::Create,
        owner_unit: owner.into(),
        fields,
        prev: serde_json::Map::new(),
        recorded_at: "2026-11-20T01:00:00.000Z".into(),
    }
}

#[test]
fn forged_unknown_out_of_scope_non_nfc_and_misaddressed_bundles_are_refused() {
    let dir = TempDir::new().unwrap();
    let (mut p, a, b) = world(dir.path());
    let a_id = a.store.identity().unwrap();
    let b_unit = b.store.identity().unwrap().unit_id;
    let p_inst = p.store.identity().unwrap().installation;
    let a_key = a.store.signing_key().unwrap();
    let header = |recipient: &str| Header {
        bundle_id: crate::store::new_id(),
        direction: Direction::Up,
        sender: a_id.installation.clone(),
        sender_unit: a_id.unit_id.clone(),
        sender_key: a_id.public_key.clone(),
        recipient: recipient.into(),
        ranges: vec![Range::new(a_id.installation.clone(), 1, 1)],
        scope: Vec::new(),
        sealed: None,
    };
    let before = dump(&p.store);
    let f = dir.path().join("forged.json");
    type Case = (Header, Vec<Change>, ed25519_dalek::SigningKey, fn(&Refusal) -> bool);
    let cases: Vec<Case> = vec![
        // Signed by a key nobody enrolled, claiming to be A.
        (header(&p_inst), vec![change(&a_id.installation, 1, &a_id.unit_id, "Giả mạo")], super::keys::generate().unwrap(),
         |r| matches!(r, Refusal::BadSignature | Refusal::UnknownKey { .. })),
        // A writing for B's unit.
        (header(&p_inst), vec![change(&a_id.installation, 1, &b_unit, "Ngoài phạm vi")], a_key.clone(),
         |r| matches!(r, Refusal::OutOfScope { .. })),
        // Text in NFD.
        (header(&p_inst), vec![change(&a_id.installation, 1, &a_id.unit_id, "Tuye\u{302}n truye\u{302}\u{300}n")], a_key.clone(),
         |r| matches!(r, Refusal::NotNfc { .. })),
        // Addressed to another installation (a replay elsewhere).
        (header("someone-else"), vec![change(&a_id.installation, 1, &a_id.unit_id, "Gửi nhầm")], a_key.clone(),
         |r| matches!(r, Refusal::NotForThisInstallation)),
        // A change outside the declared ranges.
        (header(&p_inst), vec![change(&a_id.installation, 5, &a_id.unit_id, "Ngoài khoảng")], a_key.clone(),
         |r| matches!(r, Refusal::OutOfRange { .. })),
    ];
    for (i, (h, changes, key, expected)) in cases.into_iter().enumerate() {
        forge(&f, &key, h, &changes);
        let r = refusal(p.store.import_file(&f, false).unwrap_err());
        assert!(expected(&r), "case {i}: {r:?}");
        assert!(dump(&p.store) == before, "case {i} changed the store");
        // Over the network the same checks run before anything goes into the hub's inbox.
        let r = refusal(p.store.accept_bundle("net", &std::fs::read(&f).unwrap()).unwrap_err());
        assert!(expected(&r), "case {i} over the network: {r:?}");
        assert_eq!(p.store.inbox_size().unwrap().bundles, 0, "case {i} went into the inbox");
    }
    // A moving B's unit under A, then writing for B: a bundle cannot pull in a unit that hangs elsewhere.
    let mut hijack = Header { ranges: vec![Range::new(a_id.installation.clone(), 1, 2)], ..header(&p_inst) };
    hijack.bundle_id = crate::store::new_id();
    let mut move_b = change(&a_id.installation, 1, &b_unit, "");
    move_b.entity = Kind::Unit;
    move_b.record_id = b_unit.clone();
    move_b.op = Op::Update;
    move_b.fields = serde_json::from_value(json!({"parent_id": a_id.unit_id})).unwrap();
    forge(&f, &a_key, hijack, &[move_b, change(&a_id.installation, 2, &b_unit, "Viết hộ đơn vị khác")]);
    let r = refusal(p.store.import_file(&f, false).unwrap_err());
    assert!(matches!(&r, Refusal::OutOfScope { owner_unit, .. } if *owner_unit == b_unit), "{r:?}");
    assert!(dump(&p.store) == before, "the move changed the store");
    // A newer format version.
    let good = dir.path().join("good.json");
    forge(&good, &a_key, header(&p_inst), &[]);
    let newer = format!("\"version\":{}", super::bundle::VERSION + 1);
    let text = std::fs::read_to_string(&good).unwrap().replacen("\"version\":2", &newer, 1);
    std::fs::write(&f, text).unwrap();
    let found = super::bundle::VERSION + 1;
    assert!(matches!(refusal(p.store.import_file(&f, false).unwrap_err()), Refusal::NewerFormat { found: v, .. } if v == found));
    // A line longer than any change can be.
    std::fs::write(&f, format!("{}\n", "x".repeat(super::bundle::MAX_LINE + 10))).unwrap();
    assert!(matches!(refusal(p.store.import_file(&f, false).unwrap_err()), Refusal::TooLarge { .. }));
    // Deeply nested JSON in a change line.
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let text = std::fs::read_to_string(&good).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(1, &nested);
    std::fs::write(&f, lines.join("\n")).unwrap();
    assert!(p.store.import_file(&f, false).is_err());
    assert!(dump(&p.store) == before);
}

#[test]
fn concurrent_edits_of_one_field_leave_one_winner_and_a_conflict() {
    let s = Store::open_in_memory().unwrap();
    let conn = s.conn();
    let create = change("o1", 1, "u", "Gốc");
    let id = create.record_id.clone();
    crate::store::merge::apply(conn, &create).unwrap();
    let edit = |origin: &str, lamport: i64, title: &str| {
        let mut c = change(origin, 2, "u", title);
        c.record_id = id.clone();
        c.op = Op::Update;
        c.lamport = lamport;
        c.fields.remove("start_at");
        c.prev.insert("title".into(), json!([1, "o1"]));
        c
    };
    // Two edits made from the same base: whichever order they come in, the higher version wins.
    let x = edit("o2", 5, "Sửa bởi máy 2");
    let y = edit("o3", 5, "Sửa bởi máy 3");
    crate::store::merge::apply(conn, &y).unwrap();
    let applied = crate::store::merge::apply(conn, &x).unwrap();
    assert_eq!(applied.conflicts, 1);
    let title: String = conn.query_row("SELECT title FROM records WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(title, "Sửa bởi máy 3", "(5, o3) > (5, o2)");
    assert_eq!(s.conflicts().unwrap().len(), 1);
}

/// Bundles for two receivers, made by real installations on disk: a province P under a central level C,
/// a commune A with three laptops (A1, A2, A3 — each edits the commune's `place`, three concurrent edits)
/// and a commune B. `to_p` are the communes' bundles to P (A1 exports twice without a receipt, so its
/// bundles overlap); `to_c` are P's bundles to C — P's own events and plan edits relayed with the
/// communes' changes, exported twice without a receipt (overlapping again) and cut small, so that out of
/// order they leave gaps that are held.
struct OrderFixture {
    p_base: PathBuf,
    c_base: PathBuf,
    to_p: Vec<PathBuf>,
    to_c: Vec<PathBuf>,
}

fn enroll_below(upper: &mut Store, lower: &mut Store) {
    lower.enroll(&upper.enrolment().unwrap()).unwrap();
    upper.enroll(&lower.enrolment().unwrap()).unwrap();
}

fn set_place(s: &mut Store, place: &str) {
    let unit_id = s.identity().unwrap().unit_id;
    let mut unit = s.get(Kind::Unit, &unit_id).unwrap();
    unit["place"] = json!(place);
    s.update(Kind::Unit, &unit_id, &unit).unwrap();
}

fn order_fixture() -> &'static OrderFixture {
    static FIXTURE: std::sync::OnceLock<OrderFixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = TempDir::new().unwrap().keep();
        let mut c = site(&dir, "Trung ương Đoàn", "TW", "central").store;
        let mut p = site(&dir, "Tỉnh đoàn Hưng Yên", "TINH", "province").store;
        enroll_below(&mut c, &mut p);
        let mut a1 = site(&dir, "Đoàn xã Đông Hưng", "XA-A", "grassroots").store;
        enroll_below(&mut p, &mut a1);
        let mut laptops = Vec::new();
        for n in 2..=3 {
            let mut s = Store::open_test(&dir.join(format!("XA-A{n}.db")));
            s.init_joining(&a1.enrolment().unwrap()).unwrap();
            enroll_below(&mut p, &mut s);
            laptops.push(s);
        }
        let mut b = site(&dir, "Đoàn xã Tiền Hải", "XA-B", "grassroots").store;
        enroll_below(&mut p, &mut b);
        let (p_base, c_base) = (dir.join("p-base.db"), dir.join("c-base.db"));
        p.copy_to(&p_base).unwrap();
        c.copy_to(&c_base).unwrap();

        log_events(&mut a1, 3, "A1");
        set_place(&mut a1, "Thôn Đông");
        for (n, s) in laptops.iter_mut().enumerate() {
            log_events(s, 2, &format!("A{}", n + 2));
            set_place(s, ["Thôn Đoài", "Thôn Nam"][n]);
        }
        log_events(&mut b, 2, "B");
        let mut to_p = export(&mut a1, &dir.join("a1-1"), 2);
        for (n, s) in laptops.iter_mut().enumerate() {
            to_p.extend(export(s, &dir.join(format!("a{}", n + 2)), 2));
        }
        to_p.extend(export(&mut b, &dir.join("b"), 2));
        // A1 goes on: an event renamed, one more, its place set again; the second export overlaps.
        let mut q = crate::ListQuery::new(Kind::Event);
        q.page_size = 1;
        let mut first = a1.list(&q).unwrap().rows.remove(0);
        first["title"] = json!("Đã sửa tiêu đề");
        a1.update(Kind::Event, first["id"].as_str().unwrap(), &first).unwrap();
        log_events(&mut a1, 1, "A1 sau");
        set_place(&mut a1, "Thôn Bắc");
        to_p.extend(export(&mut a1, &dir.join("a1-2"), 3));

        // P takes half, works, sends up; takes the rest, works, sends up again (overlapping).
        let half = to_p.len() / 2;
        for f in &to_p[..half] {
            p.import_file(f, false).unwrap();
        }
        log_events(&mut p, 2, "tỉnh");
        let plan = p.create(Kind::Plan, &json!({"title": "Kế hoạch quý IV", "start_on": "2026-10-01"})).unwrap();
        let mut to_c = export(&mut p, &dir.join("p-1"), 3);
        for f in &to_p[half..] {
            p.import_file(f, false).unwrap();
        }
        let mut edited = plan.clone();
        edited["title"] = json!("Kế hoạch quý IV (sửa)");
        p.update(Kind::Plan, plan["id"].as_str().unwrap(), &edited).unwrap();
        log_events(&mut p, 1, "tỉnh sau");
        to_c.extend(export(&mut p, &dir.join("p-2"), 4));
        OrderFixture { p_base, c_base, to_p, to_c }
    })
}

/// Conflict records as a person sees them, in a fixed order.
fn conflict_rows(s: &Store) -> Vec<String> {
    let mut stmt = s
        .conn()
        .prepare("SELECT record_id, entity, field, kept_value, kept_version, lost_value, lost_version FROM conflicts")
        .unwrap();
    let mut rows: Vec<String> = stmt
        .query_map([], |r| Ok((0..7).map(|i| r.get::<_, String>(i).unwrap()).collect::<Vec<_>>().join(" | ")))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

/// Imports `files` in `order` into a copy of `base`; returns the dump and the conflict records.
fn receive(base: &Path, files: &[PathBuf], order: &[usize], copy: &Path) -> (Vec<u8>, Vec<String>) {
    let _ = std::fs::remove_file(copy);
    Store::open_test(base).copy_to(copy).unwrap();
    let mut s = Store::open_test(copy);
    for &i in order {
        s.import_file(&files[i], false).unwrap();
    }
    assert_eq!(s.held_gaps().unwrap(), Vec::new(), "order {order:?} left a gap");
    assert_eq!(s.check().unwrap(), Vec::<String>::new(), "order {order:?}");
    (dump(&s), conflict_rows(&s))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Bundles of several origins — two communes (one with three laptops editing one field at once) and
    /// the province's own changes relayed with theirs — imported in any order, with a duplicate, into
    /// copies of each receiver (the province, the central level) end byte-identical and with the same
    /// conflict records as when imported in the order they were made.
    #[test]
    fn any_order_with_duplicates_and_overlaps_converges(seed in any::<u64>(), dup in any::<usize>()) {
        let f = order_fixture();
        let scratch = TempDir::new().unwrap();
        for (name, base, files) in [("province", &f.p_base, &f.to_p), ("central", &f.c_base, &f.to_c)] {
            prop_assert!(files.len() >= 6, "{name}: {} bundles", files.len());
            let in_order: Vec<usize> = (0..files.len()).collect();
            let expected = receive(base, files, &in_order, &scratch.path().join(format!("{name}-in-order.db")));
            prop_assert!(!expected.1.is_empty(), "{name}: the three laptops' edits leave conflicts");
            let mut shuffled = in_order.clone();
            let mut rng = crate::seed::Rng::new(seed);
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i as u64 + 1) as usize);
            }
            shuffled.insert(dup % (shuffled.len() + 1), shuffled[dup % shuffled.len()]);
            let got = receive(base, files, &shuffled, &scratch.path().join(format!("{name}-shuffled.db")));
            prop_assert!(got.0 == expected.0, "{name}: order {shuffled:?} gave another dump");
            prop_assert_eq!(got.1, expected.1, "{}: order {:?} gave other conflicts", name, shuffled);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// A mutation fuzzer for the bundle reader (cargo-fuzz needs a nightly toolchain this machine does
    /// not have): random edits of a real bundle — bytes replaced, inserted, deleted, lines swapped, and
    /// bytes, lines or a whole second bundle appended after the end — never panic the reader, and are
    /// never accepted as anything but the bundle as written.
    #[test]
    fn the_bundle_reader_survives_random_edits(edits in proptest::collection::vec((0usize..7, any::<usize>(), any::<u8>()), 1..6)) {
        use std::sync::OnceLock;
        static FIXTURE: OnceLock<(Vec<u8>, ed25519_dalek::VerifyingKey, String)> = OnceLock::new();
        let (bytes, key, sender) = FIXTURE.get_or_init(|| {
            let dir = TempDir::new().unwrap();
            let (_, mut a, _) = world(dir.path());
            log_events(&mut a.store, 3, "A");
            let file = export(&mut a.store, &dir.path().join("out"), 1000).remove(0);
            let id = a.store.identity().unwrap();
            (std::fs::read(file).unwrap(), a.store.signing_key().unwrap().verifying_key(), id.installation)
        });
        let mut m = bytes.clone();
        for (kind, at, byte) in edits {
            let i = at % m.len().max(1);
            match kind {
                0 => { if !m.is_empty() { m[i] = byte; } }
                1 => m.insert(i, byte),
                2 => { if !m.is_empty() { m.remove(i); } }
                3 => {
                    let mut lines: Vec<&[u8]> = m.split(|b| *b == b'\n').collect();
                    let n = lines.len();
                    if n > 2 { lines.swap(i % n, (i + 1) % n); }
                    m = lines.join(&b'\n');
                }
                // Past the end: a byte, a copy of one of its own lines, or the whole bundle again.
                4 => m.push(byte),
                5 => {
                    let lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                    m.extend_from_slice(&lines[i % lines.len()]);
                    m.push(b'\n');
                }
                _ => m.extend_from_slice(bytes),
            }
        }
        let result = super::bundle::BundleReader::verify(&mut std::io::Cursor::new(&m), &|s| (s == sender).then_some(*key));
        prop_assert!(result.is_err() || m == *bytes, "an edited bundle verified");
    }
}

#[test]
fn plans_come_down_read_only_and_the_province_keeps_its_other_records() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _) = world(dir.path());
    let plan = p
        .store
        .create(Kind::Plan, &json!({"title": "Kế hoạch tuyên truyền quý IV của Tỉnh đoàn", "start_on": "2026-10-01",
                                    "targets": [{"indicator": "TT-01", "value": 30}]}))
        .unwrap();
    p.store.create(Kind::Opinion, &json!({"topic": "Nội bộ", "content": "Không gửi xuống", "given_on": "2026-10-02"})).unwrap();
    let a_inst = a.store.identity().unwrap().installation;
    let down = p.store.export(&dir.path().join("down"), &ExportOptions { to: Some(a_inst.clone()), max_changes: 100 }, &mut |_| {}).unwrap();
    assert_eq!(down.files.len(), 1);
    let r = a.store.import_file(&down.files[0], false).unwrap();
    assert_eq!(r.status, ImportStatus::Applied);

    let plan_id = plan["id"].as_str().unwrap();
    let here = a.store.get(Kind::Plan, plan_id).unwrap();
    assert_eq!(here["title"], plan["title"]);
    let mut q = crate::ListQuery::new(Kind::Opinion);
    q.page_size = 1;
    assert_eq!(a.store.list(&q).unwrap().total, 0, "only plans, units, indicators and practices come down");
    assert_eq!(a.store.update(Kind::Plan, plan_id, &here).unwrap_err().code(), "not_owner");
    // The commune records its own work against the province's plan.
    a.store.create(Kind::Event, &json!({"title": "Buổi theo kế hoạch tỉnh", "start_at": "2026-10-05T08:00", "plan_id": plan_id})).unwrap();

    // The commune's receipt clears what waited for it at the province.
    let receipt = a.store.write_receipt(&dir.path().join("down"), &p.store.identity().unwrap().installation, &[]).unwrap();
    assert!(p.store.outbox().unwrap().iter().any(|w| w.peer == a_inst));
    p.store.import_file(&receipt, false).unwrap();
    assert!(!p.store.outbox().unwrap().iter().any(|w| w.peer == a_inst));
    assert!(a.store.check().unwrap().is_empty(), "{:?}", a.store.check().unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Changes to one record from three origins, applied in any order (updates possibly before the
    /// create), leave the same record; their wall clocks (recorded_at, shifted by years) decide nothing
    /// but the record's `updated_at`, which is their maximum whatever the order.
    #[test]
    fn merging_is_independent_of_order_and_of_wall_clocks(
        edits in proptest::collection::vec((0usize..3, 2i64..30, 0usize..4, -10i64..10), 1..12),
        seed in any::<u64>(),
    ) {
        let origins = ["o1", "o2", "o3"];
        let titles = ["Tuyên truyền", "Tọa đàm", "Diễn đàn", "Hội thi"];
        let mut all = vec![change("o1", 1, "u", "Gốc")];
        let id = all[0].record_id.clone();
        for (i, (o, lamport, t, years)) in edits.iter().enumerate() {
            let mut c = change(origins[*o], 2 + i as i64, "u", titles[*t]);
            c.record_id = id.clone();
            c.op = Op::Update;
            // An origin never gives two changes one Lamport time.
            c.lamport = lamport * 100 + i as i64;
            c.fields.remove("start_at");
            c.recorded_at = format!("{}-11-20T01:00:00.000Z", 2026 + years);
            all.push(c);
        }
        let mut shuffled = all.clone();
        let mut rng = crate::seed::Rng::new(seed);
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let apply_all = |changes: &[Change]| {
            let s = Store::open_in_memory().unwrap();
            for c in changes {
                crate::store::merge::apply(s.conn(), c).unwrap();
            }
            dump(&s)
        };
        prop_assert!(apply_all(&all) == apply_all(&shuffled));
    }
}

#[test]
fn the_hub_inbox_receipts_what_it_keeps_and_applies_it_as_an_import_would() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _b) = world(dir.path());
    // A sub-unit in the first bundle, events owned by it in the second: the second is accepted while
    // the first still waits in the inbox.
    let branch = a.store.create(Kind::Unit, &json!({"code": "CD-1", "name": "Chi đoàn thôn Đông", "level": "branch",
        "parent_id": a.store.identity().unwrap().unit_id})).unwrap();
    for i in 0..5 {
        let owner = branch["id"].as_str().unwrap();
        a.store.create_at(Kind::Event, &json!({"title": format!("Sinh hoạt chi đoàn {i}"), "start_at": "2026-11-20T08:00",
            "participants": {"members": 12}}), Some(owner), crate::store::WriteCtx::now()).unwrap();
    }
    let files = export(&mut a.store, &dir.path().join("out"), 3);
    assert!(files.len() >= 2);
    let bytes: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    for b in &bytes {
        let r = p.store.accept_bundle("net", b).unwrap();
        assert_eq!(r.status, ImportStatus::Applied, "{r:?}");
    }
    assert_eq!(p.store.inbox_size().unwrap().bundles, bytes.len() as i64);
    // The receipt already covers what the inbox keeps: A's outbox empties.
    let a_inst = a.store.identity().unwrap().installation;
    let receipt = serde_json::to_vec(&p.store.receipt_for(&a_inst).unwrap()).unwrap();
    a.store.import_bytes("receipt", &receipt, false).unwrap();
    assert!(a.store.outbox().unwrap().is_empty());
    // The same bundle again is "already", and nothing more is kept.
    assert_eq!(p.store.accept_bundle("net", &bytes[0]).unwrap().status, ImportStatus::AlreadyApplied);
    assert_eq!(p.store.inbox_size().unwrap().bundles, bytes.len() as i64);
    while p.store.apply_inbox_one().unwrap().is_some() {}
    assert_eq!(p.store.inbox_size().unwrap().bundles, 0);
    assert!(p.store.sync_events().unwrap().iter().all(|(what, _, _)| what != "inbox_refused"));
    let records = |s: &Store| String::from_utf8(dump(s)).unwrap().lines().filter(|l| l.contains("Sinh hoạt chi đoàn")).count();
    assert_eq!(records(&p.store), 5);
    assert!(p.store.check().unwrap().is_empty());
}

#[test]
fn anything_after_the_trailer_is_refused_and_nothing_changes() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _) = world(dir.path());
    log_events(&mut a.store, 3, "A");
    let file = export(&mut a.store, &dir.path().join("out"), 1000).remove(0);
    let bytes = std::fs::read(&file).unwrap();
    let before = dump(&p.store);
    let tails: [&[u8]; 6] = [b"\n{\"x\":1}\n", b"{\"x\":1}", b"\n", b" ", b"\0", &bytes];
    let bad = dir.path().join("tail.json");
    for tail in tails {
        let content = [&bytes[..], tail].concat();
        std::fs::write(&bad, &content).unwrap();
        let shown = String::from_utf8_lossy(&tail[..tail.len().min(12)]).into_owned();
        let r = refusal(p.store.import_file(&bad, false).unwrap_err());
        assert!(matches!(r, Refusal::TrailingData { .. }), "{shown:?} appended: {r:?}");
        assert!(dump(&p.store) == before, "{shown:?} appended changed the store");
        let r = refusal(p.store.accept_bundle("net", &content).unwrap_err());
        assert!(matches!(r, Refusal::TrailingData { .. }), "{shown:?} appended, over the network: {r:?}");
        assert_eq!(p.store.inbox_size().unwrap().bundles, 0);
    }
    assert_eq!(p.store.import_file(&file, false).unwrap().status, ImportStatus::Applied, "the bundle as written goes in");
}

/// The province's own work between the plans it sends down: events, opinions, inspections stay at the
/// province, so each commune receives the province's log with holes — declared, recorded, and whole.
fn province_work(p: &mut Store, round: usize) -> String {
    log_events(p, 2, &format!("tỉnh {round}"));
    p.create(Kind::Opinion, &json!({"topic": format!("Góp ý {round}"), "content": "Nội bộ tỉnh", "given_on": "2026-10-02"})).unwrap();
    let plan = p
        .create(Kind::Plan, &json!({"title": format!("Kế hoạch tuyên truyền đợt {round}"), "start_on": "2026-10-01"}))
        .unwrap();
    p.create(Kind::Inspection, &json!({"content": format!("Kiểm tra đợt {round}"), "held_on": "2026-10-03"})).unwrap();
    log_events(p, 1, &format!("tỉnh {round} sau"));
    plan["id"].as_str().unwrap().to_string()
}

pub(crate) fn export_to(s: &mut Store, to: &str, dir: &Path, max: usize) -> Vec<PathBuf> {
    s.export(dir, &ExportOptions { to: Some(to.to_string()), max_changes: max }, &mut |_| {}).unwrap().files
}

#[test]
fn plans_sent_down_between_other_records_leave_a_whole_log_below_and_a_real_gap_is_still_named() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _) = world(dir.path());
    // A branch with its own installation under the commune: the commune passes the plans on.
    let mut c = site(dir.path(), "Chi đoàn thôn Đông", "CD-DONG", "branch");
    c.store.enroll(&a.store.enrolment().unwrap()).unwrap();
    a.store.enroll(&c.store.enrolment().unwrap()).unwrap();
    let (a_inst, c_inst) = (a.store.identity().unwrap().installation, c.store.identity().unwrap().installation);
    let p_origin = p.store.identity().unwrap().installation;

    let first_plan = province_work(&mut p.store, 1);
    // Small bundles, so that ranges end on records that stay at the province.
    for f in export_to(&mut p.store, &a_inst, &dir.path().join("d1"), 3) {
        assert_eq!(a.store.import_file(&f, false).unwrap().status, ImportStatus::Applied);
    }
    assert!(a.store.get(Kind::Plan, &first_plan).is_ok());
    assert_eq!(a.store.check().unwrap(), Vec::<String>::new(), "the commune's log is whole");

    // More work, a second plan; the export overlaps the first (no receipt yet), then goes on after one.
    let second_plan = province_work(&mut p.store, 2);
    for f in export_to(&mut p.store, &a_inst, &dir.path().join("d2"), 4) {
        let r = a.store.import_file(&f, false).unwrap();
        assert!(matches!(r.status, ImportStatus::Applied | ImportStatus::AlreadyApplied), "{r:?}");
    }
    let receipt = a.store.write_receipt(&dir.path().join("r"), &p_origin, &[]).unwrap();
    p.store.import_file(&receipt, false).unwrap();
    let third_plan = province_work(&mut p.store, 3);
    for f in export_to(&mut p.store, &a_inst, &dir.path().join("d3"), 1000) {
        assert_eq!(a.store.import_file(&f, false).unwrap().status, ImportStatus::Applied, "later bundles apply in order");
    }
    for plan in [&second_plan, &third_plan] {
        assert!(a.store.get(Kind::Plan, plan).is_ok());
    }
    let mut q = crate::ListQuery::new(Kind::Event);
    q.page_size = 1;
    assert_eq!(a.store.list(&q).unwrap().total, 0, "the province's events stay at the province");
    assert_eq!(a.store.check().unwrap(), Vec::<String>::new());

    // The commune passes the plans down to its branch: the province's log with its holes, and the
    // commune's own.
    for f in export_to(&mut a.store, &c_inst, &dir.path().join("d4"), 5) {
        assert_eq!(c.store.import_file(&f, false).unwrap().status, ImportStatus::Applied);
    }
    assert!(c.store.get(Kind::Plan, &third_plan).is_ok());
    assert_eq!(c.store.check().unwrap(), Vec::<String>::new(), "the branch's log is whole");

    // A change lost from the log (a damaged disk, a bug) is still a gap, and named.
    let seq: i64 = a.store.conn().query_row(
        "SELECT seq FROM change_log WHERE origin = ?1 AND record_id = ?2", [&p_origin, &second_plan], |r| r.get(0)).unwrap();
    a.store.conn().execute("DELETE FROM change_log WHERE origin = ?1 AND seq = ?2", rusqlite::params![p_origin, seq]).unwrap();
    let problems = a.store.check().unwrap();
    assert!(problems.contains(&format!("change log of origin {p_origin} is missing seq {seq}")), "{problems:?}");
}

#[test]
fn a_range_that_does_not_account_for_every_number_is_refused() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _) = world(dir.path());
    let a_id = a.store.identity().unwrap();
    let p_id = p.store.identity().unwrap();
    let (a_key, p_key) = (a.store.signing_key().unwrap(), p.store.signing_key().unwrap());
    let f = dir.path().join("forged.json");
    let header = |direction, sender: &super::Identity, recipient: &str, range: Range| Header {
        bundle_id: crate::store::new_id(),
        direction,
        sender: sender.installation.clone(),
        sender_unit: sender.unit_id.clone(),
        sender_key: sender.public_key.clone(),
        recipient: recipient.into(),
        ranges: vec![range],
        scope: Vec::new(),
        sealed: None,
    };
    let plan = |seq: i64| plan_change(&p_id, seq);
    let before = dump(&a.store);
    // Down: seq 2 carried, 1 and 3 neither carried nor declared.
    forge(&f, &p_key, header(Direction::Down, &p_id, &a_id.installation, Range::new(p_id.installation.clone(), 1, 3)), &[plan(2)]);
    let r = refusal(a.store.import_file(&f, false).unwrap_err());
    assert_eq!(r, Refusal::Unaccounted { origin: p_id.installation.clone(), seq: 1 });
    // Down: 1 declared, 3 not.
    let mut range = Range::new(p_id.installation.clone(), 1, 3);
    range.omitted = vec![(1, 1)];
    forge(&f, &p_key, header(Direction::Down, &p_id, &a_id.installation, range.clone()), &[plan(2)]);
    assert_eq!(refusal(a.store.import_file(&f, false).unwrap_err()), Refusal::Unaccounted { origin: p_id.installation.clone(), seq: 3 });
    // Down: carried and declared left out at once.
    range.omitted = vec![(1, 2)];
    forge(&f, &p_key, header(Direction::Down, &p_id, &a_id.installation, range.clone()), &[plan(2)]);
    assert!(matches!(refusal(a.store.import_file(&f, false).unwrap_err()), Refusal::OutOfRange { .. }));
    // Down: omitted runs out of order or outside the range are malformed.
    range.omitted = vec![(3, 3), (1, 1)];
    forge(&f, &p_key, header(Direction::Down, &p_id, &a_id.installation, range.clone()), &[plan(2)]);
    assert!(matches!(refusal(a.store.import_file(&f, false).unwrap_err()), Refusal::Malformed { line: 1, .. }));
    assert!(dump(&a.store) == before);
    // Declared properly, it goes in, and the commune's log is whole.
    range.omitted = vec![(1, 1), (3, 3)];
    forge(&f, &p_key, header(Direction::Down, &p_id, &a_id.installation, range), &[plan(2)]);
    assert_eq!(a.store.import_file(&f, false).unwrap().status, ImportStatus::Applied);
    assert_eq!(a.store.check().unwrap(), Vec::<String>::new());

    // Up: every change travels; a hole, declared or not, is refused.
    let before = dump(&p.store);
    let up = |seq| change(&a_id.installation, seq, &a_id.unit_id, "Tuyên truyền");
    forge(&f, &a_key, header(Direction::Up, &a_id, &p_id.installation, Range::new(a_id.installation.clone(), 1, 2)), &[up(2)]);
    assert_eq!(refusal(p.store.import_file(&f, false).unwrap_err()), Refusal::Unaccounted { origin: a_id.installation.clone(), seq: 1 });
    let mut range = Range::new(a_id.installation.clone(), 1, 2);
    range.omitted = vec![(1, 1)];
    forge(&f, &a_key, header(Direction::Up, &a_id, &p_id.installation, range), &[up(2)]);
    assert_eq!(refusal(p.store.import_file(&f, false).unwrap_err()), Refusal::LeftOutUpward { origin: a_id.installation.clone() });
    assert!(dump(&p.store) == before);
}

#[test]
fn a_version_1_bundle_from_above_with_holes_is_read_as_version_1_meant_it() {
    let dir = TempDir::new().unwrap();
    let (p, mut a, _) = world(dir.path());
    let (a_id, p_id) = (a.store.identity().unwrap(), p.store.identity().unwrap());
    let plan = plan_change(&p_id, 2);
    let header = Header {
        bundle_id: crate::store::new_id(),
        direction: Direction::Down,
        sender: p_id.installation.clone(),
        sender_unit: p_id.unit_id.clone(),
        sender_key: p_id.public_key.clone(),
        recipient: a_id.installation.clone(),
        ranges: vec![Range::new(p_id.installation.clone(), 1, 4)],
        scope: Vec::new(),
        sealed: None,
    };
    let f = dir.path().join("v1.json");
    let mut w = BundleWriter::start_as(std::fs::File::create(&f).unwrap(), &header, 1).unwrap();
    w.change(&plan).unwrap();
    w.finish(&p.store.signing_key().unwrap()).unwrap();
    // Version 1 said "every change the recipient may see": seq 1, 3 and 4 were left out on purpose.
    assert_eq!(a.store.import_file(&f, false).unwrap().status, ImportStatus::Applied);
    assert_eq!(a.store.check().unwrap(), Vec::<String>::new());
    let absent: i64 = a.store.conn().query_row("SELECT sum(last_seq - first_seq + 1) FROM absent_changes", [], |r| r.get(0)).unwrap();
    assert_eq!(absent, 3);
}

/// A plan's create made by `by`, its body in canonical form (as a real installation writes it).
fn plan_change(by: &super::Identity, seq: i64) -> Change {
    struct AnyKnown;
    impl crate::model::Known for AnyKnown {
        fn unit_exists(&self, _: &str) -> crate::Result<bool> { Ok(true) }
        fn plan_exists(&self, _: &str) -> crate::Result<bool> { Ok(true) }
        fn event_exists(&self, _: &str) -> crate::Result<bool> { Ok(true) }
        fn indicator_exists(&self, _: &str) -> crate::Result<bool> { Ok(true) }
    }
    let body = crate::model::prepare(Kind::Plan, &json!({"title": "Kế hoạch", "start_on": "2026-10-01"}), &AnyKnown).unwrap().body;
    let mut c = change(&by.installation, seq, &by.unit_id, "Kế hoạch");
    c.entity = Kind::Plan;
    c.fields = body.as_object().unwrap().clone();
    c
}

/// A bundle made by hand as `forge` does, its changes sealed to `to` (which need not be its recipient's).
fn forge_sealed(path: &Path, key: &ed25519_dalek::SigningKey, header: Header, changes: &[Change], to: &ed25519_dalek::VerifyingKey) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = BundleWriter::start(f, &header, to).unwrap();
    for c in changes {
        w.change(c).unwrap();
    }
    w.finish(key).unwrap();
}

#[test]
fn a_bundle_on_the_stick_shows_its_header_but_no_name_or_phone_and_opens_only_for_its_addressee() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, mut b) = world(dir.path());
    let name = "Nguyễn Thị Hương";
    let phone = "0912345678";
    a.store.create(Kind::Event, &json!({"title": format!("Nói chuyện của {name}, ĐT {phone}"), "start_at": "2026-11-20T08:00"})).unwrap();
    let stick = dir.path().join("stick");
    let files = export(&mut a.store, &stick, 10_000);
    let file = &files[0];
    let text = std::fs::read_to_string(file).unwrap();
    use unicode_normalization::UnicodeNormalization;
    for word in [name.nfc().collect::<String>(), name.nfd().collect::<String>(), phone.to_string(), "Nói chuyện".into()] {
        assert!(!text.contains(&word), "{word} is in the bundle's bytes");
    }
    // The header is there for a person to read: who sent it, to whom, which numbers.
    let header = super::bundle::peek_header(file).unwrap();
    let a_id = a.store.identity().unwrap();
    assert_eq!(header.sender, a_id.installation);
    assert_eq!(header.recipient, p.store.identity().unwrap().installation);
    assert!(header.sealed.is_some());
    assert!(text.starts_with("{\"format\":\"sotay-bundle\",\"version\":3,"));
    // Its addressee previews and takes it.
    let preview = p.store.import_file(file, true).unwrap();
    assert!(preview.new_changes >= 1, "{preview:?}");
    assert_eq!(p.store.import_file(file, false).unwrap().status, ImportStatus::Applied);

    // Sealed to another installation's key while addressed to P and signed by A: P cannot open it, and
    // nothing is kept.
    let before = dump(&p.store);
    let p_inst = p.store.identity().unwrap().installation;
    let mut h = header.clone();
    h.bundle_id = crate::store::new_id();
    h.sealed = None;
    let head = a.store.head(&a_id.installation).unwrap();
    h.ranges = vec![Range::new(a_id.installation.clone(), head + 1, head + 1)];
    let b_key = b.store.signing_key().unwrap().verifying_key();
    let f = dir.path().join("to-b.json");
    forge_sealed(&f, &a.store.signing_key().unwrap(), Header { recipient: p_inst.clone(), ..h.clone() }, &[change(&a_id.installation, head + 1, &a_id.unit_id, "Gửi nhầm khóa")], &b_key);
    let r = refusal(p.store.import_file(&f, false).unwrap_err());
    assert_eq!(r, Refusal::NotSealedToUs);
    assert!(r_text(&r).contains("mã hóa cho một máy khác"), "{}", r_text(&r));
    assert!(dump(&p.store) == before);
    // B, whose key it is sealed to, does not take a bundle signed by a stranger and addressed to P.
    let r = refusal(b.store.import_file(&f, false).unwrap_err());
    assert!(matches!(r, Refusal::NotForThisInstallation | Refusal::UnknownKey { .. }), "{r:?}");
}

fn r_text(r: &Refusal) -> String {
    crate::i18n::refusal_text(r, crate::Lang::Vi)
}

#[test]
fn the_enrolment_file_carries_the_encryption_key_and_one_that_is_not_the_keys_own_is_refused() {
    let dir = TempDir::new().unwrap();
    let (p, _, _) = world(dir.path());
    let e = p.store.enrolment().unwrap();
    let key = p.store.signing_key().unwrap();
    assert_eq!(e.encryption_key.as_deref(), Some(super::keys::b64(&crate::vault::sealed::encryption_key(&key.verifying_key())).as_str()));
    let write = |e: &super::Enrolment, name: &str| {
        let f = dir.path().join(name);
        std::fs::write(&f, serde_json::to_string(e).unwrap()).unwrap();
        f
    };
    assert!(Store::read_enrolment(&write(&e, "good.json")).is_ok());
    // Another key put in and signed again by the same installation: not its own, refused.
    let mut wrong = e.clone();
    wrong.encryption_key = Some(super::keys::b64(&[9u8; 32]));
    wrong.signature = super::keys::sign(&key, &super::signed_part(&wrong));
    let r = refusal(Store::read_enrolment(&write(&wrong, "wrong.json")).unwrap_err());
    assert!(matches!(r, Refusal::Malformed { .. }), "{r:?}");
    // A version-1 file, from before the field, is still read.
    let mut v1 = e.clone();
    v1.version = 1;
    v1.encryption_key = None;
    v1.signature = super::keys::sign(&key, &super::signed_part(&v1));
    assert!(Store::read_enrolment(&write(&v1, "v1.json")).is_ok());
}

/// The structure is decided from above (issue 15): the province records that commune A was merged into
/// commune B; A's own installation learns it from the province's next bundle and cannot undo it; the
/// province cannot touch A's own settings, and A's own later edits still go up and merge with it.
#[test]
fn the_province_decides_a_communes_structure_and_the_commune_learns_it_from_above() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, mut b) = world(dir.path());
    let a_unit = a.store.identity().unwrap().unit_id;
    let b_unit = b.store.identity().unwrap().unit_id;
    log_events(&mut a.store, 3, "xã A");
    // B's unit reaches the province with B's first bundle, and from there every commune.
    for f in export(&mut b.store, &dir.path().join("up-b"), 100) {
        p.store.import_file(&f, false).unwrap();
    }
    for f in export(&mut a.store, &dir.path().join("up"), 100) {
        p.store.import_file(&f, false).unwrap();
    }

    let mut merged = p.store.get(Kind::Unit, &a_unit).unwrap();
    merged["valid_to"] = json!("2025-06-30");
    merged["successor_id"] = json!(b_unit);
    merged["change"] = json!("merged");
    p.store.update(Kind::Unit, &a_unit, &merged).unwrap();
    let mut placed = p.store.get(Kind::Unit, &a_unit).unwrap();
    placed["place"] = json!("Thôn Đông");
    assert_eq!(p.store.update(Kind::Unit, &a_unit, &placed).unwrap_err().code(), "not_owner", "a unit's own settings stay its own");
    let event_id = a.store.list(&crate::ListQuery::new(Kind::Event)).unwrap().rows[0]["id"].as_str().unwrap().to_string();
    let mut event = p.store.get(Kind::Event, &event_id).unwrap();
    event["title"] = json!("Sửa từ tỉnh");
    assert_eq!(p.store.update(Kind::Event, &event_id, &event).unwrap_err().code(), "not_owner", "only a unit's structure is the province's");

    // Down to A, with the plans: A's installation now knows it was merged, from when, into which unit.
    let a_inst = a.store.identity().unwrap().installation;
    for f in export_to(&mut p.store, &a_inst, &dir.path().join("down"), 100) {
        assert_eq!(a.store.import_file(&f, false).unwrap().status, ImportStatus::Applied);
    }
    let here = a.store.get(Kind::Unit, &a_unit).unwrap();
    assert_eq!(
        (here["valid_to"].as_str(), here["successor_id"].as_str(), here["change"].as_str()),
        (Some("2025-06-30"), Some(b_unit.as_str()), Some("merged"))
    );
    // Its work after the merge is the successor's; before it, still its own.
    let after = a.store.create(Kind::Event, &json!({"title": "Sinh hoạt sau sáp nhập", "start_at": "2025-07-05T08:00"})).unwrap_err();
    assert_eq!(after.code(), "unit_ended", "{after:?}");
    assert!(after.message(crate::Lang::Vi).contains("sau ngày 30/06/2025"), "{}", after.message(crate::Lang::Vi));
    a.store.create(Kind::Event, &json!({"title": "Sinh hoạt cuối tháng 6", "start_at": "2025-06-28T08:00"})).unwrap();
    // A cannot undo it, nor rename itself; it keeps its own settings.
    let mut undo = here.clone();
    for field in ["valid_to", "successor_id", "change"] {
        undo[field] = serde_json::Value::Null;
    }
    assert_eq!(a.store.update(Kind::Unit, &a_unit, &undo).unwrap_err().code(), "structure_from_above");
    let mut renamed = here.clone();
    renamed["name"] = json!("Đoàn xã Đông Hưng mới");
    let e = a.store.update(Kind::Unit, &a_unit, &renamed).unwrap_err();
    assert_eq!(e.code(), "structure_from_above", "{e:?}");
    let mut own = here.clone();
    own["place"] = json!("Đông Hưng");
    a.store.update(Kind::Unit, &a_unit, &own).unwrap();

    // A's own edit goes up and merges field by field with what the province decided.
    for f in export(&mut a.store, &dir.path().join("up2"), 100) {
        p.store.import_file(&f, false).unwrap();
    }
    let at_p = p.store.get(Kind::Unit, &a_unit).unwrap();
    assert_eq!((at_p["place"].as_str(), at_p["change"].as_str()), (Some("Đông Hưng"), Some("merged")));
    assert!(p.store.check().unwrap().is_empty(), "{:?}", p.store.check().unwrap());
    assert!(a.store.check().unwrap().is_empty(), "{:?}", a.store.check().unwrap());
}

#[test]
fn a_schools_union_moved_to_the_school_bloc_learns_it_through_its_commune_and_reports_follow_both_ways() {
    let dir = TempDir::new().unwrap();
    let (mut p, mut a, _b) = world(dir.path());
    // The school's Union runs Sotay under commune A.
    let mut school = site(dir.path(), "Đoàn trường THPT Đông Hưng", "THPT-DH", "grassroots");
    enroll_below(&mut a.store, &mut school.store);
    let school_unit = school.store.identity().unwrap().unit_id;
    let a_unit = a.store.identity().unwrap().unit_id;
    school.store.create(Kind::Event, &json!({"title": "Tuyên truyền an toàn giao thông", "start_at": "2025-03-03T08:00",
        "status": "done", "participants": {"members": 44}})).unwrap();
    for f in export(&mut school.store, &dir.path().join("s-up"), 100) {
        a.store.import_file(&f, false).unwrap();
    }
    for f in export(&mut a.store, &dir.path().join("a-up"), 100) {
        p.store.import_file(&f, false).unwrap();
    }
    // The province moves it to its school bloc from 01/09/2025 (the wizard's decision).
    let bloc = p.store.create(Kind::Unit, &json!({"code": "KTH", "name": "Khối trường học", "level": "bloc", "parent_id": p.store.identity().unwrap().unit_id})).unwrap();
    let bloc = bloc["id"].as_str().unwrap().to_string();
    p.store
        .restructure(&crate::restructure::Restructure {
            change: crate::model::UnitChange::Moved,
            units: vec![school_unit.clone()],
            into: Some(bloc.clone()),
            new_unit: None,
            others: Vec::new(),
            new_name: None,
            date: "2025-09-01".into(),
        })
        .unwrap();
    // Down to the commune, and from the commune down to the school.
    let a_inst = a.store.identity().unwrap().installation;
    for f in export_to(&mut p.store, &a_inst, &dir.path().join("p-down"), 100) {
        a.store.import_file(&f, false).unwrap();
    }
    let s_inst = school.store.identity().unwrap().installation;
    for f in export_to(&mut a.store, &s_inst, &dir.path().join("a-down"), 100) {
        school.store.import_file(&f, false).unwrap();
    }
    let here = school.store.get(Kind::Unit, &school_unit).unwrap();
    assert_eq!((here["parent_id"].as_str(), here["change"].as_str()), (Some(bloc.as_str()), Some("moved")), "{here}");
    assert_eq!(here["former_parents"], json!([{"parent_id": a_unit, "until": "2025-08-31"}]));
    assert_eq!(school.store.get(Kind::Unit, &bloc).unwrap()["name"], "Khối trường học", "the new parent came down too");
    // The school cannot move itself back.
    let mut back = here.clone();
    back["parent_id"] = json!(a_unit);
    assert_eq!(school.store.update(Kind::Unit, &school_unit, &back).unwrap_err().code(), "structure_from_above");
    // At the province: March's session under the bloc today, under commune A as it was.
    let q1 = crate::period::Period::parse("2025Q1").unwrap();
    let row = |r: &crate::report::Report, id: &str| r.rows.iter().find(|x| x.id == id).map(|x| x.values["TT-02"]);
    let today = p.store.period_report_in(None, &q1, crate::report::Structure::Today).unwrap();
    let then = p.store.period_report_in(None, &q1, crate::report::Structure::AsItWas).unwrap();
    assert_eq!((row(&today, &bloc), row(&today, &a_unit)), (Some(44.0), Some(0.0)));
    assert_eq!((row(&then, &bloc), row(&then, &a_unit)), (Some(0.0), Some(44.0)));
    for s in [&p.store, &a.store, &school.store] {
        assert_eq!(s.check().unwrap(), Vec::<String>::new());
    }
}

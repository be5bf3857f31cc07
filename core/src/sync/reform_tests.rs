//! The 2025 reform at the real scale of one merged province: old Hưng Yên and Thái Bình — 2 provinces, 18
//! districts, 381 communes — into the new Hưng Yên with 104 communes, by the official mapping shipped in
//! core/data/admin (crate::official, from `vietnamadminunits` 1.0.4). Every old commune runs its own
//! installation and sends its 2024 and first-half 2025 work before the reform; the province records the
//! reform with the restructure of the merge wizard; each new commune logs the second half on its own
//! installation. Then: the 2025 report in today's structure has the 104 new communes as rows, each with
//! the sums computed here by hand from the mapping; the "as it was" report of 2024 has the old districts;
//! every store checks clean; every old installation refuses July's work and goes on as its successor.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::json;
use tempfile::TempDir;

use super::tests::{export, export_to, site, Site};
use crate::model::{Kind, UnitChange};
use crate::official::{self, AdminUnit};
use crate::period::Period;
use crate::report::{Report, Structure};
use crate::restructure::Restructure;
use crate::store::Store;

const OLD_HY: u32 = 33;
const OLD_TB: u32 = 34;
const NEW_HY: u32 = 33;

/// Members reached by an old commune's events, from its code: known here, so the sums can be computed by
/// hand. 2024: one session; 2025: two sessions in the first half, the second with fewer unique members.
fn old_work(code: u32) -> [(&'static str, i64, i64); 3] {
    let m = 10 + i64::from(code % 37);
    [("2024-10-10T08:00", m + 5, m + 5), ("2025-03-10T08:00", m, m - 2), ("2025-05-20T08:00", m + 3, m - 4)]
}

/// The second half's session of a new commune.
fn new_work(code: u32) -> (&'static str, i64, i64) {
    let m = 30 + i64::from(code % 23);
    ("2025-09-15T08:00", m, m)
}

/// "Xã Lạc Đạo" → "Đoàn xã Lạc Đạo".
fn union_name(official: &str) -> String {
    let mut words = official.splitn(2, ' ');
    let (kind, rest) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    format!("Đoàn {} {rest}", kind.to_lowercase())
}

fn log(s: &mut Store, at: &str, members: i64, unique: i64) {
    s.create(Kind::Event, &json!({"title": "Tuyên truyền pháp luật", "event_type": "propaganda_session", "start_at": at,
                                  "status": "done", "participants": {"members": members}, "unique_members_reached": unique}))
        .unwrap();
}

fn unit_id(s: &Store) -> String {
    s.identity().unwrap().unit_id
}

fn enrol_below(p: &mut Store, c: &mut Store) {
    c.enroll(&p.enrolment().unwrap()).unwrap();
    p.enroll(&c.enrolment().unwrap()).unwrap();
}

/// Sends everything `c` holds for the province, and the province's receipt back.
fn send_up(p: &mut Store, c: &mut Store, dir: &Path) {
    let sender = c.identity().unwrap().installation;
    for f in export(c, dir, 10_000) {
        p.import_file(&f, false).unwrap();
    }
    let receipt = p.write_receipt(dir, &sender, &[]).unwrap();
    c.import_file(&receipt, false).unwrap();
}

fn line(r: &Report, code: &str) -> f64 {
    r.indicators.iter().find(|l| l.code == code).and_then(|l| l.value).unwrap_or(0.0)
}

#[test]
fn the_2025_merger_of_hung_yen_and_thai_binh_adds_up_in_every_report_at_the_real_scale() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let districts: Vec<&AdminUnit> = official::old_districts().iter().filter(|x| x.parent == OLD_HY || x.parent == OLD_TB).collect();
    let olds: Vec<&AdminUnit> = official::old_communes().iter().filter(|c| districts.iter().any(|x| x.code == c.parent)).collect();
    let news: Vec<&AdminUnit> = official::communes().iter().filter(|c| c.parent == NEW_HY).collect();
    assert_eq!((districts.len(), olds.len(), news.len()), (18, 381, 104));
    let targets = |old: u32| -> Vec<(u32, bool)> {
        official::old_to_new().iter().filter(|m| m.old == old).map(|m| (m.new, m.carrier)).collect()
    };

    // The province (the old Hưng Yên's Union goes on as the new one), the old Thái Bình's Union and the
    // 18 district Unions, as the province holds them.
    let mut p = site(d, "Tỉnh đoàn Hưng Yên", "33", "province");
    let province = unit_id(&p.store);
    let tb = p.store.create(Kind::Unit, &json!({"code": "34", "name": "Tỉnh đoàn Thái Bình", "level": "province"})).unwrap()["id"]
        .as_str().unwrap().to_string();
    let mut district_id: HashMap<u32, String> = HashMap::new();
    for x in &districts {
        let parent = if x.parent == OLD_HY { &province } else { &tb };
        let made = p.store.create(Kind::Unit, &json!({"code": format!("H{:03}", x.code), "name": format!("Huyện đoàn {}", x.name),
                                                      "level": "district", "parent_id": parent})).unwrap();
        district_id.insert(x.code, made["id"].as_str().unwrap().to_string());
    }

    // Each old commune: its own installation, enrolled with the province (the level it reports to here),
    // hung under its district by the province, its 2024 and first-half 2025 work sent up.
    let mut old_sites: Vec<(u32, Site)> = Vec::new();
    for (i, c) in olds.iter().enumerate() {
        let mut s = site(d, &union_name(c.name), &format!("{:05}", c.code), "grassroots");
        enrol_below(&mut p.store, &mut s.store);
        let me = unit_id(&s.store);
        let mut unit = p.store.get(Kind::Unit, &me).unwrap();
        unit["parent_id"] = json!(district_id[&c.parent]);
        p.store.update(Kind::Unit, &me, &unit).unwrap();
        for (at, members, unique) in old_work(c.code) {
            log(&mut s.store, at, members, unique);
        }
        send_up(&mut p.store, &mut s.store, &d.join(format!("up-old-{i}")));
        old_sites.push((c.code, s));
    }
    // Each new commune: its own installation from the day of the reform.
    let mut new_sites: BTreeMap<u32, Site> = BTreeMap::new();
    for c in &news {
        let mut s = site(d, &union_name(c.name), &format!("N{:05}", c.code), "grassroots");
        let mut me = s.store.get(Kind::Unit, &unit_id(&s.store)).unwrap();
        me["valid_from"] = json!(official::EFFECTIVE);
        s.store.update(Kind::Unit, &unit_id(&s.store), &me).unwrap();
        enrol_below(&mut p.store, &mut s.store);
        new_sites.insert(c.code, s);
    }
    let new_unit: HashMap<u32, String> = new_sites.iter().map(|(code, s)| (*code, unit_id(&s.store))).collect();
    let old_unit: HashMap<u32, String> = old_sites.iter().map(|(code, s)| (*code, unit_id(&s.store))).collect();

    // The reform, recorded by the province: Thái Bình's Union merged into Hưng Yên's, every district
    // dissolved, every old commune merged into (or split between) the new ones, from 01/07/2025.
    let decide = |p: &mut Store, change: UnitChange, units: Vec<String>, into: Option<String>, others: Vec<String>| {
        p.restructure(&Restructure { change, units, into, new_unit: None, others, new_name: None, date: official::EFFECTIVE.into() }).unwrap();
    };
    decide(&mut p.store, UnitChange::Merged, vec![tb.clone()], Some(province.clone()), Vec::new());
    decide(&mut p.store, UnitChange::Dissolved, district_id.values().cloned().collect(), None, Vec::new());
    let mut merged_into: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for c in &olds {
        let t = targets(c.code);
        let carrier = t.iter().find(|(_, carrier)| *carrier).map(|(n, _)| *n).unwrap();
        if t.len() == 1 {
            merged_into.entry(carrier).or_default().push(old_unit[&c.code].clone());
        } else {
            let others = t.iter().filter(|(n, _)| *n != carrier).map(|(n, _)| new_unit[n].clone()).collect();
            decide(&mut p.store, UnitChange::Split, vec![old_unit[&c.code].clone()], Some(new_unit[&carrier].clone()), others);
        }
    }
    for (new, units) in merged_into {
        decide(&mut p.store, UnitChange::Merged, units, Some(new_unit[&new].clone()), Vec::new());
    }

    // The second half, logged by the new communes and sent up.
    for (i, (code, s)) in new_sites.iter_mut().enumerate() {
        let (at, members, unique) = new_work(*code);
        log(&mut s.store, at, members, unique);
        send_up(&mut p.store, &mut s.store, &d.join(format!("up-new-{i}")));
    }

    // By hand: each new commune's row gets its own session and every session of the old communes it
    // carries; unique reach is each unit's largest figure, added across units, never across sessions.
    let mut expected: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for c in &news {
        let (_, m, u) = new_work(c.code);
        expected.insert(new_unit[&c.code].clone(), (1, m, u));
    }
    for c in &olds {
        let carrier = targets(c.code).into_iter().find(|(_, carrier)| *carrier).unwrap().0;
        let e = expected.get_mut(&new_unit[&carrier]).unwrap();
        let w = old_work(c.code);
        e.0 += 2;
        e.1 += w[1].1 + w[2].1;
        e.2 += w[1].2.max(w[2].2);
    }
    let year = Period::parse("2025").unwrap();
    let r = p.store.period_report_in(None, &year, Structure::Today).unwrap();
    assert_eq!(r.rows.len(), 104, "{:?}", r.rows.iter().map(|x| &x.name).collect::<Vec<_>>());
    for row in &r.rows {
        let (events, members, unique) = expected[&row.id];
        assert_eq!((row.events, row.values["TT-02"] as i64, row.values["TT-03"] as i64), (events, members, unique), "{}", row.title());
    }
    let sum = |i: usize| expected.values().map(|e| [e.0, e.1, e.2][i]).sum::<i64>();
    assert_eq!((r.events, line(&r, "TT-02") as i64, line(&r, "TT-03") as i64), (sum(0), sum(1), sum(2)));
    assert_eq!(r.events, 381 * 2 + 104, "every old commune's sessions counted once");
    let naive_unique: i64 = olds.iter().map(|c| old_work(c.code)[1].2 + old_work(c.code)[2].2).sum::<i64>() + news.iter().map(|c| new_work(c.code).2).sum::<i64>();
    assert!(line(&r, "TT-03") < naive_unique as f64, "unique reach was summed across sessions");

    // As it was at the end of 2024: the old tree — Hưng Yên's 10 districts, and Thái Bình's 8 under it.
    let y2024 = Period::parse("2024").unwrap();
    let hy = p.store.period_report_in(None, &y2024, Structure::AsItWas).unwrap();
    let tb_report = p.store.period_report_in(Some(&tb), &y2024, Structure::AsItWas).unwrap();
    assert_eq!((hy.rows.len(), tb_report.rows.len()), (10, 8));
    for (report, province_code) in [(&hy, OLD_HY), (&tb_report, OLD_TB)] {
        for row in &report.rows {
            let x = districts.iter().find(|x| district_id[&x.code] == row.id).expect("a district row");
            assert_eq!(x.parent, province_code);
            let by_hand: i64 = olds.iter().filter(|c| c.parent == x.code).map(|c| old_work(c.code)[0].1).sum();
            assert_eq!(row.values["TT-02"] as i64, by_hand, "{}", row.name);
        }
    }
    // Today's structure of 2024: the same sessions under the new communes.
    let today_2024 = p.store.period_report_in(None, &y2024, Structure::Today).unwrap();
    assert_eq!((today_2024.events, hy.events + tb_report.events), (381, 381));

    // Every old installation learns the reform from the province's stick, refuses July's work, and
    // goes on as the commune that carries its history, its records still readable.
    for (i, (code, s)) in old_sites.iter_mut().enumerate() {
        let me = s.store.identity().unwrap().installation;
        for f in export_to(&mut p.store, &me, &d.join(format!("down-{i}")), 10_000) {
            s.store.import_file(&f, false).unwrap();
        }
        let refused = s.store.create(Kind::Event, &json!({"title": "Sinh hoạt tháng 7", "start_at": "2025-07-10T08:00"})).unwrap_err();
        assert_eq!(refused.code(), "unit_ended", "{refused:?}");
        let carrier = targets(*code).into_iter().find(|(_, carrier)| *carrier).unwrap().0;
        let successor = new_sites[&carrier].store.enrolment().unwrap();
        assert!(refused.message(crate::Lang::Vi).contains(successor.unit["name"].as_str().unwrap()), "{}", refused.message(crate::Lang::Vi));
        s.store.join_successor(&successor).unwrap();
        assert_eq!(unit_id(&s.store), new_unit[&carrier]);
        assert_eq!(s.store.list(&crate::ListQuery::new(Kind::Event)).unwrap().total, 3, "its history stays");
        assert_eq!(s.store.check().unwrap(), Vec::<String>::new(), "old commune {code}");
    }
    assert_eq!(p.store.check().unwrap(), Vec::<String>::new());
    for (code, s) in &new_sites {
        assert_eq!(s.store.check().unwrap(), Vec::<String>::new(), "new commune {code}");
    }
}

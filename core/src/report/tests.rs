//! The report against a case computed by hand: a district dissolved in the 2025 reform, two of its
//! communes merged into a new commune, a commune that stayed, and unique reach that must not be added
//! across events.

use serde_json::{json, Value};

use super::*;
use crate::model::Kind;
use crate::store::WriteCtx;

struct World {
    store: Store,
    province: String,
    c: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

fn world() -> World {
    let mut s = Store::open_in_memory().unwrap();
    let p = id(&s.init(&json!({"code": "P", "name": "Tỉnh đoàn P", "level": "province"})).unwrap());
    let unit = |s: &mut Store, body: Value| id(&s.create(Kind::Unit, &body).unwrap());
    let c = unit(&mut s, json!({"code": "C", "name": "Đoàn xã C", "level": "grassroots", "parent_id": p,
                                "valid_from": "2025-07-01", "member_count": 500}));
    let e = unit(&mut s, json!({"code": "E", "name": "Đoàn xã E", "level": "grassroots", "parent_id": p, "member_count": 300}));
    // Dissolved with no successor: its own records stay under its name.
    let d = unit(&mut s, json!({"code": "D", "name": "Huyện đoàn D", "level": "district", "parent_id": p,
                                "valid_to": "2025-06-30", "change": "dissolved"}));
    let a = unit(&mut s, json!({"code": "A", "name": "Đoàn xã A", "level": "grassroots", "parent_id": d, "member_count": 200,
                                "valid_to": "2025-06-30", "successor_id": c, "change": "merged"}));
    let b = unit(&mut s, json!({"code": "B", "name": "Đoàn xã B", "level": "grassroots", "parent_id": d, "member_count": 250,
                                "valid_to": "2025-06-30", "successor_id": c, "change": "merged"}));
    let ev = |s: &mut Store, owner: &str, at: &str, kind: &str, mode: &str, members: i64, unique: i64, status: &str| {
        let body = json!({"title": format!("{kind} {at}"), "event_type": kind, "start_at": at, "mode": mode, "status": status,
                          "participants": {"members": members, "non_members": 0}, "unique_members_reached": unique,
                          "opinions_collected": if kind == "forum" { 7 } else { 0 }});
        s.create_at(Kind::Event, &body, Some(owner), WriteCtx::now()).unwrap();
    };
    ev(&mut s, &a, "2025-03-10T08:00", "propaganda_session", "in_person", 40, 35, "done");
    ev(&mut s, &a, "2025-05-10T08:00", "propaganda_session", "in_person", 30, 25, "done");
    ev(&mut s, &b, "2025-04-01T08:00", "forum", "in_person", 20, 20, "done");
    ev(&mut s, &c, "2025-08-01T08:00", "propaganda_session", "in_person", 100, 90, "done");
    ev(&mut s, &c, "2025-09-01T08:00", "propaganda_session", "online", 50, 45, "done");
    ev(&mut s, &e, "2025-02-01T08:00", "propaganda_session", "hybrid", 60, 60, "done");
    ev(&mut s, &e, "2025-11-01T08:00", "propaganda_session", "in_person", 70, 70, "planned");
    ev(&mut s, &e, "2024-12-31T20:00", "propaganda_session", "in_person", 99, 99, "done");
    ev(&mut s, &d, "2025-01-15T08:00", "study_conference", "in_person", 80, 0, "done");
    ev(&mut s, &p, "2025-06-01T08:00", "propaganda_session", "in_person", 10, 0, "done");
    s.create(Kind::Plan, &json!({"title": "KH 2025", "start_on": "2025-01-01", "end_on": "2025-12-31",
                                 "targets": [{"indicator": "TT-01", "value": 8}, {"indicator": "TT-03", "value": 400}]}))
        .unwrap();
    World { store: s, province: p, c }
}

fn line<'a>(r: &'a Report, code: &str) -> &'a ReportLine {
    r.indicators.iter().find(|l| l.code == code).unwrap()
}

fn row<'a>(r: &'a Report, code: &str) -> &'a ReportRow {
    r.rows.iter().find(|x| x.code == code).unwrap_or_else(|| panic!("no row {code} in {:?}", r.rows.iter().map(|x| &x.code).collect::<Vec<_>>()))
}

#[test]
fn the_year_matches_the_case_computed_by_hand() {
    let w = world();
    let r = w.store.period_report(None, &Period::parse("2025").unwrap()).unwrap();

    // TT-01, in-person or hybrid sessions done: A 2, C 1 (the online one is not), E 1, the province 1.
    assert_eq!(line(&r, "TT-01").value, Some(5.0));
    assert_eq!(line(&r, "TT-01").target, Some(8.0));
    assert_eq!(line(&r, "TT-01").percent_of_target, Some(62.5));
    // TT-02, member attendances: 40 + 30 + 20 + 100 + 50 + 60 + 80 + 10 (the planned and the 2024 ones not).
    assert_eq!(line(&r, "TT-02").value, Some(390.0));
    // TT-03, unique reach: each unit's largest figure (A 35, B 20, C 90, E 60), added across units —
    // not the 275 that adding every event would give.
    let reach = line(&r, "TT-03");
    assert_eq!(reach.value, Some(205.0));
    // Members at the end of 2025: C 500 + E 300 (A, B and D are gone); 205 / 800 = 25.6 %.
    assert_eq!((reach.members, reach.percent_of_members), (Some(800), Some(25.6)));
    assert_eq!(reach.percent_of_target, Some(51.3));
    assert_eq!(line(&r, "GY-01").value, Some(1.0));
    assert_eq!(line(&r, "GY-02").value, Some(7.0));
    assert_eq!(line(&r, "TT-04").value, Some(1.0));
    assert_eq!(line(&r, "GS-03").value, None, "written in by hand");
    assert_eq!((r.events, r.participants), (8, 390));

    // Rows: A and B roll up under C, their successor; D keeps its own records; the province's own row.
    let names: Vec<&str> = r.rows.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(names, ["P", "C", "E", "D"]);
    let c = row(&r, "C");
    assert_eq!(c.merged, ["Đoàn xã A", "Đoàn xã B"]);
    assert_eq!((c.values["TT-01"], c.values["TT-02"], c.values["TT-03"]), (3.0, 240.0, 145.0));
    assert_eq!(c.members, Some(500));
    assert_eq!(row(&r, "D").values["TT-02"], 80.0);
    assert_eq!(row(&r, "E").values["TT-03"], 60.0);
    // The rows add up to the totals for every counted indicator.
    for l in r.indicators.iter().filter(|l| l.value.is_some()) {
        let sum: f64 = r.rows.iter().map(|x| x.values.get(&l.code).copied().unwrap_or(0.0)).sum();
        assert_eq!(Some(sum), l.value, "{}", l.code);
    }
}

#[test]
fn a_quarter_before_the_merge_counts_the_old_units_members() {
    let w = world();
    let r = w.store.period_report(None, &Period::parse("2025Q1").unwrap()).unwrap();
    let reach = line(&r, "TT-03");
    // A 35 (its March session) + E 60; members on 31/03/2025: D's communes A 200 + B 250, and E 300.
    assert_eq!((reach.value, reach.members, reach.percent_of_members), (Some(95.0), Some(750), Some(12.7)));
    assert_eq!(row(&r, "C").values["TT-02"], 40.0, "A's session is counted under its successor");
    // C was formed on 01/07/2025: on 31/03 its members are those of A and B, not its own 500.
    assert_eq!(row(&r, "C").members, Some(450));
}

#[test]
fn a_unit_merged_into_one_outside_the_report_counts_there_not_here() {
    let w = world();
    let d = w.store.unit_id_by_code("D").unwrap();
    let year = Period::parse("2025").unwrap();
    // A and B were D's communes; they now are C, under the province. D's own report has D's own
    // conference only, as D's row in the province's report does — not A's and B's sessions as well.
    let r = w.store.period_report(Some(&d), &year).unwrap();
    assert_eq!(line(&r, "TT-02").value, Some(80.0));
    assert_eq!(r.events, 1);
    let province = w.store.period_report(None, &year).unwrap();
    assert_eq!(row(&province, "D").values["TT-02"], 80.0);
}

#[test]
fn the_successor_alone_takes_over_its_predecessors() {
    let w = world();
    let r = w.store.period_report(Some(&w.c), &Period::parse("2025").unwrap()).unwrap();
    assert_eq!(line(&r, "TT-02").value, Some(240.0));
    assert_eq!(line(&r, "TT-03").value, Some(145.0));
    assert_eq!(line(&r, "TT-03").percent_of_members, Some(29.0));
}

#[test]
fn a_period_with_no_data_gives_zeros_and_rows_of_the_units_that_existed() {
    let w = world();
    let r = w.store.period_report(Some(&w.province), &Period::parse("2026Q1").unwrap()).unwrap();
    assert_eq!(line(&r, "TT-02").value, Some(0.0));
    assert_eq!(line(&r, "TT-01").percent_of_target, None, "no plan for 2026");
    let names: Vec<&str> = r.rows.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(names, ["C", "E"]);
}

#[test]
fn the_monthly_series_adds_up_to_the_year() {
    let w = world();
    let months = w.store.monthly_series(None, 2025).unwrap();
    assert_eq!(months.len(), 12);
    let sum: f64 = months.iter().map(|m| m.values["TT-02"]).sum();
    assert_eq!(sum, 390.0);
    assert_eq!(months[2].values["TT-02"], 40.0, "March: A's first session");
}

#[test]
fn a_quarter_closed_mid_month_is_measured_against_the_plan_in_force_at_its_end() {
    let mut w = world();
    w.store
        .create(Kind::Plan, &json!({"title": "KH 2024", "start_on": "2024-01-01", "end_on": "2024-12-31",
                                    "targets": [{"indicator": "TT-01", "value": 6}]}))
        .unwrap();
    // 15/12/2024 – 14/03/2025 overlaps both years' plans: this year's target, not the two added.
    let q1 = Period::parse("2025Q1").unwrap().with_cut_off(14).unwrap();
    assert_eq!(line(&w.store.period_report(None, &q1).unwrap(), "TT-01").target, Some(8.0));
    let q4 = Period::parse("2024Q4").unwrap().with_cut_off(14).unwrap();
    assert_eq!(line(&w.store.period_report(None, &q4).unwrap(), "TT-01").target, Some(6.0));
}

#[test]
fn an_event_no_indicator_counts_keeps_its_units_row() {
    let mut w = world();
    let p = w.province.clone();
    w.store
        .create_at(Kind::Event, &json!({"title": "Việc khác", "event_type": "other", "start_at": "2026-02-01T08:00", "status": "done"}),
                   Some(&p), WriteCtx::now())
        .unwrap();
    let r = w.store.period_report(Some(&p), &Period::parse("2026Q1").unwrap()).unwrap();
    assert_eq!(r.events, 1);
    let own = r.rows.iter().find(|x| x.own).expect("the province's own row, with its event");
    assert_eq!(own.events, 1);
}

#[test]
fn a_name_that_looks_like_a_formula_is_text_in_the_csv() {
    let mut w = world();
    let p = w.province.clone();
    w.store
        .create(Kind::Unit, &json!({"code": "X", "name": "=HYPERLINK(\"http://x\",\"x\")", "level": "grassroots", "parent_id": p}))
        .unwrap();
    let r = w.store.period_report(Some(&p), &Period::parse("2026Q1").unwrap()).unwrap();
    let csv = String::from_utf8(export::to_csv(&r).unwrap()).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains(r#""'=HYPERLINK(""http://x"",""x"")""#), "{header}");
}

fn codes(r: &Report) -> Vec<&str> {
    r.rows.iter().map(|x| x.code.as_str()).collect()
}

#[test]
fn as_it_was_the_first_quarter_shows_the_district_before_the_merger() {
    let w = world();
    let q1 = Period::parse("2025Q1").unwrap();
    let today = w.store.period_report_in(Some(&w.province), &q1, Structure::Today).unwrap();
    let then = w.store.period_report_in(Some(&w.province), &q1, Structure::AsItWas).unwrap();
    // Today: A's March session under C, its successor; D's own conference under D; E's under E.
    assert_eq!(codes(&today), ["C", "E", "D"], "communes then the district, in Vietnamese order of names");
    assert_eq!(row(&today, "C").values["TT-02"], 40.0);
    // As it was on 31/03/2025: C did not exist; A hung under the district D, so D has 40 + 80.
    assert_eq!(codes(&then), ["E", "D"]);
    assert_eq!(row(&then, "D").values["TT-02"], 120.0);
    assert!(row(&then, "D").merged.is_empty(), "nothing was merged into D");
    // The totals are the same either way: only the rows differ.
    assert_eq!(line(&today, "TT-02").value, line(&then, "TT-02").value);
    assert_eq!((today.structure, then.structure), (Structure::Today, Structure::AsItWas));
}

#[test]
fn a_split_communes_history_goes_to_the_successor_named_to_carry_it_and_as_it_was_stays_its_own() {
    let mut w = world();
    let p = w.province.clone();
    let unit = |s: &mut Store, body: Value| id(&s.create(Kind::Unit, &body).unwrap());
    let t = unit(&mut w.store, json!({"code": "T", "name": "Đoàn xã T", "level": "grassroots", "parent_id": p, "valid_from": "2025-07-01"}));
    let u = unit(&mut w.store, json!({"code": "U", "name": "Đoàn xã U", "level": "grassroots", "parent_id": p, "valid_from": "2025-07-01"}));
    let split = unit(&mut w.store, json!({"code": "S", "name": "Đoàn xã S", "level": "grassroots", "parent_id": p}));
    w.store
        .create_at(Kind::Event, &json!({"title": "Tuyên truyền", "event_type": "propaganda_session", "start_at": "2025-05-05T08:00",
                                        "status": "done", "participants": {"members": 33, "non_members": 0}}), Some(&split), WriteCtx::now())
        .unwrap();
    w.store
        .update(Kind::Unit, &split, &json!({"code": "S", "name": "Đoàn xã S", "level": "grassroots", "parent_id": p,
                                             "valid_to": "2025-06-30", "change": "split", "successor_id": t, "split_into": [u]}))
        .unwrap();
    let year = Period::parse("2025").unwrap();
    let today = w.store.period_report_in(Some(&p), &year, Structure::Today).unwrap();
    assert_eq!(row(&today, "T").values["TT-02"], 33.0, "T carries S's history");
    assert_eq!(row(&today, "T").merged, ["Đoàn xã S"]);
    assert_eq!(row(&today, "U").values["TT-02"], 0.0, "U takes a part of S's area, not its records");
    assert!(!codes(&today).contains(&"S"));
    let h1 = Period::parse("2025S1").unwrap();
    let then = w.store.period_report_in(Some(&p), &h1, Structure::AsItWas).unwrap();
    assert_eq!(row(&then, "S").values["TT-02"], 33.0, "on 30/06/2025 S still stood");
    assert!(!codes(&then).contains(&"T") && !codes(&then).contains(&"U"), "{:?}", codes(&then));
    // A split names the successor that carries the records.
    let err = w
        .store
        .update(Kind::Unit, &split, &json!({"code": "S", "name": "Đoàn xã S", "level": "grassroots", "parent_id": p,
                                             "valid_to": "2025-06-30", "change": "split", "split_into": [u]}))
        .unwrap_err();
    assert_eq!(err.field(), Some("successor_id"));
}

#[test]
fn a_schools_union_moved_to_the_school_bloc_counts_there_today_and_under_its_commune_as_it_was() {
    let mut w = world();
    let p = w.province.clone();
    let e = w.store.unit_id_by_code("E").unwrap();
    let unit = |s: &mut Store, body: Value| id(&s.create(Kind::Unit, &body).unwrap());
    let bloc = unit(&mut w.store, json!({"code": "KTH", "name": "Khối trường học", "level": "bloc", "parent_id": p}));
    let school = unit(&mut w.store, json!({"code": "K", "name": "Đoàn trường THPT K", "level": "grassroots", "parent_id": e}));
    w.store
        .create_at(Kind::Event, &json!({"title": "Tuyên truyền", "event_type": "propaganda_session", "start_at": "2025-03-03T08:00",
                                        "status": "done", "participants": {"members": 44, "non_members": 0}}), Some(&school), WriteCtx::now())
        .unwrap();
    w.store
        .update(Kind::Unit, &school, &json!({"code": "K", "name": "Đoàn trường THPT K", "level": "grassroots", "parent_id": bloc,
                                              "change": "moved", "former_parents": [{"parent_id": e, "until": "2025-08-31"}]}))
        .unwrap();
    let q1 = Period::parse("2025Q1").unwrap();
    let today = w.store.period_report_in(Some(&p), &q1, Structure::Today).unwrap();
    assert_eq!(row(&today, "KTH").values["TT-02"], 44.0, "today the school is in the bloc");
    assert_eq!(row(&today, "E").values["TT-02"], 60.0, "E's own session only");
    let then = w.store.period_report_in(Some(&p), &q1, Structure::AsItWas).unwrap();
    assert_eq!(row(&then, "E").values["TT-02"], 104.0, "in March the school hung under E");
    assert_eq!(row(&then, "KTH").values["TT-02"], 0.0);
    // At the year's end it had moved: as it was on 31/12/2025 it is in the bloc.
    let year = w.store.period_report_in(Some(&p), &Period::parse("2025").unwrap(), Structure::AsItWas).unwrap();
    assert_eq!(row(&year, "KTH").values["TT-02"], 44.0);
    // Former parents are listed oldest first.
    let err = w
        .store
        .update(Kind::Unit, &school, &json!({"code": "K", "name": "Đoàn trường THPT K", "level": "grassroots", "parent_id": bloc,
                                              "former_parents": [{"parent_id": e, "until": "2025-08-31"}, {"parent_id": p, "until": "2020-01-01"}]}))
        .unwrap_err();
    assert_eq!(err.field(), Some("former_parents"));
}

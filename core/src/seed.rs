//! Demo data (a province, its communes, a former district merged in 2025, plans, a few hundred events,
//! practices, opinions, inspections, supervisions, cases) and synthetic volume for benchmarks.
//! Deterministic: the same seed gives the same records.

use serde_json::{json, Value};

use crate::error::Result;
use crate::model::Kind;
use crate::store::{Store, WriteCtx};

/// A small, well-known generator (SplitMix64): reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// The day the 2025 reform took effect: districts dissolved, communes merged.
const REFORM_DAY: &str = "2025-07-01";

const VILLAGES: [&str; 12] = [
    "thôn Đông", "thôn Đoài", "thôn Nam Hà", "thôn Bắc Sơn", "xóm Chùa", "thôn Thượng", "thôn Hạ", "thôn An Lạc",
    "thôn Phú Mỹ", "khu phố 3", "thôn Đồng Tâm", "thôn Hưng Đạo",
];
const SCHOOLS: [&str; 6] = [
    "Trường THPT Đông Hưng", "Trường THCS Tiền Hải", "Trường THPT Phố Hiến", "Trường THCS Lê Quý Đôn",
    "Trường THPT Nguyễn Du", "Trường THCS Kiến Xương",
];

/// (type, mode, title template); `{v}` is a village, `{s}` a school.
const EVENT_TEMPLATES: [(&str, &str, &str); 12] = [
    ("propaganda_session", "in_person", "Tuyên truyền Nghị quyết Đại hội Đảng bộ tỉnh tại {v}"),
    ("propaganda_session", "in_person", "Tuyên truyền phòng, chống ma túy tại {s}"),
    ("propaganda_session", "in_person", "Tuyên truyền an toàn giao thông cho đoàn viên {v}"),
    ("propaganda_session", "hybrid", "Sinh hoạt chuyên đề \"Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh\""),
    ("study_conference", "hybrid", "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng"),
    ("forum", "in_person", "Diễn đàn \"Thanh niên góp ý xây dựng Đảng, chính quyền\" tại {v}"),
    ("forum", "in_person", "Đối thoại giữa lãnh đạo xã với đoàn viên, thanh niên"),
    ("online_contest", "online", "Cuộc thi trực tuyến tìm hiểu Luật Thanh niên năm 2020"),
    ("rebuttal_campaign", "online", "Chiến dịch đăng tải tin, bài phản bác quan điểm sai trái trên mạng xã hội"),
    ("propaganda_session", "in_person", "Tọa đàm kỷ niệm ngày thành lập Đoàn TNCS Hồ Chí Minh 26/3 tại {s}"),
    ("commendation", "in_person", "Biểu dương đoàn viên, thanh niên tiêu biểu làm theo lời Bác"),
    ("propaganda_session", "in_person", "Tuyên truyền chuyển đổi số cho thanh niên {v}"),
];

const FAMILY: [&str; 10] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Đức", "Thị Thu", "Minh", "Thị Ngọc", "Quang", "Hữu"];
const GIVEN: [&str; 16] = [
    "An", "Ánh", "Bình", "Chi", "Dũng", "Đạt", "Giang", "Hà", "Hùng", "Hương", "Khánh", "Linh", "Nga", "Phúc", "Tuyết", "Yến",
];
const POSITIONS: [&str; 4] = ["Bí thư chi đoàn", "Phó Bí thư chi đoàn", "Ủy viên BCH", "Đoàn viên"];

/// People for an attendance sheet: names, positions and branches of the commune.
fn attendees(rng: &mut Rng, n: usize) -> Value {
    let people: Vec<Value> = (0..n)
        .map(|_| {
            let name = format!("{} {} {}", rng.pick(&FAMILY), rng.pick(&MIDDLE), rng.pick(&GIVEN));
            json!({"name": name, "position": rng.pick(&POSITIONS), "unit": format!("Chi đoàn {}", rng.pick(&VILLAGES)),
                   "phone": format!("09{:08}", rng.below(100_000_000))})
        })
        .collect();
    Value::Array(people)
}

fn title(rng: &mut Rng, template: &str) -> String {
    {
        let v = *rng.pick(&VILLAGES);
        let s = *rng.pick(&SCHOOLS);
        template.replace("{v}", v).replace("{s}", s)
    }
}

/// A random event of the template set in the given day range (days since 2023-01-01).
fn random_event(rng: &mut Rng, day_from: i64, day_span: i64, plan_id: Option<&str>) -> Value {
    let (event_type, mode, template) = *rng.pick(&EVENT_TEMPLATES);
    let base = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).expect("valid date");
    let day = base + chrono::Duration::days(day_from + rng.below(day_span as u64) as i64);
    let hour = [7, 8, 14, 19][rng.below(4) as usize];
    let members = 15 + rng.below(120) as i64;
    let non_members = rng.below(40) as i64;
    let female = (members + non_members) / 2 - rng.below(5) as i64;
    let mut e = json!({
        "title": title(rng, template),
        "event_type": event_type,
        "mode": mode,
        "start_at": format!("{}T{hour:02}:00", day),
        "end_at": format!("{}T{:02}:30", day, hour + 2),
        "place": if template.contains("{s}") { "Hội trường nhà trường" } else { "Nhà văn hóa thôn" },
        "organisers": "Ban Chấp hành Đoàn xã",
        "audience": "Đoàn viên, thanh niên",
        "participants": {"members": members, "non_members": non_members, "others": rng.below(6),
                          "male": members + non_members - female.max(0), "female": female.max(0)},
        "unique_members_reached": members - rng.below(10) as i64,
    });
    if let Some(p) = plan_id {
        e["plan_id"] = json!(p);
    }
    if mode != "in_person" {
        e["connection_points"] = json!(1 + rng.below(12));
        let views = 500 + rng.below(20_000);
        e["online_posts"] = json!([{"platform": "Facebook", "link": "https://www.facebook.com/doanthanhnien",
            "views": views, "reactions": views / 12, "comments": views / 60, "shares": views / 40,
            "measured_at": format!("{}T21:00", day)}]);
    }
    if event_type == "forum" {
        e["opinions_collected"] = json!(5 + rng.below(30));
    }
    e
}

pub struct DemoSummary {
    pub unit_id: String,
    pub events: usize,
}

/// Fills an empty database with a province's demo data; the installation is the province Union. The 2025
/// reform shows in it: a former district and two of its communes end on 30/06/2025 and merge into the
/// commune of Kiến Xương, which begins on 01/07/2025 (reports in today's structure count them there).
pub fn seed_demo(store: &mut Store) -> Result<DemoSummary> {
    let ctx = WriteCtx::now();
    let province = store.init(&json!({
        "code": "HY-TINH-DOAN", "name": "Tỉnh đoàn Hưng Yên", "level": "province",
        "upper_body": "BCH TRUNG ƯƠNG ĐOÀN", "place": "Hưng Yên", "member_count": 48000,
        "valid_from": "2025-07-01"
    }))?;
    let pid = province["id"].as_str().unwrap_or_default().to_string();
    let mut rng = Rng::new(856);

    // Communes that went through the 2025 reform as they were, and one formed by it: Kiến Xương, from two
    // communes of the former district of Kiến Xương (below), from 01/07/2025.
    let communes = [
        ("HY-XA-DONG-HUNG", "Đoàn xã Đông Hưng", "Đông Hưng", None),
        ("HY-XA-TIEN-HAI", "Đoàn xã Tiền Hải", "Tiền Hải", None),
        ("HY-PHUONG-PHO-HIEN", "Đoàn phường Phố Hiến", "Phố Hiến", None),
        ("HY-XA-KIEN-XUONG", "Đoàn xã Kiến Xương", "Kiến Xương", Some(REFORM_DAY)),
        ("HY-XA-VAN-GIANG", "Đoàn xã Văn Giang", "Văn Giang", None),
    ];
    let mut commune_ids = Vec::new();
    for (code, name, place, from) in communes {
        let u = store.create(Kind::Unit, &json!({"code": code, "name": name, "level": "grassroots", "parent_id": pid,
            "upper_body": "BCH TỈNH ĐOÀN HƯNG YÊN", "place": place, "member_count": 900 + rng.below(900),
            "valid_from": from}))?;
        commune_ids.push(u["id"].as_str().unwrap_or_default().to_string());
    }
    // Before the reform: the district Union of Kiến Xương (dissolved on 30/06/2025, as every district was)
    // with two communes under it, merged into the new commune of Kiến Xương. Their records stop on 30/06/2025;
    // reports of those years still show them, reports in today's structure count them in Kiến Xương.
    let district = store.create(Kind::Unit, &json!({"code": "TB-HUYEN-DOAN-KIEN-XUONG", "name": "Huyện đoàn Kiến Xương",
        "level": "district", "parent_id": pid, "upper_body": "BCH TỈNH ĐOÀN THÁI BÌNH", "place": "Kiến Xương",
        "valid_from": "1997-01-01", "valid_to": "2025-06-30", "successor_id": commune_ids[3], "change": "merged"}))?;
    let district_id = district["id"].as_str().unwrap_or_default().to_string();
    let mut former = vec![district_id.clone()];
    for (code, name, place) in [("TB-XA-VU-TAY", "Đoàn xã Vũ Tây", "Vũ Tây"), ("TB-XA-VU-LE", "Đoàn xã Vũ Lễ", "Vũ Lễ")] {
        let u = store.create(Kind::Unit, &json!({"code": code, "name": name, "level": "grassroots", "parent_id": district_id,
            "upper_body": "BCH HUYỆN ĐOÀN KIẾN XƯƠNG", "place": place, "member_count": 400 + rng.below(300),
            "valid_from": "1997-01-01", "valid_to": "2025-06-30", "successor_id": commune_ids[3], "change": "merged"}))?;
        former.push(u["id"].as_str().unwrap_or_default().to_string());
    }
    // Who may own a record of a day: the new commune only from the reform on, the former units only before.
    // Days from 01/01/2023 (random_event's day 0) to 01/07/2025.
    let reform_day = 365 + 366 + 181;
    let steady: Vec<String> = commune_ids.iter().enumerate().filter(|(i, _)| *i != 3).map(|(_, id)| id.clone()).collect();
    let owners_before: Vec<String> = steady.iter().cloned().chain(former).collect();

    let mut plans = Vec::new();
    for (year, number) in [(2023, "15-KH/TĐTN"), (2024, "21-KH/TĐTN"), (2025, "18-KH/TĐTN"), (2026, "09-KH/TĐTN")] {
        let p = store.create(Kind::Plan, &json!({
            "title": format!("Kế hoạch tuyên truyền về xây dựng Đảng và hệ thống chính trị năm {year}"),
            "number": number, "issued_on": format!("{year}-01-10"), "signer": "Nguyễn Văn Hùng",
            "bases": ["Công văn số 856-CV/TWĐTĐN-BTG ngày 05/5/2023 của Ban Bí thư Trung ương Đoàn",
                      "Kế hoạch số 114-KH/BTCTW của Ban Tuyên giáo Trung ương"],
            "purpose": "Nâng cao nhận thức của đoàn viên, thanh niên về công tác xây dựng Đảng, chính quyền.",
            "content": "Tuyên truyền trực tiếp tại cơ sở; tuyên truyền trên mạng xã hội; tổ chức diễn đàn lấy ý kiến góp ý.",
            "forms": "hybrid", "audience": "Đoàn viên, thanh niên trên địa bàn tỉnh",
            "start_on": format!("{year}-01-01"), "end_on": format!("{year}-12-31"),
            "targets": [{"indicator": "TT-01", "value": 60}, {"indicator": "TT-02", "value": 4000},
                        {"indicator": "GY-01", "value": 12}, {"indicator": "GY-02", "value": 150},
                        {"indicator": "TT-04", "value": 8}, {"indicator": "CĐS-01", "value": 4}],
            "reporting": {"what": "Báo cáo kết quả 6 tháng và cả năm", "to": "Ban Tuyên giáo Trung ương Đoàn", "due_on": format!("{year}-12-15")},
            "recipients": ["Ban Tuyên giáo Trung ương Đoàn (b/c)", "Các cơ sở Đoàn trực thuộc (t/h)"],
            "status": if year < 2026 { "closed" } else { "in_progress" }
        }))?;
        plans.push(p["id"].as_str().unwrap_or_default().to_string());
    }

    // Events: spread from January 2023 to November 2026, owned by the communes (as if synced up).
    let mut items = Vec::new();
    let total_days = 365 * 3 + 330;
    for i in 0..320 {
        let day_from = (i * total_days / 320) as i64;
        let year_index = ((day_from / 365) as usize).min(plans.len() - 1);
        let mut e = random_event(&mut rng, day_from, 3, Some(&plans[year_index]));
        if i % 17 == 0 {
            e["status"] = json!("planned");
        }
        // Every fifth meeting has its attendance list (the print centre's attendance sheet and invitation).
        if i % 5 == 0 && e["mode"] != "online" {
            let n = 8 + rng.below(30) as usize;
            e["attendees"] = attendees(&mut rng, n);
        }
        // An event falls on one of three days from day_from: wholly before the reform, wholly after, or
        // across it (then a commune that lived through it).
        let owners = if day_from + 3 <= reform_day { &owners_before } else if day_from >= reform_day { &commune_ids } else { &steady };
        let owner = rng.pick(owners).clone();
        items.push((Kind::Event, e, Some(owner)));
    }
    let event_ids = store.create_many(&items, ctx)?;

    let practices = [
        ("Mô hình \"Chi đoàn 4 tốt\" gắn với tuyên truyền xây dựng Đảng", "Tuyên truyền"),
        ("Cách làm \"Mỗi tuần một câu chuyện đẹp\" trên Zalo chi đoàn", "Chuyển đổi số"),
        ("Mô hình \"Thanh niên tự quản an ninh trật tự thôn\"", "An ninh trật tự"),
        ("Tổ công nghệ số cộng đồng do đoàn viên làm nòng cốt", "Chuyển đổi số"),
        ("Mô hình \"Cổng trường an toàn giao thông\"", "An toàn giao thông"),
        ("Câu lạc bộ lý luận trẻ cấp xã", "Giáo dục chính trị"),
        ("Mô hình \"Thắp sáng đường quê\"", "Xây dựng nông thôn mới"),
        ("Cách làm \"Đoàn viên góp ý, chính quyền trả lời\" hằng quý", "Góp ý xây dựng Đảng"),
    ];
    for (i, (name, field)) in practices.iter().enumerate() {
        let mut p = json!({"name": name, "field": field, "started_on": format!("202{}-0{}-15", 3 + i % 3, 1 + i % 9),
            "problem": "Đoàn viên ít tham gia sinh hoạt, thông tin đến thanh niên chậm.",
            "approach": "Phân công đoàn viên nòng cốt, tổ chức định kỳ, gắn với nhu cầu thực tế của thanh niên.",
            "results": format!("Thu hút {} lượt đoàn viên tham gia; {} ý kiến được tiếp thu.", 120 + i * 35, 4 + i),
            "contact": "Bí thư Đoàn xã"});
        if i % 2 == 0 {
            p["recognitions"] = json!([{"level": if i == 0 { "province" } else { "grassroots" }, "form": "commendation",
                "decision_number": format!("{}-QĐ/TĐTN", 100 + i), "decided_on": "2025-03-26"}]);
            p["replications"] = json!([{"unit_id": commune_ids[(i + 1) % commune_ids.len()], "adopted_on": "2025-09-01"}]);
        }
        store.create_at(Kind::Practice, &p, Some(&commune_ids[i % commune_ids.len()]), ctx)?;
    }

    let topics = ["Cải cách thủ tục hành chính", "Việc làm cho thanh niên nông thôn", "Dự thảo Báo cáo chính trị Đại hội Đảng bộ xã",
                  "Môi trường và rác thải", "Chuyển đổi số trong dịch vụ công"];
    let statuses = ["accepted", "explained", "in_progress", "not_accepted"];
    for i in 0..40 {
        let day = 10 + i % 18;
        let mut o = json!({"topic": topics[i % topics.len()], "content": "Đề nghị chính quyền xã công khai lịch tiếp dân và trả lời ý kiến của thanh niên đúng hạn.",
            "given_on": format!("202{}-{:02}-{day:02}", 3 + i % 4, 1 + i % 10), "addressee": if i % 3 == 0 { "government" } else { "party_committee" },
            "contributor": if i % 4 == 0 { Value::Null } else { json!(format!("Đoàn viên chi đoàn {}", VILLAGES[i % 12])) }});
        if i % 2 == 0 {
            o["forwarded_to"] = json!("Đảng ủy xã");
            o["forward_document"] = json!(format!("{}-CV/ĐTN", 10 + i));
        }
        if i % 4 == 0 {
            o["response"] = json!({"status": statuses[i / 4 % 4], "text": "Đã tiếp thu và chỉ đạo thực hiện.", "on": format!("202{}-12-20", 3 + i % 4)});
        }
        store.create_at(Kind::Opinion, &o, Some(&commune_ids[i % commune_ids.len()]), ctx)?;
    }

    for i in 0..5 {
        store.create(Kind::Inspection, &json!({"content": "Kiểm tra việc thực hiện Kế hoạch tuyên truyền về xây dựng Đảng",
            "held_on": format!("202{}-10-{:02}", 3 + i % 4, 5 + i), "decision_number": format!("{}-QĐ/TĐTN", 40 + i),
            "team": "Ban Tuyên giáo Tỉnh đoàn", "inspected_unit_ids": [commune_ids[i], commune_ids[(i + 2) % 5]],
            "period_from": format!("202{}-01-01", 3 + i % 4), "period_to": format!("202{}-09-30", 3 + i % 4),
            "findings": [{"item": "Xây dựng kế hoạch tuyên truyền", "met": true}, {"item": "Báo cáo định kỳ đúng hạn", "met": i % 2 == 0, "note": "Báo cáo quý chậm"}],
            "recommendations": "Hoàn thiện hồ sơ lưu trữ minh chứng hoạt động.", "deadline": format!("202{}-12-31", 3 + i % 4),
            "remediation": if i < 3 { "done" } else { "in_progress" }}))?;
    }
    for i in 0..6 {
        store.create(Kind::Supervision, &json!({"subject": if i % 2 == 0 { "Việc giải quyết ý kiến, kiến nghị của thanh niên" } else { "Dự thảo quy hoạch khu vui chơi cho thanh thiếu nhi" },
            "kind": if i % 2 == 0 { "supervision" } else { "social_criticism" }, "role": if i % 3 == 0 { "lead" } else { "partner" },
            "partners": "Ủy ban Mặt trận Tổ quốc", "period_from": format!("202{}-04-01", 3 + i % 4), "period_to": format!("202{}-05-30", 3 + i % 4),
            "findings": "Một số kiến nghị chưa được trả lời đúng hạn.", "recommendations_count": 3 + i, "recommendations_resolved": 2 + i}))?;
    }
    let platforms = ["Facebook", "TikTok", "YouTube", "Zalo"];
    for i in 0..10 {
        store.create(Kind::Case, &json!({"summary": "Bài viết xuyên tạc chủ trương sáp nhập đơn vị hành chính, kêu gọi không tham gia góp ý.",
            "platform": platforms[i % 4], "detected_at": format!("202{}-{:02}-{:02}T21:15", 3 + i % 4, 1 + i, 3 + i),
            "detected_by": "Đội hình thanh niên xung kích trên không gian mạng", "link": "https://www.facebook.com/post/0000",
            "category": "Xuyên tạc chủ trương", "reach_at_detection": 1200 + i * 300, "sensitive": i % 3 == 0,
            "actions": [{"kind": "reported_to_platform", "on": format!("202{}-{:02}-{:02}", 3 + i % 4, 1 + i, 4 + i)},
                        {"kind": "rebuttal_published", "on": format!("202{}-{:02}-{:02}", 3 + i % 4, 1 + i, 5 + i), "link": "https://thanhnien.vn/bai-phan-bac"}],
            "status": if i < 7 { "handled" } else { "open" }}))?;
    }
    Ok(DemoSummary { unit_id: pid, events: event_ids.len() })
}

/// Adds `n` synthetic events spread over 2020–2026 across the units below the installation's unit
/// (creating ten communes when there are none), in transactions of `batch` events.
/// The shape of synthetic data: how many communes to make when the unit has none under it, and whether
/// every event falls in one year (the province-year report benchmark) or over seven (2020–2026).
#[derive(Debug, Clone, Copy)]
pub struct Synthetic {
    pub units: usize,
    pub year: Option<i32>,
    /// Plans of the installation's unit and recognised practices of its communes, this many of each
    /// (the national benchmark's 40,000 plans and practices).
    pub plans: usize,
}

impl Default for Synthetic {
    fn default() -> Self {
        Synthetic { units: 10, year: None, plans: 0 }
    }
}

pub fn seed_events(store: &mut Store, n: usize, batch: usize, shape: Synthetic, progress: &mut dyn FnMut(usize)) -> Result<()> {
    let inst = store.require_installation()?;
    // Day offsets from 01/01/2023, as random_event counts them; a year is checked before anything is written.
    let (first_day, span) = match shape.year {
        Some(y) if (1900..=2200).contains(&y) => {
            let day = |y: i32| chrono::NaiveDate::from_ymd_opt(y, 1, 1).map(|d| (d - chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or(d)).num_days());
            match (day(y), day(y + 1)) {
                (Some(a), Some(b)) => (a, b - a),
                _ => return Err(crate::Error::invalid("year", crate::Problem::BadValue(y.to_string()))),
            }
        }
        Some(y) => return Err(crate::Error::invalid("year", crate::Problem::BadValue(y.to_string()))),
        None => (-365 * 3, 365 * 7),
    };
    let mut units = store.subtree(&inst.unit_id)?;
    if units.len() < 2 {
        for i in 0..shape.units.max(1) {
            let u = store.create(Kind::Unit, &json!({"code": format!("SYN-XA-{i:03}"), "name": format!("Đoàn xã Thử nghiệm {i}"),
                "level": "grassroots", "parent_id": inst.unit_id, "member_count": 800 + (i * 37) % 900}))?;
            units.push(u["id"].as_str().unwrap_or_default().to_string());
        }
    }
    let mut rng = Rng::new(n as u64 ^ 0x5EED);
    let ctx = WriteCtx::now();
    if shape.plans > 0 {
        let year = shape.year.unwrap_or(2025);
        let items: Vec<_> = (0..shape.plans)
            .flat_map(|i| {
                let month = 1 + i % 12;
                let plan = json!({"title": format!("Kế hoạch tuyên truyền thử nghiệm số {i}"), "start_on": format!("{year}-{month:02}-01"), "end_on": format!("{year}-12-31")});
                let practice = json!({"name": format!("Mô hình thử nghiệm số {i}"), "field": "an sinh"});
                [(Kind::Plan, plan, None), (Kind::Practice, practice, Some(units[i % units.len()].clone()))]
            })
            .collect();
        store.create_many(&items, ctx)?;
    }
    let mut done = 0;
    while done < n {
        let size = batch.min(n - done);
        let items: Vec<_> = (0..size)
            .map(|_| {
                let day = first_day + rng.below(span as u64) as i64;
                (Kind::Event, random_event(&mut rng, day, 1, None), Some(rng.pick(&units).clone()))
            })
            .collect();
        store.create_many(&items, ctx)?;
        done += size;
        progress(done);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_valid_and_passes_check() {
        let mut s = Store::open_in_memory().unwrap();
        let summary = seed_demo(&mut s).unwrap();
        assert_eq!(summary.events, 320);
        assert_eq!(s.check().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn synthetic_events_land_in_batches() {
        let mut s = Store::open_in_memory().unwrap();
        s.init(&json!({"code": "P", "name": "Tỉnh đoàn P", "level": "province"})).unwrap();
        let mut calls = Vec::new();
        seed_events(&mut s, 250, 100, Synthetic::default(), &mut |d| calls.push(d)).unwrap();
        assert_eq!(calls, vec![100, 200, 250]);
        let mut q = crate::ListQuery::new(Kind::Event);
        q.page_size = 1;
        assert_eq!(s.list(&q).unwrap().total, 250);
    }

    #[test]
    fn synthetic_events_of_one_year_fall_in_that_year() {
        let mut s = Store::open_in_memory().unwrap();
        s.init(&json!({"code": "P", "name": "Tỉnh đoàn P", "level": "province"})).unwrap();
        seed_events(&mut s, 300, 300, Synthetic { units: 3, year: Some(2024), plans: 0 }, &mut |_| {}).unwrap();
        let mut q = crate::ListQuery::new(Kind::Event);
        q.page_size = 1;
        q.from = Some("2024-01-01".into());
        q.to = Some("2024-12-31".into());
        assert_eq!(s.list(&q).unwrap().total, 300);
        assert_eq!(s.subtree(&s.require_installation().unwrap().unit_id).unwrap().len(), 4);
    }
}

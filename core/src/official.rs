//! The official lists of administrative units, with the codes of the General Statistics Office (GSO):
//! the 34 provinces and 3,321 communes in force from 1 July 2025, the 63 provinces, 696 districts and
//! 10,035 communes before it, and which new commune each old one went into. Shipped in the program as
//! data (core/data/admin/, from the MIT-licensed `vietnamadminunits` 1.0.4 — source, date and licence in
//! its SOURCES.md), never fetched: officers pick their commune instead of typing a code, and the level
//! above records the 2025 reform from the mapping.

use std::sync::OnceLock;

use serde::Serialize;

/// One unit of a list: its GSO code, the code of the unit it belongs to (0 for a province), its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AdminUnit {
    pub code: u32,
    pub parent: u32,
    pub name: &'static str,
}

/// An old commune and a new commune it went (wholly or partly) into; `carrier` marks the one new
/// commune that carries its history in reports (one per old commune).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OldToNew {
    pub old: u32,
    pub new: u32,
    pub carrier: bool,
}

/// The day the 2025 lists took effect.
pub const EFFECTIVE: &str = "2025-07-01";
/// Where the lists come from, for the screens that offer them.
pub const SOURCE: &str = "Danh mục đơn vị hành chính (mã Tổng cục Thống kê), gói vietnamadminunits 1.0.4 (MIT), dữ liệu ngày 18/07/2025";

struct Lists {
    provinces: Vec<AdminUnit>,
    communes: Vec<AdminUnit>,
    old_provinces: Vec<AdminUnit>,
    old_districts: Vec<AdminUnit>,
    old_communes: Vec<AdminUnit>,
    old_to_new: Vec<OldToNew>,
}

/// Rows of a shipped CSV after its header: names carry no comma or quote (the generator checks it),
/// so a split on commas is the whole parser.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines().skip(1).filter(|l| !l.is_empty()).map(|l| l.split(',').collect())
}

fn units(text: &'static str, with_parent: bool) -> Vec<AdminUnit> {
    rows(text)
        .filter_map(|r| {
            let code = r.first()?.parse().ok()?;
            let (parent, name) = if with_parent { (r.get(1)?.parse().ok()?, *r.get(2)?) } else { (0, *r.get(1)?) };
            Some(AdminUnit { code, parent, name })
        })
        .collect()
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| Lists {
        provinces: units(include_str!("../data/admin/provinces_2025.csv"), false),
        communes: units(include_str!("../data/admin/communes_2025.csv"), true),
        old_provinces: units(include_str!("../data/admin/provinces_legacy.csv"), false),
        old_districts: units(include_str!("../data/admin/districts_legacy.csv"), true),
        old_communes: units(include_str!("../data/admin/communes_legacy.csv"), true),
        old_to_new: rows(include_str!("../data/admin/old_to_new.csv"))
            .filter_map(|r| Some(OldToNew { old: r.first()?.parse().ok()?, new: r.get(1)?.parse().ok()?, carrier: *r.get(2)? == "1" }))
            .collect(),
    })
}

/// The 34 provinces from 1 July 2025.
pub fn provinces() -> &'static [AdminUnit] {
    &lists().provinces
}

/// The 3,321 communes from 1 July 2025 (`parent` is the province).
pub fn communes() -> &'static [AdminUnit] {
    &lists().communes
}

/// The 63 provinces before the reform.
pub fn old_provinces() -> &'static [AdminUnit] {
    &lists().old_provinces
}

/// The 696 districts before the reform (`parent` is the old province).
pub fn old_districts() -> &'static [AdminUnit] {
    &lists().old_districts
}

/// The 10,035 communes on 30 June 2025 (`parent` is the district).
pub fn old_communes() -> &'static [AdminUnit] {
    &lists().old_communes
}

/// Every (old commune, new commune) pair of the reform.
pub fn old_to_new() -> &'static [OldToNew] {
    &lists().old_to_new
}

/// A pick from the lists, ready for a unit record: the Union's name for it, its code, its place name,
/// and the upper body as documents print it.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// "province" or "grassroots" (a commune's Union).
    pub level: &'static str,
    /// The GSO code, zero-padded: two digits for a province, five for a commune.
    pub code: String,
    /// "Đoàn xã Lạc Đạo", "Tỉnh đoàn Hưng Yên".
    pub name: String,
    /// The administrative name as listed: "Xã Lạc Đạo".
    pub official_name: &'static str,
    /// "Lạc Đạo", for the date line of documents.
    pub place: String,
    /// "Tỉnh Hưng Yên", the province it is in (itself for a province).
    pub province: &'static str,
    /// "BCH TỈNH ĐOÀN HƯNG YÊN" for a commune, "BCH TRUNG ƯƠNG ĐOÀN" for a province.
    pub upper_body: String,
}

const PREFIXES: [(&str, &str); 5] =
    [("Thành phố ", "Thành đoàn "), ("Tỉnh ", "Tỉnh đoàn "), ("Phường ", "Đoàn phường "), ("Xã ", "Đoàn xã "), ("Đặc khu ", "Đoàn đặc khu ")];

/// "Xã Lạc Đạo" → ("Đoàn xã Lạc Đạo", "Lạc Đạo").
fn union_name(official: &str) -> (String, String) {
    for (admin, union) in PREFIXES {
        if let Some(place) = official.strip_prefix(admin) {
            return (format!("{union}{place}"), place.to_string());
        }
    }
    (format!("Đoàn {official}"), official.to_string())
}

fn province_choice(p: &AdminUnit) -> Choice {
    let (name, place) = union_name(p.name);
    Choice {
        level: "province",
        code: format!("{:02}", p.code),
        name,
        official_name: p.name,
        province: provinces().iter().find(|x| x.code == p.code).map_or(p.name, |x| x.name),
        place,
        upper_body: "BCH TRUNG ƯƠNG ĐOÀN".to_string(),
    }
}

fn commune_choice(c: &AdminUnit) -> Choice {
    let (name, place) = union_name(c.name);
    let province = provinces().iter().find(|p| p.code == c.parent);
    let upper = province.map(|p| union_name(p.name).0).unwrap_or_default();
    Choice {
        level: "grassroots",
        code: format!("{:05}", c.code),
        name,
        official_name: c.name,
        place,
        province: province.map_or("", |p| p.name),
        upper_body: format!("BCH {}", upper.to_uppercase()),
    }
}

/// The units of the 2025 lists whose name (or code) matches every word of `query`, accents ignored:
/// provinces first, then communes in Vietnamese order, at most `limit`. A commune matches words of its
/// province's name too ("lac dao hung yen").
pub fn search(query: &str, limit: usize) -> Vec<Choice> {
    let words: Vec<String> = crate::text::fold(query).split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let matches = |hay: &str| {
        let hay = crate::text::fold(hay);
        words.iter().all(|w| hay.split(|c: char| !c.is_alphanumeric()).any(|h| h.starts_with(w.as_str())))
    };
    let province_name = |code: u32| provinces().iter().find(|p| p.code == code).map_or("", |p| p.name);
    let mut out: Vec<Choice> = provinces().iter().filter(|p| matches(&format!("{} {:02}", p.name, p.code))).map(province_choice).collect();
    let mut communes: Vec<&AdminUnit> =
        communes().iter().filter(|c| matches(&format!("{} {} {:05}", c.name, province_name(c.parent), c.code))).collect();
    communes.sort_by(|a, b| crate::text::compare_vi(a.name, b.name).then(a.code.cmp(&b.code)));
    out.extend(communes.into_iter().map(commune_choice));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    #[test]
    fn the_lists_have_the_official_counts() {
        assert_eq!((provinces().len(), communes().len()), (34, 3_321));
        assert_eq!((old_provinces().len(), old_districts().len(), old_communes().len()), (63, 696, 10_035));
        assert_eq!(communes().iter().filter(|c| c.parent == 33).count(), 104, "new Hưng Yên");
        // Every old commune has exactly one carrier, and every target is a commune of the new list.
        let new_codes: BTreeSet<u32> = communes().iter().map(|c| c.code).collect();
        let mut carriers: HashMap<u32, usize> = HashMap::new();
        for m in old_to_new() {
            assert!(new_codes.contains(&m.new), "{m:?}");
            *carriers.entry(m.old).or_default() += usize::from(m.carrier);
        }
        assert!(old_communes().iter().all(|c| carriers.get(&c.code) == Some(&1)), "an old commune without exactly one carrier");
    }

    #[test]
    fn hung_yen_and_thai_binh_went_into_the_new_hung_yen() {
        let districts: BTreeSet<u32> = old_districts().iter().filter(|d| d.parent == 33 || d.parent == 34).map(|d| d.code).collect();
        let old: Vec<&AdminUnit> = old_communes().iter().filter(|c| districts.contains(&c.parent)).collect();
        assert_eq!((districts.len(), old.len()), (18, 381));
        let province_of: HashMap<u32, u32> = communes().iter().map(|c| (c.code, c.parent)).collect();
        let mut split = 0;
        for c in &old {
            let targets: Vec<&OldToNew> = old_to_new().iter().filter(|m| m.old == c.code).collect();
            assert!(targets.iter().all(|m| province_of[&m.new] == 33), "{} went outside Hưng Yên", c.name);
            split += usize::from(targets.len() > 1);
        }
        assert_eq!(split, 3, "Lạc Đạo, Đình Dù and Ngọc Thanh were split");
    }

    #[test]
    fn an_officer_finds_a_commune_without_accents_and_gets_its_unions_name() {
        let found = search("lac dao hung yen", 5);
        let c = found.iter().find(|c| c.official_name == "Xã Lạc Đạo").expect("Xã Lạc Đạo");
        assert_eq!((c.name.as_str(), c.place.as_str(), c.province, c.code.len()), ("Đoàn xã Lạc Đạo", "Lạc Đạo", "Tỉnh Hưng Yên", 5));
        assert_eq!(c.upper_body, "BCH TỈNH ĐOÀN HƯNG YÊN");
        let p = &search("Hưng Yên", 1)[0];
        assert_eq!((p.level, p.name.as_str(), p.code.as_str()), ("province", "Tỉnh đoàn Hưng Yên", "33"));
        assert!(search("   ", 5).is_empty());
        assert_eq!(search("ha noi", 500).iter().filter(|c| c.level == "province").count(), 1);
    }
}

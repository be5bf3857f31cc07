//! The indicator catalogue: what reports count. Indicators are data, not code — each carries a rule the
//! dashboard evaluates — so an upper level can extend the catalogue and send it down.

use serde::{Deserialize, Serialize};

use super::validate::*;
use super::{IndexFields, Kind, Known, Record};
use crate::error::Problem;

/// How values combine up the unit tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Counts: add up the tree.
    #[default]
    Sum,
    /// Unique reach and percentages: never added; numerator and denominator recomputed per level.
    Ratio,
    /// Online metrics: the latest value per post.
    Snapshot,
}

/// What to count: records of one kind in the period, optionally only some types, modes or statuses.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub source: String,
    /// `count`, or the name of an event number to add up (see [`EVENT_MEASURES`]), or several joined by
    /// `+` (`members+non_members`: Union members and youth outside the Union together).
    pub measure: String,
    #[serde(default)]
    pub subtype: Vec<String>,
    #[serde(default)]
    pub mode: Vec<String>,
    #[serde(default)]
    pub status: Vec<String>,
}

/// The event numbers a rule may add up; each is a column of the event facts table.
pub const EVENT_MEASURES: [&str; 11] = [
    "members",
    "non_members",
    "others",
    "male",
    "female",
    "unique_reached",
    "connection_points",
    "posts",
    "views",
    "interactions",
    "opinions",
];

/// The same names, as columns of `event_facts`.
pub const EVENT_MEASURES_COLUMNS: [&str; 11] = EVENT_MEASURES;

pub const RULE_SOURCES: [&str; 6] = ["event", "opinion", "practice", "inspection", "supervision", "case"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub group: String,
    #[serde(default)]
    pub unit_of_measure: Option<String>,
    #[serde(default)]
    pub aggregation: Aggregation,
    /// None: entered by hand in reports, not counted from records.
    #[serde(default)]
    pub rule: Option<Rule>,
}

impl Record for Indicator {
    const KIND: Kind = Kind::Indicator;

    fn validate(&self, _known: &dyn Known, c: &mut Checks) {
        c.keep(required_line("code", &self.code));
        c.keep(required_line("name", &self.name));
        c.keep(required_line("group", &self.group));
        c.keep(opt_line("name_en", &self.name_en));
        if let Some(rule) = &self.rule {
            if !RULE_SOURCES.contains(&rule.source.as_str()) {
                c.add("rule.source", Problem::UnknownChoice(rule.source.clone()));
            }
            let summable = rule.source == "event" && rule.measure.split('+').all(|m| EVENT_MEASURES.contains(&m));
            if rule.measure != "count" && !summable {
                c.add("rule.measure", Problem::UnknownChoice(rule.measure.clone()));
            }
        }
    }

    fn index(&self) -> IndexFields {
        IndexFields {
            title: self.name.clone(),
            subtype: Some(self.group.clone()),
            status: Some(self.code.clone()),
            search_text: format!("{} {}", self.code, self.name_en.clone().unwrap_or_default()),
            ..Default::default()
        }
    }
}

fn ind(code: &str, group: &str, name: &str, name_en: &str, uom: &str, agg: Aggregation, rule: Option<Rule>) -> Indicator {
    Indicator {
        code: code.into(),
        name: name.into(),
        name_en: Some(name_en.into()),
        group: group.into(),
        unit_of_measure: Some(uom.into()),
        aggregation: agg,
        rule,
    }
}

fn rule(source: &str, measure: &str, subtype: &[&str], mode: &[&str], status: &[&str]) -> Option<Rule> {
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
    Some(Rule { source: source.into(), measure: measure.into(), subtype: v(subtype), mode: v(mode), status: v(status) })
}

/// What TT-02 adds up: members and non-member youth (migration 8 brings older databases to it).
pub const TT02_MEASURE: &str = "members+non_members";

/// The standard set (DOMAIN.md §4), seeded into every new database.
pub fn standard_catalogue() -> Vec<Indicator> {
    use Aggregation::*;
    let sessions = &["propaganda_session"][..];
    vec![
        ind("TT-01", "TT", "Số buổi tuyên truyền trực tiếp", "In-person propaganda sessions", "buổi", Sum,
            rule("event", "count", sessions, &["in_person", "hybrid"], &["done"])),
        // Union members and youth outside the Union, as the name says; other guests are not youth work's
        // reach (the dashboard's total of participants, which counts them too, says so).
        ind("TT-02", "TT", "Số lượt đoàn viên, thanh niên tham gia", "Member and youth attendances", "lượt", Sum,
            rule("event", TT02_MEASURE, &[], &[], &["done"])),
        ind("TT-03", "TT", "Số đoàn viên được tiếp cận (không trùng lặp)", "Unique members reached", "người", Ratio,
            rule("event", "unique_reached", &[], &[], &["done"])),
        ind("TT-04", "TT", "Số hội nghị học tập, quán triệt nghị quyết", "Study conferences on resolutions", "hội nghị", Sum,
            rule("event", "count", &["study_conference"], &[], &["done"])),
        ind("TT-05", "TT", "Số điểm cầu trực tuyến", "Online connection points", "điểm cầu", Sum,
            rule("event", "connection_points", &[], &[], &["done"])),
        ind("TT-06", "TT", "Số tin, bài, sản phẩm truyền thông", "Posts and media products", "sản phẩm", Sum,
            rule("event", "posts", &[], &[], &["done"])),
        ind("TT-07", "TT", "Số lượt xem, tiếp cận trên mạng", "Online views and reach", "lượt", Snapshot,
            rule("event", "views", &[], &[], &["done"])),
        ind("TT-08", "TT", "Số lượt tương tác trên mạng", "Online interactions", "lượt", Snapshot,
            rule("event", "interactions", &[], &[], &["done"])),
        ind("GY-01", "GY", "Số diễn đàn, đối thoại lấy ý kiến", "Forums and dialogues collecting opinions", "diễn đàn", Sum,
            rule("event", "count", &["forum"], &[], &["done"])),
        ind("GY-02", "GY", "Số ý kiến góp ý thu được", "Opinions collected", "ý kiến", Sum,
            rule("event", "opinions", &[], &[], &["done"])),
        ind("GY-03", "GY", "Số ý kiến đã chuyển cấp ủy, chính quyền", "Opinions forwarded to Party committees or government", "ý kiến", Sum,
            rule("opinion", "count", &[], &[], &["forwarded", "accepted", "explained", "in_progress", "not_accepted"])),
        ind("GY-04", "GY", "Số ý kiến được trả lời, tiếp thu", "Opinions answered or accepted", "ý kiến", Sum,
            rule("opinion", "count", &[], &[], &["accepted", "explained"])),
        ind("GS-01", "GS", "Số cuộc giám sát (chủ trì, phối hợp)", "Supervisions (lead or partner)", "cuộc", Sum,
            rule("supervision", "count", &["supervision"], &[], &[])),
        ind("GS-02", "GS", "Số nội dung phản biện xã hội", "Social-criticism items", "nội dung", Sum,
            rule("supervision", "count", &["social_criticism"], &[], &[])),
        ind("GS-03", "GS", "Số kiến nghị đưa ra và được giải quyết", "Recommendations made and resolved", "kiến nghị", Sum, None),
        ind("KT-01", "KT", "Số cuộc kiểm tra việc thực hiện", "Inspections of implementation", "cuộc", Sum,
            rule("inspection", "count", &[], &[], &[])),
        ind("KT-02", "KT", "Số tổ chức Đoàn, chi đoàn được kiểm tra", "Union organisations inspected", "tổ chức", Sum, None),
        ind("KT-03", "KT", "Số hạn chế phát hiện và đã khắc phục", "Shortcomings found and fixed", "hạn chế", Sum, None),
        ind("MH-01", "MH", "Số mô hình, cách làm mới", "New model practices", "mô hình", Sum,
            rule("practice", "count", &[], &[], &[])),
        ind("MH-02", "MH", "Số mô hình được công nhận", "Model practices recognised", "mô hình", Sum,
            rule("practice", "count", &[], &[], &["recognised"])),
        ind("MH-03", "MH", "Số mô hình được nhân rộng, đơn vị áp dụng", "Practices replicated, units adopting", "mô hình", Sum, None),
        ind("MH-04", "MH", "Số tập thể, cá nhân được biểu dương", "Collectives and individuals commended", "lượt", Sum,
            rule("event", "count", &["commendation"], &[], &["done"])),
        ind("TS-01", "TS", "Số tin, bài phản bác quan điểm sai trái", "Rebuttal posts", "tin, bài", Sum,
            rule("event", "posts", &["rebuttal_campaign"], &[], &["done"])),
        ind("TS-02", "TS", "Số thông tin xấu độc phát hiện, báo cáo", "Harmful information detected and reported", "vụ việc", Sum,
            rule("case", "count", &[], &[], &[])),
        ind("TS-03", "TS", "Số đoàn viên tham gia đấu tranh trên mạng", "Members taking part online", "người", Sum,
            rule("event", "members", &["rebuttal_campaign"], &[], &["done"])),
        ind("TS-04", "TS", "Số tin, bài \"người tốt, việc tốt\", câu chuyện đẹp", "\"Good people, good deeds\" stories posted", "tin, bài", Sum, None),
        ind("CĐS-01", "CĐS", "Số hoạt động, cuộc thi trực tuyến", "Online activities and contests", "hoạt động", Sum,
            rule("event", "count", &["online_contest"], &[], &["done"])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::world;

    #[test]
    fn the_standard_catalogue_is_valid_and_codes_are_unique() {
        let all = standard_catalogue();
        for i in &all {
            let mut c = Checks::new(Kind::Indicator);
            i.validate(&world(), &mut c);
            c.finish().unwrap();
        }
        let mut codes: Vec<_> = all.iter().map(|i| i.code.clone()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn a_rule_may_only_add_up_known_event_numbers() {
        let mut i = standard_catalogue().remove(0);
        i.rule.as_mut().unwrap().measure = "salary".into();
        let mut c = Checks::new(Kind::Indicator);
        i.validate(&world(), &mut c);
        assert_eq!(c.finish().unwrap_err().field(), Some("rule.measure"));
    }
}

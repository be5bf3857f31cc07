//! False-information cases (thông tin sai trái): what was found, where, and what was done about it.

use serde::{Deserialize, Serialize};

use super::unit::serde_plain;
use super::validate::*;
use super::{IndexFields, Kind, Known, Record};
use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    ReportedToPlatform,
    ReportedToAuthorities,
    RebuttalPublished,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    #[default]
    Open,
    Handled,
    Closed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseAction {
    pub kind: ActionKind,
    pub on: String,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub summary: String,
    pub platform: String,
    /// Local time in Vietnam when it was found.
    pub detected_at: String,
    #[serde(default)]
    pub detected_by: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    /// SHA-256 of the screenshot, hex: posts vanish, the hash proves what was seen.
    #[serde(default)]
    pub screenshot_sha256: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub reach_at_detection: Option<i64>,
    #[serde(default)]
    pub actions: Vec<CaseAction>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub status: CaseStatus,
    #[serde(default)]
    pub sensitive: bool,
    /// Evidence files, by hash (`crate::evidence` keeps the bytes). Left out of the body when empty, so
    /// that records written before it have the same bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachment::Attachment>,
}

impl Record for Case {
    const KIND: Kind = Kind::Case;

    fn validate(&self, _known: &dyn Known, c: &mut Checks) {
        super::attachment::validate_all(&self.attachments, c);
        c.keep(required("summary", &self.summary));
        c.keep(required_line("platform", &self.platform));
        let detected = c.keep(local("detected_at", &self.detected_at));
        c.keep(opt_line("detected_by", &self.detected_by));
        c.keep(opt_link("link", &self.link));
        c.keep(opt_line("category", &self.category));
        if let Some(h) = &self.screenshot_sha256 {
            if h.len() != 64 || !h.chars().all(|ch| ch.is_ascii_hexdigit()) {
                c.add("screenshot_sha256", Problem::NotSha256);
            }
        }
        c.keep(opt_count("reach_at_detection", self.reach_at_detection));
        for (i, a) in self.actions.iter().enumerate() {
            let on = c.keep(date(&format!("actions[{i}].on"), &a.on));
            c.keep(in_order("detected_at", detected.map(|d| d.date()), &format!("actions[{i}].on"), on));
            c.keep(opt_link(&format!("actions[{i}].link"), &a.link));
        }
    }

    fn index(&self) -> IndexFields {
        IndexFields {
            files: self.attachments.iter().map(|a| a.sha256.clone()).collect(),
            title: self.summary.chars().take(120).collect(),
            start: Some(self.detected_at.clone()),
            status: Some(serde_plain(&self.status)),
            subtype: self.category.clone(),
            search_text: format!("{} {}", self.platform, self.outcome.clone().unwrap_or_default()),
            ..Default::default()
        }
    }
}

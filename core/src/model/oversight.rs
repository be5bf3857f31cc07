//! Inspections of implementation (kiểm tra) and supervision / social criticism (giám sát, phản biện xã hội).

use serde::{Deserialize, Serialize};

use super::unit::serde_plain;
use super::validate::*;
use super::{join_present, IndexFields, Kind, Known, Record};
use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Remediation {
    #[default]
    Pending,
    InProgress,
    Done,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub item: String,
    pub met: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    pub content: String,
    pub held_on: String,
    #[serde(default)]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub inspected_unit_ids: Vec<String>,
    #[serde(default)]
    pub period_from: Option<String>,
    #[serde(default)]
    pub period_to: Option<String>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub recommendations: Option<String>,
    #[serde(default)]
    pub deadline: Option<String>,
    #[serde(default)]
    pub remediation: Remediation,
    #[serde(default)]
    pub closing_report_number: Option<String>,
    /// Evidence files, by hash (`crate::evidence` keeps the bytes). Left out of the body when empty, so
    /// that records written before it have the same bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachment::Attachment>,
}

impl Record for Inspection {
    const KIND: Kind = Kind::Inspection;

    fn validate(&self, known: &dyn Known, c: &mut Checks) {
        super::attachment::validate_all(&self.attachments, c);
        c.keep(required_line("content", &self.content));
        let held = c.keep(date("held_on", &self.held_on));
        c.keep(opt_line("decision_number", &self.decision_number));
        c.keep(opt_line("team", &self.team));
        for (i, u) in self.inspected_unit_ids.iter().enumerate() {
            c.keep(known_unit(known, &format!("inspected_unit_ids[{i}]"), u));
        }
        let from = c.keep(opt_date("period_from", &self.period_from)).flatten();
        let to = c.keep(opt_date("period_to", &self.period_to)).flatten();
        c.keep(in_order("period_from", from, "period_to", to));
        let deadline = c.keep(opt_date("deadline", &self.deadline)).flatten();
        c.keep(in_order("held_on", held, "deadline", deadline));
        for (i, f) in self.findings.iter().enumerate() {
            c.keep(required_line(&format!("findings[{i}].item"), &f.item));
        }
    }

    fn index(&self) -> IndexFields {
        IndexFields {
            files: self.attachments.iter().map(|a| a.sha256.clone()).collect(),
            title: self.content.clone(),
            start: Some(self.held_on.clone()),
            end: self.deadline.clone(),
            status: Some(serde_plain(&self.remediation)),
            search_text: join_present(&[&self.decision_number, &self.team, &self.recommendations]),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionKind {
    #[default]
    Supervision,
    SocialCriticism,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Lead,
    Partner,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supervision {
    pub subject: String,
    pub period_from: String,
    #[serde(default)]
    pub period_to: Option<String>,
    #[serde(default)]
    pub kind: SupervisionKind,
    #[serde(default)]
    pub role: Role,
    #[serde(default)]
    pub partners: Option<String>,
    #[serde(default)]
    pub findings: Option<String>,
    #[serde(default)]
    pub recommendations: Option<String>,
    #[serde(default)]
    pub recommendations_count: i64,
    #[serde(default)]
    pub recommendations_resolved: i64,
    #[serde(default)]
    pub follow_up: Option<String>,
    /// Evidence files, by hash (`crate::evidence` keeps the bytes). Left out of the body when empty, so
    /// that records written before it have the same bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachment::Attachment>,
}

impl Record for Supervision {
    const KIND: Kind = Kind::Supervision;

    fn validate(&self, _known: &dyn Known, c: &mut Checks) {
        super::attachment::validate_all(&self.attachments, c);
        c.keep(required_line("subject", &self.subject));
        let from = c.keep(date("period_from", &self.period_from));
        let to = c.keep(opt_date("period_to", &self.period_to)).flatten();
        c.keep(in_order("period_from", from, "period_to", to));
        c.keep(opt_line("partners", &self.partners));
        let counted = c.keep(count("recommendations_count", self.recommendations_count));
        let resolved = c.keep(count("recommendations_resolved", self.recommendations_resolved));
        if counted.is_some() && resolved.is_some() && self.recommendations_resolved > self.recommendations_count {
            c.add("recommendations_resolved", Problem::SumExceeds { total: "recommendations_count".into() });
        }
    }

    fn index(&self) -> IndexFields {
        IndexFields {
            files: self.attachments.iter().map(|a| a.sha256.clone()).collect(),
            title: self.subject.clone(),
            start: Some(self.period_from.clone()),
            end: self.period_to.clone(),
            status: Some(serde_plain(&self.role)),
            subtype: Some(serde_plain(&self.kind)),
            search_text: join_present(&[&self.partners, &self.findings, &self.recommendations]),
            ..Default::default()
        }
    }
}

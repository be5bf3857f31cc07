//! Model practices (mô hình hay, cách làm hiệu quả): problem, approach, results, recognition, replication.

use serde::{Deserialize, Serialize};

use super::validate::*;
use super::{join_present, IndexFields, Kind, Known, Record};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionLevel {
    Grassroots,
    District,
    Province,
    Central,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recognition {
    pub level: RecognitionLevel,
    /// commendation, certificate_of_merit, …
    pub form: String,
    #[serde(default)]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub decided_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replication {
    pub unit_id: String,
    #[serde(default)]
    pub adopted_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub name: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub started_on: Option<String>,
    #[serde(default)]
    pub problem: Option<String>,
    #[serde(default)]
    pub approach: Option<String>,
    #[serde(default)]
    pub results: Option<String>,
    #[serde(default)]
    pub recognitions: Vec<Recognition>,
    #[serde(default)]
    pub replications: Vec<Replication>,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub contact: Option<String>,
    /// Evidence files, by hash (`crate::evidence` keeps the bytes). Left out of the body when empty, so
    /// that records written before it have the same bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachment::Attachment>,
}

impl Record for Practice {
    const KIND: Kind = Kind::Practice;

    fn validate(&self, known: &dyn Known, c: &mut Checks) {
        super::attachment::validate_all(&self.attachments, c);
        c.keep(required_line("name", &self.name));
        c.keep(opt_line("field", &self.field));
        c.keep(opt_line("contact", &self.contact));
        c.keep(opt_date("started_on", &self.started_on));
        for (i, r) in self.recognitions.iter().enumerate() {
            c.keep(required_line(&format!("recognitions[{i}].form"), &r.form));
            c.keep(opt_line(&format!("recognitions[{i}].decision_number"), &r.decision_number));
            c.keep(opt_date(&format!("recognitions[{i}].decided_on"), &r.decided_on));
        }
        for (i, r) in self.replications.iter().enumerate() {
            c.keep(known_unit(known, &format!("replications[{i}].unit_id"), &r.unit_id));
            c.keep(opt_date(&format!("replications[{i}].adopted_on"), &r.adopted_on));
        }
    }

    fn index(&self) -> IndexFields {
        let top = self.recognitions.iter().map(|r| r.level as u8).max();
        IndexFields {
            files: self.attachments.iter().map(|a| a.sha256.clone()).collect(),
            title: self.name.clone(),
            start: self.started_on.clone(),
            status: Some(if top.is_some() { "recognised" } else { "new" }.into()),
            subtype: self.field.clone(),
            search_text: join_present(&[&self.field, &self.problem, &self.approach, &self.results]),
            ..Default::default()
        }
    }
}

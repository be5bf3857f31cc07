//! Opinions (ý kiến góp ý) collected from members on building the Party and the government.

use serde::{Deserialize, Serialize};

use super::unit::serde_plain;
use super::validate::*;
use super::{IndexFields, Kind, Known, Record};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Addressee {
    #[default]
    PartyCommittee,
    Government,
    Draft,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    Accepted,
    Explained,
    InProgress,
    NotAccepted,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpinionResponse {
    pub status: ResponseStatus,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub on: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opinion {
    pub topic: String,
    pub content: String,
    pub given_on: String,
    #[serde(default)]
    pub event_id: Option<String>,
    /// May stay empty: opinions can be anonymous.
    #[serde(default)]
    pub contributor: Option<String>,
    #[serde(default)]
    pub addressee: Addressee,
    /// The named draft document, when the addressee is a draft.
    #[serde(default)]
    pub draft_name: Option<String>,
    #[serde(default)]
    pub forwarded_to: Option<String>,
    #[serde(default)]
    pub forward_document: Option<String>,
    #[serde(default)]
    pub response: Option<OpinionResponse>,
}

impl Record for Opinion {
    const KIND: Kind = Kind::Opinion;

    fn validate(&self, known: &dyn Known, c: &mut Checks) {
        c.keep(required_line("topic", &self.topic));
        c.keep(required("content", &self.content));
        let given = c.keep(date("given_on", &self.given_on));
        c.keep(opt_known_event(known, "event_id", &self.event_id));
        c.keep(opt_line("contributor", &self.contributor));
        c.keep(opt_line("forwarded_to", &self.forwarded_to));
        c.keep(opt_line("forward_document", &self.forward_document));
        if let Some(r) = &self.response {
            let on = c.keep(opt_date("response.on", &r.on)).flatten();
            c.keep(in_order("given_on", given, "response.on", on));
        }
    }

    fn index(&self) -> IndexFields {
        let status = match (&self.response, &self.forwarded_to) {
            (Some(r), _) => serde_plain(&r.status),
            (None, Some(_)) => "forwarded".into(),
            (None, None) => "collected".into(),
        };
        IndexFields {
            title: self.topic.clone(),
            start: Some(self.given_on.clone()),
            status: Some(status),
            subtype: Some(serde_plain(&self.addressee)),
            link_id: self.event_id.clone(),
            search_text: format!("{} {}", self.content, self.contributor.clone().unwrap_or_default()),
            ..Default::default()
        }
    }
}

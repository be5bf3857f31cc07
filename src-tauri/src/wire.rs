//! Errors as they cross to the page: `{code, message, field?, errors?}`, never a bare string
//! (docs/ipc.md). A record with several wrong fields sends every one in `errors`, each with what is
//! wrong worded for the spot beside its field (the form shows the field's label above it).

use serde::Serialize;
use sotay_core::{Error, Lang};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WireError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One wrong field: its path, and what is wrong with it without its name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl WireError {
    pub fn from_core(e: &Error, lang: Lang) -> WireError {
        let errors = match e {
            Error::InvalidRecord { kind, problems } => problems
                .iter()
                .map(|p| FieldError { field: p.field.clone(), message: sotay_core::i18n::record_problem_only(*kind, &p.problem, lang) })
                .collect(),
            _ => Vec::new(),
        };
        WireError { code: e.code().into(), message: e.message(lang), field: e.field().map(str::to_string), errors }
    }

    pub fn bad_json(e: &serde_json::Error, lang: Lang) -> WireError {
        let core = Error::BadJson { line: e.line(), column: e.column(), detail: e.to_string() };
        WireError::from_core(&core, lang)
    }

    pub fn internal(what: &str) -> WireError {
        WireError { code: "internal".into(), message: what.into(), field: None, errors: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sotay_core::Problem;

    #[test]
    fn a_validation_error_carries_code_field_and_a_vietnamese_message() {
        let e = Error::invalid("participants.members", Problem::Negative);
        let json = serde_json::to_value(WireError::from_core(&e, Lang::Vi)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "invalid", "field": "participants.members",
                               "message": "Số đoàn viên: không được là số âm"})
        );
    }

    #[test]
    fn a_record_with_several_wrong_fields_sends_each_with_what_is_wrong() {
        let input = serde_json::json!({"title": "", "start_at": "2025-07-01T08:00", "participants": {"members": -2}});
        struct Nothing;
        impl sotay_core::model::Known for Nothing {
            fn unit_exists(&self, _: &str) -> sotay_core::Result<bool> { Ok(false) }
            fn plan_exists(&self, _: &str) -> sotay_core::Result<bool> { Ok(false) }
            fn event_exists(&self, _: &str) -> sotay_core::Result<bool> { Ok(false) }
            fn indicator_exists(&self, _: &str) -> sotay_core::Result<bool> { Ok(false) }
        }
        let e = sotay_core::model::prepare(sotay_core::Kind::Event, &input, &Nothing).err().unwrap();
        let json = serde_json::to_value(WireError::from_core(&e, Lang::Vi)).unwrap();
        assert_eq!(json["field"], "title");
        assert_eq!(
            json["errors"],
            serde_json::json!([{"field": "title", "message": "bắt buộc phải nhập"},
                               {"field": "participants.members", "message": "không được là số âm"}])
        );
        assert_eq!(json["message"], "Tên hoạt động: bắt buộc phải nhập; Đoàn viên: không được là số âm");
    }

    #[test]
    fn other_errors_have_no_field() {
        let json = serde_json::to_value(WireError::from_core(&Error::NotInitialized, Lang::En)).unwrap();
        assert_eq!(json["code"], "not_initialized");
        assert!(json.get("field").is_none());
    }
}

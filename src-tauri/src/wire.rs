//! Errors as they cross to the page: `{code, message, field?}`, never a bare string (docs/ipc.md).

use serde::Serialize;
use sotay_core::{Error, Lang};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WireError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl WireError {
    pub fn from_core(e: &Error, lang: Lang) -> WireError {
        WireError { code: e.code().into(), message: e.message(lang), field: e.field().map(str::to_string) }
    }

    pub fn bad_json(e: &serde_json::Error, lang: Lang) -> WireError {
        let core = Error::BadJson { line: e.line(), column: e.column(), detail: e.to_string() };
        WireError::from_core(&core, lang)
    }

    pub fn internal(what: &str) -> WireError {
        WireError { code: "internal".into(), message: what.into(), field: None }
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
    fn other_errors_have_no_field() {
        let json = serde_json::to_value(WireError::from_core(&Error::NotInitialized, Lang::En)).unwrap();
        assert_eq!(json["code"], "not_initialized");
        assert!(json.get("field").is_none());
    }
}

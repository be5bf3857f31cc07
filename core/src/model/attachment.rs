//! Files attached to a record as evidence (minh chứng): a photo of the meeting, the scanned attendance
//! sheet, the minutes. The record carries only each file's SHA-256 and what people need to know of it;
//! the bytes live once in the store's `files` table (`crate::evidence`) and travel beside the changes.

use serde::{Deserialize, Serialize};

use super::validate::*;
use crate::error::{Problem, Result};

/// What the file shows, as the upper level grades evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    #[default]
    Photo,
    /// The signed attendance sheet (danh sách điểm danh), scanned or photographed.
    Sheet,
    Minutes,
    /// An online post: a screenshot of the article or of the false information found.
    Article,
    Other,
}

impl FileRole {
    pub const ALL: [FileRole; 5] = [FileRole::Photo, FileRole::Sheet, FileRole::Minutes, FileRole::Article, FileRole::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Photo => "photo",
            FileRole::Sheet => "sheet",
            FileRole::Minutes => "minutes",
            FileRole::Article => "article",
            FileRole::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<FileRole> {
        FileRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let vi = lang == crate::i18n::Lang::Vi;
        match self {
            FileRole::Photo => if vi { "Ảnh hoạt động" } else { "Photo" },
            FileRole::Sheet => if vi { "Danh sách điểm danh" } else { "Attendance sheet" },
            FileRole::Minutes => if vi { "Biên bản" } else { "Minutes" },
            FileRole::Article => if vi { "Bài viết, ảnh chụp màn hình" } else { "Article or screenshot" },
            FileRole::Other => if vi { "Khác" } else { "Other" },
        }
    }
}

/// The media types the store keeps: photos are turned into JPEG when attached, PDFs kept as they are.
pub const MEDIA_TYPES: [&str; 2] = ["image/jpeg", "application/pdf"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// SHA-256 of the stored bytes, lower-case hex: the file's name everywhere.
    pub sha256: String,
    #[serde(default)]
    pub kind: FileRole,
    /// The file's name as it was picked, for people (never used as a path).
    pub name: String,
    pub media_type: String,
    /// Bytes as stored.
    pub size: i64,
    #[serde(default)]
    pub caption: Option<String>,
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The checks of a record's `attachments` list, each problem named by its place in the list.
pub fn validate_all(list: &[Attachment], c: &mut Checks) {
    for (i, a) in list.iter().enumerate() {
        let f = |name: &str| format!("attachments[{i}].{name}");
        if !is_sha256(&a.sha256) {
            c.add(f("sha256"), Problem::NotSha256);
        } else if list[..i].iter().any(|b| b.sha256 == a.sha256) {
            c.add(f("sha256"), Problem::Duplicate(a.name.clone()));
        }
        c.keep(required_line(&f("name"), &a.name));
        c.keep(opt_line(&f("caption"), &a.caption));
        if !MEDIA_TYPES.contains(&a.media_type.as_str()) {
            c.add(f("media_type"), Problem::OneOf { value: a.media_type.clone(), choices: MEDIA_TYPES.join(", ") });
        }
        c.keep(count(&f("size"), a.size));
    }
}

/// The hashes a record body refers to, read from its JSON (any kind; none when it has no attachments).
pub fn hashes_in(body: &serde_json::Value) -> Vec<String> {
    body.get("attachments")
        .and_then(|a| a.as_array())
        .map(|list| list.iter().filter_map(|a| a.get("sha256")?.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Ok when `s` is a hash; the CLI's and the window's way in.
pub fn parse_sha256(field: &str, s: &str) -> Result<String> {
    let s = s.trim().to_ascii_lowercase();
    if is_sha256(&s) {
        Ok(s)
    } else {
        Err(crate::Error::invalid(field, Problem::NotSha256))
    }
}

//! Reading JSON input from a file or standard input, with errors that say where.

use std::io::Read;

use serde_json::Value;
use sotay_core::Error;

/// `src` is a path, or `-` for standard input.
pub fn read_json(src: &str) -> Result<Value, Error> {
    let mut text = String::new();
    if src == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::Io { path: "(stdin)".into(), source: e })?;
    } else {
        text = std::fs::read_to_string(src).map_err(|e| Error::Io { path: src.into(), source: e })?;
    }
    serde_json::from_str(&text).map_err(Error::from_json)
}

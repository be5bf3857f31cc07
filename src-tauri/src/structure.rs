//! The structure screen's commands (#/structure, the province's merge wizard): the units below this one,
//! a decision previewed as the reports will show it, applied as one change, undone until sent; and the
//! official lists, offered where a unit is created.

use serde_json::{json, Value};
use sotay_core::restructure::Restructure;
use tauri::State;

use crate::{wire::WireError, AppState};

/// A decision as the page sends it, read with its field named when it does not parse.
fn decision(input: Value, lang: sotay_core::Lang) -> Result<Restructure, WireError> {
    serde_json::from_value(input).map_err(|e| {
        let err = sotay_core::Error::invalid("change", sotay_core::Problem::BadValue(e.to_string()));
        WireError::from_core(&err, lang)
    })
}

/// `{ period, before: [{name, events, participants}], after: [...] }`: the year's report of this unit
/// before and after the decision; nothing is kept.
#[tauri::command(async)]
pub fn restructure_preview(state: State<'_, AppState>, decision: Value) -> Result<Value, WireError> {
    let r = self::decision(decision, state.lang())?;
    state.with(|s| Ok(serde_json::to_value(s.restructure_preview(&r)?).unwrap_or_default()))
}

/// Applies the decision as one change: `{ change, date, names, sent }`.
#[tauri::command(async)]
pub fn restructure_apply(state: State<'_, AppState>, decision: Value) -> Result<Value, WireError> {
    let r = self::decision(decision, state.lang())?;
    state.with(|s| Ok(serde_json::to_value(s.restructure(&r)?).unwrap_or_default()))
}

/// Undoes the last decision while it has not been sent: `{ change, names }`.
#[tauri::command(async)]
pub fn restructure_undo(state: State<'_, AppState>) -> Result<Value, WireError> {
    state.with(|s| Ok(serde_json::to_value(s.undo_restructure()?).unwrap_or_default()))
}

/// The last decision and whether it has been sent, or null.
#[tauri::command(async)]
pub fn restructure_last(state: State<'_, AppState>) -> Result<Value, WireError> {
    state.with(|s| Ok(serde_json::to_value(s.last_restructure()?).unwrap_or_default()))
}

/// The units of the official 2025 lists matching `query` (accents ignored), at most 20, with their
/// source.
#[tauri::command(async)]
pub fn official_units(query: String) -> Result<Value, WireError> {
    Ok(json!({"source": sotay_core::official::SOURCE, "effective": sotay_core::official::EFFECTIVE,
              "units": sotay_core::official::search(&query, 20)}))
}

//! The overview pointed at the national hub's PostgreSQL (issue 16, docs/national.md): the Central
//! Committee's officer reads the whole country from the hub's read replica in the same report screen,
//! made by the same code as over this computer's store (`sotay_core::report::period_report_from` over
//! `PgReport`). The database's address is kept in this computer's settings, which are encrypted with the
//! rest of its data (the address may carry a password); the page never receives the password back.

use std::sync::Mutex;

use serde_json::{json, Value};
use sotay_core::report::{monthly_series_from, period_report_from, ReportSource, Structure};
use sotay_core::{Lang, Period, Store};
use sotay_net::pgstore::report::PgReport;
use sotay_net::pgstore::PgError;

use crate::wire::WireError;

/// Where the address is kept in the store's settings.
pub const ADDRESS_SETTING: &str = "national.database";

/// The connection to the national database, opened on first use and kept while it works.
#[derive(Default)]
pub struct National(Mutex<Option<Connection>>);

struct Connection {
    address: String,
    report: PgReport,
}

/// The address with its password, if any, hidden: what the page shows of the saved setting.
pub fn without_password(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else { return address.to_string() };
    let Some((userinfo, host)) = rest.split_once('@') else { return address.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:•••@{host}"),
        None => address.to_string(),
    }
}

fn wire(e: &PgError, lang: Lang) -> WireError {
    WireError { code: e.code().into(), message: e.message(lang), field: Some("address".into()), errors: Vec::new() }
}

/// The address saved on this computer, if any.
pub fn saved_address(store: &Store) -> sotay_core::Result<Option<String>> {
    Ok(store.setting(ADDRESS_SETTING)?.filter(|a| !a.is_empty()))
}

// Every method works on a thread of its own (`off_runtime`): `PgReport` drives a small runtime of its own,
// which may be neither entered nor dropped on a thread that runs Tauri's.
impl National {
    /// Connects to `address` (a replica will do: nothing is written) and checks it holds a national hub;
    /// the hub's own unit and the units directly under it on success.
    pub fn connect(&self, address: &str, lang: Lang) -> Result<Value, WireError> {
        let address = address.trim();
        if address.is_empty() {
            let e = sotay_core::Error::invalid("address", sotay_core::Problem::Required);
            return Err(WireError::from_core(&e, lang));
        }
        off_runtime(|| {
            let report = PgReport::open(address).map_err(|e| wire(&e, lang))?;
            let units = top_units(&report).map_err(|e| WireError::from_core(&e, lang))?;
            let mut kept = self.0.lock().map_err(|_| WireError::internal("national lock poisoned"))?;
            *kept = Some(Connection { address: address.to_string(), report });
            Ok(units)
        })
    }

    /// Forgets the connection (the page also forgets the saved address).
    pub fn forget(&self) {
        off_runtime(|| {
            if let Ok(mut kept) = self.0.lock() {
                *kept = None;
            }
        })
    }

    /// Runs `f` over the national database at `address`, connecting first if need be. A failure drops
    /// the connection, so that the next request connects afresh (the replica may have restarted).
    fn with<T: Send>(&self, address: &str, lang: Lang, f: impl FnOnce(&PgReport) -> sotay_core::Result<T> + Send) -> Result<T, WireError> {
        off_runtime(|| {
            let mut kept = self.0.lock().map_err(|_| WireError::internal("national lock poisoned"))?;
            if kept.as_ref().is_none_or(|c| c.address != address) {
                *kept = None;
                let report = PgReport::open(address).map_err(|e| wire(&e, lang))?;
                *kept = Some(Connection { address: address.to_string(), report });
            }
            let Some(conn) = kept.as_ref() else { return Err(WireError::internal("no national connection")) };
            let out = f(&conn.report);
            if out.is_err() {
                *kept = None;
            }
            out.map_err(|e| WireError::from_core(&e, lang))
        })
    }

    /// The hub's unit and the units directly under it, for the overview's unit list.
    pub fn units(&self, address: &str, lang: Lang) -> Result<Value, WireError> {
        self.with(address, lang, top_units)
    }

    /// The period report of `unit_id` (the hub's own unit by default), as `Store::period_report_in`.
    pub fn report(&self, address: &str, lang: Lang, unit_id: Option<String>, period: &Period, structure: Structure) -> Result<Value, WireError> {
        self.with(address, lang, |pg| {
            let root = root_of(pg, unit_id)?;
            Ok(serde_json::to_value(period_report_from(pg, &root, period, structure)?).unwrap_or_default())
        })
    }

    /// Each month of `year`, as `Store::monthly_series`.
    pub fn series(&self, address: &str, lang: Lang, unit_id: Option<String>, year: i32) -> Result<Value, WireError> {
        self.with(address, lang, |pg| {
            let root = root_of(pg, unit_id)?;
            Ok(serde_json::to_value(monthly_series_from(pg, &root, year)?).unwrap_or_default())
        })
    }
}

fn root_of(pg: &PgReport, unit_id: Option<String>) -> sotay_core::Result<String> {
    match unit_id.filter(|u| !u.is_empty()) {
        Some(u) => Ok(u),
        None => Ok(pg.hub_unit()?),
    }
}

/// `{unit: {id, name}, units: [{id, name}]}`: the hub's unit first, then those directly under it in
/// Vietnamese order.
fn top_units(pg: &PgReport) -> sotay_core::Result<Value> {
    let root = root_of(pg, None)?;
    let all = pg.units()?;
    let name = |body: &Value| body.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    let root_name = all.iter().find(|(id, _)| *id == root).map(|(_, b)| name(b)).unwrap_or_default();
    let mut under: Vec<(String, String)> = all
        .iter()
        .filter(|(_, b)| b.get("parent_id").and_then(Value::as_str) == Some(root.as_str()) && b.get("valid_to").is_none_or(Value::is_null))
        .map(|(id, b)| (id.clone(), name(b)))
        .collect();
    under.sort_by(|a, b| sotay_core::text::compare_vi(&a.1, &b.1));
    let mut units = vec![json!({"id": root, "name": root_name})];
    units.extend(under.into_iter().map(|(id, name)| json!({"id": id, "name": name})));
    Ok(json!({"unit": units[0].clone(), "units": units}))
}

/// Runs `f` on a thread of its own, outside Tauri's runtime.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_never_sent_the_password() {
        assert_eq!(without_password("postgresql://doc:bi-mat@10.0.0.5:5432/sotay"), "postgresql://doc:•••@10.0.0.5:5432/sotay");
        assert_eq!(without_password("postgresql://doc@replica/sotay"), "postgresql://doc@replica/sotay");
        assert_eq!(without_password("host=replica dbname=sotay"), "host=replica dbname=sotay");
    }
}

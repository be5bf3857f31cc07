//! sotay-core: the whole of Sotay without a window — model, store, change log, Vietnamese text, search,
//! dashboard, demo data. The CLI and the desktop shell are thin layers over this crate.

pub mod backup;
pub mod check;
pub mod clock;
pub mod dashboard;
pub mod docs;
pub mod dump;
pub mod error;
pub mod evidence;
pub mod files;
pub mod i18n;
pub mod model;
pub mod official;
pub mod options;
pub mod pause;
pub mod period;
pub mod report;
pub mod restructure;
pub mod restore;
pub mod seed;
pub mod store;
pub mod sync;
pub mod text;
pub mod vault;

pub use error::{Error, FieldProblem, Problem, Refusal, Result, VaultProblem};
pub use i18n::Lang;
pub use model::Kind;
pub use period::Period;
pub use store::{ListQuery, Page, Sort, Store};

/// The application identifier: Tauri's app data dir and the CLI's default folder are both named by it.
pub const APP_IDENTIFIER: &str = "vn.sotay.app";

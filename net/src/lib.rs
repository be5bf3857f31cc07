//! sotay-net: the same bundles, receipts, keys and rules as the USB stick, carried over HTTPS.
//!
//! - [`server`]: the upper unit's hub (`sotay serve`): takes bundles as `sotay import` takes files, answers
//!   with the signed receipt, and serves each enrolled lower installation what comes down to it.
//! - [`agent`]: the lower side (`sotay sync`, the desktop): pushes what no receipt covers, applies the
//!   receipts, pulls what is new from above, and retries with backoff until everything went through.
//!
//! The wire protocol is docs/hub-protocol.md.

pub mod agent;
pub mod client;
pub mod error;
pub mod pgstore;
pub mod proto;
pub mod server;
pub mod tls;

pub use agent::{push_once, sync_once, Backoff, SyncReport};
pub use error::NetError;
pub use server::{HubLimits, HubServer};

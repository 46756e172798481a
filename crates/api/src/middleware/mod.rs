//! Middleware around every request: request ids and the access log
//! (`observe`), rate and time limits, and the fail-closed audit trail.

pub mod audit;
pub mod headers;
pub mod limits;
pub mod logging;
pub mod observe;
pub mod proxies;

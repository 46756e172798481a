//! Middleware around every request: request ids and the access log
//! (`observe`), rate and time limits, the fail-closed audit trail, the date
//! bound of query parameters and the 500 answer to a panic.

pub mod audit;
pub mod dates;
pub mod headers;
pub mod limits;
pub mod logging;
pub mod observe;
pub mod panics;
pub mod proxies;

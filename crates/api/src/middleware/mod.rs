//! Middleware around every request: request ids and the access log
//! (`observe`), rate and time limits, the fail-closed audit trail and the date
//! bound of query parameters.

pub mod audit;
pub mod dates;
pub mod headers;
pub mod limits;
pub mod logging;
pub mod observe;

//! The HTTP kernel: what every feature stands on. It imports no feature and
//! no middleware: the application state, the one error table, the caller,
//! access rules, extractors, paging, responses, validation, wire enums, the
//! request's audit annotations and the shared parts of the OpenAPI document.

pub mod access;
pub mod audit;
pub mod audit_writer;
pub mod auth;
pub mod dates;
pub mod docs;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod paging;
pub mod respond;
pub mod state;
pub mod validate;
pub mod wire;
pub mod write;

//! HTTP API of the School & Community Teams platform and the `sct` binary's
//! building blocks: configuration, the HTTP kernel (`http`), middleware,
//! one module per feature (`features`), the OpenAPI document and
//! demonstration data. See `docs/architecture.md` for who may import whom.

pub mod app;
pub mod config;
pub mod features;
pub mod http;
pub mod middleware;
pub mod openapi;
pub mod seed;

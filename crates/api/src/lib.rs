//! HTTP API of the School & Community Teams platform and the `sct` binary's
//! building blocks: configuration, authentication, one error mapping,
//! handlers, the OpenAPI document and demonstration data.

pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod credentials;
pub mod delivery_dto;
pub mod dto;
pub mod error;
pub mod extract;
pub mod gias;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod seed;
pub mod webhooks;

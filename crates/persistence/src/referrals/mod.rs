//! Referrals: submission with routing, reading in the caller's scope,
//! keyset-paged lists, and every action of the state machine. Each change to
//! a referral and its history row are written in one transaction.

mod actions;
mod co_workers;
mod correct;
mod read;
pub mod reassessment;
mod submit;

pub use actions::*;
pub use co_workers::*;
pub use correct::*;
pub use read::*;
pub use submit::*;

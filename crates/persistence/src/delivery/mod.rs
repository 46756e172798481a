//! Service delivery: the interventions catalogue, support plans with their
//! goals and versions, sessions (individual or group) with attendance per
//! referral, and reviews that rate each goal again. Every write that touches
//! a referral locks it first, checks the caller's scope and asks the domain
//! whether its status allows the record, all in one transaction.

mod corrections;
mod interventions;
mod plans;
mod reviews;
mod sessions;

pub use corrections::*;
pub use interventions::*;
pub use plans::*;
pub use reviews::*;
pub use sessions::*;

//! Community and place: Family Hubs (and the schools they are connected
//! with), programmes with their sessions,
//! enrolments (places and an ordered waiting list), attendance, and the
//! published programmes the Open Referral UK feed serves.
//!
//! Enrolment changes lock the programme row first (`SELECT ... FOR UPDATE`),
//! so concurrent enrolments and cancellations of one programme queue up and
//! never hand out more places than its capacity.

mod attendance;
mod connections;
mod enrolments;
mod hubs;
mod model;
mod programmes;
mod sessions;

pub use attendance::*;
pub use connections::*;
pub use enrolments::*;
pub use hubs::*;
pub use model::*;
pub use programmes::*;
pub use sessions::*;

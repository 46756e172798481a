//! Webhook rules: the event types the platform publishes, the retry
//! schedule of a delivery, and which network addresses a subscription may
//! point at (server-side request forgery, OWASP API7).

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};

/// A published event type (`{resource}.{change}`).
///
/// Adding a type: a variant here with its name (for serde and strum: the
/// dotted names are not derivable from the variant's), and the outbox's
/// CHECK constraint in a migration.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    AsRefStr,
    EnumString,
    EnumIter,
    strum::Display,
)]
pub enum EventType {
    /// A referral was submitted.
    #[serde(rename = "referral.submitted")]
    #[strum(serialize = "referral.submitted")]
    ReferralSubmitted,
    /// A referral's status changed (every change, including to allocated and closed).
    #[serde(rename = "referral.status_changed")]
    #[strum(serialize = "referral.status_changed")]
    ReferralStatusChanged,
    /// A referral was allocated or reallocated to a worker.
    #[serde(rename = "referral.allocated")]
    #[strum(serialize = "referral.allocated")]
    ReferralAllocated,
    /// A worker was added to or removed from a referral's co-workers.
    #[serde(rename = "referral.co_workers_changed")]
    #[strum(serialize = "referral.co_workers_changed")]
    ReferralCoWorkersChanged,
    /// A referral was closed with an outcome.
    #[serde(rename = "referral.closed")]
    #[strum(serialize = "referral.closed")]
    ReferralClosed,
    /// A termly conversation was booked (or its date moved).
    #[serde(rename = "termly_conversation.scheduled")]
    #[strum(serialize = "termly_conversation.scheduled")]
    TermlyConversationScheduled,
    /// A consultation was recorded for a school.
    #[serde(rename = "consultation.recorded")]
    #[strum(serialize = "consultation.recorded")]
    ConsultationRecorded,
    /// A follow-up of a closed referral was recorded (sustained or not).
    #[serde(rename = "referral.follow_up_recorded")]
    #[strum(serialize = "referral.follow_up_recorded")]
    ReferralFollowUpRecorded,
    /// A referral's review fell due (emitted once per due date by the
    /// scheduled sweep).
    #[serde(rename = "review.due")]
    #[strum(serialize = "review.due")]
    ReviewDue,
    /// A follow-up of a closed referral fell due (emitted once by the
    /// scheduled sweep).
    #[serde(rename = "follow_up.due")]
    #[strum(serialize = "follow_up.due")]
    FollowUpDue,
    /// A termly conversation was offered to a school.
    #[serde(rename = "termly_conversation.offered")]
    #[strum(serialize = "termly_conversation.offered")]
    TermlyConversationOffered,
    /// A family on a programme's waiting list was given a freed place.
    #[serde(rename = "enrolment.promoted")]
    #[strum(serialize = "enrolment.promoted")]
    EnrolmentPromoted,
}

/// Who holds a webhook subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscriber {
    /// A school MIS vendor's integration client (its schools' events).
    Client,
    /// A team, through its manager (its referrals' and its zone's events).
    Team,
    /// The council (la_admin): every event.
    Council,
}

impl EventType {
    /// Whether the event is one for staff only: an integration client may
    /// not subscribe to it (reviews and follow-ups falling due are case
    /// work, offers are the team's, enrolments are family data).
    pub fn staff_only(self) -> bool {
        matches!(
            self,
            Self::ReviewDue
                | Self::FollowUpDue
                | Self::TermlyConversationOffered
                | Self::EnrolmentPromoted
        )
    }

    /// Whether a subscriber may subscribe to the event type. What each
    /// subscription then hears is narrowed further by scope: a client's
    /// schools, a team's referrals and zone.
    pub fn may_subscribe(self, who: Subscriber) -> bool {
        match who {
            Subscriber::Client => !self.staff_only(),
            Subscriber::Team | Subscriber::Council => true,
        }
    }
}

/// How a failed delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; doubled after each further one.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub cap: Duration,
    /// Attempts in all before the delivery gives up.
    pub max_attempts: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this wait.
    RetryIn(Duration),
    /// Give up: the delivery has failed for good.
    GiveUp,
}

impl RetryPolicy {
    /// The decision after `attempts` attempts (counting the one that just
    /// failed): exponential backoff `base * 2^(attempts-1)`, capped.
    pub fn after_failure(&self, attempts: u32) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::GiveUp;
        }
        let exp = attempts.saturating_sub(1).min(30);
        let wait = self.base.saturating_mul(1u32 << exp);
        AfterFailure::RetryIn(wait.min(self.cap))
    }
}

/// Which non-public addresses a webhook URL may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateAddresses {
    /// Only public addresses (production).
    Refuse,
    /// Public addresses and loopback (development, tests).
    AllowLoopback,
    /// Anything (a closed network where receivers live on private addresses).
    AllowAll,
}

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressRefusal {
    #[error("a loopback address")]
    Loopback,
    #[error("a private, link-local or otherwise non-public address")]
    Private,
}

impl PrivateAddresses {
    /// Whether a webhook may be delivered to `ip`.
    ///
    /// # Errors
    /// `AddressRefusal` naming why the address is not allowed.
    pub fn check(self, ip: IpAddr) -> Result<(), AddressRefusal> {
        let ip = canonical(ip);
        if self == Self::AllowAll {
            return Ok(());
        }
        if ip.is_loopback() {
            return if self == Self::AllowLoopback {
                Ok(())
            } else {
                Err(AddressRefusal::Loopback)
            };
        }
        if is_public(ip) {
            Ok(())
        } else {
            Err(AddressRefusal::Private)
        }
    }
}

/// An IPv4-mapped or -compatible IPv6 address is judged as its IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Carrier-grade NAT 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments 192.0.0.0/24, benchmarking 198.18.0.0/15.
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        // Reserved 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        // Documentation 2001:db8::/32, NAT64 64:ff9b::/96 (reaches IPv4 inside).
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || (first == 0x0064 && ip.segments()[1] == 0xff9b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireName;
    use strum::IntoEnumIterator;

    #[test]
    fn event_names_round_trip_and_match_serde() {
        for e in EventType::iter() {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
            assert_eq!(
                serde_json::to_value(e).expect("json"),
                serde_json::Value::String(e.as_str().to_owned())
            );
        }
        assert_eq!(EventType::parse("referral.deleted"), None);
    }

    #[test]
    fn clients_may_not_subscribe_to_staff_events_teams_and_the_council_may() {
        for e in [
            EventType::ReviewDue,
            EventType::FollowUpDue,
            EventType::TermlyConversationOffered,
            EventType::EnrolmentPromoted,
        ] {
            assert!(!e.may_subscribe(Subscriber::Client), "{e}");
            assert!(e.may_subscribe(Subscriber::Team), "{e}");
            assert!(e.may_subscribe(Subscriber::Council), "{e}");
        }
        for e in [
            EventType::ReferralSubmitted,
            EventType::ReferralAllocated,
            EventType::TermlyConversationScheduled,
        ] {
            assert!(e.may_subscribe(Subscriber::Client), "{e}");
            assert!(e.may_subscribe(Subscriber::Team), "{e}");
        }
        assert_eq!(EventType::iter().filter(|e| e.staff_only()).count(), 4);
    }

    #[test]
    fn backoff_doubles_is_capped_and_gives_up() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_mins(1),
            max_attempts: 5,
        };
        assert_eq!(
            p.after_failure(1),
            AfterFailure::RetryIn(Duration::from_secs(10))
        );
        assert_eq!(
            p.after_failure(2),
            AfterFailure::RetryIn(Duration::from_secs(20))
        );
        assert_eq!(
            p.after_failure(3),
            AfterFailure::RetryIn(Duration::from_secs(40))
        );
        assert_eq!(
            p.after_failure(4),
            AfterFailure::RetryIn(Duration::from_mins(1))
        );
        assert_eq!(p.after_failure(5), AfterFailure::GiveUp);
        assert_eq!(p.after_failure(9), AfterFailure::GiveUp);
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_refused_by_default() {
        let refuse = PrivateAddresses::Refuse;
        for (ip, why) in [
            ("127.0.0.1", AddressRefusal::Loopback),
            ("::1", AddressRefusal::Loopback),
            ("::ffff:127.0.0.1", AddressRefusal::Loopback),
            ("10.1.2.3", AddressRefusal::Private),
            ("172.16.0.1", AddressRefusal::Private),
            ("192.168.1.1", AddressRefusal::Private),
            ("169.254.169.254", AddressRefusal::Private),
            ("100.64.0.1", AddressRefusal::Private),
            ("0.0.0.0", AddressRefusal::Private),
            ("fe80::1", AddressRefusal::Private),
            ("fd00::1", AddressRefusal::Private),
            ("::ffff:10.0.0.1", AddressRefusal::Private),
            ("64:ff9b::a00:1", AddressRefusal::Private),
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert_eq!(refuse.check(ip), Err(why), "{ip}");
        }
        for ip in ["8.8.8.8", "2a00:1450:4009:81f::200e", "151.101.1.69"] {
            assert_eq!(refuse.check(ip.parse().expect("ip")), Ok(()), "{ip}");
        }
    }

    #[test]
    fn loopback_and_all_widen_what_is_allowed() {
        let lo: IpAddr = "127.0.0.1".parse().expect("ip");
        let private: IpAddr = "10.0.0.1".parse().expect("ip");
        assert_eq!(PrivateAddresses::AllowLoopback.check(lo), Ok(()));
        assert_eq!(
            PrivateAddresses::AllowLoopback.check(private),
            Err(AddressRefusal::Private)
        );
        assert_eq!(PrivateAddresses::AllowAll.check(private), Ok(()));
    }
}

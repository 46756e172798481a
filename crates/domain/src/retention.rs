//! Retention of a child's records: how long the council keeps them after
//! the service ended, and what anonymising leaves behind.
//!
//! A referral *ends* when it is closed, declined or withdrawn; an open
//! referral (submitted, accepted, allocated, active) keeps everything about
//! the child. A child's records may be anonymised once every referral has
//! ended and the latest end is more than `closed_years` whole years ago.

use crate::Status;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

/// The retention policy (configuration: `SCT_RETENTION_CLOSED_YEARS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Whole years kept after the last referral ended.
    pub closed_years: u32,
}

/// Whether a child's records must still be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// A referral is still open.
    Open,
    /// Every referral ended; kept until this time.
    HeldUntil(DateTime<Utc>),
    /// Every referral ended more than the retention period ago (or there
    /// are none): may be anonymised.
    Expired,
}

/// One referral, as the retention rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralEnd {
    pub status: Status,
    /// When it was closed (for `closed`).
    pub closed_at: Option<DateTime<Utc>>,
    /// Its last change (the decline or withdrawal for those statuses).
    pub updated_at: DateTime<Utc>,
}

impl ReferralEnd {
    /// When the referral ended, or `None` while it is open.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        match self.status {
            Status::Closed => Some(self.closed_at.unwrap_or(self.updated_at)),
            Status::Declined | Status::Withdrawn => Some(self.updated_at),
            Status::Submitted | Status::Accepted | Status::Allocated | Status::Active => None,
        }
    }
}

impl RetentionPolicy {
    /// The end of the retention period of records that ended at `ended`.
    pub fn kept_until(&self, ended: DateTime<Utc>) -> DateTime<Utc> {
        ended
            .checked_add_months(Months::new(self.closed_years.saturating_mul(12)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Whether a child with these referrals must still be kept at `now`.
    pub fn assess(&self, referrals: &[ReferralEnd], now: DateTime<Utc>) -> Retention {
        let mut latest: Option<DateTime<Utc>> = None;
        for r in referrals {
            match r.ended_at() {
                None => return Retention::Open,
                Some(at) => latest = Some(latest.map_or(at, |l| l.max(at))),
            }
        }
        match latest {
            Some(at) if self.kept_until(at) > now => Retention::HeldUntil(self.kept_until(at)),
            _ => Retention::Expired,
        }
    }

    /// The latest end time that has expired at `now` (referrals that ended
    /// at or before it are past retention).
    pub fn cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_months(Months::new(self.closed_years.saturating_mul(12)))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// What an anonymised name reads.
pub const ANONYMISED: &str = "[anonymised]";

/// The date of birth kept after anonymising: the 1st of September that
/// starts the school year of the child's cohort (children born 1 September
/// to 31 August share a year group in England), so that counts by age or
/// cohort do not change while the day of birth is gone.
pub fn anonymised_date_of_birth(dob: NaiveDate) -> NaiveDate {
    let year = if dob.month() >= 9 {
        dob.year()
    } else {
        dob.year() - 1
    };
    NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(dob)
}

/// A stand-in UPN for an anonymised child: 13 characters of the UPN's
/// shape (the table's CHECK holds) derived from the child's id, whose check
/// letter is deliberately wrong, so that it can never equal a real UPN (a
/// real one always has the right check letter) and a later referral of the
/// same child creates a new record.
pub fn anonymised_upn(seed: u128) -> String {
    const LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";
    let digits = format!("{:011}", seed % 100_000_000_000);
    let tail = format!("{digits}0");
    let right = crate::Upn::check_letter(&tail).unwrap_or('A');
    let wrong = LETTERS
        .iter()
        .map(|b| char::from(*b))
        .find(|c| *c != right)
        .unwrap_or('A');
    format!("{wrong}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("time")
    }

    fn closed(on: DateTime<Utc>) -> ReferralEnd {
        ReferralEnd {
            status: Status::Closed,
            closed_at: Some(on),
            updated_at: on,
        }
    }

    const SIX: RetentionPolicy = RetentionPolicy { closed_years: 6 };

    #[test]
    fn an_open_referral_holds_everything() {
        let open = ReferralEnd {
            status: Status::Active,
            closed_at: None,
            updated_at: at(2010, 1, 1),
        };
        assert_eq!(
            SIX.assess(&[closed(at(2010, 1, 1)), open], at(2030, 1, 1)),
            Retention::Open
        );
    }

    #[test]
    fn records_are_kept_six_whole_years_after_the_last_end() {
        let referrals = [closed(at(2018, 3, 1)), closed(at(2020, 7, 15))];
        assert_eq!(
            SIX.assess(&referrals, at(2026, 7, 14)),
            Retention::HeldUntil(at(2026, 7, 15))
        );
        assert_eq!(SIX.assess(&referrals, at(2026, 7, 16)), Retention::Expired);
    }

    #[test]
    fn declined_and_withdrawn_end_at_their_last_change() {
        let declined = ReferralEnd {
            status: Status::Declined,
            closed_at: None,
            updated_at: at(2019, 1, 10),
        };
        assert_eq!(declined.ended_at(), Some(at(2019, 1, 10)));
        assert_eq!(SIX.assess(&[declined], at(2025, 1, 11)), Retention::Expired);
        let withdrawn = ReferralEnd {
            status: Status::Withdrawn,
            ..declined
        };
        assert_eq!(
            SIX.assess(&[withdrawn], at(2024, 1, 11)),
            Retention::HeldUntil(at(2025, 1, 10))
        );
    }

    #[test]
    fn the_cutoff_is_the_period_before_now() {
        assert_eq!(SIX.cutoff(at(2026, 11, 28)), at(2020, 11, 28));
        let one = RetentionPolicy { closed_years: 1 };
        assert_eq!(one.kept_until(at(2024, 2, 29)), at(2025, 2, 28));
    }

    #[test]
    fn the_date_of_birth_keeps_only_the_school_cohort() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert_eq!(anonymised_date_of_birth(d(2016, 3, 14)), d(2015, 9, 1));
        assert_eq!(anonymised_date_of_birth(d(2016, 9, 1)), d(2016, 9, 1));
        assert_eq!(anonymised_date_of_birth(d(2016, 8, 31)), d(2015, 9, 1));
    }

    #[test]
    fn an_anonymised_upn_never_parses_as_a_real_one() {
        for seed in [0_u128, 1, 42, u128::MAX, 123_456_789_012_345] {
            let upn = anonymised_upn(seed);
            assert_eq!(upn.len(), 13);
            assert!(
                matches!(
                    crate::Upn::parse(&upn),
                    Err(crate::CodeError::UpnCheckLetter { .. })
                ),
                "{upn}"
            );
        }
    }
}

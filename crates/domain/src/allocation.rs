//! Routing a referral to a team and allocating it to a worker.
//!
//! School -> zone -> that zone's team. Teams open zone by zone, so a
//! referral whose zone has no operational team yet waits in the council's
//! triage queue instead of being lost or misrouted. Within a team, the
//! manager picks a worker or asks for automatic allocation: the lowest
//! caseload relative to the worker's cap, never over the cap, ties broken by
//! caseload and then by worker id so that the choice is deterministic.

use crate::ids::{TeamId, WorkerId, ZoneId};
use chrono::NaiveDate;
use std::cmp::Ordering;
use thiserror::Error;

/// Where a new or redirected referral goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To the team of the school's zone.
    Team { zone: ZoneId, team: TeamId },
    /// To the council-level triage queue that `la_admin` works.
    CouncilTriage {
        zone: Option<ZoneId>,
        /// Stable machine code of why.
        reason: &'static str,
    },
}

/// Routes a referral from the school's zone and that zone's team (with its
/// operational-from date).
pub fn route(zone: Option<ZoneId>, team: Option<(TeamId, NaiveDate)>, today: NaiveDate) -> Route {
    match (zone, team) {
        (None, _) => Route::CouncilTriage {
            zone: None,
            reason: "school_has_no_zone",
        },
        (Some(zone), None) => Route::CouncilTriage {
            zone: Some(zone),
            reason: "zone_has_no_team",
        },
        (Some(zone), Some((_, from))) if from > today => Route::CouncilTriage {
            zone: Some(zone),
            reason: "team_not_yet_operational",
        },
        (Some(zone), Some((team, _))) => Route::Team { zone, team },
    }
}

/// A worker's current load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerLoad {
    pub worker: WorkerId,
    /// Referrals allocated or active with the worker.
    pub caseload: u32,
    /// The most the worker may carry.
    pub cap: u32,
    /// Whether the worker takes new work.
    pub active: bool,
}

impl WorkerLoad {
    fn has_room(&self) -> bool {
        self.active && self.caseload < self.cap
    }

    /// Compares relative load `caseload / cap` exactly, by cross-multiplying.
    fn relative_cmp(&self, other: &Self) -> Ordering {
        (u64::from(self.caseload) * u64::from(other.cap))
            .cmp(&(u64::from(other.caseload) * u64::from(self.cap)))
    }
}

/// How the manager asked for the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationChoice {
    Manual(WorkerId),
    Auto,
}

/// Why no worker could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllocationError {
    #[error("the worker is not a member of the referral's team")]
    NotInTeam,
    #[error("the worker is not taking new work")]
    WorkerInactive,
    #[error("the worker is at their caseload cap ({cap})")]
    AtCap { cap: u32 },
    #[error("the referral is already allocated to that worker")]
    SameWorker,
    #[error("no worker in the team has room under their caseload cap")]
    NoCapacity,
}

impl AllocationError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotInTeam => "worker_not_in_team",
            Self::WorkerInactive => "worker_inactive",
            Self::AtCap { .. } => "worker_at_capacity",
            Self::SameWorker => "already_allocated_to_worker",
            Self::NoCapacity => "no_worker_capacity",
        }
    }
}

/// Chooses a worker, returning the choice and the reason to record.
///
/// `team` lists the loads of every worker of the referral's team; `current`
/// is the worker already holding the referral (reallocation).
///
/// # Errors
/// `NotInTeam`, `WorkerInactive`, `AtCap`, `SameWorker` for a manual choice;
/// `NoCapacity` when automatic allocation finds nobody with room.
pub fn choose_worker(
    choice: AllocationChoice,
    team: &[WorkerLoad],
    current: Option<WorkerId>,
) -> Result<(WorkerId, String), AllocationError> {
    match choice {
        AllocationChoice::Manual(id) => {
            if current == Some(id) {
                return Err(AllocationError::SameWorker);
            }
            let load = team
                .iter()
                .find(|w| w.worker == id)
                .ok_or(AllocationError::NotInTeam)?;
            if !load.active {
                return Err(AllocationError::WorkerInactive);
            }
            if load.caseload >= load.cap {
                return Err(AllocationError::AtCap { cap: load.cap });
            }
            Ok((
                id,
                format!(
                    "chosen by the manager; caseload {} of {}",
                    load.caseload, load.cap
                ),
            ))
        }
        AllocationChoice::Auto => team
            .iter()
            .filter(|w| w.has_room() && Some(w.worker) != current)
            .min_by(|a, b| {
                a.relative_cmp(b)
                    .then(a.caseload.cmp(&b.caseload))
                    .then(a.worker.cmp(&b.worker))
            })
            .map(|w| {
                (
                    w.worker,
                    format!(
                        "automatic: lowest caseload relative to cap ({} of {})",
                        w.caseload, w.cap
                    ),
                )
            })
            .ok_or(AllocationError::NoCapacity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn wid(n: u128) -> WorkerId {
        WorkerId(Uuid::from_u128(n))
    }

    fn load(n: u128, caseload: u32, cap: u32) -> WorkerLoad {
        WorkerLoad {
            worker: wid(n),
            caseload,
            cap,
            active: true,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_zone_with_an_operational_team_routes_to_it() {
        let zone = ZoneId(Uuid::from_u128(1));
        let team = TeamId(Uuid::from_u128(2));
        assert_eq!(
            route(Some(zone), Some((team, day(2023, 6, 1))), day(2026, 11, 28)),
            Route::Team { zone, team }
        );
        assert_eq!(
            route(
                Some(zone),
                Some((team, day(2026, 11, 28))),
                day(2026, 11, 28)
            ),
            Route::Team { zone, team },
            "operational from today"
        );
    }

    #[test]
    fn referrals_without_an_operational_team_wait_for_the_council() {
        let zone = ZoneId(Uuid::from_u128(1));
        let team = TeamId(Uuid::from_u128(2));
        let today = day(2023, 7, 1);
        assert_eq!(
            route(Some(zone), Some((team, day(2023, 8, 31))), today),
            Route::CouncilTriage {
                zone: Some(zone),
                reason: "team_not_yet_operational"
            }
        );
        assert_eq!(
            route(Some(zone), None, today),
            Route::CouncilTriage {
                zone: Some(zone),
                reason: "zone_has_no_team"
            }
        );
        assert_eq!(
            route(None, None, today),
            Route::CouncilTriage {
                zone: None,
                reason: "school_has_no_zone"
            }
        );
    }

    #[test]
    fn auto_picks_the_lowest_relative_caseload() {
        // 5/10 = 0.5 beats 3/4 = 0.75 even though 3 < 5.
        let team = [load(1, 3, 4), load(2, 5, 10)];
        let (w, why) = choose_worker(AllocationChoice::Auto, &team, None).expect("room");
        assert_eq!(w, wid(2));
        assert!(why.contains("5 of 10"));
    }

    #[test]
    fn auto_breaks_ties_by_caseload_then_id() {
        let team = [load(3, 2, 4), load(2, 1, 2), load(1, 2, 4)];
        // 2/4 = 1/2 = 2/4; lowest caseload 1 wins.
        assert_eq!(
            choose_worker(AllocationChoice::Auto, &team, None)
                .expect("room")
                .0,
            wid(2)
        );
        let team = [load(3, 2, 4), load(1, 2, 4)];
        assert_eq!(
            choose_worker(AllocationChoice::Auto, &team, None)
                .expect("room")
                .0,
            wid(1)
        );
    }

    #[test]
    fn auto_never_goes_over_the_cap_or_to_inactive_workers() {
        let mut inactive = load(2, 0, 10);
        inactive.active = false;
        let team = [load(1, 4, 4), inactive];
        assert_eq!(
            choose_worker(AllocationChoice::Auto, &team, None),
            Err(AllocationError::NoCapacity)
        );
    }

    #[test]
    fn auto_reallocation_moves_to_someone_else() {
        let team = [load(1, 0, 10), load(2, 5, 10)];
        assert_eq!(
            choose_worker(AllocationChoice::Auto, &team, Some(wid(1)))
                .expect("room")
                .0,
            wid(2)
        );
    }

    #[test]
    fn manual_choices_are_checked() {
        let mut inactive = load(3, 0, 10);
        inactive.active = false;
        let team = [load(1, 4, 4), load(2, 1, 4), inactive];
        assert_eq!(
            choose_worker(AllocationChoice::Manual(wid(9)), &team, None),
            Err(AllocationError::NotInTeam)
        );
        assert_eq!(
            choose_worker(AllocationChoice::Manual(wid(1)), &team, None),
            Err(AllocationError::AtCap { cap: 4 })
        );
        assert_eq!(
            choose_worker(AllocationChoice::Manual(wid(3)), &team, None),
            Err(AllocationError::WorkerInactive)
        );
        assert_eq!(
            choose_worker(AllocationChoice::Manual(wid(2)), &team, Some(wid(2))),
            Err(AllocationError::SameWorker)
        );
        let (w, why) = choose_worker(AllocationChoice::Manual(wid(2)), &team, None).expect("ok");
        assert_eq!(w, wid(2));
        assert!(why.contains("manager"));
        for e in [
            AllocationError::NotInTeam,
            AllocationError::WorkerInactive,
            AllocationError::AtCap { cap: 1 },
            AllocationError::SameWorker,
            AllocationError::NoCapacity,
        ] {
            assert!(!e.code().is_empty());
        }
    }

    proptest! {
        #[test]
        fn auto_choice_has_room_and_no_one_with_room_is_relatively_lighter(
            loads in proptest::collection::vec((0u32..20, 1u32..20, any::<bool>()), 1..12)
        ) {
            let team: Vec<_> = loads
                .iter()
                .enumerate()
                .map(|(i, &(caseload, cap, active))| WorkerLoad {
                    worker: wid(i as u128),
                    caseload,
                    cap,
                    active,
                })
                .collect();
            match choose_worker(AllocationChoice::Auto, &team, None) {
                Ok((w, _)) => {
                    let chosen = team.iter().find(|l| l.worker == w).expect("member");
                    prop_assert!(chosen.has_room());
                    for other in team.iter().filter(|l| l.has_room()) {
                        prop_assert!(chosen.relative_cmp(other) != Ordering::Greater);
                    }
                }
                Err(e) => {
                    prop_assert_eq!(e, AllocationError::NoCapacity);
                    prop_assert!(team.iter().all(|l| !l.has_room()));
                }
            }
        }
    }
}

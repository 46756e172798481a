//! Schools' feedback on the team's work (issue 14, item 7): after a
//! referral's closure, a consultation or a held termly conversation, the
//! school rates the work (1-5) and says how confident it now is to meet the
//! child's or children's needs in mainstream (1-5). One answer per school per
//! item.

use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;

/// What a school gives feedback on.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackAbout {
    /// A referral of the school, once closed.
    Referral,
    /// A consultation the team held with the school.
    Consultation,
    /// The school's termly conversation, once held.
    TermlyConversation,
}

/// The lowest and highest score of both questions.
pub const SCORES: std::ops::RangeInclusive<i16> = 1..=5;

/// Why feedback is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FeedbackError {
    /// A score outside 1-5.
    #[error("a score is a whole number from 1 to 5")]
    OffScale,
    /// The school was not involved in the item (it answers as not found).
    #[error("no such item of this school")]
    NotInvolved,
    /// The item is not finished: the referral is not closed, or the
    /// conversation not held.
    #[error("feedback follows a closure, a consultation or a held conversation")]
    NotDue,
}

/// A score of either question, checked.
///
/// # Errors
/// `OffScale` outside 1-5.
pub fn score(n: i16) -> Result<i16, FeedbackError> {
    if SCORES.contains(&n) {
        Ok(n)
    } else {
        Err(FeedbackError::OffScale)
    }
}

/// Whether a school may give feedback on an item: it must be the item's
/// school, and the item finished.
///
/// # Errors
/// `NotInvolved` before `NotDue`: a school learns nothing of another's items.
pub fn may_give(involved: bool, finished: bool) -> Result<(), FeedbackError> {
    match (involved, finished) {
        (false, _) => Err(FeedbackError::NotInvolved),
        (true, false) => Err(FeedbackError::NotDue),
        (true, true) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireName;
    use strum::IntoEnumIterator;

    #[test]
    fn scores_run_from_one_to_five() {
        assert_eq!(score(0), Err(FeedbackError::OffScale));
        assert_eq!(score(1), Ok(1));
        assert_eq!(score(5), Ok(5));
        assert_eq!(score(6), Err(FeedbackError::OffScale));
        assert_eq!(score(-1), Err(FeedbackError::OffScale));
    }

    #[test]
    fn only_the_items_school_gives_feedback_and_only_once_it_is_finished() {
        assert_eq!(may_give(false, true), Err(FeedbackError::NotInvolved));
        assert_eq!(
            may_give(false, false),
            Err(FeedbackError::NotInvolved),
            "another school's unfinished item is not found, not 'not due'"
        );
        assert_eq!(may_give(true, false), Err(FeedbackError::NotDue));
        assert_eq!(may_give(true, true), Ok(()));
    }

    #[test]
    fn wire_names_are_snake_case_and_round_trip() {
        for a in FeedbackAbout::iter() {
            assert_eq!(a.as_str().parse::<FeedbackAbout>(), Ok(a));
            assert_eq!(
                serde_json::to_value(a).expect("json"),
                serde_json::Value::String(a.as_str().to_owned())
            );
        }
        assert_eq!(
            FeedbackAbout::TermlyConversation.as_str(),
            "termly_conversation"
        );
    }
}

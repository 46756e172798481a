//! The diary (issue 16, item 2): what a planned appointment may be, when two
//! appointments of one worker clash, and the iCalendar text (RFC 5545) of a
//! worker's calendar feed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};

/// The longest appointment: 12 hours.
pub const MAX_HOURS: i64 = 12;

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
        #[strum(serialize_all = "snake_case")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }
    };
}

code_enum!(
    /// Where an appointment happens.
    AppointmentMode {
        /// Face to face, at `place`.
        InPerson,
        /// A video or phone call.
        Online,
    }
);

code_enum!(
    /// Who is expected at an appointment (roles, never names).
    Expected {
        /// The child or young person.
        Child,
        /// A parent or carer.
        ParentCarer,
        /// Staff of the child's school.
        SchoolStaff,
        /// A partner organisation's worker.
        Partner,
    }
);

code_enum!(
    /// Where an appointment stands.
    AppointmentStatus {
        /// Ahead, or not yet recorded.
        Planned,
        /// Called off before it took place.
        Cancelled,
        /// Recorded as the session it became.
        Completed,
    }
);

code_enum!(
    /// Who called an appointment off.
    CancelledBy {
        /// The child's family.
        Family,
        /// The school.
        School,
        /// The service (the worker or their team).
        Service,
    }
);

/// Why an appointment's times are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanProblem {
    /// It ends at or before its start.
    EndsBeforeStart,
    /// It lasts more than [`MAX_HOURS`].
    TooLong,
}

/// Checks an appointment's start and end.
///
/// # Errors
/// The problem with the span.
pub fn check_span(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), SpanProblem> {
    if end <= start {
        return Err(SpanProblem::EndsBeforeStart);
    }
    if end - start > chrono::Duration::hours(MAX_HOURS) {
        return Err(SpanProblem::TooLong);
    }
    Ok(())
}

/// Whether two spans overlap (touching ends do not).
pub fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Whether an appointment in this status may still be changed, cancelled or
/// completed.
pub fn may_change(status: AppointmentStatus) -> bool {
    status == AppointmentStatus::Planned
}

/// The initials of a name ("Sam Example" -> "S.E."), the only personal data
/// a calendar feed carries.
pub fn initials(given: &str, family: &str) -> String {
    let mut out = String::new();
    for c in [given, family]
        .iter()
        .filter_map(|n| n.trim().chars().next())
        .filter(|c| c.is_alphabetic())
    {
        out.extend(c.to_uppercase());
        out.push('.');
    }
    out
}

/// One event of a calendar feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Globally unique and stable: the appointment's id with the service's
    /// domain.
    pub uid: String,
    /// When the appointment was last changed.
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Initials and codes only.
    pub summary: String,
    pub cancelled: bool,
}

fn ics_time(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8
/// character, and ends it with CRLF.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// A calendar (`VCALENDAR`) of these events, lines folded and ended with
/// CRLF, times in UTC.
pub fn calendar(name: &str, events: &[CalendarEvent]) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//SCT platform//Diary//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{}", ics_time(e.stamp)));
        line(format!("DTSTART:{}", ics_time(e.start)));
        line(format!("DTEND:{}", ics_time(e.end)));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        line(format!(
            "STATUS:{}",
            if e.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap()
    }

    #[test]
    fn a_span_ends_after_its_start_and_lasts_at_most_twelve_hours() {
        assert_eq!(
            check_span(at(10, 0), at(10, 0)),
            Err(SpanProblem::EndsBeforeStart)
        );
        assert_eq!(
            check_span(at(10, 0), at(9, 0)),
            Err(SpanProblem::EndsBeforeStart)
        );
        assert_eq!(check_span(at(8, 0), at(20, 0)), Ok(()));
        assert_eq!(check_span(at(8, 0), at(20, 1)), Err(SpanProblem::TooLong));
    }

    #[test]
    fn touching_appointments_do_not_clash() {
        assert!(!overlaps((at(9, 0), at(10, 0)), (at(10, 0), at(11, 0))));
        assert!(overlaps((at(9, 0), at(10, 1)), (at(10, 0), at(11, 0))));
        assert!(overlaps((at(9, 0), at(12, 0)), (at(10, 0), at(11, 0))));
    }

    #[test]
    fn initials_only() {
        assert_eq!(initials("sam", "Example"), "S.E.");
        assert_eq!(initials("", "Example"), "E.");
        assert_eq!(initials("[anonymised]", "[anonymised]"), "");
    }

    #[test]
    fn lines_end_with_crlf_and_fold_at_75_octets() {
        let e = CalendarEvent {
            uid: "x@sct".into(),
            stamp: at(8, 0),
            start: at(9, 0),
            end: at(10, 0),
            summary: "é".repeat(60),
            cancelled: false,
        };
        let text = calendar("Diary; week", &[e]);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for l in text.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert!(text.contains("DTSTART:20261207T090000Z\r\n"));
        assert!(text.contains("X-WR-CALNAME:Diary\\; week\r\n"));
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}\r\n", "é".repeat(60))));
    }
}

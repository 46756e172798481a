//! `If-Match` (RFC 9110 §13.1.1) over the versions this API sends as
//! strong ETags (`"v3"`): `*` matches any current representation, a list
//! matches when any of its tags does, and weak tags (`W/"v3"`) never match
//! (If-Match compares strongly).

/// What an `If-Match` header accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionMatch {
    /// `*`: any current representation.
    Any,
    /// The versions of the strong tags listed (possibly none: a header that
    /// names no tag of ours matches nothing).
    OneOf(Vec<i32>),
}

impl VersionMatch {
    /// Exactly one version (what a client that read `"vN"` sends).
    pub fn version(v: i32) -> Self {
        Self::OneOf(vec![v])
    }

    /// Parses the field value (several header lines joined with `,`). A
    /// malformed list stops at the first malformed member: what came before
    /// still counts, nothing after it does.
    pub fn parse(value: &str) -> Self {
        if value.trim() == "*" {
            return Self::Any;
        }
        let mut versions = Vec::new();
        let mut rest = value;
        loop {
            rest = rest.trim_start_matches([',', ' ', '\t']);
            if rest.is_empty() {
                break;
            }
            let (weak, tail) = match rest.strip_prefix("W/") {
                Some(t) => (true, t),
                None => (false, rest),
            };
            let Some(tail) = tail.strip_prefix('"') else {
                break;
            };
            let Some(end) = tail.find('"') else {
                break;
            };
            let opaque = &tail[..end];
            rest = &tail[end + 1..];
            if weak {
                continue;
            }
            if let Some(v) = opaque.strip_prefix('v').and_then(|n| n.parse::<i32>().ok()) {
                versions.push(v);
            }
        }
        Self::OneOf(versions)
    }

    /// Whether the current version satisfies the condition.
    pub fn matches(&self, current: i32) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(vs) => vs.contains(&current),
        }
    }

    /// Whether any version matches (`*`), for a SQL `OR`.
    pub fn is_any(&self) -> bool {
        matches!(self, Self::Any)
    }

    /// The versions listed (empty for `*`), for a SQL `= ANY(...)`.
    pub fn versions(&self) -> Vec<i32> {
        match self {
            Self::Any => Vec::new(),
            Self::OneOf(vs) => vs.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_any_version() {
        let m = VersionMatch::parse(" * ");
        assert_eq!(m, VersionMatch::Any);
        assert!(m.matches(1) && m.matches(99));
    }

    #[test]
    fn a_list_matches_when_any_strong_tag_does() {
        let m = VersionMatch::parse("\"v3\", \"v4\"");
        assert_eq!(m, VersionMatch::OneOf(vec![3, 4]));
        assert!(m.matches(3) && m.matches(4) && !m.matches(5));
        assert_eq!(VersionMatch::parse("\"v3\",\"v4\""), m);
        assert_eq!(VersionMatch::parse("\"v7\""), VersionMatch::version(7));
    }

    #[test]
    fn weak_foreign_and_malformed_tags_match_nothing() {
        assert_eq!(VersionMatch::parse("W/\"v3\""), VersionMatch::OneOf(vec![]));
        assert_eq!(
            VersionMatch::parse("W/\"v3\", \"v4\""),
            VersionMatch::OneOf(vec![4])
        );
        assert_eq!(VersionMatch::parse("\"abc\""), VersionMatch::OneOf(vec![]));
        assert_eq!(VersionMatch::parse("v3"), VersionMatch::OneOf(vec![]));
        assert_eq!(VersionMatch::parse(""), VersionMatch::OneOf(vec![]));
        // A comma inside a tag does not split it.
        assert_eq!(
            VersionMatch::parse("\"x,\"v3\"\""),
            VersionMatch::OneOf(vec![])
        );
        assert_eq!(
            VersionMatch::parse("\"v2\", garbage, \"v3\""),
            VersionMatch::OneOf(vec![2])
        );
        assert!(!VersionMatch::parse("*, \"v1\"").matches(2));
    }
}

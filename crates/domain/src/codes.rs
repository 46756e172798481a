//! Identifiers and codes a school MIS sends: UPN, URN (a setting's
//! identifier, of one of three schemes), year group, SEN provision and SEN
//! type. Each is a value type with a private field and a
//! `parse` that refuses anything the DfE data standards do not allow.

use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};
use thiserror::Error;

/// Why a code was refused. The `code()` is a stable machine name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeError {
    #[error("a UPN has 13 characters")]
    UpnLength,
    #[error("a UPN starts with a check letter, then 11 digits, then a digit or (temporary UPN) a letter")]
    UpnFormat,
    #[error("the UPN's check letter is wrong: expected {expected}")]
    UpnCheckLetter { expected: char },
    #[error("a URN has exactly 6 digits")]
    Urn,
    #[error("a setting identifier is a 6-digit URN, an Ofsted registration number (EY and 6 digits) or a local id (LA- and 1 to 20 capital letters or digits)")]
    SettingId,
    #[error(
        "an Ofsted registration number is EY and 6 digits (or 6 digits for an older Ofsted URN)"
    )]
    OfstedNumber,
    #[error("a local id is LA- and 1 to 20 capital letters or digits")]
    LocalId,
    #[error("unknown year group: use N1, N2, R, 1 to 14 or X")]
    YearGroup,
    #[error("unknown SEN provision: use N, K or E")]
    SenProvision,
    #[error("unknown SEN type code")]
    SenType,
    #[error("NSA (no specialist assessment) is only valid with SEN provision K")]
    NsaNeedsSenSupport,
    #[error("a primary need is required with SEN provision K or E")]
    PrimaryNeedRequired,
    #[error("a child with SEN provision N has no primary need")]
    PrimaryNeedWithoutSen,
}

impl CodeError {
    /// Stable machine code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::UpnLength | CodeError::UpnFormat => "invalid_upn",
            CodeError::UpnCheckLetter { .. } => "invalid_upn_check_letter",
            CodeError::Urn
            | CodeError::SettingId
            | CodeError::OfstedNumber
            | CodeError::LocalId => "invalid_urn",
            CodeError::YearGroup => "invalid_year_group",
            CodeError::SenProvision => "invalid_sen_provision",
            CodeError::SenType => "invalid_sen_type",
            CodeError::NsaNeedsSenSupport => "nsa_requires_sen_support",
            CodeError::PrimaryNeedRequired => "primary_need_required",
            CodeError::PrimaryNeedWithoutSen => "primary_need_without_sen",
        }
    }
}

/// The alphabet of UPN check letters: 23 letters, no I, O or S.
const CHECK_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// Value of a character in the UPN check-letter sum: a digit counts as
/// itself, a letter (only allowed as a temporary UPN's last character) by its
/// place in the check-letter table.
fn upn_char_value(c: u8) -> Option<u32> {
    if c.is_ascii_digit() {
        Some(u32::from(c - b'0'))
    } else {
        CHECK_LETTERS
            .iter()
            .position(|&l| l == c)
            .and_then(|p| u32::try_from(p).ok())
    }
}

/// A unique pupil number (DfE data standard UniquePupilNumber 2.0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Upn(String);

impl Upn {
    /// The check letter the DfE algorithm gives for the 12 characters after
    /// it.
    ///
    /// # Errors
    /// `UpnFormat` when a character is not a digit or a check-table letter.
    pub fn check_letter(tail: &str) -> Result<char, CodeError> {
        let bytes = tail.as_bytes();
        if bytes.len() != 12 {
            return Err(CodeError::UpnLength);
        }
        let mut sum = 0u32;
        for (i, &c) in bytes.iter().enumerate() {
            let weight = u32::try_from(i).unwrap_or(0) + 2;
            sum += upn_char_value(c).ok_or(CodeError::UpnFormat)? * weight;
        }
        Ok(char::from(CHECK_LETTERS[(sum % 23) as usize]))
    }

    /// Parses a UPN, permanent or temporary, and checks its check letter.
    /// Lower-case input is accepted and upper-cased.
    ///
    /// # Errors
    /// `UpnLength`, `UpnFormat` or `UpnCheckLetter`.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let upn = raw.trim().to_ascii_uppercase();
        let b = upn.as_bytes();
        if b.len() != 13 {
            return Err(CodeError::UpnLength);
        }
        let first_ok = CHECK_LETTERS.contains(&b[0]);
        let middle_ok = b[1..12].iter().all(u8::is_ascii_digit);
        let last_ok = b[12].is_ascii_digit() || CHECK_LETTERS.contains(&b[12]);
        if !(first_ok && middle_ok && last_ok) {
            return Err(CodeError::UpnFormat);
        }
        let expected = Self::check_letter(&upn[1..])?;
        if char::from(b[0]) != expected {
            return Err(CodeError::UpnCheckLetter { expected });
        }
        Ok(Self(upn))
    }

    /// Whether this is a temporary UPN (its last character is a letter).
    pub fn is_temporary(&self) -> bool {
        self.0.as_bytes()[12].is_ascii_alphabetic()
    }

    /// The local-authority code the UPN was allocated by.
    pub fn la_code(&self) -> &str {
        &self.0[1..4]
    }

    /// The UPN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Upn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Upn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Upn::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// How a setting's identifier is issued: its scheme.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdScheme {
    /// The DfE's unique reference number of a GIAS establishment: 6 digits.
    Urn,
    /// An Ofsted registration number: `EY` and 6 digits (early years
    /// register), or 6 digits (an older Ofsted URN).
    Ofsted,
    /// The council's own id for a provider with neither: `LA-` and 1 to 20
    /// capital letters or digits.
    Local,
}

/// What kind of education setting: a GIAS school, or a provider beyond GIAS.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    /// A school (or other establishment) of the DfE's register (GIAS).
    School,
    /// A nursery, pre-school or other group early-years setting.
    EarlyYearsSetting,
    /// A childminder.
    Childminder,
    /// Any other provider the team works with.
    Other,
}

/// The phase recorded for a setting beyond GIAS when none is given.
pub const EARLY_YEARS_PHASE: &str = "early_years";

/// Every identifier any scheme issues, as one regular expression (the
/// OpenAPI `pattern` of every URN parameter and field states it).
pub const SETTING_ID_PATTERN: &str = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$";

/// The longest local id after its `LA-` prefix.
const MAX_LOCAL_ID: usize = 20;

fn six_digits(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

impl IdScheme {
    /// Whether `id` is an identifier this scheme issues.
    pub fn issues(self, id: &str) -> bool {
        match self {
            Self::Urn => six_digits(id),
            Self::Ofsted => six_digits(id.strip_prefix("EY").unwrap_or(id)),
            Self::Local => id.strip_prefix("LA-").is_some_and(|rest| {
                (1..=MAX_LOCAL_ID).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }),
        }
    }

    fn refusal(self) -> CodeError {
        match self {
            Self::Urn => CodeError::Urn,
            Self::Ofsted => CodeError::OfstedNumber,
            Self::Local => CodeError::LocalId,
        }
    }
}

/// A setting's identifier: a school's 6-digit URN, an Ofsted registration
/// number or a local id (see [`IdScheme`]). Every URN the API reads (paths,
/// fields, a token's `schools`) is one of these, checked here; the scheme a
/// setting was registered under is kept beside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SettingId(String);

impl SettingId {
    /// Parses an identifier of any scheme.
    ///
    /// # Errors
    /// `SettingId` unless the text is a 6-digit URN, `EY` and 6 digits, or
    /// `LA-` and 1 to 20 capital letters or digits.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let raw = raw.trim();
        if IdScheme::iter().any(|s| s.issues(raw)) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(CodeError::SettingId)
        }
    }

    /// Parses an identifier of one scheme (`Urn` for a GIAS URN).
    ///
    /// # Errors
    /// `Urn`, `OfstedNumber` or `LocalId`: the scheme's own refusal.
    pub fn parse_in(scheme: IdScheme, raw: &str) -> Result<Self, CodeError> {
        let raw = raw.trim();
        if scheme.issues(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(scheme.refusal())
        }
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SettingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SettingId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        SettingId::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A national curriculum year group (`NCyearActual`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YearGroup {
    /// Nursery first year.
    N1,
    /// Nursery second year.
    N2,
    /// Reception.
    Reception,
    /// Years 1 to 14.
    Year(u8),
    /// Curriculum not followed.
    NotFollowed,
}

impl YearGroup {
    /// Parses the census code: N1, N2, R, 1-14, X.
    ///
    /// # Errors
    /// `YearGroup` for anything else.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "N1" => Ok(Self::N1),
            "N2" => Ok(Self::N2),
            "R" => Ok(Self::Reception),
            "X" => Ok(Self::NotFollowed),
            digits => match digits.parse::<u8>() {
                Ok(n @ 1..=14) if !digits.starts_with('0') => Ok(Self::Year(n)),
                _ => Err(CodeError::YearGroup),
            },
        }
    }

    /// The census code.
    pub fn code(self) -> String {
        match self {
            Self::N1 => "N1".into(),
            Self::N2 => "N2".into(),
            Self::Reception => "R".into(),
            Self::NotFollowed => "X".into(),
            Self::Year(n) => n.to_string(),
        }
    }
}

/// SEN provision as recorded in the school census. Its names are the census
/// codes (N, K, E), not derivable from the variant names.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    IntoStaticStr,
    AsRefStr,
    EnumString,
    EnumIter,
    strum::Display,
)]
pub enum SenProvision {
    /// `N`: no special educational need.
    #[strum(serialize = "N")]
    NoSen,
    /// `K`: SEN Support.
    #[strum(serialize = "K")]
    SenSupport,
    /// `E`: education, health and care plan.
    #[strum(serialize = "E")]
    EhcPlan,
}

impl SenProvision {
    /// The census code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// Parses the census code.
    ///
    /// # Errors
    /// `SenProvision` for anything but N, K, E.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        raw.trim().parse().map_err(|_| CodeError::SenProvision)
    }
}

/// SEN type (primary or secondary need) as recorded in the school census:
/// the census code is the variant's name in capitals, read in any case.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "UPPERCASE", ascii_case_insensitive)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenType {
    Spld,
    Mld,
    Sld,
    Pmld,
    Semh,
    Slcn,
    Hi,
    Vi,
    Msi,
    Pd,
    Asd,
    /// Down syndrome, added to the census in 2025.
    Ds,
    Oth,
    /// SEN Support but no specialist assessment of type.
    Nsa,
}

impl SenType {
    /// The census code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// Parses the census code (case-insensitive).
    ///
    /// # Errors
    /// `SenType` for an unknown code.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        raw.trim().parse().map_err(|_| CodeError::SenType)
    }

    /// Checks a primary need against the SEN provision, as the census does:
    /// K and E need a type, N has none, NSA only goes with K.
    ///
    /// # Errors
    /// `PrimaryNeedRequired`, `PrimaryNeedWithoutSen` or `NsaNeedsSenSupport`.
    pub fn check_with(provision: SenProvision, need: Option<SenType>) -> Result<(), CodeError> {
        match (provision, need) {
            (SenProvision::NoSen, Some(_)) => Err(CodeError::PrimaryNeedWithoutSen),
            (SenProvision::NoSen, None) => Ok(()),
            (_, None) => Err(CodeError::PrimaryNeedRequired),
            (SenProvision::EhcPlan, Some(SenType::Nsa)) => Err(CodeError::NsaNeedsSenSupport),
            (_, Some(_)) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireName;
    use proptest::prelude::*;
    use strum::IntoEnumIterator;

    #[test]
    fn the_dfe_example_upn_is_valid() {
        let upn = Upn::parse("B801200005001").expect("valid");
        assert_eq!(upn.as_str(), "B801200005001");
        assert_eq!(upn.la_code(), "801");
        assert!(!upn.is_temporary());
    }

    #[test]
    fn a_wrong_check_letter_is_refused_with_the_expected_one() {
        assert_eq!(
            Upn::parse("A801200005001"),
            Err(CodeError::UpnCheckLetter { expected: 'B' })
        );
    }

    #[test]
    fn upn_shapes_are_checked() {
        assert_eq!(Upn::parse("B80120000500"), Err(CodeError::UpnLength));
        assert_eq!(Upn::parse("B8012000050011"), Err(CodeError::UpnLength));
        assert_eq!(Upn::parse("I801200005001"), Err(CodeError::UpnFormat));
        assert_eq!(Upn::parse("B80120000A001"), Err(CodeError::UpnFormat));
        assert_eq!(Upn::parse("B80120000500S"), Err(CodeError::UpnFormat));
        assert_eq!(Upn::parse("1801200005001"), Err(CodeError::UpnFormat));
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        assert_eq!(
            Upn::parse(" b801200005001 ").expect("valid").as_str(),
            "B801200005001"
        );
    }

    #[test]
    fn temporary_upns_take_the_letter_value_from_the_table() {
        // Last character 'A' (value 0) instead of '1': the sum drops by 13.
        let letter = Upn::check_letter("80120000500A").expect("letter");
        // 93 - 13 = 80; 80 mod 23 = 11 -> 'M'.
        assert_eq!(letter, 'M');
        let upn = Upn::parse("M80120000500A").expect("valid temporary UPN");
        assert!(upn.is_temporary());
    }

    #[test]
    fn urns_are_six_digits() {
        let urn = |s| SettingId::parse_in(IdScheme::Urn, s);
        assert!(urn("121234").is_ok());
        assert_eq!(urn("12123"), Err(CodeError::Urn));
        assert_eq!(urn("1212345"), Err(CodeError::Urn));
        assert_eq!(urn("12a234"), Err(CodeError::Urn));
        assert_eq!(urn("EY123456"), Err(CodeError::Urn));
        assert_eq!(urn("LA-X1"), Err(CodeError::Urn));
    }

    #[test]
    fn ofsted_numbers_are_ey_and_six_digits_or_an_older_urn() {
        let ofsted = |s| SettingId::parse_in(IdScheme::Ofsted, s);
        assert_eq!(ofsted("EY123456").expect("EY").as_str(), "EY123456");
        assert!(ofsted("512345").is_ok());
        for bad in [
            "EY12345",
            "EY1234567",
            "ey123456",
            "EYA23456",
            "EX123456",
            "LA-1",
            "",
        ] {
            assert_eq!(ofsted(bad), Err(CodeError::OfstedNumber), "{bad}");
        }
    }

    #[test]
    fn local_ids_are_la_and_up_to_twenty_capitals_or_digits() {
        let local = |s| SettingId::parse_in(IdScheme::Local, s);
        assert!(local("LA-CM0042").is_ok());
        assert!(local("LA-ABCDEFGHIJ0123456789").is_ok());
        for bad in [
            "LA-",
            "LA-abc",
            "LA-AB CD",
            "LA-ABCDEFGHIJ01234567890",
            "la-1",
            "123456",
        ] {
            assert_eq!(local(bad), Err(CodeError::LocalId), "{bad}");
        }
    }

    #[test]
    fn any_scheme_is_a_setting_identifier_and_nothing_else() {
        for ok in ["121234", "EY123456", "LA-NURSERY7", " 121234 "] {
            assert!(SettingId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "12345",
            "EY12345",
            "LA-",
            "import",
            "../121234",
            "121234x",
            "GB123456",
        ] {
            assert_eq!(SettingId::parse(bad), Err(CodeError::SettingId), "{bad}");
            assert_eq!(
                SettingId::parse(bad).map_err(|e| e.code()),
                Err("invalid_urn")
            );
        }
        assert_eq!(SettingId::parse(" 121234 ").expect("ok").as_str(), "121234");
    }

    #[test]
    fn scheme_and_kind_names_round_trip() {
        for s in IdScheme::iter() {
            assert_eq!(IdScheme::parse(s.as_str()), Some(s));
        }
        for k in SettingKind::iter() {
            assert_eq!(SettingKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(
            SettingKind::EarlyYearsSetting.as_str(),
            "early_years_setting"
        );
        assert_eq!(IdScheme::parse("gias"), None);
    }

    #[test]
    fn year_groups_follow_the_census() {
        for ok in ["N1", "N2", "R", "1", "11", "14", "X", "r", "x"] {
            assert!(YearGroup::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["0", "15", "N3", "Y5", "05", ""] {
            assert_eq!(YearGroup::parse(bad), Err(CodeError::YearGroup), "{bad}");
        }
        assert_eq!(YearGroup::parse("5").expect("y5").code(), "5");
        assert_eq!(YearGroup::parse("r").expect("R").code(), "R");
    }

    #[test]
    fn sen_provision_codes() {
        assert_eq!(SenProvision::parse("K"), Ok(SenProvision::SenSupport));
        assert_eq!(SenProvision::parse("E"), Ok(SenProvision::EhcPlan));
        assert_eq!(SenProvision::parse("N"), Ok(SenProvision::NoSen));
        assert_eq!(SenProvision::parse("S"), Err(CodeError::SenProvision));
    }

    #[test]
    fn sen_types_include_down_syndrome() {
        assert_eq!(SenType::parse("DS"), Ok(SenType::Ds));
        assert_eq!(SenType::parse("semh"), Ok(SenType::Semh));
        assert_eq!(SenType::parse("ADHD"), Err(CodeError::SenType));
        for t in SenType::iter() {
            assert_eq!(SenType::parse(t.code()), Ok(t));
        }
    }

    #[test]
    fn nsa_is_only_valid_with_sen_support() {
        assert_eq!(
            SenType::check_with(SenProvision::SenSupport, Some(SenType::Nsa)),
            Ok(())
        );
        assert_eq!(
            SenType::check_with(SenProvision::EhcPlan, Some(SenType::Nsa)),
            Err(CodeError::NsaNeedsSenSupport)
        );
        assert_eq!(
            SenType::check_with(SenProvision::NoSen, Some(SenType::Nsa)),
            Err(CodeError::PrimaryNeedWithoutSen)
        );
        assert_eq!(
            SenType::check_with(SenProvision::EhcPlan, None),
            Err(CodeError::PrimaryNeedRequired)
        );
        assert_eq!(SenType::check_with(SenProvision::NoSen, None), Ok(()));
    }

    fn tail_strategy() -> impl Strategy<Value = String> {
        ("[0-9]{11}", prop_oneof!["[0-9]", "[A-HJ-NP-RT-Z]"]).prop_map(|(a, b)| format!("{a}{b}"))
    }

    proptest! {
        #[test]
        fn a_computed_check_letter_always_validates(tail in tail_strategy()) {
            let letter = Upn::check_letter(&tail).expect("letter");
            let upn = format!("{letter}{tail}");
            prop_assert!(Upn::parse(&upn).is_ok());
        }

        #[test]
        fn any_other_check_letter_is_refused(tail in tail_strategy(), idx in 0usize..23) {
            let right = Upn::check_letter(&tail).expect("letter");
            let other = char::from(CHECK_LETTERS[idx]);
            prop_assume!(other != right);
            let refused = Upn::parse(&format!("{other}{tail}"));
            prop_assert_eq!(refused, Err(CodeError::UpnCheckLetter { expected: right }));
        }

        #[test]
        fn changing_one_digit_changes_the_check_letter(tail in "[0-9]{12}", pos in 0usize..12, delta in 1u8..10) {
            // Weights 2..13 are all coprime with 23, so a single-digit change
            // always changes the sum mod 23.
            let mut bytes = tail.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).expect("ascii");
            prop_assert_ne!(Upn::check_letter(&tail).expect("a"), Upn::check_letter(&changed).expect("b"));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Upn::parse(&s);
            let _ = SettingId::parse(&s);
            let _ = YearGroup::parse(&s);
        }
    }
}

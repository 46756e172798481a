//! Wire names: the text an enum is sent, stored and documented as.

/// The wire name of an enum whose names strum derives (`IntoStaticStr` and
/// `EnumString`, `serialize_all = "snake_case"` as serde's), and back: one
/// source of names for serde, the OpenAPI and the stored text. Every such
/// enum has it (a blanket implementation); bring the trait into scope to
/// call `as_str` or `parse`.
pub trait WireName: Copy + Into<&'static str> + std::str::FromStr {
    /// The wire name.
    fn as_str(self) -> &'static str {
        self.into()
    }

    /// From a wire name (`None` for an unknown one).
    fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

impl<T: Copy + Into<&'static str> + std::str::FromStr> WireName for T {}

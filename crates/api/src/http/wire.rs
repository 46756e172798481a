//! Wire enums: the snake_case names clients send and read, each the mirror
//! of a domain enum (one conversion each way), with its OpenAPI schema.

/// Declares a wire enum mirroring a domain enum variant for variant. With
/// `default = Variant`, it also reads a stored wire name back
/// (`from_code`), falling back to that variant for an unknown one.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident => $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl From<$name> for $domain {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$domain>::$variant),+ }
            }
        }

        impl From<$domain> for $name {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$variant => $name::$variant),+ }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident => $domain:path { $($variant:ident),+ $(,)? } default = $fallback:ident) => {
        $crate::http::wire::wire_enum!($(#[$doc])* $name => $domain { $($variant),+ });

        impl $name {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                <$domain as sct_domain::WireName>::as_str(<$domain>::from(self))
            }

            /// From a stored wire name (an unknown name falls back to the default).
            pub fn from_code(s: &str) -> Self {
                <$domain as sct_domain::WireName>::parse(s).map_or(Self::$fallback, Self::from)
            }
        }
    };
}
pub(crate) use wire_enum;

/// Declares a wire enum of the API's own (no domain twin) whose names
/// strum derives, snake_case as serde's: its wire name and back come from
/// [`WireName`], its OpenAPI schema from utoipa.
macro_rules! named_enum {
    ($(#[$doc:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            strum::IntoStaticStr, strum::EnumString,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }
    };
}
pub(crate) use named_enum;

pub use sct_domain::WireName;

/// The role of whoever made a change or a request, as recorded: a token's
/// role, or `system` for the server's own jobs (the retention job, the
/// policy published at the first migration).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    LaAdmin,
    TeamManager,
    Practitioner,
    School,
    Integration,
    System,
}

impl ActorRole {
    /// From a stored role name (any other name reads as `system`).
    pub fn from_code(s: &str) -> Self {
        match sct_domain::Role::parse(s) {
            Some(sct_domain::Role::LaAdmin) => Self::LaAdmin,
            Some(sct_domain::Role::TeamManager) => Self::TeamManager,
            Some(sct_domain::Role::Practitioner) => Self::Practitioner,
            Some(sct_domain::Role::School) => Self::School,
            Some(sct_domain::Role::Integration) => Self::Integration,
            None => Self::System,
        }
    }
}

/// An HTTP method, as recorded in the audit trail.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    strum::EnumString,
)]
#[strum(serialize_all = "UPPERCASE")]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl HttpMethod {
    /// From a stored method name (`None` for any other).
    pub fn from_code(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

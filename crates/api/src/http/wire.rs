//! Wire enums: the snake_case names clients send and read, each the mirror
//! of a domain enum (one conversion each way), with its OpenAPI schema.

/// Declares a wire enum mirroring a domain enum variant for variant. With
/// `default = Variant`, it also reads a stored wire name back
/// (`from_code`), falling back to that variant for an unknown one.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident => $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
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
                <$domain>::from(self).as_str()
            }

            /// From a stored wire name (an unknown name falls back to the default).
            pub fn from_code(s: &str) -> Self {
                <$domain>::parse(s).map_or(Self::$fallback, Self::from)
            }
        }
    };
}
pub(crate) use wire_enum;

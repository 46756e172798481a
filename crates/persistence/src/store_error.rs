//! The conversions of a feature's write error from the store's: a macro,
//! because each feature's error is its own type.

/// Implements the conversions into a feature's error enum that has a
/// `Store(StoreError)` variant:
///
/// - `store_error!(E)`: from diesel's errors, through [`crate::StoreError`]
///   (the enum derives `From<StoreError>` itself, with thiserror's `#[from]`);
/// - `store_error!(E, not_found)`: from `StoreError` and from diesel's errors,
///   a missing row becoming the enum's own `NotFound`.
macro_rules! store_error {
    ($error:ty) => {
        impl From<diesel::result::Error> for $error {
            fn from(e: diesel::result::Error) -> Self {
                Self::Store(e.into())
            }
        }
    };
    ($error:ty, not_found) => {
        impl From<$crate::StoreError> for $error {
            fn from(e: $crate::StoreError) -> Self {
                match e {
                    $crate::StoreError::NotFound => Self::NotFound,
                    other => Self::Store(other),
                }
            }
        }

        impl From<diesel::result::Error> for $error {
            fn from(e: diesel::result::Error) -> Self {
                $crate::StoreError::from(e).into()
            }
        }
    };
}
pub(crate) use store_error;

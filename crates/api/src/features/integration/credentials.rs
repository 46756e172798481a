//! Client secrets: 32 bytes from the operating system's random source,
//! shown once as unpadded base64url and stored only as an Argon2id PHC
//! string (the `argon2` crate's defaults: Argon2id v19, 19 MiB, t=2, p=1).

use argon2::password_hash::PasswordHash;
use argon2::password_hash::PasswordHasher;
use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::SaltString;
use argon2::Argon2;
use base64::Engine;
use thiserror::Error;

/// Why a secret could not be made or hashed.
#[derive(Debug, Error)]
pub enum CredentialError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("cannot hash the secret: {0}")]
    Hash(String),
}

fn random_bytes<const N: usize>() -> Result<[u8; N], CredentialError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| CredentialError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A new client secret.
///
/// # Errors
/// `Random` when the operating system cannot supply randomness.
pub fn generate_secret() -> Result<String, CredentialError> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// The Argon2id PHC string of a secret, with a fresh 16-byte salt.
///
/// # Errors
/// `Random` or `Hash`.
pub fn hash_secret(secret: &str) -> Result<String, CredentialError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| CredentialError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CredentialError::Hash(e.to_string()))
}

/// Whether `secret` matches the PHC string (in constant time for the hash
/// comparison; an unparsable hash never matches).
pub fn verify_secret(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_verify_only_themselves() {
        let a = generate_secret().expect("secret");
        let b = generate_secret().expect("secret");
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        let hash = hash_secret(&a).expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains(&a));
        assert!(verify_secret(&a, &hash));
        assert!(!verify_secret(&b, &hash));
        assert!(!verify_secret(&a, "not a hash"));
    }
}

//! Client secrets: 32 bytes from the operating system's random source,
//! shown once as unpadded base64url and stored only as an Argon2id PHC
//! string (the `argon2` crate's defaults: Argon2id v19, 19 MiB, t=2, p=1).
//!
//! Every Argon2 computation of the process goes through one [`Gate`]: at
//! most twice as many at once as the machine has cores (19 MiB each), a
//! caller waiting at most [`Gate::WAIT`] for its turn before it is answered
//! 503 with `Retry-After`. An unknown client id is checked against
//! [`dummy_hash`] so that it costs the same one verification as a known one
//! (no timing oracle on which ids exist).

use argon2::password_hash::PasswordHash;
use argon2::password_hash::PasswordHasher;
use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::SaltString;
use argon2::Algorithm;
use argon2::Argon2;
use argon2::Block;
use argon2::Params;
use argon2::Version;
use base64::Engine;
use std::sync::OnceLock;
use std::time::Duration;
use thiserror::Error;
use tokio::sync::Semaphore;

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

/// An Argon2id PHC string with the same parameters as real secrets' (of a
/// random secret nobody knows), verified when the client id is unknown.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        generate_secret()
            .and_then(|s| hash_secret(&s))
            // Unreachable in practice; a fixed valid PHC string of the same
            // parameters keeps the cost equal even then.
            .unwrap_or_else(|_| {
                "$argon2id$v=19$m=19456,t=2,p=1$c2N0LWR1bW15LXNhbHQ$\
                 Dyx2mSRIsR6U8S4O0Pp26JwEhpQJ2H3nhG5Je3VbbUY"
                    .to_owned()
            })
    })
}

/// The hashes to verify a presented secret against: the client's current
/// one and its previous one while that is in its grace period; for an
/// unknown (or revoked) client the dummy hash, so that every path costs at
/// least one verification.
pub fn hashes_to_check(client: Option<(&str, Option<&str>)>) -> Vec<String> {
    match client {
        Some((current, previous)) => std::iter::once(current)
            .chain(previous)
            .map(str::to_owned)
            .collect(),
        None => vec![dummy_hash().to_owned()],
    }
}

/// Whether `secret` matches any of `hashes` (each one is verified, so the
/// time does not tell which one matched), computing in `memory` (resized
/// as needed and kept by the caller for the next verification: the
/// allocator would otherwise keep a freed 19 MiB region per thread).
pub fn verify_any(secret: &str, hashes: &[String], memory: &mut Vec<Block>) -> bool {
    hashes
        .iter()
        .fold(false, |found, h| verify_in(secret, h, memory) | found)
}

/// `verify_secret` in caller-provided Argon2 memory.
fn verify_in(secret: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let blocks = argon.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut out = vec![0u8; expected.len()];
    argon
        .hash_password_into_with_memory(secret.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .is_ok()
        && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

/// The process-wide bound on concurrent Argon2 computations, with one
/// reusable Argon2 memory per permit.
pub struct Gate {
    permits: Semaphore,
    wait: Duration,
    memories: std::sync::Mutex<Vec<Vec<Block>>>,
}

/// The gate was full for longer than its wait.
#[derive(Debug, Error)]
#[error("too many secrets are being checked at once")]
pub struct Busy;

impl Gate {
    /// How long a caller waits for its turn.
    pub const WAIT: Duration = Duration::from_secs(2);

    /// A gate of `permits` concurrent computations.
    pub fn new(permits: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(permits.max(1)),
            wait,
            memories: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The process's gate: twice the available cores.
    pub fn global() -> &'static Self {
        static GATE: OnceLock<Gate> = OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            Self::new(2 * cores, Self::WAIT)
        })
    }

    /// Runs `f` on the blocking pool once a permit is free.
    ///
    /// # Errors
    /// `Busy` when no permit came within the wait (or the blocking task
    /// failed).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let _permit = tokio::time::timeout(self.wait, self.permits.acquire())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        tokio::task::spawn_blocking(f).await.map_err(|_| Busy)
    }

    /// As `run`, with one of the gate's Argon2 memories lent to `f` (there
    /// are never more memories than permits).
    ///
    /// # Errors
    /// As `run`.
    pub async fn run_with_memory<T: Send + 'static>(
        &'static self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        self.run(move || {
            let mut memory = self
                .memories
                .lock()
                .ok()
                .and_then(|mut m| m.pop())
                .unwrap_or_default();
            let out = f(&mut memory);
            if let Ok(mut m) = self.memories.lock() {
                m.push(memory);
            }
            out
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_client_costs_one_full_verification_against_the_dummy() {
        let hashes = hashes_to_check(None);
        assert_eq!(hashes, [dummy_hash()]);
        // A valid PHC string of the real parameters: parsing succeeds, so
        // the verification runs Argon2 in full instead of failing early.
        let parsed = PasswordHash::new(dummy_hash()).expect("valid PHC");
        let real = hash_secret("x").expect("hash");
        let real = PasswordHash::new(&real).expect("real");
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.params, real.params);
        let mut memory = Vec::new();
        assert!(!verify_any("anything", &hashes, &mut memory));
        let known = hash_secret("s3cret").expect("hash");
        assert_eq!(
            hashes_to_check(Some((&known, None))),
            std::slice::from_ref(&known)
        );
        assert!(verify_any(
            "s3cret",
            &hashes_to_check(Some((&known, None))),
            &mut memory
        ));
        let old = hash_secret("old").expect("hash");
        let both = hashes_to_check(Some((&known, Some(&old))));
        assert!(verify_any("old", &both, &mut memory) && verify_any("s3cret", &both, &mut memory));
        assert!(!verify_any("new", &both, &mut memory));
        assert!(!verify_any(
            "old",
            &[String::from("not a hash")],
            &mut memory
        ));
        // The pooled verification agrees with the crate's own.
        assert_eq!(memory.len(), 19 * 1024);
        assert!(verify_secret("old", &old));
    }

    #[tokio::test]
    async fn the_gate_refuses_when_full_for_longer_than_its_wait() {
        let gate = Gate::new(1, Duration::from_millis(10));
        assert_eq!(gate.run(|| 1).await.expect("free"), 1);
        let held = gate.permits.try_acquire().expect("permit");
        assert!(gate.run(|| 2).await.is_err());
        drop(held);
        assert_eq!(gate.run(|| 3).await.expect("free again"), 3);
        assert!(Gate::global().permits.available_permits() >= 2);
    }

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

//! Bearer-token authentication: JWT validation with a pinned algorithm, the
//! caller it yields, and the development tokens `sct token` prints.

use crate::config::JwtSettings;
use crate::config::Settings;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web;
use actix_web::FromRequest;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::decode;
use jsonwebtoken::decode_header;
use jsonwebtoken::encode;
use jsonwebtoken::jwk::AlgorithmParameters;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::Algorithm;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::EncodingKey;
use jsonwebtoken::Header;
use jsonwebtoken::Validation;
use sct_domain::Role;
use sct_domain::SettingId;
use sct_domain::WireName;
use sct_persistence::integration;
use sct_persistence::Db;
use serde::Deserialize;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::RwLock;
use std::time::Duration;
use std::time::Instant;
use uuid::Uuid;

/// The claims of an SCT token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schools: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    /// The token version of the integration client the token was issued to
    /// by `POST /oauth/token`; checked against the client on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_version: Option<i32>,
    pub iss: String,
    /// One audience or several (RFC 7519 section 4.1.3); the validation
    /// requires ours among them.
    pub aud: Audience,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
}

/// The `aud` claim: a string or an array of strings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Keys and rules for tokens.
pub struct JwtKeys {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    validation: Validation,
    algorithm: Algorithm,
    issuer: String,
    audience: String,
    /// The identity provider's RS256/ES256 keys by `kid`, if configured.
    jwks: Option<Arc<Jwks>>,
}

/// Where the identity provider publishes its keys.
#[derive(Debug, Clone)]
pub enum JwksSource {
    File(std::path::PathBuf),
    Url(String),
}

/// A JSON Web Key Set (RFC 7517) held in memory: RS256 and ES256 keys by
/// `kid`, reloaded every `refresh` and when a token names an unknown `kid`
/// (at most once per `MIN_RELOAD`), so that the identity provider can rotate
/// its keys without a restart.
pub struct Jwks {
    source: JwksSource,
    keys: RwLock<HashMap<String, (Algorithm, DecodingKey)>>,
    refresh: Duration,
    last_load: Mutex<Option<Instant>>,
}

/// Shortest interval between two reloads forced by unknown `kid`s.
const MIN_RELOAD: Duration = Duration::from_secs(10);

impl Jwks {
    /// A set that loads from `source`; call `reload` before use.
    pub fn new(source: JwksSource, refresh: Duration) -> Arc<Self> {
        Arc::new(Self {
            source,
            keys: RwLock::new(HashMap::new()),
            refresh,
            last_load: Mutex::new(None),
        })
    }

    /// Parses a JWKS document into the keys this API accepts: RSA keys for
    /// RS256 and P-256 keys for ES256, each with a `kid`. Others are skipped.
    ///
    /// # Errors
    /// `KeyError` when the document is not a JWKS.
    pub fn parse(text: &[u8]) -> Result<HashMap<String, (Algorithm, DecodingKey)>, KeyError> {
        let set: JwkSet =
            serde_json::from_slice(text).map_err(|e| KeyError(format!("JWKS: {e}")))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            let alg = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => Algorithm::RS256,
                AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                _ => continue,
            };
            if let Some(declared) = jwk.common.key_algorithm {
                if Algorithm::try_from(declared).ok() != Some(alg) {
                    continue;
                }
            }
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                keys.insert(kid, (alg, key));
            }
        }
        Ok(keys)
    }

    async fn fetch(&self) -> Result<Vec<u8>, KeyError> {
        match &self.source {
            JwksSource::File(p) => {
                std::fs::read(p).map_err(|e| KeyError(format!("{}: {e}", p.display())))
            }
            JwksSource::Url(u) => {
                // The configuration allowed this URL (https, or loopback
                // http for tests); a redirect is an error, not followed, so
                // that the keys come only from where the council said.
                if !crate::config::jwks_url_allowed(u, true) {
                    return Err(KeyError(format!("JWKS {u}: only https is allowed")));
                }
                // rustls with ring, as for webhook deliveries (idempotent).
                let _ = rustls::crypto::ring::default_provider().install_default();
                let res = reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| KeyError(e.to_string()))?
                    .get(u)
                    .send()
                    .await
                    .map_err(|e| KeyError(format!("JWKS {u}: {e}")))?;
                if !res.status().is_success() {
                    return Err(KeyError(format!(
                        "JWKS {u}: the server answered {} (redirects are not followed)",
                        res.status()
                    )));
                }
                res.bytes()
                    .await
                    .map(|b| b.to_vec())
                    .map_err(|e| KeyError(format!("JWKS {u}: {e}")))
            }
        }
    }

    /// Loads the keys again; on failure the keys held stay in use.
    ///
    /// # Errors
    /// `KeyError` when the source cannot be read or parsed.
    pub async fn reload(&self) -> Result<usize, KeyError> {
        if let Ok(mut last) = self.last_load.lock() {
            *last = Some(Instant::now());
        }
        let keys = Self::parse(&self.fetch().await?)?;
        let n = keys.len();
        if let Ok(mut held) = self.keys.write() {
            *held = keys;
        }
        Ok(n)
    }

    /// Reloads if the last load is older than `MIN_RELOAD` (an unknown kid).
    async fn reload_for_unknown_kid(&self) {
        let due = self
            .last_load
            .lock()
            .is_ok_and(|l| l.is_none_or(|t| t.elapsed() >= MIN_RELOAD));
        if due {
            if let Err(e) = self.reload().await {
                log::warn!("{e}");
            }
        }
    }

    fn key(&self, kid: &str) -> Option<(Algorithm, DecodingKey)> {
        self.keys.read().ok()?.get(kid).cloned()
    }

    /// Reloads every `refresh` until the set is dropped.
    pub fn spawn_refresh(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let period = self.refresh;
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let mut tick = tokio::time::interval(period);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let Some(set) = weak.upgrade() else { break };
                    if let Err(e) = set.reload().await {
                        log::warn!("{e}");
                    }
                }
            });
        }
    }
}

/// Why keys could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("cannot load the JWT keys: {0}")]
pub struct KeyError(String);

impl JwtKeys {
    /// Loads the keys the settings name.
    ///
    /// # Errors
    /// `KeyError` when a key file is missing or not a PEM key.
    pub fn from_settings(jwt: &JwtSettings) -> Result<Self, KeyError> {
        let read = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| KeyError(format!("{}: {e}", p.display())))
        };
        let (decoding, encoding) = match jwt.algorithm {
            Algorithm::HS256 => {
                let secret = jwt
                    .secret
                    .as_ref()
                    .ok_or_else(|| KeyError("no secret".into()))?;
                let bytes = secret.expose().as_bytes();
                (
                    DecodingKey::from_secret(bytes).map_err(|e| KeyError(e.to_string()))?,
                    Some(EncodingKey::from_secret(bytes).map_err(|e| KeyError(e.to_string()))?),
                )
            }
            alg => {
                let public = jwt
                    .public_key_file
                    .as_deref()
                    .ok_or_else(|| KeyError("no public key file".into()))?;
                let pem = read(public)?;
                let decoding = if alg == Algorithm::ES256 {
                    DecodingKey::from_ec_pem(&pem)
                } else {
                    DecodingKey::from_rsa_pem(&pem)
                }
                .map_err(|e| KeyError(e.to_string()))?;
                let encoding = match &jwt.private_key_file {
                    Some(p) => {
                        let pem = read(p)?;
                        Some(
                            if alg == Algorithm::ES256 {
                                EncodingKey::from_ec_pem(&pem)
                            } else {
                                EncodingKey::from_rsa_pem(&pem)
                            }
                            .map_err(|e| KeyError(e.to_string()))?,
                        )
                    }
                    None => None,
                };
                (decoding, encoding)
            }
        };
        let mut validation = Validation::new(jwt.algorithm);
        validation.algorithms = vec![jwt.algorithm];
        validation.set_issuer(&[&jwt.issuer]);
        validation.set_audience(&[&jwt.audience]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        validation.required_spec_claims = ["exp", "nbf", "iss", "aud", "sub"]
            .into_iter()
            .map(String::from)
            .collect();
        Ok(Self {
            decoding,
            encoding,
            validation,
            algorithm: jwt.algorithm,
            issuer: jwt.issuer.clone(),
            audience: jwt.audience.clone(),
            jwks: None,
        })
    }

    /// Adds the identity provider's key set (RS256/ES256 by `kid`),
    /// accepted alongside the pinned algorithm.
    #[must_use]
    pub fn with_jwks(mut self, jwks: Arc<Jwks>) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// The key set the settings name (`SCT_JWKS_FILE` or `SCT_JWKS_URL`),
    /// loaded once and refreshed in the background.
    ///
    /// # Errors
    /// `KeyError` when the first load fails.
    pub async fn load_with_jwks(settings: &Settings) -> Result<Self, KeyError> {
        let keys = Self::load(settings)?;
        let source = match (&settings.jwt.jwks_file, &settings.jwt.jwks_url) {
            (Some(f), _) => JwksSource::File(f.clone()),
            (None, Some(u)) => JwksSource::Url(u.clone()),
            (None, None) => return Ok(keys),
        };
        let jwks = Jwks::new(
            source,
            Duration::from_secs(settings.jwt.jwks_refresh_seconds),
        );
        let n = jwks.reload().await?;
        log::info!("loaded {n} identity provider keys");
        jwks.spawn_refresh();
        Ok(keys.with_jwks(jwks))
    }

    /// Loads the keys from full settings.
    ///
    /// # Errors
    /// As `from_settings`.
    pub fn load(settings: &Settings) -> Result<Self, KeyError> {
        Self::from_settings(&settings.jwt)
    }

    /// Signs a token for the given identity.
    ///
    /// # Errors
    /// `KeyError` when no signing key is configured.
    pub fn issue(&self, spec: &TokenSpec) -> Result<String, KeyError> {
        let key = self
            .encoding
            .as_ref()
            .ok_or_else(|| KeyError("no signing key: set SCT_JWT_PRIVATE_KEY_FILE".into()))?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: spec.subject.clone(),
            role: spec.role.as_str().to_owned(),
            name: spec.name.clone(),
            schools: spec.schools.clone(),
            team_id: spec.team_id,
            client_version: spec.client_version,
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            exp: now + spec.ttl_seconds,
            nbf: now - 5,
            iat: now,
        };
        encode(&Header::new(self.algorithm), &claims, key).map_err(|e| KeyError(e.to_string()))
    }

    /// Validates a token and returns the caller.
    ///
    /// # Errors
    /// `InvalidToken` for any failure, without saying which check failed
    /// beyond a short reason.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        self.verify_with(token)
    }

    /// As `verify`, reloading the key set first when the token names a
    /// `kid` it does not hold (the identity provider rotated its keys).
    ///
    /// # Errors
    /// As `verify`.
    pub async fn verify_fresh(&self, token: &str) -> Result<Caller, ApiError> {
        if let (Some(jwks), Ok(header)) = (&self.jwks, decode_header(token)) {
            if let Some(kid) = header.kid.as_deref() {
                if jwks.key(kid).is_none() {
                    jwks.reload_for_unknown_kid().await;
                }
            }
        }
        self.verify_with(token)
    }

    fn verify_with(&self, token: &str) -> Result<Caller, ApiError> {
        let refuse = |e: &jsonwebtoken::errors::Error| {
            ApiError::new(
                ErrorCode::InvalidToken,
                format!("the token was refused: {}", short_reason(e)),
            )
        };
        // A token of the identity provider: an asymmetric algorithm and a
        // kid from its key set. The key decides the algorithm, never the
        // token: an HS256 header naming an RSA key's kid is refused.
        if let Some(jwks) = &self.jwks {
            let header = decode_header(token).map_err(|e| refuse(&e))?;
            if let Some(kid) = header.kid.as_deref() {
                if matches!(header.alg, Algorithm::RS256 | Algorithm::ES256)
                    || self.algorithm != header.alg
                {
                    let (alg, key) = jwks.key(kid).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InvalidToken,
                            "the token was refused: unknown key id",
                        )
                    })?;
                    let mut validation = self.validation.clone();
                    validation.algorithms = vec![alg];
                    let data =
                        decode::<Claims>(token, &key, &validation).map_err(|e| refuse(&e))?;
                    return Caller::from_claims(data.claims);
                }
            }
        }
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| refuse(&e))?;
        Caller::from_claims(data.claims)
    }
}

fn short_reason(e: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::ExpiredSignature => "expired",
        K::ImmatureSignature => "not yet valid",
        K::InvalidIssuer => "wrong issuer",
        K::InvalidAudience => "wrong audience",
        K::InvalidSignature => "bad signature",
        K::InvalidAlgorithm => "algorithm not accepted",
        K::MissingRequiredClaim(_) => "a required claim is missing",
        _ => "malformed",
    }
}

/// What `issue` needs.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub subject: String,
    pub role: Role,
    pub name: String,
    pub schools: Vec<String>,
    pub team_id: Option<Uuid>,
    pub ttl_seconds: i64,
    /// Set for tokens of a registered integration client.
    pub client_version: Option<i32>,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub subject: String,
    pub role: Role,
    pub name: String,
    pub schools: Vec<String>,
    pub team_id: Option<Uuid>,
    /// The integration client's token version, for tokens from
    /// `POST /oauth/token`.
    pub client_version: Option<i32>,
    /// For a team role: the active worker record of the subject, once
    /// resolved (`team_member`); `team_id` is then that worker's team
    /// or, when the token names no worker of its team, none.
    pub worker_id: Option<Uuid>,
}

impl Caller {
    /// Checks the claims hang together for the role.
    ///
    /// # Errors
    /// `InvalidToken` for an unknown role, a school or integration token
    /// without valid schools, or a team role without a team.
    pub fn from_claims(c: Claims) -> Result<Self, ApiError> {
        let invalid = |why: &str| ApiError::new(ErrorCode::InvalidToken, why.to_owned());
        let role = Role::parse(&c.role).ok_or_else(|| invalid("the token's role is unknown"))?;
        if c.sub.trim().is_empty() {
            return Err(invalid("the token has no subject"));
        }
        if role.acts_for_schools() {
            if c.schools.is_empty() {
                return Err(invalid(
                    "a school or integration token must list its schools",
                ));
            }
            if c.schools.iter().any(|u| SettingId::parse(u).is_err()) {
                return Err(invalid(
                    "the token lists a school that is not a setting identifier (URN, Ofsted number or local id)",
                ));
            }
        }
        if role.belongs_to_team() && c.team_id.is_none() {
            return Err(invalid("a team token must carry team_id"));
        }
        Ok(Self {
            subject: c.sub,
            role,
            name: c.name,
            schools: c.schools,
            team_id: c.team_id,
            client_version: c.client_version,
            worker_id: None,
        })
    }

    /// Refuses the call unless the caller's role is one of `roles`.
    ///
    /// # Errors
    /// `ForbiddenForRole`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(self.role.as_str()))
        }
    }
}

/// Resolving the caller here, rather than in `scope_of`, covers every
/// operation: each handler that needs a caller extracts one, while some never
/// compute a scope. A token of a registered integration client costs one
/// primary-key lookup that refuses it once the client is revoked (its token
/// version moved on) and takes the client's schools as they are now.
/// Integration tokens without `client_version` were signed directly by the
/// identity provider (or `sct token`) and are trusted like any other token.
/// A team role's token is matched to its worker record the same way
/// (`team_member`): a deactivated worker is refused here, on every
/// operation.
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let keys = req.app_data::<web::Data<JwtKeys>>().cloned();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let keys = keys.ok_or_else(|| {
                ApiError::new(ErrorCode::Internal, "authentication is not configured")
            })?;
            let caller = keys.verify_fresh(&token?).await?;
            let caller = match (caller.role, caller.client_version) {
                (Role::Integration, Some(version)) => {
                    let state = state.as_ref().ok_or_else(|| {
                        ApiError::new(ErrorCode::Internal, "authentication is not configured")
                    })?;
                    check_client(caller, version, &state.db).await?
                }
                _ => caller,
            };
            // For the audit middleware: who made this request (a refused
            // deactivated worker included).
            req.extensions_mut().insert(AuditCaller::of(&caller));
            if caller.role.belongs_to_team() {
                let state = state.ok_or_else(|| {
                    ApiError::new(ErrorCode::Internal, "authentication is not configured")
                })?;
                return team_member(caller, &state.db).await;
            }
            Ok(caller)
        })
    }
}

async fn check_client(caller: Caller, version: i32, db: &Db) -> Result<Caller, ApiError> {
    let refused = || {
        ApiError::new(
            ErrorCode::InvalidToken,
            "the token was refused: the integration client was revoked",
        )
    };
    let id = Uuid::parse_str(&caller.subject).map_err(|_| refused())?;
    let mut conn = db.conn().await?;
    match integration::token_state(&mut conn, id).await? {
        Some(state) if state.revoked_at.is_none() && state.token_version == version => Ok(Caller {
            schools: state.schools,
            ..caller
        }),
        _ => Err(refused()),
    }
}

/// The bearer token of a request.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::new(
            ErrorCode::MissingToken,
            "send Authorization: Bearer <token>",
        )
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidToken,
            "the Authorization header is not text",
        )
    })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::MissingToken, "use the Bearer scheme"))?;
    Ok(token.to_owned())
}

/// The caller of a request, kept by the `Caller` extractor for the
/// middleware.
#[derive(Debug, Clone)]
pub struct AuditCaller {
    pub subject: String,
    pub role: String,
    pub client_id: Option<String>,
}

impl AuditCaller {
    /// From an authenticated caller.
    pub fn of(caller: &Caller) -> Self {
        Self {
            subject: caller.subject.clone(),
            role: caller.role.as_str().to_owned(),
            client_id: caller.client_version.map(|_| caller.subject.clone()),
        }
    }
}

/// Resolves a team role's token to its worker record, the one place that
/// decides what a team manager or practitioner reaches
/// (docs/adr/0007-practitioner-scope.md): the record with the token's
/// subject must be active (403 `worker_deactivated` otherwise) and of the
/// token's team; a token whose subject is no worker, or a worker of another
/// team, keeps no team and reaches nothing. Run once per request by the
/// `Caller` extractor; `scope_of` and `reach_of` read its result.
///
/// # Errors
/// `WorkerDeactivated`; the database's errors.
pub async fn team_member(caller: Caller, db: &sct_persistence::Db) -> Result<Caller, ApiError> {
    let mut conn = db.conn().await?;
    let worker =
        sct_persistence::organisation::worker_by_subject(&mut conn, &caller.subject).await?;
    Ok(match worker {
        Some(w) if !w.active => {
            return Err(ApiError::new(
                ErrorCode::WorkerDeactivated,
                "the worker record of this token is deactivated",
            ))
        }
        Some(w) if Some(w.team_id) == caller.team_id => Caller {
            worker_id: Some(w.id),
            ..caller
        },
        _ => Caller {
            team_id: None,
            worker_id: None,
            ..caller
        },
    })
}

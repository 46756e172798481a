//! The shared parts of the OpenAPI document: the problem responses every
//! operation refers to, the bearer scheme, and the modifiers that add the
//! responses the middleware answers for any route.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::ContentBuilder;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::Ref;
use utoipa::openapi::RefOr;
use utoipa::openapi::Response;
use utoipa::openapi::ResponseBuilder;
use utoipa::Modify;

macro_rules! problem_responses {
    ($($name:ident => $desc:literal),+ $(,)?) => {
        $(
            #[doc = $desc]
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem_response($desc))
                }
            }
        )+
    };
}

fn problem_response(desc: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(desc)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

problem_responses!(
    BadRequest => "Malformed JSON, or an invalid query parameter or cursor",
    Unauthorized => "No bearer token, or the token was refused (see WWW-Authenticate)",
    Forbidden => "The caller's role may never call this operation",
    NotFound => "No such resource, or it is outside the caller's scope",
    Conflict => "Conflict with the current state (for example invalid_transition)",
    PreconditionFailed => "If-Match does not match the current ETag",
    PayloadTooLarge => "The body is larger than 64 KiB",
    UnsupportedMediaType => "The body is not application/json",
    Unprocessable => "The body is well-formed but invalid; errors lists the fields",
    PreconditionRequired => "If-Match is required",
    ServiceUnavailable => "The database is unavailable; retry after Retry-After seconds",
);

/// Adds to every operation the responses that follow from its shape, so a
/// handler's `#[utoipa::path]` lists only what is specific to it:
/// - the bearer scheme where an operation declares no security of its own,
///   and then 401;
/// - 400, 413, 415 and 422 where it takes a JSON body;
/// - 412 and 428 where it takes `If-Match`;
/// - 429 (rate limited) and 503 (database unavailable or request timed
///   out), both with `Retry-After`, everywhere: the middleware answers them
///   for any route.
///
/// Applied to the finished document, after every operation is registered.
pub struct StandardResponses;

impl Modify for StandardResponses {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::security::SecurityRequirement;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let retry_after = || {
            HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("Seconds to wait before retrying"))
                .build()
        };
        let problem = |desc: &str| {
            ResponseBuilder::new()
                .description(desc)
                .header("Retry-After", retry_after())
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.responses.insert(
            "TooManyRequests".into(),
            problem("Too many requests from this client; retry after Retry-After seconds").into(),
        );
        components.responses.insert(
            "ServiceUnavailable".into(),
            problem("The database is unavailable or the request took too long; retry after Retry-After seconds").into(),
        );
        for (path, item) in &mut openapi.paths.paths {
            for op in [&mut item.post, &mut item.put].into_iter().flatten() {
                optional_body_by_reference(op);
            }
            if let Some(op) = item.post.as_mut() {
                if takes_idempotency_key(path) {
                    add_idempotency_key(op);
                }
            }
            for op in operations_mut(item) {
                let security = op.security.get_or_insert_with(|| {
                    vec![SecurityRequirement::new("bearer", Vec::<String>::new())]
                });
                let bearer = security
                    .iter()
                    .any(|s| s != &SecurityRequirement::default());
                let json_body = op
                    .request_body
                    .as_ref()
                    .is_some_and(|b| b.content.contains_key("application/json"));
                let if_match = op
                    .parameters
                    .as_ref()
                    .is_some_and(|ps| ps.iter().any(|p| p.name == "If-Match"));
                let rules: [(bool, &[(&str, &str)]); 4] = [
                    (bearer, &[("401", "Unauthorized")]),
                    (
                        json_body,
                        &[
                            ("400", "BadRequest"),
                            ("413", "PayloadTooLarge"),
                            ("415", "UnsupportedMediaType"),
                            ("422", "Unprocessable"),
                        ],
                    ),
                    (
                        if_match,
                        &[
                            ("412", "PreconditionFailed"),
                            ("428", "PreconditionRequired"),
                        ],
                    ),
                    (
                        true,
                        &[("429", "TooManyRequests"), ("503", "ServiceUnavailable")],
                    ),
                ];
                for (applies, responses) in rules {
                    for (status, name) in responses.iter().filter(|_| applies) {
                        op.responses
                            .responses
                            .entry((*status).to_owned())
                            .or_insert_with(|| Ref::from_response_name(*name).into());
                    }
                }
            }
        }
    }
}

/// Whether a `POST` on this path creates or changes something, and so
/// honours `Idempotency-Key` (the write kernel, `crate::http::write`): all
/// but the token endpoint, the eligibility check, a policy's simulation and
/// the child lookup, which are queries (a lookup stores only its audit
/// trail).
pub fn takes_idempotency_key(path: &str) -> bool {
    path.starts_with("/api/v1/")
        && path != "/api/v1/oauth/token"
        && path != "/api/v1/eligibility/check"
        && path != "/api/v1/eligibility/policies/{version}/simulate"
        && path != "/api/v1/children/lookup"
}

/// An optional body (`Option<T>` in `request_body`) is rendered by utoipa
/// as `oneOf: [null, T]` with `required` unset; the body itself is then
/// stated as `T` (its example shows in Swagger UI), and `required: false`
/// says it may be left out.
fn optional_body_by_reference(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{RefOr, Schema};
    let Some(body) = op.request_body.as_mut() else {
        return;
    };
    for content in body.content.values_mut() {
        let Some(RefOr::T(Schema::OneOf(one))) = &content.schema else {
            continue;
        };
        let refs: Vec<&RefOr<Schema>> = one
            .items
            .iter()
            .filter(|i| matches!(i, RefOr::Ref(_)))
            .collect();
        if let ([only], 2) = (refs.as_slice(), one.items.len()) {
            content.schema = Some((*only).clone());
        }
    }
}

/// Documents `Idempotency-Key` once, the same way, on an operation.
fn add_idempotency_key(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::Required;
    let params = op.parameters.get_or_insert_with(Vec::new);
    params.retain(|p| p.name != "Idempotency-Key");
    params.push(
        ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes a retry safe: the same key with the same request (method, path and body) within 24 hours replays the first answer (with `Idempotent-Replayed: true`) and changes nothing; with another request it answers 422 `idempotency_key_reused`; while the first is still running, 409 `idempotency_key_in_progress`. A key is 1 to 255 visible ASCII characters (a UUID is recommended), scoped to the caller. The write and the key's answer are stored in one transaction: an answer that was lost can always be replayed.",
            ))
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!-~]+$")),
            ))
            .build(),
    );
    for (status, name) in [
        ("400", "BadRequest"),
        ("409", "Conflict"),
        ("422", "Unprocessable"),
    ] {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| utoipa::openapi::Ref::from_response_name(name).into());
    }
}

pub struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT from the council's identity provider, `POST /api/v1/oauth/token` for integration clients, or `sct token` in development.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The operations of a path item (GET, POST, PUT, PATCH, DELETE: the
/// methods this API serves).
pub fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

//! The JSON API's routes and handlers, and the OpenAPI document generated from them
//! (served at `/openapi.json`).

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request, State as Shared};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::Value;
use tdip_core::CoreError;
use tdip_core::consult::{Channel, ConsultError};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zeroize::Zeroize;

use super::State;
use super::tls::Peer;
use crate::error::ApiError;
use tdip_api::{
    Answered, ErrorBody, ErrorCode, Listing, LookupRequest, Period, Status, UnsealRequest,
    Unsealing, Upload,
};
use tdip_point::callers::{Caller, Role};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tdip",
        description = "Telecom Data Information Point: lawful consultation of subscriber data. \
            Callers authenticate with a client certificate listed in the point's clients.toml, \
            or with an API token (`Authorization: Bearer tdip_…`). Times are legal local time \
            (`YYYY-MM-DD HH:MM:SS`) or RFC 3339 with an offset in requests, and UTC seconds \
            in answers."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The service's routes over `state`.
pub fn router(state: Arc<State>) -> Router {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(lookup))
        .routes(routes!(unseal))
        .routes(routes!(checkpoint))
        .routes(routes!(hi1))
        .routes(routes!(deliver, deliveries))
        .routes(routes!(deadlines))
        .routes(routes!(super::api_reports::figures))
        .routes(routes!(super::api_traffic::traffic_lookup))
        .routes(routes!(
            super::api_traffic::traffic_deliver,
            super::api_traffic::traffic_batches
        ))
        .split_for_parts();
    let doc = Arc::new(exact(doc));
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || async move {
                (
                    [(CONTENT_TYPE, "application/json")],
                    doc.as_str().to_owned(),
                )
            }),
        )
        .route(
            "/metrics",
            axum::routing::get(|| async {
                (
                    [(CONTENT_TYPE, "text/plain; version=0.0.4")],
                    super::metrics::render(),
                )
            }),
        )
        .layer(axum::middleware::from_fn(one_shape))
        .layer(axum::middleware::from_fn(super::metrics::track))
        .with_state(state)
}

/// The fields of a lookup that only `/v1/traffic/lookups` reads.
const TRAFFIC_FIELDS: [&str; 7] = [
    "port",
    "through_traffic",
    "traffic",
    "tolerance",
    "communications",
    "devices",
    "cell_dump",
];

/// `/v1/traffic/lookups` reads the lookup's body with its traffic fields and by `ip` or
/// `user_id` only (`TrafficLookupRequest`); `/v1/lookups` without them.
fn traffic_request(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let mut traffic = schemas["LookupRequest"].clone();
    if let Some(props) = schemas["LookupRequest"]["properties"].as_object_mut() {
        for field in TRAFFIC_FIELDS {
            props.remove(field);
        }
    }
    let given =
        |f: &str| serde_json::json!({"required": [f], "properties": {f: {"type": "string"}}});
    // One identifier (a MAC address is not kept by), or a cell dump without one.
    let mut one: Vec<Value> = ["msisdn", "imsi", "imei", "ip", "email", "user_id"]
        .iter()
        .map(|f| given(f))
        .collect();
    one.push(serde_json::json!({"required": ["cell_dump"],
        "properties": {"cell_dump": {"type": "object"}}}));
    traffic["oneOf"] = Value::Array(one);
    if let Some(props) = traffic["properties"].as_object_mut() {
        props.remove("mac");
    }
    traffic["properties"]["port"]["maximum"] = 65_535.into();
    traffic["properties"]["tolerance"]["maximum"] =
        tdip_core::traffic::identify::MAX_TOLERANCE_SECONDS.into();
    traffic["description"] = "A question to the retained traffic data: who used `ip` (and \
        `port`) at `at`; with `traffic` the records of `ip` or `user_id` (with \
        `communications`, their communications) or the communications of `msisdn`, `imsi`, \
        `imei` or `email` over the period; with `devices` a device history; with `cell_dump` \
        every communication through some cells between `from` and `to`."
        .into();
    schemas["TrafficLookupRequest"] = traffic;
    doc["paths"]["/v1/traffic/lookups"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        serde_json::json!({"$ref": "#/components/schemas/TrafficLookupRequest"});
}

/// The OpenAPI document, with what the handlers require that the derived schemas cannot
/// say: a lookup names exactly one identifier, and either `at` or both `from` and `to`;
/// times have the layout `parse_time` reads; `country` and an upload's `format` take
/// only the values the handlers know. A value the document calls valid is never refused
/// for its shape (`.ci/schemathesis.sh` checks that against the running service).
fn exact(doc: utoipa::openapi::OpenApi) -> String {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    let lookup = &mut doc["components"]["schemas"]["LookupRequest"];
    // A field given is one present and not null (null reads as absent).
    let given =
        |f: &str| serde_json::json!({"required": [f], "properties": {f: {"type": "string"}}});
    let identifiers = ["msisdn", "imsi", "imei", "ip", "email", "user_id", "mac"];
    lookup["oneOf"] = identifiers.iter().map(|f| given(f)).collect();
    lookup["anyOf"] = serde_json::json!([
        {"not": {"anyOf": [given("at"), given("from"), given("to")]}},
        {"allOf": [given("at"), {"not": {"anyOf": [given("from"), given("to")]}}]},
        {"allOf": [given("from"), given("to"), {"not": given("at")}]},
    ]);
    for field in ["at", "from", "to", "term"] {
        if let Some(schema) = lookup["properties"].get_mut(field) {
            schema["pattern"] = TIME_PATTERN.into();
        }
    }
    if let Some(schema) = lookup["properties"].get_mut("country") {
        schema["enum"] = serde_json::json!(["NL", "BE", "nl", "be", "Nl", "nL", "Be", "bE", null]);
    }
    traffic_request(&mut doc);
    let queries = [
        ("/v1/traffic/batches", "post"),
        ("/v1/traffic/batches", "get"),
        ("/v1/deliveries", "post"),
        ("/v1/deliveries", "get"),
        ("/v1/deadlines", "get"),
        ("/v1/reports/figures", "get"),
    ];
    for (path, method) in queries {
        let Some(params) = doc["paths"][path][method]["parameters"].as_array_mut() else {
            continue;
        };
        for param in params {
            let name = param["name"].as_str().map(str::to_owned);
            let schema = &mut param["schema"];
            match name.as_deref() {
                Some("snapshot_at" | "from" | "to") => schema["pattern"] = TIME_PATTERN.into(),
                Some("format") if path == "/v1/reports/figures" => {
                    schema["enum"] = serde_json::json!(["json", "html"]);
                }
                Some("format") => schema["enum"] = serde_json::json!(["csv", "jsonl"]),
                Some("lang") => schema["enum"] = serde_json::json!(["nl", "en"]),
                Some("kind") => schema["enum"] = serde_json::json!(["cgnat", "session"]),
                Some("batch") => schema["pattern"] = "^[A-Za-z0-9._:-]{1,64}$".into(),
                // A u32, which the derived schema calls int32 (at most 2^31 - 1).
                Some("limit") => {
                    if let Some(s) = schema.as_object_mut() {
                        s.remove("format");
                    }
                    schema["maximum"] = u32::MAX.into();
                }
                _ => {}
            }
        }
    }
    // The errors every operation can give besides its own: a caller unknown (401), a body
    // of another media type (415) or over the limit (413), a query string that cannot be
    // read (400).
    let error = serde_json::json!({
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    });
    let with = |what: &str| {
        let mut e = error.clone();
        e["description"] = what.into();
        e
    };
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, ops) in paths.iter_mut() {
            for op in ops.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                let media: Vec<String> = op["requestBody"]["content"]
                    .as_object()
                    .map(|c| c.keys().cloned().collect())
                    .unwrap_or_default();
                // A query parameter is left out or given; it is never null.
                let params = op.get_mut("parameters").and_then(Value::as_array_mut);
                for param in params.into_iter().flatten() {
                    if let Some(types) = param["schema"]["type"].as_array_mut() {
                        types.retain(|t| t != "null");
                        if let [one] = &types[..] {
                            param["schema"]["type"] = one.clone();
                        }
                    }
                }
                let takes_query = op.get("parameters").is_some();
                let responses = &mut op["responses"];
                let mut add = |status: &str, what: &str| {
                    if responses.get(status).is_none() {
                        responses[status] = with(what);
                    }
                };
                if path.starts_with("/v1/") || path == "/hi1" {
                    add("401", "no valid client certificate or token");
                }
                if takes_query {
                    add("400", "the query string cannot be read");
                }
                if !media.is_empty() {
                    add(
                        "415",
                        "the body is not of the media type this operation reads",
                    );
                }
                if media.iter().any(|m| m != OCTETS) {
                    add("413", "the body is larger than 2 MiB");
                }
            }
        }
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// What `tdip_model::parse_time` reads: a date (`YYYY-MM-DD`, midnight local time), or a
/// date and time (`T`, `t` or a space between; seconds required; up to nine decimals) in
/// legal local time or with an offset (`Z` or `±HH:MM`), on real calendar dates (months'
/// lengths and leap years included) of the years 0000–9998. A local time in a DST gap or
/// overlap has the right layout and is still refused: no pattern can say that.
const TIME_PATTERN: &str = concat!(
    "^(?:(?:(?:[0-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-",
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
    "|02-(?:0[1-9]|1[0-9]|2[0-8])))",
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)",
    "(?:[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?",
    "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?$"
);

/// Every error the service answers is in the API's one error shape: the router's own (an
/// unknown route, 404; a method the route does not take, 405, with its `Allow` header
/// kept) and any other that is not JSON already get it here, by their status alone.
async fn one_shape(req: Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_media(res.headers(), JSON) {
        return res;
    }
    let allow = res.headers().get(axum::http::header::ALLOW).cloned();
    let mut shaped = ApiError::status(status, None).into_response();
    if let Some(allow) = allow {
        shaped
            .headers_mut()
            .insert(axum::http::header::ALLOW, allow);
    }
    shaped
}

/// The caller of a request, known by its client certificate or its bearer token: the
/// extractor every handler that needs a caller takes.
pub struct Authenticated(pub Caller);

impl FromRequestParts<Arc<State>> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<State>,
    ) -> Result<Authenticated, ApiError> {
        let certificate = parts.extensions.get::<Peer>().and_then(|p| p.0.as_deref());
        if let Some(caller) = certificate.and_then(|fp| state.callers.by_certificate(fp)) {
            return Ok(Authenticated(caller.clone()));
        }
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        if let Some(t) = token
            && let Some(caller) = state.callers.by_token(t.trim()).await
        {
            return Ok(Authenticated(caller));
        }
        Err(match (certificate, token) {
            (Some(fp), None) => ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                format!(
                    "the client certificate (sha256 {fp}) is not listed in the point's \
                     clients.toml; ask the operator to add it"
                ),
            ),
            (_, Some(_)) => ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "the API token is unknown or revoked; ask the operator for a new one",
            ),
            (None, None) => ApiError::unauthenticated(),
        })
    }
}

/// A JSON body (`Content-Type: application/json`, else 415: a form or `text/plain` post
/// from a browser is never read) whose errors are answered in the API's error shape,
/// without echoing any value the body held (a body may hold an identifier).
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Body<T>, ApiError> {
        let bytes = body_of(req, state, JSON).await?;
        // serde reads a struct from an array too (`["…"]`, fields by position); the
        // document says an object, and only an object is read.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::bad_request(
                "the body is not valid: it must be a JSON object",
            ));
        }
        serde_json::from_slice(&bytes).map(Body).map_err(|e| {
            ApiError::bad_request(format!(
                "the body is not valid: {}",
                redacted(&e.to_string())
            ))
        })
    }
}

const JSON: &str = "application/json";
const XML: &str = "application/xml";
const OCTETS: &str = "application/octet-stream";

/// Whether the request's `Content-Type` is `media` (parameters such as `charset` aside).
fn is_media(headers: &axum::http::HeaderMap, media: &str) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(media))
}

/// The whole body of a request of media type `media` (415 otherwise), read within the
/// body limit (413); every failure in the API's error shape.
async fn body_of<S: Send + Sync>(
    req: Request,
    state: &S,
    media: &str,
) -> Result<axum::body::Bytes, ApiError> {
    if !is_media(req.headers(), media) {
        return Err(ApiError::media_type(media));
    }
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| ApiError::status(e.status(), Some(&redacted(&e.body_text()))))
}

/// An XML body (`Content-Type: application/xml`): an HI-1 message.
pub struct Xml(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for Xml {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Xml, ApiError> {
        body_of(req, state, XML).await.map(Xml)
    }
}

/// A body streamed as it comes (`Content-Type: application/octet-stream`): an upload.
pub struct Octets(pub axum::body::Body);

impl<S: Send + Sync> FromRequest<S> for Octets {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Octets, ApiError> {
        if !is_media(req.headers(), OCTETS) {
            return Err(ApiError::media_type(OCTETS));
        }
        Ok(Octets(req.into_body()))
    }
}

/// Query parameters, refused in the API's error shape (naming the parameter, never its
/// value).
pub struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params<T>, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|e| {
                let text = e.body_text();
                let text = text.strip_prefix("Failed to deserialize query string: ");
                ApiError::bad_request(format!(
                    "the query string is not valid: {}",
                    redacted(text.unwrap_or("it cannot be read"))
                ))
            })
    }
}

/// An error's message with every value it quotes replaced by `…`. serde quotes
/// strings with `"` and field names, numbers and other values with backticks; a backtick
/// run is kept only if it reads as a field name (lower-case letters and `_`), so that a
/// number sent where a string belongs (`"msisdn": 31612345678`) is not repeated either.
fn redacted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = &rest[open..=open];
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            out.push('…');
            return out;
        };
        let inner = &after[..close];
        let name = quote == "`" && inner.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        out.push_str(if name { inner } else { "…" });
        out.push_str(quote);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", responses((status = 200, body = Status)))]
async fn health() -> Json<Status> {
    Json(Status {
        status: "live".into(),
    })
}

/// Readiness: the point is unsealed and answers consultations.
#[utoipa::path(get, path = "/ready", responses(
    (status = 200, body = Status),
    (status = 503, description = "sealed, or retention failed or is overdue", body = ErrorBody)))]
async fn ready(Shared(state): Shared<Arc<State>>) -> Result<Json<Status>, ApiError> {
    state.point().ok_or_else(ApiError::sealed)?;
    if let Some(why) = state.retention.problem(state.clock.now()) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::RetentionOverdue,
            why,
        ));
    }
    Ok(Json(Status {
        status: "ready".into(),
    }))
}

/// Who held an identifier at a moment or during a period. The demand is judged against
/// the catalogue and the officer registry, answered, and logged; the agency is the
/// caller's.
#[utoipa::path(post, path = "/v1/lookups", request_body = LookupRequest, responses(
    (status = 200, body = Answered),
    (status = 400, description = "the request cannot be read", body = ErrorBody),
    (status = 403, description = "refused (logged), or the caller is not an agency", body = ErrorBody),
    (status = 503, description = "sealed", body = ErrorBody)))]
async fn lookup(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Body(request): Body<LookupRequest>,
) -> Result<Json<Answered>, ApiError> {
    let agency = consulting_agency(&caller, &request)?;
    let asked = crate::wire::asked(request);
    if asked.asks_traffic() {
        return Err(ApiError::bad_request(
            "port, through_traffic, traffic, tolerance, communications, devices and cell_dump \
             ask the retained traffic data: send the request to POST /v1/traffic/lookups",
        ));
    }
    let point = state.point().ok_or_else(ApiError::sealed)?;
    let now = state.clock.now();
    let (mut demand, query) = asked.resolve(state.zone, now, "");
    demand.agency = agency;
    let p = point.consulting(&state.catalogue, &state.deadlines, state.zone);
    let done = tdip_point::asked::consult(&p, &demand, &query, Channel::Api, now).await;
    answered(done.map(|done| crate::wire::answered(&done)))
}

/// The agency a consulting caller speaks for: refused unless the caller is an agency and
/// the request names no other.
pub(crate) fn consulting_agency(
    caller: &Caller,
    request: &LookupRequest,
) -> Result<String, ApiError> {
    let Role::Agency(agency) = &caller.role else {
        return Err(ApiError::forbidden(format!(
            "only agencies consult the point; this caller is the {}",
            caller.role.describe()
        )));
    };
    if request.agency.as_ref().is_some_and(|a| a != agency) {
        return Err(ApiError::forbidden(format!(
            "this caller speaks for agency {agency}, not for the agency the request names"
        )));
    }
    Ok(agency.clone())
}

/// A consultation's outcome as the API answers it, counted in the metrics: the answer, a
/// refusal with its consultation reference, or the point's failure.
pub(crate) fn answered<T>(done: Result<T, ConsultError>) -> Result<Json<T>, ApiError> {
    match done {
        Ok(answer) => {
            super::metrics::consultation("api", "answered");
            Ok(Json(answer))
        }
        Err(ConsultError::Refused {
            consultation,
            code,
            reason,
        }) => {
            super::metrics::consultation("api", code);
            Err(ApiError::refused(code, reason).logged_as(consultation))
        }
        Err(ConsultError::Core(e)) => {
            super::metrics::consultation("api", "failed");
            Err(e.into())
        }
    }
}

/// Gives one custodian's share; once enough are given the point opens, and it stays open
/// until the service stops. Nothing of the shares is kept. Operator only.
#[utoipa::path(post, path = "/v1/unseal", request_body = UnsealRequest, responses(
    (status = 200, body = Unsealing),
    (status = 400, description = "the share is refused", body = ErrorBody),
    (status = 403, description = "not the operator", body = ErrorBody)))]
async fn unseal(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Body(mut request): Body<UnsealRequest>,
) -> Result<Json<Unsealing>, ApiError> {
    if caller.role != Role::Operator {
        request.share.zeroize();
        return Err(ApiError::forbidden(
            "only the operator relays custodians' shares",
        ));
    }
    let mut guard = state.unsealer.lock().await;
    let offered = guard.as_mut().map(|u| u.offer(&request.share));
    request.share.zeroize();
    let Some(offered) = offered else {
        return Ok(Json(Unsealing {
            sealed: false,
            have: 0,
            need: 0,
        }));
    };
    let unsealer = guard
        .as_ref()
        .ok_or_else(|| ApiError::internal(&"no unsealer"))?;
    // A refusal is logged at once: the point may stop without ever opening.
    let refused = tdip_point::unseal_log::refused(&unsealer.progress());
    let (progress, root) = match offered.map(|p| (p, unsealer.root_key())) {
        Ok((progress, Ok(root))) => (progress, root),
        Ok((progress, Err(e))) => {
            let event = tdip_core::audit::Event::Unseal {
                accepted: u32::from(progress.have),
                refused: progress.refused,
                opened: false,
            };
            tdip_point::unseal_log::record(
                &state.data,
                &state.store_url,
                Some(event),
                state.clock.now(),
            )
            .await;
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::ShareRefused,
                e.to_string(),
            ));
        }
        Err(e) => {
            tdip_point::unseal_log::record(
                &state.data,
                &state.store_url,
                refused,
                state.clock.now(),
            )
            .await;
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::ShareRefused,
                format!("share refused: {e}"),
            ));
        }
    };
    if let Some(root) = root {
        let event = tdip_core::audit::Event::Unseal {
            accepted: u32::from(progress.have),
            refused: progress.refused,
            opened: true,
        };
        let opened = tdip_point::point::open_root(
            &state.data,
            state.stores(),
            root,
            Some(event),
            tdip_point::point::Check::Everything,
            state.clock.clone(),
        )
        .await?;
        tdip_point::point::note_catalogue(&state.data, &opened.auditor, state.clock.now()).await?;
        // The first head reads the whole log into memory: now, not under load.
        opened.finish().await;
        state.set_point(opened);
        *guard = None;
        tracing::info!("the point is unsealed ({progress})");
        // Deliveries received while sealed are applied now, in the order they came.
        if let Some(p) = state.point() {
            let applied = super::deliveries::apply(&state, &p).await?;
            tracing::info!("{} spooled deliveries applied", applied.len());
        }
        // Retention cannot run while sealed: a pass starts now, beside this answer.
        let later = state.clone();
        tokio::spawn(async move { crate::retention_job::pass(&later).await });
    }
    Ok(Json(Unsealing {
        sealed: guard.is_some(),
        have: progress.have,
        need: progress.need,
    }))
}

/// The audit log's latest signed head as a checkpoint (see docs/audit.md), signed now if
/// the point is unsealed and entries were added since the last head.
#[utoipa::path(get, path = "/v1/audit/checkpoint", responses(
    (status = 200, description = "the checkpoint's text", content_type = "text/plain"),
    (status = 404, description = "no head signed yet", body = ErrorBody)))]
async fn checkpoint(
    Shared(state): Shared<Arc<State>>,
    _caller: Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let auditor = match state.point() {
        Some(p) => {
            p.finish().await;
            tdip_point::reports::latest_head(&p.auditor).await
        }
        None => tdip_point::reports::latest_head(state.log()).await,
    };
    let head = auditor?.ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "no head has been signed yet; one is signed within a second of new entries while the point is unsealed",
            )
        })?;
    let key = tdip_point::point::audit_public(&state.data)?;
    Ok((
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        head.to_checkpoint(&key),
    ))
}

/// An ETSI TS 103 120 (HI-1) `HI1Message`: CREATE or UPDATE of an authorisation, CREATE of
/// lawful-disclosure tasks, GET of an authorisation, a task or a delivery, LIST. Answered
/// with the `HI1Message` response, each action judged on its own (docs/hi1.md); a message
/// whose header can be read but not its actions gets HI-1's message-level error; one that
/// is not HI-1 at all gets the API's error shape. Agencies only.
#[utoipa::path(post, path = "/hi1",
    request_body(content = String, content_type = "application/xml",
        description = "An ETSI TS 103 120 `HI1Message`, valid against ETSI's XML schema (which \
            this document cannot state; crates/tdip-hi1/schema holds it). A message without a \
            readable header is answered 400."),
    responses(
        (status = 200, description = "the HI-1 response: per action, or one message-level ErrorInformation", content_type = "application/xml", body = String),
        (status = 400, description = "not an HI-1 message: no header to answer to", body = ErrorBody),
        (status = 403, description = "not an agency", body = ErrorBody),
        (status = 503, description = "sealed", body = ErrorBody)))]
async fn hi1(state: Shared<Arc<State>>, caller: Authenticated, Xml(body): Xml) -> Response {
    super::hi1::hi1(state, caller, body).await
}

/// A provider's full subscriber file (CSV or JSON Lines, optionally gzip-compressed),
/// streamed as the request body: spooled encrypted as it arrives, then validated and
/// applied at once if the point is unsealed. The answer is the delivery's report; a
/// delivery with any bad row is rejected whole (422), with every bad row's line, field and
/// reason, and changes nothing. While sealed: 202, applied on unsealing. Providers only.
#[utoipa::path(post, path = "/v1/deliveries", params(Upload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "accepted: the delivery's report", body = Object),
        (status = 202, description = "sealed: spooled, applied on unsealing", body = Object),
        (status = 422, description = "rejected: the report with every bad row", body = Object),
        (status = 400, description = "bad parameters, or the body broke off", body = ErrorBody),
        (status = 403, description = "not this provider", body = ErrorBody)))]
async fn deliver(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Params(params): Params<Upload>,
    Octets(body): Octets,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    super::deliveries::upload(
        state,
        Authenticated(caller),
        axum::extract::Query(params),
        body,
    )
    .await
}

/// The delivery log and each provider's standing (late or on time): a provider sees its
/// own, the operator every provider's.
#[utoipa::path(get, path = "/v1/deliveries", params(Listing), responses(
    (status = 200, description = "`deliveries` (newest first) and `providers` (standing)", body = Object),
    (status = 403, description = "an agency or an oversight body", body = ErrorBody)))]
async fn deliveries(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Params(listing): Params<Listing>,
) -> Result<Json<Value>, ApiError> {
    let provider = match &caller.role {
        Role::Provider(p) => Some(p.as_str()),
        Role::Operator => None,
        Role::Agency(_) | Role::Oversight(_) => {
            return Err(ApiError::forbidden(
                "the delivery log is for providers and the operator",
            ));
        }
    };
    let limit = listing.limit.unwrap_or(20);
    let now = state.clock.now();
    let status = |store| tdip_point::deliver::status(store, provider, limit, 2 * 3600, now);
    let found = match state.point() {
        Some(p) => status(&p.store).await,
        None => status(state.store()).await,
    };
    // A provider the store does not know is the caller's standing (403, as for an
    // upload); any other failure is the point's (5xx), never the caller's.
    let (log, standing) = found.map_err(|e| match (e.downcast_ref::<CoreError>(), provider) {
        (Some(CoreError::UnknownProvider(_)), Some(p)) => ApiError::forbidden(format!(
            "provider {p} is not registered at this point; ask the operator"
        )),
        _ => ApiError::from(e),
    })?;
    Ok(Json(super::deliveries::status_json(&log, &standing)))
}

/// Deadlines as the audit log shows them (docs/access.md#deadlines): per rule, answers
/// and time to answer; every answer given after its due time; every demand the point failed
/// to answer. Operator only: what oversight and the yearly statistics read.
#[utoipa::path(get, path = "/v1/deadlines", params(Period), responses(
    (status = 200, description = "`rules`, `late`, `unanswered`, `untimed`", body = Object),
    (status = 403, description = "not the operator", body = ErrorBody)))]
async fn deadlines(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Params(period): Params<Period>,
) -> Result<Json<Value>, ApiError> {
    if caller.role != Role::Operator {
        return Err(ApiError::forbidden("the deadline report is the operator's"));
    }
    let (from, to) = tdip_point::reports::period(
        period.from.as_deref(),
        period.to.as_deref(),
        state.zone,
        "",
        state.clock.now(),
    )
    .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
    let report = match state.point() {
        Some(p) => tdip_core::audit::deadline_report(p.auditor.store(), from, to).await,
        None => tdip_core::audit::deadline_report(state.log().store(), from, to).await,
    };
    let report = report?;
    Ok(Json(
        serde_json::to_value(report).map_err(|e| ApiError::internal(&e))?,
    ))
}

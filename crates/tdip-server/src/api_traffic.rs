//! The JSON API of retained traffic data: `POST /v1/traffic/lookups` (who used an address
//! and port at a moment; the records of an address or end-user id, or the communications
//! of an identifier, over a period; a device history; a cell dump),
//! `POST /v1/traffic/batches` (a provider's batch, streamed) and `GET /v1/traffic/batches`
//! (the batch log).

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Shared;
use axum::http::StatusCode;
use tdip_api::{ErrorBody, Listing, LookupRequest, TrafficAnswered, TrafficBatch, TrafficUpload};
use tdip_core::consult::Channel;
use tdip_core::traffic::ingest::BatchReport;
use tdip_point::callers::Role;
use tdip_store::{Store, TrafficKind};
use tokio::sync::mpsc;

use super::State;
use crate::api::{Authenticated, Body, Octets, Params};
use crate::error::ApiError;

/// Who used a public address (and port) at a moment, through the retained port-block
/// assignments and sessions, with the subscriber who held the end-user id then; or, with
/// `traffic`, the records of an `ip` or `user_id` (with `communications`, its
/// communications) or the communications of an `msisdn`, `imsi`, `imei` or `email` over
/// the period; with `devices`, the devices, SIMs and numbers used with an `imei`, `imsi`
/// or `msisdn`; with `cell_dump`, every communication through some cells between `from`
/// and `to`. Judged against the catalogue (category `traffic_identification`, `traffic`
/// or `cell_dump`) and the officer registry, answered and logged; the agency is the
/// caller's.
#[utoipa::path(post, path = "/v1/traffic/lookups", request_body = LookupRequest, responses(
    (status = 200, body = TrafficAnswered),
    (status = 400, description = "the request cannot be read", body = ErrorBody),
    (status = 403, description = "refused (logged), or the caller is not an agency", body = ErrorBody),
    (status = 503, description = "sealed", body = ErrorBody)))]
pub async fn traffic_lookup(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Body(request): Body<LookupRequest>,
) -> Result<Json<TrafficAnswered>, ApiError> {
    let agency = crate::api::consulting_agency(&caller, &request)?;
    let point = state.point().ok_or_else(ApiError::sealed)?;
    let now = state.clock.now();
    let mut asked = crate::wire::asked(request);
    // This endpoint asks the traffic data: an address alone is identified through them.
    asked.through_traffic =
        !(asked.traffic || asked.communications || asked.devices || asked.cell_dump.is_some());
    let (mut demand, ask) = asked.resolve_traffic(state.zone, now, "");
    demand.agency = agency;
    let p = point.consulting(&state.catalogue, &state.deadlines, state.zone);
    let done = tdip_point::asked_traffic::consult(&p, &demand, &ask, Channel::Api, now).await;
    crate::api::answered(done.map(|done| crate::wire_traffic::traffic_answered(&done)))
}

/// A batch of retained traffic data (docs/traffic-format.md), streamed as it arrives and
/// applied atomically: 200 with the batch's report when accepted or already applied, 422
/// with every bad record (line, field, reason) when rejected. Providers only, for
/// themselves; a sealed point refuses (503) and keeps nothing: deliver again once unsealed.
#[utoipa::path(post, path = "/v1/traffic/batches", params(TrafficUpload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "accepted or already applied: the batch's report", body = Object),
        (status = 422, description = "rejected: the report with every bad record", body = Object),
        (status = 400, description = "bad parameters, or the body broke off", body = ErrorBody),
        (status = 403, description = "not this provider", body = ErrorBody),
        (status = 503, description = "sealed", body = ErrorBody)))]
pub async fn traffic_deliver(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Params(params): Params<TrafficUpload>,
    Octets(body): Octets,
) -> Result<(StatusCode, Json<BatchReport>), ApiError> {
    let Role::Provider(provider) = &caller.role else {
        return Err(ApiError::forbidden(format!(
            "only providers deliver; this caller is the {}",
            caller.role.describe()
        )));
    };
    if params.provider.as_ref().is_some_and(|p| p != provider) {
        return Err(ApiError::forbidden(format!(
            "this caller delivers for provider {provider}, not for the provider the request names"
        )));
    }
    let kind = TrafficKind::parse(&params.kind).ok_or_else(|| {
        ApiError::bad_request(
            "kind: use cgnat (port-block assignments) or session (access sessions)",
        )
    })?;
    let point = state.point().ok_or_else(ApiError::sealed)?;
    if point.store.provider(provider).await?.is_none() {
        return Err(ApiError::forbidden(format!(
            "provider {provider} is not registered at this point; ask the operator"
        )));
    }
    let (tx, rx) = mpsc::channel(8);
    let source = crate::deliveries::Chunks::new(rx);
    let (_, report) = tokio::join!(
        crate::deliveries::pump(body, tx),
        tdip_point::traffic::deliver(&point, provider, &params.batch, kind, source)
    );
    let report = report?;
    let status = if report.batch == "rejected" {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)))
}

/// The traffic batch log, newest first: a provider sees its own, the operator every
/// provider's.
#[utoipa::path(get, path = "/v1/traffic/batches", params(Listing), responses(
    (status = 200, body = Vec<TrafficBatch>),
    (status = 403, description = "an agency or an oversight body", body = ErrorBody)))]
pub async fn traffic_batches(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Params(listing): Params<Listing>,
) -> Result<Json<Vec<TrafficBatch>>, ApiError> {
    let provider = match &caller.role {
        Role::Provider(p) => Some(p.as_str()),
        Role::Operator => None,
        Role::Agency(_) | Role::Oversight(_) => {
            return Err(ApiError::forbidden(
                "the traffic batch log is for providers and the operator",
            ));
        }
    };
    let limit = listing.limit.unwrap_or(20);
    let log = tdip_point::traffic::batches(state.store(), provider, limit).await?;
    Ok(Json(log.iter().map(crate::wire_traffic::batch).collect()))
}

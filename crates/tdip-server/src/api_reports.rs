//! `GET /v1/reports/figures`: a supervisor's view of any period, counted from the audit
//! log over its latest signed head — as the JSON report `tdip report verify` checks, or as
//! the HTML page with its charts. An oversight body of the catalogue sees its
//! jurisdiction's agencies; one that investigates officers' consultations
//! (`sees_officers`) sees every agency of it, officers named; any other sees the published
//! variant, officers numbered. The operator sees every agency, officers numbered. Agencies
//! and providers are refused: the figures are about them.

use std::sync::Arc;

use axum::extract::State as Shared;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use tdip_api::{ErrorBody, FiguresQuery};
use tdip_point::callers::Role;
use tdip_point::report_html::{Lang, page};
use tdip_point::yearly::{self, Officers, Variant, View};

use super::State;
use crate::api::{Authenticated, Params};
use crate::error::ApiError;

/// A supervisor's view of a period: consultations per agency, basis, month, officer,
/// channel and category; refusals; deadlines; deliveries (docs/reports.md).
#[utoipa::path(get, path = "/v1/reports/figures", params(FiguresQuery), responses(
    (status = 200, description = "the report (`format=json`, what `tdip report verify` \
        checks) or its page (`format=html`)", content(
        (Object = "application/json"),
        (String = "text/html"))),
    (status = 400, description = "the period or the format is not valid", body = ErrorBody),
    (status = 403, description = "not an oversight body or the operator", body = ErrorBody),
    (status = 409, description = "the log has no signed head yet", body = ErrorBody)))]
pub(crate) async fn figures(
    Shared(state): Shared<Arc<State>>,
    Authenticated(caller): Authenticated,
    Params(query): Params<FiguresQuery>,
) -> Result<Response, ApiError> {
    let view = view_of(&state, &caller.role)?;
    let lang = match query.lang.as_deref() {
        None | Some("nl") => Lang::Nl,
        Some("en") => Lang::En,
        Some(_) => return Err(ApiError::bad_request("lang must be `nl` or `en`")),
    };
    let html = match query.format.as_deref() {
        None | Some("json") => None,
        Some("html") => Some(lang),
        Some(_) => return Err(ApiError::bad_request("format must be `json` or `html`")),
    };
    let now = state.clock.now();
    let (from, to) = tdip_point::reports::period(
        query.from.as_deref(),
        query.to.as_deref(),
        state.zone,
        "",
        now,
    )
    .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
    let from = match query.from {
        Some(_) => from,
        None => this_year(now, state.zone)?,
    };
    if from > to {
        return Err(ApiError::bad_request(
            "from is after to: give a period that runs forward",
        ));
    }
    let report = yearly::compute(&state.data, state.log(), (from, to), state.zone, &view)
        .await
        .map_err(|e| {
            let text = format!("{e:#}");
            if text.contains("no signed head") {
                ApiError::new(
                    axum::http::StatusCode::CONFLICT,
                    tdip_api::ErrorCode::NoSignedHead,
                    text,
                )
            } else {
                ApiError::internal(&text)
            }
        })?;
    Ok(match html {
        Some(lang) => (
            [(CONTENT_TYPE, "text/html; charset=utf-8")],
            page(&report, state.zone, lang),
        )
            .into_response(),
        None => axum::Json(report).into_response(),
    })
}

/// What `role` may see of the figures.
fn view_of(state: &State, role: &Role) -> Result<View, ApiError> {
    match role {
        Role::Oversight(id) => {
            let body = state.catalogue.oversight.get(id).ok_or_else(|| {
                ApiError::forbidden(format!(
                    "oversight body {id} is not in the catalogue in force; ask the operator"
                ))
            })?;
            let jurisdiction = id.split_once('/').map(|(j, _)| j.to_owned());
            Ok(View {
                report: "period",
                variant: if body.sees_officers {
                    Variant::Full
                } else {
                    Variant::Published
                },
                officers: if body.sees_officers {
                    Officers::Named
                } else {
                    Officers::Numbered
                },
                jurisdiction,
            })
        }
        Role::Operator => Ok(View {
            report: "period",
            variant: Variant::Full,
            officers: Officers::Numbered,
            jurisdiction: None,
        }),
        Role::Agency(_) | Role::Provider(_) => Err(ApiError::forbidden(
            "the figures are for oversight bodies and the operator",
        )),
    }
}

/// The first second of the calendar year `now` falls in, in `zone`.
fn this_year(now: i64, zone: tdip_model::LegalZone) -> Result<i64, ApiError> {
    let year = jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(zone.tz()).year())
        .map_err(|e| ApiError::internal(&e))?;
    yearly::year_span(year, zone)
        .map(|(from, _)| from)
        .map_err(|e| ApiError::internal(&format!("{e:#}")))
}

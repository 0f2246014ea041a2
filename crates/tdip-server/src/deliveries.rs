//! Deliveries through the API: a provider's file streamed into the encrypted spool a
//! megabyte at a time (a file of any size is never held in memory, and is never on disk
//! in clear), then applied at once if the point is unsealed, answered with the delivery's
//! report, row-level errors included. While sealed it stays spooled, and is applied when
//! the point is unsealed.

use std::io::Read;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::Query;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tdip_core::audit::Event;
use tdip_core::ingest::{DeliveryReport, Format};
use tdip_core::lateness::DeliveryStanding;
use tdip_core::spool::SpoolEntry;
use tdip_point::Point;
use tdip_point::deliver::SpoolOutcome;
use tdip_store::DeliveryRecord;
use tdip_store::Store;
use tokio::sync::mpsc;

use super::State;
use crate::error::ApiError;
use tdip_api::Upload;
use tdip_point::callers::Role;

/// What the handler hands the spool's writer: a piece of the body, or word that the body
/// ended whole.
pub(crate) enum Piece {
    Data(Bytes),
    End,
}

/// A reader over the chunks of a request body, for the spool's blocking writer. The file
/// ends only when the handler says the body ended: if the handler stops first (the
/// service stopping, the connection dropped), the reader fails, so a delivery cut short is
/// never spooled as if it were whole.
pub(crate) struct Chunks {
    rx: mpsc::Receiver<Result<Piece, std::io::Error>>,
    current: Bytes,
    ended: bool,
}

impl Chunks {
    /// A reader of what arrives on `rx`.
    pub(crate) fn new(rx: mpsc::Receiver<Result<Piece, std::io::Error>>) -> Self {
        Chunks {
            rx,
            current: Bytes::new(),
            ended: false,
        }
    }
}

/// Sends `body` into `tx` a frame at a time, then word that it ended whole (or how it
/// broke off); stops early when the reader has gone.
pub(crate) async fn pump(mut body: Body, tx: mpsc::Sender<Result<Piece, std::io::Error>>) {
    loop {
        let piece = match body.frame().await {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => Ok(Piece::Data(data)),
                Err(_) => continue,
            },
            Some(Err(e)) => Err(std::io::Error::other(e.to_string())),
            None => Ok(Piece::End),
        };
        let last = !matches!(piece, Ok(Piece::Data(_)));
        if tx.send(piece).await.is_err() || last {
            break;
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(Piece::Data(chunk))) => self.current = chunk,
                Some(Ok(Piece::End)) => self.ended = true,
                Some(Err(e)) => return Err(e),
                None => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the upload stopped before its end",
                    ));
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Receives a delivery; see the module's documentation.
pub async fn upload(
    state: Arc<State>,
    crate::api::Authenticated(caller): crate::api::Authenticated,
    Query(params): Query<Upload>,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
    let snapshot_at = tdip_model::parse_time(&params.snapshot_at, state.zone)
        .map_err(|e| ApiError::bad_request(format!("snapshot_at: {e}")))?
        .as_second();
    let format = match params.format.as_str() {
        "csv" => Format::Csv,
        "jsonl" => Format::JsonLines,
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other}: use csv or jsonl"
            )));
        }
    };
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(e);
    if let Some(why) = state.policy.future_snapshot(snapshot_at, state.clock.now()) {
        return Err(ApiError::bad_request(format!("snapshot_at {why}")));
    }
    let registered = match state.point() {
        Some(p) => p.store.provider(provider).await,
        None => state.store().provider(provider).await,
    };
    if registered?.is_none() {
        return Err(ApiError::forbidden(format!(
            "provider {provider} is not registered at this point; ask the operator"
        )));
    }
    let recipient = tdip_point::point::spool_recipient(&state.data)?
        .ok_or_else(|| internal(&"the point has no spool key; unseal it once to create it"))?;

    // The body flows through a bounded channel into the spool's writer thread.
    let (tx, rx) = mpsc::channel(8);
    let spool = tdip_point::point::spool(&state.data);
    let who = provider.clone();
    let allow_mass_close = params.allow_mass_close;
    let writer = tokio::task::spawn_blocking(move || {
        let chunks = Chunks::new(rx);
        let source = std::path::Path::new("the uploaded delivery");
        spool.put_reader(
            &recipient,
            &who,
            snapshot_at,
            format,
            allow_mass_close,
            chunks,
            source,
        )
    });
    pump(body, tx).await;
    let entry = writer
        .await
        .map_err(|e| internal(&e))?
        .map_err(|e| ApiError::bad_request(format!("the delivery was not received whole: {e}")))?;
    let spooled = Event::Delivery {
        provider: entry.provider.clone(),
        outcome: "spooled".into(),
        rows: 0,
        opened: 0,
        closed: 0,
    };
    let Some(point) = state.point() else {
        state.log().record(state.clock.now(), vec![spooled]).await?;
        return Ok((
            StatusCode::ACCEPTED,
            Json(json!({
                "delivery": "spooled", "provider": entry.provider, "bytes": entry.bytes,
                "checksum": hex::encode(entry.checksum),
                "message": "the point is sealed: the delivery is kept encrypted, and validated \
                            and applied when the point is unsealed",
            })),
        ));
    };
    let ours = apply(&state, &point)
        .await?
        .into_iter()
        .find_map(|(e, report)| (e.name == entry.name).then_some(report));
    let report = ours.ok_or_else(|| internal(&"the delivery was applied by another request"))?;
    let status = if report.accepted() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let report = serde_json::to_value(&report).map_err(|e| internal(&e))?;
    Ok((status, Json(report)))
}

/// Applies every spooled delivery in arrival order, one application at a time, each
/// recorded in the audit log; the reports of those applied now.
pub async fn apply(
    state: &State,
    point: &Point,
) -> Result<Vec<(SpoolEntry, DeliveryReport)>, ApiError> {
    let _applying = state.applying.lock().await;
    let applied = tdip_point::deliver::apply_spool(point).await?;
    Ok(applied
        .into_iter()
        .filter_map(|(entry, outcome)| match outcome {
            SpoolOutcome::Delivered(report) | SpoolOutcome::SetAside(report) => {
                Some((entry, report))
            }
            SpoolOutcome::AlreadyApplied => None,
        })
        .collect())
}

/// The delivery log and standings as `tdip deliveries --json` and the API give them.
pub fn status_json(log: &[DeliveryRecord], standing: &[DeliveryStanding]) -> serde_json::Value {
    let entries: Vec<_> = log
        .iter()
        .map(|d| {
            let d2 = &d.delivery;
            serde_json::json!({
                "id": d.id, "provider": d2.provider, "received_at": d2.received_at,
                "snapshot_at": d2.snapshot_at, "rows": d2.rows, "opened": d2.opened,
                "changed": d2.changed, "closed": d2.closed, "errors": d2.errors,
                "checksum": hex::encode(d2.checksum), "outcome": d2.outcome.as_str(),
            })
        })
        .collect();
    serde_json::json!({"deliveries": entries, "providers": standing})
}

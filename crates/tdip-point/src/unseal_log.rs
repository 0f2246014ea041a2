//! Refused unseal attempts go into the audit log at once, even when the point stays
//! sealed (and so may stop without ever opening): `tdip unseal --share`, a command given
//! shares that do not open it, and `POST /v1/unseal`.

use std::path::Path;

use tdip_core::audit::Event;
use tdip_crypto::custodian::Progress;

/// The entry recording `progress`'s refused shares, if any was refused.
pub fn refused(progress: &Progress) -> Option<Event> {
    (progress.refused > 0).then(|| Event::Unseal {
        accepted: u32::from(progress.have),
        refused: progress.refused,
        opened: false,
    })
}

/// Records `event` (if any) in the point's audit log, without keys (the next head signed
/// covers it). A failure is logged as a warning: the refusal itself was already reported.
pub async fn record(data: &Path, url: &str, event: Option<Event>, now: i64) {
    let Some(event) = event else { return };
    let done = match crate::point::open_auditor(data, url).await {
        Ok(auditor) => auditor.record(now, vec![event]).await.map(|_| ()),
        Err(e) => {
            tracing::warn!("WARNING: the refused shares were not logged: {e:#}");
            return;
        }
    };
    if let Err(e) = done {
        tracing::warn!("WARNING: the refused shares were not logged: {e}");
    }
}

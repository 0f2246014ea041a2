//! Decoding communications (`fixed`, `mobile`, `internet`) and cell configurations
//! (`cell`) from their fields, by the rules of docs/traffic-format.md.

use super::parse::{DecodedRecord, Fields};
use crate::LegalZone;

/// Decodes a communication of the batch's kind (`fixed`, `mobile` or `internet`).
pub(super) fn decode_communication(
    f: &mut Fields<'_, '_>,
    _zone: LegalZone,
) -> Option<DecodedRecord> {
    f.error("row", "communications are not read yet");
    None
}

/// Decodes one cell configuration.
pub(super) fn decode_cell(f: &mut Fields<'_, '_>, _zone: LegalZone) -> Option<DecodedRecord> {
    f.error("row", "cell configurations are not read yet");
    None
}

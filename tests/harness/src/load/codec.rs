//! HdrHistograms in a report: the V2 format with deflate, in base64, so that shards' reports
//! can be merged exactly (`Histogram::add`) instead of averaging their percentiles.

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

/// `h` as text for a JSON report.
pub fn encode(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    match V2DeflateSerializer::new().serialize(h, &mut bytes) {
        Ok(_) => base64::engine::general_purpose::STANDARD.encode(bytes),
        // Only a writer's failure can fail it, and a Vec does not fail.
        Err(_) => String::new(),
    }
}

/// A histogram written by [`encode`].
pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("a histogram is not base64: {e}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("a histogram does not read: {e:?}"))
}

//! Errors of encoding and decoding wire messages.

/// A wire message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// msgpack decoding failed.
    #[error("invalid msgpack {what}: {source}")]
    MsgpackDecode {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: rmp_serde::decode::Error,
    },
    /// msgpack encoding failed.
    #[error("failed to encode {what} as msgpack: {source}")]
    MsgpackEncode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: rmp_serde::encode::Error,
    },
    /// JSON decoding or encoding failed.
    #[error("invalid JSON {what}: {source}")]
    Json {
        /// What was being processed.
        what: &'static str,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// Host data was not valid base64.
    #[error("host data is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// Host data line was empty.
    #[error("host data is empty: expected one line of base64-encoded JSON on stdin")]
    EmptyHostData,
}

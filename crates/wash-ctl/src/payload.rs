//! `wash call` payloads: the user's JSON turned into the msgpack an actor expects (structs as named maps),
//! and an actor's msgpack reply turned back into JSON.
//!
//! JSON has no byte strings, so two rules make binary fields usable, as wash 0.x users expected:
//! for `HttpServer.HandleRequest` the request's `body` may be a string (or an array of byte values) and is
//! sent as msgpack bin, and missing request fields get their defaults (`GET /`, no headers, empty body);
//! in replies, bin values that are valid UTF-8 are shown as text (a response `body` reads as its JSON or
//! HTML), others as an array of byte values.

use std::fmt;
use std::io::Cursor;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

/// The operation whose request body is binary.
pub const HTTP_HANDLE_REQUEST: &str = wash_wire::interfaces::httpserver::HANDLE_REQUEST;

/// The JSON could not be turned into an operation argument.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The data is not JSON.
    #[error("the data is not valid JSON: {0}")]
    Json(String),
    /// The data does not fit the operation.
    #[error("{0}")]
    Shape(String),
    /// msgpack encoding failed.
    #[error("failed to encode the data as msgpack: {0}")]
    Encode(String),
}

/// A msgpack value, with bin kept apart from str.
#[derive(Debug, Clone, PartialEq)]
enum MsgValue {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Bin(Vec<u8>),
    Array(Vec<MsgValue>),
    Map(Vec<(MsgValue, MsgValue)>),
}

impl Serialize for MsgValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MsgValue::Nil => s.serialize_unit(),
            MsgValue::Bool(b) => s.serialize_bool(*b),
            MsgValue::Int(i) => s.serialize_i64(*i),
            MsgValue::UInt(u) => s.serialize_u64(*u),
            MsgValue::Float(f) => s.serialize_f64(*f),
            MsgValue::Str(text) => s.serialize_str(text),
            MsgValue::Bin(bytes) => s.serialize_bytes(bytes),
            MsgValue::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            MsgValue::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct MsgVisitor;

impl<'de> Visitor<'de> for MsgVisitor {
    type Value = MsgValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a msgpack value")
    }
    fn visit_unit<E>(self) -> Result<MsgValue, E> {
        Ok(MsgValue::Nil)
    }
    fn visit_none<E>(self) -> Result<MsgValue, E> {
        Ok(MsgValue::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<MsgValue, D::Error> {
        MsgValue::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<MsgValue, E> {
        Ok(MsgValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<MsgValue, E> {
        Ok(MsgValue::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<MsgValue, E> {
        Ok(MsgValue::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<MsgValue, E> {
        Ok(MsgValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<MsgValue, E> {
        Ok(MsgValue::Str(v.to_owned()))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<MsgValue, E> {
        Ok(MsgValue::Bin(v.to_vec()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MsgValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(MsgValue::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MsgValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(MsgValue::Map(entries))
    }
}

impl<'de> Deserialize<'de> for MsgValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MsgVisitor)
    }
}

fn from_json(value: &Value) -> MsgValue {
    match value {
        Value::Null => MsgValue::Nil,
        Value::Bool(b) => MsgValue::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                MsgValue::UInt(u)
            } else if let Some(i) = n.as_i64() {
                MsgValue::Int(i)
            } else {
                MsgValue::Float(n.as_f64().unwrap_or_default())
            }
        }
        Value::String(s) => MsgValue::Str(s.clone()),
        Value::Array(items) => MsgValue::Array(items.iter().map(from_json).collect()),
        Value::Object(map) => MsgValue::Map(
            map.iter()
                .map(|(k, v)| (MsgValue::Str(k.clone()), from_json(v)))
                .collect(),
        ),
    }
}

/// How msgpack bin values of a reply are shown in JSON (`wash call --bin`, after wash 0.18.1's
/// `b`/`s`/`2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinShow {
    /// Text when the bytes are UTF-8, else an array of byte values (ours, the default).
    #[default]
    Auto,
    /// Always an array of byte values (0.18.1's `b`).
    Bytes,
    /// Always text, invalid UTF-8 replaced (0.18.1's `s`).
    Text,
    /// Both: `{"str": <text>, "bin": [<bytes>]}` (0.18.1's `2`).
    Both,
}

fn bin_to_json(bytes: Vec<u8>, show: BinShow) -> Value {
    let array = |bytes: &[u8]| Value::Array(bytes.iter().copied().map(Value::from).collect());
    match show {
        BinShow::Auto => match String::from_utf8(bytes) {
            Ok(text) => Value::String(text),
            Err(e) => array(e.as_bytes()),
        },
        BinShow::Bytes => array(&bytes),
        BinShow::Text => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        BinShow::Both => serde_json::json!({
            "str": String::from_utf8_lossy(&bytes),
            "bin": array(&bytes),
        }),
    }
}

fn to_json_with(value: MsgValue, show: BinShow) -> Value {
    let to_json = |value| to_json_with(value, show);
    match value {
        MsgValue::Nil => Value::Null,
        MsgValue::Bool(b) => Value::Bool(b),
        MsgValue::Int(i) => Value::from(i),
        MsgValue::UInt(u) => Value::from(u),
        MsgValue::Float(f) => Value::from(f),
        MsgValue::Str(s) => Value::String(s),
        MsgValue::Bin(bytes) => bin_to_json(bytes, show),
        MsgValue::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        MsgValue::Map(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        MsgValue::Str(s) => s,
                        other => to_json(other).to_string(),
                    };
                    (key, to_json(v))
                })
                .collect::<Map<_, _>>(),
        ),
    }
}

/// Bytes of a JSON value meant as binary: a string's UTF-8, or an array of byte values.
fn bytes_of(field: &str, value: &Value) -> Result<Vec<u8>, PayloadError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => Ok(text.as_bytes().to_vec()),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_u64().and_then(|n| u8::try_from(n).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| {
                PayloadError::Shape(format!(
                    "`{field}` must be a string or an array of byte values (0-255)"
                ))
            }),
        _ => Err(PayloadError::Shape(format!(
            "`{field}` must be a string or an array of byte values (0-255)"
        ))),
    }
}

/// An `HttpServer.HandleRequest` argument from JSON: defaults filled in, `body` as bin.
fn http_request(value: &Value) -> Result<MsgValue, PayloadError> {
    let empty = Map::new();
    let object = match value {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => {
            return Err(PayloadError::Shape(
                "the data of HttpServer.HandleRequest must be an object like \
                 {\"method\":\"GET\",\"path\":\"/\",\"header\":{},\"body\":\"\"}"
                    .into(),
            ))
        }
    };
    let text = |key: &str, default: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let mut entries = vec![
        (
            MsgValue::Str("method".into()),
            MsgValue::Str(text("method", "GET")),
        ),
        (
            MsgValue::Str("path".into()),
            MsgValue::Str(text("path", "/")),
        ),
        (
            MsgValue::Str("queryString".into()),
            MsgValue::Str(text("queryString", "")),
        ),
        (
            MsgValue::Str("header".into()),
            object
                .get("header")
                .map(from_json)
                .unwrap_or(MsgValue::Map(Vec::new())),
        ),
        (
            MsgValue::Str("body".into()),
            MsgValue::Bin(bytes_of(
                "body",
                object.get("body").unwrap_or(&Value::Null),
            )?),
        ),
    ];
    const KNOWN: [&str; 5] = ["method", "path", "queryString", "header", "body"];
    for (k, v) in object.iter().filter(|(k, _)| !KNOWN.contains(&k.as_str())) {
        entries.push((MsgValue::Str(k.clone()), from_json(v)));
    }
    Ok(MsgValue::Map(entries))
}

/// Encodes `data` (JSON text, or `None` for no argument) as the msgpack argument of `operation`.
pub fn encode_argument(operation: &str, data: Option<&str>) -> Result<Vec<u8>, PayloadError> {
    let value = match data.map(str::trim) {
        Some(text) if !text.is_empty() => Some(
            serde_json::from_str::<Value>(text).map_err(|e| PayloadError::Json(e.to_string()))?,
        ),
        _ => None,
    };
    let msg = if operation == HTTP_HANDLE_REQUEST {
        http_request(value.as_ref().unwrap_or(&Value::Null))?
    } else {
        match value {
            Some(value) => from_json(&value),
            None => return Ok(Vec::new()),
        }
    };
    rmp_serde::to_vec_named(&msg).map_err(|e| PayloadError::Encode(e.to_string()))
}

/// Decodes an actor's reply for display: msgpack → JSON (UTF-8 bin as text); an empty reply is `null`;
/// bytes that are not one msgpack value are returned as text (lossy UTF-8).
pub fn decode_reply(bytes: &[u8]) -> Value {
    decode_reply_with(bytes, BinShow::Auto)
}

/// [`decode_reply`] with bin values shown as `show` says.
pub fn decode_reply_with(bytes: &[u8], show: BinShow) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let mut cursor = Cursor::new(bytes);
    let mut de = rmp_serde::Deserializer::new(&mut cursor);
    match MsgValue::deserialize(&mut de) {
        Ok(value) if cursor.position() as usize == bytes.len() => to_json_with(value, show),
        _ => Value::String(String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// One entry of a test actor's reply (`wasmcloud:testing`'s `TestResult`), for `wash call --test`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// The test's extra data (`snapData`), decoded as JSON when it is.
    pub data: Option<Value>,
}

/// Reads a reply as `wasmcloud:testing`'s `TestResults`: an array of `{name, passed, snapData}` maps.
pub fn test_results(bytes: &[u8]) -> Result<Vec<TestOutcome>, PayloadError> {
    let not_results = || {
        PayloadError::Shape(format!(
            "the reply is not a list of test results (`wasmcloud:testing` TestResults): {}",
            String::from_utf8_lossy(bytes)
        ))
    };
    let Value::Array(items) = decode_reply_with(bytes, BinShow::Text) else {
        return Err(not_results());
    };
    items
        .into_iter()
        .map(|item| {
            let name = item["name"].as_str().ok_or_else(not_results)?.to_owned();
            let passed = item["passed"].as_bool().ok_or_else(not_results)?;
            let data = match item.get("snapData").or_else(|| item.get("snap_data")) {
                Some(Value::String(text)) => {
                    Some(serde_json::from_str(text).unwrap_or(Value::String(text.clone())))
                }
                Some(Value::Null) | None => None,
                Some(other) => Some(other.clone()),
            };
            Ok(TestOutcome { name, passed, data })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wash_wire::interfaces::httpserver::{HttpRequest, HttpResponse};

    /// A JSON HTTP request with a string body decodes as the interface's `HttpRequest`, body as bytes.
    #[test]
    fn http_request_body_string_becomes_bin() {
        let bytes = encode_argument(
            HTTP_HANDLE_REQUEST,
            Some(r#"{"method":"POST","path":"/x","header":{"a":["b"]},"body":"hello"}"#),
        )
        .expect("encode");
        let req: HttpRequest = wash_wire::msgpack::decode(&bytes, "req").expect("decode");
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/x");
        assert_eq!(req.body, b"hello");
        assert_eq!(req.header["a"], vec!["b".to_owned()]);
        let defaults = encode_argument(HTTP_HANDLE_REQUEST, None).expect("encode");
        let req: HttpRequest = wash_wire::msgpack::decode(&defaults, "req").expect("decode");
        assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/"));
    }

    /// An `HttpResponse` reply reads back as JSON with its UTF-8 body as text.
    #[test]
    fn http_response_reply_shows_body_as_text() {
        let response = HttpResponse {
            body: br#"{"counter":3}"#.to_vec(),
            ..HttpResponse::default()
        };
        let bytes = wash_wire::msgpack::encode(&response, "resp").expect("encode");
        let json = decode_reply(&bytes);
        assert_eq!(json["statusCode"], 200);
        assert_eq!(json["body"], r#"{"counter":3}"#);
    }

    /// Other operations get the JSON as a named msgpack map; non-UTF-8 bin shows as byte values; raw
    /// non-msgpack bytes come back as text.
    #[test]
    fn generic_round_trip() {
        let bytes = encode_argument("KeyValue.Increment", Some(r#"{"key":"k","value":-2}"#))
            .expect("encode");
        assert_eq!(
            decode_reply(&bytes),
            serde_json::json!({"key":"k","value":-2})
        );
        let bin = rmp_serde::to_vec(&MsgValue::Bin(vec![0xff, 0])).expect("encode");
        assert_eq!(decode_reply(&bin), serde_json::json!([255, 0]));
        assert_eq!(decode_reply(br#"{"a":1}"#), serde_json::json!(r#"{"a":1}"#));
        assert!(encode_argument("X.Y", Some("{nope")).is_err());
    }

    /// `--bin b|s|2` (wash 0.18.1) show a bin value as bytes, as text, or both; ours picks by content.
    #[test]
    fn bin_values_are_shown_as_asked() {
        let reply = rmp_serde::to_vec_named(&MsgValue::Map(vec![(
            MsgValue::Str("body".into()),
            MsgValue::Bin(b"hi".to_vec()),
        )]))
        .expect("encode");
        let shown = |show| decode_reply_with(&reply, show)["body"].clone();
        assert_eq!(shown(BinShow::Auto), serde_json::json!("hi"));
        assert_eq!(shown(BinShow::Bytes), serde_json::json!([104, 105]));
        assert_eq!(shown(BinShow::Text), serde_json::json!("hi"));
        assert_eq!(
            shown(BinShow::Both),
            serde_json::json!({"str": "hi", "bin": [104, 105]})
        );
    }

    /// A `TestResults` reply (array of `{name, passed, snapData}`) is read; anything else is refused.
    #[test]
    fn test_results_are_read_from_a_testing_reply() {
        let result = |name: &str, passed: bool, data: Option<&[u8]>| {
            MsgValue::Map(vec![
                (MsgValue::Str("name".into()), MsgValue::Str(name.into())),
                (MsgValue::Str("passed".into()), MsgValue::Bool(passed)),
                (
                    MsgValue::Str("snapData".into()),
                    data.map_or(MsgValue::Nil, |d| MsgValue::Bin(d.to_vec())),
                ),
            ])
        };
        let reply = rmp_serde::to_vec_named(&MsgValue::Array(vec![
            result("adds", true, None),
            result("subtracts", false, Some(br#"{"got":1}"#)),
        ]))
        .expect("encode");
        let outcomes = test_results(&reply).expect("test results");
        assert_eq!(outcomes.len(), 2);
        assert_eq!(
            (outcomes[0].name.as_str(), outcomes[0].passed),
            ("adds", true)
        );
        assert_eq!(outcomes[0].data, None);
        assert!(!outcomes[1].passed);
        assert_eq!(outcomes[1].data, Some(serde_json::json!({"got": 1})));
        let not_results = rmp_serde::to_vec_named(&MsgValue::Str("hello".into())).expect("encode");
        assert!(test_results(&not_results).is_err());
    }
}

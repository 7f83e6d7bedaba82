//! OpenTelemetry traces for wash, its host and its providers, as a wasmCloud 0.x operator turned them on:
//! `OTEL_TRACES_EXPORTER=otlp` and `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`),
//! with `OTEL_SERVICE_NAME` and `OTEL_TRACES_SAMPLER[_ARG]` read by the SDK. Spans are exported over
//! OTLP/HTTP (protobuf) by the SDK's batching processor, from `tracing` spans (tracing-opentelemetry).
//!
//! The W3C trace context crosses each hop in `traceparent`/`tracestate` headers, as wasmbus-rpc 0.15's
//! `otel` feature sent them on NATS: [`nats_headers`] injects the current span's context, [`set_parent`]
//! continues the one a message or request carried. With tracing off nothing is installed, both are a
//! flag check, and messages carry no headers at all.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Set once a tracer is installed: header work is skipped while it is not.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The variables a host passes on to the providers it starts (`OTEL_SERVICE_NAME` is not one: each
/// process names itself).
pub const PASSED_TO_PROVIDERS: [&str; 5] = [
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
];

/// Whether the environment asks for traces: `OTEL_TRACES_EXPORTER` names `otlp`, or is unset while an
/// OTLP endpoint variable is set. `none` (or any other exporter) turns them off.
pub fn requested() -> bool {
    requested_by(|name| std::env::var(name).ok())
}

/// [`requested`], with the variables looked up by `var`.
fn requested_by(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
    match var("OTEL_TRACES_EXPORTER") {
        Some(exporters) if !exporters.trim().is_empty() => exporters
            .split(',')
            .any(|e| e.trim().eq_ignore_ascii_case("otlp")),
        _ => set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
    }
}

/// Whether this process exports traces.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The `tracing` target of the spans that are exported: only spans created with it are (the lattice's
/// hops), so no dependency's spans are.
pub const TARGET: &str = "wasmcloud_trace";

/// The log filter for `directive` (an `EnvFilter` directive such as `info` or `wash=debug,warn`), with
/// the lattice's spans (target [`TARGET`]) left out unless the directive names that target. A log layer
/// that sees a span formats its fields when it opens, for every invocation, even when no line is
/// written inside it; and with tracing off, a span no layer wants costs a flag check.
pub fn log_filter(directive: &str) -> Result<tracing_subscriber::EnvFilter, String> {
    let filter = tracing_subscriber::EnvFilter::try_new(directive).map_err(|e| e.to_string())?;
    if directive.contains(TARGET) {
        return Ok(filter);
    }
    let spans_off = format!("{TARGET}=off")
        .parse()
        .map_err(|e| format!("{e}"))?;
    Ok(filter.add_directive(spans_off))
}

/// The tracer provider, kept to flush it at exit.
static PROVIDER: std::sync::OnceLock<SdkTracerProvider> = std::sync::OnceLock::new();

/// Flushes the spans still batched and stops the exporter (for programs that exit without dropping a
/// [`TraceGuard`]).
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown();
    }
}

/// Calls [`shutdown`] when dropped: keep it until the program ends.
#[must_use = "dropping the guard flushes and stops the exporter"]
pub struct TraceGuard(());

impl Drop for TraceGuard {
    fn drop(&mut self) {
        shutdown();
    }
}

/// A layer exporting the spans of target [`TARGET`] of a `tracing` subscriber.
pub type OtelLayer<S> = tracing_subscriber::filter::Filtered<
    tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>,
    tracing_subscriber::filter::Targets,
    S,
>;

/// When the environment asks for traces ([`requested`]), a `tracing` layer exporting the spans of
/// target [`TARGET`] over OTLP/HTTP as service `OTEL_SERVICE_NAME` (else `default_service`), and the
/// guard that flushes them; `None` otherwise, or (with a warning on stderr) when the exporter cannot be
/// built.
pub fn layer<S>(default_service: &str) -> Option<(OtelLayer<S>, TraceGuard)>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    use tracing_subscriber::Layer as _;
    if !requested() {
        return None;
    }
    // The exporter's HTTP client is reqwest on rustls, built (in this workspace) without a bundled
    // crypto provider: ring, which the tree has, is installed first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => exporter,
        Err(e) => {
            eprintln!("traces are off: the OTLP exporter could not be built: {e}");
            return None;
        }
    };
    let service = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| default_service.to_owned());
    let resource = Resource::builder()
        .with_service_name(service.clone())
        .with_attribute(opentelemetry::KeyValue::new(
            "process.pid",
            i64::from(std::process::id()),
        ))
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    let tracer = provider.tracer(service);
    if PROVIDER.set(provider).is_err() {
        // Already installed in this process.
        return None;
    }
    ENABLED.store(true, Ordering::Relaxed);
    let targets =
        tracing_subscriber::filter::Targets::new().with_target(TARGET, tracing::Level::TRACE);
    Some((
        // Only the spans' own fields: no source location, thread, target or busy/idle attributes,
        // which cost an allocation or a clock read per span on the request path. Nothing here reads
        // OpenTelemetry's own current context (the headers come from the `tracing` span), so it is
        // not activated at every poll of an instrumented future.
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false)
            .with_context_activation(false)
            .with_filter(targets),
        TraceGuard(()),
    ))
}

struct HeaderInjector<'a>(&'a mut async_nats::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key, value.as_str());
    }
}

/// NATS headers carrying the current span's trace context; `None` with tracing off or no span, so the
/// message goes without headers, as 0.x senders without a tracer sent it.
pub fn nats_headers() -> Option<async_nats::HeaderMap> {
    if !enabled() {
        return None;
    }
    let context = tracing::Span::current().context();
    let mut headers = async_nats::HeaderMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(&mut headers));
    (headers.get("traceparent").is_some()).then_some(headers)
}

/// Makes `span` continue the trace in `headers` (a `traceparent` header), if any: a message or
/// request without one starts nothing and changes nothing.
pub fn set_parent(span: &tracing::Span, lookup: impl Fn(&str) -> Option<String>) {
    if !enabled() {
        return;
    }
    let Some(traceparent) = lookup("traceparent") else {
        return;
    };
    let state = lookup("tracestate");
    let context = TraceContextPropagator::new().extract(&Pairs {
        traceparent,
        tracestate: state,
    });
    let _ = span.set_parent(context);
}

/// The two trace-context values, as the propagator reads them.
struct Pairs {
    traceparent: String,
    tracestate: Option<String>,
}

impl Extractor for Pairs {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => Some(&self.traceparent),
            "tracestate" => self.tracestate.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

/// [`set_parent`] from the headers of a NATS message (none: nothing happens).
pub fn set_parent_from_nats(span: &tracing::Span, headers: Option<&async_nats::HeaderMap>) {
    if let Some(headers) = headers {
        set_parent(span, |name| {
            headers.get(name).map(|v| v.as_str().to_owned())
        });
    }
}

/// Records an error on `span` (OpenTelemetry status `Error` with `message`).
pub fn record_error(span: &tracing::Span, message: &str) {
    if enabled() {
        span.set_status(opentelemetry::trace::Status::error(message.to_owned()));
    }
}

/// `nats.request`, carrying the current span's trace context in headers when tracing is on (and no
/// headers otherwise).
pub async fn request(
    nats: &async_nats::Client,
    subject: String,
    payload: Vec<u8>,
) -> Result<async_nats::Message, async_nats::RequestError> {
    match nats_headers() {
        Some(headers) => {
            nats.request_with_headers(subject, headers, payload.into())
                .await
        }
        None => nats.request(subject, payload.into()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn traces_are_on_only_when_the_variables_ask() {
        assert!(!requested_by(vars(&[])), "nothing set: off");
        assert!(requested_by(vars(&[("OTEL_TRACES_EXPORTER", "otlp")])));
        assert!(requested_by(vars(&[(
            "OTEL_TRACES_EXPORTER",
            "console, OTLP"
        )])));
        assert!(!requested_by(vars(&[
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        ])));
        assert!(requested_by(vars(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://127.0.0.1:4318/v1/traces"
        )])));
        assert!(!requested_by(vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")])));
    }

    #[test]
    fn log_filters_leave_the_lattice_spans_out_unless_asked() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let enabled_spans = |filter: tracing_subscriber::EnvFilter| {
            let subscriber = tracing_subscriber::registry().with(filter);
            tracing::subscriber::with_default(subscriber, || {
                let span = tracing::info_span!(target: TARGET, "hop");
                let info = tracing::info_span!("other");
                (!span.is_disabled(), !info.is_disabled())
            })
        };
        assert_eq!(enabled_spans(log_filter("info").unwrap()), (false, true));
        assert_eq!(enabled_spans(log_filter("trace").unwrap()), (false, true));
        assert_eq!(
            enabled_spans(log_filter("info,wasmcloud_trace=info").unwrap()),
            (true, true),
            "a directive naming the target keeps its spans"
        );
        assert!(log_filter("=[").is_err());
    }

    #[test]
    fn with_tracing_off_nothing_is_injected_or_extracted() {
        assert!(!enabled());
        assert!(nats_headers().is_none(), "no headers when off");
        // A traceparent on a message changes nothing when off (and does not panic).
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        );
        set_parent_from_nats(&tracing::Span::none(), Some(&headers));
    }
}

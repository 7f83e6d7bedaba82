//! OpenTelemetry traces for wash, its host and its providers, as a wasmCloud 0.x operator turned them on:
//! `OTEL_TRACES_EXPORTER=otlp` and `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`),
//! with `OTEL_SERVICE_NAME` and `OTEL_TRACES_SAMPLER[_ARG]` read by the SDK. Spans are exported over
//! OTLP/HTTP (protobuf) by the SDK's batching processor, in batches of up to 2048 unless the
//! `OTEL_BSP_*` variables say otherwise.
//!
//! Each hop of a request is a [`Hop`]: an OpenTelemetry span made with the API directly (not through
//! `tracing`, whose per-span bookkeeping cost more than the span itself), current while its work runs
//! ([`Hop::run`]). The W3C trace context crosses each hop in `traceparent`/`tracestate` headers, as
//! wasmbus-rpc 0.15's `otel` feature sent them on NATS: [`nats_headers`] injects the current hop's
//! context, [`Hop::continuing`] continues the one a message or request carried. With tracing off
//! nothing is installed, a hop is a flag check, and messages carry no headers at all.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use futures::future::Either;
use opentelemetry::context::FutureExt as _;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{
    SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{
    BatchConfig, BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider,
};
use opentelemetry_sdk::Resource;

pub use opentelemetry::KeyValue as Attribute;
/// An attribute value made once and shared by every span that carries it (a provider's or an
/// actor's key): [`shared`] makes one, and cloning it counts a reference.
pub use opentelemetry::StringValue as SharedValue;

/// A [`SharedValue`] of `value`. A span's attributes are freed on the exporter's thread, and blocks
/// freed there come back cold to the thread that allocated them: a value a process repeats on every
/// span is cheaper made once than copied per span.
pub fn shared(value: &str) -> SharedValue {
    std::sync::Arc::<str>::from(value).into()
}

/// A span's first attributes, with room for `later` more ([`Hop::set`], [`record`]), so setting
/// them does not move the others to a larger allocation.
pub fn attributes<const N: usize>(now: [Attribute; N], later: usize) -> Vec<Attribute> {
    let mut all = Vec::with_capacity(N + later);
    all.extend(now);
    all
}

/// Set once a tracer is installed: every hop is a flag check while it is not.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The installed tracer and its provider (kept to flush it at exit).
static TRACER: OnceLock<(SdkTracerProvider, SdkTracer)> = OnceLock::new();

/// The variables a host passes on to the providers it starts (`OTEL_SERVICE_NAME` is not one: each
/// process names itself).
pub const PASSED_TO_PROVIDERS: [&str; 5] = [
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
];

/// The batch processor's variables (the SDK's, and our sizes where two of them are unset): a host
/// passes those that are set to the providers it starts, with [`PASSED_TO_PROVIDERS`], when traces
/// are on, so every process batches alike.
pub const BATCH_VARIABLES: [&str; 4] = [
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_EXPORT_TIMEOUT",
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

fn tracer() -> Option<&'static SdkTracer> {
    if !enabled() {
        return None;
    }
    TRACER.get().map(|(_, tracer)| tracer)
}

/// Flushes the spans still batched and stops the exporter (for programs that exit without dropping a
/// [`TraceGuard`]).
pub fn shutdown() {
    if let Some((provider, _)) = TRACER.get() {
        ENABLED.store(false, Ordering::Relaxed);
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

/// When the environment asks for traces ([`requested`]), installs the OTLP/HTTP exporter for this
/// process as service `OTEL_SERVICE_NAME` (else `default_service`) and returns the guard that flushes
/// it; `None` otherwise, when already installed, or (with a warning on stderr) when the exporter
/// cannot be built.
pub fn install(default_service: &str) -> Option<TraceGuard> {
    if !requested() || TRACER.get().is_some() {
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
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(batch_config())
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource(&service))
        .build();
    use_provider(provider, service).then_some(TraceGuard(()))
}

/// Spans per export, unless `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` says otherwise: four times the SDK's
/// 512. Every export is an HTTP request and wakes three threads in two processes; at thousands of
/// spans a second, four times fewer exports left kvcounter 2.3% more throughput with traces on in an
/// interleaved A/B (docs/benchmarks.md, "Fewer, larger exports").
const EXPORT_BATCH: usize = 2048;

/// Spans queued for export, unless `OTEL_BSP_MAX_QUEUE_SIZE` says otherwise: room for four batches,
/// as the SDK's 2048 is for four of its 512.
const QUEUE: usize = 4 * EXPORT_BATCH;

/// The batch processor's settings: the `OTEL_BSP_*` variables where set (the SDK reads them), our
/// batch and queue sizes where not.
fn batch_config() -> BatchConfig {
    let (queue, batch) = batch_overrides(|name| std::env::var(name).ok());
    let mut config = BatchConfigBuilder::default();
    if let Some(queue) = queue {
        config = config.with_max_queue_size(queue);
    }
    if let Some(batch) = batch {
        config = config.with_max_export_batch_size(batch);
    }
    config.build()
}

/// The queue and batch sizes to set over what the SDK read: our queue where its variable is unset;
/// our batch where its variable is unset, else the variable's own value again, because the SDK
/// already cut it down to its default queue of 2048 (the build cuts it to the final queue).
fn batch_overrides(var: impl Fn(&str) -> Option<String>) -> (Option<usize>, Option<usize>) {
    let queue = var("OTEL_BSP_MAX_QUEUE_SIZE").is_none().then_some(QUEUE);
    let batch = match var("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") {
        None => Some(EXPORT_BATCH),
        // Unparsable: the SDK ignored it too, and kept its 512.
        Some(value) => value.parse().ok(),
    };
    (queue, batch)
}

/// What every span of this process says of it: its service name and pid.
fn resource(service: &str) -> Resource {
    Resource::builder()
        .with_service_name(service.to_owned())
        .with_attribute(KeyValue::new("process.pid", i64::from(std::process::id())))
        .build()
}

/// Makes `provider` this process's tracer provider; false when one is already installed.
fn use_provider(provider: SdkTracerProvider, service: String) -> bool {
    let tracer = provider.tracer(service);
    if TRACER.set((provider, tracer)).is_err() {
        return false;
    }
    ENABLED.store(true, Ordering::Relaxed);
    true
}

/// One hop of a request: a span from creation to drop, or nothing at all when tracing is off.
/// Attributes are given as a closure, called only when tracing is on.
#[must_use = "a hop's span ends when it is dropped"]
pub struct Hop {
    cx: Option<Context>,
    /// Whether dropping this hop ends the span (not for a [`Hop::share`]).
    owner: bool,
}

impl Hop {
    /// No span: tracing is off.
    pub const fn off() -> Hop {
        Hop {
            cx: None,
            owner: false,
        }
    }

    fn start(
        name: &'static str,
        kind: SpanKind,
        parent: &Context,
        attributes: Vec<KeyValue>,
    ) -> Hop {
        let Some(tracer) = tracer() else {
            return Hop::off();
        };
        let builder = tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes);
        let span = tracer.build_with_context(builder, parent);
        Hop {
            cx: Some(parent.with_span(span)),
            owner: true,
        }
    }

    /// A server span that continues the trace whose `traceparent` (and `tracestate`) `lookup` finds,
    /// or starts one when there is none (0.x clients without a tracer send none).
    pub fn continuing<'a>(
        name: &'static str,
        lookup: impl Fn(&str) -> Option<&'a str>,
        attributes: impl FnOnce() -> Vec<KeyValue>,
    ) -> Hop {
        if !enabled() {
            return Hop::off();
        }
        let parent = match lookup("traceparent") {
            Some(_) => {
                TraceContextPropagator::new().extract(&Lookup(lookup, std::marker::PhantomData))
            }
            None => Context::new(),
        };
        Self::start(name, SpanKind::Server, &parent, attributes())
    }

    /// [`Hop::continuing`] the trace in the headers of a NATS message (none: a new trace).
    pub fn continuing_nats(
        name: &'static str,
        headers: Option<&async_nats::HeaderMap>,
        attributes: impl FnOnce() -> Vec<KeyValue>,
    ) -> Hop {
        Self::continuing(
            name,
            |key| headers.and_then(|h| h.get(key)).map(|v| v.as_str()),
            attributes,
        )
    }

    /// A client span under `parent` (a new trace when `parent` is off or a root: `wash call`'s).
    pub fn client(
        name: &'static str,
        parent: Option<&Hop>,
        attributes: impl FnOnce() -> Vec<KeyValue>,
    ) -> Hop {
        if !enabled() {
            return Hop::off();
        }
        let root = Context::new();
        let parent = parent.and_then(|p| p.cx.as_ref()).unwrap_or(&root);
        Self::start(name, SpanKind::Client, parent, attributes())
    }

    /// A handle on this hop's span for work that outlives a borrow of it (the host's calls from an
    /// actor, as their parent): dropping it does not end the span.
    pub fn share(&self) -> Hop {
        Hop {
            cx: self.cx.clone(),
            owner: false,
        }
    }

    /// Runs `work` with this hop current: [`nats_headers`] and [`record`] inside it see this span.
    pub fn run<F: Future>(&self, work: F) -> impl Future<Output = F::Output> {
        match &self.cx {
            Some(cx) => Either::Left(work.with_context(cx.clone())),
            None => Either::Right(work),
        }
    }

    /// Sets an attribute of the span.
    pub fn set(&self, attribute: impl FnOnce() -> KeyValue) {
        if let Some(cx) = &self.cx {
            cx.span().set_attribute(attribute());
        }
    }

    /// Marks the span as failed (OpenTelemetry status `Error` with `message`).
    pub fn error(&self, message: &str) {
        if let Some(cx) = &self.cx {
            cx.span().set_status(Status::error(message.to_owned()));
        }
    }
}

impl Drop for Hop {
    fn drop(&mut self) {
        if let (true, Some(cx)) = (self.owner, &self.cx) {
            cx.span().end();
        }
    }
}

/// Sets an attribute of the current hop's span (see [`Hop::run`]); nothing when tracing is off.
pub fn record(attribute: impl FnOnce() -> KeyValue) {
    if enabled() {
        Context::map_current(|cx| cx.span().set_attribute(attribute()));
    }
}

struct HeaderInjector<'a>(&'a mut async_nats::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        // The propagator sets `tracestate` even when it is empty; W3C lets a sender leave it out, and
        // a header less is less to write, route and parse on every hop.
        if !value.is_empty() {
            self.0.insert(key, value.as_str());
        }
    }
}

/// NATS headers carrying the current hop's trace context; `None` with tracing off or outside a hop,
/// so the message goes without headers, as 0.x senders without a tracer sent it.
pub fn nats_headers() -> Option<async_nats::HeaderMap> {
    if !enabled() {
        return None;
    }
    let mut headers = async_nats::HeaderMap::new();
    Context::map_current(|cx| {
        TraceContextPropagator::new().inject_context(cx, &mut HeaderInjector(&mut headers))
    });
    (headers.get("traceparent").is_some()).then_some(headers)
}

/// A carrier's headers, as the propagator reads them: borrowed, not copied.
struct Lookup<'a, F>(F, std::marker::PhantomData<&'a str>);

impl<'a, F: Fn(&str) -> Option<&'a str>> Extractor for Lookup<'a, F> {
    fn get(&self, key: &str) -> Option<&str> {
        (self.0)(key)
    }

    fn keys(&self) -> Vec<&str> {
        ["traceparent", "tracestate"]
            .into_iter()
            .filter(|key| (self.0)(key).is_some())
            .collect()
    }
}

/// `nats.request`, carrying the current hop's trace context in headers when tracing is on (and no
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
    fn batches_are_larger_than_the_sdks_unless_the_variables_say() {
        assert_eq!(batch_overrides(vars(&[])), (Some(8192), Some(2048)));
        // A batch above the SDK's default queue keeps its size under our larger queue.
        let batch = [("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096")];
        assert_eq!(batch_overrides(vars(&batch)), (Some(8192), Some(4096)));
        let junk = [("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "many")];
        assert_eq!(batch_overrides(vars(&junk)), (Some(8192), None));
        let queue = [("OTEL_BSP_MAX_QUEUE_SIZE", "1000")];
        assert_eq!(batch_overrides(vars(&queue)), (None, Some(2048)));
        let both = [
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "50"),
        ];
        assert_eq!(batch_overrides(vars(&both)), (None, Some(50)));
    }

    #[test]
    fn first_attributes_leave_room_for_the_later_ones() {
        let now = [Attribute::new("provider.id", shared("VKEY"))];
        let all = attributes(now, 2);
        assert_eq!(all, vec![Attribute::new("provider.id", "VKEY")]);
        assert!(all.capacity() >= 3, "room for two more: {}", all.capacity());
    }

    /// Keeps the spans it is given, for the test to read.
    #[derive(Debug, Clone, Default)]
    struct Kept(std::sync::Arc<std::sync::Mutex<Vec<opentelemetry_sdk::trace::SpanData>>>);

    impl opentelemetry_sdk::trace::SpanExporter for Kept {
        async fn export(
            &self,
            batch: Vec<opentelemetry_sdk::trace::SpanData>,
        ) -> opentelemetry_sdk::error::OTelSdkResult {
            self.0.lock().unwrap().extend(batch);
            Ok(())
        }
    }

    /// Off, then on (one test: the tracer is installed once per process).
    #[test]
    fn hops_are_nothing_when_off_and_chain_their_spans_when_on() {
        let client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        let traceparent = format!("00-{client_trace}-00f067aa0ba902b7-01");
        let lookup = |key: &str| (key == "traceparent").then_some(traceparent.as_str());
        let run = |inside: fn() -> Option<async_nats::HeaderMap>| {
            let server = Hop::continuing("server", lookup, || vec![KeyValue::new("a", "b")]);
            let client = Hop::client("client", Some(&server.share()), Vec::new);
            let headers = futures::executor::block_on(client.run(async { inside() }));
            server.error("failed");
            drop(client);
            drop(server);
            headers
        };

        assert!(!enabled());
        assert!(nats_headers().is_none(), "no headers when off");
        assert!(run(nats_headers).is_none(), "no headers inside an off hop");

        let kept = Kept::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(kept.clone())
            .with_resource(resource("test"))
            .build();
        assert!(use_provider(provider, "test".into()));
        assert!(!use_provider(
            SdkTracerProvider::builder().build(),
            "again".into()
        ));
        assert!(nats_headers().is_none(), "no headers outside a hop");
        let headers = run(nats_headers).expect("headers inside a hop");
        let spans = kept.0.lock().unwrap().clone();
        let [client, server] = &spans[..] else {
            panic!("two spans, client first: {spans:#?}");
        };
        assert_eq!((&*client.name, &*server.name), ("client", "server"));
        assert_eq!(server.span_context.trace_id().to_string(), client_trace);
        assert_eq!(
            server.span_context.trace_id(),
            client.span_context.trace_id()
        );
        assert_eq!(server.parent_span_id.to_string(), "00f067aa0ba902b7");
        assert_eq!(client.parent_span_id, server.span_context.span_id());
        assert_eq!(server.attributes, vec![KeyValue::new("a", "b")]);
        assert_eq!(server.status, Status::error("failed"));
        // The headers carry the client span: the next hop's parent.
        let sent = headers.get("traceparent").expect("traceparent").as_str();
        assert_eq!(
            sent,
            format!("00-{client_trace}-{}-01", client.span_context.span_id())
        );
        assert!(
            headers.get("tracestate").is_none(),
            "an empty tracestate is left out"
        );

        // A tracestate that came in goes on with the trace.
        let with_state = |key: &str| match key {
            "traceparent" => Some(traceparent.as_str()),
            "tracestate" => Some("vendor=1"),
            _ => None,
        };
        let server = Hop::continuing("server", with_state, Vec::new);
        let headers = futures::executor::block_on(server.run(async { nats_headers() }))
            .expect("headers inside a hop");
        assert_eq!(
            headers.get("tracestate").map(|v| v.as_str()),
            Some("vendor=1")
        );
        drop(server);
        shutdown();
    }
}

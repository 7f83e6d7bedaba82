//! The wasmbus actor runtime on wasmtime: one engine per host, each module compiled once into an
//! `InstancePre`, warm instances kept between calls as wasmCloud 0.x hosts kept them (an actor's
//! globals live on from call to call; an instance that trapped, timed out or ran out of memory is
//! dropped and the next call gets a fresh one), and the wasmbus guest ABI
//! (`__guest_call` in, `__host_call` out) under both import modules `wasmbus` and `wapc`, plus the
//! minimal WASI preview 1 of [`crate::wasi`] for actors built for a WASI target (Go `wasip1`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{
    Caller, Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Memory, Module,
    PoolingAllocationConfig, Store, TypedFunc, UpdateDeadline,
};

use crate::limits::{human_bytes, DeadlineExceeded, MemoryLimiter};
pub use crate::limits::{
    max_memory_from_env, parse_memory_size, MemorySizeError, DEFAULT_MAX_MEMORY_BYTES,
    MAX_MEMORY_ENV,
};

/// A boxed future returned by [`HostCalls::host_call`].
pub type HostCallFuture = Pin<Box<dyn Future<Output = Result<Vec<u8>, String>> + Send>>;

/// An outbound call an actor made through `__host_call`.
#[derive(Debug, Clone)]
pub struct HostCall {
    /// Public key of the calling actor.
    pub actor: String,
    /// Link name (provider calls) or `""` (actor calls).
    pub binding: String,
    /// Contract id, target actor key or call alias.
    pub namespace: String,
    /// `<Service>.<Operation>`.
    pub operation: String,
    /// Encoded argument.
    pub payload: Vec<u8>,
}

/// Serves actors' outbound calls (the lattice router implements it).
pub trait HostCalls: Send + Sync + 'static {
    /// Performs one outbound call; `Err` is the error string handed back to the guest.
    fn host_call(&self, call: HostCall) -> HostCallFuture;
}

/// Why a call into an actor failed.
#[derive(Debug, thiserror::Error)]
pub enum ActorCallError {
    /// The guest returned an error through `__guest_error`.
    #[error("{0}")]
    Guest(String),
    /// The guest trapped (panic, out-of-bounds access, unreachable...).
    #[error("actor trapped: {0}")]
    Trap(String),
    /// The call did not finish in time.
    #[error("actor call timed out after {0:?}")]
    Timeout(Duration),
    /// The guest asked for more linear memory than the host allows, was refused, and then trapped.
    #[error(
        "actor ran out of memory: it asked for {} of linear memory, over this host's limit of {} \
         (`{}`), and trapped: {trap}",
        human_bytes(*.requested), human_bytes(*.limit), MAX_MEMORY_ENV
    )]
    OutOfMemory {
        /// The size, in bytes, the guest asked to grow its memory to.
        requested: usize,
        /// The limit, in bytes.
        limit: usize,
        /// The trap that followed.
        trap: String,
    },
    /// The module could not be instantiated.
    #[error("failed to instantiate actor: {0}")]
    Instantiate(String),
}

/// Why a module could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes are not a module wasmtime accepts.
    #[error("invalid actor module: {0}")]
    Compile(String),
    /// The module imports something the host does not provide, or lacks `__guest_call`.
    #[error("actor module is not a wasmbus actor: {0}")]
    NotAnActor(String),
}

/// Tuning of the actor runtime.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Longest a single call may run (wall clock, host calls included). A guest that computes
    /// without end is stopped here; it yields its thread every epoch tick (10 ms) meanwhile.
    pub call_timeout: Duration,
    /// Largest linear memory an instance may grow to, in bytes: [`MAX_MEMORY_ENV`] when it is set
    /// (an invalid value is a start-up error of [`crate::Host::start`]), else
    /// [`DEFAULT_MAX_MEMORY_BYTES`]. A growth past it fails, and the trap that usually follows is
    /// reported as [`ActorCallError::OutOfMemory`].
    pub max_memory_bytes: usize,
    /// How many instances may exist at once across all actors (pooling allocator slots).
    pub max_instances: u32,
    /// Where compiled actors are kept (wasmtime's compilation cache, keyed by the module's bytes and
    /// the engine's settings), so an actor started again is not compiled again; `None`: no cache.
    /// Whoever can write there can put native code in the host, as with the provider cache.
    pub compiled_cache_dir: Option<std::path::PathBuf>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(10),
            max_memory_bytes: max_memory_from_env()
                .ok()
                .flatten()
                .unwrap_or(DEFAULT_MAX_MEMORY_BYTES),
            max_instances: 512,
            compiled_cache_dir: None,
        }
    }
}

/// One wasmtime engine shared by every actor of a host.
#[derive(Clone)]
pub struct ActorRuntime {
    engine: Engine,
    linker: Arc<Linker<CallState>>,
    config: RuntimeConfig,
    /// Idle warm instances across every actor: at most half the pooling allocator's slots, so
    /// calls always find slots for new instances.
    idle: Arc<std::sync::atomic::AtomicUsize>,
    /// The compilation cache, when there is one (for its hit and miss counts).
    compiled: Option<wasmtime::Cache>,
}

impl std::fmt::Debug for ActorRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorRuntime")
            .field("config", &self.config)
            .finish()
    }
}

/// Per-call state of one instance.
struct CallState {
    operation: Vec<u8>,
    payload: Vec<u8>,
    guest_response: Option<Vec<u8>>,
    guest_error: Option<String>,
    host_response: Option<Vec<u8>>,
    host_error: Option<String>,
    actor: Arc<str>,
    host: Arc<dyn HostCalls>,
    limits: MemoryLimiter,
    /// When the epoch callback stops the guest.
    deadline: Instant,
}

impl crate::wasi::WasiState for CallState {
    fn actor(&self) -> &str {
        &self.actor
    }
}

impl ActorRuntime {
    /// Builds the engine (async, pooling allocator, epoch interruption for timeouts) and starts the
    /// thread that advances its epoch; a thread that cannot start is an error, as without it no call
    /// deadline would be enforced.
    pub fn new(config: RuntimeConfig) -> wasmtime::Result<Self> {
        Self::with_ticker(config, spawn_ticker)
    }

    fn with_ticker(config: RuntimeConfig, spawn: SpawnTicker) -> wasmtime::Result<Self> {
        let mut pooling = PoolingAllocationConfig::default();
        pooling.total_core_instances(config.max_instances);
        pooling.total_memories(config.max_instances);
        pooling.total_tables(config.max_instances);
        pooling.max_memory_size(config.max_memory_bytes);
        // An instance per call means a slot is freed per call: keeping the first pages of each slot
        // resident (zeroed in place instead of unmapped) avoids page faults and TLB shootdowns.
        pooling.linear_memory_keep_resident(2 << 20);
        pooling.table_keep_resident(64 << 10);
        // Without PAGEMAP_SCAN (Linux 6.7+) the whole kept-resident prefix is memset on every reset
        // (over 1 MiB for a Rust actor, whose shadow stack alone is 1 MiB): about a fifth of the
        // host's CPU under load. With it only the pages the call actually dirtied are restored.
        pooling.pagemap_scan(wasmtime::Enabled::Auto);
        let mut wasm_config = Config::new();
        wasm_config
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
        let mut compiled = None;
        if let Some(dir) = &config.compiled_cache_dir {
            // A cache that cannot be set up only costs compile time: say so and go on without it.
            let mut cache = wasmtime::CacheConfig::new();
            // wasmtime wants it absolute (a relative WASH_HOME is fine for the rest of wash).
            cache.with_directory(std::path::absolute(dir).unwrap_or_else(|_| dir.clone()));
            match wasmtime::Cache::new(cache) {
                Ok(cache) => {
                    wasm_config.cache(Some(cache.clone()));
                    compiled = Some(cache);
                }
                Err(e) => tracing::warn!("no cache of compiled actors in {}: {e:#}", dir.display()),
            }
        }
        let engine = Engine::new(&wasm_config)?;
        start_epoch_ticker(&engine, spawn)?;
        let mut linker = Linker::new(&engine);
        for module in ["wasmbus", "wapc"] {
            define_imports(&mut linker, module)?;
        }
        crate::wasi::define(&mut linker)?;
        Ok(Self {
            engine,
            linker: Arc::new(linker),
            config,
            idle: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            compiled,
        })
    }

    /// Compiles a module once and checks it is a wasmbus actor this host can link.
    pub fn load(&self, bytes: &[u8]) -> Result<ActorModule, LoadError> {
        let hits = self.compiled.as_ref().map(wasmtime::Cache::cache_hits);
        let module =
            Module::new(&self.engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))?;
        if let (Some(cache), Some(before)) = (&self.compiled, hits) {
            let from_cache = cache.cache_hits() > before;
            tracing::debug!(from_cache, "compiled actor ready");
        }
        if module.get_export("__guest_call").is_none() {
            return Err(LoadError::NotAnActor(
                "it exports no `__guest_call` function".into(),
            ));
        }
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| LoadError::NotAnActor(format!("{e:#}")))?;
        // `_initialize`: a WASI reactor's (Go `-buildmode=c-shared`) runtime and package init.
        let init_exports = ["_initialize", "_start", "wapc_init"]
            .into_iter()
            .filter(|name| module.get_export(name).is_some())
            .collect();
        Ok(ActorModule {
            pre,
            runtime: self.clone(),
            init_exports,
            warm: Arc::new(std::sync::Mutex::new(Pool::default())),
            in_flight: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        })
    }
}

/// Starts a named thread running the given loop (a seam: tests make it fail).
type SpawnTicker = fn(Box<dyn FnOnce() + Send>) -> std::io::Result<()>;

fn spawn_ticker(run: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("wash-epoch".into())
        .spawn(run)
        .map(drop)
}

/// Advances the engine's epoch every 10 ms (until the engine is dropped) so deadlines can interrupt
/// runaway guests.
fn start_epoch_ticker(engine: &Engine, spawn: SpawnTicker) -> wasmtime::Result<()> {
    let weak = engine.weak();
    spawn(Box::new(move || loop {
        std::thread::sleep(EPOCH_TICK);
        match weak.upgrade() {
            Some(engine) => engine.increment_epoch(),
            None => break,
        }
    }))
    .map_err(|err| {
        wasmtime::Error::msg(format!(
            "failed to start the `wash-epoch` thread that enforces actor call deadlines: {err}"
        ))
    })
}

const EPOCH_TICK: Duration = Duration::from_millis(10);

/// A compiled actor and its warm instances. Clones share the instances.
#[derive(Clone)]
pub struct ActorModule {
    pre: InstancePre<CallState>,
    runtime: ActorRuntime,
    init_exports: Vec<&'static str>,
    /// The idle instances and the recent demand.
    warm: Arc<std::sync::Mutex<Pool>>,
    /// Calls in progress: the pool is sized to what is in use at once (see [`ActorModule::call`]).
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

/// How long the pool remembers a peak of concurrent calls before it may shrink below it.
const DEMAND_WINDOW: Duration = Duration::from_secs(2);

/// An actor's idle instances, and the most calls it had in progress at once lately.
struct Pool {
    /// Idle instances, the most recently used last (it is taken first: sequential calls land on one
    /// instance, as in a 0.x host).
    idle: Vec<IdleInstance>,
    /// The peak of calls in progress in the current window, and in the window before it.
    peak: usize,
    last_peak: usize,
    window_start: Instant,
}

impl Default for Pool {
    fn default() -> Self {
        Self {
            idle: Vec::new(),
            peak: 0,
            last_peak: 0,
            window_start: Instant::now(),
        }
    }
}

impl Pool {
    /// Records that `in_flight` calls are in progress.
    fn note_demand(&mut self, in_flight: usize) {
        if self.window_start.elapsed() >= DEMAND_WINDOW {
            self.last_peak = self.peak;
            self.peak = 0;
            self.window_start = Instant::now();
        }
        self.peak = self.peak.max(in_flight);
    }

    /// How many instances to keep idle: `keep_idle`, or the recent peak of calls in progress.
    fn target(&self, keep_idle: usize) -> usize {
        keep_idle.max(self.peak).max(self.last_peak).max(1)
    }
}

/// Counts one call in progress for as long as it lives.
struct InFlight(Arc<std::sync::atomic::AtomicUsize>);

impl InFlight {
    fn enter(count: &Arc<std::sync::atomic::AtomicUsize>) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(count.clone())
    }

    /// Calls in progress, this one included.
    fn now(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A warm instance in a pool, counted in the runtime's idle total while it is there.
struct IdleInstance {
    instance: Option<WarmInstance>,
    idle: Arc<std::sync::atomic::AtomicUsize>,
}

impl IdleInstance {
    /// Counts `instance` as idle if the runtime's budget allows; `None` when it does not.
    fn admit(instance: WarmInstance, runtime: &ActorRuntime) -> Option<Self> {
        use std::sync::atomic::Ordering;
        let budget = (runtime.config.max_instances as usize / 2).max(1);
        runtime
            .idle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < budget).then_some(n + 1)
            })
            .ok()?;
        Some(Self {
            instance: Some(instance),
            idle: runtime.idle.clone(),
        })
    }

    /// Takes the instance out of the pool (it no longer counts as idle).
    fn take(mut self) -> Option<WarmInstance> {
        self.instance.take()
    }
}

impl Drop for IdleInstance {
    fn drop(&mut self) {
        self.idle.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// An instance between calls: its store (linear memory, globals) and its entry point.
struct WarmInstance {
    store: Store<CallState>,
    guest_call: TypedFunc<(i32, i32), i32>,
}

/// The outbound-call router of an idle instance: between calls there is nobody to call for.
struct Idle;

impl HostCalls for Idle {
    fn host_call(&self, _call: HostCall) -> HostCallFuture {
        Box::pin(async { Err("no call is in progress".to_owned()) })
    }
}

/// How a call ended for the instance that ran it.
enum Fate {
    /// Healthy: it may serve the next call.
    Keep(WarmInstance),
    /// Trapped, timed out or out of memory: dropped.
    Drop,
}

impl std::fmt::Debug for ActorModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorModule")
            .field("init_exports", &self.init_exports)
            .finish()
    }
}

impl ActorModule {
    /// Runs `operation` with `payload` in a warm instance (a new one when none is idle); `actor` is
    /// the caller identity used for outbound calls, served by `host`.
    ///
    /// The pool follows demand: after a call its instance stays warm while the idle ones number fewer
    /// than `keep_idle` (the actor's scale, with a floor) or than the most calls in progress at once
    /// in the last two to four seconds (so 32 concurrent callers keep about 32 instances, and none
    /// instantiates per call). Above that, the call's instance is kept and the least recently used
    /// idle one is dropped: once the load falls, the pool shrinks by one instance per call.
    pub async fn call(
        &self,
        actor: Arc<str>,
        host: Arc<dyn HostCalls>,
        operation: &str,
        payload: Vec<u8>,
        keep_idle: usize,
    ) -> Result<Vec<u8>, ActorCallError> {
        let timeout = self.runtime.config.call_timeout;
        let busy = InFlight::enter(&self.in_flight);
        let idle = {
            let mut pool = self.pool();
            pool.note_demand(busy.now());
            pool.idle.pop()
        }
        .and_then(IdleInstance::take);
        // A call cut off here drops its instance with the future: it is never reused.
        let (result, fate) = match tokio::time::timeout(
            timeout,
            self.call_inner(idle, actor, host, operation, payload),
        )
        .await
        {
            Ok(done) => done,
            Err(_) => return Err(ActorCallError::Timeout(timeout)),
        };
        if let Fate::Keep(instance) = fate {
            let mut pool = self.pool();
            pool.note_demand(busy.now());
            let target = pool.target(keep_idle);
            // Dropped after the lock is released: tearing a store down takes a while.
            let surplus = (pool.idle.len() >= target).then(|| pool.idle.remove(0));
            pool.idle
                .extend(IdleInstance::admit(instance, &self.runtime));
            drop(pool);
            drop(surplus);
        }
        result
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.warm.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new instance: instantiated, its init exports run (WASI reactors' `_initialize`).
    async fn instantiate(&self, state: CallState) -> Result<WarmInstance, ActorCallError> {
        let timeout = self.runtime.config.call_timeout;
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|state| &mut state.limits);
        // At every tick the guest yields its thread to other tasks (a loop must not hold a worker
        // until its deadline), and past the deadline of the current call it is stopped with a trap.
        store.epoch_deadline_callback(move |store| {
            if Instant::now() >= store.data().deadline {
                Err(DeadlineExceeded(timeout).into())
            } else {
                // tokio's yield_now, not wasmtime's plain self-wake: tokio runs a self-woken task
                // again from its LIFO slot and polls the I/O driver only every 61 ticks, so guests
                // computing on every worker kept new invocations waiting in the socket for over
                // half a second; a task that yields with yield_now waits until the driver has run.
                Ok(UpdateDeadline::YieldCustom(
                    1,
                    Box::pin(tokio::task::yield_now()),
                ))
            }
        });
        store.set_epoch_deadline(1);
        let instance = match self.pre.instantiate_async(&mut store).await {
            Ok(instance) => instance,
            Err(e) => return Err(ActorCallError::Instantiate(format!("{e:#}"))),
        };
        for name in &self.init_exports {
            let init = match instance.get_typed_func::<(), ()>(&mut store, name) {
                Ok(init) => init,
                Err(e) => return Err(ActorCallError::Instantiate(format!("`{name}`: {e:#}"))),
            };
            if let Err(err) = init.call_async(&mut store, ()).await {
                return Err(trap(err, &store.data().limits));
            }
        }
        let guest_call = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "__guest_call")
            .map_err(|e| ActorCallError::Instantiate(format!("`__guest_call`: {e:#}")))?;
        Ok(WarmInstance { store, guest_call })
    }

    async fn call_inner(
        &self,
        idle: Option<WarmInstance>,
        actor: Arc<str>,
        host: Arc<dyn HostCalls>,
        operation: &str,
        payload: Vec<u8>,
    ) -> (Result<Vec<u8>, ActorCallError>, Fate) {
        let timeout = self.runtime.config.call_timeout;
        let op_len = operation.len();
        let msg_len = payload.len();
        let state = CallState {
            operation: operation.as_bytes().to_vec(),
            payload,
            guest_response: None,
            guest_error: None,
            host_response: None,
            host_error: None,
            actor,
            host,
            limits: MemoryLimiter::new(self.runtime.config.max_memory_bytes),
            deadline: Instant::now() + timeout,
        };
        let mut instance = match idle {
            Some(mut instance) => {
                // The warm instance takes this call's state; what the last call left is dropped.
                *instance.store.data_mut() = state;
                instance.store.set_epoch_deadline(1);
                instance
            }
            None => match self.instantiate(state).await {
                Ok(instance) => instance,
                Err(error) => return (Err(error), Fate::Drop),
            },
        };
        let called = instance
            .guest_call
            .call_async(&mut instance.store, (len_i32(op_len), len_i32(msg_len)))
            .await;
        let status = match called {
            Ok(status) => status,
            Err(err) => return (Err(trap(err, &instance.store.data().limits)), Fate::Drop),
        };
        let state = instance.store.data_mut();
        let result = if status == 1 {
            Ok(state.guest_response.take().unwrap_or_default())
        } else {
            Err(ActorCallError::Guest(
                state
                    .guest_error
                    .take()
                    .unwrap_or_else(|| "actor call failed without an error message".into()),
            ))
        };
        // Nothing of this call stays alive in the idle instance: payloads, and the router (which
        // holds the host).
        state.operation = Vec::new();
        state.payload = Vec::new();
        state.host_response = None;
        state.host_error = None;
        state.host = Arc::new(Idle);
        (result, Fate::Keep(instance))
    }
}

fn len_i32(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(i32::MAX)
}

/// What a trap means: the deadline, memory the limiter refused just before, or the guest's own fault.
fn trap(err: wasmtime::Error, limits: &MemoryLimiter) -> ActorCallError {
    if let Some(DeadlineExceeded(timeout)) = err.downcast_ref::<DeadlineExceeded>() {
        return ActorCallError::Timeout(*timeout);
    }
    if let Some(requested) = limits.refused() {
        return ActorCallError::OutOfMemory {
            requested,
            limit: limits.max_bytes(),
            trap: format!("{err:#}"),
        };
    }
    ActorCallError::Trap(format!("{err:#}"))
}

fn memory(caller: &mut Caller<'_, CallState>) -> wasmtime::Result<Memory> {
    caller
        .get_export("memory")
        .and_then(|export| export.into_memory())
        .ok_or_else(|| wasmtime::Error::msg("actor exports no `memory`"))
}

/// The guest's `ptr..ptr + len` within its memory `data`: checked before the host copies anything,
/// so a copy is bounded by the memory limit whatever `len` the guest passes.
fn guest_bytes(data: &[u8], ptr: i32, len: i32) -> wasmtime::Result<&[u8]> {
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| {
            wasmtime::Error::msg(format!(
                "out of bounds memory access: {len} bytes at {start} in a memory of {} bytes",
                data.len()
            ))
        })
}

fn read(caller: &mut Caller<'_, CallState>, ptr: i32, len: i32) -> wasmtime::Result<Vec<u8>> {
    let memory = memory(caller)?;
    Ok(guest_bytes(memory.data(&*caller), ptr, len)?.to_vec())
}

fn write(caller: &mut Caller<'_, CallState>, ptr: i32, bytes: &[u8]) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    memory.write(&mut *caller, ptr as u32 as usize, bytes)?;
    Ok(())
}

fn read_string(caller: &mut Caller<'_, CallState>, ptr: i32, len: i32) -> wasmtime::Result<String> {
    Ok(String::from_utf8_lossy(&read(caller, ptr, len)?).into_owned())
}

/// The longest `__console_log` line kept; the rest is cut (the line still must lie in memory).
const MAX_LOG_LINE: usize = 64 << 10;

/// A log line of the guest, at most [`MAX_LOG_LINE`] bytes of it (with a note of what was cut).
fn read_log_line(
    caller: &mut Caller<'_, CallState>,
    ptr: i32,
    len: i32,
) -> wasmtime::Result<String> {
    let memory = memory(caller)?;
    let bytes = guest_bytes(memory.data(&*caller), ptr, len)?;
    let kept = &bytes[..bytes.len().min(MAX_LOG_LINE)];
    let mut line = String::from_utf8_lossy(kept).into_owned();
    if kept.len() < bytes.len() {
        line.push_str(&format!(" … ({} more bytes cut)", bytes.len() - kept.len()));
    }
    Ok(line)
}

/// Defines the wasmbus guest ABI functions under import module `module`.
fn define_imports(linker: &mut Linker<CallState>, module: &str) -> wasmtime::Result<()> {
    linker.func_wrap(
        module,
        "__guest_request",
        |mut caller: Caller<'_, CallState>, op_ptr: i32, msg_ptr: i32| {
            let operation = std::mem::take(&mut caller.data_mut().operation);
            let payload = std::mem::take(&mut caller.data_mut().payload);
            write(&mut caller, op_ptr, &operation)?;
            write(&mut caller, msg_ptr, &payload)?;
            Ok(())
        },
    )?;
    linker.func_wrap(
        module,
        "__guest_response",
        |mut caller: Caller<'_, CallState>, ptr: i32, len: i32| {
            let bytes = read(&mut caller, ptr, len)?;
            caller.data_mut().guest_response = Some(bytes);
            Ok(())
        },
    )?;
    linker.func_wrap(
        module,
        "__guest_error",
        |mut caller: Caller<'_, CallState>, ptr: i32, len: i32| {
            let message = read_string(&mut caller, ptr, len)?;
            caller.data_mut().guest_error = Some(message);
            Ok(())
        },
    )?;
    linker.func_wrap(
        module,
        "__host_response_len",
        |caller: Caller<'_, CallState>| -> i32 {
            caller
                .data()
                .host_response
                .as_ref()
                .map_or(0, |r| len_i32(r.len()))
        },
    )?;
    linker.func_wrap(
        module,
        "__host_response",
        |mut caller: Caller<'_, CallState>, ptr: i32| {
            if let Some(response) = caller.data_mut().host_response.take() {
                write(&mut caller, ptr, &response)?;
                caller.data_mut().host_response = Some(response);
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        module,
        "__host_error_len",
        |caller: Caller<'_, CallState>| -> i32 {
            caller
                .data()
                .host_error
                .as_ref()
                .map_or(0, |e| len_i32(e.len()))
        },
    )?;
    linker.func_wrap(
        module,
        "__host_error",
        |mut caller: Caller<'_, CallState>, ptr: i32| {
            if let Some(error) = caller.data_mut().host_error.take() {
                write(&mut caller, ptr, error.as_bytes())?;
                caller.data_mut().host_error = Some(error);
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        module,
        "__console_log",
        |mut caller: Caller<'_, CallState>, ptr: i32, len: i32| {
            let line = read_log_line(&mut caller, ptr, len)?;
            tracing::info!(actor = %caller.data().actor, "{line}");
            Ok(())
        },
    )?;
    linker.func_wrap_async(
        module,
        "__host_call",
        |mut caller: Caller<'_, CallState>,
         (bd_ptr, bd_len, ns_ptr, ns_len, op_ptr, op_len, ptr, len): (
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
        )| {
            Box::new(async move {
                let binding = read_string(&mut caller, bd_ptr, bd_len)?;
                let namespace = read_string(&mut caller, ns_ptr, ns_len)?;
                let operation = read_string(&mut caller, op_ptr, op_len)?;
                let payload = read(&mut caller, ptr, len)?;
                let state = caller.data_mut();
                state.host_response = None;
                state.host_error = None;
                let call = HostCall {
                    actor: state.actor.to_string(),
                    binding,
                    namespace,
                    operation,
                    payload,
                };
                let result = state.host.host_call(call).await;
                let state = caller.data_mut();
                Ok(match result {
                    Ok(response) => {
                        state.host_response = Some(response);
                        1i32
                    }
                    Err(error) => {
                        state.host_error = Some(error);
                        0i32
                    }
                })
            })
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A runtime whose epoch ticker thread cannot start fails to start (nothing would enforce call
    /// deadlines), with an error naming the thread and the reason.
    #[test]
    fn ticker_that_cannot_start_is_a_startup_error() {
        let config = RuntimeConfig {
            max_instances: 2,
            ..RuntimeConfig::default()
        };
        let err = match ActorRuntime::with_ticker(config, |_| {
            Err(std::io::Error::other("no threads left"))
        }) {
            Ok(_) => panic!("the runtime started without its ticker"),
            Err(err) => format!("{err:#}"),
        };
        assert!(
            err.contains("`wash-epoch`") && err.contains("no threads left"),
            "{err}"
        );
    }

    /// With a compiled-actor cache, the first load of a module compiles it and stores the result; a
    /// second runtime on the same folder (a host started again) loads it from there, and the loaded
    /// actor runs.
    #[tokio::test]
    async fn a_compiled_actor_is_loaded_from_the_cache_the_next_time() {
        // A relative folder, as a relative WASH_HOME gives.
        let dir = tempfile::tempdir_in(".").unwrap();
        let relative = dir
            .path()
            .strip_prefix(std::env::current_dir().unwrap())
            .unwrap();
        let config = RuntimeConfig {
            max_instances: 4,
            compiled_cache_dir: Some(relative.to_owned()),
            ..RuntimeConfig::default()
        };
        let module = std::fs::read(wash_test_support::example_wasm("echo")).unwrap();
        let stats = |runtime: &ActorRuntime| {
            let cache = runtime.compiled.as_ref().expect("a cache");
            (cache.cache_hits(), cache.cache_misses())
        };

        let first = ActorRuntime::new(config.clone()).unwrap();
        first.load(&module).unwrap();
        assert_eq!(stats(&first), (0, 1), "compiled and stored");
        let second = ActorRuntime::new(config).unwrap();
        let actor = second.load(&module).unwrap();
        assert_eq!(stats(&second), (1, 0), "loaded from the cache");

        let request = wash_wire::msgpack::encode(
            &wash_wire::interfaces::httpserver::HttpRequest {
                method: "GET".into(),
                path: "/cached".into(),
                ..Default::default()
            },
            "request",
        )
        .unwrap();
        let answer = actor
            .call(
                Arc::from("MTEST"),
                Arc::new(Idle),
                "HttpServer.HandleRequest",
                request,
                1,
            )
            .await;
        assert!(answer.is_ok(), "{answer:?}");
    }
}

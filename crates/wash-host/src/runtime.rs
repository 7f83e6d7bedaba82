//! The wasmbus actor runtime on wasmtime: one engine per host, each module compiled once into an
//! `InstancePre`, a fresh instance (from the pooling allocator) per call, and the wasmbus guest ABI
//! (`__guest_call` in, `__host_call` out) under both import modules `wasmbus` and `wapc`, plus the
//! minimal WASI preview 1 of [`crate::wasi`] for actors built for a WASI target (Go `wasip1`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{
    Caller, Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Memory, Module,
    PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder,
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
    /// Longest a single call may run (wall clock, host calls included).
    pub call_timeout: Duration,
    /// Largest linear memory an instance may grow to, in bytes.
    pub max_memory_bytes: usize,
    /// How many instances may exist at once across all actors (pooling allocator slots).
    pub max_instances: u32,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(10),
            max_memory_bytes: 256 << 20,
            max_instances: 512,
        }
    }
}

/// One wasmtime engine shared by every actor of a host.
#[derive(Clone)]
pub struct ActorRuntime {
    engine: Engine,
    linker: Arc<Linker<CallState>>,
    config: RuntimeConfig,
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
    limits: StoreLimits,
}

impl crate::wasi::WasiState for CallState {
    fn actor(&self) -> &str {
        &self.actor
    }
}

impl ActorRuntime {
    /// Builds the engine (async, pooling allocator, epoch interruption for timeouts).
    pub fn new(config: RuntimeConfig) -> wasmtime::Result<Self> {
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
        let engine = Engine::new(&wasm_config)?;
        start_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        for module in ["wasmbus", "wapc"] {
            define_imports(&mut linker, module)?;
        }
        crate::wasi::define(&mut linker)?;
        Ok(Self {
            engine,
            linker: Arc::new(linker),
            config,
        })
    }

    /// Compiles a module once and checks it is a wasmbus actor this host can link.
    pub fn load(&self, bytes: &[u8]) -> Result<ActorModule, LoadError> {
        let module =
            Module::new(&self.engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))?;
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
        })
    }
}

/// Advances the engine's epoch every 10 ms so deadlines can interrupt runaway guests.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("wash-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        })
        .ok();
}

const EPOCH_TICK: Duration = Duration::from_millis(10);

/// A compiled actor, ready to be instantiated for each call.
#[derive(Clone)]
pub struct ActorModule {
    pre: InstancePre<CallState>,
    runtime: ActorRuntime,
    init_exports: Vec<&'static str>,
}

impl std::fmt::Debug for ActorModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorModule")
            .field("init_exports", &self.init_exports)
            .finish()
    }
}

impl ActorModule {
    /// Runs `operation` with `payload` in a fresh instance; `actor` is the caller identity used for
    /// outbound calls, served by `host`.
    pub async fn call(
        &self,
        actor: Arc<str>,
        host: Arc<dyn HostCalls>,
        operation: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, ActorCallError> {
        let timeout = self.runtime.config.call_timeout;
        match tokio::time::timeout(timeout, self.call_inner(actor, host, operation, payload)).await
        {
            Ok(result) => result,
            Err(_) => Err(ActorCallError::Timeout(timeout)),
        }
    }

    async fn call_inner(
        &self,
        actor: Arc<str>,
        host: Arc<dyn HostCalls>,
        operation: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, ActorCallError> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.runtime.config.max_memory_bytes)
            .build();
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
            limits,
        };
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|state| &mut state.limits);
        let ticks =
            self.runtime.config.call_timeout.as_millis() as u64 / EPOCH_TICK.as_millis() as u64 + 1;
        store.set_epoch_deadline(ticks);
        let instance = self
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| ActorCallError::Instantiate(format!("{e:#}")))?;
        for name in &self.init_exports {
            let init = instance
                .get_typed_func::<(), ()>(&mut store, name)
                .map_err(|e| ActorCallError::Instantiate(format!("`{name}`: {e:#}")))?;
            init.call_async(&mut store, ()).await.map_err(trap)?;
        }
        let guest_call = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "__guest_call")
            .map_err(|e| ActorCallError::Instantiate(format!("`__guest_call`: {e:#}")))?;
        let status = guest_call
            .call_async(&mut store, (len_i32(op_len), len_i32(msg_len)))
            .await
            .map_err(trap)?;
        let state = store.data_mut();
        if status == 1 {
            Ok(state.guest_response.take().unwrap_or_default())
        } else {
            Err(ActorCallError::Guest(
                state
                    .guest_error
                    .take()
                    .unwrap_or_else(|| "actor call failed without an error message".into()),
            ))
        }
    }
}

fn len_i32(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(i32::MAX)
}

fn trap(err: wasmtime::Error) -> ActorCallError {
    if let Some(wasmtime::Trap::Interrupt) = err.downcast_ref::<wasmtime::Trap>() {
        return ActorCallError::Trap("interrupted: the call ran past its deadline".into());
    }
    ActorCallError::Trap(format!("{err:#}"))
}

fn memory(caller: &mut Caller<'_, CallState>) -> wasmtime::Result<Memory> {
    caller
        .get_export("memory")
        .and_then(|export| export.into_memory())
        .ok_or_else(|| wasmtime::Error::msg("actor exports no `memory`"))
}

fn read(caller: &mut Caller<'_, CallState>, ptr: i32, len: i32) -> wasmtime::Result<Vec<u8>> {
    let memory = memory(caller)?;
    let mut buf = vec![0u8; len as u32 as usize];
    memory.read(&*caller, ptr as u32 as usize, &mut buf)?;
    Ok(buf)
}

fn write(caller: &mut Caller<'_, CallState>, ptr: i32, bytes: &[u8]) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    memory.write(&mut *caller, ptr as u32 as usize, bytes)?;
    Ok(())
}

fn read_string(caller: &mut Caller<'_, CallState>, ptr: i32, len: i32) -> wasmtime::Result<String> {
    Ok(String::from_utf8_lossy(&read(caller, ptr, len)?).into_owned())
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
            let line = read_string(&mut caller, ptr, len)?;
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

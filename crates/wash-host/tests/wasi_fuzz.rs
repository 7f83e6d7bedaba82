//! The host's hand-written WASI preview 1 under hostile arguments: test actors (built here with
//! wasm-encoder) call each WASI function with random and adversarial pointers, lengths, counts and
//! descriptors. The host must not panic, must answer with an errno (or trap, for `proc_exit`), and
//! no allocation it makes may exceed the guest's memory, whatever length the guest asks for.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wash_host::runtime::{
    ActorCallError, ActorModule, ActorRuntime, HostCall, HostCallFuture, HostCalls, RuntimeConfig,
};
use wasm_encoder::{
    BlockType, CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    ImportSection, MemArg, MemorySection, MemoryType, Module, TypeSection, ValType,
};

thread_local! {
    /// The largest single allocation this thread made since it was last reset.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// Forwards to the system allocator and remembers, per thread, the largest size asked for: the only
/// way to observe what the host allocates on behalf of a guest. A request over [`REFUSED_OVER`] fails
/// (the process aborts naming the size), so a regression stops at once instead of filling gigabytes.
struct LargestAllocation;

/// Larger than anything this test binary legitimately allocates.
const REFUSED_OVER: usize = 256 << 20;

/// Records `size`; false when it must be refused.
fn note(size: usize) -> bool {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
    size <= REFUSED_OVER
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping touches only a thread-local
// `Cell` (const-initialised, so it never allocates).
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !note(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !note(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !note(new_size) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Pages of linear memory every test actor has (and keeps: none of them grows it).
const PAGES: u64 = 4;
/// The test actors' memory size in bytes.
const MEMORY: u32 = (PAGES as u32) << 16;
/// Where `__guest_request` puts the payload: a `u32` record length, the records, then filler bytes.
const PAYLOAD: u32 = 1024;
/// Where the first record starts.
const RECORDS: u32 = PAYLOAD + 4;
/// Where the filler (random iovec tables and subscriptions for pointers to land on) starts.
const FILLER: u32 = 16 << 10;
/// How many filler bytes a payload carries.
const FILLER_LEN: usize = 16 << 10;

/// A WASI function as the guest imports it.
struct WasiFn {
    name: &'static str,
    params: &'static [ValType],
    returns_errno: bool,
}

const fn wasi(name: &'static str, params: &'static [ValType]) -> WasiFn {
    WasiFn {
        name,
        params,
        returns_errno: true,
    }
}

use ValType::{I32, I64};

/// Every function that reads or writes guest memory, and a sample of those that only answer an errno.
const FUNCTIONS: &[WasiFn] = &[
    wasi("args_sizes_get", &[I32, I32]),
    wasi("environ_sizes_get", &[I32, I32]),
    wasi("args_get", &[I32, I32]),
    wasi("environ_get", &[I32, I32]),
    wasi("clock_time_get", &[I32, I64, I32]),
    wasi("clock_res_get", &[I32, I32]),
    wasi("random_get", &[I32, I32]),
    WasiFn {
        name: "proc_exit",
        params: &[I32],
        returns_errno: false,
    },
    wasi("proc_raise", &[I32]),
    wasi("sched_yield", &[]),
    wasi("fd_write", &[I32, I32, I32, I32]),
    wasi("fd_read", &[I32, I32, I32, I32]),
    wasi("fd_fdstat_get", &[I32, I32]),
    wasi("fd_filestat_get", &[I32, I32]),
    wasi("fd_fdstat_set_flags", &[I32, I32]),
    wasi("fd_close", &[I32]),
    wasi("fd_seek", &[I32, I64, I32, I32]),
    wasi("fd_pread", &[I32, I32, I32, I64, I32]),
    wasi("fd_prestat_get", &[I32, I32]),
    wasi("path_open", &[I32, I32, I32, I32, I32, I64, I64, I32, I32]),
    wasi("sock_recv", &[I32, I32, I32, I32, I32, I32]),
    wasi("poll_oneoff", &[I32, I32, I32, I32]),
];

/// A wasmbus actor whose `__guest_call` calls `f` once per record of its payload (each argument a
/// little-endian `u64` slot, `i32`s taken from the low half), then answers the first 16 bytes of its
/// memory: the last call's errno at 0, and whatever the test asked the call to write at 8.
fn fuzz_actor(f: &WasiFn) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([I32, I32], []);
    let results: &[ValType] = if f.returns_errno { &[I32] } else { &[] };
    types
        .ty()
        .function(f.params.iter().copied(), results.iter().copied());
    types.ty().function([I32, I32], [I32]);
    let mut imports = ImportSection::new();
    imports.import("wasmbus", "__guest_request", EntityType::Function(0));
    imports.import("wasmbus", "__guest_response", EntityType::Function(0));
    imports.import("wasi_snapshot_preview1", f.name, EntityType::Function(1));
    let mut functions = FunctionSection::new();
    functions.function(2);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: PAGES,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("__guest_call", ExportKind::Func, 3);

    let mem = |offset: u64, align: u32| MemArg {
        offset,
        align,
        memory_index: 0,
    };
    let stride = (8 * f.params.len()).max(8) as i32;
    // Locals 2 and 3: the current record and the end of the records.
    let mut body = Function::new([(2, I32)]);
    let mut code = body.instructions();
    code.i32_const(0)
        .i32_const(PAYLOAD as i32)
        .call(0)
        .i32_const(RECORDS as i32)
        .local_set(2)
        .i32_const(RECORDS as i32)
        .i32_const(PAYLOAD as i32)
        .i32_load(mem(0, 2))
        .i32_add()
        .local_set(3)
        .block(BlockType::Empty)
        .loop_(BlockType::Empty)
        .local_get(2)
        .local_get(3)
        .i32_ge_u()
        .br_if(1);
    for (k, param) in f.params.iter().enumerate() {
        code.local_get(2).i64_load(mem(8 * k as u64, 0));
        if *param == I32 {
            code.i32_wrap_i64();
        }
    }
    code.call(2);
    if f.returns_errno {
        // The errno goes to address 0 (local 1, the payload length, is no longer needed).
        code.local_set(1)
            .i32_const(0)
            .local_get(1)
            .i32_store(mem(0, 2));
    }
    code.local_get(2)
        .i32_const(stride)
        .i32_add()
        .local_set(2)
        .br(0)
        .end()
        .end()
        .i32_const(0)
        .i32_const(16)
        .call(1)
        .i32_const(1)
        .end();
    let mut codes = CodeSection::new();
    codes.function(&body);

    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&codes);
    module.finish()
}

/// No outbound calls: these actors never make any.
struct NoHost;

impl HostCalls for NoHost {
    fn host_call(&self, _call: HostCall) -> HostCallFuture {
        Box::pin(async { Err("no host calls in this test".to_owned()) })
    }
}

/// One runtime and one compiled test actor per WASI function.
struct Fuzzer {
    modules: Vec<(&'static WasiFn, ActorModule)>,
}

impl Fuzzer {
    fn new() -> Self {
        let runtime = ActorRuntime::new(RuntimeConfig {
            call_timeout: Duration::from_millis(250),
            max_memory_bytes: 1 << 20,
            max_instances: 4,
            compiled_cache_dir: None,
        })
        .expect("runtime starts");
        let modules = FUNCTIONS
            .iter()
            .map(|f| {
                let module = runtime
                    .load(&fuzz_actor(f))
                    .unwrap_or_else(|e| panic!("test actor for `{}` loads: {e}", f.name));
                (f, module)
            })
            .collect();
        Self { modules }
    }

    fn module(&self, name: &str) -> &ActorModule {
        &self
            .modules
            .iter()
            .find(|(f, _)| f.name == name)
            .unwrap_or_else(|| panic!("no test actor for `{name}`"))
            .1
    }
}

/// Runs one call; returns its outcome and the largest allocation the host made for it.
async fn run(module: &ActorModule, payload: Vec<u8>) -> (Result<Vec<u8>, ActorCallError>, usize) {
    let host: Arc<dyn HostCalls> = Arc::new(NoHost);
    let actor: Arc<str> = Arc::from("MFUZZ");
    let _ = LARGEST.try_with(|largest| largest.set(0));
    let result = module.call(actor, host, "f", payload, 1).await;
    (result, LARGEST.with(Cell::get))
}

/// A payload: the records (each argument in a `u64` slot), zeros up to [`FILLER`], then `filler`.
fn payload(records: &[Vec<u64>], filler: &[u8]) -> Vec<u8> {
    // A function without parameters still takes one (ignored) slot per record.
    let slots: Vec<u8> = records
        .iter()
        .flat_map(|r| {
            let r = if r.is_empty() { vec![0] } else { r.clone() };
            r.into_iter().flat_map(u64::to_le_bytes)
        })
        .collect();
    let mut out = Vec::with_capacity(FILLER_LEN + FILLER as usize);
    out.extend((slots.len() as u32).to_le_bytes());
    out.extend(&slots);
    assert!(
        out.len() <= (FILLER - PAYLOAD) as usize,
        "records overflow into the filler"
    );
    out.resize((FILLER - PAYLOAD) as usize, 0);
    out.extend(filler);
    out
}

/// The errno answered by a one-record call.
fn errno(response: &[u8]) -> u32 {
    u32::from_le_bytes(response[0..4].try_into().expect("16-byte response"))
}

/// An `i32` argument: mostly a hostile pointer, length, count or descriptor.
fn hostile_i32(rng: &mut StdRng) -> u64 {
    let value: u32 = match rng.gen_range(0..14) {
        0 => 0,
        1 => rng.gen_range(0..4),
        2 => FILLER + 8 * rng.gen_range(0..(FILLER_LEN as u32 / 8)),
        3 => MEMORY - rng.gen_range(0..64),
        4 => MEMORY + rng.gen_range(0..64),
        5 => u32::MAX - rng.gen_range(0..64),
        6 => i32::MAX as u32,
        7 => i32::MIN as u32,
        8 => rng.gen_range(0..MEMORY),
        9 => rng.gen_range(0..4096),
        10 => rng.gen_range(0..2048) * 8,
        11 => 1 << rng.gen_range(0..32),
        _ => rng.gen(),
    };
    u64::from(value)
}

/// An `i64` argument.
fn hostile_i64(rng: &mut StdRng) -> u64 {
    match rng.gen_range(0..4) {
        0 => 0,
        1 => u64::MAX,
        2 => rng.gen_range(0..1_000_000),
        _ => rng.gen(),
    }
}

/// Filler: `(ptr, len)` pairs as iovec tables would hold them, every kind of hostile value.
fn filler(rng: &mut StdRng) -> Vec<u8> {
    (0..FILLER_LEN / 4)
        .flat_map(|_| (hostile_i32(rng) as u32).to_le_bytes())
        .collect()
}

/// Every WASI function, called thousands of times with random and adversarial arguments: the host
/// never panics, answers an errno (a trap only for `proc_exit`, a timeout only for `poll_oneoff`
/// sleeping past the deadline), and never allocates more than the guest's memory holds.
#[tokio::test]
async fn hostile_arguments_never_panic_or_allocate_past_guest_memory() {
    let seed = std::env::var("WASH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let mut rng = StdRng::seed_from_u64(seed);
    let fuzzer = Fuzzer::new();
    let mut calls = 0usize;
    for (f, module) in &fuzzer.modules {
        let rounds = if f.name == "poll_oneoff" { 12 } else { 60 };
        for round in 0..rounds {
            let records: Vec<Vec<u64>> = (0..32)
                .map(|_| {
                    f.params
                        .iter()
                        .map(|p| {
                            if *p == I32 {
                                hostile_i32(&mut rng)
                            } else {
                                hostile_i64(&mut rng)
                            }
                        })
                        .collect()
                })
                .collect();
            let (result, largest) = run(module, payload(&records, &filler(&mut rng))).await;
            calls += records.len();
            let context = format!("`{}` round {round} (WASH_FUZZ_SEED={seed})", f.name);
            match (f.name, &result) {
                (_, Ok(_)) => {}
                ("proc_exit", Err(ActorCallError::Trap(message))) => {
                    assert!(message.contains("proc_exit"), "{context}: {message}")
                }
                ("poll_oneoff", Err(ActorCallError::Timeout(_))) => {}
                (_, Err(err)) => panic!("{context}: unexpected failure: {err}"),
            }
            assert!(
                largest <= MEMORY as usize,
                "{context}: the host allocated {largest} bytes for a guest of {MEMORY}"
            );
        }
    }
    assert!(calls > 20_000, "only {calls} WASI calls were made");
}

/// The lengths that used to be allocated before any check: `random_get` of 4 GiB, an `fd_write` with a
/// million iovecs, one whose iovecs add up to 64 MiB, and `poll_oneoff` with a million subscriptions
/// each answer at once, without allocating more than the guest's memory.
#[tokio::test]
async fn huge_lengths_are_refused_before_allocating() {
    let fuzzer = Fuzzer::new();
    let one = |args: &[u64]| payload(&[args.to_vec()], &[]);
    let check = |name: &str, result: Result<Vec<u8>, ActorCallError>, largest: usize| {
        assert!(
            largest <= MEMORY as usize,
            "`{name}` allocated {largest} bytes"
        );
        result.unwrap_or_else(|e| panic!("`{name}` failed: {e}"))
    };
    const EFAULT: u32 = 21;
    const EINVAL: u32 = 28;

    let (result, largest) = run(
        fuzzer.module("random_get"),
        one(&[u64::from(FILLER), u64::from(u32::MAX)]),
    )
    .await;
    assert_eq!(errno(&check("random_get", result, largest)), EFAULT);
    let (result, largest) = run(fuzzer.module("random_get"), one(&[u64::from(FILLER), 4096])).await;
    assert_eq!(errno(&check("random_get", result, largest)), 0);

    let (result, largest) = run(
        fuzzer.module("fd_write"),
        one(&[1, u64::from(FILLER), 1_000_000, 8]),
    )
    .await;
    assert_eq!(errno(&check("fd_write", result, largest)), EINVAL);

    // 1024 iovecs, each the whole 64 KiB below the filler: 64 MiB asked for, 64 KiB written.
    let table: Vec<u8> = (0..1024)
        .flat_map(|_| [0u32.to_le_bytes(), (64u32 << 10).to_le_bytes()].concat())
        .collect();
    let (result, largest) = run(
        fuzzer.module("fd_write"),
        payload(&[vec![2, u64::from(FILLER), 1024, 8]], &table),
    )
    .await;
    let response = check("fd_write", result, largest);
    assert_eq!(errno(&response), 0);
    let written = u32::from_le_bytes(response[8..12].try_into().expect("16 bytes"));
    assert_eq!(
        written,
        64 << 10,
        "a long write is partial, capped at 64 KiB"
    );

    let (result, largest) = run(
        fuzzer.module("poll_oneoff"),
        one(&[u64::from(FILLER), u64::from(FILLER), 1_000_000, 8]),
    )
    .await;
    assert_eq!(errno(&check("poll_oneoff", result, largest)), EINVAL);
}

//! A minimal WASI preview 1 (`wasi_snapshot_preview1`) for actors built for a WASI target (mainline Go's
//! `wasip1` reactors, TinyGo): stdout/stderr go to the host log, clocks, randomness, sleeps through
//! `poll_oneoff`, and no filesystem, no network, no arguments and no environment.
//!
//! Every preview-1 function is defined so any such module links; those that would reach a file, a
//! directory or a socket answer `EBADF` (there is no open descriptor besides 0, 1 and 2) or `ENOSYS`.
//! Why this instead of wasmtime-wasi: `docs/go-actors.md`.
//!
//! The guest chooses every pointer and length: each range is checked against its memory before the host
//! allocates anything, and what a call copies out is capped ([`MAX_IOVS`], [`MAX_WRITE`],
//! [`MAX_SUBSCRIPTIONS`]), so a host allocation never exceeds the guest's memory or the cap.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::RngCore;
use wasmtime::{Caller, Extern, Linker, Memory, Val, ValType};

/// The import module name of WASI preview 1.
pub(crate) const MODULE: &str = "wasi_snapshot_preview1";

/// What the WASI functions need from an instance's store data.
pub(crate) trait WasiState: Send + 'static {
    /// The actor's public key, for log lines.
    fn actor(&self) -> &str;
}

const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOSYS: i32 = 52;
const ENOTSUP: i32 = 58;

/// WASI `filetype::character_device`: what descriptors 0, 1 and 2 are.
const CHARACTER_DEVICE: u8 = 2;
/// The longest a single `poll_oneoff` sleeps (the call's own deadline still applies).
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// Most iovecs one `fd_write` takes (Linux's `IOV_MAX`); more is `EINVAL`, as for `writev`.
pub(crate) const MAX_IOVS: u32 = 1024;
/// Most bytes one `fd_write` takes; a longer write is partial (the guest writes the rest next).
pub(crate) const MAX_WRITE: usize = 64 << 10;
/// Most subscriptions one `poll_oneoff` takes; more is `EINVAL`.
pub(crate) const MAX_SUBSCRIPTIONS: u32 = 4096;

/// A call failed with a WASI errno, or the guest's memory could not be reached (a trap).
enum Failure {
    Errno(i32),
    Trap(wasmtime::Error),
}

impl From<wasmtime::Error> for Failure {
    fn from(err: wasmtime::Error) -> Self {
        Failure::Trap(err)
    }
}

type WasiResult = Result<(), Failure>;

/// Turns a result into the errno the guest sees, or a trap for host-side failures.
fn errno(result: WasiResult) -> wasmtime::Result<i32> {
    match result {
        Ok(()) => Ok(SUCCESS),
        Err(Failure::Errno(code)) => Ok(code),
        Err(Failure::Trap(err)) => Err(err),
    }
}

fn memory<T>(caller: &mut Caller<'_, T>) -> Result<Memory, Failure> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => Err(Failure::Errno(EFAULT)),
    }
}

/// `ptr..ptr + len` when it lies inside a memory of `size` bytes, else `EFAULT`.
fn range(size: usize, ptr: i32, len: u32) -> Result<std::ops::Range<usize>, Failure> {
    let start = ptr as u32 as usize;
    start
        .checked_add(len as usize)
        .filter(|end| *end <= size)
        .map(|end| start..end)
        .ok_or(Failure::Errno(EFAULT))
}

/// The guest's bytes at `ptr..ptr + len` (checked before anything is allocated).
fn read<T>(caller: &mut Caller<'_, T>, ptr: i32, len: u32) -> Result<Vec<u8>, Failure> {
    read_prefix(caller, ptr, len, len as usize)
}

/// The first `take` bytes of the guest's `ptr..ptr + len`; the whole range must lie in its memory.
fn read_prefix<T>(
    caller: &mut Caller<'_, T>,
    ptr: i32,
    len: u32,
    take: usize,
) -> Result<Vec<u8>, Failure> {
    let memory = memory(caller)?;
    let data = memory.data(&*caller);
    let range = range(data.len(), ptr, len)?;
    let end = range.start + take.min(range.len());
    Ok(data[range.start..end].to_vec())
}

fn write<T>(caller: &mut Caller<'_, T>, ptr: i32, bytes: &[u8]) -> WasiResult {
    let memory = memory(caller)?;
    memory
        .write(&mut *caller, ptr as u32 as usize, bytes)
        .map_err(|_| Failure::Errno(EFAULT))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The bytes of an iovec array (`(ptr: u32, len: u32)` pairs), concatenated, up to [`MAX_WRITE`]
/// bytes; every buffer must lie in memory, and more than [`MAX_IOVS`] of them is `EINVAL`.
fn gather<T>(caller: &mut Caller<'_, T>, iovs: i32, count: i32) -> Result<Vec<u8>, Failure> {
    let count = u32::try_from(count)
        .ok()
        .filter(|count| *count <= MAX_IOVS)
        .ok_or(Failure::Errno(EINVAL))?;
    let table = read(caller, iovs, count * 8)?;
    let mut out = Vec::new();
    for entry in table.chunks_exact(8) {
        let (ptr, len) = (u32_at(entry, 0), u32_at(entry, 4));
        let room = MAX_WRITE - out.len();
        out.extend(read_prefix(caller, ptr as i32, len, room)?);
    }
    Ok(out)
}

/// Nanoseconds on clock `id`: 0 realtime, 1 monotonic, 2/3 CPU time (answered from the monotonic clock).
fn now(id: i32) -> Result<u64, Failure> {
    match id {
        0 => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)),
        1..=3 => Ok(monotonic_nanos()),
        _ => Err(Failure::Errno(EINVAL)),
    }
}

fn monotonic_nanos() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    // Offset by one second so a guest never sees a zero monotonic time.
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64 + 1_000_000_000
}

/// Defines every WASI preview 1 function under [`MODULE`].
pub(crate) fn define<T: WasiState>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    define_process(linker)?;
    define_stdio(linker)?;
    define_poll(linker)?;
    define_unsupported(linker)?;
    Ok(())
}

/// Arguments, environment, clocks, randomness, exit, yield.
fn define_process<T: WasiState>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    for name in ["args_sizes_get", "environ_sizes_get"] {
        linker.func_wrap(
            MODULE,
            name,
            |mut caller: Caller<'_, T>, count_ptr: i32, size_ptr: i32| {
                errno(
                    write(&mut caller, count_ptr, &0u32.to_le_bytes())
                        .and_then(|()| write(&mut caller, size_ptr, &0u32.to_le_bytes())),
                )
            },
        )?;
    }
    for name in ["args_get", "environ_get"] {
        linker.func_wrap(MODULE, name, |_: Caller<'_, T>, _: i32, _: i32| SUCCESS)?;
    }
    linker.func_wrap(
        MODULE,
        "clock_time_get",
        |mut caller: Caller<'_, T>, id: i32, _precision: i64, time_ptr: i32| {
            errno(now(id).and_then(|t| write(&mut caller, time_ptr, &t.to_le_bytes())))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "clock_res_get",
        |mut caller: Caller<'_, T>, id: i32, res_ptr: i32| {
            errno(now(id).and_then(|_| write(&mut caller, res_ptr, &1_000u64.to_le_bytes())))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "random_get",
        |mut caller: Caller<'_, T>, ptr: i32, len: i32| {
            // Filled in place: the guest picks `len` (up to 4 GiB), the host allocates nothing.
            errno((|| {
                let memory = memory(&mut caller)?;
                let data = memory.data_mut(&mut caller);
                let range = range(data.len(), ptr, len as u32)?;
                rand::thread_rng().fill_bytes(&mut data[range]);
                Ok(())
            })())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |_: Caller<'_, T>, code: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::msg(format!(
                "the actor exited (`proc_exit` with code {code})"
            )))
        },
    )?;
    linker.func_wrap(MODULE, "proc_raise", |_: Caller<'_, T>, _: i32| ENOSYS)?;
    linker.func_wrap(MODULE, "sched_yield", |_: Caller<'_, T>| SUCCESS)?;
    Ok(())
}

/// Descriptors 0 (reads as empty), 1 and 2 (written to the host log); every other descriptor is `EBADF`.
fn define_stdio<T: WasiState>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "fd_write",
        |mut caller: Caller<'_, T>, fd: i32, iovs: i32, count: i32, written_ptr: i32| {
            let result = (|| {
                if fd != 1 && fd != 2 {
                    return Err(Failure::Errno(EBADF));
                }
                let bytes = gather(&mut caller, iovs, count)?;
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim_end_matches('\n');
                let actor = caller.data().actor();
                if fd == 1 {
                    tracing::info!(actor, stream = "stdout", "{text}");
                } else {
                    tracing::warn!(actor, stream = "stderr", "{text}");
                }
                let written = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
                write(&mut caller, written_ptr, &written.to_le_bytes())
            })();
            errno(result)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_read",
        |mut caller: Caller<'_, T>, fd: i32, _iovs: i32, _count: i32, read_ptr: i32| {
            errno(match fd {
                0 => write(&mut caller, read_ptr, &0u32.to_le_bytes()),
                _ => Err(Failure::Errno(EBADF)),
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_fdstat_get",
        |mut caller: Caller<'_, T>, fd: i32, stat_ptr: i32| {
            errno(if (0..=2).contains(&fd) {
                // filetype u8, flags u16 at 2, rights_base u64 at 8, rights_inheriting u64 at 16.
                let mut stat = [0u8; 24];
                stat[0] = CHARACTER_DEVICE;
                let rights: u64 = if fd == 0 { 1 << 1 } else { 1 << 6 }; // fd_read / fd_write
                stat[8..16].copy_from_slice(&rights.to_le_bytes());
                write(&mut caller, stat_ptr, &stat)
            } else {
                Err(Failure::Errno(EBADF))
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_filestat_get",
        |mut caller: Caller<'_, T>, fd: i32, stat_ptr: i32| {
            errno(if (0..=2).contains(&fd) {
                // dev, ino, filetype (u8 at 16), nlink, size, atim, mtim, ctim: 64 bytes.
                let mut stat = [0u8; 64];
                stat[16] = CHARACTER_DEVICE;
                write(&mut caller, stat_ptr, &stat)
            } else {
                Err(Failure::Errno(EBADF))
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_fdstat_set_flags",
        |_: Caller<'_, T>, fd: i32, _flags: i32| {
            if (0..=2).contains(&fd) {
                ENOTSUP
            } else {
                EBADF
            }
        },
    )?;
    for name in ["fd_close", "fd_sync", "fd_datasync"] {
        linker.func_wrap(MODULE, name, |_: Caller<'_, T>, _fd: i32| EBADF)?;
    }
    Ok(())
}

/// `poll_oneoff`: clock subscriptions sleep (without blocking a thread); descriptor subscriptions on
/// 0, 1 and 2 are ready at once, others report `EBADF`.
fn define_poll<T: WasiState>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.func_wrap_async(
        MODULE,
        "poll_oneoff",
        |mut caller: Caller<'_, T>,
         (subs_ptr, events_ptr, count, nevents_ptr): (i32, i32, i32, i32)| {
            Box::new(async move {
                let subs = match u32::try_from(count) {
                    Ok(0) | Err(_) => return Ok(EINVAL),
                    Ok(n) if n > MAX_SUBSCRIPTIONS => return Ok(EINVAL),
                    Ok(n) => match read(&mut caller, subs_ptr, n * 48) {
                        Ok(subs) => subs,
                        Err(failure) => return errno(Err(failure)),
                    },
                };
                let events = poll_events(&subs);
                let due = events.iter().map(|(_, due)| *due).min().unwrap_or_default();
                if !due.is_zero() {
                    tokio::time::sleep(due).await;
                }
                let events: Vec<[u8; 32]> = events
                    .into_iter()
                    .filter(|(_, at)| *at <= due)
                    .map(|(event, _)| event)
                    .collect();
                let mut out = Vec::with_capacity(events.len() * 32);
                for event in &events {
                    out.extend_from_slice(event);
                }
                let n = events.len() as u32;
                errno(
                    write(&mut caller, events_ptr, &out)
                        .and_then(|()| write(&mut caller, nevents_ptr, &n.to_le_bytes())),
                )
            })
        },
    )?;
    Ok(())
}

/// Each 48-byte subscription in `subs` as the 32-byte event it produces and how long until it is due
/// (zero: ready now; clocks are capped at [`MAX_SLEEP`]).
fn poll_events(subs: &[u8]) -> Vec<([u8; 32], Duration)> {
    let mut events = Vec::new();
    for sub in subs.chunks_exact(48) {
        let mut event = [0u8; 32];
        event[0..8].copy_from_slice(&sub[0..8]);
        let tag = sub[8];
        event[10] = tag;
        let mut due = Duration::ZERO;
        match tag {
            0 => {
                let clock = u32_at(sub, 16) as i32;
                let timeout = u64_at(sub, 24);
                let absolute = u16::from_le_bytes([sub[40], sub[41]]) & 1 == 1;
                let remaining = match now(clock) {
                    Ok(t) if absolute => timeout.saturating_sub(t),
                    Ok(_) => timeout,
                    Err(_) => {
                        event[8..10].copy_from_slice(&(EINVAL as u16).to_le_bytes());
                        0
                    }
                };
                due = Duration::from_nanos(remaining).min(MAX_SLEEP);
            }
            1 | 2 => {
                if u32_at(sub, 16) > 2 {
                    event[8..10].copy_from_slice(&(EBADF as u16).to_le_bytes());
                }
            }
            _ => event[8..10].copy_from_slice(&(EINVAL as u16).to_le_bytes()),
        }
        events.push((event, due));
    }
    events
}

/// Files, directories and sockets: no descriptor besides 0-2 exists, so each of these fails.
fn define_unsupported<T: WasiState>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    use ValType::{I32, I64};
    let functions: &[(&str, &[ValType], i32)] = &[
        ("fd_advise", &[I32, I64, I64, I32], EBADF),
        ("fd_allocate", &[I32, I64, I64], EBADF),
        ("fd_fdstat_set_rights", &[I32, I64, I64], EBADF),
        ("fd_filestat_set_size", &[I32, I64], EBADF),
        ("fd_filestat_set_times", &[I32, I64, I64, I32], EBADF),
        ("fd_pread", &[I32, I32, I32, I64, I32], EBADF),
        ("fd_pwrite", &[I32, I32, I32, I64, I32], EBADF),
        ("fd_prestat_get", &[I32, I32], EBADF),
        ("fd_prestat_dir_name", &[I32, I32, I32], EBADF),
        ("fd_readdir", &[I32, I32, I32, I64, I32], EBADF),
        ("fd_renumber", &[I32, I32], EBADF),
        ("fd_seek", &[I32, I64, I32, I32], EBADF),
        ("fd_tell", &[I32, I32], EBADF),
        ("path_create_directory", &[I32, I32, I32], EBADF),
        ("path_filestat_get", &[I32, I32, I32, I32, I32], EBADF),
        (
            "path_filestat_set_times",
            &[I32, I32, I32, I32, I64, I64, I32],
            EBADF,
        ),
        ("path_link", &[I32, I32, I32, I32, I32, I32, I32], EBADF),
        (
            "path_open",
            &[I32, I32, I32, I32, I32, I64, I64, I32, I32],
            EBADF,
        ),
        ("path_readlink", &[I32, I32, I32, I32, I32, I32], EBADF),
        ("path_remove_directory", &[I32, I32, I32], EBADF),
        ("path_rename", &[I32, I32, I32, I32, I32, I32], EBADF),
        ("path_symlink", &[I32, I32, I32, I32, I32], EBADF),
        ("path_unlink_file", &[I32, I32, I32], EBADF),
        ("sock_accept", &[I32, I32, I32], EBADF),
        ("sock_recv", &[I32, I32, I32, I32, I32, I32], EBADF),
        ("sock_send", &[I32, I32, I32, I32, I32], EBADF),
        ("sock_shutdown", &[I32, I32], EBADF),
    ];
    for (name, params, code) in functions {
        let ty = wasmtime::FuncType::new(linker.engine(), params.iter().cloned(), [I32]);
        let code = *code;
        linker.func_new(MODULE, name, ty, move |_caller, _params, results| {
            results[0] = Val::I32(code);
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock_sub(userdata: u64, timeout: u64) -> [u8; 48] {
        let mut sub = [0u8; 48];
        sub[0..8].copy_from_slice(&userdata.to_le_bytes());
        sub[16..20].copy_from_slice(&1u32.to_le_bytes());
        sub[24..32].copy_from_slice(&timeout.to_le_bytes());
        sub
    }

    /// A relative clock subscription is due after its timeout; a zero timeout is due at once.
    #[test]
    fn clock_subscriptions_sleep_then_fire() {
        let events = poll_events(&clock_sub(7, 5_000_000));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].1, Duration::from_millis(5));
        let events = poll_events(&clock_sub(9, 0));
        assert_eq!(events[0].1, Duration::ZERO);
        assert_eq!(u64_at(&events[0].0, 0), 9);
    }

    /// A descriptor subscription on a descriptor that does not exist reports `EBADF` in its event.
    #[test]
    fn unknown_descriptor_subscriptions_fail() {
        let mut sub = [0u8; 48];
        sub[8] = 1;
        sub[16..20].copy_from_slice(&5u32.to_le_bytes());
        let events = poll_events(&sub);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].1, Duration::ZERO);
        assert_eq!(
            u16::from_le_bytes([events[0].0[8], events[0].0[9]]),
            EBADF as u16
        );
    }
}

//! The allocator, chosen once per process before anything is allocated: mimalloc for a process that
//! runs a host (`wash up`, in the foreground or as the background host), glibc's for every other
//! command.
//!
//! A host allocates on one thread and frees on another on every invocation (NATS buffers, spans,
//! actor calls), where mimalloc costs the host 7–20% less CPU per request than glibc (A/B runs in
//! docs/benchmarks.md). The other commands keep glibc's allocator: mimalloc's arenas would raise
//! their peak memory past what issue 23 allows (`claims sign` from 10 to 18 MiB, `par create` from 16
//! to 35 MiB).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, Ordering};

use mimalloc::MiMalloc;

/// The process's allocator: see the module's documentation.
pub struct WashAllocator;

const UNDECIDED: u8 = 0;
const SYSTEM: u8 = 1;
const MIMALLOC: u8 = 2;

/// Decided at the first allocation (on the main thread, before any other thread exists), never
/// changed after: every block is freed by the allocator that gave it.
static CHOICE: AtomicU8 = AtomicU8::new(UNDECIDED);

#[inline]
fn mimalloc() -> bool {
    match CHOICE.load(Ordering::Relaxed) {
        UNDECIDED => {
            let choice = if runs_a_host() { MIMALLOC } else { SYSTEM };
            match CHOICE.compare_exchange(UNDECIDED, choice, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => choice == MIMALLOC,
                Err(decided) => decided == MIMALLOC,
            }
        }
        choice => choice == MIMALLOC,
    }
}

/// Whether this process's command is `up`, read from `/proc/self/cmdline` into a buffer on the
/// stack with plain system calls: nothing may be allocated before the choice is made.
fn runs_a_host() -> bool {
    let mut buffer = [0u8; 4096];
    // SAFETY: a NUL-terminated path; `read` writes at most `buffer.len()` bytes into `buffer`.
    let read = unsafe {
        let fd = libc::open(
            c"/proc/self/cmdline".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return false;
        }
        let read = libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len());
        libc::close(fd);
        read
    };
    usize::try_from(read).is_ok_and(|n| command_is_up(&buffer[..n]))
}

/// Whether the first argument after the program's name that is not a flag is `up`, in a command line
/// as `/proc/<pid>/cmdline` holds it (arguments ended by NUL bytes).
fn command_is_up(cmdline: &[u8]) -> bool {
    cmdline
        .split(|b| *b == 0)
        .skip(1)
        .find(|arg| !arg.starts_with(b"-"))
        .is_some_and(|command| command == b"up")
}

// SAFETY: each call goes to the allocator the process chose once and for all, so a block is always
// freed or grown by the allocator that made it; both allocators uphold `GlobalAlloc`'s contract.
unsafe impl GlobalAlloc for WashAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mimalloc() {
            MiMalloc.alloc(layout)
        } else {
            System.alloc(layout)
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mimalloc() {
            MiMalloc.alloc_zeroed(layout)
        } else {
            System.alloc_zeroed(layout)
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mimalloc() {
            MiMalloc.dealloc(ptr, layout)
        } else {
            System.dealloc(ptr, layout)
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if mimalloc() {
            MiMalloc.realloc(ptr, layout, new_size)
        } else {
            System.realloc(ptr, layout, new_size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_up_command_runs_a_host() {
        assert!(command_is_up(b"wash\0up\0"));
        assert!(command_is_up(b"/usr/bin/wash\0up\0--detached\0"));
        assert!(command_is_up(
            b"wash\0up\0--background-host\0--lattice\0default\0"
        ));
        assert!(command_is_up(b"wash\0--allow-latest\0up\0"));
        assert!(!command_is_up(b"wash\0"));
        assert!(!command_is_up(b"wash\0claims\0sign\0up\0"));
        assert!(!command_is_up(b"wash\0down\0"));
        assert!(!command_is_up(b"wash\0update\0"));
        assert!(
            !command_is_up(b"up\0"),
            "the program's own name is not its command"
        );
        // This process made its choice from its own command line (a test filter of `up` makes it
        // mimalloc's).
        let expected = if runs_a_host() { MIMALLOC } else { SYSTEM };
        assert_eq!(CHOICE.load(Ordering::Relaxed), expected);
    }
}

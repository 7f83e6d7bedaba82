//! Gzip on every core, as pigz does it: the input is cut into blocks, each block is deflated on its own
//! thread (primed with the 32 KiB before it, so the ratio stays close to a single stream) and ended
//! with a sync flush, and the blocks are written in order into one standard gzip member (one header,
//! one CRC-32 and size trailer). Any gzip reader reads it; the bytes depend only on the input and the
//! level, not on the number of threads, so an archive is reproducible.

use std::io::{self, Write};

use flate2::{Compress, Compression, FlushCompress, Status};

/// Input per block: large enough that the per-block overhead is noise, small enough that the blocks in
/// flight stay a few MiB.
const BLOCK: usize = 1 << 20;
/// The dictionary a block is primed with: deflate's window.
const WINDOW: usize = 32 << 10;
/// The gzip header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown (as flate2 writes).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// A gzip writer that compresses blocks in parallel. Call [`ParallelGz::finish`] to end the stream.
pub(crate) struct ParallelGz<W: Write> {
    out: W,
    level: u32,
    threads: usize,
    /// Blocks waiting for a batch, the last one filling.
    pending: Vec<Vec<u8>>,
    /// The end of the last block compressed: the next block's dictionary.
    window: Vec<u8>,
    crc: flate2::Crc,
    wrote_header: bool,
}

impl<W: Write> ParallelGz<W> {
    /// A writer at gzip `level` (0–9) on `out`, using every core.
    pub(crate) fn new(out: W, level: u32) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            out,
            level,
            threads,
            pending: vec![Vec::with_capacity(BLOCK)],
            window: Vec::new(),
            crc: flate2::Crc::new(),
            wrote_header: false,
        }
    }

    /// Compresses the full blocks waiting (all of them but an unfilled last one unless `all`).
    fn compress_pending(&mut self, all: bool) -> io::Result<()> {
        if !self.wrote_header {
            self.out.write_all(&HEADER)?;
            self.wrote_header = true;
        }
        let keep_last = !all && self.pending.last().is_some_and(|last| last.len() < BLOCK);
        let ready = self.pending.len() - usize::from(keep_last);
        if ready == 0 {
            return Ok(());
        }
        let blocks: Vec<Vec<u8>> = self.pending.drain(..ready).collect();
        // Each block's dictionary: the 32 KiB of input before it.
        let mut dictionaries = Vec::with_capacity(blocks.len());
        let mut previous: &[u8] = &self.window;
        for block in &blocks {
            dictionaries.push(previous);
            previous = block;
        }
        let level = self.level;
        let outputs: Vec<io::Result<Vec<u8>>> = if blocks.len() == 1 || self.threads == 1 {
            blocks
                .iter()
                .zip(&dictionaries)
                .map(|(block, dictionary)| deflate_block(block, tail(dictionary), level))
                .collect()
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = blocks
                    .iter()
                    .zip(&dictionaries)
                    .map(|(block, dictionary)| {
                        scope.spawn(move || deflate_block(block, tail(dictionary), level))
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|worker| {
                        worker.join().unwrap_or_else(|_| {
                            Err(io::Error::other("a compression thread panicked"))
                        })
                    })
                    .collect()
            })
        };
        for output in outputs {
            self.out.write_all(&output?)?;
        }
        if let Some(last) = blocks.last() {
            self.window = tail(last).to_vec();
        }
        if self.pending.is_empty() {
            self.pending.push(Vec::with_capacity(BLOCK));
        }
        Ok(())
    }

    /// Ends the stream (a final empty block, the CRC-32 and size) and returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.compress_pending(true)?;
        // The last block (an empty final one) ends the deflate stream.
        let mut end = Compress::new(Compression::new(self.level), false);
        let mut out = Vec::with_capacity(16);
        deflate_into(&mut end, &[], &mut out, FlushCompress::Finish)?;
        self.out.write_all(&out)?;
        self.out.write_all(&self.crc.sum().to_le_bytes())?;
        self.out.write_all(&self.crc.amount().to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.crc.update(buf);
        let mut rest = buf;
        while !rest.is_empty() {
            let last = self.pending.last_mut().expect("a filling block");
            let take = (BLOCK - last.len()).min(rest.len());
            last.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if last.len() == BLOCK {
                if self.pending.len() >= self.threads {
                    self.compress_pending(false)?;
                }
                if self.pending.last().is_some_and(|b| b.len() == BLOCK) {
                    self.pending.push(Vec::with_capacity(BLOCK));
                }
            }
        }
        Ok(buf.len())
    }

    /// Blocks are compressed when a batch is full or at [`ParallelGz::finish`]; a flush passes on to
    /// the inner writer only.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The last [`WINDOW`] bytes of `data`.
fn tail(data: &[u8]) -> &[u8] {
    &data[data.len().saturating_sub(WINDOW)..]
}

/// Raw deflate of one block, primed with `dictionary`, ended by a sync flush (byte-aligned, not final).
fn deflate_block(block: &[u8], dictionary: &[u8], level: u32) -> io::Result<Vec<u8>> {
    let mut compress = Compress::new(Compression::new(level), false);
    if !dictionary.is_empty() {
        compress
            .set_dictionary(dictionary)
            .map_err(io::Error::other)?;
    }
    let mut out = Vec::with_capacity(block.len() / 2 + 64);
    deflate_into(&mut compress, block, &mut out, FlushCompress::Sync)?;
    Ok(out)
}

/// Feeds all of `input` and flushes with `flush`, growing `out` as needed.
fn deflate_into(
    compress: &mut Compress,
    input: &[u8],
    out: &mut Vec<u8>,
    flush: FlushCompress,
) -> io::Result<()> {
    let start = compress.total_in();
    let finishing = matches!(flush, FlushCompress::Finish);
    loop {
        // Room for the flush to complete: it is done when it left spare room behind.
        out.reserve(64 << 10);
        let consumed = usize::try_from(compress.total_in() - start).unwrap_or(usize::MAX);
        let status = compress
            .compress_vec(&input[consumed..], out, flush)
            .map_err(io::Error::other)?;
        let consumed = usize::try_from(compress.total_in() - start).unwrap_or(usize::MAX);
        if status == Status::StreamEnd {
            return Ok(());
        }
        if !finishing && consumed == input.len() && out.len() < out.capacity() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gzip(data: &[u8], level: u32) -> Vec<u8> {
        let mut writer = ParallelGz::new(Vec::new(), level);
        // Odd write sizes, so blocks fill across writes.
        for chunk in data.chunks(77_777) {
            writer.write_all(chunk).expect("write");
        }
        writer.finish().expect("finish")
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .expect("one valid gzip member");
        out
    }

    /// Several blocks of mixed data: one gzip member that decodes to the input, the same bytes each
    /// time, and about as small as a single-stream gzip of the same level.
    #[test]
    fn round_trips_reproducibly() {
        let mut data = Vec::new();
        let mut x: u32 = 1;
        while data.len() < 5 * BLOCK + 12_345 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            if (data.len() / 4096) % 2 == 0 {
                data.extend_from_slice(&x.to_le_bytes());
            } else {
                data.extend_from_slice(b"text that repeats itself, ");
            }
        }
        let packed = gzip(&data, 6);
        assert_eq!(&packed[..2], &[0x1f, 0x8b]);
        assert_eq!(gunzip(&packed), data);
        assert_eq!(packed, gzip(&data, 6), "reproducible");
        let mut single = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        single.write_all(&data).expect("write");
        let single = single.finish().expect("finish");
        assert!(
            packed.len() < single.len() + single.len() / 50,
            "{} vs {} bytes",
            packed.len(),
            single.len()
        );
    }

    /// Empty and tiny inputs are valid gzip too.
    #[test]
    fn empty_and_small_inputs() {
        assert_eq!(gunzip(&gzip(b"", 6)), b"");
        assert_eq!(gunzip(&gzip(b"a", 9)), b"a");
        assert_eq!(gunzip(&gzip(&[7u8; BLOCK], 1)), vec![7u8; BLOCK]);
    }
}

//! Reading back the files a run, sweep or comparison wrote (`jobs.csv`, `summary.json`,
//! `sweep.csv`, `decisions.csv`, …) within a bound on the length of a line, so that a damaged
//! or foreign file in their place (a link to `/dev/zero`, a file without line breaks) is refused
//! with an error instead of being read into memory as one endless line.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The longest line read back: 64 MiB, well above the longest the program writes (a `jobs.csv`
/// row of a job of 2²⁰ tasks lists as many node names, about 10 MiB).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// A reader that fails once a line runs past [`MAX_LINE_BYTES`].
pub struct LineBounded<R> {
    inner: R,
    /// Bytes since the last line break.
    line: usize,
}

impl<R> LineBounded<R> {
    /// `inner`, bounded.
    pub fn new(inner: R) -> LineBounded<R> {
        LineBounded { inner, line: 0 }
    }
}

impl<R: Read> Read for LineBounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut parts = buf[..n].split(|&b| b == b'\n');
        self.line += parts.next().map_or(0, <[u8]>::len);
        let mut longest = self.line;
        for part in parts {
            self.line = part.len();
            longest = longest.max(self.line);
        }
        if longest > MAX_LINE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a line longer than {} MiB: not a file clustersim wrote",
                    MAX_LINE_BYTES >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// Opens the file at `path` for reading, bounded.
pub fn open(path: &Path) -> io::Result<LineBounded<File>> {
    File::open(path).map(LineBounded::new)
}

/// The whole text of the file at `path`, read bounded.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_past_the_bound_is_refused_wherever_the_reads_fall() {
        // Lines up to the bound pass, in one read or in many small ones.
        let fits = [vec![b'a'; MAX_LINE_BYTES], b"\nshort\n".to_vec()].concat();
        let mut text = Vec::new();
        LineBounded::new(&fits[..]).read_to_end(&mut text).unwrap();
        assert_eq!(text, fits);
        let mut small = LineBounded::new(io::BufReader::with_capacity(7, &fits[..]));
        assert_eq!(small.read_to_end(&mut Vec::new()).unwrap(), fits.len());
        // One byte more, after a line break or across reads, is refused.
        let long = [b"ok\n".to_vec(), vec![b'a'; MAX_LINE_BYTES + 1]].concat();
        let err = LineBounded::new(&long[..]).read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let mut small = LineBounded::new(io::BufReader::with_capacity(7, &long[..]));
        assert!(small.read_to_end(&mut Vec::new()).is_err());
        // An endless file without line breaks stops at the bound.
        assert!(LineBounded::new(io::repeat(0)).read_to_end(&mut Vec::new()).is_err());
    }
}

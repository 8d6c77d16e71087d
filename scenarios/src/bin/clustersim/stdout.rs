//! Standard output that a reader may close early: `clustersim policies | head -1` and
//! `clustersim trace convert … | head` end quietly (exit 0) when the pipe closes, instead of
//! panicking or reporting bad input; any other failure to write is an I/O error (exit 4).

use std::fmt;
use std::io::{self, Write};

/// Prints to standard output (`print!`), ending the process quietly if the reader has gone.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!($($arg)*))
    };
}

/// Prints a line to standard output (`println!`), ending the process quietly if the reader
/// has gone.
macro_rules! outln {
    () => {
        $crate::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes `args` to standard output.
pub fn write(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(error) = out.write_fmt(args) {
        failed(&error);
    }
}

/// Ends the process after a failed write to standard output: quietly with exit 0 when the
/// reader closed the pipe, else with the I/O error's exit code.
pub fn failed(error: &io::Error) -> ! {
    if error.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {error}");
    std::process::exit(crate::exit::IO);
}

//! Seeded mutations of a valid input: the kinds of damage a hostile or broken file has.

use rand::RngExt;
use sim_core::rng::Stream;

/// Values that have broken parsers before: zero, signs, the edges of the integer types,
/// huge and tiny floats, NaN and infinities, times past the clock, empty text.
const EXTREMES: [&str; 20] = [
    "0",
    "-0",
    "-1",
    "1",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709552",
    "9999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "1e308",
    "-1e308",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "99999999999999-01-01 00:00:00",
    "",
    "\u{feff}\u{0}\u{1b}[31m",
];

/// One mutation of `input`, chosen and placed by `rng`.
pub fn mutate(input: &[u8], rng: &mut Stream) -> Vec<u8> {
    let mut out = input.to_vec();
    let mutations = rng.random_range(1..=3);
    for _ in 0..mutations {
        out = match rng.random_range(0..8) {
            0 => flip_bytes(out, rng),
            1 => truncate(out, rng),
            2 => swap_fields(&out, rng),
            3 => extreme_number(&out, rng),
            4 => duplicate_row(&out, rng),
            5 => swap_rows(&out, rng),
            6 => insert_bytes(out, rng),
            _ => repeat_row(&out, rng),
        };
    }
    out
}

fn flip_bytes(mut bytes: Vec<u8>, rng: &mut Stream) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..bytes.len());
        bytes[at] ^= 1 << rng.random_range(0..8);
    }
    bytes
}

fn truncate(mut bytes: Vec<u8>, rng: &mut Stream) -> Vec<u8> {
    let keep = rng.random_range(0..=bytes.len());
    bytes.truncate(keep);
    bytes
}

fn insert_bytes(mut bytes: Vec<u8>, rng: &mut Stream) -> Vec<u8> {
    const INSERTS: [&[u8]; 8] = [b"\0", b"\r", b"\n", b",", b"\"", b"\xef\xbb\xbf", b"\xc3", b";"];
    let at = rng.random_range(0..=bytes.len());
    let insert = INSERTS[rng.random_range(0..INSERTS.len())];
    bytes.splice(at..at, insert.iter().copied());
    bytes
}

/// The lines of `bytes`, each with its newline.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

fn swap_rows(bytes: &[u8], rng: &mut Stream) -> Vec<u8> {
    let mut rows = lines(bytes);
    if rows.len() > 1 {
        let (a, b) = (rng.random_range(0..rows.len()), rng.random_range(0..rows.len()));
        rows.swap(a, b);
    }
    rows.concat()
}

fn duplicate_row(bytes: &[u8], rng: &mut Stream) -> Vec<u8> {
    let mut rows = lines(bytes);
    if !rows.is_empty() {
        let row = rows[rng.random_range(0..rows.len())];
        rows.insert(rng.random_range(0..=rows.len()), row);
    }
    rows.concat()
}

fn repeat_row(bytes: &[u8], rng: &mut Stream) -> Vec<u8> {
    let mut rows = lines(bytes);
    if !rows.is_empty() {
        let at = rng.random_range(0..rows.len());
        let row = rows[at];
        for _ in 0..rng.random_range(2..50) {
            rows.insert(at, row);
        }
    }
    rows.concat()
}

/// Byte ranges of the tokens of `line`: runs between commas, whitespace, `=` and quotes.
fn tokens(line: &[u8]) -> Vec<(usize, usize)> {
    let separator = |b: u8| b == b',' || b == b'=' || b == b'"' || b.is_ascii_whitespace();
    let mut found = Vec::new();
    let mut start = None;
    for (i, &b) in line.iter().enumerate() {
        match (separator(b), start) {
            (true, Some(s)) => {
                found.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        found.push((s, line.len()));
    }
    found
}

/// A random line and one of its tokens, or `None` when the input has none.
fn pick_token(bytes: &[u8], rng: &mut Stream) -> Option<(usize, (usize, usize))> {
    let rows = lines(bytes);
    if rows.is_empty() {
        return None;
    }
    let row = rng.random_range(0..rows.len());
    let found = tokens(rows[row]);
    if found.is_empty() {
        return None;
    }
    Some((row, found[rng.random_range(0..found.len())]))
}

fn extreme_number(bytes: &[u8], rng: &mut Stream) -> Vec<u8> {
    let Some((row, (start, end))) = pick_token(bytes, rng) else {
        return bytes.to_vec();
    };
    let mut rows: Vec<Vec<u8>> = lines(bytes).into_iter().map(<[u8]>::to_vec).collect();
    let value = EXTREMES[rng.random_range(0..EXTREMES.len())];
    rows[row].splice(start..end, value.bytes());
    rows.concat()
}

fn swap_fields(bytes: &[u8], rng: &mut Stream) -> Vec<u8> {
    let mut rows: Vec<Vec<u8>> = lines(bytes).into_iter().map(<[u8]>::to_vec).collect();
    if rows.is_empty() {
        return Vec::new();
    }
    let row = rng.random_range(0..rows.len());
    let found = tokens(&rows[row]);
    if found.len() < 2 {
        return rows.concat();
    }
    let (i, j) = (rng.random_range(0..found.len()), rng.random_range(0..found.len()));
    let ((a0, a1), (b0, b1)) = if found[i].0 <= found[j].0 {
        (found[i], found[j])
    } else {
        (found[j], found[i])
    };
    if a1 > b0 {
        return rows.concat();
    }
    let line = &rows[row];
    let swapped = [&line[..a0], &line[b0..b1], &line[a1..b0], &line[a0..a1], &line[b1..]].concat();
    rows[row] = swapped;
    rows.concat()
}

#[test]
fn tokens_split_at_separators() {
    assert_eq!(tokens(b"a,bb = \"c\"\n"), [(0, 1), (2, 4), (8, 9)]);
}

//! Text from an input file or a flag, made safe to echo in a message: control characters
//! (NUL, escape sequences, carriage returns, …) are written as Rust escapes, so a message never
//! carries raw terminal controls or hides what the file holds.

/// `text` with every control character escaped (`\0`, `\u{1b}`, `\r`, `\t`, …); everything
/// else, non-ASCII letters included, is kept as is.
pub fn escaped(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::escaped;

    #[test]
    fn controls_are_escaped_and_letters_kept() {
        assert_eq!(escaped("a\0b"), "a\\u{0}b");
        assert_eq!(escaped("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escaped("tab\there\r\n"), "tab\\there\\r\\n");
        assert_eq!(escaped("größe `x`"), "größe `x`");
    }
}

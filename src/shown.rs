//! User values as messages echo them: quoted like `{:?}`, and cut to a
//! readable length with the full size said, so that a huge value (a 5 MB
//! string in a configuration) costs a line in a diagnostic, not megabytes.
//!
//! Only for text meant for people; never for values that are written back
//! (a saved plan, HCL output) or compared.

/// Longest value, in characters, echoed whole.
pub const MAX_SHOWN_CHARS: usize = 64;

/// `value` quoted (as `{:?}` does); past [`MAX_SHOWN_CHARS`] characters,
/// its beginning and `... (N bytes)`.
pub fn quoted(value: &str) -> String {
    match value.char_indices().nth(MAX_SHOWN_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}... ({} bytes)", &value[..cut], value.len()),
    }
}

/// `value` unquoted, cut like [`quoted`].
pub fn plain(value: &str) -> String {
    match value.char_indices().nth(MAX_SHOWN_CHARS) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}... ({} bytes)", &value[..cut], value.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_whole_and_long_ones_cut_with_their_size() {
        assert_eq!(quoted("fs-1"), "\"fs-1\"");
        assert_eq!(plain("fs-1"), "fs-1");
        let big = "é".repeat(2_000_000);
        let q = quoted(&big);
        assert_eq!(q, format!("\"{}\"... (4000000 bytes)", "é".repeat(64)));
        assert_eq!(
            plain(&big),
            format!("{}... (4000000 bytes)", "é".repeat(64))
        );
    }
}

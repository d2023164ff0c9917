//! Counted nouns as a person writes them: `1 round failed`, `2 rounds failed`.
//! Every count the dashboard, the reports and the events print goes through
//! `plural`, so no line reads `1 slots`. English only, regular plurals only:
//! the words counted here all take an `s`.

/// `n` and `word`, with the `s` when `n` is not 1.
pub fn plural(n: impl Into<u64>, word: &str) -> String {
    let n = n.into();
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(plural(1u32, "slot"), "1 slot");
        assert_eq!(plural(0u32, "slot"), "0 slots");
        assert_eq!(plural(27u64, "round"), "27 rounds");
    }
}

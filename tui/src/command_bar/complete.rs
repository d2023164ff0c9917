//! Tab completion for the command bar: the word before the cursor is
//! completed from the fault names (first word), or from the fault's own
//! subcommands (`partition isolate`, `load stop`), the cluster's node ids
//! and `all` (later words). In a node list (`n0,n1/n2`) only the part after
//! the last `,`, `/` or `|` is completed. Pure.

use crate::faults::grammar;

/// What Tab can put in place of `text[start..cursor]` (char indices).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidates {
    pub start: usize,
    pub words: Vec<String>,
}

/// The candidates for the word ending at `cursor` (a char index into `text`).
pub fn candidates(text: &str, cursor: usize, nodes: &[String]) -> Candidates {
    let chars: Vec<char> = text.chars().collect();
    let cursor = cursor.min(chars.len());
    let word_start = chars[..cursor].iter().rposition(|c| *c == ' ').map_or(0, |i| i + 1);
    let start = chars[..cursor].iter().rposition(|c| matches!(c, ' ' | ',' | '/' | '|')).map_or(0, |i| i + 1);
    let prefix: String = chars[start..cursor].iter().collect();
    let before: String = chars[..word_start].iter().collect();
    let earlier: Vec<&str> = before.split_whitespace().collect();
    let pool: Vec<String> = match earlier.first() {
        None => grammar::names(),
        Some(fault) => {
            let subs = if earlier.len() == 1 && start == word_start { grammar::sub_names(fault) } else { vec![] };
            subs.into_iter().chain(nodes.iter().cloned()).chain(["all".to_string()]).collect()
        }
    };
    let words = pool.into_iter().filter(|w| w.starts_with(&prefix)).collect();
    Candidates { start, words }
}

/// The longest prefix all `words` share.
pub fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else { return String::new() };
    let mut len = first.len();
    for w in &words[1..] {
        len = first.bytes().zip(w.bytes()).take(len).take_while(|(a, b)| a == b).count();
    }
    first[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> Vec<String> {
        (0..4).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn first_word_from_the_faults_later_words_from_the_nodes() {
        assert_eq!(candidates("cr", 2, &nodes()).words, ["crash"]);
        assert_eq!(candidates("c", 1, &nodes()).words, ["crash", "cut", "clear", "censor"]);
        assert_eq!(candidates("crash ", 6, &nodes()).words, ["n0", "n1", "n2", "n3", "all"]);
        assert_eq!(candidates("crash n", 7, &nodes()).words, ["n0", "n1", "n2", "n3"]);
        let c = candidates("partition n0,n1/n", 17, &nodes());
        assert_eq!((c.start, c.words.len()), (16, 4));
        assert_eq!(candidates("partition i", 11, &nodes()).words, ["isolate"]);
        assert_eq!(candidates("load s", 6, &nodes()).words, ["stop"]);
        assert_eq!(candidates("zap ", 4, &nodes()).words, ["n0", "n1", "n2", "n3", "all"]);
    }

    #[test]
    fn common_prefixes() {
        assert_eq!(common_prefix(&["resume".into(), "restart".into()]), "res");
        assert_eq!(common_prefix(&["n0".into()]), "n0");
        assert_eq!(common_prefix(&[]), "");
    }
}

//! Copying to the clipboard of the terminal the user sits at, with the OSC 52
//! escape sequence: the terminal itself sets its clipboard, so `y` works over
//! SSH and inside tmux (with `set -g set-clipboard on`), and no X11 or
//! Wayland library is linked. Terminals that do not support OSC 52 ignore it.

use base64::Engine;
use std::io::Write;

/// The escape sequence that puts `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

/// Writes the sequence to the terminal (stdout, where the dashboard draws).
pub fn copy(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sequence_carries_the_text_in_base64() {
        assert_eq!(super::osc52("n0 127.0.0.1:4000"), "\x1b]52;c;bjAgMTI3LjAuMC4xOjQwMDA=\x07");
    }
}

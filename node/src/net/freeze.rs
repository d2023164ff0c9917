//! The node's own pause, for backends that have no process signal for it
//! (kubernetes: no SIGSTOP, no cgroup freezer through the API).
//!
//! Control.SetFrozen turns it on and off. While it is on, every task that
//! moves or processes messages waits at its next step: the runtime feeds the
//! engine nothing and fires no timer, outbound links send nothing, probes
//! ping nobody, and the p2p server takes no message (a sender's call hangs
//! until it times out, as it does against a stopped process). Sockets stay
//! open. Observer, Transactions and the runtime's Control commands wait on
//! the runtime, so they hang too. What still answers: Control.SetFrozen
//! (to thaw), Control.Crash, Control.SetLinks (the shim's rules, read by
//! nothing until the thaw), gRPC health and `/metrics`. On thaw everything
//! resumes where it stood, overdue timers first, as after SIGCONT.

use tokio::sync::watch;

pub struct Freeze(watch::Sender<bool>);

impl Default for Freeze {
    fn default() -> Self {
        Freeze(watch::Sender::new(false))
    }
}

impl Freeze {
    /// Freezes (`true`) or thaws; returns whether it was frozen before.
    pub fn set(&self, frozen: bool) -> bool {
        self.0.send_replace(frozen)
    }

    pub fn is_frozen(&self) -> bool {
        *self.0.borrow()
    }

    /// Returns once frozen: a task waiting for input wakes to stop.
    pub async fn frozen(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|frozen| *frozen).await;
    }

    /// Returns at once when not frozen, else when thawed.
    pub async fn thawed(&self) {
        if !self.is_frozen() {
            return;
        }
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close under us.
        let _ = rx.wait_for(|frozen| !*frozen).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn waiters_pass_when_thawed_and_only_then() {
        let f = Arc::new(Freeze::default());
        f.thawed().await; // not frozen: no wait
        let freezing = tokio::spawn({
            let f = f.clone();
            async move { f.frozen().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!freezing.is_finished(), "not frozen yet");
        assert!(!f.set(true));
        assert!(f.is_frozen());
        tokio::time::timeout(Duration::from_secs(5), freezing).await.expect("woken by the freeze").unwrap();
        f.frozen().await; // frozen: no wait
        let waiter = tokio::spawn({
            let f = f.clone();
            async move { f.thawed().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "a frozen node's task must wait");
        assert!(f.set(false));
        tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("thawed in time").unwrap();
    }
}

//! A client's view of a running cluster, for `devnet tx` and `devnet load`:
//! `genesis.json` and `nodes.json` read as `ClusterDir` writes them, gRPC
//! channels to a node (set up like `cluster::watch`: TCP_NODELAY, short
//! connect timeout), and words for what a node's refusals mean. A cluster
//! whose lock nobody holds is not running, and is said to be before any
//! node address from its `nodes.json` is tried.

use crate::cluster_lock::{self, Probe};
use anyhow::Context;
use devnet_node::chain::{ChainSpec, Hash32};
use devnet_node::config::{ClusterNodes, NodeEntry, read_json};
use devnet_proto::v1 as pb;
use pb::transactions_client::TransactionsClient;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// The longest a unary call (submit, status, account) may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub struct ClusterFiles {
    pub root: PathBuf,
    pub spec: ChainSpec,
    pub nodes: Vec<NodeEntry>,
}

impl ClusterFiles {
    pub fn read(root: &Path) -> anyhow::Result<ClusterFiles> {
        let genesis = root.join("genesis.json");
        if !genesis.exists() {
            anyhow::bail!(
                "no devnet in {}: {} is missing (start one with `devnet up`)",
                root.display(),
                genesis.display()
            );
        }
        // nodes.json outlives its devnet; its addresses mean nothing once that has exited.
        if let Ok(Probe::Stopped { last }) = cluster_lock::probe(root) {
            let was = last.map_or_else(String::new, |o| format!(" (pid {}, its last owner, has exited)", o.pid));
            anyhow::bail!("the devnet in {} is not running{was}; start it with `devnet up`", root.display());
        }
        let spec: ChainSpec = read_json(&genesis)?;
        let nodes: ClusterNodes = read_json(&root.join("nodes.json"))?;
        Ok(ClusterFiles { root: root.to_path_buf(), spec, nodes: nodes.nodes })
    }

    /// The chain id transfers sign over (ledger T1/T2): the genesis seed.
    pub fn chain_id(&self) -> Hash32 {
        self.spec.genesis_seed()
    }

    /// The node called `id` (`n0`, ...), or a message listing the ones there are.
    pub fn node(&self, id: &str) -> Result<&NodeEntry, String> {
        self.nodes.iter().find(|n| n.id == id).ok_or_else(|| {
            let ids: Vec<&str> = self.nodes.iter().map(|n| n.id.as_str()).collect();
            format!("no node {id:?} in {}; nodes are {}", self.root.join("nodes.json").display(), ids.join(", "))
        })
    }
}

fn endpoint(node: &NodeEntry) -> anyhow::Result<Endpoint> {
    Ok(Endpoint::from_shared(format!("http://{}", node.addr))?
        .connect_timeout(Duration::from_millis(500))
        .tcp_nodelay(true))
}

/// A channel for unary calls, each bounded by `CALL_TIMEOUT`.
pub async fn unary_channel(node: &NodeEntry) -> anyhow::Result<Channel> {
    endpoint(node)?
        .timeout(CALL_TIMEOUT)
        .connect()
        .await
        .with_context(|| format!("cannot reach {} at {} (is the devnet running?)", node.id, node.addr))
}

/// A channel for a `Watch` stream: no per-call timeout.
pub async fn stream_channel(node: &NodeEntry) -> anyhow::Result<Channel> {
    endpoint(node)?
        .connect()
        .await
        .with_context(|| format!("cannot reach {} at {} (is the devnet running?)", node.id, node.addr))
}

pub async fn transactions(node: &NodeEntry) -> anyhow::Result<TransactionsClient<Channel>> {
    Ok(TransactionsClient::new(unary_channel(node).await?))
}

/// The lower-case name of a `TxState` value: `pending`, `final`, ...
pub fn state_word(state: i32) -> &'static str {
    match pb::TxState::try_from(state) {
        Ok(pb::TxState::Unknown) | Err(_) => "unknown",
        Ok(pb::TxState::Pending) => "pending",
        Ok(pb::TxState::Included) => "included",
        Ok(pb::TxState::Final) => "final",
        Ok(pb::TxState::Expired) => "expired",
        Ok(pb::TxState::Rejected) => "rejected",
    }
}

/// A node's refusal of a submitted transfer, classified.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Refusal {
    /// The node's reason word (`REASONS`), or `other` (no reply, a timeout,
    /// a refusal from something other than the ledger).
    pub word: &'static str,
    /// The gRPC status code in snake case: `resource_exhausted`, ...
    pub code: &'static str,
    /// The node surely did not take the transfer's nonce (pool full,
    /// overdraft, bad signature, nonce too far ahead), so the sender may use
    /// it again. False where the nonce is spent or the outcome unknown
    /// (timeout, lost connection).
    pub nonce_unused: bool,
}

/// The words a node puts in the `devnet-reason` metadata of a refusal
/// (node.proto), and whether the refused transfer's nonce is still unused.
pub const REASONS: &[(&str, bool)] = &[
    ("malformed", true),
    ("unknown-account", true),
    ("bad-signature", true),
    ("nonce-too-low", false),
    ("nonce-too-high", true),
    ("overdraft", true),
    ("duplicate", false),
    ("nonce-taken", false),
    ("full", true),
    ("zero-amount", true),
    ("not-started", true),
];

/// The metadata key of a refusal's reason word.
pub const REASON_KEY: &str = "devnet-reason";

/// Classifies a refusal by the node's reason word; a status without one (an
/// older node, or not the ledger's) by its code and message
/// (`ledger::TxError`'s wording).
pub fn refusal(s: &tonic::Status) -> Refusal {
    let said = s.metadata().get(REASON_KEY).and_then(|v| v.to_str().ok());
    classify(s.code(), s.message(), said)
}

/// One transfer's answer in a `SubmitTransactions` reply: `None` when it
/// was admitted (code 0), else its refusal, classified as `refusal` would
/// classify the status `SubmitTransaction` answers (the result carries the
/// same code, message and reason word).
pub fn batch_refusal(r: &pb::SubmitResult) -> Option<Refusal> {
    let code = tonic::Code::from_i32(r.code);
    (code != tonic::Code::Ok).then(|| classify(code, &r.message, Some(r.reason.as_str()).filter(|w| !w.is_empty())))
}

fn classify(code: tonic::Code, message: &str, said: Option<&str>) -> Refusal {
    let (word, nonce_unused) = match said.and_then(|w| REASONS.iter().find(|(r, _)| *r == w)) {
        Some(&(word, unused)) => (word, unused),
        None => by_message(code, message),
    };
    Refusal { word, code: code_name(code), nonce_unused }
}

fn by_message(code: tonic::Code, msg: &str) -> (&'static str, bool) {
    use tonic::Code;
    match code {
        Code::ResourceExhausted => ("full", true),
        Code::FailedPrecondition if msg.contains("cannot send") => ("overdraft", true),
        Code::FailedPrecondition if msg.contains("too far ahead") => ("nonce-too-high", true),
        Code::FailedPrecondition if msg.contains("nonce") => ("nonce-too-low", false),
        Code::AlreadyExists if msg.contains("nonce") => ("nonce-taken", false),
        Code::AlreadyExists => ("duplicate", false),
        Code::InvalidArgument if msg.contains("bad signature") => ("bad-signature", true),
        Code::InvalidArgument => ("other", true),
        _ => ("other", false),
    }
}

pub fn code_name(c: tonic::Code) -> &'static str {
    use tonic::Code;
    match c {
        Code::Ok => "ok",
        Code::Cancelled => "cancelled",
        Code::Unknown => "unknown",
        Code::InvalidArgument => "invalid_argument",
        Code::DeadlineExceeded => "deadline_exceeded",
        Code::NotFound => "not_found",
        Code::AlreadyExists => "already_exists",
        Code::PermissionDenied => "permission_denied",
        Code::ResourceExhausted => "resource_exhausted",
        Code::FailedPrecondition => "failed_precondition",
        Code::Aborted => "aborted",
        Code::OutOfRange => "out_of_range",
        Code::Unimplemented => "unimplemented",
        Code::Internal => "internal",
        Code::Unavailable => "unavailable",
        Code::DataLoss => "data_loss",
        Code::Unauthenticated => "unauthenticated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devnet_node::api::transactions::status_of;
    use devnet_node::ledger::TxError;

    fn word(e: TxError) -> (&'static str, &'static str, bool) {
        let r = refusal(&status_of(&e));
        (r.word, r.code, r.nonce_unused)
    }

    /// The node's own refusals, through its own status mapping (with the reason word).
    #[test]
    fn refusals_get_their_word() {
        assert_eq!(word(TxError::Full("transfers")), ("full", "resource_exhausted", true));
        assert_eq!(
            word(TxError::Overdraft { from: 7, available: 5, amount: 10 }),
            ("overdraft", "failed_precondition", true)
        );
        assert_eq!(
            word(TxError::NonceTooLow { from: 1, got: 0, next: 3 }),
            ("nonce-too-low", "failed_precondition", false)
        );
        assert_eq!(
            word(TxError::NonceTooHigh { from: 1, got: 99, next: 3, max_gap: 64 }),
            ("nonce-too-high", "failed_precondition", true)
        );
        assert_eq!(word(TxError::NonceTaken { from: 1, nonce: 4 }), ("nonce-taken", "already_exists", false));
        assert_eq!(word(TxError::Duplicate), ("duplicate", "already_exists", false));
        assert_eq!(word(TxError::BadSignature(3)), ("bad-signature", "invalid_argument", true));
        assert_eq!(word(TxError::UnknownAccount(3)), ("unknown-account", "invalid_argument", true));
        assert_eq!(word(TxError::ZeroAmount), ("zero-amount", "invalid_argument", true));
        let r = refusal(&tonic::Status::deadline_exceeded("timeout"));
        assert_eq!((r.word, r.code, r.nonce_unused), ("other", "deadline_exceeded", false));
    }

    /// One refusal of every kind a node gives.
    fn every_refusal() -> Vec<TxError> {
        vec![
            TxError::Malformed("x".into()),
            TxError::UnknownAccount(1),
            TxError::BadSignature(1),
            TxError::NonceTooLow { from: 1, got: 0, next: 3 },
            TxError::NonceTooHigh { from: 1, got: 99, next: 3, max_gap: 64 },
            TxError::Overdraft { from: 1, available: 0, amount: 1 },
            TxError::Duplicate,
            TxError::NonceTaken { from: 1, nonce: 4 },
            TxError::Full("transfers"),
            TxError::ZeroAmount,
            TxError::NotStarted,
        ]
    }

    /// Every word a node can say is known here, with the node's own words.
    #[test]
    fn every_node_reason_is_known() {
        for e in every_refusal() {
            assert_eq!(refusal(&status_of(&e)).word, e.reason(), "{e:?}");
        }
    }

    /// A batch reply's result classifies as the single call's status would:
    /// the node answers each transfer with the same code, message and word.
    #[test]
    fn a_batch_result_reads_as_the_single_calls_status() {
        // Before genesis the node is unavailable; a client tells that from
        // the word only, so the wordless reading below does not apply to it.
        for e in every_refusal().into_iter().filter(|e| *e != TxError::NotStarted) {
            let s = status_of(&e);
            let result = pb::SubmitResult {
                code: s.code() as i32,
                message: s.message().into(),
                reason: e.reason().into(),
                id: vec![],
            };
            assert_eq!(batch_refusal(&result), Some(refusal(&s)), "{e:?}");
            let wordless = pb::SubmitResult { reason: String::new(), ..result };
            assert_eq!(batch_refusal(&wordless).map(|r| r.nonce_unused), Some(refusal(&s).nonce_unused), "{e:?}");
        }
        assert_eq!(batch_refusal(&pb::SubmitResult { id: vec![7; 32], ..Default::default() }), None);
        let odd = pb::SubmitResult {
            code: tonic::Code::Internal as i32,
            message: "no answer".into(),
            reason: "other".into(),
            id: vec![],
        };
        assert_eq!(batch_refusal(&odd), Some(Refusal { word: "other", code: "internal", nonce_unused: false }));
    }

    /// Without the metadata the message still tells (a node from before it).
    #[test]
    fn a_refusal_without_a_reason_word_reads_the_message() {
        let plain = |e: TxError| {
            let s = status_of(&e);
            let r = refusal(&tonic::Status::new(s.code(), s.message()));
            (r.word, r.nonce_unused)
        };
        assert_eq!(plain(TxError::NonceTooLow { from: 1, got: 0, next: 3 }), ("nonce-too-low", false));
        assert_eq!(plain(TxError::NonceTooHigh { from: 1, got: 99, next: 3, max_gap: 64 }), ("nonce-too-high", true));
        assert_eq!(plain(TxError::NonceTaken { from: 1, nonce: 4 }), ("nonce-taken", false));
        assert_eq!(plain(TxError::Duplicate), ("duplicate", false));
        assert_eq!(plain(TxError::Overdraft { from: 7, available: 5, amount: 10 }), ("overdraft", true));
        let mut odd = tonic::Status::already_exists("duplicate transfer");
        odd.metadata_mut().insert(REASON_KEY, tonic::metadata::MetadataValue::from_static("something-new"));
        assert_eq!(refusal(&odd).word, "duplicate", "an unknown word falls back to the message");
    }
}

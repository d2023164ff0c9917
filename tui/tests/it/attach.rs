//! `devnet attach`: the dashboard of a devnet from elsewhere, through its
//! control endpoint (TLS pinned to the cluster's `control.pem`, the token).
//!
//! - On loopback: the attached view is the devnet's own (`status --json`
//!   beside `attach --json`), faults injected meanwhile show in it, and a
//!   wrong token or a certificate from another cluster is refused.
//! - Several hosts on one machine: every node in a network namespace of its
//!   own (`[netns]`), the orchestrator in another and the dashboard attached
//!   from a third, all on a bridge in a "switch" namespace, so nothing
//!   touches this machine's own network or firewall. A partition stops
//!   finality and its heal restores it, latency is set on the nodes, the
//!   attached dashboard shows it in a real terminal (tmux) and its keys
//!   inject; `status` and `inject` reach the devnet from there with only
//!   the endpoint and the token. Needs root and `ip`; without them the test says plainly that it
//!   skipped and why, and passes.

use crate::cli::wait_for;
use crate::procs::{fast_config, wait_none_left};
use crate::tmux::{self, tmux};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn devnet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devnet"))
}

fn say(text: String) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `devnet attach ADDR --json` (run by `prefix`, e.g. `ip netns exec NS`).
fn attach_json(prefix: &[&str], addr: &str, token: &Path, cert: Option<&Path>) -> Output {
    let bin = env!("CARGO_BIN_EXE_devnet");
    let mut c = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    c.args(["attach", addr, "--json", "--token-file"]).arg(token);
    if let Some(cert) = cert {
        c.arg("--cert").arg(cert);
    }
    c.output().unwrap()
}

fn view(out: &Output) -> Option<Value> {
    out.status.success().then(|| serde_json::from_slice(&out.stdout).ok()).flatten()
}

fn finalized(v: &Value) -> Vec<u64> {
    v["nodes"].as_array().unwrap().iter().map(|n| n["finalized_height"].as_u64().unwrap()).collect()
}

fn faults(v: &Value, node: usize) -> Vec<String> {
    v["nodes"][node]["faults"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect()
}

/// Waits for `control.addr` in the cluster directory.
fn control_addr(cluster: &Path) -> String {
    let file = cluster.join("control.addr");
    assert!(wait_for(Duration::from_secs(60), || file.is_file()), "no {}", file.display());
    std::fs::read_to_string(file).unwrap().trim().to_string()
}

/// Wrong token, certificate of another cluster, missing certificate: each refused with exit 2 and a reason.
fn refusals(prefix: &[&str], addr: &str, cluster: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let bad_token = tmp.path().join("token");
    std::fs::write(&bad_token, "00\n").unwrap();
    let out = attach_json(prefix, addr, &bad_token, Some(&cluster.join("control.pem")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("wrong cluster token"), "{}", text(&out));

    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    devnet::control::tls::server_config(&other).unwrap();
    let out = attach_json(prefix, addr, &cluster.join("token"), Some(&other.join("control.pem")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("certificate"), "another cluster's certificate must be refused: {}", text(&out));

    let out = attach_json(prefix, addr, &cluster.join("token"), Some(&tmp.path().join("none.pem")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("none.pem"), "{}", text(&out));
}

#[test]
fn attach_shows_the_devnets_view_and_refuses_a_wrong_token_or_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = fast_config(tmp.path());
    let mut up = devnet()
        .args(["up", "--headless", "--fresh", "--for", "120s", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(tmp.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let cluster = tmp.path().join("it");
    let addr = control_addr(&cluster);
    let token = cluster.join("token");
    // The certificate is found beside the token when --cert is not given.
    let attached = || view(&attach_json(&[], &addr, &token, None));
    let mut last = None;
    assert!(
        wait_for(Duration::from_secs(60), || {
            last = attached();
            last.as_ref().is_some_and(|v| finalized(v).iter().all(|h| *h >= 4))
        }),
        "the attached view never showed finality: {last:?}"
    );

    // The devnet's own view beside the attached one: the same nodes at the same addresses, the same chain.
    let out = devnet().args(["status", "--json", "--config"]).arg(&cfg).arg("--data-dir").arg(tmp.path()).output();
    let own: Value = serde_json::from_slice(&out.unwrap().stdout).unwrap();
    let there = attached().unwrap();
    assert_eq!(own["cluster"], there["cluster"]);
    for i in 0..4 {
        for key in ["id", "addr", "state"] {
            assert_eq!(own["nodes"][i][key], there["nodes"][i][key], "node {i} {key}");
        }
        let (a, b) = (own["nodes"][i]["finalized_height"].as_u64(), there["nodes"][i]["finalized_height"].as_u64());
        assert!(a.unwrap().abs_diff(b.unwrap()) <= 8, "node {i}: finalized {a:?} here, {b:?} attached");
    }

    // A fault injected meanwhile is in the attached view.
    let mut inject = devnet();
    inject.args(["inject", "latency", "n0", "n1", "40ms", "--data-dir"]).arg(tmp.path()).arg("--config").arg(&cfg);
    assert!(inject.output().unwrap().status.success());
    assert!(
        wait_for(Duration::from_secs(10), || attached().is_some_and(|v| faults(&v, 0).contains(&"lat 40ms".into())))
    );

    refusals(&[], &addr, &cluster);

    up.kill().unwrap();
    up.wait().unwrap();
    assert!(wait_none_left(tmp.path(), Duration::from_secs(10)).is_empty());
}

/// Network namespaces made for one test, deleted (with their links) on drop.
struct Hosts {
    tag: String,
    made: Vec<String>,
}

const SUBNET: &str = "10.214.0";

impl Hosts {
    fn ip(args: &[&str]) -> Result<(), String> {
        let out = Command::new("ip").args(args).output().map_err(|e| format!("ip: {e}"))?;
        if out.status.success() { Ok(()) } else { Err(format!("ip {}: {}", args.join(" "), text(&out).trim())) }
    }

    /// A switch namespace with a bridge, and each host (name, last octet) on it.
    fn make(hosts: &[(&str, u8)]) -> Result<Hosts, String> {
        let tag = format!("dn{}", std::process::id());
        let mut h = Hosts { tag: tag.clone(), made: vec![] };
        let sw = h.add("sw")?;
        Self::ip(&["-n", &sw, "link", "add", "br0", "type", "bridge"])?;
        Self::ip(&["-n", &sw, "link", "set", "br0", "up"])?;
        for (name, octet) in hosts {
            let ns = h.add(name)?;
            let port = format!("p-{name}");
            Self::ip(&["-n", &sw, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", &ns])?;
            Self::ip(&["-n", &sw, "link", "set", &port, "master", "br0", "up"])?;
            Self::ip(&["-n", &ns, "addr", "add", &format!("{SUBNET}.{octet}/24"), "dev", "eth0"])?;
            Self::ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
            Self::ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(h)
    }

    fn add(&mut self, name: &str) -> Result<String, String> {
        let ns = self.name(name);
        Self::ip(&["netns", "add", &ns])?;
        self.made.push(ns.clone());
        Ok(ns)
    }

    fn name(&self, host: &str) -> String {
        format!("{}-{host}", self.tag)
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for ns in self.made.iter().rev() {
            let _ = Self::ip(&["netns", "del", ns]);
        }
    }
}

/// A tmux session killed on drop, so a failing test leaves no dashboard running.
struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).output();
    }
}

/// Why the namespaces test cannot run here, if it cannot.
fn cannot_make_namespaces() -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("not root (`ip netns` needs it)".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("no `ip` command (iproute2)".into());
    }
    None
}

#[test]
fn nodes_on_hosts_of_their_own_and_a_dashboard_attached_from_another() {
    if let Some(why) = cannot_make_namespaces() {
        say(format!("SKIPPED nodes_on_hosts_of_their_own_and_a_dashboard_attached_from_another: {why}"));
        return;
    }
    let hosts = [("o", 1), ("n0", 10), ("n1", 11), ("n2", 12), ("n3", 13), ("a", 100)];
    let hosts = match Hosts::make(&hosts) {
        Ok(h) => h,
        Err(e) => {
            say(format!("SKIPPED nodes_on_hosts_of_their_own_and_a_dashboard_attached_from_another: {e}"));
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..4).map(|i| format!("\"{}\"", hosts.name(&format!("n{i}")))).collect();
    let ips: Vec<String> = (0..4).map(|i| format!("\"{SUBNET}.{}\"", 10 + i)).collect();
    let cfg = tmp.path().join("hosts.toml");
    std::fs::write(
        &cfg,
        format!(
            "name = \"hosts\"\nnodes = 4\nslot_ms = 200\nepoch_slots = 4\ngenesis_delay_ms = 500\n\
             control = \"{SUBNET}.1:0\"\n[netns]\nnames = [{}]\nips = [{}]\n",
            names.join(", "),
            ips.join(", ")
        ),
    )
    .unwrap();
    let (o, a) = (hosts.name("o"), hosts.name("a"));
    let mut up = Command::new("ip")
        .args(["netns", "exec", &o, env!("CARGO_BIN_EXE_devnet"), "up", "--headless", "--for", "180s", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(tmp.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let cluster: PathBuf = tmp.path().join("hosts");
    let addr = control_addr(&cluster);
    assert!(addr.starts_with(&format!("{SUBNET}.1:")), "the control endpoint binds where `control` says: {addr}");
    let in_a = ["ip", "netns", "exec", a.as_str()];
    let token = cluster.join("token");
    let attached = || view(&attach_json(&in_a, &addr, &token, None));
    let mut last = None;
    assert!(
        wait_for(Duration::from_secs(90), || {
            last = attached();
            last.as_ref().is_some_and(|v| finalized(v).iter().all(|h| *h >= 4))
        }),
        "nodes in their namespaces never finalized, seen from the attach host: {last:?}"
    );
    let v = last.unwrap();
    for i in 0..4 {
        assert_eq!(v["nodes"][i]["addr"], format!("{SUBNET}.{}:7000", 10 + i), "each node at its own host's address");
    }

    // The dashboard, attached from its own host, in a real terminal.
    let session = format!("devnet-attach-{}", std::process::id());
    let _kill_on_drop = Session(session.clone());
    let cmd =
        format!("ip netns exec {a} {} attach {addr} --token-file {}", env!("CARGO_BIN_EXE_devnet"), token.display());
    tmux(&["new-session", "-d", "-s", &session, "-x", "160", "-y", "48", &cmd]);
    let pane = tmux::wait_for(&session, |p| p.contains("n3") && p.contains("finalized e"));
    assert!(pane.contains("hosts · gasper"), "{pane}");

    // `status` and `inject` from the attach host too, with no cluster directory there: the endpoint, the token.
    let out = Command::new(in_a[0])
        .args(&in_a[1..])
        .arg(env!("CARGO_BIN_EXE_devnet"))
        .args(["status", "--json", "--control", &addr, "--token-file"])
        .arg(&token)
        .output()
        .unwrap();
    let status = view(&out).unwrap_or_else(|| panic!("remote status: {}", text(&out)));
    assert_eq!(status["cluster"], "hosts");

    // A partition through the nodes' shims, from the attach host: finality stops on both halves.
    let inject = |words: &[&str]| {
        let out = Command::new(in_a[0])
            .args(&in_a[1..])
            .arg(env!("CARGO_BIN_EXE_devnet"))
            .arg("inject")
            .args(words)
            .args(["--control", &addr, "--token-file"])
            .arg(&token)
            .output()
            .unwrap();
        assert!(out.status.success(), "inject {words:?}: {}", text(&out));
    };
    inject(&["partition", "n0,n1/n2,n3"]);
    inject(&["latency", "n0", "n2", "150ms"]);
    let pane = tmux::wait_for(&session, |p| p.contains("partition, lat 150ms") && p.contains("no finality"));
    assert!(pane.contains("partition, lat 150ms"), "the attached dashboard shows the faults: {pane}");
    std::thread::sleep(Duration::from_secs(3));
    let held = finalized(&attached().unwrap());
    std::thread::sleep(Duration::from_secs(6));
    let v = attached().unwrap();
    assert_eq!(finalized(&v), held, "a 2|2 partition stops finality: {v}");
    assert!(faults(&v, 2).contains(&"lat 150ms".to_string()), "{v}");
    assert!(v["nodes"][0]["dropped_messages"].as_u64().unwrap() > 0, "the shims drop across the split: {v}");

    // `h` in the attached dashboard heals it, and finality comes back.
    tmux(&["send-keys", "-t", &session, "h"]);
    let top = held.iter().max().copied().unwrap();
    assert!(
        wait_for(Duration::from_secs(60), || attached().is_some_and(|v| finalized(&v).iter().all(|h| *h > top))),
        "finality did not return after the heal from the attached dashboard"
    );

    refusals(&in_a, &addr, &cluster);

    tmux(&["send-keys", "-t", &session, "q"]);
    up.kill().unwrap();
    up.wait().unwrap();
    assert!(wait_none_left(tmp.path(), Duration::from_secs(10)).is_empty());
    drop(hosts);
}

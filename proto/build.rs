//! Compiles proto/*.proto with protox (pure Rust), so no system protoc is needed,
//! and writes the descriptor set that the nodes' reflection service serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/devnet/v1/node.proto", "proto/devnet/v1/orchestrator.proto"];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("devnet_descriptor.bin"), prost::Message::encode_to_vec(&fds))?;
    // Gossip payloads as `Bytes`: a message sent to several peers shares one
    // buffer instead of a copy per peer.
    tonic_prost_build::configure().bytes(".devnet.v1.Envelope.payload").compile_fds(fds)?;
    Ok(())
}

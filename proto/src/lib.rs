//! Generated gRPC types and services of devnet (package `devnet.v1`).

#![allow(clippy::all, clippy::pedantic)]

pub mod v1 {
    tonic::include_proto!("devnet.v1");
}

/// Encoded `FileDescriptorSet` of every devnet proto, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/devnet_descriptor.bin"));

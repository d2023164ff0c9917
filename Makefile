# The two commands a new user types: `make run` and `make test`.
# Nothing is assumed but the Rust toolchain; protos compile with protox.

CARGO ?= cargo
CONFIG ?= devnet.toml

.PHONY: run test bench build ci fmt clippy clean

build:
	$(CARGO) build --release --workspace --bins

## Build and open the dashboard on devnet.toml (resumes the cluster if it exists).
## `make run ENGINE=tendermint` or `ENGINE=pow` runs another engine on the same file.
run: build
	./target/release/devnet up --config $(CONFIG) $(if $(ENGINE),--engine $(ENGINE))

## Every test: unit, simulation, and real-process integration tests.
test:
	command -v tmux >/dev/null || (apt-get update && apt-get install -y tmux)
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace

## End-to-end figures (time to finality, throughput, CPU) on this machine.
bench: build
	./target/release/devnet-ui-bench
	./target/release/devnet-bench

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## What CI runs.
ci:
	bash .ci/run

clean:
	$(CARGO) clean

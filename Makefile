# The two commands a new user types: `make run` and `make test`.
# Nothing is assumed but the Rust toolchain; protos compile with protox.

CARGO ?= cargo
CONFIG ?= devnet.toml

.PHONY: run test bench build ci fmt clippy clean fuzz fuzz-seeds

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

## Coverage-guided fuzzing (fuzz/, nightly + cargo fuzz): every target for
## FUZZ_SECONDS each, starting from the seeds in fuzz/corpus/; fails on the
## first crash (the input is saved under fuzz/artifacts/). What the fuzzer
## learns goes to fuzz/target/corpus/, not into the repository.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = gasper_codec tendermint_codec pow_codec gossip restore journal verify config scenario faults keymap
FUZZ = $(CARGO) +nightly fuzz
fuzz:
	rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	$(FUZZ) build -s none
	for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/target/corpus/$$t && \
		$(FUZZ) run -s none $$t fuzz/target/corpus/$$t fuzz/corpus/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 || exit 1; \
	done

## Rewrite the seed corpora (fuzz/corpus/) from in-process clusters and the repo's files.
fuzz-seeds:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	$(FUZZ) build -s none
	./fuzz/target/x86_64-unknown-linux-gnu/release/write-seeds

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

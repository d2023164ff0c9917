# The two commands a new user types: `make run` and `make test`.
# Nothing is assumed but the Rust toolchain; protos compile with protox.

CARGO ?= cargo
CONFIG ?= devnet.toml

.PHONY: run image test bench build ci fmt clippy clean chaos chaos-mutant soak fuzz fuzz-seeds

build:
	$(CARGO) build --release --workspace --bins

## Build and open the dashboard on devnet.toml (resumes the cluster if it exists).
## `make run ENGINE=tendermint` (or pow, pbft, hotstuff) runs another engine on the same file.
run: build
	./target/release/devnet up --config $(CONFIG) $(if $(ENGINE),--engine $(ENGINE))

## The node image the docker backend runs (`devnet up --backend docker` builds it when missing).
image: build
	./target/release/devnet image

## Every test: unit, simulation, and real-process integration tests.
## The docker backend's test runs when a Docker engine answers; otherwise it
## prints "SKIPPED ..." with the reason and passes.
## tmux drives the dashboard in the UI tests; headless Chromium loads `devnet report`'s page.
test:
	command -v tmux >/dev/null || (apt-get update && apt-get install -y tmux)
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace

## Coverage-guided fuzzing (fuzz/, nightly + cargo fuzz): every target for
## FUZZ_SECONDS each, starting from the seeds in fuzz/corpus/; fails on the
## first crash (the input is saved under fuzz/artifacts/). What the fuzzer
## learns goes to fuzz/target/corpus/, not into the repository.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = gasper_codec tendermint_codec pow_codec gossip restore journal verify config scenario faults keymap run_record
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

## Randomized faults on a real devnet: `make chaos ENGINE=tendermint SEED=7 FOR=10m`.
## A failure is shrunk and written under chaos/ as a scenario `devnet run` replays.
FOR ?= 5m
chaos: build
	./target/release/devnet chaos --engine $(or $(ENGINE),gasper) --for $(FOR) $(if $(SEED),--seed $(SEED))

## The deliberately broken build (gasper never writes its slashing-protection
## record): `devnet chaos` must fail it and shrink the schedule. Exits 0
## when chaos caught it, 1 when it did not.
chaos-mutant: build
	$(CARGO) build --release -p devnet-node --features mutant-skip-protection-write --target-dir target/mutant
	rm -rf target/mutant/chaos
	if DEVNET_NODE_BIN=target/mutant/release/devnet-node ./target/release/devnet chaos --engine gasper \
		--seed $(or $(SEED),19) --for 60s --max-runs 25 --tries 3 --out target/mutant/chaos; then \
		echo "chaos-mutant: the broken build PASSED chaos: not caught"; exit 1; \
	else ls target/mutant/chaos/*-min.toml && echo "chaos-mutant: caught and shrunk"; fi

## The deterministic simulations over many seeds per engine (SOAK_SEEDS, default 10000).
SOAK_SEEDS ?= 10000
soak:
	SIM_SEEDS=$(SOAK_SEEDS) $(CARGO) test --profile soak -p devnet-node --test it -- --nocapture --test-threads 2 sim_soak tendermint_soak pow_soak pbft_soak hotstuff_soak

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## What CI runs.
ci:
	bash .ci/run

clean:
	$(CARGO) clean

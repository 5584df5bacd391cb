# The two commands the README promises. The logic lives in xtask/ (Rust).
.PHONY: run test dev bench setup build

run:   ## set up, build (release) and serve on http://127.0.0.1:3000
	cargo xtask run

test:  ## set up, then every check and test
	cargo xtask test

dev:   ## cargo leptos watch (installs cargo-leptos on first use)
	cargo xtask dev

bench: ## the benchmarks (release build; SQLite and the local PostgreSQL)
	cargo xtask bench

setup:
	cargo xtask setup

build:
	cargo xtask build

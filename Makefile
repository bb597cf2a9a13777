.PHONY: setup run test lint bench contracts
setup: ; ./scripts/setup
run: ; ./scripts/run
test: ; ./scripts/test
lint: ; ./scripts/lint
bench: ; ./scripts/bench
contracts: ; cd contracts && npm run build

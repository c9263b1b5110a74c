# flowmesh: `make demo` runs the whole pipeline on the embedded stack; `make test` runs the tests.
# Both install what is missing first (scripts/setup.sh: Debian packages, npm packages, native builds).

.PHONY: setup demo test bench typecheck stack clean

setup:
	@scripts/setup.sh

demo: setup
	node bin/flowmesh.js demo

test: setup
	scripts/test.sh

bench: setup
	scripts/bench.sh

typecheck: setup
	npx tsc -p tsconfig.json --noEmit

stack: setup
	node bin/flowmesh.js stack

clean:
	rm -rf bpf/.output tools/mockbroker/mockbroker

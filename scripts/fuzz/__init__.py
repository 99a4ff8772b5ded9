"""The fuzz session (``nox -s fuzz``): modules from the WebAssembly testsuite, ``wasm-tools
smith`` and our own generator (corpus, smith, gen), mutated (mutate), run under random engine
options (configs) with host imports (hosts) and every export exercised with random arguments
(values, exercise) as recorded statements (recorder, support, case), in worker processes
(worker, driver); findings deduplicated with reproducers (report, minimize)."""

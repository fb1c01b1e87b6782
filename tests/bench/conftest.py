# The benchmarks are scripts (`python -m tests.bench.run_all`), not tests: pytest never
# collects them, even when pointed at this folder.
collect_ignore_glob = ["*.py"]

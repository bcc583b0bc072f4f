"""Benchmarks: `make bench` runs bench/run.py (ingest) and every bench/bench_*.py module."""

"""Benchmarks print their figures; run them with `make bench`."""

"""Benchmarks, run as modules from the repository root (see README.md here): `python -m benchmarks.bench_x`."""

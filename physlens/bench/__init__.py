"""Benchmarks and the results store: tasks x methods x seeds x noise -> records."""

"""Benchmarks of okr against a floor and a peer measured in the same run: `make bench`."""

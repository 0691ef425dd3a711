"""`make bench`: the hot paths measured against the machine's own limits (see benchmarks/run.py)."""

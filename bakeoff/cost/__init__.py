"""Money from measured time: cost probes at several sizes, the probe cache, the cost model."""

"""identity_graph: a unified identity service for government-style online service platforms."""

__version__ = "0.1.0"

"""External authorities behind Protocols (ARCHITECTURE §3): one file per vendor."""

"""Governance: the hash-chained ledger of every event, and the schema publication gate."""

"""Drift detector: drift cases, mid-run version changes, schema-patch proposals, re-runs."""

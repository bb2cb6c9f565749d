"""Validator service: validates every landed batch, quarantines rejected records, emits one verdict."""

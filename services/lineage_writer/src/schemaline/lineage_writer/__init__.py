"""Lineage writer: records every run and output, answers lineage queries, exports OpenLineage."""

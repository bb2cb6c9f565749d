"""Pipeline stages bound to schema contracts: the extractor Lambda, the raw/GDP/KPI Glue jobs, the runner.

Stages depend on the ports in `ports` (an object store, a publisher, a schema source) and on the
SDK; whoever calls them (a Lambda context, a Glue job's `main`, the local runner's caller) wires
the concrete parts. See docs/pipelines.md.
"""

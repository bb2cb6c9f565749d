"""The schema registry: subjects, immutable versions, contracts, compatibility and the REST API."""

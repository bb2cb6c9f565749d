"""What deployed pipeline stages are wired with; pipelines themselves depend only on contracts and the SDK."""

"""Schema Resolver SDK, validation engine and compatibility engine."""

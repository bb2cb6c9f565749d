"""The schemaline command."""

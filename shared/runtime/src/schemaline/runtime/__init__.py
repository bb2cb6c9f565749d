"""Bus transports, consumer loop, settings, logging, tracing and storage helpers."""

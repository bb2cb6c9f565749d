"""The Confluent Schema Registry view of the registry: global ids, integer versions, modes, deletion."""

-- Local stack only: one database per service that keeps tables (the validator: its run pins).
-- Runs once, when the postgres volume is first initialised. The role comes from POSTGRES_USER.
CREATE DATABASE schemaline_registry;
CREATE DATABASE schemaline_validator;
CREATE DATABASE schemaline_drift;
CREATE DATABASE schemaline_lineage;
CREATE DATABASE schemaline_governance;
CREATE DATABASE schemaline_alerts;

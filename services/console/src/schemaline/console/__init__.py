"""The operator console: a web front end over the services' operator APIs, with the operator's token."""

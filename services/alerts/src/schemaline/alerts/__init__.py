"""Ops alerts: drift cases and failed runs, one notification per incident, to SNS and a webhook."""

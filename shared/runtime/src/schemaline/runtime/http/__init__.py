"""What every service's HTTP API shares: bearer tokens and roles, the error body, the app factory.

Imported only by the services that serve an API (and their tests): FastAPI stays out of the rest.
"""

"""`python -m schemaline.alerts [serve|migrate]`."""

from schemaline.alerts.spec import SPEC
from schemaline.runtime.process import main

if __name__ == "__main__":
    main(SPEC)

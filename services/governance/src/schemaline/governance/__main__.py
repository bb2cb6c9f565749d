"""`python -m schemaline.governance [serve|migrate]`."""

from schemaline.governance.spec import SPEC
from schemaline.runtime.process import main

if __name__ == "__main__":
    main(SPEC)

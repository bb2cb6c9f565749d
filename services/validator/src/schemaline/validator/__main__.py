"""`python -m schemaline.validator [serve|migrate]`."""

from schemaline.runtime.process import main
from schemaline.validator.spec import SPEC

if __name__ == "__main__":
    main(SPEC)

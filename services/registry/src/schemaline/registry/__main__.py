"""`python -m schemaline.registry [serve|migrate]`: the REST API and the gate's decisions."""

from schemaline.registry.spec import SPEC
from schemaline.runtime.process import main

if __name__ == "__main__":
    main(SPEC)

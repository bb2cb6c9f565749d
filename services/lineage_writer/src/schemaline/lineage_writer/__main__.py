"""`python -m schemaline.lineage_writer [serve|migrate]`."""

from schemaline.lineage_writer.spec import SPEC
from schemaline.runtime.process import main

if __name__ == "__main__":
    main(SPEC)

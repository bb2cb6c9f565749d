"""`python -m schemaline.console [serve]`: the console's pages on SCHEMALINE_CONSOLE_HTTP__PORT."""

from schemaline.console.spec import SPEC
from schemaline.runtime.process import main

if __name__ == "__main__":
    main(SPEC)

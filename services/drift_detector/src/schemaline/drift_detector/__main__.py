"""`python -m schemaline.drift_detector [serve|migrate]`."""

from schemaline.drift_detector.spec import SPEC
from schemaline.runtime.process import main

if __name__ == "__main__":
    main(SPEC)

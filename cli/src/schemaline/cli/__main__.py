import sys

from schemaline.cli.main import main

sys.exit(main())

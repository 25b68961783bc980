import sys

from theory.core.cli import main

sys.exit(main())

"""python -m dlgrade_public PATH: the public checks on your files (see the package's docstring)."""
import sys

from . import main

sys.exit(main())

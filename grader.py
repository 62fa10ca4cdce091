"""dlgrade's command line from a source checkout: `python grader.py PATH` (see dlgrade/cli.py)."""
import sys

from dlgrade.cli import entry_point

if __name__ == "__main__":
    sys.exit(entry_point())

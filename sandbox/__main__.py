"""`python -m dlgrade.sandbox`: does the OS sandbox run here? (exit 0: yes; 1: no, and why)"""
import sys

from .isolation import main

sys.exit(main())

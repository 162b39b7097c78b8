"""Thin launcher: ``python main.py`` is ``python -m madoguchi``."""

import sys

from madoguchi.__main__ import main

if __name__ == "__main__":
    sys.exit(main())

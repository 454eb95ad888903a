"""`python -m pyw2v` runs the command line."""
import sys

from pyw2v.cli import main

sys.exit(main())

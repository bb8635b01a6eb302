"""`python -m pmsite` runs the command line."""

from pmsite.cli import main

raise SystemExit(main())

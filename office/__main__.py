"""`python -m office`: the same program as `conectados` and `python -m conectados`."""

from office.cli import entry

entry()

"""`python -m conectados`: the program, as service units written by `conectados servicio` on
machines without the `conectados` script run it (and the tests and benchmarks do).

Only this script reaches up to the roof (office): no module of the ground floor imports it.
"""

from office.cli import entry

entry()

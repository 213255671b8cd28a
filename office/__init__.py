"""The roof: the `conectados` command line, the one place that builds the office from the
settings (office.build), status and the demo. It imports the domain packages; nothing
imports it."""

from conectados.cli import entry

entry()

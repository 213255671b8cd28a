"""Conectados: the digital service office of a public-utility company."""

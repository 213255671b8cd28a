"""Every contract fixture says where it comes from and carries the payload (tests/contracts/)."""

from __future__ import annotations

import pytest
from contract_files import CONTRACTS, contract_file


@pytest.mark.parametrize("path", sorted(CONTRACTS.glob("*.json")), ids=lambda path: path.name)
def test_each_fixture_names_its_source_and_has_a_body(path):
    found = contract_file(path.name)

    assert set(found) <= {"source", "status", "headers", "body"}
    assert "body" in found
    source = found["source"]
    assert "https://" in source or "observed" in source.lower() or "recorded" in source.lower()

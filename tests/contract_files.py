"""The networks' documented payloads in tests/contracts/: each file is
{"source": the page it comes from, "body": the payload as the page shows it, "status"?:
the HTTP status, "headers"?: answer headers}. Tests feed the bodies to the adapters and
the receiver, and compare the simulator's answers with them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACTS = Path(__file__).parent / "contracts"


def contract_file(name: str) -> dict[str, Any]:
    """A whole fixture: its source, body and, for an answer, status and headers."""
    return json.loads((CONTRACTS / name).read_text(encoding="utf-8"))


def contract(name: str) -> Any:
    """The documented payload of fixture `name`."""
    return contract_file(name)["body"]


def contract_bytes(name: str) -> bytes:
    """The payload as a body on the wire (what a signed webhook delivery carries)."""
    return json.dumps(contract(name), ensure_ascii=False).encode("utf-8")

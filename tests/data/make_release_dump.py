"""Write the SQL dump of a database filled by this release of Conectados (see README.md).

PYTHONPATH=$PWD python tests/data/make_release_dump.py tests/data/base-0.1.0.sql
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from filled_office import fill_office


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = fill_office(Path(folder) / "oficina")
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            dump = "\n".join(connection.iterdump()) + "\n"
        finally:
            connection.close()
    target.write_text(dump, encoding="utf-8")
    print(f"{target}: {len(dump.encode())} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

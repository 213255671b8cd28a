"""Which version of the responder's knowledge is in use, read without loading a protocol.

The files the catalogue is loaded from (the shipped folder with the company's on top, as
`protocol_files.load_catalogue` reads them), their `stat` for the daemon's cheap look each
round, and their digest: the same value as `learning.fingerprint` of the catalogue they load
into (tests/test_learning_reload.py checks it), computed from the bytes alone. Light on
purpose: `conectados status` reads it, and status must not import the templates (jinja2),
YAML or the models.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from conectados.db import UTCDateTime

SHIPPED = Path(__file__).parent / "protocols"
FILTERS_FILE = "_filtros.yaml"
MAX_PROTOCOL_BYTES = 256 * 1024
"""As `protocol_files.MAX_PROTOCOL_BYTES`: a bigger file does not load."""

learned_example = sa.table(
    "learnedexample",
    sa.column("id", sa.Integer),
    sa.column("decided_at", UTCDateTime),
)
learning_run = sa.table(
    "learningrun",
    sa.column("id", sa.Integer),
    sa.column("computed_at", UTCDateTime),
    sa.column("fingerprint", sa.String),
)


def protocol_paths(folder: Path | None) -> dict[str, Path]:
    """File name -> the file read for it: a company's file replaces the shipped one."""
    files = {path.name: path for path in sorted(SHIPPED.glob("*.yaml"))}
    if folder is not None:
        files.update({path.name: path for path in sorted(folder.glob("*.yaml"))})
        files.update({f"{path.stem}.yaml": path for path in sorted(folder.glob("*.yml"))})
    return files


def files_state(folder: Path | None) -> tuple:
    """What changes when a protocol file is edited, added, removed or replaced: one `stat`
    per file (the daemon looks at it every round)."""
    seen = []
    for name, path in sorted(protocol_paths(folder).items()):
        try:
            status = path.stat()
        except OSError:
            seen.append((name, str(path), None))
            continue
        seen.append((name, str(path), (status.st_mtime_ns, status.st_size, status.st_ino)))
    return folder is not None and folder.is_dir(), tuple(seen)


def files_fingerprint(folder: Path | None, company: dict) -> str:
    """`learning.fingerprint` of the catalogue these files load into (OSError if one cannot
    be read): every protocol's id (its file's name) and bytes, the filters' bytes, and the
    company's data."""
    files = protocol_paths(folder)
    digest = hashlib.sha256()
    protocols = sorted(
        (Path(name).stem, path) for name, path in files.items() if name != FILTERS_FILE
    )
    for protocol_id, path in protocols:
        digest.update(protocol_id.encode())
        digest.update(path.read_bytes())
    if FILTERS_FILE in files:
        digest.update(files[FILTERS_FILE].read_bytes())
    digest.update(json.dumps(company, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def folder_problem(folder: Path | None) -> str | None:
    """A first look at the company's files (YAML that reads, a mapping whose `id` is the
    file's name), without the templates: what breaks a folder most often. The service's full
    load says the rest."""
    if folder is None:
        return None
    import yaml  # only when the company has its own protocols

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for name, path in sorted(protocol_paths(folder).items()):
        if path.parent == SHIPPED:
            continue
        try:
            if not path.is_file() or path.stat().st_size > MAX_PROTOCOL_BYTES:
                return f"{path.name} no es un archivo de protocolo (o pasa de 256 KB)"
            node = yaml.compose(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            return f"{path.name} no se puede leer o no es YAML válido"
        if name == FILTERS_FILE:
            continue
        fields = {}
        if isinstance(node, yaml.MappingNode):
            fields = {
                key.value: value.value
                for key, value in node.value
                if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode)
            }
        if fields.get("id") != path.stem:
            return f"{path.name}: el campo id debe ser «{path.stem}», como el nombre del archivo"
    return None


@dataclass(frozen=True)
class ResponderVersion:
    """What `status` says the responder uses: the protocols, the examples, the thresholds."""

    fingerprint: str | None = None
    """The protocols and company data's digest (None: the protocol files cannot be read)."""
    examples: int | None = None
    """Learned examples (None: no database yet)."""
    run: int | None = None
    """The thresholds' run in use (None: the factory thresholds)."""
    run_at: str | None = None
    """When that run was computed, in the company's zone."""
    problem: str | None = None
    """Why the protocols or the database could not be read, in Spanish."""

    @property
    def line(self) -> str:
        """«protocolos 3f2a9c1b · 412 ejemplos aprendidos · umbrales n.º 7 (del …)»."""
        if self.fingerprint is None:
            return f"no se pudieron leer los protocolos: {self.problem}"
        parts = [f"protocolos {self.fingerprint[:8]}"]
        if self.examples is None:
            return " · ".join([*parts, self.problem or ""])
        parts.append(f"{self.examples} ejemplos aprendidos")
        if self.run is None:
            parts.append("umbrales de fábrica: ejecute «conectados protocols evaluate»")
        else:
            parts.append(f"umbrales n.º {self.run} (del {self.run_at})")
        return " · ".join(parts)


def responder_version(
    folder: Path | None,
    company: dict,
    connection: sa.Connection | None,
    zone,
    waiting: str = "sin base de datos todavía",
) -> ResponderVersion:
    """The version the service uses (it reloads within one round of a change); `connection`
    None: the database cannot be read yet, for the reason `waiting`."""
    if folder is not None and not folder.is_dir():
        return ResponderVersion(
            problem=f"la carpeta {folder} no existe; créela o corrija [respuestas] "
            "carpeta_protocolos"
        )
    problem = folder_problem(folder)  # first: it refuses what must not be read whole
    if problem is not None:
        return ResponderVersion(
            problem=f"{problem}; el servicio sigue con la última versión que leyó bien "
            "(«conectados protocols list» dice qué corregir)"
        )
    try:
        current = files_fingerprint(folder, company)
    except OSError as error:
        return ResponderVersion(problem=f"{error.filename}: {error.strerror}")
    if connection is None:
        return ResponderVersion(current, problem=waiting)
    examples = connection.execute(sa.select(sa.func.count()).select_from(learned_example))
    run = connection.execute(
        sa.select(learning_run.c.id, learning_run.c.computed_at)
        .where(learning_run.c.fingerprint == current)
        .order_by(learning_run.c.id.desc())
        .limit(1)
    ).first()
    return ResponderVersion(
        current,
        examples.scalar_one(),
        run.id if run else None,
        _when(run.computed_at, zone) if run else None,
    )


def _when(moment: datetime, zone) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

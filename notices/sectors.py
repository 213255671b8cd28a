"""The company's sectors (barrios and veredas, with their other names), from `sectores.yaml`.

```yaml
sectores:
  - nombre: Centro
    tipo: barrio          # barrio | vereda
    alias: [El Centro, Centro Histórico]
```

Read bounded (conectados.userfiles), every value kept with its line so a mistake is named
«archivo:línea: campo». A name or alias is compared without case, accents, punctuation or
extra spaces, and belongs to one sector only. A missing file is an empty list that says so.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from conectados.errors import BadInput
from conectados.spanish import spanish_list
from conectados.userfiles import MB, UserFileError, read_user_text

MAX_BYTES = 1 * MB
KINDS = ("barrio", "vereda")
FIELDS = ("nombre", "tipo", "alias")
MAX_NAME = 200
"""A consent's sector column holds 200 characters."""

log = logging.getLogger("conectados.notices")
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def sector_key(text: str) -> str:
    """ "Centro Histórico!" -> "centro historico": how names are compared (linear)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    out: list[str] = []
    space = True
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char.isalnum():
            out.append(char)
            space = False
        elif not space:
            out.append(" ")
            space = True
    return "".join(out).strip()


@dataclass(frozen=True)
class Sector:
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    line: int = 0


@dataclass
class Sectors:
    """The list, and the lookup of a name or alias as a citizen or the team writes it."""

    items: list[Sector] = field(default_factory=list)
    missing: bool = False
    path: Path | None = None
    _index: dict[str, Sector] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for sector in self.items:
            for spelled in (sector.name, *sector.aliases):
                self._index.setdefault(sector_key(spelled), sector)

    def __len__(self) -> int:
        return len(self.items)

    def names(self) -> list[str]:
        return [sector.name for sector in self.items]

    def find(self, text: str) -> Sector | None:
        """The sector named `text` (its name or an alias, case and accents aside)."""
        return self._index.get(sector_key(text))

    def resolve(self, text: str, field: str) -> list[Sector]:
        """Every sector in `text` («Centro, Norte», «Centro / Norte», «Centro y Norte»,
        «Centro e Industrial»), in order, once each; BadInput naming the first unknown one and
        listing the known. A name that holds «y» («San Pedro y San Pablo») is one sector."""
        found: list[Sector] = []
        for part in text.replace("/", ",").split(","):
            if not part.strip():
                continue
            whole = self.find(part)
            for spelled in [part] if whole else _joined(part):
                sector = whole or self.find(spelled)
                if sector is None:
                    raise BadInput(
                        f"«{spelled.strip()[:80]}» no es un sector de la lista; {self.known()}",
                        None,
                        field,
                    )
                if sector not in found:
                    found.append(sector)
        if not found:
            raise BadInput(f"falta el sector; {self.known()}", None, field)
        return found

    def known(self, most: int = 30) -> str:
        """ "los sectores son: Centro, Norte y La Esperanza" (the first `most`)."""
        if not self.items:
            where = f" ({self.path})" if self.path else ""
            return f"la lista de sectores está vacía o no existe{where}"
        names = self.names()
        shown = names[:most] + ([f"{len(names) - most} más"] if len(names) > most else [])
        return f"los sectores son: {spanish_list(shown)}"


_AND = frozenset({"y", "e"})


def _joined(text: str) -> list[str]:
    """ "Centro y Norte" -> ["Centro", "Norte"]: the pieces between the words «y» and «e»."""
    pieces: list[list[str]] = [[]]
    for word in text.split():
        if word.lower() in _AND and pieces[-1]:
            pieces.append([])
        else:
            pieces[-1].append(word)
    return [" ".join(piece) for piece in pieces if piece]


def load_sectors(path: Path) -> Sectors:
    """The company's list; a missing file is an empty list with `missing` set."""
    try:
        text = read_user_text(path, MAX_BYTES, "la lista de sectores")
    except UserFileError as error:
        if error.errno == 2:  # ENOENT: no list yet
            return Sectors(missing=True, path=path)
        raise
    return Sectors(parse_sectors(text, str(path)), path=path)


# --- reading the YAML with its lines ------------------------------------------------------


class _Node:
    __slots__ = ("items", "line", "pairs", "value")

    def __init__(self, line: int, value: str | None = None) -> None:
        self.line, self.value = line, value
        self.items: list[_Node] | None = None  # a sequence
        self.pairs: list[tuple[_Node, _Node]] | None = None  # a mapping


def _compose(text: str, where: str) -> _Node | None:
    root: _Node | None = None
    stack: list[_Node] = []
    keys: list[_Node | None] = []
    try:
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.ScalarEvent):
                node = _Node(line, event.value)
            elif isinstance(event, yaml.SequenceStartEvent):
                node = _Node(line)
                node.items = []
            elif isinstance(event, yaml.MappingStartEvent):
                node = _Node(line)
                node.pairs = []
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                stack.pop()
                keys.pop()
                continue
            elif isinstance(event, yaml.AliasEvent):
                raise BadInput(
                    "no use alias de YAML (*nombre); escriba el valor completo", f"{where}:{line}"
                )
            else:
                continue
            if not stack:
                root = node
            elif stack[-1].items is not None:
                stack[-1].items.append(node)
            elif keys[-1] is None:
                keys[-1] = node
            else:
                stack[-1].pairs.append((keys[-1], node))  # type: ignore[union-attr]
                keys[-1] = None
            if node.value is None:
                stack.append(node)
                keys.append(None)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        raise BadInput(
            "no es YAML válido cerca de esta línea; revise la sangría, los dos puntos y las "
            "comillas",
            f"{where}:{line}",
        ) from None
    return root


def parse_sectors(text: str, where: str) -> list[Sector]:
    """The sectors of a `sectores.yaml` text; BadInput «archivo:línea: campo: …» if wrong."""
    root = _compose(text, where)
    if root is None or (root.value is not None and not root.value.strip()):
        return []
    if root.pairs is None:
        raise BadInput(
            "el archivo debe empezar con «sectores:» y debajo la lista", f"{where}:{root.line}"
        )
    listed: _Node | None = None
    for key, value in root.pairs:
        if key.value != "sectores":
            raise BadInput(
                "clave desconocida; en el primer nivel solo va «sectores»",
                f"{where}:{key.line}",
                str(key.value)[:40],
            )
        listed = value
    if listed is None or (listed.value is not None and not listed.value.strip()):
        return []
    if listed.items is None:
        raise BadInput(
            "debe ser una lista: cada sector empieza con «- nombre:»",
            f"{where}:{listed.line}",
            "sectores",
        )
    sectors: list[Sector] = []
    owners: dict[str, tuple[str, int]] = {}
    for item in listed.items:
        sector = _sector(item, where)
        for spelled in (sector.name, *sector.aliases):
            key = sector_key(spelled)
            if key in owners:
                owner, line = owners[key]
                same = "está repetido" if owner == sector.name else f"ya es de «{owner}»"
                raise BadInput(
                    f"«{spelled}» {same} (línea {line}); cada nombre o alias va en un solo sector",
                    f"{where}:{sector.line}",
                    "nombre" if spelled == sector.name else "alias",
                )
            owners[key] = (sector.name, sector.line)
        sectors.append(sector)
    return sectors


def _sector(item: _Node, where: str) -> Sector:
    if item.pairs is None:
        raise BadInput(
            "cada sector tiene la forma «- nombre: ...» con tipo y alias debajo",
            f"{where}:{item.line}",
        )
    values: dict[str, _Node] = {}
    for key, value in item.pairs:
        name = str(key.value or "").strip().lower()
        at = f"{where}:{key.line}"
        if name not in FIELDS:
            raise BadInput(f"campo desconocido; use {spanish_list(FIELDS)}", at, name[:40] or "?")
        if name in values:
            raise BadInput(f"está dos veces (ya en la línea {values[name].line})", at, name)
        values[name] = value
    if "nombre" not in values:
        raise BadInput("falta el nombre del sector", f"{where}:{item.line}", "nombre")
    name = _text(values["nombre"], where, "nombre")
    kind_node = values.get("tipo")
    kind = _text(kind_node, where, "tipo").lower() if kind_node else "barrio"
    if kind not in KINDS:
        raise BadInput(
            f"«{kind[:40]}» no es un tipo; use {spanish_list(KINDS)}",
            f"{where}:{kind_node.line}",
            "tipo",
        )  # type: ignore[union-attr]
    aliases: list[str] = []
    alias_node = values.get("alias")
    if alias_node is not None:
        nodes = alias_node.items if alias_node.items is not None else [alias_node]
        for node in nodes:
            alias = _text(node, where, "alias")
            if alias not in aliases:
                aliases.append(alias)
    return Sector(name, kind, tuple(aliases), item.line)


def _text(node: _Node, where: str, field: str) -> str:
    at = f"{where}:{node.line}"
    if node.value is None:
        raise BadInput("debe ser un texto", at, field)
    text = " ".join(node.value.split())
    if not sector_key(text):
        raise BadInput("está vacío", at, field)
    if len(text) > MAX_NAME:
        raise BadInput(f"es demasiado largo (máximo {MAX_NAME} caracteres)", at, field)
    return text


class SectorFile:
    """The list as the daemon reads it: again only when the file changed (one `stat` per
    look). A list with a mistake is logged once and the last good one stays in use until it
    is fixed: a bad edit must not leave subscribers without their sectors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._sectors = Sectors(missing=True, path=path)

    def current(self) -> Sectors:
        try:
            status = self.path.stat()
        except OSError:
            self._seen, self._sectors = None, Sectors(missing=True, path=self.path)
            return self._sectors
        seen = (status.st_mtime_ns, status.st_size)
        if seen != self._seen:
            try:
                self._sectors = load_sectors(self.path)
            except BadInput as error:  # once per change of the file: `_seen` moves on
                log.error(
                    "la lista de sectores no se pudo leer; se sigue usando la anterior "
                    "(%d sector(es)) hasta que se corrija: %s",
                    len(self._sectors),
                    error,
                )
            self._seen = seen
        return self._sectors

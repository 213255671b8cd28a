"""Reading the protocol files: the shipped catalogue in `responders/protocols/`, with a
company's folder (`[respuestas] carpeta_protocolos`) replacing files with the same `id` and
adding new ones. A file that is wrong stops the load with one Spanish sentence naming the
file, line and field."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

from conectados.errors import BadInput, ManyBadInputs
from conectados.userfiles import KB, read_user_text
from responders.normalize import normalize, stems_of, words_of
from responders.protocols import (
    CONSULTATION_FIELDS,
    FIELDS,
    FILTER_GROUPS,
    PATTERN_GROUPS,
    PQR_TYPES,
    Catalogue,
    Filters,
    Key,
    Protocol,
    ProtocolAction,
    sample_context,
    template_environment,
    template_problem,
)

SHIPPED = Path(__file__).parent / "protocols"
FILTERS_FILE = "_filtros.yaml"
MAX_PROTOCOL_BYTES = 256 * KB
"""The longest shipped protocol is a few KB; this leaves room and refuses /dev/zero."""


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """The shipped protocols, with the company's folder (if any) replacing and adding files."""
    problems: list[BadInput] = []
    files = {path.name: path for path in sorted(SHIPPED.glob("*.yaml"))}
    if folder is not None:
        if not folder.is_dir():
            raise BadInput(
                "la carpeta de protocolos no existe; créela o corrija [respuestas] carpeta_protocolos",
                str(folder),
            )
        files.update({path.name: path for path in sorted(folder.glob("*.yaml"))})
        files.update({f"{path.stem}.yaml": path for path in sorted(folder.glob("*.yml"))})
    catalogue = Catalogue()
    environment = template_environment()
    for name, path in sorted(files.items()):
        try:
            if name == FILTERS_FILE:
                catalogue.filters = _read_filters(path)
                continue
            protocol = _read_protocol(path, environment)
        except ManyBadInputs as error:
            problems.extend(error.problems)
            continue
        except BadInput as error:
            problems.append(error)
            continue
        catalogue.protocols[protocol.id] = protocol
    if problems:
        raise ManyBadInputs(problems)
    if not catalogue.protocols:
        raise BadInput("no hay ningún protocolo de respuesta", str(folder or SHIPPED))
    return catalogue


def _compose(path: Path) -> tuple[str, yaml.MappingNode]:
    text = read_user_text(path, MAX_PROTOCOL_BYTES, "un protocolo .yaml")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise BadInput(
            "tiene demasiadas listas o campos unos dentro de otros; un protocolo tiene campos "
            "«nombre: valor» y listas de textos",
            str(path),
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise BadInput(
            f"no es YAML válido ({getattr(error, 'problem', None) or error}); revise la sangría y los dos puntos",
            where,
        ) from None
    if not isinstance(node, yaml.MappingNode):
        raise BadInput("debe ser una lista de campos «nombre: valor»", f"{path}:1")
    return text, node


def _fields(path: Path, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, int]]:
    found: dict[str, tuple[yaml.Node, int]] = {}
    for key, value in node.value:
        name, line = str(key.value), key.start_mark.line + 1
        if name in found:
            raise BadInput(
                f"está escrito dos veces (también en la línea {found[name][1]}); deje uno",
                f"{path}:{line}",
                name,
            )
        found[name] = (value, line)
    return found


def _scalar(path: Path, fields, name: str, required: bool = True) -> tuple[str, int]:
    if name not in fields:
        if required:
            raise BadInput("falta este campo", f"{path}:1", name)
        return "", 1
    node, line = fields[name]
    if not isinstance(node, yaml.ScalarNode):
        raise BadInput("debe ser un texto", f"{path}:{line}", name)
    if node.tag == "tag:yaml.org,2002:null" or node.value in ("~", "null"):
        return "", line
    return str(node.value), line


def _read_protocol(path: Path, environment: SandboxedEnvironment) -> Protocol:
    _, node = _compose(path)
    fields = _fields(path, node)
    problems: list[BadInput] = []
    for name, (_, line) in fields.items():
        if name not in FIELDS:
            problems.append(
                BadInput(
                    f"campo desconocido; los campos son {', '.join(FIELDS)}", f"{path}:{line}", name
                )
            )
    protocol_id, id_line = _scalar(path, fields, "id")
    if protocol_id != path.stem:
        problems.append(
            BadInput(
                f"debe ser «{path.stem}», como el nombre del archivo", f"{path}:{id_line}", "id"
            )
        )
    name, _ = _scalar(path, fields, "nombre")
    description, _ = _scalar(path, fields, "descripcion", required=False)
    action_text, action_line = _scalar(path, fields, "accion")
    try:
        action = ProtocolAction(action_text)
    except ValueError:
        problems.append(
            BadInput("debe ser responder, radicar o revisar", f"{path}:{action_line}", "accion")
        )
        action = ProtocolAction.REVIEW
    priority, priority_line = _scalar(path, fields, "prioridad", required=False)
    if priority not in ("", "normal", "baja"):
        problems.append(BadInput("debe ser normal o baja", f"{path}:{priority_line}", "prioridad"))
    reports, reports_line = _scalar(path, fields, "responde_reportes", required=False)
    if reports.lower() not in ("", "si", "sí", "no", "true", "false"):
        problems.append(BadInput("debe ser si o no", f"{path}:{reports_line}", "responde_reportes"))
    causal, _ = _scalar(path, fields, "causal", required=False)
    pqr_type, pqr_line = _scalar(path, fields, "tipo_pqr", required=False)
    if pqr_type and pqr_type not in PQR_TYPES:
        problems.append(
            BadInput(f"debe ser uno de {', '.join(PQR_TYPES)}", f"{path}:{pqr_line}", "tipo_pqr")
        )
    keys = _read_keys(path, fields, "claves", problems)
    examples = _read_list(path, fields, "ejemplos", problems)
    templates = []
    for template_field in ("respuesta_publica", "respuesta_privada"):
        source, line = _scalar(path, fields, template_field)
        templates.append(_compile(path, line, template_field, source, environment, problems))
    consultation = _read_consultation(path, fields, action, environment, problems)
    if problems:
        raise ManyBadInputs(problems)
    protocol = Protocol(
        id=protocol_id,
        name=name,
        action=action,
        description=description,
        keys=tuple(keys),
        examples=tuple(examples),
        public_template=templates[0],
        private_template=templates[1],
        source=str(path),
        pqr_type=pqr_type or None,
        causal=causal or None,
        example_stems=tuple(frozenset(normalize(example).stems) for example in examples),
        low_priority=priority == "baja",
        answers_reports=reports.lower() in ("si", "sí", "true"),
    )
    if consultation is None:
        return protocol
    keys_found, public, private = consultation
    answer = replace(
        protocol,
        name=f"Consulta: {name}",
        action=ProtocolAction.ANSWER,
        keys=(),
        examples=(),
        example_stems=(),
        public_template=public,
        private_template=private,
        pqr_type=None,
        causal=None,
    )
    return replace(protocol, consultation=answer, consultation_keys=tuple(keys_found))


def _read_consultation(
    path: Path,
    fields,
    action: ProtocolAction,
    environment: SandboxedEnvironment,
    problems: list[BadInput],
) -> tuple[list[Key], jinja2.Template, jinja2.Template] | None:
    """`consulta_claves`, `consulta_publica` and `consulta_privada`: all three or none, in a
    protocol that files or reviews (one that answers needs no second answer)."""
    given = [field for field in CONSULTATION_FIELDS if field in fields]
    if not given:
        return None
    line = fields[given[0]][1]
    missing = [field for field in CONSULTATION_FIELDS if field not in fields]
    if missing:
        problems.append(
            BadInput(
                f"una consulta lleva los tres campos {', '.join(CONSULTATION_FIELDS)}; falta "
                f"{', '.join(missing)}",
                f"{path}:{line}",
                missing[0],
            )
        )
        return None
    if action == ProtocolAction.ANSWER:
        problems.append(
            BadInput(
                "solo un protocolo que radica o revisa lleva consulta; este ya responde",
                f"{path}:{line}",
                given[0],
            )
        )
        return None
    keys = []
    for phrase in _read_list(path, fields, "consulta_claves", problems):
        stems = stems_of(words_of(phrase))
        if not stems:
            problems.append(
                BadInput(
                    f"«{phrase}» no tiene ninguna palabra con significado",
                    f"{path}:{fields['consulta_claves'][1]}",
                    "consulta_claves",
                )
            )
            continue
        keys.append(Key(phrase, stems, 0.0))
    templates = []
    for template_field in ("consulta_publica", "consulta_privada"):
        source, template_line = _scalar(path, fields, template_field)
        templates.append(
            _compile(path, template_line, template_field, source, environment, problems)
        )
    return keys, templates[0], templates[1]


def _read_keys(path: Path, fields, name: str, problems: list[BadInput]) -> list[Key]:
    if name not in fields:
        problems.append(BadInput("falta este campo (frase: peso)", f"{path}:1", name))
        return []
    node, line = fields[name]
    if not isinstance(node, yaml.MappingNode):
        problems.append(BadInput("debe ser una lista «frase: peso»", f"{path}:{line}", name))
        return []
    keys = []
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        where = f"{path}:{line}"
        phrase = str(key_node.value)
        if phrase in seen:
            problems.append(
                BadInput(
                    f"«{phrase}» está repetida (también en la línea {seen[phrase]})", where, name
                )
            )
            continue
        seen[phrase] = line
        try:
            weight = float(value_node.value)
            if not math.isfinite(weight) or abs(weight) > 100:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(BadInput(f"el peso de «{phrase}» debe ser un número", where, name))
            continue
        stems = stems_of(words_of(phrase))
        if not stems:
            problems.append(
                BadInput(f"«{phrase}» no tiene ninguna palabra con significado", where, name)
            )
            continue
        keys.append(Key(phrase, stems, weight))
    return keys


def _read_list(path: Path, fields, name: str, problems: list[BadInput]) -> list[str]:
    if name not in fields:
        return []
    node, line = fields[name]
    if not isinstance(node, yaml.SequenceNode) or not all(
        isinstance(item, yaml.ScalarNode) for item in node.value
    ):
        problems.append(
            BadInput("debe ser una lista de textos («- texto»)", f"{path}:{line}", name)
        )
        return []
    return [str(item.value) for item in node.value]


def _compile(
    path: Path,
    line: int,
    name: str,
    source: str,
    environment: SandboxedEnvironment,
    problems: list[BadInput],
) -> jinja2.Template:
    try:
        template = environment.from_string(source)
        template.render(sample_context())
        empty = sample_context() | {
            "autor": "",
            "avisos": [],
            "sector": "",
            "radicado": "",
            "fecha_limite": "",
            "estado": "",
            "adjuntos": 0,
        }
        template.render(empty)
    except jinja2.TemplateSyntaxError as error:
        problems.append(
            BadInput(
                f"la plantilla tiene un error de escritura ({_syntax(error)}); revise que cada "
                "«{{» tenga su «}}» y cada «{% if %}» su «{% endif %}»",
                f"{path}:{line + (error.lineno or 1)}",
                name,
            )
        )
    except jinja2.TemplateError as error:  # undefined names, the sandbox refused something
        problems.append(BadInput(template_problem(error), f"{path}:{line}", name))
    else:
        return template
    return environment.from_string("")


def _syntax(error: jinja2.TemplateSyntaxError) -> str:
    message = error.message or ""
    if "unexpected end of template" in message:
        return "la plantilla termina antes de cerrar un bloque"
    if "Encountered unknown tag" in message:
        tag = re.search(r"unknown tag '([^']+)'", message)
        return f"«{tag.group(1) if tag else '?'}» no es una instrucción de plantilla"
    if "unexpected" in message:
        return "hay una llave o un signo de más o de menos"
    return "algo no está bien escrito"


def _read_filters(path: Path) -> Filters:
    _, node = _compose(path)
    fields = _fields(path, node)
    problems: list[BadInput] = []
    groups = {}
    for name in FILTER_GROUPS:
        groups[name] = tuple(_read_keys(path, fields, name, problems)) if name in fields else ()
    patterns = {name: _read_patterns(path, fields, name, problems) for name in PATTERN_GROUPS}
    for name, (_, line) in fields.items():
        if name not in groups and name not in patterns:
            known = ", ".join(FILTER_GROUPS + PATTERN_GROUPS)
            problems.append(
                BadInput(f"campo desconocido; los campos son {known}", f"{path}:{line}", name)
            )
    if problems:
        raise ManyBadInputs(problems)
    return Filters(
        other_services=groups["otros_servicios"],
        ours=groups["nuestro_servicio"],
        spam=groups["spam"],
        insults=groups["insultos"],
        discontent=groups["inconformidad"],
        discontent_patterns=patterns["patrones_inconformidad"],
        other_service_patterns=patterns["patrones_fuera_de_alcance"],
        source=str(path),
    )


def _read_patterns(
    path: Path, fields, name: str, problems: list[BadInput]
) -> tuple[re.Pattern[str], ...]:
    """Regular expressions, matched against the message's folded words joined by spaces."""
    if name not in fields:
        return ()
    node, line = fields[name]
    if not isinstance(node, yaml.SequenceNode):
        problems.append(
            BadInput("debe ser una lista de expresiones («- expresión»)", f"{path}:{line}", name)
        )
        return ()
    patterns = []
    for item in node.value:
        where = f"{path}:{item.start_mark.line + 1}"
        try:
            patterns.append(re.compile(str(item.value)))
        except re.error as error:
            problems.append(
                BadInput(f"la expresión «{item.value}» no es válida ({error.msg})", where, name)
            )
    return tuple(patterns)

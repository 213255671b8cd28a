"""Checking a calendar: every problem in the file at once, before anything reaches a network."""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from channels.specs import display_name, network_called, spec
from conectados.dates import CALENDAR_FORMATS, clock_change, read_local
from conectados.errors import BadInput
from conectados.privacy import OwnTexts
from conectados.settings_sections import ChannelMode
from content_calendar.media_check import MediaChecker, personal_data_warnings
from content_calendar.problems import Problem
from content_calendar.source import (
    FIELDS,
    NETWORKS,
    RawCalendar,
    RawEntry,
    read_calendar,
    read_calendar_data,
    shown_field,
    split_list,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 100
FAR_AHEAD = timedelta(days=400)


@dataclass(frozen=True)
class KnownPost:
    """What the database already has for an id: where it came from and when it goes out."""

    scheduled_at: datetime
    source_file: str
    line: int


@dataclass(frozen=True)
class CalendarEntry:
    """A post as the calendar plans it, checked and ready to import."""

    id: str
    scheduled_at: datetime
    networks: tuple[str, ...]
    text: str
    variants: dict[str, str]
    media: tuple[str, ...]
    campaign: str | None
    source_file: str
    line: int

    def text_for(self, network: str) -> str:
        return self.variants.get(network) or self.text


@dataclass
class CheckResult:
    path: Path
    entries: list[CalendarEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejected: list[CalendarEntry] = field(default_factory=list)
    """Entries with errors whose date could be read: the preview still shows them."""
    by_entry: dict[int, list[Problem]] = field(default_factory=dict)
    """The problems of each entry, by the line where the entry starts."""
    unreadable: BadInput | None = None
    """Why the file itself could not be read: then there is nothing else to show."""

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.warning]

    def problems_of(self, entry: CalendarEntry) -> list[Problem]:
        return self.by_entry.get(entry.line, [])


class CalendarChecker:
    """Checks calendar files against the networks' rules and the company's settings.

    `own_contacts` are the company's phones and addresses: quoting them in a post is fine.
    `known` are the posts already imported: their past dates are no error as long as the
    file keeps them (it is the daemon's business whether they went out), and an id that
    came from another file is pointed out.
    """

    def __init__(
        self,
        zone: str,
        media_dir: Path,
        now: datetime,
        own_contacts: Iterable[str] = (),
        known: Mapping[str, KnownPost] | None = None,
        facebook_without_app_id: bool = False,
        instagram_without_media_url: bool = False,
    ) -> None:
        self.zone = zone
        self.media_dir = media_dir
        self.now = now
        self.own_contacts = OwnTexts(own_contacts)
        self.known = dict(known or {})
        self.media = MediaChecker(media_dir, facebook_without_app_id, instagram_without_media_url)

    def check_file(self, path: Path) -> CheckResult:
        return self._check(read_calendar(path), path, str(path.resolve()))

    def check_data(self, data: bytes, name: str) -> CheckResult:
        """A calendar's bytes (a file uploaded to the web office), known by `name`
        («web:diciembre.csv»): its suffix says the format, the problems name it, and the
        posts remember it as the file they came from, so uploading the same file again is
        the same file («ya se importó desde…», the posts it no longer has)."""
        return self._check(read_calendar_data(data, Path(name)), Path(name), name)

    def _check(self, raw: RawCalendar, path: Path, source: str) -> CheckResult:
        self.media.start_file()
        result = CheckResult(path, problems=list(raw.problems), unreadable=raw.unreadable)
        zone = self._zone(raw, result)
        first_line: dict[str, int] = {}
        for entry in raw.entries:
            entry_id = entry.id
            if entry_id and entry_id in first_line:
                result.problems.append(
                    Problem(
                        str(path),
                        entry.line_of("id"),
                        entry_id,
                        f"el id «{entry_id}» ya se usó en la línea {first_line[entry_id]}; cada publicación necesita un id propio",
                    )
                )
                continue
            if entry_id:
                first_line[entry_id] = entry.line_of("id")
            self._check_entry(raw, source, entry, zone, result)
        if not raw.entries and not result.problems:
            result.problems.append(
                Problem(str(path), 1, None, "el calendario no tiene publicaciones", warning=True)
            )
        result.problems = self.media.told_once(result.problems)
        result.by_entry = {
            line: self.media.told_once(problems) for line, problems in result.by_entry.items()
        }
        result.problems.sort(key=lambda problem: problem.line)
        return result

    def _zone(self, raw: RawCalendar, result: CheckResult) -> zoneinfo.ZoneInfo:
        name = raw.zone or self.zone
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            result.problems.append(
                Problem(
                    str(raw.path),
                    raw.zone_line,
                    None,
                    f"zona horaria desconocida «{name}»; use por ejemplo America/Bogota",
                )
            )
            return zoneinfo.ZoneInfo(self.zone)

    def _check_entry(
        self,
        raw: RawCalendar,
        file: str,
        entry: RawEntry,
        zone: zoneinfo.ZoneInfo,
        result: CheckResult,
    ) -> None:
        entry_id = entry.id
        before = len(result.errors)
        misspelt: set[str] = set()

        def error(name: str, message: str, warning: bool = False) -> None:
            if name in misspelt and name not in entry.values:
                return  # already reported as the misspelt field it stands for
            cell = shown_field(name) if name in FIELDS else None  # an unknown one: said already
            problem = Problem(
                str(raw.path), entry.line_of(name), entry_id, message, warning, field=cell
            )
            result.problems.append(problem)
            result.by_entry.setdefault(entry.line, []).append(problem)

        for name in entry.values:
            if name not in FIELDS:
                close = difflib.get_close_matches(name, FIELDS, n=1)
                hint = f"; ¿quiso decir «{shown_field(close[0])}»?" if close else ""
                error(name, f"campo desconocido «{name}»{hint}")
                misspelt.update(close)
        for name, problem in entry.notes:
            error(name, problem, warning=True)

        known = self.known.get(entry_id or "")
        if entry_id is None:
            error("id", "falta el campo id (una clave única, por ejemplo ahorro-agua-01)")
        elif len(entry_id) > MAX_ID_LENGTH or not ID_PATTERN.match(entry_id):
            error(
                "id",
                f"el id «{entry_id}» solo puede tener minúsculas sin tildes, números y guiones (por ejemplo ahorro-agua-01)",
            )
        elif known is not None and known.source_file != file:
            # Spreadsheets export under a new name each time: the same id is the same post,
            # but say so, in case it is another post that happens to share the id.
            error(
                "id",
                f"el id «{entry_id}» ya se importó desde {known.source_file}:{known.line}; este archivo lo reemplaza (si es otra publicación, use otro id)",
                warning=True,
            )

        scheduled = self._date(entry, zone, known, error)
        networks = self._networks(entry, error)
        texts = self._texts(entry, networks, error)
        media = self._media_files(entry, networks, error)
        campaign = _text(entry.values.get("campana")) or None

        if scheduled is None:
            return
        checked = CalendarEntry(
            id=entry_id or f"línea-{entry.line}",
            scheduled_at=scheduled,
            networks=networks,
            text=texts.get("", ""),
            variants={network: text for network, text in texts.items() if network},
            media=media,
            campaign=campaign,
            source_file=file,
            line=entry.line,
        )
        if len(result.errors) > before or entry_id is None:
            result.rejected.append(checked)
        else:
            result.entries.append(checked)

    def _date(
        self, entry: RawEntry, zone: zoneinfo.ZoneInfo, known: KnownPost | None, error
    ) -> datetime | None:
        written = _text(entry.values.get("fecha"))
        if not written:
            error("fecha", "falta la fecha (por ejemplo 2026-12-01 08:00, en hora local)")
            return None
        local = read_local(written, CALENDAR_FORMATS, calendar=True)
        if local is None:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}", written):
                error(
                    "fecha",
                    f"a la fecha «{written}» le falta la hora (por ejemplo {written} 08:00)",
                )
            else:
                error(
                    "fecha",
                    f"la fecha «{written}» no se entiende; escríbala como 2026-12-01 08:00 (o 01/12/2026 08:00)",
                )
            return None
        try:
            # Local time in the calendar's zone, unless the date says its own offset.
            moment = (local if local.tzinfo else local.replace(tzinfo=zone)).astimezone(UTC)
            shift = None if local.tzinfo else clock_change(local, zone)
        except (OverflowError, ValueError):
            error("fecha", f"la fecha «{written}» está fuera del calendario")
            return None
        if shift == "gap":
            error(
                "fecha",
                f"la hora de la fecha «{written}» no existe en {zone.key}: ese día el reloj se "
                "adelanta (cambio de horario); escoja una hora antes o después del cambio",
            )
            return None
        if shift == "twice":
            # fold=0, what replace() gave: the first of the two, before the clock goes back.
            error(
                "fecha",
                f"la hora de la fecha «{written}» ocurre dos veces en {zone.key} porque ese día "
                "el reloj se atrasa; se publicará la primera vez (antes del cambio de horario)",
                warning=True,
            )
        unchanged = known is not None and known.scheduled_at == moment
        if moment <= self.now and not unchanged:
            error(
                "fecha",
                f"la fecha {written} ya pasó; una publicación debe programarse para más adelante",
            )
        elif moment - self.now > FAR_AHEAD:
            error(
                "fecha",
                f"la fecha {written} es dentro de más de un año; revise el año",
                warning=True,
            )
        return moment

    def _networks(self, entry: RawEntry, error) -> tuple[str, ...]:
        value = entry.values.get("redes")
        names = split_list(value) if isinstance(value, str) else list(value or [])
        if not names:
            error(
                "redes",
                f"falta redes: la lista de redes donde se publica ({', '.join(NETWORKS)})",
            )
            return ()
        found: list[str] = []
        for name in names:
            network = network_called(name)
            if network not in NETWORKS:
                error("redes", f"red desconocida «{name}»; las redes son: {', '.join(NETWORKS)}")
            elif network not in found:
                found.append(network)
        return tuple(found)

    def _texts(self, entry: RawEntry, networks: tuple[str, ...], error) -> dict[str, str]:
        texts = {"": _text(entry.values.get("texto"))}
        for network in NETWORKS:
            variant = _text(entry.values.get(f"texto_{network}"))
            if not variant:
                continue
            if network not in networks:
                error(
                    f"texto_{network}",
                    f"texto_{network} no se usará: {display_name(network)} no está en redes",
                    warning=True,
                )
            texts[network] = variant
        for network in networks:
            text = texts.get(network) or texts[""]
            if not texts[""] and network not in texts:
                error("texto", f"falta el texto (o texto_{network} para {display_name(network)})")
                continue
            for problem in spec(network).post_text_problems(text, own_variant=network in texts):
                error(f"texto_{network}" if network in texts else "texto", problem)
        for key, text in texts.items():
            for problem in personal_data_warnings(self.own_contacts, text):
                error(f"texto_{key}" if key else "texto", problem, warning=True)
        return texts

    def recheck(self, entry: CalendarEntry) -> list[Problem]:
        """The text and media problems of an entry already imported (files may have changed)."""
        problems: list[Problem] = []

        def error(message: str, warning: bool = False) -> None:
            problems.append(Problem(entry.source_file, entry.line, entry.id, message, warning))

        for network in entry.networks:
            for problem in spec(network).post_text_problems(
                entry.text_for(network), own_variant=network in entry.variants
            ):
                error(problem)
        for text in {entry.text, *entry.variants.values()}:
            for problem in personal_data_warnings(self.own_contacts, text):
                error(problem, warning=True)
        self.media.check(list(entry.media), entry.networks, error)
        return problems

    def _media_files(self, entry: RawEntry, networks: tuple[str, ...], error) -> tuple[str, ...]:
        value = entry.values.get("medios")
        names = split_list(value, ";|") if isinstance(value, str) else list(value or [])
        self.media.check(
            names, networks, lambda message, warning=False: error("medios", message, warning)
        )
        return tuple(names)


def checker_for(
    settings, now: datetime, known: Mapping[str, KnownPost] | None = None
) -> CalendarChecker:
    """The checker for a company: its zone, its media folder, its own contacts."""
    company = settings.company
    facebook = settings.channels.facebook
    instagram = settings.channels.instagram
    return CalendarChecker(
        zone=settings.timezone,
        media_dir=settings.media_dir,
        now=now,
        own_contacts=[*company.phones, company.whatsapp, company.email],
        known=known,
        facebook_without_app_id=(
            facebook.enabled and facebook.mode == ChannelMode.REAL and not facebook.app_id.strip()
        ),
        instagram_without_media_url=(
            instagram.enabled and instagram.mode == ChannelMode.REAL and not instagram.media_url
        ),
    )


def with_networks(entry: CalendarEntry, networks: tuple[str, ...]) -> CalendarEntry:
    return replace(entry, networks=networks)


def _text(value: str | list[str] | None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value).strip()
    return value.strip()

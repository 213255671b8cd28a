"""A calendar entry's media, checked against each network's media rules, and the personal
data a post's text should not carry: the checks of `content_calendar.check` that look past
the calendar file itself (the media folder, the company's own contacts)."""

from __future__ import annotations

import errno
import unicodedata
from dataclasses import replace
from pathlib import Path, PurePosixPath

from channels.media import MediaFile, is_reel, media_path
from channels.specs import display_name, spec
from conectados.privacy import OwnTexts
from conectados.userfiles import UserFileError
from content_calendar.problems import Problem

NEEDS_APP_ID = (
    "para Facebook: «{name}» no va como Reel (un Reel es vertical y dura de 3 a 90 segundos), "
    "y para subir los demás videos hace falta el identificador de la app de Meta: escríbalo "
    "en app_id, en [channels.facebook] de conectados.toml, o esta publicación fallará"
)


NEEDS_MEDIA_URL = (
    "para Instagram: Meta descarga las imágenes desde una dirección pública y url_medios está "
    "vacío en [channels.instagram] de conectados.toml: escriba allí la dirección donde se sirve "
    "la carpeta de medios, o {which} (los Reels no la necesitan)"
)


def needs_media_url(posts: int) -> str:
    """The url_medios warning, said once for a file: on its first image post for Instagram,
    with how many there are (one line per post buried the other problems)."""
    which = (
        "esta publicación fallará"
        if posts == 1
        else f"fallarán esta publicación y las otras {posts - 1} con imágenes para Instagram "
        "de este archivo"
    )
    return NEEDS_MEDIA_URL.format(which=which)


class MediaChecker:
    """Finds and inspects each media file once, however many entries name it."""

    def __init__(
        self,
        media_dir: Path,
        facebook_without_app_id: bool = False,
        instagram_without_media_url: bool = False,
    ) -> None:
        self.media_dir = media_dir
        self.facebook_without_app_id = facebook_without_app_id
        self.instagram_without_media_url = instagram_without_media_url
        """Instagram is on, in real mode, with url_medios empty: Meta cannot fetch images."""
        """Facebook is on, in real mode, with [channels.facebook] app_id empty: a video that
        is not a Reel cannot go up (the Resumable Upload API needs the app)."""
        self._media: dict[str, MediaFile | str] = {}
        self.posts_without_media_url = 0
        """Image posts for Instagram in the file being checked, while url_medios is empty."""

    def start_file(self) -> None:
        self.posts_without_media_url = 0

    def told_once(self, problems: list[Problem]) -> list[Problem]:
        """`problems` with the url_medios warning (said on the first post) counting them all."""
        if self.posts_without_media_url < 2:
            return problems
        first, counted = needs_media_url(1), needs_media_url(self.posts_without_media_url)
        return [
            replace(problem, message=counted) if problem.message == first else problem
            for problem in problems
        ]

    def check(self, names: list[str], networks: tuple[str, ...], error) -> None:
        files: list[MediaFile] = []
        for name in names:
            found = self._media_file(name)
            if isinstance(found, str):
                error(found)
                continue
            files.append(found)
            if found.kind == "video" and found.seconds is None:
                error(
                    f"no se pudo leer cuánto dura «{name}»; revise que el video se abra bien",
                    warning=True,
                )
        reported: set[str] = set()
        for network in networks:
            rules = spec(network).media
            for note in rules.review(files, complete=len(files) == len(names)):
                problem = note.message
                if problem.endswith("reconocible"):  # the same for every network: say it once
                    if problem not in reported:
                        error(problem)
                    reported.add(problem)
                else:
                    error(f"para {display_name(network)}: {problem}", warning=note.warning)
            if network == "facebook" and self.facebook_without_app_id:
                for media in files:
                    if media.kind == "video" and not is_reel(media):
                        error(NEEDS_APP_ID.format(name=media.path.name), warning=True)
            images = any(media.kind == "image" for media in files)
            if network == "instagram" and self.instagram_without_media_url and images:
                self.posts_without_media_url += 1
                if self.posts_without_media_url == 1:  # the count is told by `told_once`
                    error(needs_media_url(1), warning=True)

    def _media_file(self, name: str) -> MediaFile | str:
        if name not in self._media:
            self._media[name] = self._find_media(name)
        return self._media[name]

    def _find_media(self, name: str) -> MediaFile | str:
        relative = PurePosixPath(name.replace("\\", "/"))
        if not name or relative.is_absolute() or ".." in relative.parts or "\0" in name:
            return f"«{name}» debe ser una ruta dentro de la carpeta de medios, sin «..» ni rutas absolutas"
        # A name typed on one system and saved on another may differ in its accents' form.
        for form in dict.fromkeys(
            (name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name))
        ):
            try:
                return MediaFile.inspect(media_path(self.media_dir, form))
            except UserFileError as error:
                if error.errno == errno.ENOENT:
                    continue
                return f"«{name}»: {error.problem}"
        return f"no existe el archivo «{name}» en la carpeta de medios ({self.media_dir})"


def personal_data_warnings(own_contacts: OwnTexts, text: str) -> list[str]:
    """Warnings for a citizen's phone, e-mail or document number in a public post."""
    found = own_contacts.theirs(text)  # the one detector for the office (Ley 1581)
    phones = [p.text for p in found if p.kind == "teléfono"]
    emails = [p.text for p in found if p.kind == "correo"]
    problems: list[str] = []
    if phones:
        problems.append(
            f"el texto parece tener un número de teléfono ({phones[0]}); una publicación no debe llevar datos personales"
        )
    if emails:
        problems.append(
            f"el texto parece tener un correo electrónico ({emails[0]}); una publicación no debe llevar datos personales"
        )
    if any(p.kind == "documento" for p in found):
        problems.append(
            "el texto parece tener un número de cédula; una publicación no debe llevar datos personales"
        )
    return problems

"""Reading files people name: regular files only, bounded in size, refused in Spanish.

Every file the program reads on a user's say-so (calendar, settings, protocols, an answer,
a media file) goes through here. The file is judged from its metadata before a byte is
read: a device (/dev/zero), a FIFO or a folder is refused, and so is a file larger than
the limit; then at most `limit + 1` bytes are read, so a file that grows meanwhile is
still capped.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from conectados.errors import BadInput

KB = 1024
MB = 1024 * KB
GB = 1024 * MB

# O_NONBLOCK: opening a FIFO with no writer must not wait for one. O_NOCTTY: a terminal
# device named by mistake must not become our controlling terminal.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class UserFileError(BadInput, OSError):
    """A file the user named cannot be used; the message says why and what to do.

    It is also an OSError (with the Spanish reason as `strerror`), so code that already
    copes with a file it cannot read (a channel adapter's guard, a thumbnail that falls
    back to a placeholder) copes with this one too. `errno` is the system's code when the
    system refused the file, None when we did (wrong type, too big, not UTF-8).
    """

    def __init__(
        self, problem: str, path: Path | str, line: int | None = None, code: int | None = None
    ) -> None:
        BadInput.__init__(self, problem, f"{path}:{line}" if line else str(path))
        self.path = Path(path)
        self.line = line
        self.errno = code
        self.strerror = problem
        self.filename = str(path)


_ERRNO_REASONS = {
    errno.ENOENT: "no existe; revise el nombre y la carpeta",
    errno.EACCES: "no hay permiso para usarlo; revise los permisos del archivo",
    errno.EPERM: "no hay permiso para usarlo; revise los permisos del archivo",
    errno.EISDIR: "es una carpeta, no un archivo",
    errno.ENOTDIR: "una parte de la ruta no es una carpeta; revise la ruta",
    errno.ENAMETOOLONG: "la ruta es demasiado larga; acórtela",
    errno.ELOOP: "es un enlace simbólico que da vueltas sin llegar a un archivo; corrija el enlace",
    errno.ENOSPC: "el disco está lleno; libere espacio",
    errno.EROFS: "el disco es de solo lectura; elija otra carpeta",
    errno.EIO: "el disco falló al leerlo o escribirlo (error de entrada y salida); revise el disco",
    errno.ENXIO: "es un dispositivo o una tubería sin nadie al otro lado, no un archivo común",
    errno.EEXIST: "ya existe algo con ese nombre; elija otro",
    errno.EADDRINUSE: "el puerto ya está en uso por otro programa; elija otro puerto o detenga ese programa",
    errno.EADDRNOTAVAIL: "esa dirección no es de esta máquina; revise la dirección",
}


def os_error_reason(error: OSError) -> str:
    """Why the system refused a file, in Spanish (never the system's English text)."""
    if isinstance(error, UserFileError):
        return error.problem
    code = error.errno or 0
    if code in _ERRNO_REASONS:
        return _ERRNO_REASONS[code]
    return f"el sistema no lo permitió (código {errno.errorcode.get(code, code)})"


def not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "es una carpeta, no un archivo"
    if stat.S_ISFIFO(mode):
        return "es una tubería (FIFO), no un archivo común"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "es un dispositivo, no un archivo común"
    if stat.S_ISSOCK(mode):
        return "es un socket, no un archivo común"
    return "no es un archivo común"


def size_text(size: int) -> str:
    """A file size as people read it in Colombia: 640 KB, 4,5 MB, 300 MB, 1 GB."""
    if size < MB:
        return f"{-(-size // KB)} KB"
    if size < 10 * MB:
        return _decimal(size / MB) + " MB"
    if size < GB:
        return f"{size // MB} MB"
    return _decimal(size / GB) + " GB"


def _decimal(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0").replace(".", ",")  # Colombian decimal comma


def _judge(path: Path, status: os.stat_result, limit: int | None, what: str) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise UserFileError(f"{not_regular(status.st_mode)}; indique la ruta de {what}", path)
    if limit is not None and status.st_size > limit:
        raise UserFileError(
            f"pesa {size_text(status.st_size)} y {what} no puede pasar de {size_text(limit)}; "
            "revise que sea el archivo correcto",
            path,
        )


def _system_error(path: Path, error: OSError | ValueError) -> UserFileError:
    if isinstance(error, ValueError):  # os functions refuse a path with a NUL in it
        shown = str(path).replace("\0", "\\0")
        return UserFileError("la ruta tiene un carácter no válido (nulo); revísela", shown)
    return UserFileError(os_error_reason(error), path, code=error.errno)


def check_user_file(path: Path, limit: int | None, what: str) -> int:
    """The size of `path` if it is a regular file within `limit`; UserFileError if not."""
    try:
        status = os.stat(path)
    except (OSError, ValueError) as error:
        raise _system_error(path, error) from None
    _judge(path, status, limit, what)
    return status.st_size


@contextlib.contextmanager
def open_user_file(path: Path, limit: int | None, what: str) -> Iterator[tuple[BinaryIO, int]]:
    """The open file and its size, once it is known to be a regular file within `limit`.

    Judged from `stat` before opening (a device is never opened) and again from the open
    descriptor (the name may have been pointed elsewhere in between).
    """
    check_user_file(path, limit, what)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as error:
        raise _system_error(path, error) from None
    try:
        status = os.fstat(descriptor)
        _judge(path, status, limit, what)
        handle = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with handle:
        yield handle, status.st_size


def read_user_bytes(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; UserFileError otherwise."""
    with open_user_file(path, limit, what) as (handle, _size):
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise _system_error(path, error) from None
    if len(data) > limit:
        raise UserFileError(
            f"creció mientras se leía y {what} no puede pasar de {size_text(limit)}; "
            "vuelva a intentarlo cuando el archivo esté completo",
            path,
        )
    return data


def decode_utf8(data: bytes, path: Path, advice: str = "guárdelo con codificación UTF-8") -> str:
    """The text of a file's bytes (a BOM is dropped); UserFileError naming the line if not UTF-8
    or if it holds a NUL byte (no text file does; it would reach the database and the networks)."""
    nul = data.find(b"\x00")
    if nul != -1:
        line = data[:nul].count(b"\n") + 1
        raise UserFileError(
            "tiene un carácter nulo (byte 0): no es un archivo de texto; revise que sea el "
            "archivo correcto",
            path,
            line,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UserFileError(f"el archivo no está en UTF-8; {advice}", path, line) from None


def read_user_text(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; UserFileError otherwise."""
    return decode_utf8(read_user_bytes(path, limit, what), path)


def path_inside(folder: Path, name: str, folder_name: str) -> Path:
    """The real path of `name` within `folder`, refused if it leads out of it.

    Symbolic links are followed first, so a link inside the folder that points outside it
    is refused like `..` or an absolute path; a link that stays inside is fine.
    """
    try:
        root = os.path.realpath(folder)
        target = os.path.realpath(os.path.join(root, name))
    except (OSError, ValueError) as error:
        raise _system_error(Path(name), error) from None
    if os.path.commonpath([root, target]) != root:
        raise UserFileError(
            f"queda fuera de {folder_name} ({root}), directamente o por un enlace simbólico; "
            "copie el archivo dentro de esa carpeta",
            name,
        )
    return Path(target)

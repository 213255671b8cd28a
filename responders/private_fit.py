"""A private reply made to fit the network's private message (Instagram's: 1,000 characters).

A comment with personal data is hidden and answered in private, and the public note has
already promised that message: a reply that waits for a person because the service notices
and the Ley 1581 notice made it too long breaks that promise. So the private text is tried in
shorter forms, in this order, and the first that fits goes:

1. every notice and the full privacy notice;
2. the notices condensed (the citizen's sector's, or the first, and «N avisos más», with the
   company's web page when configured) and the full privacy notice;
3. the notices condensed and the privacy notice's short form (still Ley 1581, the purpose and
   the policy's address when configured).

The privacy notice is never dropped to make room; when even the shortest form is too long, the
shortest goes to a person as before (`too_long`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from responders.policy import too_long


def short_privacy_notice(settings) -> str:
    """The data-treatment notice in a few words: who, what for, the law and the policy."""
    pqr = settings.pqr
    company = settings.company.name or "la empresa"
    notice = (
        f"Aviso de privacidad: {company} trata sus datos solo para atender su solicitud "
        "(Ley 1581 de 2012)."
    )
    if pqr.privacy_policy_url:
        notice += f" Política de datos: {pqr.privacy_policy_url}"
    return notice


def condensed_context(context: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The template values with one notice (the citizen's sector's, or the first) and the line
    that says how many more there are; the context unchanged and "" with one notice or none."""
    notices = context.get("avisos") or []
    if len(notices) <= 1:
        return context, ""
    sector = context.get("sector") or ""
    kept = next((notice for notice in notices if notice["sector"] == sector), notices[0])
    others = len(notices) - 1
    web = (context.get("empresa") or {}).get("web") or ""
    more = "otro aviso de servicio" if others == 1 else f"{others} avisos de servicio más"
    line = f"Hay {more}" + (f": véalos en {web}." if web else "; pregúntenos si le interesan.")
    return context | {"avisos": [kept]}, line


def with_notice(text: str, notice: str) -> str:
    return f"{text}\n\n{notice}" if text and notice else text


def fitted(network: str, candidates: Iterable[Callable[[], str]]) -> str:
    """The first candidate (built only when needed) that fits a private message on `network`;
    the last one when none does (a person shortens it)."""
    text = ""
    for candidate in candidates:
        text = candidate()
        if too_long(network, text, private=True) is None:
            return text
    return text

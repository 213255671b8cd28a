"""WhatsApp media for company-started messages: `POST /{phone-number-id}/media` uploads
(Meta's types and sizes; the simulator keeps the id, type, size and hash, never the bytes),
and the IMAGE or VIDEO header a template needs, checked against those uploads. Also the
Cloud API's error shape that every WhatsApp route answers with."""

from __future__ import annotations

import hashlib
from typing import Any

from channels.sandbox.graph_fields import graph_error
from channels.sandbox.http import HttpError, Request, Response
from channels.sandbox.whatsapp_world import WhatsAppWorld

MEDIA_LIMITS = {
    "image/jpeg": 5 * 1024 * 1024,
    "image/png": 5 * 1024 * 1024,
    "video/mp4": 16 * 1024 * 1024,
    "video/3gpp": 16 * 1024 * 1024,
}
"""What a template header may show, and how large (Meta's "supported media types": images
JPEG/PNG up to 5 MB, video MP4/3GPP up to 16 MB)."""


def cloud_error(code: int, message: str, details: str, status: int = 400) -> HttpError:
    """An error as the Cloud API answers it: Graph's shape plus `error_data`."""
    error = graph_error(code, message, status=status)
    error.response.body["error"]["error_data"] = {
        "messaging_product": "whatsapp",
        "details": details,
    }
    return error


def template_header(
    world: WhatsAppWorld, template: dict[str, Any], wanted: str | None
) -> dict[str, str] | None:
    """The media of a template's IMAGE or VIDEO header: a parameter of that type with
    the id of media uploaded to this number, or a link. Meta's pages do not say how an
    unknown media id fails; the simulator refuses it at once (131009), the stricter
    choice."""
    parameters: list[Any] = []
    for component in template.get("components") or []:
        if isinstance(component, dict) and component.get("type") == "header":
            parameters.extend(component.get("parameters") or [])
    expected = 1 if wanted else 0
    if wanted is None and parameters:
        raise cloud_error(
            132000,
            "(#132000) Number of parameters does not match the expected number of params",
            f"header: number of localizable_params ({len(parameters)}) does not match the expected number of params (0)",
        )
    if wanted is None:
        return None
    kind = wanted.lower()
    if len(parameters) != expected:
        raise cloud_error(
            131008,
            "(#131008) Required parameter is missing",
            f"header: one parameter of type {kind} is required",
        )
    [parameter] = parameters
    media = parameter.get(kind) if isinstance(parameter, dict) else None
    if (
        not isinstance(parameter, dict)
        or parameter.get("type") != kind
        or not isinstance(media, dict)
    ):
        raise cloud_error(
            132012,
            "(#132012) Parameter format does not match format in the created template",
            f"header: parameter must be of type {kind}",
        )
    media_id, link = media.get("id"), media.get("link")
    if isinstance(media_id, str) and media_id:
        upload = world.uploads.get(media_id)
        if upload is None or not upload["mime_type"].startswith(kind + "/"):
            raise cloud_error(
                131009,
                "(#131009) Parameter value is not valid",
                f"header: {kind} id {media_id!r} is not {kind} media uploaded to this phone number",
            )
        return {"type": kind, "id": media_id}
    if isinstance(link, str) and link.startswith(("https://", "http://")) and len(link) <= 2000:
        return {"type": kind, "link": link}
    raise cloud_error(
        131009,
        "(#131009) Parameter value is not valid",
        f"header: {kind} needs an id of uploaded media or an http(s) link",
    )


def upload_media(world: WhatsAppWorld, request: Request) -> Response:
    """`POST /{phone-number-id}/media` (multipart: file, type, messaging_product): the
    media id to use in a template header; Meta's types and sizes. The bytes are not kept."""
    if request.param("messaging_product") != "whatsapp":
        raise cloud_error(
            100, "(#100) Invalid parameter", "Param messaging_product must be 'whatsapp'"
        )
    upload = request.files.get("file")
    if upload is None:
        raise cloud_error(100, "(#100) The parameter file is required", "Param file is required")
    mime_type = request.param("type") or upload.content_type
    if mime_type not in MEDIA_LIMITS:
        listed = ", ".join(MEDIA_LIMITS)
        raise cloud_error(
            100,
            f"(#100) Param file must be a file with one of the following types: {listed}. "
            f"Received file of type '{mime_type}'.",
            f"Param type must be one of {listed}",
        )
    size, most = len(upload.data), MEDIA_LIMITS[mime_type]
    if not 0 < size <= most:
        # Meta's pages give the limits, not the error's wording: 131053 is its code for
        # a media upload that failed.
        raise cloud_error(
            131053,
            "(#131053) Media upload error",
            f"The file is {size} bytes; {mime_type} must be between 1 and {most} bytes",
        )
    media_id = world.new_media_id()
    world.uploads[media_id] = {
        "mime_type": mime_type,
        "file_size": size,
        "sha256": hashlib.sha256(upload.data).hexdigest(),
    }
    return Response(200, {"id": media_id})

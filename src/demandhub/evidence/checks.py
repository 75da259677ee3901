"""What the public may upload: the type is read from the bytes (never the name or the declared
type), and each kind has its own size limit."""

from __future__ import annotations

from dataclasses import dataclass

from demandhub.errors import DomainError, Invalid


class TooLarge(DomainError):
    status_code = 413


IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
VIDEO_TYPES = ("video/mp4", "video/webm", "video/quicktime")


def sniff(data: bytes) -> str | None:
    """The media type the bytes are, by their signature; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM (and Matroska, which browsers record as WebM)
        return "video/webm"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12]
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    return None


@dataclass(frozen=True)
class Limits:
    max_image_bytes: int
    max_video_bytes: int


def check_upload(data: bytes, *, limits: Limits, allowed: tuple[str, ...] = IMAGE_TYPES + VIDEO_TYPES,
                 field: str = "file") -> str:
    """The media type of an acceptable upload; 422 naming the problem for a wrong type or an
    empty file, 413 for one over its kind's limit."""
    if not data:
        raise Invalid("the file is empty", problems=[{"field": field, "message": "empty file"}])
    kind = sniff(data)
    if kind is None or kind not in allowed:
        names = ", ".join(t.split("/")[1].upper() for t in allowed)
        raise Invalid(f"this file is not one we accept; send {names}",
                      problems=[{"field": field, "message": f"type not accepted (accepted: {names})"}])
    limit = limits.max_image_bytes if kind.startswith("image/") else limits.max_video_bytes
    if len(data) > limit:
        raise TooLarge(f"the file is {len(data) / 1_048_576:.1f} MB; the largest accepted is "
                       f"{limit / 1_048_576:.0f} MB", problems=[{"field": field, "message": "too large"}])
    return kind

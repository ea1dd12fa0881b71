"""Private photos of a rash or a joint: checked by their bytes, re-encoded, stored outside static.

A photo is accepted only when Pillow decodes it as JPEG, PNG or WebP and it is at most
``MAX_PHOTO_BYTES``; the file name or the browser's content type are never trusted. It is
re-encoded before storage with none of the file's metadata (EXIF such as the GPS position a
phone camera writes, JPEG comments, ICC profiles, PNG text chunks), and turned upright first. Files live under ``settings.DATA_DIR / "private" /
"diary-photos"`` and are served only by the authenticated ``diary:photo`` view.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 5 * 1024 * 1024  # 5 MB: a phone photo fits; a video or a RAW file does not
MAX_PIXELS = 40_000_000  # refuse decompression bombs (a tiny file that decodes to a huge image)
ACCEPTED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class PhotoError(ValueError):
    """Why a photo was refused (shown on the ``photo`` field)."""


@dataclass(frozen=True, slots=True)
class CheckedPhoto:
    data: bytes  # the re-encoded image
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def photo_dir() -> Path:
    path = Path(settings.DATA_DIR) / "private" / "diary-photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_photo(raw: bytes) -> CheckedPhoto:
    """Decode, verify and re-encode ``raw``; ``PhotoError`` says what is wrong."""
    if len(raw) == 0:
        raise PhotoError("the file is empty")
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoError(f"the photo is {len(raw) / 1024 / 1024:.1f} MB; the limit is "
                         f"{MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("the image has too many pixels")
            probe.verify()  # structural check of the file; the image must be reopened after it
        if fmt not in ACCEPTED:
            raise PhotoError(f"{fmt or 'this'} images are not accepted; use JPEG, PNG or WebP")
        with Image.open(io.BytesIO(raw)) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
            clean = upright.convert("RGB") if fmt == "JPEG" else upright.copy()
            # Pillow writes what ``info`` carries (a JPEG comment, an ICC profile, PNG text) back
            # out on save: start from nothing, so only the pixels are stored.
            clean.info.clear()
            out = io.BytesIO()
            if fmt == "JPEG":
                clean.save(out, "JPEG", quality=90)
            else:
                clean.save(out, fmt)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError("this file is not an image we can read (JPEG, PNG or WebP)") from exc
    content_type, ext = ACCEPTED[fmt]
    return CheckedPhoto(out.getvalue(), content_type, ext, upright.width, upright.height)


def store(photo: CheckedPhoto) -> str:
    """Write the photo under an unguessable name; returns that name."""
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    (photo_dir() / name).write_bytes(photo.data)
    return name


def path_of(stored_name: str) -> Path:
    """The file of a stored photo; refuses names that would leave the photo directory."""
    base = photo_dir().resolve()
    path = (base / stored_name).resolve()
    if path.parent != base:
        raise PhotoError("invalid photo name")
    return path


def remove(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)

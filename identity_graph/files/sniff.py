"""What an uploaded file really is, read from its bytes (SPEC §6.1: checked by content, not name).

A name is whatever the uploader typed, so it never decides the type: ``scan.pdf`` holding ``MZ``
is a Windows executable and is reported as one so the caller can refuse it loudly. The only use
of the name is to tell a legacy ``.doc`` from a ``.xls`` once the bytes have proved the file is an
OLE2 compound file and its directory names no Word or Excel stream.

``is_corrupt`` is a separate, slower structural check (Pillow for images, the trailer for PDF,
CRCs for OOXML) meant to run in a worker thread.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Sniffed:
    """A detected type: its MIME type and the canonical extension it goes by."""

    mime: str
    extension: str


PDF = Sniffed("application/pdf", "pdf")
PNG = Sniffed("image/png", "png")
JPEG = Sniffed("image/jpeg", "jpg")
GIF = Sniffed("image/gif", "gif")
ZIP = Sniffed("application/zip", "zip")
DOCX = Sniffed("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = Sniffed("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
DOCM = Sniffed("application/vnd.ms-word.document.macroEnabled.12", "docm")
XLSM = Sniffed("application/vnd.ms-excel.sheet.macroEnabled.12", "xlsm")
OLE2 = Sniffed("application/x-ole-storage", "ole")
DOC = Sniffed("application/msword", "doc")
XLS = Sniffed("application/vnd.ms-excel", "xls")
WINDOWS_EXE = Sniffed("application/vnd.microsoft.portable-executable", "exe")
ELF = Sniffed("application/x-elf", "elf")
MACH_O = Sniffed("application/x-mach-binary", "macho")
SCRIPT = Sniffed("text/x-shellscript", "sh")

EXECUTABLES = frozenset({WINDOWS_EXE, ELF, MACH_O, SCRIPT})

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC: tuple[tuple[bytes, Sniffed], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"MZ", WINDOWS_EXE),
    (b"\x7fELF", ELF),
    (b"\xfe\xed\xfa\xce", MACH_O),
    (b"\xfe\xed\xfa\xcf", MACH_O),
    (b"\xce\xfa\xed\xfe", MACH_O),
    (b"\xcf\xfa\xed\xfe", MACH_O),
    (b"#!", SCRIPT),
)
# OLE2 directory entries store stream names in UTF-16LE.
_OLE2_STREAMS = (("WordDocument".encode("utf-16-le"), DOC), ("Workbook".encode("utf-16-le"), XLS))
_OLE2_BY_NAME = {"doc": DOC, "xls": XLS}
# Readers (Acrobat first) accept %%EOF anywhere in the last 1024 bytes of the file.
_PDF_TAIL = 1024
# Damaged archives surface as any of these from zipfile and the decompressors beneath it.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    ValueError,
    EOFError,
    RuntimeError,
    NotImplementedError,
)
# Declared sizes bound the work testzip() does, so a zip bomb cannot pin a worker thread.
_MAX_UNZIPPED = 64 * 1024 * 1024


def sniff(data: bytes, filename: str = "") -> Sniffed | None:
    """The type ``data`` really has, or None when it is none we recognise."""
    if data.startswith(_ZIP_MAGIC):
        return _sniff_zip(data)
    if data.startswith(_OLE2_MAGIC):
        return _sniff_ole2(data, filename)
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def is_executable(sniffed: Sniffed) -> bool:
    """Whether the type is a program, which no document slot ever accepts."""
    return sniffed in EXECUTABLES


def is_corrupt(data: bytes, sniffed: Sniffed) -> bool:
    """Whether a file of a recognised type fails its structural check."""
    if sniffed in (PNG, JPEG):
        return not _image_is_sound(data, sniffed)
    if sniffed == PDF:
        return b"%%EOF" not in data[-_PDF_TAIL:]
    if sniffed in (DOCX, XLSX):
        return not _zip_is_sound(data)
    return False


def _sniff_zip(data: bytes) -> Sniffed | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except _ZIP_ERRORS:
        return None
    if "[Content_Types].xml" not in names:
        return ZIP
    for prefix, plain, macro in (("word/", DOCX, DOCM), ("xl/", XLSX, XLSM)):
        if any(name.startswith(prefix) for name in names):
            return macro if f"{prefix}vbaProject.bin" in names else plain
    return ZIP


def _sniff_ole2(data: bytes, filename: str) -> Sniffed:
    for stream, kind in _OLE2_STREAMS:
        if stream in data:
            return kind
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    return _OLE2_BY_NAME.get(extension, OLE2)


def _image_is_sound(data: bytes, sniffed: Sniffed) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        if sniffed == JPEG:
            _decode_jpeg_thumbnail(data)
    except Exception:  # Pillow signals damage with many unrelated exception types.
        return False
    return True


def _decode_jpeg_thumbnail(data: bytes) -> None:
    # verify() only reads JPEG headers; decoding at 1/8 scale finds truncated scans cheaply.
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()


def _zip_is_sound(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED:
                return False
            return archive.testzip() is None
    except _ZIP_ERRORS:
        return False

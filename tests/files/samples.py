"""Real sample files built in memory, so the sniffing tests exercise genuine formats."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 118 + b"PE\x00\x00"


def image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A gradient picture encoded by Pillow in ``fmt`` (PNG, JPEG, GIF)."""
    width, height = size
    picture = Image.new("RGB", size)
    picture.putdata(
        [(x * 255 // width, y * 255 // height, 128) for y in range(height) for x in range(width)]
    )
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return buffer.getvalue()


def png() -> bytes:
    return image("PNG")


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    return image("JPEG", size)


def gif() -> bytes:
    return image("GIF")


def pdf(padding: int = 0) -> bytes:
    """A minimal valid PDF: header, one catalog object, xref with true offsets, trailer, %%EOF."""
    head = b"%PDF-1.4\n" + (b"%" + b"x" * (padding - 2) + b"\n" if padding >= 2 else b"")
    body = b"1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    xref = b"xref\n0 2\n0000000000 65535 f \n%010d 00000 n \n" % len(head)
    trailer = b"trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % len(head + body)
    return head + body + xref + trailer


def pdf_of_size(total: int) -> bytes:
    """A valid PDF padded to exactly ``total`` bytes (offsets grow digits, so pad twice)."""
    first = pdf(padding=total - len(pdf()))
    return pdf(padding=total - len(pdf()) - (len(first) - total))


def office_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _content_types(main: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{main}" ContentType="application/xml"/></Types>'
    ).encode()


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    document = (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>Authorisation</w:t></w:r></w:p></w:body></w:document>"
    )
    entries = {"[Content_Types].xml": _content_types("word/document.xml")}
    entries.update({"_rels/.rels": b"<Relationships/>", "word/document.xml": document})
    return office_zip(entries | (extra or {}))


def xlsx() -> bytes:
    return office_zip(
        {
            "[Content_Types].xml": _content_types("xl/workbook.xml"),
            "xl/workbook.xml": b"<workbook/>",
        }
    )


def ole2(stream: str = "") -> bytes:
    """An OLE2 header sector, then a directory sector naming ``stream`` (UTF-16LE) if given."""
    header = OLE2_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    directory = "Root Entry".encode("utf-16-le") + stream.encode("utf-16-le")
    return header.ljust(512, b"\x00") + directory.ljust(512, b"\x00")

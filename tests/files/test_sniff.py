"""Type detection by content and the structural corruption checks."""

from __future__ import annotations

import pytest

from identity_graph.files import sniff as s
from tests.files import samples


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.png(), s.PNG),
        (samples.jpeg(), s.JPEG),
        (samples.gif(), s.GIF),
        (samples.pdf(), s.PDF),
        (samples.docx(), s.DOCX),
        (samples.xlsx(), s.XLSX),
        (samples.EXECUTABLE, s.WINDOWS_EXE),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 57, s.ELF),
        (b"\xcf\xfa\xed\xfe" + b"\x00" * 28, s.MACH_O),
        (b"#!/bin/sh\nrm -rf /\n", s.SCRIPT),
    ],
    ids=["png", "jpeg", "gif", "pdf", "docx", "xlsx", "exe", "elf", "mach-o", "script"],
)
def test_recognises_formats_by_magic(data: bytes, expected: s.Sniffed) -> None:
    assert s.sniff(data, "upload.bin") == expected


def test_name_never_decides_the_type() -> None:
    assert s.sniff(samples.png(), "x.pdf") == s.PNG
    assert s.sniff(samples.EXECUTABLE, "scan.pdf") == s.WINDOWS_EXE


@pytest.mark.parametrize("data", [s.WINDOWS_EXE, s.ELF, s.MACH_O, s.SCRIPT])
def test_programs_are_reported_as_executable(data: s.Sniffed) -> None:
    assert s.is_executable(data)


@pytest.mark.parametrize("data", [s.PNG, s.PDF, s.DOCX, s.GIF])
def test_documents_are_not_executable(data: s.Sniffed) -> None:
    assert not s.is_executable(data)


@pytest.mark.parametrize("data", [b"", b"hello world", b"\x00" * 32, b"PK\x03\x04garbage"])
def test_unknown_content_is_none(data: bytes) -> None:
    assert s.sniff(data, "letter.pdf") is None


def test_zip_without_office_parts_is_a_plain_zip() -> None:
    assert s.sniff(samples.office_zip({"word/document.xml": b"<x/>"}), "a.docx") == s.ZIP


def test_macro_enabled_word_is_not_docx() -> None:
    data = samples.docx({"word/vbaProject.bin": b"\x00"})
    assert s.sniff(data, "letter.docx") == s.DOCM


@pytest.mark.parametrize(
    ("stream", "name", "expected"),
    [
        ("WordDocument", "letter.xls", s.DOC),
        ("Workbook", "letter.doc", s.XLS),
        ("", "letter.DOC", s.DOC),
        ("", "letter.xls", s.XLS),
        ("", "letter.pdf", s.OLE2),
        ("", "", s.OLE2),
    ],
)
def test_ole2_streams_first_then_name(stream: str, name: str, expected: s.Sniffed) -> None:
    assert s.sniff(samples.ole2(stream), name) == expected


def test_name_extension_alone_is_not_ole2() -> None:
    assert s.sniff(b"\x00" * 1024, "letter.doc") is None


@pytest.mark.parametrize(
    ("data", "sniffed"),
    [
        (samples.png(), s.PNG),
        (samples.jpeg(), s.JPEG),
        (samples.pdf(), s.PDF),
        (samples.docx(), s.DOCX),
        (samples.xlsx(), s.XLSX),
        (samples.ole2("WordDocument"), s.DOC),
    ],
    ids=["png", "jpeg", "pdf", "docx", "xlsx", "doc"],
)
def test_sound_files_are_not_corrupt(data: bytes, sniffed: s.Sniffed) -> None:
    assert not s.is_corrupt(data, sniffed)


def test_png_signature_then_garbage_is_corrupt() -> None:
    assert s.is_corrupt(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, s.PNG)


def test_png_with_flipped_byte_fails_crc() -> None:
    data = bytearray(samples.png())
    data[40] ^= 0xFF
    assert s.is_corrupt(bytes(data), s.PNG)


def test_truncated_jpeg_is_corrupt() -> None:
    data = samples.jpeg((400, 300))
    assert s.is_corrupt(data[: len(data) * 9 // 10], s.JPEG)


def test_pdf_without_eof_marker_is_corrupt() -> None:
    assert s.is_corrupt(samples.pdf().replace(b"%%EOF", b""), s.PDF)


def test_pdf_eof_marker_must_be_near_the_end() -> None:
    assert s.is_corrupt(samples.pdf() + b"\x00" * 2048, s.PDF)


def test_docx_with_damaged_entry_is_corrupt() -> None:
    data = samples.docx()
    start = data.index(b"word/document.xml") + len(b"word/document.xml")
    damaged = data[:start] + bytes(b ^ 0x55 for b in data[start : start + 20]) + data[start + 20 :]
    assert s.is_corrupt(damaged, s.DOCX)

"""DocumentStore: per-kind types and sizes, error codes, content-hashed storage."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.i18n import CORE_MESSAGES, Translator
from identity_graph.files.service import (
    MESSAGES,
    DocumentKind,
    DocumentStore,
    StoredDocument,
    sanitize_filename,
)
from identity_graph.files.storage import LocalFolderStorage
from tests.files import samples

MB = 1_048_576
ID_KINDS = [DocumentKind.ID_FRONT, DocumentKind.ID_BACK, DocumentKind.HOLDING_ID_PHOTO]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def store(root: Path) -> DocumentStore:
    return DocumentStore(LocalFolderStorage(root))


async def _refusal(
    store: DocumentStore, kind: DocumentKind, name: str, data: bytes, field: str = "file"
) -> tuple[str, str, dict[str, object]]:
    with pytest.raises(ValidationFailed) as caught:
        await store.save(kind, name, data, field)
    error = caught.value.errors[0]
    return error.code, error.field, dict(error.params)


def _stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_saves_png_under_its_hash(store: DocumentStore) -> None:
    data = samples.png()
    saved = await store.save(DocumentKind.ID_FRONT, "front.png", data)
    digest = hashlib.sha256(data).hexdigest()
    assert saved == StoredDocument(
        digest, DocumentKind.ID_FRONT, "image/png", len(data), digest, "front.png"
    )
    assert await store.read(saved.key) == data


async def test_type_comes_from_content_not_name(store: DocumentStore) -> None:
    saved = await store.save(DocumentKind.OTHER, "x.pdf", samples.png())
    assert saved.mime == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("id.jpeg", samples.jpeg(), "image/jpeg"),
        ("licence.pdf", samples.pdf(), "application/pdf"),
    ],
)
async def test_images_and_pdf_accepted(
    store: DocumentStore, name: str, data: bytes, mime: str
) -> None:
    assert (await store.save(DocumentKind.BUSINESS_LICENCE, name, data)).mime == mime


async def test_renamed_executable_is_refused(store: DocumentStore) -> None:
    code, field, _ = await _refusal(store, DocumentKind.OTHER, "scan.pdf", samples.EXECUTABLE)
    assert (code, field) == ("FILE_EXECUTABLE", "file")


async def test_renamed_executable_is_refused_even_where_office_files_are_allowed(
    store: DocumentStore, root: Path
) -> None:
    letter = DocumentKind.AUTHORISATION_LETTER
    code, _, _ = await _refusal(store, letter, "letter.doc", samples.EXECUTABLE)
    assert code == "FILE_EXECUTABLE"
    assert _stored_files(root) == []


async def test_oversized_pdf(store: DocumentStore) -> None:
    data = samples.pdf(padding=5 * MB)
    code, field, params = await _refusal(store, DocumentKind.BUSINESS_LICENCE, "big.pdf", data)
    assert (code, field) == ("FILE_TOO_LARGE", "file")
    assert params == {"max_bytes": 5 * MB, "max_mb": "5"}


@pytest.mark.parametrize("kind", ID_KINDS)
async def test_id_scans_capped_at_one_megabyte(store: DocumentStore, kind: DocumentKind) -> None:
    code, _, params = await _refusal(store, kind, "id.pdf", samples.pdf(padding=MB))
    assert (code, params) == ("FILE_TOO_LARGE", {"max_bytes": MB, "max_mb": "1"})


async def test_limit_itself_is_accepted(store: DocumentStore) -> None:
    data = samples.pdf_of_size(MB)
    assert len(data) == MB
    assert (await store.save(DocumentKind.ID_BACK, "back.pdf", data)).size == MB


async def test_configured_limit_lowers_every_kind(root: Path) -> None:
    small = DocumentStore(LocalFolderStorage(root), max_bytes=MB // 2)
    assert small.max_bytes(DocumentKind.ID_FRONT) == MB // 2
    _, _, params = await _refusal(small, DocumentKind.OTHER, "a.pdf", samples.pdf(padding=MB // 2))
    assert params == {"max_bytes": MB // 2, "max_mb": "0.5"}


async def test_empty_file(store: DocumentStore) -> None:
    code, field, _ = await _refusal(store, DocumentKind.OTHER, "empty.pdf", b"", "idFront")
    assert (code, field) == ("FILE_EMPTY", "idFront")


async def test_corrupt_png(store: DocumentStore, root: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"garbage" * 30
    code, field, _ = await _refusal(store, DocumentKind.ID_FRONT, "front.png", data)
    assert (code, field) == ("FILE_CORRUPT", "file")
    assert _stored_files(root) == []


async def test_corrupt_pdf(store: DocumentStore) -> None:
    data = samples.pdf().replace(b"%%EOF", b"")
    code, _, _ = await _refusal(store, DocumentKind.OTHER, "x.pdf", data)
    assert code == "FILE_CORRUPT"


@pytest.mark.parametrize(
    "kind", [k for k in DocumentKind if k is not DocumentKind.AUTHORISATION_LETTER]
)
async def test_docx_only_for_authorisation_letter(store: DocumentStore, kind: DocumentKind) -> None:
    code, field, params = await _refusal(store, kind, "front.docx", samples.docx())
    assert (code, field) == ("FILE_TYPE_NOT_ALLOWED", "file")
    assert params == {"allowed": "jpg,jpeg,png,pdf"}


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        (
            "letter.docx",
            samples.docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "letter.xlsx",
            samples.xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("letter.doc", samples.ole2("WordDocument"), "application/msword"),
        ("letter.xls", samples.ole2(), "application/vnd.ms-excel"),
    ],
)
async def test_office_files_accepted_for_authorisation_letter(
    store: DocumentStore, name: str, data: bytes, mime: str
) -> None:
    saved = await store.save(DocumentKind.AUTHORISATION_LETTER, name, data)
    assert (saved.mime, saved.kind) == (mime, DocumentKind.AUTHORISATION_LETTER)


async def test_letter_lists_office_types_when_refusing(store: DocumentStore) -> None:
    letter = DocumentKind.AUTHORISATION_LETTER
    _, _, params = await _refusal(store, letter, "a.gif", samples.gif())
    assert params == {"allowed": "jpg,jpeg,png,pdf,doc,docx,xls,xlsx"}


@pytest.mark.parametrize(
    "data",
    [samples.gif(), b"plain text", samples.docx({"word/vbaProject.bin": b"\x00"}), samples.ole2()],
    ids=["gif", "unknown", "docm", "bare-ole2"],
)
async def test_other_types_not_allowed(store: DocumentStore, data: bytes) -> None:
    code, _, _ = await _refusal(store, DocumentKind.OTHER, "upload.png", data)
    assert code == "FILE_TYPE_NOT_ALLOWED"


async def test_same_content_stored_once(store: DocumentStore, root: Path) -> None:
    data = samples.jpeg()
    first = await store.save(DocumentKind.ID_FRONT, "a.jpg", data)
    second = await store.save(DocumentKind.OTHER, "b.jpg", data)
    assert first.key == second.key
    files = _stored_files(root)
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


@pytest.mark.parametrize("key", ["0" * 64, "../../etc/passwd"])
async def test_read_unknown_or_invalid_key(store: DocumentStore, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        await store.read(key)
    assert caught.value.code == "FILE_NOT_FOUND"


async def test_original_name_is_sanitized(store: DocumentStore) -> None:
    saved = await store.save(
        DocumentKind.OTHER, "..\\..\\C:\\tmp\\sc\x00an\u202e.png", samples.png()
    )
    assert saved.original_name == "scan.png"


async def test_blank_name_falls_back_to_detected_extension(store: DocumentStore) -> None:
    assert (
        await store.save(DocumentKind.OTHER, "../", samples.png())
    ).original_name == "document.png"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\li\\身份证.jpg", "身份证.jpg"),
        ("a\tb\r\nc.pdf", "abc.pdf"),
        ("exe\u202efdp.scr", "exefdp.scr"),
        ("..", ""),
        ("  ", ""),
        ("x" * 300 + ".pdf", "x" * 255),
    ],
)
def test_sanitize_filename(raw: str, clean: str) -> None:
    assert sanitize_filename(raw) == clean


def test_messages_cover_every_code_in_both_languages() -> None:
    codes = {
        "FILE_EMPTY",
        "FILE_TOO_LARGE",
        "FILE_TYPE_NOT_ALLOWED",
        "FILE_CORRUPT",
        "FILE_EXECUTABLE",
    }
    assert codes <= MESSAGES.keys()
    assert all(zh and en and zh != en for zh, en in MESSAGES.values())


def test_messages_render_with_error_params() -> None:
    translate = Translator([CORE_MESSAGES, MESSAGES])
    assert translate("FILE_TOO_LARGE", "zh-CN", max_bytes=MB, max_mb="1") == "文件大小不能超过 1 MB"
    assert translate("FILE_TOO_LARGE", "en", max_bytes=MB, max_mb="1").endswith("1 MB")
    assert "jpg,png" in translate("FILE_TYPE_NOT_ALLOWED", "en", allowed="jpg,png")

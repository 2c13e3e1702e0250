"""Reading a text input file: one place for the encoding and emptiness checks every CSV
loader needs, with the same plain-words messages.

Inputs must be UTF-8 (a byte-order mark is allowed, as Excel's "CSV UTF-8" writes one).
A UTF-16 file, a file with bytes that are not UTF-8 (usually saved as Windows-1252/Latin-1,
named with the line of the first bad byte) and an empty file each raise
:class:`~cdp_analysis.errors.InputError` with a fix.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError, Problem

#: How to turn a file into UTF-8, for any loader's message (a loader may add its own words).
UTF8_FIX = (
    "re-save it as UTF-8: in Excel use File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; "
    "in LibreOffice tick 'Edit filter settings' and choose 'Unicode (UTF-8)'"
)

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_utf8(
    raw: bytes | str,
    file: str | Path | None,
    kind: str,
    *,
    empty_fix: str,
    utf8_fix: str = UTF8_FIX,
) -> str:
    """The text of ``raw`` (the file's bytes, or text already decoded), checked:
    not UTF-16, valid UTF-8 (line of the first bad byte), not empty or blank."""
    if isinstance(raw, str):
        text = raw.removeprefix("\ufeff")
    else:
        if not raw:
            raise InputError(file, "the file is empty (0 bytes)", kind=kind, fix=empty_fix)
        if raw[:2] in _UTF16_BOMS:
            raise InputError(file, "the file is UTF-16 text, not UTF-8", kind=kind, fix=utf8_fix)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise InputError(
                file,
                Problem(
                    f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02X} cannot be read as "
                    "UTF-8 (the file was probably saved as Windows-1252/Latin-1)",
                    rows=[line],
                    expected="UTF-8",
                ),
                kind=kind,
                fix=utf8_fix,
            ) from None
    if not text.strip():
        what = "(0 bytes)" if not text else "(only blank space, no header row)"
        raise InputError(file, f"the file is empty {what}", kind=kind, fix=empty_fix)
    return text

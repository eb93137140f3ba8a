"""``file`` (write file): append to, overwrite or delete a file (Node-RED ``10-file.js``).

Behaviour of Node-RED 5.0.7's write-file node: the filename is a typed value
(``str``, ``msg``, ``env``, ``jsonata``, also ``flow``/``global``; old flows
without ``filenameType`` use ``msg.filename`` when the filename is empty);
``overwriteFile`` ``"false"`` appends, ``"true"`` overwrites, ``"delete"`` deletes;
``appendNewline`` adds ``os.linesep`` unless the payload is a Buffer or the last
part of a split string; ``createDir`` creates missing directories; ``encoding`` is
an iconv-lite encoding name, ``"none"`` (UTF-8) or ``"setbymsg"`` (``msg.encoding``).
Messages are written one at a time in arrival order, file I/O runs in a worker
thread, and the message (with ``msg.filename``) is sent once the write is done.
Failures are reported as Node-RED reports them (``node.error`` with the Node.js
error text, then ``done()``). Relative names resolve against the
``fileWorkingDirectory`` setting, else the process's working directory.
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import os
import re
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from typing import IO, Any

from flowengine import ConfigError, JSError, Node
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_number_str, js_string, js_truthy
from flowengine.message import Message
from flowengine.node import Delivery, Done
from flowengine.props import (
    PropertyExpressionError,
    get_message_property,
    normalise_property_expression,
)
from flowengine.util.jsjson import is_circular

__all__ = ["FileNode", "encoder_for", "node_error_text"]

# ---------------------------------------------------------------------------
# Encodings: iconv-lite names mapped onto Python codecs
# ---------------------------------------------------------------------------

Encoder = Callable[[str], bytes]


def _question_marks(e: UnicodeError) -> tuple[str, int]:
    # iconv-lite's single-byte encoders write one "?" per UTF-16 code unit.
    assert isinstance(e, UnicodeEncodeError)
    bad = e.object[e.start : e.end]
    return "?" * sum(2 if ord(ch) > 0xFFFF else 1 for ch in bad), e.end


def _replacement_char(e: UnicodeError) -> tuple[bytes, int]:
    # Node.js writes U+FFFD for lone surrogates in UTF-8.
    assert isinstance(e, UnicodeEncodeError)
    return "\ufffd".encode() * (e.end - e.start), e.end


codecs.register_error("flowengine.file.sbcs", _question_marks)
codecs.register_error("flowengine.file.utf8", _replacement_char)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "flowengine.file.utf8")


def _utf16(codec: str, bom: bytes = b"") -> Encoder:
    return lambda text: bom + text.encode(codec, "surrogatepass")


def _binary(text: str) -> bytes:
    """Node's ``latin1``/``binary``: the low byte of every UTF-16 code unit."""
    return text.encode("utf-16-le", "surrogatepass")[::2]


_HEX_DIGITS = "0123456789abcdefABCDEF"
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BASE64_VALUES = {ch: i for i, ch in enumerate(_BASE64)} | {"-": 62, "_": 63}


def _base64(text: str) -> bytes:
    """``Buffer.from(text, "base64")``: lenient, URL-safe too, stops at padding."""
    bits = 0
    count = 0
    out = bytearray()
    for ch in text:
        if ch == "=":
            break
        value = _BASE64_VALUES.get(ch)
        if value is None:
            continue
        bits = (bits << 6) | value
        count += 6
        if count >= 8:
            count -= 8
            out.append((bits >> count) & 0xFF)
    return bytes(out)


def _hex(text: str) -> bytes:
    """``Buffer.from(text, "hex")``: pairs of hex digits up to the first bad pair."""
    out = bytearray()
    for i in range(0, len(text) - 1, 2):
        pair = text[i : i + 2]
        if not all(c in _HEX_DIGITS for c in pair):
            break
        out.append(int(pair, 16))
    return bytes(out)


def _single_byte(codec: str) -> Encoder:
    # iconv-lite maps U+FFFD to the highest byte its table leaves undefined.
    undefined = [b for b in range(256) if _decodes_to_nothing(codec, b)]
    fffd = bytes([undefined[-1]]) if undefined else b"?"

    def encode(text: str) -> bytes:
        if "\ufffd" not in text:
            return text.encode(codec, "flowengine.file.sbcs")
        return fffd.join(
            part.encode(codec, "flowengine.file.sbcs") for part in text.split("\ufffd")
        )

    return encode


def _decodes_to_nothing(codec: str, byte: int) -> bool:
    try:
        return bytes([byte]).decode(codec) == "\ufffd"
    except UnicodeDecodeError:
        return True


def _double_byte(codec: str) -> Encoder:
    return lambda text: text.encode(codec, "replace")


# iconv-lite's codec names (after its canonicalisation) and their aliases.
_ALIASES: dict[str, str] = {
    "utf8": "unicode11utf8",
    "ucs2": "utf16le",
    "utf32": "ucs4",
    "utf32le": "ucs4le",
    "utf32be": "ucs4be",
    "ascii": "ascii8bit usascii ansix34 ansix341968 ansix341986 csascii cp367 ibm367 isoir6 "
    "iso646us iso646irv us",
    "iso88591": "28591 latin1 csisolatin1 l1 isoir100 cp819 ibm819 cp28591",
    "iso88592": "28592 latin2 csisolatin2 l2 isoir101 cp28592",
    "iso88593": "28593 latin3 csisolatin3 l3 isoir109 cp28593",
    "iso88594": "28594 latin4 csisolatin4 l4 isoir110 cp28594",
    "iso88595": "28595 csisolatincyrillic isoir144 cyrillic cp28595",
    "iso88596": "28596 csisolatinarabic isoir127 arabic arabic8 ecma114 asmo708 cp28596",
    "iso88597": "28597 csisolatingreek isoir126 greek greek8 ecma118 elot928 cp28597",
    "iso88598": "28598 csisolatinhebrew isoir138 hebrew hebrew8 iso88598i iso88598e cp28598",
    "iso88599": "28599 latin5 csisolatin5 l5 isoir148 turkish turkish8 cp28599",
    "iso885910": "28600 latin6 csisolatin6 l6 isoir157 cp28600",
    "iso885911": "28601 thai thai8 cp28601",
    "iso885913": "28603 latin7 l7 isoir179 cp28603",
    "iso885914": "28604 latin8 l8 isoir199 celtic celtic8 isoceltic cp28604",
    "iso885915": "28605 latin9 l9 isoir203 cp28605",
    "iso885916": "28606 latin10 l10 isoir226 cp28606",
    "windows874": "874 win874 cp874",
    **{f"windows{n}": f"{n} win{n} cp{n}" for n in range(1250, 1259)},
    "koi8r": "20866 cp20866 ibm878 cskoi8r",
    "koi8u": "21866 cp21866 ibm1168",
    "maccenteuro": "10029",
    "maccyrillic": "10007",
    "macgreek": "10006",
    "maciceland": "10079",
    "macintosh": "mac csmacintosh",
    "macroman": "10000",
    "macturkish": "10081",
    "rk1048": "strk10482002",
    "tis620": "isoir166 tis6200 tis62025291 tis62025330",
    "hproman8": "cshproman8 r8 roman8 xroman8 ibm1051",
    "shiftjis": "932 csshiftjis mskanji sjis windows31j ms31j xsjis windows932 ms932 cp932",
    "cp936": "936 gb2312 gb231280 gb23121980 csgb2312 csiso58gb231280 euccn windows936 ms936",
    "gbk": "xgbk isoir58",
    "gb18030": "chinese",
    "cp949": "949 windows949 ms949 cseuckr csksc56011987 euckr isoir149 korean ksc56011987 "
    "ksc56011989 ksc5601",
    "cp950": "950 windows950 ms950",
    "big5hkscs": "big5 cnbig5 csbig5 xxbig5",
}
_IBM_CODEPAGES: tuple[int, ...] = (437, 737, 775, 850, 852, 855, 856, 857, 858, 860, 861, 862)
_IBM_CODEPAGES += (863, 864, 865, 866, 869, 1125)
for _n in _IBM_CODEPAGES:
    _ALIASES[f"cp{_n}"] = f"{_n} ibm{_n} csibm{_n}"
_ALIASES["cp720"] = ""
_ALIASES["cp437"] += " cspc8codepage437"
_ALIASES["cp775"] += " cspc775baltic"
_ALIASES["cp850"] += " cspc850multilingual"
_ALIASES["cp852"] += " cspcp852"
_ALIASES["cp862"] += " cspc862latinhebrew"
_ALIASES["cp869"] += " cpgr"
_ALIASES["windows1250"] += " msee"
_ALIASES["windows1251"] += " mscyrl"
_ALIASES["windows1252"] += " msansi"
_ALIASES["windows1253"] += " msgreek"
_ALIASES["windows1254"] += " msturk"
_ALIASES["windows1255"] += " mshebr"
_ALIASES["windows1256"] += " msarab"
_ALIASES["windows1257"] += " winbaltrim"

_PYTHON_SINGLE_BYTE = {
    "ascii": "ascii",
    **{f"iso8859{n}": f"iso8859_{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)},
    "windows874": "cp874",
    **{f"windows{n}": f"cp{n}" for n in range(1250, 1259)},
    **{f"cp{n}": f"cp{n}" for n in (*_IBM_CODEPAGES, 720)},
    "koi8r": "koi8_r",
    "koi8u": "koi8_u",
    "koi8t": "koi8_t",
    "maccenteuro": "mac_latin2",
    "maccroatian": "mac_croatian",
    "maccyrillic": "mac_cyrillic",
    "macgreek": "mac_greek",
    "maciceland": "mac_iceland",
    "macintosh": "mac_roman",
    "macroman": "mac_roman",
    "macromania": "mac_romanian",
    "macturkish": "mac_turkish",
    "rk1048": "kz1048",
    "pt154": "ptcp154",
    "tis620": "tis_620",
    "hproman8": "hp_roman8",
}
# Multi-byte tables: the closest Python codec (a few hundred rare characters differ).
_PYTHON_DOUBLE_BYTE = {
    "shiftjis": "shift_jis",
    "eucjp": "euc_jp",
    "cp936": "gbk",
    "gbk": "gbk",
    "gb18030": "gb18030",
    "cp949": "cp949",
    "cp950": "cp950",
    "big5hkscs": "big5hkscs",
}
_SPECIAL: dict[str, Encoder] = {
    "utf8": _utf8,
    "ucs2": _utf16("utf-16-le"),
    "utf16": _utf16("utf-16-le", codecs.BOM_UTF16_LE),
    "utf16be": _utf16("utf-16-be"),
    "utf32": _utf16("utf-32-le", codecs.BOM_UTF32_LE),
    "utf32le": _utf16("utf-32-le"),
    "utf32be": _utf16("utf-32-be"),
    "binary": _binary,
    "base64": _base64,
    "hex": _hex,
}
# Known to iconv-lite, but Python has no codec for them.
_UNSUPPORTED = {
    "cesu8": "",
    "utf7": "unicode11utf7",
    "utf7imap": "",
    "cp808": "808 ibm808",
    "cp922": "922 ibm922 csibm922",
    "cp1046": "1046 ibm1046 csibm1046",
    "cp1124": "1124 ibm1124 csibm1124",
    "cp1129": "1129 ibm1129 csibm1129",
    "cp1133": "1133 ibm1133 csibm1133",
    "cp1161": "1161 ibm1161 csibm1161",
    "cp1162": "1162 ibm1162 csibm1162",
    "cp1163": "1163 ibm1163 csibm1163",
    "koi8ru": "",
    "macthai": "",
    "macukraine": "",
    "armscii8": "",
    "tcvn": "tcvn5712 tcvn57121",
    "georgianacademy": "",
    "georgianps": "",
    "viscii": "",
    "iso646cn": "isoir57 gb198880 cn",
    "iso646jp": "isoir14 csiso14jisc6220ro jisc62201969ro jp",
    "mik": "",
}


def _canonical_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for table in (_ALIASES, _UNSUPPORTED):
        for canonical, aliases in table.items():
            names[canonical] = canonical
            for alias in aliases.split():
                names[alias] = canonical
    for canonical in (*_PYTHON_SINGLE_BYTE, *_PYTHON_DOUBLE_BYTE, *_SPECIAL):
        names.setdefault(canonical, canonical)
    return names


_CANONICAL = _canonical_names()


class EncodingError(Exception):
    """An encoding name iconv-lite does not know, or that we cannot encode."""


def canonical_encoding(name: str) -> str:
    """iconv-lite's canonical form: lower case, alphanumerics only, no ``:yyyy`` suffix."""
    return re.sub(r":\d{4}$|[^0-9a-z]", "", name.lower())


@lru_cache(maxsize=64)
def encoder_for(name: str) -> Encoder:
    """The encoder for an iconv-lite encoding name (``"none"`` = UTF-8)."""
    if name == "none":
        return _utf8
    searched = canonical_encoding(name)
    canonical = _CANONICAL.get(searched)
    if canonical is None:
        raise EncodingError(f"Encoding not recognized: '{name}' (searched as: '{searched}')")
    if canonical in _SPECIAL:
        return _SPECIAL[canonical]
    if canonical in _PYTHON_SINGLE_BYTE:
        return _single_byte(_PYTHON_SINGLE_BYTE[canonical])
    if canonical in _PYTHON_DOUBLE_BYTE:
        return _double_byte(_PYTHON_DOUBLE_BYTE[canonical])
    raise EncodingError(f"Encoding not supported by flowengine: '{name}'")


def _encode(data: str | bytes, encoding: str) -> bytes:
    if isinstance(data, bytes):
        if encoding == "none":
            return data
        # iconv-lite turns a Buffer into its UTF-8 text before encoding it.
        data = data.decode("utf-8", "replace")
    return encoder_for(encoding)(data)


# ---------------------------------------------------------------------------
# Node.js error texts
# ---------------------------------------------------------------------------

# libuv's descriptions (uv_strerror), which Node.js puts in its fs errors.
_UV_MESSAGES = {
    "EACCES": "permission denied",
    "EAGAIN": "resource temporarily unavailable",
    "EBADF": "bad file descriptor",
    "EBUSY": "resource busy or locked",
    "EEXIST": "file already exists",
    "EFBIG": "file too large",
    "EINVAL": "invalid argument",
    "EIO": "i/o error",
    "EISDIR": "illegal operation on a directory",
    "ELOOP": "too many symbolic links encountered",
    "EMFILE": "too many open files",
    "ENAMETOOLONG": "name too long",
    "ENFILE": "file table overflow",
    "ENOENT": "no such file or directory",
    "ENOSPC": "no space left on device",
    "ENOTDIR": "not a directory",
    "ENOTEMPTY": "directory not empty",
    "EPERM": "operation not permitted",
    "EROFS": "read-only file system",
    "ETXTBSY": "text file is busy",
    "EXDEV": "cross-device link not permitted",
    "EDQUOT": "disk quota exceeded",
}


def node_error_text(e: BaseException, syscall: str, path: str) -> str:
    """``err.toString()`` of the Node.js fs error matching a Python ``OSError``."""
    if isinstance(e, OSError) and e.errno is not None and e.errno in errno.errorcode:
        code = errno.errorcode[e.errno]
        text = _UV_MESSAGES.get(code) or (e.strerror or code).lower()
        return f"Error: {code}: {text}, {syscall} '{path}'"
    return f"Error: {e}"


def _make_dirs(path: str) -> str | None:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        return node_error_text(e, "mkdir", path)
    return None


def _unlink(path: str) -> str | None:
    try:
        os.unlink(path)
    except OSError as e:
        return node_error_text(e, "unlink", path)
    return None


def _overwrite(path: str, data: bytes) -> str | None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as e:
        return node_error_text(e, "open", path)
    return None


def _append_once(path: str, data: bytes) -> str | None:
    try:
        with open(path, "ab") as fh:
            fh.write(data)
    except OSError as e:
        return node_error_text(e, "open", path)
    return None


class _AppendStream:
    """A file kept open for appending, reopened when the file was removed or replaced
    (log rotation), as Node-RED does for a fixed filename."""

    def __init__(self) -> None:
        self.path: str | None = None
        self.handle: IO[bytes] | None = None
        self.inode: int | None = None

    def append(self, path: str, data: bytes) -> str | None:
        try:
            if self.handle is not None and (path != self.path or not self._same_file(path)):
                self.close()
            if self.handle is None:
                self.handle = open(path, "ab")  # noqa: SIM115 - kept open between messages
                self.path = path
                self.inode = os.fstat(self.handle.fileno()).st_ino
            self.handle.write(data)
            self.handle.flush()
        except OSError as e:
            self.close()
            return node_error_text(e, "open", path)
        return None

    def _same_file(self, path: str) -> bool:
        try:
            return os.stat(path).st_ino == self.inode
        except OSError:
            return False

    def close(self) -> None:
        if self.handle is not None:
            try:
                self.handle.close()
            except OSError:
                pass
        self.handle = None
        self.path = None
        self.inode = None


# ---------------------------------------------------------------------------
# The node
# ---------------------------------------------------------------------------

_FILENAME_TYPES = ("str", "msg", "env", "jsonata", "flow", "global")
_ACTIONS = {"false": "append", "true": "overwrite", "delete": "delete"}


class FileNode(Node):
    type = "file"
    category = "storage"

    def setup(self) -> None:
        config = self.config
        filename = config.get("filename")
        filename_type = config.get("filenameType")
        if filename_type in (None, ""):
            # Flows from before typed filenames: an empty name meant msg.filename.
            if filename in (None, ""):
                filename, filename_type = "filename", "msg"
            else:
                filename_type = "str"
        if filename_type not in _FILENAME_TYPES:
            raise ConfigError("filenameType", f"must be one of {_FILENAME_TYPES}")
        self.filename: Any = "" if filename is None else filename
        self.filename_type: str = filename_type
        self._jsonata: Any = None
        if filename_type == "msg":
            try:
                normalise_property_expression(js_string(self.filename))
            except PropertyExpressionError as e:
                raise ConfigError("filename", str(e)) from None
        elif filename_type == "jsonata":
            from flowengine.typed import JSONataExpression

            try:
                self._jsonata = JSONataExpression(js_string(self.filename), self)
            except JSError as e:
                raise ConfigError("filename", e.message) from None

        action = config.get("overwriteFile")
        if isinstance(action, bool):
            action = "true" if action else "false"
        if action not in _ACTIONS:
            raise ConfigError("overwriteFile", 'must be "false" (append), "true" or "delete"')
        self.action: str = _ACTIONS[action]
        self.append_newline = js_truthy(config.get("appendNewline"))
        self.create_dir = js_truthy(config.get("createDir"))
        encoding = config.get("encoding") or "none"
        if not isinstance(encoding, str):
            raise ConfigError("encoding", "must be an encoding name")
        if encoding != "setbymsg":
            try:
                encoder_for(encoding)
            except EncodingError as e:
                raise ConfigError("encoding", str(e)) from None
        self.encoding: str = encoding
        # A fixed name keeps its file open between messages; others open per message.
        self._static = filename_type in ("str", "env")
        self._stream = _AppendStream()
        self._queue: deque[tuple[Message, Delivery, Done]] = deque()
        self._worker: asyncio.Future[Any] | None = None
        self._status_pending = False

    # ---- queueing: one write at a time, in arrival order -----------------------------
    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        self._queue.append((msg, send, done))
        if self._worker is None:
            self._worker = self.runtime.spawn(self._drain(), self)

    async def _drain(self) -> None:
        try:
            while self._queue:
                msg, send, done = self._queue.popleft()
                try:
                    await self._write(msg, send, done)
                except Exception as e:
                    done(e)
        finally:
            self._worker = None

    async def close(self) -> None:
        if self._worker is not None:
            await asyncio.shield(self._worker)
        await asyncio.to_thread(self._stream.close)
        self.status({})

    # ---- one message ---------------------------------------------------------------
    def _filename_for(self, msg: Message) -> Any:
        kind = self.filename_type
        if kind == "str":
            return js_string(self.filename)
        if kind == "msg":
            try:
                return get_message_property(msg, js_string(self.filename))
            except TypeError as e:
                raise JSError(str(e), "TypeError") from None
        if kind == "jsonata":
            return self._jsonata.evaluate(msg)
        return self.evaluate(self.filename, kind, msg)

    def _full_path(self, filename: str) -> str:
        base = self.runtime.settings.get("fileWorkingDirectory")
        if base and not os.path.isabs(filename):
            return os.path.abspath(os.path.join(str(base), filename))
        return filename

    def _show_filename(self, filename: str) -> None:
        # Node-RED shows a dynamic filename in the status a moment after the first write.
        if js_truthy(self.filename) or self._status_pending:
            return
        self._status_pending = True

        def show() -> None:
            self._status_pending = False
            self.status({"fill": "grey", "shape": "dot", "text": filename})

        self.set_timeout(0.333, show)

    async def _write(self, msg: Message, send: Delivery, done: Done) -> None:
        try:
            value = self._filename_for(msg)
        except Exception as e:
            self.error(e, msg)
            done()
            return
        if value is not None and value is not UNDEFINED and not isinstance(value, str):
            value = js_string(value)
        filename = value or ""
        msg["filename"] = filename
        path = self._full_path(filename)
        self._show_filename(filename)
        if filename == "":
            self.warn("No filename specified")
            done()
            return
        if self.action == "delete":
            failure = await asyncio.to_thread(_unlink, path)
            if failure:
                self.error(f"failed to delete file: {failure}", msg)
            else:
                self.debug(f"deleted file: {filename}")
                send(msg)
            done()
            return
        if msg.get("payload", UNDEFINED) is UNDEFINED:
            done()
            return
        if self.create_dir:
            folder = os.path.dirname(path)
            failure = await asyncio.to_thread(_make_dirs, folder) if folder else None
            if failure:
                self.error(f"failed to create file: {failure}", msg)
                done()
                return
        data = self._payload_bytes(msg)
        if self.action == "overwrite":
            failure = await asyncio.to_thread(_overwrite, path, data)
            verb = "write to"
        elif self._static:
            failure = await asyncio.to_thread(self._stream.append, path, data)
            verb = "append to"
        else:
            failure = await asyncio.to_thread(_append_once, path, data)
            verb = "append to"
        if failure:
            self.error(f"failed to {verb} file: {failure}", msg)
        else:
            send(msg)
        done()

    def _payload_bytes(self, msg: Message) -> bytes:
        payload = msg["payload"]
        data: str | bytes
        if isinstance(payload, bytes | bytearray):
            data = bytes(payload)
        elif isinstance(payload, bool):
            data = "true" if payload else "false"
        elif isinstance(payload, int | float):
            data = js_number_str(payload)
        elif isinstance(payload, str):
            data = payload
        else:
            if is_circular(payload):
                raise JSError("Converting circular structure to JSON", "TypeError")
            data = js_json_dumps(payload)
        if self.append_newline and isinstance(data, str) and not _last_string_part(msg):
            data += os.linesep
        encoding = self.encoding
        if encoding == "setbymsg":
            encoding = msg.get("encoding") or "none"
            if not isinstance(encoding, str):
                encoding = js_string(encoding)
        try:
            return _encode(data, encoding)
        except EncodingError as e:
            raise JSError(str(e)) from None


def _last_string_part(msg: Message) -> bool:
    """The message is the last part of a string split (no newline after it)."""
    parts = msg.get("parts")
    if not isinstance(parts, dict) or parts.get("type") != "string":
        return False
    count, index = parts.get("count"), parts.get("index")
    if not isinstance(count, int | float) or not isinstance(index, int | float):
        return False
    if isinstance(count, bool) or isinstance(index, bool):
        return False
    return count == index + 1

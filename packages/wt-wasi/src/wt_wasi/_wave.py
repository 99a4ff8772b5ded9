"""WAVE, the WebAssembly Value Encoding: component values as text, as ``wasmtime run
--invoke`` reads and prints them.

``true``, ``-9``, ``3.14``, ``nan``, ``'x'``, ``"text\\n"``, ``[1, 2]``, ``("a", 1)``,
``{x: 1, y: 2}`` (a record; an ``option`` field may be left out), ``circle(1.5)`` and
``empty`` (variant cases), ``red`` (an enum case), ``some(1)``, ``none`` or a bare ``1``
(options), ``ok("x")``, ``err(1)`` or a bare ``"x"`` (results), ``{read, write}`` (flags),
``%none`` (a label spelt like a keyword).

:func:`parse_wave` turns text into the Python value that wt_api's component functions take
for a :class:`~wt_api.WitType`; :func:`format_wave` turns a value they return back into text.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal

import wt_api as wt

TYPE_CHECKING = False  # typing's constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["parse_wave", "format_wave", "parse_wave_call", "WaveError"]

_INT_RANGES = {"s8": 8, "s16": 16, "s32": 32, "s64": 64, "u8": 8, "u16": 16, "u32": 32, "u64": 64}
_KEYWORDS = frozenset({"true", "false", "some", "none", "ok", "err", "inf", "nan"})
_TOKEN = re.compile(r"""
    (?P<ws>(?:[ \t\r\n]+|//[^\n]*)+)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?(?:0|[1-9][0-9]*))?(?![A-Za-z0-9-])|-inf(?![A-Za-z0-9-]))
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<char>'(?:[^'\\\n]|\\[^\n]|\\u\{[0-9a-fA-F]+\})')
  | (?P<label>%?[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z][a-zA-Z0-9]*|-[0-9]+)*)
  | (?P<punct>[()\[\]{},:])
""", re.VERBOSE)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "'": "'", '"': '"', "\\": "\\"}


class WaveError(ValueError):
    """Text that is not WAVE, or not a value of the expected type: says where and why."""


def _unescape(body: str, where: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and body[i + 2:i + 3] == "{":
            end = body.index("}", i)
            code = int(body[i + 3:end], 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise WaveError(f"{where}: \\u{{{body[i + 3:end]}}} is not a Unicode scalar value")
            out.append(chr(code))
            i = end + 1
        else:
            raise WaveError(f"{where}: unknown escape \\{nxt}")
    return "".join(out)


class _Parser:
    """Untyped WAVE trees: ("number", text), ("char", str), ("string", str),
    ("label", name, payload or None), ("tuple", items), ("list", items),
    ("record", [(name, node)]), ("flags", [names])."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise WaveError(f"unexpected {text[pos:pos + 10]!r} at offset {pos}")
            kind = m.lastgroup or ""
            if kind != "ws":
                self.tokens.append((kind, m.group(), pos))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", -1)

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token[0] == "end" or (value is not None and token[1] != value):
            raise WaveError(f"expected {value or 'a value'} at {'the end' if token[0] == 'end' else repr(token[1])}")
        self.i += 1
        return token

    def sequence(self, close: str) -> list[object]:
        items: list[object] = []
        while self.peek()[1] != close:
            items.append(self.value())
            if self.peek()[1] != ",":
                break
            self.take(",")
        self.take(close)
        return items

    def value(self) -> object:
        kind, text, pos = self.take()
        if kind == "number":
            return ("number", text)
        if kind == "string":
            return ("string", _unescape(text[1:-1], f"the string at offset {pos}"))
        if kind == "char":
            char = _unescape(text[1:-1], f"the char at offset {pos}")
            if len(char) != 1:
                raise WaveError(f"{text} at offset {pos} is not one character")
            return ("char", char)
        if kind == "label":
            payload = None
            if self.peek()[1] == "(":
                self.take("(")
                payload = self.value()
                self.take(")")
            return ("label", text, payload)
        if text == "(":
            return ("tuple", self.sequence(")"))
        if text == "[":
            return ("list", self.sequence("]"))
        if text == "{":
            return self.braces()
        raise WaveError(f"unexpected {text!r} at offset {pos}")

    def braces(self) -> object:
        if self.peek()[1] == ":":
            self.take(":")
            self.take("}")
            return ("record", [])
        if self.peek()[1] == "}":
            self.take("}")
            return ("flags", [])
        first = self.take()
        if first[0] != "label":
            raise WaveError(f"expected a field or flag name at {first[1]!r}")
        if self.peek()[1] == ":":
            fields: list[tuple[str, object]] = []
            name = first[1]
            while True:
                self.take(":")
                fields.append((name.lstrip("%"), self.value()))
                if self.peek()[1] != ",":
                    break
                self.take(",")
                if self.peek()[1] == "}":
                    break
                name = self.take()[1]
            self.take("}")
            return ("record", fields)
        names = [first[1].lstrip("%")]
        while self.peek()[1] == ",":
            self.take(",")
            if self.peek()[1] == "}":
                break
            names.append(self.take()[1].lstrip("%"))
        self.take("}")
        return ("flags", names)


def _node(text: str) -> object:
    parser = _Parser(text)
    node = parser.value()
    if parser.peek()[0] != "end":
        raise WaveError(f"unexpected {parser.peek()[1]!r} after the value")
    return node


def parse_wave(text: str, t: wt.WitType) -> object:
    """The Python value of the WAVE ``text`` for the WIT type ``t`` (WaveError if it is not one)."""
    return _typed(_node(text), t)


def parse_wave_call(text: str) -> tuple[str, list[str]]:
    """``name(arg, ...)`` (WAVE arguments) as the name and each argument's text."""
    name, paren, rest = text.partition("(")
    name = name.strip()
    if not paren or not name:
        raise WaveError(f"expected NAME(ARGS...), e.g. 'add(1, 2)', not {text!r}")
    body = "(" + rest
    parser = _Parser(body)
    parser.take("(")
    args: list[str] = []
    while parser.peek()[1] != ")":
        start = parser.peek()[2]
        parser.value()
        end = parser.peek()[2]
        args.append(body[start:end if end >= 0 else len(body)].strip())
        if parser.peek()[1] != ",":
            break
        parser.take(",")
    parser.take(")")
    if parser.peek()[0] != "end":
        raise WaveError(f"unexpected {parser.peek()[1]!r} after the call's closing parenthesis")
    return name, args


def _expect(node: Any, t: wt.WitType, why: str = "") -> WaveError:
    return WaveError(f"expected a WAVE {t}, got {_show(node)}" + (f" ({why})" if why else ""))


def _show(node: Any) -> str:
    kind = node[0]
    if kind in ("number", "string", "char"):
        return f"{kind} {node[1]!r}"
    if kind == "label":
        return f"{node[1]}" + ("(...)" if node[2] is not None else "")
    return str(kind)


def _typed(node: Any, t: wt.WitType) -> Any:  # noqa: C901 - one branch per WIT kind
    kind = node[0]
    k = t.kind
    if k == "bool":
        if kind == "label" and node[1] in ("true", "false") and node[2] is None:
            return node[1] == "true"
        raise _expect(node, t)
    if k in _INT_RANGES:
        if kind != "number" or not re.fullmatch(r"-?[0-9]+", node[1]):
            raise _expect(node, t)
        number = int(node[1])
        bits = _INT_RANGES[k]
        lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if k[0] == "s" else (0, 1 << bits)
        if not lo <= number < hi:
            raise _expect(node, t, f"out of range [{lo}, {hi - 1}]")
        return number
    if k in ("f32", "f64"):
        if kind == "label" and node[1] in ("nan", "inf") and node[2] is None:
            return float(node[1])
        if kind != "number":
            raise _expect(node, t)
        real = float(node[1])
        if k == "f32":  # the f32 nearest the text, as wasmtime reads it
            try:
                real = struct.unpack("<f", struct.pack("<f", real))[0]
            except OverflowError:
                raise _expect(node, t, "out of range") from None
        return real
    if k in ("char", "string"):
        if kind != k:
            raise _expect(node, t)
        return node[1]
    if k == "list" and t.element is not None:
        if kind != "list":
            raise _expect(node, t)
        items = [_typed(n, t.element) for n in node[1]]
        return bytes(items) if t.element.kind == "u8" else items
    if k == "tuple":
        if kind != "tuple" or len(node[1]) != len(t.elements):
            raise _expect(node, t, f"a tuple of {len(t.elements)}")
        return tuple(_typed(n, e) for n, e in zip(node[1], t.elements))
    if k == "record":
        if kind != "record" and not (kind == "flags" and not node[1]):
            raise _expect(node, t)
        given = dict(node[1])
        out = {}
        for name, ft in t.fields:
            if name in given:
                out[name] = _typed(given.pop(name), ft)
            elif ft.kind == "option":
                out[name] = None
            else:
                raise _expect(node, t, f"the field {name!r} is missing")
        if given:
            raise _expect(node, t, f"it has no field(s) {', '.join(given)}")
        return out
    if k in ("variant", "enum"):
        if kind != "label":
            raise _expect(node, t)
        name, payload = node[1].lstrip("%"), node[2]
        cls = wt.wit_class(t)
        if k == "enum":
            if payload is not None or name not in t.names:
                raise _expect(node, t, f"one of {', '.join(t.names)}")
            return cls(name)
        cases = dict(t.cases)
        if name not in cases:
            raise _expect(node, t, f"one of {', '.join(cases)}")
        inner = cases[name]
        if (inner is None) != (payload is None):
            raise _expect(node, t, f"the case {name} {'has no' if inner is None else 'needs a'} payload")
        return cls.of(name, None if inner is None else _typed(payload, inner))  # type: ignore[attr-defined]
    if k == "flags":
        if kind != "flags" or any(n not in t.names for n in node[1]):
            raise _expect(node, t, f"flags among {', '.join(t.names)}")
        return set(node[1])
    if k == "option" and t.element is not None:
        if kind == "label" and node[1] == "none" and node[2] is None:
            return None
        if kind == "label" and node[1] == "some" and node[2] is not None:
            node = node[2]
        value = _typed(node, t.element)
        return wt.Some(value) if t.element.kind == "option" else value
    if k == "result":
        if kind == "label" and node[1] in ("ok", "err"):
            inner = t.ok if node[1] == "ok" else t.err
            payload = node[2]
            if (inner is None) != (payload is None):
                raise _expect(node, t, f"{node[1]} {'has no' if inner is None else 'needs a'} payload")
            value = None if inner is None else _typed(payload, inner)
            return wt.Ok(value) if node[1] == "ok" else wt.Err(value)
        if t.ok is None:
            raise _expect(node, t)
        return wt.Ok(_typed(node, t.ok))
    raise WaveError(f"WAVE cannot write a {t} value from the command line")


# -- printing -------------------------------------------------------------------------
def _label(name: str) -> str:
    return f"%{name}" if name in _KEYWORDS else name


def _quote(text: str, quote: str) -> str:
    out = []
    for c in text:
        if c == "\\" or c == quote:
            out.append("\\" + c)
        elif c in "\t\n\r":
            out.append({"\t": "\\t", "\n": "\\n", "\r": "\\r"}[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{{{ord(c):x}}}")
        else:
            out.append(c)
    return quote + "".join(out) + quote


def _float(value: float, single: bool) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    if single:  # the shortest decimal that reads back as the same f32
        for digits in range(1, 10):
            candidate = f"{value:.{digits}g}"
            if struct.unpack("<f", struct.pack("<f", float(candidate)))[0] == value:
                text = candidate
                break
    plain = format(Decimal(text), "f")  # positional, as Rust prints floats
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return plain


def format_wave(value: Any, t: wt.WitType) -> str:  # noqa: C901 - one branch per WIT kind
    """``value`` (as wt_api returns values of ``t``) as WAVE text."""
    k = t.kind
    if k == "bool":
        return "true" if value else "false"
    if k in _INT_RANGES:
        return str(int(value))
    if k in ("f32", "f64"):
        return _float(float(value), k == "f32")
    if k == "char":
        return _quote(str(value), "'")
    if k == "string":
        return _quote(str(value), '"')
    if k == "list" and t.element is not None:
        return "[" + ", ".join(format_wave(v, t.element) for v in value) + "]"
    if k == "tuple":
        return "(" + ", ".join(format_wave(v, e) for v, e in zip(value, t.elements)) + ")"
    if k == "record":
        if not t.fields:
            return "{:}"
        return "{" + ", ".join(f"{_label(n)}: {format_wave(value[n], ft)}" for n, ft in t.fields) + "}"
    if k == "variant":
        inner = dict(t.cases).get(value.case)
        head = _label(value.case)
        return head if inner is None else f"{head}({format_wave(value.value, inner)})"
    if k == "enum":
        return _label(value.value if hasattr(value, "value") else str(value))
    if k == "flags":
        bits = int(getattr(value, "value", 0))
        names = [n for i, n in enumerate(t.names) if bits >> i & 1] if not isinstance(value, (set, frozenset)) \
            else [n for n in t.names if n in value]
        return "{" + ", ".join(_label(n) for n in names) + "}"
    if k == "option" and t.element is not None:
        if value is None:
            return "none"
        inner_value = value.value if isinstance(value, wt.Some) else value
        return f"some({format_wave(inner_value, t.element)})"
    if k == "result":
        ok = isinstance(value, wt.Ok) or not isinstance(value, wt.Err)
        inner = t.ok if ok else t.err
        payload = value.value if isinstance(value, (wt.Ok, wt.Err)) else value
        head = "ok" if ok else "err"
        return head if inner is None else f"{head}({format_wave(payload, inner)})"
    if k in ("own", "borrow"):
        return f"<{t.resource.name if t.resource is not None else 'resource'} handle>"
    return repr(value)

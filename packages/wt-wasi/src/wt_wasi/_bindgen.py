"""Typed Python bindings of a component, from its own WIT types: ``wt-wasm bindgen``.

:func:`generate_bindings` writes two files' text. The module (``.py``) gives, at run time,
the classes of the component's named types (the very classes wt_api makes for them, through
:func:`wt_api.wit_class`), a class per exported interface and one for the component, whose
attributes are the instance's functions (no call in between), and ``instantiate()``. The
stub (``.pyi``) declares all of it with real types for type checkers, and a
:class:`typing.Protocol` per imported interface (and per host resource) that a host
implementation given to ``instantiate()`` must satisfy: ``mypy --strict`` then checks calls
into the component and the host's implementation against the WIT.
"""

from __future__ import annotations

import keyword

import wt_api as wt

TYPE_CHECKING = False  # typing's constant, without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["generate_bindings"]

_INTS = frozenset({"s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64"})
_NAMED = ("record", "variant", "enum", "flags")


def _ident(wit: str) -> str:
    name = wit.replace("-", "_").replace(".", "_")
    if not name.isidentifier():
        name = "_" + "".join(c if c.isalnum() else "_" for c in name)
    return name + "_" if keyword.iskeyword(name) else name


def _camel(wit: str) -> str:
    name = "".join(p[:1].upper() + p[1:] for p in wit.replace("_", "-").split("-") if p) or "Anonymous"
    if not name.isidentifier():
        name = "_" + "".join(c if c.isalnum() else "_" for c in name)
    return name + "_" if keyword.iskeyword(name) else name  # (a case named none: None_)


def _short(interface: str) -> str:
    return interface.split("@", 1)[0].rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _walk(t: wt.WitType | None) -> Iterator[wt.WitType]:
    if t is None:
        return
    yield t
    for inner in (t.element, t.ok, t.err, t.key, t.value, t.resource, *t.elements, *(f for _, f in t.fields),
                  *(c for _, c in t.cases)):
        yield from _walk(inner)


def _literal(t: wt.WitType) -> str:
    """Python source that builds ``t`` (a wt_api.WitType equal to it)."""
    parts = [repr(t.kind)]
    for field in ("name", "interface"):
        value = getattr(t, field)
        if value is not None:
            parts.append(f"{field}={value!r}")
    for field in ("element", "ok", "err", "resource", "key", "value"):
        value = getattr(t, field)
        if value is not None:
            parts.append(f"{field}={_literal(value)}")
    if t.fields:
        parts.append("fields=(" + "".join(f"({n!r}, {_literal(f)}), " for n, f in t.fields) + ")")
    if t.elements:
        parts.append("elements=(" + "".join(f"{_literal(e)}, " for e in t.elements) + ")")
    if t.cases:
        parts.append("cases=(" + "".join(f"({n!r}, {'None' if c is None else _literal(c)}), " for n, c in t.cases)
                     + ")")
    if t.names:
        parts.append(f"names={t.names!r}")
    if t.length:
        parts.append(f"length={t.length}")
    if t.imported:
        parts.append("imported=True")
    return f"_W({', '.join(parts)})"


class _Names:
    """Python names for the component's named types, unique in the module."""

    def __init__(self) -> None:
        self.by_type: dict[wt.WitType, str] = {}
        self.taken: set[str] = {"Any", "Protocol", "ClassVar", "wt", "enum"}

    def add(self, t: wt.WitType) -> str:
        found = self.by_type.get(t)
        if found is not None:
            return found
        base = _camel(t.name or t.kind)
        name = base
        if name in self.taken and t.interface:
            name = _camel(_short(t.interface)) + base
        n = 2
        while name in self.taken:
            name, n = f"{base}{n}", n + 1
        self.taken.add(name)
        self.by_type[t] = name
        return name


class _Writer:
    def __init__(self, compiled: wt.CompiledComponent, module: str) -> None:
        self.exports = compiled.exports
        self.imports = compiled.imports
        self.module = module
        self.names = _Names()
        self.host = {n: i for n, i in self.imports.items() if not n.startswith("wasi:") and not isinstance(i, wt.WitType)}
        self.wasi = any(n.startswith("wasi:") for n in self.imports)
        functions = [f for i in (*self.exports.values(), *self.host.values()) for f in self._functions(i)]
        for f in functions:
            for t in (*(t for _, t in f.params), f.result):
                for inner in _walk(t):
                    if inner.kind in _NAMED or (inner.kind == "resource" and inner.name):
                        self.names.add(inner)

    @staticmethod
    def _functions(item: object) -> list[wt.ComponentFunctionType]:
        if isinstance(item, wt.ComponentFunctionType):
            return [item]
        if isinstance(item, wt.ComponentInterfaceType):
            return [f for _, f in item.functions]
        return []

    # -- Python types --------------------------------------------------------------------
    def py(self, t: wt.WitType | None, returned: bool = False, host_side: bool = False) -> str:
        if t is None:
            return "None"
        k = t.kind
        if k in _INTS:
            return "int"
        if k in ("bool",):
            return "bool"
        if k in ("f32", "f64"):
            return "float"
        if k in ("char", "string"):
            return "str"
        if k == "list" and t.element is not None:
            return "bytes" if t.element.kind == "u8" else f"list[{self.py(t.element, host_side=host_side)}]"
        if k == "tuple":
            return f"tuple[{', '.join(self.py(e, host_side=host_side) for e in t.elements) or '()'}]"
        if k in _NAMED:
            return self.names.by_type.get(t, "Any")
        if k == "option" and t.element is not None:
            inner = self.py(t.element, host_side=host_side)
            return f"wt.Some[{inner}] | None" if t.element.kind == "option" else f"{inner} | None"
        if k == "result":
            ok = self.py(t.ok, host_side=host_side)
            return ok if returned else f"wt.Ok[{ok}] | wt.Err[{self.py(t.err, host_side=host_side)}]"
        if k in ("own", "borrow") and t.resource is not None and t.resource.name:
            name = self.names.by_type.get(t.resource, "Any")
            if t.resource.imported:
                if t.resource.interface not in self.host:
                    return "Any"  # a WASI resource: wt passes none of them
                return "Any" if host_side and k == "borrow" else name  # (the host's own class: see _protocols)
            return f"_{name}"
        if k == "map" and t.key is not None and t.value is not None:
            return f"dict[{self.py(t.key)}, {self.py(t.value)}]"
        return "Any"

    def signature(self, f: wt.ComponentFunctionType, *, skip_self: bool = False, host_side: bool = False,
                  self_arg: bool = True) -> str:
        params = f.params[1:] if skip_self else f.params
        args = [f"{_ident(n)}: {self.py(t, host_side=host_side)}" for n, t in params]
        head = (["self"] if self_arg else []) + args
        slash = ", /" if args else ""
        return f"({', '.join(head)}{slash}) -> {self.py(f.result, returned=True, host_side=host_side)}"

    # -- the stub ------------------------------------------------------------------------
    def stub(self) -> str:
        out = [f'"""Typed bindings of {self.module}, written by wt-wasm bindgen (wt_wasi.generate_bindings)."""',
               "", "from __future__ import annotations", "", "import enum", "from collections.abc import Callable",
               "from typing import Any, ClassVar, Protocol",
               "", "import wt_api as wt", ""]
        for t, name in self.names.by_type.items():
            out += self._type_stub(t, name)
        for name, item in self.exports.items():
            if isinstance(item, wt.ComponentInterfaceType):
                out += self._interface_stub(name, item)
        out += self._protocols()
        out += self._world_stub()
        return "\n".join(out) + "\n"

    def _type_stub(self, t: wt.WitType, name: str) -> list[str]:
        doc = f'    """WIT ``{t.definition()}``{f" from ``{t.interface}``" if t.interface else ""}."""'
        if t.kind == "record":
            fields = [(_ident(n), self.py(f)) for n, f in t.fields]
            init = ", ".join(f"{n}: {p}" for n, p in fields)
            return ["", f"class {name}(wt.WitRecord):", doc, *(f"    {n}: {p}" for n, p in fields),
                    f"    def __init__(self{', ' if init else ''}{init}) -> None: ...", ""]
        if t.kind == "variant":
            lines = ["", f"class {name}(wt.WitVariant):", doc]
            lines += [f"    {_camel(c)}: ClassVar[type[_{name}_{_camel(c)}]]" for c, _ in t.cases]
            for case, payload in t.cases:
                lines += ["", f"class _{name}_{_camel(case)}({name}):", "    case: str",
                          f"    value: {self.py(payload)}",
                          f"    def __init__(self{f', value: {self.py(payload)}' if payload is not None else ''}) -> None: ..."]
            return lines + [""]
        if t.kind == "enum":
            return ["", f"class {name}(enum.Enum):", doc,
                    *(f"    {c.replace('-', '_').upper()} = {c!r}" for c in t.names), ""]
        if t.kind == "flags":
            return ["", f"class {name}(enum.Flag):", doc,
                    *(f"    {c.replace('-', '_').upper()} = {1 << i}" for i, c in enumerate(t.names)), ""]
        if t.kind == "resource" and not t.imported:
            return self._resource_stub(t, name)
        return []

    def _resource_stub(self, t: wt.WitType, name: str) -> list[str]:
        iface = self.exports.get(t.interface or "")
        lines = ["", f"class {name}(wt.ComponentResource):",
                 f'    """Handles of the resource ``{t.name}`` of ``{t.interface}``."""']
        if isinstance(iface, wt.ComponentInterfaceType):
            for fname, f in iface.functions:
                if not fname.startswith("[") or fname[fname.index("]") + 1:].split(".", 1)[0] != t.name:
                    continue
                if fname.startswith("[constructor]"):
                    params = ", ".join(f"{_ident(n)}: {self.py(p)}" for n, p in f.params)
                    lines.append(f"    def __init__(self{', ' if params else ''}{params}{', /' if params else ''}) -> None: ...")
                elif fname.startswith("[method]"):
                    lines.append(f"    def {_ident(fname.split('.', 1)[1])}{self.signature(f, skip_self=True)}: ...")
                else:
                    lines += ["    @staticmethod",
                              f"    def {_ident(fname.split('.', 1)[1])}{self.signature(f, self_arg=False)}: ..."]
        return lines + ["", f"_{name} = {name}", ""]

    def _interface_stub(self, name: str, iface: wt.ComponentInterfaceType) -> list[str]:
        cls = _camel(_short(name)) + "Interface"
        lines = ["", f"class {cls}:", f'    """The exported interface ``{name}``."""',
                 "    def __init__(self, instance: wt.ComponentInstance) -> None: ..."]
        for tname, t in iface.types:
            if t.kind == "resource" and t in self.names.by_type:
                pyname = self.names.by_type[t]
                lines += ["    @property", f"    def {_camel(tname)}(self) -> type[_{pyname}]: ..."]
        for fname, f in iface.functions:
            if not fname.startswith("["):
                lines.append(f"    def {_ident(fname)}{self.signature(f)}: ...")
        return lines + [""]

    def _protocols(self) -> list[str]:
        lines: list[str] = []
        for name, item in self.host.items():
            if not isinstance(item, wt.ComponentInterfaceType):
                continue
            cls = _camel(_short(name)) + "Host"
            body = [f'    """What a host implementation of the imported ``{name}`` has."""']
            for tname, t in item.types:
                if t.kind != "resource" or t not in self.names.by_type:
                    continue
                pyname = self.names.by_type[t]
                lines += self._host_resource(item, tname, pyname)
                body += ["    @property", f"    def {_camel(tname)}(self) -> {pyname}Class: ..."]
            for fname, f in item.functions:
                if not fname.startswith("["):
                    body.append(f"    def {_ident(fname)}{self.signature(f, host_side=True)}: ...")
            lines += ["", f"class {cls}(Protocol):", *body, ""]
        return lines

    def _host_resource(self, iface: wt.ComponentInterfaceType, rname: str, pyname: str) -> list[str]:
        instance = [f"class {pyname}(Protocol):", f'    """An object of the host\'s class for the resource ``{rname}``."""']
        klass = [f"class {pyname}Class(Protocol):", f'    """The host\'s class for the resource ``{rname}``."""']
        for fname, f in iface.functions:
            if not fname.startswith("[") or fname[fname.index("]") + 1:].split(".", 1)[0] != rname:
                continue
            if fname.startswith("[constructor]"):
                params = ", ".join(f"{_ident(n)}: {self.py(p, host_side=True)}" for n, p in f.params)
                klass.append(f"    def __call__(self{', ' if params else ''}{params}{', /' if params else ''}) -> {pyname}: ...")
            elif fname.startswith("[method]"):
                instance.append(f"    def {_ident(fname.split('.', 1)[1])}{self.signature(f, skip_self=True, host_side=True)}: ...")
            else:
                klass.append(f"    def {_ident(fname.split('.', 1)[1])}{self.signature(f, host_side=True)}: ...")
        if len(instance) == 2:
            instance.append("    pass")
        return ["", *instance, "", *klass, ""]

    def _host_params(self) -> list[tuple[str, str, str]]:
        """(keyword, WIT name, Python type) of each host import ``instantiate`` takes."""
        out = []
        for name, item in self.host.items():
            if isinstance(item, wt.ComponentInterfaceType):
                out.append((_ident(_short(name)), name, _camel(_short(name)) + "Host"))
            elif isinstance(item, wt.ComponentFunctionType):
                args = ", ".join(self.py(t, host_side=True) for _, t in item.params)
                out.append((_ident(name), name, f"Callable[[{args}], {self.py(item.result, returned=True, host_side=True)}]"))
        return out

    def _world_stub(self) -> list[str]:
        cls = _camel(self.module)
        lines = ["", f"class {cls}:", f'    """An instance of {self.module}, typed."""',
                 "    instance: wt.ComponentInstance",
                 "    def __init__(self, instance: wt.ComponentInstance) -> None: ..."]
        for name, item in self.exports.items():
            if isinstance(item, wt.ComponentInterfaceType):
                lines.append(f"    {_ident(_short(name))}: {_camel(_short(name))}Interface")
            elif isinstance(item, wt.ComponentFunctionType):
                lines.append(f"    def {_ident(name)}{self.signature(item)}: ...")
        hosts = self._host_params()
        params = (", *" + "".join(f", {kw}: {ty}" for kw, _, ty in hosts)) if hosts else ""
        lines += ["", "", f"def instantiate(runtime: wt.Runtime, compiled: wt.CompiledComponent, "
                  f"config: wt.ModuleConfig | None = None{params}) -> {cls}: ..."]
        return lines


def _runtime_module(writer: _Writer) -> str:
    cls = _camel(writer.module)
    out = [f'"""Typed bindings of {writer.module}, written by wt-wasm bindgen (wt_wasi.generate_bindings): the',
           "run-time half; the types are in the .pyi beside it.\"\"\"", "", "import wt_api as wt",
           "from wt_api import WitType as _W", ""]
    for t, name in writer.names.by_type.items():
        if t.kind in _NAMED:
            out.append(f"{name} = wt.wit_class({_literal(t)})")
        elif t.kind == "resource" and not t.imported:
            out.append(f"{name} = _{name} = wt.ComponentResource  # (each instance has a class of its own)")
    out.append("")
    for name, item in writer.exports.items():
        if isinstance(item, wt.ComponentInterfaceType):
            iface = _camel(_short(name)) + "Interface"
            members = [_camel(t) for t, ty in item.types if ty.kind == "resource"]
            members += [_ident(f) for f, _ in item.functions if not f.startswith("[")]
            out += ["", f"class {iface}:", f'    """The exported interface ``{name}``."""', "",
                    "    def __init__(self, instance):",
                    f"        exported = instance.exports[{name!r}]",
                    f"        for name in {tuple(members)!r}:",
                    "            setattr(self, name, getattr(exported, name))", ""]
    out += ["", f"class {cls}:", f'    """An instance of {writer.module}, typed."""', "",
            "    def __init__(self, instance):", "        self.instance = instance", "        exports = instance.exports"]
    for name, item in writer.exports.items():
        if isinstance(item, wt.ComponentInterfaceType):
            out.append(f"        self.{_ident(_short(name))} = {_camel(_short(name))}Interface(instance)")
        elif isinstance(item, wt.ComponentFunctionType):
            out.append(f"        self.{_ident(name)} = exports[{name!r}]")
    hosts = writer._host_params()
    params = (", *" + "".join(f", {kw}" for kw, _, _ in hosts)) if hosts else ""
    imports = "{" + ", ".join(f"{wit!r}: {kw}" for kw, wit, _ in hosts) + "}"
    method = "instantiate_component_with_wasi" if writer.wasi else "instantiate_component"
    out += ["", "", f"def instantiate(runtime, compiled, config=None{params}):",
            f'    """Instantiate ``compiled`` ({writer.module}) with its imports implemented by the keyword arguments."""',
            f"    return {cls}(runtime.{method}(compiled, config, imports={imports}))", ""]
    return "\n".join(out)


def generate_bindings(compiled: wt.CompiledComponent, module: str) -> tuple[str, str]:
    """The typed Python bindings of ``compiled``: the text of a module named ``module`` and of
    its stub (``.pyi``). See the module docstring (and ``wt-wasm bindgen``)."""
    if not isinstance(compiled, wt.CompiledComponent):
        raise TypeError(f"generate_bindings takes a CompiledComponent, not {type(compiled).__name__}")
    if not module.isidentifier() or keyword.iskeyword(module):
        raise ValueError(f"a module name is a Python identifier, not {module!r}")
    writer = _Writer(compiled, module)
    return _runtime_module(writer), writer.stub()


def write_bindings(runtime: wt.Runtime, path: str, name: str | None, out_dir: str, cached: bool,
                   usage: type[Exception]) -> list[str]:
    """``wt-wasm bindgen``: compile the component in ``path`` and write NAME.py and NAME.pyi
    into ``out_dir``; the paths written."""
    import os  # (the command's files: only bindgen needs them)

    from ._notice import CompileNotice  # (the command's notice: only bindgen needs it)

    module = name or _ident(os.path.splitext(os.path.basename(path))[0])
    if not module.isidentifier() or keyword.iskeyword(module):
        raise usage(f"--name takes a Python module name, not {module!r}")
    try:
        with CompileNotice(path, os.stat(path).st_size, cached=cached):
            compiled = runtime.compile_component_file(path)
    except wt.CompileError as exc:
        raise usage(f"{path} is not a valid component: {exc.message.splitlines()[0]}") from None
    source, stub = generate_bindings(compiled, module)
    written = []
    os.makedirs(out_dir, exist_ok=True)
    for suffix, text in ((".py", source), (".pyi", stub)):
        target = os.path.join(out_dir, module + suffix)
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)
        written.append(target)
    return written

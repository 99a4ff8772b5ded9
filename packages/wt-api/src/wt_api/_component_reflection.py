"""Reading a component's WIT types from wasmtime's type reflection
(``wt_ffi.component.types``) into :mod:`wt_api._component_types`' values.

That reflection gives structures, not names: a record is its fields, a resource an opaque
handle. The names come from the type items each interface (and the world) exports beside
its functions (``record point`` appears as an item ``point``), so a structure equal to a
named type item is given that name, and a resource is named by the resource item it
equals (``wasmtime_component_resource_type_equal``).
"""

from __future__ import annotations

import ctypes

from wt_ffi.component.types import component as _tc
from wt_ffi.component.types import func as _tf
from wt_ffi.component.types import instance as _ti
from wt_ffi.component.types import resource as _tr
from wt_ffi.component.types import val as _tv

from ._component_types import (NAMED_KINDS, PRIMITIVES, ComponentFunctionType, ComponentInterfaceType, ComponentItem,
                               WitType, strip_names)

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from wt_ffi import engine as _engine

__all__ = ["TypeReader", "free_items"]


def _text(address: int | None, length: int) -> str:
    return ctypes.string_at(address, length).decode("utf-8", "replace") if address else ""


class TypeReader:
    """Reads the types of one component (the names of the module docstring). The owned
    resource types it compares with are freed by :meth:`close`."""

    def __init__(self, engine: ctypes._Pointer[_engine.wasm_engine_t]) -> None:
        self._engine = engine
        self._names: dict[tuple[object, ...], tuple[str, str | None]] = {}  # stripped structure -> (name, interface)
        self._resources: list[tuple[object, WitType]] = []  # (owned resource type, its WitType)
        self._unlearnt: list[tuple[str | None, list[tuple[str, _tc.wasmtime_component_item_t]]]] = []

    def close(self) -> None:
        """Free the resource types kept for comparisons."""
        for ptr, _ in self._resources:
            _tr.wasmtime_component_resource_type_delete(ptr)  # type: ignore[arg-type]
        self._resources.clear()

    # -- names ------------------------------------------------------------------------
    def learn_resources(self, interface: str | None, items: list[tuple[str, _tc.wasmtime_component_item_t]],
                        imported: bool) -> None:
        """Record the resources among an interface's (or the world's) items."""
        for name, item in items:
            if item.kind == _tc.COMPONENT_ITEM_RESOURCE and self._resource(item.of.resource) is None:
                clone = _tr.wasmtime_component_resource_type_clone(item.of.resource)
                self._resources.append((clone, WitType("resource", name=name, interface=interface,
                                                       imported=imported)))

    def defer_types(self, interface: str | None, items: list[tuple[str, _tc.wasmtime_component_item_t]]) -> None:
        """Learn the named types among these items when a structure is not named yet (the
        items must live until the reader is closed)."""
        self._unlearnt.append((interface, items))

    def learn_types(self, interface: str | None, items: list[tuple[str, _tc.wasmtime_component_item_t]]) -> None:
        """Record the named types among an interface's (or the world's) items."""
        for name, item in items:
            if item.kind == _tc.COMPONENT_ITEM_TYPE:
                t = self.valtype(item.of.type, named=False)
                if t.kind in NAMED_KINDS:
                    self._names.setdefault(strip_names(t), (name, interface))

    def _resource(self, ptr: object) -> WitType | None:
        for known, t in self._resources:
            if _tr.wasmtime_component_resource_type_equal(known, ptr):  # type: ignore[arg-type]
                return t
        return None

    def _named(self, t: WitType) -> WitType:
        key = strip_names(t)
        found = self._names.get(key)
        while found is None and self._unlearnt:
            self.learn_types(*self._unlearnt.pop(0))
            found = self._names.get(key)
        return t if found is None else t.replace(name=found[0], interface=found[1])

    # -- value types --------------------------------------------------------------------
    def valtype(self, vt: _tv.wasmtime_component_valtype_t, named: bool = True) -> WitType:
        """The WitType of ``vt`` (not freed here)."""
        kind, of = vt.kind, vt.of
        primitive = PRIMITIVES.get(kind)
        if primitive is not None:
            return WitType(primitive)
        sub = self._sub
        if kind == _tv.VALTYPE_LIST:
            return WitType("list", element=sub(_tv.wasmtime_component_list_type_element, of.list, named))
        if kind == _tv.VALTYPE_OPTION:
            return WitType("option", element=sub(_tv.wasmtime_component_option_type_ty, of.option, named))
        if kind == _tv.VALTYPE_RESULT:
            return WitType("result", ok=sub(_tv.wasmtime_component_result_type_ok, of.result, named),
                           err=sub(_tv.wasmtime_component_result_type_err, of.result, named))
        if kind == _tv.VALTYPE_TUPLE:
            count = _tv.wasmtime_component_tuple_type_types_count(of.tuple)
            elements = tuple(sub(_tv.wasmtime_component_tuple_type_types_nth, of.tuple, named, i) for i in range(count))
            return WitType("tuple", elements=elements)  # type: ignore[arg-type]
        if kind == _tv.VALTYPE_RECORD:
            fields = self._fields(_tv.wasmtime_component_record_type_field_count,
                                  _tv.wasmtime_component_record_type_field_nth, of.record, named)
            t = WitType("record", fields=fields)
        elif kind == _tv.VALTYPE_VARIANT:
            t = WitType("variant", cases=self._cases(of.variant, named))
        elif kind == _tv.VALTYPE_ENUM:
            t = WitType("enum", names=self._labels(_tv.wasmtime_component_enum_type_names_count,
                                                   _tv.wasmtime_component_enum_type_names_nth, of.enum))
        elif kind == _tv.VALTYPE_FLAGS:
            t = WitType("flags", names=self._labels(_tv.wasmtime_component_flags_type_names_count,
                                                    _tv.wasmtime_component_flags_type_names_nth, of.flags))
        elif kind in (_tv.VALTYPE_OWN, _tv.VALTYPE_BORROW):
            resource = self._resource(of.own) or WitType("resource")
            return WitType("own" if kind == _tv.VALTYPE_OWN else "borrow", resource=resource)
        elif kind in (_tv.VALTYPE_FUTURE, _tv.VALTYPE_STREAM):
            getter = (_tv.wasmtime_component_future_type_ty if kind == _tv.VALTYPE_FUTURE
                      else _tv.wasmtime_component_stream_type_ty)
            return WitType("future" if kind == _tv.VALTYPE_FUTURE else "stream",
                           element=sub(getter, of.future if kind == _tv.VALTYPE_FUTURE else of.stream, named))
        elif kind == _tv.VALTYPE_MAP:
            return WitType("map", key=sub(_tv.wasmtime_component_map_type_key, of.map, named),
                           value=sub(_tv.wasmtime_component_map_type_value, of.map, named))
        elif kind == _tv.VALTYPE_FIXED_LENGTH_LIST:
            return WitType("fixed-length-list",
                           element=sub(_tv.wasmtime_component_fixed_length_list_type_element,
                                       of.fixed_length_list, named))
        else:
            return WitType(f"unknown-{kind}")
        return self._named(t) if named else t

    def _sub(self, getter: object, ty: object, named: bool, *index: int) -> WitType | None:
        inner = _tv.wasmtime_component_valtype_t()
        present = getter(ty, *index, ctypes.byref(inner))  # type: ignore[operator]
        if present is False:
            return None
        try:
            return self.valtype(inner, named)
        finally:
            _tv.wasmtime_component_valtype_delete(ctypes.byref(inner))

    def _fields(self, count: object, nth: object, ty: object, named: bool) -> tuple[tuple[str, WitType], ...]:
        out = []
        for i in range(count(ty)):  # type: ignore[operator]
            name, length, inner = ctypes.c_void_p(), ctypes.c_size_t(), _tv.wasmtime_component_valtype_t()
            if not nth(ty, i, ctypes.byref(name), ctypes.byref(length), ctypes.byref(inner)):  # type: ignore[operator]
                break
            try:
                out.append((_text(name.value, length.value), self.valtype(inner, named)))
            finally:
                _tv.wasmtime_component_valtype_delete(ctypes.byref(inner))
        return tuple(out)

    def _cases(self, ty: object, named: bool) -> tuple[tuple[str, WitType | None], ...]:
        out: list[tuple[str, WitType | None]] = []
        for i in range(_tv.wasmtime_component_variant_type_case_count(ty)):  # type: ignore[arg-type]
            name, length, has = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_bool()
            inner = _tv.wasmtime_component_valtype_t()
            if not _tv.wasmtime_component_variant_type_case_nth(ty, i, ctypes.byref(name), ctypes.byref(length),  # type: ignore[arg-type]
                                                               ctypes.byref(has), ctypes.byref(inner)):
                break
            if has.value:
                try:
                    out.append((_text(name.value, length.value), self.valtype(inner, named)))
                finally:
                    _tv.wasmtime_component_valtype_delete(ctypes.byref(inner))
            else:
                out.append((_text(name.value, length.value), None))
        return tuple(out)

    @staticmethod
    def _labels(count: object, nth: object, ty: object) -> tuple[str, ...]:
        out = []
        for i in range(count(ty)):  # type: ignore[operator]
            name, length = ctypes.c_void_p(), ctypes.c_size_t()
            if not nth(ty, i, ctypes.byref(name), ctypes.byref(length)):  # type: ignore[operator]
                break
            out.append(_text(name.value, length.value))
        return tuple(out)

    # -- functions, interfaces, items -----------------------------------------------------
    def function(self, ft: ctypes._Pointer[_tf.wasmtime_component_func_type_t]) -> ComponentFunctionType:
        """The signature of a component function type (not freed here)."""
        params = self._fields(_tf.wasmtime_component_func_type_param_count, _tf.wasmtime_component_func_type_param_nth,
                              ft, True)
        result = _tv.wasmtime_component_valtype_t()
        if not _tf.wasmtime_component_func_type_result(ft, ctypes.byref(result)):
            return ComponentFunctionType(params)
        try:
            return ComponentFunctionType(params, self.valtype(result))
        finally:
            _tv.wasmtime_component_valtype_delete(ctypes.byref(result))

    def instance_items(self, ty: ctypes._Pointer[_ti.wasmtime_component_instance_type_t]
                       ) -> list[tuple[str, _tc.wasmtime_component_item_t]]:
        """Every export of an instance type as (name, owned item): free with :func:`free_items`."""
        out = []
        count = _ti.wasmtime_component_instance_type_export_count(ty, self._engine)
        for i in range(count):
            name, length, ext = ctypes.c_void_p(), ctypes.c_size_t(), _ti.ComponentExternPtr()
            if not _ti.wasmtime_component_instance_type_export_nth(ty, self._engine, i, ctypes.byref(name),
                                                                   ctypes.byref(length), ctypes.byref(ext)):
                break
            item = _tc.wasmtime_component_item_t()
            _tc.wasmtime_component_extern_type(ext, ctypes.byref(item))
            _tc.wasmtime_component_extern_delete(ext)
            out.append((_text(name.value, length.value), item))
        return out

    def interface(self, name: str, ty: ctypes._Pointer[_ti.wasmtime_component_instance_type_t]) -> ComponentInterfaceType:
        """The interface ``name`` of instance type ``ty`` (its names must be learnt first)."""
        items = self.instance_items(ty)
        try:
            functions, types = [], []
            for item_name, item in items:
                if item.kind == _tc.COMPONENT_ITEM_COMPONENT_FUNC:
                    functions.append((item_name, self.function(item.of.component_func)))
                elif item.kind == _tc.COMPONENT_ITEM_RESOURCE:
                    types.append((item_name, self._resource(item.of.resource) or WitType("resource", name=item_name)))
                elif item.kind == _tc.COMPONENT_ITEM_TYPE:
                    types.append((item_name, self.valtype(item.of.type)))
            return ComponentInterfaceType(name, tuple(functions), tuple(types))
        finally:
            free_items(items)

    def item(self, name: str, item: _tc.wasmtime_component_item_t) -> ComponentItem:
        """What an import or export ``name`` is (``item`` is not freed here)."""
        kind = item.kind
        if kind == _tc.COMPONENT_ITEM_COMPONENT_FUNC:
            return self.function(item.of.component_func)
        if kind == _tc.COMPONENT_ITEM_COMPONENT_INSTANCE:
            return self.interface(name, item.of.component_instance)
        if kind == _tc.COMPONENT_ITEM_RESOURCE:
            return self._resource(item.of.resource) or WitType("resource", name=name)
        if kind == _tc.COMPONENT_ITEM_TYPE:
            return self.valtype(item.of.type)
        other = {_tc.COMPONENT_ITEM_MODULE: "core-module", _tc.COMPONENT_ITEM_COMPONENT: "component",
                 _tc.COMPONENT_ITEM_CORE_FUNC: "core-func"}
        return WitType(other.get(kind, f"unknown-item-{kind}"), name=name)


def free_items(items: list[tuple[str, _tc.wasmtime_component_item_t]]) -> None:
    """Free the items :meth:`TypeReader.instance_items` returned."""
    for _, item in items:
        _tc.wasmtime_component_item_delete(ctypes.byref(item))

"""``wasmtime/component/types/val.h``: the types of component values.

A ``wasmtime_component_valtype_t`` is a tagged union (16 bytes): a ``VALTYPE_*`` kind and,
for the compound kinds, an owned pointer to an opaque type. Every valtype written by wasmtime
is owned by the caller and freed with ``wasmtime_component_valtype_delete``. The kinds of a
valtype are NOT numbered like the kinds of a value (``component.val``): here the signed
integers come first (s8, s16, s32, s64, u8, ...), there they alternate (s8, u8, s16, ...).
Names returned by the ``*_nth`` functions are borrowed from the type they came from.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_size_t, c_uint8, c_void_p

from ..._library import cfunc, declare_owned
from .resource import ResourceTypePtr, wasmtime_component_resource_type_t

__all__ = ["wasmtime_component_valtype_t", "ValTypePtr", "VALTYPE_BOOL", "VALTYPE_S8", "VALTYPE_S16",
           "VALTYPE_S32", "VALTYPE_S64", "VALTYPE_U8", "VALTYPE_U16", "VALTYPE_U32", "VALTYPE_U64",
           "VALTYPE_F32", "VALTYPE_F64", "VALTYPE_CHAR", "VALTYPE_STRING", "VALTYPE_LIST", "VALTYPE_RECORD",
           "VALTYPE_TUPLE", "VALTYPE_VARIANT", "VALTYPE_ENUM", "VALTYPE_OPTION", "VALTYPE_RESULT",
           "VALTYPE_FLAGS", "VALTYPE_OWN", "VALTYPE_BORROW", "VALTYPE_FUTURE", "VALTYPE_STREAM",
           "VALTYPE_ERROR_CONTEXT", "VALTYPE_MAP", "VALTYPE_FIXED_LENGTH_LIST", "NameOut", "SizeOut"]

# wasmtime_component_valtype_kind_t (the order of the Rust enum behind it; 27, a fixed-length
# list, is produced by 50.0.1 although its header stops at 26)
(VALTYPE_BOOL, VALTYPE_S8, VALTYPE_S16, VALTYPE_S32, VALTYPE_S64, VALTYPE_U8, VALTYPE_U16, VALTYPE_U32,
 VALTYPE_U64, VALTYPE_F32, VALTYPE_F64, VALTYPE_CHAR, VALTYPE_STRING, VALTYPE_LIST, VALTYPE_RECORD,
 VALTYPE_TUPLE, VALTYPE_VARIANT, VALTYPE_ENUM, VALTYPE_OPTION, VALTYPE_RESULT, VALTYPE_FLAGS, VALTYPE_OWN,
 VALTYPE_BORROW, VALTYPE_FUTURE, VALTYPE_STREAM, VALTYPE_ERROR_CONTEXT, VALTYPE_MAP,
 VALTYPE_FIXED_LENGTH_LIST) = range(28)


class wasmtime_component_valtype_t(ctypes.Structure):
    """``wasmtime_component_valtype_t``: a ``VALTYPE_*`` kind and its payload (``of``)."""

    kind: int
    of: wasmtime_component_valtype_union_t


ValTypePtr = POINTER(wasmtime_component_valtype_t)
NameOut = POINTER(c_void_p)
"""``const char **``: where a borrowed name's address is written."""
SizeOut = POINTER(c_size_t)
"""``size_t *``: where a length is written."""


# --- list ---------------------------------------------------------------------

class wasmtime_component_list_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_list_type_t``: the type of a ``list<T>``."""


ListTypePtr = POINTER(wasmtime_component_list_type_t)


(wasmtime_component_list_type_clone, wasmtime_component_list_type_equal,
 wasmtime_component_list_type_delete) = declare_owned(__name__, "wasmtime_component_list_type", ListTypePtr)


@cfunc(None, ListTypePtr, ValTypePtr)
def wasmtime_component_list_type_element(ty: ctypes._Pointer[wasmtime_component_list_type_t], out: object) -> None:
    """Write the element type into ``out`` (an owned valtype)."""

# --- record -------------------------------------------------------------------

class wasmtime_component_record_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_record_type_t``: the type of a record."""


RecordTypePtr = POINTER(wasmtime_component_record_type_t)


(wasmtime_component_record_type_clone, wasmtime_component_record_type_equal,
 wasmtime_component_record_type_delete) = declare_owned(__name__, "wasmtime_component_record_type", RecordTypePtr)


@cfunc(c_size_t, RecordTypePtr)
def wasmtime_component_record_type_field_count(ty: ctypes._Pointer[wasmtime_component_record_type_t]) -> int:
    """The number of fields."""
    ...


@cfunc(c_bool, RecordTypePtr, c_size_t, NameOut, SizeOut, ValTypePtr)
def wasmtime_component_record_type_field_nth(ty: ctypes._Pointer[wasmtime_component_record_type_t], nth: int,
                                             name: object, name_len: object, out: object) -> bool:
    """The ``nth`` field: its name (borrowed from ``ty``) and its owned type; false past the end."""
    ...

# --- tuple --------------------------------------------------------------------

class wasmtime_component_tuple_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_tuple_type_t``: the type of a tuple."""


TupleTypePtr = POINTER(wasmtime_component_tuple_type_t)


(wasmtime_component_tuple_type_clone, wasmtime_component_tuple_type_equal,
 wasmtime_component_tuple_type_delete) = declare_owned(__name__, "wasmtime_component_tuple_type", TupleTypePtr)


@cfunc(c_size_t, TupleTypePtr)
def wasmtime_component_tuple_type_types_count(ty: ctypes._Pointer[wasmtime_component_tuple_type_t]) -> int:
    """The number of elements."""
    ...


@cfunc(c_bool, TupleTypePtr, c_size_t, ValTypePtr)
def wasmtime_component_tuple_type_types_nth(ty: ctypes._Pointer[wasmtime_component_tuple_type_t], nth: int, out: object) -> bool:
    """The owned type of the ``nth`` element; false past the end."""
    ...

# --- variant ------------------------------------------------------------------

class wasmtime_component_variant_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_variant_type_t``: the type of a variant."""


VariantTypePtr = POINTER(wasmtime_component_variant_type_t)


(wasmtime_component_variant_type_clone, wasmtime_component_variant_type_equal,
 wasmtime_component_variant_type_delete) = declare_owned(__name__, "wasmtime_component_variant_type", VariantTypePtr)


@cfunc(c_size_t, VariantTypePtr)
def wasmtime_component_variant_type_case_count(ty: ctypes._Pointer[wasmtime_component_variant_type_t]) -> int:
    """The number of cases."""
    ...


@cfunc(c_bool, VariantTypePtr, c_size_t, NameOut, SizeOut, POINTER(c_bool), ValTypePtr)
def wasmtime_component_variant_type_case_nth(ty: ctypes._Pointer[wasmtime_component_variant_type_t], nth: int, name: object,
                                             name_len: object, has_payload: object, payload: object) -> bool:
    """The ``nth`` case: its name (borrowed), whether it has a payload and, if so, the payload's
    owned type; false past the end."""
    ...

# --- enum ---------------------------------------------------------------------

class wasmtime_component_enum_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_enum_type_t``: the type of an enum."""


EnumTypePtr = POINTER(wasmtime_component_enum_type_t)


(wasmtime_component_enum_type_clone, wasmtime_component_enum_type_equal,
 wasmtime_component_enum_type_delete) = declare_owned(__name__, "wasmtime_component_enum_type", EnumTypePtr)


@cfunc(c_size_t, EnumTypePtr)
def wasmtime_component_enum_type_names_count(ty: ctypes._Pointer[wasmtime_component_enum_type_t]) -> int:
    """The number of names."""
    ...


@cfunc(c_bool, EnumTypePtr, c_size_t, NameOut, SizeOut)
def wasmtime_component_enum_type_names_nth(ty: ctypes._Pointer[wasmtime_component_enum_type_t], nth: int, name: object,
                                           name_len: object) -> bool:
    """The ``nth`` name (borrowed from ``ty``); false past the end."""
    ...

# --- option -------------------------------------------------------------------

class wasmtime_component_option_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_option_type_t``: the type of an ``option<T>``."""


OptionTypePtr = POINTER(wasmtime_component_option_type_t)


(wasmtime_component_option_type_clone, wasmtime_component_option_type_equal,
 wasmtime_component_option_type_delete) = declare_owned(__name__, "wasmtime_component_option_type", OptionTypePtr)


@cfunc(None, OptionTypePtr, ValTypePtr)
def wasmtime_component_option_type_ty(ty: ctypes._Pointer[wasmtime_component_option_type_t], out: object) -> None:
    """Write the payload type into ``out`` (an owned valtype)."""

# --- result -------------------------------------------------------------------

class wasmtime_component_result_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_result_type_t``: the type of a ``result<T, E>``."""


ResultTypePtr = POINTER(wasmtime_component_result_type_t)


(wasmtime_component_result_type_clone, wasmtime_component_result_type_equal,
 wasmtime_component_result_type_delete) = declare_owned(__name__, "wasmtime_component_result_type", ResultTypePtr)


@cfunc(c_bool, ResultTypePtr, ValTypePtr)
def wasmtime_component_result_type_ok(ty: ctypes._Pointer[wasmtime_component_result_type_t], out: object) -> bool:
    """The owned ``ok`` payload type; false when ``ok`` has none."""
    ...


@cfunc(c_bool, ResultTypePtr, ValTypePtr)
def wasmtime_component_result_type_err(ty: ctypes._Pointer[wasmtime_component_result_type_t], out: object) -> bool:
    """The owned ``err`` payload type; false when ``err`` has none."""
    ...

# --- flags --------------------------------------------------------------------

class wasmtime_component_flags_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_flags_type_t``: the type of a flags type."""


FlagsTypePtr = POINTER(wasmtime_component_flags_type_t)


(wasmtime_component_flags_type_clone, wasmtime_component_flags_type_equal,
 wasmtime_component_flags_type_delete) = declare_owned(__name__, "wasmtime_component_flags_type", FlagsTypePtr)


@cfunc(c_size_t, FlagsTypePtr)
def wasmtime_component_flags_type_names_count(ty: ctypes._Pointer[wasmtime_component_flags_type_t]) -> int:
    """The number of flags."""
    ...


@cfunc(c_bool, FlagsTypePtr, c_size_t, NameOut, SizeOut)
def wasmtime_component_flags_type_names_nth(ty: ctypes._Pointer[wasmtime_component_flags_type_t], nth: int, name: object,
                                            name_len: object) -> bool:
    """The ``nth`` flag name (borrowed from ``ty``); false past the end."""
    ...

# --- future -------------------------------------------------------------------

class wasmtime_component_future_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_future_type_t``: the type of a ``future<T>``."""


FutureTypePtr = POINTER(wasmtime_component_future_type_t)


(wasmtime_component_future_type_clone, wasmtime_component_future_type_equal,
 wasmtime_component_future_type_delete) = declare_owned(__name__, "wasmtime_component_future_type", FutureTypePtr)


@cfunc(c_bool, FutureTypePtr, ValTypePtr)
def wasmtime_component_future_type_ty(ty: ctypes._Pointer[wasmtime_component_future_type_t], out: object) -> bool:
    """The owned payload type; false for a ``future`` without one."""
    ...

# --- stream -------------------------------------------------------------------

class wasmtime_component_stream_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_stream_type_t``: the type of a ``stream<T>``."""


StreamTypePtr = POINTER(wasmtime_component_stream_type_t)


(wasmtime_component_stream_type_clone, wasmtime_component_stream_type_equal,
 wasmtime_component_stream_type_delete) = declare_owned(__name__, "wasmtime_component_stream_type", StreamTypePtr)


@cfunc(c_bool, StreamTypePtr, ValTypePtr)
def wasmtime_component_stream_type_ty(ty: ctypes._Pointer[wasmtime_component_stream_type_t], out: object) -> bool:
    """The owned element type; false for a ``stream`` without one."""
    ...

# --- map ----------------------------------------------------------------------

class wasmtime_component_map_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_map_type_t``: the type of a ``map<K, V>``."""


MapTypePtr = POINTER(wasmtime_component_map_type_t)


(wasmtime_component_map_type_clone, wasmtime_component_map_type_equal,
 wasmtime_component_map_type_delete) = declare_owned(__name__, "wasmtime_component_map_type", MapTypePtr)


@cfunc(None, MapTypePtr, ValTypePtr)
def wasmtime_component_map_type_key(ty: ctypes._Pointer[wasmtime_component_map_type_t], out: object) -> None:
    """Write the key type into ``out`` (an owned valtype)."""


@cfunc(None, MapTypePtr, ValTypePtr)
def wasmtime_component_map_type_value(ty: ctypes._Pointer[wasmtime_component_map_type_t], out: object) -> None:
    """Write the value type into ``out`` (an owned valtype)."""

# --- fixed length list --------------------------------------------------------

class wasmtime_component_fixed_length_list_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_fixed_length_list_type_t``: the type of a ``list<T, N>`` (exported by 50.0.1 but absent from its header)."""


FixedLengthListTypePtr = POINTER(wasmtime_component_fixed_length_list_type_t)


(wasmtime_component_fixed_length_list_type_clone, wasmtime_component_fixed_length_list_type_equal,
 wasmtime_component_fixed_length_list_type_delete) = declare_owned(__name__, "wasmtime_component_fixed_length_list_type", FixedLengthListTypePtr)


@cfunc(None, FixedLengthListTypePtr, ValTypePtr)
def wasmtime_component_fixed_length_list_type_element(ty: ctypes._Pointer[wasmtime_component_fixed_length_list_type_t],
                                                      out: object) -> None:
    """Write the element type into ``out`` (an owned valtype)."""


# --- the union --------------------------------------------------------------------

class wasmtime_component_valtype_union_t(ctypes.Union):
    """Payload of a ``wasmtime_component_valtype_t``: one owned pointer, by kind."""

    _fields_ = [("list", ListTypePtr), ("record", RecordTypePtr), ("tuple", TupleTypePtr),
                ("variant", VariantTypePtr), ("enum", EnumTypePtr), ("option", OptionTypePtr),
                ("result", ResultTypePtr), ("flags", FlagsTypePtr), ("own", ResourceTypePtr),
                ("borrow", ResourceTypePtr), ("future", FutureTypePtr), ("stream", StreamTypePtr),
                ("map", MapTypePtr), ("fixed_length_list", FixedLengthListTypePtr)]
    list: ctypes._Pointer[wasmtime_component_list_type_t]
    record: ctypes._Pointer[wasmtime_component_record_type_t]
    tuple: ctypes._Pointer[wasmtime_component_tuple_type_t]
    variant: ctypes._Pointer[wasmtime_component_variant_type_t]
    enum: ctypes._Pointer[wasmtime_component_enum_type_t]
    option: ctypes._Pointer[wasmtime_component_option_type_t]
    result: ctypes._Pointer[wasmtime_component_result_type_t]
    flags: ctypes._Pointer[wasmtime_component_flags_type_t]
    own: ctypes._Pointer[wasmtime_component_resource_type_t]
    borrow: ctypes._Pointer[wasmtime_component_resource_type_t]
    future: ctypes._Pointer[wasmtime_component_future_type_t]
    stream: ctypes._Pointer[wasmtime_component_stream_type_t]
    map: ctypes._Pointer[wasmtime_component_map_type_t]
    fixed_length_list: ctypes._Pointer[wasmtime_component_fixed_length_list_type_t]


wasmtime_component_valtype_t._fields_ = [("kind", c_uint8), ("of", wasmtime_component_valtype_union_t)]


@cfunc(None, ValTypePtr, ValTypePtr)
def wasmtime_component_valtype_clone(ty: object, out: object) -> None:
    """Write an owned copy of ``ty`` into ``out``."""


@cfunc(c_bool, ValTypePtr, ValTypePtr)
def wasmtime_component_valtype_equal(a: object, b: object) -> bool:
    """Whether two value types are structurally equal."""
    ...


@cfunc(None, ValTypePtr)
def wasmtime_component_valtype_delete(ty: object) -> None:
    """Free what a valtype owns (the struct's own memory is the caller's)."""

"""Arrow assembly for ``Verifier.verify_to_arrow`` (pyarrow is optional).

The extension verifies a chunk, hands its ``{column: list}`` to
:func:`arrays`, and at the end gives every chunk's arrays to :func:`table`.
"""

from __future__ import annotations

from typing import Any


def require() -> None:
    """Raises ``ImportError`` with the install hint when pyarrow is missing."""
    try:
        import pyarrow  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as e:  # pragma: no cover - exercised without pyarrow
        raise ImportError(
            "verify_to_arrow needs pyarrow: pip install 'certanchor[arrow]' "
            "(or pip install pyarrow)"
        ) from e


def arrays(columns: dict[str, list[Any]]) -> dict[str, Any]:
    """One chunk's Python lists as Arrow arrays (types inferred per chunk)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    out: dict[str, Any] = {}
    for name, values in columns.items():
        if name == "endorsers":
            out[name] = pa.array(values, type=pa.list_(pa.string()))
        elif name == "row":
            out[name] = pa.array(values, type=pa.int64())
        else:
            out[name] = pa.array(values)
    return out


def table(names: list[str], chunks: list[dict[str, Any]]) -> Any:
    """The ``pyarrow.Table`` of every chunk's arrays, one chunked column per
    name. Each chunk inferred its own types: they are unified (nulls take
    the others' type, decimals widen to fit every chunk, inside records
    too); a column whose chunks cannot be unified (two kinds giving one
    field name different types) becomes text."""
    import pyarrow as pa  # type: ignore[import-untyped]

    columns = []
    for name in names:
        parts = [c[name] for c in chunks]
        if not parts:
            columns.append(pa.chunked_array([], type=pa.int64() if name == "row" else pa.string()))
            continue
        try:
            unified = pa.unify_schemas(
                [pa.schema([("f", p.type)]) for p in parts], promote_options="permissive"
            )
            target = unified.field("f").type
            if pa.types.is_null(target):
                target = pa.string()
            fixed = [p if p.type == target else p.cast(target) for p in parts]
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            target = pa.string()
            fixed = [p if p.type == target else _as_text(p) for p in parts]
        columns.append(pa.chunked_array(fixed, type=target))
    return pa.Table.from_arrays(columns, names=names)


def _as_text(array: Any) -> Any:
    """An array as text (``str`` of each value, nulls kept)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    return pa.array([None if v is None else str(v) for v in array.to_pylist()], type=pa.string())

"""Every public item of the package has a docstring."""

from __future__ import annotations

import inspect
import typing

import certanchor
from certanchor import sample


def test_public_items_are_documented() -> None:
    missing = []
    for mod in (certanchor, sample):
        assert mod.__doc__
        for name in mod.__all__:
            obj = getattr(mod, name)
            if isinstance(obj, (str, int)):
                continue
            if typing.get_origin(obj) is typing.Literal:
                # a type alias: documented by the string literal after it in
                # the source, which Python does not keep at run time
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{mod.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or member is None:
                        # a None default (``LedgerError.evidence``) is
                        # described by its class's docstring
                        continue
                    if not inspect.getdoc(member):
                        missing.append(f"{mod.__name__}.{name}.{attr}")
    assert missing == []

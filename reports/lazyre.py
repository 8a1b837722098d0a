"""Regular expressions compiled at their first use.

`re` compiles in Python: a tenth of a millisecond for a typical pattern of this package, more for a
long alternation or a class of CJK ranges, and a fresh `nianbao check` process would compile a
hundred and fifty of them. The patterns a check of a PDF report seldom needs (other formats'
wording, text run together by crawls, fallbacks) wait until something uses them.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # as typing's; importing typing would cost each `nianbao check` process 2 ms
if TYPE_CHECKING:
    from typing import Any

# What the package asks of a pattern; after the compile they are attributes of the LazyPattern.
_ATTRIBUTES = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split",
               "flags", "groups", "groupindex")


class LazyPattern:
    """re.compile(pattern, flags) when one of its methods is first asked for; from then on the
    compiled pattern's methods are this object's own attributes (no detour through __getattr__)."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        if name not in _ATTRIBUTES:
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self._flags)
        for attr in _ATTRIBUTES:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

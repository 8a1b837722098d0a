"""reports.lazyre: a pattern compiled at its first use answers as the compiled pattern would."""

from __future__ import annotations

import re

import pytest

from reports.lazyre import LazyPattern


def test_compiled_at_first_use_then_held() -> None:
    lazy = LazyPattern(r"(\d+)件", re.I)
    assert lazy.pattern == r"(\d+)件" and "search" not in vars(lazy)  # .pattern needs no compile
    compiled = re.compile(r"(\d+)件", re.I)
    text = "共12件，其中3件"
    assert lazy.search(text).group(1) == "12"
    assert "search" in vars(lazy) and "sub" in vars(lazy)  # later uses skip __getattr__
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert lazy.sub("N", text) == compiled.sub("N", text) == "共N，其中N"
    assert (lazy.match(text), lazy.fullmatch("7件").group(1), lazy.findall(text), lazy.split(text)) == \
        (None, "7", ["12", "3"], compiled.split(text))
    assert (lazy.flags, lazy.groups, lazy.groupindex) == (compiled.flags, compiled.groups, compiled.groupindex)


def test_bytes_patterns_and_unknown_attributes() -> None:
    lazy = LazyPattern(rb"<\s*html", re.I)
    assert lazy.search(b"x < HTML>").start() == 2
    with pytest.raises(AttributeError):
        lazy.scanner  # noqa: B018 - not something the package asks of a pattern

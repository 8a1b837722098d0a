"""One bound on the work of fitting numbers to cells for a whole document.

Each search (cutting glued digits, rejoining split numbers, placing too few numbers) has its own
bound, but a hostile file can hold hundreds of rows that each need a long search. parse() gives the
document one budget of steps; every search takes its steps from it, and once it is spent the rows
still to be fitted stay unread (never guessed). Outside parse() nothing is counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MAX_DOCUMENT_STEPS = 200_000  # about 0.2 s of searching on these cores; a real report needs under 70,000

_left: ContextVar[list[int] | None] = ContextVar("nianbao_fit_steps", default=None)


@contextmanager
def bounded(steps: int = MAX_DOCUMENT_STEPS) -> Iterator[None]:
    """The work inside the block shares `steps`."""
    token = _left.set([steps])
    try:
        yield
    finally:
        _left.reset(token)


def spend(steps: int) -> bool:
    """Take `steps` from the document's budget; False when it is spent (the caller gives up)."""
    left = _left.get()
    if left is None:
        return True
    left[0] -= steps
    return left[0] >= 0

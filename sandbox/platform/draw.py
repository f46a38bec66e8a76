"""Fast draws from the one seeded RNG.

`random.choice`/`randrange` cost several times more than `random()`; at a million
companies that is minutes. These give the same determinism (one RNG, fixed order).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, lo: int, hi: int) -> int:
    """An integer in [lo, hi)."""
    return lo + int(rng.random() * (hi - lo))

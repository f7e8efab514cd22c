"""Counter-based randomness: every derived value is a pure function of (seed, keys).

Lazily built records must not depend on the order in which they are requested, so each
one gets its own generator keyed by the catalog seed, the media type and the title id.
"""

from __future__ import annotations

import random

_MASK = (1 << 64) - 1


_START = 0x9E3779B97F4A7C15


def mix(*parts: int) -> int:
    """Give a well-mixed 64-bit hash of integers (splitmix64 finalizer, chained)."""
    return mix_from(_START, *parts)


def mix_from(h: int, *parts: int) -> int:
    """Continue a ``mix`` chain: ``mix_from(mix(a, b), c) == mix(a, b, c)``.

    Hot loops hash the shared prefix (seed, media) once and only fold in the id.
    """
    for part in parts:
        h = ((h ^ (part & _MASK)) * 0xBF58476D1CE4E5B9) & _MASK
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & _MASK
        h ^= h >> 29
    return h


def rng_for(*parts: int) -> random.Random:
    """Give a ``random.Random`` seeded from integers, independent of call order."""
    return random.Random(mix(*parts))


# Salts keep the streams of one title apart (title, details, credits, ...).
SALT_TITLE = 1
SALT_DETAILS = 2
SALT_TEXT = 3
SALT_CREDITS = 4
SALT_MEDIA = 5
SALT_CHANGES = 6
SALT_DRIFT = 7
MEDIA_KEY = {"movie": 1, "tv": 2}

"""Placeholder: mojibake repair routes (owned by a helper, being written)."""
from __future__ import annotations


def repair_mojibake(text: str) -> tuple[str, dict[str, int]]:
    """Return ``text`` unchanged with no repairs (placeholder)."""
    return text, {}

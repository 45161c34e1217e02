"""Finding initiatives from what a participant types: a number, or words in any case and accent."""

from __future__ import annotations

import unicodedata

from bot.domain.catalogue import Catalogue, Initiative


def fold(text: str) -> str:
    """Lower-case, accent-free text, so "Régional" matches "regional"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_initiatives(
    catalogue: Catalogue, query: str, language: str | None = None, limit: int = 25
) -> list[Initiative]:
    """Initiatives whose number starts with the query or whose title holds every word of it."""
    needle = fold(query.strip())
    initiatives = catalogue.initiatives
    if not needle:
        return list(initiatives[:limit])
    words = needle.split()
    by_number = [i for i in initiatives if str(i.number).startswith(needle)]
    by_words = [
        i
        for i in initiatives
        if i not in by_number
        and all(word in fold(f"{i.title} {i.title_in(language)} {i.description}") for word in words)
    ]
    return (by_number + by_words)[:limit]

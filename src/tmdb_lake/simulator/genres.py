"""TMDB's real genre and language tables, so simulated ids and names match production.

Each media type has its own genre tuple; a title's genres are stored as a bitmask whose
bit ``i`` is the genre at position ``i`` of that tuple.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Media = Literal["movie", "tv"]
MEDIA: tuple[Media, ...] = ("movie", "tv")


@dataclass(frozen=True)
class Genre:
    """A TMDB genre with its English and Brazilian Portuguese names.

    ``share`` is the fraction of titles carrying it, used when the catalog is built.
    """

    id: int
    en: str
    pt: str
    share: float


MOVIE_GENRES: tuple[Genre, ...] = (
    Genre(28, "Action", "Ação", 0.14),
    Genre(12, "Adventure", "Aventura", 0.07),
    Genre(16, "Animation", "Animação", 0.12),
    Genre(35, "Comedy", "Comédia", 0.35),
    Genre(80, "Crime", "Crime", 0.08),
    Genre(99, "Documentary", "Documentário", 0.08),
    Genre(18, "Drama", "Drama", 0.30),
    Genre(10751, "Family", "Família", 0.06),
    Genre(14, "Fantasy", "Fantasia", 0.05),
    Genre(36, "History", "História", 0.03),
    Genre(27, "Horror", "Terror", 0.10),
    Genre(10402, "Music", "Música", 0.04),
    Genre(9648, "Mystery", "Mistério", 0.04),
    Genre(10749, "Romance", "Romance", 0.10),
    Genre(878, "Science Fiction", "Ficção científica", 0.05),
    Genre(10770, "TV Movie", "Cinema TV", 0.04),
    Genre(53, "Thriller", "Thriller", 0.12),
    Genre(10752, "War", "Guerra", 0.02),
    Genre(37, "Western", "Faroeste", 0.02),
)

# TMDB leaves several TV genre names untranslated in pt-BR; so do we.
TV_GENRES: tuple[Genre, ...] = (
    Genre(10759, "Action & Adventure", "Action & Adventure", 0.10),
    Genre(16, "Animation", "Animação", 0.14),
    Genre(35, "Comedy", "Comédia", 0.25),
    Genre(80, "Crime", "Crime", 0.08),
    Genre(99, "Documentary", "Documentário", 0.10),
    Genre(18, "Drama", "Drama", 0.30),
    Genre(10751, "Family", "Família", 0.06),
    Genre(10762, "Kids", "Kids", 0.05),
    Genre(9648, "Mystery", "Mistério", 0.05),
    Genre(10763, "News", "News", 0.02),
    Genre(10764, "Reality", "Reality", 0.08),
    Genre(10765, "Sci-Fi & Fantasy", "Sci-Fi & Fantasy", 0.06),
    Genre(10766, "Soap", "Soap", 0.04),
    Genre(10767, "Talk", "Talk", 0.03),
    Genre(10768, "War & Politics", "War & Politics", 0.02),
    Genre(37, "Western", "Faroeste", 0.01),
)

GENRES: dict[Media, tuple[Genre, ...]] = {"movie": MOVIE_GENRES, "tv": TV_GENRES}
GENRE_BIT: dict[Media, dict[int, int]] = {
    media: {genre.id: 1 << i for i, genre in enumerate(table)} for media, table in GENRES.items()
}


@dataclass(frozen=True)
class Language:
    """An original language: ISO 639-1 code, names, share of titles and usual countries."""

    code: str
    english_name: str
    name: str
    share: float
    countries: tuple[str, ...]


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English", 0.52, ("US", "GB", "CA")),
    Language("pt", "Portuguese", "Português", 0.07, ("BR", "PT")),
    Language("es", "Spanish", "Español", 0.08, ("ES", "MX", "AR")),
    Language("fr", "French", "Français", 0.07, ("FR", "BE")),
    Language("de", "German", "Deutsch", 0.05, ("DE", "AT")),
    Language("ja", "Japanese", "日本語", 0.08, ("JP",)),
    Language("ko", "Korean", "한국어/조선말", 0.05, ("KR",)),
    Language("zh", "Mandarin", "普通话", 0.05, ("CN", "TW")),
    Language("hi", "Hindi", "हिन्दी", 0.03, ("IN",)),
)
LANGUAGE_INDEX: dict[str, int] = {lang.code: i for i, lang in enumerate(LANGUAGES)}

COUNTRY_NAMES: dict[str, str] = {
    "US": "United States of America",
    "GB": "United Kingdom",
    "CA": "Canada",
    "BR": "Brazil",
    "PT": "Portugal",
    "ES": "Spain",
    "MX": "Mexico",
    "AR": "Argentina",
    "FR": "France",
    "BE": "Belgium",
    "DE": "Germany",
    "AT": "Austria",
    "JP": "Japan",
    "KR": "South Korea",
    "CN": "China",
    "TW": "Taiwan",
    "IN": "India",
}


def wants_portuguese(language: str) -> bool:
    """Tell whether a ``language`` parameter (``pt-BR``, ``pt``) asks for Portuguese text."""
    return language.lower().startswith("pt")


def genre_name(genre: Genre, language: str) -> str:
    """Give the genre's name in the requested language (English unless Portuguese)."""
    return genre.pt if wants_portuguese(language) else genre.en


def _collation_key(name: str) -> str:
    # Strip accents so "Ação" sorts before "Animação", as TMDB's localized lists do.
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def genre_list(media: Media, language: str) -> list[dict[str, object]]:
    """Give ``/genre/{media}/list`` results: every genre, sorted by its localized name."""
    items = [{"id": g.id, "name": genre_name(g, language)} for g in GENRES[media]]
    return sorted(items, key=lambda item: _collation_key(str(item["name"])))


def genres_of(media: Media, mask: int) -> list[Genre]:
    """Give the genres encoded in a bitmask, in table order."""
    return [genre for i, genre in enumerate(GENRES[media]) if mask >> i & 1]

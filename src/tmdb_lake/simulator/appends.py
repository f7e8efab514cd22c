"""TV details and the ``append_to_response`` sub-objects (credits, videos, images, ...).

Each builder takes ``(records, media, row, language)`` and gives the object TMDB nests
under the append's name (without the ``id`` the standalone endpoint adds).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from tmdb_lake.simulator import texts
from tmdb_lake.simulator.columns import UPCOMING_FROM
from tmdb_lake.simulator.genres import LANGUAGES, Media
from tmdb_lake.simulator.seeds import MEDIA_KEY, SALT_CREDITS, mix, rng_for

if TYPE_CHECKING:
    from tmdb_lake.simulator.records import Records

Json = dict[str, Any]
Builder = Callable[["Records", Media, int, str], Json]
MAX_APPENDS = 20
PEOPLE = 200_000


def imdb_id(title_id: int) -> str:
    """Give a stable IMDb id (``tt`` and at least 7 digits) for a TMDB id."""
    return f"tt{(title_id * 7919) % 9_000_000 + 100_000:07d}"


def hex_id(bits: int) -> str:
    """Give a 24-hex-digit object id like TMDB's ``credit_id`` or video ``id``."""
    return f"{mix(bits, 1):016x}{mix(bits, 2) & 0xFFFFFFFF:08x}"


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat() if ordinal else ""


def person(seed: int, person_id: int) -> tuple[str, int, float, str | None]:
    """Give a person's name, gender, popularity and profile: the same in every credit."""
    rng = rng_for(seed, 7, person_id)
    name = texts.person_name(rng)
    profile = None if rng.random() < 0.25 else texts.image_path(mix(seed, person_id, 3))
    return name, rng.randint(0, 3), round(rng.random() * 30, 3), profile


def credits(records: Records, media: Media, row: int, language: str) -> Json:
    """Give ``credits``: cast with characters, crew with jobs."""
    del language
    title_id = records.catalog.columns(media).ids[row]
    rng = rng_for(records.seed, MEDIA_KEY[media], title_id, SALT_CREDITS)
    cast, crew = [], []
    for order in range(rng.randint(0, 12)):
        pid = 1 + rng.randrange(PEOPLE) * 13
        name, gender, popularity, profile = person(records.seed, pid)
        member: Json = {
            "adult": False,
            "gender": gender,
            "id": pid,
            "known_for_department": "Acting",
            "name": name,
            "original_name": name,
            "popularity": popularity,
            "profile_path": profile,
        }
        if media == "movie":
            member["cast_id"] = order + 1
        member["character"] = texts.person_name(rng)
        member["credit_id"] = hex_id(mix(title_id, pid, order))
        member["order"] = order
        cast.append(member)
    for n in range(rng.randint(0, 6)):
        pid = 1 + rng.randrange(PEOPLE) * 13
        name, gender, popularity, profile = person(records.seed, pid)
        department, job = rng.choice(texts.JOBS)
        crew.append(
            {
                "adult": False,
                "gender": gender,
                "id": pid,
                "known_for_department": department,
                "name": name,
                "original_name": name,
                "popularity": popularity,
                "profile_path": profile,
                "credit_id": hex_id(mix(title_id, pid, 100 + n)),
                "department": department,
                "job": job,
            }
        )
    return {"cast": cast, "crew": crew}


def _rng(records: Records, media: Media, row: int, salt: int) -> random.Random:
    title_id = records.catalog.columns(media).ids[row]
    return rng_for(records.seed, MEDIA_KEY[media], title_id, 100 + salt)


def keywords(records: Records, media: Media, row: int, language: str) -> Json:
    """Give ``keywords`` (movies nest them under ``keywords``, TV under ``results``)."""
    del language
    rng = _rng(records, media, row, 1)
    picked = [{"id": k, "name": n} for k, n in rng.sample(texts.KEYWORDS, rng.randint(0, 5))]
    return {"keywords" if media == "movie" else "results": picked}


def external_ids(records: Records, media: Media, row: int, language: str) -> Json:
    """Give ``external_ids``; social ids are often null, as on TMDB."""
    del language
    title_id = records.catalog.columns(media).ids[row]
    rng = _rng(records, media, row, 2)
    handle = f"sim{title_id}"
    result: Json = {"imdb_id": imdb_id(title_id)}
    if media == "tv":
        result |= {
            "freebase_mid": None,
            "freebase_id": None,
            "tvdb_id": None if rng.random() < 0.3 else 70_000 + title_id,
            "tvrage_id": None,
        }
    result |= {
        "wikidata_id": None if rng.random() < 0.4 else f"Q{100_000 + title_id}",
        "facebook_id": None if rng.random() < 0.6 else handle,
        "instagram_id": None if rng.random() < 0.6 else handle,
        "twitter_id": None if rng.random() < 0.7 else handle,
    }
    return result


_CERTIFICATIONS = {"US": ("G", "PG", "PG-13", "R"), "BR": ("L", "10", "12", "14", "16", "18")}
_TV_RATINGS = {"US": ("TV-Y", "TV-PG", "TV-14", "TV-MA"), "BR": ("L", "12", "16", "18")}


def release_dates(records: Records, media: Media, row: int, language: str) -> Json:
    """Give movie ``release_dates`` per country (empty when the date is unknown)."""
    del language
    ordinal = records.catalog.columns(media).date[row]
    rng = _rng(records, media, row, 3)
    results = []
    if ordinal:
        for country, certs in _CERTIFICATIONS.items():
            day = date.fromordinal(ordinal + (0 if country == "US" else rng.randint(0, 90)))
            entry: Json = {
                "certification": rng.choice((*certs, "")),
                "descriptors": [],
                "iso_639_1": "",
                "note": "" if rng.random() < 0.8 else "Festival do Rio",
                "release_date": f"{day.isoformat()}T00:00:00.000Z",
                "type": rng.choice((1, 2, 3, 3, 3, 4)),
            }
            results.append({"iso_3166_1": country, "release_dates": [entry]})
    return {"results": results}


def content_ratings(records: Records, media: Media, row: int, language: str) -> Json:
    """Give TV ``content_ratings`` per country."""
    del language
    rng = _rng(records, media, row, 4)
    return {
        "results": [
            {"descriptors": [], "iso_3166_1": country, "rating": rng.choice(ratings)}
            for country, ratings in _TV_RATINGS.items()
            if rng.random() < 0.7
        ]
    }


def videos(records: Records, media: Media, row: int, language: str) -> Json:
    """Give ``videos``: a few YouTube trailers and teasers."""
    rng = _rng(records, media, row, 5)
    title = records.title(media, row, language)
    ordinal = records.catalog.columns(media).date[row] or UPCOMING_FROM
    published = date.fromordinal(max(ordinal - rng.randint(0, 120), 1))
    results = []
    for n in range(rng.randint(0, 3)):
        bits = mix(records.seed, row, n, 5)
        kind = rng.choice(("Trailer", "Teaser", "Featurette", "Clip"))
        key = "".join(rng.choice(texts.YOUTUBE_ALPHABET) for _ in range(11))
        results.append(
            {
                "iso_639_1": "pt" if language.lower().startswith("pt") else "en",
                "iso_3166_1": "BR" if language.lower().startswith("pt") else "US",
                "name": f"{title} — Official {kind}",
                "key": key,
                "site": "YouTube",
                "size": rng.choice((720, 1080, 2160)),
                "type": kind,
                "official": rng.random() < 0.8,
                "published_at": f"{published.isoformat()}T{rng.randint(0, 23):02d}:00:00.000Z",
                "id": hex_id(bits),
            }
        )
    return {"results": results}


def images(records: Records, media: Media, row: int, language: str) -> Json:
    """Give ``images``: backdrops (no language), logos and posters."""
    del language
    rng = _rng(records, media, row, 6)
    code = LANGUAGES[records.catalog.columns(media).language[row]].code

    def image(bits: int, width: int, height: int, lang: str | None, ext: str = "jpg") -> Json:
        return {
            "aspect_ratio": round(width / height, 3),
            "height": height,
            "iso_639_1": lang,
            "file_path": texts.image_path(bits, ext),
            "vote_average": round(rng.random() * 10, 3),
            "vote_count": rng.randint(0, 20),
            "width": width,
        }

    return {
        "backdrops": [image(mix(row, 1, n), 1920, 1080, None) for n in range(rng.randint(0, 3))],
        "logos": [image(mix(row, 2, n), 500, 120, code, "png") for n in range(rng.randint(0, 2))],
        "posters": [image(mix(row, 3, n), 600, 900, code) for n in range(rng.randint(0, 3))],
    }


def translations(records: Records, media: Media, row: int, language: str) -> Json:
    """Give ``translations`` for English and Brazilian Portuguese."""
    del language
    out = []
    for country, code, name, english in (
        ("US", "en", "English", "English"),
        ("BR", "pt", "Português", "Portuguese"),
    ):
        locale = f"{code}-{country}"
        data: Json = {
            "homepage": "",
            "overview": records.overview(media, row, locale),
            "tagline": "",
        }
        title = records.title(media, row, locale)
        if media == "movie":
            data |= {"runtime": 0, "title": title}
        else:
            data |= {"name": title}
        out.append(
            {
                "iso_3166_1": country,
                "iso_639_1": code,
                "name": name,
                "english_name": english,
                "data": data,
            }
        )
    return {"translations": out}


def alternative_titles(records: Records, media: Media, row: int, language: str) -> Json:
    """Give ``alternative_titles`` (movies under ``titles``, TV under ``results``)."""
    del language
    rng = _rng(records, media, row, 7)
    titles = []
    if rng.random() < 0.5:
        titles.append({"iso_3166_1": "BR", "title": records.title(media, row, "pt-BR"), "type": ""})
    if rng.random() < 0.3:
        titles.append(
            {
                "iso_3166_1": "US",
                "title": records.title(media, row, "en-US"),
                "type": "working title",
            }
        )
    return {"titles" if media == "movie" else "results": titles}


BUILDERS: dict[Media, dict[str, Builder]] = {
    "movie": {
        "credits": credits,
        "keywords": keywords,
        "external_ids": external_ids,
        "release_dates": release_dates,
        "videos": videos,
        "images": images,
        "translations": translations,
        "alternative_titles": alternative_titles,
    },
    "tv": {
        "credits": credits,
        "aggregate_credits": credits,
        "keywords": keywords,
        "external_ids": external_ids,
        "content_ratings": content_ratings,
        "videos": videos,
        "images": images,
        "translations": translations,
        "alternative_titles": alternative_titles,
    },
}

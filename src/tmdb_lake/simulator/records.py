"""TMDB-shaped JSON objects built on demand from the catalog columns and (seed, id).

Nothing here is stored: a discover item, a details object or an export line is rebuilt
from the title's columns and its own seeded generator, so it is identical on every call
and no memory is spent on titles nobody asks for.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson

from tmdb_lake.simulator import appends, texts
from tmdb_lake.simulator.catalog import Catalog
from tmdb_lake.simulator.columns import ADULT, UPCOMING_FROM, VIDEO
from tmdb_lake.simulator.genres import (
    COUNTRY_NAMES,
    LANGUAGES,
    Media,
    genre_name,
    genres_of,
    wants_portuguese,
)
from tmdb_lake.simulator.seeds import (
    MEDIA_KEY,
    SALT_DETAILS,
    SALT_MEDIA,
    SALT_TEXT,
    SALT_TITLE,
    mix,
    mix_from,
    rng_for,
)

Json = dict[str, Any]
_CODES = tuple(lang.code for lang in LANGUAGES)
_BOOL = {0: "false", ADULT: "true", VIDEO: "true"}


def iso_day(ordinal: int) -> str:
    """Give ``YYYY-MM-DD`` for an ordinal, ``""`` for 0 (TMDB's empty date)."""
    return date.fromordinal(ordinal).isoformat() if ordinal else ""


class Records:
    """Builds every JSON object the endpoints return, for one catalog.

    Example::

        records = Records(Catalog(movies=100))
        item = records.list_item("movie", 0, "pt-BR")
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.seed = catalog.seed
        # Discover pages re-serve the same popular titles over and over: cache the items.
        self._cached_item = functools.lru_cache(maxsize=65_536)(self._list_item)
        self._prefix = {media: mix(self.seed, key) for media, key in MEDIA_KEY.items()}

    def _key(self, media: Media, title_id: int, salt: int) -> int:
        return mix_from(self._prefix[media], title_id, salt)

    def title_spec(self, media: Media, row: int) -> texts.TitleSpec:
        """Give the recipe of a title's name (same in every language)."""
        title_id = self.catalog.columns(media).ids[row]
        return texts.TitleSpec(self._key(media, title_id, SALT_TITLE))

    def original_title(self, media: Media, row: int) -> str:
        """Give the title in its original language, as in exports and ``original_title``."""
        code = LANGUAGES[self.catalog.columns(media).language[row]].code
        return self.title_spec(media, row).render(code)

    def title(self, media: Media, row: int, language: str) -> str:
        """Give the title localized for a ``language`` parameter (pt-BR or English)."""
        return self.title_spec(media, row).render("pt" if wants_portuguese(language) else "en")

    def overview(self, media: Media, row: int, language: str) -> str:
        """Give the synopsis in the requested language; empty when TMDB would have none."""
        title_id = self.catalog.columns(media).ids[row]
        portuguese = wants_portuguese(language)
        bits = self._key(media, title_id, SALT_TEXT)
        # ~6% of titles have no synopsis at all, ~8% more lack a Portuguese translation.
        if bits % 100 < 6 or (portuguese and bits % 100 < 14):
            return ""
        spec = self.title_spec(media, row)
        return texts.overview(spec, random.Random(bits), portuguese)

    def _images(self, media: Media, title_id: int) -> tuple[str | None, str | None]:
        bits = self._key(media, title_id, SALT_MEDIA)
        poster = None if bits % 100 < 10 else texts.image_path(bits >> 8)
        backdrop = None if (bits >> 7) % 100 < 11 else texts.image_path(mix(bits, 1))
        return poster, backdrop

    def forget_items(self) -> None:
        """Drop the cached discover items (a title's date moved)."""
        self._cached_item.cache_clear()

    def list_item(self, media: Media, row: int, language: str) -> Json:
        """Give a ``/discover`` result item (a cached, shared dict: do not mutate it)."""
        return self._cached_item(media, row, "pt" if wants_portuguese(language) else "en")

    def _list_item(self, media: Media, row: int, language: str) -> Json:
        c = self.catalog.columns(media)
        title_id = c.ids[row]
        poster, backdrop = self._images(media, title_id)
        lang = LANGUAGES[c.language[row]]
        genre_ids = [g.id for g in genres_of(media, c.genres[row])]
        overview = self.overview(media, row, language)
        title = self.title(media, row, language)
        if media == "movie":
            return {
                "adult": bool(c.flags[row] & ADULT),
                "backdrop_path": backdrop,
                "genre_ids": genre_ids,
                "id": title_id,
                "original_language": lang.code,
                "original_title": self.original_title(media, row),
                "overview": overview,
                "popularity": c.popularity[row] / 1000,
                "poster_path": poster,
                "release_date": iso_day(c.date[row]),
                "title": title,
                "video": bool(c.flags[row] & VIDEO),
                "vote_average": c.vote_average[row] / 10,
                "vote_count": c.vote_count[row],
            }
        return {
            "adult": bool(c.flags[row] & ADULT),
            "backdrop_path": backdrop,
            "genre_ids": genre_ids,
            "id": title_id,
            "origin_country": [lang.countries[title_id % len(lang.countries)]],
            "original_language": lang.code,
            "original_name": self.original_title(media, row),
            "overview": overview,
            "popularity": c.popularity[row] / 1000,
            "poster_path": poster,
            "first_air_date": iso_day(c.date[row]),
            "name": title,
            "vote_average": c.vote_average[row] / 10,
            "vote_count": c.vote_count[row],
        }

    def export_line(self, media: Media, row: int) -> Json:
        """Give one line of a daily id export, with TMDB's fields and order."""
        c = self.catalog.columns(media)
        if media == "movie":
            return {
                "adult": bool(c.flags[row] & ADULT),
                "id": c.ids[row],
                "original_title": self.original_title(media, row),
                "popularity": c.popularity[row] / 1000,
                "video": bool(c.flags[row] & VIDEO),
            }
        return {
            "id": c.ids[row],
            "original_name": self.original_title(media, row),
            "popularity": c.popularity[row] / 1000,
        }

    def export_lines(self, media: Media, rows: Sequence[int]) -> bytes:
        """Give NDJSON export lines for rows: ``export_line`` output, built ~2x faster.

        A million-line export is generated on demand, so this skips the per-line dict and
        serializer call; only the title goes through orjson, for its string escaping.
        """
        c = self.catalog.columns(media)
        ids, popularity, flags, languages = c.ids, c.popularity, c.flags, c.language
        prefix, codes, spec, dumps = self._prefix[media], _CODES, texts.TitleSpec, orjson.dumps
        out = []
        for row in rows:
            title_id = ids[row]
            title = dumps(
                spec(mix_from(prefix, title_id, SALT_TITLE)).render(codes[languages[row]])
            )
            pop = popularity[row] / 1000
            if media == "movie":
                flag = flags[row]
                out.append(
                    f'{{"adult":{_BOOL[flag & ADULT]},"id":{title_id},'
                    f'"original_title":{title.decode()},"popularity":{pop!r},'
                    f'"video":{_BOOL[flag & VIDEO]}}}\n'
                )
            else:
                out.append(
                    f'{{"id":{title_id},"original_name":{title.decode()},"popularity":{pop!r}}}\n'
                )
        return "".join(out).encode()

    def details(self, media: Media, row: int, language: str, extra: Sequence[str] = ()) -> Json:
        """Give ``/{media}/{id}`` with the requested ``append_to_response`` objects."""
        c = self.catalog.columns(media)
        title_id = c.ids[row]
        rng = rng_for(self.seed, MEDIA_KEY[media], title_id, SALT_DETAILS)
        item = self._list_item(media, row, language)
        lang = LANGUAGES[c.language[row]]
        countries = [lang.countries[title_id % len(lang.countries)]]
        portuguese = wants_portuguese(language)
        genres = [
            {"id": g.id, "name": genre_name(g, language)} for g in genres_of(media, c.genres[row])
        ]
        companies = [
            {
                "id": cid,
                "logo_path": None if rng.random() < 0.3 else texts.image_path(mix(cid), "png"),
                "name": name,
                "origin_country": country,
            }
            for cid, name, country in rng.sample(texts.COMPANIES, rng.randint(0, 3))
        ]
        production_countries = [{"iso_3166_1": k, "name": COUNTRY_NAMES[k]} for k in countries]
        spoken = [{"english_name": lang.english_name, "iso_639_1": lang.code, "name": lang.name}]
        homepage = "" if rng.random() < 0.6 else f"https://example.org/title/{title_id}"
        tagline = texts.tagline(rng, portuguese)
        upcoming = c.date[row] == 0 or c.date[row] >= UPCOMING_FROM
        if media == "movie":
            collection = None
            if rng.random() < 0.12:
                cid = 1_000_000 + title_id % 50_000
                collection = {
                    "id": cid,
                    "name": f"{self.title(media, row, language)} Collection",
                    "poster_path": texts.image_path(mix(cid, 1)),
                    "backdrop_path": texts.image_path(mix(cid, 2)),
                }
            budget = 0 if rng.random() < 0.55 else rng.randrange(100_000, 250_000_000, 1000)
            revenue = 0 if upcoming or rng.random() < 0.5 else int(budget * 3 * rng.random())
            result: Json = {
                "adult": item["adult"],
                "backdrop_path": item["backdrop_path"],
                "belongs_to_collection": collection,
                "budget": budget,
                "genres": genres,
                "homepage": homepage,
                "id": title_id,
                "imdb_id": appends.imdb_id(title_id),
                "origin_country": countries,
                "original_language": lang.code,
                "original_title": item["original_title"],
                "overview": item["overview"],
                "popularity": item["popularity"],
                "poster_path": item["poster_path"],
                "production_companies": companies,
                "production_countries": production_countries,
                "release_date": item["release_date"],
                "revenue": revenue,
                "runtime": 0 if rng.random() < 0.05 else rng.randint(70, 190),
                "spoken_languages": spoken,
                "status": rng.choice(("Post Production", "In Production", "Planned"))
                if upcoming
                else "Released",
                "tagline": tagline,
                "title": item["title"],
                "video": item["video"],
                "vote_average": item["vote_average"],
                "vote_count": item["vote_count"],
            }
        else:
            result = tv_details(
                item,
                c.date[row],
                c.end_date[row],
                rng,
                genres=genres,
                companies=companies,
                countries=production_countries,
                spoken=spoken,
                homepage=homepage,
                tagline=tagline,
                seed=self.seed,
            )
        for name in extra:
            builder = appends.BUILDERS[media].get(name)
            if builder is not None and name not in result:
                result[name] = builder(self, media, row, language)
        return result


def tv_details(
    item: Json,
    first: int,
    last: int,
    rng: random.Random,
    *,
    genres: list[Json],
    companies: list[Json],
    countries: list[Json],
    spoken: list[Json],
    homepage: str,
    tagline: str,
    seed: int,
) -> Json:
    """Give ``/tv/{id}`` from its discover item plus seasons, networks and episodes."""
    title_id = int(item["id"])
    seasons_count = 0 if first == 0 else 1 + min(int(rng.expovariate(0.5)), 14)
    span = max(last - first, 0)
    seasons = []
    total_episodes = 0
    if seasons_count and rng.random() < 0.2:
        seasons.append((0, rng.randint(1, 6)))
    seasons += [(n, rng.randint(6, 24)) for n in range(1, seasons_count + 1)]
    season_objects = []
    for number, episodes in seasons:
        offset = span * (max(number, 1) - 1) // max(seasons_count, 1)
        total_episodes += episodes if number else 0
        season_objects.append(
            {
                "air_date": iso_day(first + offset) if first else "",
                "episode_count": episodes,
                "id": 10_000_000 + (mix(seed, title_id, number) % 90_000_000),
                "name": "Specials" if number == 0 else f"Season {number}",
                "overview": "",
                "poster_path": None
                if rng.random() < 0.2
                else texts.image_path(mix(title_id, number)),
                "season_number": number,
                "vote_average": round(rng.random() * 10, 1),
            }
        )
    ended = last != 0 and last < UPCOMING_FROM - 180
    last_episode = None
    if first and first < UPCOMING_FROM:
        last_episode = {
            "id": 50_000_000 + (mix(seed, title_id, 99) % 50_000_000),
            "name": f"{item['name']} ({rng.randint(1, 24)})",
            "overview": "",
            "vote_average": round(rng.random() * 10, 3),
            "vote_count": rng.randint(0, 300),
            "air_date": iso_day(last),
            "episode_number": seasons[-1][1] if seasons else 1,
            "production_code": "",
            "runtime": rng.randint(20, 70),
            "season_number": seasons[-1][0] if seasons else 1,
            "show_id": title_id,
            "still_path": None if rng.random() < 0.3 else texts.image_path(mix(title_id, 98)),
        }
    network = rng.choice(texts.NETWORKS)
    creator_id = 1 + rng.randrange(appends.PEOPLE) * 13
    creator_name, creator_gender, _, creator_profile = appends.person(seed, creator_id)
    return {
        "adult": item["adult"],
        "backdrop_path": item["backdrop_path"],
        "created_by": [
            {
                "id": creator_id,
                "credit_id": appends.hex_id(mix(title_id, creator_id)),
                "name": creator_name,
                "gender": creator_gender,
                "profile_path": creator_profile,
            }
        ],
        "episode_run_time": [rng.randint(20, 70)] if rng.random() < 0.5 else [],
        "first_air_date": item["first_air_date"],
        "genres": genres,
        "homepage": homepage,
        "id": title_id,
        "in_production": not ended,
        "languages": [item["original_language"]],
        "last_air_date": iso_day(last),
        "last_episode_to_air": last_episode,
        "name": item["name"],
        "next_episode_to_air": None,
        "networks": [
            {
                "id": network[0],
                "logo_path": texts.image_path(mix(network[0], 7), "png"),
                "name": network[1],
                "origin_country": network[2],
            }
        ],
        "number_of_episodes": total_episodes,
        "number_of_seasons": seasons_count,
        "origin_country": item["origin_country"],
        "original_language": item["original_language"],
        "original_name": item["original_name"],
        "overview": item["overview"],
        "popularity": item["popularity"],
        "poster_path": item["poster_path"],
        "production_companies": companies,
        "production_countries": countries,
        "seasons": season_objects,
        "spoken_languages": spoken,
        "status": "Ended" if ended else ("Returning Series" if first else "Planned"),
        "tagline": tagline,
        "type": rng.choice(("Scripted", "Scripted", "Reality", "Documentary", "Miniseries")),
        "vote_average": item["vote_average"],
        "vote_count": item["vote_count"],
    }

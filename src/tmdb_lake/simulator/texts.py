# ruff: noqa: RUF001 - full-width punctuation and look-alike letters are the point here
"""Synthetic but realistic text: titles, overviews, names, in several scripts.

Real TMDB text is full of accents, CJK, emoji, quotes, apostrophes and the odd backslash;
a pipeline that only ever saw ASCII would break in production, so the simulator emits
all of those. Every function draws from a caller-provided ``random.Random`` so the text is
a pure function of the title's seed.
"""

from __future__ import annotations

import random

from tmdb_lake.simulator.seeds import mix

# One concept per row; columns follow LANG_COLUMNS.
LANG_COLUMNS: tuple[str, ...] = ("en", "pt", "es", "fr", "de", "ja", "ko", "zh", "hi")
_COLUMN: dict[str, int] = {code: i for i, code in enumerate(LANG_COLUMNS)}

CONCEPTS: tuple[tuple[str, ...], ...] = (
    ("Love", "Amor", "Amor", "Amour", "Liebe", "愛", "사랑", "爱", "प्यार"),
    ("Night", "Noite", "Noche", "Nuit", "Nacht", "夜", "밤", "夜晚", "रात"),
    ("Heart", "Coração", "Corazón", "Cœur", "Herz", "心", "마음", "心", "दिल"),
    ("City", "Cidade", "Ciudad", "Ville", "Stadt", "街", "도시", "城市", "शहर"),
    ("Summer", "Verão", "Verano", "Été", "Sommer", "夏", "여름", "夏天", "गर्मी"),
    ("Island", "Ilha", "Isla", "Île", "Insel", "島", "섬", "岛", "द्वीप"),
    ("Dream", "Sonho", "Sueño", "Rêve", "Traum", "夢", "꿈", "梦", "सपना"),
    ("River", "Rio", "Río", "Rivière", "Fluss", "川", "강", "河", "नदी"),
    ("Shadow", "Sombra", "Sombra", "Ombre", "Schatten", "影", "그림자", "影子", "छाया"),
    ("Star", "Estrela", "Estrella", "Étoile", "Stern", "星", "별", "星星", "तारा"),
    ("Storm", "Tempestade", "Tormenta", "Tempête", "Sturm", "嵐", "폭풍", "风暴", "तूफ़ान"),
    ("Secret", "Segredo", "Secreto", "Secret", "Geheimnis", "秘密", "비밀", "秘密", "राज़"),
    ("Journey", "Jornada", "Viaje", "Voyage", "Reise", "旅", "여행", "旅程", "सफ़र"),
    ("Ghost", "Fantasma", "Fantasma", "Fantôme", "Geist", "幽霊", "유령", "幽灵", "भूत"),
    ("Winter", "Inverno", "Invierno", "Hiver", "Winter", "冬", "겨울", "冬天", "सर्दी"),
    ("Moon", "Lua", "Luna", "Lune", "Mond", "月", "달", "月亮", "चाँद"),
    ("Sea", "Mar", "Mar", "Mer", "Meer", "海", "바다", "海", "समुद्र"),
    ("Fire", "Fogo", "Fuego", "Feu", "Feuer", "炎", "불", "火", "आग"),
    ("King", "Rei", "Rey", "Roi", "König", "王", "왕", "王", "राजा"),
    ("Garden", "Jardim", "Jardín", "Jardin", "Garten", "庭", "정원", "花园", "बगीचा"),
    ("Dawn", "Amanhecer", "Amanecer", "Aube", "Morgengrauen", "夜明け", "새벽", "黎明", "सुबह"),
    ("Wolf", "Lobo", "Lobo", "Loup", "Wolf", "狼", "늑대", "狼", "भेड़िया"),
    ("House", "Casa", "Casa", "Maison", "Haus", "家", "집", "房子", "घर"),
    ("Song", "Canção", "Canción", "Chanson", "Lied", "歌", "노래", "歌", "गीत"),
    ("Brother", "Irmão", "Hermano", "Frère", "Bruder", "兄弟", "형제", "兄弟", "भाई"),
    ("Road", "Estrada", "Camino", "Route", "Straße", "道", "길", "路", "सड़क"),
    ("Silence", "Silêncio", "Silencio", "Silence", "Stille", "沈黙", "침묵", "沉默", "ख़ामोशी"),
    ("Mirror", "Espelho", "Espejo", "Miroir", "Spiegel", "鏡", "거울", "镜子", "आईना"),
)

# Title shapes, per language: {a} and {b} are concept words, {n} a sequel number.
_SHAPES: dict[str, tuple[str, ...]] = {
    "en": ("{a}", "{a} of {b}", "{a} & {b}", "{a}: {b}", "{a} {n}", "{a}, {b}"),
    "pt": ("{a}", "{a} de {b}", "{a} e {b}", "{a}: {b}", "{a} {n}", "{a}, {b}"),
    "es": ("{a}", "{a} de {b}", "{a} y {b}", "{a}: {b}", "{a} {n}", "{a}, {b}"),
    "fr": ("{a}", "{a} de {b}", "{a} et {b}", "{a} : {b}", "{a} {n}", "{a}, {b}"),
    "de": ("{a}", "{a} aus {b}", "{a} und {b}", "{a}: {b}", "{a} {n}", "{a}, {b}"),
    "ja": ("{a}", "{b}の{a}", "{a}と{b}", "{a}：{b}", "{a}{n}", "{a}、{b}"),
    "ko": ("{a}", "{b}의 {a}", "{a}와 {b}", "{a}: {b}", "{a} {n}", "{a}, {b}"),
    "zh": ("{a}", "{b}的{a}", "{a}与{b}", "{a}：{b}", "{a}{n}", "{a}，{b}"),
    "hi": ("{a}", "{b} का {a}", "{a} और {b}", "{a}: {b}", "{a} {n}", "{a}, {b}"),
}

_EMOJI: tuple[str, ...] = ("🎬", "🔥", "❤️", "👻", "🌊", "✨", "🚀", "🐺")
_APOSTROPHE_NAMES: tuple[str, ...] = ("O'Brien", "D'Ávila", "N'Dour", "L'Amour", "D'Artagnan")

FIRST_NAMES: tuple[str, ...] = (
    "João", "Zoë", "Renée", "Siobhán", "Björn", "Ana Lúcia", "Łukasz", "Chloé", "Sebastián",
    "Mariana", "Kenji", "Hye-jin", "Ömer", "François", "Dmitri", "Aoife", "Maëlle", "Tomás",
    "Conceição", "Søren", "Ikaika", "Nguyễn", "Ayşe", "Zhang Wei", "Priya", "Thiago", "Emma",
    "Jack", "Olivia", "Noah",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "O'Brien", "D'Ávila", "Müller", "Gonçalves", "Søgaard", "Ólafsdóttir", "Tanaka", "Kim",
    "Pérez", "da Silva", "Nakamura", "Dubois", "Wiśniewska", "Ferreira", "Brontë", "Smith",
    "Johnson", "Yılmaz", "Ribeiro", "Schröder", "Iñárritu", "Park", "Chen", "Sharma",
)  # fmt: skip
PLACES: tuple[str, ...] = (
    "São Paulo", "Kyōto", "Reykjavík", "Zürich", "Montréal", "Bogotá", "Łódź", "Seoul (서울)",
    "Belém", "Porto Alegre", "New York", "Marseille", "Kraków", "Ōsaka", "Florianópolis",
)  # fmt: skip

_SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "When {name} arrives in {place}, an old {a} changes everything.",
        '{name} must choose between the "{b}" and the life they\'ve built.',
        "A story about {a}, {b} and second chances.",
        "Nobody in {place} believes {name}'s story about the {a}.",
        "Years later, {name} returns to {place} to face the {b}.",
        "Based on true events.",
        "Sometimes the {a} is just a {b} — and that's enough.",
    ),
    "pt": (
        "Quando {name} chega a {place}, um antigo {a} muda tudo.",
        '{name} precisa escolher entre o "{b}" e a vida que construiu.',
        "Uma história sobre {a}, {b} e segundas chances.",
        "Ninguém em {place} acredita na história de {name} sobre o {a}.",
        "Anos depois, {name} volta a {place} para enfrentar o {b}.",
        "Baseado em fatos reais.",
        "Às vezes o {a} é só um {b} — e isso basta.",
    ),
}

TAGLINES: tuple[tuple[str, str], ...] = (
    ("Some secrets never sleep.", "Alguns segredos nunca dormem."),
    ("Every ending is a beginning.", "Todo fim é um começo."),
    ("Don't look back.", "Não olhe para trás."),
    ("The truth has a price.", "A verdade tem um preço."),
    ('They called it "impossible".', 'Eles chamaram de "impossível".'),
    ("Home is where the heart aches.", "Lar é onde o coração dói."),
)

KEYWORDS: tuple[tuple[int, str], ...] = (
    (818, "based on novel or book"), (6054, "friendship"), (9673, "love"), (9748, "revenge"),
    (6270, "high school"), (4565, "dystopia"), (10683, "coming of age"), (4379, "time travel"),
    (210024, "anime"), (9663, "sequel"), (1701, "hero"), (12377, "zombie"), (207317, "christmas"),
    (5565, "biography"), (161176, "space opera"), (233027, "são paulo, brazil"),
)  # fmt: skip

COMPANIES: tuple[tuple[int, str, str], ...] = (
    (1, "Lucasfilm Ltd.", "US"), (2, "Walt Disney Pictures", "US"), (3, "Pixar", "US"),
    (4, "Paramount Pictures", "US"), (5, "Columbia Pictures", "US"),
    (33, "Universal Pictures", "US"), (174, "Warner Bros. Pictures", "US"),
    (10342, "Studio Ghibli", "JP"), (882, "TOHO", "JP"), (104, "Gaumont", "FR"),
    (7981, "Globo Filmes", "BR"), (4406, "O2 Filmes", "BR"), (7505, "Marvel Entertainment", "US"),
    (9195, "CJ Entertainment", "KR"), (12, "New Line Cinema", "US"),
)  # fmt: skip
NETWORKS: tuple[tuple[int, str, str], ...] = (
    (213, "Netflix", ""), (49, "HBO", "US"), (314, "TV Globo", "BR"), (2, "ABC", "US"),
    (19, "FOX", "US"), (4, "BBC One", "GB"), (1024, "Prime Video", ""), (2739, "Disney+", ""),
    (98, "NHK", "JP"), (866, "tvN", "KR"),
)  # fmt: skip
JOBS: tuple[tuple[str, str], ...] = (
    ("Directing", "Director"), ("Writing", "Screenplay"), ("Production", "Producer"),
    ("Sound", "Original Music Composer"), ("Camera", "Director of Photography"),
    ("Editing", "Editor"),
)  # fmt: skip


class TitleSpec:
    """The language-independent recipe of a title: which concepts, shape and decoration."""

    __slots__ = ("a", "b", "decoration", "extra", "number", "shape")

    def __init__(self, bits: int) -> None:
        # Bit fields of one 64-bit hash: cheaper than seeding a Random per title, which
        # matters when an export lists a million original titles.
        self.a = bits % len(CONCEPTS)
        self.b = (self.a + 1 + (bits >> 8) % (len(CONCEPTS) - 1)) % len(CONCEPTS)
        self.shape = (bits >> 16) % len(_SHAPES["en"])
        self.number = 2 + (bits >> 24) % 3
        roll = (bits >> 32) % 100
        # none 84%, emoji 4%, quoted 4%, apostrophe 4%, backslash 4%
        self.decoration = 0 if roll < 84 else 1 + (roll - 84) // 4
        self.extra = (bits >> 48) % 64

    def render(self, code: str) -> str:
        """Give the title in a language (``LANG_COLUMNS`` code; unknown codes give English)."""
        column = _COLUMN.get(code, 0)
        shapes = _SHAPES.get(code, _SHAPES["en"])
        a, b = CONCEPTS[self.a][column], CONCEPTS[self.b][column]
        title = shapes[self.shape].format(a=a, b=b, n=self.number)
        if self.decoration == 1:
            return f"{title} {_EMOJI[self.extra % len(_EMOJI)]}"
        if self.decoration == 2:
            return f'"{title}"'
        if self.decoration == 3:
            return f"{_APOSTROPHE_NAMES[self.extra % len(_APOSTROPHE_NAMES)]}: {title}"
        if self.decoration == 4:
            return f"{title} \\ {CONCEPTS[(self.a + 1) % len(CONCEPTS)][column]}"
        return title


def person_name(rng: random.Random) -> str:
    """Give a person's full name drawn from many scripts and accents."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def overview(spec: TitleSpec, rng: random.Random, portuguese: bool) -> str:
    """Give a two or three sentence synopsis (English, or Portuguese when asked)."""
    code = "pt" if portuguese else "en"
    column = _COLUMN[code]
    words = {
        "name": person_name(rng),
        "place": rng.choice(PLACES),
        "a": CONCEPTS[spec.a][column].lower(),
        "b": CONCEPTS[spec.b][column].lower(),
    }
    sentences = _SENTENCES[code]
    count = rng.randint(2, 3)
    picked = rng.sample(range(len(sentences)), count)
    return " ".join(sentences[i].format(**words) for i in picked)


def tagline(rng: random.Random, portuguese: bool) -> str:
    """Give a tagline, empty for about a third of titles as on TMDB."""
    if rng.random() < 0.33:
        return ""
    english, portuguese_text = rng.choice(TAGLINES)
    return portuguese_text if portuguese else english


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
YOUTUBE_ALPHABET = _BASE62 + "-_"


def image_path(bits: int, extension: str = "jpg") -> str:
    """Give a TMDB-looking image path (27 base62 characters) derived from ``bits``."""
    chars = []
    h = mix(bits)
    for n in range(27):
        if n % 10 == 0:
            h = mix(bits, n)  # 10 base62 digits fit in 64 bits; then draw fresh bits
        h, digit = divmod(h, 62)
        chars.append(_BASE62[digit])
    return "/" + "".join(chars) + "." + extension

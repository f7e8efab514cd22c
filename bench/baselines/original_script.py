"""The original student script's loop, re-created faithfully as the benchmark's baseline.

What it re-creates (see the project's reference write-up of the script): ``BASE_PARAMS``
with ``api_key``, ``language=pt-BR``, ``include_adult``/``include_video`` false,
``with_genres=16,35`` and ``primary_release_date.lte=2023-12-31``; ``fetch_data`` copies
the params, sets ``page``, does one ``requests.get`` per page *sequentially*, appends
``results`` until it holds N records (the script's N is 100), prints progress per page,
stops past ``total_pages``, then ``save_to_local`` dumps the list as one indented JSON
file. Non-200 answers are printed and the loop moves on (the script never retried: a
429 silently loses that page). The S3 upload is left out: every tool writes locally here.

Parameterised for the bench only: N, the base URL, the discover params, extra date
windows (S3: the loop runs once per window, one after another), and ``--details``: one
sequential ``requests.get`` per collected id (S2), the natural extension of the script.

    python bench/baselines/original_script.py --base-url http://127.0.0.1:8000/3 \\
        --limit 10000 --out /tmp/baseline --params '{"with_genres": "16,35"}'
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from typing import Any

import requests

BASE_PARAMS: dict[str, Any] = {
    "language": "pt-BR",
    "include_adult": "false",
    "include_video": "false",
    "with_genres": "16,35",
    "primary_release_date.lte": "2023-12-31",
    "page": 1,
}


def fetch_data(url: str, tipo: str, params: dict[str, Any], limit: int | None) -> list[Any]:
    """Page one discover query sequentially until `limit` records or the last page."""
    records: list[Any] = []
    page = 1
    while limit is None or len(records) < limit:
        request_params = params.copy()
        request_params["page"] = page
        response = requests.get(url, params=request_params, timeout=30)
        if response.status_code == 200:
            data = response.json()
            for result in data.get("results", []):
                if limit is None or len(records) < limit:
                    records.append(result)
                else:
                    break
            print(f"{tipo}: página {page} processada, {len(records)} registros")
        else:
            print(f"Erro na requisição: {response.status_code}")
            data = {}
        page += 1
        # The script read total_pages from the last good answer (1 after an error);
        # TMDB refuses page > 500, so 500 is the real ceiling.
        if page > min(data.get("total_pages", 1), 500):
            break
    return records


def fetch_details(base_url: str, media: str, ids: list[int], params: dict[str, Any]) -> list[Any]:
    """Fetch details one id at a time, in order, the way the script fetched pages."""
    details: list[Any] = []
    for count, tmdb_id in enumerate(ids, 1):
        response = requests.get(f"{base_url}/{media}/{tmdb_id}", params=params, timeout=30)
        if response.status_code == 200:
            details.append(response.json())
        else:
            print(f"Erro na requisição: {response.status_code}")
        if count % 100 == 0:
            print(f"detalhes: {count} processados")
    return details


def save_to_local(data: list[Any], tipo: str, local_dir: str) -> str:
    """Write one indented JSON file per type, named by date, like the script."""
    os.makedirs(local_dir, exist_ok=True)
    today = datetime.now().strftime("%Y-%m-%d")
    path = os.path.join(local_dir, f"{tipo}_{today}.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=4)
    print(f"Arquivo salvo localmente: {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="API base, e.g. .../3")
    parser.add_argument("--api-key", default=os.environ.get("API_KEY", "simulator-key"))
    parser.add_argument("--media", default="movie", choices=("movie", "tv"))
    parser.add_argument("--limit", type=int, default=100, help="N records per window")
    parser.add_argument("--params", default=None, help="JSON: discover params (replace BASE)")
    parser.add_argument("--windows", default=None, help="JSON: list of extra-param dicts")
    parser.add_argument("--details", action="store_true", help="then details per id")
    parser.add_argument("--details-params", default='{"language": "pt-BR"}', help="JSON")
    parser.add_argument("--out", required=True, help="local folder (LOCAL_DIR)")
    args = parser.parse_args(argv)

    params = dict(json.loads(args.params)) if args.params else dict(BASE_PARAMS)
    params["api_key"] = args.api_key
    url = f"{args.base_url}/discover/{args.media}"
    tipo = "filmes" if args.media == "movie" else "series"
    limit = args.limit if args.limit > 0 else None

    records: list[Any] = []
    for window in json.loads(args.windows) if args.windows else [{}]:
        records.extend(fetch_data(url, tipo, {**params, **window}, limit))
    save_to_local(records, tipo, args.out)
    if args.details:
        details_params = {**json.loads(args.details_params), "api_key": args.api_key}
        ids = [record["id"] for record in records]
        details = fetch_details(args.base_url, args.media, ids, details_params)
        save_to_local(details, f"{tipo}_detalhes", args.out)
    print("Processo concluído com sucesso")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

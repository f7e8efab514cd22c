"""The commands of `tmdb-lake`, one module each; `cli.py` only parses and dispatches."""

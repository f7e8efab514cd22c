"""Collectors: what each kind of shard fetches from TMDB and hands to the lake writer."""

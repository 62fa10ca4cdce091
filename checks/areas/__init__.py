"""One module per area of the spec: its checks and its named mistakes (see checks/__init__.py)."""

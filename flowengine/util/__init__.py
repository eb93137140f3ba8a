"""Helpers node types share — the counterpart of @node-red/util."""

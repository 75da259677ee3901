"""Shipped column mappings (YAML), one per source layout."""

"""Calls-for-service from other systems, read through a declared column mapping per source."""

"""Recommending and assigning units to incidents, and the attendance clock."""

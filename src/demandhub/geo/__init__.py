"""Locations and the road network: pure functions first, storage beside them."""

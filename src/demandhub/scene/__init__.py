"""Seeing the scene: one-time links that let a caller share position, photos and video with the incident."""

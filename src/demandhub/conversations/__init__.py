"""Conversations with the public in writing (webchat, social media messages, emergency SMS) and the one digital queue."""

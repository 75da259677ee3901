"""Units: who they are, what they can do, where they are and what they are doing."""

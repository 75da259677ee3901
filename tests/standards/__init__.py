"""Where the published test vectors live (see README.md here)."""

from pathlib import Path

STANDARDS = Path(__file__).resolve().parent

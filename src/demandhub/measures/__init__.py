"""Performance measures by published, exact definitions (docs/measures.md)."""

"""Query synthesizers."""

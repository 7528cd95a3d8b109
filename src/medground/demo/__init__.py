"""Built-in offline demo data: a deterministic synthetic abdominal CT phantom."""

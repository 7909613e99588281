"""Flow files: discovery, parsing with positions, lint rules, and sync plans."""

"""Three views of one Solution: terminal text, JSON, LaTeX."""

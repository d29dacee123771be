"""Reader-lens metrics: scores that stand in for what blind readers think of a text."""

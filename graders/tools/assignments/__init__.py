"""One module per assignment: its starter cells, solution, example submissions and self-check cases."""

"""The knowledge/ files: reading and validating them, building a base from them, exporting back."""

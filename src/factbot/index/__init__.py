"""What a source becomes in the base: passages, entity links, term statistics, meaning vectors."""

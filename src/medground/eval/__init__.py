"""Evaluate vision-language models on a built grounding dataset."""

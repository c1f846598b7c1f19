"""Classifiers: the offline rules (default) and, when configured, an LLM."""

"""Interfaces for people: the CLI's terminal output, the self-check page, submitting through it."""

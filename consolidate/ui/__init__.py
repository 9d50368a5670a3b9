"""Interfaces for people: the terminal output of the CLI and the self-check web page."""

"""Failures of the tool itself (never of an input file: those are findings).

A failure is raised as a key of ``schemas/messages.toml`` with named parameters,
``InputError("inbox-missing", path=inbox)``, and worded only when shown: the CLI prints
:meth:`ConsolidateError.text` in the user's language, ``str()`` gives the Chinese.
"""

from __future__ import annotations

from typing import Any


class ConsolidateError(Exception):
    """The command could not run; the CLI prints the message and exits 2."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``zh`` or ``en``)."""
        from consolidate.support.messages import tool_message  # messages -> config -> errors

        return tool_message(self.key, lang, self.params)

    def __str__(self) -> str:
        return self.text("zh")

    def __reduce__(self) -> tuple[Any, ...]:  # keyword parameters survive a worker's pipe
        return (_rebuild, (type(self), self.key, self.params))


def _rebuild(cls: type[ConsolidateError], key: str, params: dict[str, Any]) -> ConsolidateError:
    return cls(key, **params)


class ConfigError(ConsolidateError):
    """The configuration under schemas/ is missing or malformed."""


class OutputError(ConsolidateError):
    """An output could not be written."""


class InputError(ConsolidateError):
    """An input path given on the command line does not exist or is not usable."""


class LedgerError(ConsolidateError):
    """The request ledger is corrupt, locked by another run, or not this tool's."""

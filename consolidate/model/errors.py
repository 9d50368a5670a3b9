"""Failures of the tool itself (never of an input file: those are findings)."""


class ConsolidateError(Exception):
    """The command could not run; the CLI prints the message and exits 2."""


class ConfigError(ConsolidateError):
    """The configuration under schemas/ is missing or malformed."""


class OutputError(ConsolidateError):
    """An output could not be written."""


class InputError(ConsolidateError):
    """An input path given on the command line does not exist or is not usable."""


class LedgerError(ConsolidateError):
    """The request ledger is corrupt, locked by another run, or not this tool's."""

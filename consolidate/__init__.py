"""Check, merge and report the account forms of the CCC-exemption system.

Data flows one way: files -> forms (values with their cell origins) -> findings -> outputs.
The library API lives in :mod:`consolidate.api`; the CLI is a thin shell over it.
"""

__version__ = "0.1.0"

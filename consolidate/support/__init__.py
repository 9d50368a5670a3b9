"""What every stage leans on: the configuration of ``schemas/``, the tool's own failures and wording."""

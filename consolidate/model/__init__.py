"""The data every stage shares: configuration, catalog, findings, forms, outcomes, errors."""

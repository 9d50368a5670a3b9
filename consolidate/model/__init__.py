"""The domain every stage shares: findings, forms, outcomes, requests, the catalog."""

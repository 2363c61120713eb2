"""The REST API (DRF) for the bank's systems and other agencies: same scope, same services, OpenAPI at /api/schema/."""

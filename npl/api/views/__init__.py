"""API views: thin, scoped through for_user, writing only through the apps' services."""

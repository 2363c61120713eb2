"""The demo district: realistic source files (generate), loaded through the importers (services)."""

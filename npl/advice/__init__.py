"""Suggestions as data (rules with their legal basis and script), the engine that evaluates a loan, and collectors' worklists."""

"""Likelihood of recovery in the next 90 days: a transparent rule baseline and a model learned from the platform's own history."""

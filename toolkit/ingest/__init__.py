"""Ingest: every file a county sent -> records with provenance, file statuses and findings."""

"""Packs: a campaign as data (schemas/<pack-id>/ or a pack workbook): its typed model, loading and
pack-check, the JSON Schema of each annex, the rules compiled against a pack (criteria) and its
named lists (identities). Every stage above reads the campaign only through a Pack."""

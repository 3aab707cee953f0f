"""Merge: one batch through the stages (pipeline), then what is made of the accepted records
together: duplicates merged or flagged (dedupe) with the clerk's decisions (decisions), the
figures (stats) and who should have reported (divisions), the diff with last month (monthly).
Imports packs/, ingest/ and validate/; every output is written from the Batch made here.
"""

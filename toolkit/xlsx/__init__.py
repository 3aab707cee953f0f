"""The xlsx and zip writing infrastructure: xlsxwriter sheets that keep rows and write cell XML
directly (fastsheet), our zip writer (zipwrite) and fixed entry times in
the zips we write (ziptimes).
"""

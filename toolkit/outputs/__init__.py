"""Outputs: the files written from a Batch: the 汇总表 (summary/), the 校验报告 (report), the
return copies of the counties' workbooks (returns, returns_xml/, returns_openpyxl), the cover
letter (letter, with the sender's details from org). Nothing below imports these.
"""

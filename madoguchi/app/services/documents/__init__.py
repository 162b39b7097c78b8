"""Printouts as data, then a PDF (ARCHITECTURE 7): fonts, the 確認票 and the certificates."""

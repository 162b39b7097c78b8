"""住民記録 窓口端末 (madoguchi): the counter terminal of the resident register."""

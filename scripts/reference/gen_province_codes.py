#!/usr/bin/env python3
"""Writes the 63 pre-2025 province codes from the vietnamadminunits package (MIT), an
independent source for the birth-province codes of the CCCD number.

    pip install vietnamadminunits
    python3 scripts/reference/gen_province_codes.py
"""
import os
import sqlite3

import vietnamadminunits

db = os.path.join(os.path.dirname(vietnamadminunits.__file__), "data", "dataset.db")
rows = sorted(set(
    (int(code), name)
    for code, name in sqlite3.connect(db).execute("SELECT provinceCode, provinceShort FROM admin_units_legacy")
))
out = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "pure", "rules", "tests", "vectors", "province_codes.csv")
with open(out, "w", encoding="utf-8") as f:
    for code, name in rows:
        f.write("%03d,%s\n" % (code, name))
print("wrote %d province codes to %s" % (len(rows), os.path.normpath(out)))

#!/usr/bin/env python3
"""Generates Vietnamese lunar calendar vectors with the vnlunar package as the reference.

Writes crates/pure/rules/tests/vectors/lunar.csv.gz: one line per lunar month from 1900 to 2100,
`SOLAR_DATE,LUNAR_YEAR,LUNAR_MONTH,LEAP` for the solar date of the month's first day.

    pip install vnlunar==1.0.5
    python3 scripts/reference/gen_lunar_vectors.py
"""
import datetime
import gzip
import os

import vnlunar

out = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "pure", "rules", "tests", "vectors", "lunar.csv.gz")
rows = []
day = datetime.date(1900, 1, 31)
while day <= datetime.date(2100, 12, 31):
    lunar = vnlunar.convert_solar_to_lunar(day.day, day.month, day.year, 7)
    if lunar["day"] == 1:
        rows.append("%s,%d,%d,%d" % (day.isoformat(), lunar["year"], lunar["month"], 1 if lunar["leap"] else 0))
    day += datetime.timedelta(days=1)
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(("\n".join(rows) + "\n").encode())
print("wrote %d lunar months to %s" % (len(rows), os.path.normpath(out)))

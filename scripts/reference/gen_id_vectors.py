#!/usr/bin/env python3
"""Generates identifier test vectors with python-stdnum as the independent reference.

Writes crates/pure/rules/tests/vectors/ids.csv.gz: lines `kind,input,valid` (valid is 1 or 0, as
python-stdnum's is_valid says). Per kind: 4,000 valid numbers (check digits computed by
stdnum, printed in several layouts), 4,000 single mutations of valid numbers (digit changed,
neighbours swapped, digit dropped or added) and 4,000 random strings.

    pip install python-stdnum==2.2
    python3 scripts/reference/gen_id_vectors.py
"""
import gzip
import os
import random

from stdnum import luhn
from stdnum.fr import nir, siren, siret
from stdnum.vn import mst

PER_CATEGORY = 4000
rng = random.Random(20261125)


def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def valid_siren():
    body = digits(8)
    return body + luhn.calc_check_digit(body)


def valid_siret():
    if rng.random() < 0.1:  # La Poste establishments: digit sum a multiple of 5
        while True:
            n = "356000000" + digits(5)
            if sum(map(int, n)) % 5 == 0:
                return n
    body = valid_siren() + digits(4)
    return body + luhn.calc_check_digit(body)


def valid_nir():
    sex = rng.choice("12")
    month = "%02d" % (rng.randint(1, 12) if rng.random() < 0.9 else rng.randint(20, 99))
    dept = rng.choice(["%02d" % rng.randint(1, 95), "2A", "2B", "99", "97"])
    body = sex + digits(2) + month + dept + digits(3) + digits(3)
    return body + nir.calc_check_digits(body)


def valid_mst():
    while True:
        body = digits(9)
        if body[2:9] == "0000000":
            continue
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            n = body + check
            if rng.random() < 0.3:
                n += "%03d" % rng.randint(1, 999)
            return n


def layout(kind, n):
    r = rng.random()
    if r < 0.6:
        return n
    if r < 0.8:
        return {"siren": siren, "siret": siret, "nir": nir, "mst": mst}[kind].format(n)
    if kind == "mst":
        sep = rng.choice([" ", ".", "-"])
    else:
        sep = rng.choice([" ", "."])
    cut = rng.randint(1, len(n) - 1)
    return n[:cut] + sep + n[cut:]


def mutate(n):
    chars = list(n)
    positions = [i for i, c in enumerate(chars) if c.isdigit()]
    op = rng.random()
    i = rng.choice(positions)
    if op < 0.55:
        chars[i] = rng.choice([d for d in "0123456789" if d != chars[i]])
    elif op < 0.8 and i + 1 < len(chars):
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif op < 0.9:
        del chars[i]
    else:
        chars.insert(i, rng.choice("0123456789"))
    return "".join(chars)


def random_input(length):
    n = digits(max(1, length + rng.randint(-2, 2)))
    if rng.random() < 0.05:
        i = rng.randrange(len(n))
        n = n[:i] + rng.choice("AB x-") + n[i + 1:]
    return n


KINDS = {
    "siren": (valid_siren, siren.is_valid, 9),
    "siret": (valid_siret, siret.is_valid, 14),
    "nir": (valid_nir, nir.is_valid, 15),
    "mst": (valid_mst, mst.is_valid, 10),
}

out = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "pure", "rules", "tests", "vectors", "ids.csv.gz")
rows = []
for kind, (make, is_valid, length) in KINDS.items():
    inputs = [layout(kind, make()) for _ in range(PER_CATEGORY)]
    inputs += [mutate(make()) for _ in range(PER_CATEGORY)]
    inputs += [random_input(length) for _ in range(PER_CATEGORY)]
    for value in inputs:
        assert "," not in value and "\n" not in value
        rows.append("%s,%s,%d" % (kind, value, 1 if is_valid(value) else 0))
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(("\n".join(rows) + "\n").encode())
print("wrote %d vectors to %s" % (len(rows), os.path.normpath(out)))

#!/usr/bin/env python3
"""Build the shipped administrative-unit lists in core/data/admin/ from the
MIT-licensed PyPI package vietnamadminunits 1.0.4 (no other source).

Usage:
    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/adm
    # wheel sha256 737ee3662e877290386c1c45ed4d71f2e5fae34ab6fb9c64bfb4cb74b216ea35
    mkdir -p /tmp/adm/whl && (cd /tmp/adm/whl && unzip -q ../vietnamadminunits-1.0.4-py3-none-any.whl)
    python3 scripts/official-lists/build_admin_data.py /tmp/adm/whl [OUT_DIR]

OUT_DIR defaults to core/data/admin/ of this repository. Python 3, stdlib only.
Reads vietnamadminunits/data/dataset.db (tables admin_units, admin_units_legacy)
and vietnamadminunits/data/converter_2025.json (name keys, joined to codes
through dataset.db). Writes provinces_2025.csv, communes_2025.csv,
provinces_legacy.csv, districts_legacy.csv, communes_legacy.csv, old_to_new.csv
and copies the package LICENSE to LICENSE-vietnamadminunits.txt. SOURCES.md is
maintained by hand. Every expected figure is asserted; the script fails loudly
if the input or the output differs.
"""
import base64
import collections
import hashlib
import json
import os
import sqlite3
import sys
import unicodedata

# sha256 of the inputs, as in the wheel's RECORD (urlsafe base64, no padding).
PINNED = {
    'vietnamadminunits/data/dataset.db': 'FHy7-ByJZLtZTh3afrq1ZJvOIe-_1stQjKt_78piJX0',
    'vietnamadminunits/data/converter_2025.json': 'hPCEi_QBsEd3XLtJdowYGpJx935KTscG0pOwm8tPrd0',
    'vietnamadminunits-1.0.4.dist-info/licenses/LICENSE': 'WlNm0xN9f4S475zjpmxNw9sqBxazF_kBscBULtRP_RM',
}

# The 5 old island districts that had no communes (wardCode NULL in the
# package). They are not communes, so they are left out of old_to_new.csv.
ISLAND_DISTRICTS = {318, 471, 498, 536, 755}


def record_hash(path):
    with open(path, 'rb') as f:
        d = hashlib.sha256(f.read()).digest()
    return base64.urlsafe_b64encode(d).rstrip(b'=').decode()


def clean(name):
    """NFC, and assert the name is safe for a plain split-on-comma CSV."""
    n = unicodedata.normalize('NFC', name)
    assert n == ' '.join(n.split()), repr(name)
    for bad in (',', '"', '\u2019', '\n', '\r', '\t'):
        assert bad not in n, (bad, name)
    return n


def write(path, header, rows):
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(','.join(header) + '\n')
        for r in rows:
            assert len(r) == len(header)
            f.write(','.join(str(x) for x in r) + '\n')
    return os.path.getsize(path)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    src = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(here, '..', '..', 'core', 'data', 'admin')
    out = os.path.normpath(out)
    os.makedirs(out, exist_ok=True)

    # ---- input identity ------------------------------------------------
    for rel, h in PINNED.items():
        got = record_hash(os.path.join(src, rel))
        assert got == h, f'{rel}: sha256 {got} != pinned {h} (not vietnamadminunits 1.0.4?)'
    meta = open(os.path.join(src, 'vietnamadminunits-1.0.4.dist-info', 'METADATA'), encoding='utf-8').read()
    assert 'Name: vietnamadminunits\n' in meta and 'Version: 1.0.4\n' in meta
    assert 'License :: OSI Approved :: MIT License' in meta

    data = os.path.join(src, 'vietnamadminunits', 'data')
    db = sqlite3.connect(os.path.join(data, 'dataset.db'))
    conv = json.load(open(os.path.join(data, 'converter_2025.json'), encoding='utf-8'))

    # ---- new units (from 2025-07-01) -------------------------------------
    prov_new, comm_new, new_key = {}, {}, {}
    for pname, pcode, wname, wcode, pkey, wkey in db.execute(
            'select province, provinceCode, ward, wardCode, provinceKey, wardKey from admin_units'):
        pc, wc = int(pcode), int(wcode)
        assert prov_new.setdefault(pc, clean(pname)) == clean(pname)
        assert wc not in comm_new, wc
        comm_new[wc] = (pc, clean(wname))
        assert (pkey, wkey) not in new_key
        new_key[(pkey, wkey)] = wc
    new_prov_key = {}
    for pkey, pcode in db.execute('select distinct provinceKey, provinceCode from admin_units'):
        assert pkey not in new_prov_key
        new_prov_key[pkey] = int(pcode)

    # ---- old units (state on 2025-06-30) ---------------------------------
    prov_old, dist_old, comm_old, old_key = {}, {}, {}, {}
    old_prov_key = {}
    for (pname, pcode, dname, dcode, wname, wcode, pkey, dkey, wkey) in db.execute(
            'select province, provinceCode, district, districtCode, ward, wardCode,'
            ' provinceKey, districtKey, wardKey from admin_units_legacy'):
        pc, dc = int(pcode), int(dcode)
        assert prov_old.setdefault(pc, clean(pname)) == clean(pname)
        assert dist_old.setdefault(dc, (pc, clean(dname))) == (pc, clean(dname))
        assert old_prov_key.setdefault(pkey, pc) == pc
        key = f'{pkey}_{dkey}_{wkey or ""}'
        assert key not in old_key, key
        if wcode is None or wcode == '':
            assert wname is None and dc in ISLAND_DISTRICTS, (dc, dname)
            old_key[key] = ('district', dc)
            continue
        wc = int(wcode)
        assert wc not in comm_old, wc
        comm_old[wc] = (dc, clean(wname))
        old_key[key] = ('commune', wc)

    # ---- old -> new mapping ----------------------------------------------
    # DICT_PROVINCE: new province key -> old province keys
    old_to_new_prov = {}
    for npk, opks in conv['DICT_PROVINCE'].items():
        for opk in opks:
            assert opk not in old_to_new_prov
            old_to_new_prov[old_prov_key[opk]] = new_prov_key[npk]
    assert len(old_to_new_prov) == 63 and len(set(old_to_new_prov.values())) == 34

    targets = collections.defaultdict(dict)   # old commune -> {new commune: carrier}
    island = {}                               # old island district -> new commune
    seen_keys = set()

    def add(okey, npk, nwk, carrier):
        kind, oc = old_key[okey]              # KeyError = unresolved key
        nc = new_key[(npk, nwk)]
        assert comm_new[nc][0] == new_prov_key[npk]
        if kind == 'district':
            assert oc not in island and carrier
            island[oc] = nc
            return
        opc = dist_old[comm_old[oc][0]][0]
        assert old_to_new_prov[opc] == new_prov_key[npk], (oc, nc)
        assert nc not in targets[oc], (oc, nc)
        targets[oc][nc] = carrier

    for npk, wards in conv['DICT_PROVINCE_WARD_NO_DIVIDED'].items():
        for nwk, okeys in wards.items():
            for okey in okeys:
                assert okey not in seen_keys, okey
                seen_keys.add(okey)
                add(okey, npk, nwk, 1)   # only target: it carries the history
    divided = 0
    for npk, okeys in conv['DICT_PROVINCE_WARD_DIVIDED'].items():
        for okey, tlist in okeys.items():
            assert okey not in seen_keys, okey
            seen_keys.add(okey)
            assert len(tlist) >= 2 and sum(bool(t['isDefaultNewWard']) for t in tlist) == 1, okey
            divided += 1
            for t in tlist:
                add(okey, npk, t['newWardKey'], int(bool(t['isDefaultNewWard'])))
    assert seen_keys == set(old_key), 'mapping does not cover every old unit exactly once'

    # ---- write -----------------------------------------------------------
    sizes = {}
    sizes['provinces_2025.csv'] = write(os.path.join(out, 'provinces_2025.csv'), ['code', 'name'],
                                        sorted(prov_new.items()))
    sizes['communes_2025.csv'] = write(os.path.join(out, 'communes_2025.csv'), ['code', 'province_code', 'name'],
                                       [(c, p, n) for c, (p, n) in sorted(comm_new.items())])
    sizes['provinces_legacy.csv'] = write(os.path.join(out, 'provinces_legacy.csv'), ['code', 'name'],
                                          sorted(prov_old.items()))
    sizes['districts_legacy.csv'] = write(os.path.join(out, 'districts_legacy.csv'), ['code', 'province_code', 'name'],
                                          [(c, p, n) for c, (p, n) in sorted(dist_old.items())])
    sizes['communes_legacy.csv'] = write(os.path.join(out, 'communes_legacy.csv'), ['code', 'district_code', 'name'],
                                         [(c, d, n) for c, (d, n) in sorted(comm_old.items())])
    pairs = [(o, n, k) for o in sorted(targets) for n, k in sorted(targets[o].items())]
    sizes['old_to_new.csv'] = write(os.path.join(out, 'old_to_new.csv'), ['old_code', 'new_code', 'carrier'], pairs)
    with open(os.path.join(src, 'vietnamadminunits-1.0.4.dist-info', 'licenses', 'LICENSE'), 'rb') as f:
        lic = f.read()
    with open(os.path.join(out, 'LICENSE-vietnamadminunits.txt'), 'wb') as f:
        f.write(lic)
    sizes['LICENSE-vietnamadminunits.txt'] = len(lic)

    # ---- checks ------------------------------------------------------------
    def check(label, got, want):
        print(f'{label}: {got}' + ('' if got == want else f'  EXPECTED {want}'))
        assert got == want, label

    check('new provinces', len(prov_new), 34)
    check('new communes', len(comm_new), 3321)
    check('old provinces', len(prov_old), 63)
    check('old districts', len(dist_old), 696)
    check('old communes', len(comm_old), 10035)
    check('old island districts without communes (not in old_to_new)', sorted(island.items()),
          [(318, 11948), (471, 19742), (498, 20333), (536, 21548), (755, 26732)])
    check('new Hưng Yên (33) communes', sum(1 for p, _ in comm_new.values() if p == 33), 104)
    assert prov_new[33] == 'Tỉnh Hưng Yên' and prov_old[33] == 'Tỉnh Hưng Yên' and prov_old[34] == 'Tỉnh Thái Bình'
    hytb_d = {d for d, (p, _) in dist_old.items() if p in (33, 34)}
    hytb = {c for c, (d, _) in comm_old.items() if d in hytb_d}
    check('old Hưng Yên + Thái Bình districts', len(hytb_d), 18)
    check('old Hưng Yên + Thái Bình communes', len(hytb), 381)
    check('  of those, mapped to >=1 new commune, all in new province 33',
          sum(1 for c in hytb if targets[c] and all(comm_new[n][0] == 33 for n in targets[c])), 381)
    check('  of those, with exactly one carrier', sum(1 for c in hytb if sum(targets[c].values()) == 1), 381)
    split_hytb = sorted(c for c in hytb if len(targets[c]) > 1)
    check('  of those, split over >1 new commune', split_hytb, [11989, 12004, 12322])
    for c in split_hytb:
        print(f'    {c} {comm_old[c][1]} -> ' + ', '.join(
            f'{n} {comm_new[n][1]}' + (' (carrier)' if k else '') for n, k in sorted(targets[c].items())))
    check('old communes with a mapping', len(targets), len(comm_old))
    check('old communes with exactly one carrier row (national)',
          sum(1 for t in targets.values() if sum(t.values()) == 1), len(comm_old))
    check('old communes split over >1 new commune (national)', sum(1 for t in targets.values() if len(t) > 1), 471)
    check('  = divided entries in converter_2025.json', divided, 471)
    check('old_to_new rows', len(pairs), 10597)
    check('carrier rows', sum(k for _, _, k in pairs), 10035)
    hit = {n for t in targets.values() for n in t} | set(island.values())
    check('new communes reached by the mapping', len(hit), 3321)
    carried = {n for t in targets.values() for n, k in t.items() if k} | set(island.values())
    print('new communes carrying no old commune (only non-carrier parts):',
          sorted(set(comm_new) - carried))
    # NSO conversion-table typos (research doc caveat 3): correct here
    for old, want in ((1651, {1648: 1}), (2482, {2494: 1}), (1615, None), (2485, None)):
        assert old in comm_old, old
        if want:
            assert targets[old] == want, (old, targets[old])
        print(f'old {old:05d} {comm_old[old][1]} -> {sorted(targets[old])}')
    same = sorted(p for p in prov_new if p in prov_old and old_to_new_prov[p] == p)
    check('new province codes that are the code of an old province merged into it', len(same), 34)
    print('new provinces whose name differs from the old province of the same code:',
          [(p, prov_old[p], prov_new[p]) for p in same if prov_old[p] != prov_new[p]])
    total = 0
    for name, size in sizes.items():
        print(f'wrote {name}: {size} bytes')
        total += size
    print(f'total {total} bytes')
    assert total < 600_000


if __name__ == '__main__':
    main()

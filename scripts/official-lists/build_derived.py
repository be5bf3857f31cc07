"""Build compact CSVs for a Rust app from the two PyPI packages and compare them.
A (derived_gso): vietnam-provinces 2026.9.0 (GPL-3.0-or-later; embeds the NSO/GSO conversion table)
B (derived_mit): vietnamadminunits 1.0.4 (MIT; mapping from sapnhap.bando.com.vn, keyed by names)
Run: python3.12 build_derived.py  (cwd = /tmp/admin-data)
"""
import csv, json, sqlite3, sys, collections, unicodedata
sys.path.insert(0, 'pypi/x_vietnam_provinces-2026.9.0-py3-none-any')
from vietnam_provinces import Province, Ward
from vietnam_provinces.legacy import Province as LP, District as LD, Ward as LW
from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW
nfc = lambda s: unicodedata.normalize('NFC', ' '.join(s.split()))
V = lambda x: int(getattr(x, 'value', x))

def write(path, header, rows):
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n'); w.writerow(header); w.writerows(rows)

# ---- A: GSO-based ----
o = 'out/derived_gso/'
write(o + 'provinces_2025.csv', ['code', 'name', 'type'],
      [(V(p.code), p.name, str(p.division_type)) for p in Province.iter_all()])
write(o + 'communes_2025.csv', ['code', 'province_code', 'name', 'type'],
      sorted((V(w.code), V(w.province_code), w.name, str(w.division_type)) for w in Ward.iter_all()))
write(o + 'provinces_legacy.csv', ['code', 'name'], [(V(p.code), p.name) for p in LP.iter_all()])
write(o + 'districts_legacy.csv', ['code', 'province_code', 'name'],
      sorted((V(d.code), V(d.province_code), d.name) for d in LD.iter_all()))
write(o + 'communes_legacy.csv', ['code', 'district_code', 'province_code', 'name'],
      sorted((V(w.code), V(w.district_code), V(w.province_code), w.name) for w in LW.iter_all()))
# old->new pairs; partial=1 when the old commune has >1 target or is flagged "Nhập một phần"
pairs_gso = set()
rows = []
for k, e in sorted(OLD_TO_NEW.items()):
    for n in e.new_wards:
        rows.append((k, n.code, int(e.old_ward.is_partly_merged or len(e.new_wards) > 1)))
        pairs_gso.add((k, n.code))
write(o + 'old_to_new.csv', ['old_code', 'new_code', 'partial'], rows)

# ---- B: MIT-based (vietnamadminunits) ----
o = 'out/derived_mit/'
d = 'pypi/x_vietnamadminunits-1.0.4-py3-none-any/vietnamadminunits/data/'
c = sqlite3.connect(d + 'dataset.db')
write(o + 'communes_2025.csv', ['code', 'province_code', 'name', 'province_name'],
      sorted((int(a), int(b), n, pn) for a, b, n, pn in c.execute('select wardCode, provinceCode, ward, province from admin_units')))
write(o + 'communes_legacy.csv', ['code', 'district_code', 'province_code', 'name', 'district_name', 'province_name'],
      sorted(((int(a) if a else '', int(b), int(p), n or '', dn, pn) for a, b, p, n, dn, pn in
              c.execute('select wardCode, districtCode, provinceCode, ward, district, province from admin_units_legacy')), key=lambda r: (r[2], r[1], str(r[0]))))
conv = json.load(open(d + 'converter_2025.json'))
old_key = {(pk + '_' + dk + '_' + (wk or '')): (int(code) if code else None, int(dc))
           for pk, dk, wk, code, dc in c.execute('select provinceKey, districtKey, wardKey, wardCode, districtCode from admin_units_legacy')}
new_key = {(pk, wk): int(code) for pk, wk, code in c.execute('select provinceKey, wardKey, wardCode from admin_units')}
rows, unresolved = [], []
for npk, wards in conv['DICT_PROVINCE_WARD_NO_DIVIDED'].items():
    for nwk, olds in wards.items():
        for ok in olds:
            oc = old_key.get(ok); nc = new_key.get((npk, nwk))
            (rows.append((oc[0] if oc[0] else '', oc[1], nc, 0, 1)) if oc and nc else unresolved.append((ok, npk, nwk)))
for npk, olds in conv['DICT_PROVINCE_WARD_DIVIDED'].items():
    for ok, targets in olds.items():
        for t in targets:
            oc = old_key.get(ok); nc = new_key.get((npk, t['newWardKey']))
            (rows.append((oc[0], oc[1], nc, 1, int(t['isDefaultNewWard']))) if oc and nc else unresolved.append((ok, npk, t['newWardKey'])))
rows.sort(key=lambda r: (str(r[0]).zfill(5), r[2]))
write(o + 'old_to_new.csv', ['old_code', 'old_district_code', 'new_code', 'partial', 'default'], rows)
print('MIT mapping rows', len(rows), 'unresolved keys', len(unresolved), unresolved[:5])
pairs_mit = {(r[0], r[2]) for r in rows if r[0] != ''}
print('pairs GSO', len(pairs_gso), 'MIT', len(pairs_mit), 'common', len(pairs_gso & pairs_mit),
      'GSO-only', len(pairs_gso - pairs_mit), 'MIT-only', len(pairs_mit - pairs_gso))
# per old commune: same target set?
g = collections.defaultdict(set); m = collections.defaultdict(set)
for a, b in pairs_gso: g[a].add(b)
for a, b in pairs_mit: m[a].add(b)
same = sum(1 for k in g if m.get(k) == g[k])
print('old communes in both', len(set(g) & set(m)), 'identical target sets', same,
      'GSO targets subset of MIT', sum(1 for k in g if k in m and g[k] < m[k]),
      'MIT subset of GSO', sum(1 for k in g if k in m and m[k] < g[k]),
      'other diff', sum(1 for k in g if k in m and not (g[k] <= m[k] or m[k] <= g[k])))

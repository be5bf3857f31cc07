"""Hybrid compact set for shipping in the app (proposal):
 - new units (34 + 3,321) and old->new pairs: NSO/GSO conversion table as embedded in vietnam-provinces 2026.9.0
 - old units (63 / 696 / 10,035 as of 30 Jun 2025): vietnamadminunits 1.0.4 (MIT) dataset.db
 - 2 known code typos in the GSO conversion table corrected (old 01615->01651 Mỹ Hưng, 02485->02482 Phú Thịnh)
Run with python3.12 from /tmp/admin-data."""
import csv, json, sqlite3, sys, collections
sys.path.insert(0, 'pypi/x_vietnam_provinces-2026.9.0-py3-none-any')
from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW
V = lambda x: int(getattr(x, 'value', x))
o = 'out/ship/'
def write(name, header, rows):
    with open(o + name, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n'); w.writerow(header); w.writerows(rows)
nested = json.load(open('pypi/x_vietnam_provinces-2026.9.0-py3-none-any/vietnam_provinces/data/nested-divisions.json'))
write('provinces_2025.csv', ['code', 'name'], sorted((p['code'], p['name']) for p in nested))
write('communes_2025.csv', ['code', 'province_code', 'name'],
      sorted((w['code'], p['code'], w['name'].replace('’', "'")) for p in nested for w in p['wards']))
c = sqlite3.connect('pypi/x_vietnamadminunits-1.0.4-py3-none-any/vietnamadminunits/data/dataset.db')
write('provinces_legacy.csv', ['code', 'name'], sorted(set((int(a), b) for a, b in c.execute('select provinceCode, province from admin_units_legacy'))))
write('districts_legacy.csv', ['code', 'province_code', 'name'], sorted(set((int(a), int(b), n) for a, b, n in c.execute('select districtCode, provinceCode, district from admin_units_legacy'))))
write('communes_legacy.csv', ['code', 'district_code', 'name'], sorted((int(a), int(b), n) for a, b, n in c.execute("select wardCode, districtCode, ward from admin_units_legacy where wardCode<>''")))
pairs = set()
partial = {}
for k, e in OLD_TO_NEW.items():
    for n in e.new_wards: pairs.add((k, n.code))
    partial[k] = e.old_ward.is_partly_merged
# typo fixes (verified against the 2025-01-04 GSO list and vietnamadminunits' mapping)
for bad, good, new in ((1615, 1651, 1648), (2485, 2482, 2494)):
    pairs.discard((bad, new)); pairs.add((good, new)); partial[good] = False
tg = collections.defaultdict(set)
for a, b in pairs: tg[a].add(b)
rows = sorted((a, b, int(len(tg[a]) > 1 or partial.get(a, False))) for a, b in pairs)
write('old_to_new.csv', ['old_code', 'new_code', 'partial'], rows)
# island districts (no communes) -> special zones
write('old_district_to_new.csv', ['old_district_code', 'new_code'], [(318, 11948), (471, 19742), (498, 20333), (536, 21548), (755, 26732)])
leg = {int(a) for (a,) in c.execute("select wardCode from admin_units_legacy where wardCode<>''")}
print('old codes in mapping', len(tg), 'missing from legacy list', sorted(set(tg) - leg), 'legacy not mapped', sorted(leg - set(tg)))
print('split (>1 target)', sum(1 for v in tg.values() if len(v) > 1), 'rows', len(rows), 'partial rows', sum(r[2] for r in rows))

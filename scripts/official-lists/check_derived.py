# Re-verify the expected figures from the derived CSVs only (python3, stdlib)
import csv, collections
def rd(p): return list(csv.DictReader(open(p, encoding='utf-8')))
for src in ('gso', 'mit'):
    o = f'/tmp/admin-data/out/derived_{src}/'
    new = rd(o + 'communes_2025.csv'); leg = rd(o + 'communes_legacy.csv'); m = rd(o + 'old_to_new.csv')
    newprov = {r['province_code'] for r in new}
    hy_new = {r['code'] for r in new if r['province_code'] == '33'}
    leg_c = [r for r in leg if r['code']]
    old_hytb = {r['code'] for r in leg_c if r['province_code'] in ('33', '34')}
    dists = {(r['province_code'], r['district_code']) for r in leg if r['province_code'] in ('33', '34')}
    tg = collections.defaultdict(set)
    for r in m:
        if r['old_code']: tg[r['old_code']].add(r['new_code'])
    print(f'[{src}] new provinces {len(newprov)} new communes {len(new)} | new Hưng Yên communes {len(hy_new)}')
    print(f'[{src}] legacy: provinces {len({r["province_code"] for r in leg})} districts {len({r["district_code"] for r in leg})} communes {len(leg_c)}'
          f' | old HY+TB districts {len(dists)} (HY {sum(1 for d in dists if d[0]=="33")}, TB {sum(1 for d in dists if d[0]=="34")}) communes {len(old_hytb)}')
    print(f'[{src}] HY+TB old communes with >=1 target {sum(1 for c in old_hytb if tg.get(c))}, all targets in new HY {all(tg[c] <= hy_new for c in old_hytb if c in tg)}, '
          f'split {sum(1 for c in old_hytb if len(tg.get(c, ())) > 1)}; national split {sum(1 for v in tg.values() if len(v) > 1)} of {len(tg)} old communes; pairs {sum(len(v) for v in tg.values())}')

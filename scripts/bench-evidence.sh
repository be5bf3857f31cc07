#!/usr/bin/env bash
# Evidence files (docs/benchmarks.md, "Evidence files"): attaching a 12-megapixel photo (downscale,
# thumbnail, hash, encrypted insert), then the export and import of N photos on a stick with the peak
# memory of each.
#   scripts/bench-evidence.sh [PHOTOS]   (default 2000)
# Photos are made with Pillow (installed from PyPI if missing): noise over colour, so that they stay
# large after shrinking, as real photos do.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
work=${BENCH_DIR:-/tmp/sotay-bench}/evidence
rm -rf "$work" && mkdir -p "$work/big" "$work/many"
python3 -c 'import PIL' 2>/dev/null || pip install -q pillow
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
cargo build --release -p sotay-cli >/dev/null 2>&1
s=target/release/sotay
export SOTAY_PASSPHRASE="mật khẩu đo hiệu năng"
t() { /usr/bin/time -f "  %e s, peak RSS %M KB" "$@"; }

python3 - "$work" "$n" <<'EOF'
import sys, random
from PIL import Image, ImageDraw
work, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
# Ten 12-megapixel photos, 4000 x 3000, as a phone writes them (quality 92).
for i in range(10):
    im = Image.merge("RGB", [Image.effect_noise((4000, 3000), 30 + i) for _ in range(3)])
    d = ImageDraw.Draw(im)
    for _ in range(40):
        x, y = random.randrange(4000), random.randrange(3000)
        d.ellipse((x, y, x + 600, y + 400), fill=tuple(random.randrange(256) for _ in range(3)))
    im.save(f"{work}/big/anh-{i}.jpg", quality=92)
# N photos of 2000 x 1500 (about 200 KB before shrinking each; the count is what the stick test is about).
base = Image.merge("RGB", [Image.effect_noise((2000, 1500), 12) for _ in range(3)])
for i in range(n):
    im = base.copy()
    ImageDraw.Draw(im).rectangle((i % 1900, (i * 7) % 1400, i % 1900 + 100, (i * 7) % 1400 + 100), fill=(i % 256, 40, 200))
    im.save(f"{work}/many/anh-{i:04d}.jpg", quality=75)
EOF
du -sh "$work/big" "$work/many" | sed 's/^/  /'

$s --db "$work/p.db" init --name "Tỉnh đoàn" --code TINH --level province >/dev/null 2>&1
$s --db "$work/a.db" init --name "Đoàn xã A" --code XA-A >/dev/null 2>&1
$s --db "$work/p.db" enroll export --out "$work/up.json" >/dev/null
$s --db "$work/a.db" enroll import "$work/up.json" >/dev/null
$s --db "$work/a.db" enroll export --out "$work/down.json" >/dev/null
$s --db "$work/p.db" enroll import "$work/down.json" >/dev/null
id=$($s --db "$work/a.db" add event --json - <<< '{"title": "Sinh hoạt chi đoàn", "start_at": "2025-07-12T08:00", "status": "done"}' | grep -oE '[0-9a-f-]{36}')
# The raw key: no passphrase derivation in the timed runs (the window derives it once per unlock).
export SOTAY_RAW_KEY=$($s --db "$work/a.db" key raw)

echo "== attach one 12-megapixel photo (whole process: open, decode, turn, shrink, thumbnail, hash, encrypted write)"
hyperfine -N --runs 10 -L i 0,1,2,3,4,5,6,7,8,9 --style basic --export-json "$work/attach.json" \
  "$s --db $work/a.db attach event $id $work/big/anh-{i}.jpg" 2>&1 | grep -E "Time|Range" | head -4
python3 -c "
import json; r=json.load(open('$work/attach.json'))['results']
m=[x['mean'] for x in r]; print('  mean of the ten photos: %.0f ms (min %.0f, max %.0f)' % (sum(m)/len(m)*1e3, min(m)*1e3, max(m)*1e3))"

echo "== attach $n photos, 100 per command"
start=$(date +%s.%N)
ls "$work"/many/*.jpg | xargs -n 100 $s --db "$work/a.db" attach event "$id" >/dev/null
python3 -c "print('  %.1f s for $n photos' % ($(date +%s.%N) - $start))"
du -sh "$work/a.db" | sed 's/^/  database: /'
unset SOTAY_RAW_KEY
echo "== export to a stick: records, then $n + 10 files sealed to the province"
t $s --db "$work/a.db" export --out "$work/stick" | tail -2
du -sh "$work/stick" | sed 's/^/  stick: /'
echo "== import at the province"
t $s --db "$work/p.db" import "$work/stick" | tail -3

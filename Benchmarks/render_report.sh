#!/usr/bin/env bash
# Renders the HTML report of some results to a PNG with headless Chromium, so that a person
# (or a review) can look at what the page shows without opening a browser.
#
# Usage: Benchmarks/render_report.sh OUT_DIR RESULTS_PATH...
#        Benchmarks/render_report.sh OUT_DIR --html EXISTING.html
# Writes OUT_DIR/report.html (unless --html is given) and OUT_DIR/report.png.
# Needs Debian's `chromium` (apt-get install -y chromium). CL_BENCH overrides the binary,
# WINDOW the window size (default 1280,2400). SECTION=ID renders only the part of the page
# from the heading with that id to the next <h3> (with the page's styles), for example
# SECTION=protocol-prob-psenn-split-mnist-prototypes: headless Chromium does not scroll to
# a #fragment before its screenshot, so a section deep in a long page is cut out instead.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 OUT_DIR RESULTS_PATH... | $0 OUT_DIR --html FILE.html" >&2
    exit 2
fi
out_dir=$1
shift
mkdir -p "$out_dir"

if [[ $1 == --html ]]; then
    html=$2
else
    html="$out_dir/report.html"
    cl_bench=${CL_BENCH:-}
    if [[ -z $cl_bench ]]; then
        swift build -c release --product cl-bench >&2
        cl_bench="$(swift build -c release --show-bin-path)/cl-bench"
    fi
    "$cl_bench" report --format html --out "$html" "$@"
fi

if ! command -v chromium >/dev/null; then
    echo "$0: chromium not found; install it with: apt-get install -y chromium" >&2
    exit 2
fi
png="$out_dir/report.png"
if [[ -n ${SECTION:-} ]]; then
    section_html="$out_dir/section-$SECTION.html"
    awk -v id="$SECTION" '
        !body { print; if (/<body>/) body = 1; next }
        index($0, "id=\"" id "\"") { on = 1; print; next }
        on && /^<h3/ { on = 0 }
        on { print }
        END { print "</body></html>" }' "$html" > "$section_html"
    grep -q "id=\"$SECTION\"" "$section_html" || { echo "$0: no element with id=\"$SECTION\" in $html" >&2; exit 2; }
    html=$section_html
    png="$out_dir/section-$SECTION.png"
fi
# --no-sandbox: CI and these machines run as root, where Chromium refuses its sandbox.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="${WINDOW:-1280,2400}" --screenshot="$png" "file://$(realpath "$html")" 2>/dev/null
echo "$png"

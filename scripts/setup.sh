#!/usr/bin/env bash
# Idempotent set-up of a fresh machine for slokit's tests: a virtualenv with the test extras, and the
# servers and tools the integration tests run (Debian's prometheus, victoria-metrics, node-exporter, alertmanager's
# amtool for the generated routing, and chromium for the HTML report's browser test; Playwright drives that
# chromium, it never downloads a browser).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in prometheus:promtool victoria-metrics:victoria-metrics \
    prometheus-node-exporter:prometheus-node-exporter prometheus-alertmanager:amtool chromium:chromium \
    openssl:openssl; do
    command -v "${pkg#*:}" >/dev/null 2>&1 || need_apt+=("${pkg%%:*}")
done
if ((${#need_apt[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: missing Debian packages: ${need_apt[*]} (run as root, or apt-get install them)" >&2
        exit 1
    fi
    echo "setup: installing ${need_apt[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

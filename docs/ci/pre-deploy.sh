#!/usr/bin/env bash
# Pre-deploy step: stop a release when the error-budget policy freezes releases.
# Usage: pre-deploy.sh [EXEMPTION REASON]   e.g. pre-deploy.sh "P0 fix INC-123"
# Needs SLOKIT_PROMETHEUS_URL (and SLOKIT_PROMETHEUS_TOKEN if the server wants one) in the environment.
set -euo pipefail

definitions="${SLO_DEFINITIONS:-slo_definitions/}"
args=(check "$definitions" --junit "${SLO_GATE_JUNIT:-slo-gate.xml}")
if [ "$#" -gt 0 ] && [ -n "$1" ]; then
    args+=(--exempt "$1")
fi

status=0
slokit "${args[@]}" || status=$?

case "$status" in
    0)
        echo "pre-deploy: SLO gate passed, deploying." ;;
    1)
        echo "pre-deploy: release frozen: an error budget is spent (see the FAIL line above)." >&2
        echo "pre-deploy: for a P0 or security fix, rerun with a reason: $0 'P0 fix INC-123'" >&2
        exit 1 ;;
    2)
        echo "pre-deploy: the SLO definitions or the options are invalid (see above); fix them first." >&2
        exit 2 ;;
    3)
        echo "pre-deploy: could not read the SLIs from Prometheus, so the gate could not be checked." >&2
        echo "pre-deploy: retry, or pass on purpose with: slokit check $definitions --on-error pass" >&2
        exit 3 ;;
    *)
        echo "pre-deploy: slokit check failed unexpectedly (exit $status)." >&2
        exit "$status" ;;
esac

"""Time secret redaction (``slokit.settings.REDACT``) on server errors of 100,000 to 1,000,000 characters.

Before issue 11 it was quadratic: 100,000 characters took 20 s and 200,000 took 72 s (the URL-credentials
pattern rescanned a long run of letters from every position). Three kinds of text, each with a bearer
token, a basic-auth password and an SMTP password registered:

- ``plain``: one letter repeated, nothing to redact (what made the old pattern quadratic);
- ``echoes``: lines of a server quoting the credentials back (raw, URL-encoded, base64, cut short);
- ``prefixes``: the first 13 characters of the token over and over, the worst case a server that knows the
  token can send (every 13 characters a partial match to mask);
- ``long-prefixes``: the first 200 characters of a 400-character token (a Kubernetes service-account JWT is
  about that long) over and over: past 126 characters a match is extended in Python.

Prints CPU seconds (the median of ``--runs``) per kind and size, and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import time
from urllib.parse import quote, quote_plus

from slokit.redact import Redactor

TOKEN = "tok-3f9a77c1e2/b+Q=="
USER, PASSWORD = "reporter", "pw/91 bd+0e5a&="
SMTP_USER, SMTP_PASSWORD = "slo-bot", "smtp-pw-77a1"
JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ." + "".join(f"{i:x}" for i in range(1000))[:365]


def texts(size: int) -> dict[str, str]:
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    line = (
        f"401 Authorization: Bearer {TOKEN} / Basic {basic} / next={quote_plus(TOKEN)} / "
        f"pw={quote(PASSWORD, safe='')} / cut: {TOKEN[:9]}... " + "z" * 100 + "\n"
    )
    return {
        "plain": "x" * size,
        "echoes": (line * (size // len(line) + 1))[:size],
        "prefixes": (TOKEN[:13] * (size // 13 + 1))[:size],
        "long-prefixes": (JWT[:200] * (size // 200 + 1))[:size],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="100000,200000,1000000")
    args = parser.parse_args()
    redact = Redactor()
    redact.add(TOKEN, JWT)
    redact.add_credentials(USER, PASSWORD)
    redact.add_credentials(SMTP_USER, SMTP_PASSWORD)
    redact("warm-up: compiles the pattern once")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
    for size in (int(s) for s in args.sizes.split(",")):
        for kind, text in texts(size).items():
            seconds = []
            for _ in range(args.runs):
                started = time.process_time()
                shown = redact(text)
                seconds.append(time.process_time() - started)
            assert TOKEN not in shown and PASSWORD not in shown
            runs = ", ".join(f"{s:.3f}" for s in seconds)
            print(f"{kind:>13} {size:>9,} chars: median {statistics.median(seconds):.3f} s CPU ({runs})")


if __name__ == "__main__":
    main()

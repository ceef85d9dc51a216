#!/usr/bin/python3
"""pyspf side of bench/checks/spf/check-host.bench.ts.

Runs spf.check2() (Debian python3-spf, pydns back end) over the cases in a JSON file for a given
time, against the given DNS server only: pydns reads /etc/resolv.conf when spf is imported, so the
server list is replaced before the first query and checked afterwards; nothing is sent to the
machine's resolver. Prints one line of JSON: evals, ms, agree (results the suite accepts), total.

    /usr/bin/python3 pyspf_bench.py --server 127.0.0.1 --port 5353 --cases cases.json --seconds 0.5
"""
import argparse
import json
import time

import spf  # noqa: E402  (imports DNS and runs DiscoverNameServers)
import DNS

ap = argparse.ArgumentParser()
ap.add_argument('--server', required=True)
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--cases', required=True)
ap.add_argument('--seconds', type=float, default=0.5)
args = ap.parse_args()

if not (args.server.startswith('127.') or args.server == '::1'):
    raise SystemExit('pyspf_bench.py: refusing a DNS server outside loopback: ' + args.server)
DNS.defaults['server'] = [args.server]
DNS.defaults['port'] = args.port
DNS.defaults['server_rotate'] = 0

with open(args.cases) as f:
    cases = json.load(f)

agree = 0
disagree = []
for c in cases:
    res, _exp = spf.check2(i=c['ip'], s=c['sender'], h=c['helo'], timeout=2, querytime=0)
    if res in c['expected']:
        agree += 1
    else:
        disagree.append('%s: %s' % (c['name'], res))

n = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < args.seconds:
    for c in cases:
        spf.check2(i=c['ip'], s=c['sender'], h=c['helo'], timeout=2, querytime=0)
        n += 1
ms = (time.perf_counter() - t0) * 1000

assert DNS.defaults['server'] == [args.server], 'pydns server list changed'
print(json.dumps({'evals': n, 'ms': ms, 'agree': agree, 'total': len(cases), 'disagree': disagree}))

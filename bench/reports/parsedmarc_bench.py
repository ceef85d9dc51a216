"""Drives parsedmarc on the files of bench/reports/reports.bench.ts, offline.

    python parsedmarc_bench.py mbox FILE   # parsedmarc.get_dmarc_reports_from_mbox
    python parsedmarc_bench.py file FILE   # parsedmarc.parse_report_file (xml, gz, zip, eml)

offline=True (no geolocation or reverse DNS lookups) and nameservers on loopback, so nothing
leaves the machine. Prints the number of reports found (by kind), or the record count.
"""
import sys

import parsedmarc

NAMESERVERS = ["127.0.0.1"]


def main() -> None:
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "mbox":
        r = parsedmarc.get_dmarc_reports_from_mbox(
            path, offline=True, nameservers=NAMESERVERS, dns_timeout=0.1
        )
        print(
            len(r.get("aggregate_reports", [])),
            len(r.get("failure_reports", r.get("forensic_reports", []))),
            len(r.get("smtp_tls_reports", [])),
        )
    else:
        r = parsedmarc.parse_report_file(
            path, offline=True, nameservers=NAMESERVERS, dns_timeout=0.1
        )
        report = r.get("report", {})
        print(r.get("report_type"), len(report.get("records", [])) if isinstance(report, dict) else "")


if __name__ == "__main__":
    main()

"""`nianbao rules`: the finding codes, their severity and meaning."""

from __future__ import annotations

import argparse


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nianbao rules", description="List the finding codes.")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    args = ap.parse_args(argv)
    from reports.codes import CODES

    width = max(len(c) for c in CODES)
    for code, (sev, zh, en) in CODES.items():
        print(f"{code:<{width}}  {sev:<7}  {zh if args.lang == 'zh' else en}")
    return 0

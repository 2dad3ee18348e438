#!/usr/bin/python3
"""Reads a Prometheus text exposition on stdin and parses it with the reference parser of the
Prometheus Python client (Debian: python3-prometheus-client). Prints each sample as
`name{label="value",...} value`, labels sorted, one per line. Exits 1, saying why, if the parser
refuses the text, a family has no HELP or no TYPE, a family or a sample comes twice, or a
histogram's buckets are not cumulative up to +Inf == _count."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def fail(why):
    print(f"check_metrics: {why}", file=sys.stderr)
    sys.exit(1)


def check_histogram(family):
    buckets = [s for s in family.samples if s.name.endswith("_bucket")]
    counts = [s.value for s in buckets]
    if counts != sorted(counts):
        fail(f"{family.name}: buckets are not cumulative")
    if not buckets or buckets[-1].labels.get("le") != "+Inf":
        fail(f"{family.name}: no +Inf bucket last")
    count = [s.value for s in family.samples if s.name.endswith("_count")]
    if count != [buckets[-1].value]:
        fail(f"{family.name}: _count is not the +Inf bucket")


def main():
    text = sys.stdin.read()
    if not text.endswith("\n"):
        fail("the exposition does not end with a newline")
    typed = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    helped = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser's own refusal, whatever its type
        fail(f"the parser refuses the text: {e}")
    seen_families, seen_samples, out = set(), set(), []
    for family in families:
        if family.name in seen_families:
            fail(f"family {family.name} comes twice")
        seen_families.add(family.name)
        exposed = family.name + "_total" if family.type == "counter" else family.name
        if exposed not in typed and family.name not in typed:
            fail(f"family {family.name} has no TYPE")
        if exposed not in helped and family.name not in helped or not family.documentation:
            fail(f"family {family.name} has no HELP")
        if family.type == "histogram":
            check_histogram(family)
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            name = f"{s.name}{{{labels}}}" if labels else s.name
            if name in seen_samples:
                fail(f"sample {name} comes twice")
            seen_samples.add(name)
            out.append(f"{name} {s.value:.17g}")
    if not families:
        fail("no metric at all")
    print("\n".join(out))


main()

#!/usr/bin/env python3
"""Mutation fuzzing of the auditor's export verifier (tools/verify_export.py).

usage: verifier_fuzz.py VERIFIER EXPORT SEED COUNT

Feeds COUNT seeded mutations of a real export (bit flips, bytes inserted, deleted or
truncated, lines dropped, repeated or swapped, numbers and strings replaced, invalid UTF-8,
deep nesting, huge numbers, duplicate members) to the verifier's verify() in-process. Each
must end one of two ways: rejected with BadEvent naming a position, or accepted, and then
only when its lines still mean what the original's first lines did (an export cut at an
event's end is a shorter, valid one). Anything else (an exception other
than BadEvent, an accepted change) is a defect: the first few are printed with the seed of
their mutation, and the exit status is 1. A line of figures is printed either way.
"""

import importlib.util
import io
import json
import random
import sys
import traceback


def load(path):
    spec = importlib.util.spec_from_file_location("verify_export", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mutate(data, rng):
    """One mutation of `data` (bytes): returns (what, mutated bytes)."""
    lines = data.split(b"\n")
    kind = rng.randrange(14)
    if kind == 0 and data:
        i = rng.randrange(len(data))
        return "bit flip", data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
    if kind == 1:
        i = rng.randrange(len(data) + 1)
        return "byte inserted", data[:i] + bytes([rng.randrange(256)]) + data[i:]
    if kind == 2 and data:
        i = rng.randrange(len(data))
        return "byte deleted", data[:i] + data[i + 1:]
    if kind == 3:
        return "truncated", data[:rng.randrange(len(data) + 1)]
    if kind == 4 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
        return "line dropped", b"\n".join(lines)
    if kind == 5:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "line repeated", b"\n".join(lines)
    if kind == 6 and len(lines) > 2:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "lines swapped", b"\n".join(lines)
    i = rng.randrange(len(lines))
    line = lines[i]
    if kind == 7:
        digits = [k for k, c in enumerate(line) if 0x30 <= c <= 0x39]
        if digits:
            k = rng.choice(digits)
            line = line[:k] + rng.choice([b"0", b"-1", b"1e999", b"1.5", b"18446744073709551616",
                                          b"9" * 400, b"NaN", b"Infinity"]) + line[k + 1:]
    elif kind == 8:
        quotes = [k for k, c in enumerate(line) if c == 0x22]
        if quotes:
            k = rng.choice(quotes)
            line = line[:k + 1] + rng.choice(["\u4e2d", "\\u0000", "\\ud800", "\\", "\"",
                                              "\U0001f600"]).encode("utf-8") + line[k + 1:]
    elif kind == 9:
        k = rng.randrange(len(line) + 1)
        line = line[:k] + rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x00"]) + line[k:]
    elif kind == 10:
        k = rng.randrange(len(line) + 1)
        line = line[:k] + b"[" * 5000 + b"]" * 5000 + line[k:]
    elif kind == 11:
        line = line.replace(b'"type":', b'"type":"x","type":', 1)
    elif kind == 12:
        line = line.replace(b'"data":{', b'"data":[', 1)
    else:
        line = rng.choice([b"", b"{}", b"[]", b"null", b"\"\"", b"{" * 100000, b" " + line])
    lines[i] = line
    return "line %d changed (%d)" % (i + 1, kind), b"\n".join(lines)


def meanings(data):
    """Each non-empty line as Python values, or None when a line is not JSON."""
    try:
        return [json.loads(l) for l in data.decode("utf-8").split("\n") if l]
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    verifier = load(argv[1])
    with open(argv[2], "rb") as f:
        original = f.read()
    seed, count = int(argv[3]), int(argv[4])
    baseline = meanings(original)
    rejected = accepted = 0
    defects = []
    for n in range(count):
        rng = random.Random(seed * 1000003 + n)
        what, data = mutate(original, rng)
        try:
            verifier.verify(io.BytesIO(data))
            # An export cut at an event's end is a shorter export, and valid: the auditor
            # compares the head it prints with the published one.
            got = meanings(data)
            if got is None or got != baseline[:len(got)]:
                defects.append("mutation %d (%s): accepted, but the lines mean something else" %
                               (n, what))
            accepted += 1
        except verifier.BadEvent as bad:
            if not isinstance(getattr(bad, "position", None), int):
                defects.append("mutation %d (%s): rejected without a position" % (n, what))
            rejected += 1
        except Exception:  # anything but a reasoned rejection is a defect
            defects.append("mutation %d (%s): %s" % (n, what, traceback.format_exc()))
    print("verifier fuzz: seed %d, %d mutations: %d rejected at a position, %d accepted "
          "unchanged in meaning or cut at an event's end, %d defects" % (seed, count, rejected, accepted, len(defects)))
    for d in defects[:3]:
        print(d)
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

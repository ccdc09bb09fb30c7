#!/usr/bin/env python3
"""Checks the hash chain of a BrandLedger export, written from docs/FORMAT.md alone.

usage: verify_export.py FILE      (or - for standard input)

Reads `brandledger export` output (one JSON event per line) and checks, line by line:
gapless positions from 1, the prev_hash links (the first is 32 zero bytes), each hash
recomputed from the event's record bytes, and the stream links (version and stream_prev).

Exit status: 0 when every check holds (a summary and the head are printed), 1 at the
first bad position (named on stdout), 2 when the file cannot be read or the usage is wrong.
Python 3 standard library only; shares no code with the server.
"""

import hashlib
import json
import re
import struct
import sys

ZERO_DIGEST = bytes(32)
RECORD_FORMAT = 1


class BadEvent(Exception):
    """The line expected at a position breaks the format or the chain."""


class Number:
    """A JSON number kept as its exact token text (FORMAT.md 4.3: never converted)."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


class Members(list):
    """A JSON object as its (key, value) pairs, in the order they appear."""


def _reject_constant(name):
    raise ValueError("not JSON: " + name)


def parse_line(text):
    return json.loads(
        text,
        parse_int=Number,
        parse_float=Number,
        parse_constant=_reject_constant,
        object_pairs_hook=Members,
    )


# --- FORMAT.md 4.3: the data text -----------------------------------------------------

# The bytes a string escapes, and how: the table of FORMAT.md 4.3.
_ESCAPE = {c: "\\u00%02x" % c for c in range(0x20)}
_ESCAPE.update({0x22: '\\"', 0x5C: "\\\\", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n",
                0x0C: "\\f", 0x0D: "\\r"})
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f]')


def json_string(text):
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPE[ord(m.group())], text) + '"'


def json_text(value):
    if isinstance(value, Members):
        return "{" + ",".join(json_string(k) + ":" + json_text(v) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, Number):
        return value.text
    if isinstance(value, str):
        return json_string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    raise BadEvent("unexpected JSON value in data")


# --- FORMAT.md 4.2: from a line to the record bytes -----------------------------------

def utf8(text):
    # surrogateescape gives back bytes that were not UTF-8 as they were read (4.2).
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # found by tests/app/verifier_fuzz.py: "\ud800"
        raise BadEvent("a string holds a lone UTF-16 surrogate escape, which no export writes")


def u8(n):
    return struct.pack("<B", n)


def u32(n):
    return struct.pack("<I", n)


def u64(n):
    return struct.pack("<Q", n)


def i64(n):
    return struct.pack("<q", n)


def put_str(data):
    return u32(len(data)) + data


_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                   r"(?:\.([0-9]{1,6}))?Z")


def days_from_civil(y, m, d):
    """Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def days_in_month(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def micros(member, text):
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise BadEvent("%s is not a time as FORMAT.md 4.2 writes it: %r" % (member, text))
    y, mo, d, hh, mm, ss = (int(g) for g in match.groups()[:6])
    fraction = match.group(7)
    if (not 1 <= mo <= 12 or not 1 <= d <= days_in_month(y, mo) or hh > 23 or mm > 59 or ss > 59
            or (fraction is not None and fraction.endswith("0"))):
        raise BadEvent("%s is not a time as FORMAT.md 4.2 writes it: %r" % (member, text))
    us = int(fraction.ljust(6, "0")) if fraction else 0
    return (((days_from_civil(y, mo, d) * 24 + hh) * 60 + mm) * 60 + ss) * 1000000 + us


def integer(event, member, bits):
    value = event.get(member)
    if not isinstance(value, Number) or not re.fullmatch(r"0|[1-9][0-9]*", value.text):
        raise BadEvent("%s is not a non-negative integer" % member)
    n = int(value.text)
    if n >= 1 << bits:
        raise BadEvent("%s does not fit in %d bits" % (member, bits))
    return n


def string(obj, member, where=""):
    value = obj.get(member)
    if not isinstance(value, str):
        raise BadEvent("%s%s is not a string" % (where, member))
    return value


def digest(event, member):
    text = string(event, member)
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise BadEvent("%s is not 64 lowercase hex digits" % member)
    return bytes.fromhex(text)


MEMBERS = ("position", "stream", "version", "stream_prev", "type", "schema_version", "occurred_at",
           "recorded_at", "actor", "command_id", "correlation_id", "comment", "data", "prev_hash",
           "hash", "record_format")


def read_event(line):
    """The fields of one export line, with its record bytes (FORMAT.md 2 and 4.2)."""
    try:
        parsed = parse_line(line)
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise BadEvent("the line is not JSON: %s" % e)
    except RecursionError:  # found by tests/app/verifier_fuzz.py: [[[[... 5000 deep
        raise BadEvent("the line nests JSON deeper than this verifier follows (no export does)")
    if not isinstance(parsed, Members):
        raise BadEvent("the line is not a JSON object")
    event = dict(parsed)
    if len(event) != len(parsed):
        raise BadEvent("the line names a member twice")
    missing = [m for m in MEMBERS if m not in event]
    if missing:
        raise BadEvent("the line has no " + ", ".join(missing))
    if integer(event, "record_format", 8) != RECORD_FORMAT:
        raise BadEvent("record_format %s is not one FORMAT.md describes" %
                       event["record_format"].text)
    actor = event["actor"]
    if not isinstance(actor, Members):
        raise BadEvent("actor is not an object")
    actor = dict(actor)
    data = event["data"]
    if not isinstance(data, Members):
        raise BadEvent("data is not a JSON object")

    fields = {
        "position": integer(event, "position", 64),
        "stream": string(event, "stream"),
        "version": integer(event, "version", 64),
        "stream_prev": integer(event, "stream_prev", 64),
        "prev_hash": digest(event, "prev_hash"),
        "hash": digest(event, "hash"),
    }
    occurred = micros("occurred_at", event["occurred_at"])
    recorded = micros("recorded_at", event["recorded_at"])
    for name, t in (("occurred_at", occurred), ("recorded_at", recorded)):
        if not -(1 << 63) <= t < 1 << 63:
            raise BadEvent("%s is out of range" % name)
    record = b"".join([
        u8(RECORD_FORMAT),
        u64(fields["position"]),
        put_str(utf8(fields["stream"])),
        u64(fields["version"]),
        u64(fields["stream_prev"]),
        put_str(utf8(string(event, "type"))),
        u32(integer(event, "schema_version", 32)),
        i64(occurred),
        i64(recorded),
        put_str(utf8(string(actor, "id", "actor."))),
        put_str(utf8(string(actor, "name", "actor."))),
        put_str(utf8(string(actor, "role", "actor."))),
        put_str(utf8(string(actor, "org", "actor."))),
        put_str(utf8(string(event, "command_id"))),
        put_str(utf8(string(event, "correlation_id"))),
        put_str(utf8(string(event, "comment"))),
        put_str(utf8(json_text(data))),
    ])
    fields["record"] = record
    return fields


# --- FORMAT.md 5: the checks ----------------------------------------------------------

def verify(lines):
    """Returns (events verified, head hash, streams) or raises BadEvent naming a position."""
    prev_hash = ZERO_DIGEST
    streams = {}  # stream -> (last version, its position)
    position = 0
    for raw in lines:
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        position += 1
        try:
            e = read_event(raw.decode("utf-8", "surrogateescape"))
            if e["position"] != position:
                raise BadEvent("the line holds position %d; the log is gapless from 1" %
                               e["position"])
            if e["prev_hash"] != prev_hash:
                raise BadEvent("prev_hash %s is not the previous event's hash %s" %
                               (e["prev_hash"].hex(), prev_hash.hex()))
            recomputed = hashlib.sha256(e["prev_hash"] + e["record"]).digest()
            if recomputed != e["hash"]:
                raise BadEvent("its record hashes to %s, but the line says %s" %
                               (recomputed.hex(), e["hash"].hex()))
            last_version, last_position = streams.get(e["stream"], (0, 0))
            if e["version"] != last_version + 1:
                raise BadEvent("stream %s goes from version %d to %d" %
                               (e["stream"], last_version, e["version"]))
            if e["stream_prev"] != last_position:
                raise BadEvent("stream_prev is %d; stream %s's previous event is at %d" %
                               (e["stream_prev"], e["stream"], last_position))
        except BadEvent as bad:
            bad.position = position
            raise
        streams[e["stream"]] = (e["version"], position)
        prev_hash = e["hash"]
    return position, prev_hash, len(streams)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: verify_export.py FILE|-   (the output of brandledger export)\n")
        return 2
    name = argv[1]
    try:
        source = sys.stdin.buffer if name == "-" else open(name, "rb")
    except OSError as e:
        sys.stderr.write("verify_export.py: %s\n" % e)
        return 2
    try:
        with source:
            events, head, streams = verify(source)
    except BadEvent as bad:
        print("FAILED at position %d: %s (%d events verified before it)" %
              (bad.position, bad, bad.position - 1))
        return 1
    except OSError as e:
        sys.stderr.write("verify_export.py: %s\n" % e)
        return 2
    if events == 0:
        print("ok: the export is empty (no events)")
    else:
        print("ok: %d event%s in %d stream%s, positions 1..%d gapless, every hash and link holds" %
              (events, "" if events == 1 else "s", streams, "" if streams == 1 else "s", events))
        print("head: %d %s" % (events, head.hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

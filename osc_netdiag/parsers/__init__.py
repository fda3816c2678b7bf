"""Pure parsers: text of a tool's standard output -> frozen dataclasses/tuples.

No I/O, no logging, no SDK. Malformed, unknown or truncated input raises
:class:`osc_netdiag.errors.ParseError` and nothing else. Every tool read
here ends its output with a newline, so a non-empty text that does not is
taken as cut short and refused: give the parsers stdout verbatim (do not
strip it).
"""

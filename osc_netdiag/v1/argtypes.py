#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""argparse types of netdiag's options: numbers within bounds and output
folders, refused at parse time as usage errors (exit 2) with a message
that says what is expected, before the API or any host is contacted.
"""

import argparse
import ipaddress
import math


def whole_number(low, high=None):
    """An argparse type: an integer in [low, high] (no upper bound if
    None), else a usage error (exit 2) that says what is expected.
    """
    def parse(text):
        return _bounded(text, int, low, high, "a whole number")
    parse.__name__ = "whole number"
    return parse


def seconds(high):
    """An argparse type: a finite number of seconds in (0, high]."""
    def parse(text):
        return _bounded(text, float, 0, high, "seconds", above=True)
    parse.__name__ = "seconds"
    return parse


def _bounded(text, kind, low, high, what, above=False):
    if above:
        bounds = f"above {low}"
        bounds += f" and at most {high}" if high is not None else ""
    else:
        bounds = (f"from {low} to {high}" if high is not None
                  else f"of at least {low}")
    try:
        value = kind(text)
    except ValueError:
        value = None
    if (value is None or not math.isfinite(value)
            or (value <= low if above else value < low)
            or (high is not None and value > high)):
        raise argparse.ArgumentTypeError(
            f"expected {what} {bounds}, got {text!r}")
    return value


def output_dir(text):
    """--save-capture, -w: an existing folder must be the user's own,
    private directory (checked again, and created 0700, when the run
    writes).
    """
    from osc_netdiag import outdir
    try:
        return outdir.check(text)
    except outdir.UnsafeOutputDir as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def ipv4_address(text):
    """port trace --to: one IPv4 address, in its canonical form (what
    reaches ovn-trace's and ofproto/trace's argv is this, never the text).
    """
    try:
        return str(ipaddress.IPv4Address(text))
    except (ipaddress.AddressValueError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected an IPv4 address, got {text!r}") from None

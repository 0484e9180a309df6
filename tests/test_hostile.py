"""The malformed-input harness (tests/hostile.py) can fail: each of its checks catches the
defect it exists for (negative controls), and passes a clean refusal."""
from __future__ import annotations

import pytest

from hostile import assert_refused, call, names_the_input


def test_a_clean_refusal_passes():
    assert_refused(2, "", "synthetic: error: --h must be > 0, got 0\n", "synthetic")


@pytest.mark.parametrize("code, out, err", [
    (1, "", "synthetic: error: --h must be > 0, got 0\n"),            # wrong exit code
    (2, "{}\n", "synthetic: error: --h must be > 0, got 0\n"),        # something on stdout
    (2, "", "synthetic: error: a\nsecond line\n"),                    # two lines
    (2, "", "Traceback (most recent call last):\n"),                  # a traceback
    (2, "", "synthetic: error: internal error: KeyError\n"),          # an internal error
    (2, "", "theory: error: --h must be > 0\n"),                      # another program's name
])
def test_each_defect_of_a_refusal_is_caught(code, out, err):
    with pytest.raises(AssertionError):
        assert_refused(code, out, err, "synthetic")


@pytest.mark.parametrize("err, argv", [
    ("synthetic: error: --h must be > 0, got 0", ["run", "--h", "0"]),
    ("nn_checks: error: lr must be > 0, got 0.0", ["measure", "--lr", "0"]),
    ("theory: error: --vars: invalid name", ["certify", "--var", "1x"]),
    ("figures: error: metrics.csv: line 3 is not CSV", ["--results", "/tmp/r/metrics.csv"]),
    ("nn_checks: error: the following arguments are required: --run", ["measure"]),
])
def test_a_message_that_names_its_input_is_recognised(err, argv):
    assert names_the_input(err, argv)


@pytest.mark.parametrize("err, argv", [
    # what escapes from deep inside a library names neither an option nor a value
    ("synthetic: error: could not broadcast input array from shape (2,) into shape (1,)",
     ["run", "--x0", "1,2"]),
    ("nn_checks: error: math domain error", ["measure", "--lr", "1"]),
    # the sub-command's own name, or a one-character value, names nothing
    ("theory: error: certify failed", ["certify", "x"]),
    ("synthetic: error: step 1 of 2 failed", ["run", "1"]),
])
def test_a_message_that_names_nothing_is_caught(err, argv):
    assert not names_the_input(err, argv)


def test_a_hang_is_bounded():
    def hangs(argv):  # noqa: ARG001
        while True:
            pass

    with pytest.raises(BaseException, match="no answer within 1 s"):
        call(hangs, [], bound_s=1)

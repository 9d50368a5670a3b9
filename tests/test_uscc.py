"""The unified social credit code (GB 32100-2015): the check character against codes
worked out by hand, and what a clerk's typing does to a code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consolidate.values.uscc import ALPHABET, WEIGHTS, check_character, is_valid, parse_uscc
from tests.recommend_files import CODES

# The standard's code table, written out (I, O, S, V and Z are not used).
STANDARD_VALUES = {
    **{str(d): d for d in range(10)},
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "P": 23, "Q": 24, "R": 25, "T": 26, "U": 27,
    "W": 28, "X": 29, "Y": 30,
}  # fmt: skip

# 91310101MA1FL0000 worked by hand, position by position: character, value, weight, product.
WORKED = [
    ("9", 9, 1, 9), ("1", 1, 3, 3), ("3", 3, 9, 27), ("1", 1, 27, 27), ("0", 0, 19, 0),
    ("1", 1, 26, 26), ("0", 0, 16, 0), ("1", 1, 17, 17), ("M", 21, 20, 420),
    ("A", 10, 29, 290), ("1", 1, 25, 25), ("F", 15, 13, 195), ("L", 20, 8, 160),
    ("0", 0, 24, 0), ("0", 0, 10, 0), ("0", 0, 30, 0), ("0", 0, 28, 0),
]  # fmt: skip
# Σ = 1199; 1199 mod 31 = 21 (31 × 38 = 1178); 31 − 21 = 10 → A.

# Bodies with their weighted sums and check characters, worked the same way (the sum
# mod 31, subtracted from 31, looked up in the table; 31 is written 0).
HAND_TABLE = [
    ("91310101MA1FL0000", 1199, "A"),
    ("91310000132200821", 417, "H"),  # 417 mod 31 = 14; 31 − 14 = 17 → H
    ("12310000425012345", 670, "C"),  # 670 mod 31 = 19; 12 → C
    ("91310115MA1H7ABCD", 2279, "F"),  # 2279 mod 31 = 16; 15 → F
    ("52310000500000001", 193, "Q"),  # 193 mod 31 = 7; 24 → Q
    ("93310104MA1K4T9U2", 2760, "Y"),  # 2760 mod 31 = 1; 30 → Y
    ("91310106MA1FL0003", 1368, "U"),  # 1368 mod 31 = 4; 27 → U
    ("91310101MA1FL0001", 1227, "D"),  # 1227 mod 31 = 18; 13 → D
    ("91310101000000015", 279, "0"),  # 279 mod 31 = 0; 31 → written 0
    ("91310101000000005", 249, "Y"),  # 249 mod 31 = 1; 30 → Y
    ("91310101000000024", 281, "X"),  # 281 mod 31 = 2; 29 → X
    ("91310101000000028", 393, "A"),  # 393 mod 31 = 21; 10 → A
]


def test_the_worked_example_adds_up():
    assert "".join(c for c, *_ in WORKED) == "91310101MA1FL0000"
    for character, value, weight, product in WORKED:
        assert STANDARD_VALUES[character] == value and value * weight == product
    assert [w for *_, w, _ in WORKED] == list(WEIGHTS)
    assert sum(p for *_, p in WORKED) == 1199


def test_the_alphabet_and_weights_are_the_standards():
    assert {ch: i for i, ch in enumerate(ALPHABET)} == STANDARD_VALUES
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize(("body", "total", "check"), HAND_TABLE)
def test_check_character_matches_the_hand_worked_table(body, total, check):
    assert sum(STANDARD_VALUES[c] * w for c, w in zip(body, WEIGHTS, strict=True)) == total
    assert check_character(body) == check
    assert is_valid(body + check)
    assert parse_uscc(body + check).valid


def test_the_test_codes_are_the_table_codes():
    assert [body + check for body, _, check in HAND_TABLE] == CODES


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.data())
def test_one_wrong_character_is_always_caught(body, data):
    code = body + check_character(body)
    assert is_valid(code)
    # Every weight is non-zero modulo the prime 31: changing any one character (the
    # check character included) changes the sum, so the code no longer checks.
    at = data.draw(st.integers(0, 17))
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != code[at]]))
    assert not is_valid(code[:at] + other + code[at + 1 :])


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_a_valid_code_sums_to_a_multiple_of_31(body):
    code = body + check_character(body)
    weights = (*WEIGHTS, 1)  # the check character counts once
    assert sum(STANDARD_VALUES[c] * w for c, w in zip(code, weights, strict=True)) % 31 == 0


@pytest.mark.parametrize(
    ("typed", "reason", "suggestion"),
    [
        ("91310101MA1FL0000A", "", None),
        ("91310101ma1fl0000a", "", "91310101MA1FL0000A"),  # case only: the fix is proposed
        ("９１３１０１０１ＭＡ１ＦＬ００００Ａ", "", "91310101MA1FL0000A"),  # full width
        ("9131 0101 MA1F L000 0A", "", "91310101MA1FL0000A"),  # spaces
        ("91310101MA1FL0000B", "check", None),  # a wrong check character: no guess
        ("91310101MA1FL000A", "length", None),
        ("91310101MI1FL0000A", "chars", None),  # I is never used
        ("91310101MO1FL0000A", "chars", None),
    ],
)
def test_parse_uscc(typed, reason, suggestion):
    code = parse_uscc(typed)
    assert code.reason == reason and code.suggestion == suggestion
    assert code.valid == (not reason and suggestion is None)


def test_a_code_stored_as_a_number_is_lost():
    """Excel keeps 15 significant digits of an all-digit code typed into a number cell."""
    code = parse_uscc(913101010000000150.0)
    assert code.reason == "number"
    assert parse_uscc("913101010000000150").valid

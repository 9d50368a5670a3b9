"""Normalisers, with hypothesis where inputs vary (phones, separators, names, dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consolidate.values.dates import parse_date
from consolidate.values.districts import normalize_district
from consolidate.values.functions import parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.phones import normalize_mobile
from consolidate.values.posts import parse_post
from consolidate.values.text import cell_text, is_placeholder
from tests.helpers import CONFIG

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(
    mobiles,
    st.sampled_from(["", "+86", "+86 ", "86", "0086"]),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)
def test_mobile_written_any_way_normalises_to_its_digits(mobile, prefix, sep, full_width):
    text = prefix + sep.join([mobile[:3], mobile[3:7], mobile[7:]])
    if full_width:
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789+"})
    result = normalize_mobile(text)
    assert result.valid and result.digits == mobile


@given(mobiles)
def test_mobile_as_a_float_cell(mobile):
    assert normalize_mobile(float(mobile)).digits == mobile
    assert normalize_mobile(f"{mobile}.0").digits == mobile


@pytest.mark.parametrize("text", ["1380013800", "23800138000", "021-64220000", "1281234567a", ""])
def test_invalid_mobiles(text):
    assert not normalize_mobile(text).valid


functions = st.lists(st.sampled_from(CONFIG.functions), min_size=1, max_size=5, unique=True)
separators = st.sampled_from(["、", "，", ",", "；", ";", "/", " ", "和", "、\n", " , "])


@given(functions, separators)
def test_any_separator_gives_the_same_sorted_set(chosen, sep):
    parsed = parse_functions(sep.join(chosen), CONFIG)
    order = list(CONFIG.functions)
    assert parsed.known == tuple(sorted(chosen, key=order.index))
    assert not parsed.unknown and not parsed.repeated


def test_function_none_unknown_and_repeated():
    assert parse_functions("无", CONFIG).is_empty
    parsed = parse_functions("复审、复核、复审", CONFIG)
    assert (parsed.known, parsed.unknown, parsed.repeated) == (("复审",), ("复核",), ("复审",))


cjk = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4
)


@given(cjk, st.lists(st.sampled_from([" ", "\u3000", "  ", "\n"]), max_size=3))
def test_name_padding_is_removed(name, pads):
    padded = name[0] + "".join(pads) + name[1:]
    assert normalize_name(padded) == name


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.sampled_from(["{y}年{m}月{d}日", "{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}.{m}.{d}"]),
)
def test_dates_in_every_format(date, pattern):
    text = pattern.format(y=date.year, m=date.month, d=date.day)
    assert parse_date(text) == date


def test_excel_dates():
    assert parse_date(dt.datetime(2026, 11, 20, 0, 0)) == dt.date(2026, 11, 20)
    assert parse_date(46346.0) == dt.date(2026, 11, 20)
    assert parse_date("2026年2月30日") is None


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("上海市黄浦区市场监督管理局", "黄浦区"),
        ("黄浦区市场监管局", "黄浦区"),
        ("黄浦区", "黄浦区"),
        ("上海市浦东新区\n市场监督管理局", "浦东新区"),
        ("浦东", "浦东新区"),
        ("上海市XX区市场监管局", None),
        ("北京市朝阳区", None),
    ],
)
def test_district_names(text, district):
    assert normalize_district(text, CONFIG) == district


@pytest.mark.parametrize(
    ("text", "status", "body"),
    [
        ("现认证科科长", "current", "认证科科长"),
        ("原认证科科员", "former", "认证科科员"),
        ("认证科科长", None, "认证科科长"),
    ],
)
def test_posts_keep_the_prefix_as_a_flag(text, status, body):
    post = parse_post(text)
    assert (post.status, post.body) == (status, body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("吴XX", True),
        ("138XXXXXXXX", True),
        ("202X年X月X日", True),
        ("ＸＸ科", True),
        ("maxx", False),
        ("王晓", False),
    ],
)
def test_placeholders(text, expected):
    assert is_placeholder(text, CONFIG) is expected


@given(st.text(max_size=30))
def test_cell_text_never_raises_and_strips(text):
    out = cell_text(text)
    assert out == out.strip()


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("二〇二六年十一月二十日", dt.date(2026, 11, 20)),
        ("二○二六年一月五日", dt.date(2026, 1, 5)),
        ("二〇二六年十二月三十一日", dt.date(2026, 12, 31)),
        ("二〇二六年十月十日", dt.date(2026, 10, 10)),
        ("二〇二六年二月三十日", None),
    ],
)
def test_dates_in_chinese_numerals(text, date):
    assert parse_date(text) == date

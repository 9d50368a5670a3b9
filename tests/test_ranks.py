"""The rank classifier: the longest keyword decides; off-establishment words decide alone."""

import pytest

from consolidate.values.posts import BELOW, OFF, SECTION, classify_post
from tests.helpers import CONFIG


@pytest.mark.parametrize(
    ("post", "level"),
    [
        ("认证科科长", SECTION), ("认证科副科长", SECTION), ("四级主任科员", SECTION), ("一级主任科员", SECTION),
        ("副主任科员", SECTION), ("市场监管所所长", SECTION), ("稽查支队副队长", SECTION), ("二级调研员", SECTION),
        ("科员", BELOW), ("一级科员", BELOW), ("二级科员", BELOW), ("科长助理", BELOW), ("办事员", BELOW),
        ("综合科工作人员", BELOW), ("见习", BELOW),
        ("认证科科长（事业编）", OFF), ("聘用人员", OFF), ("劳务派遣", OFF), ("协管员", OFF), ("四级主任科员（编外）", OFF),
        ("认证科", None), ("", None),
    ],
)  # fmt: skip
def test_rank_levels(post, level):
    assert classify_post(post, CONFIG).level == level

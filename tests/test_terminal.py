"""What a clerk reads in a terminal: help, the findings, the end of a run (issue 25, item 7).

Chinese lines are broken by the Chinese rules (no 。，：… at a line's start, no （“ … at
its end, never inside a number, a date, a mobile or a word), at 80 and at 60 columns; no
line ends in spaces, on a terminal or redirected; help is in one language a line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidate.cli import main
from consolidate.model.finding import Finding
from consolidate.ui.linebreak import CLOSING, OPENING, cell_width, line_spans, min_width, wrap
from consolidate.ui.usage import LANG, help_path, param_help
from tests.helpers import a2_row, keys, write_annex

AS_OF = "2026-11-26"
BOXES = "│┃|"


def invoke(args: list[str], columns: int = 80):
    return CliRunner(env={"COLUMNS": str(columns)}).invoke(main, args)


def cells(line: str) -> list[str]:
    """The text of each table cell of a line (the whole line outside a table)."""
    return [piece.strip() for piece in re.split(f"[{BOXES}]", line) if piece.strip()]


def broken_rules(text: str) -> list[str]:
    """Lines (or table cells) that start with closing or end with opening punctuation,
    and lines that end in spaces."""
    bad = [line for line in text.splitlines() if line != line.rstrip()]
    for line in text.splitlines():
        bad += [c for c in cells(line) if c[0] in CLOSING or c[-1] in OPENING]
    return bad


# ---------------------------------------------------------------- the line breaker
def test_the_cases_of_the_issue_break_by_the_chinese_rules():
    message = (
        "“复审”账号使用人应为科级以上行政编人员，而“综合业务科一级科员”为“一级科员”，"
        "低于科级。请更换账号使用人，或去掉“复审”功能。（依据：沪市监认证〔2021〕212号 第三条）"
    )
    for width in range(8, 90):
        lines = wrap(message, width)
        assert all(cell_width(line) <= width for line in lines)
        assert not [line for line in lines if line[0] in CLOSING or line[-1] in OPENING], width
        assert "".join(lines).replace(" ", "") == message.replace(" ", "")
        assert any("212号" in line for line in lines)  # a number keeps its counter
    dated = "已于2026年3月15日到期，手机号 137 0000 1836 同时填给了 GB 32100-2015"
    for width in range(18, 40):
        lines = wrap(dated, width)
        for piece in ("2026年3月15日", "137 0000 1836", "32100-2015"):
            assert any(piece in line for line in lines), (width, lines)


def test_a_piece_wider_than_the_line_is_cut_by_cells_and_nothing_is_lost():
    assert wrap("91310101MA1PEL2R7A", 6) == ["913101", "01MA1P", "EL2R7A"]
    assert wrap("上海博睿电器有限公司", 7) == ["上海博", "睿电器", "有限公", "司"]
    assert wrap("  缩进的段落 abc", 8) == ["  缩进的", "段落 abc"]  # the indent stays on line 1
    assert wrap("第一段\n\n第二段", 20) == ["第一段", "", "第二段"]


def test_a_location_breaks_at_its_spaces_only():
    place = "推荐名单 第12行 现权限有效期至（G12）"
    assert wrap(place, 24, spaces_only=True) == ["推荐名单 第12行", "现权限有效期至（G12）"]
    assert min_width(place, spaces_only=True) == cell_width("现权限有效期至（G12）")


CHINESE = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你能而"
CLOSERS = "。，、；：！？）》」』】”…"
OPENERS = "（《「『【“"
PROTECTED = {"number", "date", "mobile", "latin", "cell"}

words = st.text(alphabet=CHINESE, min_size=1, max_size=6)
pieces = st.one_of(
    st.tuples(st.just("word"), words),
    st.tuples(st.just("closed"), st.tuples(words, st.sampled_from(CLOSERS)).map("".join)),
    st.tuples(st.just("opened"), st.tuples(st.sampled_from(OPENERS), words).map("".join)),
    st.tuples(st.just("number"), st.integers(0, 10**9).map(str)),
    st.tuples(
        st.just("date"),
        st.dates().map(lambda d: f"{max(d.year, 1000)}年{d.month}月{d.day}日"),
    ),
    st.tuples(
        st.just("mobile"),
        st.integers(0, 10**8 - 1).map(lambda n: f"13{n:08d}"[:3] + f" {n:08d}"[:5] + f" {n % 10000:04d}"),
    ),
    st.tuples(st.just("latin"), st.text(alphabet="abcdefghijKLMNOPxyz", min_size=1, max_size=12)),
    st.tuples(st.just("cell"), st.tuples(st.sampled_from("ABCDGHZ"), st.integers(1, 9999)).map(lambda t: f"{t[0]}{t[1]}")),
)  # fmt: skip


@st.composite
def texts(draw) -> tuple[str, list[tuple[int, int]]]:
    """Chinese, Latin and numbers mixed; with where each protected piece lies."""
    text, protected = "", []
    for kind, piece in draw(st.lists(pieces, min_size=1, max_size=40)):
        text += draw(st.sampled_from(["", "", " "])) if text else ""
        if text[-1:].isascii() and text[-1:].isalnum() and piece[0].isascii():
            text += " "  # 10 and 130 0000 0000 side by side would be one number
        if kind in PROTECTED:
            protected.append((len(text), len(text) + len(piece)))
        text += piece
    return text, protected


@settings(max_examples=400, deadline=None)
@given(texts(), st.integers(2, 100))
def test_no_rule_broken_and_no_character_lost(generated, width):
    text, protected = generated
    spans = line_spans(text, width)
    lines = [text[start:end] for start, end in spans]
    assert all(cell_width(line) <= width for line in lines)
    # Every character is on a line, in order; only spaces fall between two lines.
    assert spans[0][0] == 0 and text[spans[-1][1] :].strip() == ""
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start and text[end:start].strip() == ""
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    if min_width(text) <= width:  # no piece too wide for a line: every rule holds
        assert not [line for line in lines if line[0] in CLOSING], lines
        assert not [line for line in lines if line[-1] in OPENING], lines
        breaks = [end for end, _ in zip([e for _, e in spans], spans[1:], strict=False)]
        for start, end in protected:
            assert not [b for b in breaks if start < b < end], (text[start:end], lines)


# ---------------------------------------------------------------- help
def _commands(group: click.Group = main, path: str = "consolidate"):
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}", command


COMMANDS = [path for path, _ in _commands()]
# Words a Chinese help may hold: program, format and product names, values to type.
CODE_WORDS = {
    "consolidate", "zh", "en", "json", "html", "table", "recommend", "Word", "Excel", "WPS",
    *(name for path in COMMANDS for name in path.split()),
}  # fmt: skip


def _english_words(line: str) -> list[str]:
    """The English words of a line, leaving out code-like tokens (--as-of, ledger.sqlite,
    DIR, A1 references, [zh|en])."""
    tokens = re.findall(r"[!-~]+", line)
    return [
        t for t in tokens
        if not re.search(r"[-./_|\[\]=0-9<>…]", t) and not t.isupper() and t not in CODE_WORDS
    ]  # fmt: skip


def _example(line: str) -> bool:
    return line.strip().startswith("consolidate ")


def _chinese(text: str) -> bool:
    return bool(re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", text))


# Every help in a fresh interpreter whose terminal has COLUMNS columns (click's CliRunner
# forces 80 for help).
HELPS = """
import contextlib, io, json, sys
from consolidate.cli import main
texts = {}
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(args)
    texts[" ".join(args)] = out.getvalue()
print(json.dumps(texts))
"""


def helps(columns: int) -> dict[str, tuple[str, str]]:
    """(zh, en) help of every command at ``columns`` columns."""
    import json
    import os
    import subprocess
    import sys

    calls = [[*p.split()[1:], "--help", *lang] for p in COMMANDS for lang in ([], ["--lang", "en"])]
    done = subprocess.run(
        [sys.executable, "-c", HELPS, json.dumps(calls)],
        env={**os.environ, "COLUMNS": str(columns)}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    texts = json.loads(done.stdout)
    return {
        path: tuple(texts[" ".join([*path.split()[1:], "--help", *lang])] for lang in ([], ["--lang", "en"]))
        for path in COMMANDS
    }  # fmt: skip


@pytest.mark.parametrize("columns", [80, 60])
def test_help_is_chinese_or_english_a_line_never_both(columns: int):
    for path, (zh, en) in helps(columns).items():
        for text in (zh, en):
            assert broken_rules(text) == [], path
            wide = [line for line in text.splitlines() if cell_width(line) > columns]
            assert all(_example(line) for line in wide), wide  # a command to copy stays whole
        english = [(line, w) for line in zh.splitlines() if (w := _english_words(line))]
        assert english == [], path
        chinese = [line for line in en.splitlines() if _chinese(line) and not _example(line)]
        assert chinese == [], path
        assert zh.startswith("用法：") and en.startswith("Usage: "), path


def test_the_lines_of_the_issue_are_gone():
    ledger = invoke(["run", "--help"]).output
    assert "默认：ledger.sqlite in the output folder" not in ledger
    assert "申请台账文件（默认为输出文件夹中的 ledger.sqlite）" in ledger
    assert (
        "[必填]" in ledger and "[默认：" not in invoke(["run", "--help"]).output.split("--lang")[1]
    )
    assert (
        "the request ledger (default: ledger.sqlite in the output"
        in invoke(["run", "--help", "--lang", "en"]).output
    )


def test_lang_given_to_the_group_or_before_help_is_known_before_click_renders():
    for args in (["--lang", "en", "--help"], ["--help", "--lang", "en"], ["--lang", "en"]):
        result = invoke(args)
        assert result.exit_code == 0 and result.output.startswith("Usage: consolidate"), args
    assert invoke(["schemas", "export", "--help", "--lang=en"]).output.startswith("Usage: ")


def test_every_option_and_argument_is_worded_in_help_toml_in_both_languages():
    texts = tomllib.loads(help_path().read_text(encoding="utf-8"))
    for path, command in _commands():
        key = path.removeprefix("consolidate").strip() or "consolidate"
        entry = texts["commands"][key]
        assert entry["help"]["zh"] and entry["help"]["en"], path
        ctx = click.Context(command, info_name=path)
        for param in command.get_params(ctx):
            kind = "arguments" if isinstance(param, click.Argument) else "options"
            name = "help" if "--help" in param.opts else param.name
            found = entry.get(kind, {}).get(name) or texts["options"].get(name)
            assert found and found["zh"] and found["en"], (path, name)
            for lang in ("zh", "en"):
                token = LANG.set(lang)
                try:
                    assert param_help(path, param) == found[lang]
                finally:
                    LANG.reset(token)


# ---------------------------------------------------------------- check: the findings
LONG_NAME = "黄浦区账号使用人信息汇总表（2026年11月修改稿，经办人复核后的最终版本）.xlsx"


@pytest.fixture
def faulty(tmp_path: Path) -> Path:
    """An Annex 2 whose findings have long messages: posts, mobiles, names, functions."""
    rows = [
        a2_row(1, post="综合业务科一级科员", functions="复审"),
        a2_row(2, name="方杰鹏", mobile="135 0000 341"),
        a2_row(3, name="陆文强", post="认证监管科", functions="复审"),
        a2_row(4, name="袁亮娟2"),
        a2_row(5, name="吕玲敏", functions="初审;复审"),
        a2_row(6, name="陈静", account="hp_user5"),
        a2_row(7, name="朱峰", functions="复核"),
    ]
    return write_annex(tmp_path / LONG_NAME, 2, [[r[k] for k in keys(2)] for r in rows])


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_findings_break_by_the_rules_at_80_and_60_columns(faulty: Path, columns, lang):
    result = invoke(["check", str(faulty), "--as-of", AS_OF, "--lang", lang], columns)
    assert result.exit_code == 1
    assert result.output.count("\n") > 30  # the findings are there
    assert broken_rules(result.output) == []
    assert all(cell_width(line) <= columns for line in result.output.splitlines())


def test_the_table_written_to_a_file_breaks_by_the_rules_without_trailing_spaces(
    faulty: Path, tmp_path: Path
):
    out = tmp_path / "问题.txt"
    result = invoke(["check", str(faulty), "--as-of", AS_OF, "--output", str(out)])
    assert result.exit_code == 1
    table = out.read_text(encoding="utf-8")
    assert "┃ 级别 ┃ 位置" in table
    assert broken_rules(table) == []


def test_a_findings_location_is_the_row_and_the_column_name_beside_the_reference(faulty: Path):
    lines = invoke(["check", str(faulty), "--as-of", AS_OF], 100).output.splitlines()
    assert "  错误  附件2 第6行 手机号（G6）  方杰鹏" in lines
    assert "  警告  附件2 第8行 账号使用人姓名（C8）  袁亮娟2" in lines
    english = invoke(["check", str(faulty), "--as-of", AS_OF, "--lang", "en"], 100).output
    assert "  error  附件2, row 6, 手机号 (G6)  方杰鹏" in english.splitlines()


@pytest.mark.parametrize(
    ("finding", "zh", "en"),
    [
        (dict(file="a.xlsx", sheet="附件2", row=8, cell="G8", column="手机号"),
         "附件2 第8行 手机号（G8）", "附件2, row 8, 手机号 (G8)"),
        (dict(file="a.docx", sheet="表格1", row=5, cell="G5", column="手机号"),
         "表格1 第5行 手机号（第7列）", "表格1, row 5, 手机号 (column 7)"),
        (dict(file="a.docx", sheet="正文", row=3, column="填报日期"),
         "正文 第3段 填报日期", "正文, paragraph 3, 填报日期"),
        (dict(file="a.xlsx", sheet="Sheet1", row=4, cell="B4"), "Sheet1 第4行 B4", "Sheet1, row 4, B4"),
        (dict(file="a.xlsx", sheet="Sheet1", column="联系人"), "Sheet1 联系人", "Sheet1, 联系人"),
        (dict(file="a.xlsx"), "", ""),
    ],
)  # fmt: skip
def test_place_says_where_as_a_clerk_counts(finding, zh, en):
    made = Finding("phone-invalid", "error", "…", "…", **finding)
    assert (made.place("zh"), made.place("en")) == (zh, en)
    assert made.to_dict()["cell"] == finding.get("cell")  # findings.json unchanged


# ---------------------------------------------------------------- run: how it ends
PURPOSES = {
    "register.xlsx": "purpose-register", "adjustments.xlsx": "purpose-adjustments",
    "退回/": "purpose-returned", "report.html": "purpose-report",
    "findings.json": "purpose-findings-json", "findings.csv": "purpose-findings-csv",
    "manifest.json": "purpose-manifest", "ledger.sqlite": "purpose-ledger",
}  # fmt: skip


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """黄浦区 sent its Annex 2 with a wrong mobile (so a copy goes back); 15 did not."""
    row = a2_row(1, mobile="1390000000")
    write_annex(tmp_path / "收件箱" / "黄浦区" / "附件2.xlsx", 2, [[row[k] for k in keys(2)]])
    return tmp_path / "收件箱"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("as_of", "lang", "columns", "when"),
    [
        ("2026-11-26", "zh", 80, "未报送附件2的区（截止日期2026年11月30日，还有4天）："),
        ("2026-12-03", "zh", 60, "未报送附件2的区（截止日期2026年11月30日，已逾期3天）："),
        ("2026-11-30", "en", 60, "Districts that have not sent Annex 2 (due today):"),
    ],
    ids=["days-left", "overdue", "due-today-en"],
)
def test_the_run_ends_with_what_each_output_is_for_and_who_has_not_sent(
    inbox: Path, tmp_path: Path, as_of: str, lang: str, columns: int, when: str
):
    from consolidate.support.config import load_config
    from consolidate.support.messages import tool_message

    out = tmp_path / "输出"
    result = invoke(
        ["run", str(inbox), "--out", str(out), "--as-of", as_of, "--lang", lang], columns
    )
    assert result.exit_code == 1, result.output
    assert broken_rules(result.output) == []
    lines = result.output.splitlines()
    start = lines.index(tool_message("run-outputs", lang, {"folder": out}))
    missing = next(i for i, line in enumerate(lines) if line.startswith(when[:12]))
    assert start < missing and lines[-1].endswith("report.html")
    outputs = _flat("\n".join(lines[start + 1 : missing]))
    for name, key in PURPOSES.items():
        assert _flat(name + tool_message(key, lang, {})) in outputs, name
    said = _flat("\n".join(lines[missing:-1]))
    assert said.startswith(_flat(when))
    others = [d.name for d in load_config().districts if d.name != "黄浦区"]
    assert said.endswith(_flat(("、" if lang == "zh" else ", ").join(others)))
    if lang == "en":
        assert not [
            line
            for line in lines
            if _chinese(line) and not re.search(r"退回|回执|输出|收件箱|区", line)
        ]


def test_a_run_every_district_sent_says_so(tmp_path: Path):
    """Only 黄浦区 in the roll-up (the others rollup = false): one line says all have sent."""
    import shutil

    from consolidate.support.config import DEFAULT_SCHEMAS

    schemas = tmp_path / "配置"
    shutil.copytree(DEFAULT_SCHEMAS, schemas)
    districts = schemas / "districts.toml"
    text = districts.read_text(encoding="utf-8").replace("rollup = true", "rollup = false")
    districts.write_text(text.replace("rollup = false", "rollup = true", 1), encoding="utf-8")
    row = a2_row(1)
    write_annex(tmp_path / "in" / "附件2.xlsx", 2, [[row[k] for k in keys(2)]])
    args = ["--schemas", str(schemas), "run", str(tmp_path / "in"), "--out", str(tmp_path / "o")]
    result = invoke([*args, "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "各区均已报送附件2。" in result.output.splitlines()

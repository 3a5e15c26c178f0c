"""Tests of the policies file (labelled configurations for compare) and ``--policy`` options."""

from __future__ import annotations

from pathlib import Path

import pytest

from ran_events.errors import InvalidValue, PoliciesFileError
from ran_events.selection import (
    ConfiguredPolicy,
    load_policies,
    loads_policies,
    parse_policy_option,
)

GOOD = """\
# Two weightings of one policy, side by side.
[lottery]
policy = "lottery"

["experience first"]
policy = "score"
parameters = { weights = { experience = 1 } }

[casework]
policy = "score"
[casework.parameters.weights]
casework = 2.5
"""


def test_a_policies_file_gives_labelled_configurations_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "policies.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_policies(path) == (
        ConfiguredPolicy(label="lottery", policy="lottery", parameters={}),
        ConfiguredPolicy(
            label="experience first", policy="score", parameters={"weights": {"experience": 1}}
        ),
        ConfiguredPolicy(
            label="casework", policy="score", parameters={"weights": {"casework": 2.5}}
        ),
    )


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    text = """\
orphan = 4
[lottery]
policy = "lottery"
seed = 3

[nameless]
parameters = {}

["bad parameters"]
policy = "score"
parameters = 3

[raffle]
policy = "raffle"

[unweighted]
policy = "score"
parameters = { weights = { experience = "a lot" } }
"""
    with pytest.raises(PoliciesFileError) as raised:
        loads_policies(text, source="p.toml")
    assert [(p.line, p.field) for p in raised.value.problems] == [
        (1, "orphan"),
        (4, "lottery.seed"),
        (6, "nameless.policy"),  # no policy line: the table's
        (11, '"bad parameters".parameters'),
        (14, "raffle.policy"),
        (18, "unweighted.parameters"),
    ]
    message = str(raised.value)
    assert message.startswith("6 problems in p.toml:")
    assert "p.toml:14: raffle.policy: unknown selection policy 'raffle'" in message
    assert "p.toml:4: lottery.seed: " in message
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (b'[a]\npolicy = "lottery"\nx = \xff\n', 3, "not UTF-8"),
        ('[a]\npolicy = "lottery"\npolicy = "x"\n', 3, "not valid TOML"),
        ("", None, "at least one labelled policy"),
        ('[""]\npolicy = "lottery"\n', 1, "a label that is not empty"),
        ('[[a]]\npolicy = "lottery"\n', 1, "a table such as"),
        ('a = { policy = "" }\n', 1, "a registered policy's name"),
    ],
)
def test_unreadable_files_say_where(text: str | bytes, line: int | None, says: str) -> None:
    with pytest.raises(PoliciesFileError) as raised:
        loads_policies(text)
    (problem,) = raised.value.problems
    assert problem.line == line
    assert says in problem.message


def test_an_option_names_a_policy_and_its_parameters() -> None:
    assert parse_policy_option("lottery") == ConfiguredPolicy(
        label="lottery", policy="lottery", parameters={}
    )
    option = "score:weights.experience=2,weights.casework=0.5,flag=true,tags=[1, 2],who=prison"
    assert parse_policy_option(option) == ConfiguredPolicy(
        label=option,
        policy="score",
        parameters={
            "weights": {"experience": 2, "casework": 0.5},
            "flag": True,
            "tags": [1, 2],
            "who": "prison",
        },
    )
    assert parse_policy_option("x:w=nan").parameters == {"w": "nan"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (":w=1", "NAME or NAME:key=value"),
        ("score:weights", "key=value"),
        ("score:a b=1", "key=value"),
        ("score:w=1,w=2", "each key once"),
        ("score:w=1,w.x=2", "each key once"),
    ],
)
def test_a_bad_option_is_refused(text: str, says: str) -> None:
    with pytest.raises(InvalidValue, match=says):
        parse_policy_option(text)


def test_lines_inside_multi_line_strings_do_not_confuse_the_line_numbers() -> None:
    text = '''\
lottery = { policy = "raffle" }

[notes]
policy = "lottery"
parameters = { text = """
[not a header
not a key = 1
""" }
'''
    with pytest.raises(PoliciesFileError) as raised:
        loads_policies(text)
    assert [(p.line, p.field) for p in raised.value.problems] == [
        (1, "lottery.policy"),  # an inline table: the line of its label
        (5, "notes.parameters"),  # the lottery takes no parameters
    ]


def test_a_number_too_long_for_python_is_a_problem_not_a_crash() -> None:
    with pytest.raises(PoliciesFileError, match="not readable TOML"):
        loads_policies("[a]\npolicy = 'lottery'\nparameters = { n = " + "9" * 5000 + " }\n")

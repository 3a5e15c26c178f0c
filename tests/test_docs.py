"""Every example in README.md and docs/*.md runs, and every output they show is what it prints.

How a page is read (the same rules are in docs/contributing.md):

- Each page runs as one session, block after block in page order, in a fresh temporary
  folder (the working directory) with one Python namespace, like a doctest session.
- A ```python block always runs (it cannot be marked). If it prints, the page must show what
  in a ```text block that follows it directly (only blank lines between); a block that
  prints without one fails.
- A ```console block runs each ``$ ran-events ARGS`` line (a line ending in ``\\`` continues
  on the next). The lines after a command, up to the next ``$``, are what it prints on stdout
  and stderr together; a last line ``[N]`` is its exit status when that is not 0 (as in cram).
- ``<!-- file: NAME -->`` right before a block writes the block's text to NAME in the folder,
  so a later command can read it: every file a command names comes from the page itself (such
  a block, an earlier command, or a Python block that writes it).
- ``<!-- not-run: REASON -->`` right before a block marks an illustration (a synopsis, a
  fragment, a command that installs or takes minutes). Their number is pinned below, so a new
  one is a decision, never an accident. A block that is none of these fails the suite.
- Blocks of MyST directives (```{eval-rst}, ```{toctree}) are Sphinx's, not examples.

Output is compared exactly after one normalisation: trailing white space of each line and
trailing blank lines are dropped. In a shown output ``...`` stands for any text within its
line, and a line that is only ``...`` for any number of lines: use it only for what changes
between runs or would drown the point of the example.

With RAN_EVENTS_UPDATE_DOCS=1 a failing page is rewritten with what its examples printed (an
elided output is then written out in full): review the diff before committing it.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import shlex
from pathlib import Path

import attrs
import pytest

from ran_events import cli, eventfile
from ran_events.examples import webinar

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])

NOT_RUN_BLOCKS = 15
"""How many blocks of README.md and docs/ are marked ``<!-- not-run: ... -->``."""

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
MARKER = re.compile(r"^<!--\s*(?P<kind>not-run|file):\s*(?P<value>.*?)\s*-->$")
COMMAND = "ran-events"
UPDATE = "RAN_EVENTS_UPDATE_DOCS"


@attrs.frozen(kw_only=True)
class Block:
    """A fenced block of a page: where it starts, its language, its text, its marker."""

    page: str
    line: int  # of the opening fence, counted from 1
    info: str
    text: str
    marker: tuple[str, str] | None = None  # ("not-run", reason) or ("file", name)
    after_python: bool = False  # only blank lines between it and a ```python block

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def role(self) -> str:
        """run, output, file, not-run, directive, or unmarked."""
        if self.marker is not None:
            return self.marker[0]
        if self.info.startswith("{"):
            return "directive"
        if self.info in ("python", "console"):
            return "run"
        if self.info == "text" and self.after_python:
            return "output"
        return "unmarked"


def parse(text: str, page: str) -> list[Block]:
    """The fenced blocks of a Markdown text, with the marker written right before each."""
    lines = text.splitlines()
    blocks: list[Block] = []
    marker: tuple[str, str] | None = None
    after_python = False
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        opening = FENCE.match(line)
        if opening is None:
            found = MARKER.match(line.strip())
            if found is not None:
                marker = (found["kind"], found["value"])
            elif line.strip():
                marker, after_python = None, False
            continue
        fence, indent, start, body = opening["fence"], opening["indent"], number, []
        while number < len(lines) and not (
            (closing := lines[number].strip()).startswith(fence) and not closing.strip(fence[0])
        ):  # a block in a list item is indented: so are its lines
            line = lines[number]
            body.append(line.removeprefix(indent) if line.startswith(indent) else line.lstrip())
            number += 1
        number += 1  # the closing fence (or the end of the page)
        block = Block(
            page=page,
            line=start,
            info=opening["info"],
            text="".join(f"{b}\n" for b in body),
            marker=marker,
            after_python=after_python,
        )
        blocks.append(block)
        marker, after_python = None, block.info == "python" and block.marker is None
    return blocks


def blocks_of(page: Path) -> list[Block]:
    return parse(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))


def normalise(text: str) -> list[str]:
    """The lines of an output without trailing white space and trailing blank lines."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(shown: str, printed: str) -> bool:
    """Whether the printed output is the shown one (``...`` stands for what it elides)."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?"
        if line == "..."
        else ".*?".join(map(re.escape, line.split("..."))) + r"\n"
        for line in normalise(shown)
    )
    text = "".join(f"{line}\n" for line in normalise(printed))
    return re.fullmatch(pattern, text) is not None


class NotRunnable(AssertionError):
    """Raised when a console block holds something other than ``$ ran-events`` commands."""


def mismatch(block: Block, shown: str, printed: str, what: str) -> str:
    diff = difflib.unified_diff(
        normalise(shown),
        normalise(printed),
        f"shown in {block.where}",
        f"printed by {what}",
        lineterm="",
    )
    return "\n".join([f"{block.where}: {what} prints something else than the page shows:", *diff])


@attrs.frozen(kw_only=True)
class Command:
    """A ``$ ran-events ...`` line of a console block and the output shown after it."""

    line: int
    argv: list[str]
    shown: str
    status: int
    output: slice  # the page's lines (counted from 0) of the shown output


STATUS = re.compile(r"^\[(\d+)\]$")


def commands(block: Block) -> list[Command]:
    """The commands of a console block.

    Raises:
        NotRunnable: a line before the first ``$`` or a command other than ``ran-events``.
    """
    found: list[Command] = []
    lines = block.text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            raise NotRunnable(
                f"{block.page}:{block.line + 1 + index}: a console block must start with "
                f"`$ {COMMAND} ...`; output follows its command"
            )
        start = index
        command = line[2:]
        while command.endswith("\\") and index + 1 < len(lines):
            index += 1
            command = command[:-1] + lines[index]
        index += 1
        output = slice(block.line + index, block.line + index)
        shown: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            shown.append(lines[index])
            index += 1
        argv = shlex.split(command)
        if argv[:1] != [COMMAND]:
            raise NotRunnable(
                f"{block.where}: `{command}` is not a `{COMMAND}` command, which is all the doc "
                "test runs; mark the block <!-- not-run: REASON --> if it must stay"
            )
        status = 0
        if shown and (code := STATUS.match(shown[-1].strip())):
            status = int(code[1])
            shown.pop()
        found.append(
            Command(
                line=block.line + 1 + start,
                argv=argv[1:],
                shown="\n".join(shown),
                status=status,
                output=slice(output.start, block.line + index),
            )
        )
    return found


@attrs.define
class PageRun:
    """What running a page found: every difference, and the edits that would show the truth."""

    problems: list[str] = attrs.Factory(list)
    edits: list[tuple[slice, list[str]]] = attrs.Factory(list)  # lines (from 0), new lines

    def differs(self, problem: str, lines: slice, printed: str) -> None:
        self.problems.append(problem)
        self.edits.append((lines, normalise(printed)))


def update(text: str, edits: list[tuple[slice, list[str]]]) -> str:
    """The page's text with the shown outputs replaced by the printed ones."""
    lines = text.splitlines()
    for where, new in sorted(edits, key=lambda edit: edit[0].start, reverse=True):
        lines[where] = new
    return "".join(f"{line}\n" for line in lines)


def run_console(block: Block, run: PageRun) -> None:
    """Run the commands of a console block; record every difference from the page."""
    try:
        found = commands(block)
    except NotRunnable as exc:
        run.problems.append(str(exc))
        return
    for command in found:
        what = f"`{COMMAND} {shlex.join(command.argv)}` ({block.page}:{command.line})"
        out = io.StringIO()
        try:  # argparse writes --help and usage errors to sys.stdout and sys.stderr
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                status = cli.main(command.argv, stdout=out, stderr=out)
        except BaseException as exc:
            exc.add_note(f"raised by {what}")
            raise
        printed = out.getvalue() + (f"[{status}]\n" if status else "")
        shown = command.shown + (f"\n[{command.status}]" if command.status else "")
        if status != command.status or not matches(shown, printed):
            run.differs(mismatch(block, shown, printed, what), command.output, printed)


def run_page(blocks: list[Block], folder: Path) -> PageRun:
    """Run the blocks of a page in order in ``folder``; every difference from the page.

    An exception of an example is raised with a note naming the page and line.
    """
    namespace: dict[str, object] = {"__name__": "__docs__"}
    run = PageRun()
    for index, block in enumerate(blocks):
        if block.role == "file":
            assert block.marker is not None
            folder.joinpath(block.marker[1]).write_text(block.text, encoding="utf-8")
        elif block.role == "run" and block.info == "console":
            run_console(block, run)
        elif block.role == "run":
            printed = run_python(block, namespace)
            shown = blocks[index + 1] if index + 1 < len(blocks) else None
            if shown is not None and shown.role == "output":
                if not matches(shown.text, printed):
                    what = f"the block at {block.where}"
                    body = slice(shown.line, shown.line + len(shown.text.splitlines()))
                    run.differs(mismatch(shown, shown.text, printed, what), body, printed)
            elif normalise(printed):
                after = block.line + len(block.text.splitlines()) + 1  # after its closing fence
                run.differs(
                    f"{block.where}: the block prints, but no ```text block right after it "
                    f"shows what; it printed:\n{printed}",
                    slice(after, after),
                    f"\n```text\n{printed.rstrip()}\n```",
                )
    return run


def run_python(block: Block, namespace: dict[str, object]) -> str:
    # Padded so that a traceback names the line of the page.
    code = compile("\n" * block.line + block.text, block.page, "exec")
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
    except Exception as exc:
        exc.add_note(f"raised by the python block at {block.where}")
        raise
    return printed.getvalue()


def unclassified(blocks: list[Block]) -> list[str]:
    """A line for every block that is neither run, an output, a file, a directive nor marked.

    A console block that is not a list of ``$ ran-events`` commands cannot run either.
    """
    problems = []
    for block in blocks:
        if block.role == "unmarked":
            problems.append(
                f"{block.where}: a ```{block.info or '(no language)'} block that is neither run "
                "nor an output, nor marked <!-- file: NAME --> or <!-- not-run: REASON -->"
            )
        elif block.info == "python" and block.role != "run":
            problems.append(f"{block.where}: a ```python block always runs; drop its marker")
        elif block.role == "not-run" and block.marker is not None and not block.marker[1]:
            problems.append(f"{block.where}: <!-- not-run: REASON --> without a reason")
        elif block.role == "run" and block.info == "console":
            try:
                commands(block)
            except NotRunnable as exc:
                problems.append(str(exc))
    return problems


ALL_BLOCKS = [block for page in PAGES for block in blocks_of(page)]
RUN_PAGES = [p for p in PAGES if any(b.role == "run" for b in blocks_of(p))]


@pytest.mark.parametrize("page", RUN_PAGES, ids=lambda p: p.name)
def test_page_runs_and_prints_what_it_shows(page: Path, tmp_path: Path) -> None:
    with contextlib.chdir(tmp_path):
        run = run_page(blocks_of(page), tmp_path)
    if run.problems:
        header = f"{page.name} does not print what it shows (the rules: tests/test_docs.py)"
        if os.environ.get(UPDATE) == "1":
            page.write_text(update(page.read_text(encoding="utf-8"), run.edits), encoding="utf-8")
            header += f"; {UPDATE}=1 wrote what it printed into the page: review the diff"
        pytest.fail("\n\n".join([header, *run.problems]), pytrace=False)


def test_every_block_is_run_or_marked() -> None:
    problems = unclassified(ALL_BLOCKS)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    marked = [b.where for b in ALL_BLOCKS if b.role == "not-run"]
    assert len(marked) == NOT_RUN_BLOCKS, (
        f"{len(marked)} blocks are marked not-run ({', '.join(marked)}), "
        f"NOT_RUN_BLOCKS says {NOT_RUN_BLOCKS}: run the new one, or raise the number"
    )


def test_the_readme_tour_and_the_tutorial_are_checked() -> None:
    runs = {page: [b for b in blocks_of(page) if b.role == "run"] for page in PAGES}
    assert len(runs[ROOT / "README.md"]) >= 2
    assert len(runs[ROOT / "docs" / "tutorial.md"]) >= 10


# The machinery itself, on small pages.

FENCE3 = "```"


def page(text: str) -> list[Block]:
    return parse(text.replace("'''", FENCE3), "page.md")


def test_a_printed_output_other_than_the_shown_one_is_reported_with_page_line_and_diff(
    tmp_path: Path,
) -> None:
    text = "Intro\n\n'''python\nprint('r6')\n'''\n\n'''text\nr5\n'''\n"
    blocks = page(text)
    assert [b.role for b in blocks] == ["run", "output"]
    with contextlib.chdir(tmp_path):
        run = run_page(blocks, tmp_path)
        (problem,) = run.problems
        assert problem.startswith("page.md:7: the block at page.md:3 prints something else")
        assert "\n-r5\n+r6" in problem
        assert update(text, run.edits) == text.replace("\nr5\n", "\nr6\n")
        same = page("'''python\nprint('r5')\n'''\n'''text\nr5  \n\n'''\n")
        assert run_page(same, tmp_path) == PageRun()


def test_a_block_that_prints_without_a_shown_output_is_reported(tmp_path: Path) -> None:
    text = "'''python\nprint('hello')\n'''\n\nProse.\n\n'''text\nhello\n'''\n"
    blocks = page(text)
    assert [b.role for b in blocks] == ["run", "unmarked"]  # prose between: not its output
    with contextlib.chdir(tmp_path):
        run = run_page(blocks, tmp_path)
    (problem,) = run.problems
    assert problem.startswith("page.md:1: the block prints, but no ```text block")
    fixed = update(text.replace("'''", FENCE3), run.edits)
    assert fixed.startswith("```python\nprint('hello')\n```\n\n```text\nhello\n```\n\nProse.")


def test_an_exception_names_the_page_and_its_line(tmp_path: Path) -> None:
    blocks = page("# Title\n\n'''python\nx = 1\nraise KeyError(x)\n'''\n")
    with contextlib.chdir(tmp_path), pytest.raises(KeyError) as raised:
        run_page(blocks, tmp_path)
    assert raised.value.__notes__ == ["raised by the python block at page.md:3"]
    assert raised.traceback[-1].lineno + 1 == 5  # the page's line (pytest counts from 0)


def test_commands_run_on_files_of_the_page_and_show_their_exit_status(tmp_path: Path) -> None:
    event = eventfile.dumps(webinar()).replace("capacity = 30", "capacity = 0")
    text = (
        f"<!-- file: event.toml -->\n'''toml\n{event}'''\n\n'''console\n"
        "$ ran-events check \\\n    event.toml\n"
        "ran-events check: event.toml:...: capacity: ...\n[1]\n'''\n"
    )
    blocks = page(text)
    assert [b.role for b in blocks] == ["file", "run"]
    (command,) = commands(blocks[1])
    assert (command.argv, command.status) == (["check", "event.toml"], 1)
    with contextlib.chdir(tmp_path):
        assert run_page(blocks, tmp_path) == PageRun()
        wrong = text.replace("[1]\n", "")
        run = run_page(page(wrong), tmp_path)
    (problem,) = run.problems
    assert f"`ran-events check event.toml` (page.md:{blocks[1].line + 1}) prints" in problem
    assert problem.endswith("+[1]")
    fixed = update(wrong.replace("'''", FENCE3), run.edits)
    assert fixed.endswith(
        "    event.toml\nran-events check: event.toml:6: capacity: 0 is not valid; "
        "expected a whole number of places, at least 1\n[1]\n```\n"
    )


def test_every_block_is_run_shown_a_file_a_directive_or_marked_with_a_reason() -> None:
    blocks = page(
        "'''toml\na = 1\n'''\n"
        "<!-- not-run: a fragment -->\n'''toml\na = 1\n'''\n"
        "<!-- not-run: -->\n'''toml\na = 1\n'''\n"
        "'''console\n$ pip install ran-events\n'''\n"
        "'''console\nran-events demo\n'''\n"
        "'''{eval-rst}\n.. autofunction:: ran_events.select\n'''\n"
        "~~~markdown\n'''python\n'''\n~~~\n"
        "- In a list:\n\n  '''python\n  if True:\n      pass\n  '''\n"
        "<!-- not-run: slow -->\n'''python\nimport this\n'''\n"
    )
    assert [b.role for b in blocks] == [
        "unmarked", "not-run", "not-run", "run", "run", "directive", "unmarked", "run", "not-run"
    ]  # fmt: skip
    assert blocks[-3].text == "```python\n```\n"  # another fence holds this one
    assert blocks[-2].text == "if True:\n    pass\n"
    problems = unclassified(blocks)
    assert [p.split(":", 2)[1] for p in problems] == ["1", "9", "12", "16", "21", "32"]
    assert "not a `ran-events` command" in problems[2]


@pytest.mark.parametrize(
    ("shown", "printed", "same"),
    [
        ("a\nb", "a  \nb\n\n", True),
        ("a\nb", "a\nc", False),
        ("rank ... (ticket ...)", "rank 1 (ticket 02b5)", True),
        ("rank ...", "rank 1\nmore", False),  # within its line only
        ("head\n...\ntail", "head\n1\n2\ntail", True),
        ("head\n...\ntail", "head\ntail", True),
        ("head\n...\ntail", "head\n1", False),
        ("x.y", "xzy", False),  # the rest is literal
    ],
)
def test_outputs_are_compared_exactly_but_for_trailing_space_and_ellipses(
    shown: str, printed: str, same: bool
) -> None:
    assert matches(shown, printed) is same

"""What the commands print, and how: two consoles (stderr for what happens, stdout for the figures), the progress
bar, a word in colour, and tables that fit the terminal (narrowed first where only their header is wide, then at
their widest columns, never past their longest word; else shown a block a row, as psql's expanded display shows a
table too wide).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table
from rich.text import Text

# no markup: names of samples and files print as they are (a folder "KO [clone 3]" lost its brackets as a style, and
# one with "[/]" raised rich's MarkupError); a word in colour is a Text (flag)
console = Console(stderr=True, soft_wrap=True, markup=False)
# full tables in logs (120 columns), unless COLUMNS says how wide
stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120, markup=False)


def _speed_column():
    from rich.progress import ProgressColumn

    class SpeedColumn(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed:.0f} img/s" if task.speed else "", style="progress.data.speed")

    return SpeedColumn()


@contextmanager
def progress_bar(description: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A bar on stderr that the API's ``progress`` callback (done, total) moves; None, and no bar, where ``quiet`` or
    stderr is a log or a pipe."""
    if quiet or not console.is_terminal:  # no bar in logs and pipes
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _speed_column(),
               TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def flag(word: str, rest: str) -> None:
    """A line on stderr whose first ``word`` is in colour (where the terminal shows colour): what to look at."""
    console.print(Text.assemble((word, "yellow"), rest))


def show_rows(rows: list[dict], title: str) -> None:
    """Rows of figures under their keys, which wrap at their words (``n_true`` as ``n true``); ``-`` for None."""
    table = Table(title=title, box=None)
    for key in rows[0]:
        table.add_column(key.replace("_", " "), justify="left" if key in ("sample", "image") else "right")
    for row in rows:
        table.add_row(*("-" if value is None else str(value) for value in row.values()))
    show(table)


def show(table: Table) -> None:
    """A table on stdout, its columns narrowed to fit the terminal where their words allow (:func:`fit_columns`);
    narrower still, a block per row (:func:`show_records`), where rich folded figures and names inside their words
    ("(0.0-14.7" over ")") at 60 columns."""
    if not fit_columns(table, stdout.width):
        show_records(table)
        return
    for column in table.columns:
        column.overflow = "fold"  # rather than an ellipsis (rich's default): a long word is never cut short
    stdout.print(table)


def show_records(table: Table) -> None:
    """``table`` as psql's expanded display shows one too wide for the terminal: a block per row, each value after its
    column's name, on a line of its own; a row whose name is indented (``  corrected``) heads a block under the one
    before."""
    names = [str(column.header) for column in table.columns]
    if table.title:
        stdout.print(table.title, highlight=False)
    for first, *values in zip(*([str(cell) for cell in column.cells] for column in table.columns)):
        indent = first[: len(first) - len(first.lstrip())]
        stdout.print(first if indent else f"{names[0]}: {first}", highlight=False)
        for name, value in zip(names[1:], values):
            if value:
                stdout.print(f"{indent}  {name}: {value}", highlight=False)
    if table.caption:
        stdout.print(table.caption, highlight=False)


def fit_columns(table: Table, width: int) -> bool:
    """Fix the columns' widths so that ``table`` fits in ``width`` characters, each column no narrower than its
    longest word, the widest narrowed first; False where it cannot. Rich narrows the widest past their longest word
    (``spread1.p`` over ``ng``) while others have room to spare; a table that fits as it is is left to rich. Widths
    are the terminal's cells: a Japanese or Chinese character takes two (sample folders named so).

    Columns wider than their figures for their header's sake are narrowed first, down to their figures: a header
    wraps at its words unharmed, where a figure wrapped is read badly ("0.37 (0.06 to" over "0.68)")."""
    from rich.cells import cell_len

    lines = [[line for text in (column.header, *column.cells) for line in str(text).splitlines()]
             for column in table.columns]
    widths = [max(map(cell_len, column), default=1) for column in lines]
    # a row's indent ("  labels") stays with its first word
    least = [max((cell_len(word) for line in column for word in re.findall(r"^ *\S+|\S+", line)), default=1)
             for column in lines]
    _, right, _, left = table.padding
    borders = 0 if table.box is None else len(lines) - 1 + 2 * table.show_edge
    room = width - borders - len(lines) * (left + right)
    if sum(widths) <= room:
        return True
    if sum(least) > room and table.pad_edge:  # narrower still: no padding at the table's two edges
        table.pad_edge, room = False, room + left + right
    if sum(least) > room:
        return False
    figures = [max((cell_len(line) for text in column.cells for line in str(text).splitlines()), default=1)
               for column in table.columns]
    for lowest in ([min(w, max(low, f)) for w, low, f in zip(widths, least, figures)], least):
        while sum(widths) > room and (narrowable := [i for i, (w, low) in enumerate(zip(widths, lowest)) if w > low]):
            widths[max(narrowable, key=widths.__getitem__)] -= 1  # the widest; of equals, the leftmost
    for column, column_width in zip(table.columns, widths):
        column.width = column_width
    return True

"""Counts and lists in words, as sccscore says them on the terminal, in errors and in reports: ``1 image``,
``2 images``, ``2 nuclei``, never ``image(s)``; ``wt, ko1 and ko2``; and the three types, as the paper names them."""

from __future__ import annotations

from collections.abc import Sequence

# the types, in the words of the paper (Ikemoto et al. 2023): the methods and a review's page say them alike
TYPES = "A (sisters cohered), B (arms open) or C (sisters apart at the centromere)"

# the plurals an s does not make, of the words counted (detect's statuses among them: sccscore.detect.Detection)
_PLURALS = {"nucleus": "nuclei", "debris": "debris", "box": "boxes"}


def noun(word: str, n: int) -> str:
    """``word`` as ``n`` of it are said: singular for one.

    >>> noun("sample", 1), noun("sample", 2), noun("nucleus", 2), noun("box", 2)
    ('sample', 'samples', 'nuclei', 'boxes')
    """
    return word if n == 1 else _PLURALS.get(word, f"{word}s")


def counted(n: int, word: str) -> str:
    """``n`` and ``word``, in the number it takes.

    >>> counted(1, "metaphase"), counted(2, "metaphase"), counted(0, "image"), counted(4, "debris")
    ('1 metaphase', '2 metaphases', '0 images', '4 debris')
    """
    return f"{n} {noun(word, n)}"


def percents_apart(first: float, second: float, signed: bool = False) -> tuple[str, str]:
    """Two percentages to one decimal, or to as many more (up to three) as they need to read apart: one call set
    right among 4,000 moves a share by 0.025 points. ``signed``: as differences in points, with their sign.

    >>> percents_apart(30.8, 36.7), percents_apart(30.8, 30.825), percents_apart(30.0, 30.0)
    (('30.8%', '36.7%'), ('30.80%', '30.82%'), ('30.0%', '30.0%'))
    >>> percents_apart(38.4, 39.5, signed=True)
    ('+38.4', '+39.5')
    """
    places = next((places for places in (1, 2, 3) if f"{first:.{places}f}" != f"{second:.{places}f}"), 1)
    shown = "{:+.{}f}" if signed else "{:.{}f}%"
    return shown.format(first, places), shown.format(second, places)


def abc_percents(shares: Sequence[float]) -> str:
    """Shares (of 1) as per cent, ``63.8 / 31.3 / 4.9``: spaced, so that they wrap in a narrow terminal.

    >>> abc_percents([0.638, 0.313, 0.049])
    '63.8 / 31.3 / 4.9'
    """
    return " / ".join(f"{100 * share:.1f}" for share in shares)


def listing(items: Sequence[str]) -> str:
    """Items in words, the last after "and".

    >>> listing(["wt"]), listing(["wt", "ko"]), listing(["wt", "ko1", "ko2"])
    ('wt', 'wt and ko', 'wt, ko1 and ko2')
    """
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def such_as(names: Sequence[object]) -> str:
    """The first of ``names`` as the example of them, or as the one it is.

    >>> such_as(["a.png", "b.png"]), such_as(["a.png"])
    ('such as a.png', 'namely a.png')
    """
    return f"{'such as' if len(names) > 1 else 'namely'} {names[0]}"


def named_among(names: Sequence[object], total: int, among: str, one: str, many: str) -> str:
    """Which of ``total`` things (``among``, as "spreads read") are ``one`` (said of a single thing) or ``many``
    (of more), the first of ``names`` given as the example.

    >>> for names, total in (["a.jpg"], 1), (["a.jpg"], 6), (["a.jpg", "b.jpg"], 6):
    ...     print(named_among(names, total, "spreads read", "a JPEG file", "JPEG files"))
    a.jpg is a JPEG file
    a.jpg is a JPEG file (1 of the 6 spreads read)
    2 of the 6 spreads read are JPEG files, such as a.jpg
    """
    if len(names) > 1:
        return f"{len(names)} of the {total} {among} are {many}, such as {names[0]}"
    return f"{names[0]} is {one}" + (f" (1 of the {total} {among})" if total > 1 else "")


def by_whom(reviewers: Sequence[str]) -> str:
    """Who typed a review's calls, as they wrote their names on its page ("": none written, or a table from before
    2026-12-07, when no name was kept).

    >>> by_whom(["ann"]), by_whom(["ann", "bob"]), by_whom(["ann", ""]), by_whom([""])
    (' by ann', ' by ann and bob', ' by ann and a reviewer who wrote no name', '')
    """
    named = [name for name in reviewers if name]
    return f" by {listing(named + (['a reviewer who wrote no name'] if '' in reviewers else []))}" if named else ""

"""Pinyin keys for the search box: initials and full pinyin, every reading of a polyphonic surname."""
import functools


@functools.lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """('zs zhs', 'zhangsan ...'): space-separated variants, one per reading of the surname."""
    if not name:
        return "", ""
    surname_readings = _surname_readings(name[0])
    rest = _given_pinyin(name[1:])
    rest_initials = "".join(p[0] for p in rest if p)
    initials, fulls = [], []
    for reading in surname_readings:
        reading = reading.lower()
        if not reading or not reading.isascii():
            continue
        ini = reading[0] + rest_initials
        full = reading + "".join(rest)
        if ini not in initials:
            initials.append(ini)
        if full not in fulls:
            fulls.append(full)
    return " ".join(initials), " ".join(fulls)


# The two halves are looked up apart, each once per distinct value: a district's borrowers share a few
# hundred surnames and far fewer given names than full names (an import of 100k new borrowers spent
# 1.7 s converting whole names). pypinyin is imported on first use: its phrase dictionary costs ~0.25 s
# and ~65 MiB, which every process importing the models paid (a re-import meeting no new borrower
# never needs it).
@functools.lru_cache(maxsize=4096)
def _surname_readings(char: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    return tuple(pinyin(char, style=Style.NORMAL, heteronym=True)[0])


@functools.lru_cache(maxsize=65536)
def _given_pinyin(given: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(given, style=Style.NORMAL))
